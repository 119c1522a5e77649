"""Losses of real networks on data: any ``torch.nn.Module`` as a landscape.

The coordinates of a network landscape are the module's parameters flattened in
``torch.nn.utils.parameters_to_vector(model.parameters())`` order, so ``dim`` is the
parameter count and :func:`descent.engine.simulate` runs the real ``torch.optim`` class
on exactly those numbers. The loss at a parameter vector ``θ`` is::

    L(θ) = mean_i ℓ(f(xᵢ; θ), yᵢ)       f evaluated by torch.func.functional_call

with ``ℓ`` cross-entropy, squared error, or your own ``(output, target) -> scalar``. With
``batch_size`` each step's gradient is the minibatch loss's, the batches drawn by a real
seeded ``DataLoader(shuffle=True)`` (the engine's convention); the recorded ``loss`` is
always the full-data loss.

Training is what ``model.train()`` training gives (``train=True``, the default):
:func:`descent.engine.simulate` runs the optimizer on a copy of the module's own tensors
(with their shapes, in your param groups), each step a minibatch forward in train mode
(dropout masks drawn from ``torch.manual_seed(seed)`` inside ``torch.random.fork_rng``;
BatchNorm on the batch's statistics, its running buffers updated). The recorded loss
``L(θ_t)`` is evaluated in eval mode with the running buffers of step ``t``; the
landscape's own ``fn`` (surfaces on a plane) uses the buffers the module had when the
landscape was made, or a run's final ones through :func:`with_buffers`.

The module's dtype is used: a float64 model runs, and is recorded, in float64; floating
data are converted to the model's dtype.

Many parameter vectors at once (a surface on a plane, a swarm) are evaluated in chunks
without a Python loop over them: an ``nn.Sequential`` of ``nn.Linear`` layers and
elementwise activations (the built-in MLP, and yours when it has that form) multiplies
stacked weights directly (``torch.baddbmm``); any other module goes through
``torch.func.vmap`` of ``functional_call``, or a loop where vmap cannot trace it.

Examples
--------
>>> from descent import engine
>>> land = engine.get_landscape("mlp", data="moons", hidden=(8,), n=64, seed=0)
>>> land.dim  # (2·8 + 8) + (8·2 + 2)
42
>>> traj = engine.simulate(land, engine.OptimizerSpec("Adam", lr=0.05), steps=30, cache=False)
>>> bool(traj.loss[-1] < 0.5 * traj.loss[0])
True
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import inspect
import json
import math
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine.datasets import DATASETS, MAX_ROWS, make_dataset
from descent.engine.errors import EngineError, unknown_name
from descent.engine.fileio import cached_array, read_cache
from descent.engine.landscapes import Landscape, register_landscape
from descent.engine.netcache import LazyNetwork, from_record, read_record, record_path, save_record

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MAX_PARAMETERS",
    "Network",
    "network_landscape",
    "with_buffers",
    "mlp",
    "outputs",
]

#: the largest parameter count of the built-in MLP (a lecture's network); any module given
#: to network_landscape is limited only by simulate's estimate of memory and disk
MAX_PARAMETERS = 100_000
#: activations of the built-in MLP (torch.nn class names)
ACTIVATIONS = {
    "tanh": "Tanh",
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "gelu": "GELU",
    "silu": "SiLU",
    "elu": "ELU",
    "softplus": "Softplus",
    "leaky_relu": "LeakyReLU",
}
#: loss names a network landscape understands (or pass a callable)
LOSSES = ("cross_entropy", "mse")
_ELEMENTWISE = frozenset(ACTIVATIONS.values()) | {"Identity"}

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------------------------------
# The network behind a landscape
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Network:
    """A module, its data and its loss: what a network landscape evaluates.

    ``module`` is a private copy in ``eval()`` mode (dropout off, batch norm on its
    running statistics), so the loss is a function of the parameters alone. ``train``
    says whether trajectories step in train mode; ``dtype`` is the module's.
    """

    module: torch.nn.Module
    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    x: torch.Tensor
    y: torch.Tensor
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    task: str
    device: str
    #: layer plan of the stacked-weights path, or ``None`` (generic path)
    plan: tuple[tuple[Any, ...], ...] | None
    digest: str | None
    dtype: torch.dtype
    train: bool

    @property
    def dim(self) -> int:
        return sum(math.prod(s) for s in self.shapes)

    @property
    def rows(self) -> int:
        return int(self.x.shape[0])

    @property
    def batch(self) -> int:
        """Parameter vectors per evaluation batch: the activations of one batch stay in
        the CPU's cache (about 4 MB), where elementwise work is fastest."""
        if self.plan is None:
            return max(1, min(256, 2**21 // max(self.rows, 1)))
        widest = max([int(s[3]) for s in self.plan if s[0] == "linear"] + [1])
        return max(1, min(4096, 2**20 // (self.rows * widest)))

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{name: tensor}`` views of one flat parameter vector ``(dim,)``."""
        out, at = {}, 0
        for name, shape in zip(self.names, self.shapes, strict=True):
            size = math.prod(shape)
            out[name] = theta[at : at + size].view(shape)
            at += size
        return out

    def criterion(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The scalar loss of one model's outputs (torch's mean reduction)."""
        if callable(self.loss):
            return self.loss(out, target)
        if self.loss == "cross_entropy":
            return torch.nn.functional.cross_entropy(out, target)
        return torch.nn.functional.mse_loss(out, target)

    # -- evaluation -----------------------------------------------------------------------------
    def forward_one(self, theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """The module's output at one parameter vector, as ``functional_call`` computes it."""
        x = self.x if rows is None else self.x[rows]
        params = self.unflatten(theta.to(self.device, self.dtype))
        out: torch.Tensor = torch.func.functional_call(self.module, params, (x,))
        return out

    def loss_one(self, theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        y = self.y if rows is None else self.y[rows]
        return self.criterion(self.forward_one(theta, rows), y)

    def forward_many(self, thetas: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``(B, n, out)`` of ``B`` parameter vectors ``(B, dim)`` on inputs ``x``."""
        if self.plan is not None:
            return _stacked_forward(self.plan, thetas, x).transpose(1, 2)
        return _generic(self, lambda t: self._call(t, x), thetas)

    def _call(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = torch.func.functional_call(self.module, self.unflatten(theta), (x,))
        return out

    def loss_many(self, thetas: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """Losses ``(B,)`` of ``B`` parameter vectors, each exactly :meth:`criterion`'s value."""
        if rows is None and not torch.is_grad_enabled():  # the device's fastest measured plan
            from descent.engine import batching

            tune = thetas.shape[0] >= batching.TUNE_FROM
            return batching.losses(self, thetas, batching.plan_for(self, tune=tune))
        x = self.x if rows is None else self.x[rows]
        y = self.y if rows is None else self.y[rows]
        if self.plan is None or callable(self.loss):
            return _generic(self, lambda t: self.criterion(self._call(t, x), y), thetas)
        return torch.cat(
            [self._stacked_loss(chunk, x, y) for chunk in torch.split(thetas, self.batch)]
        )

    def _stacked_loss(self, thetas: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        assert self.plan is not None
        out = _stacked_forward(self.plan, thetas, x)  # (B, C, n)
        b, n = out.shape[0], out.shape[2]
        if self.loss == "cross_entropy":  # mean over rows of logsumexp(out) − out[y]
            picked = out.gather(1, y.view(1, 1, n).expand(b, 1, n))[:, 0]
            return (torch.logsumexp(out, 1) - picked).mean(1)
        return ((out - y.T) ** 2).reshape(b, -1).mean(1)


def _generic(
    net: Network, one: Callable[[torch.Tensor], torch.Tensor], thetas: torch.Tensor
) -> torch.Tensor:
    """``one`` over the rows of ``thetas``: vmapped in chunks, or looped if vmap cannot."""
    results = []
    vmapped = torch.func.vmap(one)
    for chunk in torch.split(thetas, net.batch):
        try:
            results.append(vmapped(chunk))
        except Exception:  # noqa: BLE001 - data-dependent control flow, in-place ops: loop
            results.append(torch.stack([one(t) for t in chunk]))
    return torch.cat(results)


def _stacked_forward(
    plan: tuple[tuple[Any, ...], ...], thetas: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """An ``nn.Sequential`` MLP for ``B`` stacked weight sets at once: outputs ``(B, out, n)``.

    Activations are kept feature-major, ``h`` of shape ``(B, features, n)``, so that each
    ``nn.Linear`` is ``h ← W·h + b`` with ``W`` a view into the stacked vectors: one batched
    matrix product (the first layer, whose input is shared, one plain matrix product) and
    an in-place bias add. Activations apply elementwise, in place when no gradient is
    recorded.
    """
    b = thetas.shape[0]
    h = x.T  # (features, n), shared by every model
    inplace = not torch.is_grad_enabled()  # no autograd graph: activations overwrite h
    for step in plan:
        if step[0] == "linear":
            _, w_at, b_at, n_out, n_in = step
            w = thetas[:, w_at : w_at + n_out * n_in].view(b, n_out, n_in)
            if h.ndim == 2:  # the shared input: one matrix product for every model
                h = torch.mm(w.reshape(b * n_out, n_in), h).view(b, n_out, -1)
            else:  # (B, out, in) @ (B, in, n) → (B, out, n)
                h = torch.bmm(w, h)
            if b_at is not None:
                bias = thetas[:, b_at : b_at + n_out].view(b, n_out, 1)
                h = h.add_(bias) if inplace else h + bias
        elif inplace and type(step[1]).__name__ in _INPLACE:
            h = _INPLACE[type(step[1]).__name__](h)
        else:
            h = step[1](h)
    return h


_INPLACE: dict[str, Callable[[Any], Any]] = {
    "Tanh": lambda h: h.tanh_(),
    "ReLU": lambda h: h.relu_(),
    "Sigmoid": lambda h: h.sigmoid_(),
    "Identity": lambda h: h,
}


def _plan(module: torch.nn.Module, names: Sequence[str]) -> tuple[tuple[Any, ...], ...] | None:
    """The stacked-weights plan of an ``nn.Sequential`` of Linear + elementwise layers."""
    if type(module) is not torch.nn.Sequential or list(module.buffers()):
        return None
    offsets, at = {}, 0
    for name, p in module.named_parameters():
        offsets[name] = at
        at += p.numel()
    plan: list[tuple[Any, ...]] = []
    for key, layer in module.named_children():
        kind = type(layer).__name__
        if type(layer) is torch.nn.Linear:
            bias = offsets.get(f"{key}.bias")
            plan.append(("linear", offsets[f"{key}.weight"], bias, *layer.weight.shape))
        elif kind in _ELEMENTWISE and type(layer).__module__.startswith("torch.nn"):
            plan.append(("act", layer))
        else:
            return None
    return tuple(plan)


def _describe_module(module: torch.nn.Module) -> str | None:
    """Architecture text for the cache key: ``repr`` plus, for every class that is not
    torch's own, its source, the module globals its methods read and each instance's plain
    attributes (``self.scale = 2.0``: ``repr`` leaves them out). ``None`` when any of it
    cannot be known by content: no caching then."""
    from descent.engine.landscapes import _globals_read, _jsonable

    parts = [repr(module)]
    for sub in module.modules():
        cls = type(sub)
        if cls.__module__.startswith("torch."):
            continue
        try:
            parts.append(inspect.getsource(cls))
        except (OSError, TypeError):
            return None
        plain = {k: v for k, v in vars(sub).items() if not k.startswith("_") and k != "training"}
        parts.append(json.dumps(_jsonable(plain)))
        for fn in vars(cls).values():
            if isinstance(fn, types.FunctionType):
                read = _globals_read(fn, set())
                if read is None:
                    return None
                parts += read
    return "\n".join(parts)


def _digest(
    module: torch.nn.Module, x: np.ndarray, y: np.ndarray, loss: Any, *, train: bool = True
) -> str | None:
    from descent.engine.landscapes import _source_of

    arch = _describe_module(module)
    loss_text = loss if isinstance(loss, str) else _source_of(loss)
    if arch is None or loss_text is None:
        return None
    dtypes = sorted({str(p.dtype) for p in module.parameters()})
    h = hashlib.sha256(json.dumps([arch, loss_text, train, dtypes, str(x.dtype)]).encode())
    for buf in module.buffers():
        h.update(buf.detach().cpu().numpy().tobytes())
    h.update(np.ascontiguousarray(x).tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def _module_dtype(named: Sequence[tuple[str, torch.Tensor]]) -> torch.dtype:
    """The one floating dtype of the module's parameters."""
    dtypes = {p.dtype for _, p in named}
    if len(dtypes) != 1:
        found = ", ".join(sorted(str(d).removeprefix("torch.") for d in dtypes))
        raise EngineError(
            f"model's parameters mix dtypes ({found}); convert it with model.to(dtype) first"
        )
    (dtype,) = dtypes
    if not dtype.is_floating_point:
        raise EngineError(f"model's parameters must be floating point; got {dtype}")
    return dtype


def _as_dtype(what: str, t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Floating ``t`` converted to the model's ``dtype``; integers (indices) kept."""
    name = str(dtype).removeprefix("torch.")
    if t.is_complex():
        raise EngineError(f"{what} is complex; a {name} model cannot take it")
    if not t.is_floating_point():
        if t.dtype == torch.bool:
            return t.to(dtype)
        return t if what == "x" else t.to(dtype)
    out = t.to(dtype)
    if bool(torch.isfinite(t).all()) and not bool(torch.isfinite(out).all()):
        biggest = float(t.abs().max())
        raise EngineError(
            f"{what} has values {name} cannot hold (largest |{what}| = {biggest:g}); "
            f"rescale the data or convert the model with model.to(torch.float32)"
        )
    return out


def with_buffers(land: Landscape, buffers: Any, step: int = -1) -> Landscape:
    """``land`` with its module's buffers (BatchNorm running statistics) set to those a run
    recorded at ``step`` (default: the run's end), for surfaces on a plane around it.

    Parameters
    ----------
    land
        A network landscape.
    buffers
        A :class:`~descent.engine.Trajectory` (its ``buffers``) or ``{name: (steps+1, ...)}``.
    step
        Which step's buffers (Python indexing; ``-1`` is the last).

    Raises
    ------
    EngineError
        Not a network landscape, or buffers that are not the module's.
    """
    net = _network_of(land)
    recorded = getattr(buffers, "buffers", buffers)
    module = copy.deepcopy(net.module)
    own = dict(module.named_buffers())
    if set(recorded) != set(own):
        raise EngineError(f"buffers {sorted(recorded)} are not the module's ({sorted(own)})")
    if not own:
        return land
    with torch.no_grad():
        for name, buf in own.items():
            value = torch.as_tensor(np.array(recorded[name][step]))
            buf.copy_(value.reshape(buf.shape).to(buf.dtype))
    x_np = net.x.cpu().numpy()
    y_np = net.y.cpu().numpy()
    new = dataclasses.replace(
        net, module=module, digest=_digest(module, x_np, y_np, net.loss, train=net.train)
    )
    at = "end" if step == -1 else f"step {step}"
    return dataclasses.replace(
        land,
        name=f"{land.name} (buffers at {at})",
        fn=functools.partial(_full_loss, net=new),
        batch_fn=functools.partial(_batch_loss, net=new),
        network=new,
    )


# ---------------------------------------------------------------------------------------------
# The landscape
# ---------------------------------------------------------------------------------------------
def _full_loss(theta: torch.Tensor, *, net: Network) -> torch.Tensor:
    """L(θ) for θ of shape ``(..., dim)``: one vector through ``functional_call`` exactly as
    the module computes it; several at once batched (:meth:`Network.loss_many`)."""
    flat = theta.reshape(-1, net.dim)
    if flat.shape[0] == 1:
        values = net.loss_one(flat[0]).reshape(1)
    else:
        values = net.loss_many(flat.to(net.device, net.dtype))
    return values.to(theta.device).reshape(theta.shape[:-1])


def _batch_loss(theta: torch.Tensor, rows: torch.Tensor, *, net: Network) -> torch.Tensor:
    """The same loss on the minibatch ``rows`` of the data."""
    flat = theta.reshape(-1, net.dim)
    rows = rows.to(net.device)
    if flat.shape[0] == 1:
        values = net.loss_one(flat[0], rows).reshape(1)
    else:
        values = net.loss_many(flat.to(net.device, net.dtype), rows)
    return values.to(theta.device).reshape(theta.shape[:-1])


def network_landscape(
    model: torch.nn.Module,
    x: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    *,
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = "cross_entropy",
    batch_size: int | None = None,
    name: str | None = None,
    device: str | None = None,
    params: dict[str, Any] | None = None,
    train: bool = True,
) -> Landscape:
    """A :class:`~descent.engine.Landscape` over the flat parameters of ``model`` on ``(x, y)``.

    Parameters
    ----------
    model
        Any ``torch.nn.Module``. A private copy in ``eval()`` mode is used; its current
        parameters are the landscape's default start.
    x, y
        Inputs ``(n, ...)`` and targets: class indices ``(n,)`` for ``cross_entropy``,
        values for ``mse`` (``(n,)`` targets are reshaped to ``(n, 1)``).
    loss
        ``"cross_entropy"``, ``"mse"`` or a callable ``(output, target) -> scalar``.
    batch_size
        Minibatch size of each step's gradient (``None``: the full data every step).
    name
        The landscape's name (default: the module's class name).
    device
        Where the module and data are evaluated (default ``"cpu"``). Trajectories are
        still recorded on the CPU.
    params
        Factory parameters, for the registry's own entries (part of the cache key).
    train
        Whether trajectories step in train mode, as ``model.train()`` training does
        (dropout on, BatchNorm on batch statistics with its running buffers updated and
        recorded every step in ``Trajectory.buffers``); ``False`` steps in eval mode. The
        recorded loss and the landscape's ``fn`` are evaluated in eval mode either way.

    The module's dtype is the landscape's: floating ``x`` (and ``mse`` targets) are
    converted to it (float32 data with a float64 model run in float64).

    Raises
    ------
    EngineError
        A non-module, no parameters, parameters of mixed dtypes, data the model's dtype
        cannot hold, too many parameters or rows, mismatched data, an unknown loss, a bad
        batch size, or a module that fails on the data.
    """
    if not isinstance(model, torch.nn.Module):
        raise EngineError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if isinstance(loss, str) and loss not in LOSSES:
        raise unknown_name("loss", loss, LOSSES)
    if not (isinstance(loss, str) or callable(loss)):
        raise EngineError(f"loss must be a name or a callable; got {type(loss).__name__}")
    device = device or "cpu"
    module = copy.deepcopy(model).to(device).eval()
    named = [(n, p) for n, p in module.named_parameters()]
    if not named:
        raise EngineError("model has no parameters to optimise")
    dim = sum(p.numel() for _, p in named)  # recording's memory and disk: simulate's estimate
    dtype = _module_dtype(named)
    xt = _as_dtype(
        "x", x.detach().clone() if torch.is_tensor(x) else torch.tensor(np.asarray(x)), dtype
    )
    yt = y.detach().clone() if torch.is_tensor(y) else torch.tensor(np.asarray(y))
    n = int(xt.shape[0]) if xt.ndim else 0
    if n < 1 or n > MAX_ROWS:
        raise EngineError(f"data must have 1..{MAX_ROWS:,} rows; got {n:,}")
    if int(yt.shape[0] if yt.ndim else 0) != n:
        raise EngineError(f"x has {n} rows but y has {int(yt.shape[0]) if yt.ndim else 0}")
    if not (torch.isfinite(xt).all() and torch.isfinite(yt.float()).all()):
        raise EngineError("x and y must be finite")
    task = "classification" if loss == "cross_entropy" else "regression"
    if loss == "cross_entropy":
        if yt.is_floating_point() and not torch.equal(yt, yt.round()):
            raise EngineError("cross_entropy needs class indices as targets (whole numbers)")
        yt = yt.long()
    elif loss == "mse":
        yt = _as_dtype("y", yt, dtype).reshape(n, -1)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= n
    ):
        raise EngineError(f"batch_size must be an integer in 1..{n}; got {batch_size!r}")
    names = tuple(n_ for n_, _ in named)
    shapes = tuple(tuple(p.shape) for _, p in named)
    start = torch.nn.utils.parameters_to_vector([p for _, p in named]).detach().cpu()
    x_np, y_np = xt.numpy(), yt.numpy()
    net = Network(
        module=module,
        names=names,
        shapes=shapes,
        x=xt.to(device),
        y=yt.to(device),
        loss=loss,
        task=task,
        device=device,
        plan=_plan(module, names) if dtype == torch.float32 else None,
        digest=_digest(module, x_np, y_np, loss, train=bool(train)),
        dtype=dtype,
        train=bool(train),
    )
    try:
        with torch.no_grad():
            probe = net.loss_one(start)
    except Exception as exc:  # noqa: BLE001 - the user's module or loss failed on the data
        raise EngineError(f"model failed on the data: {type(exc).__name__}: {exc}") from None
    if probe.ndim != 0:
        raise EngineError(f"loss must be a scalar; got shape {tuple(probe.shape)}")
    labels = tuple(
        f"{n_}[{i}]" for n_, s in zip(names, shapes, strict=True) for i in range(math.prod(s))
    )
    title = name or type(model).__name__
    loss_label = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom loss")
    return Landscape(
        name=title,
        dim=dim,
        fn=functools.partial(_full_loss, net=net),
        formula=f"{loss_label} of {title} ({dim:,} parameters) on {n:,} rows",
        latex=rf"\mathcal{{L}}_\mathrm{{{loss_label}}}(\theta)",
        view=((-1.0, 1.0),) * dim,
        default_start=tuple(float(v) for v in start.tolist()),
        description=f"{title}: {dim:,} parameters, {loss_label} on {n:,} rows",
        axis_labels=labels,
        params=dict(params or {}),
        data=(x_np.astype(np.float64), y_np.astype(np.float64)),
        batch_size=batch_size,
        batch_fn=functools.partial(_batch_loss, net=net),
        source="network",
        network=net,
    )


def outputs(
    land: Landscape, params: ArrayLike, inputs: ArrayLike, *, cache: bool = True
) -> FloatArray:
    """The network's outputs at each parameter vector: ``(T, m, out)`` for ``params``
    ``(T, dim)`` and ``inputs`` ``(m, features)`` (batched, no gradient).

    Scenes draw decision boundaries and fitted curves from these, at the recorded
    parameters themselves (not at points of a projection plane). Cached with the
    landscape's samples (keyed by its fingerprint and the bytes of both arrays).
    """
    if land.network is None:
        raise EngineError(f"landscape '{land.name}' is not a network landscape")
    dim = int(land.network.dim)  # a LazyNetwork knows it: a cached answer needs no torch
    thetas_np = np.ascontiguousarray(np.asarray(params, dtype=np.float32).reshape(-1, dim))
    inputs_np = np.ascontiguousarray(np.asarray(inputs, dtype=np.float32))
    path = land.samples_path(thetas_np, inputs_np, tag="outputs") if cache else None

    def compute() -> FloatArray:
        net = _network_of(land)
        # torch wants arrays it may write to; a trajectory's are read-only: copied then
        thetas = torch.from_numpy(np.require(thetas_np, requirements=("C", "W"))).to(net.dtype)
        xs = torch.from_numpy(np.require(inputs_np, requirements=("C", "W")))
        xs = xs.to(net.device, net.dtype)
        with torch.no_grad():
            parts = [
                net.forward_many(chunk.to(net.device), xs)
                for chunk in torch.split(thetas, net.batch)
            ]
        result: FloatArray = torch.cat(parts).double().cpu().numpy()
        return result

    return cached_array(path, compute)


def _network_of(land: Landscape) -> Network:
    net = land.network
    if isinstance(net, LazyNetwork):
        net = net.resolve()
    if not isinstance(net, Network):
        raise EngineError(f"landscape '{land.name}' is not a network landscape")
    return net


# ---------------------------------------------------------------------------------------------
# The built-in MLP
# ---------------------------------------------------------------------------------------------
def mlp(
    n_in: int, hidden: Sequence[int], n_out: int, *, activation: str = "tanh", seed: int = 0
) -> torch.nn.Sequential:
    """``nn.Sequential(Linear, act, …, Linear)`` initialised as ``nn.Linear`` does
    (uniform ±1/√fan_in) from ``torch.Generator().manual_seed(seed)``: no global RNG."""
    if activation not in ACTIVATIONS:
        raise unknown_name("activation", str(activation), ACTIVATIONS)
    sizes = [n_in, *hidden, n_out]
    layers: list[torch.nn.Module] = []
    # nn.Linear initialises itself from the global RNG: fork_rng puts its state back (on a
    # "meta" device instead, to_empty() imports sympy: +0.5 s to every render of a network)
    with torch.random.fork_rng(devices=[]):
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(getattr(torch.nn, ACTIVATIONS[activation])())
    model = torch.nn.Sequential(*layers)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=gen)
                layer.bias.uniform_(-bound, bound, generator=gen)
    return model


@register_landscape("mlp")
def mlp_landscape(
    data: str = "moons",
    hidden: Sequence[int] = (16, 16),
    activation: str = "tanh",
    n: int = 200,
    seed: int = 0,
    noise: float | None = None,
    loss: str | None = None,
    batch_size: int | None = None,
) -> Landscape:
    """A small MLP on a built-in data set (``moons``, ``circles``, ``spirals``, ``xor``,
    ``sine``; ``digits`` and ``iris`` with scikit-learn), over its flat parameters.

    ``seed`` seeds the data and the initial weights. ``loss`` defaults to cross-entropy for
    classification and MSE for ``sine``.
    """
    if data not in DATASETS:
        raise unknown_name("data set", str(data), DATASETS)
    hidden = check_hidden(hidden)
    task = DATASETS[data]
    loss = loss or ("cross_entropy" if task == "classification" else "mse")
    params = {
        "data": data,
        "hidden": list(hidden),
        "activation": activation,
        "n": n,
        "seed": seed,
        "noise": noise,
        "loss": loss,
        "batch_size": batch_size,
    }
    build = functools.partial(_build_mlp, params)
    # built before (same parameters, torch and engine source): no torch until evaluated
    path = record_path(params)
    record = read_cache(path, read_record)
    if record is not None:
        return from_record(record, lambda: _network_of(build()))
    land = build()
    save_record(path, land)
    return land


def _build_mlp(params: dict[str, Any]) -> Landscape:
    """The built-in MLP landscape of :func:`mlp_landscape`'s (checked) parameters."""
    data, hidden, loss = params["data"], tuple(params["hidden"]), params["loss"]
    x, y = make_dataset(data, n=params["n"], seed=params["seed"], noise=params["noise"])
    n_out = int(y.max()) + 1 if loss == "cross_entropy" else 1
    model = mlp(x.shape[1], hidden, n_out, activation=params["activation"], seed=params["seed"])
    dim = sum(p.numel() for p in model.parameters())
    if dim > MAX_PARAMETERS:
        raise EngineError(
            f"model has {dim:,} parameters; the limit is {MAX_PARAMETERS:,} (a lecture's MLP)"
        )
    shape = "-".join(str(s) for s in (x.shape[1], *hidden, n_out))
    return network_landscape(
        model,
        x,
        y,
        loss=loss,
        batch_size=params["batch_size"],
        name=f"mlp {shape} {params['activation']} on {data}",
        params=dict(params),
    )


def check_hidden(hidden: Any) -> tuple[int, ...]:
    """Hidden layer sizes as a tuple: 0 to 6 layers of 1 to 512 units."""
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        sizes = tuple(hidden)
    except TypeError:
        raise EngineError(f"hidden must be a list of layer sizes; got {hidden!r}") from None
    if len(sizes) > 6 or any(
        isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 512 for s in sizes
    ):
        raise EngineError(
            f"hidden must be 0..6 layer sizes, each an integer in 1..512; got {list(sizes)!r}"
        )
    return sizes
