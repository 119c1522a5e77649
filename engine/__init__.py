"""descent's engine: exact ``torch.optim`` trajectories on a library of loss landscapes.

Pure torch + numpy (never imports manim). Its output is plain arrays: positions,
losses, gradients and the optimizer's own state for every step.

The public names load lazily (PEP 562), so ``import engine.errors`` or
``engine.fileio`` does not import torch (the ``descent`` command stays fast). The
modules that use torch reach it through ``engine._lazy``: it is imported the first time
something is computed, so reading cached trajectories and landscape samples never
imports it (importing torch costs 1.5–2 s).

Examples
--------
>>> import engine
>>> land = engine.get_landscape("quartic")
>>> spec = engine.OptimizerSpec("SGD", lr=0.001, momentum=0.9)
>>> traj = engine.simulate(land, spec, start=[6.0], steps=100, cache=False)
>>> traj.params.shape, traj.state["momentum_buffer"].shape
((101, 1), (101, 1))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.errors import EngineError, UnknownNameError
    from engine.export import load_npz
    from engine.fileio import atomic_path, cache_dir, write_cache
    from engine.landscapes import (
        Landscape,
        StationaryPoint,
        as_landscape,
        from_callable,
        get_landscape,
        list_landscapes,
        register_landscape,
    )
    from engine.optim import ELEMENTWISE, OptimizerSpec, list_optimizers, list_schedulers
    from engine.simulation import Trajectory, simulate

_WHERE = {
    "EngineError": "errors",
    "UnknownNameError": "errors",
    "load_npz": "export",
    "atomic_path": "fileio",
    "cache_dir": "fileio",
    "write_cache": "fileio",
    "Landscape": "landscapes",
    "StationaryPoint": "landscapes",
    "as_landscape": "landscapes",
    "from_callable": "landscapes",
    "get_landscape": "landscapes",
    "list_landscapes": "landscapes",
    "register_landscape": "landscapes",
    "ELEMENTWISE": "optim",
    "OptimizerSpec": "optim",
    "list_optimizers": "optim",
    "list_schedulers": "optim",
    "Trajectory": "simulation",
    "simulate": "simulation",
}

__all__ = [
    "ELEMENTWISE",
    "EngineError",
    "Landscape",
    "OptimizerSpec",
    "StationaryPoint",
    "Trajectory",
    "UnknownNameError",
    "as_landscape",
    "atomic_path",
    "cache_dir",
    "write_cache",
    "from_callable",
    "get_landscape",
    "list_landscapes",
    "list_optimizers",
    "list_schedulers",
    "load_npz",
    "register_landscape",
    "simulate",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"engine.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
