"""LocalMinimum: SGD settles in the nearest basin; momentum crosses the bump.

2w⁴ − 9w³ − 21w² + 88w + 48 from w = 6 with lr 0.001: plain SGD slides into the local
minimum at w = 4 and stays; momentum 0.9 arrives with enough velocity to climb over the
maximum at 1.375 and settles in the global minimum at −2.

Render: ``manim -ql scenes/local_minimum.py LocalMinimum``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec
from descent.scenes.kit import Beat, CurveScene, PlotArea, label

__all__ = ["LocalMinimum"]


class LocalMinimum(CurveScene):
    description = (
        "quartic from 6, lr 0.001: SGD stops in the local minimum, momentum finds the global one"
    )
    title = "Local minimum: momentum rolls over the bump"
    subtitle = "f(w) = 2w⁴ − 9w³ − 21w² + 88w + 48 from w = 6, lr = 0.001"
    landscape = "quartic"
    start = (6.0,)
    steps = 100
    optimizers = (
        OptimizerSpec("SGD", lr=0.001),
        OptimizerSpec("SGD", lr=0.001, momentum=0.9),
    )
    motion_time = 8.0
    beats = (
        Beat(
            0,
            "two basins",
            "Two basins: a local minimum at w = 4 and a deeper global one at"
            " w = −2, behind a hump. Both optimizers start at w = 6.",
        ),
        Beat(
            4,
            "SGD settles for the local minimum",
            "SGD rolls into the nearest basin and stops"
            " at w = 4: the gradient there is zero, so it has no reason to move.",
        ),
        Beat(
            9,
            "momentum clears the hump",
            "Momentum arrives with speed, climbs over the hump at"
            " 1.4 and falls into the global minimum: its velocity, not the gradient, got it over.",
        ),
    )
    y_range = (-190.0, 540.0)

    def annotate(self, land: Landscape, area: PlotArea) -> None:
        (top,) = land.points_of_kind("max")
        at = area.to_scene(np.array([top.position[0], float(land.value([top.position[0]]))]))
        self.add(label("barrier", 18, self.theme.muted).next_to(at, UP, buff=0.15))
