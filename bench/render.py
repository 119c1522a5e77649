"""Render benchmark: descent vs the same animation written by hand with matplotlib.

Renders ``OptimizerRace`` (5 s of animation + descent's 1 s hold) at 854×480@15 and
1920×1080@60 with ``descent render``, and in the same run the same content the way a
user would write it without descent: a matplotlib ``FuncAnimation`` (heat map +
contours + six trails with dots + legend; the engine's own trajectories), saved with
ffmpeg libx264 ``veryfast`` at the same size, frame rate and frame count. Prints both
times, their ratio, and the real-time factor.

The encoder's floor: descent's own 1080p60 video decoded back to raw RGBA frames, held in
memory, and piped through the same ffmpeg command with the same libx264 settings
(``descent.renders.encoder.ffmpeg_command``), timed alone. That is what encoding this
video costs with no drawing at all; descent's render is shown as a multiple of it.

Then the docs GIF: descent's palette GIF (640 px, 15 fps requested — GIF delays are
centiseconds, so it is written at the nearest rate dividing 100) against Manim's own
``--format gif`` of the same scene at 854×480.

Caches: the run uses its own empty ``DESCENT_CACHE_DIR``. The 480p render comes first
and fills it (trajectories, landscape samples, text outlines), so the 1080p render is a
*second render of the scene*, the everyday case; one more 1080p render from an empty
cache shows the first-time cost (torch imported, trajectories computed, text laid out).
descent's renders are repeated (``--repeat``, default 3) and the median is shown: this
2-core machine's speed drifts by ±20 % over minutes.

Two lower bounds beside them: descent's worker rendering the scene with nothing drawn
(blank frames through the same pipeline: the least any render takes), and the time to
import torch and ``torch._dynamo`` (which ``torch.optim`` imports on first use), which a
first render pays and a warm one does not.

Targets: descent ≥ 10× faster than matplotlib at 1080p60, ≤ 1.5× the encoder's floor, no
slower than real time; a first render ≤ 1.3× a warm one; docs GIF ≤ 1.5 MB.

Run: ``.venv/bin/python bench/render.py [--skip-high]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCENT = str(Path(sys.executable).with_name("descent"))
ANIMATION_S = 5.0  # seconds of animation; descent adds its 1 s hold on the final frame
HOLD_S = 1.0


def time_descent(out: Path, quality: str, *extra: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [
            DESCENT,
            "render",
            "OptimizerRace",
            "--quality",
            quality,
            "--run-time",
            str(ANIMATION_S),
            "--force",
            "--no-progress",
            "--out",
            str(out),
            *extra,
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def time_encoder_floor(video: Path, width: int, height: int, fps: int, x264: dict) -> float:
    """ffmpeg alone: ``video``'s frames, decoded, through the same encoder command and settings."""
    import imageio_ffmpeg

    from descent.renders.encoder import ffmpeg_command

    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video)]
        + ["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ffmpeg_command(
            Path(tmp) / "floor.mp4", width=width, height=height, fps=fps, options=x264
        )
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        proc.stdin.write(raw)
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError("ffmpeg failed on the floor run")
        return time.perf_counter() - t0


#: the worker with Manim's drawing switched off: blank frames through descent's own pipeline
NO_DRAWING = (
    "import manim.camera.camera as c; c.Camera.capture_mobjects = lambda *a, **k: None; "
    "from descent.renders.worker import main; main()"
)


def time_without_drawing(work: Path, width: int, height: int, fps: int, x264: dict) -> float:
    """descent's worker rendering the race with nothing drawn (blank frames, which encode
    faster than real ones): Manim's import, the scene's set-up, every frame piped to the same
    ffmpeg. The least a render of this scene can take here, whatever the drawing costs."""
    job = {
        "scene": "OptimizerRace",
        "theme": "dark",
        "width": width,
        "height": height,
        "fps": fps,
        "x264": x264,
        "video": True,
        "png": False,
        "video_format": "mp4",
        "workdir": str(work),
        "name": "OptimizerRace",
        "run_time": ANIMATION_S,
    }
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", NO_DRAWING, json.dumps(job)],
        check=True,
        capture_output=True,
        cwd=str(ROOT),
    )
    return time.perf_counter() - t0


def time_torch_import() -> float:
    """Seconds to import torch and ``torch._dynamo`` in a fresh process (torch.optim imports
    the latter on an optimizer's first use), less an empty interpreter's start."""

    def run(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    return min(run("import torch, torch._dynamo") for _ in range(2)) - run("pass")


def time_matplotlib(path: Path, width: int, height: int, fps: int) -> float:
    """The same content hand-written with matplotlib (what a user would do without descent)."""
    t0 = time.perf_counter()
    import imageio_ffmpeg
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.animation import FFMpegWriter, FuncAnimation

    from descent.scenes import get_scene

    plt.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    scene = get_scene("OptimizerRace")
    land, trajs = scene.simulate()
    shown = object.__new__(scene)  # only for its view logic: no Scene is built
    (x0, x1), (y0, y1) = shown.view_for(land, trajs)  # the same view box descent shows
    xs, ys = np.linspace(x0, x1, 220), np.linspace(y0, y1, 220)
    grid = land.grid(xs, ys)
    frames = int(round((ANIMATION_S + HOLD_S) * fps))
    anim_frames = int(round(ANIMATION_S * fps))
    colors = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#CC79A7", "#D55E00"]

    fig, ax = plt.subplots(figsize=(width / 100, height / 100), dpi=100)
    fig.patch.set_facecolor("#0E1117")
    ax.imshow(
        np.log1p(grid - grid.min()),
        extent=(x0, x1, y0, y1),
        origin="lower",
        cmap="Blues_r",
        aspect="auto",
    )
    ax.contour(
        xs, ys, np.log1p(grid - grid.min()), levels=12, colors="white", linewidths=0.6, alpha=0.3
    )
    lines = [
        ax.plot([], [], color=c, lw=2, label=t.label)[0] for t, c in zip(trajs, colors, strict=True)
    ]
    dots = [ax.plot([], [], "o", color=c, ms=8, mec="white")[0] for c in colors]
    ax.legend(loc="upper right", fontsize=9)
    ax.set_title("Optimizer race across a ravine", color="white")

    def update(i: int) -> list:
        s = min(i / max(anim_frames - 1, 1), 1.0) * trajs[0].steps
        n = int(s)
        for t, line, dot in zip(trajs, lines, dots, strict=True):
            p = np.asarray(t.params)
            here = p[n] if n + 1 >= len(p) else p[n] + (s - n) * (p[n + 1] - p[n])
            path = np.vstack([p[: n + 1], here])
            line.set_data(path[:, 0], path[:, 1])
            dot.set_data([here[0]], [here[1]])
        return [*lines, *dots]

    anim = FuncAnimation(fig, update, frames=frames, blit=False)
    writer = FFMpegWriter(
        fps=fps, codec="libx264", extra_args=["-preset", "veryfast", "-pix_fmt", "yuv420p"]
    )
    # importing the scenes brought Manim's INFO-level rich logging: keep matplotlib quiet
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    logging.getLogger("matplotlib.animation").setLevel(logging.WARNING)
    anim.save(str(path), writer=writer, dpi=100)
    plt.close(fig)
    return time.perf_counter() - t0


def manim_gif_size(work: Path) -> int:
    """Manim's own --format gif of the same scene (fixed palette, full size)."""
    job = {
        "scene": "OptimizerRace",
        "theme": "dark",
        "width": 854,
        "height": 480,
        "fps": 15,
        "video": True,
        "png": False,
        "video_format": "gif",
        "workdir": str(work),
        "name": "OptimizerRace",
        "run_time": ANIMATION_S,
    }
    out = subprocess.run(
        [sys.executable, "-m", "descent.renders.worker", json.dumps(job)],
        check=True,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    )
    return Path(json.loads(out.stdout.strip().splitlines()[-1])["video"]).stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-high", action="store_true", help="skip the 1080p60 comparison")
    parser.add_argument(
        "--repeat", type=int, default=3, help="descent renders per size; the median is shown"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from descent.renders.media import probe
    from descent.renders.presets import QUALITIES

    video_s = ANIMATION_S + HOLD_S
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cache = tmp_path / "cache"
        os.environ["DESCENT_CACHE_DIR"] = str(cache)  # this run's own, empty at first
        print(
            f"render benchmark: OptimizerRace, {ANIMATION_S:g} s animation + {HOLD_S:g} s hold = {video_s:g} s video"
        )
        sizes = [("low", 854, 480, 15)] + ([] if args.skip_high else [("high", 1920, 1080, 60)])
        for quality, w, h, fps in sizes:
            # the first render of the first size fills the cache; later ones are second renders
            runs, floors, blanks = [], [], []
            x264 = dict(QUALITIES[quality].x264)
            for i in range(max(args.repeat, 1)):
                runs.append(time_descent(tmp_path / quality, quality))
                video = tmp_path / quality / "OptimizerRace.mp4"
                floors.append(time_encoder_floor(video, w, h, fps, x264))  # alternate: same drift
                if quality == "high":
                    blanks.append(time_without_drawing(tmp_path / f"blank{i}", w, h, fps, x264))
            d = statistics.median(runs)
            enc = statistics.median(floors)
            spread = (
                f"median of {len(runs)}: {min(runs):.1f}–{max(runs):.1f} s" if len(runs) > 1 else ""
            )
            info = probe(tmp_path / quality / "OptimizerRace.mp4")
            m_path = tmp_path / f"mpl-{quality}.mp4"
            m = time_matplotlib(m_path, w, h, fps)
            m_info = probe(m_path)
            settings = " ".join(f"{k} {v}" for k, v in x264.items())
            size = (tmp_path / quality / "OptimizerRace.mp4").stat().st_size / 1e6
            print(
                f"  {w}×{h}@{fps}: descent {d:6.1f} s ({info.frames} frames, {size:.2f} MB, x264 {settings})   "
                f"matplotlib {m:6.1f} s ({m_info.frames} frames)   "
                f"descent is {m / d:4.1f}× faster{' (target ≥ 10×)' if quality == 'high' else ''}; "
                f"{d / video_s:4.2f}× real time   {spread}"
            )
            print(
                f"      encoder floor (the same frames through the same ffmpeg alone): {enc:5.2f} s;"
                f" descent is {d / enc:4.2f}× the floor"
                + (
                    " (target ≤ 1.5×)"
                    if quality == "high"
                    else " (start-up dominates at this size)"
                )
            )
            if blanks:
                blank = statistics.median(blanks)
                print(
                    f"      with nothing drawn (descent's worker alone: Manim's import, set-up,"
                    f" blank frames piped): {blank:5.2f} s = {blank / enc:4.2f}× the floor,"
                    f" the least any render of this scene takes here"
                )
            warm = d
        if not args.skip_high:
            shutil.rmtree(cache)
            cold = time_descent(tmp_path / "cold", "high")
            print(
                f"  1920×1080@60 from an empty cache (first render of the scene): descent {cold:6.1f} s; "
                f"{cold / warm:4.2f}× the warm render (target ≤ 1.3×); {cold / video_s:4.2f}× real time"
            )
            torch_s = time_torch_import()
            print(
                f"      of its {cold - warm:4.1f} s more: importing torch and torch._dynamo alone"
                f" takes {torch_s:4.1f} s ({(warm + torch_s) / warm:4.2f}× the warm render)"
            )

        gif_dir = tmp_path / "gif"
        subprocess.run(
            [
                DESCENT,
                "render",
                "OptimizerRace",
                "--quality",
                "low",
                "--run-time",
                str(ANIMATION_S),
                "--format",
                "gif",
                "--gif-width",
                "640",
                "--gif-fps",
                "15",
                "--no-progress",
                "--out",
                str(gif_dir),
            ],
            check=True,
            capture_output=True,
        )
        gif = gif_dir / "OptimizerRace.gif"
        g = probe(gif)
        ours = gif.stat().st_size
        theirs = manim_gif_size(tmp_path / "manim-gif")
        print(
            f"  docs GIF: descent {ours / 1e6:5.2f} MB ({g.width} px, {g.fps:g} fps, {g.duration:.1f} s; target ≤ 1.5 MB)"
            f"   Manim's own GIF {theirs / 1e6:5.2f} MB (854 px, 15 fps)   ratio {theirs / ours:4.1f}×"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
