"""Ready-made storyboards: :class:`CurveScene` (1-D) and :class:`SurfaceScene` (2-D).

A lecture scene is usually a subclass of one of them that sets class attributes and
overrides a hook or two (``annotate``, ``arrows_for``, ``panel_series``, ``before_run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Mobject,
)

from descent.engine import Landscape, Trajectory
from descent.scenes.kit.plot import PlotArea, auto_view
from descent.scenes.kit.readouts import Legend, LossPanel, step_counter
from descent.scenes.kit.rules import UpdateRule
from descent.scenes.kit.scene import DescentScene
from descent.scenes.kit.text import fmt_value, safe_box, to_safe_corner
from descent.scenes.kit.tracks import Track, step_arrows_1d, tangent_line

__all__ = [
    "CurveScene",
    "SurfaceScene",
]


class CurveScene(DescentScene):
    """Storyboard of a 1-D comparison: the loss curve, one dot per optimizer, a legend.

    Hooks: :meth:`annotate` (extra labels on the curve). Layout: ``plot_width``,
    ``plot_height``, ``plot_center``, ``y_range``.
    """

    plot_width: ClassVar[float] = 6.8
    plot_height: ClassVar[float] = 4.9
    plot_center: ClassVar[np.ndarray] = LEFT * 2.0 + DOWN * 0.4
    y_range: ClassVar[tuple[float, float] | None] = None
    #: the tangent at each dot, the gradient step −lr·g (and momentum's −lr·b) as arrows
    #: along w at their true length, and the slope in the legend
    show_gradient: ClassVar[bool] = True
    #: every run's dot radius (scene units); the minima's names keep clear of a beat's ring
    #: round a dot resting there
    dot_size: ClassVar[float] = 0.11

    def annotate(self, land: Landscape, area: PlotArea) -> None:
        """Add static annotations (called before anything moves)."""

    def construct(self) -> None:
        # -- data --
        land, trajs = self.simulate()
        colors = self.colors_for(trajs)
        # -- static background --
        self.add_title()
        area = self.curve_area(
            land,
            width=self.plot_width,
            height=self.plot_height,
            center=self.plot_center,
            y_range=self.y_range,
            dot_radius=self.dot_size,
        )
        self.annotate(land, area)
        # -- moving parts on one clock --
        self.make_clock([(area, self.path_of(t)) for t in trajs])
        tracks = [
            self.track(
                t,
                area,
                c,
                markers=True,
                radius=self.dot_size,
                arrows=self.curve_arrows(t),
                arrow_range=(0.0, 3.0),
            )  # fmt: skip
            for t, c in zip(trajs, colors, strict=True)
        ]
        tangents = (
            [
                tangent_line(tr, t.grad[:, 0], self.clock)
                for tr, t in zip(tracks, trajs, strict=True)
            ]
            if self.show_gradient
            else []
        )
        # -- legend with live loss (and slope), step counter --
        left = area.to_scene(np.array([area.x_range[1], 0.0]))[0] + 0.6
        room = safe_box()[1] - left
        legend = self.fitted_legend(trajs, colors, room, font_size=22)
        legend.shift(RIGHT * (left - legend.get_left()[0]))
        legend.shift(UP * (0.6 - legend.get_center()[1]))
        counter = (
            step_counter(self.clock, self.theme)
            .next_to(legend, UP, buff=0.4)
            .align_to(legend, LEFT)
        )
        self.add_layered(legend, counter, *tangents, *reversed(tracks))
        # -- run --
        self.play_steps()
        self.finish()

    def curve_arrows(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        """Along w: the gradient step −lr·g and, for momentum, the step −lr·b it takes."""
        return step_arrows_1d(traj) if self.show_gradient else None

    def legend(self, trajs: Sequence[Trajectory], colors: Sequence[str], **kw: Any) -> Legend:
        if not self.show_gradient:
            return super().legend(trajs, colors, **kw)

        def readout(traj: Trajectory, t: int) -> str:
            return f"loss {fmt_value(float(traj.loss[t]), 3)}   f′ {fmt_value(float(traj.grad[t, 0]), 3)}"

        return super().legend(trajs, colors, font_size=kw.get("font_size", 22), readout=readout)


class SurfaceScene(DescentScene):
    """Storyboard of a 2-D comparison: heat map + contours, dots with trails, legend, side panel.

    Hooks: :meth:`view_for` (view box), :meth:`arrows_for` (arrows on a dot),
    :meth:`panel_series` (side panel curves), :meth:`panel_guides` (lines on the panel),
    :meth:`before_run` (a slowed-down prelude). The side panel, when shown, is
    ``self.panel``.
    """

    plot_width: ClassVar[float] = 6.0
    plot_height: ClassVar[float] = 5.0
    plot_center: ClassVar[np.ndarray] = LEFT * 2.6 + DOWN * 0.3
    #: colour the heat map by log loss; ``None``: when the loss over the view spans several
    #: decades (:func:`~descent.scenes.kit.plot.wants_log_heat`)
    log_heat: ClassVar[bool | None] = None
    markers: ClassVar[bool] = False
    panel_log: ClassVar[bool] = True
    panel_label: ClassVar[str] = "loss"
    panel_y_range: ClassVar[tuple[float, float] | None] = None
    auto_view: ClassVar[bool] = False
    legend_font: ClassVar[int] = 24
    show_panel: ClassVar[bool] = True
    #: name each run at its panel curve's end (from this many runs on; 0: never)
    direct_labels_from: ClassVar[int] = 5
    #: show torch's update rule with the live numbers of ``trajs[update_index]``
    show_update: ClassVar[bool] = False
    update_index: ClassVar[int] = 0
    #: shortest and longest arrow on screen (scene units); a single length, ``(L, L)``, draws
    #: every arrow at that length: directions only (say so on screen)
    arrow_range: ClassVar[tuple[float, float]] = (0.25, 2.2)
    #: a view box of its own (else the landscape's, or ``auto_view``)
    view: ClassVar[tuple[tuple[float, float], ...] | None] = None

    def view_for(
        self, land: Landscape, trajs: Sequence[Trajectory]
    ) -> tuple[tuple[float, float], ...]:
        if self.view is not None:
            return self.view
        return auto_view(land, [self.path_of(t) for t in trajs]) if self.auto_view else land.view

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        return None

    def dot_radius(self, index: int, count: int) -> float:
        """The dot radius (scene units) of run ``index`` of ``count``: one size for every run.

        A dot's size says nothing about its run (a class reads a larger dot as a property of
        the optimizer, and a 12-start swarm became a ladder of 8- to 50-px discs when each
        later run's dot grew); runs at one point are told apart by the legend and their
        trails. A scene may override this (SaddleEscape nests its two runs' shared start)."""
        return 0.09

    def ghost_for(self, traj: Trajectory) -> np.ndarray | None:
        return None

    def shared_starts(self, tracks: Sequence[Track]) -> list[Mobject]:
        """Where runs start at one point (their dots, all one size, hide each other): a
        ring per run round it in the run's colour, nested outwards in run order, so the
        start shows who is there. Only where runs coincide; static (in the background)."""
        rings: list[Mobject] = []
        done: set[int] = set()
        for i, a in enumerate(tracks):
            if i in done or not len(a.screen):
                continue
            group = [
                j
                for j, b in enumerate(tracks)
                if j >= i
                and len(b.screen)
                and np.linalg.norm(np.asarray(b.screen[0]) - a.screen[0]) < a.radius
            ]
            done.update(group)
            if len(group) < 2:
                continue
            for n, j in enumerate(group, 1):
                ring = Circle(radius=a.radius + 0.05 * n, color=tracks[j].color, stroke_width=2.5)
                rings.append(ring.move_to(a.screen[0]))
        return rings

    def update_rule(
        self, trajs: Sequence[Trajectory], colors: Sequence[str], above: Mobject
    ) -> Mobject:
        """The update rule of ``trajs[update_index]`` under ``above``, in its colour."""
        k = self.update_index
        rule = UpdateRule(trajs[k], self.clock, self.theme, color=colors[k])
        return rule.next_to(above, DOWN, buff=0.35).align_to(above, LEFT)

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        return [np.asarray(t.loss) for t in trajs]

    def panel_guides(
        self, panel: LossPanel, land: Landscape, trajs: Sequence[Trajectory]
    ) -> list[Mobject]:
        """What is drawn on the side panel besides its curves (a threshold the story names,
        in the panel's own coordinates: ``panel.area``); the base draws nothing."""
        return []

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        """Runs after everything is on screen, before the clock runs to the end."""

    def construct(self) -> None:
        # -- data --
        land, trajs = self.simulate()
        colors = self.colors_for(trajs)
        # -- static background first --
        self.add_title()
        area = self.surface_area(
            land,
            view=self.view_for(land, trajs),
            width=self.plot_width,
            height=self.plot_height,
            center=self.plot_center,
            log=self.log_heat,
            avoid=[self.path_of(t) for t in trajs],  # contour labels keep clear of the runs
        )
        # -- moving parts on one clock --
        self.make_clock([(area, self.path_of(t)) for t in trajs])
        tracks = [
            self.track(
                t,
                area,
                c,
                markers=self.markers,
                arrows=self.arrows_for(t),
                ghost=self.ghost_for(t),
                radius=self.dot_radius(i, len(trajs)),
                arrow_range=self.arrow_range,
            )
            for i, (t, c) in enumerate(zip(trajs, colors, strict=True))
        ]
        self.add(*self.shared_starts(tracks))  # static, under the dots
        # -- side: legend with live loss, synced panel --
        column_left = max(area.frame.get_right()[0] + 0.6, area.right + 0.3)
        counter = step_counter(self.clock, self.theme)
        counter.shift(
            RIGHT * (column_left - counter.get_left()[0]) + UP * (2.45 - counter.get_top()[1])
        )
        legend = self.fitted_legend(
            trajs, colors, safe_box()[1] - column_left, font_size=self.legend_font
        )
        legend.next_to(counter, DOWN, buff=0.3).align_to(counter, LEFT)
        parts: list[Mobject] = [legend, counter]
        room = legend.get_bottom()[1] - safe_box()[2] - 0.75
        if self.show_update:  # the rule with live numbers takes the panel's place
            parts.append(self.update_rule(trajs, colors, legend))
        elif self.show_panel and room > 1.6:
            named = 0 < self.direct_labels_from <= len(trajs)
            series = self.panel_series(land, trajs)

            def loss_panel(width: float, height: float) -> Mobject:
                panel = LossPanel(
                    list(zip(colors, series, strict=True)),
                    self.clock,
                    self.theme,
                    log=self.panel_log,
                    y_label=self.panel_label,
                    y_range=self.panel_y_range,
                    height=height,
                    width=width,
                    names=[t.label for t in trajs] if named else None,
                )
                return to_safe_corner(panel, RIGHT + DOWN, buff=0.1)

            width = min(4.6, safe_box()[1] - column_left - 0.5 - (1.2 if named else 0.0))
            height = min(2.6, room - 0.6)
            panel = loss_panel(width, height)
            overhang = column_left - panel.get_left()[0]  # its y label reaches into the plot's
            over = panel.get_top()[1] - (legend.get_bottom()[1] - 0.2)  # names above its box
            if overhang > 0 or over > 0:
                panel = loss_panel(width - max(overhang, 0.0), height - max(over, 0.0))
            self.panel = panel
            parts.append(panel)
            parts.extend(self.panel_guides(panel, land, trajs))
        self.add_layered(*parts, *reversed(tracks))
        # -- run --
        self.before_run(land, area, trajs, tracks)
        self.play_steps()
        self.finish()
