"""``descent surface SPEC``: alone, under ``torchrun -m descent``, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SPEC = """title = "surface check"
[model]
data = "moons"
hidden = [8]
n = 100
[run]
steps = 30
[[optimizer]]
name = "SGD"
lr = 0.3
[[optimizer]]
name = "Adam"
lr = 0.03
[projection]
resolution = 12
"""


def descent(*args: str, cwd: Path, torchrun: int = 0) -> subprocess.CompletedProcess[str]:
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    head = (
        [*launcher, f"--nproc-per-node={torchrun}", "-m", "descent"]
        if torchrun
        else [
            sys.executable,
            "-m",
            "descent",
        ]
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [*head, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def test_surface_of_a_spec_alone_then_across_two_processes(tmp_path: Path) -> None:
    (tmp_path / "net.toml").write_text(SPEC)
    alone = descent("surface", "net.toml", "--out", "one.npy", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert alone.stdout.count("\n") == 1 and "12×12 surface of mlp 2-8-2" in alone.stdout
    assert "evaluated 144 points on 1 process (0 resumed)" in alone.stdout
    one = np.load(tmp_path / "one.npy")
    assert one.shape == (12, 12) and np.isfinite(one).all()

    again = descent("surface", "net.toml", cwd=tmp_path)  # what a render would read
    assert again.returncode == 0 and "read from the cache" in again.stdout

    import shutil

    shutil.rmtree(Path(os.environ["DESCENT_CACHE_DIR"]) / "surfaces")
    two = descent("surface", "net.toml", "--out", "two.npy", cwd=tmp_path, torchrun=2)
    assert two.returncode == 0, two.stderr[-2000:]
    assert "evaluated 144 points on 2 processes" in two.stdout and two.stdout.count("\n") == 1
    # the same plan at the same thread count: the same bits (tests/test_distributed.py)
    assert np.array_equal(np.load(tmp_path / "two.npy"), one)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (None, "no such spec file: missing.toml"),
        ('[landscape]\nname = "bowl"\n[[optimizer]]\nname = "SGD"\n', "needs a [model] spec"),
    ],
)
def test_bad_input_is_one_line(spec: str | None, message: str, tmp_path: Path) -> None:
    if spec is not None:
        (tmp_path / "missing.toml").write_text(spec)
    out = descent("surface", "missing.toml", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and message in out.stderr
    assert "Traceback" not in out.stderr
