"""LossFunctions: the same linear regression under four losses, and four optimizer variants.

Data a line cannot fit exactly (50 points, x ~ N(0, 1), y = 0.75x² + x + 2 + 0.3·noise,
seeded). Each panel is the loss surface over (bias, weight) for MSE, L1, Huber and
SmoothL1, with SGD's path from weight 6, bias −3 (lr 0.1, 100 steps). MSE's gradient
shrinks as the fit improves; L1's has the same size everywhere, so its path keeps a
constant pace and stops short; Huber is quadratic within δ of each point and linear
beyond. torch's Huber(δ = 1) and SmoothL1(β = 1) are the same function, so the SmoothL1
panel uses β = 0.25 (closer to L1).

Variants (subclasses changing one class attribute): ``LossFunctionsMomentum`` (μ = 0.9),
``LossFunctionsNesterov``, ``LossFunctionsWeightDecay`` (2.0: pulled toward the origin),
``LossFunctionsDampening`` (μ = 0.9, dampening 0.8).

Render: ``manim -ql scenes/loss_functions.py LossFunctions``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import overshoots, reaches_tolerance
from descent.scenes.kit import (
    Beat,
    DescentScene,
    auto_view,
    fmt_value,
    label,
    live_text,
    step_counter,
    swapped,
    to_safe_corner,
)
from descent.scenes.kit.story import (
    axis_name,
    crossing_text,
    farthest_step,
    loss_of,
    number,
    pick_beats,
    spec_text,
    tolerance_for,
)

__all__ = [
    "LossFunctions",
    "LossFunctionsMomentum",
    "LossFunctionsNesterov",
    "LossFunctionsWeightDecay",
    "LossFunctionsDampening",
]

#: (loss, δ/β, panel title): torch's Huber(δ=1) equals SmoothL1(β=1), so SmoothL1 gets β = 0.25
LOSSES = (
    ("mse", 1.0, "MSE"),
    ("l1", 1.0, "L1"),
    ("huber", 1.0, "Huber (δ = 1)"),
    ("smooth_l1", 0.25, "SmoothL1 (β = 0.25)"),
)


class LossFunctions(DescentScene):
    description = (
        "2×2 regression loss surfaces (MSE, L1, Huber, SmoothL1) over (bias, weight), SGD lr 0.1"
    )
    title = "Loss functions shape the path"
    landscape = "regression"
    optimizer = OptimizerSpec("SGD", lr=0.1)
    start = (6.0, -3.0)  # (weight, bias)
    steps = 100
    motion_time = 8.0
    #: (bias, weight) view; grown automatically when a variant's paths leave it
    view = ((-5.0, 8.0), (-3.0, 7.5))

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The set-up from the specs and the data; then the panels' events: where a run's
        steps have shrunk to half its first (the gradient shrinks near the fit) against the
        others', the first overshoot of an optimum's coordinate, the first panel within the
        tolerance of its optimum. A beat's ``subject`` is its panel (0 … 3)."""
        lands, trajs = cls.data()
        names = [name.split(" (")[0] for _, _, name in LOSSES]
        n = len(lands[0].data[0]) if lands[0].data is not None else 0
        w, b = cls.start
        spec = cls.optimizer
        beats = [
            Beat(
                0,
                "four losses, one data set",
                f"Same {n} points, same start w = {number(w)}, b = {number(b)}, same"
                f" {spec.label} ({spec_text(spec)}): only the loss differs, {', '.join(names)}."
                " Each panel is that loss over (bias, weight) of a straight-line fit.",
            )
        ]
        candidates: list[tuple[int, Beat]] = []
        lengths = [
            np.linalg.norm(np.diff(np.asarray(t.params, np.float64), axis=0), axis=1) for t in trajs
        ]
        halves = {
            k: int(hit[0]) + 1
            for k, ln in enumerate(lengths)
            if ln[0] > 0 and len(hit := np.flatnonzero(ln < 0.5 * ln[0]))
        }

        def why(k: int, t: int) -> str:
            """The reason the steps shrank, as the run shows it: it turns (its step
            direction reverses within two steps), or its gradient has shrunk."""
            p = np.asarray(trajs[k].params, np.float64)
            near = np.diff(p, axis=0)[max(t - 3, 0) : t + 2]
            if (np.einsum("ij,ij->i", near[:-1], near[1:]) < 0).any():
                return ": it slows down to turn around"
            g = np.linalg.norm(np.asarray(trajs[k].grad, np.float64), axis=1)
            if g[0] > 0 and g[t - 1] < 0.75 * g[0]:
                return f": its gradient is down to {number(g[t - 1] / g[0])} of its first"
            return ""

        if halves:
            k = min(halves, key=lambda i: (halves[i], i))
            t = halves[k]
            others = ", ".join(
                f"{names[i]} {number(lengths[i][t - 1] / lengths[i][0])}"
                for i in range(len(trajs))
                if i != k
            )
            candidates.append(
                (
                    1,
                    Beat(
                        t,
                        f"{names[k]}'s steps shrink",
                        f"By step {t} {names[k]}'s steps are under half as long as its first"
                        f" ({number(lengths[k][t - 1] / lengths[k][0])} of it){why(k, t)}."
                        f" The others' steps are now {others} times their first.",
                        k,
                    ),
                )
            )
        for k, (land, traj) in enumerate(zip(lands, trajs, strict=True)):
            if land.optimum is None:
                continue
            for e in overshoots(
                traj.params, land.optimum, loss=loss_of(land), run=k, label=names[k]
            )[:1]:
                axis = axis_name(land, int(e.values["coordinate"]))
                candidates.append(
                    (
                        2,
                        Beat(
                            farthest_step(e),
                            f"{names[k]} overshoots",
                            f"{names[k]} overshoots"
                            + crossing_text(
                                e,
                                f" its optimum's {axis} ="
                                f" {number(land.optimum[int(e.values['coordinate'])])}",
                            )
                            + " past it.",
                            k,
                            (e,),
                        ),
                    )
                )
        tol = tolerance_for(lands[0], cls.start)
        reached = [
            e
            for k, (land, traj) in enumerate(zip(lands, trajs, strict=True))
            if land.optimum is not None and tol is not None
            for e in reaches_tolerance(traj.params, land.optimum, tol, run=k, label=names[k])
        ]
        if reached and tol is not None:
            reached.sort(key=lambda e: e.step)
            first = reached[0]
            later = "; ".join(f"{e.label} from step {e.step}" for e in reached[1:])
            never = [names[k] for k in range(len(trajs)) if k not in {e.run for e in reached}]
            tail = (f"; {later}" if later else "") + (
                f"; {', '.join(never)} not within {cls.steps} steps" if never else ""
            )
            candidates.append(
                (
                    0,
                    Beat(
                        first.step,
                        f"{first.label} within {number(tol)}",
                        f"{first.label}'s run is within {number(tol)} of its optimum for good"
                        f" from step {first.step}{tail}.",
                        first.run,
                        tuple(reached),
                    ),
                )
            )
        return tuple(pick_beats(beats, candidates, steps=cls.steps, most=3))

    @classmethod
    def setup_line(cls) -> str:
        land = cls.data()[0][0]
        n = len(land.data[0]) if land.data is not None else 0
        w, b = cls.start
        return (
            f"regression on {n} points · {cls.optimizer.label}: {spec_text(cls.optimizer)}"
            f" · from w = {number(w)}, b = {number(b)}"
        )

    @classmethod
    def data(cls) -> tuple[list[Landscape], list[Trajectory]]:
        """One landscape and one trajectory per loss, in panel order."""
        lands = [
            engine.get_landscape("regression", loss=loss, delta=delta) for loss, delta, _ in LOSSES
        ]
        trajs = [
            engine.simulate(land, cls.optimizer, start=cls.start, steps=cls.steps) for land in lands
        ]
        return lands, trajs

    def construct(self) -> None:
        # -- data: one landscape and one trajectory per loss --
        lands, trajs = self.data()
        shown = [swapped(land) for land in lands]  # plot (bias, weight)
        paths = [np.asarray(t.params)[:, ::-1] for t in trajs]
        view = auto_view(
            engine.Landscape(**{**shown[0].__dict__, "view": self.view}), paths, pad=0.04
        )
        color = self.run_palette([self.optimizer.label])[0]

        # -- static background: four surfaces --
        self.add_title()
        areas = []
        for i, (land, (_, _, name)) in enumerate(zip(shown, LOSSES, strict=True)):
            center = np.array([-3.0 + 6.5 * (i % 2), 0.95 - 2.85 * (i // 2), 0.0])
            # axis labels on the bottom row only: the four panels share their axes
            area = self.surface_area(
                land,
                view=view,
                width=4.3,
                height=1.85,
                center=center,
                log=True,
                levels=10,
                labels=i >= 2,
            )
            self.add(
                label(name, 24, self.theme.text)
                .next_to(area.frame, UP, buff=0.1)
                .align_to(area.frame, LEFT)
            )
            areas.append(area)

        # -- one dot per panel on one clock, live loss beside each --
        self.make_clock(list(zip(areas, paths, strict=True)))
        for area, traj, path in zip(areas, trajs, paths, strict=True):
            self.add(self.track(traj, area, color, path=path))
            readout = live_text(
                self.clock,
                lambda t, traj=traj: f"loss {fmt_value(float(traj.loss[t]))}",
                self.theme,
                font_size=20,
            )
            self.add(readout.next_to(area.frame, UP, buff=0.1).align_to(area.frame, RIGHT))
        self.add(to_safe_corner(step_counter(self.clock, self.theme, font_size=20), UP + RIGHT))

        # -- run --
        self.play_steps()
        self.finish()


class LossFunctionsMomentum(LossFunctions):
    description = "LossFunctions with momentum 0.9"
    optimizer = OptimizerSpec("SGD", lr=0.1, momentum=0.9)


class LossFunctionsNesterov(LossFunctions):
    description = "LossFunctions with Nesterov momentum 0.9"
    optimizer = OptimizerSpec("SGD", lr=0.1, momentum=0.9, nesterov=True)


class LossFunctionsWeightDecay(LossFunctions):
    description = "LossFunctions with weight decay 2.0: pulled toward the origin"
    optimizer = OptimizerSpec("SGD", lr=0.1, weight_decay=2.0, label="SGD + weight decay")


class LossFunctionsDampening(LossFunctions):
    description = "LossFunctions with momentum 0.9 and dampening 0.8"
    optimizer = OptimizerSpec(
        "SGD", lr=0.1, momentum=0.9, dampening=0.8, label="Momentum + dampening"
    )
