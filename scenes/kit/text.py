"""Text drawn with Pango (no LaTeX): cached glyph outlines, fast read-outs, titles.

:func:`text_outlines` lays a string out once and keeps its glyph outlines in memory and on
disk; :func:`label` builds static text from them and :class:`FastText` text that changes
every frame. :func:`fmt_value` formats a number for a read-out.

Examples
--------
>>> from descent.scenes.kit.text import fmt_value
>>> fmt_value(float("inf")), fmt_value(-0.000123), fmt_value(12.3456)
('∞', '−1.23e−04', '12.35')
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Mobject,
    Text,
    VGroup,
    VMobject,
    config,
)

from descent import engine
from descent.scenes.kit.theme import TEXT_CONTRAST, Theme, contrast_ratio, with_contrast

__all__ = [
    "FONT",
    "TEXT_CACHE_VERSION",
    "FastText",
    "Label",
    "fmt_value",
    "label",
    "halo",
    "text_outlines",
    "title_block",
    "SAFE_MARGIN",
    "safe_box",
    "to_safe_corner",
    "TextBox",
    "text_boxes",
    "over_lines",
    "legible_text",
    "text_contrast_problems",
]


FONT = "DejaVu Sans"


def fmt_value(v: float, digits: int = 4) -> str:
    """A value for live read-outs: ``digits`` significant digits *kept* (``0.3000``, not
    ``0.3``), so a read-out's width changes only with its magnitude, never frame to frame
    as trailing zeros come and go; ∞ for overflow. DejaVu Sans' digits all have one
    width (tabular figures), so equal-length numbers line up.

    Examples
    --------
    >>> fmt_value(0.3), fmt_value(13.9), fmt_value(1234.6), fmt_value(0.0)
    ('0.3000', '13.90', '1235', '0')
    """
    if not math.isfinite(v):
        return "−∞" if v < 0 else ("∞" if v > 0 else "NaN")
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.2e}".replace("-", "−")
    if v == 0:
        return "0"
    text = f"{v:#.{digits}g}"
    if "e" in text:  # rounded up to 1e5 (99999.9)
        text = f"{v:.2e}"
    return text.rstrip(".").replace("-", "−")


class FastText(VMobject):
    """Text that can change every frame cheaply: one ``VMobject`` built from cached glyphs.

    Each character is shaped by Pango once per font size and its outline kept as points;
    :meth:`set_text` only concatenates those arrays. Creating a ``Text`` per frame costs
    ~40 ms (Pango, SVG parsing, a deep copy); this costs microseconds.

    The anchor — the left end of the baseline — is stored as the first (zero-length) curve
    of the points, so moving the text or any group holding it moves the anchor too.
    """

    _glyphs: ClassVar[dict[tuple[str, int], tuple[np.ndarray, float]]] = {}
    #: whole strings → (outline relative to the anchor, pen position of each visible
    #: character); read-outs repeat their strings
    _strings: ClassVar[dict[tuple[str, int], tuple[np.ndarray, tuple[tuple[str, float], ...]]]] = {}

    def __init__(self, text: str, font_size: int, color: str, **kw: Any) -> None:
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0, **kw)
        self.font_size = font_size
        self.text: str | None = None
        #: the outline relative to the anchor and where each character's pen stands: what
        #: :class:`~descent.scenes.kit.camera.PathCamera` needs to paint cached glyphs
        self.layout: tuple[np.ndarray, tuple[tuple[str, float], ...]] = (np.zeros((4, 3)), ())
        self.set_points(np.zeros((4, 3)))
        self.set_text(text)

    @classmethod
    def glyph(cls, ch: str, font_size: int) -> tuple[np.ndarray, float]:
        """``(outline points relative to the pen, advance)`` of one character."""
        key = (ch, font_size)
        if key not in cls._glyphs:
            bars = text_outlines("||", font_size)
            bearing = float(bars[1][:, 0].min() - bars[0][:, 0].max())  # the bars' own sides
            probe = text_outlines(f"|{ch}|", font_size)
            left, right = probe[0], probe[-1]
            pen = np.array([left[:, 0].max() + bearing / 2, left[:, 1].min(), 0.0])
            inner = probe[1:-1]
            pts = np.concatenate(inner, 0) if inner else np.zeros((0, 3))
            advance = float(right[:, 0].min() - left[:, 0].max()) - bearing
            cls._glyphs[key] = (pts - pen, advance)
        return cls._glyphs[key]

    @classmethod
    def width_of(cls, text: str, font_size: int) -> float:
        """The pen advance of ``text`` (scene units): how far it reaches from its anchor."""
        return sum(cls.glyph(ch, font_size)[1] for ch in text)

    @property
    def anchor(self) -> np.ndarray:
        return np.array(self.points[0])

    def set_text(self, text: str) -> FastText:
        if text == self.text:
            return self
        self.text = text
        key = (text, self.font_size)
        layout = self._strings.get(key)
        if layout is None:
            pen, parts, pens = 0.0, [np.zeros((4, 3))], []
            for ch in text:
                pts, advance = self.glyph(ch, self.font_size)
                if len(pts):
                    parts.append(pts + np.array([pen, 0.0, 0.0]))
                    pens.append((ch, pen))
                pen += advance
            if len(self._strings) > 50_000:  # bounded: a long scene formats many numbers
                self._strings.clear()
            layout = self._strings[key] = (np.concatenate(parts, 0), tuple(pens))
        self.layout = layout
        self.set_points(layout[0] + self.anchor)
        return self

    def place(self, anchor: np.ndarray) -> FastText:
        """Move the baseline's left end to ``anchor``."""
        return self.shift(np.asarray(anchor, dtype=np.float64) - self.anchor)


_OUTLINES: dict[tuple[str, int], list[np.ndarray]] = {}
#: bump when the stored outline format changes
TEXT_CACHE_VERSION = 1


def text_outlines(text: str, font_size: int) -> list[np.ndarray]:
    """The outline points of each glyph of ``Text(text)`` in :data:`FONT`, at the origin.

    Pango lays the text out and Manim parses its SVG: ~15 ms a string, most of a scene's
    set-up. The outlines are kept in memory and in ``engine.cache_dir()/text`` (keyed by
    text, size, font and the Manim and ManimPango versions), so a second render of a scene
    builds its labels from arrays.
    """
    key = (text, font_size)
    if key in _OUTLINES:
        return _OUTLINES[key]
    import manimpango
    from manim import __version__ as manim_version

    ident = json.dumps(
        [TEXT_CACHE_VERSION, text, font_size, FONT, manim_version, manimpango.__version__]
    )
    path = engine.cache_dir() / "text" / f"{hashlib.sha256(ident.encode()).hexdigest()}.npz"
    parts = engine.fileio.read_cache(path, _read_outlines)  # None: missing or unreadable
    if parts is None:
        glyphs = Text(text, font=FONT, font_size=font_size).family_members_with_points()
        parts = [np.array(m.points) for m in glyphs]
        arrays = {f"glyph{i}": p for i, p in enumerate(parts)}
        engine.write_cache(path, lambda fh: np.savez(fh, count=np.array(len(parts)), **arrays))
    _OUTLINES[key] = parts
    return parts


def _read_outlines(path: Path) -> list[np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return [np.array(npz[f"glyph{i}"]) for i in range(int(npz["count"]))]


class Label(VGroup):
    """Static text: one filled ``VMobject`` per glyph; ``text`` is the string it shows."""

    def __init__(self, text: str, *glyphs: VMobject) -> None:
        super().__init__(*glyphs)
        self.text = text


def label(text: str, font_size: int, color: str) -> Label:
    """A Pango text (no LaTeX) as one filled ``VMobject`` per glyph, like Manim's ``Text``.

    Built from :func:`text_outlines`, so it costs microseconds once the text was laid out.
    """
    return Label(
        text,
        *[
            VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0).set_points(pts)
            for pts in text_outlines(text, font_size)
        ],
    )


#: the title-safe margin, a fraction of the frame's width (left, right) and height (top,
#: bottom): a projector's overscan crops the edge (EBU R 95: 5 % each side for 16:9)
SAFE_MARGIN = 0.05


def safe_box(margin: float = SAFE_MARGIN) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)``: the title-safe area in scene units (Manim's frame is 8 high)."""
    w, h = config.frame_width, config.frame_height
    return (-w / 2 + margin * w, w / 2 - margin * w, -h / 2 + margin * h, h / 2 - margin * h)


def to_safe_corner(mobject: Mobject, direction: np.ndarray, buff: float = 0.0) -> Mobject:
    """Move ``mobject`` into the corner (or to the edge) ``direction`` of the title-safe
    area, ``buff`` inside it. ``direction`` is one of Manim's ``UL``, ``DR``, ``DOWN``..."""
    x0, x1, y0, y1 = safe_box()
    dx, dy = float(direction[0]), float(direction[1])
    if dx:
        edge = (x1 - buff) if dx > 0 else (x0 + buff)
        mobject.shift(RIGHT * (edge - mobject.get_edge_center(RIGHT if dx > 0 else LEFT)[0]))
    if dy:
        edge = (y1 - buff) if dy > 0 else (y0 + buff)
        mobject.shift(UP * (edge - mobject.get_edge_center(UP if dy > 0 else DOWN)[1]))
    return mobject


def halo(text: Mobject, theme: Theme, width: float = 5.0) -> Mobject:
    """Give ``text`` a halo: a stroke of the page's colour behind its glyphs, so that it
    reads over lines and trails (the layout check then lets lines run under it)."""
    page = theme.background[:7] if theme.name != "transparent" else "#000000"
    text.set_stroke(page, width=width, opacity=1.0, background=True)
    return text


def title_block(title: str, subtitle: str | None, theme: Theme) -> VGroup:
    """Title (and a smaller subtitle) at the top of the title-safe area, centred.

    The title is 36 pt, the subtitle 22 pt (a capital 20 px tall at 1280 × 720), each
    shrunk only if it is wider than the title-safe area. A subtitle with ``\n`` in it is
    set as that many lines (a group of labels), each at full size: a long set-up broken
    in two stays legible where one line would shrink (a network's is 143 characters: 12 pt
    on one line)."""
    x0, x1, _, _ = safe_box()
    head = label(title, 36, theme.text)
    if head.width > x1 - x0:
        head.scale_to_fit_width(x1 - x0)
    group = VGroup(head)
    if subtitle:
        lines = []
        for text in subtitle.split("\n"):
            line = label(text, 22, theme.muted)
            if line.width > x1 - x0:
                line.scale_to_fit_width(x1 - x0)
            lines.append(line)
        sub = lines[0] if len(lines) == 1 else VGroup(*lines).arrange(DOWN, buff=0.1)
        group.add(sub.next_to(head, DOWN, buff=0.12))
    group.move_to(np.zeros(3), coor_mask=np.array([1.0, 0.0, 0.0]))
    return to_safe_corner(group, UP)


# -- text boxes (what the layout check and the scene's text that steps aside measure) --------
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


def text_boxes(mobjects: Iterable[Mobject], *, plain_only: bool = False) -> list[TextBox]:
    """Every visible text (:func:`~descent.scenes.kit.text.label`, :class:`FastText`,
    Manim's ``Text``) among ``mobjects`` and their families, with its bounding box
    (``plain_only``: only text not meant to lie over lines, see :func:`over_lines`)."""
    found: list[TextBox] = []
    seen: set[int] = set()
    for top in mobjects:
        for m in top.get_family():
            if id(m) in seen or not _is_text(m):
                continue
            seen.update(id(sub) for sub in m.get_family())
            if plain_only and over_lines(m):
                continue
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


def over_lines(m: Mobject) -> bool:
    """Whether the text ``m`` is meant to lie over lines: on a plate of the page's colour
    (:class:`~descent.scenes.kit.plot.PlatedLabel`), or with a halo (a background stroke
    in the page's colour around its glyphs), so that it reads over them."""
    if getattr(m, "over_lines", False):
        return True
    leaves = m.family_members_with_points()
    return bool(leaves) and all(
        leaf.get_stroke_width(background=True) > 0 and leaf.get_stroke_opacity(background=True) > 0
        for leaf in leaves
    )


def _is_text(m: Any) -> bool:
    from manim import MarkupText, Text

    return isinstance(m, Label | FastText | Text | MarkupText)


def _text_leaves(mobject: Mobject) -> list[Any]:
    """The inked parts (leaves with points) of every text in ``mobject``'s family."""
    from manim import BackgroundRectangle

    leaves: dict[int, Any] = {}
    for m in mobject.get_family():
        if _is_text(m):
            plates = {id(x) for x in m.get_family() if isinstance(x, BackgroundRectangle)}
            for leaf in m.family_members_with_points():
                if id(leaf) not in plates:  # a patch of the page behind it is not ink
                    leaves[id(leaf)] = leaf
    return list(leaves.values())


def legible_text(mobject: Mobject, theme: Theme) -> Mobject:
    """Every text in ``mobject``'s family with its fill colour made to reach
    :data:`~descent.scenes.kit.theme.TEXT_CONTRAST` (4.5:1, WCAG 2.x 1.4.3 AA) against
    ``theme``'s page, in its own hue (:func:`~descent.scenes.kit.theme.with_contrast`):
    a run colour that is fine for a line (3:1) is darkened on white when it is written.
    Opacity is kept. Returns ``mobject``.
    """
    page = theme.page
    for leaf in _text_leaves(mobject):
        rgbas = getattr(leaf, "fill_rgbas", None)
        if rgbas is None or not len(rgbas):
            continue
        color = str(leaf.get_fill_color().to_hex())[:7].upper()
        fixed = with_contrast(color, page, TEXT_CONTRAST)
        if fixed != color:
            leaf.set_fill(fixed, opacity=float(rgbas[0, 3]), family=False)
    return mobject


def text_contrast_problems(mobjects: Iterable[Mobject], theme: Theme) -> list[str]:
    """One line per visible text among ``mobjects`` whose fill colour is under
    :data:`~descent.scenes.kit.theme.TEXT_CONTRAST` against ``theme``'s page."""
    page = theme.page
    out: list[str] = []
    seen: set[int] = set()
    for top in mobjects:
        for m in top.get_family():
            if id(m) in seen or not _is_text(m) or not _shown(m):
                continue
            seen.update(id(sub) for sub in m.get_family())
            for leaf in _text_leaves(m):
                if not len(getattr(leaf, "fill_rgbas", ())) or leaf.fill_rgbas[:, 3].max() <= 0:
                    continue
                color = str(leaf.get_fill_color().to_hex())[:7].upper()
                ratio = contrast_ratio(color, page)
                if ratio < TEXT_CONTRAST - 1e-6:
                    text = getattr(m, "text", None) or getattr(m, "original_text", "") or "?"
                    out.append(f"text {text!r} in {color}: {ratio:.2f}:1 on {page}")
                    break
    return out
