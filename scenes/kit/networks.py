"""Real networks on screen: one shared projection plane, and the model in data space.

:class:`NetworkScene` runs several optimizers from one initialisation of a network and
draws them on one plane through parameter space (:func:`descent.engine.pca_plane` or Li
et al.'s :func:`descent.engine.random_plane`): the true loss on that plane as a heat map,
each run's projected path, and beside it what each network does in data space at that
step's *true* parameters: its decision boundary (:func:`boundary_track`) or its fitted
curve (:func:`curve_track`). Every number is computed before the first frame; updaters
only pick the precomputed step.

The picture is honest about what it leaves out: the plane's share of the runs' movement,
and for each optimizer the distance of its point from the plane and the loss the plane
shows under its dot beside its true loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Circle, Dot, Mobject, VGroup, VMobject

from descent import engine
from descent.engine import Landscape, Plane, Trajectory
from descent.engine.network import outputs
from descent.scenes.kit.clock import StepClock
from descent.scenes.kit.plot import (
    PlotArea,
    colorbar,
    contour_labels,
    contours,
    heatmap,
    iso_lines,
    plot_area,
    polyline_points,
)
from descent.scenes.kit.readouts import Legend, LossPanel, step_counter
from descent.scenes.kit.scene import DescentScene
from descent.scenes.kit.story import Beat, event_story, runs_text
from descent.scenes.kit.text import fmt_value, halo, label, safe_box
from descent.scenes.kit.theme import Theme
from descent.scenes.kit.tracks import last_finite

__all__ = [
    "NetworkScene",
    "equal_view",
    "data_points",
    "boundary_track",
    "curve_track",
]


def equal_view(
    points: np.ndarray, width: float, height: float, *, pad: float = 0.18
) -> tuple[tuple[float, float], tuple[float, float]]:
    """A view box around ``points`` ``(n, 2)`` with equal units on both axes for a plot of
    ``width × height`` (distances on the plane are distances in parameter space)."""
    pts = points[np.isfinite(points).all(1)]
    lo, hi = pts.min(0), pts.max(0)
    span = np.maximum(hi - lo, 1e-6) * (1 + 2 * pad)
    centre = (lo + hi) / 2
    scale = max(span[0] / width, span[1] / height)
    half = np.array([width, height]) * scale / 2
    return (
        (float(centre[0] - half[0]), float(centre[0] + half[0])),
        (float(centre[1] - half[1]), float(centre[1] + half[1])),
    )


def data_points(
    area: PlotArea, x: np.ndarray, y: np.ndarray, theme: Theme, *, classes: bool
) -> VGroup:
    """The data set as small dots: coloured by class (two neutral colours), or ``(x, y)``
    pairs of a 1-D regression."""
    if classes:
        shades = [theme.text, theme.heat[-1], theme.muted]
        pts = area.to_scene(x[:, :2])
        return VGroup(
            *[
                Dot(p, radius=0.04, color=shades[int(c) % len(shades)], fill_opacity=0.85)
                for p, c in zip(pts, y, strict=True)
            ]
        )
    pts = area.to_scene(np.stack([x[:, 0], y.ravel()], -1))
    return VGroup(*[Dot(p, radius=0.035, color=theme.muted) for p in pts])


def boundary_track(
    area: PlotArea,
    logits: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    clock: StepClock,
    color: str,
) -> VMobject:
    """A classifier's decision boundary at every recorded step, switched by the clock.

    ``logits`` ``(steps+1, len(ys), len(xs), classes)`` are the network's outputs on a
    data-space grid at each step's parameters. The boundary is where the top class
    changes: the zero line of (class-1 logit − class-0 logit) for two classes, else of
    each class's margin over the best other class. All contours are computed here,
    before the first frame.
    """
    frames = []
    for grid in logits:
        if grid.shape[-1] == 2:
            lines = iso_lines(grid[..., 1] - grid[..., 0], xs, ys, 0.0)
        else:
            lines = []
            for k in range(grid.shape[-1]):
                others = np.delete(grid, k, axis=-1).max(-1)
                lines += iso_lines(grid[..., k] - others, xs, ys, 0.0)
        frames.append(polyline_points(lines, area))
    line = VMobject(stroke_color=color, stroke_width=4)
    shown = [-1]
    held = last_finite(logits)  # a network whose parameters turned non-finite stays as it was

    def refresh(m: VMobject) -> None:
        t = int(held[clock.nearest(len(frames) - 1)])
        if t != shown[0]:
            shown[0] = t
            pts = frames[t]
            m.set_points(pts if len(pts) else np.zeros((4, 3)))
            m.set_stroke(opacity=1.0 if len(pts) else 0.0)

    refresh(line)
    line.add_updater(refresh)
    return line


def curve_track(
    area: PlotArea, xs: np.ndarray, values: np.ndarray, clock: StepClock, color: str
) -> VMobject:
    """A regression network's fitted curve ``values[t]`` over ``xs``, between steps
    interpolated linearly (arithmetic on the recorded outputs)."""
    values = np.asarray(values)[last_finite(values)]  # held at its last finite step
    grid = np.broadcast_to(xs, values.shape)
    shown = np.clip(values, *area.y_range)  # stays in view
    screens = area.to_scene(np.stack([grid, shown], -1))
    line = VMobject(stroke_color=color, stroke_width=4)

    def refresh(m: VMobject) -> None:
        s = min(max(clock.step(), 0.0), len(screens) - 1)
        i = int(math.floor(s))
        j = min(i + 1, len(screens) - 1)
        f = s - i
        m.set_points_as_corners((1 - f) * screens[i] + f * screens[j])

    refresh(line)
    line.add_updater(refresh)
    return line


class NetworkScene(DescentScene):
    """Several optimizers on one network: a shared plane (left), data space and loss (right).

    Class attributes, besides :class:`DescentScene`'s: ``projection`` (``"pca"`` or
    ``"random"``), ``projection_seed``, ``resolution`` (surface grid per side),
    ``data_resolution`` (data-space grid per side for decision boundaries). Hook:
    :meth:`data_space` draws the models in data space. A variant is a subclass that sets
    ``landscape_params`` (data set, hidden sizes, activation, …) and ``optimizers``.
    """

    landscape: ClassVar[str] = "mlp"
    projection: ClassVar[str] = "pca"
    projection_seed: ClassVar[int] = 0
    resolution: ClassVar[int] = 100
    data_resolution: ClassVar[int] = 70
    plot_width: ClassVar[float] = 4.6
    plot_height: ClassVar[float] = 4.3
    steps: ClassVar[int] = 200
    motion_time: ClassVar[float] = 10.0
    show_panel: ClassVar[bool] = True
    panel_log: ClassVar[bool] = True

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The network and data from the landscape, who is who on screen, then the runs'
        events (:func:`~descent.scenes.kit.story.event_story`)."""
        land, trajs = cls.simulate()
        opening = (
            f"A real network, {land.description}. {runs_text(cls.specs(), cls.story_theme())}"
            " all start from the same initialisation."
        )
        return event_story(land, trajs, cls.story_theme(), steps=cls.steps, opening=opening)

    @classmethod
    def setup_line(cls) -> str | None:
        """The network on one line, the runs on a second (:func:`title_block` sets each at
        full size): ``cross_entropy of mlp 2-16-16-2 tanh on moons (354 parameters) on 200
        rows`` / ``SGD lr 0.5, Momentum (lr 0.1, momentum 0.9), Adam lr 0.02, 200 steps``.
        On one line the two were 143 characters, shrunk to 12 pt (a capital ~11 px)."""
        line = super().setup_line()
        if line is None:
            return None
        land = cls.get_landscape()
        head = f"{land.formula}: "
        runs = line[len(head) :] if line.startswith(head) else line
        return f"{land.formula}\n{runs}"

    # -- data -----------------------------------------------------------------------------------
    def plane_for(self, land: Landscape, trajs: Sequence[Trajectory]) -> Plane:
        """The shared plane: PCA of every run, or a filter-normalised random plane."""
        if self.projection == "random":
            return engine.random_plane(land, seed=self.projection_seed)
        return engine.pca_plane(list(trajs))

    def path_of(self, traj: Trajectory) -> np.ndarray:
        return self.plane.coords(traj)

    def surface_landscape(self, land: Landscape, trajs: Sequence[Trajectory]) -> Landscape:
        """The landscape the plane's surface is drawn from: a module with buffers
        (BatchNorm) gets those of the first run's end (eval mode); others, ``land``."""
        return engine.with_buffers(land, trajs[0]) if trajs[0].buffers else land

    # -- the parts ------------------------------------------------------------------------------
    def plane_area(self, land: Landscape, trajs: Sequence[Trajectory]) -> PlotArea:
        """The loss on the plane (heat map, contours) with the start marked, added now."""
        coords = np.concatenate([self.path_of(t) for t in trajs], 0)
        view = equal_view(coords, self.plot_width, self.plot_height)
        names = ("PC 1", "PC 2") if self.plane.kind == "pca" else ("direction 1", "direction 2")
        area = plot_area(
            *view,
            width=self.plot_width,
            height=self.plot_height,
            theme=self.theme,
            labels=names,
            font_size=18,
        )
        area.axes.shift(LEFT * 3.15 + DOWN * 0.05 - area.center)
        xs = np.linspace(*view[0], self.resolution)
        ys = np.linspace(*view[1], self.resolution)
        z = self.plane.surface(self.surface_landscape(land, trajs), xs, ys)
        self.add(heatmap(z, area, self.theme, log=True), contours(z, area, self.theme, log=True))
        paths = [self.path_of(t) for t in trajs]
        self.add(
            self.give_way(contour_labels(z, area, self.theme, log=True, avoid=paths, font_size=15))
        )
        area.colorbar = colorbar(z, area, self.theme, log=True, width=0.13, buff=0.1, font_size=14)
        self.add(area.axes, area.colorbar)
        start = area.to_scene(self.path_of(trajs[0])[0])
        ring = Circle(radius=0.12, color=self.theme.text, stroke_width=3).move_to(start)
        name = halo(label("init", 18, self.theme.text), self.theme)  # over the contours
        self.add(ring, name.next_to(ring, DOWN + LEFT, buff=0.04))
        return area

    def fidelity_caption(self, trajs: Sequence[Trajectory], area: PlotArea) -> VGroup:
        """What the plane leaves out, in words, under the plot."""
        share = self.plane.captured(list(trajs))
        if self.plane.kind == "pca":  # short: it ends clear of the data panel's ticks
            first = f"PCA plane: {100 * share:.1f}% of the {len(trajs)} runs' Σ‖θₜ − θ₀‖²"
        else:
            first = f"random filter-normalised plane: {100 * share:.1f}% of Σ‖θₜ − θ₀‖²"
        lines = VGroup(
            label(first, 17, self.theme.muted),
            label("dots: projections; off: distance from the plane", 17, self.theme.muted),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if trajs[0].buffers:  # which running statistics the pictures use, said on screen
            lines.add(
                label(
                    f"surface: eval mode, buffers of {trajs[0].label}'s last step; loss: each step's",
                    17,
                    self.theme.muted,
                )
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        box = area.frame[0]  # the plot's rectangle (the frame also holds ticks and labels)
        return lines.next_to(area.frame, DOWN, buff=0.1).align_to(box, LEFT)

    def data_space(
        self, land: Landscape, trajs: Sequence[Trajectory], colors: Sequence[str]
    ) -> list[Mobject]:
        """Draw the data (added now) and return the moving models, one per run: decision
        boundaries for a classifier of 2 features, fitted curves for a regression of 1,
        nothing for other data (the plane and the loss still tell the story)."""
        x, y = land.data
        task = land.network.task
        if task == "classification" and x.shape[1] == 2:
            lo, hi = x.min(0) - 0.25, x.max(0) + 0.25
            area = self.data_area((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])))
            self.add(area.axes, data_points(area, x, y, self.theme, classes=True))
            xs = np.linspace(lo[0], hi[0], self.data_resolution)
            ys = np.linspace(lo[1], hi[1], self.data_resolution)
            grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
            return [
                boundary_track(
                    area,
                    outputs(land, t.params, grid).reshape(len(t.params), len(ys), len(xs), -1),
                    xs,
                    ys,
                    self.clock,
                    c,
                )
                for t, c in zip(trajs, colors, strict=True)
            ]
        if task == "regression" and x.shape[1] == 1 and y.reshape(len(y), -1).shape[1] == 1:
            pad_x, pad_y = 0.05 * np.ptp(x), 0.2 * np.ptp(y)
            x_range = (float(x.min() - pad_x), float(x.max() + pad_x))
            area = self.data_area(x_range, (float(y.min() - pad_y), float(y.max() + pad_y)))
            self.add(area.axes, data_points(area, x, y, self.theme, classes=False))
            xs = np.linspace(*x_range, 160)
            return [
                curve_track(area, xs, outputs(land, t.params, xs[:, None])[..., 0], self.clock, c)
                for t, c in zip(trajs, colors, strict=True)
            ]
        return []

    def data_area(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> PlotArea:
        area = plot_area(
            x_range, y_range, width=2.5, height=2.3, theme=self.theme, font_size=16, labels=None
        )
        area.axes.shift(RIGHT * 1.85 + DOWN * 1.65 - area.center)
        return area

    # -- the storyboard -------------------------------------------------------------------------
    def construct(self) -> None:
        # -- data: the runs, the plane, what the plane shows under each dot --
        land, trajs = self.simulate()
        self.plane = self.plane_for(land, trajs)
        colors = self.colors_for(trajs)
        off = {id(t): self.plane.residual(t) for t in trajs}
        surface = self.surface_landscape(land, trajs)
        under = {id(t): self.plane.projected_loss(surface, t) for t in trajs}

        # -- static background first: title, the plane, the data --
        title = self.add_title()
        area = self.plane_area(land, trajs)
        self.add(self.fidelity_caption(trajs, area))
        self.make_clock([(area, self.path_of(t)) for t in trajs])
        models = self.data_space(land, trajs, colors)

        # -- moving parts: tracks on the plane, models in data space, legend, loss --
        tracks = [
            self.track(t, area, c, path=self.path_of(t)) for t, c in zip(trajs, colors, strict=True)
        ]

        def readout(traj: Trajectory, t: int) -> str:
            true, shown = float(traj.loss[t]), float(under[id(traj)][t])
            return f"loss {short(true)}  plane {short(shown)}  off {float(off[id(traj)][t]):.2f}"

        counter = step_counter(self.clock, self.theme, font_size=22)
        column_left = max(-0.45, area.right + 0.25)  # right of the plane's colour bar
        top = min(2.5, float(title.get_bottom()[1]) - 0.14)  # under a two-line subtitle
        counter.shift(
            RIGHT * (column_left - counter.get_left()[0]) + UP * (top - counter.get_top()[1])
        )
        legend = self.legend(trajs, colors, font_size=19, readout=readout)
        if isinstance(legend, Legend):
            legend.fit(safe_box()[1] - counter.get_left()[0])
        legend.next_to(counter, DOWN, buff=0.14).align_to(counter, LEFT)
        parts: list[Mobject] = [counter, legend]
        if self.show_panel:
            # its box's bottom at y −2.8; its top under the legend (a two-line subtitle
            # moves the legend down), at most 2.3 tall
            floor = -2.8
            height = min(2.3, float(legend.get_bottom()[1]) - 0.25 - floor)
            panel = LossPanel(
                [(c, t.loss) for t, c in zip(trajs, colors, strict=True)],
                self.clock,
                self.theme,
                width=1.8,
                height=height,
                log=self.panel_log,
                y_label="true loss",
            )
            panel.shift(
                RIGHT * (5.3 - panel.area.center[0])
                + UP * (floor + height / 2 - panel.area.center[1])
            )
            parts.append(panel)
        self.add_layered(*parts, *models, *reversed(tracks))

        # -- run --
        self.play_steps()
        self.finish()


def short(v: float) -> str:
    """A loss for a crowded read-out: 3 significant digits (∞ for overflow)."""
    if not math.isfinite(v) or (v != 0 and not 1e-3 <= abs(v) < 1e4):
        return fmt_value(v)
    return fmt_value(v, 3)
