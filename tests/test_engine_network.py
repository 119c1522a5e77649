"""Network landscapes and projection planes: exact against torch itself, honest about loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from descent import engine
from descent.engine.datasets import load_csv, make_dataset
from descent.engine.network import mlp, outputs
from descent.engine.plane import Plane, pca_plane, random_plane


def module_training(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: type[torch.optim.Optimizer],
    steps: int,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    **kwargs: object,
) -> np.ndarray:
    """The usual training loop on the module itself; parameters after each step."""
    opt = optimizer(model.parameters(), **kwargs)  # type: ignore[call-arg]
    criterion = torch.nn.CrossEntropyLoss()
    batches = None
    if batch_size is not None:
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.arange(len(x))),
            batch_size=batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )

        def endless() -> object:
            while True:
                for (idx,) in loader:
                    yield idx

        batches = endless()
    record = [torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()]
    for _ in range(steps):
        rows = next(batches) if batches is not None else slice(None)  # type: ignore[call-overload]
        opt.zero_grad()
        criterion(model(x[rows]), y[rows]).backward()
        opt.step()
        record.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone())
    return torch.stack(record).numpy()


@pytest.mark.parametrize("batch_size", [None, 16])
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", {"lr": 0.2, "momentum": 0.9}), ("Adam", {"lr": 0.01})],
)
def test_trajectory_equals_training_the_module(
    name: str, kwargs: dict[str, object], batch_size: int | None
) -> None:
    x_np, y_np = make_dataset("moons", n=64, seed=3)
    model = mlp(2, (8, 8), 2, seed=5)
    land = engine.network_landscape(model, x_np, y_np, batch_size=batch_size)
    traj = engine.simulate(land, engine.OptimizerSpec(name, **kwargs), steps=40, seed=7)
    x = torch.tensor(x_np, dtype=torch.float32)
    y = torch.tensor(y_np).long()
    expected = module_training(
        model, x, y, getattr(torch.optim, name), 40, batch_size=batch_size, seed=7, **kwargs
    )
    assert traj.params.shape == expected.shape == (41, land.dim)
    np.testing.assert_allclose(traj.params, expected, rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # the recorded loss is the full-data loss at each step
        torch.nn.utils.vector_to_parameters(torch.tensor(expected[-1]), model.parameters())
        full = torch.nn.functional.cross_entropy(model(x), y)
    assert traj.loss[-1] == pytest.approx(float(full), rel=1e-5)


def test_coordinates_follow_parameters_to_vector_order() -> None:
    model = mlp(2, (3,), 2, seed=0)
    land = engine.network_landscape(model, *make_dataset("xor", n=20, seed=0))
    flat = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    assert land.dim == flat.size == 2 * 3 + 3 + 3 * 2 + 2
    np.testing.assert_array_equal(np.array(land.default_start, dtype=np.float32), flat)
    assert land.axis_labels[0] == "0.weight[0]" and land.axis_labels[-1] == "2.bias[1]"


def test_builtin_mlp_is_seeded_and_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = engine.get_landscape("mlp", data="spirals", hidden=(8,), n=50, seed=4)
    assert torch.equal(torch.get_rng_state(), before)
    b = engine.get_landscape("mlp", data="spirals", hidden=(8,), n=50, seed=4)
    c = engine.get_landscape("mlp", data="spirals", hidden=(8,), n=50, seed=5)
    assert a.default_start == b.default_start and a.default_start != c.default_start
    assert a.data is not None and b.data is not None and c.data is not None
    np.testing.assert_array_equal(a.data[0], b.data[0])
    assert not np.array_equal(a.data[0], c.data[0])
    assert a.fingerprint == b.fingerprint != c.fingerprint


@pytest.mark.parametrize("data", ["moons", "circles", "spirals", "xor", "sine"])
def test_every_builtin_data_set_trains(data: str) -> None:
    land = engine.get_landscape("mlp", data=data, hidden=(16,), n=120, seed=0)
    traj = engine.simulate(land, engine.OptimizerSpec("Adam", lr=0.02), steps=60, cache=False)
    assert np.isfinite(traj.loss).all() and traj.loss[-1] < 0.9 * traj.loss[0]


def test_bundled_real_data_set_if_installed() -> None:
    pytest.importorskip("sklearn")
    x, y = make_dataset("iris", n=150, seed=0)
    assert x.shape == (150, 4) and set(np.unique(y)) == {0.0, 1.0, 2.0}
    land = engine.get_landscape("mlp", data="iris", hidden=(8,), n=150)
    assert land.network.task == "classification" and land.dim == 4 * 8 + 8 + 8 * 3 + 3


# -- the batched paths ----------------------------------------------------------------------------
class Residual(torch.nn.Module):
    """Not a Sequential: evaluated through vmap(functional_call)."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = torch.nn.Linear(2, 6)
        self.out = torch.nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.inner(x)) + x.sum(-1, keepdim=True))


@pytest.mark.parametrize("kind", ["stacked", "generic"])
def test_many_parameter_vectors_equal_one_at_a_time(kind: str) -> None:
    x, y = make_dataset("moons", n=50, seed=1)
    if kind == "stacked":
        land = engine.get_landscape("mlp", hidden=(8, 8), n=50, seed=1)
        assert land.network.plan is not None
    else:
        torch.manual_seed(0)
        land = engine.network_landscape(Residual(), x, y)
        assert land.network.plan is None
    rng = np.random.default_rng(0)
    thetas = np.array(land.default_start) + 0.5 * rng.standard_normal((7, land.dim))
    many = land.value(thetas, cache=False)
    one = [land.value(t, cache=False) for t in thetas]
    np.testing.assert_allclose(many, np.array(one).ravel(), rtol=1e-5)
    net = land.network
    with torch.no_grad():
        direct = net.module(net.x) if kind == "generic" else None
    outs = outputs(land, thetas[:1], x)
    assert outs.shape == (1, 50, 2)
    if direct is not None:
        np.testing.assert_allclose(
            outputs(land, land.default_start, x)[0], direct.numpy(), rtol=1e-5, atol=1e-6
        )


# -- planes ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs() -> tuple[engine.Landscape, list[engine.Trajectory]]:
    land = engine.get_landscape("mlp", data="moons", hidden=(8, 8), n=80, seed=2)
    specs = [
        engine.OptimizerSpec("SGD", lr=0.3),
        engine.OptimizerSpec("SGD", lr=0.1, momentum=0.9),
        engine.OptimizerSpec("Adam", lr=0.02),
    ]
    return land, [engine.simulate(land, s, steps=60, cache=False) for s in specs]


def test_pca_plane_span_equals_a_direct_svd(
    runs: tuple[engine.Landscape, list[engine.Trajectory]],
) -> None:
    _, trajs = runs
    plane = pca_plane(trajs)
    origin = trajs[0].params[0].astype(np.float64)
    delta = np.concatenate([t.params for t in trajs]).astype(np.float64) - origin
    _, s, vt = np.linalg.svd(delta, full_matrices=False)
    top = vt[:2].T
    # same span: projecting either basis onto the other changes nothing
    np.testing.assert_allclose(top @ (top.T @ plane.basis), plane.basis, atol=1e-8)
    np.testing.assert_allclose(plane.basis.T @ plane.basis, np.eye(2), atol=1e-10)
    assert plane.explained == pytest.approx((s[0] ** 2 + s[1] ** 2) / (s**2).sum())
    assert plane.captured(trajs) == pytest.approx(plane.explained)
    assert plane.coords(trajs[0])[0] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_path_in_the_plane_has_exact_coords_and_zero_residual() -> None:
    rng = np.random.default_rng(3)
    origin, d1, d2 = rng.standard_normal((3, 50))
    plane = Plane(origin=origin, d1=d1, d2=d2)  # not orthonormal: least squares in that basis
    coords = rng.standard_normal((30, 2))
    path = origin + coords[:, :1] * d1 + coords[:, 1:] * d2
    np.testing.assert_allclose(plane.coords(path), coords, atol=1e-10)
    np.testing.assert_allclose(plane.residual(path), 0.0, atol=1e-10)
    v = rng.standard_normal(50)
    basis = plane.basis
    normal = v - basis @ np.linalg.solve(basis.T @ basis, basis.T @ v)  # off the plane
    np.testing.assert_allclose(plane.coords(path + normal), coords, atol=1e-10)
    np.testing.assert_allclose(plane.residual(path + normal), np.linalg.norm(normal))


def test_filter_normalisation_holds_row_by_row(
    runs: tuple[engine.Landscape, list[engine.Trajectory]],
) -> None:
    land, trajs = runs
    end = trajs[2].params[-1]
    plane = random_plane(land, seed=11, origin=end)  # centred on the trained model
    assert np.array_equal(plane.origin, end.astype(np.float64))
    at = 0
    for shape in land.network.shapes:
        size = int(np.prod(shape))
        for d in (plane.d1, plane.d2):
            part = d[at : at + size]
            if len(shape) == 1:
                assert not part.any(), "bias directions are zero"
            else:
                rows = part.reshape(shape[0], -1)
                weights = end[at : at + size].astype(np.float64).reshape(shape[0], -1)
                np.testing.assert_allclose(
                    np.linalg.norm(rows, axis=1), np.linalg.norm(weights, axis=1), rtol=1e-9
                )
        at += size
    again = random_plane(land, seed=11, origin=end)
    assert np.array_equal(again.d1, plane.d1) and not np.array_equal(plane.d1, plane.d2)


def test_surface_equals_direct_evaluation(
    runs: tuple[engine.Landscape, list[engine.Trajectory]],
) -> None:
    land, trajs = runs
    plane = pca_plane(trajs)
    xs = np.linspace(-2, 6, 23)
    ys = np.linspace(-3, 3, 17)
    z = plane.surface(land, xs, ys, cache=False)
    assert z.shape == (17, 23)
    net = land.network
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, 17, 12), rng.integers(0, 23, 12), strict=True):
        theta = torch.tensor(plane.point(xs[j], ys[i]), dtype=torch.float32)
        with torch.no_grad():
            direct = net.loss_one(theta)
        assert z[i, j] == pytest.approx(float(direct), rel=1e-5, abs=1e-6)


def test_surface_is_cached(
    runs: tuple[engine.Landscape, list[engine.Trajectory]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESCENT_CACHE_DIR", str(tmp_path))  # this test's surfaces only
    land, trajs = runs
    plane = pca_plane(trajs)
    first = plane.surface(land, np.linspace(-1, 1, 9), np.linspace(-1, 1, 7))
    files = list((engine.cache_dir() / "surfaces").glob("*.npy"))
    assert len(files) == 1
    np.save(files[0], np.full_like(first, 42.0))  # the next read comes from the file
    again = plane.surface(land, np.linspace(-1, 1, 9), np.linspace(-1, 1, 7))
    assert (again == 42.0).all()


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"data": "mnist"}, "unknown data set 'mnist'.*known: circles, digits, iris, moons"),
        ({"activation": "swish"}, "unknown activation 'swish'.*known: elu, gelu"),
        ({"loss": "hinge"}, "unknown loss 'hinge'.*known: cross_entropy, mse"),
        ({"hidden": (512, 512, 512)}, "parameters; the limit is 100,000"),
        ({"hidden": (0,)}, "each an integer in 1..512"),
        ({"n": 10**7}, r"integer in 4..50,000"),
        ({"batch_size": 0}, r"batch_size must be an integer in 1..200"),
    ],
)
def test_bad_network_input_is_one_clear_line(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(engine.EngineError, match=match) as info:
        engine.get_landscape("mlp", **kwargs)
    assert "\n" not in str(info.value)


def test_malformed_csv_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n")
    with pytest.raises(engine.EngineError, match=r"data.csv:3: column 'x2' is 'abc', not a number"):
        load_csv(path, target="label")
    path.write_text("x1,x2,label\n0.1,0.2,0\n0.3,1\n")
    with pytest.raises(engine.EngineError, match=r"data.csv:3: 2 cells; the header has 3"):
        load_csv(path, target="label")
    with pytest.raises(engine.EngineError, match=r"unknown column .* 'y'.*known: label, x1, x2"):
        load_csv(path, target="y")
    path.write_text("x1,x2,label\n0.1,0.2,0\n0.3,0.5,1\n")
    x, y = load_csv(path, target="label")
    assert x.shape == (2, 2) and y.tolist() == [0.0, 1.0]


def test_module_that_fails_on_the_data_is_reported() -> None:
    model = torch.nn.Linear(3, 2)  # the data have 2 features
    with pytest.raises(engine.EngineError, match="model failed on the data: RuntimeError"):
        engine.network_landscape(model, np.zeros((4, 2)), np.zeros(4))


def test_builtin_mlp_from_its_record_equals_a_fresh_build() -> None:
    """The second build reads the record (no module, no torch) and is the same landscape."""
    import dataclasses
    import subprocess
    import sys

    from descent.engine.netcache import LazyNetwork

    kw = {"data": "moons", "hidden": (6,), "n": 40, "seed": 11}
    fresh = engine.get_landscape("mlp", **kw)  # the first build writes the record
    again = engine.get_landscape("mlp", **kw)
    assert not isinstance(fresh.network, LazyNetwork) and isinstance(again.network, LazyNetwork)
    for field in dataclasses.fields(engine.Landscape):
        if field.name in ("fn", "batch_fn", "network", "data"):
            continue
        assert getattr(again, field.name) == getattr(fresh, field.name), field.name
    assert fresh.data is not None and again.data is not None
    for a, b in zip(fresh.data, again.data, strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.fingerprint == fresh.fingerprint
    assert not again.network.built and again.network.task == "classification"
    thetas = torch.tensor(np.random.default_rng(0).normal(size=(5, again.dim)), dtype=torch.float32)
    assert torch.equal(again.fn(thetas), fresh.fn(thetas)) and again.network.built
    spec = engine.OptimizerSpec("Adam", lr=0.05)
    one = engine.simulate(fresh, spec, steps=15, cache=False)
    two = engine.simulate(engine.get_landscape("mlp", **kw), spec, steps=15, cache=False)
    np.testing.assert_array_equal(one.params, two.params)
    # and in a process of its own: the landscape, its fingerprint and a cached trajectory
    # without importing torch (the import alone takes about a second)
    engine.simulate(fresh, spec, steps=15)  # cached now
    code = (
        "import sys; from descent import engine\n"
        f"land = engine.get_landscape('mlp', **{kw!r})\n"
        "t = engine.simulate(land, engine.OptimizerSpec('Adam', lr=0.05), steps=15)\n"
        "print(t.from_cache, land.fingerprint is not None, 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False"]
