"""The Sphinx extension: a real ``sphinx-build`` of a tiny project, twice."""

from __future__ import annotations

import re
import shutil
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
    [img] = re.findall(r'<img [^>]*class="descent" src="([^"]+)"', index)
    gif = probe(out / img)
    assert gif.width == 426 and gif.loop == 0 and gif.frames > 5
    page = (out / "guide" / "page.html").read_text()
    assert re.search(r"<video[^>]* controls loop muted", page)
    [video] = re.findall(r'<source src="([^"]+)" type="video/mp4"', page)
    [poster] = re.findall(r'<video [^>]*poster="([^"]+)"', page)
    assert probe((out / "guide" / poster).resolve()).width == 426
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


SPEC = """title = "{title}"
[landscape]
formula = "{formula}"
view = [[-3, 3], [-3, 3]]
[run]
start = [2.5, 2.0]
steps = 8
run_time = 1.0
[[optimizer]]
name = "SGD"
lr = 0.2
"""
GUIDE = """{name}
=====

.. descent:: scene.toml
   :format: {fmt}
"""
MEDIA = re.compile(r'(?:src|poster|href)="([^"#]+\.(?:gif|png|mp4))"')


@pytest.mark.slow
def test_media_reach_every_builder_under_names_of_their_own(tmp_path: Path) -> None:
    """Two pages' ``scene.toml``: each page shows its own; html, dirhtml, singlehtml and epub
    each get every medium they reference, also after the output folder is deleted."""
    src, build_dir = tmp_path / "src", tmp_path / "build"
    for name, formula, fmt in (("a", "x**2 + y**2", "gif"), ("b", "x**2 + 5*y**2", "mp4")):
        (src / "guide" / name).mkdir(parents=True)
        (src / "guide" / name / "scene.toml").write_text(SPEC.format(title=name, formula=formula))
        (src / "guide" / name / "index.rst").write_text(GUIDE.format(name=name, fmt=fmt))
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(
        "Demo\n====\n\n.. toctree::\n\n   guide/a/index\n   guide/b/index\n"
    )

    def make(builder: str) -> Path:
        sphinx = str(Path(sys.executable).with_name("sphinx-build"))
        done = subprocess.run(
            [sphinx, "-M", builder, str(src), str(build_dir)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        assert "not readable" not in done.stderr, done.stderr
        return build_dir / builder

    for round_ in range(2):
        for builder in ("html", "dirhtml", "singlehtml"):
            out = make(builder)
            pages = list(out.rglob("*.html"))
            found = 0
            for page in pages:
                for ref in MEDIA.findall(page.read_text()):
                    if "_static" in ref:
                        continue
                    assert (page.parent / ref).resolve().is_file(), (builder, page, ref)
                    found += 1
            assert found >= 3, builder  # a's gif; b's mp4 and its poster
            if builder == "html":
                a = (out / "guide" / "a" / "index.html").read_text()
                b = (out / "guide" / "b" / "index.html").read_text()
                [gif] = re.findall(r'src="([^"]+\.gif)"', a)
                [mp4] = re.findall(r'<source src="([^"]+\.mp4)"', b)
                assert "scene-preview-dark" in gif and "scene-preview-dark" in mp4
                assert Path(gif).stem.split("-")[-2] not in mp4  # each target its own name
        epub = make("epub")
        import zipfile

        [book] = epub.glob("*.epub")
        names = zipfile.ZipFile(book).namelist()
        assert any(n.endswith(".gif") for n in names)  # a's animation
        assert any(n.endswith(".png") for n in names)  # b's key frame, as a still
        for builder in ("html", "dirhtml", "singlehtml", "epub"):
            if round_ == 0:
                shutil.rmtree(build_dir / builder)  # deleted; the doctrees stay
    latex = make("latex")  # (no TeX needed to write the .tex): key frames as stills
    [tex] = latex.glob("*.tex")
    stills = re.findall(
        r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{([^}]+)\}\.png\}", tex.read_text()
    )
    assert len(stills) == 2 and all((latex / f"{name}.png").is_file() for name in stills)
