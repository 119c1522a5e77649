"""The example spec file tells the story it promises: Nesterov's look-ahead ghost drawn away
from its dot, every narrated beat captioned, and the formula written as the title writes it
(``x² + 10·y²``, not ``x^2``). Played without drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
