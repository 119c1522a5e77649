"""The ``descent`` command line.

Commands
--------
``descent list``
    Scenes (one line each), landscapes, optimizers.
``descent render SCENE... [--all] [--format mp4,gif,webm,png] [--quality low] ...``
    Render scenes into ``media/`` (or ``--out``): built-in names, ``.toml`` spec files,
    your scene files (``lecture.py``: every scene class defined there) or single classes
    (``lecture.py:Overshoot20``).
``descent preview SCENE``
    In seconds: a storyboard PNG and a small GIF.
``descent slides SCENE... [--to pptx|html] [--out slides]``
    A presentation: one slide per beat, its clip embedded, the narration in the notes.
``descent cache info`` / ``descent cache clear [KIND...]``
    What the cache holds (trajectories, samples, surfaces, sweeps, text); empty it.
``descent surface SPEC [--resolution N] [--out grid.npy]``
    A ``[model]`` spec's loss surface, cached for its render; under
    ``torchrun --nproc-per-node N -m descent surface SPEC`` shared by N processes.
``descent trajectory LANDSCAPE --optimizer SGD --lr 0.1 ... [--csv|--json|--npz]``
    The numbers only.

Bad input prints one line on stderr and exits with code 2; nothing is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from descent.engine.errors import EngineError, unknown_name

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """Bad command-line input: one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1: {text!r}")
    return value


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("manim-descent")
    except metadata.PackageNotFoundError:  # a source checkout that is not installed
        return "unknown"


def _talk_options(parser: argparse.ArgumentParser, default: Any = 0) -> None:
    """``-q`` (only errors: no progress, no per-scene lines, no summary) and ``-v`` (every
    state each job passes through), before or after the command's name."""
    parser.add_argument("-q", "--quiet", action="count", default=default, help="print only errors")
    parser.add_argument(
        "-v", "--verbose", action="count", default=default, help="print every job's states"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="descent", description="Show how optimizers move: render descent's scenes."
    )
    parser.add_argument("--version", action="version", version=f"descent {_version()}")
    _talk_options(parser, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="scenes, landscapes and optimizers")

    render = sub.add_parser("render", help="render scenes or .toml spec files")
    _talk_options(render, argparse.SUPPRESS)
    render.add_argument(
        "scenes",
        nargs="*",
        metavar="SCENE",
        help="scene names, spec.toml files, scene files (lecture.py) or lecture.py:ClassName",
    )
    render.add_argument("--all", action="store_true", help="every scene")
    render.add_argument(
        "--format",
        default="mp4",
        help="comma-separated: mp4, gif, webm, png, mov, html (the interactive player; default mp4)",
    )
    render.add_argument(
        "--quality", default="low", help="preview, low, medium, high, 4k (default low)"
    )
    render.add_argument("--fps", type=_positive_float, help="frame rate (default: the quality's)")
    render.add_argument("--theme", default="dark", help="dark, light or transparent (default dark)")
    render.add_argument("--out", default="media", help="output folder (default media/)")
    render.add_argument("--force", action="store_true", help="re-render even if cached")
    render.add_argument(
        "--jobs", type=_positive_int, help="parallel render processes (default: cores)"
    )
    render.add_argument(
        "--gif-width", type=_positive_int, default=640, help="GIF width in px (default 640)"
    )
    render.add_argument(
        "--gif-fps", type=_positive_float, default=20, help="GIF frame rate, snapped to divide 100"
    )
    render.add_argument(
        "--max-gif-mb", type=_positive_float, help="shrink the GIF until it fits this size"
    )
    render.add_argument(
        "--run-time", type=_positive_float, help="seconds of animation (default: the scene's)"
    )
    render.add_argument(
        "--no-progress", action="store_true", help="plain output instead of a live display"
    )
    render.add_argument(
        "--sections",
        action="store_true",
        help="also one clip per beat (section) and an index, <SCENE>.sections.json",
    )
    render.add_argument(
        "--captions",
        default="srt",
        help="narration: srt (a file beside the MP4, default) or burn (also drawn into the video)",
    )

    preview = sub.add_parser("preview", help="a storyboard PNG and a small GIF, in seconds")
    _talk_options(preview, argparse.SUPPRESS)
    preview.add_argument(
        "scene", metavar="SCENE", help="scene name, spec.toml, lecture.py or lecture.py:Name"
    )
    preview.add_argument("--out", default="media", help="output folder (default media/)")
    preview.add_argument(
        "--theme", default="dark", help="dark, light or transparent (default dark)"
    )
    preview.add_argument("--force", action="store_true", help="re-render even if cached")
    preview.add_argument(
        "--no-progress", action="store_true", help="accepted for symmetry with render"
    )

    slides = sub.add_parser("slides", help="a presentation: one slide per beat, notes narrated")
    _talk_options(slides, argparse.SUPPRESS)
    slides.add_argument("scenes", nargs="+", metavar="SCENE", help="as for render")
    slides.add_argument("--to", default="pptx", help="pptx (default) or html (works offline)")
    slides.add_argument("--out", default="slides", help="output folder (default slides/)")
    slides.add_argument("--name", help="the deck's name (default: the scene's, or 'descent')")
    slides.add_argument(
        "--quality", default="medium", help="preview, low, medium, high, 4k (default medium)"
    )
    slides.add_argument("--theme", default="dark", help="dark or light (default dark)")
    slides.add_argument("--force", action="store_true", help="re-render even if cached")
    slides.add_argument(
        "--player", action="store_true", help="html decks: end with each scene's interactive player"
    )
    slides.add_argument(
        "--no-progress", action="store_true", help="plain output instead of a live display"
    )

    cache = sub.add_parser("cache", help="the cache: what it holds (info), empty it (clear)")
    cache.add_argument("action", metavar="ACTION", help="info or clear")
    cache.add_argument("kinds", nargs="*", metavar="KIND", help="clear only these kinds")

    surface = sub.add_parser(
        "surface",
        help="a [model] spec's loss surface, no rendering (torchrun: across processes)",
    )
    surface.add_argument("spec", metavar="SPEC", help="a .toml spec file with [model]")
    surface.add_argument("--resolution", type=_positive_int, help="grid per side (10..300)")
    surface.add_argument("--out", help="also save the grid here (.npy)")

    traj = sub.add_parser("trajectory", help="export a trajectory's numbers (no rendering)")
    traj.add_argument("landscape", metavar="LANDSCAPE")
    traj.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a landscape parameter (a TOML value), repeatable: --param data='\"circles\"'",
    )
    traj.add_argument(
        "--project",
        help="add plane coordinates: pca (the run's own PCA plane) or random (Li et al.)",
    )
    traj.add_argument("--project-seed", type=int, default=0, help="seed of a random plane")
    traj.add_argument("--optimizer", default="SGD")
    for name in ("lr", "momentum", "dampening", "weight-decay", "alpha", "eps"):
        traj.add_argument(f"--{name}", type=float)
    traj.add_argument("--nesterov", action="store_true")
    traj.add_argument("--betas", help="two numbers, e.g. 0.9,0.999")
    traj.add_argument(
        "--opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other torch keyword argument (a TOML value), repeatable",
    )
    traj.add_argument("--start", help="comma-separated start; ';' between several starts")
    traj.add_argument("--steps", type=_positive_int, default=100)
    traj.add_argument("--noise", type=float, default=0.0, help="gradient noise σ")
    traj.add_argument("--seed", type=int, default=0)
    fmt = traj.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_const", const="csv", dest="export")
    fmt.add_argument("--json", action="store_const", const="json", dest="export")
    fmt.add_argument("--npz", action="store_const", const="npz", dest="export")
    traj.add_argument(
        "--output", "-o", help="file to write (default: standard output for csv/json)"
    )
    return parser


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
def cmd_list() -> int:
    from descent import engine
    from descent.scenes import list_scenes

    width = max(len(n) for n, _ in list_scenes())
    print("Scenes:")
    for name, text in list_scenes():
        print(f"  {name:<{width}}  {text}")
    print("\nLandscapes:")
    for name in engine.list_landscapes():
        print(f"  {name:<{width}}  {engine.get_landscape(name).description}")
    print("\nOptimizers (torch.optim):")
    names = engine.list_optimizers()
    matrices = [n for n in names if not engine.OptimizerSpec(n).runs_on_vectors]
    print("  " + ", ".join(f"{n}*" if n in matrices else n for n in names))
    if matrices:
        print("  * matrices only: runs on a network's 2-D weights, not on a toy landscape")
    return 0


def _jobs(
    args: argparse.Namespace,
    names: Sequence[str],
    formats: tuple[str, ...],
    *,
    storyboard: bool = False,
    sections: bool | None = None,
) -> list[Any]:
    from descent.renders.api import targets_for

    return targets_for(
        names,
        out=args.out,
        quality=args.quality,
        formats=formats,
        theme=args.theme,
        fps=getattr(args, "fps", None),
        run_time=_run_time(args),
        gif_width=getattr(args, "gif_width", 640),
        gif_fps=getattr(args, "gif_fps", 20),
        max_gif_mb=getattr(args, "max_gif_mb", None),
        storyboard=storyboard,
        sections=getattr(args, "sections", False) if sections is None else sections,
        captions=getattr(args, "captions", "srt"),
    )


def _run_time(args: argparse.Namespace) -> float | None:
    value: float | None = getattr(args, "run_time", None)
    if value is not None and not 0.5 <= value <= 600:
        raise UsageError(f"--run-time must be between 0.5 and 600 seconds; got {value:g}")
    return value


def _run(jobs: list[Any], args: argparse.Namespace) -> int:
    from descent.renders.pipeline import run_jobs

    quiet, verbose = getattr(args, "quiet", 0), getattr(args, "verbose", 0)
    live = not getattr(args, "no_progress", False) and sys.stderr.isatty()
    if live and not quiet and not verbose:
        results = _run_live(jobs, args)
    else:

        def report(job: Any, state: str) -> None:
            if quiet:
                return
            if verbose or state in ("done", "cached", "failed"):
                print(f"{job.name}: {state}", file=sys.stderr)

        results = run_jobs(
            jobs, force=args.force, workers=getattr(args, "jobs", None), report=report
        )
    if not quiet:
        _summary(results)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print(f"descent: {r.job.name} failed: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _run_live(jobs: list[Any], args: argparse.Namespace) -> list[Any]:
    """Run ``jobs`` under a progress bar per job (on a terminal): its state, the frames
    rendered of those expected (the last render's count, else the scene's estimate) and
    the time left at the rate so far (rich's ``Progress``)."""
    import threading

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from descent.renders.pipeline import run_jobs

    console = Console(stderr=True)
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[frames]}"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=console,
        transient=True,
    )
    tasks = {job.name: bars.add_task(f"{job.name}: queued", total=None, frames="") for job in jobs}

    def report(job: Any, state: str) -> None:
        bars.update(tasks[job.name], description=f"{job.name}: {state}")
        if state in ("done", "cached", "failed"):
            task = bars.tasks[tasks[job.name]]
            bars.update(tasks[job.name], total=task.total or 1, completed=task.total or 1)

    def progress(job: Any, frames: int, expected: int | None, exact: bool) -> None:
        # past an estimate (narration made the scene longer): frames only, no false "0:00 left"
        total = expected if expected and frames <= expected else None
        about = "" if exact else "~"
        shown = f"{frames}/{about}{total} frames" if total else f"{frames} frames"
        bars.update(tasks[job.name], completed=frames, total=total, frames=shown)

    with bars:
        done: list[Any] = []
        worker = threading.Thread(
            target=lambda: done.extend(
                run_jobs(
                    jobs,
                    force=args.force,
                    workers=getattr(args, "jobs", None),
                    report=report,
                    progress=progress,
                )
            )
        )
        worker.start()
        while worker.is_alive():
            worker.join(0.25)
    return done


def _size(size: int) -> str:
    """``1.23 MB``, ``45 kB`` or, under a kilobyte, ``308 B``."""
    if size >= 1e5:
        return f"{size / 1e6:.2f} MB"
    return f"{size / 1e3:.0f} kB" if size >= 1e3 else f"{size} B"


def _summary(results: Sequence[Any]) -> None:
    rows = []
    for r in results:
        for path in r.files or []:
            size = path.stat().st_size if path.exists() else 0
            rows.append(
                (
                    str(path),
                    _size(size),
                    f"{r.seconds:.1f} s",
                    r.status,
                )
            )
        if r.status == "failed":
            rows.append((r.job.name, "-", f"{r.seconds:.1f} s", "failed"))
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for r in results:
        for note in r.notes:
            print(f"{r.job.name}: {note}")


def cmd_render(args: argparse.Namespace) -> int:
    from descent.renders.presets import parse_formats
    from descent.scenes import SCENES

    names = list(SCENES) if args.all else list(args.scenes)
    if not names:
        raise UsageError("render needs SCENE names, .toml spec files or --all")
    return _run(_jobs(args, names, parse_formats(args.format)), args)


def cmd_preview(args: argparse.Namespace) -> int:
    args.quality = "preview"
    args.fps = None
    args.gif_width, args.gif_fps, args.max_gif_mb = 426, 10, None
    args.jobs, args.no_progress = 1, True
    jobs = _jobs(args, [args.scene], ("gif",), storyboard=True)
    # a preview shows the motion: no holding each beat for its narration to be read
    jobs = [dataclasses.replace(j, name=f"{j.name}.preview", pauses=False) for j in jobs]
    return _run(jobs, args)


def cmd_cache(args: argparse.Namespace) -> int:
    """``descent cache info`` / ``descent cache clear [KIND...]``."""
    from descent.engine import fileio

    if args.action not in ("info", "clear"):
        raise unknown_name("cache action", args.action, ("clear", "info"))
    for kind in args.kinds:
        if kind not in fileio.CACHE_KINDS:
            raise unknown_name("cache kind", kind, fileio.CACHE_KINDS)
    if args.action == "clear":
        files, freed = fileio.clear_cache(args.kinds)
        print(f"removed {files} file(s), {_size(freed)}")
        return 0
    if args.kinds:
        raise UsageError("cache info takes no KIND")
    usage = fileio.cache_usage()
    limit = fileio.cache_limit()
    total = sum(b for _, b in usage.values())
    print(f"cache: {fileio.cache_dir()}")
    for kind, (files, size) in usage.items():
        print(f"  {kind:<13} {files:>6} file(s)  {_size(size):>9}")
    print(
        f"  {'total':<13} {sum(f for f, _ in usage.values()):>6} file(s)  {_size(total):>9}"
        f"  of {_size(limit)} ($DESCENT_CACHE_MAX_MB; least recently used evicted first)"
    )
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    """Render the scenes with their sections (cached under OUT/media), then build the deck."""
    from descent.renders.slides import build_html, build_pptx, read_slides

    if args.to not in ("pptx", "html"):
        raise unknown_name("slides format", args.to, ("html", "pptx"))
    if args.theme == "transparent":
        raise UsageError("slides need an opaque theme: dark or light")
    name = args.name or (
        args.scenes[0].rsplit(":", 1)[-1].removesuffix(".py").removesuffix(".toml")
        if len(args.scenes) == 1
        else "descent"
    )
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise UsageError(f"--name must be a plain file name; got {name!r}")
    out = Path(args.out)
    args.out = str(out / "media")
    args.fps, args.jobs = None, None
    if args.player and args.to != "html":
        raise UsageError("a player slide needs an html deck: --to html")
    formats = ("mp4", "html") if args.player else ("mp4",)
    jobs = _jobs(args, args.scenes, formats, sections=True)
    if _run(jobs, args) != 0:
        return 1
    slides = read_slides([job.outputs()["sections"] for job in jobs])
    players = [job.outputs()["html"] for job in jobs] if args.player else []
    if args.to == "pptx":
        target = build_pptx(slides, out / f"{name}.pptx", title=name)
    else:
        target = build_html(slides, out / name, title=name, players=players) / "index.html"
    print(f"{target}  {len(slides) + len(players)} slides")
    return 0


def _toml_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: keep it as a string (torch will say if it is wrong)


def _key_values(items: Sequence[str], flag: str) -> dict[str, Any]:
    """``KEY=VALUE`` options (each value a TOML value, else a bare word) as a dict."""
    found: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} needs KEY=VALUE; got {item!r}")
        found[key.strip()] = _toml_value(value.strip())
    return found


def cmd_trajectory(args: argparse.Namespace) -> int:
    import numpy as np

    from descent import engine

    kwargs: dict[str, Any] = {}
    for name in ("lr", "momentum", "dampening", "weight_decay", "alpha", "eps"):
        value = getattr(args, name)
        if value is not None:
            kwargs[name] = value
    if args.nesterov:
        kwargs["nesterov"] = True
    if args.betas:
        try:
            kwargs["betas"] = tuple(float(b) for b in args.betas.split(","))
        except ValueError:
            raise UsageError(
                f"--betas needs two numbers like 0.9,0.999; got {args.betas!r}"
            ) from None
    kwargs.update(_key_values(args.opt, "--opt"))
    spec = engine.OptimizerSpec(args.optimizer, **kwargs)
    land = engine.get_landscape(args.landscape, **_key_values(args.param, "--param"))
    start = None
    if args.start:
        try:
            rows = [[float(v) for v in part.split(",")] for part in args.start.split(";")]
        except ValueError:
            raise UsageError(
                f"--start needs numbers like 1.5,-2 (';' between starts); got {args.start!r}"
            ) from None
        start = np.array(rows[0] if len(rows) == 1 else rows)
    if args.project is not None and args.project not in ("pca", "random"):
        raise unknown_name("projection", args.project, ("pca", "random"))
    export = args.export or "csv"
    if export == "npz" and not args.output:
        raise UsageError("--npz needs --output FILE")
    traj = engine.simulate(
        land, spec, start=start, steps=args.steps, grad_noise=args.noise, seed=args.seed
    )
    extra = _projected(land, traj, args) if args.project else None
    if args.output:
        getattr(traj, f"to_{export}")(args.output, extra)
        print(f"wrote {args.output}", file=sys.stderr)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = getattr(traj, f"to_{export}")(Path(tmp) / f"out.{export}", extra)
        sys.stdout.write(Path(path).read_text())
    return 0


def _projected(land: Any, traj: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Plane columns for a single run: coordinates, distance off the plane, plane loss."""
    from descent import engine

    if traj.batched:
        raise UsageError("--project needs a single start (one run)")
    if args.project == "pca":
        plane = engine.pca_plane([traj])
    else:
        normalize = "filter" if land.network is not None else "none"
        plane = engine.random_plane(land, seed=args.project_seed, normalize=normalize)
    return {
        "plane_x": plane.coords(traj)[:, 0],
        "plane_y": plane.coords(traj)[:, 1],
        "off_plane": plane.residual(traj),
        "plane_loss": plane.projected_loss(land, traj),
    }


def _one_line_warnings() -> None:
    """descent's own warnings (a spec's stale subtitle) as one line each, once:
    ``descent: warning: race.toml: subtitle says "lr 0.1" but ...``."""
    import warnings

    from descent.renders.spec import SpecWarning

    shown = warnings.showwarning
    if getattr(shown, "descent", False):  # installed by an earlier main() in this process
        return
    said: set[str] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, *a: Any, **k: Any) -> None:
        if not issubclass(category, SpecWarning):
            return shown(message, category, filename, lineno, *a, **k)
        text = " ".join(str(message).split())
        if text not in said:
            said.add(text)
            print(f"descent: warning: {text}", file=sys.stderr)

    show.descent = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``descent`` command; returns the exit code."""
    _one_line_warnings()
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "render":
            return cmd_render(args)
        if args.command == "preview":
            return cmd_preview(args)
        if args.command == "slides":
            return cmd_slides(args)
        if args.command == "cache":
            return cmd_cache(args)
        if args.command == "surface":
            from descent.renders.surface_cmd import cmd_surface

            return cmd_surface(args)
        return cmd_trajectory(args)
    except (UsageError, EngineError) as exc:
        print(f"descent: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `descent list | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # an output path: exists as a file, no permission, disk full ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"descent: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "descent: interrupted; finished files are intact, partial ones were discarded",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
