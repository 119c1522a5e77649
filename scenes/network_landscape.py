"""NetworkLandscape: SGD, momentum and Adam training a real network, on one shared plane.

A small MLP (2-16-16-2, tanh) learns to separate 200 points of two moons with full-batch
cross-entropy. SGD (lr 0.5), momentum (lr 0.1, μ 0.9) and Adam (lr 0.02) start from the
same initialisation and run 200 exact ``torch.optim`` steps over all 354 parameters.

Left: one PCA plane fitted to all three runs together, so they share a picture; the heat
map and contours are the true loss *on that plane*, and each dot is the projection of its
run. Right: each network's decision boundary at that step's true parameters (not at a
point of the plane), the step counter and the true loss. The caption and the read-outs
say what the plane leaves out: its share of the runs' movement, each point's distance
from the plane, and the loss the plane shows under the dot beside the true loss.

Render: ``manim -ql scenes/network_landscape.py NetworkLandscape``
"""

from __future__ import annotations

from descent.engine import OptimizerSpec
from descent.scenes.kit import NetworkScene
from descent.scenes.kit.story import count_word

__all__ = ["NetworkLandscape"]


class NetworkLandscape(NetworkScene):
    description = "MLP on two moons: SGD, momentum, Adam on one shared PCA plane + boundaries"
    landscape_params = {"data": "moons", "hidden": (16, 16), "activation": "tanh", "n": 200}
    optimizers = (
        OptimizerSpec("SGD", lr=0.5),
        OptimizerSpec("SGD", lr=0.1, momentum=0.9),
        OptimizerSpec("Adam", lr=0.02),
    )

    @classmethod
    def headline(cls) -> str:
        """``Three optimizers train one network`` (counted from the specs)."""
        n = len(cls.specs())
        return f"{count_word(n)} optimizer{'s' if n != 1 else ''} train one network"
