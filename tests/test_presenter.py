"""The HTML deck's presenter view in a real browser (Debian's Chromium through Playwright):
it follows the projected deck and the deck follows it; clicks on its controls do not
advance; the posters are each beat's key frame (its last frame)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from descent.renders.slides import build_html, poster

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def _clip(path: Path, start: str, end: str) -> Path:
    """A 1 s clip fading from colour ``start`` to ``end`` (its last frame differs)."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
        "-i", f"color=c={start}:s=160x90:d=1:r=10", "-f", "lavfi",
        "-i", f"color=c={end}:s=160x90:d=1:r=10",
        "-filter_complex", "[0][1]blend=all_expr='A*(1-T)+B*T'",
        "-pix_fmt", "yuv420p", "-c:v", "libx264", "-y", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("deck")
    colours = [("black", "red"), ("black", "green"), ("black", "blue")]
    slides = [
        {
            "scene": "Demo",
            "name": f"beat {i + 1}",
            "narration": f"notes of beat {i + 1}",
            "clip": _clip(tmp / f"Demo-{i}-beat.mp4", a, b),
        }
        for i, (a, b) in enumerate(colours)
    ]
    return build_html(slides, tmp / "Demo", title="Demo")


def test_poster_is_the_key_frame_not_the_first(deck: Path, tmp_path: Path) -> None:
    from PIL import Image

    clip = next((deck / "clips").glob("01-*.mp4"))
    still = np.asarray(Image.open(poster(clip, tmp_path / "p.png")).convert("RGB"), dtype=float)
    assert still[..., 0].mean() > 150  # red: the clip's end, not its black first frame


def test_presenter_window_follows_the_deck(deck: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto((deck / "index.html").as_uri() + "#1")
            page.wait_for_function("document.body.dataset.slide === '1'")
            with page.expect_popup() as popup:
                page.keyboard.press("n")
            view = popup.value
            view.wait_for_function("document.body.dataset.slide === '1'")
            assert "presenter" in view.evaluate("document.body.className")
            # notes, the next slide and a timer are in the presenter window
            assert view.inner_text("#notes") == "notes of beat 1"
            assert view.inner_text("#next-name") == "Demo: beat 2"
            assert view.inner_text("#timer").count(":") == 1
            # the projected deck shows no notes
            assert not page.is_visible("aside.notes")
            # the deck moves: the presenter follows
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            view.wait_for_function("document.body.dataset.slide === '3'")
            assert view.inner_text("#notes") == "notes of beat 3"
            assert view.inner_text("#next-name") == "end"
            # the presenter moves: the deck follows
            view.keyboard.press("ArrowLeft")
            page.wait_for_function("document.body.dataset.slide === '2'")
            # a click on a control does its job only
            view.click("#reset-button")
            view.wait_for_timeout(200)
            assert page.evaluate("document.body.dataset.slide") == "2"
            view.click("#next-button")
            page.wait_for_function("document.body.dataset.slide === '3'")
            # a click on the projected slide advances, as before
            page.click("body", position={"x": 10, "y": 10})
            page.wait_for_timeout(200)
            assert page.evaluate("document.body.dataset.slide") == "3"  # the last one stays
            page.keyboard.press("Home")
            page.click("body", position={"x": 10, "y": 10})
            page.wait_for_function("document.body.dataset.slide === '2'")
            view.wait_for_function("document.body.dataset.slide === '2'")
        finally:
            browser.close()
