"""The Python API: render scenes from scripts and notebooks, as the ``descent`` command does.

:func:`render` takes what the command takes (a built-in scene name, a ``.toml`` spec, a
scene file ``lecture.py`` or ``lecture.py:Name``) and also a scene class. Everything goes
through the same pipeline (piped encoder, palette GIFs, render cache, atomic output). A
class that a worker process cannot import (defined in a notebook cell or in ``__main__``)
is rendered in the calling process, as Manim's own ``%%manim`` magic does, and Manim's
config is restored afterwards. :func:`show` returns a Jupyter display object.

Every failure raises :class:`RenderError` with the command's one-line message.

Examples
--------
>>> from descent.renders.api import targets_for
>>> [job.name for job in targets_for(["SaddlePoint"], out="media")]
['SaddlePoint']
>>> targets_for(["SadlePoint"], out="media")
Traceback (most recent call last):
...
descent.renders.api.RenderError: unknown scene 'SadlePoint'; did you mean 'SaddlePoint'? ...
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from descent.engine.errors import EngineError, unknown_name

__all__ = ["RenderError", "render", "show", "targets_for"]


class RenderError(EngineError):
    """Anything that stops a render: bad input or a failed scene (one line, as the CLI says)."""


def _scene_file_jobs(path: Path, name: str | None, common: dict[str, Any]) -> list[Any]:
    """Jobs for ``file.py`` (every scene class defined in it) or ``file.py:Name``."""
    from descent.renders.pipeline import Job, _worker
    from descent.renders.scenefile import check_file, defined_classes

    tree = check_file(path)
    classes = defined_classes(tree)
    resolved = path.resolve()
    if name is not None:
        if name not in classes:
            raise unknown_name(f"class in {path}", name, classes or ["(no classes)"])
        return [Job(name=name, scene=name, scene_file=resolved, **common)]
    if not classes:
        raise EngineError(f"{path}: defines no classes, so no scene to render")
    try:
        found = _worker("--classes", str(resolved))["scenes"]
    except RuntimeError as exc:  # the user's imports failed: this file's job fails, others go on
        return [Job(name=path.name, scene=None, scene_file=resolved, **common, failed=str(exc))]
    if not found:
        raise EngineError(
            f"{path}: no scene class defined here (subclass of manim's Scene); classes: "
            + ", ".join(classes)
        )
    return [Job(name=n, scene=n, scene_file=resolved, **common) for n in found]


def _class_job(cls: type, common: dict[str, Any]) -> Any:
    """A job for a scene class: by name if it is a built-in scene, by its file if a worker
    can import that, else rendered here."""
    from manim import Scene

    from descent.renders.pipeline import Job
    from descent.scenes import SCENES, get_scene

    if not (isinstance(cls, type) and issubclass(cls, Scene)):
        raise EngineError(f"not a scene class: {cls!r}")
    name = cls.__name__
    if name in SCENES and get_scene(name) is cls:
        return Job(name=name, scene=name, **common)
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if cls.__module__ != "__main__" and file and file.endswith(".py") and Path(file).is_file():
        tree_classes = _top_level_classes(Path(file))
        if name in tree_classes:
            return Job(name=name, scene=name, scene_file=Path(file).resolve(), **common)
    return Job(name=name, scene=None, scene_class=cls, **common)


def _top_level_classes(path: Path) -> list[str]:
    from descent.renders.scenefile import check_file, defined_classes

    try:
        return defined_classes(check_file(path))
    except EngineError:
        return []


def targets_for(
    scenes: Sequence[str | type],
    *,
    out: str | Path = "media",
    quality: str = "low",
    formats: Sequence[str] = ("mp4",),
    theme: str = "dark",
    fps: float | None = None,
    run_time: float | None = None,
    gif_width: int = 640,
    gif_fps: float = 20,
    max_gif_mb: float | None = None,
    storyboard: bool = False,
    sections: bool = False,
    captions: str = "srt",
) -> list[Any]:
    """The render jobs for ``scenes``: built-in names, ``.toml`` specs, ``file.py``,
    ``file.py:Name`` or scene classes. Bad input raises :class:`RenderError`."""
    try:
        return _targets(
            scenes,
            out=out,
            quality=quality,
            formats=formats,
            theme=theme,
            fps=fps,
            run_time=run_time,
            gif_width=gif_width,
            gif_fps=gif_fps,
            max_gif_mb=max_gif_mb,
            storyboard=storyboard,
            sections=sections,
            captions=captions,
        )
    except RenderError:
        raise
    except EngineError as exc:
        raise RenderError(str(exc)) from None


def _targets(scenes: Sequence[str | type], **kw: Any) -> list[Any]:
    from descent.renders.pipeline import Job, _video_formats
    from descent.renders.presets import THEMES, check_fps, get_quality
    from descent.renders.scenefile import split_target
    from descent.scenes import SCENES

    quality = get_quality(kw["quality"])
    fps = check_fps(kw["fps"]) if kw["fps"] else quality.fps
    if kw["theme"] not in THEMES:
        raise unknown_name("theme", kw["theme"], THEMES)
    if kw["captions"] not in ("srt", "burn"):
        raise unknown_name("captions mode", str(kw["captions"]), ("burn", "srt"))
    if kw["captions"] == "burn" and kw["theme"] == "transparent":
        raise EngineError("captions cannot be burnt into a transparent video; use --captions srt")
    run_time = kw["run_time"]
    if run_time is not None and not (isinstance(run_time, int | float) and 0.5 <= run_time <= 600):
        raise EngineError(f"run_time must be between 0.5 and 600 seconds; got {run_time!r}")
    out_dir = Path(kw["out"])
    if out_dir.exists() and not out_dir.is_dir():
        raise EngineError(f"output folder {out_dir} exists and is not a folder")
    for parent in out_dir.resolve().parents:
        if parent.exists():
            if not parent.is_dir():
                raise EngineError(f"output folder {out_dir}: {parent} is not a folder")
            break
    common = {
        "formats": tuple(kw["formats"]),
        "quality": quality,
        "fps": fps,
        "theme": kw["theme"],
        "out_dir": Path(kw["out"]).resolve(),
        "gif_width": kw["gif_width"],
        "gif_fps": kw["gif_fps"],
        "max_gif_mb": kw["max_gif_mb"],
        "storyboard": kw["storyboard"],
        "run_time": run_time,
        "sections": kw["sections"],
        "captions": kw["captions"],
    }
    jobs: list[Any] = []
    for target in scenes:
        if isinstance(target, type):
            jobs.append(_class_job(target, common))
            continue
        if not isinstance(target, str | Path):
            raise EngineError(f"a scene is a name, a file or a scene class; got {target!r}")
        text = str(target)
        file_target = split_target(text)
        if text.endswith(".toml"):
            from descent.renders.spec import load_spec

            path = Path(text)
            load_spec(path)  # validate now: bad specs fail before anything renders
            jobs.append(Job(name=path.stem, spec=path.resolve(), **common))
        elif file_target is not None:
            jobs += _scene_file_jobs(Path(file_target[0]), file_target[1], common)
        elif text in SCENES:
            jobs.append(Job(name=text, scene=text, **common))
        elif Path(text).suffix or "/" in text:  # a file, but not one descent renders
            raise EngineError(f"{text}: a scene file must be a .py file (or a .toml spec)")
        else:
            raise unknown_name("scene", text, SCENES)
    names = [job.name for job in jobs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EngineError(f"two scenes would write the same files: {', '.join(twice)}")
    if kw["theme"] == "transparent":
        for job in jobs:
            _video_formats(job)  # raises for mp4/gif: nothing is written
    return jobs


def render(
    scene: str | type,
    *,
    quality: str = "low",
    formats: Sequence[str] | str = ("mp4",),
    out: str | Path = "media",
    theme: str = "dark",
    fps: float | None = None,
    run_time: float | None = None,
    force: bool = False,
    format: str | None = None,
) -> dict[str, Path]:
    """Render one scene; returns ``{format: path}``.

    Parameters
    ----------
    scene
        A built-in scene name, a ``.toml`` spec path, ``"file.py:Name"`` or a scene class.
    quality, formats, out, theme, fps, run_time, force
        As the ``descent render`` options (``formats`` also as ``"mp4,gif"``).
    format
        One format, instead of ``formats`` (``format="html"``: the interactive player).

    Raises
    ------
    RenderError
        Bad input, or the scene failed (at the user's own line where there is one).

    Examples
    --------
    ``render("MomentumOvershoot", formats=("gif",))`` → ``{"gif": Path("media/…gif")}``.
    """
    from descent.renders.pipeline import run_job
    from descent.renders.presets import parse_formats

    if format is not None:
        formats = format
    try:
        fmts = parse_formats(formats if isinstance(formats, str) else ",".join(formats))
    except EngineError as exc:
        raise RenderError(str(exc)) from None
    if isinstance(scene, str) and split_target_all(scene):
        raise RenderError(f"render() takes one scene; name a class: {scene}:Name")
    jobs = targets_for(
        [scene],
        out=out,
        quality=quality,
        formats=fmts,
        theme=theme,
        fps=fps,
        run_time=run_time,
    )
    if len(jobs) != 1:
        raise RenderError("render() takes one scene")
    result = run_job(jobs[0], force=force)
    if result.status == "failed":
        raise RenderError(f"{jobs[0].name} failed: {result.error}")
    return {fmt: path for fmt, path in jobs[0].outputs().items()}


def split_target_all(text: str) -> bool:
    """Whether ``text`` names a whole scene file (``file.py`` without ``:Name``)."""
    from descent.renders.scenefile import split_target

    found = split_target(text)
    return found is not None and found[1] is None


def show(scene: str | type, **kwargs: Any) -> Any:
    """:func:`render`, then a Jupyter display object: an inline looping video (MP4/WebM,
    embedded), the GIF as an image, or (``format="html"``) the interactive player in an
    ``<iframe srcdoc>`` (plain HTML output: JupyterLab, VS Code, no kernel extension).
    Takes :func:`render`'s arguments."""
    from IPython.display import HTML, Image, Video

    files = render(scene, **kwargs)
    if "html" in files:
        from descent.renders.player import iframe

        document = files["html"].read_text(encoding="utf-8")
        return HTML(iframe(document, title=files["html"].stem))
    for fmt in ("mp4", "webm"):
        if fmt in files:
            mime = "video/mp4" if fmt == "mp4" else "video/webm"
            return Video(
                str(files[fmt]),
                embed=True,
                mimetype=mime,
                html_attributes="controls loop autoplay muted playsinline",
            )
    if "gif" in files:
        return Image(filename=str(files["gif"]))
    if "png" in files:
        return Image(filename=str(files["png"]))
    raise RenderError("show() needs an mp4, webm, gif or png format")
