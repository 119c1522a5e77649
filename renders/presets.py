"""Quality presets and output formats of the ``descent`` command.

Presets follow Manim's: low = 854×480@15, medium = 1280×720@30, high = 1920×1080@60,
4k = 3840×2160@60; ``preview`` is smaller and faster still (426×240@10).

Examples
--------
>>> QUALITIES["high"].width, QUALITIES["high"].fps, dict(QUALITIES["high"].x264)["preset"]
(1920, 60, 'ultrafast')
>>> parse_formats("mp4,gif")
('mp4', 'gif')
"""

from __future__ import annotations

from dataclasses import dataclass

from descent.engine.errors import EngineError, unknown_name

__all__ = [
    "KEYFRAME_SECONDS",
    "keyframe_interval",
    "Quality",
    "QUALITIES",
    "FORMATS",
    "THEMES",
    "parse_formats",
    "get_quality",
    "check_fps",
]


#: libx264 settings for small files: ``veryfast`` encoded ~35 % faster than the default
#: here, and smaller
X264_SMALL = (("preset", "veryfast"), ("crf", "23"))
#: libx264 settings for 60 fps at 1080p and up, where encoding is half of a render's CPU.
#: Measured on OptimizerRace at 1080p60 against the rendered RGBA frames: ``ultrafast``
#: at CRF 28 needs a third less encoder CPU than ``veryfast`` at CRF 23 and scores higher
#: (SSIM 0.9967 vs 0.9962, PSNR 48.8 vs 44.5 dB); its files are 3× larger (1.15 vs
#: 0.38 MB for 5 s, about 1.8 Mbit/s). ``bench/render.py`` measures the render speed.
X264_FAST = (("preset", "ultrafast"), ("crf", "28"))
#: seconds between forced keyframes. x264's default (250 frames: 4.2 s at 60 fps) puts a
#: keyframe inside most of a lecture's holds, and a keyframe re-quantises the whole still
#: picture: text edges visibly jump ("pulse"). Measured on 1080p60 frames of OptimizerRace
#: (120 changing frames, then a 260-frame hold; ultrafast, CRF 28): the largest change
#: between two frames of the hold falls from 24,013 pixels by more than 8 levels to 0, the
#: encoder time is unchanged (0.98× over 5 alternating runs), the file a quarter smaller.
#: ``tune=animation`` also removed it but took 1.32× as long. Scene cuts still get theirs.
KEYFRAME_SECONDS = 20.0


def keyframe_interval(fps: float) -> int:
    """Frames between forced keyframes at ``fps``: :data:`KEYFRAME_SECONDS` of video.

    Examples
    --------
    >>> keyframe_interval(60), keyframe_interval(15)
    (1200, 300)
    """
    return max(1, round(KEYFRAME_SECONDS * fps))


@dataclass(frozen=True)
class Quality:
    """A render size and frame rate, and the H.264 encoder settings used for it."""

    name: str
    width: int
    height: int
    fps: int
    x264: tuple[tuple[str, str], ...] = X264_SMALL


QUALITIES: dict[str, Quality] = {
    q.name: q
    for q in (
        Quality("preview", 426, 240, 10),
        Quality("low", 854, 480, 15),
        Quality("medium", 1280, 720, 30),
        Quality("high", 1920, 1080, 60, X264_FAST),
        Quality("4k", 3840, 2160, 60, X264_FAST),
    )
}
#: mp4 (H.264), gif (palette), webm (VP9; with alpha for the transparent theme), png (last
#: frame), mov (QuickTime Animation with alpha, transparent theme only), html (the interactive
#: player of the exact runs: one offline file, ``descent.renders.player``)
FORMATS = ("mp4", "gif", "webm", "png", "mov", "html")
THEMES = ("dark", "light", "transparent")


def get_quality(name: str) -> Quality:
    if name not in QUALITIES:
        raise unknown_name("quality", name, QUALITIES)
    return QUALITIES[name]


def parse_formats(text: str) -> tuple[str, ...]:
    """``"mp4,gif"`` → ``("mp4", "gif")``; unknown names raise with the known ones."""
    out: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise unknown_name("format", name, FORMATS)
        if name not in out:
            out.append(name)
    if not out:
        raise EngineError("no output format given; known: " + ", ".join(FORMATS))
    return tuple(out)


def check_fps(fps: float) -> float:
    if not (1 <= fps <= 120):
        raise EngineError(f"fps must be between 1 and 120; got {fps:g}")
    return fps
