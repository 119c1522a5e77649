"""Planes through parameter space: where a high-dimensional run is drawn in 2-D.

A :class:`Plane` is ``origin + x·d1 + y·d2``. Two ways to choose it:

- :func:`pca_plane`: one plane shared by several runs. With ``Δ`` the stack of every
  recorded ``θ_t − origin`` of every run, ``d1, d2`` are the top two right singular
  vectors of ``Δ`` (orthonormal) and ``explained = (s₁² + s₂²) / Σ s²`` is the fraction
  of ``Σ‖θ_t − origin‖²`` that the plane holds.
- :func:`random_plane`: Li et al. (2018)'s filter-normalised random directions. Each
  row (neuron or filter) of each weight tensor of a Gaussian direction is rescaled to
  the norm of that row of the weights at the origin; bias directions are zero.

A point is drawn at its least-squares coordinates in the plane; :meth:`Plane.residual`
says how far it is from them (the part of the run the picture leaves out), and
:meth:`Plane.surface` is the true loss on the plane itself.

Examples
--------
>>> import numpy as np
>>> from descent.engine.plane import Plane
>>> plane = Plane(origin=np.zeros(3), d1=np.array([1.0, 0, 0]), d2=np.array([0, 1.0, 0]))
>>> plane.coords(np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 4.0]])).tolist()
[[1.0, 2.0], [3.0, -1.0]]
>>> plane.residual(np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 4.0]])).tolist()
[0.0, 4.0]
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine._lazy import torch_version
from descent.engine.errors import EngineError
from descent.engine.fileio import cache_dir, read_cache, write_cache
from descent.engine.landscapes import Landscape

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = [
    "Plane",
    "SurfaceRun",
    "pca_plane",
    "random_plane",
    "MAX_GRID_POINTS",
    "SURFACE_VERSION",
]

#: the most grid points :meth:`Plane.surface` evaluates in one call
MAX_GRID_POINTS = 250_000
#: bump when surface sampling changes in a way the cache key does not see
SURFACE_VERSION = 1
#: the most numbers (recorded steps × parameters) :func:`pca_plane` decomposes
MAX_PCA_NUMBERS = 50_000_000

Array = NDArray[np.float64]


def _params_of(run: Any) -> Array:
    """The recorded parameters of a trajectory (or an array), as ``(..., dim)`` float64."""
    return np.asarray(getattr(run, "params", run), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Plane:
    """The plane ``origin + x·d1 + y·d2`` in parameter space.

    Attributes
    ----------
    origin, d1, d2
        ``(dim,)`` vectors. :func:`pca_plane`'s directions are orthonormal;
        :func:`random_plane`'s are filter-normalised (each about as long as the weights).
    kind
        ``"pca"``, ``"random"`` or ``"custom"``.
    explained
        PCA planes: the fraction of ``Σ‖θ_t − origin‖²`` of the runs they were fitted
        to that lies in the plane; ``None`` for the others (see :meth:`captured`).
    """

    origin: Array
    d1: Array
    d2: Array
    kind: str = "custom"
    explained: float | None = None

    def __post_init__(self) -> None:
        for name in ("origin", "d1", "d2"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        if not (self.origin.shape == self.d1.shape == self.d2.shape and self.origin.ndim == 1):
            raise EngineError(
                f"plane origin and directions must be (dim,) vectors of one length; got "
                f"{self.origin.shape}, {self.d1.shape}, {self.d2.shape}"
            )
        basis = self.basis
        gram = basis.T @ basis
        if not np.isfinite(gram).all() or abs(np.linalg.det(gram)) < 1e-12 * max(
            float(np.trace(gram)) ** 2, 1e-300
        ):
            raise EngineError("plane directions must be finite and not parallel")

    @property
    def dim(self) -> int:
        return int(self.origin.shape[0])

    @property
    def basis(self) -> Array:
        """``(dim, 2)``: the directions as columns."""
        return np.stack([self.d1, self.d2], axis=1)

    def point(self, x: float, y: float) -> Array:
        """The parameter vector at plane coordinates ``(x, y)``."""
        return self.origin + x * self.d1 + y * self.d2

    def coords(self, run: Any) -> Array:
        """Plane coordinates ``(..., 2)`` of recorded parameters ``(..., dim)`` (a trajectory's
        ``params`` or an array): the least-squares ``(x, y)``, exact for points in the plane."""
        delta = _params_of(run) - self.origin
        basis = self.basis
        solved = np.linalg.solve(basis.T @ basis, (delta @ basis)[..., None])[..., 0]
        return np.asarray(solved, dtype=np.float64)

    def residual(self, run: Any) -> Array:
        """Distance ``‖θ − point(coords(θ))‖`` of each recorded point from the plane."""
        params = _params_of(run)
        c = self.coords(params)
        near = self.origin + c[..., :1] * self.d1 + c[..., 1:] * self.d2
        return np.linalg.norm(params - near, axis=-1)  # type: ignore[no-any-return]

    def projected_loss(self, landscape: Landscape, run: Any) -> Array:
        """The loss at the projection of each recorded point: what the surface shows under a
        drawn dot. Far from the run's own loss, the picture misleads there."""
        points = self.origin + self.coords(run) @ self.basis.T
        return landscape.value(points.astype(np.float32))  # cached, keyed by the points

    def captured(self, runs: Sequence[Any] | Any) -> float:
        """The fraction of ``Σ‖θ_t − origin‖²`` over ``runs`` that lies in the plane."""
        items = list(runs) if isinstance(runs, list | tuple) else [runs]
        total = off = 0.0
        for run in items:
            params = _params_of(run)
            total += float((np.nan_to_num(params - self.origin) ** 2).sum())
            off += float((np.nan_to_num(self.residual(params)) ** 2).sum())
        return 1.0 - off / total if total > 0 else 1.0

    # -- the loss on the plane -------------------------------------------------------------
    def surface(
        self,
        landscape: Landscape,
        xs: ArrayLike,
        ys: ArrayLike,
        *,
        cache: bool = True,
        distributed: bool = False,
        chunk: int | None = None,
    ) -> Array:
        """The loss at ``origin + x·d1 + y·d2`` for every ``x`` in ``xs``, ``y`` in ``ys``.

        Returns ``(len(ys), len(xs))`` (row ``i`` is ``ys[i]``, as :meth:`Landscape.grid`).
        For a data-driven landscape it is the full-data loss, evaluated under ``no_grad``
        in float32 (TF32 off) by the fastest measured plan for the module and device
        (:mod:`descent.engine.batching`: stacked weights, vmap, or the module's own loop).
        Cached by the landscape's fingerprint, the plane and the grid; a job that crashed
        resumes from its finished chunks.

        Parameters
        ----------
        distributed
            Under ``torchrun``: shard the grid's chunks over the ranks (gloo on CPUs, NCCL
            on GPUs, each rank on its own device), gather on rank 0, which writes the
            cache; every rank returns the grid (:mod:`descent.engine.distributed`).
        chunk
            Grid points per chunk of the job (the unit of sharding and resuming; default:
            about 64 chunks, whole multiples of the plan's vectors per evaluation).

        Raises
        ------
        EngineError
            A plane of another dimension, too many points, non-finite coordinates.
        """
        run = self.surface_run(landscape, xs, ys, cache=cache, distributed=distributed, chunk=chunk)
        return run.values

    def surface_run(
        self,
        landscape: Landscape,
        xs: ArrayLike,
        ys: ArrayLike,
        *,
        cache: bool = True,
        distributed: bool = False,
        chunk: int | None = None,
        log: Callable[[str], None] | None = None,
    ) -> SurfaceRun:
        """:meth:`surface`, with what the job did: points evaluated in this run, points
        read back from a crashed run, processes, the evaluation plan. ``log`` receives
        rank 0's one-line report."""
        from descent.engine import distributed as dist_mod

        xs_a = np.asarray(xs, dtype=np.float64).ravel()
        ys_a = np.asarray(ys, dtype=np.float64).ravel()
        if landscape.dim != self.dim:
            raise EngineError(
                f"plane has dim {self.dim} but landscape '{landscape.name}' has {landscape.dim}"
            )
        count = xs_a.size * ys_a.size
        if not 1 <= count <= MAX_GRID_POINTS:
            raise EngineError(
                f"surface grid has {count:,} points; it must have 1..{MAX_GRID_POINTS:,}"
            )
        if not (np.isfinite(xs_a).all() and np.isfinite(ys_a).all()):
            raise EngineError("surface grid coordinates must be finite")
        if chunk is not None and (
            isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1
        ):
            raise EngineError(f"chunk must be a whole number ≥ 1; got {chunk!r}")
        shape = (ys_a.size, xs_a.size)
        path = self._surface_path(landscape, xs_a, ys_a) if cache else None
        if not distributed and path is not None:  # a hit needs no torch and no network
            found = read_cache(path, lambda f: np.load(f, allow_pickle=False))
            if found is not None and found.shape == shape:
                return SurfaceRun(found, 0, 0, 1, {"cached": True})
        net = _resolved(landscape)
        group = (
            dist_mod.Group.join(net.device if net is not None else "cpu")
            if distributed
            else dist_mod.Group.local()
        )
        try:
            found = None
            if distributed and group.rank == 0 and path is not None:
                found = read_cache(path, lambda f: np.load(f, allow_pickle=False))
                found = found if found is not None and found.shape == shape else None
            found = group.broadcast(found)
            if found is not None:
                return SurfaceRun(found, 0, 0, group.world, {"cached": True})
            job = _SurfaceJob(self, landscape, net, xs_a, ys_a, group.device, chunk, group.world)
            folder = path.with_suffix(".partial") if path is not None else None
            run = dist_mod.run_chunks(
                count, job.choose, job.evaluate, group=group, folder=folder, log=log
            )
            grid = run.values.reshape(shape)
            if group.rank == 0 and path is not None:
                write_cache(path, lambda fh: np.save(fh, grid))
                dist_mod.finish(folder, group)
            return SurfaceRun(grid, run.evaluated, run.resumed, run.world, run.meta)
        finally:
            group.close()

    def _surface_path(self, landscape: Landscape, xs: Array, ys: Array) -> Any:
        fingerprint = landscape.fingerprint
        if fingerprint is None:
            return None
        h = hashlib.sha256(
            json.dumps([SURFACE_VERSION, fingerprint, torch_version(), self.dim]).encode()
        )
        for arr in (self.origin, self.d1, self.d2, xs, ys):
            h.update(np.ascontiguousarray(arr.astype(np.float32)).tobytes())
        return cache_dir() / "surfaces" / f"{h.hexdigest()}.npy"


@dataclass(frozen=True)
class SurfaceRun:
    """A surface and how it was made.

    Attributes
    ----------
    values
        ``(len(ys), len(xs))`` losses.
    evaluated, resumed
        Grid points evaluated by this job, and read back from a crashed one.
    world
        Processes that shared the job.
    meta
        The job's plan: ``points`` per chunk, the evaluation ``strategy``, vectors per
        evaluation (``per``) and data ``rows`` per forward pass (``{"cached": True}`` when
        the grid was read from the cache).
    """

    values: Array
    evaluated: int
    resumed: int
    world: int
    meta: dict[str, Any]


def _resolved(landscape: Landscape) -> Any:
    net = landscape.network
    if net is not None and hasattr(net, "resolve"):
        net = net.resolve()
    return net


class _SurfaceJob:
    """The grid points of one surface, evaluated chunk by chunk on one rank's device."""

    #: about this many chunks per job (at least 8 per process): sharding and resuming units
    CHUNKS = 64

    def __init__(
        self,
        plane: Plane,
        landscape: Landscape,
        net: Any,
        xs: Array,
        ys: Array,
        device: str,
        chunk: int | None,
        world: int,
    ) -> None:
        self.landscape, self.chunk, self.world = landscape, chunk, world
        if net is not None and torch.device(device).type == "cuda" and net.device != device:
            from descent.engine.batching import on_device

            net = on_device(net, device)
        self.net = net
        self.device = net.device if net is not None else "cpu"
        gx, gy = np.meshgrid(xs, ys)
        self.count = int(gx.size)
        self.cx = torch.as_tensor(gx.ravel(), dtype=torch.float32)
        self.cy = torch.as_tensor(gy.ravel(), dtype=torch.float32)
        self.origin = torch.tensor(plane.origin, dtype=torch.float32)
        self.d1 = torch.tensor(plane.d1, dtype=torch.float32)
        self.d2 = torch.tensor(plane.d2, dtype=torch.float32)

    def choose(self) -> dict[str, Any]:
        """The job's plan (rank 0): the evaluation plan, and points per chunk a whole
        multiple of the plan's vectors per evaluation."""
        from descent.engine import batching

        meta: dict[str, Any]
        if self.net is None:
            per = min(max(1, 2_000_000 // self.origin.numel()), 65_536)
            meta = {"strategy": "function", "per": per, "rows": 0}
        else:
            plan = batching.plan_for(self.net, tune=self.count >= batching.TUNE_FROM)
            meta = {"strategy": plan.strategy, "per": plan.points, "rows": plan.rows}
            meta["device"] = plan.device
        per = int(meta["per"])
        if self.chunk is not None:
            meta["points"] = self.chunk
            meta["per"] = min(per, self.chunk)
        else:
            chunks = max(self.CHUNKS, 8 * self.world)
            meta["points"] = per * max(1, -(-self.count // (chunks * per)))
        return meta

    def evaluate(self, meta: dict[str, Any], start: int, stop: int) -> Array:
        """Losses at grid points ``start … stop − 1`` by the job's plan."""
        from descent.engine import batching

        per = int(meta["per"])
        with torch.no_grad():
            u, v = self.cx[start:stop, None], self.cy[start:stop, None]
            points = torch.addcmul(torch.addcmul(self.origin, u, self.d1), v, self.d2)
            if self.net is None:
                parts = [self.landscape.fn(p).float() for p in torch.split(points, per)]
                values = torch.cat(parts)
            else:  # in evaluations of `per` vectors from `start`: the same chunks on any rank
                plan = batching.Plan(str(meta["strategy"]), per, int(meta["rows"]), "job")
                values = batching.losses(self.net, points.to(self.device), plan)
        out: Array = values.cpu().double().numpy()
        return out


# ---------------------------------------------------------------------------------------------
# Choosing a plane
# ---------------------------------------------------------------------------------------------
def pca_plane(runs: Sequence[Any], origin: ArrayLike | None = None) -> Plane:
    """One plane shared by ``runs`` (trajectories or ``(steps+1, dim)`` arrays).

    ``origin`` defaults to their common start. The directions are the top two right
    singular vectors of every recorded ``θ_t − origin`` stacked together, signed so that
    the first run ends at non-negative coordinates; ``explained`` is the fraction of
    ``Σ‖θ_t − origin‖²`` the plane captures. Non-finite steps (a diverged run) are left
    out of the fit.

    Runs whose records streamed to disk (:mod:`descent.engine.stream`), or more than
    :data:`MAX_PCA_NUMBERS` numbers in all, are decomposed by ``torch.svd_lowrank``
    without loading them (:func:`descent.engine.stream.lowrank_plane_basis`); smaller ones
    by an exact ``numpy.linalg.svd``.
    """
    from descent.engine import stream

    items = list(runs) if isinstance(runs, list | tuple) else [runs]
    raw = [getattr(r, "params", r) for r in items]
    if not raw:
        raise EngineError("pca_plane needs at least one run")
    dims = {int(np.shape(a)[-1]) for a in raw}
    if len(dims) != 1:
        raise EngineError("pca_plane: every run must have the same number of parameters")
    dim = dims.pop()
    numbers = sum(math.prod(np.shape(a)) for a in raw)
    lowrank = numbers > MAX_PCA_NUMBERS or any(stream.is_streamed(a) for a in raw)
    # row blocks (steps+1, dim) of every run, views of the records (float64 only in memory)
    blocks = _run_blocks(raw, dim) if lowrank else [_params_of(a).reshape(-1, dim) for a in raw]
    if origin is None:
        starts = np.stack(
            [np.asarray(a, dtype=np.float64).reshape(-1, *np.shape(a)[-2:])[:, 0] for a in raw], 0
        ).reshape(-1, dim)
        if not np.allclose(starts, starts[0], rtol=0, atol=1e-6):
            raise EngineError("pca_plane: the runs start at different points; pass origin=")
        o = starts[0]
    else:
        o = np.asarray(origin, dtype=np.float64).ravel()
        if o.shape != (dim,) or not np.isfinite(o).all():
            raise EngineError(f"pca_plane: origin must be {dim} finite numbers")
    if lowrank:
        vt, s, total = stream.lowrank_plane_basis(blocks, o)
    else:
        rows = np.concatenate(blocks, 0)
        delta = rows[np.isfinite(rows).all(1)] - o
        total = float((delta**2).sum())
        if dim >= 2 and total > 0.0:
            _, s, vt = np.linalg.svd(delta, full_matrices=False)
    if dim < 2 or total == 0.0:
        raise EngineError("pca_plane: the runs never left their start (nothing to project)")
    if len(s) < 2 or s[1] <= 1e-12 * s[0]:
        raise EngineError("pca_plane: the runs move along one line only; a plane is undefined")
    d1, d2 = vt[0], vt[1]
    last = np.asarray(np.asarray(raw[0])[..., -1, :], np.float64).reshape(-1, dim)[-1] - o
    if np.isfinite(last).all():
        d1 = d1 if last @ d1 >= 0 else -d1
        d2 = d2 if last @ d2 >= 0 else -d2
    explained = float((s[0] ** 2 + s[1] ** 2) / total)
    return Plane(origin=o, d1=d1, d2=d2, kind="pca", explained=min(explained, 1.0))


def _run_blocks(raw: Sequence[Any], dim: int) -> list[np.ndarray]:
    """Each run of each record as a ``(steps+1, dim)`` view (a batch: one per particle)."""
    out = []
    for a in raw:
        arr = np.asarray(a)
        out.extend([arr] if arr.ndim == 2 else list(arr.reshape(-1, *arr.shape[-2:])))
    return [b.reshape(-1, dim) for b in out]


def filter_normalized_direction(
    shapes: Sequence[tuple[int, ...]],
    weights: Array,
    gen: torch.Generator,
    ignore: str = "biasbn",
) -> Array:
    """One Li et al. direction: Gaussian, each row of each weight tensor rescaled to the
    norm of that row of ``weights``. 1-D tensors (biases, BatchNorm's weight and bias) get
    0 with ``ignore="biasbn"`` (Li et al.'s option, the default), or the weights themselves
    with ``ignore="none"`` (their code's other branch)."""
    out = np.zeros_like(weights)
    at = 0
    for shape in shapes:
        size = math.prod(shape)
        if len(shape) < 2 and ignore == "none":
            out[at : at + size] = weights[at : at + size]
        elif len(shape) >= 2:
            d = torch.randn(shape, generator=gen, dtype=torch.float64).numpy().reshape(shape[0], -1)
            w = weights[at : at + size].reshape(shape[0], -1)
            scale = np.linalg.norm(w, axis=1) / np.maximum(np.linalg.norm(d, axis=1), 1e-300)
            out[at : at + size] = (d * scale[:, None]).ravel()
        at += size
    return out


def random_plane(
    landscape: Landscape,
    seed: int = 0,
    normalize: str = "filter",
    origin: ArrayLike | None = None,
    ignore: str = "biasbn",
) -> Plane:
    """Li et al.'s plane: two filter-normalised random directions through ``origin``.

    ``ignore="biasbn"`` (default) gives biases and BatchNorm parameters (1-D tensors) no
    component, as Li et al. do for networks with BatchNorm; ``"none"`` gives them the
    weights' own values.

    ``origin`` defaults to the landscape's start; pass a run's final parameters to
    centre the plane on the trained model, as Li et al. do. Directions are drawn from
    ``torch.Generator().manual_seed(seed)``. ``normalize="none"`` gives two orthonormal
    Gaussian directions instead (any landscape).
    """
    if ignore not in ("biasbn", "none"):
        raise EngineError(f"ignore must be 'biasbn' or 'none'; got {ignore!r}")
    if normalize not in ("filter", "none"):
        raise EngineError(f"normalize must be 'filter' or 'none'; got {normalize!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise EngineError(f"seed must be an integer ≥ 0; got {seed!r}")
    o = np.asarray(landscape.default_start if origin is None else origin, np.float64).ravel()
    if o.shape != (landscape.dim,) or not np.isfinite(o).all():
        raise EngineError(f"origin must be {landscape.dim} finite numbers")
    gen = torch.Generator().manual_seed(seed)
    if normalize == "none":
        g = torch.randn((landscape.dim, 2), generator=gen, dtype=torch.float64).numpy()
        q, _ = np.linalg.qr(g)
        return Plane(origin=o, d1=q[:, 0], d2=q[:, 1], kind="random")
    net = landscape.network
    if net is None:
        raise EngineError(
            f"filter normalisation needs a network landscape; '{landscape.name}' is not one "
            "(use normalize='none')"
        )
    d1 = filter_normalized_direction(net.shapes, o, gen, ignore)
    d2 = filter_normalized_direction(net.shapes, o, gen, ignore)
    return Plane(origin=o, d1=d1, d2=d2, kind="random")
