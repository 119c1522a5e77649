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
from descent.scenes.kit.text import FastText, fmt_value, label
from descent.scenes.kit.theme import Theme

__all__ = [
    "hyperparameters",
    "Legend",
    "Room",
    "LossPanel",
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
    parts = []
    for name, value in spec.kwargs.items():
        key = SYMBOLS.get(name, name) if symbols else name
        if isinstance(value, bool):
            if value:
                parts.append(key)
        elif isinstance(value, tuple | list):
            parts.append(f"{key} ({', '.join(f'{v:g}' for v in value)})")
        elif isinstance(value, int | float):
            parts.append(f"{key} {value:g}")
        else:
            parts.append(f"{key} {value}")
    text = ", ".join(parts)
    if spec.scheduler:
        text += f" · {spec.scheduler}"
    return text.replace("-", "−")


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
        names: Sequence[str] | None = None,
        font_size: int = 16,
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
        self.add(self.lines)
        if names:  # each run named at its curve's moving end, kept apart from the others
            self.add(
                self._end_labels(names, [c for c, _ in series], values, clock, theme, font_size)
            )

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
        tags = VGroup(*[label(n, font_size, c) for n, c in zip(names, colors, strict=True)])
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
