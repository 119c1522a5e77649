"""``descent surface SPEC``: a ``[model]`` spec's loss surface, alone or across processes.

The surface a render of the spec draws (the same runs, plane, view box and resolution,
so the render finds it in the cache), computed without rendering. Under ``torchrun``::

    torchrun --nproc-per-node 4 -m descent surface lecture.toml

the grid's chunks are shared by the processes (gloo on CPUs, NCCL on GPUs), gathered on
rank 0, written to the cache, and a job killed halfway resumes where it stopped
(:mod:`descent.engine.distributed`). Every rank simulates the spec's runs itself (the
same exact numbers; they are cached). Rank 0 prints one line: what was evaluated, where,
how.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from descent.engine.errors import EngineError

if TYPE_CHECKING:
    from descent.engine.plane import SurfaceRun

__all__ = ["cmd_surface", "spec_surface"]


def spec_surface(
    path: str | Path, *, resolution: int | None = None, distributed: bool = False
) -> tuple[SurfaceRun, str]:
    """The surface of the spec at ``path`` as its render draws it: ``(SurfaceRun, text)``,
    ``text`` a one-line description of the plane and grid."""
    from descent import engine
    from descent.renders.spec import load_spec
    from descent.renders.spec_scenes import scene_from_spec
    from descent.scenes.kit.networks import NetworkScene, equal_view

    spec = load_spec(path)
    if spec.landscape.network is None or spec.sweep is not None:
        raise EngineError(f"{path}: descent surface needs a [model] spec (a network on a plane)")
    scene = scene_from_spec(path)
    land, trajs = scene.simulate()
    if spec.projection == "random":
        plane = engine.random_plane(land, seed=spec.projection_seed)
    else:
        plane = engine.pca_plane(list(trajs))
    coords = np.concatenate([plane.coords(t) for t in trajs], 0)
    view = equal_view(coords, NetworkScene.plot_width, NetworkScene.plot_height)
    side = resolution or spec.resolution
    xs, ys = np.linspace(*view[0], side), np.linspace(*view[1], side)
    run = plane.surface_run(land, xs, ys, distributed=distributed)
    share = plane.captured(list(trajs))
    text = (
        f"{side}×{side} surface of {land.name} ({land.dim:,} parameters) on the "
        f"{spec.projection} plane of {len(trajs)} runs (holds {100 * share:.1f}%)"
    )
    return run, text


def cmd_surface(args: argparse.Namespace) -> int:
    """Compute (or read back) a spec's surface; rank 0 reports and writes ``--out``."""
    from descent.engine.distributed import launched_by_torchrun
    from descent.engine.fileio import atomic_path

    path = Path(args.spec)
    if not path.is_file():
        raise EngineError(f"no such spec file: {path}")
    if args.resolution is not None and not 10 <= args.resolution <= 300:
        raise EngineError(f"--resolution must be in 10..300; got {args.resolution}")
    distributed = launched_by_torchrun()
    run, text = spec_surface(path, resolution=args.resolution, distributed=distributed)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if args.out:
        with atomic_path(args.out) as tmp, open(tmp, "wb") as fh:
            np.save(fh, run.values)
    meta = run.meta
    if meta.get("cached"):
        how = "read from the cache"
    else:
        how = (
            f"evaluated {run.evaluated:,} points on {run.world} process"
            f"{'es' if run.world > 1 else ''}"
            f" ({run.resumed:,} resumed), {meta['strategy']}, {meta.get('device', 'cpu')}"
        )
    print(f"{text}: {how}" + (f"; saved {args.out}" if args.out else ""))
    return 0
