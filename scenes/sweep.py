"""Sweep: one small run per (learning rate, momentum) pair, side by side.

Every tile is an exact ``torch.optim.SGD`` run on the valley ½(x² + 10y²) from (−5, 2),
all 20 of them in one torch pass (one param group each) and on one clock: rows are the
learning rate, columns the momentum. Small steps crawl; momentum speeds them up until it
rings; at lr 0.25 plain SGD diverges (its tile is tinted from the step it leaves the
view) while momentum 0.3 still converges. At the end the fastest tile is outlined.

Render: ``manim -ql scenes/sweep.py Sweep``
"""

from __future__ import annotations

from descent.scenes.kit import SweepScene

__all__ = ["Sweep"]


class Sweep(SweepScene):
    description = "small multiples: SGD on ½(x² + 10y²) over lr × momentum, diverged tiles tinted"
    landscape = "ellipse"
    landscape_params = {"condition": 10.0}
    start = (-5.0, 2.0)
    steps = 60
    grid = {"lr": [0.02, 0.08, 0.16, 0.25], "momentum": [0.0, 0.3, 0.6, 0.8, 0.95]}
    motion_time = 8.0
