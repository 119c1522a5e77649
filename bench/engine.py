"""Engine benchmark: ``simulate`` against its floor and against runs one at a time.

All in one run, on ``rosenbrock`` with SGD(lr=1e-4, momentum=0.9), 10,000 starts × 500
steps, every step recorded:

- **floor**: a plain batched torch loop written by hand below: the same ``torch.optim.SGD``
  on one ``(K, 2)`` parameter, autograd for the gradient, and the same arrays recorded
  (positions, losses, gradients, momentum buffer) into preallocated tensors. Nothing
  descent adds (checks, cache, divergence search, read-only arrays) is in it. Two
  layouts are timed and the faster one is the floor: time-major rows (each step one
  contiguous store, one transpose at the end) and particle-major strided rows.
- ``simulate`` with the default cache on (a fresh cache folder: the first call computes;
  a swarm cheaper to recompute than to read back is not stored, so later calls compute
  too) and with ``cache=False``.
- the same starts looped one at a time (a timed sample, extrapolated to K).

Each is the best of ``--repeat`` (this 2-core machine drifts by ±20 % within minutes);
the floor and simulate alternate so drift hits both alike.

Targets: simulate ≤ 1.3× the floor with the cache on; batched ≥ 300× faster than looped;
10,000 × 500 in under 1 s (2 cores).

Run: ``.venv/bin/python bench/engine.py [--starts 10000] [--steps 500] [--sample 40]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import torch

from descent import engine


def floor(starts: np.ndarray, steps: int, layout: str = "time") -> dict[str, np.ndarray]:
    """The hand-written batched loop: torch's SGD, every step recorded.

    ``layout="time"`` writes each step's rows contiguously into ``(steps+1, K, …)`` arrays
    and transposes once at the end (the fastest plain loop here); ``"particle"`` writes
    strided rows straight into ``(K, steps+1, …)`` (the old floor, about 2× slower).
    """
    k = starts.shape[0]
    p = torch.nn.Parameter(torch.as_tensor(starts, dtype=torch.float32).clone())
    opt = torch.optim.SGD([p], lr=1e-4, momentum=0.9)
    time_major = layout == "time"
    shape = (steps + 1, k) if time_major else (k, steps + 1)
    params = torch.empty((*shape, 2))
    loss = torch.empty(shape)
    grad = torch.empty((*shape, 2))
    buf = torch.zeros((*shape, 2))
    for t in range(steps + 1):
        with torch.enable_grad():
            x, y = p[:, 0], p[:, 1]
            f = (1 - x) ** 2 + 100 * (y - x**2) ** 2
            (g,) = torch.autograd.grad(f.sum(), p)
        at = t if time_major else (slice(None), t)
        params[at] = p.detach()
        loss[at] = f.detach()
        grad[at] = g
        if t == steps:
            break
        p.grad = g
        opt.step()
        nxt = t + 1 if time_major else (slice(None), t + 1)
        buf[nxt] = opt.state[p]["momentum_buffer"]
    out = {"params": params, "loss": loss, "grad": grad, "buf": buf}
    if time_major:
        return {n: np.ascontiguousarray(v.numpy().swapaxes(0, 1)) for n, v in out.items()}
    return {n: v.numpy() for n, v in out.items()}


def timed(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--sample", type=int, default=40, help="looped runs actually timed")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["DESCENT_CACHE_DIR"] = tempfile.mkdtemp(prefix="descent-bench-")  # fresh, empty

    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(-2, 2, args.starts), rng.uniform(-1, 3, args.starts)])
    spec = engine.OptimizerSpec("SGD", lr=1e-4, momentum=0.9)
    land = engine.get_landscape("rosenbrock")
    engine.simulate(land, spec, start=starts[:8], steps=5, cache=False)  # warm-up
    floor(starts[:8], 5)

    # the same numbers: the floor is a fair one
    mine = floor(starts, args.steps)
    traj = engine.simulate(land, spec, start=starts, steps=args.steps, cache=False)
    assert np.array_equal(mine["params"], traj.params), "floor and simulate disagree"
    assert np.array_equal(mine["buf"], traj.state["momentum_buffer"])

    assert np.array_equal(floor(starts[:64], 20, "particle")["buf"], floor(starts[:64], 20)["buf"])

    t_floor, t_strided, t_cache, t_plain = [], [], [], []
    for _ in range(args.repeat):
        t_floor.append(timed(lambda: floor(starts, args.steps)))
        t_strided.append(timed(lambda: floor(starts, args.steps, "particle")))
        t_cache.append(timed(lambda: engine.simulate(land, spec, start=starts, steps=args.steps)))
        t_plain.append(
            timed(lambda: engine.simulate(land, spec, start=starts, steps=args.steps, cache=False))
        )
    f, c, n = min(min(t_floor), min(t_strided)), min(t_cache), min(t_plain)

    t0 = time.perf_counter()
    for s in starts[: args.sample]:
        engine.simulate(land, spec, start=s, steps=args.steps, cache=False)
    per_start = (time.perf_counter() - t0) / args.sample
    t_loop = per_start * args.starts

    print(
        f"engine benchmark: rosenbrock, SGD(lr=1e-4, momentum=0.9), {args.starts} starts × {args.steps} steps"
    )
    print(f"  recorded arrays: params {traj.params.shape}, state {sorted(traj.state)}")
    print(
        f"  floor, hand-written batched torch loop: {f:7.3f} s   (best of {args.repeat}, "
        f"either layout: time-major + one transpose {min(t_floor):.3f} s, "
        f"particle-major strided {min(t_strided):.3f} s)"
    )
    print(
        f"  simulate, default cache on             : {c:7.3f} s   {c / f:5.2f}× floor (target ≤ 1.3×)"
    )
    print(f"  simulate, cache=False                  : {n:7.3f} s   {n / f:5.2f}× floor")
    print(
        f"  looped, one at a time                  : {t_loop:7.1f} s   ({per_start * 1e3:.1f} ms/start × {args.starts}, "
        f"from {args.sample} timed)"
    )
    print(f"  speed-up batched/looped: {t_loop / n:8.0f} ×  (target ≥ 300 ×; batched < 1 s)")


if __name__ == "__main__":
    main()
