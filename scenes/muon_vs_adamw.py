"""MuonVsAdamW: what Muon does to a weight matrix's update, beside AdamW on the same network.

A small MLP (2-32-32-2, tanh) learns two moons with full-batch cross-entropy. AdamW steps
every weight on its own; Muon steps each weight *matrix* with its momentum orthogonalised
by Newton–Schulz iterations (``torch.optim.Muon``), and its biases with AdamW (a param
group split: ``groups=[{"params": "ndim==2"}]``, ``rest=AdamW``). Both runs are the
module's own tensors stepped as a training loop steps them.

Left: the singular values of one step's change ΔW to the 32×32 hidden matrix, each
divided by that step's largest, for both runs side by side. AdamW's fall off after a few
directions; Muon's stay level for many: Newton–Schulz pushes each singular value of the
momentum toward the same length (five iterations leave the smallest ones short: the bars
show where). Right: the step, each run's loss and how many of its singular values reach
half the largest, and the loss curves.

Every number on screen and in the narration is computed from the two runs.

Render: ``manim -ql scenes/muon_vs_adamw.py MuonVsAdamW``
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, VGroup, VMobject

from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.scenes.kit import (
    Beat,
    LossPanel,
    NetworkScene,
    PlotArea,
    StepClock,
    label,
    plot_area,
    step_counter,
)
from descent.scenes.kit.networks import short

__all__ = ["MuonVsAdamW", "update_singular_values"]


def update_singular_values(land: Landscape, traj: Trajectory, name: str) -> np.ndarray:
    """Singular values ``(steps, min(r, c))`` of each step's change to the weight ``name``.

    Row ``t`` is the spectrum of ``W_{t+1} − W_t`` (``W`` of shape ``(r, c)`` read from the
    flat parameters at its place in ``parameters_to_vector`` order), largest first; rows
    after a non-finite step are ``nan``.
    """
    at = 0
    for n, shape in zip(land.network.names, land.network.shapes, strict=True):
        size = math.prod(shape)
        if n == name:
            w = np.asarray(traj.params[:, at : at + size], np.float64).reshape(-1, *shape)
            delta = np.diff(w, axis=0)
            out = np.full((len(delta), min(shape)), np.nan)
            good = np.isfinite(delta).all(axis=(1, 2))
            out[good] = np.linalg.svd(delta[good], compute_uv=False)
            return out
        at += size
    raise KeyError(f"no weight '{name}'; the network's: {', '.join(land.network.names)}")


def spectrum_bars(
    area: PlotArea, ratios: np.ndarray, clock: StepClock, color: str, slot: int, slots: int
) -> VMobject:
    """Bars of ``ratios[t]`` (σᵢ/σ₁ of step ``t``'s update), one per singular value, in
    side-by-side slot ``slot`` of ``slots`` at each index; switched by the clock."""
    k = ratios.shape[1]
    width = 0.8 / slots
    bars = VMobject(fill_color=color, fill_opacity=0.9, stroke_color=color, stroke_width=0.5)
    shown = [-1]

    def refresh(m: VMobject) -> None:
        t = clock.taking(len(ratios) - 1)  # the step being taken: θ_t → θ_{t+1}
        if t == shown[0]:
            return
        shown[0] = t
        m.clear_points()
        for i in range(k):
            h = float(np.nan_to_num(ratios[t, i]))
            x0 = i + 1 - 0.4 + slot * width
            corners = area.to_scene(
                np.array([[x0, 0.0], [x0 + width, 0.0], [x0 + width, h], [x0, h], [x0, 0.0]])
            )
            m.start_new_path(corners[0])
            m.add_points_as_corners(corners[1:])

    refresh(bars)
    bars.add_updater(refresh)
    return bars


class _FromRuns:
    """A class attribute computed from the scene's own runs (the engine caches them)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def __get__(self, obj: Any, cls: type) -> Any:
        return self.fn(cls)


class MuonVsAdamW(NetworkScene):
    description = "Muon vs AdamW on an MLP: Muon's update has its singular values levelled"
    title = "Muon levels the update's singular values"
    landscape_params = {"data": "moons", "hidden": (32, 32), "activation": "tanh", "n": 200}
    optimizers = (
        OptimizerSpec("AdamW", lr=0.01, weight_decay=0.0),
        OptimizerSpec(
            "Muon",
            lr=0.05,
            weight_decay=0.0,
            groups=[{"params": "ndim==2"}],
            rest=OptimizerSpec("AdamW", lr=0.01, weight_decay=0.0),
            label="Muon",
        ),
    )
    steps = 150
    motion_time = 9.0
    #: the weight matrix whose update spectrum is shown
    matrix: ClassVar[str] = "2.weight"
    #: a singular value "counts" when it reaches this share of the largest
    level: ClassVar[float] = 0.5
    #: the step the spectrum beat stops at
    spectrum_step: ClassVar[int] = 5

    @classmethod
    def spectra(cls, land: Landscape, trajs: Sequence[Trajectory]) -> list[np.ndarray]:
        """σᵢ/σ₁ of every step's update to :attr:`matrix`, per run ``(steps, k)``."""
        out = []
        for t in trajs:
            sv = update_singular_values(land, t, cls.matrix)
            out.append(sv / np.where(sv[:, :1] > 0, sv[:, :1], np.nan))
        return out

    @classmethod
    def computed_beats(cls) -> tuple[Beat, ...]:
        """The beats, their numbers taken from the two runs."""
        land, trajs = cls.simulate()
        adamw, muon = trajs
        spec = muon.spec
        net = land.network
        shape = dict(zip(net.names, net.shapes, strict=True))[cls.matrix]
        mats = [n for n, s in zip(net.names, net.shapes, strict=True) if len(s) == 2]
        ratios = cls.spectra(land, trajs)
        t = cls.spectrum_step
        above = [int(np.sum(r[t] >= cls.level)) for r in ratios]
        k = ratios[0].shape[1]
        # the last beat quotes its own step's numbers: the bars (ΔW from step u to u+1) and
        # the legend's losses the picture shows there
        u = cls.story_step()
        la, lm = float(adamw.loss[u]), float(muon.loss[u])
        ahead, behind = ("Muon", "AdamW") if lm < la else ("AdamW", "Muon")
        late_a = int(np.sum(ratios[0][u] >= cls.level))
        late_m = int(np.sum(ratios[1][u] >= cls.level))
        return (
            Beat(
                0,
                "one network, two optimizers",
                f"The same network, {land.dim} weights, from the same start. Muon steps its "
                f"{len(mats)} weight matrices at lr {spec.lr:g} and hands the rest to "
                f"{spec.rest.label if spec.rest else 'itself'}; AdamW steps every weight on its "
                f"own at lr {adamw.spec.lr:g}.",
            ),
            Beat(
                t,
                "the update's singular values",
                f"The bars are the singular values of one step's change to the "
                f"{shape[0]}×{shape[1]} hidden matrix, each over the largest. At step {t}, "
                f"{above[1]} of Muon's {k} reach half the largest, {above[0]} of AdamW's: "
                + cls.levelling_text(ratios[1][t], above[1], above[0]),
            ),
            Beat(
                u,
                "what level steps do",
                f"At step {u}, {late_m} of Muon's singular values and {late_a} of AdamW's "
                f"reach half the largest. {ahead} is lower: loss {short(min(la, lm))} against "
                f"{short(max(la, lm))} for {behind}.",
            ),
        )

    @classmethod
    def story_step(cls) -> int:
        """The step of the last beat (two thirds of the run), whose numbers it quotes."""
        return cls.steps * 2 // 3

    @classmethod
    def levelling_text(cls, muon: np.ndarray, above_muon: int, above_adamw: int) -> str:
        """What the bars show of Muon's levelling, from the counts that reach :attr:`level`
        (``muon``: Muon's σᵢ/σ₁ at the beat's step, ``(k,)``): "every direction" only when
        every bar reaches it; "not all" when the smallest are under a tenth of the largest."""
        k = len(muon)
        if above_muon >= k:
            return "Muon orthogonalises its momentum, so every direction moves about as far."
        if above_muon > above_adamw:
            low = float(np.nanmin(muon))
            tail = (
                ", but not all: its smallest bars are under a tenth of the largest"
                if low < 0.1
                else ", and none is under a tenth of the largest"
            )
            return f"Muon orthogonalises its momentum, so more directions move comparably{tail}."
        return (
            "Muon orthogonalises its momentum, yet at this step its bars are no more level"
            " than AdamW's."
        )

    beats = _FromRuns(lambda cls: cls.computed_beats())  # type: ignore[assignment]

    # -- the storyboard -------------------------------------------------------------------------
    def spectrum_area(self, k: int) -> PlotArea:
        area = plot_area(
            (0.4, k + 0.6),
            (0.0, 1.05),
            width=5.4,
            height=4.2,
            theme=self.theme,
            labels=("singular value index i", "σᵢ / σ₁"),
            font_size=16,
        )
        area.axes.shift(LEFT * 2.75 + DOWN * 0.35 - area.center)
        return area

    def construct(self) -> None:
        land, trajs = self.simulate()
        colors = self.colors_for(trajs)
        ratios = self.spectra(land, trajs)
        net = land.network
        shape = dict(zip(net.names, net.shapes, strict=True))[self.matrix]
        self.subtitle = (
            f"{land.name}: {land.dim} weights, full batch, {self.steps} steps; bars: the "
            f"{shape[0]}×{shape[1]} hidden matrix '{self.matrix}'"
        )
        self.add_title()
        self.make_clock([], steps=self.steps)

        k = ratios[0].shape[1]
        area = self.spectrum_area(k)
        half = area.to_scene(np.array([[0.4, self.level], [k + 0.6, self.level]]))
        guide = VMobject(stroke_color=self.theme.muted, stroke_width=1.5)
        guide.set_points_as_corners(half)
        note = label(f"half the largest ({self.level:g})", 15, self.theme.muted)
        note.next_to(half[1], UP, buff=0.06).align_to(half[1], RIGHT)
        self.add(area.axes, guide, note)
        bars = [
            spectrum_bars(area, r, self.clock, c, i, len(ratios))
            for i, (r, c) in enumerate(zip(ratios, colors, strict=True))
        ]

        def readout(traj: Trajectory, t: int) -> str:
            r = ratios[trajs.index(traj)][min(t, len(ratios[0]) - 1)]
            return f"loss {short(float(traj.loss[t]))}  ≥ ½σ₁: {int(np.sum(r >= self.level))}"

        counter = step_counter(self.clock, self.theme, font_size=22)
        counter.shift(RIGHT * (1.2 - counter.get_left()[0]) + UP * (2.45 - counter.get_top()[1]))
        legend = self.legend(trajs, colors, font_size=21, readout=readout).fit(5.4)
        legend.next_to(counter, DOWN, buff=0.22).align_to(counter, LEFT)
        names = ", ".join(t.label for t in trajs)
        caption = VGroup(
            *[
                label(line, 16, self.theme.muted)
                for line in (
                    "bars: the singular values σᵢ of one step's",
                    f"ΔW = W(t+1) − W(t) of '{self.matrix}', over its σ₁;",
                    f"in each pair, left to right: {names}",
                )
            ]
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        caption.next_to(legend, DOWN, buff=0.3).align_to(legend, LEFT)
        self.add(caption)
        panel = LossPanel(
            [(c, t.loss) for t, c in zip(trajs, colors, strict=True)],
            self.clock,
            self.theme,
            width=4.0,
            height=2.1,
            log=True,
            y_label="loss",
        )
        panel.shift(RIGHT * (3.95 - panel.area.center[0]) + DOWN * (1.8 + panel.area.center[1]))
        self.add_layered(counter, legend, panel, *bars)
        self.play_steps()
        self.finish()
