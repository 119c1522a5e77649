"""Batching that fits the device: plans, data rows in chunks, exact float32."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from descent import engine
from descent.engine import batching
from descent.engine.fileio import cache_dir
from descent.engine.network import _network_of


def small_cnn() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(4 * 16, 10),
        )
    return (
        model,
        torch.randn((96, 1, 8, 8), generator=gen),
        torch.randint(0, 10, (96,), generator=gen),
    )


def module_losses(land: engine.Landscape, thetas: torch.Tensor) -> np.ndarray:
    """The floor: each vector loaded into the module itself, the full data forwarded."""
    net = land.network
    out = []
    with torch.no_grad():
        for t in thetas:
            torch.nn.utils.vector_to_parameters(t, net.module.parameters())
            out.append(float(net.criterion(net.module(net.x), net.y)))
    return np.array(out)


@pytest.fixture(scope="module")
def cnn_land() -> engine.Landscape:
    return engine.network_landscape(*small_cnn())


def test_the_mlp_is_batched_and_the_plan_is_cached_per_device() -> None:
    land = engine.get_landscape("mlp", data="moons", hidden=(8,), n=64, seed=0)
    net = _network_of(land)
    plan = batching.plan_for(net)
    # stacked weights or vmap, whichever measured faster here: never the loop (≥ 10× slower)
    assert plan.strategy in ("stacked", "vmap") and plan.device == batching.device_key("cpu")
    assert plan.seconds_per_point is not None and plan.seconds_per_point > 0
    stored = [json.loads(p.read_text()) for p in cache_dir().glob("samples/plan-*.json")]
    assert plan.to_dict() in stored
    batching._plans.clear()  # a new process: read back, not measured again
    assert batching.plan_for(net) == plan


@pytest.mark.parametrize("strategy", ["stacked", "vmap", "loop"])
def test_every_strategy_gives_the_modules_losses(strategy: str) -> None:
    land = engine.get_landscape("mlp", data="moons", hidden=(8,), n=64, seed=0)
    net = _network_of(land)
    thetas = torch.tensor(land.default_start) + 0.3 * torch.randn(
        (10, land.dim), generator=torch.Generator().manual_seed(1)
    )
    got = batching.losses(net, thetas.float(), batching.Plan(strategy, 4, net.rows, "test"))
    assert np.allclose(got.numpy(), module_losses(land, thetas.float()), rtol=1e-6, atol=1e-7)


def test_the_cnn_surface_equals_the_loop_whatever_plan_wins(
    cnn_land: engine.Landscape, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batching, "TUNE_FROM", 1)  # the plan is measured even for 36 points
    plane = engine.random_plane(cnn_land, seed=0)
    xs = np.linspace(-1, 1, 6)
    z = plane.surface(cnn_land, xs, xs, cache=False)
    plan = batching.plan_for(cnn_land.network)
    assert plan.strategy in ("vmap", "loop")  # no stacked path for a convolution
    gx, gy = np.meshgrid(xs, xs)
    points = torch.tensor(
        plane.origin + gx.reshape(-1, 1) * plane.d1 + gy.reshape(-1, 1) * plane.d2,
        dtype=torch.float32,
    )
    assert np.allclose(z.ravel(), module_losses(cnn_land, points), rtol=1e-5, atol=1e-6)


def test_data_rows_are_chunked_when_a_vector_does_not_fit(
    cnn_land: engine.Landscape, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = cnn_land.network
    per_row = batching.activation_bytes_per_row(net)
    monkeypatch.setattr(batching, "memory_budget", lambda device: 20 * per_row)  # 20 rows fit
    plan = batching.plan_for(net, tune=False)
    assert plan.rows == 20 < net.rows
    thetas = torch.tensor(cnn_land.default_start).float() + 0.05 * torch.randn(
        (6, cnn_land.dim), generator=torch.Generator().manual_seed(2)
    )
    floor = module_losses(cnn_land, thetas)
    for strategy in ("vmap", "loop"):
        got = batching.losses(net, thetas, batching.Plan(strategy, 3, plan.rows, "test"))
        assert np.allclose(got.numpy(), floor, rtol=1e-6), strategy


def test_exact_float32_turns_tf32_off_and_puts_it_back() -> None:
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cudnn.allow_tf32 = True
    with batching.exact_float32():
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    assert torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_the_device_names_its_memory_and_cache() -> None:
    assert batching.memory_budget("cpu") > 0 and batching.last_level_cache() >= 4 * 2**20
    assert batching.device_key("cpu").endswith(f"{torch.get_num_threads()} threads")
