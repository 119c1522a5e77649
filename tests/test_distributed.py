"""Surfaces across processes: torchrun with gloo, bit-for-bit equality, resuming a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import surface_worker
import torch

from descent.engine import batching
from descent.engine.fileio import cache_dir

WORKER = Path(__file__).with_name("surface_worker.py")


def torchrun(out: Path, processes: int, **env: str) -> subprocess.CompletedProcess[str]:
    """``torchrun --standalone --nproc-per-node N surface_worker.py OUT`` at one thread each."""
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        + [f"--nproc-per-node={processes}", str(WORKER), str(out)],
        env={**os.environ, "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def single_process(chunk: int | None = None) -> np.ndarray:
    """The same surface in this process, at one thread (the ranks' device key), no cache."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        land, plane = surface_worker.job()
        grid = surface_worker.GRID
        return plane.surface(land, grid, grid, cache=False, chunk=chunk)
    finally:
        torch.set_num_threads(threads)


def report(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert done.returncode == 0, done.stderr[-2000:]
    data: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESCENT_CACHE_DIR", str(tmp_path / "cache"))  # the ranks' too


def test_two_gloo_processes_equal_one_process_bit_for_bit(tmp_path: Path) -> None:
    out = tmp_path / "grid.npy"
    run = report(torchrun(out, 2))
    assert run["world"] == 2 and run["evaluated"] == surface_worker.GRID.size**2
    grid = np.load(out)
    reference = single_process()
    # the job's plan was measured on rank 0 and cached for the device (one thread), and the
    # single process read it from the cache: one plan, the same chunks, the same bits
    torch.set_num_threads(1)
    try:
        land, _ = surface_worker.job()
        assert run["meta"]["strategy"] == batching.plan_for(land.network).strategy  # type: ignore[index]
    finally:
        torch.set_num_threads(2)
    assert grid.shape == (24, 24) and np.isfinite(grid).all()
    assert np.array_equal(grid, reference)  # bit for bit
    assert not list((cache_dir() / "surfaces").glob("*.partial"))  # finished: no leftovers
    # a second launch reads the cached grid: nothing evaluated
    again = report(torchrun(tmp_path / "again.npy", 2))
    assert again["evaluated"] == 0 and np.array_equal(np.load(tmp_path / "again.npy"), grid)


def test_a_crashed_job_resumes_and_evaluates_only_the_missing_points(tmp_path: Path) -> None:
    out = tmp_path / "grid.npy"
    # 36 chunks of 16 points, whatever the plan measured here; killed once 6 are written
    crashed = torchrun(out, 2, SURFACE_CRASH_AT="6", SURFACE_CHUNK="16")
    assert crashed.returncode != 0 and not out.exists()  # SIGKILL halfway: no grid written
    (partial,) = (cache_dir() / "surfaces").glob("*.partial")
    meta = json.loads((partial / "meta.json").read_text())
    finished = len(list(partial.glob("chunk-*.npy")))
    total = surface_worker.GRID.size**2
    chunks = -(-total // int(meta["points"]))
    assert 6 <= finished < chunks
    run = report(torchrun(out, 2, SURFACE_CHUNK="16"))
    assert run["resumed"] == finished * int(meta["points"])  # every finished chunk read back
    assert run["evaluated"] == total - run["resumed"]  # and only the rest evaluated
    assert run["meta"] == meta  # the crashed job's plan kept
    assert np.array_equal(np.load(out), single_process(chunk=16))
    assert not partial.exists()


@pytest.mark.parametrize("processes", [1])
def test_without_torchrun_the_job_runs_alone(processes: int, tmp_path: Path) -> None:
    land, plane = surface_worker.job()
    grid = np.linspace(-0.5, 0.5, 5)
    run = plane.surface_run(land, grid, grid, distributed=True, cache=False)
    assert run.world == processes and run.evaluated == 25
    assert np.array_equal(run.values, plane.surface(land, grid, grid, cache=False))
