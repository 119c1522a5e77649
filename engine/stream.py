"""Records that do not live in RAM: a trajectory's per-step arrays on disk.

:func:`descent.engine.simulate` records, for every step, the parameters, the gradient and
the optimizer's per-coordinate state: ``(steps + 1) × dim`` float32 numbers each. Above
:func:`threshold` bytes (``$DESCENT_STREAM_MB``, default 512 MiB) these arrays are
written step by step into memory-mapped ``.npy`` files under
``cache_dir()/trajectories/stream-*`` (:class:`Recorder`): each step's rows are one
contiguous write (the record is time-major, ``(steps + 1, K, dim)``), and the trajectory
holds read-only maps of the files, paged in by the operating system as they are read.

Before a run starts, :func:`check_budget` estimates what it will take, in RAM (an
in-memory record, plus the model, its gradient and the optimizer's state) or on disk (a
streamed one), and refuses a job that cannot fit with one line naming the sizes.

:func:`lowrank_plane_basis` is :func:`descent.engine.pca_plane`'s path for streamed runs:
``Δ = θ_t − origin`` is written chunk by chunk to one more mapped file (float32, finite rows
only, ``Σ‖Δ‖²`` summed in float64 on the way), and ``torch.svd_lowrank`` (Halko, Martinsson
and Tropp 2011, Algorithm 5.1: a randomized range finder with power iterations) gives its
top singular vectors without ever holding ``Δ`` in memory.

Examples
--------
>>> round(record_bytes(steps=999, particles=1, dim=11_000_000) / 1e9)  # ResNet-18, 1,000 steps
264
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from descent.engine.errors import EngineError
from descent.engine.fileio import cache_dir

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = [
    "RECORDED_ARRAYS",
    "Recorder",
    "check_budget",
    "is_streamed",
    "lowrank_plane_basis",
    "record_bytes",
    "streaming",
    "threshold",
]

#: per-step float32 arrays of ``dim`` numbers a run may record: params, grad, noise and up
#: to three optimizer state entries (Adam: exp_avg, exp_avg_sq, max_exp_avg_sq)
RECORDED_ARRAYS = 6
#: default size above which a record streams to disk
DEFAULT_STREAM_MB = 512
#: rows of ``Δ`` written per pass when preparing a low-rank PCA (bytes, about)
PASS_BYTES = 64 * 2**20

_override: list[int] = []


def threshold() -> int:
    """Bytes above which a record streams to disk (``$DESCENT_STREAM_MB``; 512 MiB)."""
    if _override:
        return _override[-1]
    text = os.environ.get("DESCENT_STREAM_MB")
    try:
        return int(float(text) * 2**20) if text else DEFAULT_STREAM_MB * 2**20
    except ValueError:
        raise EngineError(f"DESCENT_STREAM_MB must be a number of MiB; got {text!r}") from None


@contextlib.contextmanager
def streaming(above_bytes: int = 0) -> Iterator[None]:
    """Within the block, records larger than ``above_bytes`` stream to disk (0: all)."""
    _override.append(int(above_bytes))
    try:
        yield
    finally:
        _override.pop()


def record_bytes(steps: int, particles: int, dim: int, arrays: int = RECORDED_ARRAYS) -> int:
    """Bytes of a record: ``arrays × (steps + 1) × particles × dim`` float32 numbers, plus
    the loss per step."""
    return 4 * (steps + 1) * particles * (arrays * dim + 1)


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.1f} MB"


def _free_disk(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return int(shutil.disk_usage(probe).free)


def _available_ram() -> int:
    from descent.engine.batching import _available_ram as ram

    return ram()


def check_budget(steps: int, particles: int, dim: int) -> bool:
    """Whether the record of a run streams to disk; refuses a run that cannot fit.

    The working set (parameters, gradient, the noise row, three state entries: float32,
    ``particles × dim`` each) must fit in half the available RAM; the record in the rest
    of it (in memory) or on the cache's disk (streamed), with a tenth to spare.

    Raises
    ------
    EngineError
        One line with the record's size, where it would go, and what is free there.
    """
    need = record_bytes(steps, particles, dim)
    working = 4 * particles * dim * RECORDED_ARRAYS
    ram = _available_ram()
    what = f"{particles:,} run(s) × {steps + 1:,} steps × {dim:,} parameters"
    if working > ram // 2:
        raise EngineError(
            f"{what}: the model, gradient and optimizer state take {_gb(working)}; "
            f"{_gb(ram)} of memory is available"
        )
    if need <= threshold():
        if need > ram - working:
            raise EngineError(f"{what} would record {_gb(need)} in memory; {_gb(ram)} is available")
        return False
    folder = cache_dir()
    free = _free_disk(folder)
    if need * 1.1 > free:
        raise EngineError(
            f"{what} would record {_gb(need)} on disk (streamed to {folder}); "
            f"{_gb(free)} is free there"
        )
    return True


class Recorder:
    """Allocates a run's time-major record arrays: tensors in RAM, or, when ``streamed``,
    tensors over memory-mapped ``.npy`` files in a folder of the cache (``folder``)."""

    def __init__(self, streamed: bool) -> None:
        self.streamed = streamed
        self.folder: Path | None = None
        self._maps: dict[int, np.memmap[Any, Any]] = {}
        if streamed:
            self.folder = cache_dir() / "trajectories" / f"stream-{uuid.uuid4().hex}"
            self.folder.mkdir(parents=True, exist_ok=True)

    def empty(
        self, name: str, shape: tuple[int, ...], *, dtype: Any = None, zeros: bool = False
    ) -> torch.Tensor:
        """A tensor of ``shape`` and ``dtype`` (default float32), zero-filled when ``zeros``
        (a new mapped file is zeros)."""
        dtype = dtype or torch.float32
        if not self.streamed:
            return torch.zeros(shape, dtype=dtype) if zeros else torch.empty(shape, dtype=dtype)
        assert self.folder is not None
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        mm = np.lib.format.open_memmap(
            self.folder / f"{name}.npy", mode="w+", dtype=np_dtype, shape=shape
        )
        tensor = torch.from_numpy(mm)
        self._maps[id(tensor)] = mm
        return tensor

    def particle_major(self, a: torch.Tensor) -> np.ndarray:
        """``(steps+1, K, …)`` as ``(K, steps+1, …)``: one copy in RAM; for a streamed
        record the mapped file's swapped view (flushed, read-only), no copy."""
        mm = self._maps.get(id(a))
        if mm is None:
            return np.ascontiguousarray(a.numpy().swapaxes(0, 1))
        mm.flush()
        assert mm.filename is not None
        view = np.load(mm.filename, mmap_mode="r").swapaxes(0, 1)
        return view  # type: ignore[no-any-return]


def is_streamed(arr: Any) -> bool:
    """Whether ``arr`` (or the array it views) is a memory-mapped file."""
    while isinstance(arr, np.ndarray):
        if isinstance(arr, np.memmap):
            return True
        arr = arr.base
    return isinstance(arr, __import__("mmap").mmap)


def _finite_prefix(rows: np.ndarray) -> int:
    """Rows before the first non-finite one (an optimizer's position stays non-finite)."""
    step = max(1, PASS_BYTES // max(rows.shape[1] * rows.itemsize, 1))
    for a in range(0, rows.shape[0], step):
        block = np.asarray(rows[a : a + step])
        bad = ~np.isfinite(block).all(1)
        if bad.any():
            return a + int(bad.argmax())
    return int(rows.shape[0])


def lowrank_plane_basis(
    runs: Sequence[np.ndarray], origin: np.ndarray, *, rank: int = 2, oversample: int = 8
) -> tuple[np.ndarray, np.ndarray, float]:
    """Top right singular vectors of ``Δ = θ_t − origin`` over the ``(steps+1, dim)`` arrays
    ``runs``, without holding ``Δ`` in memory.

    ``Δ``'s finite rows are written in passes of about 64 MB into a memory-mapped float32
    file (removed afterwards); ``torch.svd_lowrank(Δ, q=rank+oversample, niter=4)`` gives a
    basis ``V`` of its top right singular subspace, refined in float64 by one more pass
    (Rayleigh-Ritz: the SVD of ``Δ·V``, ``(rows, q)``).

    Returns
    -------
    (vt, s, total)
        ``vt`` ``(rank, dim)`` float64 right singular vectors, ``s`` their singular values,
        ``total`` ``Σ‖Δ‖²`` in float64.
    """
    dim = int(origin.shape[0])
    lengths = [_finite_prefix(r) for r in runs]
    count = sum(lengths)
    folder = cache_dir() / "trajectories"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pca-{uuid.uuid4().hex}.npy"
    try:
        delta = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(count, dim))
        total, at = 0.0, 0
        step = max(1, PASS_BYTES // max(dim * 8, 1))
        for run, n in zip(runs, lengths, strict=True):
            for a in range(0, n, step):
                block = np.asarray(run[a : min(a + step, n)], dtype=np.float64) - origin
                total += float((block**2).sum())
                delta[at : at + block.shape[0]] = block
                at += block.shape[0]
        delta.flush()
        q = min(rank + oversample, count, dim)
        gen_state = torch.random.get_rng_state()
        try:
            torch.manual_seed(0)  # svd_lowrank's random test matrix: the same plane every time
            _, s, v = torch.svd_lowrank(torch.from_numpy(delta), q=q, niter=4)
        finally:
            torch.random.set_rng_state(gen_state)
        # Rayleigh-Ritz in float64 on the float32 basis: one more pass, Y = Δ·V
        basis, _ = np.linalg.qr(v.double().numpy())
        y = np.empty((count, basis.shape[1]))
        for a in range(0, count, step):
            y[a : a + step] = np.asarray(delta[a : a + step], dtype=np.float64) @ basis
        del delta
        _, s64, wt = np.linalg.svd(y, full_matrices=False)
        vt = (basis @ wt.T)[:, :rank].T.copy()
        return vt, s64[:rank], total
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
