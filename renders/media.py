"""Video post-processing with PyAV: palette GIF, VP9 WebM, probing, storyboards.

Frames are read (:func:`read_frames`) and written (:func:`save_png`) with ``imageio.v3``
(its PyAV plugin for video, Pillow for PNG). Transcoding (palette GIF, WebM) and probing
use PyAV itself: they need its filter graphs (``palettegen``/``paletteuse``, ``scale``),
encoder options and container metadata (a GIF's loop count), which imageio does not expose.

Every writer goes through :func:`descent.engine.atomic_path`: the result appears under its final
name only when complete, so an interrupted run never leaves a truncated file in place
of a good one.

Examples
--------
>>> info = probe("media/LearningRates.mp4")  # doctest: +SKIP
>>> info.width, info.height, info.fps, info.frames  # doctest: +SKIP
(854, 480, 15.0, 131)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from descent.engine.fileio import atomic_path

__all__ = [
    "VideoInfo",
    "probe",
    "to_gif",
    "gif_fps",
    "to_webm",
    "read_frames",
    "storyboard",
    "save_png",
]

#: GIF frame delays are whole centiseconds: frame rates that divide 100 play exactly.
GIF_RATES = (50, 25, 20, 10, 5, 4, 2, 1)


@dataclass(frozen=True)
class VideoInfo:
    """What a decoded file really holds."""

    width: int
    height: int
    fps: float
    frames: int
    duration: float
    codec: str
    pix_fmt: str
    loop: int | None = None


def probe(path: str | Path) -> VideoInfo:
    """Decode ``path`` completely and report size, frame rate and frame count."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        pix_fmt = stream.codec_context.pix_fmt or ""
        # the nominal rate (r_frame_rate): concatenated segments can skew the average slightly
        rate = stream.base_rate or stream.guessed_rate or stream.average_rate
        frames = 0
        last_time = 0.0
        for frame in container.decode(stream):
            frames += 1
            if frame.time is not None:
                last_time = float(frame.time)
        width, height = stream.codec_context.width, stream.codec_context.height
        loop = None
        if container.format.name == "gif":
            loop = _gif_loop(Path(path))
    fps = float(rate) if rate else 0.0
    duration = frames / fps if fps else last_time
    return VideoInfo(width, height, fps, frames, duration, codec, pix_fmt, loop)


def _gif_loop(path: Path) -> int | None:
    """The NETSCAPE2.0 loop count of a GIF (0 = forever), ``None`` if it does not loop."""
    data = path.read_bytes()
    i = data.find(b"NETSCAPE2.0")
    if i < 0:
        return None
    return int.from_bytes(data[i + 13 : i + 15], "little")


def gif_fps(requested: float) -> int:
    """The nearest frame rate that divides 100 (GIF delays are centiseconds)."""
    return min(GIF_RATES, key=lambda r: (abs(r - requested), -r))


def _gif_once(source: Path, target: Path, *, width: int, fps: int) -> None:
    with av.open(str(source)) as src, atomic_path(target) as tmp:
        stream = src.streams.video[0]
        w0, h0 = stream.codec_context.width, stream.codec_context.height
        width = min(width, w0)
        height = max(2, int(round(h0 * width / w0 / 2)) * 2)
        with av.open(str(tmp), "w", format="gif", options={"loop": "0"}) as dst:
            out = dst.add_stream("gif", rate=fps)
            out.width, out.height, out.pix_fmt = width, height, "pal8"
            graph = av.filter.Graph()
            buffer = graph.add_buffer(template=stream)
            rate = graph.add("fps", f"fps={fps}")
            scale = graph.add("scale", f"{width}:{height}:flags=lanczos")
            split = graph.add("split")
            palettegen = graph.add("palettegen", "stats_mode=diff")
            paletteuse = graph.add("paletteuse", "dither=bayer:bayer_scale=4:diff_mode=rectangle")
            sink = graph.add("buffersink")
            buffer.link_to(rate)
            rate.link_to(scale)
            scale.link_to(split)
            split.link_to(palettegen, 0, 0)
            split.link_to(paletteuse, 1, 0)
            palettegen.link_to(paletteuse, 0, 1)
            paletteuse.link_to(sink)
            graph.configure()
            for frame in src.decode(stream):
                graph.push(frame)
            graph.push(None)
            n = 0
            while True:
                try:
                    frame = graph.pull()
                except (av.error.EOFError, av.error.BlockingIOError):
                    break
                frame.pts = n
                frame.time_base = Fraction(1, fps)
                n += 1
                dst.mux(out.encode(frame))
            dst.mux(out.encode())


def to_gif(
    source: str | Path,
    target: str | Path,
    *,
    width: int = 640,
    fps: float = 20,
    max_mb: float | None = None,
) -> tuple[Path, int, int]:
    """A looping GIF with a real palette (ffmpeg ``palettegen``/``paletteuse``).

    Scaled to ``width`` px (never up), at the frame rate dividing 100 nearest to ``fps``.
    With ``max_mb``, width and then frame rate are lowered until the file fits.
    Returns ``(path, width, fps)`` as written.
    """
    source, target = Path(source), Path(target)
    rate = gif_fps(fps)
    while True:
        _gif_once(source, target, width=width, fps=rate)
        size_mb = target.stat().st_size / 1e6
        if max_mb is None or size_mb <= max_mb:
            return target, width, rate
        shrink = math.sqrt(max_mb / size_mb) * 0.95
        if width > 240 and shrink < 1:
            width = max(240, int(width * max(shrink, 0.6)) // 2 * 2)
        elif rate > GIF_RATES[-3]:
            rate = next(r for r in GIF_RATES if r < rate)
        else:
            return target, width, rate  # smallest we go; caller reports the size


def to_webm(source: str | Path, target: str | Path) -> Path:
    """Transcode to WebM (VP9, yuv420p, realtime speed settings)."""
    source, target = Path(source), Path(target)
    with av.open(str(source)) as src, atomic_path(target) as tmp:
        stream = src.streams.video[0]
        with av.open(str(tmp), "w", format="webm") as dst:
            rate = stream.average_rate or Fraction(30)
            out = dst.add_stream(
                "libvpx-vp9",
                rate=rate,
                options={
                    "deadline": "realtime",
                    "cpu-used": "8",
                    "row-mt": "1",
                    "crf": "32",
                    "b": "0",
                },
            )
            out.width, out.height, out.pix_fmt = (
                stream.codec_context.width,
                stream.codec_context.height,
                "yuv420p",
            )
            for frame in src.decode(stream):
                frame.pict_type = av.video.frame.PictureType.NONE
                dst.mux(out.encode(frame))
            dst.mux(out.encode())
    return target


def read_frames(path: str | Path, count: int) -> list[tuple[float, np.ndarray]]:
    """``count`` frames evenly spread over the video, always including the last one, each
    with its time (frame index / frame rate: descent's videos have a constant rate).

    Read with ``imageio.v3`` through its PyAV plugin (the same decoder, the same pixels),
    streaming: only the picked frames are kept (a 1080p60 minute is 22 GB decoded).
    """
    import imageio.v3 as iio

    with iio.imopen(path, "r", plugin="pyav") as video:
        fps = float(video.metadata()["fps"])
        total = int(video.properties().shape[0])  # the container's frame count
        frames = video.iter(format="rgb24")
        if total <= 0:  # not in the container: every frame, then pick
            every = list(frames)
            picks = np.unique(np.linspace(0, len(every) - 1, count).round().astype(int))
            return [(int(i) / fps, every[i]) for i in picks] if every else []
        wanted = set(np.unique(np.linspace(0, total - 1, count).round().astype(int)).tolist())
        out: list[tuple[float, np.ndarray]] = []
        last: tuple[float, np.ndarray] | None = None
        seen = 0
        for i, frame in enumerate(frames):
            last, seen = (i / fps, frame), i + 1
            if i in wanted:
                out.append(last)
    if last is not None and seen <= max(wanted):  # fewer frames than the container said
        out.append(last)
    return out


def storyboard(
    video: str | Path, target: str | Path, *, count: int = 9, columns: int = 3, title: str = ""
) -> Path:
    """One PNG: a grid of ``count`` key frames with their times."""
    shots = read_frames(video, count)
    h, w = shots[0][1].shape[:2]
    rows = math.ceil(len(shots) / columns)
    pad, head = 8, 28 if title else 0
    sheet = Image.new(
        "RGB", (columns * (w + pad) + pad, rows * (h + pad + 18) + pad + head), (24, 24, 28)
    )
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    if title:
        draw.text((pad, 8), title, fill=(240, 240, 240), font=font)
    for i, (time, img) in enumerate(shots):
        x = pad + (i % columns) * (w + pad)
        y = head + pad + (i // columns) * (h + pad + 18)
        sheet.paste(Image.fromarray(img), (x, y))
        draw.text((x + 2, y + h + 3), f"t = {time:.2f} s", fill=(200, 200, 200), font=font)
    target = Path(target)
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG")
    return target


def save_png(rgba: np.ndarray, target: str | Path) -> Path:
    """Write an RGBA frame as PNG, atomically."""
    import imageio.v3 as iio

    target = Path(target)
    with atomic_path(target) as tmp:
        iio.imwrite(tmp, np.ascontiguousarray(rgba), extension=".png")
    return target
