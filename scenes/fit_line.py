"""FitLine: SGD vs Adam fitting a line, in parameter space and in data space at once.

Data: x = −5, −4.9, …, 5 and y = −5x + 1 + 0.4·noise (seeded); the model ŷ = w·x + b starts
at weight −10, bias −20; minibatches of one shuffled sample (a real seeded DataLoader),
lr 0.01 for both. Left: the MSE surface over (weight, bias) with both paths; right: the
data with each optimizer's current line; below: the full-data loss per step. All three
follow one clock.

With lr 0.01 Adam moves about 0.01 per coordinate per step whatever the gradient's size,
so it is still far away after 300 steps while SGD has fitted the line; the variant
``FitLineFastAdam`` gives Adam lr 0.5.

Render: ``manim -ql scenes/fit_line.py FitLine``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent.engine import OptimizerSpec
from descent.scenes.kit import (
    Beat,
    DescentScene,
    LossPanel,
    PlotArea,
    label,
    plot_area,
    set_shown,
    step_counter,
)
from descent.scenes.kit.story import event_story, point_text, runs_text

__all__ = ["FitLine", "FitLineFastAdam", "clip_line"]


def clip_line(area: PlotArea, w: float, b: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of y = w·x + b inside the area's view box (Liang–Barsky), in data coordinates."""
    (x0, x1), (y0, y1) = area.x_range, area.y_range
    p0, d = np.array([x0, w * x0 + b]), np.array([x1 - x0, w * (x1 - x0)])
    t0, t1 = 0.0, 1.0
    for p, q in ((-d[1], p0[1] - y0), (d[1], y1 - p0[1])):
        if abs(p) < 1e-12:
            if q < 0:
                return None
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
    if t0 >= t1 or not np.isfinite([w, b]).all():
        return None
    return p0 + t0 * d, p0 + t1 * d


class FitLine(DescentScene):
    description = "SGD vs Adam on linear regression, minibatch 1: parameter space, data space, loss"
    title = "Fitting a line: parameter space and data space"
    landscape = "regression"
    landscape_params = {"dataset": "line", "batch_size": 1}
    start = (-10.0, -20.0)
    steps = 300
    optimizers = (OptimizerSpec("SGD", lr=0.01), OptimizerSpec("Adam", lr=0.01))
    motion_time = 10.0

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The set-up from the attributes, then the runs' events (lead, tolerance)."""
        land, trajs = cls.simulate()
        opening = (
            f"Each step sees a minibatch of {land.batch_size} shuffled"
            f" sample{'' if land.batch_size == 1 else 's'}. Left: the two"
            " parameters; right: the line they draw through the data; bottom: the full-data"
            f" loss. {runs_text(cls.specs(), cls.story_theme())} start from"
            f" {point_text(cls.start)}."
        )
        return event_story(land, trajs, cls.story_theme(), steps=cls.steps, opening=opening)

    def construct(self) -> None:
        # -- data --
        land, trajs = self.simulate()
        colors = self.colors_for(trajs)
        xs, ys = land.data

        # -- static: parameter space (left), data space (right) --
        self.add_title()
        params = self.surface_area(
            land, width=4.6, height=2.9, center=LEFT * 2.9 + UP * 0.7, log=True, levels=10
        )
        data = plot_area(
            (-5.5, 5.5),
            (-30.0, 30.0),
            width=4.6,
            height=2.9,
            theme=self.theme,
            labels=("x", "y"),
            font_size=18,
        )
        data.axes.move_to(RIGHT * 3.6 + UP * 0.7)
        self.add(
            data.axes,
            *[
                Dot(p, radius=0.035, color=self.theme.muted)
                for p in data.to_scene(np.stack([xs, ys], -1))
            ],
        )

        # -- moving: dots in parameter space, lines in data space, loss panel --
        self.make_clock([(params, np.asarray(t.params)) for t in trajs])
        tracks = [self.track(t, params, c) for t, c in zip(trajs, colors, strict=True)]
        lines = [self.model_line(data, t, c) for t, c in zip(trajs, colors, strict=True)]
        panel = LossPanel(
            [(c, t.loss) for t, c in zip(trajs, colors, strict=True)],
            self.clock,
            self.theme,
            width=8.1,  # the legend beside it says each run's settings
            height=1.15,
            log=True,
            y_label="loss",
        )
        panel.move_to(DOWN * 2.6 + LEFT * 1.15)
        legend = VGroup(
            *[
                VGroup(
                    Dot(radius=0.09, color=c), label(self.legend_label(t), 22, self.theme.text)
                ).arrange(RIGHT, buff=0.12)
                for t, c in zip(trajs, colors, strict=True)
            ]
        ).arrange(RIGHT, buff=0.5)
        legend.arrange(DOWN, aligned_edge=LEFT, buff=0.2).next_to(panel, RIGHT, buff=0.35).shift(
            UP * 0.2
        )
        counter = (
            step_counter(self.clock, self.theme, font_size=20)
            .next_to(legend, DOWN, buff=0.3)
            .align_to(legend, LEFT)
        )
        self.add_layered(panel, legend, counter, *lines, *reversed(tracks))

        # -- run --
        self.play_steps()
        self.finish()

    def model_line(self, area: PlotArea, traj: object, color: str) -> Line:
        """The current model ŷ = w·x + b of ``traj`` drawn in data space, clipped to the view."""
        params = np.asarray(traj.params)  # type: ignore[attr-defined]
        line = Line(ORIGIN, RIGHT, color=color, stroke_width=4)

        def refresh(m: Line) -> None:
            w, b = params[self.clock.nearest(len(params) - 1)]
            seg = clip_line(area, float(w), float(b))
            set_shown(m, seg is not None)
            if seg is not None:
                m.put_start_and_end_on(*area.to_scene(np.stack(seg)))

        refresh(line)
        line.add_updater(refresh)
        return line


class FitLineFastAdam(FitLine):
    description = "FitLine with Adam at lr 0.5"
    optimizers = (OptimizerSpec("SGD", lr=0.01), OptimizerSpec("Adam", lr=0.5))
