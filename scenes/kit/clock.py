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
    or (``hold``) stands at ``to`` for them; ``beat``: the beat whose caption starts here."""

    to: float
    frames: int
    hold: bool = False
    beat: int | None = None


def pace(
    alpha: Callable[[float], float],
    here: float,
    end: float,
    beats: Sequence[tuple[float, float]],
    *,
    motion: float,
    fps: float,
    total: float | None = None,
    approach_steps: float = 2.0,
    approach: float = 0.6,
    floor: float = 0.3,
) -> tuple[list[Leg], float]:
    """A timeline from step ``here`` to ``end``: slow into each beat, hold on it while its
    narration is read, move briskly between.

    Parameters
    ----------
    alpha
        Step → story time in [0, 1] (the clock's easing: :meth:`StepClock.alpha_of`).
    beats
        ``(step, reading seconds)`` of each beat in ``[here, end)``, by step.
    motion
        Seconds the clock's motion takes from ``here`` to ``end`` without holds.
    total
        If given, the timeline lasts exactly ``round(total·fps)`` frames: motion takes the
        time the holds leave (at least ``floor`` of it), and the holds and slow approaches
        shrink by the returned factor when they do not fit.
    approach_steps, approach
        The last ``approach_steps`` steps before a beat take ``approach`` seconds (unscaled).

    Returns
    -------
    (legs, squeeze)
        The legs in order (their frames add up to the whole), and the factor (≤ 1) by which
        holds and approaches were shrunk to fit ``total`` (1: as asked).
    """
    cuts = sorted({*(s for s, _ in beats if here <= s < end)})
    reading = dict(beats)
    span = (alpha(end) - alpha(here)) or 1.0
    pieces: list[tuple[float, float, bool, int | None, str]] = []  # (to, seconds, hold, beat, role)
    marks = [here, *[c for c in cuts if c > here], end]
    order = {s: i for i, (s, _) in enumerate(beats)}
    if here in reading:
        pieces.append((here, reading[here], True, order[here], "hold"))
    for a, b in zip(marks[:-1], marks[1:], strict=True):
        natural = motion * (alpha(b) - alpha(a)) / span
        if b in reading and b < end:
            slow_from = max(a, b - approach_steps)
            brisk = motion * (alpha(slow_from) - alpha(a)) / span
            if slow_from > a:
                pieces.append((slow_from, brisk, False, None, "motion"))
            pieces.append((b, max(approach, natural - brisk), False, None, "approach"))
            pieces.append((b, reading[b], True, order[b], "hold"))
        else:
            pieces.append((b, natural, False, None, "motion"))
    squeeze = 1.0
    if total is not None:
        extra = sum(p[1] for p in pieces if p[4] != "motion")
        moving = sum(p[1] for p in pieces if p[4] == "motion")
        room = max(total - extra, floor * total) if extra else total
        if extra > total - room:
            squeeze = (total - room) / extra if extra else 1.0
        scale = room / moving if moving else 0.0
        if not moving:  # nothing but holds and approaches: they take the whole time
            squeeze = total / extra if extra else 1.0
        pieces = [
            (to, sec * (scale if role == "motion" else squeeze), hold, beat, role)
            for to, sec, hold, beat, role in pieces
        ]
    # whole frames whose sum is the rounded total: cumulative rounding
    legs: list[Leg] = []
    clock_time, frames_so_far = 0.0, 0
    for to, sec, hold, beat, _ in pieces:
        clock_time += sec
        frames = round(clock_time * fps) - frames_so_far
        frames_so_far += frames
        legs.append(Leg(to, frames, hold, beat))
    return legs, squeeze
