"""MomentumOvershoot: momentum overshoots the valley floor and swings back; SGD does not.

An ill-conditioned valley ½(x² + 10y²) from (−5, 2), lr 0.05: plain SGD shrinks the
steep coordinate by half each step and never crosses the minimum; momentum 0.9 carries
its velocity (arrow: the step its buffer makes, −lr·b) past the floor and swings back and
forth. The side panel shows the distance to the optimum: monotone for SGD, oscillating
for momentum.

Render: ``manim -ql scenes/momentum_overshoot.py MomentumOvershoot``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import overshoots
from descent.scenes.kit import Beat, SurfaceScene, velocity_arrows
from descent.scenes.kit.story import (
    and_join,
    event_story,
    loss_of,
    point_text,
    runs_text,
    verb,
)

__all__ = ["MomentumOvershoot", "distance_to_optimum"]


def distance_to_optimum(land: Landscape, path: np.ndarray) -> np.ndarray:
    """Euclidean distance of each point of ``path`` to the landscape's optimum."""
    assert land.optimum is not None
    return np.linalg.norm(np.asarray(path) - np.asarray(land.optimum), axis=-1)


class MomentumOvershoot(SurfaceScene):
    description = "ill-conditioned valley: momentum overshoots and swings back, SGD does not"
    landscape = "ellipse"
    landscape_params = {"condition": 10.0}
    start = (-5.0, 2.0)
    steps = 80
    optimizers = (
        OptimizerSpec("SGD", lr=0.05),
        OptimizerSpec("SGD", lr=0.05, momentum=0.9),
    )
    motion_time = 9.0
    plot_width = 6.6
    plot_height = 3.6
    plot_center = LEFT * 1.9 + DOWN * 0.2
    panel_log = False
    panel_label = "distance to optimum"

    @classmethod
    def headline(cls) -> str:
        """``Momentum overshoots and swings back; SGD does not`` (from the runs' crossings)."""
        land, trajs = cls.simulate()
        runs = list({t.label: t for t in trajs}.values())
        if land.optimum is None:
            return f"{and_join([t.label for t in runs])} in a valley"
        swing = [
            t.label
            for t in runs
            if any(
                e.kind == "swing_back"
                for e in overshoots(t.params, land.optimum, loss=loss_of(land))
            )
        ]
        calm = [t.label for t in runs if t.label not in swing]
        if not swing:
            return f"{verb(calm, 'does', 'do')} not overshoot"
        head = f"{verb(swing, 'overshoots', 'overshoot')} and swing{'s' if len(swing) == 1 else ''} back"
        return head + (f"; {verb(calm, 'does', 'do')} not" if calm else "")

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The set-up, then the events of the runs: overshoot, swing back, tolerance."""
        land, trajs = cls.simulate()
        (x0, y0) = (land.axis_labels or ("x", "y"))[:2]
        opening = (
            f"A narrow valley, {land.formula}: steep across ({y0}), shallow along ({x0})."
            f" {runs_text(cls.specs(), cls.story_theme())} start from {point_text(cls.start)}."
        )
        if any(s.kwargs.get("momentum") for s in cls.specs()):  # the arrows are drawn
            opening += " The arrow is momentum's step, −lr times its velocity."
        return event_story(land, trajs, cls.story_theme(), steps=cls.steps, opening=opening)

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        return velocity_arrows(traj)

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        return [distance_to_optimum(land, self.path_of(t)) for t in trajs]
