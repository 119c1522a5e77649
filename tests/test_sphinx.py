"""The Sphinx extension: a real ``sphinx-build`` of a tiny project, twice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from descent.renders.media import probe

pytest.importorskip("sphinx")

CONF = 'project = "demo"\nextensions = ["descent.renders.sphinxext"]\ndescent_quality = "preview"\n'
INDEX = """Demo
====

.. toctree::

   guide/page

.. descent:: SaddlePoint
   :format: gif
   :run-time: 1
"""
PAGE = """Page
====

.. descent:: ../lecture.py:Quick
   :format: mp4
"""
LECTURE = """from descent.scenes.saddle_point import SaddlePoint


class Quick(SaddlePoint):
    steps = 20
    run_time = 1.0
    end_wait = 0.2
"""


def build(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    sphinx = str(Path(sys.executable).with_name("sphinx-build"))
    return subprocess.run(
        [sphinx, "-b", "html", *extra, str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_docs_embed_rendered_files_and_a_second_build_renders_nothing(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "guide").mkdir(parents=True)
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(INDEX)
    (src / "guide" / "page.rst").write_text(PAGE)
    (src / "lecture.py").write_text(LECTURE)
    first = build(src, out)
    assert first.returncode == 0, first.stderr
    assert "descent: SaddlePoint (gif, preview): rendered" in first.stdout

    index = (out / "index.html").read_text()
    [img] = re.findall(r'<img class="descent" src="([^"]+)"', index)
    gif = probe(out / img)
    assert gif.width == 426 and gif.loop == 0 and gif.frames > 5
    page = (out / "guide" / "page.html").read_text()
    assert re.search(r"<video[^>]* controls loop muted", page)
    [video] = re.findall(r'<source src="([^"]+)" type="video/mp4"', page)
    mp4 = probe((out / "guide" / video).resolve())
    assert (mp4.width, mp4.height, mp4.codec) == (426, 240, "h264")

    stamp = (out / img).stat().st_mtime_ns
    for extra in ((), ("-E",)):  # an unchanged build; then every document read again
        again = build(src, out, *extra)
        assert again.returncode == 0, again.stderr
        assert "): rendered" not in again.stdout
    assert "descent: SaddlePoint (gif, preview): cached" in again.stdout
    assert (out / img).stat().st_mtime_ns == stamp

    (src / "lecture.py").write_text(LECTURE.replace("steps = 20", "steps = 25"))
    edited = build(src, out)
    assert "descent: ../lecture.py:Quick (mp4, preview): rendered" in edited.stdout


def test_a_bad_scene_is_a_sphinx_error_not_a_crash(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text("Demo\n====\n\n.. descent:: SadlePoint\n")
    out = build(src, tmp_path / "out")
    assert out.returncode == 0  # a warning in the page, as any directive error
    assert "descent: unknown scene 'SadlePoint'; did you mean 'SaddlePoint'?" in out.stderr
