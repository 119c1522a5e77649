"""CurveFit: SGD, momentum and Adam fitting a noisy sine with a real network.

An MLP (1-32-32-1, tanh) regresses 120 noisy samples of sin(x) with mean squared error;
SGD (lr 0.05), momentum (lr 0.05, μ 0.9) and Adam (lr 0.01) start from one initialisation
and run 200 exact ``torch.optim`` steps over its 1,153 parameters. Left: the shared PCA
plane of the three runs with the true loss on it; right: each network's fitted curve at
that step's true parameters, and the true loss. Momentum and Adam fit the two bumps
within about 50 steps; plain SGD at the same rate is still flattening them at step 100.

Render: ``manim -ql scenes/curve_fit.py CurveFit``
"""

from __future__ import annotations

from descent.engine import OptimizerSpec
from descent.scenes.kit import NetworkScene
from descent.scenes.kit.story import count_word

__all__ = ["CurveFit"]


class CurveFit(NetworkScene):
    description = "MLP fitting a noisy sine: SGD, momentum, Adam on one PCA plane + fitted curves"
    landscape_params = {"data": "sine", "hidden": (32, 32), "activation": "tanh", "n": 120}
    optimizers = (
        OptimizerSpec("SGD", lr=0.05),
        OptimizerSpec("SGD", lr=0.05, momentum=0.9),
        OptimizerSpec("Adam", lr=0.01),
    )

    @classmethod
    def headline(cls) -> str:
        """``Three optimizers fit a curve`` (counted from the specs)."""
        n = len(cls.specs())
        return f"{count_word(n)} optimizer{'s' if n != 1 else ''} fit a curve"
