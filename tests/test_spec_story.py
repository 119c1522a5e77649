"""The example spec file tells the story it promises: Nesterov's look-ahead ghost drawn away
from its dot, every narrated beat captioned, and the formula written as the title writes it
(``x² + 10·y²``, not ``x^2``). Played without drawing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from descent.renders.spec_scenes import scene_from_spec
from descent.scenes.kit import check_layout, lookahead_form
from descent.scenes.kit.timeline import caption_problems, play_timeline

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "momentum_valley.toml"


def test_the_example_spec_draws_nesterovs_look_ahead_ghost_and_captions_its_beats() -> None:
    cls = scene_from_spec(EXAMPLE)
    timeline = play_timeline(cls, "dark")
    check = check_layout(cls, "light")  # and its layout and text contrast, in the light theme
    assert not check.problems, check.problems
    scene = check.scene
    land, trajs = cls.simulate()
    [nesterov] = [t for t in trajs if t.spec.kwargs.get("nesterov")]
    [track] = [k for k in scene.tracks if k.ghost_screen is not None]  # only Nesterov's
    area = track.area
    # the dot follows the textbook iterate θ_t, the ghost torch's parameter φ_t (where the
    # gradient is taken): apart while momentum carries it, so the ring is seen
    theta = area.to_scene(area.display_path(lookahead_form(nesterov))[0])
    phi = area.to_scene(area.display_path(np.asarray(nesterov.params))[0])
    assert np.allclose(track.screen, theta) and np.allclose(track.ghost_screen, phi)
    apart = np.linalg.norm(theta - phi, axis=1)
    assert apart[1:10].max() > 3 * track.dot.width, apart[:10]
    # every narrated beat is captioned (the .srt), each event under its caption
    narrated = [b for b in cls.beats if b.say]
    assert len(narrated) >= 3
    said = " ".join(c.text for c in timeline.captions)
    for b in narrated:
        assert " ".join(b.say.split()) in said, b.say
    assert not caption_problems(timeline)
    # the formula as the title writes it
    text = said + " " + (cls.subtitle or "")
    assert "x² + 10·y²" in said and "^" not in text and "**" not in text


ROSENBROCK = EXAMPLE.parent / "adaptive_rosenbrock.toml"


def test_the_rosenbrock_example_tells_no_overshoot_and_leads_against_the_runner_up() -> None:
    # review4 #5 and #13: "Adam overshoots: it crossed the optimum's y = 1" while following
    # the curved valley floor, and "takes the lead ... against Adagrad's" (the worst run)
    cls = scene_from_spec(ROSENBROCK)
    land, trajs = cls.simulate()
    assert not [b for b in cls.beats if "overshoot" in b.name], [b.say for b in cls.beats]
    leads = [b for b in cls.beats if "takes the lead" in b.name]
    assert leads
    for b in leads:
        t = int(b.step)
        losses = {tr.label: float(tr.loss[t]) for tr in trajs}
        leader, second = sorted(losses, key=losses.__getitem__)[:2]
        assert b.say.startswith(f"At step {t} {leader} takes the lead"), b.say
        from descent.scenes.kit.story import number

        assert f"against {second}'s {number(losses[second])}, the runner-up" in b.say, b.say


def test_a_typed_subtitle_that_names_an_lr_no_optimizer_has_warns(tmp_path: Path) -> None:
    # review4 #20: the user edits Adam's lr 0.1 -> 0.4 and the typed subtitle keeps "lr 0.1"
    import warnings

    from descent.renders.spec import SpecWarning, load_spec

    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecWarning)
        assert load_spec(ROSENBROCK).subtitle is None  # the example's is computed
        load_spec(EXAMPLE)  # a typed one that matches its optimizers: silent
    text = ROSENBROCK.read_text().replace("lr = 0.1\n", "lr = 0.4\n")
    text = text.replace('title = "', 'subtitle = "Adam lr 0.1, 300 steps"\ntitle = "', 1)
    edited = tmp_path / "my_rosen.toml"
    edited.write_text(text)
    with pytest.warns(SpecWarning, match=r'subtitle says "lr 0.1" but no optimizer has lr 0.1'):
        load_spec(edited)
    # the CLI says it in one line and renders; the video's narration goes beside it (.srt)
    env = {**os.environ, "DESCENT_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-m", "descent.renders.cli", "render", str(edited), "--format", "mp4",
         "--quality", "preview", "--out", str(tmp_path / "media")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    warned = [line for line in out.stderr.splitlines() if line.startswith("descent: warning:")]
    assert len(warned) == 1 and "lr 0.1" in warned[0] and "Traceback" not in out.stderr, out
    # review4 #19: the spec's video had no .srt while its player had 4 narrated chapters
    srt = tmp_path / "media" / "my_rosen.srt"
    assert (tmp_path / "media" / "my_rosen.mp4").is_file() and srt.is_file()
    cues = " ".join(srt.read_text(encoding="utf-8").split())
    with pytest.warns(SpecWarning):
        beats = scene_from_spec(edited).beats
    for b in beats:
        if b.say:
            assert " ".join(b.say.split()) in cues, b.say


def test_a_run_time_too_short_for_the_narration_is_said_when_rendering(tmp_path: Path) -> None:
    # the narration dropped to fit run_time was silent: the video simply had no .srt
    spec = tmp_path / "short.toml"
    spec.write_text(
        'title = "Two on a valley"\n[landscape]\nname = "ellipse"\n[run]\nstart = [-4.0, 1.5]\n'
        'steps = 20\nrun_time = 1.0\n[[optimizer]]\nname = "SGD"\nlr = 0.05\n[[optimizer]]\n'
        'name = "SGD"\nlr = 0.05\nmomentum = 0.9\nlabel = "Momentum"\n'
    )
    env = {**os.environ, "DESCENT_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-m", "descent.renders.cli", "render", str(spec), "--format", "mp4",
         "--quality", "preview", "--out", str(tmp_path / "media")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "leaves too little: narration" in out.stdout, out.stdout
    assert "run_time 1 s" in out.stdout and "Traceback" not in out.stderr
