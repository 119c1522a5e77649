"""What a lecturer sees: run colours far apart (also under colour-vision deficiencies), text
inside the title-safe area and clear of other text at every beat frame, 3-D depth."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from manim import DEGREES, Sphere, Surface, ThreeDScene, VMobject, tempconfig

from descent.scenes import SCENES, get_scene
from descent.scenes.kit import (
    CVD_KINDS,
    HeightField,
    LayoutCheck,
    MeshCamera,
    check_layout,
    ciede2000,
    color_distances,
    contrast_ratio,
    distinct_enough,
    get_theme,
    palette_for,
    text_boxes,
    to_lab,
    widest_palette,
)

# Sharma, Wu & Dalal (2005), Table 1: (L*, a*, b*) pairs and their ΔE00
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, -0.001, 2.49), (50.0, 0.0009, -2.49), 4.8045),
    ((50.0, -0.001, 2.49), (50.0, 0.0011, -2.49), 4.7461),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (50.0, 3.2592, 0.335), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
]


def test_ciede2000_reproduces_sharma_test_data() -> None:
    lab1 = np.array([p[0] for p in SHARMA])
    lab2 = np.array([p[1] for p in SHARMA])
    want = np.array([p[2] for p in SHARMA])
    assert np.allclose(ciede2000(lab1, lab2), want, atol=1e-4)
    assert np.allclose(ciede2000(lab2, lab1), want, atol=1e-4)  # symmetric


def test_cvd_simulation_merges_red_and_green() -> None:
    # red and green are far apart in normal vision and close for a deuteranope
    red, green = "#D62728", "#2CA02C"
    normal = ciede2000(*to_lab([red, green]))
    deutan = ciede2000(*to_lab([red, green], "deuteranopia"))
    assert normal > 60 and deutan < normal / 2


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_palette_keeps_runs_apart(theme: str) -> None:
    t = get_theme(theme)
    cases = [
        ["SGD", "Adam"],
        ["SGD", "Momentum"],
        ["Momentum", "Nesterov"],
        ["SGD", "Momentum", "Adam"],
        ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"],
        ["lr = 0.1", "lr = 0.25", "lr = 10"],
        ["SGD", "SGD"],
        ["Adam", "AdamW"],
        ["a", "b", "c", "d", "e", "f"],
    ]
    for labels in cases:
        colors = palette_for(labels, t)
        assert len(set(colors)) == len(colors), labels
        assert distinct_enough(colors), (labels, colors)
    # one colour per optimizer where possible: a pair keeps the colours of the race
    race = palette_for(["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"], t)
    assert palette_for(["SGD", "Adam"], t) == [race[0], race[5]]
    assert palette_for(["Momentum", "Nesterov"], t) == race[1:3]


def test_palette_repairs_a_set_that_is_too_close() -> None:
    # a theme whose two optimizers share a colour (or nearly) gets a repaired pair
    t = get_theme("dark")
    near = type(t)(**{**t.__dict__, "runs": {**t.runs, "Adam": "#C0E090"}})
    assert color_distances([t.runs["SGD"], "#C0E090"])["normal"][0, 1] < 10
    colors = palette_for(["SGD", "Adam"], near)
    assert colors[0] == t.runs["SGD"] and distinct_enough(colors)
    twin = type(t)(**{**t.__dict__, "runs": {**t.runs, "Adam": t.runs["SGD"]}})
    colors = palette_for(["SGD", "Adam"], twin)
    assert colors[0] == t.runs["SGD"] and colors[1] != colors[0]
    assert distinct_enough(colors)


# -- 3-D depth ---------------------------------------------------------------------------------
def _ridge(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 2.0 * np.exp(-(y**2) / 0.3)


def _frame_with_ball(y: float) -> np.ndarray:
    """A 320×180 frame: a ridge along x, the camera in front (−y), a red ball at ``y``."""

    class Ridge(ThreeDScene):
        def construct(self) -> None:
            self.set_camera_orientation(phi=70 * DEGREES, theta=-90 * DEGREES)
            xs = np.linspace(-3, 3, 25)
            ys = np.linspace(-3, 3, 25)
            zs = _ridge(*np.meshgrid(xs, ys))
            surface = Surface(
                lambda u, v: np.array([u, v, _ridge(u, v)]),
                u_range=[-3, 3],
                v_range=[-3, 3],
                resolution=(24, 24),
                fill_color="#3A5F85",
                fill_opacity=1.0,
                stroke_width=0,
            )
            ball = Sphere(radius=0.25, resolution=(8, 8)).set_color("#FF0000")
            ball.move_to([0.0, y, 0.3])
            trail = VMobject(stroke_color="#FF0000", stroke_width=6)
            trail.set_points_as_corners([[-1.0, y, 0.3], [1.0, y, 0.3]])
            self.add(surface, trail, ball)
            self.renderer.camera.depth_test(ball, trail, occluder=HeightField(xs, ys, zs))

    settings = {
        "pixel_width": 320,
        "pixel_height": 180,
        "write_to_movie": False,
        "save_last_frame": False,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with tempconfig(settings):
        scene = Ridge(camera_class=MeshCamera)
        scene.render()
        return np.asarray(scene.renderer.get_frame())[..., :3].astype(int)


def _red(frame: np.ndarray) -> int:
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    return int(((r > 150) & (g < 90) & (b < 90)).sum())


def test_a_ball_behind_a_ridge_is_hidden_and_in_front_is_drawn() -> None:
    front, behind = _frame_with_ball(-2.0), _frame_with_ball(2.0)
    assert _red(front) > 150  # the ball and its trail
    assert _red(behind) == 0


def test_height_field_hides_what_is_behind_it() -> None:
    xs = ys = np.linspace(-3, 3, 61)
    field = HeightField(xs, ys, _ridge(*np.meshgrid(xs, ys)))
    eye = np.array([0.0, -20.0, 8.0])
    pts = np.array([[0.0, -2.0, 0.1], [0.0, 2.0, 0.1], [0.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    assert field.hides(pts, eye).tolist() == [False, True, False, True]  # last: inside the ridge
    # a point resting on the surface is not hidden by the cell it rests in
    assert not field.hides(np.array([[0.0, 0.0, 2.0]]), eye)[0]


# -- every built-in scene: layout at its beat frames, colours of its runs ----------------------
#: (scene, theme) → the (label, colour) of each run the played scene showed
SHOWN: dict[tuple[str, str], list[tuple[str, str]]] = {}
#: (scene, theme) → how often each text is on screen at the end
TEXTS: dict[tuple[str, str], Counter[str]] = {}


def _played(name: str, theme: str) -> LayoutCheck:
    check = check_layout(get_scene(name), theme)
    SHOWN[name, theme] = getattr(check.scene, "run_colors", [])
    TEXTS[name, theme] = Counter(b.text for b in text_boxes(check.scene.mobjects))
    return check


def _layout(name: str, theme: str) -> None:
    check = _played(name, theme)
    problems = [f"{t:.2f}s {p}" for t, ps in check.problems.items() for p in ps]
    assert not problems, f"{name} ({theme}):\n" + "\n".join(problems[:12])


@pytest.mark.parametrize("name", list(SCENES))
def test_layout_inside_title_safe_area_dark(name: str) -> None:
    _layout(name, "dark")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENES))
def test_layout_inside_title_safe_area_light(name: str) -> None:
    _layout(name, "light")


@pytest.mark.parametrize("name", list(SCENES))
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_run_colours_of_every_scene_are_far_apart(name: str, theme: str) -> None:
    if (name, theme) not in SHOWN:
        _played(name, theme)  # its layout is checked by the tests above
    labels = [label for label, _ in SHOWN[name, theme]]
    colors = [color for _, color in SHOWN[name, theme]]  # what the scene drew
    # the kit's palette: palette_for, or (runs of one optimizer, LearningRates) the widest
    assert colors in (
        palette_for(labels, get_theme(theme)),
        widest_palette(len(labels), get_theme(theme)) if 0 < len(labels) <= 4 else None,
    )
    page = get_theme(theme).page
    assert all(contrast_ratio(c, page) >= 3.0 for c in colors), (name, theme, colors)  # WCAG
    if len(colors) < 2:
        return
    d = color_distances(colors)
    off = ~np.eye(len(colors), dtype=bool)
    assert d["normal"][off].min() >= 20, (name, theme, colors)
    for kind in CVD_KINDS:
        need = 20 if len(colors) <= 4 else 10
        assert d[kind][off].min() >= need, (name, theme, kind, colors)
    if len(colors) > 4:  # named directly (at their curves' ends) besides the legend
        texts = TEXTS[name, theme]

        def naming(label: str) -> int:  # a legend row says its settings after the label
            return sum(n for t, n in texts.items() if t == label or t.startswith(f"{label} ("))

        assert all(naming(label) >= 2 for label in labels), texts


@pytest.mark.parametrize("name", list(SCENES))
def test_every_hyperparameter_of_every_run_is_on_screen(name: str) -> None:
    from descent.scenes.kit.readouts import SYMBOLS

    cls = get_scene(name)
    if (name, "dark") not in TEXTS:
        _played(name, "dark")
    texts = list(TEXTS[name, "dark"])
    for spec in cls.specs():
        rows = [t for t in texts if spec.label in t]  # its legend row, or its set-up line
        shown = " ".join(rows).replace(" ", "").replace("=", "").lower()
        assert rows, (name, spec.label, texts)
        for key, value in spec.kwargs.items():
            if value is False:
                continue
            names = [key, SYMBOLS.get(key, key)]
            if value is True:
                assert key.lower() in shown, (name, spec.label, key, rows)
                continue
            written = (
                "(" + ",".join(f"{v:g}" for v in value) + ")"
                if isinstance(value, tuple | list)
                else f"{value:g}".replace("-", "−")
            )
            assert any(f"{n.lower()}{written}" in shown for n in names), (name, key, rows)


# -- colour bars -------------------------------------------------------------------------------
@pytest.mark.parametrize("log", [False, True])
def test_colour_bar_ticks_show_the_heat_maps_colour_of_their_loss(log: bool) -> None:
    from descent.engine import get_landscape
    from descent.scenes.kit.plot import _grid_of, colorbar, heatmap, plot_area

    theme = get_theme("dark")
    land = get_landscape("rosenbrock")
    (x0, x1), (y0, y1) = land.view
    area = plot_area((x0, x1), (y0, y1), width=5.0, height=4.0, theme=theme)
    heat = np.asarray(heatmap(land, area, theme, log=log, resolution=120).pixel_array)[::-1]
    bar = colorbar(land, area, theme, log=log, resolution=120)
    _, _, z = _grid_of(land, area, 120)
    ramp = np.asarray(bar.image.pixel_array)  # row 0 = top of the bar
    bottom, top = bar.image.get_bottom()[1], bar.image.get_top()[1]
    assert bar.image.get_left()[0] > area.center[0] + area.width / 2  # beside the box
    assert len(bar.ticks) >= 2
    for value, y in bar.tick_heights:
        assert np.nanmin(z) <= value <= np.nanmax(z)
        row = round((top - y) / (top - bottom) * (len(ramp) - 1))
        bar_rgb = ramp[row, 0, :3].astype(int)
        # the heat map's cells whose loss is nearest the tick's value have the bar's colour there
        near = np.abs(z - value) <= np.nanpercentile(np.abs(z - value), 0.5)
        cells = heat[near][:, :3].astype(int)
        assert np.abs(np.median(cells, axis=0) - bar_rgb).max() <= 6, (value, bar_rgb, cells[:3])
    # ticks are round numbers, drawn as written
    texts = [b.text for b in text_boxes([bar])]
    assert "loss" in texts and len(texts) == len(bar.ticks) + 1 + log  # "log" under a log bar
    assert ("log" in texts) == log
