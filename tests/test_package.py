"""The package as users get it: one ``descent`` namespace that their own files cannot shadow.

A lecture folder commonly holds a ``scenes.py`` (and may hold an ``engine.py`` or a
``renders/`` folder). descent installs nothing under those names, so Manim's own CLI and
the ``descent`` command both work from such a folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from descent.renders.media import probe

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

USER_SCENES = """
from descent.engine import OptimizerSpec
from descent.scenes.momentum_overshoot import MomentumOvershoot

import engine  # the user's own engine.py, not descent's
from renders import helper  # the user's own renders/ package


class Mine(MomentumOvershoot):
    title = engine.TITLE + helper.SUFFIX
    steps = 20
    run_time = 1.0
    end_wait = 0.2
    optimizers = (OptimizerSpec("SGD", lr=0.04, momentum=0.9),)
"""


@pytest.fixture
def lecture(tmp_path: Path) -> Path:
    (tmp_path / "scenes.py").write_text(USER_SCENES)
    (tmp_path / "engine.py").write_text('TITLE = "my own engine"\n')
    (tmp_path / "renders").mkdir()
    (tmp_path / "renders" / "__init__.py").write_text("")
    (tmp_path / "renders" / "helper.py").write_text('SUFFIX = " and renders"\n')
    return tmp_path


@pytest.mark.slow
def test_users_scenes_py_renders_with_manims_cli(lecture: Path) -> None:
    out = subprocess.run(
        [str(BIN / "manim"), "-ql", "--media_dir", "media", "scenes.py", "Mine"],
        cwd=lecture,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [video] = list((lecture / "media").rglob("Mine.mp4"))
    info = probe(video)
    assert (info.width, info.height, info.fps) == (854, 480, 15)
    assert info.frames >= 15  # 1 s of animation at 15 fps, then the hold


@pytest.mark.slow
def test_descent_command_works_beside_users_files(lecture: Path) -> None:
    out = subprocess.run(
        [str(BIN / "descent"), "render", "MomentumOvershoot", "--quality", "preview"],
        cwd=lecture,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    info = probe(lecture / "media" / "MomentumOvershoot.mp4")
    assert (info.width, info.height) == (426, 240)


def _copy_sources(dest: Path) -> Path:
    """The repository's files without local state (venv, git, renders, build output)."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "media", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def test_wheel_holds_only_the_descent_namespace(tmp_path: Path) -> None:
    src = _copy_sources(tmp_path / "src")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(tmp_path / "w")],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [wheel] = list((tmp_path / "w").glob("*.whl"))
    assert wheel.name.startswith("manim_descent-")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"descent", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    for must in (
        "descent/engine/simulation.py",
        "descent/engine/py.typed",
        "descent/scenes/kit/plot.py",
        "descent/scenes/saddle_point.py",
        "descent/renders/cli.py",
    ):
        assert must in names
    assert "descent/__init__.py" not in names  # an implicit namespace package
    entry = zipfile.ZipFile(wheel).read(wheel.name.split("-py3")[0] + ".dist-info/entry_points.txt")
    assert b"descent = descent.renders.cli:main" in entry


def test_no_top_level_engine_scenes_or_renders_is_installed(tmp_path: Path) -> None:
    code = (
        "import importlib.util, sys; "
        "print([m for m in ('engine', 'scenes', 'renders') if importlib.util.find_spec(m)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_kit_modules_import_one_way() -> None:
    """Each kit module imports only kit modules listed before it: no cycles."""
    import ast

    order = [
        "theme",
        "text",
        "clock",
        "plot",
        "tracks",
        "readouts",
        "rules",
        "camera",
        "story",
        "scene",
    ]
    order += ["storyboards", "networks", "sweeps", "timeline", "layout"]
    kit = ROOT / "scenes" / "kit"
    assert sorted(p.stem for p in kit.glob("*.py")) == sorted([*order, "__init__"])
    for i, name in enumerate(order):
        tree = ast.parse((kit / f"{name}.py").read_text())
        used = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("descent.scenes.kit.")
        }
        assert used <= set(order[:i]), f"kit.{name} imports {used - set(order[:i])}"
        assert ast.get_docstring(tree), f"kit.{name} has no module docstring"


def test_engine_export_does_not_import_simulation() -> None:
    """simulation imports export (Trajectory.to_csv …); export never imports simulation."""
    import ast

    tree = ast.parse((ROOT / "engine" / "export.py").read_text())
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert not any(m.endswith("simulation") for m in modules), modules
