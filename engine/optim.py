"""Optimizer specifications: any ``torch.optim`` class by name, with torch's own kwargs.

An :class:`OptimizerSpec` is data (a name and keyword arguments spelled as torch
spells them); :func:`build_optimizer` turns it into the real torch optimizer.
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
import hashlib
import inspect
import json
import math
from collections.abc import Mapping
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


def list_optimizers() -> list[str]:
    """Names of the ``torch.optim`` optimizer classes the engine can run."""
    names = []
    for name in dir(torch.optim):
        obj = getattr(torch.optim, name)
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
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


@dataclass(frozen=True, init=False)
class OptimizerSpec:
    """A ``torch.optim`` optimizer by class name plus its keyword arguments.

    Parameters
    ----------
    name
        Class name in ``torch.optim`` (``"SGD"``, ``"Adam"``, ``"RMSprop"``, ...).
    label
        Display name (legends, colours); derived from the spec when omitted.
    scheduler
        Optional class name in ``torch.optim.lr_scheduler``; stepped once per optimizer step.
    scheduler_kwargs
        Keyword arguments of the scheduler.
    **kwargs
        Passed verbatim to the optimizer (``lr``, ``momentum``, ``betas``, ...).

    Raises
    ------
    EngineError
        Unknown optimizer or scheduler (with the closest known name), an argument the
        class does not take, or a value torch rejects (torch's reason, naming the argument).
    """

    name: str
    kwargs: Mapping[str, Any]
    scheduler: str | None
    scheduler_kwargs: Mapping[str, Any]
    label: str

    def __init__(
        self,
        name: str,
        /,
        *,
        label: str | None = None,
        scheduler: str | None = None,
        scheduler_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if scheduler_kwargs is not None and not isinstance(scheduler_kwargs, Mapping):
            raise EngineError(
                f"{name}: scheduler_kwargs must be a table of keyword arguments; got {type(scheduler_kwargs).__name__}"
            )
        if scheduler is not None and not isinstance(scheduler, str):
            raise EngineError(f"{name}: scheduler must be a torch.optim.lr_scheduler class name")
        kw = {k: _freeze(v) for k, v in kwargs.items()}
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kwargs", MappingProxyType(kw))
        object.__setattr__(self, "scheduler", scheduler)
        object.__setattr__(self, "scheduler_kwargs", MappingProxyType(dict(scheduler_kwargs or {})))
        object.__setattr__(self, "label", label or self._default_label())
        self._validate()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def _default_label(self) -> str:
        if self.name == "SGD":
            if self.kwargs.get("nesterov"):
                return "Nesterov"
            if self.kwargs.get("momentum", 0):
                return "Momentum"
        return self.name

    @property
    def optimizer_class(self) -> type[torch.optim.Optimizer]:
        """The torch class named by the spec."""
        cls = getattr(torch.optim, self.name)
        assert isinstance(cls, type)
        return cls

    @property
    def elementwise(self) -> bool:
        """Whether K particles can share one batched parameter tensor."""
        return self.name in ELEMENTWISE

    @property
    def lr(self) -> float:
        """The initial learning rate (the class default when not given)."""
        if "lr" in self.kwargs:
            return float(self.kwargs["lr"])
        default = inspect.signature(self.optimizer_class).parameters.get("lr")
        value = default.default if default is not None else float("nan")
        return float(value) if isinstance(value, int | float) else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready; also the cache key)."""
        return {
            "name": self.name,
            "kwargs": {k: _plain(v) for k, v in sorted(self.kwargs.items())},
            "scheduler": self.scheduler,
            "scheduler_kwargs": {k: _plain(v) for k, v in sorted(self.scheduler_kwargs.items())},
            "label": self.label,
        }

    def describe(self) -> str:
        """Short hyper-parameter text, e.g. ``'lr=0.1, momentum=0.9'``."""
        return ", ".join(f"{k}={_fmt(v)}" for k, v in self.kwargs.items())

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
        if not isinstance(self.name, str) or self.name not in list_optimizers():
            if self.name in _UNSUPPORTED:
                raise EngineError(
                    f"optimizer '{self.name}' is not supported: {_UNSUPPORTED[self.name]}"
                )
            raise unknown_name("optimizer", str(self.name), list_optimizers())
        accepted = [
            p
            for p in inspect.signature(self.optimizer_class).parameters
            if p not in ("params", "self")
        ]
        for key in self.kwargs:
            if key not in accepted:
                raise EngineError(
                    f"{self.name} has no argument '{key}'; accepted: {', '.join(accepted)}"
                )
        try:
            json.dumps(self.to_dict())
        except TypeError as exc:
            raise EngineError(
                f"{self.name}: arguments must be plain numbers, booleans or tuples ({exc})"
            ) from None
        probe = torch.nn.Parameter(torch.zeros(1, 2))
        try:
            build_optimizer(self, [probe])
        except (ValueError, TypeError, RuntimeError) as exc:
            raise EngineError(f"{self.name}: invalid {self._culprit()}: {exc}") from None
        if self.scheduler is not None:
            if self.scheduler not in list_schedulers():
                raise unknown_name("lr scheduler", str(self.scheduler), list_schedulers())
            try:
                build_scheduler(self, build_optimizer(self, [probe]))
            except (ValueError, TypeError, RuntimeError, KeyError) as exc:
                raise EngineError(f"{self.scheduler}: invalid scheduler arguments: {exc}") from None
        _remember_valid(self)

    def _culprit(self) -> str:
        """The argument that alone makes torch reject the spec (or all of them)."""
        probe = torch.nn.Parameter(torch.zeros(1, 2))
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
        return "arguments " + self.describe()


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
