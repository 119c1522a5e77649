"""The base scene: :class:`DescentScene` simulates before the first frame and runs one clock.

Class attributes say what to simulate (landscape, optimizers, start, steps, noise, seed);
the helpers add the static background first, then tracks, legends and panels that only
look values up on the shared :class:`StepClock`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Group,
    ManimColor,
    Mobject,
    Scene,
    ThreeDScene,
    VGroup,
    VMobject,
    config,
)

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit.camera import MeshCamera, PathCamera
from descent.scenes.kit.clock import StepClock, step_weights
from descent.scenes.kit.plot import PlotArea, contours, curve, heatmap, minimum_star, plot_area
from descent.scenes.kit.readouts import Legend
from descent.scenes.kit.text import label, title_block
from descent.scenes.kit.theme import get_theme, palette_for
from descent.scenes.kit.tracks import Track, escape_label

__all__ = [
    "Beat",
    "DescentScene",
]


def _manim_slides_compat() -> None:
    """Let manim-slides (5.7) run on Manim 0.22, whose config lost three keys it sets.

    manim-slides' ``Slide`` sets ``config["write_to_movie"]`` (Manim 0.22 always writes
    the movie its format names), ``config["flush_cache"]`` (gone with the old partial-file
    cache) and ``config["max_files_cached"] = inf`` (0.22 accepts ``-1`` for unlimited).
    Only keys Manim lacks are added, and ``inf`` becomes ``-1``: nothing changes for a
    scene that does not use manim-slides.
    """
    from manim._config.utils import ManimConfig

    def ignore(self: Any, value: Any) -> None:
        """A key this Manim no longer has: setting it changes nothing."""

    if not hasattr(ManimConfig, "write_to_movie"):
        ManimConfig.write_to_movie = property(lambda self: True, ignore)  # type: ignore[attr-defined]
    if not hasattr(ManimConfig, "flush_cache"):
        ManimConfig.flush_cache = property(lambda self: False, ignore)  # type: ignore[attr-defined]
    cap = ManimConfig.max_files_cached
    if not getattr(cap.fset, "accepts_inf", False):

        def set_cap(self: Any, value: Any) -> None:
            cap.fset(self, -1 if value == math.inf else value)

        set_cap.accepts_inf = True  # type: ignore[attr-defined]
        ManimConfig.max_files_cached = property(cap.fget, set_cap)  # type: ignore[assignment]


_manim_slides_compat()


@dataclass(frozen=True)
class Beat:
    """A teaching moment: from clock step ``step`` on, section ``name`` with narration
    ``say`` (written as a lecturer would say it: what to watch, and why it happens)."""

    step: float
    name: str
    say: str = ""


class DescentScene(Scene):
    """Base class of descent scenes: class attributes describe what to simulate.

    A variant is a subclass that changes class attributes (``landscape``, ``optimizers``,
    ``start``, ``steps``, ``run_time``, ``theme_name`` ...). Everything is simulated by
    :meth:`simulate` before the first frame.
    """

    #: one-line description for ``descent list``
    description: ClassVar[str] = ""
    title: ClassVar[str] = ""
    subtitle: ClassVar[str | None] = None
    landscape: ClassVar[str] = "bowl"
    landscape_params: ClassVar[dict[str, Any]] = {}
    optimizers: ClassVar[tuple[OptimizerSpec, ...]] = ()
    start: ClassVar[Sequence[float] | None] = None
    steps: ClassVar[int] = 100
    grad_noise: ClassVar[float] = 0.0
    seed: ClassVar[int] = 0
    run_time: ClassVar[float] = 6.0
    end_wait: ClassVar[float] = 1.0
    theme_name: ClassVar[str | None] = None
    #: ease the clock through dull stretches (False: one step, one tick)
    ease: ClassVar[bool] = True
    #: the teaching moments: each starts a section at its step and says its narration
    beats: ClassVar[tuple[Beat, ...]] = ()
    #: hold a beat's last frame until its narration can have been read (words / 2.7 s):
    #: the pause a lecturer makes. Off when a run time is imposed (``--run-time``).
    pause_for_narration: ClassVar[bool] = True

    _updaters: tuple[Any, list[tuple[Mobject, Callable[..., Any], bool]]] | None = None

    def __init__(self, **kwargs: Any) -> None:
        self.beat_log: list[tuple[str, str, float]] = []
        kwargs.setdefault(
            "camera_class", MeshCamera if isinstance(self, ThreeDScene) else PathCamera
        )
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.theme = get_theme(self.theme_name)
        # a ManimColor, as Manim keeps it (manim-slides reads it back with .to_hex())
        self.camera.background_color = ManimColor(self.theme.background)
        if self.theme.name == "transparent":
            self.camera.background_opacity = 0.0

    # -- data ---------------------------------------------------------------------------------
    @classmethod
    def get_landscape(cls) -> Landscape:
        """The scene's landscape (from its class attributes)."""
        return engine.get_landscape(cls.landscape, **cls.landscape_params)

    @classmethod
    def simulate(
        cls, specs: Sequence[OptimizerSpec] | None = None, **overrides: Any
    ) -> tuple[Landscape, list[Trajectory]]:
        """The landscape and one trajectory per optimizer (cached by the engine).

        A classmethod: tests and tools get a scene's data without building the scene.
        """
        land = cls.get_landscape()
        kw: dict[str, Any] = dict(
            start=cls.start if cls.start is not None else land.default_start,
            steps=cls.steps,
            grad_noise=cls.grad_noise,
            seed=cls.seed,
        )
        kw.update(overrides)
        return land, [engine.simulate(land, s, **kw) for s in (specs or cls.optimizers)]

    # -- layout helpers -------------------------------------------------------------------------
    def add_title(self) -> VGroup:
        block = title_block(self.title, self.subtitle, self.theme)
        self.add(block)
        return block

    def surface_area(
        self,
        land: Landscape,
        *,
        width: float = 7.0,
        height: float = 5.6,
        view: tuple[tuple[float, float], ...] | None = None,
        log: bool = False,
        levels: int = 12,
        center: np.ndarray | None = None,
        labels: bool = True,
    ) -> PlotArea:
        """Axes + heat map + contours for a 2-D landscape, added now (static background first)."""
        (x0, x1), (y0, y1) = view or land.view
        area = plot_area(
            (x0, x1),
            (y0, y1),
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], land.axis_labels[1]) if labels else None,
        )
        group = Group(
            heatmap(land, area, self.theme, log=log),
            contours(land, area, self.theme, log=log, levels=levels),
            area.axes,
        )
        if center is not None:
            group.shift(np.asarray(center) - area.center)  # centre the plot box itself
        self.add(*group)
        minima = [p.position for p in land.points_of_kind("global_min", "local_min")]
        if land.optimum is not None and not any(np.allclose(m, land.optimum) for m in minima):
            minima.append(land.optimum)  # e.g. L1's minimum, which is not a smooth stationary point
        for m in minima:
            if area.inside(np.array(m)):
                self.add(minimum_star(area.to_scene(np.array(m)), self.theme))
        return area

    def curve_area(
        self,
        land: Landscape,
        *,
        width: float = 8.0,
        height: float = 5.2,
        y_range: tuple[float, float] | None = None,
        x_range: tuple[float, float] | None = None,
        center: np.ndarray | None = None,
        mark_minima: bool = True,
    ) -> PlotArea:
        """Axes + loss curve for a 1-D landscape, added now."""
        x_range = x_range or land.view[0]
        if y_range is None:
            sample = land.curve(np.linspace(*x_range, 200))
            y_range = land.value_range or (float(sample.min()), float(sample.max()))
        area = plot_area(
            x_range,
            y_range,
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], "loss"),
        )
        if center is not None:
            area.axes.shift(np.asarray(center) - area.center)  # centre the plot box itself
        self.add(area.axes, curve(land, area, self.theme))
        if mark_minima:
            for p in land.points_of_kind("global_min", "local_min"):
                w = p.position[0]
                if x_range[0] <= w <= x_range[1]:
                    at = area.to_scene(np.array([w, float(land.value([w]))]))
                    name = "global minimum" if p.kind == "global_min" else "local minimum"
                    # under the star, inside the well's empty space below the curve; above
                    # it only where the plot's bottom edge leaves no room
                    bottom = area.to_scene(np.array([x_range[0], y_range[0]]))[1]
                    text = label(name, 16, self.theme.muted).next_to(at, DOWN, buff=0.12)
                    if text.get_bottom()[1] < bottom + 0.05:
                        text.next_to(at, UP, buff=0.25)
                    # inside the plot box, clear of the tick numbers beside it
                    left, right = (
                        area.to_scene(np.array([x_range[0], y_range[0]]))[0] + 0.1,
                        (area.to_scene(np.array([x_range[1], y_range[0]]))[0] - 0.1),
                    )
                    text.shift(RIGHT * max(0.0, left - text.get_left()[0]))
                    text.shift(LEFT * max(0.0, text.get_right()[0] - right))
                    self.add(minimum_star(at, self.theme), text)
        return area

    def track(
        self,
        traj: Trajectory,
        area: PlotArea,
        color: str,
        *,
        path: np.ndarray | None = None,
        **kw: Any,
    ) -> Track:
        """A :class:`Track` for ``traj``: 1-D runs ride the curve at ``(w, loss)``."""
        if path is None:
            path = traj.params if traj.dim == 2 else np.stack([traj.params[:, 0], traj.loss], -1)
        kw.setdefault("escape_label", escape_label(traj))
        return Track(path, area, self.clock, color=color, theme=self.theme, **kw)

    def path_of(self, traj: Trajectory) -> np.ndarray:
        """What a track draws: params (2-D), ``(w, loss)`` on the curve (1-D)."""
        return traj.params if traj.dim == 2 else np.stack([traj.params[:, 0], traj.loss], -1)

    def colors_for(self, trajs: Sequence[Trajectory]) -> list[str]:
        """One colour per trajectory (see :func:`palette_for`)."""
        return self.run_palette([t.label for t in trajs])

    def run_palette(self, labels: Sequence[str]) -> list[str]:
        """Colours for the runs ``labels`` shown together (:func:`palette_for`), kept in
        :attr:`run_colors` (label, colour) for checks."""
        colors = palette_for(labels, self.theme)
        self.run_colors: list[tuple[str, str]] = list(zip(labels, colors, strict=True))
        return colors

    @classmethod
    def specs(cls) -> list[OptimizerSpec]:
        """Every optimizer spec the scene shows (``optimizers``, ``optimizer`` or ``runs``)."""
        found = list(cls.optimizers)
        single = getattr(cls, "optimizer", None)
        if isinstance(single, OptimizerSpec):
            found.append(single)
        found += [spec for spec, _ in getattr(cls, "runs", ())]
        return found

    def legend(
        self,
        trajs: Sequence[Trajectory],
        colors: Sequence[str],
        *,
        show_loss: bool = True,
        font_size: int = 24,
        readout: Callable[[Trajectory, int], str] | None = None,
    ) -> Legend:
        """Legend rows ``label  loss …`` (or ``readout(traj, step)``) per trajectory."""
        entries = [(self.legend_label(t), c, t) for t, c in zip(trajs, colors, strict=True)]
        return Legend(
            entries,
            self.clock,
            self.theme,
            show_loss=show_loss,
            font_size=font_size,
            readout=readout,
        )

    def legend_label(self, traj: Trajectory) -> str:
        return traj.label

    def make_clock(
        self, areas_paths: Sequence[tuple[PlotArea, np.ndarray]], steps: int | None = None
    ) -> StepClock:
        """One clock for all tracks, eased by how much the on-screen paths move and turn."""
        steps = steps if steps is not None else self.steps
        paths = [area.to_scene(area.clamp(p)) for area, p in areas_paths]
        self.clock = StepClock(steps, step_weights(paths) if self.ease and paths else None)
        return self.clock  # its tracker joins the scene when first played, after the static parts

    def add_layered(self, *mobjects: Mobject) -> None:
        """Add ``mobjects`` so that only their parts with updaters are redrawn every frame.

        Manim draws the mobjects before the first moving one once per ``play()``, and every
        later one each frame; a legend whose read-outs update would otherwise redraw all of
        its static labels too. Static leaves are inserted before anything that moves.
        """
        static: list[Mobject] = []
        moving: list[Mobject] = []

        def split(m: Mobject) -> None:
            if not m.get_family_updaters():
                static.append(m)
            elif m.updaters or not m.submobjects or (isinstance(m, VMobject) and len(m.points)):
                moving.append(m)
            else:
                for sub in m.submobjects:
                    split(sub)

        for m in mobjects:
            split(m)
        self.remove(*static)
        first = next(
            (i for i, m in enumerate(self.mobjects) if m.get_family_updaters()), len(self.mobjects)
        )
        self.mobjects[first:first] = static
        self.add(*moving)

    def update_mobjects(self, dt: float) -> None:
        """Run every updater in the scene, in Manim's order, without walking static families.

        Manim's ``Mobject.update`` recurses through every family each frame and calls
        ``inspect.signature`` on each updater: ~530 calls a frame for a dozen updaters in
        ``OptimizerRace``. The list of ``(mobject, updater, takes dt)`` is built once per
        animation and again whenever the scene's top-level mobjects change. One difference
        from Manim: an updater added *inside another updater* to a mobject already in the
        scene runs from the next animation on (nothing in descent does that).
        """
        key = (self.renderer.num_plays, tuple(map(id, self.mobjects)))
        if self._updaters is None or self._updaters[0] != key:
            seen: set[int] = set()
            found: list[tuple[Mobject, Callable[..., Any], bool]] = []
            for top in self.mobjects:
                for mob in top.get_family():
                    if id(mob) in seen:
                        continue
                    seen.add(id(mob))
                    found += [
                        (mob, u, "dt" in inspect.signature(u).parameters) for u in mob.updaters
                    ]
            self._updaters = (key, found)
        for mob, updater, takes_dt in self._updaters[1]:
            if not mob.updating_suspended:
                updater(mob, dt) if takes_dt else updater(mob)

    def play_steps(self, to: float | None = None, run_time: float | None = None) -> None:
        """Advance the shared clock to step ``to`` (default: the end) in ``run_time``.

        The :attr:`beats` on the way split it: each starts a section (Manim's
        ``next_section``: a slide, a clip with ``--sections``) and says its narration
        (``add_subcaption``) over its stretch; time is shared as the clock's easing shares it.
        """
        end = float(self.clock.steps if to is None else to)
        total = run_time or self.run_time
        here = self.clock.step()
        cuts = [b for b in self.beats if here <= b.step < end]
        if not cuts:
            self.play(self.clock.to(end, total))
            return
        marks = sorted({here, end, *(b.step for b in cuts)})
        by_step = {b.step: b for b in cuts}
        start, span = (
            self.clock.alpha_of(here),
            (self.clock.alpha_of(end) - self.clock.alpha_of(here)) or 1.0,
        )
        # segment ends in whole frames: the segments add up to exactly ``total``
        fps = config.frame_rate
        frames = [round(total * fps * (self.clock.alpha_of(m) - start) / span) for m in marks]
        for k, (s0, s1) in enumerate(zip(marks[:-1], marks[1:], strict=True)):
            seconds = max(frames[k + 1] - frames[k], 1) / fps
            beat = by_step.get(s0)
            pause = 0.0
            if beat is not None:
                last = s1 == end and to is None
                hold = self.end_wait if last else 0.0
                reading = len(beat.say.split()) / 2.7 if self.pause_for_narration else 0.0
                pause = round(max(0.0, reading - seconds - hold) * fps) / fps
                self.beat(beat.name, beat.say, seconds + pause + hold)
            self.play(self.clock.to(s1, seconds - 1e-9))  # no extra frame from rounding
            if pause > 0:
                self.wait(pause + 1e-9, frozen_frame=True)  # frozen: int(duration·fps) frames

    def beat(self, name: str, say: str = "", duration: float | None = None) -> None:
        """Start the section ``name`` here and, if there is narration, say it for
        ``duration`` seconds (default: until the next beat is a guess: 3 s).

        In a manim-slides ``Slide`` (``class X(Slide, MomentumOvershoot)``) the beat starts
        a slide whose speaker notes are the narration.
        """
        next_slide = getattr(self, "next_slide", None)
        if callable(next_slide):
            next_slide(notes=say)
        else:
            self.next_section(name)
        self.beat_log.append((name, say, float(self.renderer.time)))
        if say:
            self.add_subcaption(say, duration=duration or 3.0)

    def finish(self) -> None:
        """Hold the final state so the last frame shows it (rendered once, then repeated)."""
        self.wait(self.end_wait, frozen_frame=True)
