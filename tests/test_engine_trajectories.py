"""The engine's trajectories are torch.optim's own, step for step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from descent import engine
from descent.engine.optim import ELEMENTWISE


def sgd(**kw: float | bool) -> engine.OptimizerSpec:
    return engine.OptimizerSpec("SGD", **kw)


# -- textbook numbers ----------------------------------------------------------------------------
def test_bowl_lr_0_1_textbook_numbers() -> None:
    traj = engine.simulate("bowl", sgd(lr=0.1), start=[10.0, 10.0], steps=20, cache=False)
    assert traj.loss[0] == 201.0
    np.testing.assert_allclose(traj.params[0], [10.0, 10.0])
    np.testing.assert_allclose(traj.params[20], [3.0807, -1.8616], atol=1e-4)
    assert traj.params.shape == (21, 2) and traj.loss.shape == (21,) and traj.grad.shape == (21, 2)
    np.testing.assert_allclose(traj.grad[0], [14.0, 24.0])
    assert not traj.diverged and traj.diverged_at is None


def test_bowl_lr_0_25_reaches_minimum() -> None:
    traj = engine.simulate("bowl", sgd(lr=0.25), start=[10.0, 10.0], steps=20, cache=False)
    assert np.abs(traj.params[20] - [3.0, -2.0]).max() < 1e-4


def test_bowl_lr_10_diverges_without_exception() -> None:
    traj = engine.simulate("bowl", sgd(lr=10), start=[10.0, 10.0], steps=30, cache=False)
    assert traj.diverged
    assert traj.diverged_at is not None and traj.diverged_at <= 16
    assert not np.isfinite(traj.loss[16])
    assert np.isfinite(traj.loss[: traj.diverged_at]).all()


def test_quartic_sgd_local_momentum_global() -> None:
    plain = engine.simulate("quartic", sgd(lr=0.001), start=[6.0], steps=100, cache=False)
    heavy = engine.simulate(
        "quartic", sgd(lr=0.001, momentum=0.9), start=[6.0], steps=100, cache=False
    )
    assert abs(plain.params[-1, 0] - 4.0) < 0.05
    assert abs(heavy.params[-1, 0] + 2.0) < 0.1
    assert heavy.state["momentum_buffer"].shape == (101, 1)


def test_cubic_sgd_crawls_momentum_passes_saddle() -> None:
    plain = engine.simulate("cubic", sgd(lr=0.01), start=[4.0], steps=100, cache=False)
    heavy = engine.simulate(
        "cubic", sgd(lr=0.01, momentum=0.9), start=[4.0], steps=100, cache=False
    )
    w = plain.params[:, 0]
    assert (np.diff(w) < 0).all() and (w > 0).all()  # monotone toward 0, never past it
    assert w[-1] > 0.25  # still crawling after 100 steps
    assert (heavy.params[:11, 0] < 0).any()  # past the saddle within 10 steps


# -- batched equals separate ---------------------------------------------------------------------
ELEMENTWISE_SPECS = {
    "SGD": dict(lr=1e-3, momentum=0.9, nesterov=True),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05, weight_decay=0.1),
    "Adamax": dict(lr=0.05),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "RMSprop": dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5),
    "Adagrad": dict(lr=0.5),
    "Adadelta": dict(lr=1.0),
    "Rprop": dict(lr=0.01),
    "ASGD": dict(lr=1e-3),
}


def test_every_elementwise_optimizer_is_covered() -> None:
    assert set(ELEMENTWISE_SPECS) == set(ELEMENTWISE)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_SPECS))
def test_batched_equals_separate_runs(name: str) -> None:
    spec = engine.OptimizerSpec(name, **ELEMENTWISE_SPECS[name])
    starts = np.array([[-1.5, 2.0], [0.5, -0.5], [1.2, 1.2], [-0.3, 0.1]])
    batch = engine.simulate("rosenbrock", spec, start=starts, steps=40, cache=False)
    assert batch.params.shape == (4, 41, 2) and batch.loss.shape == (4, 41)
    for k, s in enumerate(starts):
        one = engine.simulate("rosenbrock", spec, start=s, steps=40, cache=False)
        np.testing.assert_allclose(batch.params[k], one.params, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(batch.loss[k], one.loss, rtol=1e-5, atol=1e-5)
        assert set(batch.state) == set(one.state)
        for n in one.state:
            np.testing.assert_allclose(batch.state[n][k], one.state[n], rtol=1e-5, atol=1e-6)


def test_lbfgs_loops_over_particles_and_converges() -> None:
    spec = engine.OptimizerSpec("LBFGS", lr=1.0, line_search_fn="strong_wolfe")
    batch = engine.simulate(
        "rosenbrock", spec, start=[[-1.2, 1.0], [0.0, 0.0]], steps=30, cache=False
    )
    np.testing.assert_allclose(batch.params[:, -1], [[1.0, 1.0], [1.0, 1.0]], atol=1e-3)
    one = engine.simulate("rosenbrock", spec, start=[0.0, 0.0], steps=30, cache=False)
    np.testing.assert_array_equal(one.params, batch.params[1])


# -- state is torch's own ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", dict(lr=0.01, momentum=0.9)),
        ("Adam", dict(lr=0.1, betas=(0.8, 0.99))),
        ("Adagrad", dict(lr=0.5, initial_accumulator_value=0.1)),
        ("RMSprop", dict(lr=0.01, alpha=0.9)),
    ],
)
def test_state_equals_torch_optimizer_state(name: str, kwargs: dict[str, object]) -> None:
    land = engine.get_landscape("himmelblau")
    spec = engine.OptimizerSpec(name, **kwargs)
    traj = engine.simulate(land, spec, start=[0.5, -1.0], steps=25, cache=False)

    p = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
    opt = getattr(torch.optim, name)([p], **kwargs)
    for t in range(25):
        opt.zero_grad()
        land.fn(p).backward()
        np.testing.assert_array_equal(traj.params[t], p.detach().numpy())
        np.testing.assert_array_equal(traj.grad[t], p.grad.numpy())
        opt.step()
        for key, value in opt.state[p].items():
            if value.numel() == 2:
                np.testing.assert_array_equal(traj.state[key][t + 1], value.numpy(), err_msg=key)
    assert {k for k, v in opt.state[p].items() if v.numel() == 2} <= set(traj.state)
    assert set(traj.state) - {"step"} == {k for k, v in opt.state[p].items() if v.numel() == 2}


# -- noise -----------------------------------------------------------------------------------------
def test_grad_noise_is_seeded_reproducible_and_changes_the_path() -> None:
    spec = sgd(lr=0.01)
    a = engine.simulate("quartic", spec, start=[4.0], steps=50, grad_noise=5.0, seed=3, cache=False)
    b = engine.simulate("quartic", spec, start=[4.0], steps=50, grad_noise=5.0, seed=3, cache=False)
    c = engine.simulate("quartic", spec, start=[4.0], steps=50, grad_noise=5.0, seed=4, cache=False)
    clean = engine.simulate("quartic", spec, start=[4.0], steps=50, cache=False)
    np.testing.assert_array_equal(a.params, b.params)  # bit for bit
    np.testing.assert_array_equal(a.noise, b.noise)
    assert not np.array_equal(a.params, c.params)
    assert not np.array_equal(a.params, clean.params)
    np.testing.assert_array_equal(clean.noise, 0.0)
    # the recorded gradient is the clean one; the step used gradient + noise
    np.testing.assert_allclose(
        a.params[1], a.params[0] - 0.01 * (a.grad[0] + a.noise[0]), rtol=1e-6
    )


def test_each_particle_has_its_own_noise_stream() -> None:
    starts = np.full((6, 1), 4.0)
    swarm = engine.simulate(
        "quartic", sgd(lr=0.01), start=starts, steps=30, grad_noise=3.0, seed=1, cache=False
    )
    assert len({swarm.params[k, -1, 0] for k in range(6)}) == 6
    one = engine.simulate(
        "quartic", sgd(lr=0.01), start=[4.0], steps=30, grad_noise=3.0, seed=1, cache=False
    )
    np.testing.assert_array_equal(swarm.noise[0], one.noise)  # particle 0 == a single run
    np.testing.assert_allclose(swarm.params[0], one.params, rtol=1e-6)


def test_global_rng_is_not_used() -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    a = engine.simulate(
        "quartic", sgd(lr=0.01), start=[4.0], steps=20, grad_noise=2.0, seed=9, cache=False
    )
    torch.manual_seed(123)
    np.random.seed(123)
    b = engine.simulate(
        "quartic", sgd(lr=0.01), start=[4.0], steps=20, grad_noise=2.0, seed=9, cache=False
    )
    np.testing.assert_array_equal(a.params, b.params)


# -- callables, schedulers, particles ---------------------------------------------------------
def test_callable_landscape_matches_registry() -> None:
    def bowl(p: torch.Tensor) -> torch.Tensor:
        return (p[0] - 3) ** 2 + (p[1] + 2) ** 2 + 8

    mine = engine.simulate(
        bowl, sgd(lr=0.1), start=[[10.0, 10.0], [0.0, 0.0]], steps=20, cache=False
    )
    ref = engine.simulate(
        "bowl", sgd(lr=0.1), start=[[10.0, 10.0], [0.0, 0.0]], steps=20, cache=False
    )
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-6)


def test_lr_scheduler_is_recorded_per_step() -> None:
    spec = engine.OptimizerSpec(
        "SGD", lr=0.1, scheduler="StepLR", scheduler_kwargs={"step_size": 5, "gamma": 0.5}
    )
    traj = engine.simulate("bowl", spec, start=[10.0, 10.0], steps=12, cache=False)
    np.testing.assert_allclose(traj.lr[:12], [0.1] * 5 + [0.05] * 5 + [0.025] * 2)


def test_particle_view_and_iteration() -> None:
    traj = engine.simulate(
        "bowl", sgd(lr=10), start=[[10.0, 10.0], [3.0, -2.0]], steps=20, cache=False
    )
    assert len(traj) == 2 and traj.batched
    assert traj.diverged.tolist() == [True, False]
    assert (
        traj.particle(1).diverged_at is None and traj.particle(0).diverged_at == traj.diverged_at[0]
    )
    assert [p.params.shape for p in traj] == [(21, 2), (21, 2)]
    with pytest.raises(ValueError):
        traj.params[0, 0, 0] = 1.0  # read-only
