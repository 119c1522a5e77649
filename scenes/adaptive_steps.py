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
from typing import Any

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.rules import update_terms
from descent.scenes.kit import (
    Beat,
    CoordinateBars,
    PlotArea,
    SurfaceScene,
    Track,
    gradient_arrows,
    label,
)
from descent.scenes.kit.rules import shown_update
from descent.scenes.kit.story import and_join, event_story, number
from descent.scenes.kit.text import FastText, fmt_value
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
    plot_center = LEFT * 3.1 + DOWN * 0.4  # the rule panel right of the colour bar fits
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

    def header_text(self, traj: Trajectory, t: int) -> str:
        """The second header line at update ``t``: ``|−lr·∇f| 2.170   |step| 0.3042·lr``,
        from the same recorded update as the bars under the rule (torch's ``g`` and
        ``step`` of update ``t``, :func:`descent.engine.rules.update_terms`), 4 digits."""
        terms = update_terms(traj, t)
        lr = float(terms.hyper["lr"])
        grad = float(np.linalg.norm(lr * np.asarray(terms.values["g"], np.float64)))
        step = float(np.linalg.norm(np.asarray(terms.values["step"], np.float64))) / lr
        return f"|−lr·∇f| {fmt_value(grad)}   |step| {fmt_value(step)}·lr"

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        """Over the plot, within its width: the arrows are directions only, and their true
        lengths, live, for the update the bars show (:func:`shown_update`)."""
        traj, last = trajs[0], trajs[0].steps - 1
        texts = [self.header_text(traj, t) for t in range(traj.steps)]
        numbers = FastText(texts[0], 18, self.theme.muted)

        def refresh(m: FastText) -> None:
            m.set_text(texts[shown_update(self.clock, last)])

        numbers.add_updater(refresh)
        widest = max(FastText.width_of(x, 18) for x in texts)
        left = area.frame[0].get_left()[0]
        numbers.place(np.array([left, area.frame.get_top()[1] + 0.12, 0.0]))
        note = label("arrows: directions only", 18, self.theme.muted)
        note.next_to(numbers.anchor, UP, buff=0.3, aligned_edge=LEFT).align_to(area.frame[0], LEFT)
        assert widest <= area.width + 0.05, "the header is wider than the plot"
        self.add(note, numbers)

    def surface_area(self, land: Landscape, **kw: Any) -> PlotArea:
        """Contour labels also keep clear of where the two arrows reach (drawn
        ``arrow_range`` long from the dot, in any direction the run's steps take)."""
        land_, trajs = self.simulate()
        (x0, x1), (y0, y1) = self.view_for(land_, trajs)
        sx, sy = self.plot_width / (x1 - x0), self.plot_height / (y1 - y0)  # scene per data
        reach = self.arrow_range[1]
        tips = []
        for traj in trajs:
            p = np.asarray(traj.params, np.float64)
            for v in (self.arrows_for(traj) or {}).values():
                v = np.nan_to_num(np.asarray(v, np.float64)) * [sx, sy]
                unit = v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)
                for f in (0.35, 0.7, 1.0):
                    tips.append(p + unit * reach * f / [sx, sy])
        kw["avoid"] = [*(kw.get("avoid") or []), *tips]
        return super().surface_area(land, **kw)

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        step = np.diff(np.asarray(traj.params), axis=0, append=np.asarray(traj.params)[-1:])
        return {**gradient_arrows(traj), "velocity": step}
