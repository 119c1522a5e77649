"""Full renders of every scene (slow): decoded and checked for frame count, size and fps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from descent.renders.media import probe
from descent.scenes import SCENES, get_scene

DESCENT = str(Path(sys.executable).with_name("descent"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def all_rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("all")
    out = subprocess.run(
        [
            DESCENT,
            "render",
            "--all",
            "--quality",
            "low",
            "--format",
            "mp4",
            "--jobs",
            "2",
            "--no-progress",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    assert out.returncode == 0, out.stderr
    return work / "media"


@pytest.mark.parametrize("name", list(SCENES))
def test_full_render(all_rendered: Path, name: str) -> None:
    info = probe(all_rendered / f"{name}.mp4")
    assert (info.width, info.height, info.fps) == (854, 480, 15.0)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    cls = get_scene(name)
    expected = round((cls.motion_time + cls.end_wait) * 15)
    # narrated beats pause until their narration can be read (and Nesterov has a prelude)
    assert info.frames >= expected
    cues = (all_rendered / f"{name}.srt").read_text().count("-->")
    assert cues == len(cls.beats) + (name == "NesterovCorrection")
    words = sum(len(b.say.split()) for b in cls.beats)
    assert info.duration >= words / 2.7 - 0.2  # every narration can be read to its end


def test_one_failing_job_does_not_stop_the_others(tmp_path: Path) -> None:
    from descent.renders.pipeline import Job, run_jobs
    from descent.renders.presets import QUALITIES

    broken = tmp_path / "broken.toml"
    broken.write_text('[landscape]\nname = "bowl"\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n')
    jobs = [
        Job(
            name="broken",
            spec=broken,
            formats=("png",),
            quality=QUALITIES["preview"],
            fps=10,
            theme="dark",
            out_dir=tmp_path,
        ),
        Job(
            name="SaddlePoint",
            scene="SaddlePoint",
            formats=("png",),
            quality=QUALITIES["preview"],
            fps=10,
            theme="dark",
            out_dir=tmp_path,
        ),
    ]
    broken.write_text("this is [not toml")  # breaks after the job was made: the worker fails
    results = run_jobs(jobs, workers=2)
    assert [r.status for r in results] == ["failed", "rendered"]
    assert "not valid TOML" in results[0].error
    assert (tmp_path / "SaddlePoint.png").is_file() and not (tmp_path / "broken.png").exists()
