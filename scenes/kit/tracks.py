"""Moving parts on a plot: a :class:`Track` per trajectory (dot, fading trail, arrows, pin).

The arrays a track draws are derived from the recorded trajectory by pure arithmetic:
:func:`velocity_arrows`, :func:`gradient_arrows` and :func:`lookahead_form`;
:func:`escape_label` names a point that leaves the view, :func:`nan_from` the step a run
turns NaN.

What a track draws is what happened: a run that turns NaN (0/0 at a cone's tip) stops at
its last finite point, marked "NaN from step N"; only an overflow (``±inf``, or a point past
the view) is pinned at the edge, in its last direction (:meth:`PlotArea.display_path`).
"""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Arrow,
    Circle,
    DashedLine,
    Dot,
    Line,
    Mobject,
    VGroup,
    VMobject,
)

from descent.engine import Trajectory
from descent.scenes.kit.clock import StepClock, partial_path
from descent.scenes.kit.plot import PlotArea, corner_points
from descent.scenes.kit.text import FastText, fmt_value, halo, label
from descent.scenes.kit.theme import Theme, text_color

__all__ = [
    "tangent_line",
    "step_arrows_1d",
    "Track",
    "velocity_arrows",
    "gradient_arrows",
    "lookahead_form",
    "escape_label",
    "nan_from",
    "nan_text",
    "overflow_text",
    "held_at_nan",
    "last_finite",
    "step_arrow",
    "place_arrow",
    "set_shown",
]


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
    arrow_range
        Shortest and longest arrow drawn from the dot at the shared scale (scene units):
        every arrow of the scene is drawn at one scale (data → scene, times
        ``arrow_scale``) between these. One whose length on that scale is shorter (than
        this and than the dot: at most ``2·radius + 0.1``) is drawn *beside* the dot at
        :data:`BESIDE` long, its true length written by it (``|Δ| 0.0031``); one longer
        than the longest is drawn at the longest, its true length written at its tip. A
        single length, ``(L, L)``: every arrow at that length, directions only (the scene
        says so on screen; no lengths are written).
    arrow_labels
        What a written length is called, per arrow name (default: ``gradient`` →
        ``|lr·∇f|``, any other → ``|Δ|``).
    pin_text
        Label the edge pin (``escape_label``, else "diverged") and a run that turned NaN
        ("NaN from step N"); ``False``: the pin's arrow alone and no NaN label (small plots
        whose caller says it, as a sweep tile's tint does).
    overflow_step
        The step the run's numbers (its loss or a coordinate) first overflowed to ``±inf``
        (:func:`~descent.engine.events.first_non_finite_event`): from it on the run stops at
        its last finite point (the step before), pinned at the edge if that is out of view,
        marked "overflow at step N" (:func:`overflow_text`); before it, a pin says "out of
        view" where ``escape_label`` would say "diverged" (nothing has diverged yet).
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
        pin_text: bool = True,
        arrow_range: tuple[float, float] = (0.25, 2.2),
        pin_length: float = 0.55,
        arrow_labels: dict[str, str] | None = None,
        overflow_step: int | None = None,
    ) -> None:
        super().__init__()
        self.path = np.array(path, dtype=np.float64)
        #: the step the run overflowed (it stops at the step before), or ``None``
        self.overflow_step = overflow_step if overflow_step and overflow_step > 0 else None
        if self.overflow_step is not None:
            self.path[self.overflow_step :] = self.path[self.overflow_step - 1]
        self.area, self.clock, self.color, self.theme = area, clock, color, theme
        shown, self.out = area.display_path(self.path)
        self.screen = area.to_scene(shown)
        #: the step the run turned NaN (it stops at its last finite point), or ``None``
        self.nan_step = nan_from(self.path)
        #: what marks it: "NaN from step N" beside the dot from that step (``pin_text``; a
        #: sweep tile says it in its tint instead)
        self.nan_label = None if self.nan_step is None else nan_text(self.nan_step)
        if self.overflow_step is not None:  # marked the same way: it stopped there
            self.nan_step, self.nan_label = self.overflow_step, overflow_text(self.overflow_step)
        self.nan_mark = VGroup()
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
        self.trail = trail  # without one, the trail's points are never computed
        self.dot = Dot(radius=radius, color=color).set_stroke(
            theme.background if theme.name != "light" else "#000000", 2
        )
        if theme.name == "dark" or theme.name == "transparent":
            self.dot.set_stroke("#FFFFFF", 1.5)
        self.arrow_data = arrows or {}
        self.arrow_scale = arrow_scale
        self.arrows: dict[str, Arrow] = {}
        #: per arrow: its true length written beside it when it is not drawn at the scene's
        #: scale (shorter than the dot, or past the longest arrow)
        self.lengths: dict[str, FastText] = {}
        self.radius = radius
        names = {"gradient": "|lr·∇f|", **(arrow_labels or {})}
        self.arrow_labels = {name: names.get(name, "|Δ|") for name in self.arrow_data}
        for name in self.arrow_data:
            ink = color if name == "velocity" else theme.text
            self.arrows[name] = step_arrow(ink)
            self.lengths[name] = halo(FastText("", 16, text_color(ink, theme)), theme, 6.0)
        self.pin = VGroup()
        self.escape_label = escape_label
        self.pin_text = pin_text
        self.arrow_range = arrow_range
        #: how far the edge pin's arrow points out (small tiles want it short)
        self.pin_length = pin_length
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
        self.add(*self.arrows.values(), self.dot, *self.lengths.values(), self.pin, self.nan_mark)
        self._markers_at = -1
        self._marker_shown = np.ones(len(self.markers), dtype=bool)  # as Dot makes them
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
        """The arrow ``name`` as drawn from the dot at step ``s`` (scene units; zero: none)."""
        return self._arrow(name, s)[0]

    def _arrow(self, name: str, s: float) -> tuple[np.ndarray, float]:
        """``(drawn vector, length at the scene's scale)`` of arrow ``name`` at step ``s``
        (scene units; the length is ∞ for an overflow, 0 for no arrow)."""
        i = int(round(min(max(s, 0), len(self.screen) - 1)))
        v = np.nan_to_num(self.arrow_data[name][i])
        with np.errstate(over="ignore", invalid="ignore"):
            scene = self.area.to_scene(v) - self.area.to_scene(np.zeros(2))
        huge = ~np.isfinite(scene)
        if huge.any():  # a diverging run's gradient: its direction, at the longest arrow
            scene = np.where(huge, np.sign(np.nan_to_num(scene)), 0.0)
        size = float(np.abs(scene).max())  # scaled first: the norm of 1e200 overflows
        if size == 0.0:
            return np.zeros(3), 0.0
        unit = scene / size
        norm = float(np.linalg.norm(unit))
        length = (np.inf if huge.any() else size * norm) * self.arrow_scale
        if length < 1e-9:
            return np.zeros(3), 0.0
        shown = float(np.clip(length, *self.arrow_range))  # display scale only
        return unit / norm * shown, length

    @property
    def shortest(self) -> float:
        """The shortest arrow drawn from the dot: shorter ones go beside it, their length
        written (``arrow_range[0]``, and at most the dot's diameter plus 0.1)."""
        return max(self.arrow_range[0], 2 * self.radius + 0.1)

    def _true_length(self, name: str, s: float) -> float:
        i = int(round(min(max(s, 0), len(self.screen) - 1)))
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.linalg.norm(np.asarray(self.arrow_data[name][i], np.float64)))

    def update_to(self, s: float) -> Track:
        here = self.point_at(s)
        dot = self.dot.points  # a Dot's centre is the middle of its points' box (as move_to)
        self.dot.shift(here - (dot.min(0) + dot.max(0)) / 2)
        n = int(math.floor(s))
        if self.trail:
            pts = np.concatenate([self.screen[: n + 1], here[None]])
            last, tiers = len(pts) - 1, self.tiers
            cuts = [round(k * last / tiers) for k in range(tiers + 1)]  # as np.linspace().round()
            for k, part in enumerate(self.trail_parts):
                seg = pts[cuts[k] : cuts[k + 1] + 1]
                part.set_points(corner_points(seg if len(seg) >= 2 else np.stack([here, here])))
        if self.ghost_screen is not None:
            _, ghost = partial_path(self.ghost_screen, s)
            line, ring = self.ghost
            line.put_start_and_end_on(
                here, ghost + (RIGHT * 1e-3 if np.allclose(here, ghost) else 0)
            )
            ring.move_to(ghost)
        if n != self._markers_at and len(self.markers):  # they change only when a step is reached
            self._markers_at = n
            wanted = (np.arange(len(self.markers)) <= n) & ~np.asarray(self.out, dtype=bool)
            for t in np.flatnonzero(wanted != self._marker_shown):  # only those that flip
                self.markers[t].set_opacity(1.0 if wanted[t] else 0.0)
            self._marker_shown = wanted
        beside = 0  # arrows drawn beside the dot so far (each further out)
        normalised = self.arrow_range[0] == self.arrow_range[1]
        for name, arrow in self.arrows.items():
            vec, scaled = self._arrow(name, s)
            length = float(np.linalg.norm(vec))
            visible = length > 0.02 and not self.out[int(round(s))]
            written = self.lengths[name]
            short = visible and not normalised and scaled < self.shortest
            long = visible and not normalised and scaled > self.arrow_range[1] + 1e-9
            if not visible and shown_now(arrow) is False:
                set_shown(written, False)
                continue  # hidden and staying hidden: nothing to move
            start = here
            if short:  # beside the dot, at the shortest legible length, its length written
                length = max(self.shortest, BESIDE)
                vec = vec / float(np.linalg.norm(vec)) * length
                start = self._beside(here, vec, beside)
                beside += 1
            # Manim keeps a tip's size: shrink it with a short arrow (beside the dot: small)
            shrink = length / TIP if visible and length < TIP else 1.0
            shrink = min(shrink, 0.6) if short else shrink
            place_arrow(arrow, start, start + (vec if visible else RIGHT * 0.01), tip_scale=shrink)
            set_shown(arrow, visible)
            if short or long:
                written.set_text(
                    f"{self.arrow_labels[name]} {fmt_value(self._true_length(name, s), 3)}"
                )
                self._place_length(written, start, vec, outward=short)
            set_shown(written, short or long)
        self._update_pin(s, here)
        self._update_nan(s, here)
        return self

    def _beside(self, here: np.ndarray, vec: np.ndarray, k: int) -> np.ndarray:
        """Where an arrow too short to be drawn from the dot starts: off to the side of
        the dot (towards the plot's middle), outside the ring a beat draws around the dot
        (radius 3.2·r + 0.05), the ``k``-th one further out (past the written length of
        the one before)."""
        unit = vec / (np.linalg.norm(vec) + 1e-12)
        side = np.array([-unit[1], unit[0], 0.0])
        if float(np.dot(side[:2], (self.area.center - here)[:2])) < 0:
            side = -side
        return (
            here
            + side * (self.radius * 3.2 + 0.15 + 0.6 * k)
            - unit * max(self.shortest, BESIDE) / 2
        )

    def _place_length(
        self, text: FastText, start: np.ndarray, vec: np.ndarray, *, outward: bool
    ) -> None:
        """Put an arrow's written length by it: beside a short arrow's middle, on the side
        away from the dot; past a long arrow's tip. The other places it may take, in order
        (past either end, beside the far side; inside the plot's box), are kept in
        ``text.spots`` for a scene to move it to one clear of other text
        (:meth:`~descent.scenes.kit.scene.DescentScene.clear_lengths`)."""
        unit = vec / (np.linalg.norm(vec) + 1e-12)
        w = FastText.width_of(text.text or "", text.font_size)
        h = float(FastText.glyph("0", text.font_size)[0][:, 1].max())
        side = np.array([-unit[1], unit[0], 0.0])
        to_dot = start + vec / 2 - self.dot.get_center()
        if float(np.dot(side[:2], to_dot[:2])) < 0:
            side = -side
        across = abs(side[0]) * w / 2 + abs(side[1]) * h / 2 + 0.08
        along = abs(unit[0]) * w / 2 + abs(unit[1]) * h / 2 + 0.12
        beside = start + vec / 2 + side * across
        past, before = start + vec + unit * along, start - unit * along
        middles = (
            [beside, past, before] if outward else [past, beside, start + vec / 2 - side * across]
        )
        middles += [m + side * 0.3 for m in middles]
        box = self.area.frame[0]
        lo, hi = box.get_corner(DOWN - RIGHT), box.get_corner(UP + RIGHT)
        half = np.array([w / 2, h / 2, 0.0])
        inside = [
            m
            for m in middles
            if (m - half >= lo - 1e-9)[:2].all() and (m + half <= hi + 1e-9)[:2].all()
        ]
        spots = [m - half for m in (inside or middles[:1])]
        text.spots = spots  # type: ignore[attr-defined]
        text.place(spots[0])

    def _update_nan(self, s: float, here: np.ndarray) -> None:
        """From the step the run turned NaN: "NaN from step N" beside the stopped dot."""
        if self.nan_step is None or not self.pin_text:  # a small plot: its caller says it
            return
        shown = s >= self.nan_step - 0.5
        if self.overflow_step is not None and self.out[int(round(min(s, len(self.out) - 1)))]:
            shown = False  # stopped out of view: its pin says it
        if shown and not len(self.nan_mark):  # built once, on first use
            mark = label(str(self.nan_label), 22, text_color(self.color, self.theme))
            # a halo in the background colour: legible over the trail and the heat map
            mark.set_stroke(self.theme.background, width=4, background=True)
            self.nan_mark.add(mark)
        if len(self.nan_mark):
            if shown:
                self._place_nan_mark(here)
            set_shown(self.nan_mark, shown)

    def _place_nan_mark(self, here: np.ndarray) -> None:
        """Beside the stopped dot, ahead of where it came from (the trail is behind it),
        kept inside the plot's box."""
        mark = self.nan_mark[0]
        back = self.screen[max(self.nan_step - 2, 0)] if self.nan_step else here
        ahead = here - back
        sides = (DOWN, UP, RIGHT, -RIGHT)
        side = max(sides, key=lambda d: float(np.dot(d[:2], ahead[:2])))
        mark.next_to(here, side, buff=0.18)
        box = self.area.frame[0]
        lo, hi = box.get_corner(DOWN - RIGHT), box.get_corner(UP + RIGHT)
        shift = np.clip(mark.get_corner(DOWN - RIGHT), lo, None) - mark.get_corner(DOWN - RIGHT)
        shift += np.clip(mark.get_corner(UP + RIGHT), None, hi) - mark.get_corner(UP + RIGHT)
        mark.shift(shift)

    def _update_pin(self, s: float, here: np.ndarray) -> None:
        """Show the edge pin (outward arrow + label) while the point is out of view."""
        i = int(round(min(s, len(self.out) - 1)))
        if not self.out[i]:
            set_shown(self.pin, False)
            return
        if not len(self.pin):  # built once, on first use
            self.pin.add(step_arrow(self.color, stroke_width=6))
            if self.pin_text:
                for text in self.pin_texts():
                    ink = text_color(self.color, self.theme)
                    self.pin.add(halo(label(text, 22, ink), self.theme))
        direction = here - self.area.center
        direction /= np.linalg.norm(direction) + 1e-9
        arrow = self.pin[0]
        # inside the plot box, pointing out at the pinned dot: nothing of the pin reaches
        # past the box into a title or a neighbouring tile
        near = float(self.dot.width) / 2 + 0.02
        reach = self.pin_length + 0.05
        place_arrow(
            arrow,
            here - direction * (near + reach),
            here - direction * near,
            tip_scale=min(1.0, reach / TIP),
        )
        set_shown(self.pin, True)
        if self.pin_text:
            now = 2 if len(self.pin) > 2 and s >= (self.overflow_step or 0) - 0.5 else 1
            for k in range(1, len(self.pin)):
                set_shown(self.pin[k], k == now)
            # beside the arrow, on the side away from the box's centre (toward the corner
            # the run left by), and kept inside the box
            tag = self.pin[now]
            side = np.array([-direction[1], direction[0], 0.0])
            if np.dot(side, here - self.area.center) < 0:
                side = -side
            tag.next_to(here - direction * (near + reach / 2), side, buff=0.12)
            (x0, y0, _), (x1, y1, _) = (
                self.area.to_scene(np.array([self.area.x_range[0], self.area.y_range[0]])),
                self.area.to_scene(np.array([self.area.x_range[1], self.area.y_range[1]])),
            )
            tag.shift(RIGHT * max(0.0, x0 + 0.06 - tag.get_left()[0]))
            tag.shift(LEFT * max(0.0, tag.get_right()[0] - x1 + 0.06))
            tag.shift(UP * max(0.0, y0 + 0.06 - tag.get_bottom()[1]))
            tag.shift(DOWN * max(0.0, tag.get_top()[1] - y1 + 0.06))

    def pin_texts(self) -> list[str]:
        """What the edge pin says: its ``escape_label`` (else "diverged"); with an overflow,
        "out of view" until it (a "diverged" before the event would run ahead of it), then
        "overflow at step N"."""
        text = self.escape_label or "diverged"
        if self.overflow_step is None:
            return [text]
        return ["out of view" if text == "diverged" else text, overflow_text(self.overflow_step)]


#: arrows shorter than this (scene units) get a proportionally smaller tip
TIP = 0.45
#: the length (scene units) an arrow too short for the scene's scale is drawn at beside its
#: dot (its true length written by it)
BESIDE = 0.45


def shown_now(m: Mobject) -> bool | None:
    """Whether :func:`set_shown` last showed ``m`` (``None``: never called for it)."""
    shown: bool | None = getattr(m, "_descent_shown", None)
    return shown


def set_shown(
    m: Mobject, shown: bool, *, opacity: float = 1.0, stroke_only: bool = False
) -> Mobject:
    """Show ``m`` at ``opacity`` or hide it, touching its colours only when that flips.

    Manim rebuilds every colour array of a family on each ``set_opacity``: an updater
    that sets it every frame for every arrow, pin and tangent costs more than moving them.
    """
    if shown_now(m) != shown:
        value = opacity if shown else 0.0
        m.set_stroke(opacity=value) if stroke_only else m.set_opacity(value)
        m._descent_shown = shown  # type: ignore[attr-defined]
    return m


def step_arrow(color: str, *, stroke_width: float = 5.0) -> Arrow:
    """An arrow for :func:`place_arrow` (Manim's ``Arrow``, tip 0.3 long)."""
    arrow = Arrow(
        ORIGIN,
        RIGHT,
        buff=0,
        color=color,
        stroke_width=stroke_width,
        max_tip_length_to_length_ratio=0.3,
    )
    tip = arrow.tip
    # its shape from ORIGIN to RIGHT, kept: placing is then a stretch, a turn and a shift
    arrow.shape = (
        np.array(arrow.points),
        np.array(tip.points),
        float(1.0 - tip.points[:, 0].min()),
    )
    return arrow


def place_arrow(
    arrow: Arrow, start: np.ndarray, end: np.ndarray, *, tip_scale: float = 1.0
) -> Arrow:
    """Point a :func:`step_arrow` from ``start`` to ``end`` (in the plane), its tip scaled by
    ``tip_scale`` about the end and the shaft ending at the tip's base.

    What ``put_start_and_end_on`` does for an ``Arrow`` (keep the tip's size, thin the
    stroke of a short arrow), with the arrow's own shape stretched, turned and shifted in
    one array expression: Manim pops the tip, scales, rotates and re-attaches it (~1 ms).

    Examples
    --------
    >>> arrow = place_arrow(step_arrow("#FFFFFF"), np.zeros(3), np.array([0.0, 2.0, 0.0]))
    >>> np.round(arrow.points[-1], 6).tolist(), np.round(arrow.tip.tip_point, 6).tolist()
    ([0.0, 1.7, 0.0], [0.0, 2.0, 0.0])
    """
    body, tip, length = arrow.shape
    vec = np.asarray(end, dtype=np.float64) - np.asarray(start, dtype=np.float64)
    size = float(np.hypot(vec[0], vec[1]))
    c, s = (vec[0] / size, vec[1] / size) if size > 0 else (1.0, 0.0)
    cut = length * tip_scale  # where the shaft meets the tip, back from the end
    shaft = body.copy()
    shaft[:, 0] *= max(size - cut, 0.0) / (1.0 - length)
    head = tip.copy()
    head[:, :2] = (head[:, :2] - [1.0, 0.0]) * tip_scale + [size, 0.0]
    turn = np.array([[c, -s], [s, c]])
    for pts in (shaft, head):
        pts[:, :2] = pts[:, :2] @ turn.T + np.asarray(start)[:2]
    arrow.points = shaft
    arrow.tip.points = head
    width = min(arrow.initial_stroke_width, arrow.max_stroke_width_to_length_ratio * size)
    if width != arrow.stroke_width:  # Arrow thins a short arrow's stroke, as Manim does
        arrow.set_stroke(width=width, family=False)
    return arrow


def step_arrows_1d(traj: Trajectory) -> dict[str, np.ndarray]:
    """Arrows along w for a 1-D run drawn at ``(w, loss)``: ``gradient`` −lr·g and, as the
    optimizer's own (coloured) arrow, the step it takes from the gradient: −lr·b with
    momentum, −lr·(g + noise) with gradient noise (the kick)."""
    lr = np.asarray(traj.lr)[:, None]
    flat = np.zeros((len(lr), 1))
    grad = np.asarray(traj.grad)
    arrows = {"gradient": np.hstack([-lr * grad, flat])}
    if "momentum_buffer" in traj.state:
        arrows["velocity"] = np.hstack([-lr * np.asarray(traj.state["momentum_buffer"]), flat])
    elif np.any(traj.noise):
        arrows["velocity"] = np.hstack([-lr * (grad + np.asarray(traj.noise)), flat])
    return arrows


def tangent_line(
    track: Track, slopes: np.ndarray, clock: StepClock, *, half_width: float = 0.9
) -> Line:
    """The tangent of a 1-D loss curve at a track's dot: slope ``slopes[t]`` (the recorded
    derivative) in data units, drawn ``half_width`` either side on screen."""
    area = track.area
    line = Line(ORIGIN, RIGHT, color=track.color, stroke_width=3, stroke_opacity=0.85)
    slopes = np.asarray(slopes, dtype=np.float64)

    def refresh(m: Line) -> None:
        s = clock.step()
        i = int(round(min(max(s, 0), len(slopes) - 1)))
        shown = not track.out[i] and bool(np.isfinite(slopes[i]))
        set_shown(m, shown, opacity=0.85, stroke_only=True)
        if not shown:
            return
        here = track.point_at(s)
        d = area.to_scene(np.array([1.0, slopes[i]])) - area.to_scene(np.zeros(2))
        d = d / (np.linalg.norm(d) + 1e-12) * half_width
        m.put_start_and_end_on(here - d, here + d)

    refresh(line)
    line.add_updater(refresh)
    return line


def nan_from(path: np.ndarray) -> int | None:
    """The first step of ``path`` ``(steps+1, d)`` that is NaN without an overflow before it
    (the run stops there: nothing after it happened), or ``None``.

    A point with ``±inf`` in it overflowed: what follows (``inf − inf`` is NaN) is the
    overflow's, drawn as an escape. The same rule as :meth:`PlotArea.display_path`.

    Examples
    --------
    >>> nan = float("nan")
    >>> nan_from(np.array([[3.0, 4.0], [0.0, 0.0], [nan, nan]]))
    2
    >>> nan_from(np.array([[1.0, 1.0], [float("inf"), nan], [nan, nan]])) is None
    True
    """
    path = np.asarray(path, dtype=np.float64)
    bad = ~np.isfinite(path).all(axis=-1)
    if not bad.any():
        return None
    first = int(bad.argmax())
    return None if np.isinf(path[first]).any() else first


def held_at_nan(path: np.ndarray) -> np.ndarray:
    """``path`` with every step from :func:`nan_from` on held at the last finite point, for
    tracks drawn without a :class:`PlotArea` (a 3-D surface's balls).

    Examples
    --------
    >>> nan = float("nan")
    >>> held_at_nan(np.array([[3.0, 4.0], [0.0, 0.0], [nan, nan]])).tolist()
    [[3.0, 4.0], [0.0, 0.0], [0.0, 0.0]]
    """
    path = np.array(path, dtype=np.float64)
    at = nan_from(path)
    if at is not None and at > 0:
        path[at:] = path[at - 1]
    return path


def last_finite(frames: np.ndarray) -> np.ndarray:
    """For each step ``t`` of ``frames`` ``(steps+1, ...)``: ``t`` if its values are all
    finite, else the last finite step before it (a model drawn in data space stops where
    its parameters were last finite). Step 0 maps to itself.

    Examples
    --------
    >>> last_finite(np.array([[1.0], [2.0], [float("nan")], [float("inf")]])).tolist()
    [0, 1, 1, 1]
    """
    ok = np.isfinite(np.asarray(frames).reshape(len(frames), -1)).all(axis=1)
    ok[0] = True
    index = np.where(ok, np.arange(len(ok)), 0)
    return np.maximum.accumulate(index)


def nan_text(step: int) -> str:
    """What a run that turned NaN is marked with: ``NaN from step 6``."""
    return f"NaN from step {step}"


def overflow_text(step: int) -> str:
    """What a run that overflowed is marked with: ``overflow at step 15``."""
    return f"overflow at step {step}"


def escape_label(traj: Trajectory) -> str:
    """What a point that leaves the view is called: ``loss → −∞``, ``diverged`` or ``out of view``."""
    finite = np.asarray(traj.loss)[np.isfinite(traj.loss)]
    if traj.diverged and len(finite) and finite[-1] < 0 and finite[-1] < finite[0]:
        return "loss → −∞"
    return "diverged" if traj.diverged else "out of view"
