"""LearningRates: one bowl, three learning rates — slow, fast, diverging.

SGD on (x−3)² + (y+2)² + 8 from (10, 10) with lr 0.1, 0.25 and 10. lr 0.25 halves its
distance to the minimum each step (within 0.3 of it from step 6); lr 0.1 creeps in (one
marker per step); lr 10 overshoots by a factor 19 each step and leaves the view, pinned at
the edge ("out of view"), until its loss overflows float32 at step 15: the run stops at its
last finite point, marked "overflow at step 15". Its loss is off the panel's top from step
1, marked there with its value.

Render: ``manim -ql scenes/learning_rates.py LearningRates``
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import OptimizerSpec, Trajectory
from descent.engine.events import reaches_tolerance
from descent.scenes.kit import Beat, SurfaceScene
from descent.scenes.kit.story import (
    and_join,
    cover_runs,
    event_story,
    number,
    point_text,
    tolerance_for,
)
from descent.scenes.kit.theme import widest_palette

__all__ = ["LearningRates"]


class LearningRates(SurfaceScene):
    description = "bowl, SGD with lr 0.1 / 0.25 / 10: slow, fast, diverging"
    landscape = "bowl"
    start = (10.0, 10.0)
    steps = 20
    optimizers = (
        OptimizerSpec("SGD", lr=0.1, label="lr = 0.1"),
        OptimizerSpec("SGD", lr=0.25, label="lr = 0.25"),
        OptimizerSpec("SGD", lr=10.0, label="lr = 10"),
    )
    motion_time = 7.0

    @classmethod
    def headline(cls) -> str:
        """``Learning rate: too small, just right, too large``, each judged on its run: the
        one first within the tolerance of the optimum is just right, a smaller lr too small,
        a larger one (or one that ends farther than it started) too large."""
        land, trajs = cls.simulate()
        runs = list({t.label: t for t in trajs}.values())
        if land.optimum is None:
            return "Learning rate"
        opt = np.asarray(land.optimum)
        tol = tolerance_for(land, cls.start if cls.start is not None else land.default_start)
        first = {
            id(t): e.step
            for t in runs
            if tol is not None
            for e in reaches_tolerance(t.params, opt, tol)
        }
        best = min(runs, key=lambda t: first.get(id(t), math.inf))
        words = []
        for t in runs:
            p = np.asarray(t.params)
            away = not np.isfinite(p[-1]).all() or np.linalg.norm(p[-1] - opt) > np.linalg.norm(
                p[0] - opt
            )
            if id(best) in first and t is best:
                words.append("just right")
            elif away or (id(best) in first and t.spec.lr > best.spec.lr):
                words.append("too large")
            else:
                words.append("too small")
        return "Learning rate: " + ", ".join(dict.fromkeys(words))

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """One bowl, the learning rates from the specs; then the runs' events."""
        land, trajs = cls.simulate()
        rates = and_join([number(s.kwargs["lr"]) for s in cls.specs()])
        opening = (
            f"One bowl, {land.formula}, and SGD with learning rates {rates} from"
            f" {point_text(cls.start)}. The gradient is the same; only the step taken along it"
            " changes."
        )
        beats = event_story(land, trajs, cls.story_theme(), steps=cls.steps, opening=opening)
        return cover_runs(beats, land, trajs, steps=cls.steps)  # every run named

    # room below the view for lr = 10's pin at the bottom edge (clear of the x ticks) and
    # above it (clear of the subtitle); data units equal on both axes
    view = ((-8.0, 13.0), (-11.0, 12.0))
    plot_width = 4.4
    plot_height = 4.8
    log_heat = True
    markers = True
    panel_y_range = (0.5, 4.0)

    def colors_for(self, trajs: Sequence[Trajectory]) -> list[str]:
        """Three runs of one optimizer: the theme's three colours furthest apart, in hue
        too (:func:`widest_palette`; lr 0.1 and lr 10 were two greens)."""
        colors = widest_palette(len(trajs), self.theme)
        self.run_colors = [(t.label, c) for t, c in zip(trajs, colors, strict=True)]
        return colors
