"""Exact to the user's own training: descent's network trajectories against a hand-written
torch training loop, parameter for parameter at every step.

Each case is a module and an optimizer as a user would train them: ``model.train()``,
a seeded ``DataLoader(shuffle=True)``, ``torch.manual_seed(seed)`` for dropout,
``zero_grad``/``backward``/clip/``step`` (a closure for LBFGS). The matrix covers every
module (MLP, CNN with BatchNorm2d, MLP with Dropout, float64 MLP, a module with a buffer
and tied weights) and every optimizer (SGD+momentum, Adam, AdamW, Muon + AdamW, Adafactor,
LBFGS strong-Wolfe on minibatches, Lion from pytorch-optimizer, a user-defined class, SGD
with clip_grad_norm), not their cross product. The operations are the same, so equality
is bit for bit.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from descent import engine
from descent.engine import EngineError

STEPS = 6
SEED = 3


# -- the modules -----------------------------------------------------------------------------------
def mlp(dropout: float = 0.0, out: int = 3) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Linear(4, 8), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(8, out))


def cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 3),
    )


class Tied(nn.Module):
    """A buffer in the forward pass and a weight shared by two layers."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.enc = nn.Linear(4, 4, bias=False)
        self.dec = nn.Linear(4, 4)
        self.dec.weight = self.enc.weight
        self.head = nn.Linear(4, 3)
        self.register_buffer("scale", torch.linspace(0.5, 1.5, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.dec(torch.tanh(self.enc(x) * self.scale))))


class SignMomentum(torch.optim.Optimizer):
    """A user's own class: θ ← θ − lr·sign(b), b ← μ·b + g."""

    def __init__(self, params: Any, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf = self.state[p].setdefault("momentum_buffer", torch.zeros_like(p))
                buf.mul_(group["momentum"]).add_(p.grad)
                p.add_(buf.sign(), alpha=-group["lr"])
        return None


def data(kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    if kind == "image":
        x = torch.randn(24, 1, 6, 6, generator=g)
    else:
        x = torch.randn(24, 4, generator=g)
    if kind == "regression":
        return x, (x[:, :1] * 2 - x[:, 1:2]).reshape(24)
    return x, torch.randint(0, 3, (24,), generator=g)


# -- the hand-written loop -----------------------------------------------------------------------
def hand_loop(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    make: Callable[[nn.Module], list[torch.optim.Optimizer]],
    *,
    loss: str,
    batch_size: int | None,
    clip: float | None = None,
    closure: bool = False,
) -> dict[str, Any]:
    """What a user writes: train mode, seeded loader and dropout, one step per batch."""
    m = copy.deepcopy(model)
    m.train()
    dtype = next(m.parameters()).dtype
    x = x.to(dtype)
    y = y.to(dtype).reshape(-1, 1) if loss == "mse" else y
    crit = nn.functional.mse_loss if loss == "mse" else nn.functional.cross_entropy
    opts = make(m)
    gen = torch.Generator().manual_seed(SEED)
    rows = torch.arange(len(x))
    loader = DataLoader(
        TensorDataset(rows), batch_size=batch_size or len(x), shuffle=True, generator=gen
    )
    batches = iter([b for _ in range(STEPS) for (b,) in loader][:STEPS])
    params, losses, buffers = [], [], []

    def snapshot() -> None:
        params.append(nn.utils.parameters_to_vector(m.parameters()).detach().clone().numpy())
        buffers.append({n: b.detach().clone().double().numpy() for n, b in m.named_buffers()})
        m.eval()
        with torch.no_grad():
            losses.append(float(crit(m(x), y)))
        m.train()

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        snapshot()
        for _ in range(STEPS):
            b = next(batches) if batch_size else rows

            def step_loss(b: torch.Tensor = b) -> torch.Tensor:
                for o in opts:
                    o.zero_grad()
                value = crit(m(x[b]), y[b])
                value.backward()
                if clip is not None:
                    nn.utils.clip_grad_norm_(m.parameters(), clip)
                return value

            if closure:
                opts[0].step(step_loss)
            else:
                step_loss()
                for o in opts:
                    o.step()
            snapshot()
    return {"params": np.stack(params), "loss": np.array(losses), "buffers": buffers}


def muon_adamw(m: nn.Module) -> list[torch.optim.Optimizer]:
    mats = [p for p in m.parameters() if p.ndim == 2]
    rest = [p for p in m.parameters() if p.ndim != 2]
    return [torch.optim.Muon(mats, lr=0.02), torch.optim.AdamW(rest, lr=0.01)]


def lion_class() -> type:
    pytorch_optimizer = pytest.importorskip("pytorch_optimizer")
    return pytorch_optimizer.Lion


def schedule_free(m: nn.Module) -> list[torch.optim.Optimizer]:
    """Schedule-free AdamW's protocol: ``optimizer.train()`` before training steps."""
    pytorch_optimizer = pytest.importorskip("pytorch_optimizer")
    opt = pytorch_optimizer.ScheduleFreeAdamW(m.parameters(), lr=0.01, warmup_steps=2)
    opt.train()
    return [opt]


CASES: dict[str, tuple[Any, ...]] = {
    # name: (module, data, loss, batch size, descent spec, the loop's optimizers, loop options)
    "mlp-sgd-momentum": (
        mlp,
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("SGD", lr=0.1, momentum=0.9),
        lambda m: [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)],
        {},
    ),
    "mlp-muon-adamw": (
        mlp,
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec(
            "Muon",
            lr=0.02,
            groups=[{"params": "ndim==2"}],
            rest=engine.OptimizerSpec("AdamW", lr=0.01),
        ),
        muon_adamw,
        {},
    ),
    "mlp-lbfgs-strong-wolfe-minibatch": (
        lambda: mlp(out=1),
        "regression",
        "mse",
        8,
        lambda: engine.OptimizerSpec("LBFGS", lr=0.5, line_search_fn="strong_wolfe"),
        lambda m: [torch.optim.LBFGS(m.parameters(), lr=0.5, line_search_fn="strong_wolfe")],
        {"closure": True},
    ),
    "cnn-batchnorm-adam": (
        cnn,
        "image",
        "cross_entropy",
        6,
        lambda: engine.OptimizerSpec("Adam", lr=0.01),
        lambda m: [torch.optim.Adam(m.parameters(), lr=0.01)],
        {},
    ),
    "cnn-batchnorm-user-class": (
        cnn,
        "image",
        "cross_entropy",
        6,
        lambda: engine.OptimizerSpec(SignMomentum, lr=0.01, momentum=0.8),
        lambda m: [SignMomentum(m.parameters(), lr=0.01, momentum=0.8)],
        {},
    ),
    "dropout-adamw": (
        lambda: mlp(dropout=0.3),
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("AdamW", lr=0.01, weight_decay=0.1),
        lambda m: [torch.optim.AdamW(m.parameters(), lr=0.01, weight_decay=0.1)],
        {},
    ),
    "dropout-sgd-clip-grad-norm": (
        lambda: mlp(dropout=0.3),
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("SGD", lr=0.5, clip_grad_norm=0.05),
        lambda m: [torch.optim.SGD(m.parameters(), lr=0.5)],
        {"clip": 0.05},
    ),
    "float64-adafactor": (
        lambda: mlp().double(),
        "class",
        "cross_entropy",
        None,
        lambda: engine.OptimizerSpec("Adafactor", lr=0.05),
        lambda m: [torch.optim.Adafactor(m.parameters(), lr=0.05)],
        {},
    ),
    "float64-sgd-momentum": (
        lambda: mlp().double(),
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("SGD", lr=0.1, momentum=0.9, nesterov=True),
        lambda m: [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True)],
        {},
    ),
    "tied-buffer-lion": (
        Tied,
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("pytorch_optimizer.Lion", lr=0.01),
        lambda m: [lion_class()(m.parameters(), lr=0.01)],
        {},
    ),
    "mlp-schedule-free-adamw": (
        mlp,
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec(
            "ScheduleFreeAdamW", package="pytorch_optimizer", lr=0.01, warmup_steps=2
        ),
        schedule_free,
        {},
    ),
    "tied-buffer-adam-per-layer-lr": (
        Tied,
        "class",
        "cross_entropy",
        8,
        lambda: engine.OptimizerSpec("Adam", lr=0.01, groups=[{"params": "head.*", "lr": 0.05}]),
        lambda m: [
            torch.optim.Adam(
                [
                    {"params": list(m.head.parameters()), "lr": 0.05},
                    {"params": [m.enc.weight, m.dec.bias]},
                ],
                lr=0.01,
            )
        ],
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_equals_the_hand_written_loop(case: str) -> None:
    build, kind, loss, batch, spec, make, options = CASES[case]
    model = build()
    x, y = data(kind)
    want = hand_loop(model, x, y, make, loss=loss, batch_size=batch, **options)
    land = engine.network_landscape(model, x, y, loss=loss, batch_size=batch)
    traj = engine.simulate(land, spec(), steps=STEPS, seed=SEED, cache=False)
    dtype = next(model.parameters()).dtype
    assert traj.params.dtype == (np.float64 if dtype == torch.float64 else np.float32)
    assert np.isfinite(traj.params).all()
    moved = np.abs(np.diff(want["params"], axis=0)).max(axis=1)
    assert (moved > 0).all(), "every step of the loop moves the parameters"
    for t in range(STEPS + 1):  # parameter for parameter, at every step, bit for bit
        assert np.array_equal(traj.params[t], want["params"][t]), f"step {t}"
    # the recorded loss is the full-data loss in eval mode, with the buffers of that step
    np.testing.assert_allclose(traj.loss, want["loss"], rtol=1e-6, atol=0)
    names = sorted(want["buffers"][0])
    assert sorted(traj.buffers) == names
    for t in range(STEPS + 1):
        for n in names:
            assert np.array_equal(traj.buffers[n][t], want["buffers"][t][n]), (n, t)


def test_batchnorm_buffers_move_and_eval_mode_is_not_train_mode() -> None:
    model, (x, y) = cnn(), data("image")
    land = engine.network_landscape(model, x, y, batch_size=6)
    traj = engine.simulate(land, engine.OptimizerSpec("SGD", lr=0.05), steps=3, seed=0, cache=False)
    assert traj.buffers["1.num_batches_tracked"].tolist() == [0, 1, 2, 3]
    assert not np.array_equal(traj.buffers["1.running_mean"][0], traj.buffers["1.running_mean"][3])
    eval_land = engine.network_landscape(model, x, y, batch_size=6, train=False)
    frozen = engine.simulate(
        eval_land, engine.OptimizerSpec("SGD", lr=0.05), steps=3, seed=0, cache=False
    )
    assert frozen.buffers["1.num_batches_tracked"].tolist() == [0, 0, 0, 0]
    assert not np.array_equal(frozen.params[1], traj.params[1])
    # a plane's surface around the run's end, with the run's final running statistics
    ended = engine.with_buffers(land, traj)
    own = dict(ended.network.module.named_buffers())
    assert np.array_equal(own["1.running_var"].numpy(), traj.buffers["1.running_var"][-1])
    assert float(ended.fn(torch.tensor(traj.params[-1]))) == pytest.approx(
        float(traj.loss[-1]), rel=1e-6
    )
    assert ended.fingerprint != land.fingerprint


def test_clipping_is_recorded_clipped_with_the_raw_norm_kept() -> None:
    model, (x, y) = mlp(), data("class")
    land = engine.network_landscape(model, x, y)
    spec = engine.OptimizerSpec("SGD", lr=0.1, clip_grad_norm=0.01)
    assert "clipped at 0.01" in spec.describe()
    traj = engine.simulate(land, spec, steps=3, cache=False)
    norms = np.linalg.norm(traj.grad.astype(np.float64), axis=1)
    assert (traj.state["grad_norm"] > 0.01).all()
    np.testing.assert_allclose(norms, 0.01, rtol=1e-4)
    # on a toy landscape too, and clip_grad_value clips each entry
    toy = engine.simulate(
        "bowl",
        engine.OptimizerSpec("SGD", lr=0.1, clip_grad_value=0.5),
        start=[10, 10],
        steps=2,
        cache=False,
    )
    assert np.abs(toy.grad).max() == pytest.approx(0.5)
    raw = engine.simulate(
        "bowl", engine.OptimizerSpec("SGD", lr=0.1), start=[10, 10], steps=2, cache=False
    )
    assert toy.state["grad_norm"][0] == pytest.approx(float(np.linalg.norm(raw.grad[0])))
    assert toy.state["grad_norm"][0] > 0.5 and np.array_equal(toy.params[0], raw.params[0])


def test_float64_model_with_float32_data_runs_in_float64() -> None:
    model = mlp().double()
    x, y = data("class")  # float32 inputs
    land = engine.network_landscape(model, x, y)
    traj = engine.simulate(land, engine.OptimizerSpec("Adam", lr=0.01), steps=2, cache=False)
    assert traj.params.dtype == np.float64 and traj.loss.dtype == np.float64
    half = mlp().half()
    with pytest.raises(EngineError, match="float16 cannot hold"):
        engine.network_landscape(half, x * 1e6, y)
    mixed = mlp()
    mixed[0].double()
    with pytest.raises(EngineError, match="mix dtypes"):
        engine.network_landscape(mixed, x, y)


def test_third_party_and_user_classes_key_the_cache_by_source_and_version() -> None:
    lion = engine.OptimizerSpec("Lion", package="pytorch_optimizer", lr=0.01)
    ident = lion.to_dict()["class"]
    assert ident["version"] and len(ident["source"]) == 64
    assert lion == engine.OptimizerSpec("pytorch_optimizer.Lion", lr=0.01)
    with pytest.raises(EngineError, match="unknown optimizer package 'os'"):
        engine.OptimizerSpec("os.system")
    with pytest.raises(EngineError, match="did you mean 'Lion'"):
        engine.OptimizerSpec("Lino", package="pytorch_optimizer")
    mine = engine.OptimizerSpec(SignMomentum, lr=0.01)
    assert mine.cacheable and mine.to_dict()["class"]["qualname"] == "SignMomentum"


def test_muon_refused_on_a_toy_landscape_and_needs_groups_on_biases() -> None:
    with pytest.raises(EngineError, match="Muon cannot run on the toy landscape 'bowl'"):
        engine.simulate("bowl", engine.OptimizerSpec("Muon", lr=0.01), steps=3, cache=False)
    model, (x, y) = mlp(), data("class")
    land = engine.network_landscape(model, x, y)
    with pytest.raises(EngineError, match=r"Muon cannot take these tensors .*0\.bias \(8,\)"):
        engine.simulate(land, engine.OptimizerSpec("Muon", lr=0.01), steps=1, cache=False)


def test_cli_refuses_muon_on_a_toy_landscape_in_one_line(tmp_path: Path) -> None:
    descent = str(Path(sys.executable).with_name("descent"))
    out = subprocess.run(
        [descent, "trajectory", "bowl", "--optimizer", "Muon", "--lr", "0.01", "--steps", "3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Muon cannot run on the toy landscape" in out.stderr


# -- record(): any loop --------------------------------------------------------------------------
def plain_loop(model: nn.Module, opt: torch.optim.Optimizer, rec: Any = None) -> list[np.ndarray]:
    x, y = data("class")
    rows = [nn.utils.parameters_to_vector(model.parameters()).detach().clone().numpy()]
    torch.manual_seed(5)
    for i in range(STEPS):
        b = slice(4 * i, 4 * i + 8)
        opt.zero_grad()
        value = nn.functional.cross_entropy(model(x[b]), y[b])
        value.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if rec is not None:
            rec.report(value)
        opt.step()
        rows.append(nn.utils.parameters_to_vector(model.parameters()).detach().clone().numpy())
    return rows


def test_record_changes_nothing_and_records_every_step(tmp_path: Path) -> None:
    plain_model = mlp(dropout=0.2)
    plain_opt = torch.optim.AdamW(plain_model.parameters(), lr=0.01)
    want = plain_loop(plain_model, plain_opt)
    model = mlp(dropout=0.2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    with engine.record(model, opt) as rec:
        got = plain_loop(model, opt, rec)
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a, b)  # the hooks changed nothing
    traj = rec.trajectory
    assert traj.steps == STEPS and traj.label == "AdamW" and traj.spec.lr == 0.01
    assert np.array_equal(traj.params, np.stack(want))
    assert np.isfinite(traj.loss[:-1]).all() and np.isnan(traj.loss[-1])
    assert traj.lr.tolist() == [0.01] * (STEPS + 1)
    assert (np.linalg.norm(traj.grad[:-1], axis=1) <= 1.0 + 1e-6).all()
    # on disk: the same rows, mapped read-only
    model2 = mlp(dropout=0.2)
    opt2 = torch.optim.AdamW(model2.parameters(), lr=0.01)
    with engine.record(model2, opt2, path=tmp_path / "run") as rec2:
        plain_loop(model2, opt2, rec2)
    assert np.array_equal(np.asarray(rec2.trajectory.params), np.stack(want))
    assert (tmp_path / "run" / "params.f32").stat().st_size == (STEPS + 1) * traj.dim * 4


def test_record_a_closure_loop_takes_the_closure_loss() -> None:
    model = mlp(out=1)
    x, (y) = data("regression")
    opt = torch.optim.LBFGS(model.parameters(), lr=0.5, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        value = nn.functional.mse_loss(model(x), y.reshape(-1, 1))
        value.backward()
        return value

    first = float(closure().detach())
    with engine.record(model, opt) as rec:
        for _ in range(3):
            opt.step(closure)
    traj = rec.trajectory
    assert traj.loss[0] == pytest.approx(first) and traj.loss[2] < traj.loss[0]
    land = engine.network_landscape(mlp(out=1), x, y, loss="mse")
    assert float(land.fn(torch.tensor(np.asarray(traj.params[0])))) == pytest.approx(first)


def test_a_spec_file_names_muon_groups_lion_and_clipping_as_data(tmp_path: Path) -> None:
    from descent.renders.spec import load_spec

    base = (Path(__file__).resolve().parent.parent / "examples" / "network_moons.toml").read_text()
    head = base.split("[[optimizer]]")[0]
    spec_file = tmp_path / "muon.toml"
    spec_file.write_text(
        head
        + '[[optimizer]]\nname = "Muon"\nlr = 0.05\ngroups = [{params = "ndim==2"}]\n'
        + 'rest = {name = "AdamW", lr = 0.01}\n'
        + '[[optimizer]]\nname = "Lion"\npackage = "pytorch_optimizer"\nlr = 0.001\n'
        + '[[optimizer]]\nname = "SGD"\nlr = 0.1\nclip_grad_norm = 1.0\n'
    )
    spec = load_spec(spec_file)
    specs = spec.optimizers
    assert [s.name for s in specs] == ["Muon", "Lion", "SGD"]
    assert specs[0].groups[0]["params"] == "ndim==2" and specs[1].package == "pytorch_optimizer"
    assert specs[2].clip_grad_norm == 1.0 and specs[0].rest == engine.OptimizerSpec(
        "AdamW", lr=0.01
    )
    assert specs[0].label == "Muon + AdamW"
    for s in specs:  # each runs on the spec's network
        assert np.isfinite(engine.simulate(spec.landscape, s, steps=2, cache=False).loss).all()
    bad = tmp_path / "bad.toml"
    bad.write_text(head + '[[optimizer]]\nname = "system"\npackage = "os"\n')
    with pytest.raises(EngineError, match="unknown optimizer package 'os'"):
        load_spec(bad)


def test_descent_list_marks_matrix_only_optimizers(capsys: pytest.CaptureFixture[str]) -> None:
    from descent.renders.cli import cmd_list

    assert cmd_list() == 0
    out = capsys.readouterr().out
    assert "Muon*" in out and "Adam*" not in out and "matrices only" in out


def test_a_recorded_run_takes_a_plane_like_any_other() -> None:
    model = mlp()
    x, y = data("class")
    land = engine.network_landscape(model, x, y)
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    with engine.record(model, opt) as rec:
        for _ in range(8):
            opt.zero_grad()
            value = nn.functional.cross_entropy(model(x), y)
            value.backward()
            rec.report(value)
            opt.step()
    traj = rec.trajectory
    simulated = engine.simulate(
        land, engine.OptimizerSpec("SGD", lr=0.5, momentum=0.9), steps=8, cache=False
    )
    assert np.array_equal(traj.params, simulated.params)  # the same training, two ways
    np.testing.assert_allclose(traj.loss[:-1], simulated.loss[:-1], rtol=1e-6)
    plane = engine.pca_plane([traj])
    assert plane.explained > 0.5
    under = plane.projected_loss(land, traj)
    assert under.shape == (9,) and np.isfinite(under).all()


def test_li_et_al_planes_leave_biases_and_batchnorm_out_unless_told() -> None:
    model, (x, y) = cnn(), data("image")
    land = engine.network_landscape(model, x, y)
    net = land.network
    one_d = np.concatenate(
        [np.full(int(np.prod(s)), len(s) < 2) for s in net.shapes]
    )  # biases, BatchNorm weight and bias
    assert "1.weight" in net.names  # BatchNorm2d's weight is 1-D
    plane = engine.random_plane(land, seed=0)
    assert not plane.d1[one_d].any() and not plane.d2[one_d].any()
    assert plane.d1[~one_d].any()
    kept = engine.random_plane(land, seed=0, ignore="none")
    np.testing.assert_array_equal(kept.d1[one_d], np.asarray(land.default_start)[one_d])
    with pytest.raises(EngineError, match="ignore must be"):
        engine.random_plane(land, ignore="bn")
