"""Plot areas and static backgrounds: axes, heat maps, contours, 1-D curves, view boxes.

:class:`PlotArea` maps data coordinates to the scene; :func:`plot_area` draws its frame and
ticks; :func:`heatmap` is one raster image of the loss, :func:`contours` its iso-lines
(contourpy, the generator matplotlib uses) and :func:`curve` a 1-D loss curve.

Examples
--------
>>> import numpy as np
>>> from descent.scenes.kit.plot import iso_lines
>>> xs = ys = np.linspace(-1.0, 1.0, 41)
>>> z = np.add.outer(ys**2, xs**2)  # z[iy, ix] = x² + y²
>>> [line] = iso_lines(z, xs, ys, 0.25)  # the circle of radius ½, closed
>>> bool(np.allclose(np.hypot(*line.T), 0.5, atol=2e-3)), bool(np.allclose(line[0], line[-1]))
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import contourpy
import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Group,
    ImageMobject,
    Line,
    ManimColor,
    Rectangle,
    Star,
    VGroup,
    VMobject,
)

from descent import engine
from descent.engine import Landscape
from descent.scenes.kit.text import Label, label, safe_box
from descent.scenes.kit.theme import HeatScale, Theme, _hex_rgb, colormap, heat_scale, normalise

__all__ = [
    "level_label",
    "region_tint",
    "PlotArea",
    "plot_area",
    "heatmap",
    "spans_decades",
    "wants_log_heat",
    "ColorBar",
    "colorbar",
    "iso_lines",
    "contours",
    "contour_levels",
    "ContourLevel",
    "contour_labels",
    "ContourLabels",
    "PlatedLabel",
    "plated_label",
    "polyline_points",
    "level_line",
    "curve",
    "auto_view",
    "swapped",
    "minimum_star",
]


@dataclass
class PlotArea:
    """A boxed plot: hidden ``Axes`` for the data → scene mapping, a frame and edge ticks.

    The mapping is read from the axes on each call, so moving ``area.axes`` (or a group
    holding it) moves everything drawn through it afterwards.
    """

    axes: Axes
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    frame: VGroup = field(default_factory=VGroup)
    #: the heat map's colour bar, where one was drawn (right of the box)
    colorbar: Any = None
    #: the tick numbers the frame writes, ``(position, text)`` in data coordinates (the
    #: player's side chart writes the same ones)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    _basis_of: tuple[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # ``c2p`` costs ~80 µs and tracks call this every frame: recompute only when the
        # axis lines themselves moved (their end points are the key)
        xa, ya = self.axes.x_axis.points, self.axes.y_axis.points
        key = b"".join(a.tobytes() for a in (xa[0], xa[-1], ya[0], ya[-1]))
        if self._basis_of is None or self._basis_of[0] != key:
            o = np.asarray(self.axes.c2p(self.x_range[0], self.y_range[0]))
            ex = np.asarray(self.axes.c2p(self.x_range[1], self.y_range[0])) - o
            ey = np.asarray(self.axes.c2p(self.x_range[0], self.y_range[1])) - o
            self._basis_of = (key, (o, ex, ey))
        return self._basis_of[1]

    def to_scene(self, xy: np.ndarray) -> np.ndarray:
        """Data points ``(..., 2)`` → scene points ``(..., 3)`` (no clamping)."""
        o, ex, ey = self._basis()
        xy = np.asarray(xy, dtype=np.float64)
        u = (xy[..., 0] - self.x_range[0]) / (self.x_range[1] - self.x_range[0])
        v = (xy[..., 1] - self.y_range[0]) / (self.y_range[1] - self.y_range[0])
        return o + u[..., None] * ex + v[..., None] * ey

    def inside(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy)
        return (
            np.isfinite(xy).all(-1)
            & (xy[..., 0] >= self.x_range[0])
            & (xy[..., 0] <= self.x_range[1])
            & (xy[..., 1] >= self.y_range[0])
            & (xy[..., 1] <= self.y_range[1])
        )

    def clamp(self, xy: np.ndarray) -> np.ndarray:
        """Clamp data points into the view box (non-finite coordinates go to the far edge)."""
        xy = np.array(xy, dtype=np.float64)
        lo = np.array([self.x_range[0], self.y_range[0]])
        hi = np.array([self.x_range[1], self.y_range[1]])
        xy = np.nan_to_num(xy, nan=0.0, posinf=1e300, neginf=-1e300)
        return np.clip(xy, lo, hi)

    def exit_point(self, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
        """Where the segment from a point in the view to one outside crosses the border."""
        lo = np.array([self.x_range[0], self.y_range[0]])
        hi = np.array([self.x_range[1], self.y_range[1]])
        d = outside - inside
        with np.errstate(divide="ignore", invalid="ignore"):
            t_hi = np.where(d > 0, (hi - inside) / d, np.inf)
            t_lo = np.where(d < 0, (lo - inside) / d, np.inf)
        t = float(np.clip(min(t_hi.min(), t_lo.min()), 0.0, 1.0))
        return np.clip(inside + t * d, lo, hi)

    def display_path(self, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(points, out)``: a data path with every step outside the view pinned where the
        path crossed the border.

        Only an overflow is pinned: a step past the view, or ``±inf`` (and every non-finite
        step after one, since torch's arithmetic on ``inf`` gives ``nan``), which continues
        the last finite direction. A step that turns ``nan`` without overflowing first
        (0/0 at a cone's tip) did not go anywhere: it and every step after it stay at the
        last finite point (see :func:`descent.scenes.kit.tracks.nan_from`).
        """
        path = np.asarray(path, dtype=np.float64)
        shown = np.empty_like(path)
        out = np.zeros(len(path), dtype=bool)
        last_in: np.ndarray | None = None
        last_fin, prev_fin = path[0], path[0]
        overflowed, halted = False, -1
        for t, p in enumerate(path):
            if halted < 0 and np.isfinite(p).all():
                prev_fin, last_fin = last_fin, p
            elif halted >= 0 or (not overflowed and not np.isinf(p).any()):
                halted = t if halted < 0 else halted  # NaN: it stops where it last was
                if t == 0:
                    shown[t], out[t] = self.clamp(np.zeros_like(p)), True
                else:
                    shown[t], out[t] = shown[t - 1], out[t - 1]
                continue
            else:  # overflowed: keep heading the way it went
                overflowed = True
                step = last_fin - prev_fin
                p = last_fin + step / (np.abs(step).max() + 1e-300) * 1e30
            if self.inside(p):
                shown[t], last_in = p, p
            else:
                out[t] = True
                shown[t] = self.clamp(p) if last_in is None else self.exit_point(last_in, p)
        return shown, out

    @property
    def right(self) -> float:
        """The x (scene units) of the right edge of the box, or of its colour bar's labels."""
        box = float(self.center[0] + self.width / 2)
        return max(box, float(self.colorbar.get_right()[0])) if self.colorbar is not None else box

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self._basis()[1]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self._basis()[2]))

    @property
    def center(self) -> np.ndarray:
        o, ex, ey = self._basis()
        return o + 0.5 * (ex + ey)


def plot_area(
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    width: float,
    height: float,
    theme: Theme,
    labels: tuple[str, str] | None = None,
    ticks: bool = True,
    font_size: int = 20,
    y_ticks: Sequence[tuple[float, str]] | None = None,
) -> PlotArea:
    """Axes over a view box with readable tick numbers (drawn with Pango, no LaTeX);
    ``y_ticks``: the y axis's own ``(position, text)`` ticks (a symmetric-log axis)."""

    step_for = _nice_step

    axes = Axes(
        x_range=[x_range[0], x_range[1]],
        y_range=[y_range[0], y_range[1]],
        x_length=width,
        y_length=height,
        tips=False,
        # the axis lines are hidden (the frame draws its own ticks): Manim's would be one per
        # unit, 700 of them for a loss range of 0..700
        axis_config={"include_ticks": False},
    )
    area = PlotArea(axes, x_range, y_range)
    box = Rectangle(width=width, height=height, stroke_color=theme.muted, stroke_width=1.5).move_to(
        area.center
    )
    frame = VGroup(box)
    y_numbers: list[VGroup] = []
    if ticks:
        for value in _x_ticks(x_range, width, font_size):
            at = area.to_scene(np.array([value, y_range[0]]))
            frame.add(Line(at, at + UP * 0.1, color=theme.muted, stroke_width=1.5))
            frame.add(label(_fmt_tick(value), font_size, theme.muted).next_to(at, DOWN, buff=0.1))
            area.x_ticks.append((float(value), _fmt_tick(value)))
        if y_ticks is None:
            y_ticks = [(v, _fmt_tick(v)) for v in _tick_values(*y_range, step_for(*y_range))]
        for value, text in y_ticks:
            if not y_range[0] <= value <= y_range[1]:
                continue
            at = area.to_scene(np.array([x_range[0], value]))
            frame.add(Line(at, at + RIGHT * 0.1, color=theme.muted, stroke_width=1.5))
            number = label(text, font_size, theme.muted).next_to(at, LEFT, buff=0.1)
            y_numbers.append(number)
            frame.add(number)
            area.y_ticks.append((float(value), str(text)))
    area.labels = labels  # (x, y) axis names as written, or None (the html player reads them)
    if labels:
        frame.add(
            label(labels[0], font_size + 2, theme.text).next_to(
                box, DOWN, buff=0.2 + font_size / 60
            )
        )
        y_lab = label(labels[1], font_size + 2, theme.text).rotate(math.pi / 2)
        y_lab.next_to(box, LEFT, buff=0.25 + font_size / 40)
        if y_numbers:  # wide tick numbers (−1.25) push the label out, never under it
            ticks_left = min(m.get_left()[0] for m in y_numbers)
            y_lab.shift(LEFT * max(0.0, y_lab.get_right()[0] - (ticks_left - 0.1)))
        frame.add(y_lab)
    axes.add(frame)  # moving the axes moves the frame with it; the axis lines stay hidden
    axes.x_axis.set_opacity(0)
    axes.y_axis.set_opacity(0)
    area.frame = frame
    return area


def _x_ticks(x_range: tuple[float, float], width: float, font_size: int) -> list[float]:
    """The x axis's tick values: a nice step for ~5 ticks, or fewer ticks (a larger nice
    step) while two neighbouring numbers would come closer than 0.12 scene units (a narrow
    panel's ``0 50 100 150 200`` ran together as ``100150200``)."""
    lo, hi = x_range
    span = (hi - lo) or 1.0
    values: list[float] = []
    for parts in (5, 4, 3, 2, 1):
        values = _tick_values(lo, hi, _nice_step(lo, hi, parts))
        half = [label(_fmt_tick(v), font_size, "#000000").width / 2 for v in values]
        at = [(v - lo) / span * width for v in values]
        pairs = zip(at[:-1], at[1:], half[:-1], half[1:], strict=True)
        if all(b - a - ha - hb >= 0.12 for a, b, ha, hb in pairs):
            return values
    return values


def _nice_step(lo: float, hi: float, parts: int = 5) -> float:
    raw = (hi - lo) / parts
    mag = 10 ** math.floor(math.log10(raw))
    return float(min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=mag))


def _tick_values(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9) * step
    return [round(v, 10) for v in np.arange(first, hi + 1e-9, step)]


def _fmt_tick(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}".replace("-", "−")


def _grid_of(
    land: Landscape | np.ndarray, area: PlotArea, resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, z)``: the loss on an evenly spaced grid over the area's view box.

    ``land`` is a 2-D landscape (sampled here, vectorised and cached) or a ready grid
    ``z[iy, ix]`` over the view box (for example a network's loss on a plane).
    """
    if isinstance(land, np.ndarray):
        z = np.asarray(land, dtype=np.float64)
        ys = np.linspace(*area.y_range, z.shape[0])
        xs = np.linspace(*area.x_range, z.shape[1])
        return xs, ys, z
    xs = np.linspace(*area.x_range, resolution)
    ys = np.linspace(*area.y_range, resolution)
    z = land.grid(xs, ys)
    if not np.isfinite(z).any():
        raise engine.EngineError(
            f"landscape '{land.name}' has no finite value on its view "
            f"x {area.x_range[0]:g}..{area.x_range[1]:g}, y {area.y_range[0]:g}..{area.y_range[1]:g}"
        )
    return xs, ys, z


#: share of the view a linear colour scale may paint in its lowest twentieth before the
#: heat map colours by log loss (:func:`spans_decades`)
FLAT_SHARE = 0.25


def spans_decades(z: np.ndarray) -> bool:
    """Whether the loss grid ``z[iy, ix]`` spans so many decades that a linear colour scale
    paints much of the view one flat colour.

    True when more than :data:`FLAT_SHARE` of the finite cells lie in the lowest 5 % of the
    linear scale (:func:`~descent.scenes.kit.theme.heat_scale`, top at the 99.5th
    percentile). Rosenbrock's default view: 42 % (its whole curved valley floor, loss below
    100 of 2000); Beale's 76 %; a bowl 11 %, Himmelblau 13 %.
    """
    z = np.asarray(z, np.float64)
    v = heat_scale(z, log=False)(z)
    finite = v[np.isfinite(v)]
    return bool(len(finite)) and float(np.mean(finite < 0.05)) > FLAT_SHARE


def wants_log_heat(land: Landscape | np.ndarray, area: PlotArea, resolution: int = 220) -> bool:
    """:func:`spans_decades` of the loss over ``area``'s view box (the grid :func:`heatmap`
    draws): the default of a surface scene's ``log`` colour scale."""
    return spans_decades(_grid_of(land, area, resolution)[2])


def heatmap(
    land: Landscape | np.ndarray,
    area: PlotArea,
    theme: Theme,
    *,
    resolution: int = 220,
    log: bool = False,
) -> ImageMobject:
    """The loss over the view box as one raster image (vectorised ``land.grid``, or a grid).

    Where the loss is not finite (overflow, NaN) the image shows a checker pattern."""
    _, _, z = _grid_of(land, area, resolution)
    rgba = colormap(normalise(z, log=log), theme.heat)
    bad = ~np.isfinite(z)  # no value there (overflow, NaN): a checker pattern, not a colour
    if bad.any():
        iy, ix = np.indices(z.shape)
        checker = ((iy // 3 + ix // 3) % 2).astype(bool)
        rgba[bad & checker, :3] = _hex_rgb(theme.muted)
        rgba[bad & ~checker, :3] = _hex_rgb(
            theme.background if theme.name != "transparent" else "#000000"
        )
    rgba = rgba[::-1]  # row 0 = top
    image = ImageMobject(np.ascontiguousarray(rgba))
    image.set_resampling_algorithm(2)  # bilinear
    image.stretch_to_fit_width(area.width).stretch_to_fit_height(area.height)
    image.move_to(area.center)
    return image


class ColorBar(Group):
    """A heat map's colour bar: the colour ramp, ticks at true loss values, "loss" on top.

    Attributes
    ----------
    scale : HeatScale
        The heat map's map from loss to colour position (the bar's height is 0 → 1).
    ticks : list of (float, float)
        ``(loss, y)``: each tick's loss value and its height in scene units (the values
        given as ``ticks``, those inside the bar's range, or round ones).
    image : ImageMobject
        The ramp itself (256 rows, the heat map's colormap, low loss at the bottom).
    """

    def __init__(
        self,
        scale: HeatScale,
        theme: Theme,
        *,
        height: float,
        width: float = 0.16,
        font_size: int = 16,
        max_ticks: int = 5,
        ticks: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        self.scale = scale
        ramp = colormap(np.linspace(1.0, 0.0, 256)[:, None], theme.heat)  # row 0 = top
        self.image = ImageMobject(np.ascontiguousarray(np.repeat(ramp, 4, axis=1)))
        self.image.set_resampling_algorithm(2)
        self.image.stretch_to_fit_width(width).stretch_to_fit_height(height)
        box = Rectangle(width=width, height=height, stroke_color=theme.muted, stroke_width=1.2)
        bottom = -height / 2
        lo, hi = float(scale.inverse(0.0)), float(scale.inverse(1.0))
        values = (
            colorbar_ticks(scale, max_ticks=max_ticks)
            if ticks is None
            else [float(v) for v in ticks if lo <= v <= hi]
        )
        self.ticks = [(value, bottom + height * float(scale(value))) for value in values]
        marks = VGroup()
        for value, y in self.ticks:
            at = np.array([width / 2, y, 0.0])
            marks.add(Line(at, at + RIGHT * 0.08, color=theme.muted, stroke_width=1.5))
            marks.add(label(_fmt_tick(value), font_size, theme.muted).next_to(at, RIGHT, 0.12))
        title = label("loss", font_size, theme.text).next_to(box, UP, buff=0.1)
        title.align_to(box, LEFT)
        self.add(self.image, box, marks, title)
        if scale.log:  # a log scale says so (under the bar, as narrow as it: the title's width
            # is the layout's): the ticks 1, 2, 5 × 10ᵏ alone read as a misprinted linear bar
            note = label("log", font_size, theme.muted).next_to(box, DOWN, buff=0.08)
            self.add(note.align_to(box, LEFT))

    @property
    def tick_heights(self) -> list[tuple[float, float]]:
        """``(loss, y)`` of each tick, ``y`` where the bar now is (scene units)."""
        bottom, top = self.image.get_bottom()[1], self.image.get_top()[1]
        return [(v, bottom + (top - bottom) * float(self.scale(v))) for v, _ in self.ticks]


def colorbar_ticks(scale: HeatScale, *, max_ticks: int = 5, gap: float = 0.16) -> list[float]:
    """Round loss values for a colour bar's ticks, inside its range and at least ``gap``
    (of the bar's height) apart: evenly spaced (linear) or 1, 2, 5 × 10ᵏ (log)."""
    lo, hi = float(scale.inverse(0.0)), float(scale.inverse(1.0))
    if not hi > lo:
        return [lo]
    if scale.log:
        candidates = [
            m * 10.0**k
            for k in range(
                math.floor(math.log10(max(abs(hi), 1e-300))) - 8, math.ceil(math.log10(abs(hi))) + 1
            )
            for m in (1, 2, 5)
        ]
        if lo <= 0.0:
            candidates.append(0.0)
        candidates = sorted(v for v in candidates if lo <= v <= hi)
    else:
        candidates = _tick_values(lo, hi, _nice_step(lo, hi, max_ticks - 1))
    kept: list[float] = []
    for v in reversed(candidates):  # from the top: the large losses are the round ones
        if not kept or float(scale(kept[-1]) - scale(v)) >= gap:
            kept.append(v)
    return sorted(kept[:max_ticks])


def colorbar(
    land: Landscape | np.ndarray,
    area: PlotArea,
    theme: Theme,
    *,
    log: bool = False,
    resolution: int = 220,
    width: float = 0.16,
    buff: float = 0.15,
    font_size: int = 16,
    height: float | None = None,
    ticks: Sequence[float] | None = None,
) -> ColorBar:
    """The colour bar of ``heatmap(land, area, theme, log=log, resolution=resolution)``:
    the same colormap and normalisation (:func:`~descent.scenes.kit.theme.heat_scale`), with
    ticks at true loss values (``ticks``: these values, for example the contour levels;
    default: round ones, :func:`colorbar_ticks`), placed ``buff`` right of the plot box and
    as high as it."""
    _, _, z = _grid_of(land, area, resolution)
    bar = ColorBar(
        heat_scale(z, log=log),
        theme,
        height=height or area.height * 0.8,
        width=width,
        font_size=font_size,
        ticks=ticks,
    )
    # bottom-aligned with the plot box: its top keeps room for the title "loss"
    corner = area.center + RIGHT * area.width / 2 + DOWN * area.height / 2
    bar.shift(
        corner + RIGHT * buff - np.array([bar.image.get_left()[0], bar.image.get_bottom()[1], 0])
    )
    return bar


def iso_lines(z: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> list[np.ndarray]:
    """The ``level`` iso-lines of ``z[iy, ix]`` as polylines ``(n, 2)`` in data coordinates.

    Computed by contourpy (the compiled contour generator matplotlib uses); closed lines
    end where they start, and non-finite values are masked (no line crosses them).
    """
    gen = contourpy.contour_generator(
        np.asarray(xs, np.float64),
        np.asarray(ys, np.float64),
        np.ma.masked_invalid(np.asarray(z, np.float64)),
        line_type=contourpy.LineType.Separate,
    )
    return [np.asarray(line) for line in gen.lines(level) if len(line) >= 2]


def contour_levels(z: np.ndarray, *, levels: int = 12, log: bool = False) -> list[ContourLevel]:
    """The iso-loss levels :func:`contours` draws over the loss grid ``z[iy, ix]``.

    Levels sit at ``levels`` quantiles (4 % … 96 %) of the heat map's colour scale
    (:func:`~descent.scenes.kit.theme.heat_scale`), so that they spread over the picture,
    then each is rounded to a round loss value: to the largest power of ten at most half
    its gap to the neighbouring levels and to the grid's minimum (so rounding never reorders
    or merges two levels, nor moves one onto the minimum).
    A level's line is drawn at exactly the loss its label shows.

    Returns
    -------
    list of ContourLevel
        Ascending in loss; ``text`` is the loss with the decimals its rounding kept.

    Examples
    --------
    >>> z = np.add.outer(np.linspace(0, 1, 50) ** 2, np.linspace(0, 1, 50) ** 2)
    >>> [lv.text for lv in contour_levels(z, levels=4)]
    ['0.05', '0.4', '0.8', '1.5']
    """
    scale = heat_scale(np.asarray(z, np.float64), log=log)
    v = scale(z)
    finite = v[np.isfinite(z)]
    if not len(finite):
        return []
    qs = np.unique(np.quantile(finite, np.linspace(0.04, 0.96, levels)))
    losses = np.unique(scale.inverse(qs))
    out: list[ContourLevel] = []
    for i, loss in enumerate(losses):
        gaps = [abs(loss - losses[j]) for j in (i - 1, i + 1) if 0 <= j < len(losses)]
        gaps.append(float(loss) - scale.low)  # the lowest level stays above the minimum
        gap = min(gaps) if gaps else max(abs(float(loss)), 1.0)
        if not gap > 0:
            continue
        power = math.floor(math.log10(gap / 2))
        rounded = round(round(float(loss) / 10.0**power) * 10.0**power, max(0, -power))
        if out and rounded <= out[-1].loss:
            continue
        out.append(ContourLevel(rounded, float(scale(rounded)), _level_text(rounded, power)))
    return out


@dataclass(frozen=True)
class ContourLevel:
    """One iso-loss line: its ``loss``, its ``position`` on the heat map's colour scale
    (0 … 1) and the ``text`` its label shows."""

    loss: float
    position: float
    text: str


def _level_text(value: float, power: int) -> str:
    """``value`` (a multiple of 10**power) with exactly the decimals its rounding kept;
    powers of ten notation beyond 10⁵ and below 10⁻³ (``1.2e−05``)."""
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        digits = max(0, math.floor(math.log10(abs(value))) - power)
        return f"{value:.{digits}e}".replace("e-0", "e−").replace("e+0", "e").replace("-", "−")
    return f"{value:.{max(0, -power)}f}".replace("-", "−")


def contours(
    land: Landscape | np.ndarray,
    area: PlotArea,
    theme: Theme,
    *,
    levels: int = 12,
    resolution: int = 160,
    log: bool = False,
) -> VMobject:
    """Iso-loss lines as one ``VMobject`` (:func:`iso_lines` at :func:`contour_levels`)."""
    xs, ys, z = _grid_of(land, area, resolution)
    found = [
        line
        for lv in contour_levels(z, levels=levels, log=log)
        for line in iso_lines(z, xs, ys, lv.loss)
    ]
    lines = VMobject(
        stroke_color=theme.contour, stroke_width=1.1, stroke_opacity=theme.contour_opacity
    )
    points = polyline_points(found, area)
    if len(points):
        lines.set_points(points)
    return lines


class ContourLabels(VGroup):
    """The labels of :func:`contour_labels`; ``labels`` keeps every one, including those
    hidden for now (:meth:`give_way`)."""

    def __init__(self, *labels: PlatedLabel) -> None:
        super().__init__(*labels)
        self.labels: list[PlatedLabel] = list(labels)

    def give_way(self, others: Sequence[Any]) -> None:
        """Hide each label that one of ``others`` (text boxes with ``x0 x1 y0 y1``) overlaps
        or comes within 0.06 of, show the rest: a label on the picture's background steps
        aside for any text that comes over it (a caption, a read-out), and comes back when
        it has passed."""
        keep = []
        for m in self.labels:
            plate = m.submobjects[0].points  # its plate: a rectangle's corners, in order
            at = plate[0].tobytes()
            if getattr(m, "_box_at", None) != at:  # measured once, again only if it moved
                m._box_at, m._box = at, (*plate[:, :2].min(0), *plate[:, :2].max(0))
            x0, y0, x1, y1 = m._box
            hit = any(
                min(x1, b.x1) - max(x0, b.x0) > -0.06 and min(y1, b.y1) - max(y0, b.y0) > -0.06
                for b in others
            )
            if not hit:
                keep.append(m)
        if keep != self.submobjects:
            self.submobjects = keep


class PlatedLabel(Label):
    """Text on a plate of the page's colour, placed over lines on purpose (a contour's
    value on its line): the layout check lets it overlap lines, never other text."""

    over_lines = True


def plated_label(
    text: str, font_size: int, theme: Theme, *, color: str | None = None
) -> PlatedLabel:
    """``text`` on a plate of the page's colour (75 % opaque, 0.05 around the glyphs)."""
    inner = label(text, font_size, color or theme.text)
    shown = PlatedLabel(text, *inner.submobjects)
    page = theme.background if theme.name != "transparent" else "#000000"
    shown.add_background_rectangle(color=ManimColor(page), opacity=0.8, buff=0.05)
    return shown


def _dense(points: np.ndarray, spacing: float) -> np.ndarray:
    """A polyline's points ``(n, 2|3)`` with extra points so none is more than ``spacing``
    from the next (a path's long steps are covered along their length)."""
    points = np.asarray(points, np.float64)
    if len(points) < 2:
        return points
    seg = np.diff(points, axis=0)
    counts = np.maximum(1, np.ceil(np.linalg.norm(seg, axis=-1) / spacing)).astype(int)
    parts = [
        points[i] + np.linspace(0.0, 1.0, c, endpoint=False)[:, None] * seg[i]
        for i, c in enumerate(counts)
    ]
    return np.concatenate([*parts, points[-1:]], 0)


def _in_box(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x0, x1, y0, y1 = box
    return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)


def _box_distance(points: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """The distance (scene units) from a box to the nearest of ``points`` (∞ without any)."""
    if not len(points):
        return math.inf
    x0, x1, y0, y1 = box
    dx = np.maximum(np.maximum(x0 - points[:, 0], points[:, 0] - x1), 0.0)
    dy = np.maximum(np.maximum(y0 - points[:, 1], points[:, 1] - y1), 0.0)
    return float(np.hypot(dx, dy).min())


def contour_labels(
    land: Landscape | np.ndarray,
    area: PlotArea,
    theme: Theme,
    *,
    levels: int = 12,
    resolution: int = 160,
    log: bool = False,
    avoid: Sequence[np.ndarray] = (),
    font_size: int = 16,
    max_labels: int = 6,
) -> VGroup:
    """The loss of :func:`contours`' lines written on them, as a map's contour labels.

    Every other level first (then the rest), at most ``max_labels``: each on the straightest
    stretch of its line as long as the label (chord ≥ 97 % of the arc), on a plate of the
    page's colour (:class:`PlatedLabel`), inside the plot box, clear of every other label, no
    other level's line through its glyphs (one may graze its plate), and as far from ``avoid`` (data points ``(n, 2)``: the
    runs' paths, the minima) as the line allows; never on them. A closed loop narrower than
    twice the label (or lower than twice its height) is not labelled: the label would be
    larger than what it names. A level with no such stretch goes unlabelled.

    Returns
    -------
    ContourLabels
        One :class:`PlatedLabel` per labelled level (``.level``: its
        :class:`ContourLevel`). A :class:`~descent.scenes.kit.scene.DescentScene` hides a
        label while other text is over it (:meth:`ContourLabels.give_way`).
    """
    xs, ys, z = _grid_of(land, area, resolution)
    found = contour_levels(z, levels=levels, log=log)
    lines = {
        i: [_dense(area.to_scene(line)[:, :2], 0.04) for line in iso_lines(z, xs, ys, lv.loss)]
        for i, lv in enumerate(found)
    }
    shown_avoid = [
        area.to_scene(area.display_path(np.asarray(p, np.float64).reshape(-1, 2))[0])[:, :2]
        for p in avoid
        if len(p)
    ]
    avoid_pts = (
        np.concatenate([_dense(p, 0.04) for p in shown_avoid], 0)
        if shown_avoid
        else np.zeros((0, 2))
    )
    inset = 0.06
    c = area.center
    sx0, sx1, sy0, sy1 = safe_box()  # inside the box, and inside the title-safe area
    frame_box = (
        max(c[0] - area.width / 2 + inset, sx0),
        min(c[0] + area.width / 2 - inset, sx1),
        max(c[1] - area.height / 2 + inset, sy0),
        min(c[1] + area.height / 2 - inset, sy1),
    )
    order = [*range(0, len(found), 2), *range(1, len(found), 2)]
    placed: list[tuple[float, float, float, float]] = []
    out = ContourLabels()
    for i in order:
        if len(out) >= max_labels:
            break
        text = plated_label(found[i].text, font_size, theme)
        w, h = text.width, text.height
        others = [p for j, ps in lines.items() if j != i for p in ps]
        other_pts = np.concatenate(others, 0) if others else np.zeros((0, 2))
        best: tuple[float, np.ndarray] | None = None
        for piece in lines[i]:
            if len(piece) < 3:
                continue
            s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(piece, axis=0), axis=-1))])
            reach = max(w, h) / 2 + 0.05
            if s[-1] < 2 * reach:
                continue
            if too_small_for(piece, w, h):
                continue  # a loop too small for its label: the label would hide it
            for sc in np.arange(reach, s[-1] - reach + 1e-9, 0.08):
                a, b = np.searchsorted(s, sc - reach), np.searchsorted(s, sc + reach)
                b = min(b, len(piece) - 1)
                arc = s[b] - s[a]
                if arc <= 0 or np.linalg.norm(piece[b] - piece[a]) < 0.97 * arc:
                    continue  # a bend: the label would not say which line it belongs to
                at = piece[np.searchsorted(s, sc).clip(0, len(piece) - 1)]
                box = (at[0] - w / 2, at[0] + w / 2, at[1] - h / 2, at[1] + h / 2)
                if not (
                    box[0] >= frame_box[0] and box[1] <= frame_box[1]
                    and box[2] >= frame_box[2] and box[3] <= frame_box[3]
                ):  # fmt: skip
                    continue
                core = (box[0] + 0.04, box[1] - 0.04, box[2] + 0.04, box[3] - 0.04)
                if len(other_pts) and _in_box(other_pts, core).any():
                    continue  # another level's line under it: which value is whose?
                if any(
                    min(box[1], q[1]) - max(box[0], q[0]) > -0.35
                    and min(box[3], q[3]) - max(box[2], q[2]) > -0.2
                    for q in placed
                ):
                    continue
                clear = _box_distance(avoid_pts, box)
                if clear < 0.25:
                    continue  # a run passes under it
                spread = min(
                    (
                        math.hypot(at[0] - (q[0] + q[1]) / 2, at[1] - (q[2] + q[3]) / 2)
                        for q in placed
                    ),
                    default=3.0,
                )
                score = min(clear, 1.5) + 0.3 * min(spread, 3.0)
                if best is None or score > best[0]:
                    best = (score, at)
        if best is None:
            continue
        at = best[1]
        text.move_to(np.array([at[0], at[1], 0.0]))
        text.level = found[i]
        placed.append((at[0] - w / 2, at[0] + w / 2, at[1] - h / 2, at[1] + h / 2))
        out.add(text)
        out.labels.append(text)
    return out


def corner_points(pts: np.ndarray) -> np.ndarray:
    """Scene points ``(n, 3)`` joined by straight segments, as a ``VMobject``'s Bézier points:
    what ``set_points_as_corners`` makes, in one array expression (~4× faster a call).

    Examples
    --------
    >>> corner_points(np.array([[0.0, 0, 0], [3, 0, 0]]))[:, 0].tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    a, b = pts[:-1], pts[1:]
    return np.stack([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b], 1).reshape(-1, 3)


def polyline_points(lines: Sequence[np.ndarray], area: PlotArea) -> np.ndarray:
    """Polylines ``(n, 2)`` in data coordinates as one Bézier point array for a ``VMobject``
    (each segment a straight cubic; separate lines become separate subpaths)."""
    parts = [corner_points(area.to_scene(line)) for line in lines]
    return np.concatenate(parts, 0) if parts else np.zeros((0, 3))


def level_line(
    z: np.ndarray, area: PlotArea, level: float, *, color: str, width: float = 3.0
) -> VMobject:
    """The ``level`` iso-line of a grid ``z[iy, ix]`` over the area's view box."""
    xs, ys, grid = _grid_of(z, area, 0)
    line = VMobject(stroke_color=color, stroke_width=width)
    points = polyline_points(iso_lines(grid, xs, ys, level), area)
    if len(points):
        line.set_points(points)
    return line


def level_label(
    z: np.ndarray,
    area: PlotArea,
    level: float,
    theme: Theme,
    *,
    text: str | None = None,
    font_size: int = 14,
) -> VGroup:
    """The value of the ``level`` iso-line of ``z[iy, ix]`` written on it (on a patch of the
    page's colour), at the middle of its longest piece; empty if the level does not occur,
    or if that piece is a loop too small for the label (:func:`too_small_for`)."""
    xs, ys, grid = _grid_of(z, area, 0)
    lines = [line for line in iso_lines(grid, xs, ys, level) if len(line) >= 2]
    if not lines:
        return VGroup()
    longest = max(lines, key=len)
    at = area.to_scene(longest[len(longest) // 2])
    shown = plated_label(text or _fmt_tick(level), font_size, theme)
    if too_small_for(area.to_scene(longest)[:, :2], shown.width, shown.height):
        return VGroup()  # the label would be larger than the loop it names
    return shown.move_to(at)


def too_small_for(piece: np.ndarray, width: float, height: float) -> bool:
    """Whether a contour piece (scene points ``(n, 2)``) is a closed loop too small to carry
    a label of ``width`` × ``height``: narrower than twice the label or lower than twice
    its height (the label would cover the loop it names)."""
    piece = np.asarray(piece, np.float64)
    if len(piece) < 3 or np.linalg.norm(piece[0] - piece[-1]) > 0.05:
        return False
    extent = piece.max(0) - piece.min(0)
    return bool(extent[0] < 2.0 * width or extent[1] < 2.0 * height)


def region_tint(mask: np.ndarray, area: PlotArea, color: str, opacity: float) -> ImageMobject:
    """``color`` at ``opacity`` over the cells of the view box where ``mask[iy, ix]`` is true
    (a region a heat map's colours alone do not set apart), transparent elsewhere."""
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[..., :3] = _hex_rgb(color)
    rgba[..., 3] = np.where(mask, round(255 * opacity), 0)
    image = ImageMobject(np.ascontiguousarray(rgba[::-1]))
    image.set_resampling_algorithm(0)  # nearest: the region's edge stays where it is
    image.stretch_to_fit_width(area.width).stretch_to_fit_height(area.height)
    image.move_to(area.center)
    return image


def curve(land: Landscape, area: PlotArea, theme: Theme, *, samples: int = 400) -> VMobject:
    """The 1-D loss curve over the view, clipped to the plot's loss range."""
    ws = np.linspace(*area.x_range, samples)
    fs = land.curve(ws)
    if not np.isfinite(fs).any():
        raise engine.EngineError(
            f"landscape '{land.name}' has no finite value on its view "
            f"w {area.x_range[0]:g}..{area.x_range[1]:g}"
        )
    keep = (fs >= area.y_range[0]) & (fs <= area.y_range[1])
    graph = VMobject(stroke_color=theme.text, stroke_width=3.5)
    pts = area.to_scene(np.stack([ws, np.clip(fs, *area.y_range)], -1))
    # clipped parts are dropped: the curve simply leaves the plot
    runs = np.split(np.arange(samples), np.where(np.diff(keep.astype(int)) != 0)[0] + 1)
    for run in runs:
        if keep[run[0]] and len(run) > 1:
            graph.start_new_path(pts[run[0]])
            graph.add_points_as_corners(pts[run[1:]])
    return graph


#: a path whose last point is farther than this many times the size of the box holding the
#: landscape's view and every start from its own start runs away (:func:`auto_view`)
RUNAWAY = 4.0


def auto_view(
    land: Landscape, paths: Sequence[np.ndarray], *, pad: float = 0.06
) -> tuple[tuple[float, float], ...]:
    """The landscape's view box grown to hold every finite point of ``paths`` (plus padding).

    A path that runs away (it stops at a non-finite point, or its last point is more than
    :data:`RUNAWAY` × the size of the box of the view and every start away from its start:
    SGD at lr 1.2 on a bowl, 1.4× farther each step, ±10,000 after 20 steps) does not grow
    the box: it would shrink the other runs to one dot. Its track leaves the view and is
    pinned at the edge ("out of view"), as in LearningRates.
    """
    arrays = [np.asarray(p, dtype=np.float64).reshape(-1, land.dim) for p in paths]
    starts = np.array([a[0] for a in arrays if len(a) and np.isfinite(a[0]).all()]).reshape(
        -1, land.dim
    )
    corners = np.concatenate([np.array(land.view, dtype=np.float64).T, starts], 0)
    size = float(np.linalg.norm(corners.max(0) - corners.min(0))) or 1.0

    def runs_away(a: np.ndarray) -> bool:
        if not len(a) or not np.isfinite(a[-1]).all():
            return True
        return float(np.linalg.norm(a[-1] - a[0])) > RUNAWAY * size

    kept = [a for a in arrays if not runs_away(a)] or [starts]
    pts = np.concatenate(kept, 0)
    pts = pts[np.isfinite(pts).all(-1)]
    if not len(pts):
        return tuple(land.view)
    out = []
    for i, (lo, hi) in enumerate(land.view):
        a, b = min(lo, float(pts[:, i].min())), max(hi, float(pts[:, i].max()))
        span = b - a
        out.append((a - pad * span, b + pad * span) if (a, b) != (lo, hi) else (lo, hi))
    return tuple(out)


def swapped(land: Landscape) -> Landscape:
    """A 2-D landscape with its two coordinates exchanged (e.g. to plot (bias, weight))."""
    import dataclasses

    inner = land.fn  # the closure holds the function itself: its source keys the caches

    def fn(x: Any) -> Any:
        return inner(x.flip(-1))

    return dataclasses.replace(
        land,
        fn=fn,
        view=land.view[::-1],
        default_start=land.default_start[::-1],
        stationary_points=tuple(
            engine.StationaryPoint(p.position[::-1], p.kind) for p in land.stationary_points
        ),
        optimum=None if land.optimum is None else land.optimum[::-1],
        axis_labels=land.axis_labels[::-1],
        source=None,
    )


def minimum_star(point: np.ndarray, theme: Theme) -> VMobject:
    """The marker of a known minimum."""
    return Star(
        n=5, outer_radius=0.13, inner_radius=0.055, color=theme.text, fill_opacity=1, stroke_width=1
    ).move_to(point)
