"""Hyper-parameter sweeps: many exact ``torch.optim`` runs over a grid, in one torch pass.

:func:`sweep` runs every combination of a grid of keyword arguments (one to three axes,
``{"lr": [...], "momentum": [...]}``) from one start. torch keeps hyper-parameters per
param group, so the ``N`` runs are ``N`` param groups of **one** optimizer: one
``step()`` call updates them all, each with its own hyper-parameters, with exactly the
arithmetic of a single run (run ``i`` equals :func:`descent.engine.simulate` of its own
spec, bit for bit). Nothing re-implements an update rule: the floor is torch's own
``step()`` over ``N`` groups.

:func:`convergence_rate` measures the asymptotic linear rate of runs::

    E(a, b) = Σ_{t=a}^{b} ‖θ_t − θ*‖²        rate = (E(b−w+1, b) / E(a, a+w−1))^(1 / (2(b−w+1−a)))

the geometric mean of the error's contraction per step between the two halves of the
measured stretch (summing over each half keeps an oscillating error's zeros from biasing
it).

Examples
--------
>>> import numpy as np
>>> from descent import engine
>>> result = engine.sweep("ellipse", "SGD", grid={"lr": [0.05, 0.1], "momentum": [0.0, 0.5]},
...                       start=[-5.0, 2.0], steps=50, cache=False)
>>> result.params.shape  # (lr, momentum, steps + 1, dim)
(2, 2, 51, 2)
>>> run = result.run(1, 0)  # lr 0.1, momentum 0
>>> single = engine.simulate("ellipse", engine.OptimizerSpec("SGD", lr=0.1, momentum=0.0),
...                          start=[-5.0, 2.0], steps=50, cache=False)
>>> bool(np.array_equal(run.params, single.params))
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine._lazy import torch_version
from descent.engine.errors import EngineError
from descent.engine.fileio import cache_dir, cached_array, read_cache, write_cache
from descent.engine.landscapes import Landscape, as_landscape
from descent.engine.optim import OptimizerSpec
from descent.engine.simulation import (
    Trajectory,
    _check_scalar,
    _parse_start,
    _readonly,
    first_non_finite,
)

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = ["Sweep", "sweep", "check_grid", "convergence_rate", "MAX_RUNS", "MAX_NUMBERS"]

#: the most runs (grid combinations) one sweep may hold
MAX_RUNS = 40_000
#: the most recorded numbers (runs × (steps + 1) × dim) per array of a sweep
MAX_NUMBERS = 200_000_000
#: bump when the recorded format changes
SWEEP_VERSION = 1

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Sweep:
    """The runs of a grid, every array with the grid's axes in front.

    ``params`` is ``(*shape, steps + 1, dim)``, ``loss`` ``(*shape, steps + 1)``; ``state``
    holds torch's per-coordinate state by name; ``grid`` maps each swept keyword to its
    values, in axis order. :meth:`run` gives one run as a :class:`Trajectory`.
    """

    landscape: str
    name: str
    fixed: Mapping[str, Any]
    grid: Mapping[str, Array]
    params: Array
    loss: Array
    grad: Array
    state: Mapping[str, Array]
    diverged: Array
    diverged_at: Array
    #: which runs have each state entry (SGD without momentum keeps no buffer)
    has_state: Mapping[str, Array]
    from_cache: bool = False
    #: the content key of its cache entry (``None``: not cacheable); measurements made on
    #: the sweep (:func:`convergence_rate`) are kept beside it under the same key
    key: str | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.grid.values())

    @property
    def steps(self) -> int:
        return int(self.loss.shape[-1]) - 1

    def spec(self, *index: int) -> OptimizerSpec:
        """The optimizer spec of the run at grid ``index``."""
        values = {k: _plain(v[i]) for (k, v), i in zip(self.grid.items(), index, strict=True)}
        return OptimizerSpec(self.name, **{**self.fixed, **values})

    def run(self, *index: int) -> Trajectory:
        """Run ``index`` (one index per grid axis) as a :class:`Trajectory`."""
        if len(index) != len(self.shape):
            raise EngineError(f"index needs {len(self.shape)} numbers (one per axis)")
        at = int(self.diverged_at[index])
        spec = self.spec(*index)
        return Trajectory(
            landscape=self.landscape,
            spec=spec,
            params=self.params[index],
            loss=self.loss[index],
            grad=self.grad[index],
            state={n: v[index] for n, v in self.state.items() if self.has_state[n][index]},
            lr=_readonly(np.full(self.steps + 1, spec.lr)),
            noise=_readonly(np.zeros_like(self.grad[index])),
            diverged=bool(self.diverged[index]),
            diverged_at=None if at < 0 else at,
        )


def _plain(value: Any) -> Any:
    item = value.item() if isinstance(value, np.generic) else value
    return tuple(item) if isinstance(item, list) else item


def _axis_array(values: list[Any]) -> Array:
    """An axis's values: floats when they are numbers, else objects (``betas`` tuples)."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return _readonly(np.asarray(values, dtype=np.float64))
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return _readonly(out)


def check_grid(name: str, grid: Any, fixed: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The grid as ``{keyword: values}``; every value checked by torch (per axis), the
    number of runs against :data:`MAX_RUNS`."""
    if not isinstance(grid, Mapping) or not 1 <= len(grid) <= 3:
        raise EngineError("grid must map 1 to 3 keyword arguments to lists of values")
    axes: dict[str, list[Any]] = {}
    for key, values in grid.items():
        if key in fixed:
            raise EngineError(f"'{key}' is both swept and fixed")
        if isinstance(values, np.ndarray) and values.ndim == 1:
            values = values.tolist()
        if not isinstance(values, list | tuple):
            raise EngineError(f"grid axis '{key}' must be a list of values; got {values!r}")
        vals = [_plain(v) for v in values]
        if not vals:
            raise EngineError(f"grid axis '{key}' is empty")
        axes[str(key)] = vals
    count = math.prod(len(v) for v in axes.values())
    if count > MAX_RUNS:
        raise EngineError(f"the grid has {count:,} runs; the limit is {MAX_RUNS:,}")
    for key, values in axes.items():
        for value in values:
            if isinstance(value, float) and not math.isfinite(value):
                raise EngineError(f"grid axis '{key}': values must be finite; got {value!r}")
    first = {k: v[0] for k, v in axes.items()}
    for key, values in axes.items():
        for value in values:
            OptimizerSpec(name, **{**fixed, **first, key: value})  # torch's own checks
    return axes


def sweep(
    landscape: str | Landscape,
    optimizer_name: str,
    grid: Mapping[str, Sequence[Any]],
    *,
    start: ArrayLike | None = None,
    steps: int = 100,
    cache: bool = True,
    **fixed_kwargs: Any,
) -> Sweep:
    """Run ``optimizer_name`` for every combination of ``grid`` from one ``start``.

    Parameters
    ----------
    landscape
        A registry name or a :class:`Landscape`.
    optimizer_name
        A ``torch.optim`` class name.
    grid
        ``{keyword: values}``, 1 to 3 axes of any keyword arguments of the class.
    start, steps
        As :func:`descent.engine.simulate` (one start; every run begins there).
    cache
        Reuse / store results under :func:`descent.engine.cache_dir`.
    **fixed_kwargs
        Keyword arguments shared by every run.

    Raises
    ------
    EngineError
        An unknown keyword, an empty axis, too many runs (the limit is named), a value
        torch rejects (torch's reason), or a bad start or step count.
    """
    _check_scalar("steps", steps, integer=True, minimum=1)
    land = as_landscape(landscape)
    start_arr = _parse_start(start, land, None)
    if start_arr.ndim != 1:
        raise EngineError("a sweep runs from one start (dim,), not several")
    base = OptimizerSpec(optimizer_name, **fixed_kwargs)  # name and fixed keywords checked
    if base.scheduler is not None or not base.elementwise:
        raise EngineError(f"sweeps run elementwise optimizers without schedulers; not {base.name}")
    axes = check_grid(optimizer_name, grid, fixed_kwargs)
    runs = math.prod(len(v) for v in axes.values())
    if runs * (steps + 1) * land.dim > MAX_NUMBERS:
        raise EngineError(
            f"{runs:,} runs × {steps + 1:,} steps × {land.dim} coordinates is more than "
            f"{MAX_NUMBERS:,} numbers per array; sweep fewer values or steps"
        )
    key = _key(land, optimizer_name, axes, fixed_kwargs, start_arr, steps) if cache else None
    path = cache_dir() / "sweeps" / f"{key}.npz" if key else None
    arrays = _load(path, key) if path is not None and key is not None else None
    from_cache = arrays is not None
    if arrays is None:
        arrays = _run(land, optimizer_name, axes, fixed_kwargs, start_arr, steps)
        if path is not None and key is not None:
            _store(path, key, arrays)
    shape = tuple(len(v) for v in axes.values())
    tail = arrays["loss"].shape[1:]
    diverged_at = first_non_finite(arrays["loss"], arrays["params"])
    diverged = diverged_at >= 0

    def shaped(a: np.ndarray) -> np.ndarray:
        return _readonly(a.reshape(*shape, *a.shape[1:]))

    return Sweep(
        landscape=land.name,
        name=optimizer_name,
        fixed=dict(fixed_kwargs),
        grid={k: _axis_array(v) for k, v in axes.items()},
        params=shaped(arrays["params"]),
        loss=shaped(arrays["loss"]),
        grad=shaped(arrays["grad"]),
        state={n: shaped(v) for n, v in sorted(arrays["state"].items())},
        diverged=shaped(diverged.reshape(-1)),
        diverged_at=shaped(diverged_at.reshape(-1)),
        has_state={n: shaped(v) for n, v in arrays["has"].items()},
        from_cache=from_cache and tail == (steps + 1,),
        key=key,
    )


def _run(
    land: Landscape,
    name: str,
    axes: dict[str, list[Any]],
    fixed: Mapping[str, Any],
    start: np.ndarray,
    steps: int,
) -> dict[str, Any]:
    """One optimizer, one param group per combination; every step recorded.

    Each run's parameter is a row of one ``(N, dim)`` tensor (``nn.Parameter`` shares
    its storage), its gradient a row of another, and after the first step its state
    tensors are moved into rows of shared tensors too (same values, updated in place by
    torch as before), so a step is recorded with one copy per array.
    """
    combos = list(itertools.product(*axes.values()))
    n, dim = len(combos), land.dim
    x0 = torch.as_tensor(start, dtype=torch.float32)
    table = x0.repeat(n, 1)
    params = [torch.nn.Parameter(table[i]) for i in range(n)]
    grads = torch.zeros_like(table)
    for i, p in enumerate(params):
        p.grad = grads[i]
    # torch resolves foreach=None to the single-tensor path on the CPU; saying so up front
    # saves resolving it again in every group of every step (the same arithmetic)
    cpu = {"foreach": False} if _takes(name, "foreach") and "foreach" not in fixed else {}
    groups = [
        {"params": [p], **cpu, **dict(zip(axes, combo, strict=True))}
        for p, combo in zip(params, combos, strict=True)
    ]
    spec = OptimizerSpec(name, **fixed, **dict(zip(axes, combos[0], strict=True)))
    optimizer = _with_groups(spec.optimizer_class, groups, fixed)
    rec_p = torch.empty((n, steps + 1, dim))
    rec_l = torch.empty((n, steps + 1))
    rec_g = torch.empty((n, steps + 1, dim))
    shared: dict[str, torch.Tensor] = {}
    rec_s: dict[str, torch.Tensor] = {}
    scalars: dict[str, np.ndarray] = {}
    has: dict[str, np.ndarray] = {}
    for t in range(steps + 1):
        point = table.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            values = land.fn(point)
            (g,) = torch.autograd.grad(values.sum(), point)
        rec_p[:, t] = table
        rec_l[:, t] = values.detach()
        rec_g[:, t] = g
        for s_name, buf in shared.items():
            rec_s[s_name][:, t] = buf
        for s_name, series in scalars.items():
            holder = next(p for p in params if s_name in optimizer.state[p])
            series[t] = float(optimizer.state[holder][s_name])
        if t == steps:
            break
        with torch.no_grad():
            grads.copy_(g)
        optimizer.step()
        if t == 0:  # torch made its state lazily: share it (values untouched) and record it
            _share_state(optimizer, params, dim, steps, shared, rec_s, scalars, has)
    state = {k: v.numpy() for k, v in rec_s.items()}
    state.update({k: np.broadcast_to(v, (n, steps + 1)).copy() for k, v in scalars.items()})
    masks = {k: np.ones(n, dtype=bool) for k in scalars}
    masks.update(has)
    return {
        "params": rec_p.numpy(),
        "loss": rec_l.numpy(),
        "grad": rec_g.numpy(),
        "state": state,
        "has": masks,
    }


def _takes(name: str, keyword: str) -> bool:
    import inspect

    return keyword in inspect.signature(getattr(torch.optim, name)).parameters


def _with_groups(
    cls: type[torch.optim.Optimizer], groups: list[dict[str, Any]], fixed: Mapping[str, Any]
) -> torch.optim.Optimizer:
    """``cls(groups, **fixed)``, built in linear time.

    ``Optimizer.add_param_group`` checks a new group's parameters against every earlier
    group's (quadratic: 15 s for 10,000 groups). Each group is added by torch's own
    ``add_param_group`` (defaults filled, parameters checked) with the earlier groups set
    aside; the cross-group check is the only one skipped, and these parameters are
    distinct by construction.
    """
    optimizer = cls(groups[:1], **dict(fixed))
    built = optimizer.param_groups
    for group in groups[1:]:
        optimizer.param_groups = []
        optimizer.add_param_group(group)
        built.append(optimizer.param_groups[0])
    optimizer.param_groups = built
    return optimizer


def _share_state(
    optimizer: torch.optim.Optimizer,
    params: list[torch.nn.Parameter],
    dim: int,
    steps: int,
    shared: dict[str, torch.Tensor],
    rec_s: dict[str, torch.Tensor],
    scalars: dict[str, np.ndarray],
    has: dict[str, np.ndarray],
) -> None:
    """Move each run's per-coordinate state tensors into rows of one shared tensor (the
    same values; torch keeps updating them in place) and note which runs have which state
    (SGD without momentum keeps none)."""
    n = len(params)
    names: dict[str, bool] = {}
    for p in params:
        for s_name, value in optimizer.state[p].items():
            vector = isinstance(value, torch.Tensor) and value.shape == (dim,)
            scalar = isinstance(value, int | float) or (
                isinstance(value, torch.Tensor) and value.ndim == 0
            )
            if vector or scalar:
                names.setdefault(s_name, vector)
    for s_name, vector in names.items():
        if not vector:
            scalars[s_name] = np.zeros(steps + 1)
            continue
        buf = torch.zeros((n, dim))
        mask = np.zeros(n, dtype=bool)
        for i, p in enumerate(params):
            if s_name in optimizer.state[p]:
                buf[i] = optimizer.state[p][s_name]
                optimizer.state[p][s_name] = buf[i]
                mask[i] = True
        shared[s_name] = buf
        rec_s[s_name] = torch.zeros((n, steps + 1, dim))
        has[s_name] = mask


def _key(
    land: Landscape,
    name: str,
    axes: dict[str, list[Any]],
    fixed: Mapping[str, Any],
    start: np.ndarray,
    steps: int,
) -> str | None:
    if land.fingerprint is None:
        return None
    payload = [
        SWEEP_VERSION,
        land.fingerprint,
        name,
        {k: [repr(v) for v in vals] for k, vals in axes.items()},
        {k: repr(v) for k, v in sorted(fixed.items())},
        start.astype(np.float32).tobytes().hex(),
        steps,
        torch_version(),
        np.__version__,
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _load(path: Any, key: str) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return read_cache(path, lambda f: _read(f, key))


def _read(path: Any, key: str) -> dict[str, Any] | None:
    with np.load(path, allow_pickle=False) as npz:
        if str(npz["key"]) != key:
            return None
        out: dict[str, Any] = {n: np.array(npz[n]) for n in ("params", "loss", "grad")}
        out["state"] = {n[6:]: np.array(npz[n]) for n in npz.files if n.startswith("state.")}
        out["has"] = {n[4:]: np.array(npz[n]) for n in npz.files if n.startswith("has.")}
        return out


def _store(path: Any, key: str, arrays: dict[str, Any]) -> None:
    flat = {n: arrays[n] for n in ("params", "loss", "grad")}
    flat.update({f"state.{n}": v for n, v in arrays["state"].items()})
    flat.update({f"has.{n}": v for n, v in arrays["has"].items()})
    write_cache(path, lambda fh: np.savez(fh, key=np.array(key), **flat))


def _stretch(err: Array, floor: float) -> tuple[Array, Array]:
    """Per run: the last step whose error is finite and above ``floor`` × the start's error
    (float32 runs underflow below about 1e-38), and a third of the way there (past the
    transient): the measured stretch ``[start, end]``."""
    good = np.isfinite(err) & (err > floor * np.maximum(err[:, :1], 1e-300))
    steps = err.shape[1] - 1
    end = np.where(good.all(1), steps, np.argmin(good, axis=1) - 1)
    return end // 3, end


def convergence_rate(
    runs: Trajectory | Sweep | ArrayLike,
    optimum: ArrayLike,
    *,
    method: str = "window",
    floor: float = 1e-28,
) -> Array:
    """The asymptotic linear rate of each run (above 1: it diverges).

    ``runs`` is a trajectory, a sweep or params ``(..., steps + 1, dim)``; the result has
    their leading shape. The measured stretch ends at the last step whose error
    ``e_t = θ_t − θ*`` is finite and above ``floor`` × the start's, and starts a third of
    the way there.

    ``method="window"``: the geometric mean of the error's contraction per step between
    the two halves of the stretch, ``(E₂ / E₁)^(1 / 2Δ)`` with ``E`` each half's summed
    ``‖e_t‖²`` and ``Δ`` the steps between them. Sums, not single steps, so an error
    oscillating through zero is measured by its envelope; where the oscillation is
    slower than the stretch (near critical damping) it cannot be, and the estimate is off.

    ``method="fit"``: the spectral radius of the linear iteration
    ``e_{t+1} = A·e_t + B·e_{t−1}`` fitted by least squares to the stretch (``B = 0`` when a
    first-order iteration already fits to 1e-10): the rate the recorded steps converge at,
    however slowly they oscillate. Only the recorded positions are used.

    The rates of a cached :class:`Sweep` are cached beside it (a 100 × 100 map: ~1 s).
    """
    if method not in ("window", "fit"):
        raise EngineError(f"method must be 'window' or 'fit'; got {method!r}")
    key = getattr(runs, "key", None)
    if isinstance(runs, Sweep) and key is not None:  # measured once per cached sweep
        where = np.asarray(optimum, dtype=np.float64).tolist()
        ident = f"{key} rate {method} {float(floor)!r} {where!r}".encode()
        path = cache_dir() / "sweeps" / f"{hashlib.sha256(ident).hexdigest()}.npy"
        return cached_array(
            path,
            lambda: convergence_rate(runs.params, optimum, method=method, floor=floor),
            shape=runs.shape,
        )
    params = np.asarray(getattr(runs, "params", runs), dtype=np.float64)
    lead = params.shape[:-2]
    e = params.reshape(-1, *params.shape[-2:]) - np.asarray(optimum, dtype=np.float64)
    norm = np.linalg.norm(e, axis=-1)
    start, end = _stretch(norm, floor)
    out = _window_rate(norm, start, end) if method == "window" else _fit_rate(e, norm, start, end)
    blew = (end < 6) & ~np.isfinite(norm).all(1)
    out = np.where(end < 6, np.where(blew, math.inf, 0.0), out)
    return out.reshape(lead)


def _window_rate(norm: Array, start: Array, end: Array) -> Array:
    t = np.arange(norm.shape[1])
    w = (end - start + 1) // 2
    sq = np.where(np.isfinite(norm), norm, 0.0) ** 2
    first = np.where((t >= start[:, None]) & (t < (start + w)[:, None]), sq, 0.0).sum(1)
    last = np.where((t > (end - w)[:, None]) & (t <= end[:, None]), sq, 0.0).sum(1)
    shift = np.maximum((end - w + 1) - start, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (last / first) ** (1.0 / (2 * shift))
    return np.where(first > 0, rate, 0.0)


def _fit_rate(e: Array, norm: Array, start: Array, end: Array) -> Array:
    runs, steps1, d = e.shape
    t = np.arange(steps1)
    rows = (t[None, 1:-1] >= np.maximum(start, 1)[:, None]) & (t[None, 1:-1] < end[:, None])
    scale = np.where(rows, 1.0 / np.where(norm[:, 1:-1] > 0, norm[:, 1:-1], 1.0), 0.0)
    safe = np.nan_to_num(e, nan=0.0, posinf=0.0, neginf=0.0)
    now, before, after = safe[:, 1:-1], safe[:, :-2], safe[:, 2:]
    x2 = np.concatenate([now, before], -1) * scale[..., None]  # (R, T, 2d)
    y = after * scale[..., None]
    x1 = x2[..., :d]
    out = np.empty(runs)
    for order, x in ((1, x1), (2, x2)):
        g = np.einsum("rti,rtj->rij", x, x)
        h = np.einsum("rti,rtj->rij", x, y)
        ridge = 1e-12 * np.trace(g, axis1=1, axis2=2)[:, None, None] * np.eye(x.shape[-1])
        coef = np.linalg.solve(g + ridge + 1e-300 * np.eye(x.shape[-1]), h)  # (R, k, d)
        resid = ((np.einsum("rti,rij->rtj", x, coef) - y) ** 2).sum((1, 2))
        total = np.maximum((y**2).sum((1, 2)), 1e-300)
        m = np.swapaxes(coef, 1, 2)  # (R, d, k): e_{t+1} = m · x_t
        if order == 2:
            comp = np.zeros((runs, 2 * d, 2 * d))
            comp[:, :d] = m
            comp[:, d:, :d] = np.eye(d)
        else:
            comp = m
        radius = np.abs(np.linalg.eigvals(comp)).max(-1)
        if order == 1:
            first_order = resid / total < 1e-10
            out = np.where(first_order, radius, np.nan)
        else:
            out = np.where(np.isnan(out), radius, out)
    return out
