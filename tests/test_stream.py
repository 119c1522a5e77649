"""Records that do not live in RAM: streamed trajectories, low-rank PCA, the budget."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from descent import engine
from descent.engine import stream
from descent.engine.fileio import cache_dir


@pytest.fixture(scope="module")
def runs() -> tuple[engine.Landscape, list[engine.OptimizerSpec]]:
    land = engine.get_landscape("mlp", data="moons", hidden=(16, 16), n=200, seed=0)
    specs = [
        engine.OptimizerSpec("SGD", lr=0.1, momentum=0.9),
        engine.OptimizerSpec("Adam", lr=0.02),
    ]
    return land, specs


def test_a_streamed_trajectory_equals_the_in_memory_one(runs) -> None:  # noqa: ANN001
    land, specs = runs
    for spec in specs:
        memory = engine.simulate(land, spec, steps=40, cache=False)
        with stream.streaming(0):
            streamed = engine.simulate(land, spec, steps=40, cache=False)
        assert stream.is_streamed(streamed.params) and not stream.is_streamed(memory.params)
        assert not streamed.params.flags.writeable
        files = {p.name for p in cache_dir().glob("trajectories/stream-*/*.npy")}
        assert {"params.npy", "grad.npy", "loss.npy"} <= files
        for name, arr in memory.arrays().items():
            assert np.array_equal(np.asarray(streamed.arrays()[name]), arr), name


def test_a_streamed_swarm_equals_the_in_memory_one() -> None:
    starts = np.random.default_rng(0).uniform(-2, 2, (5, 2))
    memory = engine.simulate(
        "rosenbrock", engine.OptimizerSpec("Adam", lr=0.01), start=starts, steps=40, cache=False
    )
    with stream.streaming(0):
        streamed = engine.simulate(
            "rosenbrock", engine.OptimizerSpec("Adam", lr=0.01), start=starts, steps=40, cache=False
        )
    assert stream.is_streamed(streamed.params)
    for name, arr in memory.arrays().items():
        assert np.array_equal(np.asarray(streamed.arrays()[name]), arr), name


def test_pca_of_streamed_runs_matches_the_exact_plane(runs) -> None:  # noqa: ANN001
    land, specs = runs
    exact_runs = [engine.simulate(land, s, steps=80, cache=False) for s in specs]
    with stream.streaming(0):
        streamed_runs = [engine.simulate(land, s, steps=80, cache=False) for s in specs]
    exact = engine.pca_plane(exact_runs)
    low = engine.pca_plane(streamed_runs)
    # the same subspace: the sine of the largest principal angle, ‖(I − P_exact)·Q_low‖₂
    q_exact, q_low = np.linalg.qr(exact.basis)[0], np.linalg.qr(low.basis)[0]
    off = q_low - q_exact @ (q_exact.T @ q_low)
    assert np.linalg.norm(off, 2) < 1e-4
    assert abs(low.explained - exact.explained) < 1e-4  # type: ignore[operator]
    assert np.allclose(low.d1, exact.d1, atol=1e-4) and np.allclose(low.d2, exact.d2, atol=1e-4)
    assert not list(cache_dir().glob("trajectories/pca-*.npy"))  # the Δ file is removed


def test_an_impossible_job_is_refused_before_anything_is_allocated() -> None:
    before = set(cache_dir().rglob("*")) if cache_dir().exists() else set()
    tracemalloc.start()
    try:
        with pytest.raises(engine.EngineError) as info:
            # 100,000 runs × 1,000,001 steps × 2 coordinates: 5 TB
            engine.simulate(
                "bowl", "SGD", start=np.zeros((100_000, 2)), steps=1_000_000, cache=False
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "\n" not in message and "100,000 run(s) × 1,000,001 steps × 2 parameters" in message
    assert "would record 5,200.0 GB on disk" in message and "GB is free there" in message
    assert peak < 50e6  # the starts themselves (1.6 MB) and bookkeeping, never the record
    after = set(cache_dir().rglob("*")) if cache_dir().exists() else set()
    assert not [p for p in after - before if "stream-" in str(p)]


def test_a_model_whose_state_cannot_fit_in_memory_is_refused() -> None:
    with pytest.raises(
        engine.EngineError,
        match=r"model, gradient and optimizer state take .* GB; .* of memory is available",
    ):
        stream.check_budget(steps=10, particles=1, dim=10**12)


def test_the_budget_says_where_a_record_goes() -> None:
    assert stream.check_budget(steps=100, particles=1, dim=1_000) is False  # 2.4 MB: in memory
    with stream.streaming(1_000_000):
        assert stream.check_budget(steps=100, particles=1, dim=1_000) is True  # streamed
