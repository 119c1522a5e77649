"""Read-outs synced to the clock: the :class:`Legend` with live values, the step counter,
:func:`live_text` and the :class:`LossPanel` (a per-step series beside the plot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Dot,
    Line,
    VGroup,
    VMobject,
)

from descent.engine import OptimizerSpec, Trajectory
from descent.scenes.kit.clock import StepClock, partial_path
from descent.scenes.kit.plot import plot_area
from descent.scenes.kit.text import FastText, fmt_value, halo, label
from descent.scenes.kit.theme import Theme, text_color
from descent.scenes.kit.tracks import nan_from, set_shown

__all__ = [
    "hyperparameters",
    "run_settings",
    "distinct_labels",
    "default_lr",
    "Legend",
    "Room",
    "LossPanel",
    "panel_scale",
    "as_drawn",
    "symlog",
    "symlog_ticks",
    "live_text",
    "step_counter",
]


#: the field's symbols for torch's keyword names, for crowded legends
SYMBOLS = {"momentum": "μ", "weight_decay": "λ", "dampening": "τ", "betas": "β", "alpha": "α"}


def hyperparameters(spec: OptimizerSpec, *, symbols: bool = False) -> str:
    """Every hyper-parameter a run was given, as torch names them: ``lr 0.01, momentum 0.9``
    (``nesterov`` when true; a scheduler after ``·``); with ``symbols``, the field's symbols
    (:data:`SYMBOLS`: ``μ 0.9``).

    Examples
    --------
    >>> from descent.engine import OptimizerSpec
    >>> hyperparameters(OptimizerSpec("SGD", lr=0.01, momentum=0.9, nesterov=True))
    'lr 0.01, momentum 0.9, nesterov'
    """
    parts = [_setting(name, value, symbols) for name, value in spec.kwargs.items()]
    text = ", ".join(p for p in parts if p)
    if spec.scheduler:
        text += f" · {spec.scheduler}"
    return text.replace("-", "−")


def _setting(name: str, value: object, symbols: bool) -> str:
    """One hyper-parameter as :func:`hyperparameters` writes it (``""``: a false flag)."""
    key = SYMBOLS.get(name, name) if symbols else name
    if isinstance(value, bool):
        return key if value else ""
    if isinstance(value, tuple | list):
        return f"{key} ({', '.join(f'{v:g}' for v in value)})"
    if isinstance(value, int | float):
        return f"{key} {value:g}"
    return f"{key} {value}"


def distinct_labels(specs: Sequence[OptimizerSpec]) -> list[OptimizerSpec]:
    """``specs`` with every label told apart: specs that share a label (three ``SGD`` at
    lr 0.05, 0.5, 1.2) are labelled by it and the settings that differ among them, with
    the field's symbols (``SGD (lr 0.05)``); the others are returned as they are.

    The story, the title's judgement and the player name and count runs by label: runs of
    one label would be one run there.

    Examples
    --------
    >>> [s.label for s in distinct_labels([OptimizerSpec("SGD", lr=0.05), OptimizerSpec("SGD", lr=0.5)])]
    ['SGD (lr 0.05)', 'SGD (lr 0.5)']
    >>> [s.label for s in distinct_labels([OptimizerSpec("SGD", lr=0.1), OptimizerSpec("Adam")])]
    ['SGD', 'Adam']
    """
    import copy

    out = list(specs)
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(out):
        groups.setdefault(s.label, []).append(i)
    for name, members in groups.items():
        if len(members) < 2:
            continue
        keys = dict.fromkeys(k for i in members for k in out[i].kwargs)
        differ = [k for k in keys if len({repr(out[i].kwargs.get(k)) for i in members}) > 1]
        for n, i in enumerate(members, 1):
            words = ", ".join(
                w for k in differ if (w := _setting(k, out[i].kwargs.get(k, False), True))
            )
            if out[i].scheduler and len({out[j].scheduler for j in members}) > 1:
                words = ", ".join(filter(None, [words, out[i].scheduler]))
            new = copy.copy(out[i])
            object.__setattr__(new, "label", f"{name} ({words or f'run {n}'})")
            out[i] = new
    return out


def default_lr(name: str) -> float | None:
    """torch's default ``lr`` of optimizer ``name`` (``torch.optim.Adam`` → 0.001), or
    ``None`` when it has none (a class that is not torch's, or ``lr`` without a default)."""
    import inspect

    import torch

    cls = getattr(torch.optim, name, None)
    if cls is None:
        return None
    param = inspect.signature(cls).parameters.get("lr")
    if param is None or not isinstance(param.default, int | float):
        return None
    return float(param.default)


def run_settings(spec: OptimizerSpec, label: str = "") -> str:
    """What a legend row adds to a run's ``label``: every hyper-parameter the run was given,
    with the field's symbols (:func:`hyperparameters`), ``lr`` always (torch's default when
    the spec leaves it out), less what the label already says (``lr = 0.1``, ``Nesterov``).

    Examples
    --------
    >>> run_settings(OptimizerSpec("SGD", lr=0.05, momentum=0.9), "Momentum")
    'lr 0.05, μ 0.9'
    >>> run_settings(OptimizerSpec("SGD", lr=0.05, momentum=0.9, nesterov=True), "Nesterov")
    'lr 0.05, μ 0.9'
    >>> run_settings(OptimizerSpec("SGD", lr=0.1), "lr = 0.1"), run_settings(OptimizerSpec("Adam"))
    ('', 'lr 0.001')
    """
    kwargs = dict(spec.kwargs)
    if "lr" not in kwargs and (lr := default_lr(spec.name)) is not None:
        kwargs = {"lr": lr, **kwargs}  # torch's default: on screen too
    said = label.lower().replace(" ", "").replace("=", "").replace("-", "−")
    parts = []
    for key, value in kwargs.items():
        plain, symbol = (_setting(key, value, sym).replace("-", "−") for sym in (False, True))
        if not symbol or any(p.replace(" ", "").lower() in said for p in (plain, symbol)):
            continue  # false, or the label says it already
        parts.append(symbol)
    text = ", ".join(parts)
    if spec.scheduler:
        text += f" · {spec.scheduler}"
    return text


class Room(Line):
    """An invisible baseline as long as the widest text a live read-out will show: it keeps
    the read-out's group as wide as that text at every step (for placing it, and for
    checking that it stays in the frame)."""

    def __init__(self, anchor: np.ndarray, width: float) -> None:
        super().__init__(anchor, anchor + RIGHT * max(width, 1e-3), stroke_opacity=0.0)


class Legend(VGroup):
    """Optimizer swatches with labels and, optionally, a live read-out per row.

    ``entries`` are ``(text, colour, trajectory)``; with a clock, each row shows
    ``value_name value(traj, step)`` (default: the loss) in a column beside the labels, or
    ``readout(traj, step)`` when that is given (any text, e.g. several numbers).
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
        readout: Callable[[Trajectory, int], str] | None = None,
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
        #: (row, read-out, its room) per row with a trajectory
        self.readouts: list[tuple[VGroup, FastText, Room]] = []
        self.widest = 0.0
        if not (show_loss and clock is not None):
            return
        getter = value or (lambda tr, t: float(tr.loss[t]))
        text = readout or (lambda tr, t: f"{value_name} {fmt_value(getter(tr, t))}")
        size = font_size - 2
        # the widest text any row will show, over every step: the layout is made for it
        self.widest = max(
            (
                FastText.width_of(text(traj, t), size)
                for _, _, traj in entries
                if traj is not None
                for t in range(traj.steps + 1)
            ),
            default=0.0,
        )
        self.line = 1.5 * float(FastText.glyph("0", size)[0][:, 1].max())  # digits + leading
        column = self.rows.get_right()[0] + 0.4
        for (_, _, traj), row in zip(entries, self.rows, strict=True):
            if traj is None:
                continue
            shown = FastText(text(traj, 0), size, theme.muted)
            shown.place(np.array([column, row[1].get_bottom()[1], 0.0]))  # on the label's baseline
            room = Room(shown.anchor, self.widest)  # the room it needs, held by an invisible line

            def refresh(m: FastText, traj: Trajectory = traj) -> None:
                m.set_text(text(traj, clock.nearest(traj.steps)))

            shown.add_updater(refresh)
            self.add(shown, room)
            self.readouts.append((row, shown, room))

    def fit(self, width: float) -> Legend:
        """Keep within ``width`` (scene units) at the widest read-out of any step: if the
        read-outs do not fit beside the labels, each goes on a line under its label.

        Examples
        --------
        >>> from descent.scenes.kit.theme import get_theme
        >>> legend = Legend([("SGD", "#E69F00", None)], None, get_theme("dark"))
        >>> legend.fit(1.0) is legend
        True
        """
        if not self.readouts or self.width <= width:
            return self
        self.rows.arrange(DOWN, aligned_edge=LEFT, buff=0.18 + self.line)
        for row, shown, room in self.readouts:
            shown.place(np.array([row[1].get_left()[0], row[1].get_bottom()[1] - self.line, 0.0]))
            room.shift(shown.anchor - room.get_start())  # the room moves with its text
        return self


def panel_scale(values: Sequence[np.ndarray], log: bool) -> str:
    """The honest y axis for ``values`` when ``log`` is asked for: ``"log"`` only when every
    finite value shown is positive; else ``"symlog"`` when the magnitudes span more than
    three decades (a loss falling to −3.8·10⁶), else ``"linear"``. ``log=False``: linear.

    Examples
    --------
    >>> panel_scale([np.array([5.0, 1.0, 1e-3])], True)
    'log'
    >>> panel_scale([np.array([0.5, -4.0e6])], True), panel_scale([np.array([5.0, 0.0])], True)
    ('symlog', 'linear')
    """
    if not log:
        return "linear"
    shown = np.concatenate([np.asarray(v, np.float64).ravel() for v in values] or [np.zeros(0)])
    if len(shown) and (shown[~np.isnan(shown)] > 0).all():  # −∞ is not positive either
        return "log"
    finite = shown[np.isfinite(shown)]
    size = np.abs(finite[finite != 0])
    if len(size) and np.log10(size.max()) - np.log10(size.min()) > 3:
        return "symlog"
    return "linear"


def symlog(v: np.ndarray, linthresh: float) -> np.ndarray:
    """``sign(v)·log₁₀(1 + |v|/linthresh)``: linear near 0, logarithmic beyond ``linthresh``
    (the symmetric log of Webber 2013, as matplotlib's ``symlog`` scale with base 10)."""
    v = np.asarray(v, np.float64)
    with np.errstate(invalid="ignore"):
        return np.sign(v) * np.log10(1.0 + np.abs(v) / linthresh)


def _power(k: int) -> str:
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "1" if k == 0 else "10" if k == 1 else "10" + str(k).translate(sup)


def symlog_ticks(lo: float, hi: float, linthresh: float) -> list[tuple[float, str]]:
    """Ticks of a :func:`symlog` axis over the data range ``lo..hi``: ``0`` and ``±10ᵏ``
    (at most four a side), each ``(position on the axis, label of the true value)``."""
    ticks = [(0.0, "0")] if lo <= 0 <= hi else []
    k0 = int(np.floor(np.log10(linthresh))) + 1  # 10·linthresh: a full unit from 0
    for sign, end in ((1, hi), (-1, -lo)):
        if end <= linthresh:
            continue
        ks = list(range(k0, int(np.floor(np.log10(end))) + 1))
        stride = max(1, -(-len(ks) // 4))
        for k in ks[::-1][::stride]:
            text = ("−" if sign < 0 else "") + _power(k)
            ticks.append((float(symlog(np.array(sign * 10.0**k), linthresh)), text))
    return ticks


def as_drawn(series: np.ndarray) -> np.ndarray:
    """A panel's ``(step, value)`` points as they are drawn: from the step a series turns
    NaN without overflowing first (:func:`~descent.scenes.kit.tracks.nan_from`) the line
    ends at its last finite point (step and value); from a value's overflow to ``±inf`` the
    line ends at that step, at the edge it went to (once clamped): the run stops there.
    Values past the panel are clamped to its edge by the caller (and marked there, see
    :class:`LossPanel`).

    Examples
    --------
    >>> nan, inf = float("nan"), float("inf")
    >>> as_drawn(np.array([[0, 5.0], [1, 0.0], [2, nan]])).tolist()
    [[0.0, 5.0], [1.0, 0.0], [1.0, 0.0]]
    >>> as_drawn(np.array([[0, 5.0], [1, -inf], [2, nan]])).tolist()
    [[0.0, 5.0], [1.0, -inf], [1.0, -inf]]
    """
    pts = np.array(series, dtype=np.float64)
    at = nan_from(pts)
    if at is not None and at > 0:
        pts[at:] = pts[at - 1]  # the line ends there: no steps drawn that did not happen
    inf = np.flatnonzero(np.isinf(pts[:, 1]))
    if len(inf):  # an overflow: the run stops there (step and value), at the edge it went to
        pts[inf[0] + 1 :] = pts[inf[0]]
    return pts


class LossPanel(VGroup):
    """A side panel plotting a per-step series for each track (loss, distance, ...), synced.

    ``series`` maps ``(label, colour)`` to a ``(steps+1,)`` array. ``log`` asks for a log
    axis; :func:`panel_scale` decides what is honest: log₁₀ when every value is positive,
    else a symmetric-log axis (ticks at the true values ``−10⁶ … 0 … 10³``) or a linear one,
    labelled for what it is (:attr:`scale`). A series that turns NaN stops at its last
    finite value; ``±inf`` is pinned at the panel's edge.
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
        names: Sequence[str] | None = None,
        font_size: int = 16,
    ) -> None:
        super().__init__()
        steps = clock.steps
        values = [np.asarray(v, dtype=np.float64) for _, v in series]
        #: the series as given and the axis's name (the html player draws them)
        self.values, self.y_label = values, y_label
        #: ``"log"``, ``"symlog"`` or ``"linear"`` (see :func:`panel_scale`)
        self.scale = panel_scale(values, log)
        ticks: list[tuple[float, str]] | None = None
        if self.scale == "log":
            values = [np.log10(v) for v in values]
            axis_label = "log₁₀ " + y_label
        elif self.scale == "symlog":
            raw = np.concatenate(values)
            raw = raw[np.isfinite(raw)]
            size = np.abs(raw[raw != 0])
            # linear within ±linthresh: the smallest magnitude shown, at most 8 decades under the largest
            linthresh = 10.0 ** np.floor(np.log10(max(size.min(), size.max() * 1e-8)))
            ticks = symlog_ticks(float(raw.min()), float(raw.max()), linthresh)
            values = [symlog(v, linthresh) for v in values]
            axis_label = y_label + " (symlog)"
        else:
            axis_label = y_label
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
            labels=("step", axis_label),
            y_ticks=ticks,
        )
        self.add(self.area.axes)
        self.lines = VGroup()
        for (color, raw), v in zip(series, values, strict=True):
            data = self.area.clamp(as_drawn(np.stack([np.arange(steps + 1), v[: steps + 1]], -1)))
            line = VMobject(stroke_color=color, stroke_width=3)
            self.lines.add(line)
            marker = Dot(radius=0.05, color=color)
            self.lines.add(marker)

            def refresh(m: VMobject, data: np.ndarray = data) -> None:
                # mapped live: the panel may have been moved after it was built
                polyline, _ = partial_path(self.area.to_scene(data), clock.step())
                m.set_points_as_corners(polyline)

            def follow(m: Dot, data: np.ndarray = data) -> None:
                # its own updater: a mobject without one is drawn once per play(), as static
                m.move_to(partial_path(self.area.to_scene(data), clock.step())[1])

            refresh(line)
            line.add_updater(refresh)
            follow(marker)
            marker.add_updater(follow)
            index = len(self.lines) // 3  # marks of curves pinned at one spot stack, one line apart
            self.lines.add(
                self._off_panel_mark(marker, raw, data[:, 0], v, color, clock, theme, index)
            )
        self.add(self.lines)
        #: the names at the curves' ends (a label a series, in its colour), or ``None``
        self.end_tags: VGroup | None = None
        if names:  # each run named at its curve's moving end, kept apart from the others
            self.end_tags = self._end_labels(
                names, [c for c, _ in series], values, clock, theme, font_size
            )
            self.add(self.end_tags)

    def _off_panel_mark(
        self,
        marker: Dot,
        raw: np.ndarray,
        steps: np.ndarray,
        shown: np.ndarray,
        color: str,
        clock: StepClock,
        theme: Theme,
        index: int = 0,
    ) -> FastText:
        """While a series' current value lies past the panel's top (bottom), its true value
        by the marker pinned at that edge, inside the box: ``▲ 6.97e+04`` (``▼ …``; ``▲ ∞``
        for an overflow), so that a line clamped to the edge does not read as a constant.
        ``steps``: the step each drawn point stands for (a run stops at its overflow); the
        ``index``-th series' mark sits one line further in, so that the marks of curves pinned
        at one spot do not cover each other."""
        raw = np.asarray(raw, dtype=np.float64)
        lo, hi = self.area.y_range
        text = halo(FastText("", 14, text_color(color, theme)), theme, 4.0)
        set_shown(text, False)

        def refresh(m: FastText) -> None:
            t = int(steps[min(clock.nearest(clock.steps), len(steps) - 1)])
            y = shown[t]
            off = 1 if y > hi or y == np.inf else (-1 if y < lo or y == -np.inf else 0)
            if not off:
                set_shown(m, False)
                return
            m.set_text(f"{'▲' if off > 0 else '▼'} {fmt_value(float(raw[t]), 3)}")
            at = marker.get_center()
            w = FastText.width_of(m.text or "", 14)
            h = float(FastText.glyph("0", 14)[0][:, 1].max())
            left = self.area.to_scene(np.array([self.area.x_range[0], lo]))[0]
            x = at[0] - 0.12 - w if at[0] - 0.12 - w > left + 0.05 else at[0] + 0.12
            dy = 0.1 + 0.26 * index
            m.place(np.array([x, at[1] - dy - h if off > 0 else at[1] + dy, 0.0]))
            set_shown(m, True)

        refresh(text)
        text.add_updater(refresh)
        return text

    def _end_labels(
        self,
        names: Sequence[str],
        colors: Sequence[str],
        values: Sequence[np.ndarray],
        clock: StepClock,
        theme: Theme,
        font_size: int,
    ) -> VGroup:
        """Labels right of the panel at each curve's current end, in its colour, pushed apart
        (one line height at least) so that ends that meet do not hide a name."""
        tags = VGroup(
            *[label(n, font_size, text_color(c, theme)) for n, c in zip(names, colors, strict=True)]
        )
        data = [self.area.clamp(np.stack([np.arange(clock.steps + 1), v], -1)) for v in values]
        gap = 1.15 * max(t.height for t in tags)

        def place(group: VGroup) -> None:
            x = self.area.to_scene(np.array([self.area.x_range[1], self.area.y_range[0]]))[0]
            ends = [partial_path(self.area.to_scene(d), clock.step())[1][1] for d in data]
            order = np.argsort(ends)
            ys = np.array(ends, dtype=np.float64)
            for a, b in zip(order[:-1], order[1:], strict=True):  # bottom up: keep a gap
                ys[b] = max(ys[b], ys[a] + gap)
            for k, tag in enumerate(group):
                tag.move_to(np.array([x + 0.12 + tag.width / 2, ys[k], 0.0]))

        place(tags)
        tags.add_updater(place)
        return tags


def live_text(
    clock: StepClock,
    text: Callable[[int], str],
    theme: Theme,
    *,
    font_size: int = 24,
    color: str | None = None,
) -> VGroup:
    """A text read-out ``text(step)`` refreshed from the clock (its left edge stays put).

    The group holds an invisible line as long as the widest text of any step, so that
    placing it (``to_corner``, ``next_to``) leaves room for every step's text.
    """
    readout = FastText(text(0), font_size, color or theme.muted)
    widest = max(FastText.width_of(text(t), font_size) for t in range(clock.steps + 1))

    def refresh(m: FastText) -> None:
        m.set_text(text(clock.nearest(clock.steps)))

    readout.add_updater(refresh)
    return VGroup(readout, Room(readout.anchor, widest))


def step_counter(clock: StepClock, theme: Theme, *, font_size: int = 24) -> VGroup:
    """``step 12 / 100``, updated from the clock."""
    return live_text(clock, lambda t: f"step {t} / {clock.steps}", theme, font_size=font_size)
