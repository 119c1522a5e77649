"""The update rule on screen: torch's rule for one optimizer, with the current step's numbers.

:func:`rule_lines` turns :func:`descent.engine.rules.update_terms` into pairs of lines:
the rule in symbols (``b ← μ·b + g``) and the same rule with the step's numbers
(``= 0.9·(1.2, −0.5) + (0.4, 2.1) = (1.48, 1.65)``). :class:`UpdateRule` shows them,
refreshed from the clock, the rule in the optimizer's colour. Every number comes from the
recorded trajectory (its ``grad``, ``state`` and ``lr``).

Examples
--------
>>> from descent import engine
>>> traj = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), start=[10, 10],
...                        steps=3, cache=False)
>>> rule_lines(traj, 0)[-1]
('θ ← θ − lr·g', '= (10, 10) − 0.1·(14, 24) = (8.6, 7.6)')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, Mobject, VGroup, VMobject

from descent.engine import Trajectory
from descent.engine.rules import update_terms
from descent.scenes.kit.clock import StepClock
from descent.scenes.kit.plot import corner_points
from descent.scenes.kit.text import FastText, fmt_value, label
from descent.scenes.kit.theme import Theme, text_color

__all__ = ["shown_update", "UpdateRule", "CoordinateBars", "rule_lines", "vec"]


def num(x: float) -> str:
    """A number in 3 significant digits, with a real minus sign."""
    if not math.isfinite(x):
        return "∞" if x > 0 else ("−∞" if x < 0 else "NaN")
    text = f"{x:.3g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text.replace("-", "−")


def vec(values: Sequence[float] | np.ndarray) -> str:
    """``(1.23, −0.5)``: a coordinate vector (a scalar for 1-D runs)."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    inner = ", ".join(num(float(v)) for v in arr)
    return inner if arr.size == 1 else f"({inner})"


def shown_update(clock: StepClock, last: int) -> int:
    """The update a rule shows at the clock: the one under way while the dot moves from θ_t
    to θ_{t+1} (``t``), and, when the clock rests on step ``t``, the one that brought it there
    (``t − 1``): the step counter's ``step t`` and torch's own count ``t`` then agree."""
    s = clock.step()
    return int(min(max(math.ceil(s) - 1, 0), last))


def rule_lines(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """``(rule, numbers)`` line pairs of step ``t`` of a single run (see the module doc)."""
    terms = update_terms(traj, t)
    v, h = terms.values, terms.hyper
    lr = num(h["lr"])
    lines: list[tuple[str, str]] = [("g = ∇f(θ)", f"= {vec(v['g'])}")]
    if terms.rule == "sgd":
        lines.append(("θ ← θ − lr·g", f"= {vec(v['θ'])} − {lr}·{vec(v['g'])} = {vec(v['θ_next'])}"))
    elif terms.rule in ("momentum", "nesterov"):
        mu = num(h["μ"])
        lines.append(("b ← μ·b + g", f"= {mu}·{vec(v['b'])} + {vec(v['g'])} = {vec(v['b_next'])}"))
        if terms.rule == "momentum":
            lines.append(
                ("θ ← θ − lr·b", f"= {vec(v['θ'])} − {lr}·{vec(v['b_next'])} = {vec(v['θ_next'])}")
            )
        else:
            lines.append(("step = −lr·(g + μ·b)", f"= {vec(v['step'])}"))
            lines.append(("θ ← θ + step", f"= {vec(v['θ_next'])}"))
    elif terms.rule == "adagrad":
        lines.append(("s ← s + g²", f"= {vec(v['s'])} + {vec(v['g'] ** 2)} = {vec(v['s_next'])}"))
        lines.append(("lr / (√s + ε)", f"= {vec(h['lr'] / (v['√s'] + h['ε']))}   per coordinate"))
        lines.append(("step = −lr·g / (√s + ε)", f"= {vec(v['step'])}"))
        lines.append(("θ ← θ + step", f"= {vec(v['θ_next'])}"))
    elif terms.rule == "rmsprop":
        a = num(h["α"])
        lines.append(("v ← α·v + (1 − α)·g²", f"= {a}·{vec(v['v'])} + … = {vec(v['v_next'])}"))
        lines.append(("lr / (√v + ε)", f"= {vec(h['lr'] / (v['√v'] + h['ε']))}   per coordinate"))
        lines.append(("step = −lr·g / (√v + ε)", f"= {vec(v['step'])}"))
        lines.append(("θ ← θ + step", f"= {vec(v['θ_next'])}"))
    else:  # adam
        lines.append(("m ← β₁·m + (1 − β₁)·g", f"= {vec(v['m'])}"))
        lines.append(("v ← β₂·v + (1 − β₂)·g²", f"= {vec(v['v'])}"))
        lines.append(("m̂ = m / (1 − β₁ᵗ)", f"= {vec(v['m̂'])}   t = {int(h['t'])}"))
        lines.append(("√v̂ = √(v / (1 − β₂ᵗ))", f"= {vec(v['√v̂'])}"))
        lines.append(("step = −lr·m̂ / (√v̂ + ε)", f"= {vec(v['step'])}"))
        lines.append(("θ ← θ + step", f"= {vec(v['θ_next'])}"))
    return lines


class UpdateRule(VGroup):
    """torch's update rule for ``traj`` with the numbers of the step the clock is at.

    The rule (left column) is in ``color``; the numbers (beside it) are refreshed each
    frame from the recorded arrays (cheap: :class:`FastText` glyphs).
    """

    def __init__(
        self,
        traj: Trajectory,
        clock: StepClock,
        theme: Theme,
        *,
        color: str,
        font_size: int = 17,
    ) -> None:
        super().__init__()
        last = traj.steps - 1
        first = rule_lines(traj, 0)
        header = label(f"torch's update, {traj.label}", font_size, theme.muted)
        self.add(header)
        self.header = header
        rules = VGroup(*[label(r or " ", font_size, text_color(color, theme)) for r, _ in first])
        #: the rule's lines in symbols, as drawn (the numbers beside each: :attr:`numbers`)
        self.rules = rules
        rules.arrange(DOWN, aligned_edge=LEFT, buff=0.22).next_to(header, DOWN, buff=0.2)
        rules.align_to(header, LEFT)
        self.add(rules)
        column = max(r.get_right()[0] for r in rules) + 0.2
        self.numbers: list[FastText] = []
        for k, (row, (_, text)) in enumerate(zip(rules, first, strict=True)):
            shown = FastText(text, font_size, theme.text)
            shown.place(np.array([column, row.get_bottom()[1], 0.0]))

            def refresh(m: FastText, k: int = k) -> None:
                t = shown_update(clock, last)
                m.set_text(rule_lines(traj, t)[k][1])

            shown.add_updater(refresh)
            self.numbers.append(shown)
            self.add(shown)


class CoordinateBars(VGroup):
    """Adam's normalisation per coordinate, as bars: ``|m̂ᵢ|`` (in ``color``) inside
    ``√v̂ᵢ`` (grey), both on one scale for every coordinate, and ``|stepᵢ| / lr`` beside.

    A coordinate with a 50× smaller gradient has 50× shorter bars, yet the same ratio of
    the two: Adam's step ``lr · m̂ᵢ / √v̂ᵢ`` is about ``lr`` in each. Every number is the
    recorded run's (:func:`descent.engine.rules.update_terms`), at the clock's step.
    """

    def __init__(
        self,
        traj: Trajectory,
        clock: StepClock,
        theme: Theme,
        *,
        color: str,
        width: float = 2.4,
        font_size: int = 17,
        names: Sequence[str] = ("x", "y"),
    ) -> None:
        super().__init__()
        last = traj.steps - 1
        terms = [update_terms(traj, t) for t in range(traj.steps)]
        m_hat = np.abs(np.array([tm.values["m̂"] for tm in terms]))  # (steps, dim)
        root_v = np.array([tm.values["√v̂"] for tm in terms])
        ratio = np.array([np.abs(tm.values["step"]) / tm.hyper["lr"] for tm in terms])
        scale = width / float(np.nanmax(np.maximum(m_hat, root_v)) or 1.0)
        #: what the bars draw, per update ``(steps, dim)``: ``|m̂|``, ``√v̂``, ``|step| / lr``;
        #: ``bar_scale`` (scene units per unit of m̂) and ``bar_width`` (the longest bar, scene
        #: units) are one scale for every coordinate (the html player draws from these)
        self.m_hat, self.root_v, self.ratio = m_hat, root_v, ratio
        self.bar_scale, self.bar_width, self.clock, self.last = scale, width, clock, last
        header = label("per coordinate: |m̂| (colour) within √v̂ (grey)", font_size, theme.muted)
        self.header = header
        #: ``(name, tag, row)`` a coordinate: ``row`` is (√v̂'s bar, |m̂|'s bar, |step|'s text)
        self.rows: list[tuple[str, Mobject, VGroup]] = []
        self.add(header)
        height, gap = 0.16, 0.34
        for i, name in enumerate(names[: m_hat.shape[1]]):
            tag = label(name, font_size, theme.text)
            tag.next_to(header, DOWN, buff=0.25 + i * gap).align_to(header, LEFT)
            outer = VMobject(fill_color=theme.muted, fill_opacity=0.45, stroke_width=0)
            inner = VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0)
            text = FastText(f"|step| {fmt_value(float(ratio[0, i]))}·lr", font_size, theme.text)
            text.place(np.array([tag.get_right()[0] + width + 0.4, tag.get_bottom()[1], 0.0]))

            def box(tag: Mobject, length: float, tall: float) -> np.ndarray:
                """A bar ``length`` long beside ``tag``, wherever the group has moved it."""
                x0, mid = tag.get_right()[0] + 0.2, tag.get_center()[1]
                x1, y0, y1 = x0 + max(length, 1e-3), mid - tall / 2, mid + tall / 2
                return corner_points(
                    np.array([[x0, y0, 0], [x1, y0, 0], [x1, y1, 0], [x0, y1, 0], [x0, y0, 0]])
                )

            def refresh(group: VGroup, i: int = i, tag: Mobject = tag) -> None:
                t = shown_update(clock, last)
                group[0].set_points(box(tag, root_v[t, i] * scale, height))
                group[1].set_points(box(tag, m_hat[t, i] * scale, height * 0.55))
                group[2].set_text(f"|step| {fmt_value(float(ratio[t, i]))}·lr")

            row = VGroup(outer, inner, text)
            refresh(row)
            row.add_updater(refresh)
            self.rows.append((name, tag, row))
            self.add(tag, row)
