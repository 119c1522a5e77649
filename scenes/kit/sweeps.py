"""Small multiples: one tile per run of a hyper-parameter sweep, all on one clock.

:class:`SweepScene` runs :func:`descent.engine.sweep` over a grid of one or two axes
(rows: the first axis, columns: the second) and draws every run on its own small heat map
of the same landscape. Tiles whose run diverges are pinned at the edge and tinted from
the step it diverges; at the end the fastest run's tile is outlined and named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, Mobject, Rectangle, VGroup, config

from descent import engine
from descent.engine import Landscape, Sweep
from descent.engine.events import overshoots
from descent.scenes.kit.clock import StepClock
from descent.scenes.kit.plot import (
    ColorBar,
    PlotArea,
    colorbar,
    contour_levels,
    contours,
    heatmap,
    plot_area,
)
from descent.scenes.kit.readouts import step_counter
from descent.scenes.kit.scene import DescentScene, computed
from descent.scenes.kit.story import (
    Beat,
    crossing_text,
    farthest_step,
    loss_of,
    number,
    pick_beats,
    point_text,
)
from descent.scenes.kit.text import halo, label, to_safe_corner
from descent.scenes.kit.theme import Theme, heat_scale
from descent.scenes.kit.tracks import Track, nan_text, set_shown

__all__ = [
    "SweepScene",
    "CONVERGED",
    "fastest_run",
    "steps_to_converge",
    "divergence_tint",
    "left_for_good",
]


#: "converged": within this fraction of the start's distance to the optimum
CONVERGED = 1e-3


def steps_to_converge(
    result: Sweep, optimum: Sequence[float] | None, *, tol: float = CONVERGED
) -> np.ndarray:
    """Per run: the first step within ``tol`` × the start's distance of the optimum (or,
    without one, within ``tol`` of the loss range of its best value); ``steps + 1`` if
    never."""
    if optimum is not None:
        dist = np.linalg.norm(np.asarray(result.params, np.float64) - np.asarray(optimum), axis=-1)
        target = tol * dist[..., :1]
        score = dist
    else:
        loss = np.asarray(result.loss, np.float64)
        best = np.nanmin(np.where(np.isfinite(loss), loss, np.nan))
        target = best + tol * np.maximum(loss[..., :1] - best, 1e-300)
        score = loss
    hit = np.isfinite(score) & (score <= target)
    return np.where(hit.any(-1), hit.argmax(-1), result.steps + 1)


def fastest_run(result: Sweep, optimum: Sequence[float] | None) -> tuple[int, ...]:
    """The index of the run that converges first (ties: the smaller final error)."""
    steps = steps_to_converge(result, optimum)
    if optimum is not None:
        final = np.linalg.norm(np.asarray(result.params[..., -1, :], np.float64) - optimum, axis=-1)
    else:
        final = np.asarray(result.loss[..., -1], np.float64)
    final = np.where(np.isfinite(final) & ~result.diverged, final, np.inf)
    order = np.lexsort((final.ravel(), np.where(result.diverged, np.inf, steps).ravel()))
    return tuple(int(i) for i in np.unravel_index(order[0], result.shape))


def left_for_good(out: np.ndarray, diverged_at: int) -> int | None:
    """The step from which a run is non-finite, or out of the view for the rest of the run
    (it is diverging), else ``None``."""
    if diverged_at >= 0:
        return int(diverged_at)
    inside = np.flatnonzero(~np.asarray(out))
    last_in = int(inside[-1]) if len(inside) else -1
    return last_in + 1 if last_in + 1 < len(out) else None


def divergence_tint(
    area: PlotArea, clock: StepClock, at: int, theme: Theme, *, word: str = "diverging"
) -> VGroup:
    """A tile's tint and the word "diverging" (or what happened instead: ``NaN from step 6``),
    shown from step ``at`` (see :func:`left_for_good`)."""
    tint = Rectangle(width=area.width, height=area.height, stroke_width=0)
    tint.set_fill(theme.optimizer["vermillion"], opacity=0.0).move_to(area.center)
    mark = halo(label(word, 16, theme.text), theme).move_to(area.center)
    mark.shift(DOWN * area.height * 0.3)
    mark.set_opacity(0.0)

    def refresh(m: VGroup) -> None:
        shown = clock.step() >= at
        set_shown(tint, shown, opacity=0.32)
        set_shown(mark, shown)

    group = VGroup(tint, mark)
    group.add_updater(refresh)
    group.tint_from = at  # the step it shows from (the html player draws it from this)
    return group


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(_value(x) for x in v) + ")"
    if isinstance(v, int | float | np.floating):  # a hyper-parameter as given: 0.16, not 0.1600
        return f"{float(v):g}".replace("-", "−")
    return str(v)


class SweepScene(DescentScene):
    """A grid of small multiples over ``grid`` (1 or 2 axes, at most 8 × 8 tiles).

    Class attributes: ``landscape``, ``landscape_params``, ``optimizer_name``, ``grid``
    (``{keyword: values}``), ``fixed`` (keywords shared by every run), ``start``,
    ``steps``, ``run_time``.
    """

    optimizer_name: ClassVar[str] = "SGD"
    #: the heat maps' resolution (samples a side) and contour levels, as the shared colour
    #: bar reads them
    heat_resolution: ClassVar[int] = 90
    contour_levels: ClassVar[int] = 6
    #: room kept right of the tiles for the shared colour bar and its numbers (scene units)
    colorbar_room: ClassVar[float] = 0.9
    #: the least distance between two of the colour bar's numbers (scene units)
    tick_gap: ClassVar[float] = 0.3
    grid: ClassVar[Mapping[str, Sequence[Any]]] = {}
    fixed: ClassVar[Mapping[str, Any]] = {}
    tile_color: ClassVar[str] = "sky"

    @computed
    def title(cls) -> str:  # noqa: N805
        """``lr × momentum: one run per tile`` (the swept keywords, torch's names)."""
        return f"{' × '.join(cls.grid)}: one run per tile"

    @classmethod
    def setup_line(cls) -> str | None:
        """``SGD on ½(x² + 10·y²) from (−5, 2), 60 steps; rows: lr, columns: momentum``."""
        land = cls.get_landscape()
        start = cls.start if cls.start is not None else land.default_start
        fixed = ", ".join(f"{k} {_value(v)}" for k, v in cls.fixed.items())
        names = list(cls.grid)
        axes = f"rows: {names[0]}, columns: {names[1]}" if len(names) == 2 else f"tiles: {names[0]}"
        return (
            f"{cls.optimizer_name}{f' ({fixed})' if fixed else ''} on {land.formula} from"
            f" {point_text(start)}, {cls.steps} steps; {axes}"
        )

    @classmethod
    def tile_text(cls, result: Sweep, index: tuple[int, ...]) -> str:
        """``lr 0.25, momentum 0``: a tile's values of the swept keywords."""
        return ", ".join(
            f"{n} {_value(result.grid[n][i])}" for n, i in zip(result.grid, index, strict=True)
        )

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The grid, then the sweep's events: the first tile to leave the view for good
        (diverging), the farthest overshoot of the optimum among the others,
        and the fastest tile (at its step within 1/1000 of the start's distance).

        A beat's ``subject`` is the tile's index in row-major order (the order of the tracks).
        """
        land, result = cls.run_sweep()
        names = list(result.grid)
        shape = result.shape
        n = int(np.prod(shape))
        values = [", ".join(_value(v) for v in result.grid[k]) for k in names]
        if len(names) == 2:
            layout = (
                f"{names[0]} grows down the rows ({values[0]}), {names[1]} across the"
                f" columns ({values[1]})"
            )
        else:
            layout = f"{names[0]} grows across the tiles ({values[0]})"
        beats: list[Beat] = [
            Beat(
                0, "one run per tile", f"{n} runs of {cls.optimizer_name}, one per tile: {layout}."
            )
        ]
        (x0, x1), (y0, y1) = land.view
        params = np.asarray(result.params, np.float64)
        inside = (
            np.isfinite(params).all(-1)
            & (params[..., 0] >= x0) & (params[..., 0] <= x1)
            & (params[..., 1] >= y0) & (params[..., 1] <= y1)
        )  # fmt: skip
        flat = [tuple(int(i) for i in ix) for ix in np.ndindex(*shape)]
        gone = {
            ix: at
            for ix in flat
            if (at := left_for_good(~inside[ix], int(result.diverged_at[ix]))) is not None
        }
        candidates: list[tuple[int, Beat]] = []
        if gone:
            first = min(gone, key=lambda ix: (gone[ix], flat.index(ix)))
            others = [ix for ix in gone if ix != first]
            also = (
                f"; {len(others)} more of the {n} tiles leave it by step {max(gone.values())}"
                if others
                else f"; it is the only one of the {n} tiles that does"
            )
            candidates.append(
                (
                    0,
                    Beat(
                        gone[first],
                        "diverging",
                        f"From step {gone[first]} the run at {cls.tile_text(result, first)} is out"
                        f" of its tile for good (tinted): it diverges{also}.",
                        flat.index(first),
                    ),
                )
            )
        opt = land.optimum
        if opt is not None:
            swings = [
                e
                for ix in flat
                if ix not in gone
                for e in overshoots(params[ix], opt, loss=loss_of(land), run=flat.index(ix))
                if e.kind == "overshoot"
            ]
            if swings:
                far = max(swings, key=lambda e: (e.values["depth"], -e.step))
                ix = flat[far.run]
                axis = int(far.values["coordinate"])
                name = (land.axis_labels or ("x", "y"))[axis]
                back = [
                    e
                    for e in overshoots(
                        params[ix], opt, coordinates=[axis], loss=loss_of(land), run=far.run
                    )
                    if e.kind == "swing_back"
                ]
                tail = f", and swings back at step {back[0].step}" if back else ""
                candidates.append(
                    (
                        1,
                        Beat(
                            farthest_step(far),
                            "the farthest overshoot",
                            f"The run at {cls.tile_text(result, ix)} overshoots"
                            + crossing_text(far, f" the minimum's {name} = {number(opt[axis])}")
                            + f" past it, the farthest of any tile{tail}.",
                            far.run,
                            (far, *back[:1]),
                        ),
                    )
                )
            best = fastest_run(result, opt)
            at = int(steps_to_converge(result, opt)[best])
            if at <= result.steps:
                candidates.append(
                    (
                        2,
                        Beat(
                            at,
                            "the fastest",
                            f"At step {at} the run at {cls.tile_text(result, best)} is the"
                            f" first within 1/{round(1 / CONVERGED)} of its start's distance to the minimum: the"
                            " fastest tile, outlined at the end.",
                            flat.index(best),
                        ),
                    )
                )
        return tuple(pick_beats(beats, candidates, steps=result.steps, most=3))

    @classmethod
    def run_sweep(cls) -> tuple[Landscape, Sweep]:
        """The landscape and every run of the grid (cached by the engine)."""
        land = cls.get_landscape()
        start = cls.start if cls.start is not None else land.default_start
        result = engine.sweep(
            land, cls.optimizer_name, grid=dict(cls.grid), start=start, steps=cls.steps,
            **dict(cls.fixed),
        )  # fmt: skip
        return land, result

    def layout(self, shape: tuple[int, ...], aspect: float) -> tuple[int, int, float, float]:
        """``(rows, cols, tile width, tile height)`` inside the frame below the title."""
        if len(shape) == 1:
            cols = min(shape[0], 8)
            rows = math.ceil(shape[0] / cols)
        else:
            rows, cols = shape
        if rows > 8 or cols > 8:
            raise engine.EngineError(
                f"a sweep scene shows at most 8 × 8 tiles; got {rows} × {cols}"
            )
        width = config.frame_width - 3.6 - self.colorbar_room
        height = config.frame_height - 3.3
        gap = 0.12
        tw = min((width - gap * (cols - 1)) / cols, (height - gap * (rows - 1)) / rows / aspect)
        return rows, cols, tw, tw * aspect

    def construct(self) -> None:
        # -- data: every run of the grid, the fastest one --
        land, result = self.run_sweep()
        names = list(result.grid)
        view = land.view
        aspect = (view[1][1] - view[1][0]) / (view[0][1] - view[0][0])
        rows, cols, tw, th = self.layout(result.shape, aspect)
        color = self.theme.optimizer[self.tile_color]

        # -- static: title, one small heat map per tile, axis labels --
        self.add_title()
        left = -(cols * tw + (cols - 1) * 0.12) / 2 + 0.9 - self.colorbar_room / 2
        top = config.frame_height / 2 - 1.85
        areas: dict[tuple[int, ...], PlotArea] = {}
        for index in np.ndindex(*result.shape):
            r, c = index if len(index) == 2 else divmod(index[0], cols)
            area = plot_area(view[0], view[1], width=tw, height=th, theme=self.theme, ticks=False)
            area.axes.shift(
                np.array([left + c * (tw + 0.12) + tw / 2, top - r * (th + 0.12) - th / 2, 0])
                - area.center
            )
            self.add(heatmap(land, area, self.theme, resolution=self.heat_resolution), area.axes)
            self.add(contours(land, area, self.theme, levels=self.contour_levels, resolution=70))
            areas[index] = area
        self.add(*self.axis_labels(result, areas, names))
        self.colorbar = self.loss_scale(land, areas)
        self.add(self.colorbar)

        # -- moving: one dot and trail per tile, tints from each divergence --
        paths = {i: np.asarray(result.params[i]) for i in areas}
        self.make_clock([(areas[i], p) for i, p in paths.items()], steps=result.steps)
        tracks = [
            Track(
                paths[i],
                areas[i],
                self.clock,
                color=color,
                theme=self.theme,
                radius=0.05,
                trail_width=2.5,
                pin_text=False,
                pin_length=0.1,  # shorter than the gap between tiles: it stays by its own tile
            )  # fmt: skip
            for i in areas
        ]
        tints = [
            divergence_tint(
                areas[i],
                self.clock,
                gone,
                self.theme,
                word="diverging" if track.nan_step is None else nan_text(track.nan_step),
            )
            for i, track in zip(areas, tracks, strict=True)
            if (gone := left_for_good(track.out, result.diverged_at[i])) is not None
        ]
        counter = step_counter(self.clock, self.theme, font_size=20)
        to_safe_corner(counter, DOWN + LEFT)
        self.add_layered(*tints, *tracks, counter)
        self.subjects = tracks  # what a beat marks: its tile's run (row-major, as the beats)

        # -- run, then the fastest tile --
        self.play_steps()
        self.add(*self.fastest_outline(land, result, areas))
        self.finish()

    def axis_labels(
        self, result: Sweep, areas: Mapping[tuple[int, ...], PlotArea], names: Sequence[str]
    ) -> list[Mobject]:
        """Values above the columns and left of the rows; the swept keywords named once
        (``momentum →`` before the column values, ``lr ↓`` beside the row values)."""
        out: list[Mobject] = []
        values = [list(result.grid[n]) for n in names]
        if len(names) == 2:
            row_values: list[Mobject] = []
            for c, v in enumerate(values[1]):
                box = areas[(0, c)].frame[0]
                out.append(label(_value(v), 18, self.theme.text).next_to(box, UP, 0.1))
            for r, v in enumerate(values[0]):
                box = areas[(r, 0)].frame[0]
                row_values.append(label(_value(v), 18, self.theme.text).next_to(box, LEFT, 0.15))
            out += row_values
            first = areas[(0, 0)].frame[0]
            across = label(f"{names[1]} →", 18, self.theme.muted).next_to(first, UP, 0.1)
            out.append(across.shift(LEFT * (across.get_right()[0] - first.get_left()[0] + 0.15)))
            down = label(f"{names[0]} ↓", 18, self.theme.muted)
            down.next_to(row_values[0], UP, buff=0.12).align_to(row_values[0], RIGHT)
            out.append(down)
        else:
            for (i,), area in areas.items():
                text = f"{names[0]} {_value(values[0][i])}"
                out.append(label(text, 16, self.theme.text).next_to(area.frame[0], UP, 0.06))
        return out

    def loss_scale(self, land: Landscape, areas: Mapping[tuple[int, ...], PlotArea]) -> ColorBar:
        """One colour bar for every tile (they share the landscape, the view and the heat
        map's scale), right of the grid and as tall as it. Its ticks are the contour levels
        the tiles draw (a tick's number is the loss of the lines in that colour), thinned
        to labels at least :attr:`tick_gap` apart; a short line across the bar marks every
        level."""
        top = max(float(a.frame[0].get_top()[1]) for a in areas.values())
        bottom = min(float(a.frame[0].get_bottom()[1]) for a in areas.values())
        right = max(float(a.frame[0].get_right()[0]) for a in areas.values())
        first = next(iter(areas.values()))
        xs = np.linspace(*first.x_range, 70)  # the contours' grid (contours(resolution=70))
        ys = np.linspace(*first.y_range, 70)
        levels = contour_levels(land.grid(xs, ys), levels=self.contour_levels)
        height = top - bottom - 0.3  # the title "loss" above it, inside the grid's height
        grid = (np.linspace(*r, self.heat_resolution) for r in (first.x_range, first.y_range))
        scale = heat_scale(land.grid(*grid), log=False)  # the heat map's own scale
        kept: list[float] = []
        for lv in reversed(levels):  # from the top: the largest loss is always labelled
            if (
                not kept
                or (float(scale(kept[-1])) - float(scale(lv.loss))) * height >= self.tick_gap
            ):
                kept.append(lv.loss)
        bar = colorbar(
            land,
            first,
            self.theme,
            resolution=self.heat_resolution,
            height=height,
            width=0.16,
            font_size=16,
            ticks=sorted(kept),
        )
        bar.shift(
            np.array(
                [right + 0.15 - bar.image.get_left()[0], bottom - bar.image.get_bottom()[1], 0]
            )
        )
        low, high = bar.image.get_bottom()[1], bar.image.get_top()[1]
        left, edge = bar.image.get_left()[0], bar.image.get_right()[0]
        marks = VGroup()
        for lv in levels:
            y = low + (high - low) * float(bar.scale(lv.loss))
            if low <= y <= high:
                mark = Line([left, y, 0], [edge, y, 0], stroke_width=1.5)
                mark.set_stroke(self.theme.contour, opacity=max(self.theme.contour_opacity, 0.8))
                mark.level = lv.loss
                marks.add(mark)
        bar.contour_marks = marks
        bar.add(marks)
        return bar

    def fastest_outline(
        self, land: Landscape, result: Sweep, areas: Mapping[tuple[int, ...], PlotArea]
    ) -> list[Mobject]:
        """An outline around the fastest tile and a line naming it."""
        best = fastest_run(result, land.optimum)
        steps = int(steps_to_converge(result, land.optimum)[best])
        box = areas[best].frame[0]
        outline = Rectangle(width=box.width + 0.1, height=box.height + 0.1)
        outline.set_stroke(self.theme.text, width=5).move_to(box)
        values = ", ".join(
            f"{n} {_value(result.grid[n][i])}" for n, i in zip(result.grid, best, strict=True)
        )
        reached = (
            f"{steps} steps to 1/{round(1 / CONVERGED)} of the start's distance"
            if steps <= result.steps
            else "closest at the end"
        )
        text = label(f"fastest: {values} ({reached})", 20, self.theme.text)
        return [outline, to_safe_corner(text, DOWN + RIGHT)]
