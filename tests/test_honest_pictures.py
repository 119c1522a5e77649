"""Nothing drawn that did not happen (issue #20).

A run that turns NaN stops at its last finite point, marked "NaN from step N"; only an
overflow (±inf, or past the view) is pinned at the edge. A loss panel is log₁₀ only when
every loss it shows is positive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import descent.scenes.kit as kit
from descent import engine
from descent.renders.spec import load_spec

CONE = """title = "SGD on a cone"
[landscape]
formula = "sqrt(x**2 + y**2)"
view = [[-5, 5], [-5, 5]]
[run]
start = [3.0, 4.0]
steps = 12
[[optimizer]]
name = "SGD"
lr = 1.0
"""

SADDLE = """title = "Momentum on the saddle"
[landscape]
name = "saddle"
[run]
steps = 60
[[optimizer]]
name = "SGD"
lr = 0.05
[[optimizer]]
name = "SGD"
lr = 0.05
momentum = 0.9
"""


def _spec(tmp_path: Path, name: str, text: str) -> tuple[engine.Landscape, list[engine.Trajectory]]:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    spec = load_spec(path)
    trajs = [
        engine.simulate(spec.landscape, o, start=spec.start, steps=spec.steps, cache=False)
        for o in spec.optimizers
    ]
    return spec.landscape, trajs


def _track(path: np.ndarray, view: tuple[tuple[float, float], ...], **kw: object) -> kit.Track:
    theme = kit.THEMES["dark"]
    area = kit.plot_area(view[0], view[1], width=5.0, height=5.0, theme=theme)
    return kit.Track(path, area, kit.StepClock(len(path) - 1), color="#E69F00", theme=theme, **kw)


def test_cone_run_stops_at_its_last_finite_point(tmp_path: Path) -> None:
    land, (traj,) = _spec(tmp_path, "cone", CONE)
    assert np.allclose(traj.params[5], [0.0, 0.0])  # on the tip at step 5: ∇ is 0/0 there
    assert np.isnan(traj.params[6:]).all()
    track = _track(np.asarray(traj.params), ((-5, 5), (-5, 5)))
    tip = track.area.to_scene(np.zeros(2))
    assert track.nan_step == 6 == kit.nan_from(traj.params)
    # the drawn path: every step from 5 on is the tip; nothing is out of view, no pin
    assert np.allclose(track.screen[5:], tip) and not track.out.any()
    track.update_to(12.0)
    trail = np.concatenate([part.points for part in track.trail_parts])
    assert np.allclose(trail[-1], tip) and np.allclose(track.dot.get_center(), tip)
    assert np.linalg.norm(trail[:, :2], axis=1).max() <= np.linalg.norm(track.screen[0][:2]) + 1e-9
    assert not kit.tracks.shown_now(track.pin)  # never shown: not "diverged"
    assert track.nan_label == "NaN from step 6" and len(track.nan_mark) == 1
    assert kit.tracks.shown_now(track.nan_mark)
    track.update_to(5.0)
    assert not kit.tracks.shown_now(track.nan_mark)  # not before it happened
    # its loss panel: 5 → 0 is not all positive, so linear; the line ends at (step 5, 0)
    loss = np.asarray(traj.loss, np.float64)
    assert kit.panel_scale([loss], True) == "linear"
    drawn = kit.as_drawn(np.stack([np.arange(13), loss], -1))
    assert np.allclose(drawn[5:], [5.0, 0.0]) and np.allclose(drawn[:6, 1], loss[:6])


def test_overflow_is_pinned_at_the_edge_in_its_last_direction() -> None:
    traj = engine.simulate(
        "bowl", engine.OptimizerSpec("SGD", lr=10.0), start=[10, 10], steps=400, cache=False
    )
    assert traj.diverged and np.isinf(traj.params).any()
    track = _track(np.asarray(traj.params), engine.get_landscape("bowl").view)
    assert track.nan_step is None  # inf first, NaN after: an overflow, drawn as an escape
    assert track.out[-1] and track.out[traj.diverged_at :].all()
    # pinned on the border, not at the start or the centre
    box = track.area.frame[0]
    last = track.screen[-1]
    on_edge = (
        np.isclose(last[0], [box.get_left()[0], box.get_right()[0]]).any()
        or np.isclose(last[1], [box.get_bottom()[1], box.get_top()[1]]).any()
    )
    assert on_edge


def test_every_kind_of_track_stops_at_nan() -> None:
    nan = np.nan
    # 1-D: (w, loss) on the curve
    curve = np.array([[2.0, 4.0], [1.0, 1.0], [nan, nan], [nan, nan]])
    track = _track(curve, ((-3, 3), (0, 9)))
    assert track.nan_step == 2 and np.allclose(track.screen[2:], track.screen[1])
    # sweep tiles and the rate map's inset draw through display_path
    area = kit.plot_area((-3, 3), (-3, 3), width=2.0, height=2.0, theme=kit.THEMES["light"])
    shown, out = area.display_path(np.array([[1.0, 1.0], [0.5, 0.0], [nan, nan]]))
    assert np.allclose(shown[2], [0.5, 0.0]) and not out.any()
    # 3-D balls and data-space models
    assert kit.held_at_nan(np.array([[1.0, 2, 3], [0, 0, 0], [nan, nan, nan]]))[-1].tolist() == [
        0,
        0,
        0,
    ]
    assert kit.last_finite(np.array([[1.0, 1], [2, 2], [nan, 1], [nan, nan]])).tolist() == [
        0,
        1,
        1,
        1,
    ]


def test_saddle_panel_is_not_log_of_absolute_loss(tmp_path: Path) -> None:
    land, trajs = _spec(tmp_path, "saddle", SADDLE)
    losses = [np.asarray(t.loss, np.float64) for t in trajs]
    assert min(v.min() for v in losses) < -1e3  # momentum runs down the saddle's −y² side
    clock = kit.StepClock(trajs[0].steps)
    panel = kit.LossPanel(
        [("#E69F00", v) for v in losses], clock, kit.THEMES["dark"], log=True, y_label="loss"
    )
    assert panel.scale == "symlog"
    # the drawn curve goes the way the loss goes: down, with no V where it changes sign
    momentum = kit.as_drawn(np.stack([np.arange(len(losses[1])), kit.symlog(losses[1], 1.0)], -1))
    rising = np.diff(losses[1]) > 0
    assert (np.diff(momentum[:, 1])[~rising] <= 1e-12).all()
    # only a positive series gets log₁₀
    assert kit.panel_scale([np.array([3.0, 1.0, 1e-4])], True) == "log"
    assert kit.panel_scale([losses[1]], True) == "symlog"
    assert kit.panel_scale([np.array([3.0, 2.0, 0.0])], True) == "linear"
    assert kit.panel_scale([np.array([3.0, -np.inf])], True) != "log"


def test_symlog_ticks_name_true_values() -> None:
    ticks = kit.symlog_ticks(-3.8e6, 4.0, 1.0)
    texts = [t for _, t in ticks]
    assert "0" in texts and "−10⁶" in texts
    positions = dict((t, p) for p, t in ticks)
    assert np.isclose(positions["−10⁶"], kit.symlog(np.array(-1e6), 1.0))


def test_learning_rates_overflow_stops_where_it_was_and_labels_follow_the_events() -> None:
    """lr = 10 on the bowl: its loss overflows float32 at step 15 (the narration's event);
    from then on its dot stays at its last finite point and says "overflow at step 15";
    before it, its pin says "out of view" (not "diverged" at step 1, when the narration
    says it overshoots); its loss, off the panel's top from step 1, is marked there with
    its value, and the panel's line stops at step 15 too."""
    from descent.engine.events import first_non_finite_event
    from descent.scenes import get_scene
    from descent.scenes.kit import check_layout, text_boxes
    from descent.scenes.kit.theme import color_distances

    cls = get_scene("LearningRates")
    land, trajs = cls.simulate()
    wild = trajs[2]
    [event] = first_non_finite_event(wild.params, wild.loss)
    assert event.kind == "overflow" and event.step == 15
    assert np.isfinite(np.asarray(wild.params)[15:]).all()  # torch went on; the picture stops
    [beat] = [b for b in cls.beats if b.name == "lr = 10 overflows"]
    assert beat.step == event.step and "stops where it was" in beat.say

    seen: dict[int, set[str]] = {}

    class Watched(cls):  # type: ignore[misc, valid-type]
        def update_mobjects(self, dt: float) -> None:
            super().update_mobjects(dt)
            t = self.clock.nearest(self.steps)
            if t not in seen:
                seen[t] = {b.text for b in text_boxes(self.mobjects)}
                seen[t] |= {
                    m.text
                    for top in self.mobjects
                    for m in top.get_family()
                    if isinstance(m, kit.FastText) and m.get_fill_opacity() > 0
                }

    Watched.__name__ = cls.__name__
    check = check_layout(Watched, "dark")
    scene = check.scene
    track = scene.tracks[2]
    assert track.overflow_step == 15
    assert np.allclose(track.screen[15:], track.screen[14])  # it stays where it was
    assert track.out[1:].all()  # out of view from step 1, pinned at the edge
    assert track.pin_texts() == ["out of view", "overflow at step 15"]
    pins = [m for m in track.pin.get_family() if isinstance(m, kit.Label)]
    assert pins  # built: it was pinned
    assert any(1 <= t < 15 for t in seen) and any(t >= 15 for t in seen), sorted(seen)
    for t, texts in seen.items():
        if 1 <= t < 15:
            assert "out of view" in texts and "overflow at step 15" not in texts, t
            assert "diverged" not in texts, t
        if t >= 15:
            assert "overflow at step 15" in texts and "out of view" not in texts, t
    # the loss panel marks lr = 10 off its top with its true value; ∞ from the overflow
    loss = np.asarray(wild.loss, np.float64)
    for t in (t for t in seen if 1 <= t < 15):
        assert f"▲ {kit.fmt_value(float(loss[t]), 3)}" in seen[t]
    assert any("▲ ∞" in texts for t, texts in seen.items() if t >= 15)
    drawn = kit.as_drawn(np.stack([np.arange(len(loss)), np.log10(loss)], -1))
    assert (drawn[15:, 0] == 15).all()  # the line ends at the overflow's step
    # three distinct hues: lr 0.1 and lr 10 are no longer two greens
    colors = [c for _, c in scene.run_colors]
    d = color_distances(colors)
    assert min(d["normal"][0, 2], d["deuteranopia"][0, 2], d["protanopia"][0, 2]) >= 20
