"""AdaptiveSteps: why Adam's step is about lr in every coordinate, however small the gradient.

Adam on a long, narrow valley ½(x² + 50y²) from (−9, 1.6), lr 0.3. The gradient (white
arrow) is 50 times steeper across the valley than along it, yet Adam's actual step (its
own colour) is about lr long in both coordinates: it divides each coordinate's averaged
gradient m̂ by that coordinate's own average size √v̂. The update rule beside the plot
shows torch's numbers for the current step; under it, bars of |m̂| within √v̂ per
coordinate (one scale for both: y's are far longer) and |step| / lr, near 1 in both until
the valley floor.

Render: ``manim -ql scenes/adaptive_steps.py AdaptiveSteps``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import (
    Beat,
    CoordinateBars,
    PlotArea,
    SurfaceScene,
    Track,
    gradient_arrows,
    live_text,
)
from descent.scenes.kit.story import and_join, event_story, number
from descent.scenes.kit.theme import color_name

__all__ = ["AdaptiveSteps"]


class AdaptiveSteps(SurfaceScene):
    description = (
        "Adam on a narrow valley: gradient vs Adam's per-coordinate step, torch's rule live"
    )
    landscape = "ellipse"
    landscape_params = {"condition": 50.0}
    start = (-9.0, 1.6)
    view = ((-10.0, 2.0), (-2.5, 2.5))
    steps = 40
    optimizers = (OptimizerSpec("Adam", lr=0.3),)
    motion_time = 10.0
    plot_width = 4.6
    plot_height = 4.2
    plot_center = LEFT * 3.0 + DOWN * 0.4  # the rule panel right of the colour bar fits
    log_heat = True
    markers = True
    show_update = True
    #: both arrows at one length: they show directions, and their true lengths are written
    #: over the plot (−lr·∇f is up to 80 times Adam's step: no one scale shows both)
    arrow_range = (0.9, 0.9)

    @classmethod
    def headline(cls) -> str:
        """``Adam: a step of about lr in every coordinate`` (the run's label)."""
        return f"{and_join([s.label for s in cls.specs()])}: a step of about lr in every coordinate"

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """Colours from the theme, the steepness ratio from the landscape, events from the run."""
        land, trajs = cls.simulate()
        theme = cls.story_theme()
        [adam] = cls.specs()
        ratio = number(land.params.get("condition", 1.0))
        opening = (
            f"Across the valley {land.formula} is {ratio} times steeper than along it: the"
            f" plain gradient step, in {color_name(theme.text, theme)}, points almost straight"
            f" across. {adam.label}'s step, in {color_name(theme.color_for(adam.label), theme)},"
            f" is about lr = {number(adam.kwargs['lr'])} long in both coordinates: m̂ over √v̂"
            " is close to plus or minus one in each."
        )
        return event_story(land, trajs, theme, steps=cls.steps, opening=opening)

    def update_rule(
        self, trajs: Sequence[Trajectory], colors: Sequence[str], above: Mobject
    ) -> Mobject:
        # -- under torch's rule: m̂ and √v̂ per coordinate as bars, and the step they give --
        rule = super().update_rule(trajs, colors, above)
        bars = CoordinateBars(trajs[0], self.clock, self.theme, color=colors[0])
        return VGroup(rule, bars.next_to(rule, DOWN, buff=0.2).align_to(rule, LEFT))

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        """Over the plot: the arrows are directions only, and their true lengths, live."""
        arrows = self.arrows_for(trajs[0]) or {}
        grad = np.linalg.norm(np.nan_to_num(arrows["gradient"]), axis=1)
        step = np.linalg.norm(np.nan_to_num(arrows["velocity"]), axis=1)
        lr = float(trajs[0].spec.kwargs["lr"])
        note = live_text(
            self.clock,
            lambda t: (
                f"arrows: directions only   |−lr·∇f| {grad[t]:6.2f}   |step| {step[t] / lr:4.2f}·lr"
            ),
            self.theme,
            font_size=18,
            color=self.theme.muted,
        )
        self.add(note.next_to(area.frame, UP, buff=0.12).align_to(area.frame[0], LEFT))

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        step = np.diff(np.asarray(traj.params), axis=0, append=np.asarray(traj.params)[-1:])
        return {**gradient_arrows(traj), "velocity": step}
