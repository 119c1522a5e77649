"""Data sets for network landscapes: seeded ones generated in code, bundled real ones, CSV files.

Nothing is downloaded: ``moons``, ``circles``, ``spirals``, ``xor`` and ``sine`` are generated
from a seed (``np.random.default_rng``); ``digits`` and ``iris`` ship inside scikit-learn
(the ``[data]`` extra); :func:`load_csv` reads your own file.

Examples
--------
>>> x, y = make_dataset("moons", n=100, seed=0)
>>> x.shape, sorted(set(y.tolist()))
((100, 2), [0.0, 1.0])
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from descent.engine.errors import EngineError, unknown_name

__all__ = ["DATASETS", "MAX_ROWS", "make_dataset", "load_csv"]

FloatArray = NDArray[np.float64]

#: the most data rows a network landscape accepts
MAX_ROWS = 50_000
#: built-in data sets: name → task
DATASETS = {
    "moons": "classification",
    "circles": "classification",
    "spirals": "classification",
    "xor": "classification",
    "sine": "regression",
    "digits": "classification",
    "iris": "classification",
}


def make_dataset(
    name: str, *, n: int = 200, seed: int = 0, noise: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """A built-in data set ``(x, y)``: seeded, generated in code (no download).

    ``moons`` (two interleaved half circles), ``circles`` (a ring around a disc),
    ``spirals`` (two arms), ``xor`` (four blobs, opposite corners alike): 2 features,
    labels 0/1. ``sine``: ``y = sin(x) + noise`` for ``x`` in [−3, 3] (regression).
    ``digits`` (8×8 images, 10 classes, 1,797 rows) and ``iris`` (4 features, 3 classes,
    150 rows) are real data sets bundled with scikit-learn (``pip install
    'manim-descent[data]'``); ``n`` takes the first ``n`` rows of a seeded shuffle.
    """
    if name not in DATASETS:
        raise unknown_name("data set", str(name), DATASETS)
    if isinstance(n, bool) or not isinstance(n, int) or not 4 <= n <= MAX_ROWS:
        raise EngineError(f"data set size n must be an integer in 4..{MAX_ROWS:,}; got {n!r}")
    if noise is not None and not (
        isinstance(noise, int | float) and math.isfinite(noise) and 0 <= noise <= 10
    ):
        raise EngineError(f"noise must be a number in 0..10; got {noise!r}")
    rng = np.random.default_rng(seed)
    half = n // 2
    labels = np.r_[np.zeros(n - half), np.ones(half)]
    if name == "moons":
        sigma = 0.12 if noise is None else noise
        t = rng.uniform(0, math.pi, n)
        upper = np.c_[np.cos(t), np.sin(t)]
        lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
        x = np.where(labels[:, None] == 0, upper, lower) + sigma * rng.standard_normal((n, 2))
        x = (x - [0.5, 0.25]) / [0.85, 0.5]  # centred, about unit spread
    elif name == "circles":
        sigma = 0.08 if noise is None else noise
        t = rng.uniform(0, 2 * math.pi, n)
        radius = np.where(labels == 0, 1.0, 0.45)
        x = radius[:, None] * np.c_[np.cos(t), np.sin(t)] + sigma * rng.standard_normal((n, 2))
    elif name == "spirals":
        sigma = 0.05 if noise is None else noise
        t = np.sqrt(rng.uniform(0.02, 1, n)) * 2.6 * math.pi
        arm = np.where(labels == 0, 0.0, math.pi)
        x = (t / (2.6 * math.pi))[:, None] * np.c_[np.cos(t + arm), np.sin(t + arm)]
        x = 1.2 * x + sigma * rng.standard_normal((n, 2))
    elif name == "xor":
        sigma = 0.35 if noise is None else noise
        corners = rng.choice(np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]]), n)
        labels = (corners[:, 0] != corners[:, 1]).astype(np.float64)
        x = 0.6 * corners + sigma * 0.6 * rng.standard_normal((n, 2))
    elif name == "sine":
        sigma = 0.15 if noise is None else noise
        xs = rng.uniform(-3, 3, n)
        return xs[:, None], (np.sin(xs) + sigma * rng.standard_normal(n))[:, None]
    else:
        return _bundled(name, n=n, rng=rng)
    order = rng.permutation(n)
    return x[order], labels[order]


def _bundled(name: str, *, n: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    try:
        from sklearn import datasets
    except ImportError:
        raise EngineError(
            f"data set '{name}' ships with scikit-learn: pip install 'manim-descent[data]'"
        ) from None
    bunch = datasets.load_digits() if name == "digits" else datasets.load_iris()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.float64)
    x = x / 16.0 if name == "digits" else (x - x.mean(0)) / x.std(0)
    order = rng.permutation(len(x))[: min(n, len(x))]
    return x[order], y[order]


def load_csv(
    path: str | os.PathLike[str],
    *,
    target: str,
    features: Sequence[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> tuple[FloatArray, FloatArray]:
    """``(x, y)`` from a CSV file with a header row: the ``target`` column and the feature
    columns (default: every other column). Every cell must be a finite number.

    Errors name the file and line: ``data.csv:7: column 'x2' is 'abc', not a number``.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"{p}: cannot read: {exc}") from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if not header:
        raise EngineError(f"{p}:1: empty file (need a header row naming the columns)")
    header = [h.strip() for h in header]
    if target not in header:
        raise unknown_name(f"column in {p}", target, header)
    wanted = list(features) if features is not None else [h for h in header if h != target]
    for col in wanted:
        if col not in header:
            raise unknown_name(f"column in {p}", col, header)
    if not wanted:
        raise EngineError(f"{p}: no feature columns besides '{target}'")
    cols = [header.index(c) for c in wanted]
    at = header.index(target)
    xs: list[list[float]] = []
    ys: list[float] = []
    for line, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise EngineError(f"{p}:{line}: {len(row)} cells; the header has {len(header)}")
        if len(xs) >= max_rows:
            raise EngineError(f"{p}: more than {max_rows:,} rows (the limit)")
        values = []
        for i in [*cols, at]:
            try:
                v = float(row[i])
            except ValueError:
                raise EngineError(
                    f"{p}:{line}: column '{header[i]}' is {row[i].strip()!r}, not a number"
                ) from None
            if not math.isfinite(v):
                raise EngineError(f"{p}:{line}: column '{header[i]}' is not finite")
            values.append(v)
        xs.append(values[:-1])
        ys.append(values[-1])
    if len(xs) < 2:
        raise EngineError(f"{p}: needs at least 2 data rows; got {len(xs)}")
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
