"""The library of loss landscapes: 1-D curves, 2-D test functions, regression on data.

Each factory builds a :class:`~descent.engine.landscapes.Landscape` and is registered
under its name (``get_landscape("himmelblau")``); the module is imported by the registry
on first use. The network landscape (``mlp``) lives in :mod:`descent.engine.network`.

Examples
--------
>>> from descent.engine.library import himmelblau
>>> land = himmelblau()
>>> float(land.value([3.0, 2.0]))
0.0
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from descent.engine.errors import EngineError, unknown_name
from descent.engine.landscapes import FloatArray, Landscape, StationaryPoint, register_landscape

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch

__all__ = [
    "REGRESSION_LOSSES",
    "REGRESSION_DATASETS",
    "cubic",
    "quartic",
    "bowl",
    "ellipse",
    "ravine",
    "steep_optima",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "regression_data",
    "regression",
]


# ---------------------------------------------------------------------------------------------
# The library: 1-D curves
# ---------------------------------------------------------------------------------------------
def _cubic(x: torch.Tensor) -> torch.Tensor:
    """f(w) = w³."""
    w = x[..., 0]
    return w**3


@register_landscape("cubic")
def cubic() -> Landscape:
    """w³: a saddle (inflection) at 0 where plain SGD crawls and momentum sails past."""
    return Landscape(
        name="cubic",
        dim=1,
        fn=_cubic,
        formula="w³",
        latex=r"w^3",
        view=((-3.0, 4.5),),
        default_start=(4.0,),
        stationary_points=(StationaryPoint((0.0,), "saddle"),),
        description="w³: a saddle at 0; SGD crawls toward it, momentum passes it",
        value_range=(-27.0, 91.125),
        optimum=None,
        axis_labels=("w",),
    )


def _quartic(x: torch.Tensor) -> torch.Tensor:
    """f(w) = 2w⁴ − 9w³ − 21w² + 88w + 48."""
    w = x[..., 0]
    return 2 * w**4 - 9 * w**3 - 21 * w**2 + 88 * w + 48


@register_landscape("quartic")
def quartic() -> Landscape:
    """2w⁴−9w³−21w²+88w+48: local minimum at 4, maximum at 1.375, global minimum at −2."""
    return Landscape(
        name="quartic",
        dim=1,
        fn=_quartic,
        formula="2w⁴ − 9w³ − 21w² + 88w + 48",
        latex=r"2w^4 - 9w^3 - 21w^2 + 88w + 48",
        view=((-3.2, 6.4),),
        default_start=(6.0,),
        stationary_points=(
            StationaryPoint((-2.0,), "global_min"),
            StationaryPoint((1.375,), "max"),
            StationaryPoint((4.0,), "local_min"),
        ),
        description="two basins: local minimum at 4 (loss 0), global minimum at −2 (loss −108)",
        value_range=(-130.0, 560.0),
        optimum=(-2.0,),
        axis_labels=("w",),
    )


# ---------------------------------------------------------------------------------------------
# 2-D surfaces
# ---------------------------------------------------------------------------------------------
def _bowl(x: torch.Tensor) -> torch.Tensor:
    """f(x, y) = (x − 3)² + (y + 2)² + 8."""
    return (x[..., 0] - 3) ** 2 + (x[..., 1] + 2) ** 2 + 8


@register_landscape("bowl")
def bowl() -> Landscape:
    """(x−3)²+(y+2)²+8: the textbook bowl for learning-rate demos."""
    return Landscape(
        name="bowl",
        dim=2,
        fn=_bowl,
        formula="(x − 3)² + (y + 2)² + 8",
        latex=r"(x-3)^2 + (y+2)^2 + 8",
        view=((-5.0, 13.0), (-8.0, 12.0)),
        default_start=(10.0, 10.0),
        stationary_points=(StationaryPoint((3.0, -2.0), "global_min"),),
        description="round bowl with minimum 8 at (3, −2): the learning-rate demo",
        value_range=(8.0, 240.0),
        optimum=(3.0, -2.0),
        axis_labels=("x", "y"),
    )


def _ellipse(x: torch.Tensor, *, condition: float) -> torch.Tensor:
    """f(x, y) = ½ (x² + κ y²), κ the condition number."""
    return 0.5 * (x[..., 0] ** 2 + condition * x[..., 1] ** 2)


@register_landscape("ellipse")
def ellipse(condition: float = 10.0) -> Landscape:
    """½(x² + κy²): an ill-conditioned valley; κ = ``condition`` (≥ 1)."""
    if not (isinstance(condition, int | float) and math.isfinite(condition) and condition >= 1):
        raise EngineError(
            f"landscape 'ellipse': condition must be a finite number ≥ 1; got {condition!r}"
        )
    condition = float(condition)
    return Landscape(
        name="ellipse",
        dim=2,
        fn=functools.partial(_ellipse, condition=condition),
        formula=f"½(x² + {condition:g}·y²)",
        latex=rf"\tfrac12\left(x^2 + {condition:g}\,y^2\right)",
        view=((-6.0, 6.0), (-3.0, 3.0)),
        default_start=(-5.0, 2.0),
        stationary_points=(StationaryPoint((0.0, 0.0), "global_min"),),
        description=f"ill-conditioned valley (condition number {condition:g}): the overshoot landscape",
        value_range=(0.0, 0.5 * (36 + condition * 9)),
        optimum=(0.0, 0.0),
        axis_labels=("x", "y"),
        params={"condition": condition},
    )


def _ravine(x: torch.Tensor) -> torch.Tensor:
    """f(w₁, w₂) = tanh²(w₁) + 0.01·|w₁| + sigmoid(w₂)."""
    w1, w2 = x[..., 0], x[..., 1]
    return torch.tanh(w1) ** 2 + 0.01 * torch.abs(w1) + torch.sigmoid(w2)


@register_landscape("ravine")
def ravine() -> Landscape:
    """tanh²(w₁)+0.01|w₁|+sigmoid(w₂): flat plateaus, a ravine along w₁ = 0."""
    return Landscape(
        name="ravine",
        dim=2,
        fn=_ravine,
        formula="tanh²(w₁) + 0.01·|w₁| + sigmoid(w₂)",
        latex=r"\tanh^2(w_1) + 0.01\,|w_1| + \sigma(w_2)",
        view=((-8.0, 8.0), (-12.0, 8.0)),
        default_start=(5.0, 5.0),
        stationary_points=(),
        description="plateaus and a ravine along w₁ = 0; infimum 0 as w₂ → −∞ (not attained)",
        value_range=(0.0, 2.1),
        optimum=None,
        axis_labels=("w₁", "w₂"),
    )


STEEP_CENTRES: tuple[tuple[float, float], ...] = ((1.0, -0.5), (-1.0, 0.5), (-0.5, -0.8))


def _steep_optima(x: torch.Tensor, *, sigma: float) -> torch.Tensor:
    """f(p) = −Σₖ exp(−|p − cₖ|² / (2σ²)) over the three centres cₖ."""
    c = torch.tensor(STEEP_CENTRES, dtype=x.dtype)
    d2 = ((x[..., None, :] - c) ** 2).sum(-1)
    return -torch.exp(-d2 / (2 * sigma**2)).sum(-1)


@register_landscape("steep_optima")
def steep_optima(sigma: float = 0.2) -> Landscape:
    """Minus three narrow Gaussian wells (σ = 0.2) on a flat plain."""
    return Landscape(
        name="steep_optima",
        dim=2,
        fn=functools.partial(_steep_optima, sigma=float(sigma)),
        formula=f"−Σ exp(−|p − cₖ|² / 2σ²), σ = {sigma:g}",
        latex=rf"-\sum_k \exp\!\left(-\frac{{\|p-c_k\|^2}}{{2\cdot{sigma:g}^2}}\right)",
        view=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(0.0, 0.0),
        stationary_points=tuple(StationaryPoint(c, "global_min") for c in STEEP_CENTRES),
        description="three narrow Gaussian wells on a flat plain: plain SGD barely moves",
        value_range=(-1.0, 0.0),
        optimum=STEEP_CENTRES[0],
        axis_labels=("x", "y"),
        params={"sigma": float(sigma)},
    )


def _rosenbrock(x: torch.Tensor, *, a: float, b: float) -> torch.Tensor:
    """f(x, y) = (a − x)² + b (y − x²)²."""
    return (a - x[..., 0]) ** 2 + b * (x[..., 1] - x[..., 0] ** 2) ** 2


@register_landscape("rosenbrock")
def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """Rosenbrock's banana valley, minimum at (a, a²)."""
    return Landscape(
        name="rosenbrock",
        dim=2,
        fn=functools.partial(_rosenbrock, a=float(a), b=float(b)),
        formula=f"({a:g} − x)² + {b:g}(y − x²)²",
        latex=rf"({a:g}-x)^2 + {b:g}\,(y-x^2)^2",
        view=((-2.0, 2.0), (-1.0, 3.0)),
        default_start=(-1.2, 1.0),
        stationary_points=(StationaryPoint((a, a * a), "global_min"),),
        description="Rosenbrock's curved banana valley, minimum 0 at (1, 1)",
        value_range=(0.0, 2500.0),
        optimum=(a, a * a),
        axis_labels=("x", "y"),
        params={"a": float(a), "b": float(b)},
    )


def _beale(x: torch.Tensor) -> torch.Tensor:
    """f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²."""
    u, v = x[..., 0], x[..., 1]
    return (1.5 - u + u * v) ** 2 + (2.25 - u + u * v**2) ** 2 + (2.625 - u + u * v**3) ** 2


@register_landscape("beale")
def beale() -> Landscape:
    """Beale's function: flat regions and sharp ridges, minimum at (3, 0.5)."""
    return Landscape(
        name="beale",
        dim=2,
        fn=_beale,
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        latex=r"(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
        view=((-4.5, 4.5), (-4.5, 4.5)),
        default_start=(1.0, 1.5),
        stationary_points=(
            StationaryPoint((3.0, 0.5), "global_min"),
            StationaryPoint((0.0, 1.0), "saddle"),
        ),
        description="Beale's function: flat plains and steep walls, minimum 0 at (3, 0.5)",
        value_range=(0.0, 2e5),
        optimum=(3.0, 0.5),
        axis_labels=("x", "y"),
    )


def _himmelblau(x: torch.Tensor) -> torch.Tensor:
    """f(x, y) = (x² + y − 11)² + (x + y² − 7)²."""
    u, v = x[..., 0], x[..., 1]
    return (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2


@register_landscape("himmelblau")
def himmelblau() -> Landscape:
    """Himmelblau's function: four equal minima, one maximum, four saddles."""
    minima = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
    saddles = (
        (0.086678, 2.884254),
        (3.385154, 0.073852),
        (-3.073026, -0.081353),
        (-0.127961, -1.953715),
    )
    return Landscape(
        name="himmelblau",
        dim=2,
        fn=_himmelblau,
        formula="(x² + y − 11)² + (x + y² − 7)²",
        latex=r"(x^2+y-11)^2 + (x+y^2-7)^2",
        view=((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(0.0, 0.0),
        stationary_points=(
            *(StationaryPoint(m, "global_min") for m in minima),
            StationaryPoint((-0.270845, -0.923039), "max"),
            *(StationaryPoint(s, "saddle") for s in saddles),
        ),
        description="Himmelblau's function: four equal minima (loss 0), a maximum and four saddles",
        value_range=(0.0, 900.0),
        optimum=minima[0],
        axis_labels=("x", "y"),
    )


def _saddle(x: torch.Tensor) -> torch.Tensor:
    """f(x, y) = x² − y²."""
    return x[..., 0] ** 2 - x[..., 1] ** 2


@register_landscape("saddle")
def saddle() -> Landscape:
    """x² − y²: the horse saddle at the origin."""
    return Landscape(
        name="saddle",
        dim=2,
        fn=_saddle,
        formula="x² − y²",
        latex=r"x^2 - y^2",
        view=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.8, 0.01),
        stationary_points=(StationaryPoint((0.0, 0.0), "saddle"),),
        description="x² − y²: a saddle at the origin, unbounded below along y",
        value_range=(-4.0, 4.0),
        optimum=None,
        axis_labels=("x", "y"),
    )


def _rastrigin(x: torch.Tensor, *, a: float) -> torch.Tensor:
    """f(p) = a·n + Σᵢ (pᵢ² − a·cos(2π pᵢ))."""
    n = x.shape[-1]
    return a * n + (x**2 - a * torch.cos(2 * math.pi * x)).sum(-1)


@register_landscape("rastrigin")
def rastrigin(a: float = 10.0) -> Landscape:
    """Rastrigin's egg-crate: a lattice of local minima around the global one at 0."""
    return Landscape(
        name="rastrigin",
        dim=2,
        fn=functools.partial(_rastrigin, a=float(a)),
        formula=f"{2 * a:g} + Σ (xᵢ² − {a:g}·cos 2πxᵢ)",
        latex=rf"{2 * a:g} + \sum_i \left(x_i^2 - {a:g}\cos 2\pi x_i\right)",
        view=((-5.12, 5.12), (-5.12, 5.12)),
        default_start=(3.2, 2.1),
        stationary_points=(StationaryPoint((0.0, 0.0), "global_min"),),
        description="Rastrigin: a lattice of local minima, global minimum 0 at the origin",
        value_range=(0.0, 81.0),
        optimum=(0.0, 0.0),
        axis_labels=("x", "y"),
        params={"a": float(a)},
    )


# ---------------------------------------------------------------------------------------------
# Data-driven: linear regression in (weight, bias)
# ---------------------------------------------------------------------------------------------
REGRESSION_LOSSES = ("mse", "l1", "huber", "smooth_l1")
REGRESSION_DATASETS = ("quadratic", "line")


def _pointwise_loss(
    pred: torch.Tensor, target: torch.Tensor, loss: str, delta: float
) -> torch.Tensor:
    """Elementwise loss of ``torch.nn.functional`` (reduction='none'); ``delta`` is Huber's δ
    and SmoothL1's β."""
    target = target.expand_as(pred)
    f = torch.nn.functional
    if loss == "mse":
        return f.mse_loss(pred, target, reduction="none")
    if loss == "l1":
        return f.l1_loss(pred, target, reduction="none")
    if loss == "huber":
        return f.huber_loss(pred, target, reduction="none", delta=delta)
    return f.smooth_l1_loss(pred, target, reduction="none", beta=delta)


def _regression(
    x: torch.Tensor,
    *,
    xs: NDArray[np.float32],
    ys: NDArray[np.float32],
    loss: str,
    delta: float = 1.0,
) -> torch.Tensor:
    """L(w, b) = mean_i ℓ(w·xᵢ + b, yᵢ), ℓ one of mse, l1, huber, smooth_l1.

    The data stay numpy arrays until the loss is evaluated (at ``x``'s precision).
    """
    pred = x[..., 0, None] * torch.as_tensor(xs, dtype=x.dtype) + x[..., 1, None]
    return _pointwise_loss(pred, torch.as_tensor(ys, dtype=x.dtype), loss, delta).mean(-1)


def _regression_batch(
    x: torch.Tensor,
    idx: torch.Tensor,
    *,
    xs: NDArray[np.float32],
    ys: NDArray[np.float32],
    loss: str,
    delta: float = 1.0,
) -> torch.Tensor:
    """The same loss on the minibatch ``idx`` of the data."""
    rows = idx.numpy()
    return _regression(x, xs=xs[rows], ys=ys[rows], loss=loss, delta=delta)


def regression_data(
    dataset: str, *, seed: int, n: int | None = None
) -> tuple[FloatArray, FloatArray]:
    """A built-in seeded data set.

    ``quadratic``: n = 50 (default), x ~ N(0, 1), y = 0.75x² + x + 2 + 0.3·ε — a line cannot
    fit it exactly. ``line``: x = −5, −4.9, …, 5, y = −5x + 1 + 0.4·ε.
    """
    rng = np.random.default_rng(seed)
    if dataset == "quadratic":
        n = 50 if n is None else n
        x = rng.standard_normal(n)
        y = 0.75 * x**2 + x + 2 + 0.3 * rng.standard_normal(n)
    elif dataset == "line":
        x = np.round(np.arange(-50, 51) / 10.0, 10)
        if n is not None:
            x = np.linspace(-5, 5, n)
        y = -5 * x + 1 + 0.4 * rng.standard_normal(x.shape[0])
    else:
        raise unknown_name("regression data set", dataset, REGRESSION_DATASETS)
    return x, y


def _irls_optimum(
    x: FloatArray, y: FloatArray, loss: str, delta: float = 1.0
) -> tuple[float, float]:
    """Minimiser (w, b) of the regression loss, by iteratively reweighted least squares."""
    a = np.stack([x, np.ones_like(x)], axis=1)
    wts = np.ones_like(x)
    coef = np.zeros(2)
    for _ in range(200 if loss != "mse" else 1):
        sw = np.sqrt(wts)
        coef = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)[0]
        r = np.abs(a @ coef - y)
        if loss == "l1":
            wts = 1.0 / np.maximum(r, 1e-9)
        else:  # huber / smooth_l1: quadratic inside |r| ≤ δ, linear outside
            wts = np.where(r <= delta, 1.0, delta / np.maximum(r, 1e-12))
    return float(coef[0]), float(coef[1])


@register_landscape("regression")
def regression(
    loss: str = "mse",
    dataset: str = "quadratic",
    x: ArrayLike | None = None,
    y: ArrayLike | None = None,
    seed: int = 0,
    batch_size: int | None = None,
    delta: float = 1.0,
) -> Landscape:
    """Linear regression ``ŷ = w·x + b`` in (weight, bias) on data.

    Parameters
    ----------
    loss
        ``mse``, ``l1``, ``huber`` or ``smooth_l1`` (torch.nn.functional, mean reduction).
    dataset
        Built-in seeded data set (``quadratic`` or ``line``) used when ``x``/``y`` are not given.
    x, y
        Your own 1-D arrays of equal length.
    seed
        Seed of the built-in data set.
    batch_size
        Minibatch size; ``None`` uses all the data each step. Batches are drawn as
        ``DataLoader(shuffle=True)`` draws them, seeded by :func:`descent.engine.simulate`'s seed.
    delta
        Huber's ``delta`` / SmoothL1's ``beta`` (torch's default 1.0, where the two coincide).
    """
    if not (isinstance(delta, int | float) and math.isfinite(delta) and delta > 0):
        raise EngineError(
            f"landscape 'regression': delta must be a finite number > 0; got {delta!r}"
        )
    delta = float(delta)
    if loss not in REGRESSION_LOSSES:
        raise unknown_name("regression loss", str(loss), REGRESSION_LOSSES)
    if x is None and y is None:
        xa, ya = regression_data(dataset, seed=seed)
    elif x is None or y is None:
        raise EngineError("landscape 'regression': give both x and y, or neither")
    else:
        xa, ya = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
        dataset = "custom"
        if xa.shape != ya.shape or xa.size < 2:
            raise EngineError(
                f"landscape 'regression': x and y need equal lengths ≥ 2; got {xa.size} and {ya.size}"
            )
        if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
            raise EngineError("landscape 'regression': x and y must be finite")
    n = xa.size
    if batch_size is not None and (not isinstance(batch_size, int) or not 1 <= batch_size <= n):
        raise EngineError(
            f"landscape 'regression': batch_size must be an integer in 1..{n}; got {batch_size!r}"
        )
    xs = xa.astype(np.float32)  # the precision the runs use (float32 parameters)
    ys = ya.astype(np.float32)
    w_opt, b_opt = _irls_optimum(xa, ya, loss, delta)
    span_w = max(abs(w_opt) * 1.5, 8.0)
    view: tuple[tuple[float, float], tuple[float, float]] = (
        (float(math.floor(w_opt - span_w)), float(math.ceil(w_opt + span_w))),
        (float(math.floor(b_opt - span_w)), float(math.ceil(b_opt + span_w))),
    )
    if dataset == "line":
        view = ((-14.0, 6.0), (-24.0, 8.0))
    start = (6.0, -3.0) if dataset != "line" else (-10.0, -20.0)
    smooth = loss != "l1"
    label = {"mse": "MSE", "l1": "L1", "huber": "Huber", "smooth_l1": "SmoothL1"}[loss]
    return Landscape(
        name="regression",
        dim=2,
        fn=functools.partial(_regression, xs=xs, ys=ys, loss=loss, delta=delta),
        formula=f"{label}(w·x + b, y) over {n} points",
        latex=rf"\mathrm{{{label}}}(w x + b,\ y)",
        view=(
            (float(view[0][0]), float(view[0][1])),
            (float(view[1][0]), float(view[1][1])),
        ),
        default_start=start,
        stationary_points=(StationaryPoint((w_opt, b_opt), "global_min"),) if smooth else (),
        description=f"linear regression, {label} loss, {n} points ({dataset} data)",
        value_range=None,
        optimum=(w_opt, b_opt),
        axis_labels=("weight", "bias"),
        params={
            "loss": loss,
            "dataset": dataset,
            "seed": seed,
            "batch_size": batch_size,
            "delta": delta,
        },
        data=(xa, ya),
        batch_size=batch_size,
        batch_fn=functools.partial(_regression_batch, xs=xs, ys=ys, loss=loss, delta=delta),
    )
