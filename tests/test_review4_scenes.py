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
    assert "log" in words, words


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


THREE_LR = """title = "Three learning rates on a bowl"
[landscape]
name = "bowl"
[run]
start = [10.0, 10.0]
steps = 20
[[optimizer]]
name = "SGD"
lr = 0.05
[[optimizer]]
name = "SGD"
lr = 0.5
[[optimizer]]
name = "SGD"
lr = 1.2
[show]
panel = "loss"
"""


def _three_lr_variant() -> type:
    from descent.engine import OptimizerSpec

    return type(
        "LearningRates3",
        (get_scene("LearningRates"),),
        {"optimizers": tuple(OptimizerSpec("SGD", lr=v) for v in (0.05, 0.5, 1.2)),
         "__module__": __name__},
    )  # fmt: skip


def test_runs_of_one_optimizer_each_have_their_story_and_title(tmp_path: Path) -> None:
    spec = tmp_path / "three_lr.toml"
    spec.write_text(THREE_LR, encoding="utf-8")
    names = ["SGD (lr 0.05)", "SGD (lr 0.5)", "SGD (lr 1.2)"]
    for cls in (_three_lr_variant(), scene_from_spec(spec)):
        land, trajs = cls.simulate()
        assert [t.label for t in trajs] == names
        beats = cls.story()
        # every run is named by an event's beat (not only the set-up), and no beat names a
        # number twice ("SGD (lr 0.05) (light green, lr 0.05)")
        for name in names:
            assert any(name in b.say and b.events for b in beats), name
        assert not any(
            "lr 0.05) (" in b.say and "lr 0.05)" in b.say.split("(", 2)[-1] for b in beats
        )
        # the run that lands on the optimum at step 1 is said to, from its own numbers
        opt = np.asarray(land.optimum)
        d = np.linalg.norm(np.asarray(trajs[1].params) - opt, axis=1)
        first = int(np.argmax(d <= 0.3))
        assert (d[first:] <= 0.3).all() and f"{names[1]} is within 0.3" in " ".join(
            b.say for b in beats
        )
        assert f"from step {first}" in " ".join(b.say for b in beats)
    # the title judges each run on its own: too small, just right, too large
    assert _three_lr_variant().headline() == "Learning rate: too small, just right, too large"


def test_a_diverging_run_does_not_grow_the_automatic_view(tmp_path: Path) -> None:
    spec = tmp_path / "three_lr.toml"
    spec.write_text(THREE_LR, encoding="utf-8")
    cls = scene_from_spec(spec)
    land, trajs = cls.simulate()
    far = np.abs(np.asarray(trajs[2].params)[-1]).max()
    assert far > 1000  # lr 1.2 runs away: 1.4x farther from the optimum each step
    cap = player.capture(cls)
    area = cap.areas[0]
    (x0, x1), (y0, y1) = area.x_range, area.y_range
    assert x1 - x0 < 40 and y1 - y0 < 40, (area.x_range, area.y_range)  # the bowl's own view
    for t in trajs[:2]:  # the bounded runs are inside it, from start to end
        p = np.asarray(t.params)
        assert ((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)).all()
    # at step 5 the three dots are apart (not one dot at the centre), the runaway one pinned
    # at the frame's edge and marked out of view
    pts = np.array([tr.screen[5][:2] for tr in cap.tracks])
    gaps = [np.linalg.norm(pts[i] - pts[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 2 * float(cap.tracks[0].dot.width), gaps
    runaway = cap.tracks[2]
    assert np.asarray(runaway.out)[5:].all() and not np.asarray(cap.tracks[0].out).any()
    left, right = area.frame.get_left()[0], area.frame.get_right()[0]
    bottom, top = area.frame.get_bottom()[1], area.frame.get_top()[1]
    x, y = runaway.screen[-1][:2]
    assert left - 1e-6 <= x <= right + 1e-6 and bottom - 1e-6 <= y <= top + 1e-6


def test_runs_starting_at_one_point_show_there_as_rings_in_their_colours() -> None:
    from descent.scenes.kit.theme import _hex_rgb

    cls = get_scene("OptimizerRace")
    cap = player.capture(cls)  # the static background: the video's and the player's
    tracks = cap.tracks
    assert len(tracks) >= 3 and all(np.allclose(t.screen[0], tracks[0].screen[0]) for t in tracks)
    img = np.asarray(cap.image.convert("RGB"), float)
    for n, t in enumerate(tracks, 1):  # ring n: radius dot + 0.05·n, in run n's colour
        r = tracks[0].radius + 0.05 * n
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        ring = r * np.c_[np.cos(angles), np.sin(angles), 0 * angles]
        px = np.round(player.to_pixels(np.asarray(t.screen[0]) + ring, cap.size, cap.frame))
        seen = img[px[:, 1].astype(int), px[:, 0].astype(int)]
        want = _hex_rgb(str(t.color))[:3].astype(float)
        near = np.abs(seen - want).max(axis=1) < 60
        assert near.mean() > 0.5, (t.label, near.mean())
