"""Layout checks: the title-safe margin, text over text and lines through text, at beat frames.

A projector crops the frame's edge (overscan), so text keeps inside the title-safe area,
:data:`SAFE_MARGIN` of the frame in from each edge (EBU R 95's graphics-safe area for
16:9: 5 % of the width and of the height). :func:`layout_problems` lists what a scene
shows past it, the text boxes that overlap and the text a line (an axis, a tick, a curve,
a contour, a run's trail, an arrow) runs through, unless the text is meant to lie over
lines (on a plate or with a halo, :func:`over_lines`); :func:`check_layout` plays a scene class
without drawing a frame (Manim's ``skip_animations``: each ``play()`` jumps to its end
state, its updaters run once) and checks the state at the end of every ``play()`` and
``wait()``: the frames a beat holds. A built-in scene takes about a second.

Examples
--------
>>> from descent.scenes.kit.layout import safe_box
>>> [round(v, 3) for v in safe_box()]
[-6.4, 6.4, -3.6, 3.6]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import Mobject

from descent.scenes.kit.text import (
    SAFE_MARGIN,
    TextBox,
    _is_text,
    over_lines,
    safe_box,
    text_boxes,
    text_contrast_problems,
)

__all__ = [
    "SAFE_MARGIN",
    "TextBox",
    "safe_box",
    "text_boxes",
    "layout_problems",
    "line_segments",
    "over_lines",
    "check_layout",
    "LayoutCheck",
]

#: overlaps smaller than this (scene units, each way) are a glyph's anti-aliasing, not text
_TOUCH = 0.02


def line_segments(mobjects: Iterable[Mobject], steps: int = 6) -> np.ndarray:
    """Every visible stroke among ``mobjects`` (axes, ticks, curves, contour lines, run
    trails, arrows, rings; not text, not filled shapes without a stroke) as straight pieces
    ``(n, 2, 2)``: each cubic Bézier of a stroke cut into ``steps`` chords (a straight one
    is exact)."""
    parts: list[np.ndarray] = []
    seen: set[int] = set()
    for top in mobjects:
        for m in top.get_family():
            if id(m) in seen:
                continue
            if _is_text(m):
                seen.update(id(x) for x in m.get_family())
                continue
            seen.add(id(m))
            if getattr(m, "layout_transient", False):
                continue  # a beat's ring: on for one hold, around its subject
            pts = getattr(m, "points", None)
            if pts is None or len(pts) < 4 or not hasattr(m, "stroke_rgbas"):
                continue
            if (
                not m.get_stroke_width()
                or not len(m.stroke_rgbas)
                or m.stroke_rgbas[:, 3].max() <= 0
            ):
                continue
            n = len(pts) // 4 * 4
            cubics = np.asarray(pts[:n], np.float64).reshape(-1, 4, 3)[:, :, :2]
            cubics = cubics[np.isfinite(cubics).all(axis=(1, 2))]
            if not len(cubics):
                continue
            t = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
            a, b, c, d = (cubics[None, :, k] for k in range(4))
            curve = (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * d
            chords = np.stack([curve[:-1], curve[1:]], axis=2)  # (steps, cubics, 2, 2)
            parts.append(chords.reshape(-1, 2, 2))
    return np.concatenate(parts, 0) if parts else np.zeros((0, 2, 2))


def _crossing(segments: np.ndarray, box: TextBox, inset: float) -> bool:
    """Whether any segment ``(n, 2, 2)`` passes through ``box`` shrunk by ``inset``
    (Liang–Barsky clipping, vectorised)."""
    x0, x1, y0, y1 = box.x0 + inset, box.x1 - inset, box.y0 + inset, box.y1 - inset
    if x0 >= x1 or y0 >= y1 or not len(segments):
        return False
    p, q = segments[:, 0], segments[:, 1]
    near = (
        (np.maximum(p[:, 0], q[:, 0]) >= x0)
        & (np.minimum(p[:, 0], q[:, 0]) <= x1)
        & (np.maximum(p[:, 1], q[:, 1]) >= y0)
        & (np.minimum(p[:, 1], q[:, 1]) <= y1)
    )
    if not near.any():
        return False
    p, q = p[near], q[near]
    d = q - p
    lo, hi = np.zeros(len(p)), np.ones(len(p))
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, (a, b) in enumerate(((x0, x1), (y0, y1))):
            flat = d[:, k] == 0
            inside = (p[:, k] >= a) & (p[:, k] <= b)
            t1, t2 = (a - p[:, k]) / d[:, k], (b - p[:, k]) / d[:, k]
            enter, leave = np.minimum(t1, t2), np.maximum(t1, t2)
            lo = np.where(flat, np.where(inside, lo, 2.0), np.maximum(lo, enter))
            hi = np.where(flat, np.where(inside, hi, -1.0), np.minimum(hi, leave))
    return bool((lo <= hi).any())


def layout_problems(
    mobjects: Iterable[Mobject],
    margin: float = SAFE_MARGIN,
    *,
    lines: bool = True,
    line_mobjects: Iterable[Mobject] | None = None,
) -> list[str]:
    """Text past the title-safe area, text boxes that overlap, and (``lines``) text that a
    line runs through (:func:`line_segments`: axes, ticks, curves, contour lines, trails,
    arrows) unless it is meant to lie over lines (:func:`over_lines`), one line each.

    ``line_mobjects``: where the lines are looked for (default: ``mobjects``; a 3-D
    scene's lines in the frame, whose points are not in 3-D space).
    """
    mobjects = list(mobjects)
    x0, x1, y0, y1 = safe_box(margin)
    boxes = text_boxes(mobjects)
    problems = [
        f"outside the title-safe area: {b}"
        for b in boxes
        if b.x0 < x0 - 1e-6 or b.x1 > x1 + 1e-6 or b.y0 < y0 - 1e-6 or b.y1 > y1 + 1e-6
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a.overlap(b) > _TOUCH:
                problems.append(f"text overlaps text: {a} and {b}")
    if lines:
        segments = line_segments(mobjects if line_mobjects is None else line_mobjects)
        for box in text_boxes(mobjects, plain_only=True):
            if _crossing(segments, box, 2 * _TOUCH):
                problems.append(f"a line runs through text: {box}")
    return problems


@dataclass(frozen=True)
class LayoutCheck:
    """What :func:`check_layout` found: ``problems`` by scene time (s), and the played
    ``scene`` (its last state: colours, legends) for further checks."""

    problems: dict[float, list[str]]
    scene: Any


def check_layout(scene_class: type, theme: str | None = None) -> LayoutCheck:
    """Play ``scene_class`` without drawing and check its layout after every ``play()`` and
    ``wait()``: ``{scene time (s): problems}`` for the moments with problems.

    Parameters
    ----------
    scene_class
        A Manim scene class (a descent scene or any other).
    theme
        ``dark``, ``light`` or ``transparent`` (default: the scene's own or ``$DESCENT_THEME``).

    Returns
    -------
    LayoutCheck
        ``problems`` is empty when nothing reaches past the title-safe area, no text
        overlaps text, every text reaches 4.5:1 on the page (WCAG AA) and no line (axis,
        tick, curve, contour, trail, arrow) runs through
        text that is not meant to lie over lines (:func:`over_lines`).
    """
    from descent.scenes.kit.timeline import dry_render

    found: dict[float, list[str]] = {}

    def checked(scene: Any, method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            out = method(*args, **kwargs)
            fixed = getattr(scene.renderer.camera, "fixed_in_frame_mobjects", None)
            flat = (
                None  # a 3-D scene: only what is drawn in the frame's own plane
                if fixed is None
                else [m for m in scene.mobjects if m in fixed]
            )
            problems = layout_problems(scene.mobjects, line_mobjects=flat)
            if getattr(scene, "theme", None) is not None:  # text reads on its page (4.5:1)
                problems += text_contrast_problems(scene.mobjects, scene.theme)
            if problems:
                found[round(float(scene.renderer.time), 3)] = problems
            return out

        return run

    scene = dry_render(scene_class, theme, checked)
    return LayoutCheck(found, scene)
