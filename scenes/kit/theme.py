"""Colours: the dark, light and transparent themes, one colour per optimizer, colour maps.

Each optimizer label has one colour-blind-safe (Okabe–Ito) colour, the same in every scene
and theme; :func:`colormap` and :func:`normalise` turn loss grids into heat-map pixels.

Examples
--------
>>> from descent.scenes.kit.theme import get_theme
>>> get_theme("dark").color_for("Adam")
'#D55E00'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from descent import engine

__all__ = [
    "OKABE_ITO",
    "Theme",
    "THEMES",
    "get_theme",
    "palette_for",
    "optimizer_color",
    "colormap",
    "normalise",
    "COLOR_NAMES",
    "color_name",
    "shade_of_low",
]


#: Okabe–Ito colours (colour-blind safe), one per optimizer label, fixed across scenes.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
_BY_LABEL = {
    "SGD": "orange",
    "Momentum": "sky",
    "Nesterov": "green",
    "Adagrad": "yellow",
    "RMSprop": "purple",
    "Adam": "vermillion",
    "AdamW": "vermillion",
    "LBFGS": "blue",
}


@dataclass(frozen=True)
class Theme:
    """One palette for a whole scene.

    Parameters
    ----------
    name
        ``dark``, ``light`` or ``transparent``.
    background
        Frame background colour (``transparent`` renders with an alpha channel).
    text, muted
        Main and secondary text colours.
    heat
        Colour-map anchors for heat maps, low loss first.
    contour
        Contour line colour; ``contour_opacity`` its opacity.
    optimizer
        Optimizer colours by palette name (``orange``, ``sky``, ...).
    """

    name: str
    background: str
    text: str
    muted: str
    heat: tuple[str, ...]
    contour: str
    contour_opacity: float
    optimizer: dict[str, str] = field(default_factory=lambda: dict(OKABE_ITO))

    def color_for(self, label: str, index: int = 0) -> str:
        """The colour of optimizer ``label`` (by label; unknown labels cycle the palette)."""
        key = _BY_LABEL.get(label)
        if key is None:
            order = ["blue", "orange", "sky", "green", "purple", "vermillion", "yellow"]
            key = order[index % len(order)]
        return self.optimizer[key]


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark",
        background="#0E1117",
        text="#F2F2F2",
        muted="#A7B0BE",
        heat=("#07111F", "#0F2742", "#1E4166", "#3A5F85", "#6C86A3"),
        contour="#FFFFFF",
        contour_opacity=0.22,
    ),
    "light": Theme(
        name="light",
        background="#FFFFFF",
        text="#111111",
        muted="#4A5563",
        heat=("#F7F9FC", "#DCE5EF", "#B4C5D8", "#7F97B3", "#4F6A8A"),
        contour="#1F2A3A",
        contour_opacity=0.25,
        optimizer={**OKABE_ITO, "yellow": "#B59F00", "sky": "#2A8FCB"},
    ),
}
THEMES["transparent"] = Theme(
    **{**THEMES["dark"].__dict__, "name": "transparent", "background": "#00000000"}
)


def get_theme(name: str | None = None) -> Theme:
    """The theme ``name``, else ``$DESCENT_THEME``, else ``dark``."""
    name = name or os.environ.get("DESCENT_THEME") or "dark"
    if name not in THEMES:
        raise engine.errors.unknown_name("theme", name, THEMES)
    return THEMES[name]


def palette_for(labels: Sequence[str], theme: Theme) -> list[str]:
    """Colours for optimizers shown together: each label's fixed colour, or — when labels
    repeat or are not optimizer names (``"lr = 0.1"``) — the palette in order."""
    if len(set(labels)) < len(labels) or any(lb not in _BY_LABEL for lb in labels):
        return [theme.color_for("", i + 1) for i in range(len(labels))]
    return [theme.color_for(lb) for lb in labels]


def optimizer_color(label: str, theme: Theme | None = None, index: int = 0) -> str:
    """The fixed colour of an optimizer label in ``theme``."""
    return (theme or get_theme()).color_for(label, index)


def _hex_rgb(color: str) -> np.ndarray:
    c = color.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def colormap(values: np.ndarray, anchors: Sequence[str]) -> np.ndarray:
    """Map values in [0, 1] to RGBA uint8 by linear interpolation between ``anchors``."""
    rgb = np.stack([_hex_rgb(a) for a in anchors])
    pos = np.linspace(0.0, 1.0, len(anchors))
    v = np.clip(np.nan_to_num(values, nan=1.0), 0.0, 1.0)
    out = np.empty((*v.shape, 4), dtype=np.uint8)
    for ch in range(3):
        out[..., ch] = np.interp(v, pos, rgb[:, ch]).round().astype(np.uint8)
    out[..., 3] = 255
    return out


def normalise(z: np.ndarray, *, log: bool) -> np.ndarray:
    """Loss grid → [0, 1] for colouring: robust to outliers, optional log scale."""
    z = np.where(np.isfinite(z), z, np.nan)
    z0 = z - np.nanmin(z)
    if log:
        span = np.nanpercentile(z0, 99) or 1.0
        z0 = np.log1p(z0 / (1e-3 * span))
    hi = np.nanpercentile(z0, 99.5) or 1.0
    return np.clip(z0 / hi, 0.0, 1.0)


#: plain names of the palette (Okabe & Ito's own names, as a lecturer would say them)
COLOR_NAMES = {
    "orange": "orange",
    "sky": "sky blue",
    "green": "green",
    "yellow": "yellow",
    "blue": "blue",
    "vermillion": "vermillion",
    "purple": "pink",
}


def _luminance(color: str) -> float:
    """Relative luminance (WCAG 2.1) of ``#RRGGBB``, 0 (black) … 1 (white)."""
    c = _hex_rgb(color[:7]) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


def color_name(color: str, theme: Theme) -> str:
    """The plain name of a colour ``theme`` draws: a palette colour by its name, the text
    colour as white/black (by its luminance), the muted one as grey.

    Raises ``ValueError`` for a colour the theme does not draw: a caption must never name a
    colour that is not on screen.

    >>> color_name(get_theme("light").text, get_theme("light"))
    'black'
    >>> color_name(get_theme("dark").optimizer["vermillion"], get_theme("dark"))
    'vermillion'
    """
    wanted = color.upper()
    for key, value in theme.optimizer.items():
        if value.upper() == wanted:
            return COLOR_NAMES.get(key, key)
    if wanted == theme.text.upper():
        return "white" if _luminance(theme.text) > 0.5 else "black"
    if wanted == theme.muted.upper():
        return "grey"
    raise ValueError(f"{color} is not a colour of the {theme.name} theme")


def shade_of_low(theme: Theme) -> str:
    """``"darker"`` or ``"lighter"``: how the heat map shows low values in ``theme`` (its
    first anchor against its last, by luminance)."""
    return "darker" if _luminance(theme.heat[0]) < _luminance(theme.heat[-1]) else "lighter"
