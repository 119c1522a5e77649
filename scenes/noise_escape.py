"""NoiseEscape: gradient noise kicks particles out of a local minimum.

A swarm of 40 particles starts in the local minimum (w ≈ 4) of the quartic. Left: SGD with
Gaussian noise added to every gradient (σ = 170); the learning rate anneals (cosine) from
0.003 to 0, so the swarm is hot early and cools: particles kicked over the barrier
settle in the deeper global basin and stay. Right: the same swarm without noise — none
move. Counters "k / N escaped" follow the clock.

Render: ``manim -ql scenes/noise_escape.py NoiseEscape``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.engine import OptimizerSpec, Trajectory
from descent.scenes.kit import (
    Beat,
    DescentScene,
    PlotArea,
    label,
    live_text,
    step_arrows_1d,
    step_counter,
    tangent_line,
)
from descent.scenes.kit.rules import num

__all__ = ["NoiseEscape", "escaped"]

BARRIER = 1.375  # the maximum between the two basins


def escaped(traj: Trajectory) -> np.ndarray:
    """``(K, steps+1)`` bool: particle k is past the barrier (in the global basin) at step t."""
    return np.asarray(traj.params)[..., 0] < BARRIER


class NoiseEscape(DescentScene):
    description = (
        "quartic swarm in the local minimum: gradient noise kicks a fraction into the global basin"
    )
    title = "Gradient noise: escaping a local minimum"
    subtitle = "quartic, 40 particles from w ≈ 4, SGD lr 0.003 → 0 (cosine)"
    landscape = "quartic"
    particles = 40
    steps = 300
    grad_noise = 170.0
    seed = 2
    optimizers = (
        OptimizerSpec(
            "SGD", lr=0.003, scheduler="CosineAnnealingLR", scheduler_kwargs={"T_max": 300}
        ),
    )
    run_time = 10.0
    ease = False
    beats = (
        Beat(
            0,
            "stuck in a local minimum",
            "Forty points sit in the local minimum. On the right,"
            " plain SGD: the gradient is zero there, so none of them moves.",
        ),
        Beat(
            30,
            "noise kicks them out",
            "On the left the same SGD gets Gaussian noise added to every"
            " gradient: some kicks are large enough to carry points over the barrier.",
        ),
        Beat(
            180,
            "cooling down",
            "The learning rate anneals toward zero, so the kicks die down:"
            " points in the deep basin stay there. A quarter escaped; without noise, none.",
        ),
    )

    def followed(self, traj: Trajectory, area: PlotArea) -> list[Mobject]:
        """A larger dot with its tangent, the gradient step −lr·g (white) and the step it
        really takes, −lr·(g + noise) (colour), at true length, and f′ below the plot."""
        color = self.followed_color
        track = self.track(
            traj, area, color, trail=False, radius=0.11, arrows=step_arrows_1d(traj),
            arrow_range=(0.0, 3.0), escape_label="",
        )  # fmt: skip
        noise = np.asarray(traj.noise)[:, 0]
        readout = live_text(
            self.clock,
            lambda t: f"followed: f′ {num(float(traj.grad[t, 0]))}   kick {num(float(noise[t]))}",
            self.theme,
            font_size=20,
            color=color,
        )
        readout.next_to(area.frame, DOWN, buff=0.15).align_to(area.frame[0], LEFT)
        return [tangent_line(track, traj.grad[:, 0], self.clock), track, readout]

    @classmethod
    def data(cls) -> tuple[Trajectory, Trajectory]:
        """The swarm with gradient noise and the same swarm without."""
        land = cls.get_landscape()
        starts = (4.0 + np.linspace(-0.15, 0.15, cls.particles))[:, None]
        spec = cls.optimizers[0]
        noisy = engine.simulate(
            land, spec, start=starts, steps=cls.steps, grad_noise=cls.grad_noise, seed=cls.seed
        )
        clean = engine.simulate(land, spec, start=starts, steps=cls.steps, seed=cls.seed)
        return noisy, clean

    def construct(self) -> None:
        # -- data: the same swarm with and without gradient noise --
        land = self.get_landscape()
        noisy, clean = self.data()
        # the swarms in SGD's colour, the followed particle in a colour far from it
        color, self.followed_color = self.run_palette(["SGD", "followed particle"])

        # -- static background: two curves side by side --
        self.add_title()
        view = (-3.6, 6.4)
        areas = []
        for center, heading in (
            (LEFT * 2.8, f"with gradient noise (σ = {self.grad_noise:g})"),
            (RIGHT * 3.65, "without noise"),
        ):
            area = self.curve_area(
                land,
                width=5.0,
                height=3.9,
                center=center + DOWN * 0.45,
                x_range=view,
                y_range=(-190.0, 560.0),
            )
            self.add(label(heading, 24, self.theme.text).next_to(area.frame, UP, buff=0.25))
            areas.append(area)

        # -- swarms on one clock (one step, one tick) --
        self.make_clock([])
        for area, traj in zip(areas, (noisy, clean), strict=True):
            for particle in traj:
                self.add(
                    self.track(particle, area, color, trail=False, radius=0.075, escape_label="")
                )

        # -- one particle followed on each side: its tangent, −lr·g (white) and its real step --
        follow = int(
            np.argmax(escaped(noisy).any(1) * (noisy.steps + 1 - escaped(noisy).argmax(1)))
        )
        for area, traj in zip(areas, (noisy, clean), strict=True):
            self.add(*self.followed(traj.particle(follow), area))

        # -- counters --
        for area, traj in zip(areas, (noisy, clean), strict=True):
            out = escaped(traj)
            counter = live_text(
                self.clock,
                lambda t, out=out: f"{int(out[:, t].sum())} / {len(out)} escaped",
                self.theme,
                font_size=26,
                color=self.theme.text,
            )
            self.add(counter.move_to(area.frame.get_top() + DOWN * 0.45))
        # between the two plots' headings, clear of the read-outs under them
        counter = step_counter(self.clock, self.theme, font_size=20)
        heading_y = areas[0].frame.get_top()[1] + 0.38
        self.add(counter.move_to(np.array([0.35, heading_y, 0.0])))

        # -- run --
        self.play_steps()
        self.finish()
