"""An interactive player of a scene's exact runs: one offline HTML file.

:func:`build_payload` runs a scene's own ``construct`` up to its first animation, in this
process, with Manim: the frame Manim draws when the scene starts its clock (title, heat map
or curve, contours, axes; nothing that moves) becomes the player's background, so the plot
geometry is the video's. Every :class:`~descent.scenes.kit.Track` the scene builds gives
its recorded path as Manim would draw it (``PlotArea.display_path``: a point that leaves
the view is pinned where it crossed the border), mapped to pixels; every trajectory the
scene hands to ``self.track`` gives its recorded loss, gradient, learning rate and, for the
rules :func:`descent.engine.rules.update_terms` writes out, the terms of each step.
:func:`player_html` writes it all into one HTML document with the vendored
``player_assets/player.js`` and ``player.css``: nothing is fetched at run time.

Encodings: every array goes into one little-endian buffer, deflated once and embedded as
base64 (the browser inflates it with ``DecompressionStream``; no library): positions in
1/16 px (finer than the screen shows) as ``int32`` differences between steps, read-outs
(loss, gradient, learning rate, update terms) as ``float32``; of more than 2 coordinates
(networks) the gradient and terms as their norms. The rate map's lattice of exact runs is
kept in 1/4 px of the inset, each run cut where it stops moving on screen, as ``int16``
residuals of a fitted linear prediction (:class:`Lattice`: nearly all zero, so 10,000 runs
of 200 steps deflate to a few kB), its rates in the thousandths the read-out shows. The
background is a WebP image.

Pixels: ``(0, 0)`` is the top-left corner of the frame, y down (the canvas's convention);
each plot's data → pixel map is ``o + u·ex + v·ey`` (``u``, ``v`` the data coordinates
scaled to 0..1 over the plot's ranges), read from the scene's own :class:`PlotArea`.

Scene kinds: ``tracks`` (every 2-D and 1-D storyboard: :class:`SurfaceScene`,
:class:`CurveScene`, :class:`NetworkScene`, :class:`SweepScene`, scenes of their own
that use ``make_clock`` and tracks) and ``ratemap`` (:class:`~descent.scenes.rate_map.RateMap`:
a clickable map whose run under the cursor plays in the inset). 3-D scenes are refused.

Examples
--------
>>> to_pixels(np.array([[0.0, 0.0, 0.0]]), (854, 480), (14.222222, 8.0)).round(1).tolist()
[[427.0, 240.0]]
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from descent.engine.errors import EngineError

__all__ = [
    "build_payload",
    "capture",
    "display_paths",
    "player_html",
    "player_fragment",
    "write_player",
    "iframe",
    "frame_script",
    "to_pixels",
    "video_pace",
    "round_mantissa",
    "compact_source",
    "tighten_js",
    "PlayerCapture",
    "Lattice",
    "encode_lattice",
    "decode_lattice",
]

#: positions are stored in 1/16 px (a crowd's dots, stamped at whole pixels, in 1/4 px)
POSITION_SCALE = 16
CROWD_SCALE = 4
#: the rate map's lattice in 1/4 px of the inset (stored as residuals of a linear prediction:
#: see :class:`Lattice`)
LATTICE_SCALE = 4
#: a rate the read-out shows as ∞ (non-finite), among rates stored in thousandths
RATE_NONE = -(2**31)
#: a crowd's losses and gradients keep this many bits of float32's 23-bit mantissa: relative
#: error ≤ 2^-16 ≈ 1.5e-5, below the 4 significant digits the read-outs show (their low
#: byte is then 0: a thousand particles' read-outs deflate to about three quarters)
CROWD_BITS = 15
#: the models drawn beside the runs (fitted lines, curves, decision boundaries) in 1/4 px
MODEL_SCALE = 4
#: a run of many particles keeps no update terms (they would dominate the file)
MAX_TERM_RUNS = 12


class _Stop(Exception):
    """Raised inside ``construct`` once everything the player needs is known."""


def to_pixels(points: np.ndarray, size: tuple[int, int], frame: tuple[float, float]) -> np.ndarray:
    """Scene points ``(..., 3)`` → pixel coordinates ``(..., 2)`` of a frame of ``size``
    (width, height) px showing ``frame`` (width, height) scene units centred at the origin:
    the canvas's convention, ``(0, 0)`` the top-left corner, y down."""
    w, h = size
    fw, fh = frame
    pts = np.asarray(points, dtype=np.float64)
    x = (pts[..., 0] + fw / 2) * (w / fw)
    y = (fh / 2 - pts[..., 1]) * (h / fh)
    return np.stack([x, y], -1)


def round_mantissa(values: Any, bits: int) -> np.ndarray:
    """``values`` as float32 rounded to ``bits`` bits of mantissa (to nearest, ties away
    from zero): relative error at most ``2**-(bits + 1)``; inf and NaN stay as they are.

    >>> round_mantissa(np.array([1 + 2**-20, 3.0, np.inf]), 15).tolist()
    [1.0, 3.0, inf]
    """
    x = np.asarray(values, np.float32)
    u = x.view(np.uint32)
    drop = 23 - bits
    finite = np.isfinite(x)
    rounded = ((u + np.uint32(1 << (drop - 1))) >> np.uint32(drop)) << np.uint32(drop)
    out = np.where(finite, rounded, u).astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(out) | ~finite, out, x)  # never rounded up to inf


class _Arrays:
    """Every array of a payload in one little-endian buffer, deflated once (the browser
    inflates it with ``DecompressionStream``); :meth:`add` returns the reference the
    script reads it by: type, byte offset (4-aligned), count, whether it is stored
    as differences (``d``: the script sums them) and whether its bytes are grouped by
    significance (``s``: the script interleaves them back)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.seen: dict[tuple[str, bool, bytes], dict[str, Any]] = {}

    def add(self, array: Any, dtype: str, *, delta: bool = False) -> dict[str, Any]:
        """Add ``array`` as ``dtype``; an array equal to one added before (every particle's
        learning-rate schedule) is stored once and both references read it."""
        data = np.asarray(array).astype(dtype)
        if delta:  # along the first axis (per column): the script sums each column back
            data = data.reshape(len(data), -1)
            width = data.shape[1]
            data = np.diff(data, axis=0, prepend=np.zeros((1, width), data.dtype))
        data = np.ascontiguousarray(data.ravel())
        raw = data.tobytes()
        key = (dtype, delta, raw if not delta else raw + str(width).encode())
        if key in self.seen:
            return dict(self.seen[key])
        ref = {"t": dtype.lstrip("<"), "o": self.size, "n": int(data.size)}
        if delta:
            ref["d"] = width
        if data.itemsize > 1 and data.size > 64:
            # bytes by significance (all first bytes, then all second, ...): a float's
            # exponent bytes repeat where its mantissa's do not; kept when deflate likes it
            planes = data.view(np.uint8).reshape(-1, data.itemsize).T.tobytes()
            if len(zlib.compress(planes, 6)) < 0.92 * len(zlib.compress(raw, 6)):
                raw, ref["s"] = planes, 1
        pad = (-len(raw)) % 4
        self.parts.append(raw + b"\0" * pad)
        self.size += len(raw) + pad
        self.seen[key] = dict(ref)
        return ref

    def positions(self, quantised: np.ndarray) -> dict[str, Any]:
        """Integer positions ``(T, 2)`` as differences between steps: ``int16`` where
        every difference fits (always, for a frame under 2,048 px at 1/16 px), else ``int32``."""
        q = np.asarray(quantised, np.int64)
        steps = np.diff(q.reshape(len(q), -1), axis=0, prepend=0)
        small = (
            max(np.abs(steps).max(initial=0), np.abs(q).max(initial=0)) <= np.iinfo(np.int16).max
        )
        return self.add(q, "<i2" if small else "<i4", delta=True)

    def encoded(self) -> str:
        return base64.b64encode(zlib.compress(b"".join(self.parts), 9)).decode("ascii")


@dataclass
class PlayerCapture:
    """What a scene's ``construct`` showed before its first animation."""

    image: Any  # PIL.Image: the static background
    size: tuple[int, int]
    frame: tuple[float, float]
    areas: list[Any] = field(default_factory=list)  # PlotArea, in make_clock order
    tracks: list[Any] = field(default_factory=list)  # Track, in creation order
    trajs: dict[int, Any] = field(default_factory=dict)  # id(track) → Trajectory
    scene: Any = None
    theme: str = "dark"
    steps: int = 0
    locals: dict[str, Any] = field(default_factory=dict)  # construct's, for the rate map
    layered: list[Any] = field(default_factory=list)  # the moving parts, as add_layered got them
    mobjects: list[Any] = field(default_factory=list)  # the scene's, at its first play
    shown: list[Any] = field(default_factory=list)  # what the background was drawn from
    #: a narrated opening before the steps play, after each of its plays and waits: (clock
    #: step, ids of what it added, seconds, (x, y, RGBA pixels) of what it added or None)
    opening: list[Any] = field(default_factory=list)


@contextlib.contextmanager
def _theme_env(theme: str) -> Iterator[None]:
    saved = os.environ.get("DESCENT_THEME")
    os.environ["DESCENT_THEME"] = theme
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DESCENT_THEME", None)
        else:
            os.environ["DESCENT_THEME"] = saved


def capture(
    cls: type, *, theme: str = "dark", width: int = 854, height: int = 480
) -> PlayerCapture:
    """Run ``cls.construct`` up to its first ``play``/``wait`` and note what it built.

    The background is the frame Manim renders of the scene's mobjects at its first
    ``play``/``wait``, less the moving parts (what it gave ``add_layered``, and anything an
    updater moves): the static parts a storyboard adds after ``make_clock`` (a network
    scene's data) are in it. For a scene without a clock (the rate map), it is the frame
    when the scene adds its moving parts (``add_layered``).
    Raises :class:`EngineError` for a 3-D scene or one with nothing to play.
    """
    from manim import ThreeDScene, config, tempconfig

    from descent.scenes.kit import tracks as tracks_module
    from descent.scenes.kit.plot import ContourLabels

    three_d = issubclass(cls, ThreeDScene)
    if theme == "transparent":
        raise EngineError("the html player draws on the dark or light theme; not transparent")
    tmp = tempfile.mkdtemp(prefix=".descent-player-")
    settings = {
        "media_dir": tmp,
        "pixel_width": width,
        "pixel_height": height,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "format": "png",
        "write_to_movie": False,
    }
    made: list[Any] = []
    original_init = tracks_module.Track.__init__

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        made.append(self)

    try:
        with _theme_env(theme), tempconfig(settings):
            scene = cls()
            size = (int(config.pixel_width), int(config.pixel_height))
            frame = (float(config.frame_width), float(config.frame_height))
            got: dict[str, Any] = {}

            def snapshot(static: bool = False, exclude: Sequence[Any] = ()) -> None:
                moving = {id(m) for e in exclude for m in e.get_family()}
                shown: list[Any] = []

                def moves(m: Any) -> bool:  # a contour's labels are background: their
                    # updater only hides one a read-out passes over (ContourLabels.give_way)
                    return bool(m.updaters) and not isinstance(m, ContourLabels)

                def keep(m: Any) -> None:  # m and its parts, less every part an updater moves
                    if id(m) in moving or moves(m):
                        return
                    if not any(moves(f) or id(f) in moving for f in m.get_family()):
                        shown.append(m)
                        return
                    for part in m.submobjects:  # a group holding a moving part: its others
                        keep(part)

                for m in scene.mobjects:
                    keep(m)
                scene.renderer.update_frame(scene, mobjects=shown if static else scene.mobjects)
                got["shown"] = shown if static else list(scene.mobjects)
                from PIL import Image

                got["image"] = Image.fromarray(np.array(scene.renderer.get_frame())).convert("RGB")

            make_clock = scene.make_clock

            def make_clock_hook(areas_paths: Sequence[Any], steps: int | None = None) -> Any:
                snapshot()
                got["areas"] = [a for a, _ in areas_paths]
                clock = make_clock(areas_paths, steps)
                got["steps"] = clock.steps
                return clock

            track = scene.track

            def track_hook(traj: Any, *args: Any, **kwargs: Any) -> Any:
                out = track(traj, *args, **kwargs)
                got.setdefault("trajs", {})[id(out)] = traj
                return out

            add_layered = scene.add_layered

            def add_layered_hook(*mobjects: Any) -> None:
                if "image" not in got:  # no make_clock: the moving parts start here
                    import inspect

                    snapshot()
                    caller = inspect.currentframe()
                    got["locals"] = dict(caller.f_back.f_locals) if caller and caller.f_back else {}
                    raise _Stop
                got.setdefault("layered", []).extend(mobjects)
                add_layered(*mobjects)

            def stop(*args: Any, **kwargs: Any) -> None:
                if three_d and "image" not in got:  # the camera as the video starts, less
                    # the balls and what an updater moves, and the live legend and counter
                    # fixed in the frame (the player writes its own: one legend, not two)
                    fixed = getattr(scene.renderer.camera, "fixed_in_frame_mobjects", set())
                    live = [
                        m
                        for m in scene.mobjects
                        if m in fixed and any(f.updaters for f in m.get_family())
                    ]
                    snapshot(static=True, exclude=[*getattr(scene, "subjects", []), *live])
                    got["mobjects"] = list(scene.mobjects)
                elif "areas" in got:  # the static parts added after make_clock too (a network
                    # scene's data and its axes), without the moving parts
                    # (a scene with no track keeps its panels: the player has no side panel)
                    # a static part laid over a plot (SaddleEscape's saddle and its
                    # "uphill"/"downhill" signs) stays: the video draws it from the start,
                    # under the moving parts (add_layered puts static parts first)
                    over = _over_plots(got.get("layered", []), got.get("areas", []), made)
                    moving = [m for m in got.get("layered", []) if id(m) not in over]
                    snapshot(static=True, exclude=moving if made else [])
                    got["mobjects"] = list(scene.mobjects)
                    if _opens_with_a_beat(scene) and hasattr(scene, "play_steps"):
                        opening(args, kwargs)  # this call is the opening's first
                        return
                raise _Stop

            def opening(args: Sequence[Any], kwargs: dict[str, Any], wait: bool = False) -> None:
                """A scene that narrates an opening before its steps play (a beat started
                before its first play: NesterovCorrection's anatomy of steps 2-5) goes on
                through it, instantly (Manim skips the animations): each play or wait notes
                the clock's step, what it added to the picture and its seconds."""
                if "opening" not in got:
                    got["opening"] = []
                    got["known"] = {id(m) for m in scene.mobjects}
                    scene.renderer.skip_animations = True
                    scene.renderer._original_skipping_status = True
                    scene.play = lambda *a, **k: opening(a, k)
                    scene.wait = lambda *a, **k: opening(a, k, wait=True)

                    def end(*a: Any, **k: Any) -> None:
                        raise _Stop

                    scene.play_steps = end
                if wait:
                    seconds = float(args[0] if args else kwargs.get("duration", 1.0))
                    real_wait(*args, **kwargs)
                else:
                    times = [getattr(a, "run_time", 1.0) for a in args]
                    seconds = float(kwargs.get("run_time", max(times, default=1.0)))
                    real_play(*args, **kwargs)
                added = [
                    m
                    for m in scene.mobjects
                    if id(m) not in got["known"] and len(m.get_all_points())
                ]
                # what it adds, drawn now by Manim over the background (a part that fades out
                # is at opacity 0 afterwards): the pixels that differ, cropped, as RGBA
                drawn = None
                if added:
                    scene.renderer.update_frame(scene, mobjects=[*got["shown"], *added])
                    frame = np.array(scene.renderer.get_frame())[..., :3]
                    base = np.asarray(got["image"], np.int16)
                    ink = np.abs(frame.astype(np.int16) - base).max(-1) > 3
                    if ink.any():
                        ys, xs = np.nonzero(ink)
                        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
                        rgba = np.dstack([frame, (ink * 255).astype(np.uint8)])[y0:y1, x0:x1]
                        drawn = (int(x0), int(y0), rgba)
                key = tuple(id(m) for m in added)
                got["opening"].append((float(scene.clock.step()), key, seconds, drawn))

            real_play, real_wait = scene.play, scene.wait
            scene.make_clock = make_clock_hook
            scene.track = track_hook
            scene.add_layered = add_layered_hook
            scene.play = stop
            scene.wait = stop
            tracks_module.Track.__init__ = recording_init  # type: ignore[method-assign]
            try:
                scene.setup()
                scene.construct()
            except _Stop:
                pass
            finally:
                tracks_module.Track.__init__ = original_init  # type: ignore[method-assign]
            if "image" not in got:
                raise EngineError(f"{cls.__name__} shows nothing the player can play")
            return PlayerCapture(
                image=got["image"],
                size=size,
                frame=frame,
                areas=got.get("areas", []),
                tracks=made,
                trajs=got.get("trajs", {}),
                scene=scene,
                theme=theme,
                steps=int(got.get("steps", 0)),
                locals=got.get("locals", {}),
                layered=got.get("layered", []),
                mobjects=got.get("mobjects", []),
                shown=got.get("shown", []),
                opening=got.get("opening", []),
            )
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def _opening(cap: PlayerCapture) -> dict[str, Any]:
    """A narrated opening's ``states`` (:attr:`PlayerCapture.opening`), one a run of plays
    and waits that show the same parts at the same step: its step, its seconds in the video
    and the picture of what it adds (``image``: an index into ``images``, WebPs with alpha,
    each once; at ``[x, y]`` px; none: nothing added)."""
    from PIL import Image

    images: list[str] = []
    states: list[dict[str, Any]] = []
    for step, key, seconds, drawn in cap.opening:
        if states and states[-1]["step"] == step and states[-1]["key"] == key:
            states[-1]["seconds"] += seconds
            continue
        state: dict[str, Any] = {"step": step, "key": key, "seconds": seconds}
        if drawn is not None:
            x, y, rgba = drawn
            buf = io.BytesIO()
            # lossless: arrows and words on a transparent page are smaller so (412 kB
            # against 577 kB lossy at quality 88, NesterovCorrection at 1280 × 720) and exact
            Image.fromarray(rgba, "RGBA").save(buf, format="WEBP", lossless=True, quality=100)
            uri = "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode()
            if uri not in images:
                images.append(uri)
            state["image"], state["at"] = images.index(uri), [x, y]
        states.append(state)
    for state in states:
        del state["key"]
        state["seconds"] = round(float(state["seconds"]), 3)
    return {"images": images, "states": states}


def _opens_with_a_beat(scene: Any) -> bool:
    """Whether the scene started a beat of its own before its first play (one not among its
    ``beats``: NesterovCorrection's "the look-ahead")."""
    names = {getattr(b, "name", None) for b in _scene_beats(scene)}
    return any(name not in names for name, *_ in getattr(scene, "beat_log", ()) or ())


def _over_plots(layered: Sequence[Any], areas: Sequence[Any], tracks: Sequence[Any]) -> set[int]:
    """The ids of the parts a scene handed ``add_layered`` that are annotations of a plot:
    static (no updater in their family), no part of a track, their centre inside a plot's
    frame. The others (legend, step counter, loss panel and what is drawn on it) are the
    player's own side panel."""
    made = {id(f) for t in tracks for f in t.get_family()}
    boxes = []
    for a in areas:
        o, ex, ey = (np.asarray(v, float) for v in a._basis())
        corners = np.array([o, o + ex, o + ey, o + ex + ey])
        boxes.append((corners.min(0), corners.max(0)))
    out = set()
    for m in layered:
        if id(m) in made or m.get_family_updaters() or not len(m.get_all_points()):
            continue
        c = np.asarray(m.get_center(), float)
        if any((lo[:2] <= c[:2]).all() and (c[:2] <= hi[:2]).all() for lo, hi in boxes):
            out.add(id(m))
    return out


def _over_a_plot(layered: Sequence[Any], areas: Sequence[Any]) -> list[Any]:
    """The parts among ``layered`` that :func:`_over_plots` keeps in the picture (no tracks
    given), in their order."""
    over = _over_plots(layered, areas, [])
    return [m for m in layered if id(m) in over]


# ---------------------------------------------------------------------------------------------
# The payload
# ---------------------------------------------------------------------------------------------
def _area_box(area: Any, cap: PlayerCapture) -> dict[str, Any]:
    """A plot area's data → pixel mapping: ``px = o + u·ex + v·ey`` with ``u, v`` the data
    coordinates scaled to 0..1 over ``x``, ``y``."""
    o, ex, ey = area._basis()
    po = to_pixels(o, cap.size, cap.frame)
    return {
        "x": [float(area.x_range[0]), float(area.x_range[1])],
        "y": [float(area.y_range[0]), float(area.y_range[1])],
        "o": po.round(4).tolist(),
        "ex": (to_pixels(o + ex, cap.size, cap.frame) - po).round(4).tolist(),
        "ey": (to_pixels(o + ey, cap.size, cap.frame) - po).round(4).tolist(),
    }


def _terms(traj: Any, arrays: _Arrays) -> dict[str, Any] | None:
    """Every step's update terms, or ``None`` where the rule is not written out (of
    more than 2 coordinates, each term's Euclidean norm)."""
    from descent.engine.rules import rule_of, update_terms

    try:
        rule_of(traj.spec)
    except EngineError:
        return None
    if traj.steps < 1 or traj.diverged_at == 0:
        return None
    last = traj.steps if traj.diverged_at is None else int(traj.diverged_at)
    first = update_terms(traj, 0)
    names, hyper = list(first.values), list(first.hyper)
    width = traj.dim if traj.dim <= 2 else 1
    values = np.zeros((last, len(names), width), np.float32)
    hypers = np.zeros((last, len(hyper)), np.float32)
    with np.errstate(all="ignore"):
        for t in range(last):
            terms = update_terms(traj, t)
            each = [np.asarray(terms.values[n], np.float64) for n in names]
            if width == 1 and traj.dim > 2:
                each = [np.linalg.norm(v, keepdims=True) for v in each]
            values[t] = np.stack(each)
            hypers[t] = [terms.hyper[n] for n in hyper]
    from descent.scenes.kit.rules import rule_lines

    return {
        "rule": first.rule,
        # the rule in symbols, as the video writes it (b ← μ·b + g, θ ← θ − lr·b)
        "formula": [symbols for symbols, _ in rule_lines(traj, 0)],
        "names": names,
        "hyper": hyper,
        "steps": last,
        "norms": traj.dim > 2,
        "values": arrays.add(values, "<f4"),
        "hypers": arrays.add(hypers, "<f4"),
    }


def _track_run(
    track: Any,
    traj: Any,
    cap: PlayerCapture,
    areas: list[Any],
    extra: dict[str, Any],
    arrays: _Arrays,
    crowd: bool = False,
) -> dict[str, Any]:
    px = to_pixels(track.screen, cap.size, cap.frame)
    scale = cap.size[0] / cap.frame[0]
    scale_xy = CROWD_SCALE if crowd else POSITION_SCALE
    if not any(track.area is a for a in areas):
        areas.append(track.area)
    from descent.scenes.kit.theme import get_theme, text_color

    run: dict[str, Any] = {
        "label": getattr(traj, "label", "") if traj is not None else "",
        "color": str(track.color),
        # its colour as the video writes words in it (pins, notes, a panel's marks): 4.5:1
        "ink": text_color(str(track.color), get_theme(cap.theme)),
        "area": next(i for i, a in enumerate(areas) if a is track.area),
        "radius": round(float(track.dot.radius) * scale, 2),
        "trail": bool(track.trail),
        "n": int(len(px)),
        "xy": arrays.positions(np.round(px * scale_xy)),
        "scale": scale_xy,
        "out": arrays.add(np.asarray(track.out, np.uint8), "u1"),
        "markers": bool(len(track.markers)),
        # the edge pin's words, as the video writes them beside a point out of the view
        "pin": (track.escape_label or "diverged") if track.pin_text else "",
    }
    clock = getattr(cap.scene, "clock", None)
    if track.dot.updaters and clock is not None:  # a dot whose colour the scene changes per
        # step (NoiseEscape: the basin a particle is in): each step's colour, from its updater
        shown = []
        for t in range(len(px)):
            clock.tracker.set_value(clock.alpha_of(t))
            track.dot.update(0)
            shown.append(str(track.dot.get_fill_color().to_hex()).upper())
        clock.tracker.set_value(clock.alpha_of(0))
        track.dot.update(0)
        palette = list(dict.fromkeys(shown))
        if len(palette) > 1:
            run["colors"] = palette
            run["color_at"] = arrays.add([palette.index(c) for c in shown], "u1")
    arrows = _arrows(track, cap, len(px), arrays)
    if arrows:
        run["arrows"] = arrows
    if float(np.max(track.dot.get_fill_opacities(), initial=0)) == 0:  # a hollow ring (the
        # particle NoiseEscape follows): its stroke's colour and width (Manim's units)
        run["hollow"] = {
            "color": str(track.dot.get_stroke_color().to_hex()).upper(),
            "width": round(float(track.dot.get_stroke_width()), 2),
        }
    marks = _edge_marks(track, cap, len(px), arrays)
    if marks:
        run["marks"] = marks
    if track.ghost_screen is not None:  # Nesterov's look-ahead point
        ghost = to_pixels(track.ghost_screen, cap.size, cap.frame)
        run["ghost"] = arrays.positions(np.round(ghost * POSITION_SCALE))
    if traj is not None:
        grad = np.asarray(traj.grad, np.float64) + np.asarray(traj.noise, np.float64)
        if traj.dim > 2:  # a network's gradient: its norm
            with np.errstate(all="ignore"):
                grad = np.linalg.norm(grad, axis=-1)
        if crowd:  # a crowd's read-outs to 16 significant bits (see CROWD_BITS)
            run["loss"] = arrays.add(round_mantissa(traj.loss, CROWD_BITS), "<f4")
            run["grad"] = arrays.add(round_mantissa(grad, CROWD_BITS), "<f4")
        else:
            run["loss"] = arrays.add(traj.loss, "<f4")
            run["grad"] = arrays.add(grad, "<f4")
        run["lr"] = arrays.add(traj.lr, "<f4")
        run["dim"] = int(traj.dim) if traj.dim <= 2 else 1
        run["norms"] = traj.dim > 2
        run["diverged_at"] = None if traj.diverged_at is None else int(traj.diverged_at)
        run.update(extra)
    return run


def _arrows(track: Any, cap: PlayerCapture, n: int, arrays: _Arrays) -> list[dict[str, Any]]:
    """The track's arrows at each step as its own updater draws them (``Track.update_to``):
    where each starts relative to the dot (from the dot; beside it when it is too short to
    draw at the scene's scale), its vector and its tip's length (px, ``at``: ``(n, 5)``,
    zeros where it is hidden), and the true length the video writes by a short or a clipped
    one (``|lr·∇f| 0.0354``: ``said``, an index into ``words``, 0 for none; ``said_at`` the
    text's anchor, the left end of its baseline, relative to the dot; ``width`` the pen
    advance of ``words[probe]`` in px, for the script's font)."""
    from descent.scenes.kit.text import FastText
    from descent.scenes.kit.tracks import shown_now

    if not track.arrow_data:
        return []
    scale = cap.size[0] / cap.frame[0]

    def px(p: Any) -> np.ndarray:
        return to_pixels(np.asarray(p, np.float64), cap.size, cap.frame)

    names = list(track.arrow_data)
    at = np.zeros((len(names), n, 5), np.float32)
    said = np.zeros((len(names), n), np.uint16)
    said_at = np.zeros((len(names), n, 2), np.float32)
    words: list[list[str]] = [[""] for _ in names]
    try:
        with np.errstate(all="ignore"):
            for t in range(n):
                track.update_to(float(t))
                dot = px(track.dot.get_center())
                for j, name in enumerate(names):
                    a, written = track.arrows[name], track.lengths[name]
                    if shown_now(a) is not False and _opaque(a):
                        start, tip, base = px(a.points[0]), px(a.tip.tip_point), px(a.tip.base)
                        at[j, t] = [*(start - dot), *(tip - start), float(np.hypot(*(tip - base)))]
                    if shown_now(written) is True and written.text:
                        if written.text not in words[j]:
                            words[j].append(str(written.text))
                        said[j, t] = words[j].index(str(written.text))
                        said_at[j, t] = px(written.anchor) - dot
    finally:
        track.update_to(0.0)
    out = []
    for j, name in enumerate(names):
        ink = track.arrows[name].get_color()
        entry: dict[str, Any] = {
            "name": name,
            "color": str(ink.to_hex()).upper() if hasattr(ink, "to_hex") else str(ink),
            "at": arrays.add(at[j], "<f4"),
        }
        if len(words[j]) > 1:
            probe = max(range(1, len(words[j])), key=lambda i: len(words[j][i]))
            font = track.lengths[name].font_size
            entry.update(
                {
                    # the length's ink, as the Track writes it (kit.theme.text_color)
                    "ink": str(track.lengths[name].get_fill_color().to_hex()).upper(),
                    "words": words[j],
                    "said": arrays.add(said[j], "<u2"),
                    "said_at": arrays.add(said_at[j], "<f4"),
                    "probe": probe,
                    "width": round(FastText.width_of(words[j][probe], font) * scale, 3),
                }
            )
        out.append(entry)
    return out


def _edge_marks(track: Any, cap: PlayerCapture, n: int, arrays: _Arrays) -> dict[str, Any] | None:
    """The honest-edge marks of a track, step by step, as its own updater draws them
    (``Track.update_to``): the edge pin's arrow (from, to and its tip's length, px) while the
    point is out of view; the pin's words (``out of view``, ``diverged``, ``loss → −∞``, from
    the overflow on ``overflow at step N``); and the note beside a dot that stopped in view
    (``NaN from step N``, ``overflow at step N``). Words at their centre (px), each with its
    width (px) for the script to size its font to. ``None`` for a run that never leaves the
    view nor stops."""
    from descent.scenes.kit.tracks import shown_now

    stops = track.nan_step is not None and track.pin_text
    if not (np.asarray(track.out).any() or stops):
        return None
    scale = cap.size[0] / cap.frame[0]
    words: list[str] = []
    widths: list[float] = []

    def word(text: str, mobject: Any) -> int:
        if text not in words:
            words.append(text)
            widths.append(round(float(mobject.width) * scale, 2))
        return words.index(text) + 1

    pin = np.zeros(n, np.uint8)
    arrow = np.zeros((n, 5), np.float32)  # from x, y, to x, y, tip length
    tag = np.zeros(n, np.uint8)
    note = np.zeros(n, np.uint8)
    at = np.zeros((n, 4), np.float32)  # the tag's centre, the note's centre
    texts = track.pin_texts()
    try:
        for t in range(n):
            track.update_to(float(t))
            if len(track.pin) and shown_now(track.pin) is not False:
                a = track.pin[0]
                pin[t] = 1
                start = to_pixels(np.asarray(a.points[0]), cap.size, cap.frame)
                tip = to_pixels(np.asarray(a.tip.tip_point), cap.size, cap.frame)
                base = to_pixels(np.asarray(a.tip.base), cap.size, cap.frame)
                arrow[t] = [*start, *tip, float(np.hypot(*(tip - base)))]
                for k in range(1, len(track.pin)):
                    if shown_now(track.pin[k]) is True:
                        tag[t] = word(texts[k - 1], track.pin[k])
                        at[t, :2] = to_pixels(track.pin[k].get_center(), cap.size, cap.frame)
            if len(track.nan_mark) and shown_now(track.nan_mark) is not False:
                mark = track.nan_mark[0]
                note[t] = word(str(track.nan_label), mark)
                at[t, 2:] = to_pixels(mark.get_center(), cap.size, cap.frame)
    finally:
        track.update_to(0.0)
    if not (pin.any() or note.any()):
        return None
    from descent.scenes.kit.theme import text_color

    return {
        # the words' ink, as the Track writes them: its colour darkened to the theme's
        # contrast (kit.theme.text_color: 4.5:1; Momentum's orange on white is 3.1:1)
        "ink": str(text_color(track.color, track.theme)).upper(),
        "words": words,
        "widths": widths,
        "pin": arrays.add(pin, "u1"),
        "arrow": arrays.add(arrow, "<f4"),
        "tag": arrays.add(tag, "u1"),
        "note": arrays.add(note, "u1"),
        "at": arrays.add(at, "<f4"),
    }


def _simplify(line: np.ndarray, tolerance: float) -> np.ndarray:
    """Ramer–Douglas–Peucker: the points of polyline ``(n, 2)`` that keep every dropped
    point within ``tolerance`` (px) of the simplified line."""
    if len(line) < 3:
        return line
    keep = np.zeros(len(line), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        p, q = line[a], line[b]
        d = q - p
        seg = line[a + 1 : b] - p
        norm = float(np.hypot(*d))
        if norm == 0:
            dist = np.hypot(seg[:, 0], seg[:, 1])
        else:
            dist = np.abs(d[0] * seg[:, 1] - d[1] * seg[:, 0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[a + 1 + k] = True
            stack += [(a, a + 1 + k), (a + 1 + k, b)]
    return line[keep]


def _polylines(mobject: Any, cap: PlayerCapture) -> list[np.ndarray]:
    """A stroked path's subpaths as pixel polylines (its anchors: the kit's models are
    made of straight cubic segments), none when it is hidden."""
    points = np.asarray(mobject.points)
    if len(points) < 4 or float(np.max(mobject.get_stroke_opacities(), initial=0)) == 0:
        return []
    quads = points[: len(points) // 4 * 4].reshape(-1, 4, 3)
    px = to_pixels(quads[:, [0, 3]], cap.size, cap.frame)  # (n, 2 ends, 2)
    lines, current = [], [px[0, 0], px[0, 1]]
    for a, b in zip(px[:-1], px[1:], strict=True):
        if np.abs(a[1] - b[0]).max() > 1e-6:  # a new subpath
            lines.append(np.array(current))
            current = [b[0]]
        current.append(b[1])
    lines.append(np.array(current))
    return lines


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Two frames' polylines are the same (to 1e-6 px)."""
    return len(a) == len(b) and all(
        x.shape == y.shape and np.allclose(x, y, atol=1e-6) for x, y in zip(a, b, strict=True)
    )


def _models(
    cap: PlayerCapture, runs: list[dict[str, Any]], steps: int, arrays: _Arrays
) -> list[dict[str, Any]]:
    """The models the video draws beside the runs, per step (FitLine's fitted lines, a
    network's fitted curve or decision boundary): every single stroked path among the
    moving parts that an updater redraws from the clock, evaluated by that updater at
    every step (the video's own geometry, not a re-implementation). A model whose path at
    step ½ is the mean of steps 0 and 1 is interpolated between steps by the script (a
    fitted curve); the others switch at the nearest step (a line, a boundary), each of
    their polylines simplified to within 1/8 px. Positions in 1/4 px. A model belongs to
    the run of its colour (its legend row shows and hides it)."""
    from manim import VMobject

    clock = getattr(cap.scene, "clock", None)
    made = {id(t) for t in cap.tracks}
    candidates = list({id(m): m for m in [*cap.layered, *cap.mobjects]}.values())
    grouped = _grouped(cap, runs)
    found = [
        m
        for m in candidates
        if isinstance(m, VMobject)
        and id(m) not in grouped
        and not m.submobjects
        and m.updaters
        and id(m) not in made
        and float(m.get_stroke_width()) > 0
    ]
    if clock is None or not found:
        return []
    out = []
    for m in found:
        frames = []
        for t in range(steps + 1):
            clock.tracker.set_value(clock.alpha_of(t))
            m.update(0)
            frames.append(_polylines(m, cap))
        # how the video moves it between steps, seen 0.6 into the first step that changes it:
        # switched at the nearest step, at the step being taken (floor), or interpolated
        changes = [t for t in range(steps) if not _same(frames[t], frames[t + 1])]
        mode = "round"
        if changes:
            t = changes[0]
            clock.tracker.set_value(clock.alpha_of(t + 0.6))
            m.update(0)
            between = _polylines(m, cap)
            if _same(between, frames[t]):
                mode = "floor"
            elif (
                not _same(between, frames[t + 1])
                and [len(a) for a in frames[t]] == [len(b) for b in frames[t + 1]]
                and _same(
                    between,
                    [0.4 * a + 0.6 * b for a, b in zip(frames[t], frames[t + 1], strict=True)],
                )
            ):
                mode = "lerp"
        clock.tracker.set_value(clock.alpha_of(0))
        m.update(0)
        shapes = {tuple(len(p) for p in f) for f in frames}
        lerp = mode == "lerp" and len(shapes) == 1
        color = str(m.get_stroke_color().to_hex()).upper()
        group = next((r["group"] for r in runs if str(r["color"]).upper() == color), None)
        model: dict[str, Any] = {
            "color": color,
            "width": float(m.get_stroke_width()),
            "group": group,
            "lerp": bool(lerp),
            "mode": "lerp" if lerp else ("floor" if mode == "floor" else "round"),
            "scale": MODEL_SCALE,
        }
        fill = float(np.max(m.get_fill_opacities(), initial=0))
        if fill > 0:  # a filled shape (MuonVsAdamW's bars)
            model["fill"] = round(fill, 3)
            model["fill_color"] = str(m.get_fill_color().to_hex()).upper()
        if lerp:  # one polyline set of fixed shape: each point's steps as differences in time
            shape = [len(p) for p in frames[0]]
            stack = np.array([np.concatenate(f) for f in frames])  # (T, P, 2)
            model["lines"] = shape
            model["xy"] = arrays.positions(np.round(stack.reshape(len(frames), -1) * MODEL_SCALE))
        else:
            lines = [[_simplify(p, 0.125) for p in f] for f in frames]
            model["counts"] = arrays.add([len(f) for f in lines], "<u2")
            model["lengths"] = arrays.add([len(p) for f in lines for p in f], "<u2")
            flat = [p for f in lines for p in f]
            pts = np.concatenate(flat) if flat else np.zeros((0, 2))
            model["xy"] = arrays.positions(np.round(pts * MODEL_SCALE))
        out.append(model)
    return out


def _spots(
    cap: PlayerCapture, runs: list[dict[str, Any]], steps: int, arrays: _Arrays
) -> list[dict[str, Any]]:
    """The dots the video moves beside the runs (a loss panel's marker at each curve's
    current end, where the panel is in the picture: MuonVsAdamW), each step's centre as the
    dot's own updater puts it (px, in 1/16 px), drawn between steps on the straight line
    between them (``partial_path``: the video's own interpolation). A dot of a run's colour
    belongs to that run's legend row."""
    from manim import Dot

    clock = getattr(cap.scene, "clock", None)
    if clock is None:
        return []
    made = {id(f) for t in cap.tracks for f in t.get_family()}
    grouped = _grouped(cap, runs)
    seen: set[int] = set()
    found = []
    for top in [*cap.layered, *cap.mobjects]:
        for m in top.get_family():
            if (
                isinstance(m, Dot)
                and m.updaters
                and id(m) not in made | grouped | seen
                and float(np.max(m.get_fill_opacities(), initial=0)) > 0
            ):
                seen.add(id(m))
                found.append(m)
    out = []
    for m in found:
        centres = np.zeros((steps + 1, 2))
        for t in range(steps + 1):
            clock.tracker.set_value(clock.alpha_of(t))
            m.update(0)
            centres[t] = to_pixels(np.asarray(m.get_center()), cap.size, cap.frame)
        clock.tracker.set_value(clock.alpha_of(0))
        m.update(0)
        color = str(m.get_fill_color().to_hex()).upper()
        out.append(
            {
                "color": color,
                "radius": round(float(m.width) / 2 * cap.size[0] / cap.frame[0], 3),
                "opacity": round(float(np.max(m.get_fill_opacities(), initial=0)), 3),
                "group": next((r["group"] for r in runs if str(r["color"]).upper() == color), None),
                "xy": arrays.positions(np.round(centres * POSITION_SCALE)),
                "scale": POSITION_SCALE,
            }
        )
    return out


def _grouped(cap: PlayerCapture, runs: Sequence[Any]) -> set[int]:
    """The ids of parts of a group among the moving parts (a loss panel's curves, a
    legend): the player's side panel shows those when the scene has any ``runs``."""
    return {
        id(f)
        for g in (cap.layered if runs else [])
        if g.submobjects
        for f in g.get_family()
        if f is not g
    }


def _live_texts(
    cap: PlayerCapture, steps: int, arrays: _Arrays, runs: bool = True
) -> list[dict[str, Any]]:
    """The read-outs the video writes in the picture from the clock (``live_text``: NoiseEscape's
    ``5 / 40 escaped``, a followed particle's ``f′ … kick …``), each step's string as the
    scene's own updater writes it, at the text's anchor (the left end of its baseline, in
    px). Read-outs among the moving parts a storyboard hands ``add_layered`` (legend,
    counter: the player's own side panel shows those) are left out when there are ``runs``
    (a scene with none, MuonVsAdamW's bars, keeps its legend in the picture)."""
    from descent.scenes.kit.text import FastText
    from descent.scenes.kit.tracks import shown_now

    clock = getattr(cap.scene, "clock", None)
    if clock is None:
        return []
    layered = {id(f) for m in (cap.layered if runs else []) for f in m.get_family()}
    made = {id(f) for t in cap.tracks for f in t.get_family()}
    out = []
    for top in cap.mobjects:
        for m in top.get_family():
            if not isinstance(m, FastText) or not m.updaters or id(m) in layered | made:
                continue
            texts: list[str] = []
            for t in range(steps + 1):
                clock.tracker.set_value(clock.alpha_of(t))
                m.update(0)
                # a read-out its updater hides (set_shown: a loss panel's off-panel mark while
                # the value is inside the panel) is written as nothing at that step
                hidden = shown_now(m) is False or not _opaque(m)
                texts.append("" if hidden else str(m.text))
            clock.tracker.set_value(clock.alpha_of(0))
            m.update(0)
            distinct = list(dict.fromkeys(texts))
            first = next((x for x in texts if x), "")
            if not first:  # never written
                continue
            anchor = to_pixels(np.asarray(m.anchor), cap.size, cap.frame)
            scale = cap.size[0] / cap.frame[0]
            out.append(
                {
                    # the distinct strings, one a line, as UTF-8 in the deflated buffer
                    # (a followed particle's read-out: a string a step)
                    "lines": arrays.add(
                        np.frombuffer("\n".join(distinct).encode(), np.uint8), "u1"
                    ),
                    "index": arrays.add([distinct.index(x) for x in texts], "<u2"),
                    "at": anchor.round(2).tolist(),
                    # the pen advance of the first string written, in px (``probe``: its
                    # index): the script sizes its font to it
                    "width": round(FastText.width_of(first, m.font_size) * scale, 3),
                    "probe": distinct.index(first),
                    "color": str(m.get_fill_color().to_hex()).upper(),
                    # a halo of the page's colour behind the glyphs (kit.text.halo), in
                    # Manim's stroke width
                    "halo": round(float(m.get_stroke_width(background=True)), 2)
                    if float(np.max(m.get_stroke_opacities(background=True), initial=0)) > 0
                    else 0.0,
                }
            )
    return out


def _opaque(m: Any) -> bool:
    """Whether any part of ``m`` is drawn (fill or stroke not fully transparent)."""
    return any(
        float(np.max(f.get_fill_opacities(), initial=0)) > 0
        or float(np.max(f.get_stroke_opacities(), initial=0)) > 0
        for f in m.get_family()
        if len(f.points)
    )


def _group_names(runs: list[dict[str, Any]]) -> None:
    """A legend row per (label, plot): many particles share one row."""
    keys: dict[tuple[str, int], int] = {}
    labels = {r["label"] for r in runs}
    areas_of = {lab: {r["area"] for r in runs if r["label"] == lab} for lab in labels}
    for r in runs:
        key = (r["label"], r["area"])
        if key not in keys:
            keys[key] = len(keys)
        r["group"] = keys[key]
        r["group_name"] = (
            r["label"] if len(areas_of[r["label"]]) == 1 else f"{r['label']} · plot {r['area'] + 1}"
        )


def _static_legend_names(cap: PlayerCapture, runs: list[dict[str, Any]]) -> None:
    """A scene's own legend among the moving parts, nothing in it moved (rows of a
    :class:`~manim.Dot` and a label: FitLine's ``SGD (lr 0.01)``): a run alone in its legend
    row whose colour is a row's dot's takes the row's words as its name."""
    from manim import Dot

    for group in cap.layered:
        if any(f.updaters for f in group.get_family()):
            continue
        for row in group.submobjects:
            parts = row.submobjects
            if (
                len(parts) != 2
                or not isinstance(parts[0], Dot)
                or not getattr(parts[1], "text", "")
            ):
                continue
            colour = _hex(parts[0].get_fill_color())
            mine = [r for r in runs if str(r["color"]).upper()[:7] == colour]
            if len(mine) == 1 and sum(r["group"] == mine[0]["group"] for r in runs) == 1:
                mine[0]["group_name"] = str(parts[1].text)


def _legend_rows(cap: PlayerCapture, runs: list[dict[str, Any]], arrays: _Arrays) -> None:
    """The video's legend (a :class:`~descent.scenes.kit.readouts.Legend` among the moving
    parts), row by row into the player's: a run alone in its legend row takes the row's
    name (``SGD (lr 0.01)``) and, where the row has a read-out, the read-out's text at
    every step as the legend's own updater writes it (``loss 1.28  f′ 3.54``): ``legend``,
    the strings of steps 0…n joined by newlines, UTF-8 in the deflated buffer."""
    from descent.scenes.kit.readouts import Legend

    legend = next((m for m in cap.layered if isinstance(m, Legend)), None)
    clock = getattr(cap.scene, "clock", None)
    if legend is None:  # a static legend of its own (FitLine's rows of a dot and a name)
        _static_legend_names(cap, runs)
    if legend is None or clock is None:
        return
    said = {id(row): shown for row, shown, _ in legend.readouts}
    rows = [str(row[0].get_fill_color().to_hex()).upper() for row in legend.rows]
    groups = {r["group"]: [q for q in runs if q["group"] == r["group"]] for r in runs}
    fresh = max([*groups, -1]) + 1
    for members in groups.values():  # runs of one label that the video's legend gives a row
        # each (a variant's SGD at three learning rates): a legend row each here too
        colours = [str(q["color"]).upper() for q in members]
        if (
            len(members) > 1
            and len(set(colours)) == len(colours)
            and all(rows.count(c) == 1 for c in colours)
        ):
            for q in members[1:]:
                q["group"], fresh = fresh, fresh + 1
    groups = {r["group"]: [q for q in runs if q["group"] == r["group"]] for r in runs}
    steps = int(clock.steps)
    for row in legend.rows:
        colour = str(row[0].get_fill_color().to_hex()).upper()
        mine = [r for r in runs if str(r["color"]).upper() == colour]
        if len(mine) != 1 or len(groups[mine[0]["group"]]) != 1:
            continue
        run = mine[0]
        name = getattr(row[1], "text", None)
        if name:
            run["group_name"] = str(name)
        shown = said.get(id(row))
        if shown is None:
            continue
        texts = []
        for t in range(steps + 1):
            clock.tracker.set_value(clock.alpha_of(t))
            shown.update(0)
            texts.append(str(shown.text).replace("\n", " "))
        clock.tracker.set_value(clock.alpha_of(0))
        shown.update(0)
        run["legend"] = arrays.add(np.frombuffer("\n".join(texts).encode("utf-8"), np.uint8), "u1")


def _beat_rings(cap: PlayerCapture, movers: Sequence[Any], payload: dict[str, Any]) -> None:
    """The ring a beat's hold puts on its subject (kit.story.Emphasis: the subject's dot, a
    ring of radius 1.6 × its width + 0.05 scene units in the text's colour), as ``ring``:
    ``[run index, radius px]`` on each beat that marks a run (``movers``: the runs' tracks
    or balls, in run order)."""
    base = list(getattr(cap.scene, "subjects", None) or getattr(cap.scene, "tracks", []))
    picker = getattr(cap.scene, "beat_subjects", None)
    scale = cap.size[0] / cap.frame[0]
    for beat, entry in zip(_beat_objects(cap.scene), payload["beats"], strict=True):
        k = getattr(beat, "subject", None)
        # what the hold marks: the scene's own choice (NesterovCorrection's tolerance beat
        # rings its run's point on the distance panel, not the dot on the map)
        subjects = list(picker(beat, base)) if callable(picker) else base
        if k is None or not 0 <= int(k) < len(subjects):
            continue
        subject = subjects[int(k)]
        run = next((i for i, m in enumerate(movers) if m is subject), None)
        if run is None:  # a subject that is no run and stands still (NoiseEscape's "escaped"
            # tally's dot): its ring where it stands
            if not subject.get_family_updaters() and len(subject.get_all_points()):
                entry["mark"] = _ring_px(getattr(subject, "dot", subject), cap)
            continue
        target = getattr(subject, "dot", subject)
        radius = max(float(target.width), 0.1) * 1.6 + 0.05
        entry["ring"] = [run, round(radius * scale, 2)]


def _beat_dims(cap: PlayerCapture, movers: Sequence[Any], payload: dict[str, Any]) -> None:
    """What a beat's hold dims, as the video's :meth:`~descent.scenes.kit.scene.DescentScene.hold`
    does: the scene's own :class:`~descent.scenes.kit.story.Emphasis` on the beat's subject
    among :meth:`beat_subjects` (the scene's ``subjects``, else its tracks) dims every other
    subject to ``Emphasis.dim`` of its opacity (its text to ``TEXT_DIM``). Each beat that
    dims a run gets ``dim``: the dimmed runs' indices (``movers``, in run order) as
    ``[first, last]`` ranges; ``payload["emphasis"]`` holds the two opacity factors and
    ``trail``: whether a dimmed run's trail dims too (a track's trail is part of the track;
    a 3-D ball's trail is not part of the ball)."""
    from descent.scenes.kit.story import TEXT_DIM, Emphasis

    scene = cap.scene
    base = list(getattr(scene, "subjects", None) or getattr(scene, "tracks", []))
    index = {id(m): i for i, m in enumerate(movers)}
    picker = getattr(scene, "beat_subjects", None)
    factor, trails = None, True
    for beat, entry in zip(_beat_objects(scene), payload["beats"], strict=True):
        k = getattr(beat, "subject", None)
        subjects = list(picker(beat, base)) if callable(picker) else base
        if k is None or not 0 <= int(k) < len(subjects):
            continue
        mark = Emphasis(subjects[int(k)], subjects, scene.theme)
        dimmed = sorted({index[id(m)] for m in mark.others if id(m) in index})
        veils = [_veil(m, cap) for m in mark.others if id(m) not in index]
        if any(v is not None for v in veils):  # a still subject in the background (a dot
            # on the page): dimmed under a disc of the page's colour at 1 − dim
            entry["veil"] = [v for v in veils if v is not None]
            factor = mark.dim
        if not dimmed:
            continue
        for i in dimmed:  # the trail dims where it is part of what is dimmed (a Track)
            part = getattr(movers[i], "trail_parts", None)
            trails &= part is not None and any(f is part for f in movers[i].get_family())
        factor = mark.dim
        ranges: list[list[int]] = []
        for i in dimmed:  # consecutive runs as one range (a swarm: a few numbers)
            if ranges and ranges[-1][1] == i - 1:
                ranges[-1][1] = i
            else:
                ranges.append([i, i])
        entry["dim"] = ranges
    if factor is not None:
        payload["emphasis"] = {
            "dim": float(factor),
            "text": float(max(factor, TEXT_DIM)),
            "trail": bool(trails),
        }


def _draw_order(cap: PlayerCapture) -> list[int] | None:
    """The tracks' indices bottom first, as the scene layers them (their places among its
    mobjects at its first play: a storyboard adds them reversed, so the first run is drawn
    on top of the others, SaddleEscape's SGD over Momentum's trail); ``None`` when that is
    the order they were made in (or a track is not among the scene's own mobjects)."""
    where = {id(m): i for i, m in enumerate(cap.mobjects or cap.scene.mobjects)}
    if not all(id(t) in where for t in cap.tracks):
        return None
    order = sorted(range(len(cap.tracks)), key=lambda k: where[id(cap.tracks[k])])
    return None if order == list(range(len(cap.tracks))) else order


def _veil(m: Any, cap: PlayerCapture) -> list[float] | None:
    """``[x, y, r]`` px of a disc that covers ``m``, a still dot the background holds (no
    updater), when the background around it is the page's colour: the page's colour drawn
    over it at ``1 − dim`` is the dot at ``dim`` of its opacity, as the video dims it.
    ``None`` for anything else."""
    from manim import Dot

    if not isinstance(m, Dot) or m.get_family_updaters():
        return None
    c = to_pixels(np.asarray(m.get_center(), float), cap.size, cap.frame)
    r = float(m.width) / 2 * cap.size[0] / cap.frame[0] + 1.0
    image = np.asarray(cap.image, np.int16)
    x0, y0 = np.floor(c - r - 2).astype(int)
    x1, y1 = np.ceil(c + r + 2).astype(int)
    if x0 < 0 or y0 < 0 or x1 >= cap.size[0] or y1 >= cap.size[1]:
        return None
    ys, xs = np.mgrid[y0:y1, x0:x1]
    rim = np.hypot(xs + 0.5 - c[0], ys + 0.5 - c[1]) > r + 0.5
    page = image[cap.size[1] - 1, cap.size[0] - 1]
    if np.abs(image[y0:y1, x0:x1][rim] - page).max(initial=0) > 24:
        return None  # not on the page's colour: a veil would tint what is around it
    return [round(float(c[0]), 2), round(float(c[1]), 2), round(r, 2)]


def _trail_tiers(track: Any) -> list[list[float]]:
    """The track's trail tiers as its own parts are styled (kit.tracks.Track: older tiers
    thinner and dimmer), oldest first: ``[stroke width (Manim's units), opacity]`` each."""
    return [
        [round(float(p.get_stroke_width()), 3), round(float(p.get_stroke_opacity()), 3)]
        for p in track.trail_parts
    ]


def _area_heading(area: Any, cap: PlayerCapture) -> str | None:
    """The text the scene writes right above a plot (NoiseEscape's "without noise" centred
    over it, LossFunctions' "MSE" from over its y numbers), or ``None``: the nearest static
    text whose bottom is at most 0.7 scene units above the plot's frame, centred over the
    frame or starting at most 1.5 units left of it."""
    o, ex, ey = (np.asarray(v, float) for v in area._basis())
    corners = np.array([o, o + ex, o + ey, o + ex + ey])
    x0, x1, top = corners[:, 0].min(), corners[:, 0].max(), corners[:, 1].max()
    best, gap = None, 0.7
    for m in cap.mobjects:
        text = getattr(m, "text", None)
        if not isinstance(text, str) or not text or any(f.updaters for f in m.get_family()):
            continue
        bottom, left, right = (
            float(m.get_bottom()[1]),
            float(m.get_left()[0]),
            float(m.get_right()[0]),
        )
        # over the plot: centred on it (NoiseEscape), or starting at most 1.5 scene units left
        # of it, over its y numbers (LossFunctions' "MSE")
        centred = x0 <= (left + right) / 2 <= x1
        if (centred or x0 - 1.5 <= left < x1) and 0 <= bottom - top <= gap:
            best, gap = text, bottom - top
    return best


def _panel_names(runs: list[dict[str, Any]], areas: list[Any], cap: PlayerCapture) -> None:
    """Legend rows of one label over several plots take the plot's heading as their name
    ("without noise", not "SGD · plot 2"); each row's ``group_count`` is its runs less the
    rings that mark one of them, and ``group_colors`` every colour its dots take."""
    headings = [_area_heading(a, cap) for a in areas]
    word = "particles" if getattr(cap.scene, "particles", None) else "runs"
    first: dict[int, dict[str, Any]] = {}
    plots = {
        lab: {x["area"] for x in runs if x["label"] == lab} for lab in {x["label"] for x in runs}
    }
    for r in runs:  # only a label over several plots (a heading over one plot, AdaptiveSteps'
        # "arrows: directions only", is no run's name)
        if len(plots[r["label"]]) > 1 and headings[r["area"]]:
            r["group_name"] = headings[r["area"]]
        first.setdefault(r["group"], r)
    for g, r in first.items():  # on the row's first run (the script reads them there)
        dots = [x for x in runs if x["group"] == g and "hollow" not in x]
        if len(dots) > 1:
            r["group_count"] = len(dots)
            r["group_word"] = word
        colors = list(dict.fromkeys(c for x in dots for c in x.get("colors", [x["color"]])))
        if len(colors) > 1:
            r["group_colors"] = colors


def _scene_beats(scene: Any) -> tuple[Any, ...]:
    found = getattr(scene, "beats", ()) or ()
    if callable(found):  # an accessor rather than the tuple
        found = found()
    return tuple(found)


def _beat_objects(scene: Any) -> tuple[Any, ...]:
    """The scene's beats, with any beat it started before its first play that is not among
    them (``beat_log``: NesterovCorrection's "the look-ahead", narrated over its opening
    anatomy from step 0), in step order."""
    import math

    from descent.scenes.kit.story import Beat

    found = _scene_beats(scene)
    names = {getattr(b, "name", None) for b in found}
    extra = [
        Beat(float(at), str(name), str(say))
        for name, say, _, at in getattr(scene, "beat_log", ()) or ()
        if name not in names and math.isfinite(at)
    ]
    return tuple(sorted([*extra, *found], key=lambda b: float(b.step))) if extra else found


def _beats(scene: Any) -> list[dict[str, Any]]:
    found = _beat_objects(scene)
    # "until": the last step a beat covers (kit.story.Beat.until: its caption runs through
    # to it); the step itself where a beat has none
    return [
        {
            "step": float(b.step),
            "until": float(getattr(b, "until", None) or b.step),
            "name": str(b.name),
            "say": str(getattr(b, "say", "")),
        }
        for b in found
    ]


#: the video's clock kept within this many seconds (and steps) by the player's pace map
PACE_TOLERANCE = 0.01


def video_pace(cls: type, theme: str, *, like: Any = None) -> dict[str, list[float]] | None:
    """The video's own clock as a step → time map: which step is on screen at which second.

    Plays ``cls`` without drawing (:func:`~descent.scenes.kit.timeline.play_timeline`, the
    timing of the ``.srt`` and the sections) and keeps, for every ``play()``/``wait()`` once
    the scene has a :class:`~descent.scenes.kit.clock.StepClock`, where its clock was: the
    clock moves linearly in story time ``α`` within an animation, and ``α`` → step is
    piecewise linear (the clock's weights), so the knots are each animation's ends and the
    clock's own knots between them. A hold (a beat's reading time, a ``wait``) is two knots
    at one step. Knots that a straight line between their neighbours keeps within
    :data:`PACE_TOLERANCE` (s and steps) are dropped (Ramer–Douglas–Peucker).

    ``like``: a scene of ``cls`` already built in this theme (the player's capture): a
    network scene's plane (a PCA of every run, seconds of SVD) is taken from it rather than
    computed again (the same runs give the same plane).

    Returns
    -------
    dict or None
        ``time`` (s, from the clock's first animation) and ``step`` (fractional), equal
        lengths, time non-decreasing; ``None`` when the scene never moves a clock.
    """
    from descent.scenes.kit.timeline import play_timeline

    plane = getattr(like, "plane", None)
    if plane is not None and callable(getattr(cls, "plane_for", None)):
        cls = type(cls.__name__, (cls,), {"plane_for": lambda self, land, trajs: plane})
    timeline = play_timeline(cls, theme)
    knots: list[tuple[float, float]] = []
    for m in timeline.moves:
        c = m.clock
        if c is None:
            continue
        knots.append((m.t0, m.step(m.a0)))
        if m.a1 != m.a0 and m.t1 > m.t0:
            lo, hi = sorted((m.a0, m.a1))
            inner = [float(a) for a in c._alpha if lo < a < hi]
            inner.sort(reverse=bool(m.a1 < m.a0))
            for a in inner:
                knots.append((m.t0 + (m.t1 - m.t0) * (a - m.a0) / (m.a1 - m.a0), m.step(a)))
        knots.append((m.t1, m.step(m.a1)))
    if not knots or max(s for _, s in knots) <= 0:
        return None
    line = np.array(knots, dtype=np.float64)
    line[:, 0] -= line[0, 0]
    line = _simplify(line, PACE_TOLERANCE)
    line = line[np.concatenate([[True], np.any(np.diff(line, axis=0) != 0, axis=1)])]  # no repeats
    return {
        "time": [round(float(t), 3) for t in line[:, 0]],
        "step": [round(float(s), 3) for s in line[:, 1]],
    }


def _image_uri(image: Any, quality: int = 88) -> str:
    """The background as WebP (lossy: a smooth heat map is ~10× smaller than PNG)."""
    buf = io.BytesIO()
    image.save(buf, format="WEBP", quality=quality, method=6)
    return "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _theme(name: str) -> dict[str, Any]:
    from descent.scenes.kit.theme import get_theme

    t = get_theme(name)
    return {"name": t.name, "background": t.background, "text": t.text, "muted": t.muted}


def build_payload(
    cls: type, *, theme: str = "dark", width: int = 854, height: int = 480
) -> dict[str, Any]:
    """Everything the player shows for scene class ``cls``, as JSON-ready data.

    Returns
    -------
    dict
        ``scene``, ``title``, ``theme``, ``size`` (px), ``image`` (data URI),
        ``areas`` (data → pixel maps), ``steps``, ``beats``, ``kind`` and per kind
        ``runs`` (``tracks``) or ``map`` (``ratemap``).
    """
    cap = capture(cls, theme=theme, width=width, height=height)
    # the story (its colour names: "darker" on the dark theme's map is "lighter" on the
    # light one) and every updater evaluated below read the theme the scene renders in
    with _theme_env(theme):
        return _build_payload(cls, cap, theme)


def _build_payload(cls: type, cap: PlayerCapture, theme: str) -> dict[str, Any]:

    scene = cap.scene
    payload: dict[str, Any] = {
        "format": 1,
        "scene": cls.__name__,
        "title": str(getattr(scene, "title", "") or cls.__name__),
        "theme": _theme(theme),
        "size": list(cap.size),
        "image": _image_uri(cap.image),
        "beats": _beats(scene),
        # the pace of the steps at 1× where the scene has no clock to follow (video_pace):
        # the scene's own motion (``run_time`` when it imposes one)
        "run_time": float(getattr(scene, "run_time", None) or getattr(scene, "motion_time", 6.0)),
        "captions": [],
    }
    if "result" in cap.locals and "rate" in cap.locals:
        payload.update(_ratemap(cap))
        return payload
    from manim import ThreeDScene

    # 1× is the video's pace: the step on screen at each second of the video, holds included
    pace = video_pace(cls, theme, like=scene)
    if pace is not None:
        payload["pace"] = pace
    if isinstance(scene, ThreeDScene):
        payload.update(_projected(cls, cap))
        # the page says what it does not show: the video's camera moves, the player's does not
        payload["captions"].append(
            "The camera stays where the video's starts: the video's camera then orbits."
        )
        return payload
    areas: list[Any] = []
    for a in cap.areas:  # one per path: the same area for every run of one plot
        if not any(a is b for b in areas):
            areas.append(a)
    trajs = [cap.trajs.get(id(t)) for t in cap.tracks]
    tiles: list[str] = []
    sweep = getattr(scene, "run_sweep", None)
    if sweep is not None and all(t is None for t in trajs):  # SweepScene: one track a tile
        _, result = sweep()
        index = list(np.ndindex(*result.shape))
        if len(index) == len(trajs):
            trajs = [result.run(*i) for i in index]
            tiles = [_sweep_label(result, i) for i in index]
    arrays = _Arrays()
    extras = _network_extras(scene, trajs, payload, arrays)
    many = len(cap.tracks) > MAX_TERM_RUNS and not tiles
    runs = []
    for k, (track, traj) in enumerate(zip(cap.tracks, trajs, strict=True)):
        extra = dict(extras.get(k, {}))
        if traj is not None and not many and not traj.batched:
            terms = _terms(traj, arrays)
            if terms is not None:
                extra["terms"] = terms
        crowd = many and not track.trail  # dots only, drawn at whole pixels by the script
        run = _track_run(track, traj, cap, areas, extra, arrays, crowd)
        if tiles:
            run["label"], run["tile"] = tiles[k], True
        runs.append(run)
    _group_names([r for r in runs if not r.get("tile")])
    _legend_rows(cap, runs, arrays)
    _panel_names([r for r in runs if not r.get("tile")], areas, cap)
    for k, r in enumerate(runs):
        if r.get("tile"):
            r["group"], r["group_name"] = 10_000 + k, r["label"]
    _beat_rings(cap, cap.tracks, payload)
    _beat_dims(cap, cap.tracks, payload)
    order = _draw_order(cap)
    if order is not None:
        payload["order"] = order
    if cap.opening:  # the narrated opening before the steps (NesterovCorrection's anatomy)
        payload["opening"] = _opening(cap)
    tiers = [_trail_tiers(t) for t in cap.tracks if t.trail]
    if tiers:  # the trails' tiers once; a run whose trail is styled otherwise keeps its own
        payload["tiers"] = tiers[0]
        for track, run in zip(cap.tracks, runs, strict=True):
            if track.trail and _trail_tiers(track) != tiers[0]:
                run["tiers"] = _trail_tiers(track)
    boxes = [_area_box(a, cap) for a in areas]
    payload["panel"] = _panel(scene, trajs, runs, arrays) if not tiles else None
    if payload["panel"] is None and not tiles:  # a scene of its own with a loss panel (FitLine)
        payload["panel"] = _own_panel(cap, trajs, runs, arrays)
    if payload["panel"] is not None:
        payload["panel"].update(_panel_as_drawn(cap, runs, arrays))
    if getattr(scene, "show_update", False):  # the video writes this run's rule out, live
        payload["live_rule"] = int(getattr(scene, "update_index", 0))
    last = int(max([cap.steps, *(r["n"] - 1 for r in runs)]))
    rule = _rule_as_drawn(cap, last, arrays) if "live_rule" in payload else None
    if rule is not None:  # the rule and its bars as the video draws them beside the plot
        payload["rule"] = rule
    models = _models(cap, runs, last, arrays)
    if not runs and not models:
        raise EngineError(f"{cls.__name__} draws nothing that moves the player can play")
    if models:
        payload["models"] = models
    tints = _tints(cap, last)
    if tints:  # a sweep's tiles whose run left for good, tinted as the video tints them
        payload["tints"] = tints
    finale = _finale(cap, last) if tiles else None
    if finale is not None:  # the fastest tile outlined and named once the runs end
        payload["finale"] = finale
    spots = _spots(cap, runs, last, arrays)
    if spots:
        payload["spots"] = spots
    texts = _live_texts(cap, last, arrays, runs=bool(runs))
    if texts:
        payload["texts"] = texts
    payload.update(
        {
            "kind": "tracks",
            "side": _free_side(
                cap, boxes, len({r["group"] for r in runs}) + (7 if "live_rule" in payload else 4)
            ),
            "areas": boxes,
            "steps": last,
            "runs": runs,
            "arrays": arrays.encoded(),
        }
    )
    rows = len({r["group"] for r in runs}) + (7 if "live_rule" in payload else 4)
    if payload["side"] is None:  # right of everything drawn under the title (a colour bar)
        payload["side"] = _free_band(cap, boxes, rows)
    shown = [  # what the script draws over the background: the plots, the live read-outs
        [min(c[0] for c in cs), min(c[1] for c in cs), max(c[0] for c in cs), max(c[1] for c in cs)]
        for b in boxes
        for cs in [
            [
                np.add(b["o"], d).tolist()
                for d in ((0, 0), b["ex"], b["ey"], np.add(b["ex"], b["ey"]))
            ]
        ]
    ]
    for _, _, _, drawn in cap.opening:  # what a narrated opening adds (its caption, names)
        if drawn is not None:
            x0, y0, rgba = drawn
            shown.append([x0, y0, x0 + rgba.shape[1], y0 + rgba.shape[0]])
    h = cap.size[1]
    if finale is not None:  # the line naming the fastest tile, at the frame's foot
        shown.append([finale["at"][0], finale["top"], finale["at"][0] + finale["text_width"],
                      finale["at"][1]])  # fmt: skip
    for x in texts:  # its first string's width, widened: a later string may be longer
        ax, ay = x["at"]
        shown.append([ax, ay - 0.045 * h, ax + 1.5 * x["width"], ay + 0.015 * h])
    payload["crop"] = _crop(cap, payload["side"], rows, shown)
    return payload


def _panel(
    scene: Any, trajs: Sequence[Any], runs: list[dict[str, Any]], arrays: _Arrays
) -> dict[str, Any] | None:
    """The side panel's curves as the video draws them: a :class:`SurfaceScene`'s own
    ``panel_series`` under its ``panel_label`` (MomentumOvershoot: the distance to the
    optimum), a network scene's true loss, else each run's loss."""
    if not getattr(scene, "show_panel", False) or getattr(scene, "show_update", False):
        return None  # the video has no such panel (a curve, or the rule in its place)
    if not trajs or any(t is None or t.batched for t in trajs):
        return None
    label, log = "loss", True
    series = [np.asarray(t.loss) for t in trajs]
    hook = getattr(scene, "panel_series", None)
    if callable(hook):
        series = [np.asarray(s) for s in hook(scene.get_landscape(), trajs)]
        label = str(getattr(scene, "panel_label", "loss"))
        log = bool(getattr(scene, "panel_log", True))
    elif getattr(scene, "plane", None) is not None:
        label, log = "true loss", bool(getattr(scene, "panel_log", True))
    if len(series) != len(runs):
        return None
    for run, values in zip(runs, series, strict=True):
        # the loss itself is stored once (a swarm of particles would double its size)
        same = callable(hook) is False and "loss" in run
        run["series"] = run["loss"] if same else arrays.add(values, "<f4")
    return {"label": label, "log": log}


def _own_panel(
    cap: PlayerCapture, trajs: Sequence[Any], runs: list[dict[str, Any]], arrays: _Arrays
) -> dict[str, Any] | None:
    """The side chart of a scene that builds its own loss panel (a
    :class:`~descent.scenes.kit.readouts.LossPanel` among the moving parts, FitLine's under
    its plots) rather than a storyboard's: its series, one a run in run order, under its
    axis name; ``None`` when it has none, or not one series a run."""
    from descent.scenes.kit.readouts import LossPanel

    panel = next((m for m in cap.layered if isinstance(m, LossPanel)), None)
    if panel is None or len(panel.values) != len(runs) or not runs:
        return None
    for run, traj, values in zip(runs, trajs, panel.values, strict=True):
        same = traj is not None and "loss" in run and np.array_equal(values, np.asarray(traj.loss))
        run["series"] = run["loss"] if same else arrays.add(values, "<f4")
    return {"label": str(panel.y_label), "log": panel.scale == "log"}


def _panel_as_drawn(
    cap: PlayerCapture, runs: list[dict[str, Any]], arrays: _Arrays
) -> dict[str, Any]:
    """The video's own loss panel (a :class:`~descent.scenes.kit.readouts.LossPanel` among
    the moving parts), as its updaters draw it at each step: the axis's label and range (in
    the panel's scale: log₁₀, symlog or linear), each run's marker in those coordinates
    (clamped to the panel as the video clamps it: ``panel_y``) and the off-panel mark the
    video writes by it (``▲ 6.97e+04``, ``▲ ∞``: ``panel_mark``, an index into ``marks``,
    0 for none). Empty when the scene has no such panel, or not one series a run."""
    from descent.scenes.kit.readouts import LossPanel
    from descent.scenes.kit.tracks import shown_now

    panel = next((m for m in cap.layered if isinstance(m, LossPanel)), None)
    clock = getattr(cap.scene, "clock", None)
    if panel is None or clock is None:
        return {}
    parts = list(panel.lines)
    if len(parts) != 3 * len(runs):  # (line, marker, mark) a series
        return {}
    area = panel.area
    o, ex, ey = area._basis()
    (y0, y1), steps = area.y_range, int(clock.steps)
    marks: list[str] = []
    ys = np.zeros((len(runs), steps + 1))
    said = np.zeros((len(runs), steps + 1), np.uint8)
    for t in range(steps + 1):
        clock.tracker.set_value(clock.alpha_of(t))
        for k in range(len(runs)):
            marker, mark = parts[3 * k + 1], parts[3 * k + 2]
            marker.update(0)
            mark.update(0)
            v = float(np.dot(marker.get_center() - o, ey) / np.dot(ey, ey))
            ys[k, t] = y0 + v * (y1 - y0)
            if shown_now(mark) is not False and mark.text:
                if mark.text not in marks:
                    marks.append(str(mark.text))
                said[k, t] = marks.index(str(mark.text)) + 1
    clock.tracker.set_value(clock.alpha_of(0))
    for m in parts:
        m.update(0)
    for k, run in enumerate(runs):
        run["panel_y"] = arrays.add(ys[k], "<f4")
        run["panel_mark"] = arrays.add(said[k], "u1")
    guides = _panel_guides(cap, area)
    tags = list(panel.end_tags) if panel.end_tags is not None else []
    names = [  # each curve's name at its moving end, in the colour the video writes it
        [str(t.text), _hex(t.family_members_with_points()[0].get_fill_color())] for t in tags
    ]
    return {
        **({"guides": guides} if guides else {}),
        **({"names": names} if len(names) == len(runs) else {}),
        "y": [float(y0), float(y1)],
        "scale": str(panel.scale),
        "marks": marks,
        # the tick numbers the video's panel writes, [position, text] (positions in the
        # panel's own coordinates: log₁₀ of the value on a log axis)
        "x_ticks": [[v, t] for v, t in area.x_ticks],
        # the x axis's name as the panel writes it under its ticks ("step")
        "x_label": str((getattr(area, "labels", None) or ("",))[0]),
        "y_ticks": [[v, t] for v, t in area.y_ticks],
    }


def _tints(cap: PlayerCapture, steps: int) -> list[dict[str, Any]]:
    """The tints the video lays over a tile whose run left for good (kit.sweeps
    ``divergence_tint``: a rectangle of colour and a word, ``diverging`` or ``NaN from step
    6``), as its updater shows them: from the first step ``t`` at which it is shown
    (``from``), the rectangle (px: left, top, right, bottom), its colour and opacity, the
    word, its centre and pen width (px: the script sizes its font to it), its colour and
    halo (the page's colour)."""
    from descent.scenes.kit.text import FastText
    from descent.scenes.kit.tracks import shown_now

    clock = getattr(cap.scene, "clock", None)
    if clock is None:
        return []
    scale = cap.size[0] / cap.frame[0]
    out = []
    for group in cap.layered:
        if getattr(group, "tint_from", None) is None or len(group.submobjects) != 2:
            continue
        rect, word = group.submobjects
        first = None
        for t in range(steps + 1):
            clock.tracker.set_value(clock.alpha_of(t))
            group.update(0)
            if shown_now(rect) is True:
                first = t
                break
        if first is None:
            continue
        corners = to_pixels(np.asarray(rect.get_all_points()), cap.size, cap.frame)
        glyph = word.family_members_with_points()[0]
        out.append(
            {
                "from": first,
                "box": [*corners.min(0).round(2).tolist(), *corners.max(0).round(2).tolist()],
                "color": _hex(rect.get_fill_color()),
                "opacity": round(float(rect.get_fill_opacity()), 3),
                "word": str(word.text),
                "at": to_pixels(np.asarray(word.get_center()), cap.size, cap.frame)
                .round(2)
                .tolist(),
                "width": round(FastText.width_of(str(word.text), 16) * scale, 3),
                "word_color": _hex(glyph.get_fill_color()),
                "halo": _hex(glyph.get_stroke_color(background=True)),
            }
        )
    clock.tracker.set_value(clock.alpha_of(0))
    for group in cap.layered:
        if getattr(group, "tint_from", None) is not None:
            group.update(0)
    return out


def _finale(cap: PlayerCapture, steps: int) -> dict[str, Any] | None:
    """What a sweep adds once its runs end (kit.sweeps ``SweepScene.fastest_outline``: an
    outline round the fastest tile and a line naming it), made by the scene's own method:
    shown from the last step; the outline's box and stroke (px), the line's words, its
    colour, where its baseline starts and its pen width (px). ``None`` for another scene."""

    scene = cap.scene
    outline_of = getattr(scene, "fastest_outline", None)
    sweep = getattr(scene, "run_sweep", None)
    if outline_of is None or sweep is None or not cap.areas:
        return None
    land, result = sweep()
    index = list(np.ndindex(*result.shape))
    if len(index) != len(cap.areas):
        return None
    parts = outline_of(land, result, dict(zip(index, cap.areas, strict=True)))
    box = next((m for m in parts if not getattr(m, "text", None)), None)
    words = next((m for m in parts if getattr(m, "text", None)), None)
    if box is None or words is None:
        return None
    scale = cap.size[0] / cap.frame[0]
    corners = to_pixels(np.asarray(box.get_all_points()), cap.size, cap.frame)
    glyph = words.family_members_with_points()[0]
    left_bottom = to_pixels(
        np.asarray(words.get_corner(np.array([-1.0, -1.0, 0.0]))), cap.size, cap.frame
    )
    top = to_pixels(np.asarray(words.get_top()), cap.size, cap.frame)
    return {
        "from": steps,
        "box": [*corners.min(0).round(2).tolist(), *corners.max(0).round(2).tolist()],
        "stroke": _hex(box.get_stroke_color()),
        "width": round(float(box.get_stroke_width()) * cap.size[0] / 1422.2, 3),
        "text": str(words.text),
        "color": _hex(glyph.get_fill_color()),
        "at": [round(float(left_bottom[0]), 2), round(float(left_bottom[1]), 2)],
        "top": round(float(top[1]), 2),
        "text_width": round(float(words.width) * scale, 3),
    }


def _strings(texts: Sequence[str], arrays: _Arrays) -> dict[str, Any]:
    """Strings ``texts`` (one a step) as their distinct values, one a line, UTF-8 in the
    deflated buffer (``lines``), and each step's index into them (``index``)."""
    distinct = list(dict.fromkeys(texts))
    return {
        "lines": arrays.add(np.frombuffer("\n".join(distinct).encode(), np.uint8), "u1"),
        "index": arrays.add([distinct.index(x) for x in texts], "<u2"),
    }


def _hex(color: Any) -> str:
    return str(color.to_hex() if hasattr(color, "to_hex") else color).upper()[:7]


def _rule_as_drawn(cap: PlayerCapture, steps: int, arrays: _Arrays) -> dict[str, Any] | None:
    """The video's update rule beside the plot (a :class:`~descent.scenes.kit.rules.UpdateRule`
    among the moving parts), as drawn at each step ``0..steps``: its header, the rule's
    lines in symbols and their colour, and each line's numbers as its own updater writes
    them (the update :func:`~descent.scenes.kit.rules.shown_update` shows: at rest on step
    ``t``, the one that brought the dot there). Under it, when the scene has them, Adam's
    per-coordinate bars (:class:`~descent.scenes.kit.rules.CoordinateBars`): each step's
    ``√v̂`` and ``|m̂|`` bar lengths as fractions of the longest bar (``bars``, ``(steps + 1,
    dim, 2)``: read from the bars the updater draws), the ``|step|`` text beside each,
    the numbers they are drawn from (``m_hat``, ``root_v``: ``(updates, dim)``, the bars'
    own arrays), the update shown at each step (``update``) and the colours. ``None``
    when the video shows no rule."""
    from descent.scenes.kit.rules import CoordinateBars, UpdateRule

    clock = getattr(cap.scene, "clock", None)
    family = [f for m in cap.layered for f in m.get_family()]
    rule = next((m for m in family if isinstance(m, UpdateRule)), None)
    if rule is None or clock is None:
        return None
    bars = next((m for m in family if isinstance(m, CoordinateBars)), None)
    numbers: list[list[str]] = [[] for _ in rule.numbers]
    lengths = np.zeros((steps + 1, len(bars.rows) if bars else 0, 2), np.float32)
    said: list[list[str]] = [[] for _ in (bars.rows if bars else [])]
    shown = np.zeros(steps + 1, np.uint16)
    from descent.scenes.kit.rules import shown_update

    for t in range(steps + 1):
        clock.tracker.set_value(clock.alpha_of(t))
        for k, m in enumerate(rule.numbers):
            m.update(0)
            numbers[k].append(str(m.text))
        if bars is not None:
            shown[t] = shown_update(clock, bars.last)
            for i, (_, _, row) in enumerate(bars.rows):
                row.update(0)
                lengths[t, i] = [row[0].width / bars.bar_width, row[1].width / bars.bar_width]
                said[i].append(str(row[2].text))
    clock.tracker.set_value(clock.alpha_of(0))
    for m in [*rule.numbers, *(row for _, _, row in (bars.rows if bars else []))]:
        m.update(0)
    out: dict[str, Any] = {
        "header": str(rule.header.text),
        "header_color": _hex(rule.header.family_members_with_points()[0].get_fill_color()),
        "rules": [str(r.text).strip() for r in rule.rules],
        "color": _hex(rule.rules[0].family_members_with_points()[0].get_fill_color()),
        "numbers": [_strings(n, arrays) for n in numbers],
    }
    if bars is not None:
        outer, inner = bars.rows[0][2][0], bars.rows[0][2][1]
        out["bars"] = {
            "header": str(bars.header.text),
            "names": [name for name, _, _ in bars.rows],
            "name_color": _hex(bars.rows[0][1].family_members_with_points()[0].get_fill_color()),
            "outer": _hex(outer.get_fill_color()),
            "outer_opacity": round(float(outer.get_fill_opacity()), 3),
            "inner": _hex(inner.get_fill_color()),
            "text_color": _hex(bars.rows[0][2][2].get_fill_color()),
            # the scale: the longest bar's value (every bar is value / full of the longest)
            "full": float(bars.bar_width / bars.bar_scale),
            "lengths": arrays.add(lengths, "<f4"),
            "texts": [_strings(x, arrays) for x in said],
            "update": arrays.add(shown, "<u2"),
            "m_hat": arrays.add(bars.m_hat, "<f4"),
            "root_v": arrays.add(bars.root_v, "<f4"),
        }
    return out


def _panel_guides(cap: PlayerCapture, area: Any) -> list[dict[str, Any]]:
    """What the scene draws on its loss panel besides the curves (``panel_guides``:
    NesterovCorrection's dashed line at the tolerance and ``within 0.1`` under it): the
    static parts among the moving ones whose centre lies in the panel's box, in the panel's
    own coordinates. A line: ``{"line": [x0, y0, x1, y1], "dashed", "color"}``; a text:
    ``{"text", "at": [x, y] of its top-left corner, "color"}``."""
    from manim import DashedLine, Line

    o, ex, ey = (np.asarray(v, float) for v in area._basis())
    (x0, x1), (y0, y1) = area.x_range, area.y_range

    def data(p: Any) -> list[float]:
        d = np.asarray(p, float) - o
        u, v = d @ ex / (ex @ ex), d @ ey / (ey @ ey)
        return [round(float(x0 + u * (x1 - x0)), 6), round(float(y0 + v * (y1 - y0)), 6)]

    out: list[dict[str, Any]] = []
    for m in _over_a_plot(cap.layered, [area]):
        text = getattr(m, "text", None)
        if isinstance(text, str) and text:
            glyph = m.family_members_with_points()[0]
            out.append({"text": text, "at": data(m.get_corner(np.array([-1.0, 1.0, 0.0]))),
                        "color": _hex(glyph.get_fill_color())})  # fmt: skip
        elif isinstance(m, Line):
            out.append({"line": [*data(m.get_start()), *data(m.get_end())],
                        "dashed": isinstance(m, DashedLine),
                        "color": _hex(m.get_stroke_color())})  # fmt: skip
    return out


def _projected(cls: type, cap: PlayerCapture) -> dict[str, Any]:
    """A 3-D scene's runs through its camera as the video starts (the background's): each
    ball (``scene.subjects``, in run order) where the scene's own updaters put it at every
    step, projected by the camera (``project_points``) to pixels; the steps where the
    camera's occluders (the surface) hide the ball, and the trail's pieces whose middle
    they hide, as the video leaves them out. The read-outs are the runs of ``data()``."""
    scene = cap.scene
    balls = list(getattr(scene, "subjects", []))
    clock = getattr(scene, "clock", None)
    camera = scene.renderer.camera
    if not balls or clock is None or not hasattr(camera, "project_points"):
        raise EngineError(f"{cls.__name__} is a 3-D scene with no runs the player can project")
    steps = int(clock.steps)
    centres = np.zeros((steps + 1, len(balls), 3))
    movers = [
        m for m in scene.mobjects if m.get_family() and any(f.updaters for f in m.get_family())
    ]
    # each ball's trail (a stroked path of its colour that an updater redraws): the video
    # draws a step as pieces along the surface, not as the chord between two steps
    from manim import VMobject

    colour = [str(b.get_color().to_hex()).upper() for b in balls]
    trails: list[Any] = []
    for c in colour:
        trails.append(
            next(
                (
                    m
                    for m in movers
                    if isinstance(m, VMobject)
                    and not m.submobjects
                    and m.updaters
                    and float(m.get_stroke_width()) > 0
                    and str(m.get_stroke_color().to_hex()).upper() == c
                ),
                None,
            )
        )
    ends = np.zeros((steps + 1, len(balls)), np.int64)  # the trail's last point at each step
    for t in range(steps + 1):
        clock.tracker.set_value(clock.alpha_of(t))
        for m in movers:
            m.update(0)
        centres[t] = [b.get_center() for b in balls]
        for k, tr in enumerate(trails):
            if tr is not None:
                ends[t, k] = max(len(tr.points) // 4 - 1, 0)  # 4 points a piece; the last: to here
    pieces = [None if tr is None else _corners(tr) for tr in trails]  # at the last step
    clock.tracker.set_value(clock.alpha_of(0))
    for m in movers:
        m.update(0)
    eye = camera.eye() if hasattr(camera, "eye") else None
    occluders = list(getattr(camera, "occluders", []))

    def hidden(points: np.ndarray) -> np.ndarray:
        out = np.zeros(len(points), bool)
        for o in occluders if eye is not None else []:
            out |= o.hides(points, eye)
        return out

    data = getattr(scene, "data", None)
    trajs = list(data()) if callable(data) else []
    if len(trajs) != len(balls):
        trajs = [None] * len(balls)
    arrays = _Arrays()
    scale = cap.size[0] / cap.frame[0]
    runs = []
    for k, (ball, traj) in enumerate(zip(balls, trajs, strict=True)):
        path = centres[:, k]
        px = to_pixels(camera.project_points(path), cap.size, cap.frame)
        run: dict[str, Any] = {
            "label": getattr(traj, "label", "") if traj is not None else "",
            "color": str(ball.get_color().to_hex()).upper(),
            "area": 0,
            "radius": round(float(ball.width) / 2 * scale, 2),
            "trail": True,
            "n": steps + 1,
            "xy": arrays.positions(np.round(px * POSITION_SCALE)),
            "scale": POSITION_SCALE,
            "out": arrays.add(np.zeros(steps + 1, np.uint8), "u1"),
            "markers": False,
            "pin": "",
            "hid": arrays.add(hidden(path).astype(np.uint8), "u1"),
            "seg": arrays.add(
                np.append(hidden((path[1:] + path[:-1]) / 2), False).astype(np.uint8), "u1"
            ),
        }
        line = pieces[k]
        if line is not None and len(line) >= 2:  # the trail as the video draws it: its points
            # on the surface (px), the point it reaches at each step, and the pieces hidden
            run["path"] = arrays.positions(
                np.round(to_pixels(camera.project_points(line), cap.size, cap.frame) * 16)
            )
            run["path_at"] = arrays.add(np.minimum(ends[:, k], len(line) - 1), "<u2")
            run["path_hid"] = arrays.add(hidden((line[1:] + line[:-1]) / 2).astype(np.uint8), "u1")
            tr = trails[k]  # one tier: the video's trail as it is stroked
            run["tiers"] = [
                [round(float(tr.get_stroke_width()), 3), round(float(tr.get_stroke_opacity()), 3)]
            ]
            ball = _ball_samples(line, path, np.minimum(ends[:, k], len(line) - 1))
            if ball is not None:  # between steps the ball rolls over these, as the video's
                px_ball = to_pixels(camera.project_points(ball), cap.size, cap.frame)
                run["ball"] = arrays.positions(np.round(px_ball * POSITION_SCALE))
        if traj is not None:
            run["loss"] = arrays.add(traj.loss, "<f4")
            run["grad"] = arrays.add(np.asarray(traj.grad) + np.asarray(traj.noise), "<f4")
            run["lr"] = arrays.add(traj.lr, "<f4")
            run["dim"], run["norms"] = int(traj.dim), False
            run["diverged_at"] = None if traj.diverged_at is None else int(traj.diverged_at)
            terms = _terms(traj, arrays)
            if terms is not None:
                run["terms"] = terms
        runs.append(run)
    _group_names(runs)
    payload: dict[str, Any] = {"beats": _beats(scene)}
    _beat_rings(cap, balls, payload)
    _beat_dims(cap, balls, payload)
    from descent.scenes.kit.readouts import hyperparameters

    for run, traj in zip(runs, trajs, strict=True):  # the legend the video's picture had:
        # each run's hyper-parameters (that legend is left out of the background)
        if traj is not None and run["group_name"] == run["label"]:
            run["group_name"] = f"{run['label']} ({hyperparameters(traj.spec)})"
    return {
        "beats": payload["beats"],
        **({"emphasis": payload["emphasis"]} if "emphasis" in payload else {}),
        "kind": "tracks",
        "camera": "fixed at the video's first frame (the video's camera then orbits)",
        "crop": _crop(cap, None, 0),
        "side": None,
        "areas": [],
        "panel": None,
        "steps": steps,
        "runs": runs,
        "arrays": arrays.encoded(),
    }


def _ball_samples(line: np.ndarray, centres: np.ndarray, at: np.ndarray) -> np.ndarray | None:
    """The points a 3-D scene's ball passes between steps: its trail's samples on the surface
    (``line``, ``(M, 3)``) shifted by the one offset that puts the trail's sample of every
    step (``at``) on the ball's centre there (``centres``, ``(steps+1, 3)``: Surface3D's ball
    rests a radius above the surface, its trail just over it, both over the same samples).
    ``None`` when no single offset does (the ball is then drawn between its steps' centres)."""
    offset = centres[0] - line[at[0]]
    shifted = line + offset
    if not np.allclose(shifted[at], centres, atol=1e-6):
        return None
    return shifted


def _corners(m: Any) -> np.ndarray:
    """The corners ``(n, 3)`` of a path made by ``set_points_as_corners`` (each piece's
    start, then the last piece's end)."""
    points = np.asarray(m.points)
    if len(points) < 4:
        return points[:1]
    return np.vstack([points[0::4][: len(points) // 4], points[-1:]])


def _free_side(cap: PlayerCapture, boxes: list[dict[str, Any]], rows: int) -> list[float] | None:
    """Where the legend can sit in the picture: ``[left, top]`` px right of the plots when
    the background is empty there (nothing but the page's colour), else ``None`` (the
    legend goes under the picture)."""
    w, h = cap.size
    if not boxes:
        return None
    corners = [
        np.array(b["o"]) + np.array(d)
        for b in boxes
        for d in ((0, 0), b["ex"], b["ey"], np.add(b["ex"], b["ey"]))
    ]
    right = max(float(c[0]) for c in corners) + 0.04 * w
    top = min(float(c[1]) for c in corners)
    bottom = top + (0.09 + 0.065 * rows) * h  # the counter and one line a row
    if rows > 12 or right > 0.7 * w or bottom > h:
        return None
    image = np.asarray(cap.image, dtype=np.int16)
    region = image[int(top) : int(bottom), int(right) : int(0.98 * w)]
    if region.size == 0 or np.abs(region - image[h - 1, w - 1]).max() > 24:
        return None
    return [round(right, 2), round(top, 2)]


def _ink(cap: PlayerCapture) -> np.ndarray:
    """``(h, w)`` bool: the background's pixels that are not the page's colour."""
    image = np.asarray(cap.image, dtype=np.int16)
    w, h = cap.size
    return np.abs(image - image[h - 1, w - 1]).max(-1) > 24


def _free_band(cap: PlayerCapture, boxes: list[dict[str, Any]], rows: int) -> list[float] | None:
    """Where the legend can sit right of everything the picture draws beside the plots
    (a colour bar and its ticks included), from the plots' top down to the legend's
    height, when that band is empty and at least a quarter of the frame wide: ``[left,
    top]`` px, else ``None``. (The video's legend and loss panel stood there.)"""
    w, h = cap.size
    if not boxes or rows > 12:
        return None
    tops = [
        float((np.array(b["o"]) + np.array(d))[1])
        for b in boxes
        for d in ((0, 0), b["ex"], b["ey"], np.add(b["ex"], b["ey"]))
    ]
    top = min(tops)
    bottom = min(h, top + (0.09 + 0.065 * rows) * h + 0.2 * h)  # the rows and a chart
    ink = _ink(cap)[int(top) : int(max(bottom, max(tops))), :]
    used = np.flatnonzero(ink.any(0))
    left = (float(used.max()) if len(used) else 0.0) + 0.03 * w
    if 0.98 * w - left < 0.25 * w:
        return None
    return [round(left, 2), round(top, 2)]


def _crop(
    cap: PlayerCapture, side: list[float] | None, rows: int, shown: Sequence[Sequence[float]] = ()
) -> list[float] | None:
    """``[left, top, right, bottom]`` px of the background the player shows: what is drawn
    (the background's ink and the boxes ``shown`` the script draws in), with a margin (the video's empty bands, where its legend and panel stood, and the
    blank foot of the frame are cut, so the plots take more of the screen), and the legend's
    band when it sits in the picture; ``None`` when that saves under 5 % of either side."""
    w, h = cap.size
    ink = _ink(cap)
    ys, xs = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    if not len(ys):
        return None
    pad = 0.015 * w
    lo = np.min([[xs.min(), ys.min()], *[b[:2] for b in shown]], axis=0)
    hi = np.max([[xs.max() + 1, ys.max() + 1], *[b[2:] for b in shown]], axis=0)
    x0, x1 = max(0.0, float(lo[0]) - pad), min(float(w), float(hi[0]) + pad)
    y0, y1 = max(0.0, float(lo[1]) - pad), min(float(h), float(hi[1]) + pad)
    if side is not None:  # the legend's band: to the frame's right edge, its rows and chart
        x1 = float(w)
        y1 = max(y1, min(float(h), side[1] + (0.09 + 0.065 * rows) * h))
    if x1 - x0 > 0.95 * w and y1 - y0 > 0.95 * h:
        return None
    return [round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]


def _sweep_label(result: Any, index: tuple[int, ...]) -> str:
    from descent.scenes.kit.sweeps import _value

    return ", ".join(
        f"{n} {_value(result.grid[n][i])}" for n, i in zip(result.grid, index, strict=True)
    )


def _network_extras(
    scene: Any, trajs: Sequence[Any], payload: dict[str, Any], arrays: _Arrays
) -> dict[int, dict[str, Any]]:
    """For a network scene: per run the loss the plane shows under the dot and the distance
    off the plane at each step, and the plane's share in the captions (as the video's)."""
    plane = getattr(scene, "plane", None)
    if plane is None or not all(t is not None for t in trajs):
        return {}
    land = scene.get_landscape()
    share = float(plane.captured(list(trajs)))
    payload["plane_share"] = share  # the scene's caption in the picture says it in words
    return {
        k: {
            "plane": arrays.add(plane.projected_loss(land, t), "<f4"),
            "off": arrays.add(plane.residual(t), "<f4"),
        }
        for k, t in enumerate(trajs)
    }


# ---------------------------------------------------------------------------------------------
# The rate map
# ---------------------------------------------------------------------------------------------
def display_paths(area: Any, paths: np.ndarray) -> np.ndarray:
    """:meth:`PlotArea.display_path` over many paths ``(N, T, 2)`` at once: a step outside
    the view is pinned where the segment from the last step inside crossed the border
    (non-finite steps continue the last finite direction). Same rule, vectorised over N."""
    paths = np.asarray(paths, np.float64)
    n, steps, _ = paths.shape
    lo = np.array([area.x_range[0], area.y_range[0]])
    hi = np.array([area.x_range[1], area.y_range[1]])
    shown = np.empty_like(paths)
    last_in = np.full((n, 2), np.nan)
    last_fin = paths[:, 0].copy()
    prev_fin = paths[:, 0].copy()
    with np.errstate(all="ignore"):
        for t in range(steps):
            p = paths[:, t].copy()
            fin = np.isfinite(p).all(-1)
            prev_fin[fin], last_fin[fin] = last_fin[fin], p[fin]
            if (~fin).any():
                step = last_fin[~fin] - prev_fin[~fin]
                p[~fin] = (
                    last_fin[~fin] + step / (np.abs(step).max(-1, keepdims=True) + 1e-300) * 1e30
                )
            inside = np.isfinite(p).all(-1) & (p >= lo).all(-1) & (p <= hi).all(-1)
            shown[inside, t] = p[inside]
            last_in[inside] = p[inside]
            out = ~inside
            never = out & np.isnan(last_in[:, 0])
            shown[never, t] = np.clip(np.nan_to_num(p[never], posinf=1e300, neginf=-1e300), lo, hi)
            cross = out & ~never
            if cross.any():
                a, b = last_in[cross], p[cross]
                d = b - a
                t_hi = np.where(d > 0, (hi - a) / d, np.inf)
                t_lo = np.where(d < 0, (lo - a) / d, np.inf)
                f = np.clip(np.minimum(t_hi.min(-1), t_lo.min(-1)), 0.0, 1.0)
                shown[cross, t] = np.clip(a + f[:, None] * d, lo, hi)
    return shown


@dataclass
class Lattice:
    """A rate map's lattice of runs on the inset, as the player stores it.

    Each run's shown path (``display_paths``) is quantised to ``1/scale`` px and cut where it
    stops moving on screen (``lengths``). The script does not store the points themselves
    but the difference between each point and a prediction of it (``residuals``, ``int16``,
    mostly zero): the quantised points are exactly the cumulative result of the stored
    numbers, whatever the prediction, so the player draws the recorded torch run to
    ``1/(2·scale)`` px. The prediction is linear prediction as audio codecs use it: per
    axis, a second-order recurrence ``m_t = a0 + a1·m_{t−1} + a2·m_{t−2}`` (the first step
    ``m_1 = b0 + b1·m_0``) whose coefficients are affine in the run's two hyper-parameters,
    fitted by least squares to the recorded runs where they are inside the view
    (heavy-ball momentum on a quadratic is such a recurrence, so there the fit is exact
    and nearly every residual is 0). A point the model puts outside the view is predicted
    where the segment from the model's last point inside crosses the border (the edge pin
    of ``display_paths``); with no such point, the point two steps back.

    Attributes
    ----------
    scale : int
        Quantisation steps per pixel.
    lo, hi : tuple of float
        The view's pixel box (min and max corner).
    start : ndarray, shape (N, 2), float32
        Each run's first point in px (the model's start).
    model : ndarray, shape (2, 15)
        Per axis ``a0, a1, a2`` then ``b0, b1``, each as ``(c, c_h1, c_h2)``: ``c + c_h1·h1 + c_h2·h2``.
    lengths : ndarray, shape (N,)
        Points kept per run.
    residuals : ndarray, shape (sum(lengths), 2), int16
        Quantised point minus its prediction, run after run.
    """

    scale: int
    lo: tuple[float, float]
    hi: tuple[float, float]
    start: np.ndarray
    model: np.ndarray
    lengths: np.ndarray
    residuals: np.ndarray


def _fit_lattice_model(px: np.ndarray, inside: np.ndarray, hyper: np.ndarray) -> np.ndarray:
    """Least-squares coefficients ``(2, 15)`` of :class:`Lattice`'s predictor (zeros where
    there is nothing to fit)."""
    model = np.zeros((2, 15))
    h1 = np.broadcast_to(hyper[:, :1], inside.shape)
    h2 = np.broadcast_to(hyper[:, 1:], inside.shape)
    ok2 = inside[:, 2:] & inside[:, 1:-1] & inside[:, :-2]
    ok1 = inside[:, 1] & inside[:, 0]
    for ax in range(2):
        x = px[..., ax]
        y2, x1, x0 = x[:, 2:][ok2], x[:, 1:-1][ok2], x[:, :-2][ok2]
        g1, g2 = h1[:, 2:][ok2], h2[:, 2:][ok2]
        one = np.ones_like(y2)
        design = np.stack([one, g1, g2, x1, g1 * x1, g2 * x1, x0, g1 * x0, g2 * x0], 1)
        if len(y2) >= design.shape[1]:
            model[ax, :9] = np.linalg.lstsq(design, y2, rcond=None)[0]
        y1, s0 = x[ok1, 1], x[ok1, 0]
        g1, g2 = hyper[ok1, 0], hyper[ok1, 1]
        design = np.stack([np.ones_like(y1), g1, g2, s0, g1 * s0, g2 * s0], 1)
        if len(y1) >= design.shape[1]:
            model[ax, 9:] = np.linalg.lstsq(design, y1, rcond=None)[0]
    return model


def _lattice_predictions(lat: Lattice, hyper: np.ndarray, steps: int) -> tuple[np.ndarray, ...]:
    """The model's points ``(N, steps, 2)`` (px, float64), whether each is inside the view
    ``(N, steps)``, and the edge pin predicted for each ``(N, steps, 2)`` (NaN where none).
    Every operation is the script's, in the script's order (IEEE float64: the same bits)."""
    n = len(hyper)
    h1, h2 = hyper[:, 0], hyper[:, 1]
    c = [
        [
            lat.model[ax, 3 * k] + lat.model[ax, 3 * k + 1] * h1 + lat.model[ax, 3 * k + 2] * h2
            for k in range(5)
        ]
        for ax in range(2)
    ]
    m = np.empty((n, steps, 2))
    lo, hi = np.array(lat.lo), np.array(lat.hi)
    with np.errstate(all="ignore"):
        for ax in range(2):
            a0, a1, a2, b0, b1 = c[ax]
            m[:, 0, ax] = lat.start[:, ax].astype(np.float64)
            if steps > 1:
                m[:, 1, ax] = b0 + b1 * m[:, 0, ax]
            for t in range(2, steps):
                m[:, t, ax] = a0 + a1 * m[:, t - 1, ax] + a2 * m[:, t - 2, ax]
        inside = np.isfinite(m).all(-1) & (m >= lo).all(-1) & (m <= hi).all(-1)
        pin = np.full_like(m, np.nan)
        last = np.full((n, 2), np.nan)
        for t in range(steps):
            d = m[:, t] - last
            t_hi = np.where(d > 0, (hi - last) / d, np.inf)
            t_lo = np.where(d < 0, (lo - last) / d, np.inf)
            f = np.minimum(np.minimum(np.minimum(t_hi[:, 0], t_hi[:, 1]), t_lo[:, 0]), t_lo[:, 1])
            f = np.minimum(np.maximum(f, 0.0), 1.0)
            pin[:, t] = np.minimum(np.maximum(last + f[:, None] * d, lo), hi)
            last[inside[:, t]] = m[inside[:, t], t]
    return m, inside, pin


def _predict(
    q: np.ndarray, t: int, m: np.ndarray, inside: bool, pin: np.ndarray, scale: int
) -> np.ndarray:
    if inside:
        return np.floor(m * scale + 0.5)
    if np.isfinite(pin).all():
        return np.floor(pin * scale + 0.5)
    return q[t - 2] if t >= 2 else (q[0] if t == 1 else np.zeros(2))


def encode_lattice(
    px: np.ndarray, inside: np.ndarray, hyper: np.ndarray, box: tuple[Any, Any], scale: int
) -> Lattice:
    """Encode the shown paths ``px`` ``(N, T, 2)`` (pixels) of a lattice of runs; ``inside``
    ``(N, T)`` marks the recorded points strictly inside the view (not pinned), ``hyper``
    ``(N, 2)`` each run's two hyper-parameters, ``box`` the view's pixel corners."""
    n, steps, _ = px.shape
    q = np.round(px * scale).astype(np.int64)
    moving = np.abs(np.diff(q, axis=1)).max(-1) > 0  # (N, T-1)
    lengths = np.where(
        moving.any(1), moving.shape[1] - np.argmax(moving[:, ::-1], axis=1) + 1, 1
    ).astype(np.int64)
    lat = Lattice(
        scale=scale,
        lo=tuple(float(v) for v in box[0]),  # type: ignore[arg-type]
        hi=tuple(float(v) for v in box[1]),  # type: ignore[arg-type]
        start=px[:, 0].astype(np.float32),
        model=_fit_lattice_model(px, inside, hyper),
        lengths=lengths,
        residuals=np.zeros((0, 2), np.int16),
    )
    m, ins, pin = _lattice_predictions(lat, hyper, steps)
    with np.errstate(all="ignore"):
        pm, pp = np.floor(m * scale + 0.5), np.floor(pin * scale + 0.5)
    parts = []
    for k in range(n):
        length = int(lengths[k])
        qk = q[k, :length]
        hold = np.vstack([np.zeros((1, 2)), qk[:1], qk[:-2]])[:length]
        fallback = np.where(
            np.isfinite(pp[k, :length]).all(-1, keepdims=True), pp[k, :length], hold
        )
        parts.append(qk - np.where(ins[k, :length, None], pm[k, :length], fallback))
    residuals = np.concatenate(parts)
    if np.abs(residuals).max(initial=0) > np.iinfo(np.int16).max:
        raise EngineError("the rate map's lattice does not fit its int16 encoding")
    lat.residuals = residuals.astype(np.int16)
    return lat


def decode_lattice(lat: Lattice, hyper: np.ndarray) -> list[np.ndarray]:
    """Each run's quantised points ``(length, 2)`` in ``1/scale`` px, as the script decodes
    them (its reference; :func:`encode_lattice` ∘ this is the identity on the quantised
    paths)."""
    steps = int(lat.lengths.max(initial=1))
    m, ins, pin = _lattice_predictions(lat, hyper, steps)
    out, offset = [], 0
    for k, length in enumerate(int(v) for v in lat.lengths):
        q = np.zeros((length, 2))
        with np.errstate(all="ignore"):
            for t in range(length):
                q[t] = (
                    _predict(q, t, m[k, t], bool(ins[k, t]), pin[k, t], lat.scale)
                    + lat.residuals[offset + t]
                )
        out.append(q)
        offset += length
    return out


def _ring_px(mobject: Any, cap: PlayerCapture) -> list[float]:
    """``[x, y, r]`` in px of the ring a beat draws around ``mobject`` (kit.story.Emphasis:
    radius 1.6 × its width + 0.05 scene units, at its centre)."""
    centre = np.asarray(mobject.get_center(), float)
    radius = max(float(mobject.width), 0.1) * 1.6 + 0.05
    c = to_pixels(centre, cap.size, cap.frame)
    edge = to_pixels(centre + np.array([radius, 0.0, 0.0]), cap.size, cap.frame)
    return [round(float(c[0]), 2), round(float(c[1]), 2), round(float(edge[0] - c[0]), 2)]


def _sweep_span(scene: Any) -> list[int] | None:
    """The tour steps ``[first, last]`` the rate map's sweep line covers (RateMap.sweep_line:
    the leg that leaves the "ringing" stop, drawn as the cursor goes and kept), or None."""
    names = [stop[2] for stop in getattr(scene, "tour", ())]
    if "ringing" not in names or not hasattr(scene, "sweep_line"):
        return None
    first = names.index("ringing") * int(scene.per_leg)
    return [first, first + int(scene.per_leg)]


def _first_nonfinite(loss: np.ndarray) -> np.ndarray:
    """Per run (rows of ``loss``, shape (N, T)), the first step whose loss is not finite;
    ``T`` for a run that stays finite."""
    bad = ~np.isfinite(loss)
    return np.where(bad.any(1), bad.argmax(1), loss.shape[1]).astype(np.uint16)


def _sgd_marks(cap: PlayerCapture, lrs: np.ndarray) -> dict[str, Any] | None:
    """Plain SGD's marker and read-out on the rate map's rate-vs-lr panel for each learning
    rate of the map, as the scene's own :meth:`RateMap.sgd_marker` draws them for a cursor at
    that lr: the marker's centre (px), whether it is a ring (a rate off the panel's top,
    pinned at its edge), the read-out's text ("at lr 0.380: rate 2.800, off the top") and its
    anchor (the left end of its baseline, px) and pen width (px) for the script's font."""
    from descent.scenes.kit.clock import StepClock
    from descent.scenes.kit.text import FastText

    scene, loc = cap.scene, cap.locals
    if not all(k in loc for k in ("sgd", "sgd_lr", "sgd_rate")) or not hasattr(scene, "sgd_marker"):
        return None
    saved = getattr(scene, "clock", None)
    scene.clock = StepClock(max(len(lrs) - 1, 1))
    try:
        path = np.stack([lrs, np.zeros_like(lrs)], -1)
        marker, readout = scene.sgd_marker(loc["sgd"], loc["sgd_lr"], loc["sgd_rate"], path)
        texts = [m for m in readout.get_family() if isinstance(m, FastText)]
        text = texts[0] if texts else readout
        xy, ring, words = [], [], []
        for i in range(len(lrs)):
            scene.clock.tracker.set_value(scene.clock.alpha_of(i))
            marker.update(0)
            readout.update(0)
            xy.append(to_pixels(np.asarray(marker.get_center()), cap.size, cap.frame))
            ring.append(float(np.max(marker.get_fill_opacities(), initial=0)) == 0)
            words.append(str(text.text))
        scale = cap.size[0] / cap.frame[0]
        return {
            "xy": np.round(np.array(xy), 2).tolist(),
            "ring": [bool(r) for r in ring],
            "texts": words,
            "at": to_pixels(np.asarray(text.anchor), cap.size, cap.frame).round(2).tolist(),
            "width": round(FastText.width_of(words[0], text.font_size) * scale, 3),
            "color": str(marker.get_stroke_color().to_hex()).upper(),
            "text_color": str(text.get_fill_color().to_hex()).upper(),
            "radius": round(float(marker.width) / 2 * scale, 2),
        }
    finally:
        scene.clock = saved


def _readout_room(cap: PlayerCapture, inset: Any) -> list[float]:
    """``[left, top, right, bottom]`` px under the inset down to the first static text
    below it (the picture's own words the read-out must not cover), else the frame's foot."""
    o, ex, ey = (np.asarray(v, float) for v in inset._basis())
    corners = np.array([o, o + ex, o + ey, o + ex + ey])
    x0, bottom = corners[:, 0].min(), corners[:, 1].min()
    floor = -cap.frame[1] / 2
    for m in cap.mobjects or cap.scene.mobjects:  # the rate map's: the picture's own
        for f in m.get_family():
            if not isinstance(getattr(f, "text", None), str) or f.updaters:
                continue
            top, right = float(f.get_top()[1]), float(f.get_right()[0])
            if top < bottom - 1e-6 and right > x0 and top > floor:
                floor = top
    a = to_pixels(np.array([x0, bottom, 0.0]), cap.size, cap.frame)
    b = to_pixels(np.array([cap.frame[0] / 2, floor, 0.0]), cap.size, cap.frame)
    return [
        round(float(a[0]), 2),
        round(float(a[1]), 2),
        round(float(b[0]), 2),
        round(float(b[1]), 2),
    ]


def _ratemap(cap: PlayerCapture) -> dict[str, Any]:
    """The rate map: the map's and the inset's pixel boxes, the measured rates (in the
    thousandths the read-out shows) and every run of the lattice on the inset as a
    :class:`Lattice`, deflate-compressed."""
    loc = cap.locals
    area, inset, result = loc["area"], loc["inset"], loc["result"]
    lrs, mus, rate = np.asarray(loc["lrs"]), np.asarray(loc["mus"]), np.asarray(loc["rate"])
    shape = result.shape
    flat = np.asarray(result.params).reshape(-1, result.steps + 1, 2)
    box = _area_box(inset, cap)
    o, ex, ey = (np.array(box[k]) for k in ("o", "ex", "ey"))
    data = display_paths(inset, flat)
    u = (data[..., 0] - inset.x_range[0]) / (inset.x_range[1] - inset.x_range[0])
    v = (data[..., 1] - inset.y_range[0]) / (inset.y_range[1] - inset.y_range[0])
    px = o + u[..., None] * ex + v[..., None] * ey  # (N, T, 2)
    with np.errstate(all="ignore"):
        inside = (
            np.isfinite(flat).all(-1)
            & (flat[..., 0] > inset.x_range[0])
            & (flat[..., 0] < inset.x_range[1])
            & (flat[..., 1] > inset.y_range[0])
            & (flat[..., 1] < inset.y_range[1])
        )
    corners = np.array([o, o + ex, o + ey, o + ex + ey])
    hyper = np.array([(a, b) for a in np.asarray(lrs, float) for b in np.asarray(mus, float)])
    lat = encode_lattice(px, inside, hyper, (corners.min(0), corners.max(0)), LATTICE_SCALE)
    loss = np.asarray(result.loss, np.float32).reshape(len(flat), -1)
    arrays = _Arrays()
    # the rate as the read-out writes it (3 decimals, as the video's), in thousandths
    shown = np.array(
        [int(f"{r:.3f}".replace(".", "")) if np.isfinite(r) else RATE_NONE for r in rate.ravel()]
    )
    # the status line of a clicked run (no stop of the tour under it), from the scene's own
    # rule (RateMap.status: the run's rate and the one a grid step to the right)
    words: list[str] = []
    status = np.zeros(rate.shape, np.uint8)
    rule = getattr(cap.scene, "status", None)
    if rule is not None:
        for i, j in np.ndindex(rate.shape):
            word = rule(float(rate[i, j]), float(rate[min(i + 1, rate.shape[0] - 1), j]), None)
            if word not in words:
                words.append(word)
            status[i, j] = words.index(word)
    out = {
        "kind": "ratemap",
        "areas": [_area_box(area, cap), box],
        "steps": int(result.steps),
        "map": {
            "names": list(result.grid),
            "lr": np.asarray(lrs, float).tolist(),
            "momentum": np.asarray(mus, float).tolist(),
            "shape": list(shape),
            "rate": arrays.add(shown, "<i4"),
            "rate_none": RATE_NONE,
            "lengths": arrays.add(lat.lengths, "<u2"),
            "start": arrays.add(lat.start, "<f4"),
            "residuals": arrays.add(lat.residuals, "<i2"),
            "model": lat.model.tolist(),
            "lo": list(lat.lo),
            "hi": list(lat.hi),
            "scale": lat.scale,
            "final_loss": arrays.add(loss[:, -1], "<f4"),
            # what each beat marks with a ring (Beat.subject → the scene's subjects), in px:
            # the cursor (null: drawn where the selected run is) or a fixed mark (SGD's best)
            "subjects": [
                None if k == 0 else _ring_px(m, cap)
                for k, m in enumerate(getattr(cap.scene, "subjects", []) or [])
            ],
            "beat_subjects": [getattr(b, "subject", None) for b in _beat_objects(cap.scene)],
            "sweep": _sweep_span(cap.scene),
            "status": arrays.add(status.ravel(), "<u1"),
            "status_words": words,
            # the step from which a run's loss is not finite (the steps, when it stays finite)
            "diverged_at": arrays.add(_first_nonfinite(loss), "<u2"),
            "color": str(cap.scene.theme.optimizer["sky"]),
            "tour": [[float(a), float(b), str(w)] for a, b, w in getattr(cap.scene, "tour", ())],
            "tour_points": np.asarray(cap.scene.tour_points(), float).round(6).tolist()
            if hasattr(cap.scene, "tour_points")
            else [],
            "sgd": _sgd_marks(cap, np.asarray(lrs, float)),
            # where the live read-out has room under the inset: down to the next text the
            # picture holds there (plain SGD's note), in px [left, top, right, bottom]
            "room": _readout_room(cap, inset),
        },
    }
    out["arrays"] = arrays.encoded()
    return out


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------
def _asset(name: str) -> str:
    """A vendored asset as it goes into the page: its lines without their indentation, and
    without the lines that are only a comment (``//`` or ``/* … */``: the source in
    ``player_assets`` keeps them; every player file is a few kB smaller). Nothing else is
    touched (line breaks stay, so JavaScript's automatic semicolons are the same)."""
    text = (resources.files("descent.renders") / "player_assets" / name).read_text("utf-8")
    compact = compact_source(text)
    if name.endswith(".js"):  # and the spaces beside punctuation (about 6 kB a file)
        compact = "\n".join(tighten_js(line) for line in compact.splitlines())
    return compact


#: JavaScript punctuators beside which a space never separates two tokens
_TIGHT = frozenset(",;(){}[]=:?<>&|")


def tighten_js(line: str) -> str:
    """A line of JavaScript without the spaces beside ``, ; ( ) { } [ ] = : ? < > & |``,
    outside quoted strings. Two tokens never merge: each dropped space has one of these on
    a side, and none of them joins its neighbour into another token (``+``/``-`` pairs,
    ``++``, ``--``, are never beside a dropped space). Assumes what the vendored script
    keeps to: no template literal, and no space or quote in a regular expression.

    >>> tighten_js('var a = [1, 2], b = "x = y, z"; if (a < b) { f(a, -b); }')
    'var a=[1,2],b="x = y, z";if(a<b){f(a,-b);}'
    """
    out: list[str] = []
    quote = ""
    n = len(line)
    for i, ch in enumerate(line):
        if quote:
            out.append(ch)
            if ch == quote and (i == 0 or line[i - 1] != "\\" or line[i - 2 : i] == "\\\\"):
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == " ":
            before = out[-1] if out else ""
            after = line[i + 1] if i + 1 < n else ""
            if before in _TIGHT or after in _TIGHT or after == " " or not before or not after:
                continue
        out.append(ch)
    return "".join(out)


def compact_source(text: str) -> str:
    r"""``text`` (JavaScript or CSS) less indentation, blank lines and whole-line comments.

    >>> compact_source("a {\n  /* note\n   * more */\n  b: 1; // end\n\n  // gone\n}")
    'a {\nb: 1;\n}'
    >>> compact_source('x = "a // b"; // c')
    'x = "a // b";'
    """
    out: list[str] = []
    block = False
    for line in text.splitlines():
        s = line.strip()
        if block or s.startswith("/*"):
            block = "*/" not in s
            rest = s.split("*/", 1)[1].strip() if not block else ""
            if rest:
                out.append(rest)
            continue
        if s and not s.startswith("//"):
            out.append(_strip_trailing_comment(s))
    return "\n".join(out)


def _strip_trailing_comment(line: str) -> str:
    """``line`` without a ``//`` comment after its code: one that follows white space,
    outside any quoted string (the vendored script has no ``//`` inside a string or a regular
    expression, and no quote inside a regular expression: ``test_player`` checks the result
    with ``node --check`` and runs it in every browser test)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == "\\":
                continue
            if ch == quote and line[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif line.startswith("//", i) and i > 0 and line[i - 1] in " \t":
            return line[:i].rstrip()
    return line


def _once_a_row(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with what every run of a legend row has alike written once, on the row's
    first run: the keys whose values are equal on all of the row's runs (its name, colour,
    radius, pin words, palette...) are left off the others and listed in the first run's
    ``same``; the script copies them back before it reads a run (a swarm of 80 particles
    saves ~15 kB). ``group`` stays on every run (it is the row)."""
    runs = payload.get("runs")
    if not runs:
        return payload
    rows: dict[Any, list[int]] = {}
    for k, r in enumerate(runs):
        rows.setdefault(r.get("group"), []).append(k)
    slim = [dict(r) for r in runs]
    for members in rows.values():
        if len(members) < 2:
            continue
        first = runs[members[0]]
        same = [
            key
            for key in first
            if key != "group"
            and all(key in runs[k] and runs[k][key] == first[key] for k in members[1:])
        ]
        if not same:
            continue
        slim[members[0]]["same"] = same
        for k in members[1:]:
            for key in same:
                del slim[k][key]
    return {**payload, "runs": slim}


def _script_json(payload: dict[str, Any]) -> str:
    """JSON safe inside ``<script>``: no ``</`` can end the element early."""
    text = json.dumps(_once_a_row(payload), separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def player_fragment(payload: dict[str, Any]) -> str:
    """The player's element: a ``div`` holding its data; :func:`player_html` adds the
    script that turns every such element on a page into a player."""
    return (
        f'<div class="descent-player" data-theme="{html.escape(payload["theme"]["name"])}">'
        f'<script type="application/json" class="descent-data">{_script_json(payload)}</script>'
        "</div>"
    )


def player_html(payload: dict[str, Any] | Sequence[dict[str, Any]]) -> str:
    """One self-contained HTML document: the player(s), their CSS and JavaScript inline
    (a strict content security policy: nothing can be fetched)."""
    payloads = [payload] if isinstance(payload, dict) else list(payload)
    title = html.escape(" · ".join(p["title"] for p in payloads))
    bg = html.escape(payloads[0]["theme"]["background"])
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; connect-src data:"
    )
    body = "\n".join(player_fragment(p) for p in payloads)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>html,body{{margin:0;background:{bg}}}\n"
        f"{_asset('player.css')}</style></head><body>\n{body}\n"
        f"<script>{_asset('player.js')}</script></body></html>\n"
    )


def write_player(
    cls: type, target: Path, *, theme: str = "dark", width: int = 854, height: int = 480
) -> Path:
    """Build ``cls``'s player and write it to ``target`` atomically."""
    from descent.engine.fileio import atomic_path

    text = player_html(build_payload(cls, theme=theme, width=width, height=height))
    with atomic_path(Path(target)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def frame_script(frame_id: str) -> str:
    """The ``<script>`` beside a player's ``<iframe id=frame_id>`` (a notebook's output, a
    Sphinx page): the frame takes the height its player reports (``postMessage``
    ``descentPlayerHeight``), so nothing in it is cut off or shrunk, and the player is told
    the height of the page that the reader sees (``descentViewportHeight``) to fit that, not
    the frame's (which would shrink it step by step, each report a pixel shorter: player.js).

    That height is the visible part of the window, and of the element that scrolls the frame
    where one does (JupyterLab's notebook panel, below its menus and toolbars: the nearest
    ancestor with ``overflow-y`` auto or scroll whose height is not its content's, found once
    when the output is shown; VS Code's output ``div`` is such an ancestor, sized to the
    frame, and fitting the player to it would shrink both without end), as an
    ``IntersectionObserver`` with the implicit root sees them: clipped by every frame and
    overflow around it, so that in VS Code, whose notebook outputs share one webview as tall
    as the whole notebook (its ``innerHeight`` 11,278 px at 1280 × 720), it is the notebook
    editor's visible height (580 px there), not the webview's (the window's part is that of
    one hidden, fixed 1-px probe the page's frames share). Without ``IntersectionObserver``
    it is ``innerHeight``. Where the page runs no script the frame keeps the size its style
    gives it. ``frame_id``: letters, digits, ``-`` and ``_`` (it is written into the script
    as is; else ``ValueError``)."""
    if not frame_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"frame id {frame_id!r}: letters, digits, - and _ only")
    return (
        "<script>(function(){var f=document.getElementById('FRAME');if(!f)return;"
        "var H=window.innerHeight,seen=[];"
        "function vh(){if(f.contentWindow&&H>0)f.contentWindow.postMessage("
        "{descentViewportHeight:H},'*');}"
        "function visible(){var h=window.innerHeight;for(var i=0;i<seen.length;i++)"
        "if(seen[i]>0&&seen[i]<h)h=seen[i];return h;}"
        "function again(){var h=visible();if(Math.abs(h-H)>=1){H=h;if(f.dataset.vh)vh();}}"
        "var io=null,targets=[];"
        "window.addEventListener('resize',function(){again();if(io)targets.forEach(function(t)"
        "{io.unobserve(t);io.observe(t);});});"
        "if(window.IntersectionObserver){"
        "var s=document.getElementById('descent-viewport-probe');if(!s){"
        "s=document.createElement('div');s.id='descent-viewport-probe';"
        "s.style.cssText='position:fixed;left:0;top:0;bottom:0;width:1px;"
        "visibility:hidden;pointer-events:none';document.body.appendChild(s);}targets.push(s);"
        "for(var e=f.parentElement;e&&e!==document.body&&e!==document.documentElement;"
        "e=e.parentElement){var o=getComputedStyle(e).overflowY;"
        "if((o==='auto'||o==='scroll'||o==='overlay')&&Math.abs(e.scrollHeight-e.clientHeight)>1)"
        "{targets.push(e);break;}}"
        "var steps=[];for(var k=0;k<=200;k++)steps.push(k/200);"
        "io=new IntersectionObserver(function(es){es.forEach(function(x){"
        "seen[targets.indexOf(x.target)]=x.intersectionRect.height;});again();},"
        "{threshold:steps});targets.forEach(function(t){io.observe(t);});}"
        "window.addEventListener('message',function(e){"
        "if(e.source===f.contentWindow&&e.data&&e.data.descentPlayerHeight>0){"
        "if(!f.dataset.vh){f.dataset.vh='1';vh();}"
        "f.style.aspectRatio='auto';f.style.height=e.data.descentPlayerHeight+'px';}});})();</script>"
    ).replace("FRAME", frame_id)


def iframe(document: str, *, width: int = 854, height: int = 480, title: str = "") -> str:
    """The player document in an ``<iframe srcdoc>``: its own page, no kernel extension
    and no shared state with what is around it (notebooks, Sphinx pages, decks). The frame
    takes the output area's whole width (the player in it stops at its picture's width, 1280
    px at least: player.css); ``width`` × ``height`` only shape it, with room for the
    controls, where the page runs no script (it was also the frame's largest width: 854 px,
    in a notebook column of 1,180)."""
    aspect_h = height + 150  # controls, legend, narration under the picture
    frame_id = "descent-player-" + hashlib.sha1(document.encode()).hexdigest()[:12]
    # the player reports its height: the frame takes it (frame_script)
    resize = frame_script(frame_id)
    return (  # in a div: IPython's HTML warns about a bare iframe (it means a URL's)
        f'<div class="descent-player-embed"><iframe id="{frame_id}" class="descent-player-frame" '
        f'srcdoc="{html.escape(document, quote=True)}" '
        f'title="{html.escape(title or "descent player")}" '
        f'style="width:100%;aspect-ratio:{width}/{aspect_h};border:0" '
        f'loading="lazy" sandbox="allow-scripts"></iframe>{resize}</div>'
    )
