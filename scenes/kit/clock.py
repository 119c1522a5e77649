"""Time: one :class:`StepClock` per scene maps animation time to a trajectory step.

Every moving part of a scene reads the same clock; :func:`step_weights` eases it through
dull stretches and slows it where the paths move or turn, and :func:`partial_path` cuts a
polyline at a fractional step.

Examples
--------
>>> import numpy as np
>>> from descent.scenes.kit.clock import partial_path
>>> line, here = partial_path(np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]]), 1.5)
>>> here.tolist(), len(line)
([2.0, 1.0], 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import (
    ValueTracker,
    linear,
)

__all__ = [
    "Leg",
    "StepClock",
    "pace",
    "partial_path",
    "step_weights",
]


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

    def nearest(self, last: int) -> int:
        """The recorded step nearest the clock, at most ``last``: what read-outs show."""
        return int(round(min(self.step(), last)))

    def taking(self, last: int) -> int:
        """The step being taken now (from θ_t to θ_{t+1}), within ``0..last``."""
        return int(min(max(math.floor(self.step()), 0), last))

    def alpha_of(self, step: float) -> float:
        return float(np.interp(step, self._index, self._alpha))

    def to(self, step: float, run_time: float) -> Any:
        """An animation moving the clock to ``step`` (eased by the weights) in ``run_time`` s."""
        return self.tracker.animate(run_time=run_time, rate_func=linear).set_value(
            self.alpha_of(step)
        )


@dataclass(frozen=True)
class Leg:
    """One piece of a paced timeline: the clock moves to step ``to`` in ``frames`` frames,
    or (``hold``) stands at ``to`` for them.

    ``beat``: the beat whose caption appears as this leg starts (before the clock slows
    into the beat's step); ``shown``: the frames that caption stays up (this leg and the
    next ones: the slow-in, the hold on the event, the stretch the beat spans);
    ``mark``: the beat whose subject is marked while this leg holds (on its event)."""

    to: float
    frames: int
    hold: bool = False
    beat: int | None = None
    shown: int = 0
    mark: int | None = None


def pace(
    alpha: Callable[[float], float],
    here: float,
    end: float,
    beats: Sequence[tuple[float, ...]],
    *,
    motion: float,
    fps: float,
    total: float | None = None,
    approach_steps: float = 2.0,
    approach: float = 0.6,
    floor: float = 0.3,
    see: float = 0.35,
    span_share: float = 0.5,
) -> tuple[list[Leg], float]:
    """A timeline from step ``here`` to ``end``: each beat's caption appears, the clock slows
    into the beat's step under it, holds there, runs on slowly through the steps the beat
    spans while the caption is still read, and moves briskly between captions.

    Parameters
    ----------
    alpha
        Step → story time in [0, 1] (the clock's easing: :meth:`StepClock.alpha_of`).
    beats
        ``(step, reading seconds)`` or ``(step, reading seconds, until)`` of each beat in
        ``[here, end)``, by step: the caption is read from its step on for at least its
        reading seconds, and stays up until the clock reaches ``until`` (default: the
        step). A span that reaches past the next beat's step carries on under the next
        caption: no step a beat refers to is shown between captions.
    motion
        Seconds the clock's brisk motion takes from ``here`` to ``end`` without holds.
    total
        If given, the timeline lasts exactly ``round(total·fps)`` frames: brisk motion
        takes the time the captions leave (at least ``floor`` of it), and everything under
        a caption (slow-ins, holds, spans) shrinks by the returned factor when it does not
        fit.
    approach_steps, approach
        The last ``approach_steps`` steps before a beat take ``approach`` seconds (unscaled),
        under the beat's caption.
    see, span_share
        A beat that spans steps holds ``see`` of its reading time on its step (the event
        seen), then runs through its span in at least ``span_share`` of it, and holds the
        rest on the span's last step.

    Returns
    -------
    (legs, squeeze)
        The legs in order (their frames add up to the whole), and the factor (≤ 1) by which
        captioned time was shrunk to fit ``total`` (1: as asked).

    The rule it keeps (checked by :func:`descent.scenes.kit.timeline.caption_problems`):
    a beat's caption is up before the clock slows into its step, the step is reached
    under it with the reading time still ahead, and every step up to ``until`` is shown
    while a caption is up.
    """
    found = sorted(
        (
            float(b[0]),
            float(b[1]),
            float(b[2]) if len(b) > 2 and b[2] is not None else float(b[0]),
            i,
        )
        for i, b in enumerate(beats)
        if here <= b[0] < end
    )
    span = (alpha(end) - alpha(here)) or 1.0

    def natural(a: float, b: float) -> float:
        return motion * (alpha(b) - alpha(a)) / span

    # (to, seconds, hold, role, beat index, mark): role "motion" (brisk, uncaptioned) or
    # "caption" (under a beat's caption: it shrinks under a run time)
    pieces: list[tuple[float, float, bool, str, int | None, int | None]] = []
    pos = here
    carry = here  # a span reaching past the beat before: covered by the next caption
    for j, (s, read, until, i) in enumerate(found):
        s = max(s, pos)
        nxt = found[j + 1][0] if j + 1 < len(found) else None
        slow_from = max(pos, s - approach_steps)
        if slow_from > pos:
            pieces.append((slow_from, natural(pos, slow_from), False, "motion", None, None))
        first = len(pieces)
        if s > slow_from:
            pieces.append((s, max(approach, natural(slow_from, s)), False, "caption", None, None))
        reach = min(max(until, carry, s), end)
        if nxt is not None and reach >= nxt - approach_steps:  # runs into the next caption
            target = max(s, min(reach, nxt - approach_steps))
            carry = reach
        else:
            target, carry = reach, here
        if target > s:
            h0 = see * read
            moving = max(natural(s, target), span_share * read)
            pieces.append((s, h0, True, "caption", None, i))
            pieces.append((target, moving, False, "caption", None, None))
            rest = max(0.0, read - h0 - moving)
            if nxt is None or target < nxt - approach_steps:
                rest = max(rest, (1 - see - span_share) * read)
            if rest > 0:
                pieces.append((target, rest, True, "caption", None, None))
        else:
            pieces.append((s, read, True, "caption", None, i))
        to, sec, hold, role, _, mark = pieces[first]
        pieces[first] = (to, sec, hold, role, i, mark)
        pos = target
    if pos < end or not pieces:
        pieces.append((end, natural(pos, end), False, "motion", None, None))
    squeeze = 1.0
    if total is not None:
        extra = sum(p[1] for p in pieces if p[3] != "motion")
        moving = sum(p[1] for p in pieces if p[3] == "motion")
        room = max(total - extra, floor * total) if extra else total
        if extra > total - room:
            squeeze = (total - room) / extra if extra else 1.0
        scale = room / moving if moving else 0.0
        if not moving:  # nothing but captioned time: it takes the whole time
            squeeze = total / extra if extra else 1.0
        pieces = [
            (to, sec * (scale if role == "motion" else squeeze), hold, role, beat, mark)
            for to, sec, hold, role, beat, mark in pieces
        ]
    # whole frames whose sum is the rounded total: cumulative rounding
    frames_of: list[int] = []
    clock_time, frames_so_far = 0.0, 0
    for _, sec, *_ in pieces:
        clock_time += sec
        frames = round(clock_time * fps) - frames_so_far
        frames_so_far += frames
        frames_of.append(frames)
    legs: list[Leg] = []
    for k, ((to, _, hold, _, beat, mark), frames) in enumerate(zip(pieces, frames_of, strict=True)):
        shown = 0
        if beat is not None:  # up to the next caption or the next brisk motion
            for n in range(k, len(pieces)):
                if n > k and (pieces[n][3] == "motion" or pieces[n][4] is not None):
                    break
                shown += frames_of[n]
        legs.append(Leg(to, frames, hold, beat, shown, mark))
    return legs, squeeze
