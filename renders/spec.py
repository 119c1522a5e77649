"""Custom scenes from TOML spec files — no Python needed.

A spec is data: it is parsed with :mod:`tomllib`, every key is checked against the
schema below, numbers against their ranges, and formulas go through the whitelist of
:mod:`descent.engine.formula`. Nothing in a spec is ever ``eval``-ed or imported. Errors name
the file and the key: ``race.toml: run.steps must be an integer in 1..5000; got 0``.

Schema
------
.. code-block:: toml

    title = "Momentum on a narrow valley"      # optional
    subtitle = "x² + 10y², lr 0.05"            # optional, free text (default: computed from
                                               # the optimizers; a value no optimizer has warns)

    [landscape]
    name = "ellipse"                 # a registry landscape ...
    params = { condition = 10.0 }    #   ... with its parameters, or
    # formula = "x**2 + 10*y**2"     # a whitelisted formula in x, y (or w / x for 1-D)
    view = [[-6, 6], [-3, 3]]        # optional

    [run]
    start = [-5.0, 2.0]              # or starts = [[...], ...] for a swarm
    steps = 80
    grad_noise = 0.0
    seed = 0
    run_time = 8.0

    [[optimizer]]                    # 1–8 of them; any torch.optim class and its kwargs
    name = "SGD"
    lr = 0.05
    momentum = 0.9
    label = "Momentum"               # optional

    # Instead of [landscape]: a real network, drawn on a plane through its parameters
    [model]
    architecture = "mlp"             # the whitelist: an MLP ...
    hidden = [16, 16]                #   ... with these hidden sizes (0-6 layers of 1-512)
    activation = "tanh"              #   tanh, relu, sigmoid, gelu, silu, elu, softplus, leaky_relu
    data = "moons"                   # moons, circles, spirals, xor, sine (digits, iris: sklearn), or
    # csv = "points.csv"             # a CSV file (beside the spec) with a header row:
    # target = "label"               #   the label / target column ...
    # features = ["x1", "x2"]        #   ... and the feature columns (default: all others)
    n = 200                          # rows of a built-in data set
    noise = 0.12                     # optional: its noise
    seed = 0                         # data and initial weights
    loss = "cross_entropy"           # or "mse" (default: by the data)
    batch_size = 32                  # optional minibatches (a seeded DataLoader)

    [sweep]                          # small multiples: one tile per combination of
    lr = [0.02, 0.08, 0.16]          #   1-2 keyword arguments of the one [[optimizer]],
    momentum = [0.0, 0.5, 0.9]       #   at most 8 values each (a 2-D landscape, one start)

    [projection]                     # only with [model]
    kind = "pca"                     # pca (one plane through all runs) | random (Li et al.)
    seed = 0                         # the random plane's directions
    resolution = 100                 # surface grid per side (10..300)

    [show]
    velocity = true                  # momentum-step arrows
    gradient = false                 # gradient-step arrows
    lookahead = false                # Nesterov look-ahead ghost (textbook form)
    panel = "loss"                   # loss | distance | none
    log_panel = true                 # log₁₀ only if every loss is positive, else symlog/linear
    markers = false                  # a dot per step
    update = false                   # torch's update rule of the first optimizer, live numbers
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from descent.engine.errors import EngineError, unknown_name

__all__ = ["Spec", "SpecWarning", "load_spec", "spec_inputs", "stale_subtitle"]


class SpecWarning(UserWarning):
    """A spec that loads but says something its runs do not (a typed ``subtitle`` naming a
    hyper-parameter value no optimizer has)."""


TOP = {"title", "subtitle", "landscape", "model", "projection", "run", "optimizer", "show"}
TOP |= {"sweep"}
#: a [sweep] scene: at most this many values per axis (tiles per row / column)
MAX_SWEEP_VALUES = 8
MODEL = {"architecture", "hidden", "activation", "data", "csv", "target", "features", "n"}
MODEL |= {"noise", "seed", "loss", "batch_size"}
PROJECTION = {"kind", "seed", "resolution"}
ARCHITECTURES = ("mlp",)
LANDSCAPE = {"name", "formula", "params", "view"}
RUN = {"start", "starts", "steps", "grad_noise", "seed", "run_time"}
SHOW = {"velocity", "gradient", "lookahead", "panel", "log_panel", "markers", "update"}
PANELS = ("loss", "distance", "none")
MAX_STEPS = 5000
MAX_PARTICLES = 200
#: a network run records steps × parameters numbers per array (params, gradient, state)
MAX_RECORDED = 20_000_000
PROJECTIONS = ("pca", "random")


@dataclass(frozen=True)
class Spec:
    """A validated spec: everything needed to build its scene."""

    path: Path
    title: str
    subtitle: str | None
    landscape: Any  # engine.Landscape
    view: tuple[tuple[float, float], ...]
    optimizers: tuple[Any, ...]  # engine.OptimizerSpec
    start: np.ndarray
    steps: int
    grad_noise: float
    seed: int
    run_time: float | None  # the video's length; None: as long as the story needs
    velocity: bool
    gradient: bool
    lookahead: bool
    panel: str
    log_panel: bool
    markers: bool
    projection: str = "pca"
    sweep: dict[str, list[Any]] | None = None
    update: bool = False
    projection_seed: int = 0
    resolution: int = 100


class _Checker:
    """Reads values out of the parsed TOML, raising one-line errors that name file and key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, what: str) -> EngineError:
        return EngineError(f"{self.path}: {key}: {what}" if key else f"{self.path}: {what}")

    def keys(self, table: Any, allowed: set[str], where: str) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.error(where, f"must be a table; got {type(table).__name__}")
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else key
                raise self.error(full, f"unknown key; known here: {', '.join(sorted(allowed))}")
        return table

    def number(
        self,
        table: dict[str, Any],
        key: str,
        where: str,
        default: float,
        lo: float,
        hi: float,
        *,
        integer: bool = False,
    ) -> Any:
        value = table.get(key, default)
        kind = "an integer" if integer else "a number"
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or not math.isfinite(value) or not lo <= value <= hi:
            raise self.error(f"{where}.{key}", f"must be {kind} in {lo:g}..{hi:g}; got {value!r}")
        return value

    def flag(self, table: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{where}.{key}", f"must be true or false; got {value!r}")
        return value

    def text(self, table: dict[str, Any], key: str, where: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is not None and (not isinstance(value, str) or len(value) > 200 or "\n" in value):
            raise self.error(
                f"{where}.{key}" if where else key, "must be one line of text (≤ 200 characters)"
            )
        return value

    def points(self, value: Any, key: str, dim: int) -> np.ndarray:
        arr = _numbers(value)
        if arr is None or arr.ndim not in (1, 2) or arr.shape[-1] != dim or arr.size == 0:
            raise self.error(
                key, f"must be {dim} number(s) (or a list of such for a swarm); got {value!r}"
            )
        if not np.isfinite(arr).all() or np.abs(arr).max() > 1e6:
            raise self.error(key, "must be finite numbers of magnitude ≤ 1e6")
        if arr.ndim == 2 and len(arr) > MAX_PARTICLES:
            raise self.error(key, f"at most {MAX_PARTICLES} starts; got {len(arr)}")
        return arr


def _numbers(value: Any) -> np.ndarray | None:
    def ok(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if isinstance(value, list) and value and all(ok(v) for v in value):
        return np.array(value, dtype=np.float64)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(r, list) and r and all(ok(v) for v in r) for r in value)
    ) and len({len(r) for r in value}) == 1:
        return np.array(value, dtype=np.float64)
    return None


def load_spec(path: str | Path) -> Spec:
    """Parse and validate a spec file (see the module docstring for the schema)."""
    from descent import engine
    from descent.engine.formula import formula_landscape

    path = Path(path)
    c = _Checker(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EngineError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EngineError(f"{path}: not valid TOML: {exc}") from None
    c.keys(data, TOP, "")
    title = c.text(data, "title", "", path.stem) or path.stem
    subtitle = c.text(data, "subtitle", "", None)

    # -- landscape: a registry name, a formula, or a [model] --
    if "model" in data:
        if "landscape" in data:
            raise c.error("", "give [landscape] or [model], not both")
        return _network_spec(c, data, path, title, subtitle)
    land_t = c.keys(data.get("landscape", {}), LANDSCAPE, "landscape")
    if "projection" in data:
        raise c.error("projection", "only with [model] (a network drawn on a plane)")
    if ("name" in land_t) == ("formula" in land_t):
        raise c.error("landscape", "give exactly one of name (a registry landscape) or formula")
    params = c.keys(land_t.get("params", {}), set(land_t.get("params", {})), "landscape.params")
    view_value = land_t.get("view")
    try:
        if "formula" in land_t:
            if params:
                raise c.error("landscape.params", "only for registry landscapes (name = ...)")
            formula = land_t["formula"]
            if not isinstance(formula, str):
                raise c.error("landscape.formula", "must be a string")
            land = formula_landscape(formula, name=path.stem)
        else:
            name = land_t["name"]
            if not isinstance(name, str):
                raise c.error("landscape.name", "must be a string")
            land = engine.get_landscape(name, **params)
    except EngineError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise c.error("landscape", str(exc)) from None
    view = land.view
    if view_value is not None:
        arr = _numbers(view_value)
        if (
            arr is None
            or arr.shape != (land.dim, 2)
            or not np.isfinite(arr).all()
            or (arr[:, 0] >= arr[:, 1]).any()
        ):
            raise c.error(
                "landscape.view",
                f"must be {land.dim} pair(s) [lo, hi] with lo < hi; got {view_value!r}",
            )
        view = tuple((float(lo), float(hi)) for lo, hi in arr)

    _check_finite_view(c, land, view)

    # -- run, optimizers, a sweep over their keywords --
    start, steps, grad_noise, seed, run_time = _run_table(c, data, land)
    specs = _optimizers(c, data)
    sweep = _sweep_table(c, data, land, specs, start, steps) if "sweep" in data else None
    if subtitle and sweep is None:
        for problem in stale_subtitle(subtitle, specs, steps):
            warnings.warn(f"{path}: {problem}", SpecWarning, stacklevel=2)

    # -- overlays --
    show_t = c.keys(data.get("show", {}), SHOW, "show")
    panel = show_t.get("panel", "loss")
    if panel not in PANELS:
        raise unknown_name(f"{path}: show.panel value", str(panel), PANELS)
    if panel == "distance" and land.optimum is None:
        raise c.error("show.panel", "'distance' needs a landscape with a known optimum; use 'loss'")
    return Spec(
        path=path,
        title=title,
        subtitle=subtitle,
        landscape=land,
        view=view,
        optimizers=tuple(specs),
        start=start,
        steps=steps,
        grad_noise=grad_noise,
        seed=seed,
        run_time=run_time,
        velocity=c.flag(show_t, "velocity", "show", False),
        gradient=c.flag(show_t, "gradient", "show", False),
        lookahead=c.flag(show_t, "lookahead", "show", False),
        panel=panel,
        log_panel=c.flag(show_t, "log_panel", "show", True),
        markers=c.flag(show_t, "markers", "show", False),
        sweep=sweep,
        update=_update_flag(c, show_t, land, specs),
    )


def _update_flag(c: _Checker, show_t: dict[str, Any], land: Any, specs: list[Any]) -> bool:
    """``show.update``: the first optimizer's update rule with live numbers (2-D only)."""
    if not c.flag(show_t, "update", "show", False):
        return False
    if land.dim != 2:
        raise c.error("show.update", "the update rule is shown beside 2-D landscapes")
    from descent.engine.rules import rule_of

    try:
        rule_of(specs[0])
    except EngineError as exc:
        raise c.error("show.update", str(exc)) from None
    return True


def _check_finite_view(c: _Checker, land: Any, view: tuple[tuple[float, float], ...]) -> None:
    """Refuse a landscape with no finite value anywhere on its view (before any render);
    one with some non-finite regions renders them marked."""
    axes = [np.linspace(lo, hi, 48) for lo, hi in view]
    values = land.grid(*axes) if land.dim == 2 else land.curve(axes[0])
    if not np.isfinite(values).any():
        span = ", ".join(f"{lo:g}..{hi:g}" for lo, hi in view)
        raise c.error("landscape", f"no finite value anywhere on the view ({span})")


def _sweep_table(
    c: _Checker, data: dict[str, Any], land: Any, specs: list[Any], start: Any, steps: int
) -> dict[str, list[Any]]:
    """``[sweep]``: one or two keyword arguments of the one ``[[optimizer]]``, each a list of
    at most 8 values; checked by torch as :func:`descent.engine.sweep` checks them."""
    from descent import engine

    table = data["sweep"]
    if not isinstance(table, dict) or not 1 <= len(table) <= 2:
        raise c.error("sweep", "give one or two keyword arguments, each a list of values")
    if len(specs) != 1:
        raise c.error("optimizer", "a [sweep] varies one [[optimizer]]; give exactly one")
    if land.dim != 2 or np.ndim(start) != 1:
        raise c.error("sweep", "sweep tiles need a 2-D landscape and one start")
    grid: dict[str, list[Any]] = {}
    for key, values in table.items():
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_SWEEP_VALUES:
            raise c.error(f"sweep.{key}", f"must be a list of 1..{MAX_SWEEP_VALUES} values")
        grid[key] = [tuple(v) if isinstance(v, list) else v for v in values]
    fixed = dict(specs[0].kwargs)
    for key in grid:
        fixed.pop(key, None)  # a swept keyword's value in [[optimizer]] is its default only
    try:
        engine.sweeps.check_grid(specs[0].name, grid, fixed)
    except EngineError as exc:
        raise c.error("sweep", str(exc)) from None
    return grid


def _run_table(
    c: _Checker, data: dict[str, Any], land: Any
) -> tuple[Any, int, float, int, float | None]:
    """``(start, steps, grad_noise, seed, run_time)`` from ``[run]``."""
    run_t = c.keys(data.get("run", {}), RUN, "run")
    if "start" in run_t and "starts" in run_t:
        raise c.error("run", "give start or starts, not both")
    key = "starts" if "starts" in run_t else "start"
    start = (
        c.points(run_t[key], f"run.{key}", land.dim)
        if key in run_t
        else np.array(land.default_start)
    )
    steps = c.number(run_t, "steps", "run", 100, 1, MAX_STEPS, integer=True)
    grad_noise = c.number(run_t, "grad_noise", "run", 0.0, 0.0, 1e6)
    seed = c.number(run_t, "seed", "run", 0, 0, 2**32 - 1, integer=True)
    run_time = c.number(run_t, "run_time", "run", 6.0, 0.5, 120.0)
    given = float(run_time) if "run_time" in run_t else None  # else: the story's own length
    return start, int(steps), float(grad_noise), int(seed), given


#: a hyper-parameter and its value as a subtitle types it: ``lr 0.1``, ``lr=0.1``,
#: ``momentum: 0.9``, ``weight decay 0.01`` (the key's ``_`` may be a space)
_TYPED_VALUE = re.compile(
    r"(?<![\w.])([A-Za-z][A-Za-z0-9]*(?:[_ ][A-Za-z][A-Za-z0-9]*)?)\s*[=:]?\s*"
    r"(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|-?\.\d+(?:[eE][-+]?\d+)?)(?![\w.])"
)


def stale_subtitle(subtitle: str, specs: list[Any], steps: int | None = None) -> list[str]:
    """What a typed ``subtitle`` says of the optimizers that none of them has.

    Each ``KEY VALUE`` in it whose ``KEY`` (``lr``, ``momentum``, ``weight decay`` …) is a
    keyword of one of the ``specs`` must be that keyword's value in at least one of them
    (to 3 significant figures, a tuple's members counted), and ``N steps`` must be
    ``steps`` (when given). A subtitle is free text: edit a
    learning rate and the typed one keeps the old number, so each mismatch is reported.

    Returns
    -------
    list of str
        One sentence per mismatch, e.g. ``subtitle says "lr 0.1" but no optimizer has lr
        0.1 (lr: 0.4, 1); remove subtitle to have it computed from the optimizers``.
    """
    values: dict[str, set[float]] = {}
    for spec in specs:
        for key, value in spec.kwargs.items():
            items = value if isinstance(value, tuple | list) else (value,)
            for v in items:
                if isinstance(v, int | float) and not isinstance(v, bool):
                    values.setdefault(key.lower(), set()).add(float(v))
    problems = []
    for m in _TYPED_VALUE.finditer(subtitle):
        words = m.group(1).lower().split()
        # "Adam lr 0.1": the key is the last word; "weight decay 0.01": both
        key = "_".join(words) if "_".join(words) in values else words[-1]
        if key not in values:
            continue
        said = float(m.group(2))
        have = values[key]
        if any(math.isclose(said, v, rel_tol=5e-3, abs_tol=1e-12) for v in have):
            continue
        listed = ", ".join(f"{v:g}" for v in sorted(have))
        problems.append(
            f'subtitle says "{key.replace("_", " ")} {m.group(2)}" but no optimizer has'
            f" {key} {said:g} ({key}: {listed}); remove subtitle to have it computed from"
            " the optimizers"
        )
    if steps is not None:
        for m in re.finditer(r"(?<![\w.])(?<!every )(\d+) steps\b", subtitle):
            if int(m.group(1)) != steps:
                problems.append(
                    f'subtitle says "{m.group(0)}" but run.steps is {steps}; remove subtitle'
                    " to have it computed"
                )
    return problems


def _optimizers(c: _Checker, data: dict[str, Any]) -> list[Any]:
    """The ``[[optimizer]]`` tables as ``OptimizerSpec`` s."""
    from descent import engine

    opt_list = data.get("optimizer")
    if not isinstance(opt_list, list) or not opt_list or len(opt_list) > 8:
        raise c.error("optimizer", "give 1 to 8 [[optimizer]] tables")
    specs = []
    for i, table in enumerate(opt_list, 1):
        where = f"optimizer[{i}]"
        if not isinstance(table, dict):
            raise c.error(where, "must be a table")
        kwargs = dict(table)
        name = kwargs.pop("name", None)
        label = kwargs.pop("label", None)
        if not isinstance(name, str):
            raise c.error(
                f"{where}.name",
                f"must be a torch.optim class name; known: {', '.join(engine.list_optimizers())}",
            )
        if label is not None and (not isinstance(label, str) or len(label) > 40):
            raise c.error(f"{where}.label", "must be text of at most 40 characters")
        for k, v in kwargs.items():
            if isinstance(v, list):
                kwargs[k] = tuple(v)
            elif isinstance(v, dict) and k not in ("scheduler_kwargs", "rest"):
                raise c.error(f"{where}.{k}", "must be a number, boolean or list")
        try:
            specs.append(engine.OptimizerSpec(name, label=label, **kwargs))
        except EngineError as exc:
            raise c.error(where, str(exc)) from None
    return specs


def _network_spec(
    c: _Checker, data: dict[str, Any], path: Path, title: str, subtitle: str | None
) -> Spec:
    """A spec whose landscape is a network (``[model]``), drawn on a ``[projection]`` plane."""
    from descent import engine
    from descent.engine import datasets

    m = c.keys(data["model"], MODEL, "model")
    arch = m.get("architecture", "mlp")
    if arch not in ARCHITECTURES:
        raise unknown_name(f"{path}: model.architecture", str(arch), ARCHITECTURES)
    if ("data" in m) == ("csv" in m):
        raise c.error("model", "give exactly one of data (a built-in data set) or csv (a file)")
    seed = int(c.number(m, "seed", "model", 0, 0, 2**32 - 1, integer=True))
    loss = c.text(m, "loss", "model", None)
    hidden = m.get("hidden", [16, 16])
    activation = c.text(m, "activation", "model", "tanh")
    batch_size = m.get("batch_size")
    try:
        if "data" in m:
            for key in ("target", "features"):
                if key in m:
                    raise c.error(f"model.{key}", "only with csv = ...")
            noise = m.get("noise")
            if noise is not None:
                noise = c.number(m, "noise", "model", 0.0, 0.0, 10.0)
            land = engine.get_landscape(
                "mlp",
                data=c.text(m, "data", "model", None),
                hidden=hidden,
                activation=activation,
                n=int(c.number(m, "n", "model", 200, 4, datasets.MAX_ROWS, integer=True)),
                seed=seed,
                noise=noise,
                loss=loss,
                batch_size=batch_size,
            )
        else:
            land = _csv_network(c, m, path, hidden, str(activation), loss, seed, batch_size)
    except EngineError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise c.error("model", str(exc)) from None

    proj = c.keys(data.get("projection", {}), PROJECTION, "projection")
    kind = proj.get("kind", "pca")
    if kind not in PROJECTIONS:
        raise unknown_name(f"{path}: projection.kind", str(kind), PROJECTIONS)
    run_t = data.get("run", {})
    if isinstance(run_t, dict) and ("start" in run_t or "starts" in run_t):
        raise c.error("run.start", "a network starts at its initial weights (set model.seed)")
    _, steps, grad_noise, run_seed, run_time = _run_table(c, data, land)
    if steps * land.dim > MAX_RECORDED:
        raise c.error(
            "run.steps",
            f"{steps:,} steps × {land.dim:,} parameters is more than {MAX_RECORDED:,} recorded "
            "numbers; take fewer steps or a smaller model",
        )
    show_t = c.keys(data.get("show", {}), SHOW, "show")
    for key in ("velocity", "gradient", "lookahead", "markers"):
        if show_t.get(key):
            raise c.error(f"show.{key}", "not available with [model] (the plane shows projections)")
    panel = show_t.get("panel", "loss")
    if panel not in ("loss", "none"):
        raise unknown_name(f"{path}: show.panel value (with [model])", str(panel), ("loss", "none"))
    return Spec(
        path=path,
        title=title,
        subtitle=subtitle,
        landscape=land,
        view=land.view,
        optimizers=tuple(_optimizers(c, data)),
        start=np.array(land.default_start),
        steps=steps,
        grad_noise=grad_noise,
        seed=run_seed,
        run_time=run_time,
        velocity=False,
        gradient=False,
        lookahead=False,
        panel=panel,
        log_panel=c.flag(show_t, "log_panel", "show", True),
        markers=False,
        projection=kind,
        projection_seed=int(c.number(proj, "seed", "projection", 0, 0, 2**32 - 1, integer=True)),
        resolution=int(c.number(proj, "resolution", "projection", 100, 10, 300, integer=True)),
    )


def _csv_network(
    c: _Checker,
    m: dict[str, Any],
    path: Path,
    hidden: Any,
    activation: str,
    loss: str | None,
    seed: int,
    batch_size: Any,
) -> Any:
    """An MLP on the CSV file ``model.csv`` (relative to the spec's folder)."""
    from descent.engine import datasets, network

    csv_name = c.text(m, "csv", "model", None)
    target = c.text(m, "target", "model", None)
    if not csv_name or not target:
        raise c.error("model", "csv = ... needs target = (the label or target column)")
    features = m.get("features")
    if features is not None and (
        not isinstance(features, list) or not all(isinstance(f, str) for f in features)
    ):
        raise c.error("model.features", "must be a list of column names")
    if "n" in m or "noise" in m:
        raise c.error("model.n" if "n" in m else "model.noise", "only with a built-in data = ...")
    x, y = datasets.load_csv(path.parent / csv_name, target=target, features=features)
    integral = bool(np.all(y == np.round(y)) and y.min() >= 0 and len(np.unique(y)) <= 100)
    loss = loss or ("cross_entropy" if integral else "mse")
    n_out = int(y.max()) + 1 if loss == "cross_entropy" else 1
    model = network.mlp(
        x.shape[1], network.check_hidden(hidden), n_out, activation=activation, seed=seed
    )
    return network.network_landscape(
        model,
        x,
        y,
        loss=loss,
        batch_size=batch_size,
        name=f"{Path(csv_name).stem} MLP",
        params={"csv": csv_name, "target": target, "seed": seed},
    )


def spec_inputs(path: str | Path) -> list[Path]:
    """Files besides the spec whose content its scene depends on (a ``[model]`` CSV)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    model = data.get("model")
    csv_name = model.get("csv") if isinstance(model, dict) else None
    return [path.parent / csv_name] if isinstance(csv_name, str) else []
