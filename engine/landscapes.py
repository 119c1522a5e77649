"""Loss landscapes: 1-D curves, 2-D surfaces, and losses of real models on data.

A :class:`Landscape` wraps a *batched* torch function ``fn(x)`` that maps a
tensor of shape ``(..., dim)`` to losses of shape ``(...)``, together with what
scenes need to draw it: formula (plain text and LaTeX), a default view box, a
default start, known stationary points and a one-line description.

Examples
--------
>>> from descent import engine
>>> land = engine.get_landscape("quartic")
>>> float(land.value([4.0]))
0.0
>>> land.grid  # doctest: +ELLIPSIS
<bound method Landscape.grid of ...>
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine.errors import EngineError, unknown_name
from descent.engine.fileio import cache_dir, cached_array

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch  # a render from cached samples never imports it
from descent.engine._lazy import is_tensor, torch_version

__all__ = [
    "Landscape",
    "StationaryPoint",
    "PointKind",
    "LossFn",
    "as_landscape",
    "get_landscape",
    "list_landscapes",
    "register_landscape",
    "from_callable",
]

#: bump when sampling changes in a way the key does not see
SAMPLES_VERSION = 1

PointKind = Literal["global_min", "local_min", "saddle", "max"]
LossFn = Callable[["torch.Tensor"], "torch.Tensor"]
BatchLossFn = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class StationaryPoint:
    """A known point where the gradient vanishes, with its kind."""

    position: tuple[float, ...]
    kind: PointKind


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss function over ``dim`` coordinates plus the metadata scenes need.

    Parameters
    ----------
    name
        Registry name (or a user-chosen one).
    dim
        Number of coordinates (1 for curves, 2 for surfaces).
    fn
        Batched loss: a tensor ``(..., dim)`` to losses ``(...)``. Pure torch, so
        autograd gives exact gradients.
    formula, latex
        The formula as plain (Unicode) text and as LaTeX.
    view
        Default view box: one ``(lo, hi)`` per coordinate.
    default_start
        Where a scene starts when it says nothing else.
    stationary_points
        Known stationary points and their kind.
    description
        One line for listings.
    value_range
        Suggested ``(lo, hi)`` of the loss over the view box (1-D axes, colour scale).
    optimum
        Best-known global minimiser (for "distance to the optimum"); ``None`` when the
        infimum is not attained.
    axis_labels
        Coordinate names, e.g. ``("w",)``, ``("x", "y")``, ``("weight", "bias")``.
    params
        The factory's keyword arguments (part of the cache fingerprint).
    data
        ``(x, y)`` arrays of a data-driven landscape, else ``None``.
    batch_size
        Minibatch size of a data-driven landscape (``None``: full batch).
    batch_fn
        Minibatch loss ``batch_fn(x, indices)`` of a data-driven landscape.
    source
        Text that stands for ``fn``'s definition in the cache key (default: its source).
    network
        The :class:`descent.engine.network.Network` (module, data, loss) of a network
        landscape, else ``None``.
    """

    name: str
    dim: int
    fn: LossFn
    formula: str
    latex: str
    view: tuple[tuple[float, float], ...]
    default_start: tuple[float, ...]
    stationary_points: tuple[StationaryPoint, ...] = ()
    description: str = ""
    value_range: tuple[float, float] | None = None
    optimum: tuple[float, ...] | None = None
    axis_labels: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    data: tuple[FloatArray, FloatArray] | None = None
    batch_size: int | None = None
    batch_fn: BatchLossFn | None = None
    source: str | None = None
    network: Any = None

    # -- evaluation ---------------------------------------------------------------------------
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate the batched loss on a tensor of shape ``(..., dim)``."""
        return self.fn(x)

    def _points(self, x: ArrayLike) -> torch.Tensor:
        t = torch.tensor(np.asarray(x, dtype=np.float32))
        if t.ndim == 0 or t.shape[-1] != self.dim:
            t = t.reshape(*t.shape, 1) if self.dim == 1 else t
        if t.shape[-1] != self.dim:
            raise EngineError(
                f"landscape '{self.name}' has dim {self.dim}; got points of shape {tuple(t.shape)}"
            )
        return t

    def value(self, x: ArrayLike, *, cache: bool = True) -> FloatArray:
        """Loss at points ``x`` of shape ``(..., dim)`` (or scalars when ``dim == 1``).

        Samples are cached under :func:`descent.engine.fileio.cache_dir` by the landscape's
        :attr:`fingerprint` and the points' bytes, as trajectories are: a scene whose heat
        map and curve were sampled before does not import torch to draw them again.
        """
        path = self._sample_path(x) if cache else None

        def compute() -> FloatArray:
            with torch.no_grad():
                out: FloatArray = self.fn(self._points(x)).double().numpy()
            return out

        return cached_array(path, compute)

    def _sample_path(self, x: ArrayLike) -> Path | None:
        return self.samples_path(np.asarray(x, dtype=np.float32))

    def samples_path(self, *arrays: np.ndarray, tag: str = "") -> Path | None:
        """Where values computed from this landscape at ``arrays`` are cached (``None``: the
        landscape has no fingerprint). Keyed by the fingerprint, torch's version, ``tag``
        and each array's shape and bytes."""
        fingerprint = self.fingerprint
        if fingerprint is None:
            return None
        prefix = f"{tag} " if tag else ""  # the plain samples' keys stay as they were
        h = hashlib.sha256(f"{prefix}{SAMPLES_VERSION} {fingerprint} {torch_version()}".encode())
        for a in arrays:
            a = np.ascontiguousarray(a)
            h.update(repr(a.shape).encode())
            h.update(a.tobytes())
        return cache_dir() / "samples" / f"{h.hexdigest()}.npy"

    def gradient(self, x: ArrayLike) -> FloatArray:
        """Exact (autograd) gradient at points ``x`` of shape ``(..., dim)``."""
        t = self._points(x).clone().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self.fn(t).sum(), t)
        return g.double().numpy()

    def grid(self, xs: ArrayLike, ys: ArrayLike) -> FloatArray:
        """Loss on the grid ``xs × ys`` of a 2-D landscape, vectorised.

        Returns an array of shape ``(len(ys), len(xs))``: row ``i`` is ``y = ys[i]``
        (image convention: ``grid[i, j] = f(xs[j], ys[i])``).
        """
        if self.dim != 2:
            raise EngineError(f"grid() needs a 2-D landscape; '{self.name}' has dim {self.dim}")
        gx, gy = np.meshgrid(np.asarray(xs, np.float64), np.asarray(ys, np.float64))
        return self.value(np.stack([gx, gy], axis=-1))

    def curve(self, xs: ArrayLike) -> FloatArray:
        """Loss sampled at ``xs`` on a 1-D landscape, vectorised."""
        if self.dim != 1:
            raise EngineError(f"curve() needs a 1-D landscape; '{self.name}' has dim {self.dim}")
        return self.value(np.asarray(xs, np.float64)[:, None])

    # -- metadata -----------------------------------------------------------------------------
    def points_of_kind(self, *kinds: PointKind) -> tuple[StationaryPoint, ...]:
        """The known stationary points whose kind is one of ``kinds``."""
        return tuple(p for p in self.stationary_points if p.kind in kinds)

    @functools.cached_property
    def fingerprint(self) -> str | None:
        """Content hash of the definition and data; ``None`` when it cannot be known.

        It covers the loss function's source code, the factory parameters and the data
        bytes, so that a cached trajectory is never reused for a changed landscape.
        """
        source = self.source if self.source is not None else _source_of(self.fn)
        if source is None:
            return None
        h = hashlib.sha256()
        h.update(json.dumps([self.name, self.dim, source, _jsonable(dict(self.params))]).encode())
        if self.network is not None:  # architecture, buffers, loss and data, hashed once
            if self.network.digest is None:
                return None
            h.update(self.network.digest.encode())
        elif self.batch_fn is not None:
            batch_source = _source_of(self.batch_fn)
            if batch_source is None:
                return None
            h.update(batch_source.encode())
        if self.data is not None:
            for arr in self.data:
                h.update(np.ascontiguousarray(arr).tobytes())
        h.update(repr(self.batch_size).encode())
        return h.hexdigest()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items())}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if is_tensor(obj):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()
    if isinstance(obj, float | int | str | bool) or obj is None:
        return obj
    return repr(obj)


def _source_of(fn: Callable[..., Any], _seen: set[int] | None = None) -> str | None:
    """Source text of ``fn`` (through partials), with the values of its closure and of the
    module globals it reads (arrays and tensors by their bytes, functions by their own
    source, recursively); ``None`` if any of it is unknown (then nothing is cached)."""
    seen = set() if _seen is None else _seen
    if id(fn) in seen:
        return ""
    seen.add(id(fn))
    parts: list[str] = []
    while isinstance(fn, functools.partial):
        parts.append(json.dumps([_jsonable(list(fn.args)), _jsonable(dict(fn.keywords))]))
        fn = fn.func
    try:
        parts.append(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    read = _globals_read(fn, seen)
    if read is None:
        return None
    parts += read
    defaults = list(getattr(fn, "__defaults__", None) or ())
    defaults += sorted((getattr(fn, "__kwdefaults__", None) or {}).items())
    if defaults:  # def f(x, centre=centre): a default is a value the loss reads
        parts.append(json.dumps(_jsonable(defaults)))
    closure = getattr(fn, "__closure__", None) or ()
    for cell in closure:
        try:
            value = cell.cell_contents
        except ValueError:  # empty cell
            continue
        if is_tensor(value):
            parts.append(hashlib.sha256(value.detach().cpu().numpy().tobytes()).hexdigest())
        elif callable(value):
            inner = _source_of(value, seen)
            if inner is None:
                return None
            parts.append(inner)
        else:
            parts.append(json.dumps(_jsonable(value)))
    return "\n".join(parts)


def _globals_read(fn: Callable[..., Any], seen: set[int]) -> list[str] | None:
    """``name=value`` for each module global that ``fn``'s code names: a changed global
    changes the fingerprint. Modules, classes and built-ins count by name (their code is an
    installed package's); a value that cannot be hashed by content gives ``None``."""
    code = getattr(fn, "__code__", None)
    scope = getattr(fn, "__globals__", None)
    if code is None or scope is None:
        return []
    names: set[str] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names)
        todo += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    out: list[str] = []
    for name in sorted(names & scope.keys()):
        value = scope[name]
        if isinstance(value, types.ModuleType | type | types.BuiltinFunctionType) or (
            type(value).__module__ == "descent.engine._lazy"
        ):
            continue  # a module (descent's lazy torch too), a class, a built-in
        if isinstance(value, types.FunctionType | functools.partial):
            inner = _source_of(value, seen)
            if inner is None:
                return None
            out.append(f"{name}={inner}")
        elif (
            is_tensor(value)
            or isinstance(
                value, np.ndarray | np.generic | float | int | str | bool | list | tuple | dict
            )
            or value is None
        ):
            out.append(f"{name}={json.dumps(_jsonable(value))}")
        elif callable(value) and getattr(value, "__module__", "").split(".")[0] in _BY_NAME:
            continue  # numpy ufuncs, torch's functions: the installed package's code
        else:
            return None
    return out


#: packages whose callables a loss may name: their code is the installed version's
_BY_NAME = ("numpy", "torch", "math", "descent", "builtins", "functools", "operator")


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------
_REGISTRY: dict[str, Callable[..., Landscape]] = {}


def register_landscape(name: str) -> Callable[[Callable[..., Landscape]], Callable[..., Landscape]]:
    """Decorator: register a factory ``(**params) -> Landscape`` under ``name``."""

    def deco(factory: Callable[..., Landscape]) -> Callable[..., Landscape]:
        _REGISTRY[name] = factory
        return factory

    return deco


def _registry() -> dict[str, Callable[..., Landscape]]:
    """The registry, with the library (``descent.engine.library``) and the network entries
    (``mlp``) registered on first use (both import this module)."""
    import descent.engine.library  # noqa: F401 - registers the curves, surfaces, regression
    import descent.engine.network  # noqa: F401 - registers "mlp"

    return _REGISTRY


def list_landscapes() -> list[str]:
    """Names of the registered landscapes, sorted."""
    return sorted(_registry())


def get_landscape(name: str, **params: Any) -> Landscape:
    """Build the registered landscape ``name`` with optional factory parameters.

    Examples
    --------
    >>> get_landscape("ellipse", condition=20.0).params["condition"]
    20.0
    """
    registry = _registry()
    if not isinstance(name, str) or name not in registry:
        raise unknown_name("landscape", str(name), registry)
    factory = registry[name]
    sig = inspect.signature(factory)
    unknown = [k for k in params if k not in sig.parameters]
    if unknown:
        accepted = ", ".join(sig.parameters) or "none"
        raise EngineError(
            f"landscape '{name}' has no parameter '{unknown[0]}'; accepted: {accepted}"
        )
    return factory(**params)


def from_callable(
    fn: Callable[[torch.Tensor], torch.Tensor], dim: int, name: str = "custom"
) -> Landscape:
    """Wrap a per-point loss ``fn: (dim,) -> scalar`` as a batched :class:`Landscape`.

    The function is vectorised with :func:`torch.func.vmap`; a function that cannot
    be vectorised (Python control flow on values) falls back to a loop.
    """
    probe = torch.zeros(dim)
    try:
        out = fn(probe)
    except Exception as exc:  # noqa: BLE001 - report any failure as bad input
        raise EngineError(f"landscape callable failed on a ({dim},) tensor: {exc}") from None
    if not isinstance(out, torch.Tensor) or out.ndim != 0:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise EngineError(
            f"landscape callable must return a scalar tensor for a ({dim},) input; got {shape}"
        )
    vmapped = torch.func.vmap(fn)
    try:
        vmapped(torch.zeros(2, dim))
        use_vmap = True
    except Exception:  # noqa: BLE001 - vmap cannot handle data-dependent control flow
        use_vmap = False

    def batched(x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, dim)
        values = vmapped(flat) if use_vmap else torch.stack([fn(row) for row in flat])
        return values.reshape(x.shape[:-1])

    batched.__wrapped__ = fn  # type: ignore[attr-defined]
    lo, hi = -5.0, 5.0
    return Landscape(
        name=name,
        dim=dim,
        fn=batched,
        formula=getattr(fn, "__name__", "custom"),
        latex=getattr(fn, "__name__", "custom"),
        view=((lo, hi),) * dim,
        default_start=(0.0,) * dim,
        description="a user-supplied loss function",
        axis_labels=("w",) if dim == 1 else tuple(f"x{i}" for i in range(dim)),
        source=_source_of(fn),
    )


def as_landscape(
    obj: str | Landscape | Callable[[torch.Tensor], torch.Tensor], dim: int | None = None
) -> Landscape:
    """A registry name, a :class:`Landscape` or a callable, as a :class:`Landscape`."""
    if isinstance(obj, Landscape):
        return obj
    if isinstance(obj, str):
        return get_landscape(obj)
    if callable(obj):
        if dim is None:
            raise EngineError("a callable landscape needs a start to infer its dimension")
        return from_callable(obj, dim)
    raise EngineError(
        f"landscape must be a registry name, an engine.Landscape or a callable; got {type(obj).__name__}"
    )
