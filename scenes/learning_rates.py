"""LearningRates: one bowl, three learning rates — slow, fast, diverging.

SGD on (x−3)² + (y+2)² + 8 from (10, 10) with lr 0.1, 0.25 and 10. With lr 0.25 the
first step lands on the minimum; lr 0.1 creeps in (one marker per step); lr 10
overshoots by a factor 19 each step and leaves the view — pinned at the edge with
"diverged" while its loss read-out goes to ∞.

Render: ``manim -ql scenes/learning_rates.py LearningRates``
"""

from __future__ import annotations

from manim import *  # noqa: F403

from descent.engine import OptimizerSpec
from descent.scenes.kit import Beat, SurfaceScene

__all__ = ["LearningRates"]


class LearningRates(SurfaceScene):
    description = "bowl, SGD with lr 0.1 / 0.25 / 10: slow, fast, diverging"
    title = "Learning rate: too small, just right, too large"
    subtitle = "SGD on (x − 3)² + (y + 2)² + 8 from (10, 10)"
    landscape = "bowl"
    start = (10.0, 10.0)
    steps = 20
    optimizers = (
        OptimizerSpec("SGD", lr=0.1, label="lr = 0.1"),
        OptimizerSpec("SGD", lr=0.25, label="lr = 0.25"),
        OptimizerSpec("SGD", lr=10.0, label="lr = 10"),
    )
    run_time = 7.0
    beats = (
        Beat(
            0,
            "three learning rates",
            "One bowl, three learning rates. The gradient is the same;"
            " only the step we take along it changes.",
        ),
        Beat(
            2,
            "too small, just right",
            "lr 0.1 creeps, shrinking the distance by a fifth each"
            " step; lr 0.25 lands within 0.1 of the minimum in 8 steps.",
        ),
        Beat(
            6,
            "too large: divergence",
            "lr 10 overshoots to the far side, farther each time: the"
            " loss grows without bound and the point leaves the view, pinned at the edge.",
        ),
    )
    plot_width = 5.0
    plot_height = 5.0
    log_heat = True
    markers = True
    panel_y_range = (0.5, 4.0)
