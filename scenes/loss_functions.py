"""LossFunctions: the same linear regression under four losses, and four optimizer variants.

Data a line cannot fit exactly (50 points, x ~ N(0, 1), y = 0.75x² + x + 2 + 0.3·noise,
seeded). Each panel is the loss surface over (bias, weight) for MSE, L1, Huber and
SmoothL1, with SGD's path from weight 6, bias −3 (lr 0.1, 100 steps). MSE's gradient
shrinks as the fit improves; L1's has the same size everywhere, so its path keeps a
constant pace and stops short; Huber is quadratic within δ of each point and linear
beyond. torch's Huber(δ = 1) and SmoothL1(β = 1) are the same function, so the SmoothL1
panel uses β = 0.25 (closer to L1).

Variants (subclasses changing one class attribute): ``LossFunctionsMomentum`` (μ = 0.9),
``LossFunctionsNesterov``, ``LossFunctionsWeightDecay`` (2.0: pulled toward the origin),
``LossFunctionsDampening`` (μ = 0.9, dampening 0.8).

Render: ``manim -ql scenes/loss_functions.py LossFunctions``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import (
    Beat,
    DescentScene,
    auto_view,
    fmt_value,
    label,
    live_text,
    step_counter,
    swapped,
    to_safe_corner,
)

__all__ = [
    "LossFunctions",
    "LossFunctionsMomentum",
    "LossFunctionsNesterov",
    "LossFunctionsWeightDecay",
    "LossFunctionsDampening",
]

#: (loss, δ/β, panel title): torch's Huber(δ=1) equals SmoothL1(β=1), so SmoothL1 gets β = 0.25
LOSSES = (
    ("mse", 1.0, "MSE"),
    ("l1", 1.0, "L1"),
    ("huber", 1.0, "Huber (δ = 1)"),
    ("smooth_l1", 0.25, "SmoothL1 (β = 0.25)"),
)


class LossFunctions(DescentScene):
    description = (
        "2×2 regression loss surfaces (MSE, L1, Huber, SmoothL1) over (bias, weight), SGD lr 0.1"
    )
    title = "Loss functions shape the path"
    landscape = "regression"
    optimizer = OptimizerSpec("SGD", lr=0.1)
    start = (6.0, -3.0)  # (weight, bias)
    beats = (
        Beat(
            0,
            "four losses, one data set",
            "Same data, same start, same SGD: only the loss differs."
            " The surfaces are over (bias, weight) of a straight-line fit.",
        ),
        Beat(
            5,
            "L1's constant pull",
            "MSE's gradient shrinks near the fit, so steps slow down; L1's"
            " gradient has the same size everywhere, so SGD zigzags across the kink.",
        ),
        Beat(
            40,
            "where they settle",
            "Huber and SmoothL1 behave like MSE near the fit and like L1"
            " far away: robust to outliers, smooth at the bottom.",
        ),
    )
    steps = 100
    run_time = 8.0
    #: (bias, weight) view; grown automatically when a variant's paths leave it
    view = ((-5.0, 8.0), (-3.0, 7.5))

    @property
    def subtitle(self) -> str:  # type: ignore[override]
        return f"regression on 50 points · {self.optimizer.label}: {self.optimizer.describe()} · from w = 6, b = −3"

    @classmethod
    def data(cls) -> tuple[list[Landscape], list[Trajectory]]:
        """One landscape and one trajectory per loss, in panel order."""
        lands = [
            engine.get_landscape("regression", loss=loss, delta=delta) for loss, delta, _ in LOSSES
        ]
        trajs = [
            engine.simulate(land, cls.optimizer, start=cls.start, steps=cls.steps) for land in lands
        ]
        return lands, trajs

    def construct(self) -> None:
        # -- data: one landscape and one trajectory per loss --
        lands, trajs = self.data()
        shown = [swapped(land) for land in lands]  # plot (bias, weight)
        paths = [np.asarray(t.params)[:, ::-1] for t in trajs]
        view = auto_view(
            engine.Landscape(**{**shown[0].__dict__, "view": self.view}), paths, pad=0.04
        )
        color = self.run_palette([self.optimizer.label])[0]

        # -- static background: four surfaces --
        self.add_title()
        areas = []
        for i, (land, (_, _, name)) in enumerate(zip(shown, LOSSES, strict=True)):
            center = np.array([-3.0 + 6.5 * (i % 2), 0.95 - 2.85 * (i // 2), 0.0])
            # axis labels on the bottom row only: the four panels share their axes
            area = self.surface_area(
                land,
                view=view,
                width=4.3,
                height=1.85,
                center=center,
                log=True,
                levels=10,
                labels=i >= 2,
            )
            self.add(
                label(name, 24, self.theme.text)
                .next_to(area.frame, UP, buff=0.1)
                .align_to(area.frame, LEFT)
            )
            areas.append(area)

        # -- one dot per panel on one clock, live loss beside each --
        self.make_clock(list(zip(areas, paths, strict=True)))
        for area, traj, path in zip(areas, trajs, paths, strict=True):
            self.add(self.track(traj, area, color, path=path))
            readout = live_text(
                self.clock,
                lambda t, traj=traj: f"loss {fmt_value(float(traj.loss[t]))}",
                self.theme,
                font_size=20,
            )
            self.add(readout.next_to(area.frame, UP, buff=0.1).align_to(area.frame, RIGHT))
        self.add(to_safe_corner(step_counter(self.clock, self.theme, font_size=20), UP + RIGHT))

        # -- run --
        self.play_steps()
        self.finish()


class LossFunctionsMomentum(LossFunctions):
    description = "LossFunctions with momentum 0.9"
    optimizer = OptimizerSpec("SGD", lr=0.1, momentum=0.9)


class LossFunctionsNesterov(LossFunctions):
    description = "LossFunctions with Nesterov momentum 0.9"
    optimizer = OptimizerSpec("SGD", lr=0.1, momentum=0.9, nesterov=True)


class LossFunctionsWeightDecay(LossFunctions):
    description = "LossFunctions with weight decay 2.0: pulled toward the origin"
    optimizer = OptimizerSpec("SGD", lr=0.1, weight_decay=2.0, label="SGD + weight decay")


class LossFunctionsDampening(LossFunctions):
    description = "LossFunctions with momentum 0.9 and dampening 0.8"
    optimizer = OptimizerSpec(
        "SGD", lr=0.1, momentum=0.9, dampening=0.8, label="Momentum + dampening"
    )
