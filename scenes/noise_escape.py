"""NoiseEscape: gradient noise kicks particles out of a local minimum.

A swarm of 40 particles starts in the local minimum (w ≈ 4) of the quartic. Left: SGD with
Gaussian noise added to every gradient (σ = 170); the learning rate anneals (cosine) from
0.003 to 0, so the swarm is hot early and cools: particles kicked over the barrier
settle in the deeper global basin and stay. Right: the same swarm without noise — none
move. Counters "k / N escaped" follow the clock.

Render: ``manim -ql scenes/noise_escape.py NoiseEscape``
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import basin_exits, escape_counts
from descent.scenes.kit import (
    Beat,
    DescentScene,
    PlotArea,
    Track,
    label,
    live_text,
    minimum_star,
    step_counter,
    tangent_line,
)
from descent.scenes.kit.rules import num
from descent.scenes.kit.story import number, point_text

__all__ = ["NoiseEscape", "escaped"]

BARRIER = 1.375  # the maximum between the two basins


def escaped(traj: Trajectory) -> np.ndarray:
    """``(K, steps+1)`` bool: particle k is past the barrier (in the global basin) at step t."""
    return np.asarray(traj.params)[..., 0] < BARRIER


class NoiseEscape(DescentScene):
    description = (
        "quartic swarm in the local minimum: gradient noise kicks a fraction into the global basin"
    )
    landscape = "quartic"
    particles = 40
    #: the swarm starts evenly spread over the local minimum ± this (w units)
    spread = 0.15
    steps = 300
    grad_noise = 170.0
    seed = 2
    optimizers = (
        OptimizerSpec(
            "SGD", lr=0.003, scheduler="CosineAnnealingLR", scheduler_kwargs={"T_max": 300}
        ),
    )
    motion_time = 10.0
    ease = False

    @classmethod
    def headline(cls) -> str:
        """``Gradient noise: 4 of 40 escape a local minimum`` (counted from the swarm)."""
        noisy, _ = cls.data()
        n = int(escaped(noisy).any(axis=1).sum())
        if not n:
            return "Gradient noise: no particle escapes the local minimum"
        return (
            f"Gradient noise: {n} of {cls.particles} escape{'s' if n == 1 else ''} a local minimum"
        )

    @classmethod
    def setup_line(cls) -> str:
        land = cls.get_landscape()
        [spec] = cls.specs()
        local = next(p.position for p in land.stationary_points if p.kind == "local_min")
        return (
            f"{land.formula}, {cls.particles} particles from w ≈ {point_text(local)},"
            f" {spec.label} lr {number(spec.kwargs['lr'])} → 0 ({spec.scheduler}), σ ="
            f" {number(cls.grad_noise)}"
        )

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """Beats at the swarm's escapes: the first, half of all that escape, and the cooling."""
        land = cls.get_landscape()
        noisy, clean = cls.data()
        points = {p.kind: p.position for p in land.stationary_points}
        out, still = escaped(noisy), escaped(clean)
        exits = basin_exits(out)
        counts = escape_counts(out)
        final, final_clean, k = int(counts[-1]), int(escape_counts(still)[-1]), len(out)
        lr = np.asarray(noisy.lr)
        local = float(np.asarray(points["local_min"]).reshape(-1)[0])
        settled = float(np.max(np.abs(np.asarray(clean.params)[:, -1, 0] - local)))
        stays = "stays there" if settled < 1e-3 else f"stays within {number(settled)} of it"
        moved = (
            "none crosses the barrier"
            if final_clean == 0
            else f"{final_clean} of {k} cross the barrier"
        )
        beats = [
            Beat(
                0,
                "stuck in a local minimum",
                f"{k} points start within {number(cls.spread)} of the local minimum at"
                f" w = {point_text(points['local_min'])}. On the right, plain SGD without noise:"
                f" each slides to the bottom, where the gradient is zero, and {stays}; {moved}.",
            )
        ]
        if exits:
            e = exits[0]
            beats.append(
                Beat(
                    e.step,
                    "noise kicks them out",
                    f"On the left the same SGD gets Gaussian noise, σ = {number(cls.grad_noise)},"
                    f" added to every gradient: at step {e.step} a kick carries the first point"
                    f" over the barrier at w = {point_text(points['max'])}.",
                    e.run,
                    # the escapes until the next count: shown while this caption is up
                    tuple(x for x in exits if x is e or x.values["count"] < final / 2),
                )
            )
            half = next((x for x in exits if x.values["count"] >= final / 2), None)
            if half is not None and half.step > e.step and final > 2:
                beats.append(
                    Beat(
                        half.step,
                        f"{int(half.values['count'])} of {k} out",
                        f"By step {half.step}, {int(half.values['count'])} of {k} have crossed,"
                        f" {'half' if 2 * half.values['count'] == final else 'over half'}"
                        f" of the {final} that will: the larger kicks come while the learning rate"
                        " is still high.",
                        k,  # the subject is the count: the escaped tally (after the k particles)
                        until=exits[-1].step,  # the later escapes, counted under this caption
                    )
                )
        if exits and len(beats) == 2:  # no count between: the first kick's caption spans them all
            beats[1] = replace(beats[1], until=exits[-1].step)
        # the first step whose shown rate (the one that brought it there) is a tenth
        cool = int(np.argmax(lr <= 0.1 * lr[0])) + 1
        if 0 < cool < cls.steps and cool not in {b.step for b in beats}:
            beats.append(
                Beat(
                    cool,
                    "cooling down",
                    f"The learning rate anneals from {number(lr[0])} toward 0; by step {cool}"
                    f" it is {number(cls.lr_shown(lr, cool))}, a tenth, so the kicks die down"
                    " and points in the"
                    f" deep basin stay there. {final} of {k} escaped; without noise,"
                    f" {final_clean}.",
                    events=tuple(exits),  # the escapes it counts (each under a caption)
                )
            )
        return tuple(sorted(beats, key=lambda b: b.step))

    @staticmethod
    def last_steps(traj: Trajectory) -> dict[str, np.ndarray]:
        """``{"gradient", "velocity"}`` ``(steps+1, 2)``: at step ``t`` the step that brought
        the particle there, from ``t − 1``: its gradient part −lr·f′ and the step it really
        took, −lr·(f′ + kick) (along w; zero at step 0). Drawn from the dot in the direction
        it moved, so that at an escape the arrow shows the kick that carried it over."""
        lr = np.asarray(traj.lr, dtype=np.float64)
        grad = np.asarray(traj.grad, dtype=np.float64)[:, 0]
        kick = grad + (np.asarray(traj.noise)[:, 0] if traj.noise is not None else 0.0)
        out = {}
        for name, g in (("gradient", grad), ("velocity", kick)):
            dw = np.zeros((len(lr), 2))
            dw[1:, 0] = -lr[:-1] * g[:-1]
            out[name] = dw
        return out

    @staticmethod
    def lr_shown(lr: np.ndarray, t: int) -> float:
        """The learning rate the read-out beside the plot shows at step ``t``: that of the
        step that brought the swarm there (``lr[t−1]``; ``lr[0]`` at step 0), as the Δw
        read-out and the kit's update rules (:func:`~descent.scenes.kit.rules.shown_update`)
        show the update that brought the dot to the step it rests on."""
        return float(np.asarray(lr)[max(t - 1, 0)])

    @staticmethod
    def followed_text(traj: Trajectory, t: int) -> str:
        """The step that brought the followed particle to step ``t``, from its numbers:
        ``○ Δw −1.39 = −lr·(f′ −56.2 + kick 522)`` (``step 0`` before any), ``lr`` the one
        written beside the plot (:meth:`lr_shown`, the rate that step used): the written
        numbers give the written Δw to their precision (3 significant digits), up to
        float32's spacing at ``w``."""
        if t == 0:
            return "○ step 0"
        lost = NoiseEscape.lost_step(traj, t)
        if lost is not None:  # the step rounds away: say so, and why (followed_note)
            step, _, _ = lost
            term = "−lr·(f′ + kick)" if np.any(traj.noise) else "−lr·f′"
            return f"○ Δw 0: {term} = {num(step)} is under half"
        g = float(traj.grad[t - 1, 0])
        dw = float(traj.params[t, 0] - traj.params[t - 1, 0])
        if not np.any(traj.noise):
            return f"○ Δw {num(dw)} = −lr·(f′ {num(g)})"
        kick = float(np.asarray(traj.noise)[t - 1, 0])
        return f"○ Δw {num(dw)} = −lr·(f′ {num(g)} + kick {num(kick)})"

    @staticmethod
    def lost_step(traj: Trajectory, t: int) -> tuple[float, float, float] | None:
        """``(step, spacing, w)`` when the update that brought the particle to step ``t``
        rounds away in float32 (torch's ``w.add_(f′, alpha=−lr)``: ``w`` does not change
        though ``step = −lr·(f′ + kick)`` is not zero, because it is under half of
        float32's spacing next to ``w`` in the step's direction,
        ``|nextafter(w, w + step) − w|``), else ``None``."""
        if t < 1:
            return None
        w = np.asarray(traj.params, np.float32)[:, 0]
        g = float(traj.grad[t - 1, 0])
        if traj.noise is not None:
            g += float(np.asarray(traj.noise)[t - 1, 0])
        step = -float(traj.lr[t - 1]) * g
        if w[t] != w[t - 1] or step == 0 or not np.isfinite(step):
            return None
        toward = np.float32(np.inf if step > 0 else -np.inf)
        spacing = abs(float(np.nextafter(w[t - 1], toward)) - float(w[t - 1]))
        if abs(step) > spacing / 2:  # not the reason (never, for a run torch took)
            return None
        return step, spacing, float(w[t - 1])

    @staticmethod
    def followed_note(traj: Trajectory, t: int) -> str:
        """The second line under :meth:`followed_text` at step ``t``: where the step
        rounded away, float32's spacing at ``w`` from the numbers
        (``float32's spacing at w = 4 (4.77e−7)``), else nothing."""
        lost = NoiseEscape.lost_step(traj, t)
        if lost is None:
            return ""
        _, spacing, w = lost
        return f"  float32's spacing at w = {num(w)} ({num(spacing)})"

    def followed(self, traj: Trajectory, area: PlotArea) -> list[Mobject]:
        """A ring (in the text's colour, hollow: the swarm and the stars under it stay
        visible) around one particle, its tangent, and the step that brought it there: the
        gradient part −lr·f′ (muted) and the step it really took −lr·(f′ + kick) (text
        colour), at true length; the same numbers written below the plot."""
        ink, muted = self.theme.text, self.theme.muted
        noisy = bool(np.any(traj.noise))
        arrows = self.last_steps(traj)
        if not noisy:  # without noise the step taken is the gradient step: one arrow
            arrows = {"velocity": arrows["velocity"]}
        track = self.track(
            traj, area, ink, trail=False, radius=0.13, arrows=arrows, arrow_range=(0.0, 3.0),
            escape_label="", arrow_labels={"velocity": "|Δw|", "gradient": "|lr·f′|"},
        )  # fmt: skip
        track.dot.set_fill(opacity=0.0).set_stroke(ink, 2.5, opacity=1.0)
        if "gradient" in track.arrows:
            track.arrows["gradient"].set_color(muted)
            track.lengths["gradient"].set_color(muted)
        readout = live_text(
            self.clock, lambda t: self.followed_text(traj, t), self.theme, font_size=18, color=ink
        )
        readout.next_to(area.frame, DOWN, buff=0.15).align_to(area.frame[0], LEFT)
        # why a step rounded away (followed_note): a second line, empty otherwise
        note = live_text(
            self.clock, lambda t: self.followed_note(traj, t), self.theme, font_size=18, color=ink
        )
        note.shift(readout[0].anchor - note[0].anchor + DOWN * 0.3)  # one line below
        tangent = tangent_line(track, traj.grad[:, 0], self.clock, half_width=0.6)
        tangent.set_stroke(muted, 2.5)
        return [tangent, track, readout, note]

    def color_by_basin(self, track: Track, out: np.ndarray, out_color: str, in_color: str) -> None:
        """Colour ``track``'s dot by the basin it is in at each frame (``out[t]``: past the
        barrier), changing it only when it flips."""
        shown = [None]

        def refresh(m: Mobject) -> None:
            here = bool(out[self.clock.nearest(len(out) - 1)])
            if here != shown[0]:
                shown[0] = here
                m.set_fill(out_color if here else in_color)

        refresh(track.dot)
        track.dot.add_updater(refresh)

    def minimum_marks(self, land: Landscape, area: PlotArea) -> tuple[list[Mobject], list[Mobject]]:
        """``(stars, names)`` of the curve's minima: each name under its star, inside the
        plot, on a patch of the page's colour so that a tangent passing under it does not
        cross the letters."""
        stars: list[Mobject] = []
        names: list[Mobject] = []
        (x0, x1), (y0, _) = area.x_range, area.y_range
        for p in land.points_of_kind("global_min", "local_min"):
            w = p.position[0]
            if not x0 <= w <= x1:
                continue
            at = area.to_scene(np.array([w, float(land.value([w]))]))
            stars.append(minimum_star(at, self.theme))
            name = "global minimum" if p.kind == "global_min" else "local minimum"
            text = label(name, 18, self.theme.muted).next_to(at, DOWN, buff=0.14)
            left = area.to_scene(np.array([x0, y0]))[0] + 0.1
            right = area.to_scene(np.array([x1, y0]))[0] - 0.1
            text.shift(RIGHT * max(0.0, left - text.get_left()[0]))
            text.shift(LEFT * max(0.0, text.get_right()[0] - right))
            page = self.theme.background if self.theme.name != "transparent" else "#000000"
            text.add_background_rectangle(color=ManimColor(page), opacity=0.85, buff=0.04)
            text.over_lines = True  # on its patch: meant to lie over the axis and tangents
            names.append(text)
        return stars, names

    @classmethod
    def data(cls) -> tuple[Trajectory, Trajectory]:
        """The swarm with gradient noise and the same swarm without."""
        land = cls.get_landscape()
        local = next(p.position for p in land.stationary_points if p.kind == "local_min")
        middle = float(np.asarray(local).reshape(-1)[0])
        starts = (middle + np.linspace(-cls.spread, cls.spread, cls.particles))[:, None]
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
        # each particle in the colour of the basin it is in at that frame; the followed one
        # ringed in the text's colour (a ring, not a third colour: the legend has two)
        out_color, in_color = self.run_palette(["escaped", "in the local minimum"])

        # -- static background: two curves side by side --
        self.add_title()
        view = (-3.6, 6.4)
        areas = []
        stars: list[Mobject] = []
        for center, heading in (
            (LEFT * 2.8, f"with gradient noise (σ = {self.grad_noise:g})"),
            (RIGHT * 3.65, "without noise"),
        ):
            area = self.curve_area(
                land,
                width=5.0,
                height=3.9,
                center=center + DOWN * 0.25,  # room under it for the read-out's two lines
                x_range=view,
                y_range=(-190.0, 560.0),
                mark_minima=False,  # stars now, their names on top of the tangents (below)
            )
            stars += self.minimum_marks(land, area)[0]  # under the swarm (below)
            self.add(label(heading, 24, self.theme.text).next_to(area.frame, UP, buff=0.25))
            areas.append(area)

        # -- swarms on one clock (one step, one tick) --
        self.make_clock([])
        swarm: list[Track] = []
        for area, traj in zip(areas, (noisy, clean), strict=True):
            out = escaped(traj)
            for k, particle in enumerate(traj):
                track = self.track(
                    particle, area, in_color, trail=False, radius=0.075, escape_label=""
                )
                self.color_by_basin(track, out[k], out_color, in_color)
                swarm.append(track)
        # one particle followed on each side (the last of the swarm to escape): its
        # tangent under the swarm, its ring and the step that brought it there over it
        follow = int(
            np.argmax(escaped(noisy).any(1) * (noisy.steps + 1 - escaped(noisy).argmax(1)))
        )
        followed = [
            self.followed(traj.particle(follow), area)
            for area, traj in zip(areas, (noisy, clean), strict=True)
        ]
        # the stars and tangents under the swarm: particles resting on a minimum stay in
        # sight (40 trapped ones sit exactly on the local one); each minimum is also named
        self.add(*stars, *[parts[0] for parts in followed], *swarm)
        for parts in followed:
            self.add(*parts[1:])

        # -- a legend per plot: the colours and how many particles are in each basin now --
        marks = []
        for area, traj in zip(areas, (noisy, clean), strict=True):
            out = escaped(traj)
            rows = VGroup()
            for color, name, inside in ((out_color, "escaped", True),
                                        (in_color, "trapped", False)):  # fmt: skip
                count = live_text(
                    self.clock,
                    lambda t, out=out, inside=inside, name=name: (
                        f"{name} {int((out[:, t] == inside).sum())} / {len(out)}"
                    ),
                    self.theme,
                    font_size=24,
                    color=color,
                )
                mark = Dot(radius=0.09, color=color)
                rows.add(VGroup(mark, count).arrange(RIGHT, buff=0.15))
                if inside:
                    marks.append(mark)
            # the annealed learning rate, live: beat 4 quotes it
            lr = np.asarray(traj.lr)
            rows.add(
                live_text(
                    self.clock, lambda t, lr=lr: f"lr {num(self.lr_shown(lr, t))}", self.theme,
                    font_size=22, color=self.theme.text,
                )
            )  # fmt: skip
            rows.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            rows.move_to(area.frame.get_top()).align_to(area.frame.get_top() + DOWN * 0.15, UP)
            self.add(rows)
        # what the beats mark: the noisy particles (by index), then the escaped tally
        self.subjects = [*swarm[: len(noisy)], marks[0]]
        for area in areas:  # the minima's names over the tangents, on a patch of the page
            self.add(*self.minimum_marks(land, area)[1])
        # between the two plots' headings, clear of the read-outs under them
        counter = step_counter(self.clock, self.theme, font_size=20)
        heading_y = areas[0].frame.get_top()[1] + 0.38
        self.add(counter.move_to(np.array([0.35, heading_y, 0.0])))

        # -- run --
        self.play_steps()
        self.finish()
