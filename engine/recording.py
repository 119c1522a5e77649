"""Record any training loop as a :class:`~descent.engine.Trajectory`.

(The module is ``recording``: a submodule named ``record`` would shadow the function
``descent.engine.record`` once imported.)

:func:`record` hooks ``optimizer.step`` (torch's own ``register_step_pre_hook`` and
``register_step_post_hook``): whatever calls ``step()`` (a plain loop, PyTorch
Lightning, gradient accumulation, AMP, augmentation, a custom loss), each step becomes a
row. The hooks only read: the loop computes exactly what it computes without them.

Recorded, for ``t = 0 … steps`` (``steps`` = the number of ``step()`` calls):

- ``params[t]``: ``parameters_to_vector(model.parameters())`` after ``t`` steps, as
  float32 on the CPU (or rows of a raw float32 file on disk with ``path``);
- ``grad[t]``: the gradient ``step`` ``t`` received (``p.grad`` as the loop left it, after
  its own clipping or unscaling; the last row is zeros: no step used it);
- ``lr[t]``: ``optimizer.param_groups[0]["lr"]`` when step ``t`` ran;
- ``loss[t]``: the loss the loop reports for step ``t`` (``rec.report(loss)`` before
  ``step()``, or the first value a ``step(closure)``'s closure returns); ``nan`` where the
  loop reported none.

Examples
--------
>>> import torch
>>> from descent import engine
>>> model = torch.nn.Linear(3, 1)
>>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
>>> x, y = torch.ones(8, 3), torch.zeros(8, 1)
>>> with engine.record(model, opt) as rec:
...     for _ in range(5):
...         opt.zero_grad()
...         loss = torch.nn.functional.mse_loss(model(x), y)
...         loss.backward()
...         rec.report(loss)
...         opt.step()
>>> rec.trajectory.params.shape, rec.trajectory.steps
((6, 4), 5)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from descent.engine.errors import EngineError

if TYPE_CHECKING:
    import torch

    from descent.engine.simulation import Trajectory
else:
    from descent.engine._lazy import torch

__all__ = ["Recorder", "record"]


class Recorder:
    """The recording of one training loop; use it through :func:`record`.

    ``trajectory`` is the :class:`~descent.engine.Trajectory` once the ``with`` block has
    ended.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        optimizers: Sequence[torch.optim.Optimizer],
        *,
        path: str | os.PathLike[str] | None,
        name: str | None,
        label: str | None,
    ) -> None:
        self.model = model
        self.optimizers = list(optimizers)
        self.params = [p for p in model.parameters()]
        self.dim = sum(p.numel() for p in self.params)
        self.name = name or type(model).__name__
        self.label = label
        self.path = None if path is None else Path(path)
        self._rows: list[np.ndarray] = []
        self._grads: list[np.ndarray] = []
        self._files: list[Any] = []
        self._lr: list[float] = []
        self._loss: list[float] = []
        self._pending = float("nan")
        self._handles: list[Any] = []
        self._count = 0
        self._trajectory: Trajectory | None = None

    # -- what the loop calls ----------------------------------------------------------------------
    def report(self, loss: float | torch.Tensor) -> None:
        """The loss of the step about to be taken (a tensor is read with ``.item()``)."""
        self._pending = float(loss.detach().item() if torch.is_tensor(loss) else loss)

    @property
    def steps(self) -> int:
        """Steps recorded so far."""
        return self._count

    @property
    def trajectory(self) -> Trajectory:
        """The recorded run (after the ``with`` block)."""
        if self._trajectory is None:
            raise EngineError("the recording is still open: read trajectory after the with block")
        return self._trajectory

    # -- the hooks ------------------------------------------------------------------------------
    def _flat(self, tensors: Sequence[torch.Tensor | None]) -> np.ndarray:
        parts = [
            (t if t is not None else torch.zeros_like(p)).detach().reshape(-1)
            for t, p in zip(tensors, self.params, strict=True)
        ]
        return torch.cat(parts).to("cpu", torch.float32).numpy().copy()

    def _store(self, which: int, row: np.ndarray) -> None:
        if self.path is None:
            (self._rows if which == 0 else self._grads).append(row)
        else:
            self._files[which].write(row.tobytes())

    def _pre(self, optimizer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if optimizer is not self.optimizers[0]:
            return None
        self._lr.append(float(optimizer.param_groups[0]["lr"]))
        # torch passes the bound call's args, the optimizer first: step(self, closure)
        closure = args[1] if len(args) > 1 else kwargs.get("closure")
        if closure is None:
            self._loss.append(self._pending)
            self._pending = float("nan")
            self._store(1, self._flat([p.grad for p in self.params]))
            return None
        first = [True]

        def wrapped() -> Any:  # the closure's own value, untouched; its first one recorded
            value = closure()
            if first[0]:
                first[0] = False
                loss = self._pending if value is None else float(torch.as_tensor(value).item())
                self._loss.append(loss)
                self._store(1, self._flat([p.grad for p in self.params]))
            return value

        if len(args) > 1:
            return (args[0], wrapped, *args[2:]), kwargs
        return args, {**kwargs, "closure": wrapped}

    def _post(self, optimizer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if optimizer is not self.optimizers[-1]:
            return
        self._store(0, self._flat(list(self.params)))
        self._count += 1

    # -- the context ----------------------------------------------------------------------------
    def __enter__(self) -> Recorder:
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._files = [
                open(self.path / "params.f32", "wb"),  # noqa: SIM115 - closed in __exit__
                open(self.path / "grad.f32", "wb"),  # noqa: SIM115
            ]
        self._store(0, self._flat(list(self.params)))
        for opt in self.optimizers:
            self._handles.append(opt.register_step_pre_hook(self._pre))
            self._handles.append(opt.register_step_post_hook(self._post))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        for fh in self._files:
            fh.close()
        self._trajectory = self._build()

    def _arrays(self, which: int, rows: int) -> np.ndarray:
        if self.path is None:
            stack = self._rows if which == 0 else self._grads
            return np.stack(stack) if stack else np.zeros((0, self.dim), np.float32)
        name = "params.f32" if which == 0 else "grad.f32"
        if rows == 0:
            return np.zeros((0, self.dim), np.float32)
        return np.memmap(self.path / name, np.float32, mode="r", shape=(rows, self.dim))

    def _build(self) -> Trajectory:
        from descent.engine.optim import OptimizerSpec
        from descent.engine.simulation import Trajectory, first_non_finite

        n = self._count
        params = self._arrays(0, n + 1)
        grads = self._arrays(1, len(self._lr))[:n]
        grad = np.concatenate([grads, np.zeros((1, self.dim), np.float32)])
        loss = np.array([*self._loss[:n], self._pending], dtype=np.float64)
        lr = np.array([*self._lr[:n], float(self.optimizers[0].param_groups[0]["lr"])])
        reported = np.where(np.isnan(loss) & (np.arange(n + 1) >= 0), 0.0, loss)
        at = int(first_non_finite(reported[None], np.asarray(params)[None])[0])
        names = [type(o).__name__ for o in self.optimizers]
        label = self.label or (" + ".join(names) if len(names) > 1 else None)
        spec = _spec_of(self.optimizers[0], label, OptimizerSpec)
        for arr in (params, grad, loss, lr):
            if isinstance(arr, np.ndarray) and not isinstance(arr, np.memmap):
                arr.flags.writeable = False
        return Trajectory(
            landscape=self.name,
            spec=spec,
            params=params,
            loss=loss,
            grad=grad,
            state={},
            lr=lr,
            noise=np.broadcast_to(np.zeros((), np.float32), params.shape),
            diverged=at >= 0,
            diverged_at=None if at < 0 else at,
        )


def _spec_of(optimizer: Any, label: str | None, spec_class: Callable[..., Any]) -> Any:
    """An ``OptimizerSpec`` of the optimizer's class, its ``lr`` and the plain-number
    options the loop set away from the constructor's defaults."""
    import inspect

    try:
        params = inspect.signature(type(optimizer)).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    plain = {
        k: v
        for k, v in optimizer.defaults.items()
        if k in params
        and (k == "lr" or v != params[k].default)  # the ones the loop chose
        and (
            isinstance(v, bool | int | float | str)
            or (isinstance(v, tuple) and all(isinstance(e, int | float) for e in v))
        )
    }
    try:
        return spec_class(type(optimizer), label=label, **plain)
    except EngineError:
        return spec_class(type(optimizer), label=label)


def record(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | Sequence[torch.optim.Optimizer],
    *,
    path: str | os.PathLike[str] | None = None,
    name: str | None = None,
    label: str | None = None,
) -> Recorder:
    """A context manager that records every ``optimizer.step()`` of a training loop.

    Parameters
    ----------
    model
        The module trained; its ``parameters()`` are recorded flat, in
        ``parameters_to_vector`` order (the coordinates of its network landscape).
    optimizer
        The torch optimizer the loop steps, or several stepped one after another each
        training step (Muon for the matrices, AdamW for the rest): a row is recorded after
        the last one's step; ``lr`` and ``grad`` are read before the first one's.
    path
        A folder for big models: parameters and gradients go to ``params.f32`` and
        ``grad.f32`` there (raw float32 rows, C order) and the trajectory maps them
        read-only; ``None`` keeps them in memory.
    name
        The trajectory's landscape name (default: the model's class name).
    label
        The optimizer's display name (default: its class name).

    Returns
    -------
    Recorder
        ``rec.report(loss)`` in the loop; ``rec.trajectory`` after the block.

    Raises
    ------
    EngineError
        ``model`` is not a module with parameters, or ``optimizer`` not an optimizer.
    """
    if not isinstance(model, torch.nn.Module) or not list(model.parameters()):
        raise EngineError("record needs a torch.nn.Module with parameters")
    optimizers = [optimizer] if isinstance(optimizer, torch.optim.Optimizer) else list(optimizer)
    if not optimizers or not all(isinstance(o, torch.optim.Optimizer) for o in optimizers):
        raise EngineError("record needs a torch.optim.Optimizer (or a list of them)")
    return Recorder(model, optimizers, path=path, name=name, label=label)
