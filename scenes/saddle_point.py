"""SaddlePoint: plain SGD crawls toward the flat saddle of w³; momentum sails past.

Both start at w = 4 with lr 0.01. The gradient 3w² vanishes at 0, so SGD's steps shrink
as it approaches (it is still short of 0 after 100 steps). Momentum 0.9 carries its
velocity through the flat point within 5 steps and runs down toward −∞: it leaves the
view, pinned at the edge with "loss → −∞".

Render: ``manim -ql scenes/saddle_point.py SaddlePoint``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec
from descent.engine.events import stationary_passes
from descent.scenes.kit import Beat, CurveScene, PlotArea, halo, label
from descent.scenes.kit.story import event_story, number, point_text, runs_text, verb

__all__ = ["SaddlePoint"]


class SaddlePoint(CurveScene):
    description = "w³ from 4, lr 0.01: SGD crawls toward the saddle, momentum 0.9 passes it"
    landscape = "cubic"
    start = (4.0,)
    steps = 100
    optimizers = (
        OptimizerSpec("SGD", lr=0.01),
        OptimizerSpec("SGD", lr=0.01, momentum=0.9),
    )
    motion_time = 8.0
    y_range = (-30.0, 95.0)

    @classmethod
    def headline(cls) -> str:
        """``Saddle point: SGD stalls, Momentum passes`` (who passes it, from the runs)."""
        land, trajs = cls.simulate()
        saddle = next(p.position for p in land.stationary_points if p.kind == "saddle")
        runs = list({t.label: t for t in trajs}.values())
        passed = [t.label for t in runs if stationary_passes(t.params, saddle, run=0)]
        stalled = [t.label for t in runs if t.label not in passed]
        parts = ([verb(stalled, "stalls", "stall")] if stalled else []) + (
            [verb(passed, "passes", "pass")] if passed else []
        )
        return "Saddle point: " + ", ".join(parts)

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The set-up, the pass of the saddle, and where plain SGD stalls."""
        land, trajs = cls.simulate()
        theme = cls.story_theme()
        saddle = next(p.position for p in land.stationary_points if p.kind == "saddle")
        opening = (
            f"{runs_text(cls.specs(), theme)} start at w = {point_text(cls.start)} on"
            f" {land.formula}. Watch the slope: it flattens toward the saddle at"
            f" {point_text(saddle)}, where the gradient is zero."
        )
        beats = list(event_story(land, trajs, theme, steps=cls.steps, opening=opening))
        for k, t in enumerate(trajs):
            w = np.asarray(t.params)[:, 0]
            if (w > saddle[0]).all():  # never passes: it stalls where its steps have shrunk
                steps = np.abs(np.diff(w))
                slow = np.flatnonzero(steps < 0.1 * steps[0])
                if len(slow) and 0 < slow[0] < cls.steps and slow[0] not in {b.step for b in beats}:
                    t0 = int(slow[0])
                    beats.append(
                        Beat(
                            t0,
                            f"{t.label} stalls",
                            f"{t.label} only follows the gradient: by step {t0} its steps are a"
                            f" tenth of its first, and after {cls.steps} steps it is still at"
                            f" w = {number(w[-1])}, short of the saddle.",
                            k,
                        )
                    )
        return tuple(sorted(beats, key=lambda b: b.step))

    def annotate(self, land: Landscape, area: PlotArea) -> None:
        at = area.to_scene(np.array([0.0, 0.0]))
        self.add(
            Dot(at, radius=0.07, color=self.theme.muted),
            VGroup(
                *[
                    halo(label(line, 18, self.theme.muted), self.theme)  # trails pass under it
                    for line in ("inflection point,", "not a saddle:", "f′ = f″ = 0")
                ]
            )
            .arrange(DOWN, aligned_edge=RIGHT, buff=0.1)
            .next_to(at, UP + LEFT, buff=0.15),
        )
