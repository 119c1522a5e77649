"""The cache is bounded: least recently used entries go first, nothing empty or cheap is kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from descent import engine
from descent.engine import fileio
from descent.engine.simulation import _cache_store

DESCENT = str(Path(sys.executable).with_name("descent"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DESCENT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_least_recently_used_entries_are_evicted_first(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESCENT_CACHE_MAX_MB", "1")
    blob = np.zeros(300_000, dtype=np.uint8)  # 300 kB each: four of them exceed the 1 MB cap
    paths = [cache / "samples" / f"{i}.npy" for i in range(3)]
    for k, path in enumerate(paths):
        fileio.write_cache(path, lambda fh: np.save(fh, blob))
        os.utime(path, (time.time() - 100 + k, time.time() - 100 + k))  # 0 oldest, 2 newest
    assert fileio.read_cache(paths[0], lambda f: np.load(f)) is not None  # 0: used just now
    fileio.write_cache(cache / "samples" / "3.npy", lambda fh: np.save(fh, blob))
    fileio.evict()
    left = sorted(p.name for p in (cache / "samples").iterdir())
    assert "1.npy" not in left and "0.npy" in left and "3.npy" in left
    assert sum(p.stat().st_size for p in (cache / "samples").iterdir()) <= 2**20


def test_zero_noise_is_not_stored_and_reads_back_as_zeros(cache: Path) -> None:
    first = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), steps=50)
    [stored] = list((cache / "trajectories").glob("*.npz"))
    with np.load(stored) as npz:
        assert "noise" not in npz.files and "params" in npz.files
    again = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), steps=50)
    assert again.from_cache and np.array_equal(again.noise, first.noise)
    assert not again.noise.any()


def test_entries_cheaper_to_recompute_than_to_read_are_not_stored(cache: Path) -> None:
    arrays = {
        "params": np.zeros((1, 10_001, 2000), np.float32),  # 80 MB: 0.2 s to read back
        "loss": np.zeros((1, 10_001), np.float32),
        "grad": np.zeros((1, 10_001, 2000), np.float32),
        "lr": np.zeros(10_001),
        "noise": np.zeros((1, 10_001, 2000), np.float32),
        "state": {},
    }
    target = cache / "trajectories" / "cheap.npz"
    _cache_store(target, "k", arrays, seconds=0.05)
    assert not target.exists()
    small = {
        k: (v[:, :10] if isinstance(v, np.ndarray) and v.ndim > 1 else v) for k, v in arrays.items()
    }
    small["lr"] = arrays["lr"][:10]
    _cache_store(target, "k", small, seconds=0.05)
    assert target.exists()


def test_cache_info_and_clear(cache: Path, tmp_path: Path) -> None:
    engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), steps=20)
    env = {**os.environ, "DESCENT_CACHE_DIR": str(cache)}
    info = subprocess.run([DESCENT, "cache", "info"], capture_output=True, text=True, env=env)
    assert info.returncode == 0 and str(cache) in info.stdout
    assert "trajectories" in info.stdout and "of 2147.48 MB" in info.stdout  # the 2 GiB default
    clear = subprocess.run(
        [DESCENT, "cache", "clear", "trajectories"], capture_output=True, text=True, env=env
    )
    assert clear.returncode == 0 and "removed 1 file(s)" in clear.stdout
    assert not list((cache / "trajectories").glob("*.npz"))
    bad = subprocess.run(
        [DESCENT, "cache", "clear", "trajs"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 2 and "unknown cache kind 'trajs'" in bad.stderr
    env["DESCENT_CACHE_MAX_MB"] = "nan"
    limit = subprocess.run([DESCENT, "cache", "info"], capture_output=True, text=True, env=env)
    assert limit.returncode == 2 and "DESCENT_CACHE_MAX_MB must be a number" in limit.stderr
