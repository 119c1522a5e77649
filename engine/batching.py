"""Evaluating a network at many parameter vectors: batching that fits the device.

A surface on a plane, a swarm's losses and a PCA plane's read-outs all ask one question:
the full-data loss ``L(θ)`` of one module at ``B`` parameter vectors ``θ₁ … θ_B``. Three
ways to answer it, each exact in float32 (no TF32, no bf16: see :func:`exact_float32`):

- ``"stacked"``: an ``nn.Sequential`` of ``nn.Linear`` layers and elementwise activations
  multiplies stacked weights directly (one batched matrix product per layer);
- ``"vmap"``: ``torch.func.vmap`` of ``functional_call`` over stacked parameters (for a
  convolution, vmap's batching rule is a grouped convolution, ``groups = B``);
- ``"loop"``: one ``functional_call`` per vector, the module's own kernels at full width.

Which is fastest depends on the module and the device: where one vector's work is small
(a small MLP on a CPU), stacking pays 10× and more; where one vector already fills the
device (a CNN on thousands of images), the loop is the floor. :func:`plan_for` measures
the candidates on a few vectors near the module's own weights and keeps the fastest; the
plan is cached per device (CPU model and thread count, or the CUDA device) and module, in
memory and under ``cache_dir()/samples``. Chunk sizes come from the device: vectors per
chunk are bounded by the memory a chunk's activations may take (CUDA: half the free
memory; CPU: a quarter of the available RAM), and tried from the size that keeps a chunk's
activations in the CPU's last-level cache upwards. Data rows are chunked too when one
vector's activations on the whole data set would not fit: the loss is then the sum of
each chunk's summed per-row losses over the row count (the mean, as torch's ``mean``
reduction; equal to it to float32 rounding).

Examples
--------
>>> from descent import engine
>>> from descent.engine import batching
>>> from descent.engine.network import _network_of
>>> net = _network_of(engine.get_landscape("mlp", data="moons", hidden=(8,), n=64, seed=0))
>>> batching.plan_for(net, tune=False).strategy  # untuned: the stacked path when there is one
'stacked'
>>> batching.plan_for(net).strategy in batching.STRATEGIES  # measured on this device, cached
True
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import math
import os
import platform
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from descent.engine._lazy import torch_version
from descent.engine.errors import EngineError
from descent.engine.fileio import cache_dir, read_cache, write_cache

if TYPE_CHECKING:
    import torch

    from descent.engine.network import Network
else:
    from descent.engine._lazy import torch

__all__ = [
    "STRATEGIES",
    "TUNE_FROM",
    "Plan",
    "activation_bytes_per_row",
    "device_key",
    "exact_float32",
    "losses",
    "memory_budget",
    "on_device",
    "plan_for",
]

#: the ways a network is evaluated at many parameter vectors
STRATEGIES = ("stacked", "vmap", "loop")
#: bump when the probe or the plan's meaning changes (cached plans are then tuned again)
PLAN_VERSION = 3
#: vmap must beat the best of the loop and stacked weights by this factor to be chosen
MARGIN = 0.9
#: seconds one timing of one candidate may take, about
PROBE_SECONDS = 0.25
#: timings of each candidate (the best counts), alternating with the loop's
REPEATS = 3
#: seconds one timing lasts at least (a cheap candidate is called repeatedly)
MIN_TIMING = 0.02
#: below this many vectors a job takes the untuned default (the probe would cost more)
TUNE_FROM = 256

_plans: dict[str, Plan] = {}


@dataclass(frozen=True)
class Plan:
    """How a network is evaluated at many vectors on one device.

    Attributes
    ----------
    strategy
        One of :data:`STRATEGIES`.
    points
        Parameter vectors per chunk (``1`` for the loop).
    rows
        Data rows per forward pass (all of them unless the data set is chunked).
    device
        :func:`device_key` of the device it was tuned on.
    seconds_per_point
        The probe's time per vector (``None``: not measured, a small job's default).
    """

    strategy: str
    points: int
    rows: int
    device: str
    seconds_per_point: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        plan = cls(
            strategy=str(data["strategy"]),
            points=int(data["points"]),
            rows=int(data["rows"]),
            device=str(data["device"]),
            seconds_per_point=None
            if data.get("seconds_per_point") is None
            else float(data["seconds_per_point"]),
        )
        if plan.strategy not in STRATEGIES or plan.points < 1 or plan.rows < 1:
            raise EngineError(f"not an evaluation plan: {data!r}")
        return plan


# ---------------------------------------------------------------------------------------------
# The device
# ---------------------------------------------------------------------------------------------
def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def device_key(device: str) -> str:
    """What a tuned plan is valid for: ``"cuda:NVIDIA H200:150 GB"`` (the device's name and
    memory) or ``"cpu:AMD EPYC:2 threads"`` (the CPU's model and torch's thread count)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return f"cuda:{props.name}:{props.total_memory // 10**9} GB"
    if dev.type == "cpu":
        return f"cpu:{_cpu_name()}:{torch.get_num_threads()} threads"
    return f"{dev.type}"


def _available_ram() -> int:
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    with contextlib.suppress(ValueError, OSError, AttributeError):
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return 2 * 2**30


def last_level_cache() -> int:
    """Bytes of the CPU's largest cache (``/sys``; 4 MiB where it cannot be read)."""
    sizes = [4 * 2**20]
    root = "/sys/devices/system/cpu/cpu0/cache"
    with contextlib.suppress(OSError):
        for entry in os.listdir(root):
            with contextlib.suppress(OSError, ValueError):
                with open(f"{root}/{entry}/size", encoding="utf-8") as fh:
                    text = fh.read().strip().upper()
                unit = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
                sizes.append(int(text.rstrip("KMG")) * unit)
    return max(sizes)


def memory_budget(device: str) -> int:
    """Bytes one chunk's activations may take: half the free CUDA memory, or a quarter of
    the RAM the operating system reports available."""
    dev = torch.device(device)
    if dev.type == "cuda":
        free, _ = torch.cuda.mem_get_info(dev)
        return int(free // 2)
    return int(_available_ram() // 4)


@contextlib.contextmanager
def exact_float32() -> Iterator[None]:
    """Float32 as written: TF32 off for matrix products and cuDNN convolutions while the
    block runs (cuDNN's default allows TF32, 10-bit mantissas), restored afterwards."""
    matmul = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch.backends.cudnn.flags(
            enabled=torch.backends.cudnn.enabled,
            benchmark=torch.backends.cudnn.benchmark,
            deterministic=torch.backends.cudnn.deterministic,
            allow_tf32=False,
        ):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul


def on_device(net: Network, device: str) -> Network:
    """A copy of ``net`` whose module and data live on ``device`` (one rank's GPU)."""
    import dataclasses

    return dataclasses.replace(
        net,
        module=copy.deepcopy(net.module).to(device),
        x=net.x.to(device),
        y=net.y.to(device),
        device=str(device),
    )


def _sync(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


# ---------------------------------------------------------------------------------------------
# The module's size on the device
# ---------------------------------------------------------------------------------------------
def activation_bytes_per_row(net: Network) -> int:
    """Bytes of every layer's output for one data row (forward hooks on the leaf modules,
    one row through the module), at least the input row's and the output's."""
    sizes: list[int] = []

    def hook(_m: Any, _i: Any, out: Any) -> None:
        if isinstance(out, torch.Tensor):
            sizes.append(out.numel() * out.element_size())

    leaves = [m for m in net.module.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            net.module(net.x[:1])
    finally:
        for h in handles:
            h.remove()
    row = int(net.x[:1].numel() * net.x.element_size())
    return max(sum(sizes), 1) + row


def _row_chunk(net: Network, per_row: int, budget: int) -> int:
    """Rows per forward pass: all of them, unless one vector's activations do not fit."""
    rows = net.rows
    if per_row * rows <= budget or not _decomposable(net):
        return rows
    return max(1, budget // per_row)


def _decomposable(net: Network) -> bool:
    """Whether the loss is a mean over rows (then data rows may be chunked)."""
    return isinstance(net.loss, str)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------
def _unflatten_many(net: Network, thetas: torch.Tensor) -> dict[str, torch.Tensor]:
    out, at = {}, 0
    b = thetas.shape[0]
    for name, shape in zip(net.names, net.shapes, strict=True):
        size = math.prod(shape)
        out[name] = thetas[:, at : at + size].view(b, *shape)
        at += size
    return out


def _summed(net: Network, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Σ over rows of the per-row loss (the numerator of torch's mean reduction)."""
    if net.loss == "cross_entropy":
        return torch.nn.functional.cross_entropy(out, y, reduction="sum")
    return torch.nn.functional.mse_loss(out, y, reduction="sum")


def _row_slices(n: int, rows: int) -> list[slice]:
    return [slice(a, min(a + rows, n)) for a in range(0, n, rows)]


_loop_modules: weakref.WeakKeyDictionary[Any, torch.nn.Module] = weakref.WeakKeyDictionary()


def _loop_module(net: Network) -> torch.nn.Module:
    """A private copy of the module for the loop: each vector is loaded into it as the
    naive loop does (``vector_to_parameters``: its parameters become views of the vector),
    so the loop costs what the user's own loop costs (``functional_call`` swaps every
    parameter in and out on each call)."""
    module = _loop_modules.get(net)
    if module is None:
        module = copy.deepcopy(net.module)
        _loop_modules[net] = module
    return module


def _one(net: Network, theta: torch.Tensor, rows: int) -> torch.Tensor:
    """The loss at one vector (the module's own call), its data in chunks of ``rows``."""
    module = _loop_module(net)
    torch.nn.utils.vector_to_parameters(theta, module.parameters())
    if rows >= net.rows:
        return net.criterion(module(net.x), net.y)
    total = torch.zeros((), dtype=torch.float64, device=theta.device)
    for s in _row_slices(net.rows, rows):
        total += _summed(net, module(net.x[s]), net.y[s]).double()
    return (total / (net.rows * _per_row_elements(net))).to(torch.float32)


def _per_row_elements(net: Network) -> int:
    return 1 if net.loss == "cross_entropy" else int(net.y[:1].numel())


def _vmapped(net: Network, thetas: torch.Tensor, rows: int) -> torch.Tensor:
    if rows >= net.rows:
        fn = torch.func.vmap(lambda t: net.criterion(net._call(t, net.x), net.y))
        out: torch.Tensor = fn(thetas)
        return out
    total = torch.zeros(thetas.shape[0], dtype=torch.float64, device=thetas.device)
    for s in _row_slices(net.rows, rows):
        fn = torch.func.vmap(functools.partial(_summed_at, net, net.x[s], net.y[s]))
        total += fn(thetas).double()
    return (total / (net.rows * _per_row_elements(net))).to(torch.float32)


def _summed_at(net: Network, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    return _summed(net, net._call(theta, x), y)


def _stacked(net: Network, thetas: torch.Tensor, rows: int) -> torch.Tensor:
    if rows >= net.rows:
        return net._stacked_loss(thetas, net.x, net.y)
    total = torch.zeros(thetas.shape[0], dtype=torch.float64, device=thetas.device)
    for s in _row_slices(net.rows, rows):
        n = s.stop - s.start
        total += net._stacked_loss(thetas, net.x[s], net.y[s]).double() * n
    return (total / net.rows).to(torch.float32)


def losses(net: Network, thetas: torch.Tensor, plan: Plan) -> torch.Tensor:
    """Full-data losses ``(B,)`` at the vectors ``thetas`` ``(B, dim)`` (on the network's
    device) by ``plan``, in chunks of ``plan.points`` vectors, under ``no_grad`` and
    :func:`exact_float32`."""
    parts: list[torch.Tensor] = []
    with torch.no_grad(), exact_float32():
        for chunk in torch.split(thetas, plan.points):
            if plan.strategy == "stacked":
                parts.append(_stacked(net, chunk, plan.rows))
            elif plan.strategy == "vmap":
                parts.append(_vmapped(net, chunk, plan.rows))
            else:
                parts.append(torch.stack([_one(net, t, plan.rows) for t in chunk]))
    return torch.cat(parts) if parts else thetas.new_zeros(0)


# ---------------------------------------------------------------------------------------------
# Tuning
# ---------------------------------------------------------------------------------------------
def _time(fn: Callable[[], object], device: str) -> float:
    """Seconds per call of ``fn``, called until :data:`MIN_TIMING` seconds have passed (a
    single call of a cheap candidate is too short to time on a shared machine)."""
    calls = 0
    _sync(device)
    began = time.perf_counter()
    while True:
        fn()
        calls += 1
        _sync(device)
        elapsed = time.perf_counter() - began
        if elapsed >= MIN_TIMING:
            return elapsed / calls


def _sample(net: Network, count: int) -> torch.Tensor:
    """``count`` vectors near the module's own weights (seeded: no global RNG)."""
    start = torch.nn.utils.parameters_to_vector(list(net.module.parameters())).detach()
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn((count, start.numel()), generator=gen).to(start.device)
    return start + 1e-3 * noise * (start.abs().mean() + 1e-3)


def _candidates(net: Network, per_point: int, budget: int) -> list[tuple[str, int]]:
    """Strategies and chunk sizes worth timing, smallest chunk first."""
    fit = max(1, budget // max(per_point, 1))  # vectors whose activations fit the budget
    out: list[tuple[str, int]] = []
    if net.plan is not None and isinstance(net.loss, str):
        stacked = {max(1, min(s, fit)) for s in (net.batch // 4, net.batch, 4 * net.batch)}
        out.extend(("stacked", s) for s in sorted(stacked))
    cached = max(1, last_level_cache() // max(per_point, 1))
    sizes = sorted({min(fit, s) for s in (max(2, cached), 4, 16, 64, 256) if s <= 4096})
    out.extend(("vmap", s) for s in sizes if s >= 2)
    return out


def _tune(net: Network, key: str) -> Plan:
    """Time the loop and each candidate chunk on vectors near the module's weights.

    Each candidate's time is the best of :data:`REPEATS`, alternating with the loop's (a
    shared machine's load hits both alike). The loop, or stacked weights where they are
    faster, is the bar; vmap must beat it by :data:`MARGIN` (10 %).
    """
    device = str(net.x.device)
    budget = memory_budget(device)
    per_row = activation_bytes_per_row(net)
    rows = _row_chunk(net, per_row, budget)
    per_point = per_row * rows + 4 * net.dim
    loop = Plan("loop", 1, rows, key)
    loop_sample = _sample(net, 4)
    losses(net, loop_sample[:1], loop)  # warm-up (allocator, thread pool)
    loop_times: list[float] = []

    def time_loop() -> None:
        loop_times.append(_time(lambda: losses(net, loop_sample, loop), device) / 4)

    time_loop()
    measured: list[Plan] = []
    last: float | None = None
    for strategy, size in _candidates(net, per_point, budget):
        estimate = size * (last if last is not None else min(loop_times))
        if strategy == "vmap" and estimate > PROBE_SECONDS:
            break  # one chunk would take too long to probe (and gain nothing at this size)
        plan = Plan(strategy, size, rows, key)
        thetas = _sample(net, size)
        try:
            losses(net, thetas, plan)  # warm-up: vmap traces, the allocator grows
        except Exception:  # noqa: BLE001 - vmap cannot trace it (in-place ops, data-dependent flow)
            continue
        times = []
        for _ in range(REPEATS):
            times.append(_time(functools.partial(losses, net, thetas, plan), device) / size)
            time_loop()
        each = min(times)
        measured.append(Plan(strategy, size, rows, key, each))
        if strategy == "vmap":
            if last is not None and each > 1.5 * last:
                break  # bigger chunks only get slower from here
            last = each if last is None else min(last, each)
    # the module's own kernels first (the loop, or stacked weights where it beats the loop);
    # vmap only where it beats that by MARGIN: timings this close are within the noise
    best = Plan("loop", 1, rows, key, min(loop_times))
    for plan in measured:
        if plan.strategy == "stacked" and _seconds(plan) < _seconds(best):
            best = plan
    fastest = min((p for p in measured if p.strategy == "vmap"), key=_seconds, default=None)
    if fastest is not None and _seconds(fastest) < MARGIN * _seconds(best):
        best = fastest
    return best


def _seconds(plan: Plan) -> float:
    return math.inf if plan.seconds_per_point is None else plan.seconds_per_point


def _plan_path(net: Network, key: str) -> Any:
    if net.digest is None:
        return None
    text = json.dumps([PLAN_VERSION, key, net.digest, torch_version(), net.rows, net.dim])
    name = hashlib.sha256(text.encode()).hexdigest()
    return cache_dir() / "samples" / f"plan-{name}.json"


def plan_for(net: Network, *, tune: bool = True) -> Plan:
    """The fastest measured way to evaluate ``net`` at many vectors on its device.

    Tuned once per device and module (a probe of about a second at most), then read from
    memory or the cache. ``tune=False`` skips the probe for a small job: the stacked path
    where the module has one, the loop otherwise.
    """
    device = str(net.x.device)
    key = device_key(device)
    memo = f"{key}|{net.digest or id(net)}|{net.rows}|{'tuned' if tune else 'default'}"
    if memo in _plans:
        return _plans[memo]
    if not tune:
        budget = memory_budget(device)
        rows = _row_chunk(net, activation_bytes_per_row(net), budget)
        stacked = net.plan is not None and isinstance(net.loss, str)
        default = Plan("stacked", net.batch, rows, key) if stacked else Plan("loop", 1, rows, key)
        _plans[memo] = default
        return default
    path = _plan_path(net, key)
    found = None
    if path is not None:
        found = read_cache(path, lambda p: Plan.from_dict(json.loads(p.read_text("utf-8"))))
    plan = found if found is not None else _tune(net, key)
    if found is None and path is not None:
        text = json.dumps(plan.to_dict()).encode()
        write_cache(path, lambda fh: fh.write(text))
    _plans[memo] = plan
    return plan
