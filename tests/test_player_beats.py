"""The player's beats and trails do what the video's do (issue 22): a beat dims the runs its
Emphasis dims, the annotations a scene lays over its plot are in the picture, and the trails
fade in the video's tiers. Debian's Chromium through Playwright, offline (tests/test_player.py's
page helper: no request, no console error)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from test_player import Page, browser, decoded, needs_chromium  # noqa: F401 (a fixture)

from descent.renders import player
from descent.scenes import get_scene

#: one page read: the dots canvas's and the trails canvas's RGBA at a point (3×3, px of the
#: payload's frame)
PIXELS = """([root, x, y, layer]) => {
  const p = root.descent, c = layer === 'trails' ? p.tctx : p.ctx;
  const k = c.canvas.width / p.data.size[0];
  return Array.from(c.getImageData(Math.round(x * k) - 1, Math.round(y * k) - 1, 3, 3).data);
}"""


#: the trails canvas's ink (Σ alpha / 255, in px² of the payload's frame) within r px of (x, y)
INK = """([root, x, y, r]) => {
  const p = root.descent, c = p.tctx, k = c.canvas.width / p.data.size[0];
  const x0 = Math.floor((x - r) * k), y0 = Math.floor((y - r) * k), n = Math.ceil(2 * r * k) + 2;
  const d = c.getImageData(x0, y0, n, n).data;
  let s = 0;
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const dx = (x0 + i + 0.5) / k - x, dy = (y0 + j + 0.5) / k - y;
    if (dx * dx + dy * dy <= r * r) s += d[4 * (j * n + i) + 3];
  }
  return s / 255 / (k * k);
}"""


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


@pytest.fixture(scope="module")
def saddle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """SaddleEscape's players (dark, light) and its capture."""
    cls = get_scene("SaddleEscape")
    folder = tmp_path_factory.mktemp("beats")
    out: dict[str, Any] = {"cls": cls}
    for theme in ("dark", "light"):
        payload = player.build_payload(cls, theme=theme)
        path = folder / f"{theme}.html"
        path.write_text(player.player_html(payload), encoding="utf-8")
        out[theme] = {"payload": payload, "path": path}
    return out


def _xy(payload: dict[str, Any], k: int) -> np.ndarray:
    run = payload["runs"][k]
    return decoded(payload, run["xy"]).reshape(-1, 2) / run["scale"]


def _peak(page: Page, x: float, y: float, layer: str = "dots") -> np.ndarray:
    """The most opaque of the 3×3 pixels around (x, y): RGBA."""
    px = np.array(page.page.evaluate(PIXELS, [page.handle(), x, y, layer])).reshape(9, 4)
    return px[np.argmax(px[:, 3])]


# ---------------------------------------------------------------------------------------------
# 1. a beat dims the other runs, as the video's hold (kit.story.Emphasis)
# ---------------------------------------------------------------------------------------------
def test_each_beat_dims_what_its_emphasis_dims(saddle: dict[str, Any]) -> None:
    """The runs a beat dims are the scene's own: Emphasis on the beat's subject among
    beat_subjects, every other subject, by run; the factors are Emphasis's."""
    from descent.scenes.kit.story import TEXT_DIM, Emphasis

    payload = saddle["dark"]["payload"]
    cap = player.capture(saddle["cls"])
    beats = player._beat_objects(cap.scene)
    subjects = cap.scene.tracks
    dims = 0
    for beat, entry in zip(beats, payload["beats"], strict=True):
        if beat.subject is None:
            assert "dim" not in entry
            continue
        mark = Emphasis(subjects[beat.subject], subjects, cap.scene.theme)
        want = [i for i, t in enumerate(cap.tracks) if any(t is m for m in mark.others)]
        got = [i for a, b in entry["dim"] for i in range(a, b + 1)]
        assert got == want and beat.subject not in got, (beat.name, got, want)
        dims += 1
    assert dims >= 2
    assert payload["emphasis"] == {
        "dim": Emphasis.__init__.__kwdefaults__["dim"],
        "text": TEXT_DIM,
        "trail": True,  # a track's trail is part of the track: it dims with the dot
    }


@needs_chromium
def test_noise_escape_beats_dim_the_swarm_and_ring_the_tally(
    browser: Any,  # noqa: F811 (the fixture)
    tmp_path: Any,
) -> None:
    """NoiseEscape's beats mark one noisy particle or the escaped tally's dot: the other
    noisy particles dim, the clean side's do not, and the payload says so in a few numbers;
    the tally's dot (no run: it stands still) gets the video's ring where it stands, in the
    text's colour, while its beat is shown."""
    from descent.scenes.kit.story import Emphasis

    cls = get_scene("NoiseEscape")
    payload = player.build_payload(cls)
    cap = player.capture(cls)
    subjects = cap.scene.subjects
    noisy = {id(m) for m in subjects}
    marks = 0
    for beat, entry in zip(player._beat_objects(cap.scene), payload["beats"], strict=True):
        if beat.subject is None:
            continue
        got = {i for a, b in entry["dim"] for i in range(a, b + 1)}
        want = {
            i
            for i, t in enumerate(cap.tracks)
            if id(t) in noisy and t is not subjects[beat.subject]
        }
        assert got == want, beat.name
        assert len(entry["dim"]) <= 3  # ranges, not one number a particle
        if not any(subjects[beat.subject] is t for t in cap.tracks):
            ring = Emphasis(subjects[beat.subject], [], cap.scene.theme).ring
            x, y = player.to_pixels(np.asarray(ring.get_center()), cap.size, cap.frame)
            radius = ring.width / 2 * cap.size[0] / cap.frame[0]
            assert np.allclose(entry["mark"], [x, y, radius], atol=0.5), (entry["mark"], x, y)
            marks += 1
    assert marks >= 1
    path = tmp_path / "noise.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page = Page(browser, path, viewport=(1280, 720))
    beat = next(b for b in payload["beats"] if b.get("mark"))
    x, y, radius = beat["mark"]
    page.js(f"p.seek({beat['step']});")
    top = _peak(page, x, y - radius)
    assert top[3] >= 200 and np.abs(top[:3] - rgb(payload["theme"]["text"])).max() <= 40, top
    later = next((b["step"] for b in payload["beats"] if b["step"] > beat["until"]), None)
    page.js(f"p.seek({later if later is not None else beat['until'] + 1});")
    assert _peak(page, x, y - radius)[3] < 100
    # a beat on a particle dims the tally's dot too (a subject; still, in the background):
    # the page's colour over it at 1 − Emphasis.dim, only while that beat is shown
    veiled = [b for b in payload["beats"] if b.get("veil")]
    assert veiled and all(b.get("dim") for b in veiled)
    beat = veiled[0]
    vx, vy, _ = beat["veil"][0]
    assert np.hypot(vx - x, vy - y) < 1.0  # the tally's dot
    page.js(f"p.seek({beat['step']});")
    over = _peak(page, vx, vy)
    factor = payload["emphasis"]["dim"]
    assert abs(over[3] - 255 * (1 - factor)) <= 6, over
    assert np.abs(over[:3] - rgb(payload["theme"]["background"])).max() <= 6, over
    page.check_clean()


@needs_chromium
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_dimmed_runs_dot_and_trail_fade_during_the_beat(
    browser: Any,  # noqa: F811 (the fixture)
    saddle: dict[str, Any],
    theme: str,
) -> None:
    """At a beat's step the runs it dims are drawn at Emphasis.dim of their opacity (the dot
    and its trail), the subject at full opacity; a step later, past the beat, at full again."""
    payload, path = saddle[theme]["payload"], saddle[theme]["path"]
    page = Page(browser, path, viewport=(1280, 720))
    factor = payload["emphasis"]["dim"]
    checked = 0
    for beat in payload["beats"]:
        if not beat.get("dim") or beat["until"] != beat["step"]:
            continue
        t = int(beat["step"])
        subject = beat["ring"][0]
        for k in (i for a, b in beat["dim"] for i in range(a, b + 1)):
            here, other = _xy(payload, k)[t], _xy(payload, subject)[t]
            radius = payload["runs"][k]["radius"]
            if np.hypot(*(here - other)) < beat["ring"][1] + 3 * radius:
                continue  # under the subject's ring: not a clean read
            page.js(f"p.seek({t});")
            during = _peak(page, *here)
            page.js(f"p.seek({t + 1});")
            after = _peak(page, *_xy(payload, k)[t + 1])
            # the dot's fill: opaque outside the beat, Emphasis.dim of it during it
            assert after[3] == 255, after
            assert abs(during[3] - 255 * factor) <= 6, (beat["name"], during, factor)
            assert np.abs(during[:3] - rgb(payload["runs"][k]["color"])).max() <= 12
            # the subject's own dot is not dimmed
            page.js(f"p.seek({t});")
            assert _peak(page, *other)[3] == 255
            checked += 1
    assert checked >= 1
    # the trail of a dimmed run: its newest recorded piece at Emphasis.dim of its tier
    beat = next(b for b in payload["beats"] if b.get("dim") and b["step"] >= 4)
    t, k = int(beat["step"]), beat["dim"][0][0]
    xy = _xy(payload, k)
    piece = (xy[t - 2] + xy[t - 1]) / 2
    if np.hypot(*(xy[t - 1] - xy[t - 2])) > 4 and np.hypot(*(piece - xy[t])) > 8:
        width, opacity = payload["tiers"][-1]
        page.js(f"p.seek({t});")
        dim = _peak(page, *piece, layer="trails")[3]
        page.js(f"p.seek({t - 0.5});")  # before the beat: same tiers (the same step reached)
        full = _peak(page, *piece, layer="trails")[3]
        assert abs(full - 255 * opacity) <= 12, (full, opacity)
        assert abs(dim - 255 * opacity * factor) <= 12, (dim, opacity, factor)
    page.check_clean()


# ---------------------------------------------------------------------------------------------
# 2. the annotations a scene lays over its plot are in the player's picture
# ---------------------------------------------------------------------------------------------
def _background(payload: dict[str, Any]) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    data = payload["image"].split(",", 1)[1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"), np.int16)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_saddle_escape_annotations_are_in_the_picture(
    saddle: dict[str, Any], theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SaddleEscape lays the saddle's mark, its name and four "uphill"/"downhill" signs over
    its plot (add_layered in before_run: the video shows them from the first frame, under
    the runs). The player's picture has them: the scene's own strings, each where the
    video puts it (its box mapped to pixels) in the theme's text colour; without them the
    picture differs from the player's only inside their boxes."""
    from descent.scenes.kit.theme import get_theme

    payload = saddle[theme]["payload"]
    cap = player.capture(saddle["cls"], theme=theme)
    over = player._over_plots(cap.layered, cap.areas, cap.tracks)
    parts = [m for m in cap.layered if id(m) in over]
    words = sorted(
        str(f.text)
        for m in parts
        for f in m.get_family()
        if isinstance(getattr(f, "text", None), str)
    )
    assert words == sorted(["saddle", "↓ downhill", "↑ downhill", "← uphill", "uphill →"]), words
    with_them = _background(payload)
    monkeypatch.setattr(player, "_over_plots", lambda *a: set())
    without = _background(player.build_payload(saddle["cls"], theme=theme))
    assert with_them.shape == without.shape
    changed = np.abs(with_them - without).max(-1) > 40
    inside = np.zeros_like(changed)
    ink = rgb(get_theme(theme).text)
    for m in parts:
        lo = player.to_pixels(np.asarray(m.get_corner([-1, 1, 0])), cap.size, cap.frame)
        hi = player.to_pixels(np.asarray(m.get_corner([1, -1, 0])), cap.size, cap.frame)
        x0, y0 = np.floor(lo).astype(int) - 3
        x1, y1 = np.ceil(hi).astype(int) + 3
        inside[y0:y1, x0:x1] = True
        box = with_them[y0:y1, x0:x1]
        # drawn there, in the theme's text colour
        assert changed[y0:y1, x0:x1].sum() >= 20, m
        assert (np.abs(box - ink).max(-1) <= 40).sum() >= 10, m
    assert not (changed & ~inside).any(), np.argwhere(changed & ~inside)[:5]


# ---------------------------------------------------------------------------------------------
# 3. trails fade in the video's tiers
# ---------------------------------------------------------------------------------------------
@needs_chromium
def test_trail_tiers_are_the_tracks_own(browser: Any, saddle: dict[str, Any]) -> None:  # noqa: F811
    """The tiers' widths and opacities are the track's trail parts'; at every step the
    script cuts the trail where Track.update_to cuts it (round half to even of j·(n+1)/3),
    and on the canvas an old piece is drawn at the oldest tier's opacity, a new one at the
    newest's."""
    payload, path = saddle["dark"]["payload"], saddle["dark"]["path"]
    cap = player.capture(saddle["cls"])
    track = cap.tracks[0]
    assert payload["tiers"] == [
        [round(float(p.get_stroke_width()), 3), round(float(p.get_stroke_opacity()), 3)]
        for p in track.trail_parts
    ]
    assert payload["tiers"][0][1] < payload["tiers"][-1][1]
    assert payload["tiers"][0][0] < payload["tiers"][-1][0]
    page = Page(browser, path, viewport=(1280, 720))
    n_steps = len(track.screen) - 1
    for n in range(n_steps):
        track.update_to(n + 0.5)
        got = page.js(f"return p.trailCuts(p.runs[0], {n});")
        for j, part in enumerate(track.trail_parts):
            pieces = len(part.points) // 4
            if got[j + 1] > got[j]:  # a tier with pieces: the same pieces
                assert pieces == got[j + 1] - got[j], (n, j, got)
                assert np.allclose(part.points[0], track.screen[got[j]]), (n, j)
    track.update_to(0.0)
    # on the canvas, the first run alone (the others hidden from the legend: both runs
    # start on one line): at step 4 a piece of the oldest tier and one of the newest. The
    # ink within 3 px of a piece's middle is its opacity × its width (px) × 6 px of line
    rows = page.root().locator(".dp-row")
    for j in range(1, rows.count()):
        rows.nth(j).click()
    xy = _xy(payload, 0)
    t = 4
    page.js(f"p.seek({t});")
    cuts = page.js(f"return p.trailCuts(p.runs[0], {t});")
    unit = payload["size"][0] / 1422.2  # px per Manim stroke width (0.01 scene units)
    for tier, piece in ((0, cuts[0]), (len(cuts) - 2, t - 1)):
        assert cuts[tier] <= piece < cuts[tier + 1], (tier, piece, cuts)
        assert np.hypot(*(xy[piece + 1] - xy[piece])) >= 9  # long enough to read 6 px of it
        mid = (xy[piece] + xy[piece + 1]) / 2
        width, opacity = payload["tiers"][tier]
        ink = page.page.evaluate(INK, [page.handle(), *mid, 3.0])
        want = opacity * width * unit * 6.0
        assert abs(ink - want) <= 0.2 * want, (tier, ink, want)
    page.check_clean()


# ---------------------------------------------------------------------------------------------
# 4. Surface3D: between steps a ball rolls over the surface, as the video's
# ---------------------------------------------------------------------------------------------
@needs_chromium
def test_surface_3d_ball_rolls_over_the_surface_between_steps(
    browser: Any,  # noqa: F811 (the fixture)
    tmp_path: Any,
) -> None:
    """Between two steps the video's ball moves over the surface's samples (Surface3D:
    partial_path over the lifted samples), not along the chord on screen: at half steps the
    player's ball is where the video's camera projects the video's ball, within 1 px, where
    the chord is off by more for some step."""
    cls = get_scene("Surface3D")
    payload = player.build_payload(cls)
    path = tmp_path / "surface.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page = Page(browser, path)
    cap = player.capture(cls)
    scene, camera = cap.scene, cap.scene.renderer.camera
    movers = [m for m in scene.mobjects if any(f.updaters for f in m.get_family())]
    assert all("ball" in r for r in payload["runs"])
    # a beat dims the other balls, not their trails (no part of a ball), as the video's
    assert payload["emphasis"]["trail"] is False
    assert any(b.get("dim") for b in payload["beats"])
    for run, ball in zip(payload["runs"], scene.subjects, strict=True):  # as stroked
        colour = ball.get_color().to_hex().upper()
        trail = next(
            m
            for m in movers
            if not m.submobjects
            and m.get_stroke_width() > 0
            and m.get_stroke_color().to_hex().upper() == colour
        )
        assert run["tiers"] == [[trail.get_stroke_width(), trail.get_stroke_opacity()]]
    worst_chord, checked = 0.0, 0
    for k in range(len(payload["runs"])):
        xy = _xy(payload, k)
        moves = np.hypot(*np.diff(xy, axis=0).T)
        for t in np.argsort(moves)[-4:]:  # the longest steps on screen
            s = float(t) + 0.5
            scene.clock.tracker.set_value(scene.clock.alpha_of(s))
            for m in movers:
                m.update(0)
            centre = np.asarray(scene.subjects[k].get_center(), float)
            video = player.to_pixels(camera.project_points(centre[None]), cap.size, cap.frame)[0]
            got = np.array(page.js(f"return p.pointAt(p.runs[{k}], {s});"))
            assert np.abs(got - video).max() <= 1.0, (k, s, got, video)
            worst_chord = max(worst_chord, float(np.abs((xy[t] + xy[t + 1]) / 2 - video).max()))
            checked += 1
    assert checked >= 4
    assert worst_chord > 1.0, worst_chord  # the straight line on screen would be off
    page.check_clean()


@needs_chromium
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_runs_are_layered_as_the_video_layers_its_tracks(
    browser: Any,  # noqa: F811 (the fixture)
    saddle: dict[str, Any],
    theme: str,
) -> None:
    """SaddleEscape's storyboard adds its tracks reversed: SGD (the first run) is drawn over
    Momentum. Both start at (1.8, 0.001): at step 0 the dot there is SGD's, and at step 20 the
    trail along y = 0 that both runs took is SGD's colour (finding 14: it was Momentum's)."""
    payload, path = saddle[theme]["payload"], saddle[theme]["path"]
    assert payload["order"] == [1, 0]
    page = Page(browser, path, viewport=(1280, 720))
    sgd, momentum = (rgb(r["color"]) for r in payload["runs"])
    start = _xy(payload, 0)[0]
    assert np.abs(_xy(payload, 1)[0] - start).max() < 0.5
    page.js("p.seek(0);")
    top = _peak(page, *start)
    assert np.abs(top[:3] - sgd).max() <= 12 < np.abs(top[:3] - momentum).max(), top
    # a recorded piece of SGD's trail that Momentum's trail covers too, away from both dots
    t = 20
    xy, other = _xy(payload, 0), _xy(payload, 1)
    page.js(f"p.seek({t});")
    checked = 0
    for i in range(2, t - 2):
        mid = (xy[i] + xy[i + 1]) / 2
        on_other = min(
            np.hypot(*(mid - (other[j] + (other[j + 1] - other[j]) * f)))
            for j in range(t)
            for f in np.linspace(0, 1, 9)
        )
        far = min(np.hypot(*(mid - xy[t])), np.hypot(*(mid - other[t])))
        if on_other < 0.5 and far > 10:
            px = _peak(page, *mid, layer="trails")  # SGD's tier over Momentum's: nearer SGD
            assert np.abs(px[:3] - sgd).sum() < np.abs(px[:3] - momentum).sum(), (i, px)
            checked += 1
    assert checked >= 1
    page.check_clean()


@needs_chromium
def test_nesterov_opening_chapter_and_the_panel_beats_ring(
    browser: Any,  # noqa: F811 (the fixture)
    tmp_path: Any,
) -> None:
    """NesterovCorrection starts "the look-ahead" (its narration over the opening anatomy)
    before its first play: the player's first chapter, at step 0, with the scene's words
    (review4 #1: the chapters started at step 6, the narration was empty at step 0). Its
    tolerance beat marks the run's point on the distance panel (beat_subjects), so the map
    gets no ring and no run dims there (review4 #22: the ring covered the star and both dots)."""
    cls = get_scene("NesterovCorrection")
    payload = player.build_payload(cls)
    cap = player.capture(cls)
    logged = {name: (say, at) for name, say, _, at in cap.scene.beat_log}
    first = payload["beats"][0]
    assert first["name"] == "the look-ahead" and first["step"] == logged["the look-ahead"][1] == 0
    assert first["say"] == logged["the look-ahead"][0] == cls.lookahead_text()
    assert [b["step"] for b in payload["beats"]] == sorted(b["step"] for b in payload["beats"])
    beats = player._beat_objects(cap.scene)
    for beat, entry in zip(beats, payload["beats"], strict=True):
        if any(e.kind == "tolerance" for e in getattr(beat, "events", ())):
            assert "ring" not in entry and "dim" not in entry, entry
            marked = cap.scene.beat_subjects(beat, cap.scene.tracks)[beat.subject]
            assert not any(marked is t for t in cap.tracks)  # a point on the panel
        elif beat.subject is not None:
            assert "ring" in entry
    path = tmp_path / "nesterov.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page = Page(browser, path, viewport=(1280, 720))
    chapters = page.root().locator(".dp-chapter")
    assert chapters.count() == len(payload["beats"])
    assert chapters.first.inner_text() == "1 the look-ahead"
    page.js("p.seek(0); p.readouts();")
    assert page.root().locator(".dp-say").inner_text() == first["say"]
    page.check_clean()


@needs_chromium
def test_the_pins_words_are_written_in_the_videos_text_ink(
    browser: Any,  # noqa: F811 (the fixture)
    saddle: dict[str, Any],
) -> None:
    """SaddleEscape, light: the video writes Momentum's "out of view" in its colour darkened
    to 4.5:1 (kit.theme.text_color: #B85E00 for #DB7B19); so does the player (review4 #25:
    it wrote the run's own orange, 3.06:1 on white)."""
    from descent.scenes.kit.theme import get_theme, text_color

    payload, path = saddle["light"]["payload"], saddle["light"]["path"]
    light = get_theme("light")
    run = next(
        r
        for r in payload["runs"]
        if r.get("marks") and text_color(r["color"], light).upper() != r["color"].upper()
    )
    ink = text_color(run["color"], light).upper()
    assert run["marks"]["ink"] == ink != run["color"].upper()
    tag = decoded(payload, run["marks"]["tag"]).astype(int)
    at = decoded(payload, run["marks"]["at"]).reshape(-1, 4)
    quiet = [
        t
        for t in np.flatnonzero(tag)
        if not any(b["step"] <= t <= b["until"] and b.get("dim") for b in payload["beats"])
    ]
    t = int(quiet[0])
    page = Page(browser, path, viewport=(1280, 720))
    page.js(f"p.seek({t});")
    width = run["marks"]["widths"][tag[t] - 1]
    x, y = at[t, :2]
    px = np.array(
        page.page.evaluate(
            """([root, x0, y0, w, h]) => { const p = root.descent, c = p.ctx,
              k = c.canvas.width / p.data.size[0];
              return Array.from(c.getImageData(Math.round(x0 * k), Math.round(y0 * k),
                Math.round(w * k), Math.round(h * k)).data); }""",
            [page.handle(), x - width / 2, y - 8, width, 16],
        )
    ).reshape(-1, 4)
    solid = px[px[:, 3] > 240, :3]
    assert (np.abs(solid - rgb(ink)).max(-1) <= 16).sum() >= 10
    assert (np.abs(solid - rgb(run["color"])).max(-1) <= 8).sum() == 0
    page.check_clean()


@needs_chromium
def test_nesterov_opening_anatomy_is_drawn_and_held(
    browser: Any,  # noqa: F811 (the fixture)
    tmp_path: Any,
) -> None:
    """NesterovCorrection's narrated opening (review4 #1): what each of its plays adds (the
    caption, each run's momentum and gradient arrows, Nesterov's ring, the run's name), as
    Manim draws it over the background, at the steps it explains; paused at a step the
    player shows the last run's anatomy there, pixel for pixel; playing holds each step for
    the video's seconds there. SaddleEscape (no opening) has none."""
    import base64
    import io
    import time

    from PIL import Image

    assert "opening" not in player.build_payload(get_scene("SaddleEscape"))
    cls = get_scene("NesterovCorrection")
    payload = player.build_payload(cls)
    opening = payload["opening"]
    steps = sorted({s["step"] for s in opening["states"]})
    assert set(cls.explained_steps) <= set(steps)
    path = tmp_path / "nesterov.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page = Page(browser, path, viewport=(1280, 720))
    t = cls.explained_steps[1]
    at = [s for s in opening["states"] if s["step"] == t]
    shown = [s for s in at if s.get("image") is not None and s["image"] != at[0].get("image")][-1]
    data = opening["images"][shown["image"]].split(",", 1)[1]
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA"), int)
    assert image.shape[0] > 40 and image.shape[1] > 40
    page.js(f"p.seek({t});")
    assert page.js(f"return p.openingAt({t}).image;") == shown["image"]
    x0, y0 = shown["at"]
    canvas = np.array(
        page.page.evaluate(
            """([root, x, y, w, h]) => { const c = root.descent.ctx;
              return Array.from(c.getImageData(x, y, w, h).data); }""",
            [page.handle(), x0, y0, image.shape[1], image.shape[0]],
        )
    ).reshape(image.shape)
    solid = image[..., 3] == 255
    assert solid.sum() > 200
    assert np.abs(canvas[solid][:, :3] - image[solid][:, :3]).max(-1).mean() <= 6
    # past the opening: nothing of it
    assert page.js(f"const s = p.openingAt({steps[-1] + 2}); return s && s.image;") is None
    # playing: held at the step for the video's seconds there (its pace's hold, at 4×)
    knots = list(zip(payload["pace"]["time"], payload["pace"]["step"], strict=True))
    seconds = sum(b[0] - a[0] for a, b in itertools.pairwise(knots) if a[1] == b[1] == t) / 4
    assert seconds > 1.0
    page.js(f"p.seek({t - 0.5}); p.speed = 4; p.play();")
    end = time.monotonic() + 5
    while page.js("return p.t;") != t:
        assert time.monotonic() < end
        time.sleep(0.01)
    t0 = time.monotonic()
    while page.js("return p.t;") == t and time.monotonic() - t0 < seconds + 3:
        time.sleep(0.02)
    assert time.monotonic() - t0 >= 0.9 * seconds, (time.monotonic() - t0, seconds)
    page.js("p.pause();")
    page.check_clean()
