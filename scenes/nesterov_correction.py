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

import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from manim import *  # noqa: F403

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import Beat, PlotArea, Track, fmt_value, halo, label, lookahead_form
from descent.scenes.kit.story import (
    FASTEST_READING,
    and_join,
    event_story,
    number,
    overshoot_comparison,
    tolerance_for,
)
from descent.scenes.kit.theme import palette_for, to_lab, widest_palette
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
    optimizers = (
        OptimizerSpec("SGD", lr=0.05, momentum=0.9),
        OptimizerSpec("SGD", lr=0.05, momentum=0.9, nesterov=True),
    )
    motion_time = 8.0
    # where the action is: the first steps' arrows read larger (momentum's step 3 reaches
    # y = −2.41: inside the map)
    view = ((-5.5, 3.0), (-2.7, 2.3))
    #: the steps explained one by one, slowed down
    explained_steps = (2, 3, 4, 5)
    #: the distance panel on a log axis: the story's "within 0.1 of the optimum" is a line
    #: on it (0.1 on the map is 9 px at 1280 × 720, under the dots), and the two runs'
    #: crossings of it (steps 47 and 73) are read there
    panel_log = True

    @classmethod
    def headline(cls) -> str:
        """``Nesterov: the gradient at the look-ahead point`` (the Nesterov run's label)."""
        ahead = [s.label for s in cls.specs() if s.kwargs.get("nesterov")]
        if ahead:
            return f"{and_join(ahead)}: the gradient at the look-ahead point"
        return f"{and_join([s.label for s in cls.specs()])}: the gradient where it stands"

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The events after the explained steps (those are narrated as they are drawn)."""
        land, trajs = cls.simulate()
        # every event on the points drawn (Nesterov's θ_t of the look-ahead form): the
        # tolerance beat's step is where the drawn curve goes under the panel's line (on
        # torch's φ_t it was a step earlier, 0.103 from the optimum on the panel)
        drawn = [
            replace(t, params=lookahead_form(t)) if t.spec.kwargs.get("nesterov") else t
            for t in trajs
        ]
        found = event_story(land, drawn, cls.story_theme(), steps=cls.steps)
        after = max(cls.explained_steps)
        beats = [b for b in found if b.step > after]
        # the headline's claim: how far each overshoots, on the points drawn (Nesterov's θ_t)
        paths = [lookahead_form(t) if t.spec.kwargs.get("nesterov") else t.params for t in trajs]
        less = overshoot_comparison(land, paths, [t.label for t in trajs], after=after)
        if less is not None:
            beats = [b for b in beats if not less.step <= b.step <= (less.until or less.step)]
            beats.append(less)
        return tuple(sorted(beats, key=lambda b: b.step))

    @classmethod
    def lookahead_text(cls) -> str:
        """What the explained steps show, with the specs' momentum and labels."""
        specs = cls.specs()
        mu = specs[0].kwargs.get("momentum", 0.0)
        plain = and_join([s.label for s in specs if not s.kwargs.get("nesterov")] or ["momentum"])
        ahead = and_join([s.label for s in specs if s.kwargs.get("nesterov")] or ["Nesterov"])
        return (
            f"Both keep {number(100 * mu)} % of their velocity. {plain} takes the"
            f" gradient where it stands; {ahead} takes it at the look-ahead point (ring),"
            " where momentum is carrying it."
        )

    seconds_per_explained_step = 2.4
    #: how long each step's whole anatomy stays on screen once drawn (s), before it fades
    anatomy_hold = 2.0

    def tolerance(self, land: Landscape) -> float | None:
        """The story's distance to the optimum (:func:`tolerance_for`: its beat says "within
        0.1 of the optimum for good from step 47")."""
        return tolerance_for(land, self.start) if land.optimum is not None else None

    def panel_guides(self, panel: Any, land: Landscape, trajs: Sequence[Trajectory]) -> list[Any]:
        """A dashed line across the distance panel at :meth:`tolerance`, and ``within 0.1``
        under its left end: where each curve goes under it for good is its beat's step."""
        tol = self.tolerance(land)
        area = panel.area
        if tol is None or not tol > 0:
            return []
        y = float(np.log10(tol)) if panel.scale == "log" else tol
        if not area.y_range[0] <= y <= area.y_range[1]:
            return []
        a, b = area.to_scene(np.array([[area.x_range[0], y], [area.x_range[1], y]]))
        line = DashedLine(a, b, color=self.theme.text, stroke_width=2, dash_length=0.08)
        line.tolerance = tol
        words = halo(label(f"within {number(tol)}", 16, self.theme.text), self.theme)
        # under the line's left end: the curves start far above it, and a beat's ring (at
        # a crossing, step 47 of 80) stays clear of it
        words.next_to(a, DOWN + RIGHT, buff=0.06)
        self.tolerance_line = VGroup(line, words)
        return [line, words]

    def beat_subjects(self, beat: Beat | None, subjects: Sequence[Any]) -> Sequence[Any]:
        """A tolerance beat ("within 0.1 of the optimum for good from step 47") marks its
        run's point on the distance panel, at the dashed line: on the map the ring covered
        the optimum's star and both dots, 9 px from each other. Other beats: the dots."""
        panel = getattr(self, "panel", None)
        events = getattr(beat, "events", ()) or ()
        if panel is None or not any(e.kind == "tolerance" for e in events):
            return subjects
        return [m for m in panel.lines if isinstance(m, Dot)]  # each run's marker, in order

    def path_of(self, traj: Trajectory) -> np.ndarray:
        return lookahead_form(traj) if traj.spec.kwargs.get("nesterov") else np.asarray(traj.params)

    def track(self, traj: Trajectory, area: PlotArea, color: str, **kw: Any) -> Track:
        """Each dot where its iterate is: Nesterov's at θ_t of the look-ahead form (torch's
        parameter is the look-ahead point φ_t, which the anatomy rings), as the clock,
        the distance panel and the anatomy read it."""
        kw.setdefault("path", self.path_of(traj))
        return super().track(traj, area, color, **kw)

    def legend(self, trajs: Sequence[Trajectory], colors: Sequence[str], **kw: Any) -> Any:
        """The loss where each dot is drawn (for Nesterov, at θ_t, not at torch's φ_t)."""
        land = self.get_landscape()
        losses = {id(t): np.asarray(land.value(self.path_of(t)), dtype=np.float64) for t in trajs}

        def readout(traj: Trajectory, t: int) -> str:
            return f"loss {fmt_value(float(losses[id(traj)][t]))}"

        kw.setdefault("readout", readout)
        return super().legend(trajs, colors, **kw)

    #: the least CIELAB L* difference between the two runs' colours: told apart in
    #: lightness too (light theme: dark green Momentum and indigo Nesterov looked alike)
    lightness_apart = 20.0

    def colors_for(self, trajs: Sequence[Trajectory]) -> list[str]:
        """The kit's palette; on a light page, where its two (dark) colours are close in
        lightness, the theme's two furthest apart (:func:`widest_palette`), which differ in
        L* by more (light theme: 22 vs 61 instead of 22 vs 41)."""
        labels = [t.label for t in trajs]
        colors = palette_for(labels, self.theme)
        light_page = float(to_lab([self.theme.page])[0, 0]) > 50.0  # dark inks wash together
        close = float(np.ptp(to_lab(colors)[:, 0])) < self.lightness_apart
        if light_page and close and len(colors) <= 4:
            colors = widest_palette(len(colors), self.theme)
        self.run_colors = list(zip(labels, colors, strict=True))
        return colors

    def arrows_for(self, traj: Trajectory) -> dict[str, np.ndarray] | None:
        return None  # the step anatomy draws the momentum steps itself

    #: the shortest a step's anatomy may be shown in, as a fraction of its natural length
    #: (0.4 of 2.4 s: the arrows still grow one after the other, each visibly)
    fastest_explanation = 0.4
    #: the most of a user's ``run_time`` the explained steps may take
    explanation_share = 0.5

    @classmethod
    def opening_seconds(cls, runs: int, explained: int | None = None, scale: float = 1.0) -> float:
        """Seconds the explained steps take: a fade in and out (0.9 s), then per step the
        clock (0.6 s) and, one run at a time, a grow and a wait
        (``seconds_per_explained_step``/4, then :attr:`anatomy_hold`) and a fade (0.3 s),
        all times ``scale``."""
        n = len(cls.explained_steps) if explained is None else explained
        per_step = 0.6 + runs * (cls.seconds_per_explained_step / 4 + cls.anatomy_hold + 0.3)
        return scale * (0.9 + n * per_step)

    @classmethod
    def opening_plan(cls, runs: int) -> tuple[tuple[int, ...], float, str]:
        """``(steps explained, time scale, narration)``.

        With no ``run_time``, every explained step at its natural pace and the full
        narration. With one, the opening takes at most :attr:`explanation_share` of it (less
        the end hold): the steps speed up (down to :attr:`fastest_explanation` of their
        pace), then the later ones are left out, then the opening is (each with one
        warning); the narration is shortened to the look-ahead sentence when it cannot be
        read at :data:`~descent.scenes.kit.story.FASTEST_READING` words a second.
        """
        steps = tuple(cls.explained_steps)
        say = cls.lookahead_text()
        if cls.run_time is None:
            return steps, 1.0, say
        budget = cls.explanation_share * max(cls.run_time - cls.end_wait, 0.0)
        scale = min(1.0, budget / cls.opening_seconds(runs, len(steps)))
        while steps and scale < cls.fastest_explanation:
            steps = steps[:-1]
            scale = min(1.0, budget / cls.opening_seconds(runs, len(steps))) if steps else 0.0
        if len(steps) < len(cls.explained_steps):
            warnings.warn(
                f"{cls.__name__}: run_time {cls.run_time:g} s leaves {budget:.1f} s for the"
                f" explained steps: {len(steps)} of {len(cls.explained_steps)} shown",
                stacklevel=2,
            )
        if not steps:
            return (), 0.0, ""
        seconds = cls.opening_seconds(runs, len(steps), scale)
        if len(say.split()) > FASTEST_READING * seconds:
            say = cls.lookahead_short()
            if len(say.split()) > FASTEST_READING * seconds:
                say = ""
        return steps, scale, say

    @classmethod
    def lookahead_short(cls) -> str:
        """The look-ahead in one sentence (when the opening is squeezed)."""
        ahead = and_join([s.label for s in cls.specs() if s.kwargs.get("nesterov")] or ["Nesterov"])
        return f"{ahead} takes the gradient at the look-ahead point (ring)."

    def before_run(
        self, land: Landscape, area: PlotArea, trajs: Sequence[Trajectory], tracks: Sequence[Track]
    ) -> None:
        # -- slowed-down anatomy of the first steps, one run's at a time (shorter under a
        #    user's run_time) --
        steps, k, say = self.opening_plan(len(trajs))
        if not steps:
            return
        caption = label("momentum step  →  gradient there  →  next point", 20, self.theme.muted)
        caption.next_to(area.frame, DOWN, buff=0.12).align_to(area.frame[0], LEFT)
        self.caption = caption
        self.beat("the look-ahead", say, duration=self.opening_seconds(len(trajs), len(steps), k))
        self.play(FadeIn(caption), run_time=0.5 * k)
        for t in steps:
            self.play(self.clock.to(t, 0.6 * k))
            for traj, track in zip(trajs, tracks, strict=True):  # one run's anatomy at a time
                part = self.anatomy(area, traj, track.color, t)
                self.play(*part["grow"], run_time=k * self.seconds_per_explained_step / 4)
                self.wait(k * self.anatomy_hold)
                self.play(FadeOut(part["group"]), run_time=0.3 * k)
        self.play(FadeOut(caption), run_time=0.4 * k)

    #: arrows shorter than this (scene units: the ring's diameter) get their length written
    shortest_arrow = 0.4

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
        # where the gradient is taken: Nesterov's look-ahead point is ringed (the ring means
        # that one thing); classical momentum takes it at its own dot, ringed by nothing
        nesterov = bool(traj.spec.kwargs.get("nesterov"))
        ghost = (
            Circle(radius=0.2, color=self.theme.text, stroke_width=4).move_to(pts["grad_at"])
            if nesterov
            else VGroup()
        )
        where = (
            "the gradient at the look-ahead point (ring)"
            if nesterov
            else "the gradient where it stands (at its dot)"
        )
        name = label(f"{traj.label}: {where}", 20, color)
        name.next_to(self.caption, DOWN, buff=0.1).align_to(self.caption, LEFT)
        # the gradient step from the point it is taken at; one shorter than the ring's
        # diameter starts outside the ring, drawn at that length, its true length written
        # past its tip on a halo (inside the ring it could not be seen)
        data = step_anatomy(traj, self.path_of(traj), t)
        g_start, g_end = pts["ahead"], pts["end"]
        vec = g_end - g_start
        short = float(np.linalg.norm(vec)) < self.shortest_arrow
        if short:
            unit = vec / (np.linalg.norm(vec) + 1e-12)
            g_start = pts["ahead"] + unit * 0.24
            g_end = g_start + unit * self.shortest_arrow
        gradient = Arrow(
            g_start,
            g_end,
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
        lengths = VGroup()
        for arrow, a, b, drawn_short, name_of in (
            (momentum, "start", "ahead", False, "|μ·lr·b|"),
            (gradient, "ahead", "end", short, "|lr·∇f|"),
        ):
            true = float(np.linalg.norm(data[b] - data[a]))
            if drawn_short or np.linalg.norm(pts[b] - pts[a]) < self.shortest_arrow:
                size = halo(label(f"{name_of} {number(true)}", 18, self.theme.text), self.theme)
                tip = arrow.get_end()
                unit = (tip - arrow.get_start()) / (np.linalg.norm(tip - arrow.get_start()) + 1e-12)
                size.move_to(
                    tip
                    + unit * (0.12 + size.width / 2 * abs(unit[0]) + size.height / 2 * abs(unit[1]))
                )
                lengths.add(size)
        group = VGroup(momentum, ghost, name, gradient, probe, lengths)
        for part in group:  # whose step each part draws (for checks)
            part.anatomy_of = traj.label
        return {
            "group": group,
            "grow": [
                GrowArrow(momentum),
                FadeIn(ghost),
                FadeIn(name),
                GrowArrow(gradient),
                FadeIn(lengths),
            ],
        }
