"""Content-addressed cache and CSV / JSON / NPZ export."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from descent import engine

SPEC = engine.OptimizerSpec("Adam", lr=0.05)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DESCENT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "trajectories"


def run(**kw: object) -> engine.Trajectory:
    args: dict[str, object] = dict(
        start=[[0.5, 0.5], [-1.0, 2.0]], steps=40, grad_noise=0.5, seed=2
    )
    args.update(kw)
    return engine.simulate("himmelblau", SPEC, **args)  # type: ignore[arg-type]


def test_cache_hit_returns_identical_arrays(cache: Path) -> None:
    first = run()
    files = list(cache.glob("*.npz"))
    assert len(files) == 1 and not first.from_cache
    second = run()
    assert second.from_cache
    for name, arr in first.arrays().items():
        np.testing.assert_array_equal(arr, second.arrays()[name], err_msg=name)
    assert second.diverged.tolist() == first.diverged.tolist()


def test_cache_key_covers_everything(cache: Path) -> None:
    run()
    run(seed=3)
    run(steps=41)
    run(grad_noise=0.6)
    run(start=[[0.5, 0.5], [-1.0, 2.1]])
    engine.simulate("himmelblau", engine.OptimizerSpec("Adam", lr=0.06), start=[0.5, 0.5], steps=40)
    engine.simulate(engine.get_landscape("ellipse", condition=3), SPEC, steps=5)
    engine.simulate(engine.get_landscape("ellipse", condition=4), SPEC, steps=5)
    assert len(list(cache.glob("*.npz"))) == 8


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_cache_file_is_recomputed(cache: Path, damage: str) -> None:
    good = run()
    (path,) = cache.glob("*.npz")
    data = path.read_bytes()
    path.write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": os.urandom(500), "empty": b""}[damage]
    )
    again = run()
    assert not again.from_cache
    np.testing.assert_array_equal(again.params, good.params)
    assert run().from_cache  # rewritten


def test_cache_disabled_writes_nothing(cache: Path) -> None:
    run(cache=False)
    assert not cache.exists() or not list(cache.glob("*.npz"))


def test_landscape_samples_are_cached_and_damaged_ones_recomputed(cache: Path) -> None:
    land = engine.get_landscape("rosenbrock")
    xs, ys = np.linspace(-2, 2, 30), np.linspace(-1, 3, 20)
    first = land.grid(xs, ys)
    files = list((cache.parent / "samples").glob("*.npy"))
    assert len(files) == 1
    np.testing.assert_array_equal(land.grid(xs, ys), first)
    files[0].write_bytes(b"damaged")
    np.testing.assert_array_equal(land.grid(xs, ys), first)
    assert land.grid(xs, ys + 1e-3).shape == first.shape  # other points: another file
    assert len(list((cache.parent / "samples").glob("*.npy"))) == 2
    np.testing.assert_array_equal(land.value([[0.5, 0.5]], cache=False), land.value([[0.5, 0.5]]))


CACHED_RENDER_DATA = """
import sys
import numpy as np
from descent.scenes import get_scene
cls = get_scene("OptimizerRace")
land, trajs = cls.simulate()
grid = land.grid(np.linspace(-1, 1, 40), np.linspace(-1, 1, 40))
print("torch" in sys.modules, trajs[0].from_cache, float(trajs[0].params[-1, 0]), float(grid.sum()))
"""


def test_a_second_process_reads_trajectories_and_samples_without_importing_torch(
    tmp_path: Path,
) -> None:
    """Importing torch costs seconds: a render of cached numbers must not pay it."""
    env = {**os.environ, "DESCENT_CACHE_DIR": str(tmp_path / "cache")}
    root = Path(__file__).resolve().parent.parent

    def once() -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", CACHED_RENDER_DATA],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.split()

    cold, warm = once(), once()
    assert cold[:2] == ["True", "False"]  # computed: torch was needed
    assert warm[:2] == ["False", "True"]  # read back: torch never imported
    assert warm[2:] == cold[2:]  # the same numbers


def test_export_csv_json_npz(tmp_path: Path) -> None:
    traj = engine.simulate(
        "bowl", engine.OptimizerSpec("SGD", lr=10), start=[[10.0, 10.0], [3.0, -2.0]], steps=20
    )
    rows = list(csv.DictReader(traj.to_csv(tmp_path / "t.csv").open()))
    assert len(rows) == 2 * 21
    assert (
        rows[0]["particle"] == "0"
        and float(rows[0]["loss"]) == 201.0
        and float(rows[0]["x"]) == 10.0
    )
    assert rows[21]["particle"] == "1" and float(rows[41]["y"]) == -2.0
    assert rows[20]["loss"] in ("inf", "nan")

    data = json.loads(traj.to_json(tmp_path / "t.json").read_text())
    assert data["landscape"] == "bowl" and data["optimizer"]["kwargs"] == {"lr": 10}
    assert data["diverged"] == [True, False]
    assert data["arrays"]["loss"][0][0] == 201.0 and data["arrays"]["loss"][0][-1] in ("inf", "nan")

    meta, arrays = engine.load_npz(traj.to_npz(tmp_path / "t.npz"))
    np.testing.assert_array_equal(arrays["params"], traj.params)
    assert meta["steps"] == 20
    assert not list(tmp_path.glob(".descent-tmp-*"))
