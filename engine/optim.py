"""Optimizer specifications: any ``torch.optim.Optimizer`` class, with its own kwargs.

An :class:`OptimizerSpec` is data (a name and keyword arguments spelled as torch
spells them); :func:`build_optimizer` turns it into the real torch optimizer. The class
is a ``torch.optim`` name, a name in an allow-listed optimizer package
(:data:`OPTIMIZER_PACKAGES`: ``package="pytorch_optimizer"`` or ``"pytorch_optimizer.Lion"``;
no other module is ever imported for a spec), or any ``torch.optim.Optimizer`` subclass
passed as a class (the user's own). On a network landscape the optimizer gets the
module's own tensors, in the param groups of ``groups`` (and ``rest``: a second optimizer
for the parameters no group takes, e.g. Muon for 2-D weights and AdamW for the rest).
Nothing here re-implements an update rule: for SGD with momentum ``μ``, dampening
``τ`` and learning rate ``η``, torch computes

    b_t = μ·b_{t−1} + (1 − τ)·g_t,    θ_t = θ_{t−1} − η·b_t      (classical)
    θ_t = θ_{t−1} − η·(g_t + μ·b_t)                              (nesterov=True)

and the engine records ``b_t`` as ``state["momentum_buffer"]``.

Examples
--------
>>> spec = OptimizerSpec("SGD", lr=0.001, momentum=0.9)
>>> spec.label
'Momentum'
>>> OptimizerSpec("SGD", lr=0.1, momentum=0.9, nesterov=True).label
'Nesterov'
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from descent.engine._lazy import torch_version
from descent.engine.errors import EngineError, unknown_name
from descent.engine.fileio import cache_dir

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch  # a spec torch accepted before is not re-checked

__all__ = [
    "OptimizerSpec",
    "ELEMENTWISE",
    "OPTIMIZER_PACKAGES",
    "OptimizerChain",
    "build_module_optimizer",
    "select_parameters",
    "list_optimizers",
    "list_schedulers",
    "build_optimizer",
    "build_scheduler",
]

#: torch.optim classes that update every coordinate independently, so K particles
#: can share one parameter tensor of shape (K, dim) and run in one batched pass.
ELEMENTWISE = frozenset(
    {
        "SGD",
        "Adam",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
        "RMSprop",
        "Adagrad",
        "Adadelta",
        "Rprop",
        "ASGD",
    }
)
_UNSUPPORTED = {"SparseAdam": "it needs sparse gradients; use Adam"}
#: packages of optimizer classes a spec may name (imported only when a spec names one)
OPTIMIZER_PACKAGES = ("pytorch_optimizer", "schedulefree")


def _package_module(package: str) -> Any:
    """The allow-listed optimizer package ``package`` (the only modules a spec imports)."""
    if package not in OPTIMIZER_PACKAGES:
        raise unknown_name("optimizer package", str(package), OPTIMIZER_PACKAGES)
    try:
        return importlib.import_module(package)
    except ImportError:
        dist = package.replace("_", "-")
        raise EngineError(
            f"optimizer package '{package}' is not installed (pip install {dist})"
        ) from None


def list_optimizers(package: str | None = None) -> list[str]:
    """Names of the optimizer classes the engine can run: ``torch.optim``'s, or those that
    the allow-listed ``package`` exports at its top level.

    Raises
    ------
    EngineError
        ``package`` is not in :data:`OPTIMIZER_PACKAGES` or not installed.
    """
    where = torch.optim if package is None else _package_module(package)
    names = []
    for name in dir(where):
        obj = getattr(where, name)
        if (
            isinstance(obj, type)
            and issubclass(obj, torch.optim.Optimizer)
            and obj is not torch.optim.Optimizer
            and name not in _UNSUPPORTED
        ):
            names.append(name)
    return sorted(names)


def list_schedulers() -> list[str]:
    """Names of the ``torch.optim.lr_scheduler`` classes usable with a single optimizer."""
    sched = torch.optim.lr_scheduler
    skip = {"LRScheduler", "ChainedScheduler", "SequentialLR", "LambdaLR", "MultiplicativeLR"}
    return sorted(
        n
        for n in dir(sched)
        if isinstance(getattr(sched, n), type)
        and n not in skip
        and (issubclass(getattr(sched, n), sched.LRScheduler) or n == "ReduceLROnPlateau")
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


@dataclass(frozen=True, init=False)
class OptimizerSpec:
    """An optimizer class plus its keyword arguments, its param groups and its clipping.

    Parameters
    ----------
    name
        Class name in ``torch.optim`` (``"SGD"``, ``"Adam"``, ``"Muon"``, ...); a name in an
        allow-listed package (``"pytorch_optimizer.Lion"``, or ``"Lion"`` with ``package``);
        or a ``torch.optim.Optimizer`` subclass itself (your own class).
    label
        Display name (legends, colours); derived from the spec when omitted.
    scheduler
        Optional class name in ``torch.optim.lr_scheduler``; stepped once per optimizer step.
    scheduler_kwargs
        Keyword arguments of the scheduler.
    package
        One of :data:`OPTIMIZER_PACKAGES` to take ``name`` from (``None``: ``torch.optim``).
    groups
        Param groups on a network landscape, as torch takes them: each a table with
        ``"params"`` (a selector, see :func:`select_parameters`) and the group's own
        options (``lr``, ``weight_decay``, ...). Each parameter joins the first group that
        selects it; the ones no group selects join a last group with the spec's own
        options, or go to ``rest`` when it is given.
    rest
        A second optimizer for the parameters ``groups`` leave (its own ``groups`` may
        split them further): ``OptimizerSpec("Muon", groups=[{"params": "ndim==2"}],
        rest=OptimizerSpec("AdamW"))`` is Muon for the 2-D weights, AdamW for the rest. A
        table ``{"name": "AdamW", "lr": 0.01}`` (a spec file's) is taken too.
    clip_grad_norm
        Clip the gradient's total 2-norm to this value (``torch.nn.utils.clip_grad_norm_``)
        after backward, before the step; per run. The recorded gradient is the clipped
        one; the norm before clipping is recorded as ``state["grad_norm"]``.
    clip_grad_value
        Clip each gradient entry to ``[−value, value]`` (``torch.nn.utils.clip_grad_value_``).
    **kwargs
        Passed verbatim to the optimizer (``lr``, ``momentum``, ``betas``, ...).

    Raises
    ------
    EngineError
        Unknown optimizer, package or scheduler (with the closest known name), an argument
        the class does not take, or a value torch rejects (torch's reason, naming the argument).
    """

    name: str
    kwargs: Mapping[str, Any]
    scheduler: str | None
    scheduler_kwargs: Mapping[str, Any]
    label: str
    package: str | None
    groups: tuple[Mapping[str, Any], ...]
    rest: OptimizerSpec | None
    clip_grad_norm: float | None
    clip_grad_value: float | None
    #: the class itself when one was passed (its identity is its source and package version)
    user_class: type | None

    def __init__(
        self,
        name: str | type,
        /,
        *,
        label: str | None = None,
        scheduler: str | None = None,
        scheduler_kwargs: Mapping[str, Any] | None = None,
        package: str | None = None,
        groups: Sequence[Mapping[str, Any]] | None = None,
        rest: OptimizerSpec | Mapping[str, Any] | None = None,
        clip_grad_norm: float | None = None,
        clip_grad_value: float | None = None,
        **kwargs: Any,
    ) -> None:
        user_class: type | None = None
        if isinstance(name, type):
            if not issubclass(name, torch.optim.Optimizer) or name is torch.optim.Optimizer:
                raise EngineError(
                    f"an optimizer class must subclass torch.optim.Optimizer; got {name.__qualname__}"
                )
            user_class, name = name, name.__qualname__
            top = user_class.__module__.split(".")[0]
            package = None if user_class.__module__.startswith("torch.optim") else top
        elif isinstance(name, str) and package is None and "." in name:
            package, _, name = name.rpartition(".")
        if package is not None and user_class is None:
            _package_module(package)  # allow-listed and installed, or a one-line error
        if scheduler_kwargs is not None and not isinstance(scheduler_kwargs, Mapping):
            raise EngineError(
                f"{name}: scheduler_kwargs must be a table of keyword arguments; got {type(scheduler_kwargs).__name__}"
            )
        if scheduler is not None and not isinstance(scheduler, str):
            raise EngineError(f"{name}: scheduler must be a torch.optim.lr_scheduler class name")
        if isinstance(rest, Mapping):  # a spec file's table: {name = "AdamW", lr = 0.01}
            table = dict(rest)
            rest_name = table.pop("name", None)
            if not isinstance(rest_name, str):
                raise EngineError(f"{name}: rest needs a name (an optimizer class name)")
            rest = OptimizerSpec(rest_name, **table)
        if rest is not None and not isinstance(rest, OptimizerSpec):
            raise EngineError(f"{name}: rest must be an OptimizerSpec; got {type(rest).__name__}")
        if rest is not None and not groups:
            raise EngineError(f"{name}: rest needs groups that say which parameters {name} takes")
        for clip, value in (
            ("clip_grad_norm", clip_grad_norm),
            ("clip_grad_value", clip_grad_value),
        ):
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise EngineError(f"{name}: {clip} must be a number > 0; got {value!r}")
        kw = {k: _freeze(v) for k, v in kwargs.items()}
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kwargs", MappingProxyType(kw))
        object.__setattr__(self, "scheduler", scheduler)
        object.__setattr__(self, "scheduler_kwargs", MappingProxyType(dict(scheduler_kwargs or {})))
        object.__setattr__(self, "package", package)
        object.__setattr__(self, "groups", _freeze(list(groups or ())))
        object.__setattr__(self, "rest", rest)
        object.__setattr__(
            self, "clip_grad_norm", None if clip_grad_norm is None else float(clip_grad_norm)
        )
        object.__setattr__(
            self, "clip_grad_value", None if clip_grad_value is None else float(clip_grad_value)
        )
        object.__setattr__(self, "user_class", user_class)
        object.__setattr__(self, "label", label or self._default_label())
        self._validate()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def _default_label(self) -> str:
        if self.rest is not None:
            return f"{self.name} + {self.rest.label}"
        if self.name == "SGD" and self.package is None:
            if self.kwargs.get("nesterov"):
                return "Nesterov"
            if self.kwargs.get("momentum", 0):
                return "Momentum"
        return self.name

    @property
    def optimizer_class(self) -> type[torch.optim.Optimizer]:
        """The class named by the spec."""
        if self.user_class is not None:
            return self.user_class
        where = torch.optim if self.package is None else _package_module(self.package)
        cls = getattr(where, self.name, None)
        if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            raise unknown_name(
                f"optimizer in {self.package or 'torch.optim'}",
                self.name,
                list_optimizers(self.package),
            )
        return cls

    @property
    def elementwise(self) -> bool:
        """Whether K particles can share one batched parameter tensor."""
        return (
            self.name in ELEMENTWISE
            and self.package is None
            and self.user_class is None
            and not self.groups
            and self.clip_grad_norm is None
            and self.clip_grad_value is None
        )

    @property
    def needs_closure(self) -> bool:
        """Whether ``step`` needs a closure that re-evaluates the loss (LBFGS)."""
        return any(_needs_closure(s.optimizer_class) for s in self.chain)

    @property
    def chain(self) -> tuple[OptimizerSpec, ...]:
        """This spec and the ``rest`` specs after it."""
        return (self,) if self.rest is None else (self, *self.rest.chain)

    @property
    def cacheable(self) -> bool:
        """Whether the class's identity is known (its source could be read)."""
        return all(s._identity() is not None for s in self.chain)

    @property
    def lr(self) -> float:
        """The initial learning rate (the class default when not given)."""
        if "lr" in self.kwargs:
            return float(self.kwargs["lr"])
        default = inspect.signature(self.optimizer_class).parameters.get("lr")
        value = default.default if default is not None else float("nan")
        return float(value) if isinstance(value, int | float) else float("nan")

    def _identity(self) -> dict[str, Any] | None:
        """Source digest and package version of a class outside ``torch.optim`` ({} inside)."""
        if self.package is None and self.user_class is None:
            return {}
        return _class_identity(self.optimizer_class)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready; also the cache key)."""
        out: dict[str, Any] = {
            "name": self.name,
            "kwargs": {k: _plain(v) for k, v in sorted(self.kwargs.items())},
            "scheduler": self.scheduler,
            "scheduler_kwargs": {k: _plain(v) for k, v in sorted(self.scheduler_kwargs.items())},
            "label": self.label,
        }
        if self.package is not None or self.user_class is not None:
            out["package"] = self.package
            out["class"] = self._identity()
        if self.groups:
            out["groups"] = [_plain(g) for g in self.groups]
        if self.rest is not None:
            out["rest"] = self.rest.to_dict()
        for clip in ("clip_grad_norm", "clip_grad_value"):
            if getattr(self, clip) is not None:
                out[clip] = getattr(self, clip)
        return out

    def describe(self) -> str:
        """Short hyper-parameter text, e.g. ``'lr=0.1, momentum=0.9, clipped at 1.0'``."""
        parts = [f"{k}={_fmt(v)}" for k, v in self.kwargs.items()]
        if self.clip_text:
            parts.append(self.clip_text)
        if self.rest is not None:
            parts.append(f"rest: {self.rest.label}")
        return ", ".join(parts)

    @property
    def clip_text(self) -> str:
        """``'clipped at 1.0'`` (norm), ``'clipped at ±1.0'`` (values), or ``''``."""
        if self.clip_grad_norm is not None:
            return f"clipped at {self.clip_grad_norm}"
        if self.clip_grad_value is not None:
            return f"clipped at ±{self.clip_grad_value}"
        return ""

    @property
    def runs_on_vectors(self) -> bool:
        """Whether the class accepts one 1-D parameter vector (a toy landscape's point).

        Muon, for one, only takes matrices: it runs on a network's 2-D weights only.
        """
        return all(_known_runs_on_vectors(s) for s in self.chain)

    def _validate(self) -> None:
        for key, value in [*self.kwargs.items(), *self.scheduler_kwargs.items()]:
            if not _all_finite(value):  # torch lets NaN through some of its checks
                raise EngineError(
                    f"{self.name}: argument '{key}' must be finite numbers; got {_fmt(value)}"
                )
        try:
            if _known_valid(self):  # same spec, same torch: accepted before
                return
        except TypeError:
            pass  # not plain data: reported below, after the name
        if self.user_class is None and (
            not isinstance(self.name, str) or self.name not in list_optimizers(self.package)
        ):
            if self.name in _UNSUPPORTED and self.package is None:
                raise EngineError(
                    f"optimizer '{self.name}' is not supported: {_UNSUPPORTED[self.name]}"
                )
            where = "optimizer" if self.package is None else f"optimizer in {self.package}"
            raise unknown_name(where, str(self.name), list_optimizers(self.package))
        signature = inspect.signature(self.optimizer_class)
        open_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        accepted = [p for p in signature.parameters if p not in ("params", "self")]
        group_keys = {k for g in self.groups for k in g if k != "params"}
        for key in [*self.kwargs, *sorted(group_keys)]:
            if key not in accepted and not open_kwargs:
                raise EngineError(
                    f"{self.name} has no argument '{key}'; accepted: {', '.join(accepted)}"
                )
        for i, group in enumerate(self.groups, 1):
            if "params" not in group:
                raise EngineError(f"{self.name}: group {i} needs 'params' (a selector)")
            _parse_selector(group["params"])
        try:
            json.dumps(self.to_dict())
        except TypeError as exc:
            raise EngineError(
                f"{self.name}: arguments must be plain numbers, booleans or tuples ({exc})"
            ) from None
        probe = torch.nn.Parameter(torch.zeros(2, 2))
        try:
            build_optimizer(self, [probe])
            for group in self.groups:
                options = {k: v for k, v in group.items() if k != "params"}
                self.optimizer_class([{"params": [probe], **options}], **dict(self.kwargs))
        except (ValueError, TypeError, RuntimeError) as exc:
            raise EngineError(f"{self.name}: invalid {self._culprit()}: {exc}") from None
        if self.scheduler is not None:
            if self.scheduler not in list_schedulers():
                raise unknown_name("lr scheduler", str(self.scheduler), list_schedulers())
            try:
                build_scheduler(self, build_optimizer(self, [probe]))
            except (ValueError, TypeError, RuntimeError, KeyError) as exc:
                raise EngineError(f"{self.scheduler}: invalid scheduler arguments: {exc}") from None
        if self.cacheable:
            _remember_valid(self)

    def _culprit(self) -> str:
        """The argument that alone makes torch reject the spec (or all of them)."""
        probe = torch.nn.Parameter(torch.zeros(2, 2))
        base = {"lr": self.kwargs["lr"]} if "lr" in self.kwargs else {}
        for key, value in self.kwargs.items():
            if key == "lr":
                try:
                    self.optimizer_class([probe], lr=value)  # type: ignore[call-arg]
                except (ValueError, TypeError, RuntimeError):
                    return f"argument 'lr'={_fmt(value)}"
                continue
            try:
                self.optimizer_class([probe], **{**base, key: value})
            except (ValueError, TypeError, RuntimeError):
                return f"argument '{key}'={_fmt(value)}"
        return "arguments " + (self.describe() or "(defaults)")


def _known_runs_on_vectors(spec: OptimizerSpec) -> bool:
    """:func:`_runs_on_vectors`, remembered beside the spec's validity record (building the
    first optimizer of a process imports ``torch._dynamo``: ~3 s for ``descent list``)."""
    path = _validity_record(spec).with_suffix(".vectors")
    with contextlib.suppress(OSError):
        return path.read_text() == "1"
    result = _runs_on_vectors(spec)
    if spec.cacheable:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("1" if result else "0")
    return result


def _runs_on_vectors(spec: OptimizerSpec) -> bool:
    """Build ``spec`` on one 1-D parameter and take a step with a unit gradient."""
    probe = torch.nn.Parameter(torch.zeros(2))
    try:
        optimizer = build_optimizer(spec, [probe])
        if not spec.needs_closure:
            probe.grad = torch.ones(2)
            optimizer.step()
    except (ValueError, TypeError, RuntimeError, NotImplementedError):
        return False
    return True


def _needs_closure(cls: type[torch.optim.Optimizer]) -> bool:
    """Whether ``cls.step``'s ``closure`` has no default (torch's LBFGS: ``step(closure)``)."""
    try:
        closure = inspect.signature(cls.step).parameters.get("closure")
    except (TypeError, ValueError):
        return False
    return closure is not None and closure.default is inspect.Parameter.empty


@functools.cache
def _class_identity(cls: type) -> dict[str, Any] | None:
    """``{"module", "qualname", "source", "version"}`` of an optimizer class: the sha256 of
    its source and the version of the distribution it comes from (``None``: no source)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return None
    top = cls.__module__.split(".")[0]
    try:
        dists = importlib.metadata.packages_distributions().get(top, [])
        version = importlib.metadata.version(dists[0]) if dists else None
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {
        "module": cls.__module__,
        "qualname": cls.__qualname__,
        "source": hashlib.sha256(source.encode()).hexdigest(),
        "version": version,
    }


def _validity_record(spec: OptimizerSpec) -> Path:
    data = spec.to_dict()
    data.pop("label")
    key = hashlib.sha256(json.dumps([data, torch_version()], sort_keys=True).encode()).hexdigest()
    return cache_dir() / "valid-specs" / key


def _known_valid(spec: OptimizerSpec) -> bool:
    """Whether torch accepted exactly this spec before (same torch version).

    Checking a spec imports torch (~1.5 s) and building an optimizer ``torch._dynamo``
    (~1.2 s); a render process that only reads cached trajectories need not pay that
    just to re-check its specs.
    """
    return _validity_record(spec).is_file()


def _remember_valid(spec: OptimizerSpec) -> None:
    path = _validity_record(spec)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def _all_finite(value: Any) -> bool:
    """Whether every number in ``value`` (a number, or a tuple of them) is finite."""
    if isinstance(value, tuple | list):
        return all(_all_finite(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return repr(value)


def build_optimizer(spec: OptimizerSpec, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """The real torch optimizer for ``spec`` over ``params``."""
    return spec.optimizer_class(params, **dict(spec.kwargs))


def build_scheduler(spec: OptimizerSpec, optimizer: torch.optim.Optimizer) -> Any:
    """The real torch lr scheduler of ``spec`` (``None`` when the spec has none)."""
    if spec.scheduler is None:
        return None
    cls = getattr(torch.optim.lr_scheduler, spec.scheduler)
    return cls(optimizer, **dict(spec.scheduler_kwargs))


# ---------------------------------------------------------------------------------------------
# The module's own tensors: param groups, and a chain of optimizers over them
# ---------------------------------------------------------------------------------------------
_NDIM = re.compile(r"^ndim\s*(==|!=|>=|<=|<|>)\s*(\d+)$")


def _parse_selector(selector: Any) -> tuple[str, ...]:
    """A selector as a tuple of patterns (a string or a sequence of strings)."""
    patterns = (selector,) if isinstance(selector, str) else selector
    if not isinstance(patterns, tuple | list) or not all(isinstance(p, str) for p in patterns):
        raise EngineError(
            "a group's 'params' must be a pattern or a list of them "
            f"(a parameter name, a glob like '*.weight', or 'ndim==2'); got {selector!r}"
        )
    return tuple(patterns)


def _matches(pattern: str, name: str, ndim: int) -> bool:
    test = _NDIM.match(pattern)
    if test is None:
        return fnmatch.fnmatchcase(name, pattern)
    op, n = test.group(1), int(test.group(2))
    return {
        "==": ndim == n,
        "!=": ndim != n,
        ">=": ndim >= n,
        "<=": ndim <= n,
        "<": ndim < n,
        ">": ndim > n,
    }[op]


def select_parameters(selector: Any, named: Sequence[tuple[str, torch.Tensor]]) -> list[str]:
    """Names in ``named`` that ``selector`` picks, in ``named``'s order.

    A selector is a pattern or a list of patterns; a parameter is picked when any
    pattern matches it. A pattern is a glob on the parameter's name as
    ``module.named_parameters()`` gives it (``"0.weight"``, ``"*.bias"``, ``"encoder.*"``),
    or a test of its number of dimensions (``"ndim==2"``, ``"ndim>=2"``, ``"ndim<2"``).

    Examples
    --------
    >>> named = [("0.weight", torch.zeros(3, 2)), ("0.bias", torch.zeros(3))]
    >>> select_parameters("ndim==2", named), select_parameters(["*.bias"], named)
    (['0.weight'], ['0.bias'])
    """
    patterns = _parse_selector(selector)
    return [n for n, p in named if any(_matches(q, n, p.ndim) for q in patterns)]


def _split_groups(
    spec: OptimizerSpec, named: Sequence[tuple[str, torch.Tensor]]
) -> tuple[list[dict[str, Any]], list[tuple[str, torch.Tensor]]]:
    """``spec``'s torch param groups over ``named``, and the parameters left for ``rest``."""
    left = list(named)
    groups: list[dict[str, Any]] = []
    for i, group in enumerate(spec.groups, 1):
        picked = set(select_parameters(group["params"], left))
        if not picked:
            known = ", ".join(n for n, _ in named)
            raise EngineError(
                f"{spec.name}: group {i}'s params {group['params']!r} select no parameter "
                f"(left: {', '.join(n for n, _ in left) or 'none'}; all: {known})"
            )
        options = {k: v for k, v in group.items() if k != "params"}
        groups.append({"params": [p for n, p in left if n in picked], **options})
        left = [(n, p) for n, p in left if n not in picked]
    if spec.rest is None and left:
        groups.append({"params": [p for _, p in left]})
        left = []
    return groups, left


class OptimizerChain:
    """Several torch optimizers over disjoint parameters, stepped one after another.

    What ``Muon`` for the 2-D weights and ``AdamW`` for the rest is in a training loop:
    two optimizers, ``zero_grad`` and ``step`` called on each. ``param_groups`` and
    ``state`` are theirs, concatenated and merged.
    """

    def __init__(self, optimizers: Sequence[torch.optim.Optimizer]) -> None:
        self.optimizers = list(optimizers)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return [g for o in self.optimizers for g in o.param_groups]

    @property
    def state(self) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for o in self.optimizers:
            out.update(o.state)
        return out

    def zero_grad(self, set_to_none: bool = True) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=set_to_none)

    def step(self, closure: Any = None) -> Any:
        if closure is not None:
            raise EngineError("a chain of optimizers cannot take a closure (LBFGS runs alone)")
        for o in self.optimizers:
            o.step()
        return None


def build_module_optimizer(
    spec: OptimizerSpec, named: Sequence[tuple[str, torch.nn.Parameter]]
) -> tuple[torch.optim.Optimizer | OptimizerChain, list[Any]]:
    """The real optimizer(s) of ``spec`` over a module's own tensors, and their schedulers.

    ``named`` is ``module.named_parameters()`` (each tensor with its shape). Returns one
    ``torch.optim.Optimizer`` or, when the spec has ``rest``, an :class:`OptimizerChain`.

    Raises
    ------
    EngineError
        A group selecting nothing, or a class refusing a tensor (torch's reason, e.g.
        "Muon only supports 2D parameters", with the tensors it was given).
    """
    optimizers, schedulers = [], []
    left: Sequence[tuple[str, torch.Tensor]] = named
    for part in spec.chain:
        groups, left = _split_groups(part, left)
        try:
            optimizer = part.optimizer_class(groups, **dict(part.kwargs))
        except (ValueError, TypeError, RuntimeError) as exc:
            shapes = ", ".join(
                f"{n} {tuple(p.shape)}"
                for n, p in named
                if any(p is q for g in groups for q in g["params"])
            )
            raise EngineError(
                f"{part.name} cannot take these tensors ({shapes}): {exc}; give it groups "
                "that select the ones it takes, e.g. groups=[{'params': 'ndim==2'}], and rest="
                "OptimizerSpec(...) for the others"
            ) from None
        optimizers.append(optimizer)
        schedulers.append(build_scheduler(part, optimizer))
        if part.rest is not None and not left:
            raise EngineError(f"{part.name}'s groups take every parameter: rest gets none")
    if len(optimizers) == 1:
        return optimizers[0], schedulers
    if spec.needs_closure:
        raise EngineError("a closure optimizer (LBFGS) cannot be chained with another")
    return OptimizerChain(optimizers), schedulers
