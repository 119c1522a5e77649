"""OptimizerRace and SteepOptima: six torch optimizers on the same landscape.

``OptimizerRace``: the ravine tanh²(w₁) + 0.01|w₁| + sigmoid(w₂) from (5, 5) with lr 10 for
100 steps — SGD, Momentum, Nesterov, Adagrad, RMSprop (α = 0.1) and Adam. Plateaus with
tiny gradients: SGD barely moves, the momentum methods build speed and fly far, the
adaptive methods normalise the tiny gradients and stride down the slope.

``SteepOptima``: three narrow Gaussian wells (σ = 0.2) from (0, 0) with lr 0.05. The
gradient at the start is ~1e-4: SGD and momentum stay put; Adagrad, RMSprop and Adam
rescale it and drop into a well.

Render: ``manim -ql scenes/optimizer_race.py OptimizerRace``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import Beat, SurfaceScene
from descent.scenes.kit.story import event_story, number, point_text, verb

__all__ = ["OptimizerRace", "SteepOptima", "race"]


def race(lr: float) -> tuple[OptimizerSpec, ...]:
    """The six contestants, all with learning rate ``lr``."""
    return (
        OptimizerSpec("SGD", lr=lr),
        OptimizerSpec("SGD", lr=lr, momentum=0.9),
        OptimizerSpec("SGD", lr=lr, momentum=0.9, nesterov=True),
        OptimizerSpec("Adagrad", lr=lr),
        OptimizerSpec("RMSprop", lr=lr, alpha=0.1),
        OptimizerSpec("Adam", lr=lr),
    )


class OptimizerRace(SurfaceScene):
    description = "ravine from (5, 5), lr 10: SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam"
    landscape = "ravine"
    start = (5.0, 5.0)
    steps = 100
    optimizers = race(10.0)
    motion_time = 10.0

    @classmethod
    def headline(cls) -> str:
        """``Optimizer race: Adam travels farthest in w₂`` (the largest finite fall of w₂ at
        the end: the panel's result; the losses all end close together)."""
        land, trajs = cls.simulate()
        done = [t for t in trajs if np.all(np.isfinite(np.asarray(t.params)[-1]))]
        if not done:
            return "Optimizer race: every run diverges"
        best = max(done, key=lambda t: cls.start[1] - float(np.asarray(t.params)[-1, 1]))
        return f"Optimizer race: {best.label} travels farthest in w₂"

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The contestants from the specs, then the race's events."""
        land, trajs = cls.simulate()
        names = ", ".join(s.label for s in cls.specs())
        lrs = sorted({number(s.kwargs["lr"]) for s in cls.specs()})
        opening = (
            f"{len(trajs)} optimizers, {names}, start from {point_text(cls.start)} on"
            f" {land.formula} with lr {' or '.join(lrs)}; each keeps its colour."
        )
        story = event_story(land, trajs, cls.story_theme(), steps=cls.steps, opening=opening)
        result = cls.result_beat(trajs)
        if result is None or any(b.step >= result.step for b in story):
            return story
        return (*story, result)

    @classmethod
    def result_beat(cls, trajs: Sequence[Trajectory]) -> Beat | None:
        """Near the end, the race's result as the panel reads it: how far each run came down
        in w₂ (the losses end close together). ``None``: no closing beat."""
        done = [t for t in trajs if np.all(np.isfinite(np.asarray(t.params)[-1]))]
        late = cls.steps - max(1, cls.steps // 8)
        if len(done) < 2:
            return None
        w2 = {t.label: float(np.asarray(t.params)[-1, 1]) for t in done}
        far, near = min(w2, key=w2.__getitem__), max(w2, key=w2.__getitem__)
        losses = [float(t.loss[-1]) for t in done]
        return Beat(
            late,
            "the result",
            f"By step {cls.steps} {far} has come farthest down in w₂, to {number(w2[far])};"
            f" {near} only to {number(w2[near])}. The losses end between"
            f" {number(min(losses))} and {number(max(losses))}: the distance travelled, not"
            " the loss, tells them apart.",
            [t.label for t in trajs].index(far),
        )

    auto_view = True
    plot_width = 5.1
    plot_height = 5.1
    panel_log = False
    legend_font = 21

    @property
    def panel_label(self) -> str:  # type: ignore[override]
        """``progress 5 − w₂``: the start's w₂ from the class attributes."""
        return f"progress {number(self.start[1])} − w₂"

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        """How far each run got along the ravine (how far its w₂ fell from the start's): the
        race's result, read at the panel's right end; the losses all end near 1."""
        return [self.start[1] - np.asarray(t.params)[:, 1] for t in trajs]


class SteepOptima(OptimizerRace):
    description = "three narrow Gaussian wells from (0, 0), lr 0.05: only adaptive methods find one"

    @classmethod
    def headline(cls) -> str:
        """``Flat plains, steep wells: Adagrad, RMSprop and Adam find one``: the runs that end
        more than halfway down from their start's loss to the deepest well's."""
        land, trajs = cls.simulate()
        floor = min(float(land.value(p.position)) for p in land.points_of_kind("global_min"))
        found = [
            t.label
            for t in {t.label: t for t in trajs}.values()
            if float(t.loss[-1]) - floor < 0.5 * (float(t.loss[0]) - floor)
        ]
        return "Flat plains, steep wells: " + (
            verb(found, "finds", "find") + " one" if found else "no run finds one"
        )

    landscape = "steep_optima"
    start = (0.0, 0.0)

    @classmethod
    def result_beat(cls, trajs: Sequence[Trajectory]) -> Beat | None:
        """No closing beat: the wells found are the story's tolerance events."""
        return None

    optimizers = race(0.05)
    auto_view = False
    panel_label = "loss"

    def panel_series(self, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        return [np.asarray(t.loss) for t in trajs]
