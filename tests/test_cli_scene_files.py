"""Users' own scene files through the ``descent`` command, end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from descent.renders.media import probe

DESCENT = str(Path(sys.executable).with_name("descent"))

LECTURE = """
from descent.engine import OptimizerSpec
from descent.scenes.momentum_overshoot import MomentumOvershoot
from descent.scenes.saddle_point import SaddlePoint  # imported, not defined: never rendered
from settings import CONDITION


class Overshoot20(MomentumOvershoot):
    landscape_params = {"condition": CONDITION}
    optimizers = (OptimizerSpec("SGD", lr=0.04), OptimizerSpec("Adam", lr=0.3))
    steps = 30
    run_time = 1.0
    end_wait = 0.2


class Other(MomentumOvershoot):
    steps = 20
    run_time = 1.0
    end_wait = 0.2


class NotAScene:
    pass
"""


def descent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESCENT, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def lecture(tmp_path: Path) -> Path:
    (tmp_path / "lecture.py").write_text(LECTURE)
    (tmp_path / "settings.py").write_text("CONDITION = 20.0\n")
    return tmp_path


def states(out: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """``{scene: rendered|cached|failed}`` from the summary lines."""
    found = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts and parts[-1] in ("rendered", "cached", "failed"):
            found[Path(parts[0]).stem] = parts[-1]
    return found


def test_scene_file_renders_every_class_defined_in_it(lecture: Path) -> None:
    out = descent("render", "lecture.py", "--quality", "preview", "--no-progress", cwd=lecture)
    assert out.returncode == 0, out.stderr
    assert states(out) == {"Overshoot20": "rendered", "Other": "rendered"}
    assert sorted(p.name for p in (lecture / "media").glob("*.mp4")) == [
        "Other.mp4",
        "Overshoot20.mp4",
    ]
    info = probe(lecture / "media" / "Overshoot20.mp4")
    assert (info.width, info.height, info.fps) == (426, 240, 10)
    # naming the classes: the same jobs, now cache hits
    named = descent(
        "render", "lecture.py:Overshoot20", "lecture.py:Other", "--quality", "preview",
        "--no-progress", cwd=lecture,
    )  # fmt: skip
    assert named.returncode == 0 and states(named) == {"Overshoot20": "cached", "Other": "cached"}
    # editing the file, or a module it imports from its folder, renders again
    (lecture / "settings.py").write_text("CONDITION = 25.0\n")
    edited = descent("render", "lecture.py:Overshoot20", "--quality", "preview", cwd=lecture)
    assert states(edited) == {"Overshoot20": "rendered"}
    text = (lecture / "lecture.py").read_text().replace("steps = 20", "steps = 21")
    (lecture / "lecture.py").write_text(text)
    again = descent("render", "lecture.py", "--quality", "preview", "--format", "gif", cwd=lecture)
    assert again.returncode == 0 and set(states(again).values()) == {"rendered"}
    assert probe(lecture / "media" / "Other.gif").loop == 0


def test_preview_takes_a_scene_file_class(lecture: Path) -> None:
    out = descent("preview", "lecture.py:Other", cwd=lecture)
    assert out.returncode == 0, out.stderr
    assert (lecture / "media" / "Other.preview.storyboard.png").is_file()


def test_failing_scene_reports_the_users_line_and_others_go_on(lecture: Path) -> None:
    (lecture / "broken.py").write_text(
        "from descent.scenes.saddle_point import SaddlePoint\n\n\n"
        "class Boom(SaddlePoint):\n"
        "    def construct(self):\n"
        "        scale = 0\n"
        "        return 1 / scale\n"
    )
    out = descent(
        "render", "broken.py", "lecture.py:Other", "--quality", "preview", "--no-progress",
        cwd=lecture,
    )  # fmt: skip
    assert out.returncode == 1
    assert states(out) == {"Boom": "failed", "Other": "rendered"}
    assert (
        "descent: Boom failed: broken.py:7 in construct: ZeroDivisionError: division by zero"
        in out.stderr
    )
    assert "Traceback" not in out.stderr and "manim" not in out.stderr
    assert not (lecture / "media" / "Boom.mp4").exists()


def test_an_import_error_in_the_file_fails_its_job_only(lecture: Path) -> None:
    (lecture / "badimport.py").write_text("import nonexistent_module_xyz\n\n\nclass A:\n    pass\n")
    out = descent("render", "badimport.py", "lecture.py:Other", "--quality", "preview", cwd=lecture)
    assert out.returncode == 1
    assert "badimport.py:1 in <module>: ModuleNotFoundError" in out.stderr
    assert (lecture / "media" / "Other.mp4").is_file()


@pytest.mark.parametrize(
    ("files", "target", "expected"),
    [
        ({}, "missing.py", "missing.py: no such file"),
        ({"notes.txt": "hello"}, "notes.txt", "notes.txt: a scene file must be a .py file"),
        (
            {"syntax.py": "class A:\n    def f(self)\n        pass\n"},
            "syntax.py",
            "syntax.py:2: expected ':'",
        ),
        (
            {"plain.py": "class Helper:\n    pass\n\n\nclass Other:\n    pass\n"},
            "plain.py",
            "plain.py: no scene class defined here (subclass of manim's Scene); classes: Helper, Other",
        ),
        ({"empty.py": "x = 1\n"}, "empty.py", "empty.py: defines no classes"),
        ({}, "lecture.py:Overshot20", "did you mean 'Overshoot20'?"),
    ],
)
def test_bad_scene_files_are_one_line_exit_2_nothing_written(
    lecture: Path, files: dict[str, str], target: str, expected: str
) -> None:
    for name, text in files.items():
        (lecture / name).write_text(text)
    out = descent("render", target, cwd=lecture)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("descent: error: ")
    assert expected in out.stderr
    assert not (lecture / "media").exists()
