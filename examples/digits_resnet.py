"""A lecture-scale network: a small residual CNN learning handwritten digits, three optimizers.

scikit-learn's digits (8×8 grey images, 10 classes; the first 256 of a seeded shuffle),
a residual CNN of 1,338 parameters (counted in ``WEIGHTS``: a 3×3 convolution to 8 channels, one residual block
of two 3×3 convolutions with a skip connection, global average pooling, a linear layer),
full-batch cross-entropy. SGD, momentum and Adam start from the same initialisation and
take 100 exact ``torch.optim`` steps. Left: one PCA plane of the three runs with the true
loss on it (surface evaluated by descent's batching, measured per device); the caption
gives the plane's share of the runs' movement and each read-out its run's distance off
the plane. Right: the full-data loss of each run.

Render: ``descent render examples/digits_resnet.py --quality low`` (or ``manim -ql``).
"""

from __future__ import annotations

import torch

from descent import engine
from descent.engine import OptimizerSpec
from descent.engine.datasets import make_dataset
from descent.scenes.kit import Beat, NetworkScene


class ResidualBlock(torch.nn.Module):
    """``relu(x + conv(relu(conv(x))))``: two 3×3 convolutions and a skip connection."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.conv2(torch.relu(self.conv1(x))))


class DigitsResNet(torch.nn.Module):
    """Stem convolution, one residual block, global average pooling, a linear classifier."""

    def __init__(self, channels: int = 8, classes: int = 10) -> None:
        super().__init__()
        self.stem = torch.nn.Conv2d(1, channels, 3, padding=1)
        self.block = ResidualBlock(channels)
        self.head = torch.nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.block(torch.relu(self.stem(x)))
        return self.head(h.mean((2, 3)))


def digits_landscape() -> engine.Landscape:
    """The residual CNN on 256 digits, its weights from ``torch.manual_seed(0)``'s default
    initialisation (the global RNG's state is put back)."""
    x, y = make_dataset("digits", n=256, seed=0)  # (256, 64) in [0, 1], labels 0..9
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = DigitsResNet()
    images = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8)
    return engine.network_landscape(model, images, y, name="residual CNN on digits")


#: the weights the optimizers move (counted, not typed)
WEIGHTS = sum(p.numel() for p in DigitsResNet().parameters())
STEPS = 100


class DigitsResNetRace(NetworkScene):
    title = "Three optimizers train a residual CNN"
    subtitle = (
        f"{WEIGHTS:,} weights, 256 handwritten digits (8×8), same initialisation, {STEPS} steps"
    )
    optimizers = (
        OptimizerSpec("SGD", lr=0.5),
        OptimizerSpec("SGD", lr=0.1, momentum=0.9),
        OptimizerSpec("Adam", lr=0.01),
    )
    steps = STEPS
    resolution = 32
    run_time = 10.0
    beats = (
        Beat(
            0,
            "one network, three optimizers",
            "A residual CNN reads 8×8 digits; all three runs start from the same weights.",
        ),
        Beat(
            60,
            "one plane for all three",
            "The plane is fitted to all three runs: its share of their movement is under it,"
            " and each run's distance off it is in its read-out.",
        ),
    )

    @classmethod
    def get_landscape(cls) -> engine.Landscape:
        return digits_landscape()
