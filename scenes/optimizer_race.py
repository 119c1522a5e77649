"""OptimizerRace and SteepOptima: six torch optimizers on the same landscape.

``OptimizerRace``: the ravine tanh²(w₁) + 0.01|w₁| + sigmoid(w₂) from (5, 5) with lr 10 for
100 steps — SGD, Momentum, Nesterov, Adagrad, RMSprop (α = 0.1) and Adam. Plateaus with
tiny gradients: SGD barely moves, the momentum methods build speed and fly far, the
adaptive methods normalise the tiny gradients and stride down the slope.

``SteepOptima``: three narrow Gaussian wells (σ = 0.2) from (0, 0) with lr 0.05. The
gradient at the start is ~1e-4: SGD and momentum stay put; Adagrad, RMSprop and Adam
rescale it and drop into a well.

Render: ``manim -ql scenes/optimizer_race.py OptimizerRace``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import Beat, SurfaceScene

__all__ = ["OptimizerRace", "SteepOptima", "race"]


def race(lr: float) -> tuple[OptimizerSpec, ...]:
    """The six contestants, all with learning rate ``lr``."""
    return (
        OptimizerSpec("SGD", lr=lr),
        OptimizerSpec("SGD", lr=lr, momentum=0.9),
        OptimizerSpec("SGD", lr=lr, momentum=0.9, nesterov=True),
        OptimizerSpec("Adagrad", lr=lr),
        OptimizerSpec("RMSprop", lr=lr, alpha=0.1),
        OptimizerSpec("Adam", lr=lr),
    )


class OptimizerRace(SurfaceScene):
    description = "ravine from (5, 5), lr 10: SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam"
    title = "Optimizer race across a ravine"
    subtitle = "tanh²(w₁) + 0.01·|w₁| + sigmoid(w₂) from (5, 5), lr = 10, 100 steps"
    landscape = "ravine"
    start = (5.0, 5.0)
    steps = 100
    optimizers = race(10.0)
    run_time = 10.0
    beats = (
        Beat(
            0,
            "a flat plateau",
            "Six optimizers from (5, 5), lr 10. The ravine's plateaus are"
            " almost flat: the gradients are tiny.",
        ),
        Beat(
            2,
            "adaptive steps",
            "Adagrad, RMSprop and Adam divide by the gradient's own size:"
            " their steps are about lr long however small the gradient, and they stride off.",
        ),
        Beat(
            12,
            "momentum builds speed",
            "SGD takes tiny steps; momentum and Nesterov add them up"
            " and gather speed down the slope, reaching the ravine later.",
        ),
    )
    auto_view = True
    plot_width = 5.1
    plot_height = 5.1
    panel_log = False
    panel_label = "progress 5 − w₂"
    legend_font = 21

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        """How far each run got along the ravine (its w₂ fell from the start's 5): the
        race's result, read at the panel's right end; the losses all end near 1."""
        return [self.start[1] - np.asarray(t.params)[:, 1] for t in trajs]


class SteepOptima(OptimizerRace):
    description = "three narrow Gaussian wells from (0, 0), lr 0.05: only adaptive methods find one"
    title = "Flat plains, steep wells: adaptive steps"
    subtitle = "−Σ exp(−|p − cₖ|² / 2σ²), σ = 0.2, from (0, 0), lr = 0.05"
    landscape = "steep_optima"
    start = (0.0, 0.0)
    optimizers = race(0.05)
    beats = (
        Beat(
            0,
            "a flat plain",
            "Three narrow wells on a flat plain, everyone starts on the"
            " plain at (0, 0) with lr 0.05.",
        ),
        Beat(
            9,
            "adaptive methods find a well",
            "The adaptive methods turn tiny gradients into"
            " full-size steps and drop into a well around step 10.",
        ),
        Beat(
            40,
            "SGD barely moves",
            "SGD and momentum follow the gradient's size, and on the"
            " plain it is nearly zero: after 100 steps they have barely left the start.",
        ),
    )
    auto_view = False
    panel_label = "loss"

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        return [np.asarray(t.loss) for t in trajs]
