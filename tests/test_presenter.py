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


# ---------------------------------------------------------------------------------------------
# a player slide: its keys, its size, its notes
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def player_deck(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A clip slide, then MomentumOvershoot's player (dark, as ``descent slides`` builds it:
    its picture at least 1280 × 720)."""
    from descent.renders import player
    from descent.scenes import get_scene

    tmp = tmp_path_factory.mktemp("player-deck")
    cls = get_scene("MomentumOvershoot")
    payload = player.build_payload(cls, width=1280, height=720)
    file = tmp / "MomentumOvershoot.html"
    file.write_text(player.player_html(payload), encoding="utf-8")
    clip = _clip(tmp / "Demo-0-beat.mp4", "black", "red")
    slides = [{"scene": "Demo", "name": "beat 1", "narration": "notes of beat 1", "clip": clip}]
    return {
        "deck": build_html(slides, tmp / "Demo", title="Demo", players=[file]),
        "payload": payload,
    }


def test_player_slide_keys_follow_one_rule(player_deck: dict) -> None:
    """The deck has the keys until the player is clicked (or its button pressed); then
    ← → End drive the player; Esc gives the keys back; PageUp/PageDown always change
    slides; the rule is written on the slide. The player's picture spans the slide's width
    less its legend column, its narration is in the notes, and the presenter view opens on
    the slide before it. Offline, no console error."""
    from playwright.sync_api import sync_playwright

    deck, payload = player_deck["deck"], player_deck["payload"]
    steps = str(payload["steps"])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if url.startswith(deck.as_uri() + "/"):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    requests.append(url)
                    r.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.goto((deck / "index.html").as_uri() + "#1")

            def state() -> tuple[str, str, str]:
                root = page.frame_locator("section.player iframe").locator(".descent-player")
                return (
                    page.evaluate("document.body.dataset.slide"),
                    page.evaluate("document.body.dataset.keys"),
                    root.get_attribute("data-step") or "",
                )

            page.keyboard.press("ArrowRight")
            page.frame_locator("section.player iframe").locator(
                ".descent-player[data-ready='1']"
            ).wait_for()
            assert state() == ("2", "deck", "0")
            hint = page.inner_text("section.player .keys")
            assert "Esc" in hint and "PgUp" in hint and "keys: the slides'" in hint, hint
            page.keyboard.press("ArrowRight")  # the deck's: the last slide stays
            assert state() == ("2", "deck", "0")
            page.keyboard.press("ArrowLeft")
            assert state()[:2] == ("1", "deck")
            page.keyboard.press("ArrowRight")
            frame = page.locator("section.player iframe")
            box = frame.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
            assert state() == ("2", "player", "0")
            assert "keys: the player's" in page.inner_text("section.player .keys")
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowLeft")
            assert state() == ("2", "player", "2")
            page.keyboard.press("Escape")
            assert state() == ("2", "deck", "2")
            page.keyboard.press("ArrowLeft")
            assert state() == ("1", "deck", "2")
            page.keyboard.press("PageDown")
            page.click("section.player .to-player")
            page.keyboard.press("End")
            assert state() == ("2", "player", steps)
            page.keyboard.press("PageUp")  # a remote's key: always the deck's
            assert state() == ("1", "deck", steps)
            page.keyboard.press("PageDown")
            assert state() == ("2", "deck", steps)
            # the picture at the slide's width less the legend column (was 957 px wide at
            # most: the frame was min(100vw, 133vh)); the narration is not on the slide
            player = page.frame_locator("section.player iframe")
            stage = player.locator(".dp-stage").bounding_box()
            assert stage is not None and stage["width"] >= 0.75 * 1280, stage
            assert not player.locator(".dp-say").is_visible()
            notes = page.evaluate("document.querySelectorAll('aside.notes')[1].textContent")
            assert payload["beats"][1]["say"] in notes and "Esc" in notes
            # the presenter view, opened on the slide before the player slide
            page.keyboard.press("Home")
            with page.expect_popup() as popup:
                page.keyboard.press("n")
            view = popup.value
            view.wait_for_function("document.body.dataset.slide === '1'")
            assert view.inner_text("#next-name") == "MomentumOvershoot: interactive player"
            assert errors == [] and requests == [], (errors, requests)
        finally:
            browser.close()


def test_player_slides_plot_is_as_large_as_the_video_slides(player_deck: dict) -> None:
    """In the same deck at 1280 × 720 and 1920 × 1080: the player slide draws the scene's
    plot at least as wide as a video slide shows it (the frame scaled to the slide: the plot's
    share of the frame's width times the clip's shown width), with its controls on the
    slide above the key rule and its loss chart drawn at its own size (at 1920 × 1080 the
    player stopped at 1280 px: its plot 616 px against the video's 890)."""
    from playwright.sync_api import sync_playwright

    deck, payload = player_deck["deck"], player_deck["payload"]
    area = payload["areas"][0]
    share = abs(area["ex"][0]) / payload["size"][0]  # the plot's share of the frame's width
    crop = payload.get("crop") or [0, 0, *payload["size"]]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for width, height in ((1280, 720), (1920, 1080)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((deck / "index.html").as_uri() + "#1")
                page.wait_for_function("document.body.dataset.ready === '4 player'")
                shown = page.evaluate(
                    "() => { const v = document.querySelector('section.current video'),"
                    " b = v.getBoundingClientRect();"
                    " return Math.min(b.width, b.height * v.videoWidth / v.videoHeight); }"
                )
                page.keyboard.press("ArrowRight")
                player = page.frame_locator("section.player iframe")
                player.locator(".descent-player[data-ready='1']").wait_for()
                page.wait_for_timeout(300)  # the player's fit, a frame later
                stage = player.locator(".dp-stage").bounding_box()
                bar = player.locator(".dp-bar").bounding_box()
                keys = page.locator("section.player .keys").bounding_box()
                assert stage is not None and bar is not None and keys is not None
                plot = abs(area["ex"][0]) * stage["width"] / (crop[2] - crop[0])
                assert plot >= share * shown - 1, (width, plot, share * shown)
                assert bar["y"] + bar["height"] <= keys["y"] + 0.5, (width, bar, keys)
                # the loss chart's bitmap is its box's, not stretched (the review's finding 37)
                chart = player.locator(".dp-chart").evaluate(
                    "c => [c.width, c.height, Math.round(c.clientWidth * devicePixelRatio),"
                    " Math.round(c.clientHeight * devicePixelRatio)]"
                )
                assert chart[:2] == chart[2:], (width, chart)
                page.close()
        finally:
            browser.close()


@pytest.mark.slow
def test_slides_command_counts_the_player_slide(tmp_path: Path) -> None:
    """``descent slides --to html --player`` prints the deck's own slide count."""
    import re
    import sys

    from descent.scenes import get_scene

    descent = Path(sys.executable).with_name("descent")
    args = ["slides", "SaddlePoint", "--to", "html", "--player", "--quality", "preview"]
    out = subprocess.run(
        [str(descent), *args, "--out", "deck"], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "deck" / "SaddlePoint" / "index.html").read_text(encoding="utf-8")
    sections = page.count("<section")
    assert sections == len(get_scene("SaddlePoint").beats) + 1
    assert re.search(rf"index\.html  {sections} slides$", out.stdout.strip()), out.stdout
