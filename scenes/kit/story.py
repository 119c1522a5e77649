"""The story told over the runs: narration filled from events, and emphasis on its subject.

Nothing here is typed for one configuration. A beat's words are templates filled from the
runs (:mod:`descent.engine.events`), the specs (learning rates, momentum) and the theme
(colour names through :func:`~descent.scenes.kit.theme.color_name`), so a variant, a user's
subclass and a TOML spec get a story that agrees with what they draw.

- :func:`spec_text`, :func:`runs_text`, :func:`point_text` — hyper-parameters, who starts
  where, in words.
- :func:`event_story` — beats at the events of a set of runs (the default story of every
  scene that shows single runs).
- :func:`reading_seconds`, :func:`first_sentence` — how long a caption takes to read.
- :class:`Emphasis` — a ring that flashes on the beat's subject while the others dim.

Examples
--------
>>> from descent.engine import OptimizerSpec
>>> spec_text(OptimizerSpec("SGD", lr=0.05, momentum=0.9))
'lr 0.05, momentum 0.9'
>>> point_text((-5.0, 2.0))
'(−5, 2)'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from manim import Circle, FadeIn, FadeOut, Mobject, VGroup

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import (
    Event,
    first_non_finite_event,
    lead_changes,
    overshoots,
    plateaus,
    reaches_loss,
    reaches_tolerance,
    stationary_passes,
)
from descent.scenes.kit.rules import num
from descent.scenes.kit.theme import Theme, color_name, palette_for

__all__ = [
    "Beat",
    "READING_RATE",
    "pick_beats",
    "cover_runs",
    "Emphasis",
    "ring_radius",
    "spec_text",
    "runs_text",
    "point_text",
    "number",
    "event_story",
    "overshoot_comparison",
    "farthest_step",
    "crossing_text",
    "reading_seconds",
    "first_sentence",
    "axis_name",
    "and_join",
    "count_word",
    "verb",
    "tolerance_for",
    "target_of",
    "loss_of",
]


@dataclass(frozen=True)
class Beat:
    """A teaching moment: from clock step ``step`` on, section ``name`` with narration
    ``say`` (written as a lecturer would say it: what to watch, and why it happens).

    ``subject``: the index of what the beat is about among the scene's subjects (its
    tracks, in the order they were made), marked while it is narrated; ``events``: the
    :class:`~descent.engine.events.Event` records the narration was filled from (each is
    shown under a caption); ``until``: the last step the beat speaks of (default: the
    latest of ``step`` and its events' steps): its caption stays up while the clock runs
    on to it.
    """

    step: float
    name: str
    say: str = ""
    subject: int | None = None
    events: tuple[Event, ...] = ()
    until: float | None = None


#: words per second a viewer reads a caption at, unhurried (a lecturer's pace)
READING_RATE = 2.7
#: the fastest a caption may be asked to be read at, before narration is shortened
FASTEST_READING = 4.5


def number(x: float) -> str:
    """A number as narration says it: 3 significant digits, a real minus sign, no ``.0``.

    >>> number(0.05), number(4.0), number(-2.0), number(1234.0)
    ('0.05', '4', '−2', '1.23e3')
    """
    return num(float(x))


def point_text(p: Sequence[float] | np.ndarray) -> str:
    """``w = 4`` for 1-D, ``(−5, 2)`` for 2-D."""
    vals = [number(v) for v in np.asarray(p, dtype=np.float64).reshape(-1)]
    return f"({', '.join(vals)})" if len(vals) > 1 else vals[0]


def spec_text(spec: OptimizerSpec) -> str:
    """The hyper-parameters in words: ``lr 0.05, momentum 0.9`` (torch's names, its values)."""
    parts = []
    for key, value in spec.kwargs.items():
        if isinstance(value, bool):
            if value:
                parts.append(key)
            continue
        if isinstance(value, int | float):
            parts.append(f"{key} {number(value)}")
        elif isinstance(value, tuple | list) and all(isinstance(v, int | float) for v in value):
            parts.append(f"{key} ({', '.join(number(v) for v in value)})")
    if spec.scheduler:
        parts.append(f"{spec.scheduler} schedule")
    return ", ".join(parts)


def runs_text(specs: Sequence[OptimizerSpec], theme: Theme) -> str:
    """``SGD (light green, lr 0.04) and Adam (violet, lr 0.3)``: who is who on screen."""
    colors = palette_for([s.label for s in specs], theme)
    items = [
        f"{s.label} ({color_name(c, theme)})"  # "SGD (lr 0.5)": its label says its settings
        if spec_text(s).replace(" ", "") in s.label.replace(" ", "").replace("=", "")
        else f"{s.label} ({color_name(c, theme)}, {spec_text(s)})"
        for s, c in zip(specs, colors, strict=True)
    ]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def and_join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def count_word(n: int) -> str:
    """``Three`` for 3 (one to twelve in words, a sentence's first word), else digits."""
    words = [
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Eleven",
        "Twelve",
    ]
    return words[n - 1] if 1 <= n <= len(words) else str(n)


def verb(items: Sequence[str], singular: str, plural: str) -> str:
    """``SGD stalls``, ``SGD and Adam stall``: the items, then the verb in agreement."""
    return f"{and_join(items)} {singular if len(items) == 1 else plural}"


def axis_name(land: Landscape, i: int) -> str:
    """The landscape's name of coordinate ``i`` (``y``, ``w₂``)."""
    names = land.axis_labels or ("x", "y")
    return names[i] if i < len(names) else f"coordinate {i + 1}"


def tolerance_for(land: Landscape, start: Sequence[float]) -> float | None:
    """A round tolerance around the optimum: 2 % of the start's distance to it, to one
    significant figure (``None`` without an optimum)."""
    if land.optimum is None:
        return None
    d0 = float(np.linalg.norm(np.asarray(start, dtype=np.float64) - np.asarray(land.optimum)))
    return float(f"{0.02 * d0:.0e}") if d0 > 0 else None


def reading_seconds(say: str) -> float:
    """Seconds to read ``say`` at :data:`READING_RATE` words a second."""
    return len(say.split()) / READING_RATE


def first_sentence(say: str) -> str:
    """The first sentence of ``say`` (to the first ``.``, ``:`` or ``;`` clause end that
    leaves at least 6 words), ending in a full stop."""
    words = say.split()
    if len(words) <= 8:
        return say
    for m in re.finditer(r"[.:;](\s|$)", say):
        head = say[: m.start()].strip()
        if len(head.split()) >= 6:
            return head + "."
    return " ".join(words[:12]).rstrip(",;:") + "."


def target_of(land: Landscape, params: np.ndarray) -> tuple[float, ...] | None:
    """The minimum a run heads for: the optimum, or with several minima the one nearest
    its last finite point (``None`` without an optimum)."""
    if land.optimum is None:
        return None
    minima = [p.position for p in land.points_of_kind("global_min", "local_min")]
    p = np.asarray(params, dtype=np.float64)
    p = p[np.isfinite(p).all(axis=1)]
    if len(minima) < 2 or not len(p):
        return tuple(land.optimum)
    return tuple(min(minima, key=lambda m: float(np.linalg.norm(p[-1] - np.asarray(m)))))


def loss_of(land: Landscape) -> Any:
    """``land``'s loss at points ``(n, dim)`` → ``(n,)``, uncached: what
    :func:`~descent.engine.events.overshoots` reads to tell a run past the optimum from one
    that only crossed one of its coordinates (following a curved valley's floor)."""

    def loss(x: np.ndarray) -> np.ndarray:
        return np.asarray(land.value(x, cache=False), dtype=np.float64)

    return loss


def farthest_step(e: Event) -> int:
    """The step at which an ``overshoot``/``swing_back`` event's ``depth`` is on screen (its
    ``farthest`` value; the crossing step for an event recorded without one).

    A beat that quotes the depth sits at this step, so the number it says is the one its
    step shows (at the crossing itself the run may be only just past the line).
    """
    return int(e.values.get("farthest", e.step))


def crossing_text(e: Event, line: str) -> str:
    """The words for a crossing event, told from the step where its depth is reached:
    ``" at step 2: it crosses y = 0 and is 1.68"`` (``" at step 2, 1.68"`` without
    ``line``) when both are one step, else
    ``": it crossed y = 0 at step 2, and at step 4 it is 1.68"`` (the caller says what it is
    past). ``line``: what is crossed, with a leading space (``" the optimum's y = 0"``), or
    ``""`` to leave it unsaid.
    """
    depth = number(e.values["depth"])
    at = farthest_step(e)
    if at == e.step:
        if not line:
            return f" at step {e.step}, {depth}"
        return f" at step {e.step}: it crosses{line} and is {depth}"
    return f": it crossed{line} at step {e.step}, and at step {at} it is {depth}"


def _kind_of(land: Landscape, at: Sequence[float]) -> str:
    for p in land.stationary_points:
        if np.allclose(p.position, at):
            return {"max": "maximum", "saddle": "saddle"}.get(p.kind, p.kind.replace("_", " "))
    return "stationary point"


def event_story(
    land: Landscape,
    trajs: Sequence[Trajectory],
    theme: Theme,
    *,
    steps: int,
    specs: Sequence[OptimizerSpec] | None = None,
    opening: str | None = None,
    most: int = 4,
) -> tuple[Any, ...]:
    """Beats at the events of ``trajs`` (single runs): the set-up at step 0, then at most
    ``most`` events — a run's first non-finite step, its first overshoot and swing back, a
    pass of a saddle or maximum, the tolerance around the optimum, the last change of lead,
    a long plateau — each narrated from its values.

    Returns a tuple of :class:`~descent.scenes.kit.scene.Beat` (steps distinct, ``< steps``).
    """
    runs = list(trajs)
    if not runs:
        return ()
    by_label: dict[str, Trajectory] = {}
    for t in runs:
        by_label.setdefault(t.label, t)
    shown = list(by_label.values())[:8]
    specs = list(specs) if specs is not None else [t.spec for t in shown]
    start = np.asarray(shown[0].params)[0]
    where = point_text(start)
    opening = opening or (
        f"{runs_text(specs, theme)} start from {'w = ' if land.dim == 1 else ''}{where}"
        f" on {land.formula}, {steps} steps."
    )
    beats: list[Any] = [Beat(0, "the set-up", opening, None, ())]
    candidates: list[tuple[int, Any]] = []  # (priority, Beat)
    opt = land.optimum
    tol = tolerance_for(land, start) if opt is not None else None
    index = {id(t): k for k, t in enumerate(shown)}
    for t in shown:
        k = index[id(t)]
        p = np.asarray(t.params)
        for e in first_non_finite_event(p, t.loss, run=k, label=t.label):
            what = "overflows" if e.kind == "overflow" else "turns NaN"
            why = (
                "its numbers outgrew the largest float"
                if e.kind == "overflow"
                else "a NaN (an infinity minus an infinity) entered its numbers"
            )
            candidates.append(
                (
                    0,
                    Beat(
                        e.step,
                        f"{t.label} {what}",
                        f"{t.label} {what} at step {e.step}: {why}, and the run stops"
                        " where it was.",
                        k,
                        (e,),
                    ),
                )
            )
        goal = target_of(land, p)
        if goal is not None:
            crossings = overshoots(p, goal, loss=loss_of(land), run=k, label=t.label)
            # an overshoot one can see: at least 2 % of the start's distance to the minimum
            seen = 0.02 * float(np.linalg.norm(p[0] - np.asarray(goal)))
            first = [e for e in crossings if e.kind == "overshoot" and e.values["depth"] >= seen]
            first = first[:1]
            at_opt = opt is not None and np.allclose(goal, opt)
            past = "the optimum" if at_opt else "its minimum"
            for e in first:
                axis = axis_name(land, int(e.values["coordinate"]))
                line = (
                    (" the optimum's" if at_opt else "")
                    + f" {axis} = {number(goal[int(e.values['coordinate'])])}"
                    + ("" if at_opt else f" (its minimum is at {point_text(goal)})")
                )
                candidates.append(
                    (
                        1,
                        Beat(
                            farthest_step(e),
                            f"{t.label} overshoots",
                            f"{t.label} overshoots{crossing_text(e, line)} past it.",
                            k,
                            (e,),
                        ),
                    )
                )
                back = [
                    b
                    for b in crossings
                    if b.kind == "swing_back" and b.values["coordinate"] == e.values["coordinate"]
                ]
                for b in back[:1]:
                    candidates.append(
                        (
                            3,
                            Beat(
                                farthest_step(b),
                                f"{t.label} swings back",
                                f"And swings back{crossing_text(b, '')} past {past} on the"
                                f" other side: {axis} rings around it.",
                                k,
                                (b,),
                            ),
                        )
                    )
        for point in land.stationary_points:
            if point.kind in ("global_min", "local_min"):
                continue
            for e in stationary_passes(p, point.position, radius=0.25, run=k, label=t.label):
                kind = _kind_of(land, point.position)
                candidates.append(
                    (
                        1,
                        Beat(
                            e.step,
                            f"{t.label} passes the {kind}",
                            f"{t.label} passes the {kind} at {point_text(point.position)} at"
                            f" step {e.step}, moving {number(e.values['speed'])} per step:"
                            f" the gradient is zero at the {kind} itself, its velocity carries"
                            " it through.",
                            k,
                            (e,),
                        ),
                    )
                )
        for e in plateaus(t.loss, rel=1e-3, min_length=max(10, steps // 5), run=k, label=t.label):
            if e.step > 0 and e.values["end"] < steps:
                candidates.append(
                    (
                        4,
                        Beat(
                            e.step,
                            f"{t.label} on a plateau",
                            f"{t.label}'s loss stalls at {number(e.values['loss'])} from step"
                            f" {e.step} to step {int(e.values['end'])}: the slope there is"
                            " almost flat.",
                            k,
                            (e,),
                        ),
                    )
                )
                break
    if tol is not None and opt is not None:
        goals = {id(t): target_of(land, np.asarray(t.params)) or opt for t in shown}
        reached = [
            e
            for t in shown
            for e in reaches_tolerance(t.params, goals[id(t)], tol, run=index[id(t)], label=t.label)
        ]

        def goal_text(e: Event) -> str:
            goal = goals[id(shown[e.run])]
            return "the optimum" if np.allclose(goal, opt) else f"its minimum {point_text(goal)}"

        if reached:
            reached.sort(key=lambda e: e.step)
            first_in = reached[0]
            first_goal = goals[id(shown[first_in.run])]
            same = all(np.allclose(goals[id(shown[e.run])], first_goal) for e in reached)
            others = "; ".join(
                f"{e.label} at step {e.step}" + ("" if same else f" ({goal_text(e)})")
                for e in reached[1:]
            )
            never = [t.label for t in shown if t.label not in {e.label for e in reached}]
            tail = (f"; {others}" if others else "") + (
                f"; {and_join(never)} not within {steps} steps" if never else ""
            )
            candidates.append(
                (
                    2,
                    Beat(
                        first_in.step,
                        f"{first_in.label} within {number(tol)}",
                        f"{first_in.label} is within {number(tol)} of {goal_text(first_in)} for good"
                        f" from step {first_in.step}{tail}.",
                        first_in.run,
                        tuple(reached),
                    ),
                )
            )
    if opt is None:  # no optimum to measure against: a tenth of the starting loss
        loss0 = float(np.asarray(shown[0].loss)[0])
        if math.isfinite(loss0) and loss0 > 0:
            target = float(f"{0.1 * loss0:.0e}")
            hit = [
                e
                for t in shown
                for e in reaches_loss(t.loss, target, run=index[id(t)], label=t.label)
            ]
            if hit:
                hit.sort(key=lambda e: e.step)
                others = "; ".join(f"{e.label} at step {e.step}" for e in hit[1:])
                never = [t.label for t in shown if t.label not in {e.label for e in hit}]
                tail = (f"; {others}" if others else "") + (
                    f"; {and_join(never)} not within {steps} steps" if never else ""
                )
                candidates.append(
                    (
                        2,
                        Beat(
                            hit[0].step,
                            f"{hit[0].label} below {number(target)}",
                            f"{hit[0].label}'s loss is below {number(target)}, a tenth of where"
                            f" it started, for good from step {hit[0].step}{tail}.",
                            hit[0].run,
                            tuple(hit),
                        ),
                    )
                )
    if len(shown) > 1:
        lead = lead_changes([t.loss for t in shown], labels=[t.label for t in shown])
        settled = [e for e in lead if e.step < steps]
        picks = {"first": lead[0]} if lead else {}
        if settled and settled[-1] is not lead[0] and lead[-1] is settled[-1]:
            picks["last"] = settled[-1]
        for e in picks.values():
            good = " for good" if e is lead[-1] else ""
            best = e.values["loss"]
            at = np.array([float(np.asarray(t.loss)[e.step]) for t in shown])
            at = np.where(np.isfinite(at), at, np.inf)
            # runs within 1 % of the new leader's loss: a lead too close to see on screen
            close = [
                k for k in range(len(shown)) if k != e.run and abs(at[k] - best) <= 0.01 * abs(best)
            ]
            # measured against the next best run at that step, not the one it overtook
            rest = [k for k in range(len(shown)) if k != e.run and k not in close]
            if not rest:
                continue
            second = min(rest, key=lambda k: at[k])
            # the run compared against, in the event's values (the next best outside a tie)
            e = replace(
                e,
                values={
                    **e.values,
                    "runner_up": float(second),
                    "runner_up_loss": float(at[second]),
                },
            )
            other = f"{shown[second].label}'s {number(e.values['runner_up_loss'])}"
            if close:
                say = (
                    f"At step {e.step} {and_join([e.label, *(shown[k].label for k in close)])}"
                    f" pull ahead together: loss {number(best)} against {other}, the next;"
                    " between them the lead is too close to see."
                )
            else:
                say = (
                    f"At step {e.step} {e.label} takes the lead{good}: loss"
                    f" {number(best)} against {other}, the runner-up."
                )
            candidates.append(
                (
                    3,
                    Beat(
                        e.step,
                        f"{e.label} takes the lead" + (" for good" if good else ""),
                        say,
                        e.run,
                        (e,),
                    ),
                )
            )
    return tuple(pick_beats(beats, candidates, steps=steps, most=most))


def overshoot_comparison(
    land: Landscape,
    paths: Sequence[np.ndarray],
    labels: Sequence[str],
    *,
    after: int = 0,
    most_groups: int = 2,
) -> Any:
    """A beat comparing how far the runs overshoot the optimum after step ``after``: each
    crossing of one of the optimum's coordinates (:func:`~descent.engine.events.overshoots`)
    that at least one run makes visibly (2 % of its start's distance to the optimum), with
    every run's depth past it, and which run overshoots least.

    Parameters
    ----------
    paths
        ``(steps+1, dim)`` per run: the points the scene draws.
    labels
        The runs' names, in the order of ``paths`` (the beat's ``subject`` indexes them).

    Returns
    -------
    Beat or None
        At the first step whose depth it quotes (a run's farthest point past the line: the
        chapter lands where a quoted number is on screen; the crossings before it are
        recalled), spanning (``until``) to the last quoted step, or the farthest point of the
        deepest run's last crossing if later, so every quoted depth plays under its caption;
        ``None`` with fewer than two runs or no visible crossing.
    """
    opt = land.optimum
    if opt is None or len(paths) < 2:
        return None
    goal = np.asarray(opt, dtype=np.float64)
    found: dict[tuple[int, str], list[Event]] = {}
    for k, (path, name) in enumerate(zip(paths, labels, strict=True)):
        p = np.asarray(path, dtype=np.float64)
        for e in overshoots(p, goal, loss=loss_of(land), run=k, label=name):
            if e.step > after:
                found.setdefault((int(e.values["coordinate"]), e.kind), []).append(e)
    seen = {
        key: evs
        for key, evs in found.items()
        if len({e.run for e in evs}) >= 2
        and any(
            e.values["depth"] >= 0.02 * float(np.linalg.norm(np.asarray(paths[e.run])[0] - goal))
            for e in evs
        )
    }
    groups = sorted(seen.items(), key=lambda kv: min(e.step for e in kv[1]))[:most_groups]
    if not groups:
        return None
    sentences, events = [], []
    depth: dict[int, float] = {}
    for (i, kind), evs in groups:
        evs = sorted(evs, key=lambda e: e.run)
        how = "overshooting" if kind == "overshoot" else "swinging back across"
        # each depth with the step it is reached at (where the picture shows it)
        parts = ", ".join(
            f"{e.label} {number(e.values['depth'])} at step {farthest_step(e)}" for e in evs
        )
        sentences.append(f"{how} {axis_name(land, i)} = {number(goal[i])}, {parts}")
        events += evs
        for e in evs:
            depth[e.run] = max(depth.get(e.run, 0.0), float(e.values["depth"]))
    least = min(depth, key=lambda k: depth[k])
    most = max(depth, key=lambda k: depth[k])
    if least == most:
        return None
    # the deepest run's last crossing: to its farthest point, before it turns back
    last = max((e for e in events if e.run == most), key=lambda e: e.step)
    i = int(last.values["coordinate"])
    off = np.asarray(paths[most], dtype=np.float64)[last.step :, i] - goal[i]
    off = np.nan_to_num(off)
    turn = np.flatnonzero(np.sign(off) != np.sign(off[0]))
    stretch = off[: turn[0]] if len(turn) else off
    until = last.step + int(np.argmax(np.abs(stretch)))
    say = (
        "How far past the optimum: " + "; ".join(sentences) + "."
        f" {labels[least]} overshoots less than {labels[most]}."
    )
    quoted = [farthest_step(e) for e in events]
    return Beat(
        min(quoted),
        f"{labels[least]} overshoots less",
        say,
        least,
        tuple(sorted(events, key=lambda e: (e.step, e.run))),
        until=float(max(until, *quoted)),
    )


def pick_beats(
    beats: list[Any], candidates: list[tuple[int, Any]], *, steps: int, most: int
) -> list[Any]:
    """The ``most`` most important candidates (lowest priority number first, then the
    earliest), at distinct steps inside ``1 … steps−1`` with distinct names, in step order."""
    taken = {b.step for b in beats}
    names = {b.name for b in beats}
    chosen: list[Any] = []
    for _, beat in sorted(candidates, key=lambda pb: (pb[0], pb[1].step)):
        if len(chosen) >= most:
            break
        if not 0 < beat.step < steps or beat.step in taken or beat.name in names:
            continue
        chosen.append(beat)
        taken.add(beat.step)
        names.add(beat.name)
    return sorted([*beats, *chosen], key=lambda b: b.step)


def cover_runs(
    beats: Sequence[Any], land: Landscape, trajs: Sequence[Trajectory], *, steps: int
) -> tuple[Any, ...]:
    """``beats`` and, when some run is named by none of their events, the tolerance beat of
    :func:`event_story` (who is within the tolerance of the optimum for good from which
    step, who never is) at its first step not taken.

    :func:`pick_beats` keeps one beat a step, so the tolerance beat is dropped when it
    falls on another's step (a variant's lr 0.5 lands on the optimum at step 1, where lr
    1.2 overshoots) and a run's story goes missing. The words name each step as it
    happened ("from step 1"), true for good at the later step it is said.
    """
    runs = list({t.label: t for t in trajs}.values())
    said = " ".join(b.say for b in beats if b.events)  # the set-up names every run
    opt = land.optimum
    if opt is None or not runs or all(t.label in said for t in runs):
        return tuple(beats)
    start = np.asarray(runs[0].params)[0]
    tol = tolerance_for(land, start)
    if tol is None:
        return tuple(beats)
    reached = sorted(
        (
            e
            for k, t in enumerate(runs)
            for e in reaches_tolerance(t.params, opt, tol, run=k, label=t.label)
        ),
        key=lambda e: e.step,
    )
    if not reached:
        return tuple(beats)
    first = reached[0]
    taken = {b.step for b in beats}
    free = next((n for n in range(first.step, steps) if n not in taken and n > 0), None)
    if free is None:
        return tuple(beats)
    others = "; ".join(f"{e.label} at step {e.step}" for e in reached[1:])
    never = [t.label for t in runs if t.label not in {e.label for e in reached}]
    tail = (f"; {others}" if others else "") + (
        f"; {and_join(never)} not within {steps} steps" if never else ""
    )
    beat = Beat(
        free,
        f"{first.label} within {number(tol)}",
        f"{first.label} is within {number(tol)} of the optimum for good from step"
        f" {first.step}{tail}.",
        first.run,
        tuple(reached),
    )
    return tuple(sorted([*beats, beat], key=lambda b: b.step))


#: the opacity a beat's dimmed subjects keep for their text (lines and dots dim to ``dim``)
TEXT_DIM = 0.75


def ring_radius(width: float) -> float:
    """The radius (scene units) of the ring a beat draws around a subject ``width`` wide
    (:class:`Emphasis`): 1.6 × its width + 0.05, at least 0.21."""
    return max(float(width), 0.1) * 1.6 + 0.05


class Emphasis:
    """Mark a beat's subject while it is narrated: a ring that flashes onto it (shrinking
    from twice its size) and stays, while the other subjects dim to ``dim`` opacity.

    ``subject`` is any mobject (a :class:`~descent.scenes.kit.tracks.Track`'s dot is used
    when it has one); ``others`` are dimmed and restored afterwards.
    """

    def __init__(
        self, subject: Mobject, others: Sequence[Mobject], theme: Theme, *, dim: float = 0.3
    ) -> None:
        self.target = getattr(subject, "dot", subject)
        self.others = [m for m in others if m is not subject]
        radius = ring_radius(float(self.target.width))
        self.ring = Circle(radius=radius, color=theme.text, stroke_width=4)
        self.ring.layout_transient = True  # type: ignore[attr-defined]  # see check_layout
        self.ring.move_to(self.target.get_center())
        self.ring.add_updater(lambda m: m.move_to(self.target.get_center()))
        self.dim = dim

    def start(self) -> Any:
        """The flash-in animation (play it), after the others are dimmed."""
        from descent.scenes.kit.text import FastText, Label

        for m in self.others:
            m.save_state()
            # text dims less than lines and dots: a dimmed label must stay legible
            words = {
                id(x)
                for t in m.get_family()
                if isinstance(t, Label | FastText)
                for x in t.get_family()
            }
            for x in m.get_family():
                keep = max(self.dim, TEXT_DIM) if id(x) in words else self.dim
                x.fade(1 - keep, family=False)
        return FadeIn(self.ring, scale=2.0)

    def stop(self) -> Any:
        """The ring's fade-out (play it); the others are restored at once."""
        for m in self.others:
            m.restore()
        return FadeOut(self.ring)

    def group(self) -> VGroup:
        return VGroup(self.ring)
