"""Networks through the ``descent`` command: ``[model]`` specs and projected trajectories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from descent.renders.media import probe

DESCENT = str(Path(sys.executable).with_name("descent"))
OPT = '[[optimizer]]\nname = "Adam"\nlr = 0.01\n'


def descent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESCENT, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_csv_model_spec_renders_and_the_csv_is_part_of_the_cache_key(tmp_path: Path) -> None:
    rows = ["x1,x2,label"] + [f"{i / 10},{(i * 7 % 10) / 10},{int(i % 3 == 0)}" for i in range(40)]
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n")
    spec = tmp_path / "mine.toml"
    spec.write_text(
        '[model]\nhidden = [6]\ncsv = "points.csv"\ntarget = "label"\n'
        "[projection]\nresolution = 20\n[run]\nsteps = 20\nrun_time = 1.0\n" + OPT
    )
    first = descent("render", str(spec), "--format", "png", "--quality", "preview", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert probe(tmp_path / "media" / "mine.png").width == 426 and "rendered" in first.stdout
    again = descent("render", str(spec), "--format", "png", "--quality", "preview", cwd=tmp_path)
    assert "cached" in again.stdout + again.stderr
    (tmp_path / "points.csv").write_text("\n".join(rows[:-1]) + "\n")  # the data changed
    edited = descent("render", str(spec), "--format", "png", "--quality", "preview", cwd=tmp_path)
    assert "rendered" in edited.stdout and "cached" not in edited.stdout


BAD = {
    "unknown_data.toml": ('[model]\ndata = "mnist"\n' + OPT, "known: circles, digits, iris"),
    "unknown_activation.toml": (
        '[model]\ndata = "moons"\nactivation = "swish"\n' + OPT,
        "unknown activation 'swish'",
    ),
    "unknown_loss.toml": (
        '[model]\ndata = "moons"\nloss = "hinge"\n' + OPT,
        "known: cross_entropy",
    ),
    "unknown_architecture.toml": (
        '[model]\narchitecture = "resnet"\ndata = "moons"\n' + OPT,
        "known: mlp",
    ),
    "too_many_parameters.toml": (
        '[model]\ndata = "moons"\nhidden = [512, 512]\n' + OPT,
        "the limit is 100,000",
    ),
    "too_many_rows.toml": ('[model]\ndata = "moons"\nn = 10000000\n' + OPT, "model.n"),
    "too_many_grid_points.toml": (
        '[model]\ndata = "moons"\n[projection]\nresolution = 5000\n' + OPT,
        "projection.resolution: must be an integer in 10..300",
    ),
    "unknown_projection.toml": (
        '[model]\ndata = "moons"\n[projection]\nkind = "tsne"\n' + OPT,
        "known: pca, random",
    ),
    "both_tables.toml": (
        '[landscape]\nname = "bowl"\n[model]\ndata = "moons"\n' + OPT,
        "[landscape] or [model]",
    ),
    "malformed_csv.toml": (
        '[model]\ncsv = "bad.csv"\ntarget = "label"\n' + OPT,
        "bad.csv:3: column 'x2' is 'oops', not a number",
    ),
    "missing_column.toml": (
        '[model]\ncsv = "bad.csv"\ntarget = "y"\n' + OPT,
        "unknown column",
    ),
    "start_with_model.toml": (
        '[model]\ndata = "moons"\n[run]\nstart = [0, 0]\n' + OPT,
        "run.start: a network starts at its initial weights",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_model_spec_is_one_line_exit_2_nothing_written(name: str, tmp_path: Path) -> None:
    text, expected = BAD[name]
    (tmp_path / "bad.csv").write_text("x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")
    spec = tmp_path / name
    spec.write_text(text)
    out = descent("render", str(spec), cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("descent: error: ")
    assert expected in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "media").exists()


def test_trajectory_exports_projected_coordinates(tmp_path: Path) -> None:
    out = descent(
        "trajectory",
        "mlp",
        "--param",
        "hidden=[4]",
        "--param",
        'data="xor"',
        "--param",
        "n=40",
        "--optimizer",
        "Adam",
        "--lr",
        "0.05",
        "--steps",
        "12",
        "--project",
        "pca",
        "--csv",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    names = header.split(",")
    assert names[-4:] == ["plane_x", "plane_y", "off_plane", "plane_loss"] and len(rows) == 13
    first = dict(zip(names, rows[0].split(","), strict=True))
    assert float(first["plane_x"]) == 0.0 and float(first["off_plane"]) == 0.0
    assert float(first["plane_loss"]) == pytest.approx(float(first["loss"]), rel=1e-5)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--project", "tsne"], "unknown projection 'tsne'"),
        (["--param", "data=mnist"], "unknown data set 'mnist'"),
        (["--param", "hidden"], "--param needs KEY=VALUE"),
        (["--param", "depth=3"], "has no parameter 'depth'"),
    ],
)
def test_bad_network_trajectory_arguments(args: list[str], expected: str, tmp_path: Path) -> None:
    out = descent("trajectory", "mlp", "--steps", "2", *args, cwd=tmp_path)
    assert out.returncode == 2 and expected in out.stderr, out.stderr
    assert out.stderr.count("\n") == 1
