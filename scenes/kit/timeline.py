"""When things are on screen: a scene's captions, sections and clock, played without drawing.

:func:`play_timeline` plays a scene class as :func:`~descent.scenes.kit.layout.check_layout`
does (Manim's ``skip_animations``: no frame is drawn) and records every caption
(``add_subcaption``: what the ``.srt`` file says), every section (a beat) and, for every
``play()``/``wait()``, where the shared :class:`~descent.scenes.kit.clock.StepClock` was at
its start and end. :meth:`Timeline.first_shown` answers the frame time at which a step is
first on screen (frames at ``start + k/fps``; a play's last frame is at ``(n−1)/n``, so
the step it ends on is first shown by the next animation's first frame).

:func:`caption_problems` checks the rule a lecture keeps: each beat's caption is up
before the clock slows into its event, the event's step is reached while the caption is
on screen with at least its reading time left, and every event a beat refers to (its
``events``, the steps up to its ``until``) is first shown under a caption.

Examples
--------
>>> from descent.scenes.kit.timeline import Caption
>>> Caption(1.0, 4.5, "SGD overshoots").covers(2.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Caption", "Move", "Timeline", "dry_render", "play_timeline", "caption_problems"]


@dataclass(frozen=True)
class Caption:
    """One cue: shown from ``start`` to ``end`` (seconds), saying ``text``."""

    start: float
    end: float
    text: str

    def covers(self, t: float, *, eps: float = 1e-6) -> bool:
        """Whether the cue is up at time ``t`` (``start ≤ t < end``)."""
        return self.start - eps <= t < self.end - eps


@dataclass(frozen=True)
class Move:
    """One ``play()`` or ``wait()``: from ``t0`` to ``t1`` s the clock's story time went
    linearly from ``a0`` to ``a1`` (``clock``: the :class:`StepClock`, ``None`` before one
    exists)."""

    t0: float
    t1: float
    a0: float
    a1: float
    clock: Any = None

    def step(self, alpha: float) -> float:
        c = self.clock
        return float(np.interp(alpha, c._alpha, c._index)) if c is not None else 0.0


@dataclass
class Timeline:
    """A played scene's captions, sections (``(name, time, step)``), clock moves and beats."""

    fps: float
    captions: list[Caption]
    sections: list[tuple[str, float, float]]
    moves: list[Move]
    beats: tuple[Any, ...]
    said: list[tuple[str, str, float, float]] = field(default_factory=list)
    duration: float = 0.0

    def first_shown(self, step: float, *, eps: float = 1e-6) -> float | None:
        """The time (s) of the first frame whose clock is at ``step`` or past it (``None``:
        never shown)."""
        for m in self.moves:
            if m.clock is None:
                continue
            s0, s1 = m.step(m.a0), m.step(m.a1)
            if s0 >= step - eps:
                return m.t0
            if s1 < step - eps:
                continue
            frames = max(1, round((m.t1 - m.t0) * self.fps))
            target = m.clock.alpha_of(step)
            k = math.ceil(frames * (target - m.a0) / (m.a1 - m.a0) - 1e-9)
            return m.t0 + min(k, frames) / self.fps
        return None

    def step_at(self, t: float) -> float:
        """The clock's step in the frame at time ``t``."""
        for m in self.moves:
            if m.clock is None or not m.t0 - 1e-9 <= t < m.t1 - 1e-9:
                continue
            frames = max(1, round((m.t1 - m.t0) * self.fps))
            k = math.floor((t - m.t0) * self.fps + 1e-6)
            return m.step(m.a0 + (m.a1 - m.a0) * min(k, frames) / frames)
        last = [m for m in self.moves if m.clock is not None and m.t1 <= t + 1e-9]
        return last[-1].step(last[-1].a1) if last else 0.0

    def caption_at(self, t: float) -> Caption | None:
        """The cue up at time ``t`` (``None``: none)."""
        return next((c for c in self.captions if c.covers(t)), None)


def dry_render(
    scene_class: type,
    theme: str | None,
    wrap: Callable[[Any, Callable[..., Any]], Callable[..., Any]],
    **settings: Any,
) -> Any:
    """Render ``scene_class`` without drawing a frame (Manim's ``dry_run`` and
    ``skip_animations``) and return the scene, after it has run.

    ``wrap(scene, method)`` replaces the scene's ``play`` and ``wait`` (each in turn) with
    what it returns, so that a caller can look at the scene around every animation: the
    timeline (:func:`play_timeline`) and the layout check
    (:func:`~descent.scenes.kit.layout.check_layout`) are both made this way. ``theme``:
    ``dark``, ``light`` or ``transparent`` (``None``: the scene's own); ``settings``: more
    Manim config keys (for example ``frame_rate``).
    """
    from manim import tempconfig

    config = {
        "write_to_movie": False,
        "save_last_frame": False,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "dry_run": True,
        **settings,
    }
    variant: type = (
        type(scene_class.__name__, (scene_class,), {"theme_name": theme})
        if theme is not None
        else scene_class
    )
    with tempconfig(config):
        scene = variant(skip_animations=True)
        scene.renderer.update_frame = lambda *a, **k: None  # nothing is drawn
        scene.play = wrap(scene, scene.play)
        scene.wait = wrap(scene, scene.wait)
        scene.render()
    return scene


def play_timeline(scene_class: type, theme: str | None = None, *, fps: float = 30.0) -> Timeline:
    """Play ``scene_class`` without drawing (at ``fps``) and record its :class:`Timeline`."""
    moves: list[Move] = []
    depth = [0]  # wait() plays a Wait: only the outermost call is one move

    def recorded(scene: Any, method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return method(*args, **kwargs)
            clock = getattr(scene, "clock", None)
            t0 = float(scene.renderer.time)
            a0 = clock.tracker.get_value() if clock is not None else 0.0
            depth[0] += 1
            try:
                out = method(*args, **kwargs)
            finally:
                depth[0] -= 1
            clock = getattr(scene, "clock", None)
            a1 = clock.tracker.get_value() if clock is not None else 0.0
            moves.append(Move(t0, float(scene.renderer.time), a0, a1, clock))
            return out

        return run

    scene = dry_render(scene_class, theme, recorded, frame_rate=fps)
    cues = [
        Caption(c.start.total_seconds(), c.end.total_seconds(), " ".join(c.content.split()))
        for c in scene.renderer.file_writer.subcaptions
    ]
    log = list(getattr(scene, "beat_log", []))
    return Timeline(
        fps=fps,
        captions=sorted(cues, key=lambda c: c.start),
        sections=[(name, t, step) for name, _, t, step in log],
        moves=moves,
        beats=tuple(getattr(scene_class, "beats", ())),
        said=log,
        duration=float(scene.renderer.time),
    )


def caption_problems(
    timeline: Timeline,
    *,
    reading: Any = None,
    slack: float | None = None,
) -> list[str]:
    """What breaks the rule "each event happens under its caption", one line each.

    For each beat narrated (its caption in ``timeline.captions``, found by its words):

    - its caption is up no later than the first frame of the motion into its step (the
      clock is before the beat's step when the caption appears, unless it stood there
      already when the beat began);
    - its step is first shown while the caption is up, with at least ``reading(text)``
      seconds (default :func:`~descent.scenes.kit.story.reading_seconds`) of the caption
      left;
    - every later step it refers to (its ``events``, its ``until``) is first shown under a
      caption. A step before the beat's own is recalled, not shown under it (an overshoot's
      beat stands where its depth is on screen and says where the run crossed earlier).

    ``slack``: the tolerance in seconds (default: one frame).
    """
    from descent.scenes.kit.story import reading_seconds

    read = reading or reading_seconds
    tol = slack if slack is not None else 1.0 / timeline.fps
    problems: list[str] = []
    said = {name: (say, t) for name, say, t, _ in timeline.said}
    for b in timeline.beats:
        if b.name not in said or not said[b.name][0]:
            continue
        say, when = said[b.name]
        cap = next(
            (
                c
                for c in timeline.captions
                if abs(c.start - when) < 1e-3 and c.text == " ".join(say.split())
            ),
            None,
        )
        if cap is None:
            problems.append(f"{b.name!r}: no caption at {when:.2f} s")
            continue
        shown = timeline.first_shown(float(b.step))
        if shown is None:
            problems.append(f"{b.name!r}: step {b.step:g} never shown")
            continue
        before = [x.step for x in timeline.beats if x.step < b.step]
        into = max([b.step - 1.0, 0.0, *before])
        leaves = timeline.first_shown(into + 1e-3) if into < b.step else None
        if leaves is not None and cap.start > leaves + tol:
            problems.append(
                f"{b.name!r}: caption at {cap.start:.2f} s, after the clock left step"
                f" {into:g} for its step {b.step:g} ({leaves:.2f} s)"
            )
        if shown < cap.start - tol:
            problems.append(
                f"{b.name!r}: step {b.step:g} shown at {shown:.2f} s, before its caption"
                f" ({cap.start:.2f}–{cap.end:.2f} s)"
            )
        need = read(say)
        if shown > cap.end - need + tol:
            problems.append(
                f"{b.name!r}: step {b.step:g} shown at {shown:.2f} s leaves"
                f" {cap.end - shown:.2f} s of its caption ({cap.start:.2f}–{cap.end:.2f} s),"
                f" under the {need:.2f} s it takes to read"
            )
        refs = {float(e.step) for e in getattr(b, "events", ())}
        until = getattr(b, "until", None)
        if until is not None:
            refs.add(float(until))
        for s in sorted(r for r in refs if r >= b.step):
            t = timeline.first_shown(s)
            if t is None:
                continue
            if timeline.caption_at(t) is None and timeline.caption_at(t - tol) is None:
                problems.append(
                    f"{b.name!r}: its event at step {s:g} is shown at {t:.2f} s, under no caption"
                )
    return problems
