"""Layout checks: the title-safe margin and text that overlaps text, at a scene's beat frames.

A projector crops the frame's edge (overscan), so text keeps inside the title-safe area,
:data:`SAFE_MARGIN` of the frame in from each edge (EBU R 95's graphics-safe area for
16:9: 5 % of the width and of the height). :func:`layout_problems` lists what a scene
shows past it and the text boxes that overlap; :func:`check_layout` plays a scene class
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

from descent.scenes.kit.text import SAFE_MARGIN, FastText, Label, safe_box

__all__ = [
    "SAFE_MARGIN",
    "TextBox",
    "safe_box",
    "text_boxes",
    "layout_problems",
    "check_layout",
    "LayoutCheck",
]

#: overlaps smaller than this (scene units, each way) are a glyph's anti-aliasing, not text
_TOUCH = 0.02


@dataclass(frozen=True)
class TextBox:
    """The bounding box of one piece of text on screen: ``text`` (``str``), scene units."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float

    def overlap(self, other: TextBox) -> float:
        """The smaller of the overlaps along x and y (≤ 0: the boxes do not meet)."""
        return min(
            min(self.x1, other.x1) - max(self.x0, other.x0),
            min(self.y1, other.y1) - max(self.y0, other.y0),
        )

    def __str__(self) -> str:
        return f"{self.text!r} x {self.x0:.2f}..{self.x1:.2f} y {self.y0:.2f}..{self.y1:.2f}"


def _shown(m: Any) -> bool:
    """Whether any part of ``m`` is drawn (some fill or stroke opacity)."""
    for leaf in m.family_members_with_points():
        fill = leaf.fill_rgbas[:, 3].max() if len(getattr(leaf, "fill_rgbas", ())) else 0.0
        stroke = leaf.stroke_rgbas[:, 3].max() if leaf.get_stroke_width() else 0.0
        if max(fill, stroke) > 0:
            return True
    return False


def text_boxes(mobjects: Iterable[Mobject]) -> list[TextBox]:
    """Every visible text (:func:`~descent.scenes.kit.text.label`, :class:`FastText`,
    Manim's ``Text``) among ``mobjects`` and their families, with its bounding box."""
    from manim import MarkupText, Text

    found: list[TextBox] = []
    seen: set[int] = set()
    for top in mobjects:
        for m in top.get_family():
            if id(m) in seen or not isinstance(m, Label | FastText | Text | MarkupText):
                continue
            seen.update(id(sub) for sub in m.get_family())
            pts = np.concatenate([leaf.points for leaf in m.family_members_with_points()] or [[]])
            if not len(pts) or not np.isfinite(pts).all() or not _shown(m):
                continue
            if isinstance(m, FastText):
                pts = pts[1:]  # the anchor (a zero-length first curve) is not ink
                if not len(pts):
                    continue
            (x0, y0), (x1, y1) = pts[:, :2].min(0), pts[:, :2].max(0)
            text = getattr(m, "text", None) or getattr(m, "original_text", "") or "?"
            found.append(TextBox(str(text), float(x0), float(x1), float(y0), float(y1)))
    return found


def layout_problems(mobjects: Iterable[Mobject], margin: float = SAFE_MARGIN) -> list[str]:
    """Text past the title-safe area and text boxes that overlap, one line each."""
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
        ``problems`` is empty when nothing reaches past the title-safe area and no text
        overlaps text.
    """
    from manim import tempconfig

    settings = {
        "write_to_movie": False,
        "save_last_frame": False,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "dry_run": True,
    }
    found: dict[float, list[str]] = {}
    variant: type = (
        type(scene_class.__name__, (scene_class,), {"theme_name": theme})
        if theme is not None
        else scene_class
    )
    with tempconfig(settings):
        scene = variant(skip_animations=True)

        def checked(method: Any) -> Any:
            def run(*args: Any, **kwargs: Any) -> Any:
                out = method(*args, **kwargs)
                problems = layout_problems(scene.mobjects)
                if problems:
                    found[round(float(scene.renderer.time), 3)] = problems
                return out

            return run

        scene.renderer.update_frame = lambda *a, **k: None  # nothing is drawn
        scene.play = checked(scene.play)  # type: ignore[method-assign]
        scene.wait = checked(scene.wait)  # type: ignore[method-assign]
        scene.render()
    return LayoutCheck(found, scene)
