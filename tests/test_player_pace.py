"""Pressing play tells the story at the video's pace (issue 22, review4 #6 and #22): at 1× the
player's clock is the video's (which step is on screen at which second, the holds where a
beat's narration is read included), other speeds scale it, and a pause leaves the picture at
the step the counter shows. Debian's Chromium through Playwright, offline (tests/test_player.py's
page helper: no request, no console error)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from test_player import Page, browser, decoded, needs_chromium  # noqa: F401 (a fixture)

from descent.renders import player
from descent.scenes import get_scene
from descent.scenes.kit.timeline import play_timeline

#: the page's own record of the clock, sampled every animation frame while it plays:
#: (ms since play, the clock's step, the chapter on, the counter's step, playing)
RECORD = """async ([root, speed, until]) => {
  const p = root.descent, out = [];
  p.speed = speed; p.pause(); p.seek(0);
  const chapter = () => [...root.querySelectorAll('.dp-chapter')].findIndex(c => c.classList.contains('dp-on'));
  const t0 = performance.now();
  p.play();
  await new Promise(done => {
    function f(now) {
      out.push([performance.now() - t0, p.t, chapter(), root.querySelector('.dp-counter').textContent, p.playing]);
      if (p.playing && chapter() < until) requestAnimationFrame(f); else done();
    }
    requestAnimationFrame(f);
  });
  p.pause();
  return out;
}"""


@pytest.fixture(scope="module")
def overshoot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """MomentumOvershoot's player (dark) and the video's timeline (captions, clock)."""
    cls = get_scene("MomentumOvershoot")
    payload = player.build_payload(cls, theme="dark")
    path = tmp_path_factory.mktemp("pace") / "dark.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    return {"cls": cls, "payload": payload, "path": path, "timeline": play_timeline(cls, "dark")}


def _time_at(pace: dict[str, list[float]], step: float) -> float:
    """The pace's first second at ``step`` (the script's timeAtStep)."""
    t, s = np.array(pace["time"]), np.array(pace["step"])
    i = int(np.argmax(s >= step - 1e-9))
    if i == 0:
        return float(t[0])
    return float(t[i - 1] + (t[i] - t[i - 1]) * (step - s[i - 1]) / (s[i] - s[i - 1]))


def test_pace_is_the_videos_clock(overshoot: dict) -> None:
    """The payload's step → second map is the video's: every step is first on screen when
    the video's frame first shows it (within a frame), the holds are there (the map stays at
    a beat's step for its caption), and the map lasts as long as the video; it is compact."""
    pace, tl = overshoot["payload"]["pace"], overshoot["timeline"]
    assert len(pace["time"]) == len(pace["step"]) >= 4
    assert np.all(np.diff(pace["time"]) >= 0)
    origin = next(m.t0 for m in tl.moves if m.clock is not None)
    assert pace["time"][-1] == pytest.approx(tl.duration - origin, abs=0.01)
    for k in range(overshoot["payload"]["steps"] + 1):
        video = tl.first_shown(k)
        assert video is not None
        assert _time_at(pace, k) == pytest.approx(video - origin, abs=1 / tl.fps + 0.02), k
    # a hold: two knots at one step, as long as the video stays there (set-up beat at step 0)
    holds = [
        (pace["time"][i + 1] - pace["time"][i], pace["step"][i])
        for i in range(len(pace["time"]) - 1)
        if pace["step"][i] == pace["step"][i + 1]
    ]
    assert holds and max(h for h, _ in holds) >= 5.0, holds
    assert len(json.dumps(pace)) < 2000


@needs_chromium
def test_play_spends_the_videos_time_on_each_chapter(
    browser: Any,  # noqa: F811 (the fixture)
    overshoot: dict,
) -> None:
    """Played at 4× (the speed menu's top), each chapter is on screen for a quarter of the
    time the video's caption of that beat is up before the next one starts (within 1 s of
    video time), where the old clock gave every chapter the same few steps a second."""
    page = Page(browser, overshoot["path"], viewport=(1280, 720))
    beats, tl = overshoot["payload"]["beats"], overshoot["timeline"]
    speed, last = 4, 3  # record chapters 0, 1, 2 (until chapter 3 comes on)
    log = page.page.evaluate(RECORD, [page.handle(), speed, last])
    started = {}
    for ms, _t, chapter, _counter, _playing in log:
        started.setdefault(chapter, ms / 1000)
    assert sorted(started) == list(range(last + 1)), started
    assert started[0] < 0.1
    starts = [c.start for c in tl.captions]
    assert len(starts) == len(beats)
    for k in range(last):
        player_s = (started[k + 1] - started[k]) * speed  # seconds of video time
        video_s = starts[k + 1] - starts[k]
        assert player_s == pytest.approx(video_s, abs=1.0), (k, player_s, video_s)
    # the set-up's narration (the longest chapter here) is up for seconds, not a blink
    assert (started[1] - started[0]) * speed > 10
    page.check_clean()


@needs_chromium
def test_a_pause_shows_the_step_the_counter_says(
    browser: Any,  # noqa: F811 (the fixture)
    overshoot: dict,
) -> None:
    """Paused while the clock is between two steps, the picture snaps to the step the
    counter shows (the dot on that step's point, within 1 px), and → goes to the next step."""
    page = Page(browser, overshoot["path"], viewport=(1280, 720))
    payload, root = overshoot["payload"], page.root()
    for box in root.locator(".dp-check input").all():  # trails and arrows off: dots only
        box.uncheck()
    rows = root.locator(".dp-row")
    for j in range(1, rows.count()):  # the first run alone
        rows.nth(j).click()
    run = payload["runs"][0]
    xy = decoded(payload, run["xy"]).reshape(-1, 2) / run["scale"]
    pace = payload["pace"]
    # seconds of the video in a stretch where the clock moves (between two knots of
    # different steps), so that a pause there falls between steps
    moving = [
        (pace["time"][i], pace["time"][i + 1])
        for i in range(len(pace["time"]) - 1)
        if pace["step"][i + 1] - pace["step"][i] >= 3
    ]
    assert moving
    t0, t1 = moving[0]
    checked = 0
    for frac in (0.3, 0.55, 0.8):
        vt = t0 + frac * (t1 - t0)
        # play from that second of the video and pause one frame later, as space does
        got = page.page.evaluate(
            """async ([root, vt]) => {
              const p = root.descent;
              p.pause(); p.seek(p.stepAtTime(vt)); p.vt = vt; p.vtAt = p.t; p.play();
              await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
              const before = p.t;
              p.pause();
              return [before, p.t, root.dataset.step, root.querySelector('.dp-counter').textContent];
            }""",
            [page.handle(), vt],
        )
        before, after, step_attr, counter = got
        shown = int(re.match(r"step (\d+)", counter).group(1))
        assert after == shown == round(before) == float(step_attr), got
        checked += before != round(before)
        dot = page.centroid(box=[*(xy[shown] - 12), *(xy[shown] + 12)])
        assert dot is not None and np.abs(dot - xy[shown]).max() <= 1.0, (shown, dot, xy[shown])
        root.focus()
        page.page.keyboard.press("ArrowRight")
        assert root.get_attribute("data-step") == str(shown + 1)
        assert root.locator(".dp-counter").inner_text().startswith(f"step {shown + 1} ")
    assert checked  # at least one pause fell between two steps
    # the scrubber, let go between two steps, shows the step the counter says
    page.page.evaluate(
        "(r) => { const s = r.querySelector('.dp-range'); s.value = 12.4;"
        " s.dispatchEvent(new Event('input')); }",
        page.handle(),
    )
    assert root.get_attribute("data-step") == "12"
    assert root.locator(".dp-counter").inner_text().startswith("step 12 ")
    page.check_clean()
