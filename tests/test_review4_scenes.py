"""Scene bugs a fresh reviewer found (review4): run dots of one size, a log heat map when
the loss spans decades, LocalMinimum's stationary beat where f′ is ~0, and a variant with
several runs of one optimizer. Real runs, preview-size captures, nothing rendered to video
unless said."""

from __future__ import annotations

from pathlib import Path

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
