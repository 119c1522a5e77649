"""Packaging that respects the user's environment (issue #20): installing descent without
``constraints.txt`` into an environment that already has its own torch (say a CUDA build)
keeps that torch; the package declares what it imports and is typed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USERS_TORCH = "2.5.0+cu121"  # not the lock's 2.13.0+cpu: a build descent must not replace


def _sources(dest: Path) -> Path:
    """The repository's files without local state (venv, git, renders, build output)."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "media", "build", "*.egg-info", "__pycache__", ".*cache*"
    )
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


def _pip(env_python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_python), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={k: v for k, v in __import__("os").environ.items() if k != "PIP_CONSTRAINT"},
    )


@pytest.mark.slow
def test_install_without_constraints_keeps_the_users_torch(tmp_path: Path) -> None:
    """A fresh venv whose torch is the user's own: its packages are this environment's (a
    ``.pth`` line, nothing downloaded), with torch's metadata saying ``2.5.0+cu121``."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (site / "_theirs.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    theirs = site / f"torch-{USERS_TORCH}.dist-info"
    theirs.mkdir()
    (theirs / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: torch\nVersion: {USERS_TORCH}\n"
    )
    (theirs / "INSTALLER").write_text("pip\n")
    (theirs / "RECORD").write_text("")
    src = _sources(tmp_path / "src")
    plan = _pip(
        python,
        "install",
        "--dry-run",
        "--no-build-isolation",
        "--report",
        str(tmp_path / "plan.json"),
        ".",
        cwd=src,
    )
    assert plan.returncode == 0, plan.stderr
    wanted = [
        i["metadata"]["name"] for i in json.loads((tmp_path / "plan.json").read_text())["install"]
    ]
    assert wanted == ["manim-descent"], wanted  # nothing else: torch, numpy, manim kept
    done = _pip(python, "install", "--no-build-isolation", ".", cwd=src)
    assert done.returncode == 0, done.stderr
    check = subprocess.run(
        [
            str(python),
            "-c",
            "from importlib import metadata; import descent.engine as e; "
            "print(metadata.version('torch')); "
            "t = e.simulate('bowl', e.OptimizerSpec('SGD', lr=0.1), start=[3, 4], steps=5, cache=False); "
            "print(t.params[-1].tolist())",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    version, end = check.stdout.splitlines()
    assert version == USERS_TORCH  # still theirs
    from descent import engine

    here = engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), start=[3, 4], steps=5)
    assert json.loads(end) == here.params[-1].tolist()  # the same numbers as the lock's run
    fast = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-x",
            "-m",
            "not slow",
            "-p",
            "no:cacheprovider",
            "tests/test_engine_trajectories.py",
            "tests/test_honest_pictures.py",
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert fast.returncode == 0, fast.stdout[-3000:]


def test_requirements_are_ranges_and_the_lock_is_exact() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {
        d.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower(): d
        for d in project["dependencies"]
    }
    assert "==" not in deps["torch"] and "==" not in deps["numpy"] and "==" not in deps["manim"]
    for imported in ("srt", "pycairo", "manimpango", "cloudpickle", "imageio"):
        assert imported in deps, imported
    lock = (ROOT / "constraints.txt").read_text().lower()
    for pinned in (
        "torch==2.13.0",
        "manim==0.22.0",
        "cloudpickle==",
        "srt==",
        "pycairo==",
        "manimpango==",
    ):
        assert pinned in lock


def test_wheel_is_typed_and_runs_as_python_m_descent(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(tmp_path / "w")],
        cwd=_sources(tmp_path / "src"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    [wheel] = (tmp_path / "w").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "descent/renders/py.typed" in names and "descent/__main__.py" in names
    assert "descent/__init__.py" not in names  # still an implicit namespace package


def test_imageio_reads_the_frames_pyav_decodes(tmp_path: Path) -> None:
    """``read_frames`` (imageio.v3, PyAV plugin, streaming) picks the frames and times that
    decoding everything with PyAV and picking from it gives, the first for ``count=1``."""
    import av
    import numpy as np

    from descent.renders.media import read_frames

    path = tmp_path / "ramp.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for k in range(23):
            img = np.full((48, 64, 3), k * 10, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode())
    with av.open(str(path)) as video:
        every = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    for count in (1, 5, 9):
        picks = np.unique(np.linspace(0, len(every) - 1, count).round().astype(int))
        got = read_frames(path, count)
        assert [t for t, _ in got] == [i / 10 for i in picks]
        assert all(np.array_equal(f, every[i]) for (_, f), i in zip(got, picks, strict=True))
