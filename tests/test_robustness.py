"""Hostile input: every text gives a valid result or descent's one-line error, quickly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from descent import engine
from descent.engine.formula import formula_landscape

DESCENT = str(Path(sys.executable).with_name("descent"))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def descent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESCENT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


# -- the four inputs found by hand ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            '[landscape]\nformula = "9**9**9**9**9 + x + y"\n',
            "no finite value anywhere on the view",
        ),
        ('[landscape]\nname = "bowl"\n', None),
    ],
)
def test_specs_that_cannot_render_are_refused_first(
    spec: str, expected: str | None, tmp_path: Path
) -> None:
    text = spec + '[[optimizer]]\nname = "SGD"\nlr = ' + ("0.1" if expected else "nan") + "\n"
    (tmp_path / "s.toml").write_text(text)
    out = descent("render", "s.toml", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert (expected or "argument 'lr' must be finite numbers; got nan") in out.stderr
    assert not (tmp_path / "media").exists()


def test_huge_step_counts_are_refused_before_allocating(tmp_path: Path) -> None:
    out = descent("trajectory", "bowl", "--steps", "10000000000", cwd=tmp_path)
    assert out.returncode == 2 and "steps must be at most 1,000,000" in out.stderr
    with pytest.raises(engine.EngineError, match=r"would record .* GB on disk .* is free there"):
        engine.simulate("bowl", "SGD", start=np.zeros((300_000, 2)), steps=900_000, cache=False)


@pytest.mark.parametrize("out", ["afile", "afile/inside"])
def test_output_folder_that_is_a_file(out: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("keep me")
    result = descent("render", "SaddlePoint", "--out", out, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "is not a folder" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "afile").read_text() == "keep me"


def test_read_only_output_folder_is_one_line(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:  # root writes anywhere: a file system mounted read-only would do
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    out = descent("render", "SaddlePoint", "--quality", "preview", "--out", "ro", cwd=tmp_path)
    assert out.returncode != 0 and out.stderr.count("\n") == 1


def test_partly_non_finite_landscape_renders_with_the_region_marked() -> None:
    from manim import tempconfig

    from descent.scenes.kit import get_theme, heatmap, plot_area

    land = formula_landscape("log(x) + y**2")  # NaN where x < 0
    theme = get_theme("dark")
    with tempconfig({"verbosity": "ERROR"}):
        area = plot_area((-2.0, 2.0), (-1.0, 1.0), width=4, height=2, theme=theme, ticks=False)
        image = heatmap(land, area, theme, resolution=60).pixel_array
    left, right = image[:, :25, :3].reshape(-1, 3), image[:, 35:, :3].reshape(-1, 3)
    muted = np.array([int(theme.muted[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(left.astype(int) - muted).sum(1) < 4).mean() > 0.3  # checkered: no value
    assert (np.abs(right.astype(int) - muted).sum(1) < 4).mean() < 0.05


# -- property-based ---------------------------------------------------------------------------------
ALPHABET = st.sampled_from(list("xyw0123456789.+-*/() ,e") + ["**", "sin", "exp", "log", "pi"])


@FAST
@given(st.lists(ALPHABET, max_size=30).map("".join) | st.text(max_size=60))
def test_any_formula_text_parses_or_is_refused_in_one_line(text: str) -> None:
    started = time.perf_counter()
    try:
        land = formula_landscape(text)
    except engine.EngineError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert land.dim in (1, 2)
    assert time.perf_counter() - started < 1.0


TOML_PIECES = st.sampled_from(
    [
        "[landscape]\n", 'name = "bowl"\n', 'formula = "x**2 + y"\n', "[run]\n", "steps = 5\n",
        "steps = -1\n", "start = [1, 2]\n", "start = [nan, 1]\n", "[[optimizer]]\n",
        'name = "SGD"\n', "lr = 0.1\n", "lr = inf\n", "momentum = 2\n", "[show]\n",
        'panel = "distance"\n', "[sweep]\n", "lr = [0.1, 0.2]\n", "[model]\n", 'data = "moons"\n',
        "hidden = [4]\n", "[projection]\n", "resolution = 5\n", 'title = "t"\n', "x = {}\n", "\"\n",
    ]
)  # fmt: skip


@FAST
@given(st.lists(TOML_PIECES, max_size=12).map("".join))
def test_any_spec_text_loads_or_is_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    from descent.renders.spec import load_spec

    path = tmp_path_factory.mktemp("spec") / "s.toml"
    path.write_text(text)
    started = time.perf_counter()
    try:
        spec = load_spec(path)
    except engine.EngineError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        assert spec.steps >= 1 and spec.optimizers
    assert time.perf_counter() - started < 5.0  # a [model] builds its network


ARGS = st.sampled_from(
    [
        "render", "preview", "trajectory", "slides", "list", "bowl", "SaddlePoint", "x.py:A",
        "--quality", "ultra", "low", "--fps", "0", "nan", "1e9", "--format", "gif,avi", "--theme",
        "neon", "--steps", "-3", "10000000000", "--lr", "inf", "--start", "1,2,3", "--run-time",
        "0.1", "--to", "pdf", "--out", "--captions", "loud", "--opt", "k=v", "--param", "a",
    ]
)  # fmt: skip


@FAST
@given(st.lists(ARGS, max_size=8))
def test_any_command_line_parses_or_is_refused_in_one_line(argv: list[str]) -> None:
    from descent.renders.cli import UsageError, _jobs, build_parser
    from descent.renders.presets import parse_formats

    started = time.perf_counter()
    try:
        args = build_parser().parse_args(argv)
        if args.command == "render" and args.scenes:  # the checks before anything renders
            _jobs(args, args.scenes, parse_formats(args.format))
    except (UsageError, engine.EngineError) as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - started < 1.0
