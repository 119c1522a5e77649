"""The Python API from a script and from a notebook run by a real Jupyter kernel."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from descent.renders.media import probe

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from manim import config

from descent.engine import OptimizerSpec
from descent.renders import RenderError, render
from descent.renders.pipeline import run_job
from descent.renders.api import targets_for
from descent.scenes.saddle_point import SaddlePoint


class Quick(SaddlePoint):
    steps = 20
    run_time = 1.0
    optimizers = (OptimizerSpec("SGD", lr=0.02),)


class Broken(SaddlePoint):
    run_time = 1.0

    def construct(self):
        raise ValueError("my bug")


width = config.pixel_width
files = render(Quick, quality="preview", formats=("mp4", "gif"), out="out")
assert sorted(files) == ["gif", "mp4"], files
assert config.pixel_width == width, "Manim's config is restored after an in-process render"
[job] = targets_for([Quick], quality="preview", formats=("mp4", "gif"), out="out")
assert run_job(job).status == "cached"
print("BUILTIN", render("SaddlePoint", quality="preview", formats="png", out="out")["png"])
for bad in ("SadlePoint", "missing.py:X"):
    try:
        render(bad)
    except RenderError as exc:
        print("ERROR", exc)
try:
    render(Broken, quality="preview", out="out")
except RenderError as exc:
    print("ERROR", exc)
"""


def test_api_from_a_script(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text(SCRIPT)
    out = subprocess.run(
        [sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    mp4 = probe(tmp_path / "out" / "Quick.mp4")
    assert (mp4.width, mp4.height, mp4.fps) == (426, 240, 10)
    assert probe(tmp_path / "out" / "Quick.gif").loop == 0
    assert probe(tmp_path / "out" / "SaddlePoint.png").width == 426
    errors = [line for line in out.stdout.splitlines() if line.startswith("ERROR")]
    assert "did you mean 'SaddlePoint'" in errors[0]
    assert "missing.py: no such file" in errors[1]
    line = SCRIPT.splitlines().index('        raise ValueError("my bug")') + 1
    assert errors[2] == f"ERROR Broken failed: script.py:{line} in construct: ValueError: my bug"
    assert not (tmp_path / "out" / "Broken.mp4").exists()


@pytest.mark.slow
def test_example_notebook_runs_in_a_real_kernel(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "examples" / "descent.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    gifs = [o["data"]["image/gif"] for o in outputs if "image/gif" in o.get("data", {})]
    videos = [
        o["data"]["text/html"]
        for o in outputs
        if "<video" in o.get("data", {}).get("text/html", "")
    ]
    assert gifs and base64.b64decode(gifs[0])[:6] in (b"GIF87a", b"GIF89a")
    assert videos and "data:video/mp4;base64," in videos[0] and " loop" in videos[0]
    assert (tmp_path / "media" / "Overshoot20.mp4").is_file()
    assert probe(tmp_path / "media" / "Overshoot20.png").width == 426
