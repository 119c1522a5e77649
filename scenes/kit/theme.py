"""Colours: the dark, light and transparent themes, a palette per scene, colour maps.

Each optimizer label has one colour per theme, the same in every scene where that is
possible; :func:`palette_for` picks the colours of the runs a scene shows so that every two
of them are far apart in CIEDE2000 (:func:`ciede2000`, Sharma, Wu & Dalal 2005), in normal
vision and under simulated deuteranopia and protanopia (colorspacious, Machado et al. 2009),
and every run colour stands out from the page: at least :data:`MIN_CONTRAST` (3:1, WCAG
2.x's contrast for graphics) against the theme's background (:func:`contrast_ratio`).
:func:`colormap` and :func:`normalise` turn loss grids into heat-map pixels.

Examples
--------
>>> from descent.scenes.kit.theme import get_theme, palette_for
>>> get_theme("dark").color_for("Adam")
'#9467BD'
>>> palette_for(["SGD", "Adam"], get_theme("light"))
['#2A6240', '#785EF0']
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from descent import engine

__all__ = [
    "OKABE_ITO",
    "Theme",
    "THEMES",
    "get_theme",
    "palette_for",
    "widest_palette",
    "optimizer_color",
    "ciede2000",
    "to_lab",
    "color_distances",
    "distinct_enough",
    "MIN_DISTANCE",
    "CVD_KINDS",
    "colormap",
    "normalise",
    "HeatScale",
    "heat_scale",
    "PLAIN_COLORS",
    "color_name",
    "shade_of_low",
    "MIN_CONTRAST",
    "TEXT_CONTRAST",
    "text_color",
    "contrast_ratio",
    "with_contrast",
]


#: Okabe–Ito colours (colour-blind safe): the themes' named accents (tints, markers, borders).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: CIEDE2000 every two runs of a scene keep apart: in normal vision always; under each
#: simulated colour-vision deficiency for scenes of up to ``CVD_FEW`` runs (more runs:
#: ``MIN_DISTANCE["cvd_many"]``, and the runs are labelled directly)
MIN_DISTANCE = {"normal": 20.0, "cvd": 20.0, "cvd_many": 10.0}
CVD_FEW = 4
#: the colour-vision deficiencies checked (colorspacious' full-severity simulations)
CVD_KINDS = ("deuteranopia", "protanopia")
_CVD_SPACE = {"deuteranopia": "deuteranomaly", "protanopia": "protanomaly"}

#: Run colours per theme. Chosen once (a search over the Okabe–Ito, Paul Tol, Tableau and
#: ColorBrewer qualitative colours that stand out from the theme's background, text and heat
#: map) so that the six optimizers of ``OptimizerRace`` are ≥ 21 apart in normal vision and
#: ≥ 10.6 under deuteranopia and protanopia, and the pairs usually shown together (SGD,
#: momentum, Nesterov, Adam; the adaptive methods) ≥ 20 under both. ``pool`` is what
#: :func:`palette_for` may swap in when a scene's own set is not distinct enough.
_RUNS = {
    "dark": {
        "SGD": "#B2DF8A",
        "Momentum": "#D55E00",
        "Nesterov": "#44AA99",
        "Adagrad": "#EE6677",
        "RMSprop": "#CAB2D6",
        "Adam": "#9467BD",
        "AdamW": "#9467BD",
        "LBFGS": "#E69F00",
    },
    "light": {
        # each optimizer in the hue family of its dark-theme colour, darker (≥ 3:1 on white):
        # SGD green, Momentum vermillion-orange (within 8° of #D55E00's CIELAB hue), Adagrad
        # red; found by a search over CIELAB L*, C*, h so that SGD + Momentum (+ Nesterov,
        # + Adam) stay ≥ 20 apart under deuteranopia and protanopia and the six of the race
        # ≥ 20 in normal vision and ≥ 10 under both (a lecture switching themes keeps its
        # colours' names)
        "SGD": "#2A6240",
        "Momentum": "#DB7B19",
        "Nesterov": "#332288",
        "Adagrad": "#A50105",
        "RMSprop": "#CC6677",
        "Adam": "#785EF0",
        "AdamW": "#785EF0",
        "LBFGS": "#999933",
    },
}
_POOL = {
    "dark": [
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#CC79A7",
        "#228833",
        "#CCBB44",
        "#66CCEE",
        "#EE7733",
        "#33BBEE",
        "#009988",
        "#999933",
        "#DDCC77",
        "#FFB000",
        "#FE6100",
        "#FF7F0E",
        "#2CA02C",
        "#E377C2",
        "#BCBD22",
        "#17BECF",
        "#F7E463",
        "#FB9A99",
        "#FDBF6F",
        "#B15928",
        "#1B9E77",
        "#D95F02",
        "#66A61E",
        "#E6AB02",
        "#A6761D",
    ],
    "light": [
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#228833",
        "#AA3377",
        "#EE7733",
        "#0077BB",
        "#EE3377",
        "#CC3311",
        "#AA4499",
        "#FE6100",
        "#DC267F",
        "#FF7F0E",
        "#2CA02C",
        "#D62728",
        "#9467BD",
        "#BCBD22",
        "#B15928",
        "#D95F02",
        "#7570B3",
        "#E7298A",
        "#66A61E",
        "#E6AB02",
        "#A6761D",
    ],
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
        Named accent colours (``orange``, ``sky``, ...: Okabe–Ito) for tints and markers.
    runs
        The colour of each optimizer label.
    pool
        Further run colours that stand out on this theme, for :func:`palette_for`.
    """

    name: str
    background: str
    text: str
    muted: str
    heat: tuple[str, ...]
    contour: str
    contour_opacity: float
    optimizer: dict[str, str] = field(default_factory=lambda: dict(OKABE_ITO))
    runs: dict[str, str] = field(default_factory=lambda: dict(_RUNS["dark"]))
    pool: tuple[str, ...] = tuple(_POOL["dark"])

    def __post_init__(self) -> None:
        # every run colour reaches MIN_CONTRAST against the page (a theme of one's own too):
        # darkened (light page) or lightened (dark page) in CIELAB L*, a* and b* kept
        page = self.page
        object.__setattr__(self, "runs", {k: with_contrast(c, page) for k, c in self.runs.items()})
        pool = tuple(dict.fromkeys(with_contrast(c, page) for c in self.pool))
        object.__setattr__(self, "pool", pool)

    @property
    def page(self) -> str:
        """The colour under the picture (``#RRGGBB``): the background, black where it is
        transparent (a slide's page is unknown; descent's transparent theme is the dark one)."""
        return (
            self.background[:7]
            if len(self.background) <= 7 or self.background[7:] != "00"
            else "#000000"
        )

    def color_for(self, label: str, index: int = 0) -> str:
        """The colour of optimizer ``label`` (unknown labels: the ``index``-th run colour)."""
        if label in self.runs:
            return self.runs[label]
        return self.candidates()[index % len(self.candidates())]

    def candidates(self) -> tuple[str, ...]:
        """Every run colour of the theme: the optimizers' (in their order), then the pool."""
        return tuple(dict.fromkeys([*self.runs.values(), *self.pool]))


def get_theme(name: str | None = None) -> Theme:
    """The theme ``name``, else ``$DESCENT_THEME``, else ``dark``."""
    name = name or os.environ.get("DESCENT_THEME") or "dark"
    if name not in THEMES:
        raise engine.errors.unknown_name("theme", name, THEMES)
    return THEMES[name]


# -- colour difference ------------------------------------------------------------------------
def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference ΔE₀₀ of CIELAB colours, broadcast over leading axes.

    Parameters
    ----------
    lab1, lab2
        ``(..., 3)`` arrays of L*, a*, b* (D65).

    Returns
    -------
    ndarray
        ``(...)``: ΔE₀₀ with k_L = k_C = k_H = 1. About 1 is a just-noticeable difference;
        20 and more read as different colours.

    Notes
    -----
    The formula as Sharma, Wu & Dalal give it ("The CIEDE2000 color-difference formula:
    implementation notes, supplementary test data, and mathematical observations", Color
    Res. Appl. 30(1), 2005, eqs. 1–17), with their conventions for mean hue and hue
    difference when a chroma is zero; it reproduces their 34 test pairs to 1e-4 (tested).
    colorspacious has no CIEDE2000 (its ``deltaE`` is Euclidean in CAM02-UCS).
    """
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))  # eq. 4
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    zero = c1p * c2p == 0
    dh = h2p - h1p  # eq. 10
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, c_barp = (L1 + L2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p  # eq. 14
    h_bar = np.where(
        np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)
    )
    h_bar = np.where(zero, hsum, h_bar)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_barp**7 / (c_barp**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * c_barp
    s_h = 1 + 0.015 * c_barp * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt(
        (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)
    )


def to_lab(colors: Sequence[str], vision: str = "normal") -> np.ndarray:
    """CIELAB (D65) of sRGB hex colours as seen with ``vision``: ``(n, 3)``.

    ``vision`` is ``normal`` or one of :data:`CVD_KINDS` (colorspacious' simulation at
    severity 100, Machado, Oliveira & Fernandes 2009).
    """
    import colorspacious

    rgb = np.array([_hex_rgb(c) for c in colors], dtype=np.float64).reshape(-1, 3) / 255.0
    if vision != "normal":
        if vision not in _CVD_SPACE:
            raise engine.errors.unknown_name("vision", vision, ["normal", *CVD_KINDS])
        space = {"name": "sRGB1+CVD", "cvd_type": _CVD_SPACE[vision], "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0.0, 1.0)
    return np.asarray(colorspacious.cspace_convert(rgb, "sRGB1", "CIELab"))


@lru_cache(maxsize=64)
def _distances(colors: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {}
    for vision in ("normal", *CVD_KINDS):
        lab = to_lab(colors, vision)
        out[vision] = ciede2000(lab[:, None, :], lab[None, :, :])
    return out


def color_distances(colors: Sequence[str]) -> dict[str, np.ndarray]:
    """ΔE₀₀ between every two of ``colors``: ``{vision: (n, n)}`` for normal vision and each
    of :data:`CVD_KINDS`."""
    return {k: v.copy() for k, v in _distances(tuple(colors)).items()}


def _needed(n: int) -> tuple[float, float]:
    """(normal, colour-vision-deficient) ΔE₀₀ a scene of ``n`` runs keeps between runs."""
    cvd = MIN_DISTANCE["cvd"] if n <= CVD_FEW else MIN_DISTANCE["cvd_many"]
    return MIN_DISTANCE["normal"], cvd


def _margin(colors: Sequence[str], count: int) -> float:
    """How far the closest pair of ``colors`` is above what ``count`` runs need (ΔE₀₀ on the
    normal scale; below 0: too close)."""
    if len(colors) < 2:
        return math.inf
    d = _distances(tuple(colors))
    normal, cvd = _needed(count)
    off = ~np.eye(len(colors), dtype=bool)
    worst = min(
        float(d["normal"][off].min()) - normal,
        *((float(d[k][off].min()) - cvd) * normal / cvd for k in CVD_KINDS),
    )
    return worst


def distinct_enough(colors: Sequence[str]) -> bool:
    """Whether every two of ``colors`` are at least :data:`MIN_DISTANCE` apart (normal vision:
    20; deuteranopia and protanopia: 20 for up to four colours, 10 for more)."""
    return _margin(colors, len(colors)) >= 0


#: the least contrast ratio every run colour keeps against the theme's background: WCAG 2.x
#: success criterion 1.4.11 (non-text contrast: graphical objects) asks 3:1
MIN_CONTRAST = 3.0
#: the least contrast ratio text keeps against the page: WCAG 2.x success criterion 1.4.3
#: (contrast, minimum: level AA) asks 4.5:1; a run colour written as text is darkened (light
#: page) or lightened (dark page) to it in its own hue (:func:`with_contrast`)
TEXT_CONTRAST = 4.5


def contrast_ratio(color: str, other: str) -> float:
    """WCAG 2.x contrast ratio of two ``#RRGGBB`` colours, 1 … 21.

    ``(L₁ + 0.05) / (L₂ + 0.05)`` of their relative luminances (WCAG 2.1, "relative
    luminance": sRGB linearised, weights 0.2126, 0.7152, 0.0722), the lighter above.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#FFFFFF"), 1), round(contrast_ratio("#FFB000", "#FFFFFF"), 2)
    (21.0, 1.83)
    """
    a, b = _luminance(color), _luminance(other)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@lru_cache(maxsize=512)
def with_contrast(color: str, background: str, ratio: float = MIN_CONTRAST) -> str:
    """``color`` as it is if it reaches ``ratio`` (:func:`contrast_ratio`) against
    ``background``; else the nearest colour of the same CIELAB a*, b* (its hue and chroma)
    that does, darker on a light background and lighter on a dark one (bisection in L*,
    clipped to sRGB). Upper-case ``#RRGGBB``.

    Examples
    --------
    >>> with_contrast("#FFB000", "#FFFFFF"), with_contrast("#332288", "#FFFFFF")
    ('#CC8600', '#332288')
    """
    if contrast_ratio(color, background) >= ratio:
        return color
    import colorspacious

    lab = to_lab([color])[0]
    darker = _luminance(background) > 0.18  # the luminance of equal contrast to both ends
    lo, hi = (0.0, float(lab[0])) if darker else (float(lab[0]), 100.0)
    found = "#000000" if darker else "#FFFFFF"
    for _ in range(30):
        mid = (lo + hi) / 2
        rgb = np.clip(colorspacious.cspace_convert([mid, lab[1], lab[2]], "CIELab", "sRGB1"), 0, 1)
        candidate = "#" + "".join(f"{round(float(v) * 255):02X}" for v in rgb)
        ok = contrast_ratio(candidate, background) >= ratio
        if ok:
            found = candidate
        if ok == darker:  # darkening: go lighter while it holds; lightening: darker
            lo = mid
        else:
            hi = mid
    return found


def text_color(color: Any, theme: Theme) -> str:
    """``color`` as text on ``theme``'s page: darkened (light page) or lightened (dark page)
    in its hue until it reaches :data:`TEXT_CONTRAST` (4.5:1, WCAG 2.x 1.4.3 AA), else as it
    is. A run colour needs 3:1 as a line; written as a word it needs 4.5:1.

    >>> text_color("#DB7B19", get_theme("light")), text_color("#DB7B19", get_theme("dark"))
    ('#B85E00', '#DB7B19')
    """
    hex_ = str(color.to_hex()) if hasattr(color, "to_hex") else str(color)  # a ManimColor too
    return with_contrast(hex_[:7].upper(), theme.page, TEXT_CONTRAST)


def palette_for(labels: Sequence[str], theme: Theme) -> list[str]:
    """Colours for runs shown together, distinct enough (:func:`distinct_enough`).

    Every colour reaches :data:`MIN_CONTRAST` against the theme's background (the theme's
    colours are made to, see :func:`with_contrast`). Each optimizer label keeps its theme
    colour (:attr:`Theme.runs`) where the set is distinct with it; repeated labels and other labels (``"lr = 0.1"``) take the theme's run
    colours in order. Then, while the closest pair is too close, the later run of that pair
    takes the theme colour that leaves the whole set furthest apart. The result only depends
    on the labels and the theme.
    """
    labels = list(labels)
    n = len(labels)
    unique = len(set(labels)) == n and all(lb in theme.runs for lb in labels)
    colors = [theme.runs[lb] for lb in labels] if unique else list(theme.candidates()[:n])
    colors = _unique_colors(colors, theme)
    for _ in range(2 * n):
        if _margin(colors, n) >= 0:
            break
        d = _distances(tuple(colors))
        normal, cvd = _needed(n)
        closeness = np.min(
            [d["normal"] - normal, *((d[k] - cvd) * normal / cvd for k in CVD_KINDS)], axis=0
        )
        np.fill_diagonal(closeness, np.inf)
        i, j = np.unravel_index(int(np.argmin(closeness)), closeness.shape)
        worst = max(int(i), int(j))
        trials = [c for c in theme.candidates() if c not in colors]
        scores = [_margin([*colors[:worst], c, *colors[worst + 1 :]], n) for c in trials]
        best = int(np.argmax(scores))
        if scores[best] <= _margin(colors, n):
            break
        colors[worst] = trials[best]
    return [with_contrast(c, theme.page) for c in colors]  # the theme's own already do


#: the least CIELAB hue-angle difference (degrees) :func:`widest_palette` keeps between
#: two chromatic run colours
HUE_APART = 40.0


def widest_palette(n: int, theme: Theme, *, keep: Sequence[str] = ()) -> list[str]:
    """The ``n`` run colours of ``theme`` (its candidates, :meth:`Theme.candidates`) whose
    closest pair is furthest apart, ΔE₀₀ in normal vision and under each of
    :data:`CVD_KINDS` (the latter scaled as :func:`palette_for` weighs them), with the
    colours ``keep`` first. For runs of one optimizer that differ in a hyper-parameter
    (``lr = 0.1 / 0.25 / 10``), which have no colour of their own: :func:`palette_for`
    stops at the first set that passes, which may be two shades of one hue.

    Two chromatic colours (C* > 15) also keep :data:`HUE_APART` degrees of hue apart.
    ``n`` up to 4 (an exhaustive search over the candidates).
    """
    from itertools import combinations

    if not 0 < n <= 4:
        raise ValueError(f"widest_palette picks 1 to 4 colours, not {n}")
    pool = [c for c in theme.candidates() if c not in keep]
    allc = [*keep, *pool]
    normal, cvd = _needed(n)
    worst = np.full((len(allc), len(allc)), np.inf)
    for vision in ("normal", *CVD_KINDS):
        lab = to_lab(allc, vision)
        d = ciede2000(lab[:, None, :], lab[None, :, :])
        worst = np.minimum(worst, d if vision == "normal" else d * normal / cvd)
    # two shades of one hue (light green and teal) are one colour at a glance: chromatic
    # colours keep their CIELAB hue angles at least HUE_APART degrees apart
    lab = to_lab(allc)
    hue, chroma = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])), np.hypot(lab[:, 1], lab[:, 2])
    apart = np.abs((hue[:, None] - hue[None, :] + 180.0) % 360.0 - 180.0)
    vivid = (chroma[:, None] > 15.0) & (chroma[None, :] > 15.0)
    worst[vivid & (apart < HUE_APART)] = -np.inf
    k = len(keep)
    best, chosen = -np.inf, list(range(min(n, len(allc))))
    for rest in combinations(range(k, len(allc)), n - k):
        idx = [*range(k), *rest]
        m = min((worst[i, j] for i, j in combinations(idx, 2)), default=np.inf)
        if m > best:
            best, chosen = m, idx
    return [with_contrast(allc[i], theme.page) for i in chosen]


def _unique_colors(colors: list[str], theme: Theme) -> list[str]:
    """``colors`` with a repeated colour (AdamW beside Adam) replaced by unused run colours."""
    out: list[str] = []
    spare = [c for c in theme.candidates() if c not in colors]
    for c in colors:
        out.append(spare.pop(0) if c in out and spare else c)
    return out


def optimizer_color(label: str, theme: Theme | None = None, index: int = 0) -> str:
    """The colour of an optimizer label in ``theme``."""
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


@dataclass(frozen=True)
class HeatScale:
    """The map from loss to a heat map's colour position in [0, 1] (what :func:`normalise`
    applies), so that a colour bar can put its ticks at true loss values.

    ``v = clip(f(loss − low) / top, 0, 1)`` with ``f(d) = d`` (linear) or
    ``f(d) = log1p(d / eps)`` (log: a logarithmic scale of the loss above its minimum).
    """

    low: float
    top: float
    eps: float | None = None

    def __call__(self, loss: np.ndarray | float) -> np.ndarray:
        d = np.asarray(loss, dtype=np.float64) - self.low
        f = d if self.eps is None else np.log1p(np.maximum(d, 0.0) / self.eps)
        return np.clip(f / self.top, 0.0, 1.0)

    def inverse(self, v: np.ndarray | float) -> np.ndarray:
        """The loss at colour position ``v`` (in [0, 1])."""
        f = np.asarray(v, dtype=np.float64) * self.top
        return self.low + (f if self.eps is None else self.eps * np.expm1(f))

    @property
    def log(self) -> bool:
        return self.eps is not None


def heat_scale(z: np.ndarray, *, log: bool) -> HeatScale:
    """The :class:`HeatScale` of a loss grid: robust to outliers (the top colour is the 99.5th
    percentile), optional log scale (of the loss above its minimum, ``eps`` = 1e-3 of its
    99th percentile)."""
    z = np.where(np.isfinite(z), z, np.nan)
    low = float(np.nanmin(z))
    z0 = z - low
    eps = None
    if log:
        eps = float(1e-3 * (np.nanpercentile(z0, 99) or 1.0))
        z0 = np.log1p(z0 / eps)
    return HeatScale(low, float(np.nanpercentile(z0, 99.5) or 1.0), eps)


def normalise(z: np.ndarray, *, log: bool) -> np.ndarray:
    """Loss grid → [0, 1] for colouring (:func:`heat_scale`): robust to outliers, optional
    log scale; NaN where the loss is not finite."""
    z = np.where(np.isfinite(z), z, np.nan)
    return heat_scale(z, log=log)(z)


#: plain names of the palette (Okabe & Ito's own names, as a lecturer would say them)
def _luminance(color: str) -> float:
    """Relative luminance (WCAG 2.1) of ``#RRGGBB``, 0 (black) … 1 (white)."""
    c = _hex_rgb(color[:7]) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


#: plain colour words, each with the colour people call by it: the centroid of the answers
#: for that word in the XKCD colour survey (Munroe 2010; 222,500 sessions naming random
#: colours), as ``matplotlib.colors.XKCD_COLORS`` lists it (tests/test_colour_names.py checks
#: the values against it). A run colour is called by the nearest (CIEDE2000), so a caption's
#: word is what a viewer calls the colour on screen (#DB7B19 is "orange", not Okabe & Ito's
#: "vermillion": their reference #D55E00 is itself nearer the survey's orange)
PLAIN_COLORS = {
    "red": "#E50000",
    "vermillion": "#F4320C",
    "orange": "#F97306",
    "dark orange": "#C65102",
    "amber": "#FEB308",
    "yellow": "#FFFF14",
    "mustard": "#CEB301",
    "olive": "#6E750E",
    "light green": "#96F97B",
    "green": "#15B01A",
    "dark green": "#033500",
    "teal": "#029386",
    "cyan": "#00FFFF",
    "sky blue": "#75BBFD",
    "blue": "#0343DF",
    "indigo": "#380282",
    "violet": "#9A0EEA",
    "purple": "#7E1E9C",
    "light purple": "#BF77F6",
    "lilac": "#CEA2FD",
    "pink": "#FF81C0",
    "rose": "#CF6275",
    "wine": "#80013F",
    "brown": "#653700",
    "light brown": "#AD8150",
    "tan": "#D1B26F",
}


def color_name(color: str, theme: Theme) -> str:
    """The plain name of a colour ``theme`` draws: a run or accent colour by the nearest
    word of :data:`PLAIN_COLORS` (CIEDE2000 in CIELAB), the text colour as white/black (by
    its luminance), the muted one as grey.

    Raises ``ValueError`` for a colour the theme does not draw: a caption must never name a
    colour that is not on screen.

    >>> color_name(get_theme("light").text, get_theme("light"))
    'black'
    >>> color_name(get_theme("dark").optimizer["vermillion"], get_theme("dark"))
    'dark orange'
    >>> color_name(get_theme("dark").color_for("SGD"), get_theme("dark"))
    'light green'
    """
    wanted = color.upper()
    if wanted == theme.text.upper():
        return "white" if _luminance(theme.text) > 0.5 else "black"
    if wanted == theme.muted.upper():
        return "grey"
    drawn = {c.upper() for c in (*theme.optimizer.values(), *theme.runs.values(), *theme.pool)}
    if wanted not in drawn:
        raise ValueError(f"{color} is not a colour of the {theme.name} theme")
    names = list(PLAIN_COLORS)
    lab = to_lab([color[:7], *PLAIN_COLORS.values()])
    return names[int(np.argmin(ciede2000(lab[:1], lab[1:])))]


def shade_of_low(theme: Theme) -> str:
    """``"darker"`` or ``"lighter"``: how the heat map shows low values in ``theme`` (its
    first anchor against its last, by luminance)."""
    return "darker" if _luminance(theme.heat[0]) < _luminance(theme.heat[-1]) else "lighter"


# the themes last: a Theme checks its run colours' contrast (with_contrast) as it is made
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
        runs=dict(_RUNS["light"]),
        pool=tuple(_POOL["light"]),
    ),
}
THEMES["transparent"] = Theme(
    **{**THEMES["dark"].__dict__, "name": "transparent", "background": "#00000000"}
)
