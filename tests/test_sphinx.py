"""The Sphinx extension: a real ``sphinx-build`` of a tiny project, twice."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


# ---------------------------------------------------------------------------------------------
# the html player in a page (alabaster, Sphinx's default theme), in Debian's Chromium
# ---------------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
PLAYERS = """Lecture
=======

Momentum overshoots in a narrow valley:

.. descent:: MomentumOvershoot
   :format: html

Text between the two players.

.. descent:: LearningRates
   :format: html
   :theme: light
"""
#: every text node shown in the player's page: its font size (px) and a sample
DOM_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || e.closest('script, style') || !e.getClientRects().length) continue;
    out.push([parseFloat(getComputedStyle(e).fontSize), n.textContent.trim().slice(0, 30)]);
  }
  return out;
}"""


def picture_size(player_file: Path) -> tuple[int, int]:
    """The size of a player's background picture, decoded from its data URI (WebP)."""
    import base64
    import io
    import json

    from PIL import Image

    text = player_file.read_text(encoding="utf-8")
    [data] = re.findall(
        r'<script type="application/json" class="descent-data">(.*?)</script>', text
    )
    payload = json.loads(data)
    head, encoded = payload["image"].split(",", 1)
    assert head == "data:image/webp;base64", head
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert list(image.size) == payload["size"], (image.size, payload["size"])
    return image.size


def picture_text_em(name: str, theme: str) -> list[tuple[float, str, bool]]:
    """Every text drawn into ``name``'s player picture: ``(em in scene units, text, in the
    colour bar)``, measured from its glyphs against the same text laid out at 1 em
    (font size 72 is 1 scene unit: kit.text), so a scaled or rotated label reads right."""
    import math

    import numpy as np

    from descent.renders import player
    from descent.scenes import get_scene
    from descent.scenes.kit.plot import ColorBar
    from descent.scenes.kit.text import Label, text_outlines

    cap = player.capture(get_scene(name), theme=theme, width=1280, height=720)
    moving = {id(g) for m in cap.layered for g in m.get_family()}
    in_bar = {id(g) for m in cap.scene.mobjects for f in m.get_family() if isinstance(f, ColorBar)
              for g in f.get_family()}  # fmt: skip
    found: dict[int, tuple[float, str, bool]] = {}
    for m in cap.scene.mobjects:
        for f in m.get_family():
            if not isinstance(f, Label) or id(f) in moving or not f.text.strip():
                continue
            if not any(g.get_fill_opacities().max() > 0 for g in f.submobjects):
                continue  # faded out
            ref = np.concatenate(text_outlines(f.text, 72), 0)
            ref_diag = math.hypot(np.ptp(ref[:, 0]), np.ptp(ref[:, 1]))
            found[id(f)] = (math.hypot(f.width, f.height) / ref_diag, f.text, id(f) in in_bar)
    assert found, name
    return list(found.values())


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium")
def test_html_players_take_the_content_width_and_grow_to_the_player(tmp_path: Path) -> None:
    """Two ``:format: html`` players in alabaster (a 660-px column) at a 1280 × 720 window:
    each frame is the column's width and the player's height (nothing inside scrolls or is
    cut off; the player fits the window's height, as in a notebook), its picture spans the
    column (the fixed 16:11.5 frame shrank it to 220 px), the page's text is ≥ 12 px, and
    the two players keep their own state. In a 1280 × 600 and × 400 window each player's
    controls lie within the window's height from its frame's top. Offline, no console
    error."""
    sync_api = pytest.importorskip("playwright.sync_api")
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "conf.py").write_text('project = "demo"\nextensions = ["descent.renders.sphinxext"]\n')
    (src / "index.rst").write_text(PLAYERS)
    done = build(src, out, "-q")
    assert done.returncode == 0, done.stderr
    page_html = (out / "index.html").read_text()
    assert page_html.count('class="descent descent-player-frame"') == 2
    # the quality used (the default, low) is in the file's name; the picture, one still
    # frame, is drawn at 1280 × 720 all the same (sharp in a 1280-px window)
    files = re.findall(r'src="(_downloads/[^"]+-low-(?:dark|light)-[^"]+\.html)"', page_html)
    assert len(files) == 2
    for file in files:
        assert picture_size(out / file) == (1280, 720), file

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r: Any) -> None:
                if r.request.url.startswith(out.as_uri() + "/"):
                    r.continue_()
                else:
                    requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto((out / "index.html").as_uri())
            frames = page.locator("iframe.descent-player-frame")
            measured = []
            for k in range(2):
                frames.nth(k).scroll_into_view_if_needed()
                frame = frames.nth(k).content_frame
                frame.locator(".descent-player[data-ready='1']").wait_for()
                box = frames.nth(k).bounding_box()
                column = frames.nth(k).evaluate("f => f.parentElement.clientWidth")
                # the frame takes the height the player reports, and the player's layout has
                # settled (a loaded machine measured it mid-fit: the same three times running)
                last, same = None, 0
                for _ in range(100):
                    inner = frame.locator("html").evaluate("e => e.getBoundingClientRect().height")
                    box = frames.nth(k).bounding_box()
                    stage = frame.locator(".dp-stage").bounding_box()
                    now = (round(inner), round(box["height"]), round(stage["width"]))
                    same = same + 1 if now == last and abs(box["height"] - inner) <= 1 else 0
                    if same >= 3:
                        break
                    last = now
                    page.wait_for_timeout(100)
                small = [t for t in frame.locator("html").evaluate(DOM_TEXT) if t[0] < 12]
                measured.append((box, column, stage))
                assert box["width"] == column == 660, (box, column)
                assert abs(box["height"] - inner) <= 1 and box["height"] <= 720, (box, inner)
                assert stage["width"] >= 0.95 * column, (stage, column)  # was 220 of 660
                assert small == [], small
                page.screenshot(path=str(tmp_path / f"frame{k}.png"))
            assert [t for t in page.evaluate(DOM_TEXT) if t[0] < 12] == []
            # the picture's own text at that size: the axes' ticks and labels, the title and
            # subtitle ≥ 12 px; only the colour bar's ticks are smaller (font 16: 10 px)
            for (_, _, stage), (name, theme) in zip(
                measured, (("MomentumOvershoot", "dark"), ("LearningRates", "light")), strict=True
            ):
                px_per_unit = stage["width"] / (14 + 2 / 9)
                texts = [
                    (em * px_per_unit, text, bar) for em, text, bar in picture_text_em(name, theme)
                ]
                assert min(px for px, _, bar in texts if not bar) >= 12, sorted(texts)[:5]
                assert min(px for px, _, _ in texts) >= 10, sorted(texts)[:5]
            # two players, two states: End in the first leaves the second at step 0
            first, second = (frames.nth(k).content_frame for k in range(2))
            frames.nth(0).scroll_into_view_if_needed()
            first.locator(".dp-stage").click()
            page.keyboard.press("End")
            assert first.locator(".descent-player").get_attribute("data-step") == "80"
            assert second.locator(".descent-player").get_attribute("data-step") == "0"
            # a short window (1280 × 600, 400): each player is told the window's height and
            # fits it; from the frame's top the scrubber and buttons are within it, under a
            # picture at least --dp-min-h tall
            for height in (600, 400):
                page.set_viewport_size({"width": 1280, "height": height})
                for k in range(2):
                    inner = frames.nth(k).content_frame
                    root = inner.locator(".descent-player")
                    for _ in range(50):
                        vh = root.evaluate("r => getComputedStyle(r).getPropertyValue('--dp-vh')")
                        if vh.strip() == f"{height}px":
                            break
                        page.wait_for_timeout(100)
                    assert vh.strip() == f"{height}px", (k, vh)
                    page.wait_for_timeout(300)  # the player's fit and the frame's height
                    top = frames.nth(k).bounding_box()["y"]
                    bar = inner.locator(".dp-bar").bounding_box()
                    stage = inner.locator(".dp-stage").bounding_box()
                    least = root.evaluate(
                        "r => parseFloat(getComputedStyle(r).getPropertyValue('--dp-min-h'))"
                    )
                    assert bar["y"] + bar["height"] - top <= height + 0.5, (height, k, bar, top)
                    assert stage["height"] >= least - 1, (height, k, stage)
                    assert bar["y"] >= stage["y"] + stage["height"] - 0.5, (height, k, bar, stage)
                frames.nth(0).scroll_into_view_if_needed()
                page.screenshot(path=str(tmp_path / f"page-{height}.png"))
            assert errors == [] and requests == [], (errors, requests)
        finally:
            browser.close()
