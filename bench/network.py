"""Network benchmark: the loss surface of the moons MLP on a plane, batched against a loop.

The surface is the full-data loss at ``origin + x·d1 + y·d2`` on a 100×100 grid for the
built-in MLP (2-16-16-2, tanh, 200 points of two moons). Three ways, measured in this run:

- **loop** (the floor to beat): for each grid point, load the flat vector into the module
  (``vector_to_parameters``), forward the full data, take the loss: what
  ``loss-landscape-anim`` does;
- **stacked**: :meth:`descent.engine.Plane.surface` on the MLP, whose ``nn.Linear`` layers
  are batched over stacked weights;
- **generic**: the same MLP hidden inside a module that is not an ``nn.Sequential``, so
  descent takes its generic path (``vmap`` of ``functional_call``).

Targets: stacked ≥ 10× faster than the loop and under 1 s; generic no slower than the loop.
Each figure is the median of ``--repeat`` timings (this machine drifts ±20 %).

Run: ``.venv/bin/python bench/network.py [--grid 100] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from descent import engine


class Wrapped(torch.nn.Module):
    """The same network, not an ``nn.Sequential``: descent cannot see its layers."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    land = engine.get_landscape("mlp", data="moons", hidden=(16, 16), n=200, seed=0)
    plane = engine.random_plane(land, seed=0)
    xs = ys = np.linspace(-1.0, 1.0, args.grid)
    net = land.network
    model, x, y = net.module, net.x, net.y

    def loop() -> np.ndarray:
        out = np.empty((len(ys), len(xs)))
        with torch.no_grad():
            for i, v in enumerate(ys):
                for j, u in enumerate(xs):
                    theta = torch.as_tensor(plane.point(u, v), dtype=torch.float32)
                    torch.nn.utils.vector_to_parameters(theta, model.parameters())
                    out[i, j] = float(torch.nn.functional.cross_entropy(model(x), y))
        return out

    wrapped = engine.network_landscape(Wrapped(model), net.x.numpy(), net.y.numpy())
    assert land.network.plan is not None and wrapped.network.plan is None

    plane.surface(land, xs[:8], ys[:8], cache=False)  # warm-up: thread pool, allocator
    t_stacked, z = median_time(lambda: plane.surface(land, xs, ys, cache=False), args.repeat)
    t_generic, zg = median_time(lambda: plane.surface(wrapped, xs, ys, cache=False), args.repeat)
    t_loop, zl = median_time(loop, max(1, args.repeat // 2))
    err = max(float(np.abs(z - zl).max()), float(np.abs(zg - zl).max()))  # type: ignore[operator]

    points = len(xs) * len(ys)
    print(f"{len(xs)}×{len(ys)} surface of the moons MLP ({land.dim} parameters, 200 rows)")
    print(f"  loop, one point at a time: {t_loop:7.3f} s   ({t_loop / points * 1e6:.0f} µs/point)")
    print(
        f"  stacked (built-in MLP)   : {t_stacked:7.3f} s   {t_loop / t_stacked:5.1f}× faster "
        "than the loop   (target ≥ 10×, < 1 s)"
    )
    print(
        f"  generic (vmap)           : {t_generic:7.3f} s   {t_loop / t_generic:5.1f}× faster "
        "than the loop   (target ≥ 1×)"
    )
    print(f"  largest difference from the loop's losses: {err:.1e}")


if __name__ == "__main__":
    main()
