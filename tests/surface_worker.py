"""A surface job for tests/test_distributed.py, started by torchrun (or alone).

``python surface_worker.py OUT.npy``: the moons MLP inside a module descent
cannot see into (its generic path), a filter-normalised random plane, a 24×24 grid,
``Plane.surface_run(distributed=True)``. Rank 0 saves the grid to ``OUT.npy`` and prints
the job's report as JSON on stdout. ``SURFACE_CHUNK=P`` sets the job's points per chunk. With ``SURFACE_CRASH_AT=K`` in the environment the module kills its own
process (SIGKILL, no clean-up) once K chunks of the job are on disk: a real crash halfway.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import numpy as np
import torch

from descent import engine
from descent.engine.fileio import cache_dir

GRID = np.linspace(-1.0, 1.0, 24)


class Wrapped(torch.nn.Module):
    """The moons MLP, not an ``nn.Sequential``: descent measures vmap against the loop."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        crash_at = int(os.environ.get("SURFACE_CRASH_AT", "0"))
        if crash_at:
            done = len(list((cache_dir() / "surfaces").glob("*.partial/chunk-*.npy")))
            if done >= crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return self.inner(x)


def job() -> tuple[engine.Landscape, engine.Plane]:
    base = engine.get_landscape("mlp", data="moons", hidden=(16, 16), n=200, seed=0)
    net = base.network.resolve() if hasattr(base.network, "resolve") else base.network
    land = engine.network_landscape(Wrapped(net.module), net.x, net.y, name="wrapped moons MLP")
    return land, engine.random_plane(land, seed=0)


def main() -> None:
    land, plane = job()
    chunk = int(os.environ.get("SURFACE_CHUNK", "0")) or None  # points per chunk of the job
    run = plane.surface_run(land, GRID, GRID, distributed=True, chunk=chunk)
    if int(os.environ.get("RANK", "0")) == 0:
        np.save(sys.argv[1], run.values)
        report = {"evaluated": run.evaluated, "resumed": run.resumed, "world": run.world}
        print(json.dumps({**report, "meta": run.meta}), flush=True)


if __name__ == "__main__":
    main()
