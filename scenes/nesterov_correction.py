"""NesterovCorrection: classical momentum vs Nesterov's look-ahead, same lr and μ.

For a few steps, slowed down, each dot shows the anatomy of its step: the momentum
step (μ·v, the velocity carried over), the point where the gradient is taken (classical:
where it stands; Nesterov: at the look-ahead point, drawn as a ghost), the gradient step
−lr·∇f there, and where it lands. Nesterov's gradient already "sees" the far wall of the
valley and corrects earlier; then both run on and Nesterov overshoots less.

Nesterov is drawn in the textbook look-ahead form (Sutskever et al., 2013): torch's
``nesterov=True`` parameter *is* the look-ahead point φ_t; the iterate θ_t is
φ_t + μ·lr·b_t (see :func:`descent.scenes.kit.lookahead_form`). Everything comes from the
recorded params, gradients and momentum buffers.

Render: ``manim -ql scenes/nesterov_correction.py NesterovCorrection``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import Beat, PlotArea, Track, label, lookahead_form
from descent.scenes.momentum_overshoot import MomentumOvershoot

__all__ = ["NesterovCorrection", "step_anatomy"]


def step_anatomy(traj: Trajectory, path: np.ndarray, t: int) -> dict[str, np.ndarray]:
    """Data-space points of step ``t``: ``start``, ``ahead`` (after the momentum step
    −η·μ·b[t]), ``grad_at`` (where the gradient is taken: ``start`` for classical momentum,
    ``ahead`` for Nesterov) and ``end`` (the next iterate)."""
    lr = float(traj.lr[t])
    mu = float(traj.spec.kwargs.get("momentum", 0.0))
    buf = np.asarray(traj.state["momentum_buffer"])
    start = path[t]
    ahead = start - lr * mu * buf[t]
    nesterov = bool(traj.spec.kwargs.get("nesterov", False))
    return {
        "start": start,
        "ahead": ahead,
        "grad_at": ahead if nesterov else start,
        "end": path[t + 1],
    }


class NesterovCorrection(MomentumOvershoot):
    """The same valley, layout and distance panel as :class:`MomentumOvershoot`."""

    description = "momentum vs Nesterov, same lr and μ: the look-ahead gradient corrects earlier"
    title = "Nesterov: the gradient at the look-ahead point"
    subtitle = "½(x² + 10·y²) from (−5, 2), lr = 0.05, μ = 0.9"
    optimizers = (
        OptimizerSpec("SGD", lr=0.05, momentum=0.9),
        OptimizerSpec("SGD", lr=0.05, momentum=0.9, nesterov=True),
    )
    run_time = 8.0
    view = ((-5.5, 3.0), (-2.3, 2.3))  # where the action is: the first steps' arrows read larger
    #: the steps explained one by one, slowed down
    explained_steps = (2, 3, 4, 5)
    beats = (
        Beat(
            5,
            "smaller overshoots",
            "Then both run on. The gradient at the look-ahead point already"
            " points back, so Nesterov brakes before it overshoots: within 1 of the optimum at step"
            " 6, classical momentum at step 20.",
        ),
    )
    seconds_per_explained_step = 2.4

    def path_of(self, traj: Trajectory) -> np.ndarray:
        return lookahead_form(traj) if traj.spec.kwargs.get("nesterov") else np.asarray(traj.params)

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        return None  # the step anatomy draws the momentum steps itself

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        # -- slowed-down anatomy of the first steps --
        caption = label("momentum step  →  gradient there  →  next point", 18, self.theme.muted)
        caption.next_to(area.frame, DOWN, buff=0.12).align_to(area.frame[0], LEFT)
        self.beat(
            "the look-ahead",
            "Both keep 90 % of their velocity. Classical momentum takes the gradient where it"
            " stands; Nesterov takes it at the look-ahead point (ring), where momentum is carrying it.",
            duration=0.9
            + len(self.explained_steps)
            * (0.6 + len(trajs) * (self.seconds_per_explained_step / 2 + 0.3)),
        )  # FadeIn 0.5 + FadeOut 0.4; per step: clock 0.6; per run, one at a time: grow and
        # wait (s/4 each), fade 0.3
        self.play(FadeIn(caption), run_time=0.5)
        for t in self.explained_steps:
            self.play(self.clock.to(t, 0.6))
            for traj, track in zip(trajs, tracks, strict=True):  # one run's anatomy at a time
                part = self.anatomy(area, traj, track.color, t)
                self.play(*part["grow"], run_time=self.seconds_per_explained_step / 4)
                self.wait(self.seconds_per_explained_step / 4)
                self.play(FadeOut(part["group"]), run_time=0.3)
        self.play(FadeOut(caption), run_time=0.4)

    def anatomy(self, area: PlotArea, traj: Trajectory, color: str, t: int) -> dict[str, object]:
        """Arrows of one step (built here, played by the caller)."""
        pts = {k: area.to_scene(v) for k, v in step_anatomy(traj, self.path_of(traj), t).items()}
        momentum = Arrow(
            pts["start"],
            pts["ahead"],
            buff=0,
            color=color,
            stroke_width=7,
            max_tip_length_to_length_ratio=0.35,
        )
        # where the gradient is taken: a ring larger than the dot, named
        ghost = Circle(radius=0.2, color=self.theme.text, stroke_width=4).move_to(pts["grad_at"])
        where = "look-ahead: gradient here" if traj.spec.kwargs.get("nesterov") else "gradient here"
        name = label(where, 18, self.theme.text).next_to(ghost, RIGHT + DOWN, buff=0.05)
        gradient = Arrow(
            pts["ahead"],
            pts["end"],
            buff=0,
            color=self.theme.text,
            stroke_width=7,
            max_tip_length_to_length_ratio=0.35,
        )
        probe = (
            DashedLine(pts["grad_at"], pts["ahead"], color=self.theme.text, stroke_width=2)
            if not np.allclose(pts["grad_at"], pts["ahead"])
            else VGroup()
        )
        group = VGroup(momentum, ghost, name, gradient, probe)
        return {
            "group": group,
            "grow": [GrowArrow(momentum), FadeIn(ghost), FadeIn(name), GrowArrow(gradient)],
        }
