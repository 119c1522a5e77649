"""RateMap: the convergence rate of momentum over (learning rate, momentum), measured.

Goh's "Why Momentum Really Works" (Distill, 2017) explains momentum with a map of the
convergence rate of the heavy-ball method over step size α and momentum β on a quadratic.
Here the map is *measured*: 10,000 exact ``torch.optim.SGD`` runs (100 × 100 values of lr
and momentum, 200 steps each, one torch pass) on ½(x² + 10y²), each run's rate measured
from its recorded steps (:func:`descent.engine.convergence_rate`, ``method="fit"``). The
rate-1 contour is where runs start to diverge. The measured optimum sits beside the
closed form α* = (2 / (√λ₁ + √λₙ))², β* = ((√κ − 1) / (√κ + 1))², rate (√κ − 1) / (√κ + 1).

A cursor travels through the map — crawling, near the optimum, ringing, diverging — while
the inset shows the run under it; below, plain SGD's measured rate against lr, optimal at
lr = 2 / (λ₁ + λₙ). The sweeps are cached: a render after the first is fast.

Render: ``manim -ql scenes/rate_map.py RateMap``
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.scenes.kit import (
    Beat,
    DescentScene,
    PlotArea,
    StepClock,
    heatmap,
    label,
    level_label,
    level_line,
    live_text,
    minimum_star,
    plot_area,
    region_tint,
)
from descent.scenes.kit.scene import computed
from descent.scenes.kit.theme import color_name, shade_of_low

__all__ = ["RateMap"]


class RateMap(DescentScene):
    description = (
        "measured convergence rate of SGD + momentum over (lr, momentum) vs the closed form"
    )
    title = "Where momentum converges fastest"
    landscape = "ellipse"
    condition = 10.0
    start = (-5.0, 2.0)
    steps = 200
    lrs = tuple(np.linspace(0.004, 0.4, 100).round(6))
    momenta = tuple(np.linspace(0.0, 0.99, 100).round(6))
    #: plain SGD's lrs: the map's whole lr range, so every lr the cursor visits is on it
    sgd_lrs = tuple(np.linspace(0.002, 0.4, 200).round(6))
    #: where the cursor stops (lr, momentum): crawling, ringing, beyond the rate-1 line; the
    #: critical-damping stop is the closed form's (α*, β*) and the on-the-line stop is found
    #: on the measured map at ``edge_momentum`` (see :meth:`tour_stops`)
    crawl = (0.02, 0.0)
    ring = (0.08, 0.9)
    #: the cursor then sweeps along the same momentum to this lr: the rate stays √β
    ring_sweep_to = 0.34
    edge_momentum = 0.7
    beyond = (0.38, 0.3)
    #: the smallest text on screen (Pango size; cap height ≈ 0.91 × this in px at 720p)
    smallest_font = 18
    motion_time = 12.0
    ease = False

    @classmethod
    def setup_line(cls) -> str:
        """``measured rate of 10,000 SGD runs on ½(x² + 10·y²), 200 steps each``."""
        runs = len(cls.lrs) * len(cls.momenta)
        return f"measured rate of {runs:,} SGD runs on {cls.get_landscape().formula}, {cls.steps} steps each"

    @computed
    def tour(cls) -> tuple[tuple[float, float, str], ...]:  # noqa: N805
        """The cursor's stops ``(lr, momentum, what happens there)``, from the map."""
        return cls.tour_stops()

    @classmethod
    def closed_form(cls) -> tuple[float, float, float]:
        """``(α*, β*, rate*)`` of heavy ball on ½(x² + κy²) (Goh 2017; Polyak 1964)."""
        root = math.sqrt(cls.condition)
        return (2 / (1 + root)) ** 2, ((root - 1) / (root + 1)) ** 2, (root - 1) / (root + 1)

    @classmethod
    def tour_stops(cls) -> tuple[tuple[float, float, str], ...]:
        """Crawling, critical damping (the closed form's α*, β*), ringing, on the measured
        rate-1 line at ``edge_momentum`` (the last lr whose rate is below 1), beyond it."""
        lrs, mus, rates = cls.rate_map()
        rate = rates["fit"]
        alpha, beta, _ = cls.closed_form()
        row = int(np.abs(mus - cls.edge_momentum).argmin())
        below = np.flatnonzero(np.isfinite(rate[:, row]) & (rate[:, row] < 1.0))
        edge = float(lrs[below[-1]]) if len(below) else float(lrs[-1])
        # the grid run nearest the closed form: the cursor, the narration and the SGD panel
        # all quote this one (α, β); the closed form itself is written apart, labelled
        i, j = cls.nearest(lrs, mus, np.array([alpha, beta]))
        return (
            (*cls.crawl, "crawling"),
            (float(lrs[i]), float(mus[j]), "nearest α*, β*"),
            (*cls.ring, "ringing"),
            (cls.ring_sweep_to, cls.ring[1], "ringing at any step size"),
            (edge, float(mus[row]), "last α below rate 1"),
            (*cls.beyond, "diverging"),
        )

    @classmethod
    def status(cls, value: float, next_value: float, stop: str | None) -> str:
        """The status line under the cursor, from the rate shown beside it (``value``) and
        the rate one grid step to the right (``next_value``): "diverging: rate ≥ 1" exactly
        when the rate is ≥ 1 or not finite; at a stop of the tour (``stop``) its name,
        which :meth:`tour_stops` chose to agree; else "converging: rate < 1", with "next
        α diverges" when the grid run to the right has rate ≥ 1."""
        if not (np.isfinite(value) and value < 1.0):
            return "diverging: rate ≥ 1"
        if stop is not None and stop != "diverging":
            return stop
        if not (np.isfinite(next_value) and next_value < 1.0):
            return "last α below rate 1"
        return "converging: rate < 1"

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """One beat per stop, when the cursor arrives there, narrated from the map."""
        theme = cls.story_theme()
        lrs, mus, rates = cls.rate_map()
        rate = rates["fit"]
        stops = cls.tour
        alpha, beta, best = cls.closed_form()
        sgd_lr, sgd_rate = cls.sgd_rates()
        k = int(np.argmin(sgd_rate))

        def at(stop: tuple[float, float, str]) -> str:
            value = rate[cls.nearest(lrs, mus, np.array(stop[:2]))]
            return "∞" if not np.isfinite(value) else f"{value:.3f}"

        step = float(lrs[1] - lrs[0])
        after = at((stops[4][0] + step, stops[4][1], ""))
        dirs = cls.direction_rates(*cls.nearest(lrs, mus, np.array(stops[1][:2])))
        star = np.unravel_index(np.argmin(np.where(np.isfinite(rate), rate, 9.0)), rate.shape)
        # the sweep along β: every grid run between the two ringing stops
        j = int(np.abs(mus - stops[2][1]).argmin())
        swept = (lrs >= min(stops[2][0], stops[3][0]) - 1e-9) & (
            lrs <= max(stops[2][0], stops[3][0]) + 1e-9
        )
        along = rate[swept, j]
        shade = shade_of_low(theme)
        line = color_name(theme.optimizer["vermillion"], theme)
        says = [
            f"Each pixel is one SGD run: {shade} means a smaller rate, the factor its error"
            f" shrinks by per step, measured from the run. The cursor starts at lr {stops[0][0]:g}"
            f" with no momentum: the run crawls, rate {at(stops[0])}.",
            f"The grid run nearest the closed form (ring: α* {alpha:.3f}, β* {beta:.3f}, where"
            f" both directions would shrink by {best:.3f} per step) is α {stops[1][0]:.3f},"
            f" β {stops[1][1]:.2f}: measured rate {at(stops[1])}. The rate has a sharp corner"
            f" at α*: {stops[1][0] - alpha:+.3f} in α and the steep direction y (the inset's"
            f" zig-zag) shrinks by {dirs[1]:.3f} per step, the shallow x by {dirs[0]:.3f}."
            f" The measured best, β {mus[star[1]]:.2f}, reaches {rate[star]:.3f}.",
            f"More momentum, β {stops[2][1]:g}, and the run overshoots and rings: the rate is"
            f" {at(stops[2])}, close to √β = {math.sqrt(stops[2][1]):.3f}.",
            f"Whatever the step size: along β {stops[2][1]:g}, the {int(swept.sum())} runs from lr"
            f" {stops[2][0]:g} to lr {stops[3][0]:g} (the {color_name(theme.text, theme)} line) all have a rate"
            + (
                f" of {np.nanmin(along):.3f}"
                if f"{np.nanmin(along):.3f}" == f"{np.nanmax(along):.3f}"
                else f" between {np.nanmin(along):.3f} and {np.nanmax(along):.3f}"
            )
            + f"; √β is {math.sqrt(stops[2][1]):.3f}.",
            f"The {line} line is rate 1. The cursor is at lr {stops[4][0]:g}, β"
            f" {stops[4][1]:g}, the last run of the grid below it (rate {at(stops[4])});"
            f" one grid step further the rate is {after}.",
            f"Past it every step overshoots by more than it corrects: rate {at(stops[5])}, the"
            " run diverges.",
            f"Below, plain SGD (momentum 0): its best is lr {sgd_lr[k]:.3f}, the closed form's"
            f" 2/(λ₁+λₙ) = {2 / (1 + cls.condition):.3f}, with rate {sgd_rate[k]:.3f}: slower"
            f" than momentum's best, {np.nanmin(rate):.3f}.",
        ]
        names = [stop[2] for stop in stops] + ["plain SGD"]
        steps = [i * cls.per_leg for i in range(len(stops))]
        steps.append(steps[-1] + cls.per_leg // 6)  # in the hold at the last stop
        subjects = [0] * len(stops) + [1]  # the cursor; then plain SGD's best (star)
        beats = [
            Beat(at_step, name, say, who)
            for at_step, name, say, who in zip(steps, names, says, subjects, strict=True)
        ]
        # the sweep along β is the beat's subject: its caption is up from the sweep's first
        # step to the stop it ends at, so the runs it speaks of are drawn under it
        k = names.index("ringing at any step size")
        beats[k] = replace(beats[k], step=steps[k - 1] + 1, until=steps[k])
        return tuple(beats)

    per_leg = 60

    # -- data ------------------------------------------------------------------------------------
    @classmethod
    def get_landscape(cls) -> engine.Landscape:
        return engine.get_landscape("ellipse", condition=cls.condition)

    @classmethod
    def momentum_sweep(cls) -> engine.Sweep:
        grid = {"lr": list(cls.lrs), "momentum": list(cls.momenta)}
        return engine.sweep(cls.get_landscape(), "SGD", grid=grid, start=cls.start, steps=cls.steps)

    @classmethod
    def rate_map(
        cls, result: engine.Sweep | None = None
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """``(lrs, momenta, {"fit": rates, "window": rates})`` of the measured map (of
        ``result``, the momentum sweep, when the caller has it already)."""
        result = result if result is not None else cls.momentum_sweep()
        rates = {
            m: engine.convergence_rate(result, (0.0, 0.0), method=m) for m in ("fit", "window")
        }
        return np.array(cls.lrs), np.array(cls.momenta), rates

    @classmethod
    def direction_rates(cls, i: int, j: int) -> tuple[float, float]:
        """The measured rate (``convergence_rate``, ``fit``) of grid run ``(i, j)`` along each
        axis of the valley apart: ``(x, y)``, x the shallow direction, y the steep one."""
        params = np.asarray(cls.momentum_sweep().params, dtype=np.float64)[i, j]
        return tuple(  # type: ignore[return-value]
            float(engine.convergence_rate(params[:, [k]], (0.0,), method="fit")) for k in range(2)
        )

    @classmethod
    def sgd_rates(cls) -> tuple[np.ndarray, np.ndarray]:
        """Plain SGD (momentum 0): ``(lrs, measured rates)``."""
        result = engine.sweep(
            cls.get_landscape(), "SGD", grid={"lr": list(cls.sgd_lrs)}, start=cls.start,
            steps=cls.steps,
        )  # fmt: skip
        return np.array(cls.sgd_lrs), engine.convergence_rate(result, (0.0, 0.0), method="fit")

    # -- the storyboard --------------------------------------------------------------------------
    def construct(self) -> None:
        # -- data: the measured map, plain SGD's rates, the closed form --
        result = self.momentum_sweep()
        lrs, mus, rates = self.rate_map(result)
        rate = rates["fit"]
        sgd_lr, sgd_rate = self.sgd_rates()
        root = math.sqrt(self.condition)
        closed = ((2 / (1 + root)) ** 2, ((root - 1) / (root + 1)) ** 2)
        best = np.unravel_index(np.argmin(np.where(np.isfinite(rate), rate, 9.0)), rate.shape)

        # -- static: the map with its divergence border and both optima --
        self.add_title()
        area = plot_area(
            (float(lrs[0]), float(lrs[-1])), (float(mus[0]), float(mus[-1])), width=5.2,
            height=3.8, theme=self.theme, labels=("learning rate α", "momentum β"),
            font_size=self.smallest_font,
        )  # fmt: skip
        area.axes.shift(LEFT * 2.75 + DOWN * 0.1 - area.center)
        shown = np.clip(np.where(np.isfinite(rate), rate, 2.0), 0.45, 1.02).T  # rows: momentum
        # diverging runs (rate ≥ 1 or no finite rate) tinted apart from the slow ones, whose
        # heat-map colour is nearly the same
        diverging = ~(np.isfinite(rate) & (rate < 1.0)).T
        divergence = self.theme.optimizer["vermillion"]
        self.add(heatmap(shown, area, self.theme), region_tint(diverging, area, divergence, 0.4))
        self.add(area.axes)
        for level in (0.6, 0.7, 0.8, 0.9):
            self.add(level_line(rate.T, area, level, color=self.theme.contour, width=1.2))
        for level in (0.6, 0.7, 0.8, 0.9):  # the contours' values written on them
            self.add(level_label(rate.T, area, level, self.theme, font_size=self.smallest_font))
        border = level_line(rate.T, area, 1.0, color=self.theme.optimizer["vermillion"], width=4)
        self.add(border, self.map_key(area))
        measured_at = area.to_scene(np.array([lrs[best[0]], mus[best[1]]]))
        closed_at = area.to_scene(np.array(closed))
        self.add(
            minimum_star(measured_at, self.theme),
            Circle(radius=0.16, color=self.theme.optimizer["yellow"], stroke_width=4).move_to(
                closed_at
            ),
        )
        note = VGroup(
            label(
                f"★ measured best: α {lrs[best[0]]:.3f}, β {mus[best[1]]:.2f}, rate {rate[best]:.3f}",
                self.smallest_font,
                self.theme.text,
            ),
            label(
                f"○ closed form: α* {closed[0]:.3f}, β* {closed[1]:.3f}, rate {(root - 1) / (root + 1):.3f}",
                self.smallest_font,
                self.theme.optimizer["yellow"],
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        self.add(note.next_to(area.frame, DOWN, buff=0.08).align_to(area.frame[0], LEFT))

        # -- static: the inset landscape and plain SGD's rate panel --
        inset = plot_area(
            (-6.0, 6.0), (-3.0, 3.0), width=3.6, height=1.8, theme=self.theme, ticks=False
        )
        inset.axes.shift(RIGHT * 3.75 + UP * 1.15 - inset.center)
        land = self.get_landscape()
        self.add(heatmap(land, inset, self.theme, resolution=120), inset.axes)
        sgd = plot_area(
            (0.0, float(sgd_lr[-1])), self.sgd_rate_range, width=3.6, height=1.3,
            theme=self.theme, labels=("lr (momentum 0)", "rate"), font_size=self.smallest_font,
        )  # fmt: skip
        sgd.axes.shift(RIGHT * 3.85 + DOWN * 2.05 - sgd.center)
        keep = sgd_rate <= self.sgd_rate_range[1]
        curve_pts = sgd.to_scene(np.stack([sgd_lr[keep], sgd_rate[keep]], -1))
        k = int(np.argmin(sgd_rate))
        sgd_note = label(
            f"SGD best: lr {sgd_lr[k]:.3f}, rate {sgd_rate[k]:.3f}",
            self.smallest_font,
            self.theme.muted,
        )
        self.sgd_star = minimum_star(
            sgd.to_scene(np.array([sgd_lr[k], sgd_rate[k]])), self.theme
        ).scale(0.8)
        self.add(
            sgd.axes,
            VMobject(stroke_color=self.theme.text, stroke_width=3).set_points_as_corners(curve_pts),
            self.sgd_star,
            sgd_note.next_to(sgd.frame, UP, buff=0.42).align_to(sgd.frame[0], LEFT),
        )
        self.sgd_note = sgd_note  # the live read-out goes under it

        # -- moving: the cursor's tour, the run under it, the read-out --
        cursor_path = self.tour_points()
        self.clock = StepClock(len(cursor_path) - 1)
        index = [self.nearest(lrs, mus, p) for p in cursor_path]
        cursor = self.cursor(area, cursor_path)
        self.subjects = [cursor, self.sgd_star]  # what the beats mark
        run_line = self.run_under_cursor(inset, result, index)
        sgd_marker, sgd_readout = self.sgd_marker(sgd, sgd_lr, sgd_rate, cursor_path)
        swept = self.sweep_line(area, cursor_path)
        readout = live_text(
            self.clock,
            lambda t: self.describe(lrs, mus, rate, index[t]),
            self.theme,
            font_size=20,
            color=self.theme.text,
        )
        readout.next_to(inset.frame, DOWN, buff=0.12).align_to(inset.frame[0], LEFT)
        regime = live_text(
            self.clock,
            lambda t: self.status_at(rate, index[t], cursor_path[t]),
            self.theme,
            font_size=20,
        )
        regime.next_to(readout, DOWN, buff=0.1).align_to(readout, LEFT)
        self.add_layered(swept, cursor, run_line, sgd_marker, sgd_readout, readout, regime)

        # -- run --
        self.play_steps()
        self.finish()

    # -- parts -----------------------------------------------------------------------------------
    def map_key(self, area: PlotArea) -> Mobject:
        """What the colours and the red line mean."""
        return (
            VGroup(
                label(
                    f"{shade_of_low(self.theme)}: faster (rate per step)",
                    self.smallest_font,
                    self.theme.muted,
                ),
                label(
                    f"{color_name(self.theme.optimizer['vermillion'], self.theme)}: rate 1"
                    " (diverges beyond)",
                    self.smallest_font,
                    self.theme.muted,
                ),
            )
            .arrange(DOWN, aligned_edge=LEFT, buff=0.06)
            .next_to(area.frame, UP, buff=0.08)
            .align_to(area.frame[0], LEFT)
        )

    def tour_points(self, per_leg: int | None = None) -> np.ndarray:
        """Cursor positions along the tour, ``per_leg`` per leg (then a pause at the end)."""
        per_leg = per_leg or self.per_leg
        stops = np.array([(a, b) for a, b, _ in self.tour])
        legs = [
            np.linspace(stops[i], stops[i + 1], per_leg, endpoint=False)
            for i in range(len(stops) - 1)
        ]
        return np.vstack([*legs, stops[-1:].repeat(per_leg // 3, 0)])

    @staticmethod
    def nearest(lrs: np.ndarray, mus: np.ndarray, point: np.ndarray) -> tuple[int, int]:
        return int(np.abs(lrs - point[0]).argmin()), int(np.abs(mus - point[1]).argmin())

    def cursor(self, area: PlotArea, path: np.ndarray) -> VGroup:
        ring = Circle(radius=0.13, color=self.theme.text, stroke_width=4)
        dot = Dot(radius=0.04, color=self.theme.text)
        group = VGroup(ring, dot)
        # a beat's ring (Emphasis) is sized from its dot: radius 0.18, just outside the cursor's
        # own ring (0.13), not 0.47, which reached the axis numbers and the key above the map
        group.dot = dot  # type: ignore[attr-defined]
        screen = area.to_scene(path)

        def refresh(m: VGroup) -> None:
            m.move_to(screen[self.clock.nearest(len(screen) - 1)])

        group.add_updater(refresh)
        return group

    def run_under_cursor(
        self, inset: PlotArea, result: engine.Sweep, index: list[tuple[int, int]]
    ) -> VGroup:
        """The whole recorded run for the grid point under the cursor (looked up)."""
        color = self.theme.optimizer["sky"]
        path = VMobject(stroke_color=color, stroke_width=2.5)
        end = Dot(radius=0.06, color=color)
        cache: dict[tuple[int, int], np.ndarray] = {}
        shown = [(-1, -1)]

        def refresh(m: VGroup) -> None:
            at = index[self.clock.nearest(len(index) - 1)]
            if at == shown[0]:
                return
            shown[0] = at
            if at not in cache:
                cache[at] = inset.to_scene(inset.display_path(np.asarray(result.params[at]))[0])
            pts = cache[at]
            path.set_points_as_corners(pts)
            end.move_to(pts[-1])

        group = VGroup(path, end)
        group.add_updater(refresh)
        refresh(group)
        return group

    #: the rate axis of plain SGD's panel; a rate above it is pinned at the top, written
    sgd_rate_range = (0.75, 1.05)

    def sgd_marker(
        self, sgd: PlotArea, lrs: np.ndarray, rates: np.ndarray, path: np.ndarray
    ) -> tuple[Dot, VGroup]:
        """Where the cursor's lr sits on plain SGD's curve, and a read-out of plain SGD's
        rate there. The lrs cover every lr the cursor visits; a rate past the panel's top
        (diverging) is pinned at the top edge as a ring, and the read-out says so."""
        marker = Dot(radius=0.07, color=self.theme.optimizer["sky"])
        top = self.sgd_rate_range[1]

        def at(t: int) -> tuple[int, float]:
            lr = path[t][0]
            k = int(np.abs(lrs - lr).argmin())
            return k, float(rates[k])

        def refresh(m: Dot) -> None:
            k, value = at(self.clock.nearest(len(path) - 1))
            m.move_to(sgd.to_scene(sgd.clamp(np.array([lrs[k], value]))))
            off = not (np.isfinite(value) and value <= top)
            m.set_fill(opacity=0.0 if off else 1.0)
            m.set_stroke(self.theme.optimizer["sky"], width=3 if off else 0)

        def text(t: int) -> str:
            k, value = at(t)
            if not (np.isfinite(value) and value <= top):
                shown = "∞" if not np.isfinite(value) else f"{value:.3f}"
                return f"at lr {lrs[k]:.3f}: rate {shown}, off the top"
            return f"at lr {lrs[k]:.3f}: rate {value:.3f}"

        marker.add_updater(refresh)
        refresh(marker)
        readout = live_text(
            self.clock, text, self.theme, font_size=self.smallest_font, color=self.theme.text
        )
        readout.next_to(self.sgd_note, DOWN, buff=0.08).align_to(self.sgd_note, LEFT)
        return marker, readout

    def sweep_line(self, area: PlotArea, path: np.ndarray) -> VMobject:
        """The cursor's sweep along one momentum (between the two ringing stops), drawn as
        it goes and kept: the runs the "whatever the step size" beat speaks of."""
        stops = [stop[2] for stop in self.tour]
        first = stops.index("ringing") * self.per_leg
        last = first + self.per_leg
        screen = area.to_scene(path)
        line = VMobject(stroke_color=self.theme.text, stroke_width=5)

        def refresh(m: VMobject) -> None:
            t = self.clock.nearest(len(path) - 1)
            end = min(t, last)
            if end <= first:
                m.set_points_as_corners(np.zeros((0, 3)))
                return
            m.set_points_as_corners(screen[first : end + 1])

        line.add_updater(refresh)
        refresh(line)
        return line

    def describe(
        self, lrs: np.ndarray, mus: np.ndarray, rate: np.ndarray, at: tuple[int, int]
    ) -> str:
        """The numbers under the cursor: ``α 0.231  β 0.27  rate 0.520``."""
        value = rate[at]
        shown = "∞" if not np.isfinite(value) else f"{value:.3f}"
        return f"α {lrs[at[0]]:.3f}  β {mus[at[1]]:.2f}  rate {shown}"

    def status_at(self, rate: np.ndarray, at: tuple[int, int], point: np.ndarray) -> str:
        """:meth:`status` for grid run ``at`` (the rate the read-out shows), named after the
        tour's stop when the cursor is at one."""
        value = float(rate[at])
        right = (min(at[0] + 1, rate.shape[0] - 1), at[1])
        if "_stops" not in self.__dict__:  # the tour is read from the sweep: once
            self._stops = self.tour
        stop = next(
            (name for a, b, name in self._stops if math.hypot(a - point[0], b - point[1]) < 1e-9),
            None,
        )
        return self.status(value, float(rate[right]), stop)
