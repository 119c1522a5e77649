"""Export trajectories as CSV, JSON or NPZ (written atomically).

Examples
--------
>>> import tempfile, pathlib
>>> from descent import engine
>>> traj = engine.simulate("quartic", engine.OptimizerSpec("SGD", lr=0.001), steps=3, cache=False)
>>> path = traj.to_csv(pathlib.Path(tempfile.mkdtemp()) / "t.csv")
>>> path.read_text().splitlines()[0]
'particle,step,lr,loss,w,grad_w,noise_w'
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from descent.engine.fileio import atomic_path

__all__ = ["Recorded", "to_csv", "to_json", "to_npz", "load_npz"]


class Recorded(Protocol):
    """What the writers read from a :class:`descent.engine.Trajectory`.

    A protocol rather than the class itself, so that this module imports nothing from
    :mod:`descent.engine.simulation` (which imports it: one way only).
    """

    @property
    def landscape(self) -> str: ...

    @property
    def params(self) -> np.ndarray: ...

    @property
    def loss(self) -> np.ndarray: ...

    @property
    def grad(self) -> np.ndarray: ...

    @property
    def lr(self) -> np.ndarray: ...

    @property
    def noise(self) -> np.ndarray: ...

    @property
    def state(self) -> Mapping[str, np.ndarray]: ...

    @property
    def steps(self) -> int: ...

    @property
    def dim(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...

    def arrays(self) -> dict[str, np.ndarray]: ...

    def metadata(self) -> dict[str, Any]: ...


def _axis_names(traj: Recorded) -> list[str]:
    from descent.engine.landscapes import get_landscape, list_landscapes

    if traj.landscape in list_landscapes():
        labels = get_landscape(traj.landscape).axis_labels
        if len(labels) == traj.dim:
            return [str(a) for a in labels]
    return [f"x{i}" for i in range(traj.dim)]


def _extra_columns(traj: Recorded, extra: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Per-step extra columns ``{name: (steps+1,) or (steps+1, k)}`` as 2-D arrays."""
    out = {}
    if extra and np.asarray(traj.loss).ndim == 2:
        raise ValueError("extra columns are for a single run, not a batch of particles")
    for name, values in (extra or {}).items():
        arr = np.asarray(values, dtype=np.float64)
        arr = arr.reshape(len(arr), -1) if arr.ndim else arr.reshape(1, 1)
        if arr.shape[0] != traj.steps + 1:
            raise ValueError(
                f"extra column {name!r} needs {traj.steps + 1} rows; got {arr.shape[0]}"
            )
        out[name] = arr
    return out


def to_csv(
    traj: Recorded, path: str | os.PathLike[str], extra: Mapping[str, np.ndarray] | None = None
) -> Path:
    """One row per (particle, step): lr, loss, coordinates, gradient, noise and state, then
    any ``extra`` per-step columns (a single run's: e.g. its plane coordinates)."""
    axes = _axis_names(traj)
    columns = _extra_columns(traj, extra)
    names = ["particle", "step", "lr", "loss", *axes, *(f"grad_{a}" for a in axes)]
    names += [f"noise_{a}" for a in axes]
    state = dict(traj.state)
    for n, v in state.items():
        names += (
            [f"{n}_{a}" for a in axes]
            if v.shape[-1:] == (traj.dim,) and v.ndim == traj.params.ndim
            else [n]
        )
    for n, arr in columns.items():
        names += [n] if arr.shape[1] == 1 else [f"{n}_{i}" for i in range(arr.shape[1])]
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for k, p in enumerate(traj):
            for t in range(p.steps + 1):
                row: list[Any] = [k, t, repr(float(p.lr[t])), repr(float(p.loss[t]))]
                row += [repr(float(v)) for v in p.params[t]]
                row += [repr(float(v)) for v in p.grad[t]]
                row += [repr(float(v)) for v in p.noise[t]]
                for v in p.state.values():
                    cell = np.atleast_1d(v[t])
                    row += [repr(float(c)) for c in cell]
                for arr in columns.values():
                    row += [repr(float(c)) for c in arr[t]]
                writer.writerow(row)
    return target


def _nested(a: np.ndarray) -> Any:
    """Nested lists with non-finite values as the strings 'inf', '-inf', 'nan' (valid JSON)."""
    if a.ndim == 0:
        x = float(a)
        return x if np.isfinite(x) else repr(x)
    return [_nested(v) for v in a]


def to_json(
    traj: Recorded, path: str | os.PathLike[str], extra: Mapping[str, np.ndarray] | None = None
) -> Path:
    """Metadata plus every array (and ``extra``) as nested lists (non-finite numbers as
    strings)."""
    data = traj.metadata()
    data["axes"] = _axis_names(traj)
    arrays = {**traj.arrays(), **_extra_columns(traj, extra)}
    data["arrays"] = {n: _nested(np.asarray(v, dtype=np.float64)) for n, v in arrays.items()}
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, allow_nan=False))
    return target


def to_npz(
    traj: Recorded, path: str | os.PathLike[str], extra: Mapping[str, np.ndarray] | None = None
) -> Path:
    """Every array (and ``extra``) plus the metadata (as a JSON string under ``metadata``)."""
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        arrays: dict[str, Any] = {
            "metadata": np.array(json.dumps(traj.metadata())),
            **traj.arrays(),
            **_extra_columns(traj, extra),
        }
        np.savez(fh, **arrays)
    return target


def load_npz(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(metadata, arrays)`` from a file written by :func:`to_npz`."""
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
        arrays = {n: np.array(npz[n]) for n in npz.files if n != "metadata"}
    return meta, arrays
