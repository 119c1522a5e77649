"""The scene kit: shared building blocks for descent's Manim scenes.

Everything that moves is driven by arrays the engine recorded before the first
frame. Updaters only *look up* (and linearly interpolate) those arrays at the
current value of one shared :class:`StepClock`; nothing is integrated per frame.

Pieces
------
- :class:`Theme` / :func:`get_theme` — dark, light and transparent palettes; one
  colour-blind-safe colour per optimizer (Okabe–Ito), the same in every scene.
- :func:`plot_area` — axes for a view box; :func:`heatmap` — one raster
  ``ImageMobject`` from the engine's vectorised grid; :func:`contours` — marching
  squares into one ``VMobject``; :func:`curve` — a 1-D loss curve.
- :class:`StepClock` — animation time → step, easing through dull stretches and
  slowing down where the paths move or turn (overshoots).
- :class:`Track` — a dot with a tiered fading trail built from the arrays, optional
  gradient / velocity arrows, pinned at the edge with a label when it leaves the view.
- :class:`Legend` (with live loss read-outs), :func:`step_counter`,
  :class:`LossPanel` (loss or distance vs step, log option), :func:`title_block`.
- :class:`DescentScene` — the base class: theme, title, clock, ``finish()``; it runs its
  updaters from a list built once per animation and draws with :class:`PathCamera`
  (Manim's camera, doing less per mobject: same pixels).
- :func:`label` / :func:`text_outlines` — Pango text whose glyph outlines are cached on disk.

Examples
--------
A minimal scene::

    class Bowl(DescentScene):
        landscape = "bowl"
        optimizers = (OptimizerSpec("SGD", lr=0.1),)

        def construct(self):
            land, trajs = self.simulate()
            area = self.add_surface(land)
            tracks = self.add_tracks(trajs, area)
            self.play_steps(run_time=4)
            self.finish()
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Arrow,
    Axes,
    Camera,
    Circle,
    DashedLine,
    Dot,
    Group,
    ImageMobject,
    Line,
    Mobject,
    Rectangle,
    Scene,
    Star,
    Text,
    ThreeDScene,
    ValueTracker,
    VGroup,
    VMobject,
    config,
    linear,
)

import engine
from engine import Landscape, OptimizerSpec, Trajectory

__all__ = [
    "Theme",
    "THEMES",
    "get_theme",
    "optimizer_color",
    "palette_for",
    "colormap",
    "PlotArea",
    "plot_area",
    "heatmap",
    "contours",
    "marching_squares",
    "curve",
    "StepClock",
    "partial_path",
    "step_weights",
    "Track",
    "lookahead_form",
    "velocity_arrows",
    "gradient_arrows",
    "Legend",
    "LossPanel",
    "step_counter",
    "live_text",
    "FastText",
    "label",
    "text_outlines",
    "PathCamera",
    "auto_view",
    "swapped",
    "escape_label",
    "title_block",
    "DescentScene",
    "CurveScene",
    "SurfaceScene",
]

FONT = "DejaVu Sans"


# ---------------------------------------------------------------------------------------------
# Theme
# ---------------------------------------------------------------------------------------------
#: Okabe–Ito colours (colour-blind safe), one per optimizer label, fixed across scenes.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
_BY_LABEL = {
    "SGD": "orange",
    "Momentum": "sky",
    "Nesterov": "green",
    "Adagrad": "yellow",
    "RMSprop": "purple",
    "Adam": "vermillion",
    "AdamW": "vermillion",
    "LBFGS": "blue",
}


@dataclass(frozen=True)
class Theme:
    """One palette for a whole scene.

    Parameters
    ----------
    name
        ``dark``, ``light`` or ``transparent``.
    background
        Frame background colour (``transparent`` renders with an alpha channel).
    text, muted
        Main and secondary text colours.
    heat
        Colour-map anchors for heat maps, low loss first.
    contour
        Contour line colour; ``contour_opacity`` its opacity.
    optimizer
        Optimizer colours by palette name (``orange``, ``sky``, ...).
    """

    name: str
    background: str
    text: str
    muted: str
    heat: tuple[str, ...]
    contour: str
    contour_opacity: float
    optimizer: dict[str, str] = field(default_factory=lambda: dict(OKABE_ITO))

    def color_for(self, label: str, index: int = 0) -> str:
        """The colour of optimizer ``label`` (by label; unknown labels cycle the palette)."""
        key = _BY_LABEL.get(label)
        if key is None:
            order = ["blue", "orange", "sky", "green", "purple", "vermillion", "yellow"]
            key = order[index % len(order)]
        return self.optimizer[key]


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark",
        background="#0E1117",
        text="#F2F2F2",
        muted="#A7B0BE",
        heat=("#07111F", "#0F2742", "#1E4166", "#3A5F85", "#6C86A3"),
        contour="#FFFFFF",
        contour_opacity=0.22,
    ),
    "light": Theme(
        name="light",
        background="#FFFFFF",
        text="#111111",
        muted="#4A5563",
        heat=("#F7F9FC", "#DCE5EF", "#B4C5D8", "#7F97B3", "#4F6A8A"),
        contour="#1F2A3A",
        contour_opacity=0.25,
        optimizer={**OKABE_ITO, "yellow": "#B59F00", "sky": "#2A8FCB"},
    ),
}
THEMES["transparent"] = Theme(
    **{**THEMES["dark"].__dict__, "name": "transparent", "background": "#00000000"}
)


def get_theme(name: str | None = None) -> Theme:
    """The theme ``name``, else ``$DESCENT_THEME``, else ``dark``."""
    name = name or os.environ.get("DESCENT_THEME") or "dark"
    if name not in THEMES:
        raise engine.errors.unknown_name("theme", name, THEMES)
    return THEMES[name]


def palette_for(labels: Sequence[str], theme: Theme) -> list[str]:
    """Colours for optimizers shown together: each label's fixed colour, or — when labels
    repeat or are not optimizer names (``"lr = 0.1"``) — the palette in order."""
    if len(set(labels)) < len(labels) or any(lb not in _BY_LABEL for lb in labels):
        return [theme.color_for("", i + 1) for i in range(len(labels))]
    return [theme.color_for(lb) for lb in labels]


def optimizer_color(label: str, theme: Theme | None = None, index: int = 0) -> str:
    """The fixed colour of an optimizer label in ``theme``."""
    return (theme or get_theme()).color_for(label, index)


def _hex_rgb(color: str) -> np.ndarray:
    c = color.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def colormap(values: np.ndarray, anchors: Sequence[str]) -> np.ndarray:
    """Map values in [0, 1] to RGBA uint8 by linear interpolation between ``anchors``."""
    rgb = np.stack([_hex_rgb(a) for a in anchors])
    pos = np.linspace(0.0, 1.0, len(anchors))
    v = np.clip(np.nan_to_num(values, nan=1.0), 0.0, 1.0)
    out = np.empty((*v.shape, 4), dtype=np.uint8)
    for ch in range(3):
        out[..., ch] = np.interp(v, pos, rgb[:, ch]).round().astype(np.uint8)
    out[..., 3] = 255
    return out


def normalise(z: np.ndarray, *, log: bool) -> np.ndarray:
    """Loss grid → [0, 1] for colouring: robust to outliers, optional log scale."""
    z = np.where(np.isfinite(z), z, np.nan)
    z0 = z - np.nanmin(z)
    if log:
        span = np.nanpercentile(z0, 99) or 1.0
        z0 = np.log1p(z0 / (1e-3 * span))
    hi = np.nanpercentile(z0, 99.5) or 1.0
    return np.clip(z0 / hi, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# Plot areas and backgrounds
# ---------------------------------------------------------------------------------------------
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
        path crossed the border (non-finite steps continue the last finite direction)."""
        path = np.asarray(path, dtype=np.float64)
        shown = np.empty_like(path)
        out = np.zeros(len(path), dtype=bool)
        last_in: np.ndarray | None = None
        last_fin, prev_fin = path[0], path[0]
        for t, p in enumerate(path):
            if np.isfinite(p).all():
                prev_fin, last_fin = last_fin, p
            else:  # overflowed: keep heading the way it went
                step = last_fin - prev_fin
                p = last_fin + step / (np.abs(step).max() + 1e-300) * 1e30
            if self.inside(p):
                shown[t], last_in = p, p
            else:
                out[t] = True
                shown[t] = self.clamp(p) if last_in is None else self.exit_point(last_in, p)
        return shown, out

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
) -> PlotArea:
    """Axes over a view box with readable tick numbers (drawn with Pango, no LaTeX)."""

    def step_for(lo: float, hi: float) -> float:
        raw = (hi - lo) / 5
        mag = 10 ** math.floor(math.log10(raw))
        return float(min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=mag))

    axes = Axes(
        x_range=[x_range[0], x_range[1]],
        y_range=[y_range[0], y_range[1]],
        x_length=width,
        y_length=height,
        tips=False,
    )
    area = PlotArea(axes, x_range, y_range)
    box = Rectangle(width=width, height=height, stroke_color=theme.muted, stroke_width=1.5).move_to(
        area.center
    )
    frame = VGroup(box)
    if ticks:
        for value in _tick_values(*x_range, step_for(*x_range)):
            at = area.to_scene(np.array([value, y_range[0]]))
            frame.add(Line(at, at + UP * 0.1, color=theme.muted, stroke_width=1.5))
            frame.add(label(_fmt_tick(value), font_size, theme.muted).next_to(at, DOWN, buff=0.1))
        for value in _tick_values(*y_range, step_for(*y_range)):
            at = area.to_scene(np.array([x_range[0], value]))
            frame.add(Line(at, at + RIGHT * 0.1, color=theme.muted, stroke_width=1.5))
            frame.add(label(_fmt_tick(value), font_size, theme.muted).next_to(at, LEFT, buff=0.1))
    if labels:
        frame.add(
            label(labels[0], font_size + 2, theme.text).next_to(
                box, DOWN, buff=0.2 + font_size / 60
            )
        )
        y_lab = label(labels[1], font_size + 2, theme.text).rotate(math.pi / 2)
        frame.add(y_lab.next_to(box, LEFT, buff=0.25 + font_size / 40))
    axes.add(frame)  # moving the axes moves the frame with it; the axis lines stay hidden
    axes.x_axis.set_opacity(0)
    axes.y_axis.set_opacity(0)
    area.frame = frame
    return area


def _tick_values(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9) * step
    return [round(v, 10) for v in np.arange(first, hi + 1e-9, step)]


def _fmt_tick(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}".replace("-", "−")


def heatmap(
    land: Landscape, area: PlotArea, theme: Theme, *, resolution: int = 220, log: bool = False
) -> ImageMobject:
    """The loss over the view box as one raster image (vectorised ``land.grid``)."""
    xs = np.linspace(*area.x_range, resolution)
    ys = np.linspace(*area.y_range, resolution)
    rgba = colormap(normalise(land.grid(xs, ys), log=log), theme.heat)[::-1]  # row 0 = top
    image = ImageMobject(np.ascontiguousarray(rgba))
    image.set_resampling_algorithm(2)  # bilinear
    image.stretch_to_fit_width(area.width).stretch_to_fit_height(area.height)
    image.move_to(area.center)
    return image


def marching_squares(z: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> np.ndarray:
    """Segments ``(n, 2, 2)`` of the ``level`` iso-line of ``z[iy, ix]``, vectorised."""
    a, b = z[:-1, :-1], z[:-1, 1:]
    c, d = z[1:, 1:], z[1:, :-1]
    x0, x1 = xs[None, :-1], xs[None, 1:]
    y0, y1 = ys[:-1, None], ys[1:, None]

    def cross(za: np.ndarray, zb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (level - za) / (zb - za)
        return ((za - level) * (zb - level) < 0) & np.isfinite(t), np.clip(np.nan_to_num(t), 0, 1)

    shape = a.shape
    edges = []
    for (za, zb), (px, py) in (
        ((a, b), (lambda t: x0 + t * (x1 - x0), lambda t: np.broadcast_to(y0, shape))),  # bottom
        ((b, c), (lambda t: np.broadcast_to(x1, shape), lambda t: y0 + t * (y1 - y0))),  # right
        ((d, c), (lambda t: x0 + t * (x1 - x0), lambda t: np.broadcast_to(y1, shape))),  # top
        ((a, d), (lambda t: np.broadcast_to(x0, shape), lambda t: y0 + t * (y1 - y0))),  # left
    ):
        m, t = cross(za, zb)
        edges.append(
            (m, np.stack([np.broadcast_to(px(t), shape), np.broadcast_to(py(t), shape)], -1))
        )
    mask = np.stack([e[0] for e in edges], -1)  # (ny, nx, 4)
    pts = np.stack([e[1] for e in edges], -2)  # (ny, nx, 4, 2)
    count = mask.sum(-1)
    two = count == 2
    order = np.argsort(~mask[two], axis=-1, kind="stable")[:, :2]
    p = pts[two]
    segs = [np.stack([p[np.arange(len(p)), order[:, 0]], p[np.arange(len(p)), order[:, 1]]], 1)]
    four = pts[count == 4]
    if len(four):
        segs += [four[:, [0, 3]], four[:, [1, 2]]]
    return np.concatenate(segs, 0) if segs else np.zeros((0, 2, 2))


def contours(
    land: Landscape,
    area: PlotArea,
    theme: Theme,
    *,
    levels: int = 12,
    resolution: int = 160,
    log: bool = False,
) -> VMobject:
    """Iso-loss lines as one ``VMobject`` (numpy marching squares; levels at quantiles)."""
    xs = np.linspace(*area.x_range, resolution)
    ys = np.linspace(*area.y_range, resolution)
    z = normalise(land.grid(xs, ys), log=log)
    qs = np.unique(np.quantile(z[np.isfinite(z)], np.linspace(0.04, 0.96, levels)))
    segs = np.concatenate([marching_squares(z, xs, ys, q) for q in qs], 0)
    a, b = area.to_scene(segs[:, 0]), area.to_scene(segs[:, 1])
    bez = np.stack([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b], 1).reshape(-1, 3)
    lines = VMobject(
        stroke_color=theme.contour, stroke_width=1.1, stroke_opacity=theme.contour_opacity
    )
    lines.set_points(bez)
    return lines


def curve(land: Landscape, area: PlotArea, theme: Theme, *, samples: int = 400) -> VMobject:
    """The 1-D loss curve over the view, clipped to the plot's loss range."""
    ws = np.linspace(*area.x_range, samples)
    fs = land.curve(ws)
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


# ---------------------------------------------------------------------------------------------
# Time: one clock per scene
# ---------------------------------------------------------------------------------------------
def partial_path(points: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """``(polyline, here)``: the points up to fractional index ``s``, ending at the point
    linearly interpolated at ``s`` (which is returned too)."""
    n = int(min(max(math.floor(s), 0), len(points) - 1))
    f = s - n
    here = points[n] if n + 1 >= len(points) else (1 - f) * points[n] + f * points[n + 1]
    return np.vstack([points[: n + 1], here[None]]), here


def step_weights(
    paths: Iterable[np.ndarray], *, floor: float = 0.25, turn_bonus: float = 1.5
) -> np.ndarray:
    """Time weight of each step from on-screen paths ``(steps+1, 3)``.

    A step takes longer when the dots move a lot (so the eye can follow) and when a
    path reverses direction (an overshoot); dull stretches get ``floor`` × the mean.
    """
    total: np.ndarray | None = None
    for p in paths:
        d = np.diff(np.nan_to_num(p), axis=0)
        move = np.linalg.norm(d, axis=-1)
        turn = np.zeros_like(move)
        dots = (d[1:] * d[:-1]).sum(-1)
        turn[1:] = (dots < 0).astype(float)
        w = move + turn_bonus * turn * (move.mean() + 1e-9)
        total = w if total is None else total + w
    assert total is not None
    total = np.sqrt(total + 1e-12)  # compress: a huge jump should not eat the whole clip
    return total + floor * total.mean()


class StepClock:
    """Animation time → trajectory step, shared by every moving part of a scene.

    The tracker holds *story time* ``α ∈ [0, 1]``; :meth:`step` maps it to a fractional
    step through the cumulative ``weights`` (one per step).
    """

    def __init__(self, steps: int, weights: np.ndarray | None = None) -> None:
        self.steps = steps
        w = np.ones(steps) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (steps,):
            raise ValueError(f"need {steps} weights, got {w.shape}")
        cum = np.concatenate([[0.0], np.cumsum(w)])
        self._alpha = cum / cum[-1]
        self._index = np.arange(steps + 1, dtype=np.float64)
        self._last = (math.nan, 0.0)  # (tracker value, step): a dozen read-outs ask per frame
        self.tracker = ValueTracker(0.0)

    def step(self) -> float:
        """Current fractional step."""
        alpha = self.tracker.get_value()
        if alpha != self._last[0]:
            self._last = (alpha, float(np.interp(alpha, self._alpha, self._index)))
        return self._last[1]

    def alpha_of(self, step: float) -> float:
        return float(np.interp(step, self._index, self._alpha))

    def to(self, step: float, run_time: float) -> Any:
        """An animation moving the clock to ``step`` (eased by the weights) in ``run_time`` s."""
        return self.tracker.animate(run_time=run_time, rate_func=linear).set_value(
            self.alpha_of(step)
        )


# ---------------------------------------------------------------------------------------------
# Moving parts
# ---------------------------------------------------------------------------------------------
def velocity_arrows(traj: Trajectory) -> dict[str, np.ndarray] | None:
    """``{"velocity": −lr·b}``: the step the momentum buffer makes, or ``None`` without one."""
    if "momentum_buffer" not in traj.state:
        return None
    return {"velocity": -np.asarray(traj.lr)[:, None] * np.asarray(traj.state["momentum_buffer"])}


def gradient_arrows(traj: Trajectory) -> dict[str, np.ndarray]:
    """``{"gradient": −lr·∇f}``: the plain gradient step at each recorded point."""
    return {"gradient": -np.asarray(traj.lr)[:, None] * np.asarray(traj.grad)}


def lookahead_form(traj: Trajectory) -> np.ndarray:
    """Positions of a ``nesterov=True`` SGD run in the textbook look-ahead form.

    With ``b[t]`` the recorded momentum buffer after ``t`` steps, torch's step is
    ``b[t+1] = μ·b[t] + ∇f(φ_t)`` and ``φ_{t+1} = φ_t − η·(∇f(φ_t) + μ·b[t+1])``: its
    parameter φ_t is the *look-ahead* point. The textbook iterate (Sutskever et al., 2013)
    is ``θ_t = φ_t + μ·η·b[t]``: the momentum step ``−μ·η·b[t]`` leads from θ_t to φ_t,
    where the gradient is taken, and ``θ_{t+1} = φ_t − η·∇f(φ_t)``. Pure arithmetic on
    recorded arrays (η of the step that produced ``b[t]``).
    """
    mu = float(traj.spec.kwargs.get("momentum", 0.0))
    buf = np.asarray(traj.state["momentum_buffer"])
    lr = np.asarray(traj.lr)
    lr_prev = np.concatenate([lr[:1], lr[:-1]])
    return np.asarray(traj.params) + mu * lr_prev[:, None] * buf


class Track(VGroup):
    """One trajectory on screen: dot, fading trail, optional arrows, edge pin.

    Parameters
    ----------
    path
        Data coordinates ``(steps+1, 2)`` (for 1-D landscapes: ``(w, loss)``).
    area
        The :class:`PlotArea` to draw in.
    clock
        The scene's :class:`StepClock`.
    color
        Dot and trail colour.
    arrows
        Optional ``{"gradient": (steps+1, 2), "velocity": (steps+1, 2)}`` data-space vectors
        drawn from the dot (display-scaled to stay legible; the dynamics are untouched).
    trail_tiers
        The trail is drawn in this many tiers, older ones dimmer.
    """

    def __init__(
        self,
        path: np.ndarray,
        area: PlotArea,
        clock: StepClock,
        *,
        color: str,
        theme: Theme,
        radius: float = 0.09,
        trail: bool = True,
        trail_tiers: int = 3,
        trail_width: float = 4.0,
        arrows: dict[str, np.ndarray] | None = None,
        arrow_scale: float = 1.0,
        escape_label: str | None = None,
        markers: bool = False,
        ghost: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        self.path = np.asarray(path, dtype=np.float64)
        self.area, self.clock, self.color, self.theme = area, clock, color, theme
        shown, self.out = area.display_path(self.path)
        self.screen = area.to_scene(shown)
        self.trail_parts = VGroup(
            *[
                VMobject(
                    stroke_color=color,
                    stroke_width=trail_width * (0.6 + 0.4 * i / max(trail_tiers - 1, 1)),
                    stroke_opacity=0.45 + 0.55 * (i + 1) / trail_tiers,
                )
                for i in range(trail_tiers)
            ]
        )
        self.tiers = trail_tiers
        self.dot = Dot(radius=radius, color=color).set_stroke(
            theme.background if theme.name != "light" else "#000000", 2
        )
        if theme.name == "dark" or theme.name == "transparent":
            self.dot.set_stroke("#FFFFFF", 1.5)
        self.arrow_data = arrows or {}
        self.arrow_scale = arrow_scale
        self.arrows: dict[str, Arrow] = {}
        for name in self.arrow_data:
            self.arrows[name] = Arrow(
                ORIGIN,
                RIGHT,
                buff=0,
                color=color if name == "velocity" else theme.text,
                stroke_width=5,
                max_tip_length_to_length_ratio=0.3,
            )
        self.pin = VGroup()
        self.escape_label = escape_label
        # one small dot per recorded step (shows the step sizes); hidden until reached
        self.markers = VGroup(
            *[Dot(p, radius=radius * 0.45, color=color) for p in self.screen] if markers else []
        )
        # look-ahead ghost: a hollow ring at another recorded point, tied to the dot by a dashed line
        self.ghost_screen = None if ghost is None else area.to_scene(area.display_path(ghost)[0])
        self.ghost = VGroup()
        if self.ghost_screen is not None:
            self.ghost = VGroup(
                DashedLine(ORIGIN, RIGHT, color=color, stroke_width=2, dash_length=0.06),
                Circle(radius=radius * 1.1, color=color, stroke_width=3),
            )
            self.add(self.ghost)
        if trail:
            self.add(self.trail_parts, self.markers)
        self.add(*self.arrows.values(), self.dot, self.pin)
        self._markers_at = -1
        self.add_updater(lambda m: m.update_to(clock.step()))
        self.update_to(0.0)

    def point_at(self, s: float) -> np.ndarray:
        """Scene position at fractional step ``s`` (linear between recorded steps)."""
        i = int(min(max(math.floor(s), 0), len(self.screen) - 1))
        j = min(i + 1, len(self.screen) - 1)
        f = s - i
        if self.out[i] and self.out[j]:  # pinned at the edge: jump between pins, never glide across
            return self.screen[j] if f >= 0.5 else self.screen[i]
        return (1 - f) * self.screen[i] + f * self.screen[j]

    def _vector(self, name: str, s: float) -> np.ndarray:
        i = int(round(min(max(s, 0), len(self.screen) - 1)))
        v = np.nan_to_num(self.arrow_data[name][i])
        scene = self.area.to_scene(v) - self.area.to_scene(np.zeros(2))
        length = float(np.linalg.norm(scene)) * self.arrow_scale
        if length < 1e-6:
            return np.zeros(3)
        shown = float(np.clip(length, 0.25, 2.2))  # display scale only
        return scene / np.linalg.norm(scene) * shown

    def update_to(self, s: float) -> Track:
        here = self.point_at(s)
        dot = self.dot.points  # a Dot's centre is the middle of its points' box (as move_to)
        self.dot.shift(here - (dot.min(0) + dot.max(0)) / 2)
        n = int(math.floor(s))
        pts = np.vstack([self.screen[: n + 1], here[None]])
        cuts = np.linspace(0, len(pts) - 1, self.tiers + 1).round().astype(int)
        for k, part in enumerate(self.trail_parts):
            seg = pts[cuts[k] : cuts[k + 1] + 1]
            if len(seg) >= 2:
                part.set_points_as_corners(seg)
            else:
                part.set_points_as_corners([here, here])
        if self.ghost_screen is not None:
            _, ghost = partial_path(self.ghost_screen, s)
            line, ring = self.ghost
            line.put_start_and_end_on(
                here, ghost + (RIGHT * 1e-3 if np.allclose(here, ghost) else 0)
            )
            ring.move_to(ghost)
        if n != self._markers_at:  # markers change only when a step is reached
            self._markers_at = n
            for t, marker in enumerate(self.markers):
                marker.set_opacity(1.0 if t <= n and not self.out[t] else 0.0)
        for name, arrow in self.arrows.items():
            vec = self._vector(name, s)
            visible = np.linalg.norm(vec) > 0 and not self.out[int(round(s))]
            arrow.put_start_and_end_on(here, here + (vec if visible else RIGHT * 0.01))
            arrow.set_opacity(1.0 if visible else 0.0)
        self._update_pin(s, here)
        return self

    def _update_pin(self, s: float, here: np.ndarray) -> None:
        """Show the edge pin (outward arrow + label) while the point is out of view."""
        i = int(round(min(s, len(self.out) - 1)))
        if not self.out[i]:
            self.pin.set_opacity(0)
            return
        if not len(self.pin):  # built once, on first use
            self.pin.add(
                Arrow(ORIGIN, RIGHT, buff=0, color=self.color, stroke_width=6),
                label(self.escape_label or "diverged", 22, self.color),
            )
        direction = here - self.area.center
        direction /= np.linalg.norm(direction) + 1e-9
        arrow, tag = self.pin
        arrow.put_start_and_end_on(here - direction * 0.05, here + direction * 0.55)
        tag.next_to(here, -direction, buff=0.25)
        self.pin.set_opacity(1)


class Legend(VGroup):
    """Optimizer swatches with labels and, optionally, a live read-out per row.

    ``entries`` are ``(text, colour, trajectory)``; with a clock, each row shows
    ``value_name value(traj, step)`` (default: the loss) in a column beside the labels.
    """

    def __init__(
        self,
        entries: Sequence[tuple[str, str, Trajectory | None]],
        clock: StepClock | None,
        theme: Theme,
        *,
        font_size: int = 24,
        show_loss: bool = True,
        value: Callable[[Trajectory, int], float] | None = None,
        value_name: str = "loss",
    ) -> None:
        super().__init__()
        self.rows = VGroup(
            *[
                VGroup(Dot(radius=0.1, color=color), label(text, font_size, theme.text)).arrange(
                    RIGHT, buff=0.15
                )
                for text, color, _ in entries
            ]
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        self.add(self.rows)
        if not (show_loss and clock is not None):
            return
        getter = value or (lambda tr, t: float(tr.loss[t]))
        column = self.rows.get_right()[0] + 0.4
        for (_, _, traj), row in zip(entries, self.rows, strict=True):
            if traj is None:
                continue
            readout = FastText(
                f"{value_name} {fmt_value(getter(traj, 0))}", font_size - 2, theme.muted
            )
            readout.place(
                np.array([column, row[1].get_bottom()[1], 0.0])
            )  # on the label's baseline

            def refresh(m: FastText, traj: Trajectory = traj) -> None:
                t = int(round(min(clock.step(), traj.steps)))
                m.set_text(f"{value_name} {fmt_value(getter(traj, t))}")

            readout.add_updater(refresh)
            self.add(readout)


def fmt_value(v: float) -> str:
    """A loss value for read-outs: 4 significant digits, ∞ for overflow."""
    if not math.isfinite(v):
        return "−∞" if v < 0 else ("∞" if v > 0 else "NaN")
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.2e}".replace("-", "−")
    return f"{v:.4g}".replace("-", "−")


class LossPanel(VGroup):
    """A side panel plotting a per-step series for each track (loss, distance, ...), synced.

    ``series`` maps ``(label, colour)`` to a ``(steps+1,)`` array; ``log`` plots log10.
    """

    def __init__(
        self,
        series: Sequence[tuple[str, np.ndarray]],
        clock: StepClock,
        theme: Theme,
        *,
        width: float = 4.6,
        height: float = 2.6,
        log: bool = False,
        y_label: str = "loss",
        y_range: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        steps = clock.steps
        values = [np.asarray(v, dtype=np.float64) for _, v in series]
        if log:
            values = [np.log10(np.maximum(np.abs(v), 1e-12)) for v in values]
        finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.zeros(1)
        if y_range is None:
            lo, hi = float(np.min(finite)), float(np.max(finite))
            pad = 0.06 * (hi - lo or 1.0)
            y_range = (lo - pad, hi + pad)
        self.area = plot_area(
            (0.0, float(steps)),
            y_range,
            width=width,
            height=height,
            theme=theme,
            font_size=16,
            labels=("step", ("log₁₀ " if log else "") + y_label),
        )
        self.add(self.area.axes)
        self.lines = VGroup()
        for (color, _), v in zip(series, values, strict=True):
            data = self.area.clamp(np.stack([np.arange(steps + 1), v], -1))
            line = VMobject(stroke_color=color, stroke_width=3)
            self.lines.add(line)
            marker = Dot(radius=0.05, color=color)
            self.lines.add(marker)

            def refresh(m: VMobject, data: np.ndarray = data, marker: Dot = marker) -> None:
                # mapped live: the panel may have been moved after it was built
                polyline, here = partial_path(self.area.to_scene(data), clock.step())
                m.set_points_as_corners(polyline)
                marker.move_to(here)

            refresh(line)
            line.add_updater(refresh)
        self.add(self.lines)


class FastText(VMobject):
    """Text that can change every frame cheaply: one ``VMobject`` built from cached glyphs.

    Each character is shaped by Pango once per font size and its outline kept as points;
    :meth:`set_text` only concatenates those arrays. Creating a ``Text`` per frame costs
    ~40 ms (Pango, SVG parsing, a deep copy); this costs microseconds.

    The anchor — the left end of the baseline — is stored as the first (zero-length) curve
    of the points, so moving the text or any group holding it moves the anchor too.
    """

    _glyphs: ClassVar[dict[tuple[str, int], tuple[np.ndarray, float]]] = {}
    #: whole strings → outline relative to the anchor (read-outs repeat their strings)
    _strings: ClassVar[dict[tuple[str, int], np.ndarray]] = {}

    def __init__(self, text: str, font_size: int, color: str, **kw: Any) -> None:
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0, **kw)
        self.font_size = font_size
        self.text: str | None = None
        self.set_points(np.zeros((4, 3)))
        self.set_text(text)

    @classmethod
    def glyph(cls, ch: str, font_size: int) -> tuple[np.ndarray, float]:
        """``(outline points relative to the pen, advance)`` of one character."""
        key = (ch, font_size)
        if key not in cls._glyphs:
            bars = text_outlines("||", font_size)
            bearing = float(bars[1][:, 0].min() - bars[0][:, 0].max())  # the bars' own sides
            probe = text_outlines(f"|{ch}|", font_size)
            left, right = probe[0], probe[-1]
            pen = np.array([left[:, 0].max() + bearing / 2, left[:, 1].min(), 0.0])
            inner = probe[1:-1]
            pts = np.concatenate(inner, 0) if inner else np.zeros((0, 3))
            advance = float(right[:, 0].min() - left[:, 0].max()) - bearing
            cls._glyphs[key] = (pts - pen, advance)
        return cls._glyphs[key]

    @property
    def anchor(self) -> np.ndarray:
        return np.array(self.points[0])

    def set_text(self, text: str) -> FastText:
        if text == self.text:
            return self
        self.text = text
        key = (text, self.font_size)
        outline = self._strings.get(key)
        if outline is None:
            pen, parts = 0.0, [np.zeros((4, 3))]
            for ch in text:
                pts, advance = self.glyph(ch, self.font_size)
                if len(pts):
                    parts.append(pts + np.array([pen, 0.0, 0.0]))
                pen += advance
            if len(self._strings) > 50_000:  # bounded: a long scene formats many numbers
                self._strings.clear()
            outline = self._strings[key] = np.concatenate(parts, 0)
        self.set_points(outline + self.anchor)
        return self

    def place(self, anchor: np.ndarray) -> FastText:
        """Move the baseline's left end to ``anchor``."""
        return self.shift(np.asarray(anchor, dtype=np.float64) - self.anchor)


def live_text(
    clock: StepClock,
    text: Callable[[int], str],
    theme: Theme,
    *,
    font_size: int = 24,
    color: str | None = None,
) -> VGroup:
    """A text read-out ``text(step)`` refreshed from the clock (its left edge stays put)."""
    readout = FastText(text(0), font_size, color or theme.muted)

    def refresh(m: FastText) -> None:
        m.set_text(text(int(round(min(clock.step(), clock.steps)))))

    readout.add_updater(refresh)
    return VGroup(readout)


def step_counter(clock: StepClock, theme: Theme, *, font_size: int = 24) -> VGroup:
    """``step 12 / 100``, updated from the clock."""
    return live_text(clock, lambda t: f"step {t} / {clock.steps}", theme, font_size=font_size)


_OUTLINES: dict[tuple[str, int], list[np.ndarray]] = {}
#: bump when the stored outline format changes
TEXT_CACHE_VERSION = 1


def text_outlines(text: str, font_size: int) -> list[np.ndarray]:
    """The outline points of each glyph of ``Text(text)`` in :data:`FONT`, at the origin.

    Pango lays the text out and Manim parses its SVG: ~15 ms a string, most of a scene's
    set-up. The outlines are kept in memory and in ``engine.cache_dir()/text`` (keyed by
    text, size, font and the Manim and ManimPango versions), so a second render of a scene
    builds its labels from arrays.
    """
    key = (text, font_size)
    if key in _OUTLINES:
        return _OUTLINES[key]
    import manimpango
    from manim import __version__ as manim_version

    ident = json.dumps(
        [TEXT_CACHE_VERSION, text, font_size, FONT, manim_version, manimpango.__version__]
    )
    path = engine.cache_dir() / "text" / f"{hashlib.sha256(ident.encode()).hexdigest()}.npz"
    parts: list[np.ndarray] | None = None
    try:
        with np.load(path, allow_pickle=False) as npz:
            parts = [np.array(npz[f"glyph{i}"]) for i in range(int(npz["count"]))]
    except (OSError, ValueError, KeyError):
        parts = None  # missing or unreadable: laid out again
    if parts is None:
        glyphs = Text(text, font=FONT, font_size=font_size).family_members_with_points()
        parts = [np.array(m.points) for m in glyphs]
        arrays = {f"glyph{i}": p for i, p in enumerate(parts)}
        engine.write_cache(path, lambda fh: np.savez(fh, count=np.array(len(parts)), **arrays))
    _OUTLINES[key] = parts
    return parts


def label(text: str, font_size: int, color: str) -> VGroup:
    """A Pango text (no LaTeX) as one filled ``VMobject`` per glyph, like Manim's ``Text``.

    Built from :func:`text_outlines`, so it costs microseconds once the text was laid out.
    """
    return VGroup(
        *[
            VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0).set_points(pts)
            for pts in text_outlines(text, font_size)
        ]
    )


def title_block(title: str, subtitle: str | None, theme: Theme) -> VGroup:
    """Title (and a smaller subtitle line) at the top edge of the frame."""
    head = label(title, 36, theme.text)
    if head.width > config.frame_width - 0.8:
        head.scale_to_fit_width(config.frame_width - 0.8)
    group = VGroup(head)
    if subtitle:
        sub = label(subtitle, 22, theme.muted)
        if sub.width > config.frame_width - 0.8:
            sub.scale_to_fit_width(config.frame_width - 0.8)
        group.add(sub.next_to(head, DOWN, buff=0.12))
    return group.to_edge(UP, buff=0.25)


def auto_view(
    land: Landscape, paths: Sequence[np.ndarray], *, pad: float = 0.06
) -> tuple[tuple[float, float], ...]:
    """The landscape's view box grown to hold every finite point of ``paths`` (plus padding)."""
    pts = np.concatenate([np.asarray(p).reshape(-1, land.dim) for p in paths], 0)
    pts = pts[np.isfinite(pts).all(-1)]
    out = []
    for i, (lo, hi) in enumerate(land.view):
        a, b = min(lo, float(pts[:, i].min())), max(hi, float(pts[:, i].max()))
        span = b - a
        out.append((a - pad * span, b + pad * span) if (a, b) != (lo, hi) else (lo, hi))
    return tuple(out)


def swapped(land: Landscape) -> Landscape:
    """A 2-D landscape with its two coordinates exchanged (e.g. to plot (bias, weight))."""
    import dataclasses

    def fn(x: Any) -> Any:
        return land.fn(x.flip(-1))

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


def escape_label(traj: Trajectory) -> str:
    """What a point that leaves the view is called: ``loss → −∞``, ``diverged`` or ``out of view``."""
    finite = np.asarray(traj.loss)[np.isfinite(traj.loss)]
    if traj.diverged and len(finite) and finite[-1] < 0 and finite[-1] < finite[0]:
        return "loss → −∞"
    return "diverged" if traj.diverged else "out of view"


# ---------------------------------------------------------------------------------------------
# Camera
# ---------------------------------------------------------------------------------------------
class PathCamera(Camera):
    """Manim's Cairo camera, doing less per mobject (same paths, same pixels).

    A scene with trails, a panel and read-outs redraws ~40 mobjects and ~2,600 Bézier
    curves a frame. ``Camera.set_cairo_context_path`` finds the subpaths with a general
    NumPy routine (~60 µs a mobject) and hands Cairo each curve through six NumPy scalar
    look-ups; here finite points take a short path and one list conversion. Fills and
    strokes that are fully transparent (a trail's fill, hidden markers) are not painted.
    """

    def set_cairo_context_path(self, ctx: Any, vmobject: VMobject) -> PathCamera:
        points = vmobject.points
        n = len(points)
        if n < 4 or n % 4 or vmobject.n_points_per_cubic_curve != 4:
            super().set_cairo_context_path(ctx, vmobject)  # the rare cases, as Manim does them
            return self
        if not np.isfinite(points).all():
            super().set_cairo_context_path(ctx, vmobject)
            return self
        ctx.new_path()
        # subpaths: a curve whose start is not (np.isclose) the previous curve's end opens one
        ends, starts = points[3:-1:4, :2], points[4::4, :2]
        atol = vmobject.tolerance_for_point_equality
        apart = (np.abs(ends - starts) > atol + 1.0e-5 * np.abs(starts)).any(axis=1)
        cuts = [0, *(4 * (np.flatnonzero(apart) + 1)).tolist(), n]
        splits = zip(cuts[:-1], cuts[1:], strict=True)
        flat = points[:, :2].ravel().tolist()  # x0, y0, x1, y1, ...
        curve_to = ctx.curve_to
        for start, end in splits:
            if end - start < 4:
                continue
            ctx.new_sub_path()
            ctx.move_to(flat[2 * start], flat[2 * start + 1])
            for i in range(2 * start + 2, 2 * end - 6 + 1, 8):  # handle, handle, anchor
                curve_to(*flat[i : i + 6])
            if vmobject.consider_points_equals_2d(points[start], points[end - 1]):
                ctx.close_path()
        return self

    def apply_fill(self, ctx: Any, vmobject: VMobject) -> PathCamera:
        if self.get_fill_rgbas(vmobject)[:, 3].any():  # alpha 0 everywhere paints nothing
            super().apply_fill(ctx, vmobject)
        return self

    def apply_stroke(self, ctx: Any, vmobject: VMobject, background: bool = False) -> PathCamera:
        if vmobject.get_stroke_width(background) and not np.any(
            self.get_stroke_rgbas(vmobject, background=background)[:, 3]
        ):
            return self  # a hidden stroke
        super().apply_stroke(ctx, vmobject, background)
        return self


# ---------------------------------------------------------------------------------------------
# Base scene
# ---------------------------------------------------------------------------------------------
class DescentScene(Scene):
    """Base class of descent scenes: class attributes describe what to simulate.

    A variant is a subclass that changes class attributes (``landscape``, ``optimizers``,
    ``start``, ``steps``, ``run_time``, ``theme_name`` ...). Everything is simulated by
    :meth:`simulate` before the first frame.
    """

    #: one-line description for ``descent list``
    description: ClassVar[str] = ""
    title: ClassVar[str] = ""
    subtitle: ClassVar[str | None] = None
    landscape: ClassVar[str] = "bowl"
    landscape_params: ClassVar[dict[str, Any]] = {}
    optimizers: ClassVar[tuple[OptimizerSpec, ...]] = ()
    start: ClassVar[Sequence[float] | None] = None
    steps: ClassVar[int] = 100
    grad_noise: ClassVar[float] = 0.0
    seed: ClassVar[int] = 0
    run_time: ClassVar[float] = 6.0
    end_wait: ClassVar[float] = 1.0
    theme_name: ClassVar[str | None] = None
    #: ease the clock through dull stretches (False: one step, one tick)
    ease: ClassVar[bool] = True

    _updaters: tuple[Any, list[tuple[Mobject, Callable[..., Any], bool]]] | None = None

    def __init__(self, **kwargs: Any) -> None:
        if not isinstance(self, ThreeDScene):  # 3-D scenes keep their ThreeDCamera
            kwargs.setdefault("camera_class", PathCamera)
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.theme = get_theme(self.theme_name)
        self.camera.background_color = self.theme.background
        if self.theme.name == "transparent":
            self.camera.background_opacity = 0.0

    # -- data ---------------------------------------------------------------------------------
    @classmethod
    def get_landscape(cls) -> Landscape:
        """The scene's landscape (from its class attributes)."""
        return engine.get_landscape(cls.landscape, **cls.landscape_params)

    @classmethod
    def simulate(
        cls, specs: Sequence[OptimizerSpec] | None = None, **overrides: Any
    ) -> tuple[Landscape, list[Trajectory]]:
        """The landscape and one trajectory per optimizer (cached by the engine).

        A classmethod: tests and tools get a scene's data without building the scene.
        """
        land = cls.get_landscape()
        kw: dict[str, Any] = dict(
            start=cls.start if cls.start is not None else land.default_start,
            steps=cls.steps,
            grad_noise=cls.grad_noise,
            seed=cls.seed,
        )
        kw.update(overrides)
        return land, [engine.simulate(land, s, **kw) for s in (specs or cls.optimizers)]

    # -- layout helpers -------------------------------------------------------------------------
    def add_title(self) -> VGroup:
        block = title_block(self.title, self.subtitle, self.theme)
        self.add(block)
        return block

    def surface_area(
        self,
        land: Landscape,
        *,
        width: float = 7.0,
        height: float = 5.6,
        view: tuple[tuple[float, float], ...] | None = None,
        log: bool = False,
        levels: int = 12,
        center: np.ndarray | None = None,
        labels: bool = True,
    ) -> PlotArea:
        """Axes + heat map + contours for a 2-D landscape, added now (static background first)."""
        (x0, x1), (y0, y1) = view or land.view
        area = plot_area(
            (x0, x1),
            (y0, y1),
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], land.axis_labels[1]) if labels else None,
        )
        group = Group(
            heatmap(land, area, self.theme, log=log),
            contours(land, area, self.theme, log=log, levels=levels),
            area.axes,
        )
        if center is not None:
            group.shift(np.asarray(center) - area.center)  # centre the plot box itself
        self.add(*group)
        minima = [p.position for p in land.points_of_kind("global_min", "local_min")]
        if land.optimum is not None and not any(np.allclose(m, land.optimum) for m in minima):
            minima.append(land.optimum)  # e.g. L1's minimum, which is not a smooth stationary point
        for m in minima:
            if area.inside(np.array(m)):
                self.add(_star(area.to_scene(np.array(m)), self.theme))
        return area

    def curve_area(
        self,
        land: Landscape,
        *,
        width: float = 8.0,
        height: float = 5.2,
        y_range: tuple[float, float] | None = None,
        x_range: tuple[float, float] | None = None,
        center: np.ndarray | None = None,
        mark_minima: bool = True,
    ) -> PlotArea:
        """Axes + loss curve for a 1-D landscape, added now."""
        x_range = x_range or land.view[0]
        if y_range is None:
            sample = land.curve(np.linspace(*x_range, 200))
            y_range = land.value_range or (float(sample.min()), float(sample.max()))
        area = plot_area(
            x_range,
            y_range,
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], "loss"),
        )
        if center is not None:
            area.axes.shift(np.asarray(center) - area.center)  # centre the plot box itself
        self.add(area.axes, curve(land, area, self.theme))
        if mark_minima:
            for p in land.points_of_kind("global_min", "local_min"):
                w = p.position[0]
                if x_range[0] <= w <= x_range[1]:
                    at = area.to_scene(np.array([w, float(land.value([w]))]))
                    name = "global minimum" if p.kind == "global_min" else "local minimum"
                    self.add(
                        _star(at, self.theme),
                        label(name, 18, self.theme.muted).next_to(at, DOWN, buff=0.2),
                    )
        return area

    def track(
        self,
        traj: Trajectory,
        area: PlotArea,
        color: str,
        *,
        path: np.ndarray | None = None,
        **kw: Any,
    ) -> Track:
        """A :class:`Track` for ``traj``: 1-D runs ride the curve at ``(w, loss)``."""
        if path is None:
            path = traj.params if traj.dim == 2 else np.stack([traj.params[:, 0], traj.loss], -1)
        kw.setdefault("escape_label", escape_label(traj))
        return Track(path, area, self.clock, color=color, theme=self.theme, **kw)

    def path_of(self, traj: Trajectory) -> np.ndarray:
        """What a track draws: params (2-D), ``(w, loss)`` on the curve (1-D)."""
        return traj.params if traj.dim == 2 else np.stack([traj.params[:, 0], traj.loss], -1)

    def colors_for(self, trajs: Sequence[Trajectory]) -> list[str]:
        """One colour per trajectory (see :func:`palette_for`)."""
        return palette_for([t.label for t in trajs], self.theme)

    @classmethod
    def specs(cls) -> list[OptimizerSpec]:
        """Every optimizer spec the scene shows (``optimizers``, ``optimizer`` or ``runs``)."""
        found = list(cls.optimizers)
        single = getattr(cls, "optimizer", None)
        if isinstance(single, OptimizerSpec):
            found.append(single)
        found += [spec for spec, _ in getattr(cls, "runs", ())]
        return found

    def legend(
        self,
        trajs: Sequence[Trajectory],
        colors: Sequence[str],
        *,
        show_loss: bool = True,
        font_size: int = 24,
    ) -> Legend:
        """Legend rows ``label  loss …`` with the optimizer's hyper-parameters in the label."""
        entries = [(self.legend_label(t), c, t) for t, c in zip(trajs, colors, strict=True)]
        return Legend(entries, self.clock, self.theme, show_loss=show_loss, font_size=font_size)

    def legend_label(self, traj: Trajectory) -> str:
        return traj.label

    def make_clock(
        self, areas_paths: Sequence[tuple[PlotArea, np.ndarray]], steps: int | None = None
    ) -> StepClock:
        """One clock for all tracks, eased by how much the on-screen paths move and turn."""
        steps = steps if steps is not None else self.steps
        paths = [area.to_scene(area.clamp(p)) for area, p in areas_paths]
        self.clock = StepClock(steps, step_weights(paths) if self.ease and paths else None)
        return self.clock  # its tracker joins the scene when first played, after the static parts

    def add_layered(self, *mobjects: Mobject) -> None:
        """Add ``mobjects`` so that only their parts with updaters are redrawn every frame.

        Manim draws the mobjects before the first moving one once per ``play()``, and every
        later one each frame; a legend whose read-outs update would otherwise redraw all of
        its static labels too. Static leaves are inserted before anything that moves.
        """
        static: list[Mobject] = []
        moving: list[Mobject] = []

        def split(m: Mobject) -> None:
            if not m.get_family_updaters():
                static.append(m)
            elif m.updaters or not m.submobjects or (isinstance(m, VMobject) and len(m.points)):
                moving.append(m)
            else:
                for sub in m.submobjects:
                    split(sub)

        for m in mobjects:
            split(m)
        self.remove(*static)
        first = next(
            (i for i, m in enumerate(self.mobjects) if m.get_family_updaters()), len(self.mobjects)
        )
        self.mobjects[first:first] = static
        self.add(*moving)

    def update_mobjects(self, dt: float) -> None:
        """Run every updater in the scene, in Manim's order, without walking static families.

        Manim's ``Mobject.update`` recurses through every family each frame and calls
        ``inspect.signature`` on each updater: ~530 calls a frame for a dozen updaters in
        ``OptimizerRace``. The list of ``(mobject, updater, takes dt)`` is built once per
        animation and again whenever the scene's top-level mobjects change. One difference
        from Manim: an updater added *inside another updater* to a mobject already in the
        scene runs from the next animation on (nothing in descent does that).
        """
        key = (self.renderer.num_plays, tuple(map(id, self.mobjects)))
        if self._updaters is None or self._updaters[0] != key:
            seen: set[int] = set()
            found: list[tuple[Mobject, Callable[..., Any], bool]] = []
            for top in self.mobjects:
                for mob in top.get_family():
                    if id(mob) in seen:
                        continue
                    seen.add(id(mob))
                    found += [
                        (mob, u, "dt" in inspect.signature(u).parameters) for u in mob.updaters
                    ]
            self._updaters = (key, found)
        for mob, updater, takes_dt in self._updaters[1]:
            if not mob.updating_suspended:
                updater(mob, dt) if takes_dt else updater(mob)

    def play_steps(self, to: float | None = None, run_time: float | None = None) -> None:
        """Advance the shared clock to step ``to`` (default: the end)."""
        self.play(self.clock.to(self.clock.steps if to is None else to, run_time or self.run_time))

    def finish(self) -> None:
        """Hold the final state so the last frame shows it (rendered once, then repeated)."""
        self.wait(self.end_wait, frozen_frame=True)


def _star(point: np.ndarray, theme: Theme) -> VMobject:
    """The marker of a known minimum."""
    return Star(
        n=5, outer_radius=0.13, inner_radius=0.055, color=theme.text, fill_opacity=1, stroke_width=1
    ).move_to(point)


class CurveScene(DescentScene):
    """Storyboard of a 1-D comparison: the loss curve, one dot per optimizer, a legend.

    Hooks: :meth:`annotate` (extra labels on the curve). Layout: ``plot_width``,
    ``plot_height``, ``plot_center``, ``y_range``.
    """

    plot_width: ClassVar[float] = 7.6
    plot_height: ClassVar[float] = 5.3
    plot_center: ClassVar[np.ndarray] = LEFT * 2.3 + DOWN * 0.3
    y_range: ClassVar[tuple[float, float] | None] = None

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
        )
        self.annotate(land, area)
        # -- moving parts on one clock --
        self.make_clock([(area, self.path_of(t)) for t in trajs])
        tracks = [
            self.track(t, area, c, markers=True, radius=0.11)
            for t, c in zip(trajs, colors, strict=True)
        ]
        # -- legend with live loss, step counter --
        legend = self.legend(trajs, colors)
        legend.shift(
            RIGHT
            * (area.to_scene(np.array([area.x_range[1], 0.0]))[0] + 0.6 - legend.get_left()[0])
        )
        legend.shift(UP * (0.6 - legend.get_center()[1]))
        counter = (
            step_counter(self.clock, self.theme)
            .next_to(legend, UP, buff=0.4)
            .align_to(legend, LEFT)
        )
        self.add_layered(legend, counter, *reversed(tracks))
        # -- run --
        self.play_steps()
        self.finish()


class SurfaceScene(DescentScene):
    """Storyboard of a 2-D comparison: heat map + contours, dots with trails, legend, side panel.

    Hooks: :meth:`view_for` (view box), :meth:`arrows_for` (arrows on a dot),
    :meth:`panel_series` (side panel curves), :meth:`before_run` (a slowed-down prelude).
    """

    plot_width: ClassVar[float] = 6.0
    plot_height: ClassVar[float] = 5.4
    plot_center: ClassVar[np.ndarray] = LEFT * 2.95 + DOWN * 0.3
    log_heat: ClassVar[bool] = False
    markers: ClassVar[bool] = False
    panel_log: ClassVar[bool] = True
    panel_label: ClassVar[str] = "loss"
    panel_y_range: ClassVar[tuple[float, float] | None] = None
    auto_view: ClassVar[bool] = False
    legend_font: ClassVar[int] = 24
    show_panel: ClassVar[bool] = True
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

    def ghost_for(self, traj: Trajectory) -> np.ndarray | None:
        return None

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        return [np.asarray(t.loss) for t in trajs]

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
        )
        # -- moving parts on one clock --
        self.make_clock([(area, self.path_of(t)) for t in trajs])
        tracks = [
            self.track(
                t, area, c, markers=self.markers, arrows=self.arrows_for(t), ghost=self.ghost_for(t)
            )
            for t, c in zip(trajs, colors, strict=True)
        ]
        # -- side: legend with live loss, synced panel --
        column_left = area.frame.get_right()[0] + 0.6
        counter = step_counter(self.clock, self.theme)
        counter.shift(
            RIGHT * (column_left - counter.get_left()[0]) + UP * (2.45 - counter.get_top()[1])
        )
        legend = self.legend(trajs, colors, font_size=self.legend_font)
        legend.next_to(counter, DOWN, buff=0.3).align_to(counter, LEFT)
        parts: list[Mobject] = [legend, counter]
        room = legend.get_bottom()[1] - (-config.frame_height / 2 + 0.55) - 0.75
        if self.show_panel and room > 1.6:
            panel = LossPanel(
                list(zip(colors, self.panel_series(land, trajs), strict=True)),
                self.clock,
                self.theme,
                log=self.panel_log,
                y_label=self.panel_label,
                y_range=self.panel_y_range,
                height=min(2.6, room - 0.6),
                width=min(4.6, config.frame_width / 2 - column_left - 0.4),
            )
            parts.append(panel.to_corner(RIGHT + DOWN, buff=0.5))
        self.add_layered(*parts, *reversed(tracks))
        # -- run --
        self.before_run(land, area, trajs, tracks)
        self.play_steps()
        self.finish()
