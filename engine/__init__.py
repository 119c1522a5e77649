"""descent's engine: exact ``torch.optim`` trajectories on a library of loss landscapes.

Pure torch + numpy (never imports manim). Its output is plain arrays: positions,
losses, gradients and the optimizer's own state for every step.

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

from engine.errors import EngineError, UnknownNameError
from engine.export import load_npz
from engine.fileio import atomic_path, cache_dir
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
from engine.simulate import Trajectory, simulate

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
    "from_callable",
    "get_landscape",
    "list_landscapes",
    "list_optimizers",
    "list_schedulers",
    "load_npz",
    "register_landscape",
    "simulate",
]
