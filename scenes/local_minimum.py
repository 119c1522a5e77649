"""LocalMinimum: SGD settles in the nearest basin; momentum crosses the bump.

2w⁴ − 9w³ − 21w² + 88w + 48 from w = 6 with lr 0.001: plain SGD slides into the local
minimum at w = 4 and stays; momentum 0.9 arrives with enough velocity to climb over the
maximum at 1.375 and settles in the global minimum at −2.

Render: ``manim -ql scenes/local_minimum.py LocalMinimum``
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import reaches_tolerance
from descent.scenes.kit import Beat, CurveScene, PlotArea, halo, label
from descent.scenes.kit.story import event_story, number, point_text, runs_text, verb

__all__ = ["LocalMinimum"]


class LocalMinimum(CurveScene):
    description = (
        "quartic from 6, lr 0.001: SGD stops in the local minimum, momentum finds the global one"
    )
    landscape = "quartic"
    start = (6.0,)
    steps = 100
    optimizers = (
        OptimizerSpec("SGD", lr=0.001),
        OptimizerSpec("SGD", lr=0.001, momentum=0.9),
    )
    motion_time = 8.0

    @classmethod
    def headline(cls) -> str:
        """``Local minimum: SGD stops in it, Momentum rolls over the barrier`` (where each
        ends)."""
        land, trajs = cls.simulate()
        (top,) = land.points_of_kind("max")
        local = next(p.position for p in land.stationary_points if p.kind == "local_min")
        side = np.sign(local[0] - top.position[0])
        runs = list({t.label: t for t in trajs}.values())
        over = [
            t.label
            for t in runs
            if np.isfinite(w := float(np.asarray(t.params)[-1, 0]))
            and np.sign(w - top.position[0]) != side
        ]
        stay = [t.label for t in runs if t.label not in over]
        parts = ([verb(stay, "stops", "stop") + " in it"] if stay else []) + (
            [verb(over, "rolls", "roll") + " over the barrier"] if over else []
        )
        return "Local minimum: " + ", ".join(parts)

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """Two basins from the landscape's stationary points; where each run settles."""
        land, trajs = cls.simulate()
        theme = cls.story_theme()
        minima = {p.kind: p.position for p in land.stationary_points}
        opening = (
            f"Two basins: a local minimum at w = {point_text(minima['local_min'])} and a deeper"
            f" global one at w = {point_text(minima['global_min'])}, behind a barrier: the"
            f" maximum at w = {point_text(minima['max'])}. {runs_text(cls.specs(), theme)} start at"
            f" w = {point_text(cls.start)}."
        )
        beats = list(event_story(land, trajs, theme, steps=cls.steps, opening=opening, most=2))
        for k, t in enumerate(trajs):
            w = np.asarray(t.params)[:, 0]
            for kind in ("local_min", "global_min"):
                at = minima[kind][0]
                for e in reaches_tolerance(w, [at], 0.1, run=k, label=t.label):
                    if 0 < e.step < cls.steps and e.step not in {b.step for b in beats}:
                        where = "local" if kind == "local_min" else "global"
                        beats.append(
                            Beat(
                                e.step,
                                f"{t.label} settles in the {where} minimum",
                                f"{t.label} settles within 0.1 of the {where} minimum at"
                                f" w = {point_text(minima[kind])} from step {e.step}"
                                + (said := cls.settling_text(t, at, e.step))[0],
                                k,
                                (replace(e, values={**e.values, **said[1]}),),
                            )
                        )
        return tuple(sorted(beats, key=lambda b: b.step))

    @classmethod
    def settling_text(cls, traj: Trajectory, at: float, step: int) -> tuple[str, dict[str, float]]:
        """How ``traj`` settles at the minimum ``w = at`` from ``step`` on, in words from its
        numbers (the legend's f′ and the step's |Δ| at that step: the minimum's own f′ = 0
        is not the dot's), and those numbers (the beat's event carries them).

        Crossing ``at`` twice or more after ``step``: it still swings about the minimum, f′
        changing sign at each crossing. Else: f′ and the step shrink as it closes in.
        """
        w = np.asarray(traj.params, dtype=np.float64)[:, 0]
        g = np.asarray(traj.grad, dtype=np.float64)[:, 0]
        last = len(w) - 1
        side = np.sign(w[step:] - at)
        crossings = int(np.count_nonzero(side[1:] * side[:-1] < 0))
        move = np.abs(np.diff(w))
        values = {
            "grad": float(g[step]),
            "grad_end": float(g[last]),
            "last": float(last),
            "crossings": float(crossings),
            "move": float(move[step]),
            "move_end": float(move[last - 1]),
        }
        now, end = number(g[step]), number(g[last])
        if crossings >= 2:
            return (
                f", still swinging about it: it crosses w = {point_text((at,))}"
                f" another {crossings} times by step {last}, f′ changing sign each time"
                f" (f′ {now} at step {step}, {end} at step {last}).",
                values,
            )
        return (
            f": f′ falls from {now} to {end} by step {last} as it closes in, and its step"
            f" with it ({number(move[step])} to {number(move[last - 1])}), so it stays.",
            values,
        )

    y_range = (-190.0, 540.0)

    def annotate(self, land: Landscape, area: PlotArea) -> None:
        (top,) = land.points_of_kind("max")
        at = area.to_scene(np.array([top.position[0], float(land.value([top.position[0]]))]))
        self.add(
            halo(label("barrier", 18, self.theme.muted), self.theme).next_to(at, UP, buff=0.15)
        )
