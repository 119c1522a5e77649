"""The kit's share of "every scene's claim visible on a projector": contour labels, arrows
that can be compared, every hyper-parameter on screen, a layout check that sees lines, and
run colours that stand out from the page."""

from __future__ import annotations

import numpy as np
import pytest
from manim import UP

from descent.engine import get_landscape
from descent.scenes import get_scene
from descent.scenes.kit import (
    PlatedLabel,
    contour_labels,
    contour_levels,
    get_theme,
    iso_lines,
    plot_area,
    text_boxes,
)
from descent.scenes.kit.plot import _grid_of


# -- contour labels -----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "log"), [("ellipse", False), ("rosenbrock", True)])
def test_contour_labels_sit_on_their_own_line_clear_of_runs(name: str, log: bool) -> None:
    theme = get_theme("dark")
    land = get_landscape(name)
    (x0, x1), (y0, y1) = land.view
    area = plot_area((x0, x1), (y0, y1), width=6.0, height=4.0, theme=theme)
    xs, ys, z = _grid_of(land, area, 160)
    levels = contour_levels(z, log=log)
    assert len(levels) >= 6
    losses = [lv.loss for lv in levels]
    assert losses == sorted(losses) and len(set(losses)) == len(losses)
    for lv in levels:  # the text is the loss of the line, with the decimals it was rounded to
        assert float(lv.text.replace("−", "-")) == pytest.approx(lv.loss, rel=1e-9, abs=1e-12)
    # a run straight through the middle of the view: no label on it
    run = np.stack([np.linspace(x0, x1, 50), np.full(50, (y0 + y1) / 2)], -1)
    shown = contour_labels(land, area, theme, log=log, avoid=[run])
    assert len(shown) >= 3
    boxes = text_boxes(shown)
    assert len(boxes) == len(shown)
    left, bottom = area.to_scene(np.array([x0, y0]))[:2]
    right, top = area.to_scene(np.array([x1, y1]))[:2]
    run_y = area.to_scene(run[:1])[0, 1]
    for m, box in zip(shown, boxes, strict=True):
        assert isinstance(m, PlatedLabel)
        assert m.text == m.level.text
        assert left <= box.x0 and box.x1 <= right and bottom <= box.y0 and box.y1 <= top
        assert box.y0 > run_y + 0.2 or box.y1 < run_y - 0.2  # clear of the run
        # its own iso-line passes through the middle of its plate
        line = np.concatenate([area.to_scene(p) for p in iso_lines(z, xs, ys, m.level.loss)])
        middle = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
        assert np.hypot(*(line[:, :2] - middle).T).min() < 0.05
    for i, a in enumerate(boxes):  # no two labels meet
        assert all(a.overlap(b) < 0 for b in boxes[i + 1 :])


# -- arrows that can be compared ----------------------------------------------------------------
def _momentum_track(arrow_range: tuple[float, float] = (0.25, 2.2)):  # noqa: ANN202
    from descent.engine import OptimizerSpec, simulate
    from descent.scenes.kit import StepClock, Track, velocity_arrows

    land = get_landscape("ellipse", condition=10.0)
    traj = simulate(land, OptimizerSpec("SGD", lr=0.05, momentum=0.9), start=(-5.0, 2.0), steps=80)
    (x0, x1), (y0, y1) = land.view
    theme = get_theme("dark")
    area = plot_area((x0, x1), (y0, y1), width=6.0, height=3.0, theme=theme)
    clock = StepClock(80)
    track = Track(
        traj.params, area, clock, color="#D55E00", theme=theme,
        arrows=velocity_arrows(traj), arrow_range=arrow_range,
    )  # fmt: skip
    return traj, track


def _drawn(track, t: int) -> tuple[np.ndarray, np.ndarray, str | None]:  # noqa: ANN001
    """(arrow start, arrow tip, written length or None) of the track's arrow at step t."""
    track.update_to(float(t))
    arrow, written = track.arrows["velocity"], track.lengths["velocity"]
    start, tip = arrow.points[0], arrow.tip.tip_point
    shown = written.get_fill_opacity() > 0 and len(text_boxes([written])) == 1
    return start, tip, written.text if shown else None


def test_an_arrow_shorter_than_its_dot_goes_beside_it_with_its_length_written() -> None:
    from descent.scenes.kit.text import fmt_value
    from descent.scenes.kit.tracks import BESIDE

    traj, track = _momentum_track()
    step = -np.asarray(traj.lr)[:, None] * np.asarray(traj.state["momentum_buffer"])
    to_scene = track.area.width / (track.area.x_range[1] - track.area.x_range[0])  # units per x
    scaled = np.linalg.norm(step, axis=1) * to_scene
    long_t = int(np.argmax((scaled > track.shortest) & (scaled < 2.2)))
    short_t = int(np.flatnonzero((scaled < track.shortest) & (scaled > 0))[-1])
    # at the scene's scale: from the dot, as long as the step, nothing written
    start, tip, written = _drawn(track, long_t)
    here = track.point_at(long_t)
    assert np.allclose(start, here) and written is None
    assert np.linalg.norm(tip - start) == pytest.approx(scaled[long_t], rel=1e-6)
    # too short for its dot: beside it (clear of the dot), BESIDE long, its length written
    start, tip, written = _drawn(track, short_t)
    here = track.point_at(short_t)
    assert np.linalg.norm(tip - start) == pytest.approx(BESIDE, rel=1e-6)
    shaft = np.linspace(start, tip, 20)
    assert np.linalg.norm(shaft - here, axis=1).min() > track.radius + 0.05
    direction = (tip - start)[:2] / np.linalg.norm((tip - start)[:2])
    assert np.allclose(direction, step[short_t] / np.linalg.norm(step[short_t]), atol=1e-6)
    assert written == f"|Δ| {fmt_value(float(np.linalg.norm(step[short_t])), 3)}"
    # and it does not cover the dot
    [box] = text_boxes([track.lengths["velocity"]])
    assert not (box.x0 - 0.02 < here[0] < box.x1 + 0.02 and box.y0 - 0.02 < here[1] < box.y1 + 0.02)


def test_normalised_arrows_write_no_lengths() -> None:
    traj, track = _momentum_track((0.9, 0.9))
    for t in (1, 40, 79):
        start, tip, written = _drawn(track, t)
        assert written is None and np.allclose(start, track.point_at(t))
        assert np.linalg.norm(tip - start) == pytest.approx(0.9, rel=1e-6)


# -- every hyper-parameter on screen -------------------------------------------------------------
def test_a_users_scene_shows_every_hyperparameter_and_torchs_default_lr() -> None:
    from descent.engine import OptimizerSpec
    from descent.scenes.kit import SurfaceScene, check_layout

    class Mine(SurfaceScene):  # a user's own storyboard: nothing about legends in it
        landscape = "ellipse"
        steps = 12
        optimizers = (
            OptimizerSpec("Adam", betas=(0.8, 0.99)),
            OptimizerSpec("SGD", lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        )

    check = check_layout(Mine)
    texts = [b.text for b in text_boxes(check.scene.mobjects)]
    assert "Adam (lr 0.001, β (0.8, 0.99))" in texts  # torch's default lr, said
    assert "Nesterov (lr 0.05, μ 0.9, λ 0.01)" in texts  # its label says nesterov
    assert not check.problems, check.problems


# -- contrast against the page -------------------------------------------------------------------
@pytest.mark.parametrize("theme", ["dark", "light", "transparent"])
def test_every_run_colour_of_a_theme_reaches_3_to_1_on_its_page(theme: str) -> None:
    from descent.scenes.kit import contrast_ratio

    t = get_theme(theme)
    assert all(contrast_ratio(c, t.page) >= 3.0 for c in t.candidates()), t.candidates()


def test_with_contrast_darkens_within_the_hue() -> None:
    from descent.scenes.kit import Theme, contrast_ratio, to_lab, with_contrast

    assert round(contrast_ratio("#FFB000", "#FFFFFF"), 2) == 1.83  # amber on white, as filed
    for color in ("#FFB000", "#F0E442", "#56B4E9"):
        darker = with_contrast(color, "#FFFFFF")
        assert 3.0 <= contrast_ratio(darker, "#FFFFFF") < 3.15  # no darker than it must be
        (l0, a0, b0), (l1, a1, b1) = to_lab([color, darker])
        hue = np.degrees(np.arctan2(b1, a1) - np.arctan2(b0, a0))
        assert l1 < l0 and abs(hue) < 4  # the same hue (a*, b* kept, up to sRGB's gamut)
    lighter = with_contrast("#332288", "#0E1117")
    assert contrast_ratio(lighter, "#0E1117") >= 3.0
    # a theme of one's own gets the rule too
    light = get_theme("light")
    mine = Theme(**{**light.__dict__, "runs": {**light.runs, "SGD": "#FFE000"}})
    assert contrast_ratio(mine.color_for("SGD"), mine.page) >= 3.0


# -- the layout check sees lines -------------------------------------------------------------------
def test_layout_check_reports_a_line_through_text_unless_it_is_plated_or_haloed() -> None:
    from manim import Circle, Line

    from descent.scenes.kit import halo, label, layout_problems, plated_label

    theme = get_theme("dark")
    axis = Line([-3.0, 0.0, 0.0], [3.0, 0.0, 0.0], stroke_width=2)
    ring = Circle(radius=0.4).move_to([2.0, 2.0, 0.0])
    crossed = label("crossed", 20, theme.text).move_to([0.0, 0.0, 0.0])
    [problem] = layout_problems([axis, crossed])
    assert problem.startswith("a line runs through text: 'crossed'")
    assert layout_problems([ring, label("inside", 14, theme.text).move_to(ring)]) == []
    assert layout_problems([ring, label("on the ring", 20, theme.text).move_to([2.4, 2.0, 0])])
    assert layout_problems([axis, label("beside", 20, theme.text).next_to(axis, UP)]) == []
    assert layout_problems([axis, plated_label("plated", 20, theme).move_to(axis)]) == []
    assert layout_problems([axis, halo(label("haloed", 20, theme.text), theme)]) == []
    hidden = Line([-3.0, 0.0, 0.0], [3.0, 0.0, 0.0], stroke_opacity=0.0)
    assert layout_problems([hidden, label("crossed", 20, theme.text)]) == []
    assert layout_problems([axis, crossed], lines=False) == []


def test_every_surface_scene_labels_its_contours() -> None:
    from descent.scenes.kit import check_layout

    for name in ("MomentumOvershoot", "AdaptiveSteps", "NetworkLandscape"):
        scene = check_layout(get_scene(name)).scene
        plated = [
            m for top in scene.mobjects for m in top.get_family() if isinstance(m, PlatedLabel)
        ]
        assert len(plated) >= 3, name
        for m in plated:  # each says the loss of a level drawn
            assert float(m.text.replace("−", "-")) == m.level.loss
