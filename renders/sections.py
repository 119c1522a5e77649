"""Beats as clips, and captions burnt into the picture.

A scene's sections (Manim's ``next_section``, which descent's beats call) are recorded by
the worker with their start times; :func:`cut_sections` cuts the rendered MP4 into one
clip per section and writes an index, ``<Scene>.sections.json``::

    {"scene": "SaddlePoint", "duration": 9.1, "sections": [
        {"index": 1, "name": "the slope flattens", "start": 0.0, "end": 2.07,
         "file": "SaddlePoint.sections/01-the-slope-flattens.mp4",
         "narration": "Both start at w = 4 ..."}, ...]}

:func:`burn_captions` draws the ``.srt`` narration into the video itself (libass, through
the same ffmpeg), for platforms that drop sidecar files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from descent.engine.errors import EngineError
from descent.engine.fileio import atomic_path
from descent.renders.presets import keyframe_interval

__all__ = [
    "CAPTION_BAND",
    "caption_layout",
    "Section",
    "sections_from",
    "cut_sections",
    "burn_captions",
    "read_srt",
    "slug",
]

#: sections shorter than this (seconds) are merged into the next: a beat at the very end
MIN_SECONDS = 0.05


def slug(text: str) -> str:
    """A file-name-safe form of a section name.

    Examples
    --------
    >>> slug("Momentum passes the saddle!")
    'momentum-passes-the-saddle'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "section"


def read_srt(path: Path | None) -> list[tuple[float, float, str]]:
    """``(start, end, text)`` of every cue of an ``.srt`` file (none if missing)."""
    if path is None or not path.is_file():
        return []
    import srt

    return [
        (c.start.total_seconds(), c.end.total_seconds(), " ".join(c.content.split()))
        for c in srt.parse(path.read_text(encoding="utf-8"))
    ]


Section = dict[str, Any]


def sections_from(
    marks: Sequence[dict[str, Any]], duration: float, cues: Sequence[tuple[float, float, str]]
) -> list[Section]:
    """Sections ``{name, start, end, narration}`` from the worker's marks (the start of each
    ``next_section``); the narration of a section is every cue that starts in it. Empty
    sections are dropped; with no marks the whole video is one section."""
    points = [(float(m["start"]), str(m["name"])) for m in marks if float(m["start"]) < duration]
    steps = {float(m["start"]): m["step"] for m in marks if "step" in m}  # the clock's step
    if not points or points[0][0] > MIN_SECONDS:
        points.insert(0, (0.0, "start"))
    found: list[Section] = []
    for i, (start, name) in enumerate(points):
        end = points[i + 1][0] if i + 1 < len(points) else duration
        if end - start < MIN_SECONDS:
            continue
        said = [text for t0, _, text in cues if start - 0.02 <= t0 < end - 0.02]  # srt: ms
        found.append({"name": name, "start": start, "end": end, "narration": " ".join(said)})
        if start in steps:
            found[-1]["step"] = float(steps[start])
    if found:
        found[-1]["end"] = duration
    return found


def _ffmpeg(args: list[str], *, cwd: Path | None = None, what: str = "ffmpeg") -> None:
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise EngineError(f"{what} failed: {lines[-1] if lines else proc.returncode}")


def _x264(options: dict[str, str], fps: float = 60.0) -> list[str]:
    """libx264 arguments: ``options``, and keyframes :data:`KEYFRAME_SECONDS` apart at
    ``fps`` (default: 60, the most any preset uses), so holds do not pulse."""
    out = ["-c:v", "libx264"]
    for key, value in {"g": str(keyframe_interval(fps)), **options}.items():
        out += [f"-{key}", str(value)]
    return [*out, "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-an"]


def cut_sections(
    video: Path,
    sections: Sequence[Section],
    out_dir: Path,
    name: str,
    options: dict[str, str],
) -> list[Path]:
    """Cut ``video`` into one MP4 per section (frame-accurate: re-encoded with the job's
    x264 settings) under ``out_dir/<name>.sections/`` and write the index beside it.

    Clips of an earlier render that the new index does not name are removed."""
    folder = out_dir / f"{name}.sections"
    folder.mkdir(parents=True, exist_ok=True)
    entries, written = [], []
    for i, sec in enumerate(sections, start=1):
        clip = folder / f"{i:02d}-{slug(sec['name'])}.mp4"
        with atomic_path(clip) as tmp:
            _ffmpeg(
                [
                    "-ss",
                    f"{sec['start']:.4f}",
                    "-i",
                    str(video),
                    "-t",
                    f"{sec['end'] - sec['start']:.4f}",
                ]
                + _x264(options)
                + ["-f", "mp4", "-y", str(tmp)]
            )
        written.append(clip)
        entries.append({"index": i, **sec, "file": f"{folder.name}/{clip.name}"})
    for stale in folder.glob("*.mp4"):
        if stale not in written:
            stale.unlink()
    index = out_dir / f"{name}.sections.json"
    duration = sections[-1]["end"] if sections else 0.0
    with atomic_path(index) as tmp:
        tmp.write_text(
            json.dumps({"scene": name, "duration": duration, "sections": entries}, indent=1)
        )
    return [index, *written]


#: the share of the frame's height kept for burned captions, under the picture
CAPTION_BAND = 0.17


def caption_layout(width: int, height: int, band: float = CAPTION_BAND) -> tuple[int, int, int]:
    """``(picture width, picture height, left offset)``: the scene's picture scaled (aspect
    kept, even sizes for yuv420p) to leave the bottom ``band`` of a ``width × height``
    frame free for captions.

    Examples
    --------
    >>> caption_layout(1280, 720)
    (1058, 596, 110)
    """
    ph = int(height * (1 - band)) // 2 * 2
    pw = int(width * ph / height) // 2 * 2
    return pw, ph, (width - pw) // 2 // 2 * 2


def _background(video: Path) -> str:
    """The colour of the video's first frame at its bottom-left corner (the scene's page),
    as ffmpeg writes colours: ``0xRRGGBB``."""
    from descent.renders.media import read_frames

    frame = read_frames(video, 1)[0][1]
    r, g, b = (int(v) for v in np.median(frame[-8:, :8].reshape(-1, 3), axis=0))
    return f"0x{r:02X}{g:02X}{b:02X}"


def burn_captions(video: Path, srt_file: Path, target: Path, options: dict[str, str]) -> Path:
    """``video`` with the cues of ``srt_file`` burned in, in a band of their own: the
    picture is scaled down (aspect kept) and centred above a band of
    :data:`CAPTION_BAND` of the height in the page's colour, and the captions (DejaVu Sans)
    are drawn in that band, so nothing of the plot is under them. Re-encoded with the
    job's x264 settings; the frame size stays the same."""
    from descent.renders.media import probe

    local = target.parent / "captions.srt"  # the filter's own syntax wants a plain name
    shutil.copyfile(srt_file, local)
    info = probe(video)
    pw, ph, left = caption_layout(info.width, info.height)
    # libass lays subtitles out on 288 rows: the band is CAPTION_BAND of them
    style = (
        "FontName=DejaVu Sans,FontSize=14,PrimaryColour=&H00FFFFFF,BorderStyle=4,"
        "BackColour=&H90000000,Outline=0,Shadow=0,MarginV=6,MarginL=20,MarginR=20"
    )
    chain = (
        f"scale={pw}:{ph},pad={info.width}:{info.height}:{left}:0:color={_background(video)},"
        f"subtitles={local.name}:force_style='{style}'"
    )
    _ffmpeg(
        ["-i", str(video), "-vf", chain] + [*_x264(options), "-y", str(target)],
        cwd=local.parent,
        what="burning captions",
    )
    return target
