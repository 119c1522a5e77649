"""Custom scenes from TOML spec files — no Python needed.

A spec is data: it is parsed with :mod:`tomllib`, every key is checked against the
schema below, numbers against their ranges, and formulas go through the whitelist of
:mod:`descent.engine.formula`. Nothing in a spec is ever ``eval``-ed or imported. Errors name
the file and the key: ``race.toml: run.steps must be an integer in 1..5000; got 0``.

Schema
------
.. code-block:: toml

    title = "Momentum on a narrow valley"      # optional
    subtitle = "x² + 10y², lr 0.05"            # optional

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

    [show]
    velocity = true                  # momentum-step arrows
    gradient = false                 # gradient-step arrows
    lookahead = false                # Nesterov look-ahead ghost (textbook form)
    panel = "loss"                   # loss | distance | none
    log_panel = true
    markers = false                  # a dot per step
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from descent.engine.errors import EngineError, unknown_name

__all__ = ["Spec", "load_spec", "scene_from_spec"]

TOP = {"title", "subtitle", "landscape", "run", "optimizer", "show"}
LANDSCAPE = {"name", "formula", "params", "view"}
RUN = {"start", "starts", "steps", "grad_noise", "seed", "run_time"}
SHOW = {"velocity", "gradient", "lookahead", "panel", "log_panel", "markers"}
PANELS = ("loss", "distance", "none")
MAX_STEPS = 5000
MAX_PARTICLES = 200


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
    run_time: float
    velocity: bool
    gradient: bool
    lookahead: bool
    panel: str
    log_panel: bool
    markers: bool


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

    # -- landscape --
    land_t = c.keys(data.get("landscape", {}), LANDSCAPE, "landscape")
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

    # -- run --
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

    # -- optimizers --
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
            elif isinstance(v, dict) and k != "scheduler_kwargs":
                raise c.error(f"{where}.{k}", "must be a number, boolean or list")
        try:
            specs.append(engine.OptimizerSpec(name, label=label, **kwargs))
        except EngineError as exc:
            raise c.error(where, str(exc)) from None

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
        steps=int(steps),
        grad_noise=float(grad_noise),
        seed=int(seed),
        run_time=float(run_time),
        velocity=c.flag(show_t, "velocity", "show", False),
        gradient=c.flag(show_t, "gradient", "show", False),
        lookahead=c.flag(show_t, "lookahead", "show", False),
        panel=panel,
        log_panel=c.flag(show_t, "log_panel", "show", True),
        markers=c.flag(show_t, "markers", "show", False),
    )


def scene_from_spec(path: str | Path) -> type:
    """A scene class (a :class:`~descent.scenes.kit.SurfaceScene` or :class:`~descent.scenes.kit.CurveScene`
    subclass) for the spec at ``path``."""
    from descent import engine
    from descent.scenes.kit import (
        CurveScene,
        Legend,
        SurfaceScene,
        auto_view,
        gradient_arrows,
        lookahead_form,
        palette_for,
        velocity_arrows,
    )

    spec = load_spec(path)
    land = spec.landscape
    base = SurfaceScene if land.dim == 2 else CurveScene

    class SpecScene(base):  # type: ignore[misc, valid-type]
        title = spec.title
        subtitle = spec.subtitle
        optimizers = spec.optimizers
        start = spec.start
        grad_noise = spec.grad_noise
        seed = spec.seed
        steps = spec.steps
        run_time = spec.run_time
        show_panel = spec.panel != "none"
        panel_log = spec.log_panel and spec.panel == "loss"
        panel_label = "distance to optimum" if spec.panel == "distance" else "loss"
        markers = spec.markers
        ease = len(spec.start.shape) == 1 or len(spec.start) <= 12

        @classmethod
        def get_landscape(cls) -> Any:
            return engine.Landscape(**{**land.__dict__, "view": spec.view})

        @classmethod
        def simulate(cls, specs: Any = None, **overrides: Any) -> tuple[Any, list[Any]]:
            """Every particle of every optimizer as its own trajectory."""
            shown, trajs = super().simulate(specs, **overrides)
            return shown, [particle for traj in trajs for particle in traj]

        def view_for(self, land_: Any, trajs: Any) -> Any:
            return (
                auto_view(land_, [self.path_of(t) for t in trajs])
                if spec.view == land.view
                else spec.view
            )

        def path_of(self, traj: Any) -> np.ndarray:
            if spec.lookahead and traj.spec.kwargs.get("nesterov"):
                return lookahead_form(traj)
            return super().path_of(traj)

        def ghost_for(self, traj: Any) -> np.ndarray | None:
            return (
                np.asarray(traj.params)
                if spec.lookahead and traj.spec.kwargs.get("nesterov")
                else None
            )

        def arrows_for(self, traj: Any) -> dict[str, np.ndarray] | None:
            arrows: dict[str, np.ndarray] = {}
            if spec.velocity:
                arrows.update(velocity_arrows(traj) or {})
            if spec.gradient:
                arrows.update(gradient_arrows(traj))
            return arrows or None

        def panel_series(self, land_: Any, trajs: Any) -> list[np.ndarray]:
            if spec.panel == "distance":
                return [
                    np.linalg.norm(self.path_of(t) - np.asarray(land_.optimum), axis=-1)
                    for t in trajs
                ]
            return [np.asarray(t.loss) for t in trajs]

        def colors_for(self, trajs: Any) -> list[str]:
            by_spec = dict(
                zip(
                    spec.optimizers,
                    palette_for([s.label for s in spec.optimizers], self.theme),
                    strict=True,
                )
            )
            return [by_spec[t.spec] for t in trajs]

        def legend(
            self, trajs: Any, colors: Any, *, show_loss: bool = True, font_size: int = 24
        ) -> Legend:
            seen: dict[Any, tuple[str, str, Any]] = {}
            for t, col in zip(trajs, colors, strict=True):
                seen.setdefault(t.spec, (t.label, col, t))
            swarm = len(spec.start.shape) == 2 and len(spec.start) > 1
            entries = list(seen.values())
            return Legend(
                entries,
                self.clock,
                self.theme,
                font_size=font_size,
                show_loss=show_loss and not swarm,
            )

    SpecScene.__name__ = SpecScene.__qualname__ = (
        re.sub(r"\W", "_", path_stem(spec.path)) or "SpecScene"
    )
    return SpecScene


def path_stem(path: Path) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", path.stem)) or "Spec"
