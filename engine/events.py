"""Events in recorded runs: what happened, at which step, in which run.

Pure numpy (no torch): every detector reads the arrays a :class:`~descent.engine.Trajectory`
records (``params`` ``(steps+1, dim)``, ``loss`` ``(steps+1,)``) and returns
:class:`Event` records, each with its ``kind``, ``step``, ``run`` (index and label) and the
``values`` that describe it. Scenes place their beats at these events and fill their
narration from the values, so the story follows the runs whatever the hyper-parameters.

Kinds and their definitions (``x*`` the optimum, ``t`` the step index):

``overshoot`` / ``swing_back``
    Coordinate ``i`` of ``θ_t − x*`` changes sign between ``t−1`` and ``t`` (a crossing of
    the optimum's coordinate); the first crossing is the overshoot, the second the swing
    back. Given the landscape's ``loss``, a crossing counts only where the run is past the
    optimum along that coordinate: at its farthest point ``θ``, putting ``θ[i]`` back to
    ``x*[i]`` lowers the loss (on a curved valley such as Rosenbrock's, whose floor
    ``y = x²`` runs below the optimum's ``y = 1``, following the floor across ``y = 1`` is
    not an overshoot: back at ``y = 1`` the loss is higher). ``values``: ``coordinate``, ``position`` (θ_t[i]), ``depth`` (the farthest
    excursion past x*[i] before the next crossing) and ``farthest`` (the step at which
    that depth is reached: a story that quotes the depth shows that step, not ``t``).
``stationary_point``
    The run passes a stationary point ``p`` (saddle, flat or inflection point): in 1-D the
    sign of ``θ_t − p`` flips; in n-D the closest approach, if within ``radius``.
``basin_exit``
    A particle's first step outside its basin (a boolean ``outside`` record, e.g. past a
    barrier); :func:`escape_counts` gives how many particles had left by each step.
``tolerance`` / ``target_loss``
    The first step from which ``‖θ_t − x*‖ ≤ tol`` holds for good (or ``loss_t ≤ target``).
``overflow`` / ``nan``
    The first non-finite step: ``overflow`` when the loss or a coordinate is ±inf there
    (and none is NaN), ``nan`` when a NaN appears.
``oscillation_onset`` / ``oscillation_decay``
    A signed offset series ``s_t`` crosses zero at least ``min_crossings`` times: the onset
    is the first crossing; it dies out at the first step from which ``|s_t|`` stays below
    ``fraction`` × the largest ``|s|`` after the onset.
``lead_change``
    Another run takes the lowest loss (NaN counts as +inf); ``values``: ``leader`` and
    ``previous`` (run indices) and the two losses.
``plateau``
    At least ``min_length`` consecutive steps whose relative loss change
    ``|Δloss| / max(|loss|, eps)`` stays below ``rel``; ``values``: ``end`` step and loss.

Examples
--------
>>> import numpy as np
>>> from descent.engine.events import overshoots
>>> y = np.array([[2.0], [-1.0], [0.5], [-0.2]])
>>> [(e.kind, e.step) for e in overshoots(y, [0.0])]
[('overshoot', 1), ('swing_back', 2)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Event",
    "Run",
    "overshoots",
    "stationary_passes",
    "basin_exits",
    "escape_counts",
    "reaches_tolerance",
    "reaches_loss",
    "first_non_finite_event",
    "oscillation",
    "lead_changes",
    "plateaus",
    "find_events",
]

Array = NDArray[np.float64]


class Run(Protocol):
    """What the detectors read of a run (a :class:`~descent.engine.Trajectory` is one)."""

    @property
    def params(self) -> Any: ...

    @property
    def loss(self) -> Any: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class Event:
    """One thing that happened in a run.

    Attributes
    ----------
    kind
        What happened (see the module docstring for the list and definitions).
    step
        The step index ``t`` (``0 … steps``) at which it is visible in the record.
    run
        Index of the run among those examined (particle index for a swarm).
    label
        The run's label (``"Momentum"``), or ``""``.
    values
        The numbers that describe it (kind-specific; all plain floats).
    """

    kind: str
    step: int
    run: int = 0
    label: str = ""
    values: Mapping[str, float] = field(default_factory=dict)


def _params(params: ArrayLike) -> Array:
    p = np.asarray(params, dtype=np.float64)
    if p.ndim == 1:
        p = p[:, None]
    if p.ndim != 2:
        raise ValueError(f"params must be (steps+1, dim); got shape {p.shape}")
    return p


def _crossings(s: Array) -> Array:
    """Steps ``t ≥ 1`` where ``s`` changes sign strictly between ``t−1`` and ``t`` (a
    landing exactly on 0 counts at the step after it whose sign differs from before)."""
    sign = np.sign(np.where(np.isfinite(s), s, 0.0))
    out: list[int] = []
    last = 0.0
    for t, v in enumerate(sign):
        if v == 0:
            continue
        if last != 0 and v != last:
            out.append(t)
        last = v
    return np.asarray(out, dtype=np.int64)


def overshoots(
    params: ArrayLike,
    optimum: ArrayLike,
    *,
    coordinates: Sequence[int] | None = None,
    loss: Callable[[Array], ArrayLike] | None = None,
    run: int = 0,
    label: str = "",
) -> list[Event]:
    """The overshoot (first crossing of the optimum's coordinate) and the swing back
    (second crossing) of each coordinate of one run.

    A crossing is a sign change of ``θ_t[i] − x*[i]``. With ``loss`` it must also be past the
    optimum, not only past one of its coordinates: at the crossing's farthest point ``θ``,
    ``loss(θ with θ[i] = x*[i]) < loss(θ)`` (the optimum's coordinate is downhill along axis
    ``i``: the run went past the loss's low side in that coordinate). Crossings that fail are
    skipped: the first that passes is the overshoot, the crossing right after it (if it
    passes) the swing back.

    Parameters
    ----------
    params
        ``(steps+1, dim)`` (or ``(steps+1,)`` for 1-D).
    optimum
        ``(dim,)``: the point whose coordinates are crossed.
    coordinates
        Which coordinates to examine (default: all).
    loss
        The landscape's loss at points ``(n, dim)`` → ``(n,)`` (e.g.
        ``functools.partial(landscape.value, cache=False)``), or ``None`` to count every
        crossing (a separable landscape, where each coordinate's minimum is the optimum's).

    Returns
    -------
    list of Event
        ``overshoot`` and ``swing_back`` events, by step; ``values``: ``coordinate``,
        ``position``, ``depth`` (farthest distance past the optimum's coordinate before
        the next crossing, or the run's end) and ``farthest`` (the step ``≥ t`` of that
        distance: the run is ``depth`` past the optimum's coordinate there).
    """
    p = _params(params)
    opt = np.asarray(optimum, dtype=np.float64).reshape(-1)
    found: list[Event] = []
    for i in coordinates if coordinates is not None else range(p.shape[1]):
        s = p[:, i] - opt[i]
        cross = _crossings(s)
        passed: list[tuple[int, float, int]] = []  # (step, depth, farthest)
        for n, t in enumerate(cross):
            if len(passed) == 2 or (passed and passed[0][0] != int(cross[n - 1])):
                break  # the swing back is the crossing right after the overshoot
            stop = int(cross[n + 1]) if n + 1 < len(cross) else len(s)
            seg = np.abs(s[int(t) : stop])
            seg = np.where(np.isfinite(seg), seg, -np.inf)
            at = int(np.argmax(seg)) if seg.size and np.isfinite(seg.max()) else 0
            depth = float(seg[at]) if seg.size and np.isfinite(seg[at]) else 0.0
            far = int(t) + at
            if loss is not None and not _past_along(loss, p[far], i, float(opt[i])):
                continue
            passed.append((int(t), depth, far))
        for kind, (t, depth, far) in zip(("overshoot", "swing_back"), passed, strict=False):
            found.append(
                Event(
                    kind,
                    t,
                    run,
                    label,
                    {
                        "coordinate": float(i),
                        "position": float(p[t, i]),
                        "depth": depth,
                        "farthest": float(far),
                    },
                )
            )
    return sorted(found, key=lambda e: e.step)


def _past_along(loss: Callable[[Array], ArrayLike], point: Array, i: int, target: float) -> bool:
    """Whether moving ``point[i]`` back to ``target`` lowers ``loss``: the point is past the
    loss's low side along axis ``i``, not only past the value ``target``."""
    if not np.isfinite(point).all():
        return True  # a run that blew up is past everything; the picture pins it
    back = point.copy()
    back[i] = target
    f = np.asarray(loss(np.stack([point, back])), dtype=np.float64).reshape(-1)
    return bool(not np.isfinite(f[0]) or f[1] < f[0])


def stationary_passes(
    params: ArrayLike,
    point: ArrayLike,
    *,
    radius: float = math.inf,
    run: int = 0,
    label: str = "",
) -> list[Event]:
    """When a run passes the stationary point ``point``.

    In 1-D, the first step at which ``θ_t − p`` has the opposite sign of the start's. In
    n-D, the step of the closest approach, if it is within ``radius`` and the run moves
    away again afterwards. ``values``: ``point`` (first coordinate), ``position`` and
    ``speed`` (``|θ_t − θ_{t−1}|``, the step length while passing).
    """
    p = _params(params)
    at = np.asarray(point, dtype=np.float64).reshape(-1)
    if p.shape[1] == 1:
        cross = _crossings(p[:, 0] - at[0])
        if not len(cross):
            return []
        t = int(cross[0])
    else:
        d = np.linalg.norm(p - at, axis=1)
        d = np.where(np.isfinite(d), d, np.inf)
        t = int(np.argmin(d))
        if not d[t] <= radius or t == 0 or t >= len(d) - 1 or not d[-1] > d[t]:
            return []
    speed = float(np.linalg.norm(p[t] - p[t - 1])) if t > 0 else 0.0
    return [
        Event(
            "stationary_point",
            t,
            run,
            label,
            {"point": float(at[0]), "position": float(p[t, 0]), "speed": speed},
        )
    ]


def basin_exits(outside: ArrayLike, *, labels: Sequence[str] | None = None) -> list[Event]:
    """Each particle's first step outside its basin.

    Parameters
    ----------
    outside
        ``(K, steps+1)`` bool (``(steps+1,)`` for one run): outside the basin at step t.

    Returns
    -------
    list of Event
        One ``basin_exit`` per particle that left, by step; ``values``: ``count`` (how
        many particles had left by that step, this one included).
    """
    out = np.atleast_2d(np.asarray(outside, dtype=bool))
    counts = escape_counts(out)
    found = []
    for k in range(out.shape[0]):
        if out[k].any():
            t = int(out[k].argmax())
            name = labels[k] if labels is not None else ""
            found.append(Event("basin_exit", t, k, name, {"count": float(counts[t])}))
    return sorted(found, key=lambda e: (e.step, e.run))


def escape_counts(outside: ArrayLike) -> NDArray[np.int64]:
    """``(steps+1,)``: how many particles had been outside their basin at or before step t."""
    out = np.atleast_2d(np.asarray(outside, dtype=bool))
    counts: NDArray[np.int64] = np.maximum.accumulate(out, axis=1).sum(axis=0).astype(np.int64)
    return counts


def reaches_tolerance(
    params: ArrayLike, optimum: ArrayLike, tol: float, *, run: int = 0, label: str = ""
) -> list[Event]:
    """The first step from which ``‖θ_t − x*‖ ≤ tol`` for every later step (Euclidean).

    ``values``: ``tol`` and ``distance`` (at that step). Empty if the run ends outside.
    """
    p = _params(params)
    d = np.linalg.norm(p - np.asarray(optimum, dtype=np.float64).reshape(-1), axis=1)
    t = _first_for_good(d <= tol)
    if t is None:
        return []
    return [Event("tolerance", t, run, label, {"tol": float(tol), "distance": float(d[t])})]


def reaches_loss(loss: ArrayLike, target: float, *, run: int = 0, label: str = "") -> list[Event]:
    """The first step from which ``loss_t ≤ target`` for every later step.
    ``values``: ``target`` and ``loss``."""
    f = np.asarray(loss, dtype=np.float64)
    t = _first_for_good(f <= target)
    if t is None:
        return []
    return [Event("target_loss", t, run, label, {"target": float(target), "loss": float(f[t])})]


def _first_for_good(ok: NDArray[np.bool_]) -> int | None:
    if not len(ok) or not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    return int(bad[-1]) + 1 if len(bad) else 0


def first_non_finite_event(
    params: ArrayLike, loss: ArrayLike, *, run: int = 0, label: str = ""
) -> list[Event]:
    """The first step whose loss or parameters are not finite: ``nan`` if a NaN appears
    there, else ``overflow`` (±inf). ``values``: ``last_finite_loss`` (the loss one step
    before; NaN when the start is not finite)."""
    p = _params(params)
    f = np.asarray(loss, dtype=np.float64)
    rows = np.column_stack([p, f])
    bad = ~np.isfinite(rows).all(axis=1)
    if not bad.any():
        return []
    t = int(bad.argmax())
    kind = "nan" if np.isnan(rows[t]).any() else "overflow"
    last = float(f[t - 1]) if t > 0 else math.nan
    return [Event(kind, t, run, label, {"last_finite_loss": last})]


def oscillation(
    offset: ArrayLike,
    *,
    min_crossings: int = 3,
    fraction: float = 0.1,
    run: int = 0,
    label: str = "",
) -> list[Event]:
    """Onset and dying out of an oscillation of a signed series (e.g. ``θ_t[i] − x*[i]``).

    Onset: the first zero crossing, when there are at least ``min_crossings``. Dying out:
    the first step after the onset from which ``|s_t| ≤ fraction · A`` for good, with
    ``A = max |s|`` from the onset on. ``values``: ``amplitude`` (A), ``crossings`` and
    ``period`` (2 × the mean gap between crossings, in steps).
    """
    s = np.asarray(offset, dtype=np.float64)
    cross = _crossings(s)
    if len(cross) < min_crossings:
        return []
    t0 = int(cross[0])
    tail = np.abs(s[t0:])
    amp = float(np.nanmax(np.where(np.isfinite(tail), tail, np.nan)))
    vals = {
        "amplitude": amp,
        "crossings": float(len(cross)),
        "period": float(2 * np.diff(cross).mean()),
    }
    found = [Event("oscillation_onset", t0, run, label, vals)]
    calm = _first_for_good(np.isfinite(tail) & (tail <= fraction * amp))
    if calm is not None and calm > 0:
        found.append(Event("oscillation_decay", t0 + calm, run, label, vals))
    return found


def lead_changes(
    losses: Sequence[ArrayLike], *, labels: Sequence[str] | None = None, start: int = 1
) -> list[Event]:
    """Steps at which a different run takes the lowest loss (NaN and ±inf count as +inf).

    Ties keep the current leader. ``run``/``label``: the new leader; ``values``:
    ``previous`` (run index), ``loss`` (the leader's), ``previous_loss``, and
    ``runner_up`` / ``runner_up_loss``: the run with the second-lowest loss at that step
    (what the lead is measured against; the previous leader may by then be the worst).
    """
    f = np.stack([np.asarray(x, dtype=np.float64) for x in losses])
    f = np.where(np.isnan(f) | (f == np.inf), np.inf, f)
    leader = int(np.argmin(f[:, 0]))
    found = []
    for t in range(1, f.shape[1]):
        best = int(np.argmin(f[:, t]))
        if f[best, t] < f[leader, t]:
            if t >= start:
                others = np.where(np.arange(f.shape[0]) == best, np.inf, f[:, t])
                second = int(np.argmin(others))
                found.append(
                    Event(
                        "lead_change",
                        t,
                        best,
                        labels[best] if labels is not None else "",
                        {
                            "previous": float(leader),
                            "loss": float(f[best, t]),
                            "previous_loss": float(f[leader, t]),
                            "runner_up": float(second),
                            "runner_up_loss": float(f[second, t]),
                        },
                    )
                )
            leader = best
    return found


def plateaus(
    loss: ArrayLike,
    *,
    rel: float = 1e-3,
    min_length: int = 10,
    eps: float = 1e-12,
    run: int = 0,
    label: str = "",
) -> list[Event]:
    """Stretches of at least ``min_length`` steps whose relative loss change per step is
    below ``rel``. The event is at the stretch's first step; ``values``: ``end`` (last
    step of the stretch), ``loss`` (at its start) and ``length`` (steps)."""
    f = np.asarray(loss, dtype=np.float64)
    if len(f) < 2:
        return []
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf in a diverged run
        change = np.abs(np.diff(f)) / np.maximum(np.abs(f[:-1]), eps)
    flat = np.isfinite(change) & (change < rel)
    found = []
    t = 0
    while t < len(flat):
        if flat[t]:
            u = t
            while u < len(flat) and flat[u]:
                u += 1
            if u - t >= min_length:
                found.append(
                    Event(
                        "plateau",
                        t,
                        run,
                        label,
                        {"end": float(u), "loss": float(f[t]), "length": float(u - t)},
                    )
                )
            t = u
        else:
            t += 1
    return found


def find_events(
    runs: Sequence[Run],
    *,
    optimum: ArrayLike | None = None,
    stationary: Sequence[ArrayLike] = (),
    tol: float | None = None,
    loss: Callable[[Array], ArrayLike] | None = None,
) -> list[Event]:
    """Every event of ``runs`` (single runs, not swarms), by step.

    ``loss``: the landscape's loss at points ``(n, dim)`` → ``(n,)``; with it an overshoot
    must be past the optimum, not only across one of its coordinates (:func:`overshoots`).

    Overshoots and oscillation (per coordinate, against ``optimum``), passes of the
    ``stationary`` points (positions), the tolerance ``tol`` around the optimum
    (default: 1 % of the first run's starting distance, to one significant figure), the
    first non-finite step, plateaus and changes of the lead (with two runs or more).
    """
    found: list[Event] = []
    opt = None if optimum is None else np.asarray(optimum, dtype=np.float64).reshape(-1)
    if opt is not None and tol is None and runs:
        d0 = float(np.linalg.norm(_params(runs[0].params)[0] - opt))
        tol = float(f"{0.01 * d0:.0e}") if d0 > 0 else None
    for k, r in enumerate(runs):
        p = _params(r.params)
        name = r.label
        found += first_non_finite_event(p, r.loss, run=k, label=name)
        if opt is not None:
            found += overshoots(p, opt, loss=loss, run=k, label=name)
            for i in range(p.shape[1]):
                found += [
                    Event(e.kind, e.step, k, name, {**e.values, "coordinate": float(i)})
                    for e in oscillation(p[:, i] - opt[i], run=k, label=name)
                ]
            if tol:
                found += reaches_tolerance(p, opt, tol, run=k, label=name)
        for where in stationary:
            found += stationary_passes(p, where, run=k, label=name)
        found += plateaus(r.loss, run=k, label=name)
    if len(runs) > 1:
        found += lead_changes([r.loss for r in runs], labels=[r.label for r in runs])
    return sorted(found, key=lambda e: (e.step, e.run, e.kind))
