"""Every event happens under its caption: the caption is up before the clock slows into the
event, the event's step is reached while it is up with its reading time still ahead, and
no later step a beat speaks of is shown between captions (every built-in scene, played without
drawing; one real ``.srt`` decoded)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from descent.scenes import SCENES, get_scene
from descent.scenes.kit import DescentScene
from descent.scenes.kit.clock import pace
from descent.scenes.kit.story import reading_seconds
from descent.scenes.kit.timeline import Caption, Timeline, caption_problems, play_timeline

DESCENT = str(Path(sys.executable).with_name("descent"))


@pytest.mark.parametrize("name", list(SCENES))
def test_every_event_of_every_scene_happens_under_its_caption(name: str) -> None:
    timeline = play_timeline(get_scene(name), "dark")
    narrated = [b for b in timeline.beats if b.say]
    assert len(timeline.captions) >= len(narrated) > 0, name
    problems = caption_problems(timeline)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def _window(timeline: Timeline, text: str) -> tuple[float, float]:
    [cue] = [c for c in timeline.captions if c.text == " ".join(text.split())]
    return cue.start, cue.end


def test_counted_escapes_and_the_sweep_play_under_their_captions() -> None:
    # NoiseEscape: every escape a caption counts is first shown while a caption is up, and
    # no caption holds one step for longer than its own reading time
    noise = play_timeline(get_scene("NoiseEscape"), "dark")
    cool = next(b for b in noise.beats if b.name == "cooling down")
    assert len(cool.events) >= 5  # the escapes it counts
    for e in cool.events:
        t = noise.first_shown(e.step)
        assert t is not None and noise.caption_at(t) is not None, (e.step, t)
    spans = [b for b in noise.beats if DescentScene.beat_until(b) > b.step]
    assert len(spans) >= 2  # the first kick's caption and the count's
    for b in spans:  # run through: no step is held for more than half the caption's reading
        start, end = _window(noise, b.say)
        held: dict[float, float] = {}
        for m in noise.moves:
            if m.a0 == m.a1 and start - 1e-6 <= m.t0 < end and m.clock is not None:
                held[m.step(m.a0)] = held.get(m.step(m.a0), 0.0) + m.t1 - m.t0
        assert max(held.values()) <= 0.5 * reading_seconds(b.say), (b.name, held)
    # RateMap: the sweep along β (every tour step of it) is drawn under its caption
    rate = play_timeline(get_scene("RateMap"), "dark")
    sweep = next(b for b in rate.beats if b.name == "ringing at any step size")
    start, end = _window(rate, sweep.say)
    for s in np.arange(sweep.step, sweep.until + 1):
        t = rate.first_shown(float(s))
        assert t is not None and start - 1e-6 <= t < end, (s, t, start, end)


def test_a_headline_that_names_an_overshoot_gets_a_beat_over_it() -> None:
    # NesterovCorrection's claim (it overshoots less), computed from the crossings it draws
    cls = get_scene("NesterovCorrection")
    [less] = [b for b in cls.beats if b.name.endswith("overshoots less")]
    assert less.name.startswith("Nesterov") and {e.run for e in less.events} == {0, 1}
    assert {e.kind for e in less.events} <= {"overshoot", "swing_back"}
    depth = {e.run: 0.0 for e in less.events}
    for e in less.events:
        depth[e.run] = max(depth[e.run], e.values["depth"])
    assert depth[less.subject] < min(depth.values()) + 1e-12 < max(depth.values())
    # and every scene whose title says "overshoot…" narrates an overshoot in a beat
    for name in SCENES:
        scene = get_scene(name)
        if "overshoots" in scene.title and "not overshoot" not in scene.title:
            kinds = {e.kind for b in scene.beats for e in b.events}
            assert "overshoot" in kinds or "swing_back" in kinds, (name, scene.title)


def test_pace_spans_a_beat_and_a_run_time_still_fits() -> None:
    def a(s: float) -> float:
        return float(np.interp(s, np.arange(101), np.linspace(0, 1, 101)))

    fps = 30
    beats = [(0.0, 5.0), (10.0, 10.0, 40.0), (60.0, 3.0)]
    legs, squeeze = pace(a, 0.0, 100.0, beats, motion=6.0, fps=fps)
    assert squeeze == 1.0
    starts = [(k, leg) for k, leg in enumerate(legs) if leg.beat is not None]
    assert [leg.beat for _, leg in starts] == [0, 1, 2]

    def reached(step: float) -> int:
        """The frame at which the clock is first at ``step``."""
        done, here = 0, 0.0
        for leg in legs:
            if here >= step:
                return done
            done += leg.frames
            here = leg.to
        return done

    for (k, leg), (step, reading, *until) in zip(starts, beats, strict=True):
        start = sum(x.frames for x in legs[:k])
        # the caption is up before the clock slows into the beat's step, the step is
        # reached under it with its reading time ahead, and it is up through the span
        assert start <= reached(step) <= start + leg.shown - round(reading * fps) + 1
        assert reached(until[0] if until else step) <= start + leg.shown
        if step > 0:
            assert legs[k - 1].to <= step - 2 + 1e-9  # up before the last 2 steps' slow-in
    # the span is run through, not held on one step: 40 − 10 steps take ≥ half the reading
    moving = [leg for leg in legs if not leg.hold and leg.to == 40.0]
    assert moving and moving[0].frames >= 0.5 * 10.0 * fps - 1
    # a run time: exactly that many frames, never stretched
    legs, squeeze = pace(a, 0.0, 100.0, beats, motion=6.0, fps=fps, total=8.0)
    assert sum(leg.frames for leg in legs) == 8 * fps and squeeze < 1.0


def test_the_srt_written_for_a_scene_keeps_every_event_under_its_caption(tmp_path: Path) -> None:
    from descent.renders.media import probe
    from descent.renders.sections import read_srt

    name = "MomentumOvershoot"
    out = subprocess.run(
        [DESCENT, "render", name, "--quality", "preview", "--sections", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    cues = read_srt(next(tmp_path.rglob(f"{name}.srt")))  # the real file, decoded
    fps = probe(next(tmp_path.rglob(f"{name}.mp4"))).fps
    timeline = play_timeline(get_scene(name), "dark", fps=fps)
    assert [c[2] for c in cues] == [c.text for c in timeline.captions]
    # the rule, with the file's cues (ms) in place of the recorded ones
    timeline.captions = [Caption(a, b, text) for a, b, text in cues]
    timeline.said = [
        (beat, say, next(a for a, _, text in cues if text == " ".join(say.split())), step)
        for beat, say, _, step in timeline.said
    ]
    assert not caption_problems(timeline, slack=1.5 / fps)
    # each beat's section (its clip, its slide) starts as its caption does
    index = json.loads(next(tmp_path.rglob("*.sections.json")).read_text())
    starts = {s["name"]: s["start"] for s in index["sections"]}
    for b in get_scene(name).beats:
        start = next(a for a, _, text in cues if text == " ".join(b.say.split()))
        assert starts[b.name] == pytest.approx(start, abs=1.5 / fps), b.name
