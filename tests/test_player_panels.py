"""The player's side panels and read-outs are the video's (issue #22): AdaptiveSteps' live
update rule and Adam's per-coordinate bars, legend names, NoiseEscape's rounded-away step.

Playwright's Python package driving Debian's Chromium, offline; the numbers each test
checks against are computed here from the recorded run (``update_terms``), not read back
from the payload.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from descent.renders import player
from descent.scenes import get_scene

sync_api = pytest.importorskip("playwright.sync_api")
import test_player  # noqa: E402

browser = test_player.browser  # test_player's Chromium, one per module (a fixture)


@pytest.fixture(scope="module")
def adaptive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """AdaptiveSteps' player in both themes, and the run the video draws its rule from."""
    cls = get_scene("AdaptiveSteps")
    folder = tmp_path_factory.mktemp("panels")
    out: dict[str, Any] = {"cls": cls, "traj": cls.simulate()[1][0]}
    for theme in ("dark", "light"):
        payload = player.build_payload(cls, theme=theme)
        path = folder / f"{theme}.html"
        path.write_text(player.player_html(payload), encoding="utf-8")
        out[theme] = {"payload": payload, "file": path}
    return out


#: the canvas pixel (RGBA) at payload px ``[x, y]`` (the canvas may be drawn at a larger scale)
CANVAS_PIXEL = """([x, y]) => {
  const c = document.querySelector('.dp-canvas'), p = c.getContext('2d');
  const s = c.width / JSON.parse(document.querySelector('.descent-data').textContent).size[0];
  return Array.from(p.getImageData(Math.round(x * s), Math.round(y * s), 1, 1).data);
}"""


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    """A 1280×720 page of ``path`` that may fetch nothing else, once its player is ready."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            problems.append("request " + r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    end = time.monotonic() + 15
    while page.evaluate("() => document.querySelector('.descent-player').dataset.ready") != "1":
        assert time.monotonic() < end, f"the player never became ready: {problems}"
        time.sleep(0.05)
    return page, problems


def shown_at_rest(t: int, last: int) -> int:
    """The update the video's rule shows when its clock rests on step ``t``
    (kit.rules.shown_update): the one that brought the dot there; update 0 at step 0."""
    return min(max(t - 1, 0), last)


BARS = """() => {
  const box = document.querySelector('.dp-bars');
  return {
    update: Number(box.dataset.update),
    rows: [...box.querySelectorAll('.dp-bars-row')].map(r => ({
      tag: r.querySelector('.dp-bars-tag').textContent,
      track: r.querySelector('.dp-bars-track').getBoundingClientRect().width,
      outer: r.querySelector('.dp-bars-outer').getBoundingClientRect().width,
      inner: r.querySelector('.dp-bars-inner').getBoundingClientRect().width,
      outerH: r.querySelector('.dp-bars-outer').getBoundingClientRect().height,
      innerH: r.querySelector('.dp-bars-inner').getBoundingClientRect().height,
      text: r.querySelector('.dp-bars-text').textContent,
      innerColour: getComputedStyle(r.querySelector('.dp-bars-inner')).backgroundColor,
    })),
    rule: [...document.querySelectorAll('.dp-rule-grid span')].map(s => s.textContent),
    head: document.querySelector('.dp-rule-head').textContent,
  };
}"""


def rgb(hex_: str) -> str:
    h = hex_.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def test_adaptive_steps_payload_rule_and_bars_are_the_videos_own(adaptive: dict) -> None:
    """The rule's numbers and the bars' lengths at every step are what the video's own
    UpdateRule and CoordinateBars draw there: the update that brought the dot to the step
    (t − 1), Adam's |m̂| and √v̂ of that update (from torch's recorded state) on one scale,
    the longest bar of the whole run being full length."""
    from descent.engine.rules import update_terms
    from descent.scenes.kit.rules import rule_lines
    from descent.scenes.kit.text import fmt_value

    traj = adaptive["traj"]
    payload = adaptive["dark"]["payload"]
    rule, last = payload["rule"], traj.steps - 1
    buf = _buffer(payload)
    terms = [update_terms(traj, u) for u in range(traj.steps)]
    m_hat = np.abs([tm.values["m̂"] for tm in terms])
    root_v = np.array([tm.values["√v̂"] for tm in terms])
    full = float(np.max(np.maximum(m_hat, root_v)))
    assert rule["header"] == f"torch's update, {traj.label}"
    assert rule["rules"] == [r for r, _ in rule_lines(traj, 0)]
    bars = rule["bars"]
    assert bars["names"] == ["x", "y"] and bars["full"] == pytest.approx(full, rel=1e-6)
    lengths = _read(buf, bars["lengths"]).reshape(payload["steps"] + 1, 2, 2)
    for t in range(payload["steps"] + 1):
        u = shown_at_rest(t, last)
        for k, n in enumerate(rule["numbers"]):
            assert _string(buf, n, t) == rule_lines(traj, u)[k][1], (t, k)
        for i in range(2):
            assert lengths[t, i, 0] == pytest.approx(root_v[u, i] / full, abs=1e-5)
            assert lengths[t, i, 1] == pytest.approx(max(m_hat[u, i] / full, 1e-3 / 2.4), abs=1e-5)
            ratio = abs(float(terms[u].values["step"][i])) / float(terms[u].hyper["lr"])
            assert _string(buf, bars["texts"][i], t) == f"|step| {fmt_value(ratio)}·lr"
    # Adam's point, in the numbers: y's bars are far longer than x's, their ratio near 1
    assert lengths[1, 1, 0] > 3 * lengths[1, 0, 0]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_adaptive_steps_bars_in_the_player_are_the_numbers_in_pixels(
    browser: Any, adaptive: dict, theme: str
) -> None:
    """After seeking to step t (and between steps: the update under way, as the video), each
    coordinate's grey bar is √v̂ / max of the track's width in pixels and its coloured bar
    |m̂| / max (within 1 px), in the run's colour; the |step| text and every line of the
    rule are the video's; the texts have 4.5:1 contrast on the page."""
    from descent.engine.rules import update_terms
    from descent.scenes.kit.rules import rule_lines
    from descent.scenes.kit.text import fmt_value
    from descent.scenes.kit.theme import contrast_ratio

    traj, entry = adaptive["traj"], adaptive[theme]
    payload, last = entry["payload"], traj.steps - 1
    full = payload["rule"]["bars"]["full"]
    page, problems = open_page(browser, entry["file"])
    seen = []
    for t, u in ((0, 0), (6, 5), (6.5, 6), (20, 19), (payload["steps"], last)):
        page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({t})")
        got = page.evaluate(BARS)
        terms = update_terms(traj, u)
        assert got["update"] == u, (t, got["update"])
        assert got["head"] == f"torch's update, {traj.label}"
        assert got["rule"][1::2] == [n for _, n in rule_lines(traj, u)], t
        for i, row in enumerate(got["rows"]):
            assert row["tag"] == "xy"[i]
            want_outer = float(terms.values["√v̂"][i]) / full * row["track"]
            want_inner = abs(float(terms.values["m̂"][i])) / full * row["track"]
            assert abs(row["outer"] - want_outer) <= 1.0, (t, i, row, want_outer)
            assert abs(row["inner"] - max(want_inner, 0.0)) <= 1.0, (t, i, row, want_inner)
            assert row["innerH"] == pytest.approx(0.55 * row["outerH"], abs=1.0)
            ratio = abs(float(terms.values["step"][i])) / float(terms.hyper["lr"])
            assert row["text"] == f"|step| {fmt_value(ratio)}·lr"
            assert row["innerColour"] == rgb(payload["runs"][0]["color"])
        seen.append(got["rows"][1]["outer"])
    assert len(set(seen)) > 2  # the bars move with the clock
    rule = payload["rule"]
    page_colour = payload["theme"]["background"]
    for colour in (rule["color"], rule["header_color"], rule["bars"]["name_color"]):
        assert contrast_ratio(colour, page_colour) >= 4.5, colour
    assert contrast_ratio(rule["bars"]["text_color"], page_colour) >= 4.5
    # the legend row is the run's name, as the video's legend writes it
    name = page.evaluate("() => document.querySelector('.dp-row .dp-name').textContent")
    assert name == "Adam (lr 0.3)"
    page.locator(".dp-row").first.click()  # the run hidden: its rule and bars too
    assert page.evaluate("() => document.querySelector('.dp-rule').hidden") is True
    page.locator(".dp-row").first.click()
    assert page.evaluate("() => document.querySelector('.dp-rule').hidden") is False
    assert problems == []
    page.close()


def test_a_heading_over_one_plot_is_no_runs_name() -> None:
    """A text over a single plot (AdaptiveSteps' "arrows: directions only") does not rename
    the legend row; a label over two plots (NoiseEscape) takes each plot's heading."""
    adaptive = player.build_payload(get_scene("AdaptiveSteps"))
    assert [r["group_name"] for r in adaptive["runs"]] == ["Adam (lr 0.3)"]
    noise = player.build_payload(get_scene("NoiseEscape"))
    names = list(dict.fromkeys(r["group_name"] for r in noise["runs"] if "hollow" not in r))
    assert names == ["with gradient noise (σ = 170)", "without noise"]


def test_noise_escape_rounded_away_step_is_said_in_words_in_the_player(browser: Any) -> None:
    """At a step where the clean particle's update rounds away in float32, the player writes
    the video's two lines (no "Δw 0 = −lr·(f′ 6.1e−5)"): the step's size and float32's
    spacing at w, from the run's numbers."""
    from descent.scenes.kit.rules import num
    from descent.scenes.noise_escape import escaped

    cls = get_scene("NoiseEscape")
    noisy, clean = cls.data()
    out = escaped(noisy)
    follow = int(np.argmax(out.any(1) * (noisy.steps + 1 - out.argmax(1))))
    run = clean.particle(follow)
    t = next(t for t in range(1, run.steps + 1) if cls.lost_step(run, t) is not None)
    step, spacing, w = cls.lost_step(run, t)
    w32 = np.float32(run.params[t - 1, 0])
    assert np.float32(w32 + np.float32(step)) == w32 and abs(step) <= spacing / 2
    payload = player.build_payload(cls)
    path = Path(__import__("tempfile").mkdtemp(prefix="descent-panels-")) / "noise.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({t})")
    said = page.evaluate("() => document.querySelector('.dp-said').textContent").split("\n")
    assert f"○ Δw 0: −lr·f′ = {num(step)} is under half" in said
    assert f"  float32's spacing at w = {num(w)} ({num(spacing)})" in said
    assert not any("Δw 0 =" in s for s in said)
    assert problems == []
    page.close()


# -- reading the payload's buffer here (as player.js does) ---------------------------------------
def _buffer(payload: dict) -> bytes:
    import base64
    import zlib

    return zlib.decompress(base64.b64decode(payload["arrays"]))


def _read(buf: bytes, ref: dict) -> np.ndarray:
    dtype = np.dtype({"f4": "<f4", "u2": "<u2", "i2": "<i2", "i4": "<i4", "u1": "u1"}[ref["t"]])
    raw = buf[ref["o"] : ref["o"] + ref["n"] * dtype.itemsize]
    if ref.get("s"):  # bytes grouped by significance
        raw = np.frombuffer(raw, np.uint8).reshape(dtype.itemsize, ref["n"]).T.tobytes()
    out = np.frombuffer(raw, dtype).astype(np.float64)
    if ref.get("d"):
        out = np.cumsum(out.reshape(-1, ref["d"]), axis=0).ravel()
    return out


def _string(buf: bytes, ref: dict, t: int) -> str:
    lines = bytes(_read(buf, ref["lines"]).astype(np.uint8)).decode().split("\n")
    index = _read(buf, ref["index"]).astype(int)
    return lines[index[min(t, len(index) - 1)]]


def test_sweep_tints_the_tile_whose_run_left_for_good(browser: Any, tmp_path: Path) -> None:
    """The video washes a tile in colour and writes "diverging" from the step its run leaves
    the view for good (kit.sweeps.left_for_good); the player does the same from that step,
    not before: the canvas's pixel in the tile's corner is the tint's colour at its opacity."""
    from descent.scenes.kit.sweeps import left_for_good

    cls = get_scene("Sweep")
    payload = player.build_payload(cls)
    _, result = cls().run_sweep()
    [tint] = payload["tints"]
    runs = [r for r in payload["runs"] if r.get("tile")]
    gone = [
        left_for_good(np.asarray(_read(_buffer(payload), r["out"]), bool), result.diverged_at[i])
        for i, r in zip(np.ndindex(*result.shape), runs, strict=True)
    ]
    assert [g for g in gone if g is not None] == [tint["from"]] and tint["word"] == "diverging"
    path = tmp_path / "sweep.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    probe = CANVAS_PIXEL
    corner = [tint["box"][2] - 3, tint["box"][3] - 3]
    for t, shown in ((tint["from"] - 1, False), (tint["from"], True), (payload["steps"], True)):
        page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({t})")
        pixel = page.evaluate(probe, corner)
        said = page.evaluate("() => document.querySelector('.dp-said').textContent")
        assert ("diverging" in said.split("\n")) is shown, (t, said)
        if shown:
            want = [int(tint["color"][i : i + 2], 16) for i in (1, 3, 5)]
            assert max(abs(a - b) for a, b in zip(pixel[:3], want, strict=True)) <= 2, pixel
            assert abs(pixel[3] - 255 * tint["opacity"]) <= 2, pixel
        else:
            assert pixel[3] == 0, (t, pixel)
    assert problems == []
    page.close()


def test_static_marks_over_a_plot_are_in_the_players_picture() -> None:
    """SaddleEscape lays its saddle's name, ring and "↑ downhill" signs over the plot with
    ``add_layered`` (nothing moves them): the player's background has them, in the text's
    colour where each word is; FitLine's static legend (beside the plots) is not in it."""
    from descent.scenes.kit.theme import get_theme

    cap = player.capture(get_scene("SaddleEscape"))
    words = {getattr(m, "text", None): m for m in cap.layered if getattr(m, "text", None)}
    assert {"saddle", "↓ downhill", "↑ downhill", "← uphill", "uphill →"} <= set(words)
    image = np.asarray(cap.image, np.int16)
    ink = np.array([int(get_theme("dark").text[i : i + 2], 16) for i in (1, 3, 5)])
    for text, m in words.items():
        corners = player.to_pixels(np.array([m.get_corner([-1, 1, 0]), m.get_corner([1, -1, 0])]),
                                   cap.size, cap.frame)  # fmt: skip
        (x0, y0), (x1, y1) = np.floor(corners[0]).astype(int), np.ceil(corners[1]).astype(int)
        patch = image[y0:y1, x0:x1]
        glyphs = (np.abs(patch - ink).max(-1) < 40).sum()
        assert glyphs > 0.08 * patch.shape[0] * patch.shape[1], (text, glyphs, patch.shape)
    fit = player.capture(get_scene("FitLine"))
    legend = [m for m in fit.layered if not any(f.updaters for f in m.get_family())]
    assert legend and player._over_a_plot(legend, fit.areas) == []


def test_a_panel_guide_is_drawn_on_the_players_chart(browser: Any, tmp_path: Path) -> None:
    """NesterovCorrection's distance panel has a dashed line at the tolerance and "within
    0.1" under it (its panel_guides); the player's chart draws both, at log₁₀ of the
    tolerance, in the guide's colour."""
    from descent.scenes.kit.story import number

    cls = get_scene("NesterovCorrection")
    land, _ = cls.simulate()
    tol = cls().tolerance(land)
    payload = player.build_payload(cls)
    guides = payload["panel"]["guides"]
    [line] = [g for g in guides if "line" in g]
    [words] = [g for g in guides if "text" in g]
    assert line["dashed"] and line["line"][1] == pytest.approx(np.log10(tol), abs=1e-4)
    assert line["line"][3] == pytest.approx(np.log10(tol), abs=1e-4)
    assert words["text"] == f"within {number(tol)}"
    path = tmp_path / "nesterov.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate("() => document.querySelector('.descent-player').descent.seek(5)")
    assert (
        page.evaluate("() => document.querySelector('.dp-chart').dataset.guides") == words["text"]
    )
    row = page.evaluate(
        """(v) => {
          const p = document.querySelector('.descent-player').descent, c = p.chart;
          const B = p.chartBoxNow, P = p.data.panel, s = c.width / c.clientWidth;
          const y = B.b - (B.b - B.t) * (v - P.y[0]) / (P.y[1] - P.y[0]);
          const x0 = Math.round((B.l + 0.6 * (B.r - B.l)) * s), w = Math.round(0.3 * (B.r - B.l) * s);
          return Array.from(c.getContext('2d').getImageData(x0, Math.round(y * s), w, 1).data);
        }""",
        float(np.log10(tol)),
    )
    want = [int(line["color"][i : i + 2], 16) for i in (1, 3, 5)]
    pixels = np.array(row).reshape(-1, 4)
    on = (np.abs(pixels[:, :3] - want).max(1) < 60) & (pixels[:, 3] > 100)
    assert 0.25 < on.mean() < 0.9, on.mean()  # dashed: some on, some off
    assert problems == []
    page.close()


def test_fit_line_has_its_loss_panel_and_legend_names(browser: Any, tmp_path: Path) -> None:
    """FitLine's video has a log₁₀ loss panel under its plots and a legend naming each
    run's settings; the player's side has the chart (each run's recorded loss, the panel's
    range and ticks) and the same names."""
    cls = get_scene("FitLine")
    cap = player.capture(cls)  # the video's own legend: rows of a dot and a name
    legend = [
        str(row[1].text)
        for g in cap.layered
        if not any(f.updaters for f in g.get_family())
        for row in g.submobjects
        if len(row.submobjects) == 2 and getattr(row[1], "text", "")
    ]
    payload = player.build_payload(cls)
    panel = payload["panel"]
    assert panel["label"] == "loss" and panel["scale"] == "log" and panel["x_label"] == "step"
    buf = _buffer(payload)
    names = [r["group_name"] for r in payload["runs"]]
    assert names == legend and all(
        n.startswith(r["label"] + " (lr ") for n, r in zip(names, payload["runs"], strict=True)
    )
    for r in payload["runs"]:
        assert r["series"] == r["loss"]  # the recorded loss itself, stored once
        y = _read(buf, r["panel_y"])
        loss = _read(buf, r["loss"])
        lo, hi = panel["y"]
        np.testing.assert_allclose(y, np.clip(np.log10(loss), lo, hi), atol=1e-4)
    path = tmp_path / "fit.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate("() => document.querySelector('.descent-player').descent.seek(100)")
    ticks = page.evaluate("() => document.querySelector('.dp-chart').dataset.ticks")
    assert ticks.split("|")[0] == "x 0" and any(t.startswith("y ") for t in ticks.split("|"))
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.dp-row .dp-name')].map(e => e.textContent)"
    )
    assert shown == names
    assert problems == []
    page.close()


def test_chart_names_each_curve_at_its_end_as_the_video(browser: Any, tmp_path: Path) -> None:
    """OptimizerRace's panel names each curve at its moving end, right of the box, in a
    colour of 4.5:1 on the page; the player's chart writes the same names, top to bottom
    in the order of the curves' ends at that step."""
    from descent.scenes.kit.theme import contrast_ratio

    cls = get_scene("OptimizerRace")
    payload = player.build_payload(cls, theme="light")
    names = payload["panel"]["names"]
    assert [n for n, _ in names] == [r["label"] for r in payload["runs"]]
    for _, colour in names:
        assert contrast_ratio(colour, payload["theme"]["background"]) >= 4.5
    buf = _buffer(payload)
    path = tmp_path / "race.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    for t in (30, payload["steps"]):
        page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({t})")
        shown = page.evaluate("() => document.querySelector('.dp-chart').dataset.names").split("\n")
        ends = [float(_read(buf, r["panel_y"])[t]) for r in payload["runs"]]
        order = [names[k][0] for k in sorted(range(len(ends)), key=lambda k: -ends[k])]
        assert shown == order, (t, shown, order)
    assert problems == []
    page.close()


def test_a_variant_of_one_optimizer_gets_a_legend_row_a_run(browser: Any, tmp_path: Path) -> None:
    """A subclass that runs SGD at three learning rates (one label, three colours): the
    video's legend has a row a run (``SGD (lr 0.05)``...), so the player's has too, each
    with its loss and its own curve in the chart; hiding one hides its curve."""
    from descent.engine import OptimizerSpec

    base = get_scene("LearningRates")
    variant = type(
        "LearningRates3",
        (base,),
        {"optimizers": tuple(OptimizerSpec("SGD", lr=v) for v in (0.05, 0.5, 1.2)),
         "__module__": __name__},
    )  # fmt: skip
    payload = player.build_payload(variant)
    runs = payload["runs"]
    assert [r["group_name"] for r in runs] == ["SGD (lr 0.05)", "SGD (lr 0.5)", "SGD (lr 1.2)"]
    assert len({r["group"] for r in runs}) == 3 and all("series" in r for r in runs)
    path = tmp_path / "lr3.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate("() => document.querySelector('.descent-player').descent.seek(5)")
    rows = page.evaluate(
        "() => [...document.querySelectorAll('.dp-row')].map(r => [r.querySelector('.dp-name')"
        ".textContent, r.querySelector('.dp-value').textContent])"
    )
    assert [n for n, _ in rows] == [r["group_name"] for r in runs]
    assert all(v.startswith("loss ") for _, v in rows)
    ink = """() => { const c = document.querySelector('.dp-chart');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, seen = {};
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 250) seen[d[i] + ',' + d[i + 1] + ',' + d[i + 2]] = 1;
      return Object.keys(seen); }"""
    colour = ",".join(str(int(runs[0]["color"][i : i + 2], 16)) for i in (1, 3, 5))
    assert colour in page.evaluate(ink)
    page.locator(".dp-row").first.click()  # hide SGD (lr 0.05): its curve leaves the chart
    assert colour not in page.evaluate(ink)
    assert problems == []
    page.close()


def test_words_in_a_run_colour_are_written_at_text_contrast(browser: Any, tmp_path: Path) -> None:
    """In the light theme a run's colour can be 3:1 on white (an olive, an orange): the words
    the player writes in it (the chart's "▲ 6.97e+04", the edge pin's "out of view") take
    the colour the video writes them in (kit.theme.text_color: 4.5:1), as every canvas
    fillText of those words shows."""
    from descent.scenes.kit.theme import contrast_ratio

    payload = player.build_payload(get_scene("LearningRates"), theme="light")
    page_colour = payload["theme"]["background"]
    weak = [r for r in payload["runs"] if contrast_ratio(r["color"], page_colour) < 4.5]
    assert weak, "the light theme has a run colour under 4.5:1 (the case this guards)"
    for r in payload["runs"]:
        assert contrast_ratio(r["ink"], page_colour) >= 4.5, r["ink"]
    path = tmp_path / "lr.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate(
        """() => { window.written = [];
        const f = CanvasRenderingContext2D.prototype.fillText;
        CanvasRenderingContext2D.prototype.fillText = function (t, x, y) {
          window.written.push([String(t), String(this.fillStyle)]); return f.apply(this, arguments); }; }"""
    )
    page.evaluate(
        f"() => document.querySelector('.descent-player').descent.seek({payload['steps']})"
    )
    written = page.evaluate("() => window.written")
    inks = {r["ink"].lower() for r in payload["runs"]}
    marks = [(t, c) for t, c in written if t.startswith("▲") or t in ("out of view", "diverged")]
    assert any(t.startswith("▲") for t, _ in marks), written
    assert all(c.lower() in inks for _, c in marks), marks
    assert problems == []
    page.close()


def test_sweep_outlines_and_names_the_fastest_tile_at_the_end(browser: Any, tmp_path: Path) -> None:
    """Once its runs end the video outlines the fastest tile and names it ("fastest: lr
    0.16, momentum 0.3 (23 steps ...)", from fastest_run / steps_to_converge); the player
    draws both at the last step, not before."""
    from descent.scenes.kit.sweeps import fastest_run, steps_to_converge

    cls = get_scene("Sweep")
    payload = player.build_payload(cls)
    F = payload["finale"]
    land, result = cls().run_sweep()
    best = fastest_run(result, land.optimum)
    steps = int(steps_to_converge(result, land.optimum)[best])
    assert F["from"] == payload["steps"] and f"({steps} steps to 1/" in F["text"]
    for name, i in zip(result.grid, best, strict=True):
        assert f"{name} {float(result.grid[name][i]):g}" in F["text"]
    tile = [r for r in payload["runs"] if r.get("tile")][
        int(np.ravel_multi_index(best, result.shape))
    ]
    a = payload["areas"][tile["area"]]
    assert F["box"][0] < a["o"][0] < F["box"][2]  # round that tile
    path = tmp_path / "sweep.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    probe = CANVAS_PIXEL
    mid = [(F["box"][0] + F["box"][2]) / 2, F["box"][1]]  # on the outline's top side
    for t, shown in ((payload["steps"] - 1, False), (payload["steps"], True)):
        page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({t})")
        said = page.evaluate("() => document.querySelector('.dp-said').textContent").split("\n")
        assert (F["text"] in said) is shown
        pixel = page.evaluate(probe, mid)
        if shown:
            want = [int(F["stroke"][i : i + 2], 16) for i in (1, 3, 5)]
            assert max(abs(p - w) for p, w in zip(pixel[:3], want, strict=True)) <= 3, pixel
        else:
            assert pixel[3] == 0, pixel
    assert problems == []
    page.close()


@pytest.mark.parametrize(
    "name", ["OptimizerRace", pytest.param("NetworkLandscape", marks=pytest.mark.slow)]
)
def test_the_chart_beside_the_picture_takes_its_room(
    browser: Any, tmp_path: Path, name: str
) -> None:
    """At 1280×720 the chart beside the picture grows into the empty column down to the
    picture's foot (the video's panel is about square; NetworkLandscape's was a 58-px
    strip), never past the picture, and its curves are drawn to that height."""
    payload = player.build_payload(get_scene(name))
    path = tmp_path / "net.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    page, problems = open_page(browser, path)
    page.evaluate("() => document.querySelector('.descent-player').descent.seek(60)")
    got = page.evaluate(
        """() => { const c = document.querySelector('.dp-chart').getBoundingClientRect();
        const s = document.querySelector('.dp-stage').getBoundingClientRect();
        const k = document.querySelector('.dp-chart');
        return [c.width, c.height, c.bottom, s.bottom, k.height / c.height,
                6.5 * parseFloat(getComputedStyle(k).fontSize)]; }"""
    )
    width, height, bottom, foot, scale, least = got
    assert height > least + 20 and bottom <= foot + 0.5, got  # grown, inside the picture
    assert height >= 0.74 * width or bottom >= foot - 8, got  # to 3:4, or to the foot
    assert abs(scale - page.evaluate("() => Math.max(1, Math.min(devicePixelRatio, 3))")) < 0.02
    assert problems == []
    page.close()


def test_legend_rows_of_one_optimizer_over_plots_take_the_plots_headings() -> None:
    """LossFunctions runs SGD on four plots headed MSE, L1, Huber (δ = 1), SmoothL1 (β =
    0.25) (written from over each plot's y numbers): the legend rows are those headings, not
    "SGD · plot 1"."""
    payload = player.build_payload(get_scene("LossFunctions"))
    names = list(dict.fromkeys(r["group_name"] for r in payload["runs"]))
    assert names == ["MSE", "L1", "Huber (δ = 1)", "SmoothL1 (β = 0.25)"]


def test_hover_beside_a_written_rule_is_short(browser: Any, adaptive: dict) -> None:
    """Where the rule is written out beside the picture (AdaptiveSteps), hovering the dot
    gives that step's loss, gradient and lr, not a second copy of the rule over the map."""
    page, problems = open_page(browser, adaptive["dark"]["file"])
    page.evaluate("() => document.querySelector('.descent-player').descent.seek(11)")
    at = page.evaluate(
        """() => { const p = document.querySelector('.descent-player').descent;
        const q = p.pointAt(p.runs[0], p.t), r = p.canvas.getBoundingClientRect();
        return [r.left + q[0] * r.width / p.data.size[0], r.top + q[1] * r.height / p.data.size[1]]; }"""
    )
    page.mouse.move(*at)
    tip = page.evaluate(
        """() => { const t = document.querySelector('.dp-tip');
        return [t.hidden, t.dataset.step, t.querySelectorAll('.dp-tip-row').length,
                t.querySelectorAll('.dp-tip-sub').length, t.textContent]; }"""
    )
    hidden, step, rows, subs, text = tip
    assert not hidden and step == "11" and subs == 0 and rows == 3, tip
    traj = adaptive["traj"]
    assert f"{float(traj.loss[11]):.4g}" in text
    assert problems == []
    page.close()
