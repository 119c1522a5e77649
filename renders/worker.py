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
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from descent.engine.errors import EngineError

__all__ = ["render", "classes", "main"]


def load_scene(job: dict[str, Any]) -> Any:
    """The scene class of a job: a registry name, a TOML spec file, or a class of a scene
    file (``scene_file`` and ``scene``)."""
    if job.get("scene_file"):
        from manim import Scene

        from descent.renders.scenefile import load_module, scene_classes

        path = Path(job["scene_file"])
        module = load_module(path)
        name = job.get("scene")
        cls = getattr(module, name, None) if name else None
        if not (isinstance(cls, type) and issubclass(cls, Scene)):
            found = ", ".join(scene_classes(module)) or "none"
            raise EngineError(f"{path.name}: {name!r} is not a scene class there; scenes: {found}")
        return cls
    if job.get("spec"):
        from descent.renders.spec_scenes import scene_from_spec

        return scene_from_spec(Path(job["spec"]))
    from descent.scenes import get_scene

    return get_scene(job["scene"])


def render(job: dict[str, Any], cls: Any = None) -> dict[str, Any]:
    """Render ``job`` (scene, quality, fps, theme, video, png, workdir) into its work folder;
    ``cls``: the scene class itself, when the caller has it (in-process renders)."""
    os.environ["DESCENT_THEME"] = job["theme"]
    from descent.renders.scenefile import recording_reads

    with recording_reads() as reads:  # the data files the scene opens: they join the cache
        out = _render(job, cls)
    out["reads"] = sorted(reads)
    return out


def _render(job: dict[str, Any], cls: Any) -> dict[str, Any]:
    from manim import tempconfig

    from descent.renders.encoder import PipeFileWriter
    from descent.renders.media import save_png
    from descent.scenes.kit.scene import NarrationWarning

    cls = cls if cls is not None else load_scene(job)
    if job.get("html"):  # the interactive player: built from the scene's data, no video
        from descent.renders.player import write_player

        target = Path(job["workdir"]) / f"{job['name']}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        size = {"width": job["width"], "height": job["height"]}
        return {"html": str(write_player(cls, target, theme=job["theme"], **size))}
    imposed: dict[str, Any] = {}  # a variant is a subclass that changes class attributes
    if job.get("run_time"):
        imposed = {"run_time": float(job["run_time"])}  # the video's length: holds shrink to fit
    if not job.get("pauses", True):
        imposed["pause_for_narration"] = False
    if imposed:
        cls = type(cls.__name__, (cls,), imposed)
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
        marks = _record_sections(scene)
        if job["video"] and video_format == "mp4":
            # frames go to an ffmpeg process, beside the frame loop (descent.renders.encoder)
            writer = PipeFileWriter(scene.file_writer_settings)
            writer.options = dict(job.get("x264", {}))  # over the defaults (ffmpeg_command)
            scene.renderer.file_writer = writer
            writer.attach(scene.renderer)
        if job.get("progress"):
            known = job.get("expected_frames")  # the last render's count
            expected = known or expected_frames(cls, job["fps"])
            final = _count_frames(
                scene.renderer, Path(job["progress"]), expected, exact=bool(known)
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NarrationWarning)
            scene.render()
        for w in caught:  # the narration's fate goes to the user as a note; the rest as before
            if not issubclass(w.category, NarrationWarning):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        if job.get("progress"):
            final()
        writer = scene.renderer.file_writer
        out: dict[str, Any] = {"sections": marks, "duration": float(scene.renderer.time)}
        out["warnings"] = list(
            dict.fromkeys(
                str(w.message) for w in caught if issubclass(w.category, NarrationWarning)
            )
        )
        out["frames"] = round(float(scene.renderer.time) * float(job["fps"]))
        if job["video"]:
            out["video"] = str(writer.movie_file_path)
            srt = Path(writer.movie_file_path).with_suffix(".srt")
            if srt.is_file() and srt.stat().st_size:
                out["srt"] = str(srt)
        if job["png"]:
            frame = scene.renderer.get_frame()
            out["png"] = str(save_png(frame, work / f"{job['name']}.png"))
    return out


def expected_frames(cls: Any, fps: float) -> int | None:
    """Frames a descent scene's video should have: ``(run_time + end_wait) · fps`` (its
    storyboard's clock and the final hold; beats and narration make it longer), or
    ``None`` for a scene that does not say."""
    run_time, end_wait = getattr(cls, "run_time", None), getattr(cls, "end_wait", 0.0)
    if not isinstance(run_time, int | float) or not isinstance(end_wait, int | float):
        return None
    return max(1, round((run_time + end_wait) * fps))


def _count_frames(
    renderer: Any, target: Path, expected: int | None, *, exact: bool, every: float = 0.25
) -> Callable[[], None]:
    """Write ``{"frames": n, "expected": N, "exact": bool}`` to ``target`` (atomically, at
    most every ``every`` seconds) as frames are added: the parent draws its progress bar
    from it (``exact``: N is the last render's count, else an estimate)."""
    import time

    add_frame = renderer.add_frame
    done, last = 0, 0.0

    def write() -> None:
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps({"frames": done, "expected": expected, "exact": exact}))
        os.replace(tmp, target)

    def counted(frame: Any, num_frames: int = 1) -> None:
        nonlocal done, last
        add_frame(frame, num_frames)
        if renderer.skip_animations:
            return
        done += num_frames
        now = time.monotonic()
        if now - last >= every:
            last = now
            write()

    renderer.add_frame = counted
    return write  # the final count, once the scene is rendered


def _record_sections(scene: Any) -> list[dict[str, Any]]:
    """Note the start time of every ``next_section`` the scene calls (any scene: descent's
    beats call it, and so may a user's own ``construct``)."""
    marks: list[dict[str, Any]] = []
    original = scene.next_section

    def next_section(name: str = "unnamed", *args: Any, **kwargs: Any) -> Any:
        mark = {"name": str(name), "start": float(scene.renderer.time)}
        clock = getattr(scene, "clock", None)
        if clock is not None:  # the step on screen as the section starts
            mark["step"] = float(clock.step())
        marks.append(mark)
        return original(name, *args, **kwargs)

    scene.next_section = next_section
    return marks


def classes(path: Path) -> dict[str, Any]:
    """The scene classes defined in a scene file (imports it: the user's code runs)."""
    from descent.renders.scenefile import load_module, scene_classes

    return {"scenes": scene_classes(load_module(path))}


def _freeze_imports() -> None:
    """Import Manim, then move everything alive into the collector's permanent generation.

    Python's cyclic garbage collector walks every tracked object in a full collection;
    after Manim's import that is ~10⁵ objects that live as long as the process does. A
    one-scene process never needs them walked: frozen, a 3-D preview renders ~10 % faster
    (its frames allocate enough to start a full collection every few frames). Only in
    the worker's own process: never in a caller's.
    """
    import gc

    import manim  # noqa: F401 - the import is the point

    gc.freeze()


def main() -> None:
    """``worker JOB_JSON`` renders; ``worker --classes FILE`` lists a file's scene classes.

    A failure prints one line on stderr (at the user's own frame for a scene file) and
    exits with code 1.
    """
    from descent.renders.scenefile import user_error

    where: Path | None = None
    try:
        if sys.argv[1] == "--classes":
            where = Path(sys.argv[2])
            result = classes(where)
        else:
            job = json.loads(sys.argv[1])
            where = Path(job["scene_file"]) if job.get("scene_file") else None
            _freeze_imports()
            result = render(job)
    except Exception as exc:  # noqa: BLE001 - reported in one line, as the command reports it
        print(user_error(exc, where), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
