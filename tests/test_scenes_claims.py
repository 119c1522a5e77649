"""Scenes prove their claim on screen: what each scene's story says is what its runs did,
and what the picture needs to show it is there (measured on the arrays and the mobjects)."""

from __future__ import annotations

import numpy as np
import pytest

from descent.scenes import SCENES, get_scene, list_scenes
from descent.scenes.kit import check_layout, text_boxes


# -- SaddleEscape: a true saddle (x² − y²) ------------------------------------------------------
def test_saddle_escape_sgd_lingers_and_momentum_leaves_sooner() -> None:
    cls = get_scene("SaddleEscape")
    land, trajs = cls.simulate()
    assert land.formula == "x² − y²" and cls.saddle() == (0.0, 0.0)
    sgd, mom = cls.visits()
    p = np.asarray(trajs[0].params, dtype=np.float64)
    d = np.linalg.norm(p, axis=1)
    # plain SGD comes close, slows to a near halt there, and stays many steps
    assert sgd.closest is not None and sgd.closest.step == int(np.argmin(d))
    assert sgd.closest.values["distance"] == pytest.approx(d.min())
    steps = np.linalg.norm(np.diff(p, axis=0), axis=1)
    assert sgd.closest.values["speed"] < 0.1 * steps[0]
    assert sgd.slow is not None and sgd.slow[1] - sgd.slow[0] >= 20
    assert (steps[sgd.slow[0] - 1 : sgd.slow[1]] < 0.1 * steps[0]).all()
    # ... then escapes downhill along y, for good
    assert sgd.exit is not None and mom.exit is not None
    t = sgd.exit.step
    assert (d[t:] > cls.near).all() and d[t - 1] <= cls.near
    assert abs(p[t, 1]) > abs(p[t, 0])  # along y, the unstable direction
    # momentum leaves sooner and spends fewer steps there; its y offset grows faster
    assert mom.exit.step < sgd.exit.step and mom.lingered < sgd.lingered / 2
    assert mom.growth > sgd.growth
    # SGD's growth of y is 1 + 2·lr per step on x² − y² (∂/∂y = −2y)
    lr = cls.optimizers[0].kwargs["lr"]
    assert sgd.growth == pytest.approx(1 + 2 * lr, rel=1e-3)


def test_saddle_escape_story_is_the_runs() -> None:
    cls = get_scene("SaddleEscape")
    sgd, mom = cls.visits()
    beats = {b.name: b for b in cls.beats}
    assert f"SGD {sgd.lingered}" in cls.title and f"Momentum {mom.lingered}" in cls.title
    assert beats["SGD escapes"].step == sgd.exit.step and beats["SGD escapes"].subject == 0
    assert beats["Momentum escapes"].step == mom.exit.step
    assert beats["Momentum escapes"].subject == 1
    assert beats["SGD near the saddle"].step == sgd.closest.step
    assert f"{sgd.lingered} steps" in beats["SGD escapes"].say
    assert f"from step {sgd.slow[0]} to step {sgd.slow[1]}" in beats["SGD near the saddle"].say
    # the set-up says it is a saddle, unlike SaddlePoint's inflection point
    assert "saddle" in beats["the set-up"].say


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_saddle_escape_shows_the_saddle_and_the_ways_down(theme: str) -> None:
    check = check_layout(get_scene("SaddleEscape"), theme)
    assert not check.problems, check.problems
    texts = {b.text: b for b in text_boxes(check.scene.mobjects)}
    for word in ("saddle", "↓ downhill", "↑ downhill", "← uphill", "uphill →"):
        assert word in texts, sorted(texts)
    # "downhill" along y (above and below the saddle), "uphill" along x (left and right)
    cx = (texts["saddle"].x0 + texts["saddle"].x1) / 2
    assert texts["↓ downhill"].y1 < texts["← uphill"].y0 < texts["↑ downhill"].y0
    assert texts["← uphill"].x1 < cx + 1.0 < texts["uphill →"].x1
    # only one "out of view" name for the two pins on the same edge
    assert sum(b.text == "out of view" for b in text_boxes(check.scene.mobjects)) == 1


def test_saddle_escape_is_listed_next_to_saddle_point() -> None:
    names = [n for n, _ in list_scenes()]
    assert names.index("SaddleEscape") == names.index("SaddlePoint") + 1
    assert "SaddleEscape" in SCENES and "true saddle" in dict(list_scenes())["SaddleEscape"]
