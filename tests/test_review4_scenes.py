"""Scene bugs a fresh reviewer found (review4): run dots of one size, a log heat map when
the loss spans decades, LocalMinimum's stationary beat where f′ is ~0, and a variant with
several runs of one optimizer. Real runs, preview-size captures, nothing rendered to video
unless said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from descent.renders import player
from descent.renders.spec_scenes import scene_from_spec
from descent.scenes import get_scene

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("source", ["OptimizerRace", "adam_swarm.toml"])
def test_every_run_dot_has_one_size_in_video_and_player(source: str) -> None:
    cls = scene_from_spec(EXAMPLES / source) if source.endswith(".toml") else get_scene(source)
    cap = player.capture(cls)
    # the video draws each track's dot: its drawn width (scene units), run by run
    widths = [float(t.dot.width) for t in cap.tracks]
    assert len(widths) >= 4, widths
    assert max(widths) - min(widths) < 1e-6, widths
    # the player draws each run with the radius (px) its payload gives
    payload = player.build_payload(cls)
    radii = [r["radius"] for r in payload["runs"]]
    assert len(radii) == len(widths)
    assert len(set(radii)) == 1, radii
    px_per_unit = payload["size"][0] / cap.frame[0]
    assert radii[0] == pytest.approx(widths[0] / 2 * px_per_unit, abs=0.02)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_rosenbrock_valley_floor_shows_on_a_log_heat_map(theme: str) -> None:
    cls = scene_from_spec(EXAMPLES / "adaptive_rosenbrock.toml")
    cap = player.capture(cls, theme=theme)  # its picture is the video's first frame
    area = cap.areas[0]
    land = cls.get_landscape()
    (x0, x1), (y0, y1) = area.x_range, area.y_range
    gx, gy = np.meshgrid(np.linspace(x0, x1, 90)[1:-1], np.linspace(y0, y1, 90)[1:-1])
    pts = np.c_[gx.ravel(), gy.ravel()]
    loss = land.grid(np.linspace(x0, x1, 90)[1:-1], np.linspace(y0, y1, 90)[1:-1]).ravel()
    px = np.round(player.to_pixels(area.to_scene(pts), cap.size, cap.frame)).astype(int)
    lum = np.asarray(cap.image.convert("L"), float)[px[:, 1], px[:, 0]]
    # the valley floor: loss under 100 where the view reaches ~6000 (a third of the view);
    # a linear scale painted it one colour (p10..p90 spread 0 of 255 levels; now 33 dark, more light)
    floor = loss < 100
    assert 0.2 < floor.mean() < 0.6
    lo, hi = np.percentile(lum[floor], [10, 90])
    assert hi - lo > 25, (lo, hi)
    # the floor's bottom (loss < 5) and its sides (30 … 100) are told apart
    bottom, sides = np.median(lum[loss < 5]), np.median(lum[(loss > 30) & (loss < 100)])
    assert abs(sides - bottom) > 15, (bottom, sides)
    # the colour bar says its scale is log
    bar = area.colorbar
    assert bar.scale.log
    words = [m.text for m in bar.get_family() if isinstance(getattr(m, "text", None), str)]
    assert any("log" in w for w in words), words


def test_local_minimum_settling_words_are_the_runs_numbers_and_its_ring_clears_the_names() -> None:
    from descent.scenes.kit.story import number, ring_radius
    from descent.scenes.kit.text import Label

    cls = get_scene("LocalMinimum")
    land, trajs = cls.simulate()
    settles = [b for b in cls.story() if "settles within 0.1" in b.say]
    assert {b.subject for b in settles} == {0, 1}
    for b in settles:
        t = trajs[b.subject]
        w, g = np.asarray(t.params)[:, 0], np.asarray(t.grad)[:, 0]
        # no claim that the gradient is zero where the legend shows f′ ≠ 0
        assert "zero" not in b.say and "nothing moves" not in b.say, b.say
        assert f"f′ {number(g[int(b.step)])}" in b.say or f"from {number(g[int(b.step)])}" in b.say
        at = -2.0 if "global" in b.say else 4.0
        side = np.sign(w[int(b.step) :] - at)
        swings = int(np.count_nonzero(side[1:] * side[:-1] < 0))
        assert ("swinging" in b.say) == (swings >= 2), (b.say, swings)
        if swings < 2:  # it closes in: |f′| at the end well under its value at the beat
            assert abs(g[-1]) < 0.1 * abs(g[int(b.step)])
    # the ring a beat draws round the dot at its step is clear of the minima's names
    cap = player.capture(cls)
    family = [x for m in cap.mobjects for x in m.get_family()]
    names = [
        m for m in family if isinstance(m, Label) and m.text in ("global minimum", "local minimum")
    ]
    assert {m.text for m in names} == {"global minimum", "local minimum"}
    for b in settles:
        track = cap.tracks[b.subject]
        centre, radius = track.screen[int(b.step)], ring_radius(float(track.dot.width))
        for m in names:
            lo, hi = m.get_corner(np.array([-1, -1, 0])), m.get_corner(np.array([1, 1, 0]))
            nearest = np.clip(centre[:2], lo[:2], hi[:2])
            assert np.linalg.norm(nearest - centre[:2]) > radius, (b.step, m.text)
