"""Sweeps: exact torch runs over a grid, and rates checked against the closed form."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from descent import engine

KAPPA = 10.0


@pytest.mark.parametrize(
    ("name", "grid", "fixed"),
    [
        ("SGD", {"lr": [0.02, 0.1, 0.19], "momentum": [0.0, 0.5, 0.9]}, {}),
        ("SGD", {"lr": [0.05, 0.1]}, {"momentum": 0.9, "nesterov": True}),
        ("Adam", {"lr": [0.01, 0.3], "betas": [(0.9, 0.999), (0.5, 0.9)]}, {}),
        ("RMSprop", {"lr": [0.01, 0.05], "alpha": [0.9, 0.99], "momentum": [0.0, 0.5]}, {}),
    ],
)
def test_each_run_equals_simulate_bit_for_bit(
    name: str, grid: dict[str, list[object]], fixed: dict[str, object]
) -> None:
    result = engine.sweep("rosenbrock", name, grid=grid, steps=30, cache=False, **fixed)
    assert result.shape == tuple(len(v) for v in grid.values())
    assert result.params.shape == (*result.shape, 31, 2)
    for index in np.ndindex(*result.shape):
        run = result.run(*index)
        one = engine.simulate("rosenbrock", result.spec(*index), steps=30, cache=False)
        same = functools.partial(np.array_equal, equal_nan=True)  # a diverged run: NaN alike
        assert same(run.params, one.params), index
        assert same(run.loss, one.loss) and same(run.grad, one.grad)
        assert run.diverged_at == one.diverged_at
        assert sorted(run.state) == sorted(one.state)
        for key in one.state:
            assert same(run.state[key], one.state[key]), (index, key)


def test_sweep_is_cached(tmp_path: object) -> None:
    grid = {"lr": [0.01, 0.02], "momentum": [0.0, 0.9]}
    first = engine.sweep("bowl", "SGD", grid=grid, steps=10)
    again = engine.sweep("bowl", "SGD", grid=grid, steps=10)
    assert not first.from_cache and again.from_cache
    assert np.array_equal(first.params, again.params)


def test_rates_of_a_cached_sweep_are_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from descent.engine import sweeps

    grid = {"lr": [0.05, 0.1, 0.15], "momentum": [0.0, 0.5]}
    result = engine.sweep("ellipse", "SGD", grid=grid, steps=40)
    assert result.key is not None
    direct = engine.convergence_rate(result.params, (0.0, 0.0), method="fit")
    first = engine.convergence_rate(result, (0.0, 0.0), method="fit")
    assert np.array_equal(first, direct)
    fits = []
    monkeypatch.setattr(sweeps, "_fit_rate", lambda *a: fits.append(a) or np.zeros(6))
    again = engine.convergence_rate(
        engine.sweep("ellipse", "SGD", grid=grid, steps=40), (0.0, 0.0), method="fit"
    )
    assert np.array_equal(again, direct) and not fits  # read back, not measured
    elsewhere = engine.convergence_rate(result, (0.5, 0.0), method="fit")
    assert len(fits) == 1 and elsewhere.shape == (3, 2)  # another optimum: measured again


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"lr": [0.1], "momentm": [0.9]}, "SGD has no argument 'momentm'; accepted: lr, momentum"),
        ({"lr": []}, "grid axis 'lr' is empty"),
        ({"lr": [0.1] * 201, "momentum": [0.5] * 201}, "40,401 runs; the limit is 40,000"),
        ({"lr": [0.1, -1.0]}, "SGD: invalid argument 'lr'=-1: Invalid learning rate"),
        ({"lr": [0.1], "momentum": [float("nan")]}, "values must be finite"),
        ({"lr": 0.1}, "must be a list of values"),
        ({}, "1 to 3 keyword arguments"),
    ],
)
def test_bad_grids_are_rejected(grid: dict[str, object], match: str) -> None:
    with pytest.raises(engine.EngineError, match=match):
        engine.sweep("bowl", "SGD", grid=grid, steps=5, cache=False)


def heavy_ball_radius(alpha: float, beta: float, lam: float) -> float:
    """Spectral radius of R(λ) = [[β, λ], [−αβ, 1 − αλ]] (Goh 2017)."""
    r = np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]])
    return float(np.abs(np.linalg.eigvals(r)).max())


@pytest.fixture(scope="module")
def rate_map() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    from descent.scenes.rate_map import RateMap

    lrs, mus, rates = RateMap.rate_map()
    return lrs, mus, rates


def test_measured_rate_map_matches_the_spectral_radius(
    rate_map: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]],
) -> None:
    lrs, mus, rates = rate_map
    assert len(lrs) >= 100 and len(mus) >= 100
    analytic = np.array(
        [
            [max(heavy_ball_radius(a, b, 1.0), heavy_ball_radius(a, b, KAPPA)) for b in mus]
            for a in lrs
        ]
    )
    fast = analytic < 0.99
    assert fast.sum() > 5000
    measured = rates["fit"]
    assert np.abs(measured - analytic)[fast].max() < 0.01
    # the plain window estimate agrees too, except where the error oscillates more slowly
    # than the run is long (the two modes are near critical damping)
    window = rates["window"]
    assert np.percentile(np.abs(window - analytic)[fast], 95) < 0.01
    # the divergence border: rate ≥ 1 exactly where the analytic rate is ≥ 1 (up to the band)
    border = np.abs(analytic - 1) < 0.01
    assert ((measured >= 1) == (analytic >= 1))[~border].all()


def test_measured_optimum_is_the_closed_form_one(
    rate_map: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]],
) -> None:
    lrs, mus, rates = rate_map
    measured = np.where(np.isfinite(rates["fit"]), rates["fit"], np.inf)
    i, j = np.unravel_index(np.argmin(measured), measured.shape)
    root = math.sqrt(KAPPA)
    alpha_star = (2 / (1 + root)) ** 2  # λ₁ = 1, λₙ = κ
    beta_star = ((root - 1) / (root + 1)) ** 2
    assert abs(lrs[i] - alpha_star) <= 2 * (lrs[1] - lrs[0])
    assert abs(mus[j] - beta_star) <= 2 * (mus[1] - mus[0])
    assert measured[i, j] == pytest.approx((root - 1) / (root + 1), abs=0.01)


def test_plain_sgd_optimum() -> None:
    from descent.scenes.rate_map import RateMap

    lrs, rate = RateMap.sgd_rates()
    k = int(np.argmin(rate))
    assert abs(lrs[k] - 2 / (1 + KAPPA)) <= lrs[1] - lrs[0]
    assert rate[k] == pytest.approx((KAPPA - 1) / (KAPPA + 1), abs=0.01)
    analytic = np.maximum(np.abs(1 - lrs), np.abs(1 - KAPPA * lrs))
    fast = analytic < 0.99
    assert np.abs(rate - analytic)[fast].max() < 0.01
