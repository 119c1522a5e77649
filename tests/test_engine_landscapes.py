"""The landscape library: metadata, vectorised sampling, data-driven losses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from descent import engine

REQUIRED = {
    "cubic",
    "quartic",
    "bowl",
    "ellipse",
    "ravine",
    "steep_optima",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "regression",
}


def test_registry_has_the_library() -> None:
    assert set(engine.list_landscapes()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_metadata_and_finite_gradients_on_view_box(name: str) -> None:
    land = engine.get_landscape(name)
    assert land.name == name and land.dim in (1, 2)
    assert land.formula and land.latex and land.description and "\n" not in land.description
    assert len(land.view) == land.dim and all(lo < hi for lo, hi in land.view)
    assert len(land.default_start) == land.dim and len(land.axis_labels) == land.dim
    axes = [np.linspace(lo, hi, 41) for lo, hi in land.view]
    pts = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, land.dim)
    assert np.isfinite(land.value(pts)).all()
    assert np.isfinite(land.gradient(pts)).all()


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_listed_points_are_stationary_and_of_their_kind(name: str) -> None:
    land = engine.get_landscape(name)
    h = 1e-2
    for point in land.stationary_points:
        p = np.array(point.position, dtype=np.float64)
        g = land.gradient(p)
        scale = 1.0 + float(np.abs(land.gradient(p + h)).max())
        assert np.abs(g).max() < 1e-3 * scale, (name, point, g)
        f0 = float(land.value(p))
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        dirs = (
            np.array([[1.0], [-1.0]])
            if land.dim == 1
            else np.stack([np.cos(angles), np.sin(angles)], 1)
        )
        around = land.value(p + h * dirs) - f0
        if point.kind in ("global_min", "local_min"):
            assert (around > 0).all(), (name, point)
        elif point.kind == "max":
            assert (around < 0).all(), (name, point)
        else:
            assert (around > 0).any() and (around < 0).any(), (name, point)
    if land.optimum is not None:
        assert (
            float(land.value(np.array(land.optimum)))
            <= land.value(
                np.stack(np.meshgrid(*[np.linspace(lo, hi, 61) for lo, hi in land.view]), -1)
            ).min()
            + 1e-3
        )


def test_quartic_points() -> None:
    land = engine.get_landscape("quartic")
    kinds = {p.kind: p.position[0] for p in land.stationary_points}
    assert kinds == {"global_min": -2.0, "max": 1.375, "local_min": 4.0}
    assert float(land.value([-2.0])) == -108.0


def test_grid_is_vectorised_and_matches_pointwise() -> None:
    land = engine.get_landscape("himmelblau")
    xs, ys = np.linspace(-5, 5, 7), np.linspace(-4, 4, 5)
    grid = land.grid(xs, ys)
    assert grid.shape == (5, 7)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert grid[i, j] == pytest.approx((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2, rel=1e-5)
    curve = engine.get_landscape("cubic").curve(np.array([-1.0, 2.0]))
    np.testing.assert_allclose(curve, [-1.0, 8.0])


def test_ellipse_condition_is_adjustable() -> None:
    land = engine.get_landscape("ellipse", condition=25.0)
    np.testing.assert_allclose(land.gradient([1.0, 1.0]), [1.0, 25.0])
    with pytest.raises(engine.EngineError, match="condition"):
        engine.get_landscape("ellipse", condition=0.5)


def test_steep_optima_is_flat_at_origin() -> None:
    land = engine.get_landscape("steep_optima")
    assert np.abs(land.gradient([0.0, 0.0])).max() < 1e-3  # SGD at lr 0.05 moves ~1e-5 a step
    assert float(land.value([1.0, -0.5])) == pytest.approx(-1.0, abs=1e-6)


# -- data-driven -------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["mse", "l1", "huber", "smooth_l1"])
def test_regression_loss_matches_torch_functional(loss: str) -> None:
    land = engine.get_landscape("regression", loss=loss)
    x, y = (torch.as_tensor(a, dtype=torch.float32) for a in land.data)
    fn = {
        "mse": torch.nn.functional.mse_loss,
        "l1": torch.nn.functional.l1_loss,
        "huber": torch.nn.functional.huber_loss,
        "smooth_l1": torch.nn.functional.smooth_l1_loss,
    }[loss]
    for w, b in [(6.0, -3.0), (1.0, 2.5), (-2.0, 0.0)]:
        ref = fn(w * x + b, y)
        assert float(land.value([w, b])) == pytest.approx(float(ref), rel=1e-5)
    assert land.data[0].shape == (50,)


def test_regression_mse_optimum_is_least_squares() -> None:
    land = engine.get_landscape("regression")
    w, b = np.polyfit(*land.data, 1)
    np.testing.assert_allclose(land.optimum, (w, b), rtol=1e-6)


def test_regression_builtin_data_is_seeded() -> None:
    a = engine.get_landscape("regression", seed=5).data
    b = engine.get_landscape("regression", seed=5).data
    c = engine.get_landscape("regression", seed=6).data
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    line = engine.get_landscape("regression", dataset="line")
    assert line.data[0].shape == (101,) and line.data[0][0] == -5.0 and line.data[0][-1] == 5.0


def test_minibatches_follow_dataloader_shuffle() -> None:
    from torch.utils.data import DataLoader, TensorDataset

    from descent.engine.simulation import _batches

    land = engine.get_landscape("regression", batch_size=8)
    ours = _batches(land, seed=11, count=20)
    n = land.data[0].shape[0]
    loader = DataLoader(
        TensorDataset(torch.arange(n)),
        batch_size=8,
        shuffle=True,  # noqa: E501
        generator=torch.Generator().manual_seed(11),
    )
    ref: list[list[int]] = []
    while len(ref) < 20:
        ref += [b[0].tolist() for b in loader]
    assert [b.tolist() for b in ours] == ref[:20]


def test_minibatch_noise_is_real_and_seeded() -> None:
    spec = engine.OptimizerSpec("SGD", lr=0.01)
    full = engine.simulate("regression", spec, steps=30, cache=False)
    mb = engine.get_landscape("regression", batch_size=1)
    a = engine.simulate(mb, spec, steps=30, seed=0, cache=False)
    b = engine.simulate(mb, spec, steps=30, seed=0, cache=False)
    c = engine.simulate(mb, spec, steps=30, seed=1, cache=False)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    assert not np.allclose(a.params, full.params)
    # loss is the full-data loss; the gradient the one-sample gradient of that step
    np.testing.assert_allclose(a.loss, mb.value(a.params), rtol=1e-5)
