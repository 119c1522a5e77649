"""The render pipeline: jobs, a content-hash render cache, one process per job.

A :class:`Job` is one scene (or TOML spec) rendered at one quality into one or more
formats. :func:`run_job` renders it in a fresh ``python -m descent.renders.worker`` process
(Manim's config is global, so never threads), post-processes the video into each format,
and moves every file into place atomically. :func:`run_jobs` runs several at once, one
process per job, up to the number of cores, reporting each job's state as it changes.

Examples
--------
>>> from descent.renders.presets import QUALITIES
>>> job = Job(name="LearningRates", scene="LearningRates", formats=("mp4",),
...           quality=QUALITIES["low"], fps=15, theme="dark", out_dir=Path("media"))
>>> sorted(job.outputs())
['mp4']
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from descent.engine.errors import EngineError
from descent.engine.fileio import atomic_path, clean_stale_temps, temp_prefix
from descent.renders.presets import Quality

__all__ = ["Job", "JobResult", "run_job", "run_jobs", "CACHE_FILE"]

#: the folder holding engine/, scenes/ and renders/ (the repository, or site-packages/descent)
ROOT = Path(__file__).resolve().parent.parent
#: per-output-folder record of which content hash produced which file
CACHE_FILE = ".descent-renders.json"
_cache_lock = threading.Lock()
VIDEO_FORMATS = ("mp4", "gif", "webm", "mov")


@dataclass(frozen=True)
class Job:
    """One scene (registry name or spec file) at one quality, into several formats."""

    name: str
    formats: tuple[str, ...]
    quality: Quality
    fps: float
    theme: str
    out_dir: Path
    scene: str | None = None
    spec: Path | None = None
    gif_width: int = 640
    gif_fps: float = 20
    max_gif_mb: float | None = None
    storyboard: bool = False
    run_time: float | None = None
    #: a user's scene file (``scene`` is then a class defined in it)
    scene_file: Path | None = None
    #: a scene class rendered in this process (defined in ``__main__`` or a notebook)
    scene_class: Any = field(default=None, compare=False, repr=False)
    #: why this job cannot run (a scene file whose imports failed); it then fails at once
    failed: str | None = None
    #: also write one clip per section (beat) and an index
    sections: bool = False
    #: narration: "srt" (a sidecar file) or "burn" (drawn into the video as well)
    captions: str = "srt"
    #: hold each beat until its narration can be read (previews do not)
    pauses: bool = True

    def outputs(self) -> dict[str, Path]:
        """Format → final path (``storyboard`` is ``<name>.storyboard.png``, ``sections``
        the clips' index ``<name>.sections.json``)."""
        out = {fmt: self.out_dir / f"{self.name}.{fmt}" for fmt in self.formats}
        if self.storyboard:
            out["storyboard"] = self.out_dir / f"{self.name}.storyboard.png"
        if self.sections:
            out["sections"] = self.out_dir / f"{self.name}.sections.json"
        return out

    def sources(self) -> list[Path]:
        """Every file whose content determines the output: the installed package as a whole
        (every file of ``descent.engine``, ``descent.scenes`` and ``descent.renders``, so no
        module that shapes the output is left out), the spec and what it names, the user's
        scene file and its own modules. Data files a scene opens while it is built join the
        cache record after the render (:func:`is_cached`)."""
        files = package_files()
        if self.spec is not None:
            from descent.renders.spec import spec_inputs

            files += [self.spec, *spec_inputs(self.spec)]
        if self.scene_file is not None:  # the user's file and its own modules beside it
            from descent.renders.scenefile import local_imports

            files += local_imports(self.scene_file)
        return files

    def fingerprint(self) -> str | None:
        """What a scene class rendered in this process reads, by value (see
        :func:`descent.renders.scenefile.class_fingerprint`); ``""`` for other jobs, ``None``
        when it cannot be fingerprinted (the job is then never cached)."""
        if self.scene_class is None:
            return ""
        from descent.renders.scenefile import class_fingerprint

        return class_fingerprint(self.scene_class)

    def key(self) -> str:
        """Content hash of the sources, parameters, quality, formats and package versions."""
        h = hashlib.sha256()
        for path in self.sources():
            h.update(str(_relative(path)).encode())
            h.update(path.read_bytes())
        h.update(str(self.fingerprint()).encode())
        versions = {
            pkg: _version(pkg)
            for pkg in ("manim-descent", "manim", "torch", "av", "numpy", "pillow")
        }
        params = {
            "formats": sorted(self.formats),
            "quality": [self.quality.width, self.quality.height, list(self.quality.x264)],
            "fps": self.fps,
            "theme": self.theme,
            "gif": [self.gif_width, self.gif_fps, self.max_gif_mb],
            "storyboard": self.storyboard,
            "run_time": self.run_time,
            "sections": self.sections,
            "captions": self.captions,
            "pauses": self.pauses,
            "versions": versions,
        }
        h.update(json.dumps(params, sort_keys=True).encode())
        return h.hexdigest()


def package_files() -> list[Path]:
    """Every file of the installed package (``engine/``, ``scenes/``, ``renders/`` under
    :data:`ROOT`), bytecode caches left out, in a fixed order."""
    from descent.renders.scenefile import PACKAGE_FOLDERS

    files: list[Path] = []
    for folder in PACKAGE_FOLDERS:
        files += [
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]
    return sorted(files)


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return Path(path.name)


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "?"


@dataclass
class JobResult:
    """What happened to one job."""

    job: Job
    status: str  # "rendered", "cached" or "failed"
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Render cache
# ---------------------------------------------------------------------------------------------
def _read_record(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / CACHE_FILE).read_text())
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_record(out_dir: Path, updates: dict[str, str]) -> None:
    with _cache_lock:
        record = _read_record(out_dir)
        record.update(updates)
        with atomic_path(out_dir / CACHE_FILE) as tmp:
            tmp.write_text(json.dumps(record, indent=1, sort_keys=True))


def _last_frames(job: Job) -> int | None:
    """The frame count of ``job``'s last render (its record), if any."""
    try:
        return int(_read_record(job.out_dir).get(f"{job.name}.frames", "")) or None
    except ValueError:
        return None


def _reads_entry(job: Job) -> str:
    """The record's entry for the data files ``job``'s last render read."""
    return f"{job.name}.reads"


def is_cached(job: Job, key: str | None = None) -> bool:
    """Whether every output exists and was produced from the same content hash, and every
    data file its render read (recorded then) still has the content it had."""
    key = key or job.key()
    record = _read_record(job.out_dir)
    if not all(path.is_file() and record.get(path.name) == key for path in job.outputs().values()):
        return False
    from descent.renders.scenefile import file_digests

    try:
        reads = dict(json.loads(record.get(_reads_entry(job), "{}")))
    except (ValueError, TypeError):
        return False
    return file_digests(sorted(reads)) == reads


#: reasons already said (once per reason and process)
_said: set[str] = set()


def _say_once(reason: str) -> None:
    if reason not in _said:
        _said.add(reason)
        print(f"descent: {reason}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# One job
# ---------------------------------------------------------------------------------------------
def _video_formats(job: Job) -> list[str]:
    """The video containers the worker must render (usually one)."""
    wanted = set(job.formats) & set(VIDEO_FORMATS) or (
        {"mp4"} if job.storyboard or job.sections else set()
    )
    if job.theme == "transparent":
        if "html" in job.formats:
            raise EngineError("the html player draws on the dark or light theme; not transparent")
        bad = wanted & {"mp4", "gif"}
        if bad:
            raise EngineError(
                f"format {'/'.join(sorted(bad))} cannot carry transparency; use webm or mov with --theme transparent"
            )
        return sorted(wanted)  # webm (VP9 + alpha) and/or mov (QuickTime Animation)
    if "mov" in wanted:
        raise EngineError("format mov is for the transparent theme; use mp4 or webm")
    return ["mp4"] if wanted else []


def _worker(
    *args: str,
    progress: Path | None = None,
    frames: Callable[[int, int | None, bool], None] | None = None,
) -> dict[str, Any]:
    """Run ``python -m descent.renders.worker ARGS`` (in the caller's folder, so that a scene
    file's relative paths mean what they mean to its author); its last output line is JSON,
    and on failure its last error line says why. With ``frames``, the worker's frame
    count (its ``progress`` file) is passed on four times a second."""
    with subprocess.Popen(
        [sys.executable, "-m", "descent.renders.worker", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        polling = frames is not None and progress is not None
        while True:  # communicate() keeps reading the pipes, so a chatty worker never blocks
            try:
                stdout, stderr = proc.communicate(timeout=0.25 if polling else None)
                break
            except subprocess.TimeoutExpired:
                _read_progress(progress, frames)  # type: ignore[arg-type]
        if polling and proc.returncode == 0:  # the final count: a quick render may end
            _read_progress(progress, frames)  # type: ignore[arg-type]  # between two polls
    if proc.returncode != 0:
        lines = [ln for ln in (stderr or stdout).strip().splitlines() if ln.strip()]
        raise RuntimeError(lines[-1] if lines else f"worker exited with code {proc.returncode}")
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def _read_progress(path: Path, frames: Callable[[int, int | None, bool], None]) -> None:
    try:
        data = json.loads(path.read_text())
        frames(int(data["frames"]), data.get("expected"), bool(data.get("exact")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not written yet


def _render_here(payload: dict[str, Any], cls: Any) -> dict[str, Any]:
    """Render in this process (a class no worker can import), Manim's config and the
    environment restored afterwards (``tempconfig`` restores the config)."""
    from descent.renders import worker

    saved = os.environ.get("DESCENT_THEME")
    try:
        return worker.render(payload, cls)
    except Exception as exc:
        from descent.renders.scenefile import user_error

        raise RuntimeError(user_error(exc, None)) from None
    finally:
        if saved is None:
            os.environ.pop("DESCENT_THEME", None)
        else:
            os.environ["DESCENT_THEME"] = saved


#: the html player's picture is never drawn smaller than this (px): see :func:`_player`
PLAYER_MIN_SIZE = (1280, 720)


def _scene_payload(job: Job) -> dict[str, Any]:
    """What a worker needs to build ``job``'s scene: where it comes from, name, theme, size."""
    return {
        "scene": job.scene,
        "spec": str(job.spec) if job.spec else None,
        "scene_file": str(job.scene_file) if job.scene_file else None,
        "name": job.name,
        "theme": job.theme,
        "width": job.quality.width,
        "height": job.quality.height,
    }


def _player(job: Job, work: Path) -> Path:
    """Build the html player in a worker (in this process for a class no worker can import)."""
    task = {**_scene_payload(job), "html": True, "workdir": str(work / "html")}
    # one still picture: drawn at least at 1280 × 720 (sharp on a 720p projector and in a
    # 1280-px window, whatever the videos' quality); a higher quality draws it larger
    task["width"], task["height"] = (
        max(task["width"], PLAYER_MIN_SIZE[0]),
        max(task["height"], PLAYER_MIN_SIZE[1]),
    )
    out = _render_here(task, job.scene_class) if job.scene_class else _worker(json.dumps(task))
    return Path(out["html"])


def _copy(src: str | Path, target: Path) -> Path:
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
    return target


def run_job(
    job: Job,
    *,
    force: bool = False,
    report: Callable[[str], None] | None = None,
    progress: Callable[[int, int | None, bool], None] | None = None,
) -> JobResult:
    """Render ``job`` (unless cached) and write its outputs atomically; ``progress(frames,
    expected, exact)`` hears the frames rendered so far and how many the video should
    have: the last render's count (``exact``), else the scene's estimate, else ``None``."""
    say = report or (lambda _state: None)
    started = time.perf_counter()
    job.out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(job.out_dir)  # litter of killed runs
    if job.failed is not None:
        say("failed")
        return JobResult(job, "failed", time.perf_counter() - started, error=job.failed)
    key = job.key()
    outputs = job.outputs()
    uncacheable = (
        f"{job.name}: cannot fingerprint the scene class (cloudpickle cannot pickle what it "
        "reads); rendered every time, never cached"
        if job.fingerprint() is None
        else None
    )
    if uncacheable:
        _say_once(uncacheable)
    if not force and not uncacheable and is_cached(job, key):
        say("cached")
        return JobResult(job, "cached", time.perf_counter() - started, list(outputs.values()))
    work = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=job.out_dir)).resolve()
    result = JobResult(job, "rendered")
    try:
        videos: dict[str, Path] = {}
        png: Path | None = None
        srt: Path | None = None
        marks: list[dict[str, Any]] = []
        reads: set[str] = set()  # the data files the scene opened while it was built
        frame_count = 0
        duration = 0.0
        containers = _video_formats(job)
        # html alone needs no video render: the player is built from the scene's data below
        for i, container in enumerate(containers or ([None] if job.formats != ("html",) else [])):
            say(f"rendering {container or 'png'}")
            payload = {
                **_scene_payload(job),
                "fps": job.fps,
                "x264": dict(job.quality.x264),
                "video": container is not None,
                "video_format": container,
                "png": "png" in job.formats and i == 0,
                "workdir": str(work / (container or "png")),
                "run_time": job.run_time,
                "pauses": job.pauses,
            }
            if progress is not None and container is not None:
                payload["progress"] = str(work / f"{container}.progress.json")
                payload["expected_frames"] = _last_frames(job)
            if job.scene_class is not None:
                out = _render_here(payload, job.scene_class)
            else:
                out = _worker(
                    json.dumps(payload),
                    progress=Path(payload["progress"]) if "progress" in payload else None,
                    frames=progress,
                )
            frame_count = int(out.get("frames", 0)) or frame_count
            if container is not None:
                videos[container] = Path(out["video"])
            png = Path(out["png"]) if "png" in out else png
            srt = Path(out["srt"]) if "srt" in out else srt
            marks, duration = out.get("sections", []), float(out.get("duration", 0.0))
            for note in out.get("warnings", []):  # narration shortened or dropped for run_time
                if note not in result.notes:
                    result.notes.append(note)
            reads.update(out.get("reads", []))
        player = _player(job, work) if "html" in job.formats else None
        written: list[Path] = []
        source = videos.get("mp4")
        if source is not None and job.captions == "burn" and srt is not None:
            say("burning captions")
            from descent.renders.sections import burn_captions

            source = burn_captions(source, srt, work / "captioned.mp4", dict(job.quality.x264))
        if set(outputs) - {"mp4", "png", "mov"}:
            from descent.renders import media  # PyAV: only for post-processing
        with ThreadPoolExecutor(max_workers=1) as pool:  # the storyboard beside the rest
            board = None
            if "storyboard" in outputs:  # beside the other formats: PyAV decodes without the GIL
                shown = source or next(iter(videos.values()))
                # an ASCII title: PIL's default bitmap font has no dashes
                title = f"{job.name} - {job.quality.name}"
                board = pool.submit(media.storyboard, shown, outputs["storyboard"], title=title)
            for fmt, target in outputs.items():
                say(f"writing {fmt}")
                if fmt == "mp4" and source:
                    # the worker's ffmpeg wrote it with +faststart: a copy (atomic) is enough
                    written.append(_copy(source, target))
                    if srt is not None:  # narrated scenes: captions beside the video
                        written.append(_copy(srt, target.with_suffix(".srt")))
                elif fmt == "gif" and source:
                    _, width, rate = media.to_gif(
                        source, target, width=job.gif_width, fps=job.gif_fps, max_mb=job.max_gif_mb
                    )
                    size = target.stat().st_size / 1e6
                    result.notes.append(f"gif {width}px {rate}fps {size:.2f} MB")
                    if job.max_gif_mb is not None and size > job.max_gif_mb:
                        result.notes.append(
                            f"gif is {size:.2f} MB, over the {job.max_gif_mb:g} MB budget at the smallest size"
                        )
                    written.append(target)
                elif fmt == "webm":
                    written.append(
                        _copy(videos["webm"], target)
                        if "webm" in videos
                        else media.to_webm(source, target)
                    )  # type: ignore[arg-type]
                elif fmt == "mov":
                    written.append(_copy(videos["mov"], target))
                elif fmt == "png" and png is not None:
                    written.append(_copy(png, target))
                elif fmt == "html" and player is not None:
                    written.append(_copy(player, target))
                elif fmt == "sections" and source:
                    from descent.renders.sections import cut_sections, read_srt, sections_from

                    say("cutting sections")
                    parts = sections_from(marks, duration, read_srt(srt))
                    written += cut_sections(
                        source, parts, job.out_dir, job.name, dict(job.quality.x264)
                    )
                elif fmt == "storyboard" and board is not None:
                    written.append(board.result())
        if uncacheable:
            result.notes.append("not cached: the scene class cannot be fingerprinted")
            _write_record(job.out_dir, {p.name: "uncached" for p in outputs.values()})
        else:
            from descent.renders.scenefile import data_files, file_digests

            ours = {str(p.resolve()) for p in outputs.values()} | {
                str((job.out_dir / CACHE_FILE).resolve())
            }
            digests = file_digests([f for f in data_files(reads, skip=[work]) if f not in ours])
            _write_record(
                job.out_dir,
                {
                    **{p.name: key for p in outputs.values()},
                    _reads_entry(job): json.dumps(digests),
                    f"{job.name}.frames": str(frame_count),
                },
            )
        result.files = written
        say("done")
    except Exception as exc:  # noqa: BLE001 - one failing scene must not stop the others
        result.status = "failed"
        result.error = " ".join(str(exc).split()) or type(exc).__name__
        say("failed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def run_jobs(
    jobs: Sequence[Job],
    *,
    force: bool = False,
    workers: int | None = None,
    report: Callable[[Job, str], None] | None = None,
    progress: Callable[[Job, int, int | None, bool], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs``: one render process per job, at most ``workers`` (default: cores) at once
    (``progress``: see :func:`run_job`)."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))

    def one(job: Job) -> JobResult:
        return run_job(
            job,
            force=force,
            report=(lambda state: report(job, state)) if report else None,
            progress=(lambda n, total, exact: progress(job, n, total, exact)) if progress else None,
        )

    if workers == 1:
        return [one(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait on processes
        return list(pool.map(one, jobs))
