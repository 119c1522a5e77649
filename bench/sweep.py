"""Sweep benchmark: a 100×100 (lr, momentum) grid of exact SGD runs, batched against looped.

All in this run, on ½(x² + 10y²) from (−5, 2), 200 steps per run:

- **batched**: :func:`descent.engine.sweep`, the 10,000 runs as param groups of one
  ``torch.optim.SGD`` (every step recorded);
- **looped**: :func:`descent.engine.simulate` one run at a time (a timed sample of
  ``--sample`` runs, extrapolated to the grid);
- **floor**: torch's own ``step()`` over the same 10,000 param groups (``foreach=False``)
  with the gradients already in place and nothing recorded (``--floor-steps`` steps,
  per run-step): exact sweeps cannot go below it without re-implementing the update.

Target: batched ≥ 20× faster than looped. Prints µs per run-step for all three.

Run: ``.venv/bin/python bench/sweep.py [--side 100] [--steps 200] [--sample 30]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from descent import engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=100)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--sample", type=int, default=30, help="looped runs actually timed")
    parser.add_argument("--floor-steps", type=int, default=20)
    args = parser.parse_args()

    land = engine.get_landscape("ellipse", condition=10.0)
    lrs = np.linspace(0.004, 0.4, args.side).tolist()
    mus = np.linspace(0.0, 0.99, args.side).tolist()
    runs = len(lrs) * len(mus)
    start = [-5.0, 2.0]
    engine.sweep(land, "SGD", grid={"lr": lrs[:2]}, start=start, steps=3, cache=False)  # warm-up

    t0 = time.perf_counter()
    engine.sweep(
        land, "SGD", grid={"lr": lrs, "momentum": mus}, start=start, steps=args.steps, cache=False
    )
    t_batched = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    picks = rng.integers(0, args.side, (args.sample, 2))
    t0 = time.perf_counter()
    for i, j in picks:
        spec = engine.OptimizerSpec("SGD", lr=lrs[i], momentum=mus[j])
        engine.simulate(land, spec, start=start, steps=args.steps, cache=False)
    t_loop = (time.perf_counter() - t0) / args.sample * runs

    params = [torch.nn.Parameter(torch.tensor(start)) for _ in range(runs)]
    for p in params:
        p.grad = torch.ones(2)
    groups = [
        {"params": [p], "lr": lrs[k % args.side], "momentum": mus[k // args.side]}
        for k, p in enumerate(params)
    ]
    opt = torch.optim.SGD(groups, lr=0.1, foreach=False)
    opt.step()  # creates the momentum buffers
    t0 = time.perf_counter()
    for _ in range(args.floor_steps):
        opt.step()
    floor_per = (time.perf_counter() - t0) / (args.floor_steps * runs)

    run_steps = runs * args.steps
    print(f"{args.side}×{args.side} (lr, momentum) sweep, {args.steps} steps: {runs:,} runs")
    print(f"  floor (torch's step() over {runs:,} groups): {floor_per * 1e6:6.1f} µs per run-step")
    print(
        f"  batched (engine.sweep)               : {t_batched / run_steps * 1e6:6.1f} µs per "
        f"run-step   {t_batched:6.1f} s   {t_batched / (floor_per * run_steps):.2f}× the floor"
    )
    print(
        f"  looped (engine.simulate, {args.sample} timed)     : {t_loop / run_steps * 1e6:6.1f} µs per "
        f"run-step   {t_loop:6.1f} s (extrapolated)"
    )
    print(f"  batched is {t_loop / t_batched:.1f}× faster than looped (target ≥ 20×)")


if __name__ == "__main__":
    main()
