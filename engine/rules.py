"""torch's update rules, written out with the numbers of one recorded step.

:func:`update_terms` takes a recorded :class:`~descent.engine.Trajectory` and a step ``t``
and returns the terms of the step from ``θ_t`` to ``θ_{t+1}`` as torch computes them,
every one read from (or computed by arithmetic on) the recorded arrays: ``grad[t]``, the
optimizer state before and after the step, ``lr[t]``, the hyper-parameters. The result
also recomputes ``θ_{t+1}`` from those terms, so a display of them can be checked against
the recorded ``params[t + 1]``. Rules (torch's, default options)::

    SGD               θ ← θ − lr·g
    SGD, momentum μ   b ← μ·b + g                θ ← θ − lr·b
    Nesterov          b ← μ·b + g                θ ← θ − lr·(g + μ·b)
    Adagrad           s ← s + g²                 θ ← θ − lr·g / (√s + ε)
    RMSprop           v ← α·v + (1 − α)·g²       θ ← θ − lr·g / (√v + ε)
    Adam              m ← β₁·m + (1 − β₁)·g      v ← β₂·v + (1 − β₂)·g²
                      m̂ = m / (1 − β₁ᵗ)          v̂ = v / (1 − β₂ᵗ)
                      θ ← θ − lr·m̂ / (√v̂ + ε)

Examples
--------
>>> from descent import engine
>>> traj = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1, momentum=0.9),
...                        start=[10, 10], steps=5, cache=False)
>>> terms = update_terms(traj, 2)
>>> terms.rule
'momentum'
>>> bool(abs(terms.values["θ_next"] - traj.params[3]).max() < 1e-5)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from descent.engine.errors import EngineError
from descent.engine.optim import OptimizerSpec
from descent.engine.simulation import Trajectory

__all__ = ["UpdateTerms", "update_terms", "rule_of", "RULES"]

Array = NDArray[np.float64]
#: optimizers whose rule can be written out (with torch's default options)
RULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


@dataclass(frozen=True)
class UpdateTerms:
    """The terms of one step: ``rule`` (one of :data:`RULES`), hyper-parameters
    ``hyper`` (``lr``, ``μ``, ``β₁`` …) and per-coordinate arrays ``values`` (``g``,
    ``b``, ``m̂``, ``√v̂``, ``step``, ``θ``, ``θ_next`` …)."""

    rule: str
    step: int
    hyper: dict[str, float]
    values: dict[str, Array]


def rule_of(spec: OptimizerSpec) -> str:
    """The rule's name (one of :data:`RULES`) for a spec; raises for optimizers and options
    whose update is not written out."""
    kw = dict(spec.kwargs)
    unsupported = {
        "SGD": ("weight_decay", "dampening", "maximize"),
        "Adagrad": ("weight_decay", "lr_decay", "maximize"),
        "RMSprop": ("weight_decay", "momentum", "centered", "maximize"),
        "Adam": ("weight_decay", "amsgrad", "maximize"),
    }
    if spec.name not in unsupported or spec.scheduler is not None:
        raise EngineError(
            f"the update rule is written out for SGD, Adagrad, RMSprop and Adam; not {spec.name}"
            + (" with a scheduler" if spec.scheduler else "")
        )
    for key in unsupported[spec.name]:
        if kw.get(key):
            raise EngineError(f"the update rule is written out without {key}; {spec.name} has it")
    if spec.name == "SGD":
        if kw.get("nesterov"):
            return "nesterov"
        return "momentum" if kw.get("momentum", 0.0) else "sgd"
    return str(spec.name).lower()


def update_terms(traj: Trajectory, t: int) -> UpdateTerms:
    """The terms of step ``t`` (from ``θ_t`` to ``θ_{t+1}``) of a single recorded run."""
    if traj.batched:
        raise EngineError("update_terms needs a single run (use traj.particle(k))")
    if not 0 <= t < traj.steps:
        raise EngineError(f"step must be in 0..{traj.steps - 1}; got {t}")
    kind = rule_of(traj.spec)
    kw: dict[str, Any] = dict(traj.spec.kwargs)
    lr = float(traj.lr[t])
    g = np.asarray(traj.grad[t], np.float64) + np.asarray(traj.noise[t], np.float64)
    theta = np.asarray(traj.params[t], np.float64)
    state = {k: np.asarray(v, np.float64) for k, v in traj.state.items()}
    values: dict[str, Array] = {"g": g, "θ": theta}
    hyper: dict[str, float] = {"lr": lr}
    if kind == "sgd":
        values["step"] = -lr * g
    elif kind in ("momentum", "nesterov"):
        mu = float(kw["momentum"])
        hyper["μ"] = mu
        before = state["momentum_buffer"][t] if t > 0 else np.zeros_like(g)
        after = state["momentum_buffer"][t + 1]
        values.update({"b": before, "b_next": after})
        values["step"] = -lr * (g + mu * after) if kind == "nesterov" else -lr * after
    elif kind == "adagrad":
        eps = float(kw.get("eps", 1e-10))
        hyper["ε"] = eps
        s = state["sum"][t + 1]
        values.update({"s": state["sum"][t], "s_next": s, "√s": np.sqrt(s)})
        values["step"] = -lr * g / (np.sqrt(s) + eps)
    elif kind == "rmsprop":
        alpha, eps = float(kw.get("alpha", 0.99)), float(kw.get("eps", 1e-8))
        hyper.update({"α": alpha, "ε": eps})
        v = state["square_avg"][t + 1]
        values.update({"v": state["square_avg"][t], "v_next": v, "√v": np.sqrt(v)})
        values["step"] = -lr * g / (np.sqrt(v) + eps)
    else:  # adam
        b1, b2 = (float(b) for b in kw.get("betas", (0.9, 0.999)))
        eps = float(kw.get("eps", 1e-8))
        n = int(round(float(state["step"][t + 1])))
        hyper.update({"β₁": b1, "β₂": b2, "ε": eps, "t": float(n)})
        m, v = state["exp_avg"][t + 1], state["exp_avg_sq"][t + 1]
        m_hat, v_hat = m / (1 - b1**n), v / (1 - b2**n)
        values.update({"m": m, "v": v, "m̂": m_hat, "√v̂": np.sqrt(v_hat)})
        values["step"] = -lr * m_hat / (np.sqrt(v_hat) + eps)
    values["θ_next"] = theta + values["step"]
    return UpdateTerms(rule=kind, step=t, hyper=hyper, values=values)
