"""Chunks of a job over the ranks of ``torch.distributed``, resumable after a crash.

Under ``torchrun`` (any number of processes, nodes and GPUs; SLURM or Kubernetes start it
as they start a training job) a surface's grid points are cut into fixed chunks, chunk
``i`` holding points ``[i·P, (i+1)·P)``. Every rank evaluates the chunks ``i ≡ rank (mod
world)`` that are still missing, on its own device, writing each finished chunk to a file
of the job's partial folder as soon as it is done; the ranks' values are then gathered on
rank 0 (``gather_object``), which writes the whole grid to the cache atomically, removes
the partial folder and broadcasts the grid back to every rank. A job killed halfway and
started again finds the partial folder, reads what was finished and evaluates only the
missing chunks. The chunk size and evaluation plan are recorded there with the first
chunk, and a resumed job keeps them: a grid finished after a crash is the same, bit for
bit, as one computed in one go.

The backend is NCCL when the job runs on CUDA devices (rank ``r`` on ``cuda:LOCAL_RANK``)
and gloo on CPUs. Without a process group and without torchrun's environment, the job
runs in this process alone (world size 1), still resumable.

Resuming needs the partial folder where every rank can write it (one machine, or a cache
folder on a shared file system across nodes).

Examples
--------
>>> group = Group.local()
>>> group.rank, group.world
(0, 1)
>>> [c for c in range(10) if group.owns(c)] == list(range(10))
True
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from descent.engine.errors import EngineError
from descent.engine.fileio import atomic_path

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = ["Group", "ChunkRun", "run_chunks", "finish", "launched_by_torchrun", "stderr_log"]


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher of ``torch.distributed``) set this process's
    ``RANK`` and ``WORLD_SIZE``."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


@dataclass(frozen=True)
class Group:
    """This process's place in the job: rank, world size, device, and whether descent
    created the process group (then it also destroys it)."""

    rank: int
    world: int
    device: str
    created: bool = False

    @classmethod
    def local(cls, device: str = "cpu") -> Group:
        return cls(0, 1, device)

    @classmethod
    def join(cls, device: str) -> Group:
        """Join (or start) the default process group for a job on ``device``'s kind.

        NCCL for CUDA (this rank on ``cuda:LOCAL_RANK``), gloo for CPUs. Without torchrun's
        environment and no group already started: this process alone.
        """
        import torch.distributed as dist

        cuda = torch.device(device).type == "cuda"
        if not dist.is_available():
            raise EngineError("torch.distributed is not available in this build of torch")
        created = False
        if not dist.is_initialized():
            if not launched_by_torchrun():
                return cls.local(device)
            backend = "nccl" if cuda and dist.is_nccl_available() else "gloo"
            if cuda:
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
            dist.init_process_group(backend=backend)
            created = True
        rank, world = dist.get_rank(), dist.get_world_size()
        if cuda:
            local = int(os.environ.get("LOCAL_RANK", str(rank % max(torch.cuda.device_count(), 1))))
            device = f"cuda:{local}"
        return cls(rank, world, device, created)

    def owns(self, chunk: int) -> bool:
        return chunk % self.world == self.rank

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank."""
        if self.world == 1:
            return obj
        import torch.distributed as dist

        box = [obj]
        dist.broadcast_object_list(box, src=0, device=self._comm_device())
        return box[0]

    def gather(self, obj: Any) -> list[Any] | None:
        """Every rank's ``obj`` on rank 0 (in rank order); ``None`` on the others."""
        if self.world == 1:
            return [obj]
        import torch.distributed as dist

        out: list[Any] | None = [None] * self.world if self.rank == 0 else None
        dist.gather_object(obj, out, dst=0)
        return out

    def _comm_device(self) -> Any:
        return torch.device(self.device) if torch.device(self.device).type == "cuda" else None

    def close(self) -> None:
        if self.created:
            import torch.distributed as dist

            with contextlib.suppress(Exception):
                dist.destroy_process_group()


@dataclass(frozen=True)
class ChunkRun:
    """What a chunked job did: its values (rank 0 and, after the broadcast, every rank),
    how many items were evaluated in this run and how many read back from a crashed one."""

    values: np.ndarray
    evaluated: int
    resumed: int
    world: int
    meta: dict[str, Any]


def _chunk_file(folder: Path, index: int) -> Path:
    return folder / f"chunk-{index:07d}.npy"


def _read_done(folder: Path, meta: dict[str, Any], n_chunks: int) -> dict[int, np.ndarray]:
    """The chunks a crashed run finished (damaged or mismatched files are left out)."""
    done: dict[int, np.ndarray] = {}
    for index in range(n_chunks):
        path = _chunk_file(folder, index)
        if not path.is_file():
            continue
        with contextlib.suppress(Exception):
            arr = np.load(path, allow_pickle=False)
            if arr.shape == (_chunk_len(index, meta),):
                done[index] = arr
    return done


def _chunk_len(index: int, meta: dict[str, Any]) -> int:
    size, count = int(meta["points"]), int(meta["count"])
    return max(0, min(size, count - index * size))


def _save(path: Path, arr: np.ndarray) -> None:
    with contextlib.suppress(OSError), atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, arr)


def run_chunks(
    count: int,
    choose: Callable[[], dict[str, Any]],
    evaluate: Callable[[dict[str, Any], int, int], np.ndarray],
    *,
    group: Group,
    folder: Path | None,
    log: Callable[[str], None] | None = None,
) -> ChunkRun:
    """Evaluate ``count`` items in chunks over ``group``, resumable through ``folder``.

    Parameters
    ----------
    count
        Items (grid points) in all.
    choose
        Called on rank 0 when no crashed run left a plan: the job's ``meta`` (JSON data),
        which must hold ``points``, the items per chunk. It is broadcast to every rank.
    evaluate
        ``evaluate(meta, start, stop)``: float64 values ``(stop − start,)`` of items
        ``start … stop − 1``.
    group
        The ranks (:meth:`Group.join`).
    folder
        Where finished chunks are kept until the job is done (``None``: not resumable).
    log
        Receives rank 0's one-line progress report.

    Returns
    -------
    ChunkRun
        ``values`` ``(count,)`` on every rank.
    """
    meta: dict[str, Any] | None = None
    done: dict[int, np.ndarray] = {}
    if group.rank == 0:
        if folder is not None:
            with contextlib.suppress(Exception):
                found = json.loads((folder / "meta.json").read_text("utf-8"))
                if int(found["count"]) == count and int(found["points"]) >= 1:
                    meta = found
        if meta is None:
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)  # another job's leftovers
            meta = dict(choose(), count=count)
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                text = json.dumps(meta)
                with contextlib.suppress(OSError), atomic_path(folder / "meta.json") as tmp:
                    tmp.write_text(text, encoding="utf-8")
        n_chunks = -(-count // int(meta["points"]))
        if folder is not None:
            done = _read_done(folder, meta, n_chunks)
    meta, done_ids = group.broadcast((meta, sorted(done)))
    assert meta is not None
    n_chunks = -(-count // int(meta["points"]))
    missing = [i for i in range(n_chunks) if i not in set(done_ids)]
    mine: dict[int, np.ndarray] = {}
    for j, index in enumerate(missing):
        if j % group.world != group.rank:
            continue
        start = index * int(meta["points"])
        stop = min(start + int(meta["points"]), count)
        values = np.asarray(evaluate(meta, start, stop), dtype=np.float64)
        mine[index] = values
        if folder is not None:
            _save(_chunk_file(folder, index), values)
    gathered = group.gather(mine)
    result: np.ndarray | None = None
    if group.rank == 0:
        assert gathered is not None
        parts = dict(done)
        for part in gathered:
            parts.update(part)
        result = np.concatenate([parts[i] for i in range(n_chunks)]) if n_chunks else np.zeros(0)
        resumed = sum(_chunk_len(i, meta) for i in done_ids)
        if log is not None:
            log(
                f"evaluated {count - resumed:,} of {count:,} points on {group.world} "
                f"process{'es' if group.world > 1 else ''} ({resumed:,} resumed from a "
                f"crashed run)"
            )
    result = group.broadcast(result)
    resumed = sum(_chunk_len(i, meta) for i in done_ids)
    return ChunkRun(result, count - resumed, resumed, group.world, meta)


def finish(folder: Path | None, group: Group) -> None:
    """Remove the partial folder once rank 0 wrote the whole result (after a barrier)."""
    if folder is not None and group.rank == 0:
        shutil.rmtree(folder, ignore_errors=True)


def stderr_log(line: str) -> None:
    print(f"descent: {line}", file=sys.stderr, flush=True)
