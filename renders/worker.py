"""Render one scene in this process (Manim's config is global: one scene per process).

Run by the pipeline as ``python -m descent.renders.worker '<json job>'``; prints one JSON line
with the files it wrote into the job's work folder. Never writes anywhere else.

MP4 frames go to an ffmpeg process through :class:`descent.renders.encoder.PipeFileWriter`, with
the job's libx264 settings (``descent.renders.presets``); WebM and MOV (the transparent theme) and
Manim's own GIF go through Manim's writer.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["render", "main"]


def load_scene(job: dict[str, Any]) -> Any:
    """The scene class of a job: a registry name, or a TOML spec file."""
    if job.get("spec"):
        from descent.renders.spec_scenes import scene_from_spec

        return scene_from_spec(Path(job["spec"]))
    from descent.scenes import get_scene

    return get_scene(job["scene"])


def render(job: dict[str, Any]) -> dict[str, Any]:
    """Render ``job`` (scene, quality, fps, theme, video, png, workdir) into its work folder."""
    os.environ["DESCENT_THEME"] = job["theme"]
    from manim import tempconfig

    from descent.renders.encoder import PipeFileWriter
    from descent.renders.media import save_png

    cls = load_scene(job)
    if job.get("run_time"):  # a variant is a subclass that changes class attributes
        cls = type(cls.__name__, (cls,), {"run_time": float(job["run_time"])})
    work = Path(job["workdir"])
    transparent = job["theme"] == "transparent"
    video_format = job.get("video_format") or ("webm" if transparent else "mp4")
    settings: dict[str, Any] = {
        "media_dir": str(work),
        "pixel_width": job["width"],
        "pixel_height": job["height"],
        "frame_rate": job["fps"],
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "format": video_format if job["video"] else "png",
        "transparent": transparent,
        "output_file": job["name"],
    }
    with tempconfig(settings):
        scene = cls()
        if job["video"] and video_format == "mp4":
            # frames go to an ffmpeg process, beside the frame loop (descent.renders.encoder)
            writer = PipeFileWriter(scene.file_writer_settings)
            writer.options = dict(job.get("x264", {}))  # over the defaults (ffmpeg_command)
            scene.renderer.file_writer = writer
        scene.render()
        writer = scene.renderer.file_writer
        out: dict[str, Any] = {}
        if job["video"]:
            out["video"] = str(writer.movie_file_path)
            srt = Path(writer.movie_file_path).with_suffix(".srt")
            if srt.is_file() and srt.stat().st_size:
                out["srt"] = str(srt)
        if job["png"]:
            frame = scene.renderer.get_frame()
            out["png"] = str(save_png(frame, work / f"{job['name']}.png"))
    return out


def main() -> None:
    job = json.loads(sys.argv[1])
    result = render(job)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
