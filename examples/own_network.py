"""Your own network and data in a descent scene: a few lines.

Render: ``manim -ql examples/own_network.py QuadrantNet`` (or ``descent render`` it).
"""

from __future__ import annotations

import torch

from descent import engine
from descent.engine import OptimizerSpec
from descent.scenes.kit import NetworkScene

# your tensors and your module (any torch.nn.Module); its current weights are the start
gen = torch.Generator().manual_seed(0)
x = torch.rand(300, 2, generator=gen) * 4 - 2
y = (x[:, 0] * x[:, 1] > 0).long()  # the sign of the quadrant's product: an XOR pattern
model = torch.nn.Sequential(torch.nn.Linear(2, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
with torch.no_grad():  # seeded weights (any will do: they are where the runs start)
    for p in model.parameters():
        p.uniform_(-0.6, 0.6, generator=gen)


class QuadrantNet(NetworkScene):
    title = "Your network, your data"
    subtitle = "2-24-2 ReLU MLP on 300 points, momentum vs Adam, one shared PCA plane"
    optimizers = (OptimizerSpec("SGD", lr=0.1, momentum=0.9), OptimizerSpec("Adam", lr=0.02))
    steps = 150

    @classmethod
    def get_landscape(cls) -> engine.Landscape:
        return engine.network_landscape(model, x, y, loss="cross_entropy", name="quadrants")
