"""Exact ``torch.optim`` trajectories, recorded step by step.

:func:`simulate` runs the real torch optimizer on a landscape and records, for
every step ``t = 0 … steps``: the parameters, the loss, the gradient, the
optimizer's own state, the learning rate and the injected gradient noise.

K starts run in one batched pass when the optimizer is elementwise: the K
particles are the rows of one parameter tensor ``P`` of shape ``(K, dim)`` and the
objective is ``Σₖ f(Pₖ)``, whose gradient row ``k`` is ``∇f(Pₖ)``. Elementwise
optimizers update each coordinate independently, so this equals K separate runs.

The update at step ``t`` (``t = 0 … steps − 1``)::

    g_t  = ∇f(θ_t)                      (recorded as grad[t]; minibatch gradient for data)
    g̃_t  = g_t + σ·ε_t,  ε_t ~ N(0, I)  (grad_noise = σ; ε_t recorded in noise[t])
    θ_{t+1} = torch_optimizer.step(θ_t, g̃_t)

Examples
--------
>>> from descent import engine
>>> traj = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), start=[10, 10], steps=20, cache=False)
>>> float(traj.loss[0])
201.0
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine import export, stream
from descent.engine._lazy import torch_version
from descent.engine.errors import EngineError
from descent.engine.fileio import cache_dir, read_cache, write_cache
from descent.engine.landscapes import Landscape, as_landscape
from descent.engine.optim import OptimizerSpec, build_optimizer, build_scheduler

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch  # a cached trajectory is read without it

__all__ = [
    "Trajectory",
    "simulate",
    "needs_module_path",
    "first_non_finite",
    "CACHE_VERSION",
    "MAX_STEPS",
    "MAX_RECORDED_BYTES",
]

#: the most optimizer steps one run may take
MAX_STEPS = 1_000_000
#: records larger than engine.stream.threshold() stream to disk; what a run may record is
#: engine.stream.check_budget's estimate of memory and disk (this constant is no longer a limit)
MAX_RECORDED_BYTES = 4 * 2**30

#: Bumped whenever the recorded format or the simulation semantics change.
CACHE_VERSION = 1
#: Bumped when runs on a network's own tensors change (toy landscapes' caches stay).
MODULE_PATH_VERSION = 1

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Everything a scene needs about one run (or K runs) of a torch optimizer.

    Arrays are read-only. Single run: ``params`` is ``(steps+1, dim)``; K batched runs
    add a leading ``K`` axis to every array (``params`` ``(K, steps+1, dim)``).

    Attributes
    ----------
    params
        ``params[t]`` after ``t`` optimizer steps; ``params[0]`` is the start.
    loss
        Loss at ``params[t]`` (the full-data loss for data-driven landscapes).
    grad
        Gradient at ``params[t]`` before noise: the one the optimizer received at step
        ``t`` (the minibatch gradient for data-driven landscapes with ``batch_size``).
    state
        The optimizer's own per-coordinate state after ``t`` steps, by torch's names
        (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ``sum``, ``square_avg``, ...);
        scalar state (``step``, ASGD's ``eta``) is ``(steps+1,)``. Entries that torch
        creates lazily at the first step read 0 at ``t = 0``.
    lr
        Learning rate used for step ``t``, ``(steps+1,)`` (shared by all particles;
        ``lr[steps]`` is the rate after the last scheduler step).
    noise
        The noise added to ``grad[t]`` (zeros when ``grad_noise`` is 0; last row zero).
    diverged
        Whether the loss or parameters became non-finite.
    diverged_at
        First step whose loss or params are non-finite (``None``; batched: ``-1`` for
        "never"). The run is not stopped or clipped there: what follows is exactly what
        torch computed from the non-finite values (``inf``/``nan``).
    buffers
        A network module's buffers after ``t`` steps, by ``named_buffers()`` name
        (``(steps+1, *shape)``: BatchNorm's ``running_mean``, ``running_var`` and
        ``num_batches_tracked``); ``loss[t]`` is evaluated with those of step ``t``. Empty
        for toy landscapes and modules without buffers.

    With clipping (``spec.clip_grad_norm`` / ``clip_grad_value``) ``grad`` is the clipped
    gradient and ``state["grad_norm"]`` the total norm before clipping. On a network the
    arrays are in the module's dtype (float64 for a float64 model), float32 otherwise.
    """

    landscape: str
    spec: OptimizerSpec
    params: Array
    loss: Array
    grad: Array
    state: Mapping[str, Array]
    lr: Array
    noise: Array
    diverged: bool | Array
    diverged_at: int | None | Array
    grad_noise: float = 0.0
    seed: int = 0
    from_cache: bool = False
    buffers: Mapping[str, Array] = field(default_factory=dict)

    @property
    def batched(self) -> bool:
        """Whether this holds K particles (a leading K axis)."""
        return self.loss.ndim == 2

    @property
    def steps(self) -> int:
        """Number of optimizer steps (arrays hold ``steps + 1`` rows)."""
        return int(self.loss.shape[-1]) - 1

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return int(self.params.shape[-1])

    @property
    def label(self) -> str:
        """Display name of the optimizer (``"Momentum"``, ``"Adam"``, ...)."""
        return self.spec.label

    def __len__(self) -> int:
        return int(self.loss.shape[0]) if self.batched else 1

    def particle(self, k: int) -> Trajectory:
        """The single-run trajectory of particle ``k`` of a batched run."""
        if not self.batched:
            if k != 0:
                raise IndexError("a single trajectory has only particle 0")
            return self
        at = int(np.asarray(self.diverged_at)[k])
        return dataclasses.replace(
            self,
            params=self.params[k],
            loss=self.loss[k],
            grad=self.grad[k],
            state={n: v[k] for n, v in self.state.items()},
            buffers={n: v[k] for n, v in self.buffers.items()},
            noise=self.noise[k],
            diverged=bool(np.asarray(self.diverged)[k]),
            diverged_at=None if at < 0 else at,
        )

    def __iter__(self) -> Iterator[Trajectory]:
        for k in range(len(self)):
            yield self.particle(k)

    def arrays(self) -> dict[str, Array]:
        """All recorded arrays by name (state entries as ``state.<name>``)."""
        out = {
            "params": self.params,
            "loss": self.loss,
            "grad": self.grad,
            "lr": self.lr,
            "noise": self.noise,
        }
        out.update({f"state.{n}": v for n, v in self.state.items()})
        out.update({f"buffer.{n}": v for n, v in self.buffers.items()})
        return out

    def metadata(self) -> dict[str, Any]:
        """What produced the arrays, as plain data."""
        return {
            "landscape": self.landscape,
            "optimizer": self.spec.to_dict(),
            "steps": self.steps,
            "grad_noise": self.grad_noise,
            "seed": self.seed,
            "diverged": np.asarray(self.diverged).tolist(),
            "diverged_at": (
                np.asarray(self.diverged_at).tolist() if self.batched else self.diverged_at
            ),
            "torch": torch_version(),
        }

    # -- export (descent.engine.export holds the formats) -----------------------------------------------
    def to_csv(
        self, path: str | os.PathLike[str], extra: Mapping[str, Array] | None = None
    ) -> Path:
        """Write one row per (particle, step); see :func:`descent.engine.export.to_csv`."""
        return export.to_csv(self, path, extra)

    def to_json(
        self, path: str | os.PathLike[str], extra: Mapping[str, Array] | None = None
    ) -> Path:
        """Write metadata and every array as nested lists; see :func:`descent.engine.export.to_json`."""
        return export.to_json(self, path, extra)

    def to_npz(
        self, path: str | os.PathLike[str], extra: Mapping[str, Array] | None = None
    ) -> Path:
        """Write every array to one ``.npz``; see :func:`descent.engine.export.to_npz`."""
        return export.to_npz(self, path, extra)


# ---------------------------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------------------------
def _parse_start(start: ArrayLike | None, land: Landscape | None, dim: int | None) -> np.ndarray:
    if start is None:
        if land is None:
            raise EngineError("a callable landscape needs an explicit start")
        start = land.default_start
    try:
        arr = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError(f"start must be numbers; got {start!r}") from None
    dim = land.dim if land is not None else dim
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if dim is None:
        dim = int(arr.shape[-1])
    name = f"'{land.name}'" if land is not None else "the landscape"
    if arr.ndim > 2 or arr.shape[-1] != dim or arr.size == 0:
        raise EngineError(
            f"start of shape {arr.shape} does not match {name} of dim {dim}: "
            f"give ({dim},) for one run or (K, {dim}) for K runs"
        )
    if not np.isfinite(arr).all():
        raise EngineError(f"start must be finite; got {arr.tolist()}")
    return arr


def _check_size(steps: int, particles: int, dim: int) -> None:
    """Refuse a run whose recorded arrays would not fit, before allocating anything."""
    if steps > MAX_STEPS:
        raise EngineError(f"steps must be at most {MAX_STEPS:,}; got {steps:,}")
    stream.check_budget(steps, particles, dim)  # memory, or disk for a streamed record


def _check_scalar(
    name: str, value: Any, *, integer: bool = False, minimum: float | None = None
) -> None:
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or (not integer and not math.isfinite(value)):
        kind = "an integer" if integer else "a finite number"
        raise EngineError(f"{name} must be {kind}; got {value!r}")
    if minimum is not None and value < minimum:
        raise EngineError(f"{name} must be ≥ {minimum:g}; got {value!r}")


# ---------------------------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------------------------
def _noise(grad_noise: float, seed: int, k: int, steps: int, dim: int) -> np.ndarray:
    """Gaussian gradient noise ``(K, steps+1, dim)``: particle ``k`` has its own stream.

    Stream ``k`` is child ``k`` of ``np.random.SeedSequence(seed)``, so particle ``k``
    of a batch sees the same numbers whatever ``K`` is, and particle 0 matches a
    single run with the same seed.
    """
    out = np.zeros((k, steps + 1, dim), dtype=np.float32)
    if grad_noise == 0.0:
        return out
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(k)):
        out[i, :steps] = grad_noise * np.random.default_rng(child).standard_normal((steps, dim))
    return out


def _batches(land: Landscape, seed: int, count: int) -> list[torch.Tensor] | None:
    """Minibatch indices for ``count`` evaluations, drawn as ``DataLoader(shuffle=True)``."""
    if land.batch_fn is None or land.batch_size is None or land.data is None:
        return None
    from torch.utils.data import DataLoader, TensorDataset

    n = int(land.data[0].shape[0])
    gen = torch.Generator().manual_seed(seed)
    # A real DataLoader over the indices: its shuffling (and its use of the generator) is torch's.
    loader: DataLoader[tuple[torch.Tensor, ...]] = DataLoader(
        TensorDataset(torch.arange(n)), batch_size=land.batch_size, shuffle=True, generator=gen
    )
    out: list[torch.Tensor] = []
    while len(out) < count:
        for (batch,) in loader:  # each epoch reshuffles with the same generator
            out.append(batch)
            if len(out) == count:
                break
    return out


def _run(
    land: Landscape,
    spec: OptimizerSpec,
    start: torch.Tensor,
    steps: int,
    noise: torch.Tensor | None,
    batches: list[torch.Tensor] | None,
) -> dict[str, Any]:
    """One torch optimizer over one parameter tensor ``start`` (shape ``(K, dim)`` or ``(dim,)``).

    ``noise`` is ``(K, steps+1, dim)`` or ``None`` for none.
    """
    dim = land.dim
    param = torch.nn.Parameter(start.clone())
    k = start.numel() // dim
    optimizer = build_optimizer(spec, [param])
    scheduler = build_scheduler(spec, optimizer)
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    needs_closure = spec.needs_closure
    clipping = spec.clip_grad_norm is not None or spec.clip_grad_value is not None
    norms = np.zeros(steps + 1)

    def clipped(t: int, g: torch.Tensor) -> torch.Tensor:
        """``g`` clipped as the spec says (one run: k == 1); its raw norm kept."""
        if not clipping:
            return g
        param.grad = g.clone()
        norms[t] = _clip(spec, [param])
        return param.grad.clone()

    # time-major: each step's rows are one contiguous store; one transpose at the end (a
    # large record streams to memory-mapped files: engine/stream.py)
    rec = stream.Recorder(stream.record_bytes(steps, k, dim) > stream.threshold())
    params = rec.empty("params", (steps + 1, k, dim), dtype=start.dtype)
    loss = rec.empty("loss", (steps + 1, k), dtype=start.dtype)
    grad = rec.empty("grad", (steps + 1, k, dim), dtype=start.dtype)
    lr = np.empty(steps + 1)
    vec_state: dict[str, torch.Tensor] = {}
    scal_state: dict[str, np.ndarray] = {}

    def record_state(t: int) -> None:
        st = optimizer.state.get(param)
        if not st:
            return
        for name, value in st.items():
            if isinstance(value, torch.Tensor) and value.shape == param.shape:
                if name not in vec_state:
                    vec_state[name] = rec.empty(
                        f"state.{name}", (steps + 1, k, dim), dtype=start.dtype, zeros=True
                    )
                vec_state[name][t] = value.detach().reshape(k, dim)
            elif isinstance(value, int | float) or (
                isinstance(value, torch.Tensor) and value.ndim == 0
            ):
                if name not in scal_state:
                    scal_state[name] = np.zeros(steps + 1)
                scal_state[name][t] = float(value)

    def objective(t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(loss per particle at θ_t, gradient the optimizer gets at step t)."""
        view = param.view(k, dim)
        with torch.enable_grad():
            if batches is None:
                values = land.fn(view)
                (g,) = torch.autograd.grad(values.sum(), param)
            else:
                assert land.batch_fn is not None
                batch_values = land.batch_fn(view, batches[t])
                (g,) = torch.autograd.grad(batch_values.sum(), param)
                with torch.no_grad():
                    values = land.fn(view)
        if values.shape != (k,):
            raise EngineError(
                f"landscape '{land.name}' must return one loss per point; got shape {tuple(values.shape)}"
            )
        return values.detach(), g

    record_state(0)
    for t in range(steps + 1):
        values, g = objective(t)
        g = clipped(t, g)
        params[t] = param.detach().view(k, dim)
        loss[t] = values
        grad[t] = g.view(k, dim)
        lr[t] = float(optimizer.param_groups[0]["lr"])
        if t == steps:
            break
        kick = None if noise is None else noise[:, t].reshape(param.shape)
        if needs_closure:

            def closure(step_t: int = t, kick: torch.Tensor | None = kick) -> float:
                optimizer.zero_grad()
                values_c, g_c = objective(step_t)
                g_c = clipped(step_t, g_c)
                param.grad = g_c if kick is None else g_c + kick
                return float(values_c.sum())

            optimizer.step(closure)
        else:
            param.grad = g if kick is None else g + kick
            optimizer.step()
        if scheduler is not None:
            scheduler.step(float(values.mean())) if plateau else scheduler.step()
        record_state(t + 1)

    state: dict[str, np.ndarray] = {n: rec.particle_major(v) for n, v in vec_state.items()}
    state.update({n: np.broadcast_to(v, (k, steps + 1)).copy() for n, v in scal_state.items()})
    if clipping:
        state["grad_norm"] = norms[None]
    return {
        "params": rec.particle_major(params),
        "loss": rec.particle_major(loss),
        "grad": rec.particle_major(grad),
        "lr": lr,
        "state": state,
    }


def _simulate_arrays(
    land: Landscape,
    spec: OptimizerSpec,
    start: np.ndarray,
    steps: int,
    grad_noise: float,
    seed: int,
) -> dict[str, Any]:
    k = start.shape[0]
    dim = land.dim
    noise = _noise(grad_noise, seed, k, steps, dim)
    batches = _batches(land, seed, steps + 1)
    x0 = torch.as_tensor(start, dtype=_dtype_of(land))
    noise_t = torch.from_numpy(noise) if grad_noise != 0.0 else None
    if needs_module_path(land, spec, k):
        runs = [
            _run_module(
                land, spec, x0[i], steps, None if noise_t is None else noise_t[i], batches, seed
            )
            for i in range(k)
        ]
        out = _concat(runs)
    elif spec.elementwise:
        out = _run(land, spec, x0, steps, noise_t, batches)
    else:  # LBFGS and other non-elementwise optimizers: one run per particle
        runs = [
            _run(land, spec, x0[i], steps, None if noise_t is None else noise_t[i : i + 1], batches)
            for i in range(k)
        ]
        out = {
            key: np.concatenate([r[key] for r in runs], axis=0)
            for key in ("params", "loss", "grad")
        }
        out["lr"] = runs[0]["lr"]
        names = set().union(*(r["state"] for r in runs))
        out["state"] = {
            n: np.concatenate(
                [r["state"].get(n, np.zeros_like(runs[0]["loss"])) for r in runs], axis=0
            )
            for n in sorted(names)
        }
    out["noise"] = noise
    return out


def _dtype_of(land: Landscape) -> torch.dtype:
    """The dtype runs on ``land`` take: the network module's, or float32."""
    if land.network is None:
        return torch.float32
    from descent.engine.network import _network_of

    return _network_of(land).dtype


def _concat(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One run's arrays each (a leading axis of 1) as K runs' (missing state: zeros). One
    run's arrays are passed on as they are: a streamed record is not copied into RAM."""
    if len(runs) == 1:
        return dict(runs[0])
    out: dict[str, Any] = {
        key: np.concatenate([r[key] for r in runs], axis=0) for key in ("params", "loss", "grad")
    }
    out["lr"] = runs[0]["lr"]
    names = sorted(set().union(*(r["state"] for r in runs)))
    out["state"] = {
        n: np.concatenate(
            [
                r["state"].get(
                    n, np.zeros_like(runs[0]["state"][n] if n in runs[0]["state"] else r["loss"])
                )
                for r in runs
            ],
            axis=0,
        )
        for n in names
    }
    out["buffers"] = {
        n: np.concatenate([r["buffers"][n] for r in runs], axis=0) for n in runs[0]["buffers"]
    }
    return out


def _cache_key(
    land: Landscape,
    spec: OptimizerSpec,
    start: np.ndarray,
    steps: int,
    grad_noise: float,
    seed: int,
) -> str | None:
    fingerprint = land.fingerprint
    if fingerprint is None or not spec.cacheable:
        return None
    spec_data = spec.to_dict()
    spec_data.pop("label")
    payload = {
        "version": CACHE_VERSION,
        "landscape": fingerprint,
        "spec": spec_data,
        "start": hashlib.sha256(start.astype(np.float32).tobytes()).hexdigest()
        if land.network is None
        else hashlib.sha256(start.astype(np.float64).tobytes()).hexdigest(),
        "start_shape": list(start.shape),
        "steps": steps,
        "grad_noise": grad_noise,
        "seed": seed,
        "torch": torch_version(),
        "numpy": np.__version__,
    }
    if land.network is not None:  # the module's own tensors, train mode, its dtype
        payload["network_path"] = [MODULE_PATH_VERSION, needs_module_path(land, spec, len(start))]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _cache_read(path: Path, key: str) -> dict[str, Any] | None:
    with np.load(path, allow_pickle=False) as npz:
        if str(npz["key"]) != key:
            return None
        out: dict[str, Any] = {n: np.array(npz[n]) for n in ("params", "loss", "grad", "lr")}
        # noise that was all zeros (no grad_noise) is not stored: it is made again
        out["noise"] = np.array(npz["noise"]) if "noise" in npz.files else None
        out["state"] = {n[6:]: np.array(npz[n]) for n in npz.files if n.startswith("state.")}
        out["buffers"] = {n[7:]: np.array(npz[n]) for n in npz.files if n.startswith("buffer.")}
    return out


def _cache_load(path: Path, key: str, k: int, steps: int, dim: int) -> dict[str, Any] | None:
    """The cached arrays, or ``None`` when missing, corrupt, truncated or mismatched."""
    if not path.is_file():
        return None
    out = read_cache(path, lambda f: _cache_read(f, key))
    if out is None:
        return None
    if out["params"].shape != (k, steps + 1, dim) or out["loss"].shape != (k, steps + 1):
        return None
    if out["noise"] is None:
        out["noise"] = np.zeros_like(out["params"])
    return out


#: bytes a second a cache entry is read back at here (a 173 MB swarm: 0.42 s)
READ_BYTES_PER_SECOND = 400e6


def _cache_store(path: Path, key: str, arrays: dict[str, Any], seconds: float) -> None:
    """Store the arrays unless reading them back would take about as long as computing
    them did (a huge cheap swarm); all-zero noise is left out (it is made again)."""
    if stream.is_streamed(arrays["params"]):
        return  # a streamed record stays in its own mapped files
    flat = {n: arrays[n] for n in ("params", "loss", "grad", "lr")}
    if np.any(arrays["noise"]):
        flat["noise"] = arrays["noise"]
    flat.update({f"state.{n}": v for n, v in arrays["state"].items()})
    flat.update({f"buffer.{n}": v for n, v in arrays.get("buffers", {}).items()})
    size = sum(np.asarray(v).nbytes for v in flat.values())
    if seconds < 2 * size / READ_BYTES_PER_SECOND:
        return
    write_cache(path, lambda fh: np.savez(fh, key=np.array(key), **flat))


def simulate(
    landscape: str | Landscape | Callable[[torch.Tensor], torch.Tensor],
    spec: OptimizerSpec | str,
    *,
    start: ArrayLike | None = None,
    steps: int = 100,
    grad_noise: float = 0.0,
    seed: int = 0,
    cache: bool = True,
) -> Trajectory:
    """Run a real ``torch.optim`` optimizer on a landscape and record every step.

    Parameters
    ----------
    landscape
        A registry name, an :class:`engine.Landscape`, or a callable mapping a ``(dim,)``
        tensor to a scalar tensor (vectorised with ``torch.func.vmap``).
    spec
        The optimizer (an :class:`OptimizerSpec`, or a bare class name for its defaults).
    start
        ``(dim,)`` for one run, ``(K, dim)`` for K runs in one batched pass; defaults to
        the landscape's default start.
    steps
        Number of optimizer steps (≥ 1).
    grad_noise
        Standard deviation σ of Gaussian noise added to the gradient before each step.
    seed
        Seeds the noise (particle ``k``: child ``k`` of ``SeedSequence(seed)``) and the
        minibatch shuffling (``torch.Generator().manual_seed(seed)``). No global seeding.
    cache
        Reuse / store results under :func:`descent.engine.fileio.cache_dir` keyed by a content hash.

    Returns
    -------
    Trajectory
        Single run: arrays ``(steps+1, ...)``; K runs: a leading ``K`` axis.

    Raises
    ------
    EngineError
        Bad landscape, optimizer, start, steps, noise or seed (one-line message).
    """
    if isinstance(spec, str):
        spec = OptimizerSpec(spec)
    if not isinstance(spec, OptimizerSpec):
        raise EngineError(
            f"spec must be an engine.OptimizerSpec or a name; got {type(spec).__name__}"
        )
    _check_scalar("steps", steps, integer=True, minimum=1)
    _check_scalar("grad_noise", grad_noise, minimum=0.0)
    _check_scalar("seed", seed, integer=True, minimum=0)
    if isinstance(landscape, Landscape | str):
        land = as_landscape(landscape)
        start_arr = _parse_start(start, land, None)
    else:
        start_arr = _parse_start(start, None, None)
        land = as_landscape(landscape, dim=int(start_arr.shape[-1]))
    batched = start_arr.ndim == 2
    starts = start_arr if batched else start_arr[None]
    _check_size(steps, starts.shape[0], land.dim)

    key = _cache_key(land, spec, starts, steps, float(grad_noise), seed) if cache else None
    path = cache_dir() / "trajectories" / f"{key}.npz" if key else None
    arrays = _cache_load(path, key, starts.shape[0], steps, land.dim) if path and key else None
    from_cache = arrays is not None
    if arrays is None:
        if land.network is None:  # a cached run was possible, so only checked here
            _refuse_on_toy(land, spec)
        began = time.perf_counter()
        arrays = _simulate_arrays(land, spec, starts, steps, float(grad_noise), seed)
        if path is not None and key is not None:
            _cache_store(path, key, arrays, time.perf_counter() - began)

    diverged_at = first_non_finite(arrays["loss"], arrays["params"])
    diverged = diverged_at >= 0

    def ro(a: np.ndarray) -> np.ndarray:
        return _readonly(a if batched else a[0])

    return Trajectory(
        landscape=land.name,
        spec=spec,
        params=ro(arrays["params"]),
        loss=ro(arrays["loss"]),
        grad=ro(arrays["grad"]),
        state={n: ro(v) for n, v in sorted(arrays["state"].items())},
        lr=_readonly(arrays["lr"]),
        noise=ro(arrays["noise"]),
        diverged=diverged if batched else bool(diverged[0]),
        diverged_at=diverged_at
        if batched
        else (None if diverged_at[0] < 0 else int(diverged_at[0])),
        grad_noise=float(grad_noise),
        seed=seed,
        from_cache=from_cache,
        buffers={n: ro(v) for n, v in arrays.get("buffers", {}).items()},
    )


def _refuse_on_toy(land: Landscape, spec: OptimizerSpec) -> None:
    """One line for a spec that needs a network's own tensors on a toy landscape."""
    if spec.groups or spec.rest is not None:
        raise EngineError(
            f"param groups need a network landscape's named tensors; '{land.name}' has one vector"
        )
    if not spec.runs_on_vectors:
        raise EngineError(
            f"{spec.name} cannot run on the toy landscape '{land.name}': it takes matrices "
            "only; run it on a network landscape (its 2-D weights)"
        )


def first_non_finite(loss: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Per run (rows of ``loss (K, T)``, ``params (K, T, dim)``): the first step whose loss
    or position is not finite, or −1.

    An optimizer only ever adds to or scales its parameters in place, so a non-finite
    position stays non-finite (``inf − x``, ``inf·0`` and ``nan`` all are): only runs whose
    *last* position is non-finite are searched step by step, which skips a full pass over
    ``params`` for the runs that stayed finite.

    Examples
    --------
    >>> loss = np.array([[3.0, 2.0, 1.0], [3.0, np.inf, np.nan]])
    >>> params = np.array([[[1.0], [0.5], [0.2]], [[1.0], [9e38], [np.inf]]])
    >>> first_non_finite(loss, params).tolist()
    [-1, 1]
    """
    bad = ~np.isfinite(loss)
    out = np.where(bad.any(axis=-1), bad.argmax(axis=-1), -1)
    ended_bad = ~np.isfinite(params[..., -1, :]).all(axis=-1)
    for index in zip(*np.nonzero(ended_bad), strict=True):
        step = int((~np.isfinite(params[index]).all(axis=-1)).argmax())
        out[index] = step if out[index] < 0 else min(int(out[index]), step)
    return out


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------------------------------------
# A network: the module's own tensors, in train mode, as a training loop steps them
# ---------------------------------------------------------------------------------------------
def _flat(tensors: list[torch.Tensor | None], like: list[torch.nn.Parameter]) -> torch.Tensor:
    """``parameters_to_vector`` of ``tensors`` (zeros where one is ``None``)."""
    return torch.cat(
        [
            (t if t is not None else torch.zeros_like(p)).detach().reshape(-1)
            for t, p in zip(tensors, like, strict=True)
        ]
    )


def _clip(spec: OptimizerSpec, params: list[torch.nn.Parameter]) -> float:
    """Clip the gradients in place as ``spec`` says (torch's own functions); the total
    2-norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    if spec.clip_grad_norm is not None:
        return float(torch.nn.utils.clip_grad_norm_(params, spec.clip_grad_norm))
    raw = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))
    if spec.clip_grad_value is not None:
        torch.nn.utils.clip_grad_value_(params, spec.clip_grad_value)
    return raw


def needs_module_path(land: Landscape, spec: OptimizerSpec, k: int) -> bool:
    """Whether runs on ``land`` step the module's own tensors one run at a time.

    Every single run on a network does; K runs share one batched flat tensor only when
    that is the same computation: an elementwise optimizer, no clipping, float32, and a
    module whose train mode equals its eval mode (torch's own layers without dropout,
    batch norm or buffers).
    """
    if land.network is None:
        return False
    if k == 1 or not spec.elementwise:
        return True
    from descent.engine.network import _network_of

    net = _network_of(land)
    if net.dtype != torch.float32 or list(net.module.buffers()):
        return True
    return any(
        not type(m).__module__.startswith("torch.nn.modules")
        or type(m).__module__.endswith(("dropout", "batchnorm", "instancenorm"))
        for m in net.module.modules()
    )


def _run_module(
    land: Landscape,
    spec: OptimizerSpec,
    start: torch.Tensor,
    steps: int,
    noise: torch.Tensor | None,
    batches: list[torch.Tensor] | None,
    seed: int,
) -> dict[str, Any]:
    """One run of ``spec`` on a copy of the network's module, as a training loop runs it.

    Step ``t``: ``zero_grad``; the minibatch forward in train mode (or eval mode when the
    landscape says ``train=False``); ``backward``; clipping; noise; ``step`` (with a
    closure that re-evaluates the same minibatch when the class needs one). Recorded at
    every ``t``: the flat parameters, the full-data loss in eval mode with the buffers of
    step ``t``, the gradient of step ``t``'s first evaluation (after clipping, before
    noise), the optimizer state (flat; zeros for tensors without that entry), and the
    module's buffers. Dropout draws from ``torch.manual_seed(seed)`` inside
    ``torch.random.fork_rng``: the caller's RNG is left as it was.
    """
    from descent.engine.network import _network_of
    from descent.engine.optim import build_module_optimizer

    net = _network_of(land)
    module = copy.deepcopy(net.module)
    named = list(module.named_parameters())
    params = [p for _, p in named]
    dim = sum(p.numel() for p in params)
    dtype = net.dtype
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(start.to(net.device, dtype).reshape(-1), params)
    optimizer, schedulers = build_module_optimizer(spec, named)
    plateau = [isinstance(s, torch.optim.lr_scheduler.ReduceLROnPlateau) for s in schedulers]
    for part in getattr(optimizer, "optimizers", [optimizer]):
        if callable(getattr(part, "train", None)):  # schedule-free: train() before stepping
            part.train()
    clipping = spec.clip_grad_norm is not None or spec.clip_grad_value is not None

    # time-major, one run (K = 1); a large record streams to memory-mapped files
    rec = stream.Recorder(stream.record_bytes(steps, 1, dim) > stream.threshold())
    rec_params = rec.empty("params", (steps + 1, 1, dim), dtype=dtype)
    rec_loss = rec.empty("loss", (steps + 1, 1), dtype=dtype)
    rec_grad = rec.empty("grad", (steps + 1, 1, dim), dtype=dtype, zeros=True)
    lr = np.empty(steps + 1)
    norms = np.zeros(steps + 1)
    vec_state: dict[str, torch.Tensor] = {}
    scal_state: dict[str, np.ndarray] = {}
    named_buffers = list(module.named_buffers())
    buffers = {n: np.zeros((steps + 1, *b.shape)) for n, b in named_buffers}

    def record(t: int) -> None:
        rec_params[t, 0] = torch.nn.utils.parameters_to_vector(params).detach().cpu()
        module.eval()
        with torch.no_grad():
            rec_loss[t, 0] = net.criterion(module(net.x), net.y).detach().cpu()
        for n, b in named_buffers:
            buffers[n][t] = b.detach().cpu().double().numpy()
        state = optimizer.state
        seen: set[str] = set()
        at = 0
        for p in params:
            for name, value in (state.get(p) or {}).items():
                if isinstance(value, torch.Tensor) and value.shape == p.shape and p.ndim > 0:
                    if name not in vec_state:
                        vec_state[name] = rec.empty(
                            f"state-{name}", (steps + 1, 1, dim), dtype=dtype, zeros=True
                        )
                    vec_state[name][t, 0, at : at + p.numel()] = value.detach().reshape(-1).cpu()
                elif name not in seen and (
                    (isinstance(value, int | float) and not isinstance(value, bool))
                    or (isinstance(value, torch.Tensor) and value.ndim == 0)
                ):  # scalar state (``step``, ...): the first tensor's that has it
                    seen.add(name)
                    scal_state.setdefault(name, np.zeros(steps + 1))[t] = float(value)
            at += p.numel()

    def evaluate(t: int, first: list[bool], kick: torch.Tensor | None) -> torch.Tensor:
        optimizer.zero_grad()
        module.train(net.train)
        rows = None if batches is None else batches[t].to(net.device)
        xb = net.x if rows is None else net.x[rows]
        yb = net.y if rows is None else net.y[rows]
        with torch.enable_grad():
            value = net.criterion(module(xb), yb)
            torch.autograd.backward(value)
        norm = _clip(spec, params) if clipping else 0.0
        if first[0]:
            first[0] = False
            rec_grad[t, 0] = _flat([p.grad for p in params], params).cpu()
            norms[t] = norm if clipping else float(torch.linalg.vector_norm(rec_grad[t, 0]))
        if kick is not None:
            at = 0
            for p in params:
                size = p.numel()
                piece = kick[at : at + size].view(p.shape).to(p.device, p.dtype)
                p.grad = piece.clone() if p.grad is None else p.grad + piece
                at += size
        return value

    cuda = str(net.device).startswith("cuda")
    devices = [torch.device(net.device).index or 0] if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        record(0)
        for t in range(steps):
            lr[t] = float(optimizer.param_groups[0]["lr"])
            kick = None if noise is None else noise[t]
            first = [True]
            if spec.needs_closure:

                def closure(t: int = t, first: list[bool] = first, kick: Any = kick) -> Any:
                    return evaluate(t, first, kick)

                optimizer.step(closure)
            else:
                evaluate(t, first, kick)
                optimizer.step()
            for scheduler, on_loss in zip(schedulers, plateau, strict=True):
                if scheduler is not None:
                    scheduler.step(float(rec_loss[t, 0])) if on_loss else scheduler.step()
            record(t + 1)
        lr[steps] = float(optimizer.param_groups[0]["lr"])
        # the last row's gradient: one more evaluation, its buffer updates undone
        saved = [b.detach().clone() for _, b in named_buffers]
        evaluate(steps, [True], None)
        with torch.no_grad():
            for (_, b), s in zip(named_buffers, saved, strict=True):
                b.copy_(s)
    state: dict[str, np.ndarray] = {n: rec.particle_major(v) for n, v in vec_state.items()}
    state.update({n: v[None] for n, v in scal_state.items()})
    if clipping:
        state["grad_norm"] = norms[None]
    return {
        "params": rec.particle_major(rec_params),
        "loss": rec.particle_major(rec_loss),
        "grad": rec.particle_major(rec_grad),
        "lr": lr,
        "state": state,
        "buffers": {n: v[None] for n, v in buffers.items()},
    }
