"""Each event detector on runs whose answer is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from descent import engine
from descent.engine import events


def test_overshoot_and_swing_back_of_one_coordinate() -> None:
    # y − 0: 2 → −1 (crossed at step 1, 1 past) → −1.5 → 0.5 (back at step 3) → 0.2
    y = np.array([2.0, -1.0, -1.5, 0.5, 0.2])
    p = np.stack([np.zeros(5), y], -1)
    found = events.overshoots(p, [0.0, 0.0])
    assert [(e.kind, e.step) for e in found] == [("overshoot", 1), ("swing_back", 3)]
    assert found[0].values["coordinate"] == 1.0  # x never leaves 0: no crossing there
    assert found[0].values["depth"] == 1.5 and found[1].values["depth"] == 0.5
    # where each depth is reached: 1.5 past at step 2 (after crossing at 1), 0.5 at step 3
    assert found[0].values["farthest"] == 2.0 and found[1].values["farthest"] == 3.0


def test_a_landing_on_the_optimum_is_not_a_crossing() -> None:
    assert events.overshoots(np.array([1.0, 0.0, 0.5]), [0.0]) == []
    [e] = events.overshoots(np.array([1.0, 0.0, -0.5]), [0.0])  # through it: crossed at 2
    assert (e.kind, e.step) == ("overshoot", 2)


def test_passing_a_flat_point_in_1d_and_a_saddle_in_2d() -> None:
    w = np.array([4.0, 2.0, 0.5, -0.5, -3.0])  # passes 0 between steps 2 and 3
    [e] = events.stationary_passes(w, [0.0])
    assert (e.kind, e.step, e.values["speed"]) == ("stationary_point", 3, 1.0)
    assert events.stationary_passes(np.array([4.0, 2.0, 1.0, 0.5]), [0.0]) == []  # crawls
    p = np.array([[-2.0, 0.1], [-1.0, 0.1], [0.0, 0.1], [1.0, 0.1], [2.0, 0.1]])
    [e] = events.stationary_passes(p, [0.0, 0.0], radius=0.2)  # closest at step 2, 0.1 off
    assert e.step == 2
    assert events.stationary_passes(p, [0.0, 0.0], radius=0.05) == []


def test_basin_exits_and_the_running_count() -> None:
    out = np.array(
        [
            [0, 0, 1, 1, 1],  # leaves at 2
            [0, 0, 0, 0, 0],  # stays
            [0, 1, 0, 1, 1],  # leaves at 1, back, out again: counted once, at 1
        ],
        dtype=bool,
    )
    assert events.escape_counts(out).tolist() == [0, 1, 2, 2, 2]
    found = events.basin_exits(out, labels=["a", "b", "c"])
    assert [(e.run, e.label, e.step, e.values["count"]) for e in found] == [
        (2, "c", 1, 1.0),
        (0, "a", 2, 2.0),
    ]


def test_tolerance_is_reached_for_good_and_target_loss() -> None:
    d = np.array([5.0, 0.05, 0.3, 0.08, 0.01])  # inside at 1, out at 2, inside for good at 3
    p = np.stack([d, np.zeros(5)], -1)
    [e] = events.reaches_tolerance(p, [0.0, 0.0], 0.1)
    assert (e.kind, e.step, e.values["distance"]) == ("tolerance", 3, 0.08)
    assert events.reaches_tolerance(p, [0.0, 0.0], 0.001) == []
    [e] = events.reaches_loss(np.array([9.0, 4.0, 1.0, 0.5]), 1.0)
    assert (e.kind, e.step) == ("target_loss", 2)


def test_non_finite_tells_overflow_from_nan() -> None:
    loss = np.array([1.0, 1e30, np.inf, np.nan])
    [e] = events.first_non_finite_event(np.zeros((4, 1)), loss)
    assert (e.kind, e.step, e.values["last_finite_loss"]) == ("overflow", 2, 1e30)
    loss = np.array([1.0, 2.0, np.nan, np.nan])
    [e] = events.first_non_finite_event(np.zeros((4, 1)), loss)
    assert (e.kind, e.step) == ("nan", 2)
    assert events.first_non_finite_event(np.zeros((3, 1)), np.ones(3)) == []


def test_non_finite_on_a_real_diverging_run() -> None:
    traj = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=10.0), start=[10, 10], steps=400)
    [e] = events.first_non_finite_event(traj.params, traj.loss)
    assert e.step == traj.diverged_at
    # (1 − 2·lr)^t = (−19)^t grows the offset: it overflows float32 first, then inf − inf = NaN
    assert e.kind == "overflow"


def test_oscillation_onset_and_decay() -> None:
    # s_t = 4·(−0.5)^t: crosses 0 every step from step 1; |s| ≤ 0.1·A from the step where
    # 4·0.5^t ≤ 0.2 (A = |s_1| = 2): t = 5 (0.125)
    s = 4.0 * (-0.5) ** np.arange(10)
    onset, decay = events.oscillation(s)
    assert (onset.kind, onset.step, onset.values["amplitude"]) == ("oscillation_onset", 1, 2.0)
    assert (decay.kind, decay.step) == ("oscillation_decay", 5)
    assert onset.values["period"] == 2.0  # crossings one step apart: a period of 2 steps
    assert events.oscillation(np.array([3.0, 2.0, 1.0, 0.5])) == []  # monotone: none


def test_lead_changes_between_runs() -> None:
    a = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    b = np.array([5.0, 4.5, 2.5, np.nan, np.nan])  # leads at 2, then NaN: a leads again at 3
    found = events.lead_changes([a, b], labels=["A", "B"])
    assert [(e.step, e.label, e.values["previous"]) for e in found] == [
        (2, "B", 0.0),
        (3, "A", 1.0),
    ]


def test_plateau() -> None:
    loss = np.array([10.0, 5.0, *([4.0] * 12), 3.0, 1.0])  # flat from step 2 to 13
    [e] = events.plateaus(loss, rel=1e-3, min_length=10)
    assert (e.kind, e.step, e.values["end"], e.values["length"]) == ("plateau", 2, 13.0, 11.0)
    assert events.plateaus(loss, min_length=12) == []


def test_find_events_on_the_momentum_valley() -> None:
    # ½(x² + 10y²): SGD with lr 0.05 shrinks y by (1 − 0.5) per step: never crosses;
    # momentum 0.9 crosses y = 0 at step 2 (y: 2 → 1.0 → −0.4)
    land = engine.get_landscape("ellipse", condition=10.0)
    trajs = [
        engine.simulate(land, engine.OptimizerSpec("SGD", lr=0.05, **kw), start=[-5, 2], steps=40)
        for kw in ({}, {"momentum": 0.9})
    ]
    found = engine.find_events(trajs, optimum=land.optimum)
    assert not [e for e in found if e.kind == "overshoot" and e.run == 0]
    first = next(e for e in found if e.kind == "overshoot" and e.run == 1)
    assert (first.step, first.values["coordinate"]) == (2, 1.0)
    assert first.values["position"] == pytest.approx(-0.4, abs=1e-6)
    assert all(e.step <= 40 for e in found)


def test_following_a_curved_valley_across_the_optimums_y_is_no_overshoot() -> None:
    # review4 #5: Adam on Rosenbrock follows the floor y = x² from (−1.5, 2.5) through (0, 0)
    # toward (1, 1); y drops below 1 because the valley does. A real run, the real loss: the
    # crossing of y = 1 is there, but back at y = 1 the loss is higher, so it is not past the
    # optimum; the same check keeps the valley's overshoot of a quadratic (momentum)
    land = engine.get_landscape("rosenbrock")
    adam = engine.simulate(land, engine.OptimizerSpec("Adam", lr=0.1), start=(-1.5, 2.5), steps=300)
    p = np.asarray(adam.params, dtype=np.float64)

    def loss(x: np.ndarray) -> np.ndarray:
        return land.value(x, cache=False)

    crossed = events.overshoots(p, land.optimum)
    assert any(e.values["coordinate"] == 1.0 for e in crossed)  # y crosses 1 ...
    assert events.overshoots(p, land.optimum, loss=loss) == []  # ... but never goes past it
    ellipse = engine.get_landscape("ellipse")
    momentum = engine.OptimizerSpec("SGD", lr=0.05, momentum=0.9)
    run = engine.simulate(ellipse, momentum, start=(-5.0, 2.0), steps=40)
    q = np.asarray(run.params, dtype=np.float64)
    kept = events.overshoots(q, ellipse.optimum, loss=lambda x: ellipse.value(x, cache=False))
    assert kept and kept[0].kind == "overshoot"
    assert [(e.kind, e.step) for e in kept][:2] == [
        (e.kind, e.step) for e in events.overshoots(q, ellipse.optimum)
    ][:2]


def test_a_lead_change_names_the_runner_up_not_only_the_run_it_overtook() -> None:
    # three runs: c leads from step 1; the run it overtook (a, the start's leader by the
    # tie) is the worst there, b the runner-up
    a = np.array([5.0, 4.9, 4.8])
    b = np.array([5.0, 3.0, 2.0])
    c = np.array([5.0, 1.0, 0.5])
    [e] = events.lead_changes([a, b, c], labels=["a", "b", "c"])
    assert (e.step, e.label, e.values["previous"]) == (1, "c", 0.0)
    assert (e.values["runner_up"], e.values["runner_up_loss"]) == (1.0, 3.0)
