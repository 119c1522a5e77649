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


def test_saddle_escape_pins_stay_inside_the_map_and_the_panel_marks_off_panel_loss() -> None:
    from descent.scenes import kit

    cls = get_scene("SaddleEscape")
    _, trajs = cls.simulate()
    theme = kit.THEMES["dark"]
    area = kit.plot_area((-2.0, 2.0), (-2.0, 2.0), width=4.8, height=4.8, theme=theme)
    mom = np.asarray(trajs[1].params, dtype=np.float64)
    track = kit.Track(mom, area, kit.StepClock(len(mom) - 1), color="#D55E00", theme=theme)
    gone = int(np.argmax(~area.inside(mom)))
    track.update_to(float(gone + 5))
    assert kit.tracks.shown_now(track.pin)
    (x0, y0, _), (x1, y1, _) = area.to_scene(np.array([[-2.0, -2.0], [2.0, 2.0]]))
    for part in (track.pin[0], track.pin[1]):  # the arrow and its "out of view"
        assert part.get_top()[1] <= y1 + 1e-6 and part.get_left()[0] >= x0 - 1e-6, part
        assert part.get_right()[0] <= x1 + 1e-6 and part.get_bottom()[1] >= y0 - 1e-6, part
    # the loss panel's range is the loss in view; below it the curve is marked, not hidden
    lo, hi = cls().panel_y_range
    loss = np.asarray(trajs[1].loss, dtype=np.float64)
    assert loss[gone:].min() < lo < loss[:gone].min()
    clock = kit.StepClock(len(loss) - 1)
    panel = kit.readouts.LossPanel([("#D55E00", loss)], clock, theme, y_range=(lo, hi))
    mark = panel.lines[2]
    below = np.nonzero(loss < lo)[0][0]
    clock.tracker.set_value(clock.alpha_of(below - 1))
    mark.update()
    assert not kit.tracks.shown_now(mark)
    clock.tracker.set_value(clock.alpha_of(below))
    mark.update()
    # the edge is not the value: the mark says the true loss there
    assert kit.tracks.shown_now(mark)
    assert mark.text == f"▼ {kit.fmt_value(float(loss[below]), 3)}"


def test_a_beats_dimmed_subjects_keep_their_text_legible() -> None:
    from manim import Dot, VGroup

    from descent.scenes import kit
    from descent.scenes.kit.story import TEXT_DIM, Emphasis

    theme = kit.THEMES["dark"]
    words = kit.label("out of view", 22, "#D55E00")
    other = VGroup(Dot(), words)
    Emphasis(Dot(), [other], theme, dim=0.3).start()
    assert other[0].get_fill_opacity() == pytest.approx(0.3)
    assert min(x.get_fill_opacity() for x in words.family_members_with_points()) >= TEXT_DIM - 1e-9
    assert TEXT_DIM >= 0.7


def test_saddle_escape_is_listed_next_to_saddle_point() -> None:
    names = [n for n, _ in list_scenes()]
    assert names.index("SaddleEscape") == names.index("SaddlePoint") + 1
    assert "SaddleEscape" in SCENES and "true saddle" in dict(list_scenes())["SaddleEscape"]


# -- Surface3D: on the surface, a legible subtitle, a zoom that acts ----------------------------
def test_surface_3d_trails_follow_the_drawn_surface_not_chords() -> None:
    from descent import engine

    cls = get_scene("Surface3D")
    land = engine.get_landscape(cls.landscape)
    scene = object.__new__(cls)  # only its geometry: no Scene is built
    field = scene.height_field(land)
    trajs = cls.data()
    (x0, x1), (y0, y1) = cls.drawn_view()
    for t in trajs:
        path, u = scene.on_surface(land, t, field, 0.04)
        assert len(path) == len(u) and u[0] == 0 and u[-1] == cls.steps
        # every sample rests the same height over the drawn surface under it
        np.testing.assert_allclose(path[:, 2] - field.height(path[:, 0], path[:, 1]), 0.04)
        # no piece longer than the spacing in the plane
        assert np.linalg.norm(np.diff(path[:, :2], axis=0), axis=1).max() <= cls.sample_spacing
        # the steps themselves are where the run was (pinned at the view's edge past it)
        p = np.asarray(t.params, dtype=np.float64)
        at = np.stack([np.clip(p[:, 0], x0, x1), np.clip(p[:, 1], y0, y1)], -1)
        np.testing.assert_allclose(path[np.searchsorted(u, np.arange(cls.steps + 1)), :2], at)
    # momentum's big steps: a chord between two steps would float far above the surface
    mom = np.asarray(trajs[1].params, dtype=np.float64)
    length = np.linalg.norm(np.diff(mom, axis=0), axis=1)
    k = int(np.argmax(length))
    path, u = scene.on_surface(land, trajs[1], field)
    ends = path[np.searchsorted(u, [k, k + 1])]
    middle = ends.mean(axis=0)  # the old chord's midpoint
    gap = middle[2] - float(field.height(middle[0], middle[1]))
    assert abs(gap) > 0.3, gap  # (scene height units; the surface is 2.6 tall)


def test_surface_3d_flags_every_minimum_and_draws_balls_over_every_trail() -> None:
    from manim import Dot3D, Line, Sphere, VMobject

    cls = get_scene("Surface3D")
    scene = check_layout(cls, "dark").scene
    land = cls.get_landscape()
    minima = land.points_of_kind("global_min", "local_min")
    flags = [m for m in scene.mobjects if isinstance(m, Dot3D)]
    assert len(minima) == 4 and len(flags) == len(minima)  # the narration's "4 minima"
    # each on a stem minimum_flag (scene units) straight up from the surface at its minimum
    stems = [m for m in scene.mobjects if isinstance(m, Line)]
    for flag in flags:
        top = flag.get_center()
        stem = [m for m in stems if np.allclose(m.get_end(), top, atol=1e-6)]
        assert len(stem) == 1, top
        rise = stem[0].get_end() - stem[0].get_start()
        np.testing.assert_allclose(rise, [0.0, 0.0, cls.minimum_flag], atol=1e-6)
    balls = [m for m in scene.mobjects if type(m) is Sphere]  # not the flags (Dot3D)
    assert len(balls) == len(scene.subjects) == 3
    # every ball is drawn after every trail: no trail paints over a ball
    order = {id(m): i for i, m in enumerate(scene.mobjects)}
    trails = [m for m in scene.mobjects if type(m) is VMobject and m.updaters]
    assert len(trails) >= 3
    assert max(order[id(t)] for t in trails) < min(order[id(b)] for b in balls)


def test_surface_3d_view_holds_every_run_so_no_trail_is_pinned_to_the_edge() -> None:
    """Momentum's steps 3 and 5 reach x 5.46 and −5.07, past the landscape's ±5: the drawn
    view grows (in view_step, equal units) to hold them; the trail is where the run was."""
    cls = get_scene("Surface3D")
    land = cls.get_landscape()
    (x0, x1), (y0, y1) = cls.drawn_view()
    pts = np.concatenate([np.asarray(t.params, np.float64) for t in cls.data()])
    (lx0, lx1), (ly0, ly1) = land.view
    assert (pts[:, 0] < lx0).any() or (pts[:, 0] > lx1).any()  # the landscape's view is short
    assert x0 <= pts[:, 0].min() and pts[:, 0].max() <= x1
    assert y0 <= pts[:, 1].min() and pts[:, 1].max() <= y1
    assert x1 - x0 == pytest.approx(y1 - y0)  # one data unit as long on both axes
    # no wider than the step needs: one view_step less would leave a run out
    step = cls.view_step
    assert pts[:, 0].min() < x0 + step or pts[:, 0].max() > x1 - step
    scene = object.__new__(cls)
    field = scene.height_field(land)
    for t in cls.data():
        path, u = scene.on_surface(land, t, field)
        drawn = path[np.searchsorted(u, np.arange(cls.steps + 1)), :2]
        np.testing.assert_allclose(drawn, np.asarray(t.params, np.float64))  # nothing pinned


def test_surface_3d_balls_stand_out_and_the_shared_start_is_counted() -> None:
    """Each ball sits on a halo (a disc of the page's colour, outlined) that follows it; the
    camera paints every trail before every ball; at step 0 the three balls are one, and a
    mark says how many runs start there, until the balls part."""
    from manim import Sphere, VGroup, VMobject

    cls = get_scene("Surface3D")
    check = check_layout(cls, "dark")
    assert not check.problems, check.problems
    scene = check.scene
    balls = [m for m in scene.mobjects if type(m) is Sphere]
    halos = [m for m in scene.mobjects if isinstance(m, VGroup) and hasattr(m, "halo_of")]
    assert len(halos) == len(balls) == len(cls.runs)
    for ball, ring in zip(balls, halos, strict=True):
        np.testing.assert_allclose(ring.get_center(), ball.get_center(), atol=1e-9)
        assert ring.width / 2 == pytest.approx(cls.halo_size * cls.ball_radius * cls.zoom)
        assert ring.width > ball.width * cls.zoom  # larger on screen than the ball it holds
    # MeshCamera's order: every depth-tested path (trail, halo) before every ball's faces
    camera = scene.renderer.camera
    shown = camera.get_mobjects_to_display(scene.mobjects)
    at = {id(m): i for i, m in enumerate(shown)}
    trails = [m for m in scene.mobjects if type(m) is VMobject and m.updaters]
    faces = [id(f) for b in balls for f in b.family_members_with_points() if id(f) in at]
    assert faces, "no ball in sight at the end"
    paths = [id(m) for m in trails + [h[0] for h in halos] if id(m) in at]
    assert max(at[i] for i in paths) < min(at[i] for i in faces)
    # the shared start: one mark, counting the runs that share it, shown only at the start
    marks = [m for m in scene.mobjects if hasattr(m, "start_runs")]
    starts = [tuple(s) for _, s in cls.runs]
    assert len(marks) == 1 and len(marks[0].start_runs) == starts.count(starts[0]) == 3
    assert marks[0].text == f"{len(cls.runs)} runs start here"
    assert scene.clock.step() >= cls.start_mark_until
    assert (
        max(float(leaf.get_fill_opacity()) for leaf in marks[0].family_members_with_points()) == 0
    )
    scene.clock.tracker.set_value(scene.clock.alpha_of(0))
    marks[0].update(0)
    assert max(float(leaf.get_fill_opacity()) for leaf in marks[0].family_members_with_points()) > 0


def test_surface_3d_subtitle_is_full_size_and_has_its_own_band() -> None:
    from descent.scenes.kit import get_theme, label, safe_box, title_block

    cls = get_scene("Surface3D")
    x0, x1, _, _ = safe_box()
    assert label(cls.subtitle, 22, "#FFFFFF").width <= x1 - x0  # not shrunk to fit
    assert "(0.5, −1)" in cls.subtitle and cls.subtitle.count("from") == 1
    block = title_block(cls.title, cls.subtitle, get_theme("dark"))
    assert block[1].height == pytest.approx(label(cls.subtitle, 22, "#FFFFFF").height)


def test_surface_3d_zoom_scales_the_picture() -> None:
    from manim import Surface

    def extent(zoom: float) -> float:
        variant = type("Zoomed", (get_scene("Surface3D"),), {"zoom": zoom, "steps": 10})
        scene = check_layout(variant, "dark").scene
        assert scene.camera.get_zoom() == pytest.approx(zoom)
        surface = max(  # the landscape, not a ball (a Sphere is a Surface too)
            (m for m in scene.mobjects if isinstance(m, Surface)), key=lambda m: m.width
        )
        pts = np.concatenate([f.points for f in surface.family_members_with_points()])
        flat = scene.camera.project_points(pts)[:, :2]
        return float(np.ptp(flat[:, 0]))

    assert extent(0.5) / extent(0.72) == pytest.approx(0.5 / 0.72, rel=0.02)


# -- NesterovCorrection: one anatomy at a time, the look-ahead ring off the dot ---------------
def test_nesterov_anatomy_starts_at_the_dot_and_rings_the_look_ahead_point() -> None:
    from descent.scenes.kit import lookahead_form
    from descent.scenes.nesterov_correction import step_anatomy

    cls = get_scene("NesterovCorrection")
    seen: list[set[str]] = []

    class Watched(cls):  # type: ignore[misc, valid-type]
        def wait(self, *a: object, **k: object) -> None:
            shown = {
                m.anatomy_of
                for top in self.mobjects
                for m in top.get_family()
                if hasattr(m, "anatomy_of") and m.get_fill_opacity() + m.get_stroke_opacity() > 0
            }
            seen.append(shown)
            super().wait(*a, **k)

    Watched.__name__ = cls.__name__
    scene = check_layout(Watched, "dark").scene
    _, trajs = cls.simulate()
    # each dot is drawn where its iterate is: Nesterov's at θ_t of the look-ahead form
    for track, traj in zip(scene.tracks, trajs, strict=True):
        want = lookahead_form(traj) if traj.spec.kwargs.get("nesterov") else traj.params
        np.testing.assert_allclose(track.path, np.asarray(want, dtype=np.float64))
    # one run's anatomy on screen at a time, and both runs' are shown
    assert all(len(s) <= 1 for s in seen) and set().union(*seen) == {t.label for t in trajs}
    # Nesterov's ring (the look-ahead point) sits a momentum step away from its dot
    nesterov = trajs[1]
    for t in cls.explained_steps:
        a = step_anatomy(nesterov, lookahead_form(nesterov), t)
        np.testing.assert_allclose(a["start"], scene.tracks[1].path[t])
        assert np.linalg.norm(a["grad_at"] - a["start"]) > 0.5  # data units: clear of the dot
    # the legend's loss is the loss where the dot is drawn
    land = cls.get_landscape()
    at = lookahead_form(nesterov)
    assert float(land.value(at[3])) != pytest.approx(float(nesterov.loss[3]), rel=1e-3)


# -- RateMap: the status agrees with the number, SGD's dot on its plot, the beat's subject ------
@pytest.fixture(scope="module")
def rate_map_scene() -> object:
    base = get_scene("RateMap")  # a shorter tour (the same stops): a lean test
    return check_layout(type("RateMap", (base,), {"per_leg": 12}), "dark")


def test_rate_map_quotes_one_grid_run_at_the_closed_form_and_says_why_its_rate_differs() -> None:
    cls = get_scene("RateMap")
    lrs, mus, rates = cls.rate_map()
    rate = rates["fit"]
    alpha, beta, best = cls.closed_form()
    a, b, name = cls.tour[1]
    i, j = cls.nearest(lrs, mus, np.array([alpha, beta]))
    # the stop is a grid run (the cursor, the narration and the SGD panel read the same α)
    assert (a, b) == (float(lrs[i]), float(mus[j])) and name == "nearest α*, β*"
    assert np.isclose(cls.sgd_lrs, a).any()
    say = cls.beats[1].say
    assert f"α {a:.3f}" in say and f"measured rate {rate[i, j]:.3f}" in say
    assert f"α* {alpha:.3f}" in say and f"{best:.3f}" in say  # the closed form, labelled
    # the grid run's measured rate is its own spectral radius (heavy ball on λ = 1, κ):
    # the optimum is a corner, and 0.001 in α moves the steep direction's rate to 0.600
    radius = max(max(abs(np.roots([1.0, -(1 + b - a * lam), b]))) for lam in (1.0, cls.condition))
    assert rate[i, j] == pytest.approx(radius, abs=1e-3)
    x, y = cls.direction_rates(i, j)
    assert y == pytest.approx(rate[i, j], abs=1e-3) and x < y - 0.05
    assert f"{y:.3f}" in say and f"{x:.3f}" in say
    assert "equally fast" not in say


def test_contour_labels_skip_loops_smaller_than_their_label() -> None:
    from descent.scenes import kit
    from descent.scenes.kit.plot import level_label

    theme = kit.THEMES["dark"]
    area = kit.plot_area((-1.0, 1.0), (-1.0, 1.0), width=4.0, height=4.0, theme=theme)
    xs = np.linspace(-1.0, 1.0, 81)
    z = np.hypot(*np.meshgrid(xs, xs))  # circles: radius r in data units, 2r scene units
    assert len(level_label(z, area, 0.05, theme, font_size=18)) == 0  # a 0.2-wide loop
    assert len(level_label(z, area, 0.6, theme, font_size=18)) > 0  # a 2.4-wide one


def test_rate_map_status_agrees_with_the_rate_shown() -> None:
    cls = get_scene("RateMap")
    lrs, mus, rates = cls.rate_map()
    rate = rates["fit"]
    scene = object.__new__(cls)  # its tour and status only: no Scene is built
    path = scene.tour_points()
    for point in path:
        at = cls.nearest(lrs, mus, point)
        value = float(rate[at])
        status = scene.status_at(rate, at, point)
        diverges = not (np.isfinite(value) and value < 1.0)
        assert status.startswith("diverging") == diverges, (point, value, status)
        if status == "last α below rate 1":  # computed from the grid: the next α diverges
            right = float(rate[at[0] + 1, at[1]])
            assert value < 1.0 and not (np.isfinite(right) and right < 1.0)
    # every stop of the tour is named for what its rate says
    names = [name for _, _, name in cls.tour]
    assert "on the rate-1 line" not in names and "last α below rate 1" in names


def test_rate_map_sgd_panel_covers_every_cursor_lr_and_the_sweep_is_many_runs() -> None:
    cls = get_scene("RateMap")
    scene = object.__new__(cls)
    path = scene.tour_points()
    assert min(cls.sgd_lrs) <= path[:, 0].min() and path[:, 0].max() <= max(cls.sgd_lrs)
    # "whatever the step size": the beat quotes a sweep of many runs along one momentum
    beat = next(b for b in cls.beats if b.name == "ringing at any step size")
    lrs, mus, rates = cls.rate_map()
    j = int(np.abs(mus - cls.ring[1]).argmin())
    swept = (lrs >= cls.ring[0] - 1e-9) & (lrs <= cls.ring_sweep_to + 1e-9)
    assert swept.sum() >= 20 and f"the {int(swept.sum())} runs" in beat.say
    assert np.allclose(rates["fit"][swept, j], np.sqrt(mus[j]), atol=1e-3)


def test_rate_map_rings_each_beats_subject_and_writes_nothing_small(rate_map_scene) -> None:
    from descent.scenes.kit import label

    scene = rate_map_scene.scene
    cls = type(scene)
    assert not rate_map_scene.problems, rate_map_scene.problems
    sgd_beat = cls.beats[-1]
    assert "plain SGD" in sgd_beat.say and scene.subjects[sgd_beat.subject] is scene.sgd_star
    assert all(b.subject == 0 for b in cls.beats[:-1])  # the cursor's stops
    # no text under the smallest font size (cap height ≈ 16 px at 720p for size 18)
    for box in text_boxes(scene.mobjects):
        full = label(box.text, cls.smallest_font, "#FFFFFF")
        assert box.y1 - box.y0 >= 0.97 * full.height, (box, full.height)


# -- NoiseEscape: colour by basin, counts, the beat's subject, names over the tangents ---------
def test_noise_escape_colours_particles_by_basin_and_rings_the_subject() -> None:
    from manim import Line

    from descent.scenes.noise_escape import BARRIER, escaped

    cls = get_scene("NoiseEscape")
    check = check_layout(cls, "dark")
    assert not check.problems, check.problems
    scene = check.scene
    noisy, clean = cls.data()
    labels = dict(scene.run_colors)
    out_color, in_color = labels["escaped"], labels["in the local minimum"]
    # at the last frame every particle has its basin's colour, on both sides
    for k, traj in enumerate((noisy, clean)):
        out = escaped(traj)[:, -1]
        tracks = scene.tracks[k * cls.particles : (k + 1) * cls.particles]
        for track, gone in zip(tracks, out, strict=True):
            assert (
                track.dot.get_fill_color().to_hex().upper()
                == (out_color if gone else in_color).upper()
            )
    # the tallies say how many are in each basin at that frame
    texts = {b.text for b in text_boxes(scene.mobjects)}
    n = int(escaped(noisy)[:, -1].sum())
    assert f"escaped {n} / {cls.particles}" in texts
    assert f"trapped {cls.particles - n} / {cls.particles}" in texts
    assert f"escaped 0 / {cls.particles}" in texts  # without noise
    # each beat rings its subject: the first escapee just past the barrier; the count beat the
    # tally of escaped particles
    for beat in cls.beats:
        if beat.subject is None:
            continue
        subject = scene.subjects[beat.subject]
        if beat.events:  # the first escape is the subject; the later ones it spans follow
            e = beat.events[0]
            assert subject is scene.tracks[e.run]
            assert noisy.params[e.run, e.step, 0] < BARRIER <= noisy.params[e.run, e.step - 1, 0]
        else:
            assert "have crossed" in beat.say and subject.get_fill_color().to_hex().upper() == (
                out_color.upper()
            )
    # the minima's names are drawn over the tangent lines, on a patch of the page
    order = {id(m): i for i, m in enumerate(scene.mobjects)}
    tangents = [i for m, i in ((m, order[id(m)]) for m in scene.mobjects) if isinstance(m, Line)]
    names = [m for m in scene.mobjects if "minimum" in getattr(m, "text", "")]
    assert len(names) == 4 and tangents
    assert all(order[id(m)] > max(tangents) for m in names)
    assert all(m.background_rectangle is not None for m in names)


def rounding_interval(text: str) -> tuple[float, float]:
    """The values that round to ``text`` as written (``0.0298``: 0.02975 … 0.02985)."""
    value = float(text.replace("−", "-"))
    mant, _, exp = text.replace("−", "-").partition("e")
    decimals = len(mant.partition(".")[2])
    half = 0.5 * 10.0 ** (-decimals + (int(exp) if exp else 0))
    return value - half, value + half


def run_arithmetic(text: str) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """From ``○ Δw 0.0298 = −0.000305·(f′ 10.3 + kick −108)``: the interval of Δw as
    written, and the interval of −lr·(f′ + kick) over every value that rounds to each
    written number (interval arithmetic)."""
    import re

    number = r"−?\d+(?:\.\d+)?(?:e−?\d+)?"
    m = re.fullmatch(
        rf"○ Δw ({number}) = −({number})·\(f′ ({number})(?: \+ kick ({number}))?\)", text
    )
    if m is None:
        return None
    lr = rounding_interval(m[2])
    g = rounding_interval(m[3])
    k = rounding_interval(m[4]) if m[4] else (0.0, 0.0)
    total = (g[0] + k[0], g[1] + k[1])
    ends = [-a * b for a in lr for b in total]
    return rounding_interval(m[1]), (min(ends), max(ends))


def test_noise_escape_followed_particle_shows_the_kick_that_carried_it_and_the_lr() -> None:
    """At the first escape the followed arrow is the step that brought the particle there
    (over the barrier, toward the global basin), its read-out the same numbers; the followed
    particle is a hollow ring (no third colour: the swarm and the star under it show); the
    annealed learning rate that beat 4 quotes is on screen."""
    from descent.scenes.noise_escape import BARRIER, escaped

    cls = get_scene("NoiseEscape")
    noisy, clean = cls.data()
    out = escaped(noisy)
    follow = int(np.argmax(out.any(1) * (noisy.steps + 1 - out.argmax(1))))
    traj = noisy.particle(follow)
    w = np.asarray(traj.params, np.float64)[:, 0]
    arrows = cls.last_steps(traj)
    t = int(out[follow].argmax())  # its first step past the barrier
    assert w[t] < BARRIER <= w[t - 1]
    step = arrows["velocity"][t, 0]
    assert step < 0 and step == pytest.approx(w[t] - w[t - 1], rel=1e-4)  # over, not back
    lr, g, kick = float(traj.lr[t - 1]), float(traj.grad[t - 1, 0]), float(traj.noise[t - 1, 0])
    assert arrows["gradient"][t, 0] == pytest.approx(-lr * g)
    assert step == pytest.approx(-lr * (g + kick), rel=1e-4)
    from descent.scenes.kit.rules import num

    assert cls.followed_text(traj, t) == (
        f"○ Δw {num(w[t] - w[t - 1])} = −lr·(f′ {num(g)} + kick {num(kick)})"
    )
    assert cls.lr_shown(noisy.lr, t) == lr  # the lr beside it is the one that step used
    # every step of both followed particles: the written numbers give the written Δw to
    # their precision (the reviewer's step 239 read 0.0298 = −lr·(10.3 − 108) beside lr
    # 0.000296, which gives 0.0289: the step had used 0.000305), up to float32's spacing
    rounded = 0  # steps that rounded away in float32 (the clean particle at rest on w = 4)
    for run in (traj, clean.particle(follow)):
        ws = np.asarray(run.params, np.float32)[:, 0]
        for t in range(1, noisy.steps + 1):
            lost = cls.lost_step(run, t)
            if lost is not None:  # the step rounded away: said in words, from the numbers
                step, spacing, at = lost
                assert ws[t] == ws[t - 1] and 0 < abs(step) <= spacing / 2
                assert np.float32(ws[t - 1]) + np.float32(step) == ws[t - 1]  # as torch adds it
                assert spacing in (float(np.spacing(ws[t - 1])), float(np.spacing(ws[t - 1])) / 2)
                rounded += 1
                assert cls.followed_text(run, t).endswith(f"= {num(step)} is under half")
                assert (
                    cls.followed_note(run, t)
                    == f"  float32's spacing at w = {num(at)} ({num(spacing)})"
                )
                continue
            assert cls.followed_note(run, t) == ""
            text = cls.followed_text(run, t).replace("−lr·", f"−{num(cls.lr_shown(run.lr, t))}·")
            said = run_arithmetic(text)
            assert said is not None, text
            (lo, hi), (plo, phi) = said
            ulp = 2 * float(np.spacing(max(abs(ws[t]), abs(ws[t - 1]))))
            assert plo - ulp <= hi and lo <= phi + ulp, (t, text, (lo, hi), (plo, phi))
    assert rounded > 0
    check = check_layout(cls, "dark")
    assert not check.problems, check.problems
    scene = check.scene
    # two colours (the legend's), the followed particle ringed, hollow
    assert [name for name, _ in scene.run_colors] == ["escaped", "in the local minimum"]
    ringed = scene.tracks[2 * cls.particles :]
    assert len(ringed) == 2
    assert all(r.dot.get_fill_opacity() == 0 and r.dot.get_stroke_opacity() > 0 for r in ringed)
    # the learning rate of the last frame and of beat 4's step, as the narration says it
    texts = {b.text for b in text_boxes(scene.mobjects)}
    assert f"lr {num(float(noisy.lr[-2]))}" in texts  # the rate of the last step taken
    [cool] = [b for b in cls.beats if b.name == "cooling down"]
    from descent.scenes.kit.story import number

    assert f"it is {number(noisy.lr[cool.step - 1])}" in cool.say  # as the read-out there
    assert noisy.lr[cool.step - 1] <= 0.1 * noisy.lr[0] < noisy.lr[cool.step - 2]


# -- AdaptiveSteps: one source for the header and the bars, the header within the plot ---------
def test_adaptive_steps_header_and_bars_read_one_update() -> None:
    from descent.engine.rules import update_terms
    from descent.scenes.kit.text import fmt_value

    cls = get_scene("AdaptiveSteps")
    _, (traj,) = cls.simulate()
    lr = float(traj.spec.kwargs["lr"])
    scene = cls.__new__(cls)
    last = traj.steps - 1
    terms = update_terms(traj, last)  # what both show when the clock rests on step 40
    per = np.abs(np.asarray(terms.values["step"], np.float64)) / lr
    text = cls.header_text(scene, traj, last)
    assert f"|step| {fmt_value(float(np.hypot(*per)))}·lr" in text  # not 0.00·lr
    assert float(np.hypot(*per)) > 0.25  # a real step: 0.30·lr along x
    check = check_layout(cls, "dark")
    assert not check.problems, check.problems
    shown = check.scene
    boxes = {b.text: b for b in text_boxes(shown.mobjects)}
    note = boxes["arrows: directions only"]
    numbers = next(b for t, b in boxes.items() if t.startswith("|−lr·∇f|"))
    bars = [b for t, b in boxes.items() if t.startswith("|step|") and b is not numbers]
    assert {b.text for b in bars} == {f"|step| {fmt_value(float(v))}·lr" for v in per}
    # the header stays over the plot, left of the legend column (step counter, legend)
    counter = next(b for t, b in boxes.items() if t.startswith("step "))
    assert max(note.x1, numbers.x1) < counter.x0


def test_nesterov_ring_is_only_the_look_ahead_point_and_short_arrows_leave_it() -> None:
    """One meaning for the ring: Nesterov's look-ahead point; momentum's gradient is taken at
    its own dot, ringed by nothing. A gradient step shorter than the ring starts outside it,
    its length written. Every explained arrow stays inside the map; on the light page the
    two runs differ in lightness."""
    from manim import Arrow, Circle

    from descent.scenes.kit.theme import to_lab
    from descent.scenes.nesterov_correction import step_anatomy

    cls = get_scene("NesterovCorrection")
    check = check_layout(cls, "light")
    scene = check.scene
    _, trajs = cls.simulate()
    area = scene.tracks[0].area
    (x0, x1), (y0, y1) = area.x_range, area.y_range
    for traj, track in zip(trajs, scene.tracks, strict=True):
        nesterov = bool(traj.spec.kwargs.get("nesterov"))
        for t in cls.explained_steps:
            a = step_anatomy(traj, scene.path_of(traj), t)
            for v in a.values():  # momentum's step 3 reached y = −2.41, past the old map
                assert x0 <= v[0] <= x1 and y0 <= v[1] <= y1, (traj.label, t, v)
            group = scene.anatomy(area, traj, track.color, t)["group"]
            rings = [m for m in group.get_family() if isinstance(m, Circle)]
            assert len(rings) == (1 if nesterov else 0)
            name = next(m for m in group if "gradient" in getattr(m, "text", ""))
            assert ("(ring)" in name.text) == nesterov
            arrows = [m for m in group if isinstance(m, Arrow)]
            gradient = arrows[1]
            if nesterov:
                centre = rings[0].get_center()
                assert np.linalg.norm(gradient.get_start() - centre) >= rings[0].width / 2
    lab = to_lab([c for _, c in scene.run_colors])
    assert float(np.ptp(lab[:, 0])) >= 20


# -- scenes22: the claims the review found unshown -----------------------------------------------
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_nesterov_tolerance_is_a_line_on_the_panel_and_its_beat_leaves_the_map_clear(
    theme: str,
) -> None:
    """ "Within 0.1 of the optimum" is 9 px on the map: the distance panel (log axis) draws
    it as a dashed line, each run's curve goes under it for good at its beat's step, and
    the tolerance beat marks the run's point there, not its dot on the map by the star."""
    from manim import DashedLine, Dot

    from descent.scenes.kit.story import Emphasis

    cls = get_scene("NesterovCorrection")
    check = check_layout(cls, theme)
    assert not check.problems, check.problems
    scene = check.scene
    land, trajs = cls.simulate()
    beat = next(b for b in cls.beats if any(e.kind == "tolerance" for e in b.events))
    tol = beat.events[0].values["tol"]
    panel = scene.panel
    assert panel.scale == "log"
    line = next(m for m in scene.tolerance_line if isinstance(m, DashedLine))
    assert line.tolerance == tol and f"within {tol:g}" in scene.tolerance_line[1].text
    y_line = float(panel.area.to_scene(np.array([[0.0, np.log10(tol)]]))[0, 1])
    assert line.get_center()[1] == pytest.approx(y_line, abs=1e-6)
    # at the beat's step the subject's curve is under the line for good, the other's not yet
    dist = [np.linalg.norm(scene.path_of(t) - np.asarray(land.optimum), axis=-1) for t in trajs]
    k = beat.subject
    assert (dist[k][beat.step :] <= tol).all() and dist[k][beat.step - 1] > tol
    assert (dist[1 - k][beat.step :] > tol).any()
    # the beat's ring goes on the panel marker of its run, clear of the map's star and dots
    marks = scene.beat_subjects(beat, scene.tracks)
    assert all(isinstance(m, Dot) for m in marks) and len(marks) == len(trajs)
    scene.clock.tracker.set_value(scene.clock.alpha_of(beat.step))
    for m in marks:
        m.update(0)
    ring = Emphasis(marks[k], marks, scene.theme).ring
    area_box = scene.tracks[0].area
    star = area_box.to_scene(np.asarray(land.optimum, np.float64)[None])[0]
    assert np.linalg.norm(ring.get_center()[:2] - star[:2]) > 3.0
    y_mark = float(marks[k].get_center()[1])
    assert y_mark <= y_line + 1e-6  # on or under the dashed line
    # a beat that is not about the tolerance still marks the dots on the map
    other = next(b for b in cls.beats if b is not beat and b.subject is not None)
    assert scene.beat_subjects(other, scene.tracks) is scene.tracks


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_sweep_has_one_colour_bar_whose_ticks_are_the_tiles_contour_levels(theme: str) -> None:
    from descent.scenes.kit import contour_levels, safe_box

    cls = get_scene("Sweep")
    check = check_layout(cls, theme)
    assert not check.problems, check.problems
    scene = check.scene
    bar = scene.colorbar
    land, result = cls.run_sweep()
    boxes = [m for m in scene.mobjects if hasattr(m, "get_right")]
    tiles = [t.area.frame[0] for t in scene.subjects]
    assert len(tiles) == int(np.prod(result.shape))
    # right of every tile, within the grid's height and the title-safe area
    assert bar.image.get_left()[0] > max(t.get_right()[0] for t in tiles)
    assert bar.get_right()[0] <= safe_box()[1]
    assert bar.image.get_top()[1] <= max(t.get_top()[1] for t in tiles) + 1e-6
    assert bar.image.get_bottom()[1] == pytest.approx(min(t.get_bottom()[1] for t in tiles))
    # ticks: the loss of contour lines the tiles draw, each at its place on the heat scale
    area = scene.subjects[0].area
    xs, ys = np.linspace(*area.x_range, 70), np.linspace(*area.y_range, 70)
    levels = [lv.loss for lv in contour_levels(land.grid(xs, ys), levels=cls.contour_levels)]
    values = [v for v, _ in bar.ticks]
    assert len(values) >= 4 and set(values) <= set(levels)
    assert max(values) == max(v for v in levels if v <= bar.scale.inverse(1.0))
    assert [m.level for m in bar.contour_marks] == [
        v for v in levels if 0 <= float(bar.scale(v)) <= 1
    ]
    lo, hi = bar.image.get_bottom()[1], bar.image.get_top()[1]
    for v, y in bar.tick_heights:
        assert y == pytest.approx(lo + (hi - lo) * float(bar.scale(v)))
    gaps = np.diff([y for _, y in bar.tick_heights])
    assert (gaps >= cls.tick_gap - 1e-9).all()  # numbers never crowd
    del boxes


@pytest.mark.parametrize("name", ["NetworkLandscape", "CurveFit"])
def test_network_subtitle_lines_are_full_size_and_the_caption_clears_the_data_panel(
    name: str,
) -> None:
    from descent.scenes.kit import label, safe_box, text_boxes

    cls = get_scene(name)
    lines = cls.subtitle.split("\n")
    assert len(lines) == 2 and lines[0] == cls.get_landscape().formula
    x0, x1, _, _ = safe_box()
    for text in lines:  # 22 pt, not shrunk: a capital ≥ 18 px at 1280 × 720
        assert label(text, 22, "#FFFFFF").width <= x1 - x0
        assert label("H", 22, "#FFFFFF").height * 720 / 8 >= 18
    for theme in ("dark", "light"):
        check = check_layout(cls, theme)
        assert not check.problems, check.problems
    boxes = text_boxes(check.scene.mobjects)
    shown = {b.text: b for b in boxes}
    for text in lines:
        box = shown[text]
        assert (box.y1 - box.y0) == pytest.approx(label(text, 22, "#FFFFFF").height, rel=1e-3)
    caption = next(b for b in boxes if "Σ‖θₜ − θ₀‖²" in b.text)
    # the data panel's tick numbers: the text right of the caption and level with it
    near = [
        b
        for b in boxes
        if b.x0 > caption.x0 and b is not caption and b.y1 > caption.y0 - 0.5
        and b.y0 < caption.y1 + 0.5 and b.x0 > -1.0
    ]  # fmt: skip
    assert near, "the data panel's ticks were not found"
    assert min(b.x0 for b in near) - caption.x1 >= 0.3


def test_a_narrow_axis_writes_fewer_x_ticks_rather_than_running_them_together() -> None:
    """NetworkLandscape's loss panel (1.8 wide, steps 0..200): ``0 50 100 150 200`` ran
    together as ``100150200``; the axis now keeps the numbers ≥ 0.12 apart, and a wide
    axis keeps its five."""
    from descent.scenes.kit import get_theme, plot_area, text_boxes

    def numbers(width: float) -> list:
        area = plot_area((0.0, 200.0), (0.0, 1.0), width=width, height=1.0,
                         theme=get_theme("dark"), font_size=16)  # fmt: skip
        bottom = area.center[1] - area.height / 2
        return sorted((b for b in text_boxes([area.axes]) if b.y1 < bottom), key=lambda b: b.x0)

    narrow, wide = numbers(1.8), numbers(6.0)
    assert [b.text for b in wide] == ["0", "50", "100", "150", "200"]
    assert len(narrow) >= 2 and narrow[0].text == "0" and narrow[-1].text == "200"
    assert all(b.x0 - a.x1 >= 0.12 for a, b in zip(narrow[:-1], narrow[1:], strict=True))
