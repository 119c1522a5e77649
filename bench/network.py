"""Network benchmark: loss surfaces on a plane, descent against the naive loop, and across processes.

All in one run, on whatever device is present (named in the output; ``--device cuda``
for a GPU, TF32 off throughout):

- **MLP**: the built-in moons MLP (2-16-16-2, tanh, 200 rows), a 100×100 grid;
- **CNN**: a small convolutional net (about 3,000 parameters) on 512 random 12×12 images,
  10 classes, a 16×16 grid (``--cnn-images``, ``--cnn-side``, ``--cnn-grid`` for bigger);
- **the floor**, for each: the naive per-point loop, what loss-landscape tools do: load
  the grid point into the module (``vector_to_parameters``), forward the full data,
  take the loss;
- **descent**: :meth:`descent.engine.Plane.surface` (no cache), whose plan (stacked
  weights, vmap over stacked parameters, or the module's own loop) was measured and
  cached per device by the first, untimed call;
- **gloo scaling**: the CNN surface under ``torchrun --nproc-per-node 1`` and ``2``, one
  thread each, timed inside the job after the process group is up.

The loop and descent alternate, ``--repeat`` times each; the best of each counts (this
machine is shared: the best is the least disturbed). Ratios are loop ÷ descent.

Targets: never slower than the loop (ratio ≥ 1) for any module on any device; ≥ 10× for
the MLP on the 2-core CPU.

Run: ``.venv/bin/python bench/network.py [--repeat 3] [--device cpu|cuda] [--no-gloo]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch

from descent import engine
from descent.engine import batching


def cnn(classes: int = 10, side: int = 12) -> torch.nn.Module:
    """A small CNN: two 3×3 convolutions with max-pooling, two linear layers."""
    torch.manual_seed(0)
    flat = 12 * (side // 4) ** 2
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 12, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(flat, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, classes),
    )


def cnn_landscape(images: int, side: int, device: str) -> engine.Landscape:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn((images, 1, side, side), generator=gen)
    y = torch.randint(0, 10, (images,), generator=gen)
    return engine.network_landscape(cnn(side=side), x, y, name="small CNN", device=device)


def mlp_landscape(device: str) -> engine.Landscape:
    base = engine.get_landscape("mlp", data="moons", hidden=(16, 16), n=200, seed=0)
    net = base.network.resolve() if hasattr(base.network, "resolve") else base.network
    if device == "cpu":
        return base
    return engine.network_landscape(net.module, net.x, net.y, name=base.name, device=device)


def naive_loop(land: engine.Landscape, plane: engine.Plane, xs: np.ndarray) -> np.ndarray:
    """The floor: one grid point at a time through the module itself."""
    net = land.network
    model, x, y = net.module, net.x, net.y
    origin = torch.tensor(plane.origin, dtype=torch.float32, device=x.device)
    d1 = torch.tensor(plane.d1, dtype=torch.float32, device=x.device)
    d2 = torch.tensor(plane.d2, dtype=torch.float32, device=x.device)
    out = torch.empty((len(xs), len(xs)), device=x.device)
    with torch.no_grad(), batching.exact_float32():
        for i, v in enumerate(xs):
            for j, u in enumerate(xs):
                theta = origin + float(u) * d1 + float(v) * d2
                torch.nn.utils.vector_to_parameters(theta, model.parameters())
                out[i, j] = torch.nn.functional.cross_entropy(model(x), y)
    return out.double().cpu().numpy()


def timed(fn: Callable[[], object], device: str) -> tuple[float, object]:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, out


def compare(name: str, land: engine.Landscape, grid: int, repeat: int, device: str) -> float:
    plane = engine.random_plane(land, seed=0)
    xs = np.linspace(-1.0, 1.0, grid)
    net = land.network.resolve() if hasattr(land.network, "resolve") else land.network
    began = time.perf_counter()
    plane.surface(land, xs, xs, cache=False)  # the first call measures the plan (cached)
    tune_s = time.perf_counter() - began
    plan = batching.plan_for(net)
    t_loop, t_mine = [], []
    z = zl = None
    for _ in range(repeat):  # alternate: the machine's load hits both alike
        s, zl = timed(lambda: naive_loop(land, plane, xs), device)
        t_loop.append(s)
        s, z = timed(lambda: plane.surface(land, xs, xs, cache=False), device)
        t_mine.append(s)
    err = float(np.abs(np.asarray(z) - np.asarray(zl)).max())
    loop, mine = min(t_loop), min(t_mine)
    points = grid * grid
    print(f"{name}: {land.dim:,} parameters, {net.rows:,} rows, {grid}×{grid} grid")
    print(f"  naive loop (the floor) : {loop:8.3f} s  ({loop / points * 1e6:8.0f} µs/point)")
    print(
        f"  descent Plane.surface  : {mine:8.3f} s  ({mine / points * 1e6:8.0f} µs/point)  "
        f"{loop / mine:6.2f}× the loop's speed   plan: {plan.strategy}, {plan.points} "
        f"vectors/chunk, {plan.rows} rows (probe {tune_s:.2f} s, once per device)"
    )
    print(f"  largest difference from the loop: {err:.1e}   (all {repeat} timings alternated)")
    return loop / mine


def worker(args: argparse.Namespace) -> None:
    """One rank of the gloo scaling run: the CNN surface, timed after the group is up."""
    import torch.distributed as dist

    from descent.engine.distributed import Group

    group = Group.join("cpu")
    land = cnn_landscape(args.cnn_images, args.cnn_side, "cpu")
    plane = engine.random_plane(land, seed=0)
    xs = np.linspace(-1.0, 1.0, args.cnn_grid)
    plane.surface_run(land, xs[:4], xs[:4], distributed=True, cache=False)  # plan, warm-up
    times = []
    for _ in range(args.repeat):
        dist.barrier()
        t0 = time.perf_counter()
        plane.surface_run(land, xs, xs, distributed=True, cache=False)
        times.append(time.perf_counter() - t0)
    if group.rank == 0:
        print(json.dumps({"seconds": min(times), "world": group.world}))
    group.close()


def gloo(args: argparse.Namespace) -> None:
    results = {}
    for _ in range(2):  # alternate 1 and 2 processes, twice; the best of each counts
        for n in (1, 2):
            cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
            cmd += [f"--nproc-per-node={n}", __file__, "--worker", "--repeat", "2"]
            cmd += [f"--cnn-images={args.cnn_images}", f"--cnn-side={args.cnn_side}"]
            cmd += [f"--cnn-grid={args.cnn_grid}"]
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
            results[n] = min(results.get(n, float("inf")), seconds)
    print(f"gloo scaling, CNN {args.cnn_grid}×{args.cnn_grid} grid, one thread per process:")
    print(f"  1 process : {results[1]:7.3f} s")
    print(
        f"  2 processes: {results[2]:7.3f} s   {results[1] / results[2]:5.2f}× "
        f"(ideal 2×; {os.cpu_count()} cores shared with the machine's other work)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=100, help="MLP grid per side")
    parser.add_argument("--cnn-images", type=int, default=512)
    parser.add_argument("--cnn-side", type=int, default=12)
    parser.add_argument("--cnn-grid", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-gloo", action="store_true", help="skip the torchrun scaling")
    parser.add_argument("--no-mlp", action="store_true", help="skip the MLP")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DESCENT_CACHE_DIR", tempfile.mkdtemp(prefix="descent-bench-"))
    if args.worker:
        worker(args)
        return
    key = batching.device_key(args.device)
    print(f"device: {key}   torch {torch.__version__}, float32, TF32 off")
    if not args.no_mlp:
        compare("MLP (moons)", mlp_landscape(args.device), args.grid, args.repeat, args.device)
    land = cnn_landscape(args.cnn_images, args.cnn_side, args.device)
    compare("CNN", land, args.cnn_grid, args.repeat, args.device)
    if not args.no_gloo:
        gloo(args)


if __name__ == "__main__":
    main()
