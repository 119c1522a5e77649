"""SaddleEscape: plain SGD lingers at a true saddle; momentum escapes sooner.

On x² − y² (the built-in ``saddle`` landscape) the origin is a saddle: along x the loss
rises away from it (a valley floor that leads into it), along y it falls away on both
sides (a ridge top). Both runs start at (1.8, 0.001), a thousandth off the line y = 0
that leads straight into the saddle, with lr 0.05. The gradient (2x, −2y) shrinks as a
run nears the origin, so plain SGD's steps shrink to almost nothing: it stays near the
saddle for many steps, until the tiny y offset (grown by 1 + 2·lr each step) carries it
away downhill. Momentum 0.9 adds up the small push along y and leaves far sooner.

Everything quoted on screen is measured on the runs: the step of the closest approach,
the steps each run spends within :attr:`SaddleEscape.near` of the saddle, the stretch
where plain SGD's steps are under a tenth of its first, the growth of the y offset.

Render: ``manim -ql scenes/saddle_escape.py SaddleEscape``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import Event, basin_exits, stationary_passes
from descent.scenes.kit import Beat, PlotArea, SurfaceScene, Track, label
from descent.scenes.kit.story import number, point_text, runs_text
from descent.scenes.kit.text import halo

__all__ = ["SaddleEscape", "SaddleVisit", "saddle_visit"]


@dataclass(frozen=True)
class SaddleVisit:
    """What one run did near a saddle (all steps are indices into its record).

    Attributes
    ----------
    closest
        The ``stationary_point`` event of the closest approach (``None``: it never came
        within ``near``); besides :func:`~descent.engine.events.stationary_passes`'
        values it holds ``distance`` (to the saddle there), ``first_speed`` (the first
        step's length) and ``slow_from`` / ``slow_to`` (see ``slow``).
    exit
        The ``basin_exit`` event: the first step from which the run stays outside the disc
        of radius ``near`` for good, after it was inside (``None``: it never entered, or
        never left); ``values``: ``radius``, ``entered``, ``lingered`` (steps from entering
        to this exit) and ``growth`` (see below; when defined).
    entered
        The first step inside the disc (``-1``: never).
    slow
        ``(first, last)`` step of the longest stretch of consecutive steps whose length
        ``‖θ_t − θ_{t−1}‖`` is under a tenth of the first step's (``None``: no such step).
    growth
        The mean factor by which ``|y|`` (the unstable coordinate) grew per step inside the
        disc: ``(|y_exit| / |y_entered|) ** (1 / (exit − entered))``.
    """

    closest: Event | None
    exit: Event | None
    entered: int
    slow: tuple[int, int] | None
    growth: float

    @property
    def lingered(self) -> int:
        """Steps from entering the disc to leaving it for good (0: never entered)."""
        if self.entered < 0:
            return 0
        return (self.exit.step if self.exit is not None else -1) - self.entered


def saddle_visit(
    params: np.ndarray,
    saddle: Sequence[float],
    near: float,
    *,
    unstable: int = 1,
    run: int = 0,
    label: str = "",
) -> SaddleVisit:
    """Measure one run's visit to ``saddle``: closest approach, the steps within ``near``
    of it, its exit, the stretch of short steps and the per-step growth of the unstable
    coordinate ``unstable`` (``y`` on x² − y²).

    Parameters
    ----------
    params
        ``(steps+1, 2)`` positions of the run.
    saddle
        ``(2,)`` the saddle point.
    near
        Radius of the saddle's neighbourhood (data units).
    """
    p = np.asarray(params, dtype=np.float64)
    at = np.asarray(saddle, dtype=np.float64)
    d = np.linalg.norm(p - at, axis=1)
    d = np.where(np.isfinite(d), d, np.inf)
    passes = stationary_passes(p, at, radius=near, run=run, label=label)
    inside = d <= near
    entered = int(inside.argmax()) if inside.any() else -1
    exit_event: Event | None = None
    growth = float("nan")
    if entered >= 0:
        # outside for good: from this step on the run never comes back within ``near``
        gone = np.flip(np.logical_and.accumulate(np.flip(~inside)))
        outside = np.zeros(len(p), dtype=bool)
        outside[entered:] = gone[entered:]
        exits = basin_exits(outside, labels=[label])
        if exits:
            e = exits[0]
            exit_event = Event(e.kind, e.step, run, label, dict(e.values) | {"radius": near})
            y0, y1 = abs(p[entered, unstable]), abs(p[e.step, unstable])
            if y0 > 0:
                growth = float((y1 / y0) ** (1.0 / (e.step - entered)))
    length = np.linalg.norm(np.diff(p, axis=0), axis=1)
    # the longest stretch of consecutive steps t (θ_{t−1} → θ_t) under a tenth of the first
    slow: tuple[int, int] | None = None
    run_start = -1
    for t, short in enumerate(np.append(length < 0.1 * length[0], False) if len(length) else []):
        if short and run_start < 0:
            run_start = t
        elif not short and run_start >= 0:
            if slow is None or t - run_start > slow[1] - slow[0] + 1:
                slow = (run_start + 1, t)  # steps are numbered by where they arrive
            run_start = -1
    closest = None
    if passes:
        e = passes[0]
        values = dict(e.values) | {"distance": float(d[e.step]), "first_speed": float(length[0])}
        if slow is not None:
            values |= {"slow_from": float(slow[0]), "slow_to": float(slow[1])}
        closest = Event(e.kind, e.step, run, label, values)
    if exit_event is not None:
        exit_event = Event(
            exit_event.kind,
            exit_event.step,
            run,
            label,
            dict(exit_event.values)
            | {"entered": float(entered), "lingered": float(exit_event.step - entered)}
            | ({"growth": growth} if np.isfinite(growth) else {}),
        )
    return SaddleVisit(closest, exit_event, entered, slow, growth)


class SaddleEscape(SurfaceScene):
    description = "x² − y², a true saddle: plain SGD lingers near it, momentum escapes sooner"
    landscape = "saddle"
    start = (1.8, 0.001)
    steps = 100
    optimizers = (
        OptimizerSpec("SGD", lr=0.05),
        OptimizerSpec("SGD", lr=0.05, momentum=0.9),
    )
    motion_time = 9.0
    panel_log = False
    plot_width = 4.8
    plot_height = 4.8
    plot_center = LEFT * 2.5 + DOWN * 0.35
    #: radius of the saddle's neighbourhood the story counts steps in (drawn, dashed)
    near: ClassVar[float] = 0.5

    @classmethod
    def saddle(cls) -> tuple[float, ...]:
        """The landscape's saddle point."""
        land = cls.get_landscape()
        return next(p.position for p in land.stationary_points if p.kind == "saddle")

    @classmethod
    def visits(cls) -> list[SaddleVisit]:
        """Each run's :class:`SaddleVisit` (one per distinct label, in order)."""
        _, trajs = cls.simulate()
        runs = list({t.label: t for t in trajs}.values())
        return [
            saddle_visit(t.params, cls.saddle(), cls.near, run=k, label=t.label)
            for k, t in enumerate(runs)
        ]

    @classmethod
    def headline(cls) -> str:
        """``Steps spent at a saddle: SGD 53, Momentum 21`` (counted on the runs)."""
        _, trajs = cls.simulate()
        runs = list({t.label: t for t in trajs}.values())
        parts = [
            f"{t.label} {v.lingered}" if v.exit is not None else f"{t.label} all"
            for t, v in zip(runs, cls.visits(), strict=True)
            if v.entered >= 0
        ]
        if not parts:
            return "A saddle: no run comes near it"
        return "Steps spent at a saddle: " + ", ".join(parts)

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The set-up, each run's exit from the saddle's neighbourhood, and plain SGD's
        closest approach with the stretch of short steps around it."""
        land, trajs = cls.simulate()
        runs = list({t.label: t for t in trajs}.values())
        visits = cls.visits()
        saddle = cls.saddle()
        off = abs(cls.start[1] - saddle[1])
        beats = [
            Beat(
                0,
                "the set-up",
                f"{land.formula} has a saddle at {point_text(saddle)}: along x the loss rises"
                " away from it, along y it falls away on both sides."
                f" {runs_text(cls.specs(), cls.story_theme())} start at"
                f" {point_text(cls.start)}, only {number(off)} off the line y ="
                f" {number(saddle[1])} that leads straight into the saddle.",
            )
        ]
        taken = {0}
        for k, (t, v) in enumerate(zip(runs, visits, strict=True)):
            e = v.closest
            if (
                e is not None
                and v.slow is not None
                and v.slow[0] <= e.step <= v.slow[1]  # a near halt at the closest approach
                and e.step not in taken
            ):
                first, dist = e.values["first_speed"], e.values["distance"]
                beats.append(
                    Beat(
                        e.step,
                        f"{t.label} near the saddle",
                        f"{t.label} comes within {number(dist)} of the saddle at step {e.step},"
                        f" moving {number(e.values['speed'])} per step against"
                        f" {number(first)} at first: the gradient is almost zero here. Its steps"
                        f" stay under a tenth of its first from step {v.slow[0]} to step"
                        f" {v.slow[1]}, and its loss is flat.",
                        k,
                        (e,),
                    )
                )
                taken.add(e.step)
        for k, (t, v) in enumerate(zip(runs, visits, strict=True)):
            if v.exit is None or v.exit.step in taken or not 0 < v.exit.step < cls.steps:
                continue
            p = np.asarray(t.params, dtype=np.float64)
            others = [
                f"{u.label}'s {number(w.growth)}×"
                for u, w in zip(runs, visits, strict=True)
                if u is not t and np.isfinite(w.growth)
            ]
            why = (
                f" Its y offset grew {number(v.growth)}× per step"
                + (f" against {', '.join(others)}" if others else "")
                + "."
                if np.isfinite(v.growth)
                else ""
            )
            swings = int(
                np.count_nonzero(np.diff(np.sign(p[v.entered : v.exit.step + 1, 0] - saddle[0])))
            )
            if swings:
                why = (
                    f" On the way its velocity swung it across the saddle along x"
                    f" {'once' if swings == 1 else f'{swings} times'}." + why
                )
            beats.append(
                Beat(
                    v.exit.step,
                    f"{t.label} escapes",
                    f"{t.label} leaves the saddle for good at step {v.exit.step}, {v.lingered}"
                    f" steps after it came within {number(cls.near)} of it, and runs downhill"
                    f" along y.{why}",
                    k,
                    (v.exit,),
                    until=cls.out_of_view(p, v.exit.step),  # the run downhill, under it
                )
            )
            taken.add(v.exit.step)
        return tuple(sorted(beats, key=lambda b: b.step))

    @classmethod
    def out_of_view(cls, params: np.ndarray, since: int) -> int | None:
        """The first step from ``since`` on where ``params`` is outside the scene's view
        (``None``: it stays inside)."""
        land = cls.get_landscape()
        (x0, x1), (y0, y1) = cls.view if cls.view is not None else land.view
        p = np.asarray(params, dtype=np.float64)[since:]
        gone = ~((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1))
        return since + int(gone.argmax()) if gone.any() else None

    def dot_radius(self, index: int, count: int) -> float:
        """Both runs start at one point: the later run's dot is larger and drawn under the
        earlier one, so the start shows both colours as concentric rings."""
        return 0.07 + 0.035 * index

    def leaves_view(self, traj: Trajectory) -> int | None:
        """The first step of ``traj`` outside the view (``None``: it stays inside)."""
        land = self.get_landscape()
        (x0, x1), (y0, y1) = self.view_for(land, [traj])
        p = np.asarray(traj.params, dtype=np.float64)
        gone = ~((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1))
        return int(gone.argmax()) if gone.any() else None

    def track(self, traj: Trajectory, area: PlotArea, color: str, **kw: object) -> Track:
        """Only the first run to leave the view names its edge pin ("out of view"): the
        runs leave along the same edge, and one name serves their arrows."""
        when = [self.leaves_view(t) for t in self.simulate()[1]]
        first = min((w for w in when if w is not None), default=None)
        kw.setdefault("pin_text", self.leaves_view(traj) == first)
        return super().track(traj, area, color, **kw)  # type: ignore[arg-type]

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        """The true loss of each run; the panel's range (:attr:`panel_y_range`) covers it
        while the run is inside the view, and below it the panel marks the value as off the
        panel (its loss falls on without bound, −y²)."""
        return [np.asarray(t.loss, dtype=np.float64) for t in trajs]

    @property
    def panel_y_range(self) -> tuple[float, float]:  # type: ignore[override]
        """The loss range of the runs while they are inside the view (6 % margin)."""
        land, trajs = self.simulate()
        shown = []
        for t in trajs:
            loss = np.asarray(t.loss, dtype=np.float64)
            gone = self.leaves_view(t)
            shown.append(loss[: gone if gone is not None else len(loss)])
        v = np.concatenate(shown)
        v = v[np.isfinite(v)]
        lo, hi = float(v.min()), float(v.max())
        pad = 0.06 * (hi - lo or 1.0)
        return (lo - pad, hi + pad)

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        """The saddle marked, its neighbourhood dashed, and which way is down."""
        theme = self.theme
        saddle = np.asarray(self.saddle(), dtype=np.float64)
        at = area.to_scene(saddle)
        scale = area.to_scene(saddle + np.array([1.0, 0.0]))[0] - at[0]  # scene units per x
        ring = DashedVMobject(
            Circle(radius=self.near * scale, color=theme.text, stroke_width=2), num_dashes=28
        ).move_to(at)
        mark = VGroup(
            Line(at + (UL * 0.12), at + (DR * 0.12), color=theme.text, stroke_width=3.5),
            Line(at + (UR * 0.12), at + (DL * 0.12), color=theme.text, stroke_width=3.5),
        )
        name = halo(label("saddle", 24, theme.text), theme).next_to(
            at + LEFT * self.near * scale, LEFT, 0.1
        )
        name.shift(DOWN * 0.3)
        (x0, x1), (y0, y1) = self.view_for(land, trajs)
        # which way is down: along y away from the saddle (both ways), along x toward it
        # (beside the runs' way in along y = 0 and their way out up the y axis)
        w, h = (x1 - x0) / 4, (y1 - y0) / 4
        signs = [
            ("↓ downhill", saddle + np.array([0.0, y0 - saddle[1] + 0.2 * h]), ORIGIN),
            ("↑ downhill", saddle + np.array([0.9 * w, y1 - saddle[1] - 0.8 * h]), ORIGIN),
            ("← uphill", saddle + np.array([x0 - saddle[0] + 0.3 * w, 0.0]), UP * 0.25),
            ("uphill →", saddle + np.array([x1 - saddle[0] - 0.3 * w, 0.0]), DOWN * 0.32),
        ]
        texts = [
            halo(label(t, 24, theme.text), theme).move_to(area.to_scene(xy) + nudge)
            for t, xy, nudge in signs
        ]
        for t in texts:  # inside the box
            t.shift(RIGHT * max(0.0, area.to_scene(np.array([x0, y0]))[0] + 0.08 - t.get_left()[0]))
            t.shift(LEFT * max(0.0, t.get_right()[0] - area.to_scene(np.array([x1, y0]))[0] + 0.08))
        self.add_layered(ring, mark, name, *texts)
