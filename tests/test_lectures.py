"""Lectures: every scene's beats, clips per beat, burnt captions, PPTX and offline HTML decks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from descent.renders.media import probe, read_frames
from descent.scenes import SCENES, get_scene

DESCENT = str(Path(sys.executable).with_name("descent"))


def descent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESCENT, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", list(SCENES))
def test_every_scene_marks_its_beats_and_narrates_them(name: str) -> None:
    cls = get_scene(name)
    beats = cls.beats
    assert len(beats) >= 1, "no beats"
    steps = [b.step for b in beats]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert all(0 <= b.step < cls.steps for b in beats if name != "RateMap")
    assert len({b.name for b in beats}) == len(beats)
    assert all(len(b.say.split()) >= 8 and b.say.endswith(".") for b in beats), "narrate it"


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lecture")
    out = descent(
        "render", "SaddlePoint", "--quality", "preview", "--sections", "--no-progress", cwd=work
    )
    assert out.returncode == 0, out.stderr
    return work / "media"


def test_sections_are_one_clip_per_beat_with_the_narration(lecture: Path) -> None:
    index = json.loads((lecture / "SaddlePoint.sections.json").read_text())
    beats = get_scene("SaddlePoint").beats
    assert [s["name"] for s in index["sections"]] == [b.name for b in beats]
    assert [s["narration"] for s in index["sections"]] == [b.say for b in beats]
    full = probe(lecture / "SaddlePoint.mp4")
    total = 0.0
    for sec in index["sections"]:
        clip = probe(lecture / sec["file"])
        assert (clip.width, clip.height, clip.codec) == (426, 240, "h264")
        assert clip.duration == pytest.approx(sec["end"] - sec["start"], abs=0.15)
        total += clip.duration
    assert total == pytest.approx(full.duration, abs=0.3)
    cues = (lecture / "SaddlePoint.srt").read_text()
    assert cues.count("-->") == len(beats) and beats[1].say in cues


def test_narration_pauses_unless_a_run_time_is_imposed(lecture: Path, tmp_path: Path) -> None:
    cls = get_scene("SaddlePoint")
    paced = probe(lecture / "SaddlePoint.mp4")
    words = sum(len(b.say.split()) for b in cls.beats)
    assert paced.duration >= words / 2.7 - 0.2 > cls.motion_time + cls.end_wait
    out = descent(
        "render", "SaddlePoint", "--quality", "preview", "--run-time", "2", "--out", "short",
        "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    # an imposed run time is the video's length: the holds shrink into it
    assert probe(tmp_path / "short" / "SaddlePoint.mp4").frames == round(2 * 10)


def test_burnt_captions_are_in_the_picture(lecture: Path, tmp_path: Path) -> None:
    out = descent(
        "render", "SaddlePoint", "--quality", "preview", "--captions", "burn", "--out", "burnt",
        "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    from PIL import Image

    from descent.renders.sections import caption_layout

    plain = read_frames(lecture / "SaddlePoint.mp4", 12)
    burnt = read_frames(tmp_path / "burnt" / "SaddlePoint.mp4", 12)
    h, w = plain[0][1].shape[:2]
    pw, ph, left = caption_layout(w, h)
    for (_, a), (_, b) in zip(plain, burnt, strict=True):
        # the picture, scaled, above the band: nothing of it is under the captions
        small = np.asarray(Image.fromarray(a).resize((pw, ph), Image.BILINEAR), dtype=int)
        assert np.abs(b[:ph, left : left + pw].astype(int) - small).mean() < 8
    # the captions are in the band (bright text on the page's colour)
    band = [int((b[ph:] > 200).all(-1).sum()) for _, b in burnt]
    assert max(band) > 20, band


def test_pptx_has_one_slide_per_beat_with_its_video_and_notes(
    lecture: Path, tmp_path: Path
) -> None:
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    shutil.copytree(lecture, tmp_path / "deck" / "media")  # the render cache: no re-render
    out = descent("slides", "SaddlePoint", "--quality", "preview", "--out", "deck", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "cached" in out.stdout + out.stderr
    deck = Presentation(str(tmp_path / "deck" / "SaddlePoint.pptx"))
    beats = get_scene("SaddlePoint").beats
    assert len(deck.slides) == len(beats)
    for slide, beat in zip(deck.slides, beats, strict=True):
        media = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert len(media) == 1 and media[0].width == deck.slide_width
        assert slide.notes_slide.notes_text_frame.text == beat.say
        rels = [r for r in slide.part.rels.values() if r.reltype.endswith("/video")]
        assert rels and rels[0].target_part.blob[4:8] == b"ftyp"  # the MP4 itself is inside


def test_manim_slides_slide_over_a_descent_scene(tmp_path: Path) -> None:
    """``class Deck(Slide, MomentumOvershoot)`` with manim-slides' own ``Slide``: rendered by
    ``manim``, one slide a beat with its narration as notes, converted by manim-slides."""
    from pptx import Presentation

    (tmp_path / "deck.py").write_text(
        "from manim_slides import Slide\n"
        "from descent.scenes.momentum_overshoot import MomentumOvershoot\n\n\n"
        "class Deck(Slide, MomentumOvershoot):\n"
        "    skip_reversing = True\n"
    )
    manim = str(Path(sys.executable).with_name("manim"))
    out = subprocess.run(
        [manim, "-ql", "--disable_caching", "--progress_bar", "none", "deck.py", "Deck"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    slides = json.loads((tmp_path / "slides" / "Deck.json").read_text())["slides"]
    beats = get_scene("MomentumOvershoot").beats
    assert [s["notes"] for s in slides] == [b.say for b in beats]
    for s in slides:
        assert probe(tmp_path / s["file"]).frames > 0
    convert = subprocess.run(
        [sys.executable, "-m", "manim_slides", "convert", "Deck", "deck.pptx"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert convert.returncode == 0, convert.stderr[-2000:]
    deck = Presentation(str(tmp_path / "deck.pptx"))
    assert [sl.notes_slide.notes_text_frame.text for sl in deck.slides] == [b.say for b in beats]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_html_deck_plays_offline_in_a_real_browser(lecture: Path, tmp_path: Path) -> None:
    shutil.copytree(lecture, tmp_path / "deck" / "media")
    out = descent(
        "slides", "SaddlePoint", "--to", "html", "--quality", "preview", "--out", "deck",
        cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    page = tmp_path / "deck" / "SaddlePoint" / "index.html"
    text = page.read_text()
    assert not re.search(r"(src|href)=\"https?:", text), "nothing may come from the network"
    beats = get_scene("SaddlePoint").beats
    assert text.count("<section") == len(beats)
    chromium = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--disable-background-networking", "--virtual-time-budget=6000", "--window-size=854,480",
    ]  # fmt: skip
    for k in range(1, len(beats) + 1):
        dom = subprocess.run(
            [*chromium, "--dump-dom", f"{page.as_uri()}#{k}"],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        ready = re.search(r'data-ready="([^"]*)"', dom)
        assert ready and all(int(s) >= 2 for s in ready.group(1).split()), dom[:300]
        assert f'data-slide="{k}"' in dom
        shot = tmp_path / f"slide{k}.png"
        subprocess.run(
            [*chromium, f"--screenshot={shot}", f"{page.as_uri()}#{k}"],
            capture_output=True,
            timeout=120,
        )
        from PIL import Image

        pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
        assert pixels.std() > 20, "the slide's frame is blank"


# -- the update rule on screen ---------------------------------------------------------------------
RULE_SPECS = {
    "sgd": ("SGD", {"lr": 0.05}),
    "momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {"lr": 0.5}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "adam": ("Adam", {"lr": 0.1}),
}


def numbers(text: str) -> list[float]:
    return [
        float(x.replace("−", "-")) for x in re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?", text)
    ]


@pytest.mark.parametrize("rule", sorted(RULE_SPECS))
def test_displayed_update_numbers_are_the_recorded_ones(rule: str) -> None:
    from manim import tempconfig

    from descent import engine
    from descent.engine.rules import update_terms
    from descent.scenes.kit import StepClock, UpdateRule, get_theme, rule_lines

    name, kwargs = RULE_SPECS[rule]
    traj = engine.simulate("ellipse", engine.OptimizerSpec(name, **kwargs), steps=12, cache=False)
    for t in (0, 3, 11):
        terms = update_terms(traj, t)
        assert terms.rule == rule
        np.testing.assert_allclose(terms.values["θ_next"], traj.params[t + 1], rtol=1e-5, atol=1e-6)
        lines = rule_lines(traj, t)
        shown_g = numbers(lines[0][1])
        np.testing.assert_allclose(shown_g, traj.grad[t], rtol=6e-3, atol=1e-6)
        np.testing.assert_allclose(
            numbers(lines[-1][1])[-2:], traj.params[t + 1], rtol=6e-3, atol=1e-5
        )
        state = {
            "momentum": "momentum_buffer", "nesterov": "momentum_buffer", "adagrad": "sum",
            "rmsprop": "square_avg", "adam": "exp_avg",
        }.get(rule)  # fmt: skip
        if state is not None:
            np.testing.assert_allclose(
                numbers(lines[1][1])[-2:], traj.state[state][t + 1], rtol=6e-3, atol=1e-6
            )
    with tempconfig({"verbosity": "ERROR"}):
        clock = StepClock(traj.steps)
        shown = UpdateRule(traj, clock, get_theme("dark"), color="#E69F00")
        # on the way from step 7 to 8: update 7; at rest on step 8: the update that brought
        # the dot there (7), as the step counter says "step 8"
        for at in (7.5, 8.0):
            clock.tracker.set_value(clock.alpha_of(at))
            for m in shown.numbers:
                m.update()
            assert [m.text for m in shown.numbers] == [n for _, n in rule_lines(traj, 7)]


def test_adams_coordinate_bars_are_the_recorded_normalisation() -> None:
    from manim import tempconfig

    from descent import engine
    from descent.engine.rules import update_terms
    from descent.scenes.kit import CoordinateBars, StepClock, get_theme

    spec = engine.OptimizerSpec("Adam", lr=0.3)
    traj = engine.simulate("ellipse", spec, start=(-9.0, 1.6), steps=12, cache=False)
    with tempconfig({"verbosity": "ERROR"}):
        clock = StepClock(traj.steps)
        bars = CoordinateBars(traj, clock, get_theme("light"), color="#D55E00", width=2.0)
        clock.tracker.set_value(clock.alpha_of(6))  # at rest on step 6: update 5 brought it
        rows = [m for m in bars.submobjects if m.updaters]
        for row in rows:
            row.update()
    terms = update_terms(traj, 5)
    m_hat, root_v = np.abs(terms.values["m̂"]), terms.values["√v̂"]
    for i, (outer, inner, text) in enumerate(row.submobjects for row in rows):
        # one scale for every coordinate: the bars' lengths keep the values' ratios
        assert inner.width / outer.width == pytest.approx(m_hat[i] / root_v[i], rel=1e-6)
        ratio = abs(terms.values["step"][i]) / terms.hyper["lr"]
        assert text.text == f"|step| {ratio:.4f}·lr"
    assert rows[1].submobjects[0].width / rows[0].submobjects[0].width == pytest.approx(
        root_v[1] / root_v[0], rel=1e-6
    )
