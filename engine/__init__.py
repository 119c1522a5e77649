"""descent's engine: exact ``torch.optim`` trajectories on a library of loss landscapes.

Pure torch + numpy (never imports manim). Its output is plain arrays: positions,
losses, gradients and the optimizer's own state for every step.

The public names load lazily (PEP 562, through ``lazy_loader``), so ``import descent.engine.errors`` or
``descent.engine.fileio`` does not import torch (the ``descent`` command stays fast). The
modules that use torch reach it through ``engine._lazy``: it is imported the first time
something is computed, so reading cached trajectories and landscape samples never
imports it (importing torch costs 1.5–2 s).

Examples
--------
>>> from descent import engine
>>> land = engine.get_landscape("quartic")
>>> spec = engine.OptimizerSpec("SGD", lr=0.001, momentum=0.9)
>>> traj = engine.simulate(land, spec, start=[6.0], steps=100, cache=False)
>>> traj.params.shape, traj.state["momentum_buffer"].shape
((101, 1), (101, 1))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from descent.engine.errors import EngineError, UnknownNameError
    from descent.engine.events import Event, find_events
    from descent.engine.export import load_npz
    from descent.engine.fileio import atomic_path, cache_dir, write_cache
    from descent.engine.landscapes import (
        Landscape,
        StationaryPoint,
        as_landscape,
        from_callable,
        get_landscape,
        list_landscapes,
        register_landscape,
    )
    from descent.engine.network import Network, network_landscape, with_buffers
    from descent.engine.optim import ELEMENTWISE, OptimizerSpec, list_optimizers, list_schedulers
    from descent.engine.plane import Plane, pca_plane, random_plane
    from descent.engine.recording import Recorder, record
    from descent.engine.simulation import Trajectory, simulate
    from descent.engine.sweeps import Sweep, convergence_rate, sweep

__all__ = [
    "ELEMENTWISE",
    "EngineError",
    "Event",
    "Landscape",
    "Network",
    "OptimizerSpec",
    "Plane",
    "Recorder",
    "StationaryPoint",
    "Sweep",
    "Trajectory",
    "UnknownNameError",
    "as_landscape",
    "atomic_path",
    "cache_dir",
    "convergence_rate",
    "with_buffers",
    "write_cache",
    "find_events",
    "from_callable",
    "get_landscape",
    "list_landscapes",
    "list_optimizers",
    "list_schedulers",
    "load_npz",
    "network_landscape",
    "pca_plane",
    "random_plane",
    "record",
    "register_landscape",
    "simulate",
    "sweep",
]


# PEP 562 through lazy_loader (as scikit-image and networkx do it): a name's module is
# imported the first time the name is read.
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submodules=[
        "datasets",
        "errors",
        "events",
        "export",
        "fileio",
        "formula",
        "landscapes",
        "netcache",
        "network",
        "optim",
        "plane",
        "recording",
        "simulation",
        "sweeps",
    ],
    submod_attrs={
        "errors": ["EngineError", "UnknownNameError"],
        "events": ["Event", "find_events"],
        "export": ["load_npz"],
        "fileio": ["atomic_path", "cache_dir", "write_cache"],
        "landscapes": [
            "Landscape",
            "StationaryPoint",
            "as_landscape",
            "from_callable",
            "get_landscape",
            "list_landscapes",
            "register_landscape",
        ],
        "network": ["Network", "network_landscape", "with_buffers"],
        "plane": ["Plane", "pca_plane", "random_plane"],
        "optim": ["ELEMENTWISE", "OptimizerSpec", "list_optimizers", "list_schedulers"],
        "recording": ["Recorder", "record"],
        "simulation": ["Trajectory", "simulate"],
        "sweeps": ["Sweep", "convergence_rate", "sweep"],
    },
)
