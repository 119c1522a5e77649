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
from descent.scenes.kit import Beat, CurveScene, PlotArea, label

__all__ = ["SaddlePoint"]


class SaddlePoint(CurveScene):
    description = "w³ from 4, lr 0.01: SGD crawls toward the saddle, momentum 0.9 passes it"
    title = "Saddle point: SGD stalls, momentum passes"
    subtitle = "f(w) = w³ from w = 4, lr = 0.01"
    landscape = "cubic"
    start = (4.0,)
    steps = 100
    optimizers = (
        OptimizerSpec("SGD", lr=0.01),
        OptimizerSpec("SGD", lr=0.01, momentum=0.9),
    )
    run_time = 8.0
    y_range = (-30.0, 95.0)
    beats = (
        Beat(
            0,
            "the slope flattens",
            "Both start at w = 4 with the same learning rate. Watch the"
            " slope: the gradient 3w² shrinks as they near the flat point at 0.",
        ),
        Beat(
            5,
            "momentum passes the saddle",
            "Momentum crosses the saddle at step 5: the gradient"
            " there is zero, but its velocity carries it through, and on toward minus infinity.",
        ),
        Beat(
            25,
            "SGD stalls",
            "Plain SGD only follows the gradient, so its steps shrink with the"
            " slope: after 100 steps it is still short of the saddle, stalled on a flat stretch.",
        ),
    )

    def annotate(self, land: Landscape, area: PlotArea) -> None:
        at = area.to_scene(np.array([0.0, 0.0]))
        self.add(
            Dot(at, radius=0.07, color=self.theme.muted),
            VGroup(
                label("inflection point,", 18, self.theme.muted),
                label("not a saddle:", 18, self.theme.muted),
                label("f′ = f″ = 0", 18, self.theme.muted),
            )
            .arrange(DOWN, aligned_edge=RIGHT, buff=0.1)
            .next_to(at, UP + LEFT, buff=0.15),
        )
