"""Static holds do not pulse: no keyframe lands inside a lecture's hold, so the still
picture is not re-quantised mid-hold (text edges jumping at every keyframe)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from descent.renders.encoder import ffmpeg_command
from descent.renders.presets import X264_FAST

W, H, FPS = 480, 272, 60


def _frame(shift: int) -> np.ndarray:
    """Text and thin lines on a dark page (what a scene's hold shows), moved by ``shift``."""
    image = Image.new("RGBA", (W, H), (14, 17, 23, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 15)
    for row in range(8):
        draw.text((10 + shift, 10 + 32 * row), f"loss 0.{row}123  step {row + shift}", font=font)
        draw.line((250, 20 + 30 * row, 470 - shift, 40 + 28 * row), fill=(213, 94, 0), width=2)
    return np.asarray(image)


def _largest_change_in_hold(options: dict[str, str], tmp_path: Path) -> int:
    import imageio_ffmpeg

    moving = [_frame(k) for k in range(60)]
    hold = [moving[-1]] * 300  # 5 s: x264's default keyframe interval (250) falls inside
    target = tmp_path / "hold.mp4"
    cmd = ffmpeg_command(target, width=W, height=H, fps=FPS, options=options)
    raw = b"".join(f.tobytes() for f in moving + hold)
    subprocess.run(cmd, input=raw, check=True, capture_output=True)
    decoded = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(target)]
        + ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        check=True,
        capture_output=True,
    ).stdout
    # from the hold's 10th frame: its first few frames still sharpen what moved (P-frames
    # refining), the same at any keyframe interval; a pulse is a jump later in the hold
    video = np.frombuffer(decoded, np.uint8).reshape(-1, H, W, 3)[len(moving) + 10 :].astype(int)
    return max(
        int((np.abs(b - a).max(-1) > 8).sum()) for a, b in zip(video[:-1], video[1:], strict=True)
    )


def test_a_hold_does_not_pulse_at_keyframes(tmp_path: Path) -> None:
    fast = dict(X264_FAST)  # 1080p60's settings: the coarsest quantiser, the worst case
    assert _largest_change_in_hold(fast, tmp_path) == 0
    # x264's own keyframe interval puts a keyframe in the hold: the picture jumps there
    assert _largest_change_in_hold({**fast, "g": "250"}, tmp_path) > 100
