"""``show(Scene, format="html")`` in VS Code's notebook editor, for real and offline.

VS Code is code-server 4.100.3 (Coder's build of VS Code 1.100.3 for the browser, from npm;
``./setup.sh`` installs it into ``tests/browsers/vscode/node_modules``), driven by Playwright in
Debian's Chromium. No Jupyter extension is installed (there is no marketplace here): VS Code's
built-in ``ipynb`` extension opens the notebook and its built-in notebook renderers
(``extensions/notebook-renderers``, the same code that shows a kernel's outputs) draw the
*saved* outputs in the notebook's output webview. So the notebook is executed first by a real
kernel (nbclient), saved, then opened in VS Code: what the reader of a saved notebook sees, and
the same ``text/html`` that the Jupyter extension would hand to the same renderer.

Without code-server, Node 20 or Chromium the test skips with the reason (under ``CI`` it fails:
``./setup.sh`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from descent.scenes import get_scene

ROOT = Path(__file__).resolve().parent.parent
CODE_SERVER = ROOT / "tests" / "browsers" / "vscode" / "node_modules" / "code-server"
CHROMIUM = "/usr/bin/chromium"
SCENE = "LearningRates"
#: VS Code's user settings: nothing opens but the notebook, nothing phones home
SETTINGS = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "telemetry.telemetryLevel": "off",
    "security.workspace.trust.enabled": False,
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "workbench.colorTheme": "Default Dark Modern",
    "workbench.editorAssociations": {"*.ipynb": "jupyter-notebook"},
    "remote.autoForwardPorts": False,
}
#: the player's frame and its canvas's drawn pixels' centroid (0 px: nothing drawn)
CENTROID = """() => {
  const c = document.querySelector('canvas.dp-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sx = 0, sy = 0, s = 0;
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    const a = d[4 * (y * c.width + x) + 3];
    if (a) { sx += a * x; sy += a * y; s += a; }
  }
  return [s ? sx / s : -1, s ? sy / s : -1, s];
}"""


def _missing(what: str) -> None:
    """Skip for lack of ``what``; under CI (where ./setup.sh installed it) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{what}; ./setup.sh installs it and CI must run this test")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(what: str, probe: Any, timeout: float) -> Any:
    """``probe()`` until it returns something truthy; ``what`` names it in the failure."""
    end = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def _executed_notebook(folder: Path) -> Path:
    """A notebook whose one cell is ``show(SCENE, format="html")``, run by a real kernel
    (nbclient) and saved with its outputs."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"from descent.renders.api import show\nshow({SCENE!r}, format='html', out='media')"
        )
    )
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    [out] = nb.cells[0].outputs
    assert "iframe" in out["data"]["text/html"], out
    path = folder / "player.ipynb"
    nbformat.write(nb, path)
    return path


def _code_server(tmp: Path, workspace: Path) -> tuple[subprocess.Popen[bytes], str]:
    """code-server on a free port: no password, no telemetry, no update check, no workspace
    trust prompt, its own user-data, extensions and config (nothing under ``~``)."""
    user = tmp / "user-data"
    (user / "User").mkdir(parents=True)
    (user / "User" / "settings.json").write_text(json.dumps(SETTINGS))
    (tmp / "config.yaml").write_text("")  # else code-server writes ~/.config/code-server
    port = _free_port()
    server = subprocess.Popen(
        [
            "node",
            str(CODE_SERVER / "out" / "node" / "entry.js"),
            "--auth=none",
            f"--bind-addr=127.0.0.1:{port}",
            f"--config={tmp / 'config.yaml'}",
            f"--user-data-dir={user}",
            f"--extensions-dir={tmp / 'extensions'}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            str(workspace),
        ],
        stdout=(tmp / "code-server.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp / "xdg-config")},
    )
    base = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        if server.poll() is not None:
            log = (tmp / "code-server.log").read_text(errors="replace")
            raise AssertionError(f"code-server exited ({server.returncode}): {log[-2000:]}")
        try:
            urllib.request.urlopen(base + "healthz", timeout=1)
            return True
        except OSError:
            return False

    _poll("code-server to listen", up, 60)
    return server, base


def _node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run([node, "-p", "process.versions.node"], capture_output=True, text=True)
    return int(out.stdout.split(".")[0]) if out.returncode == 0 else None


@pytest.mark.slow
def test_show_in_vs_code(tmp_path: Path) -> None:
    """The saved output of ``show(Scene, format="html")`` in VS Code's notebook editor
    (code-server 4.100.3 = VS Code 1.100.3): the player appears in the output webview, ready;
    VS Code ran the output's script (the frame took the player's reported height) and sized
    the output to it, so the whole player, scrubber included, is on the page and under the
    mouse; a real click on the scrubber, the play button and the keys move the step and the
    dots; the player's frame fetches nothing and logs no error, and no request leaves the
    machine (the workbench's own are to the local code-server). At 1280 × 720, 600 and 400
    the player fits the notebook's visible height (VS Code's webview is as tall as the
    notebook): from the player's top, the scrubber and buttons are within the notebook's
    visible height, under the picture."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not (CODE_SERVER / "out" / "node" / "entry.js").is_file():
        _missing(f"needs code-server in {CODE_SERVER.parent}")
    if _node_major() != 20:
        _missing("needs Node 20 on PATH (code-server 4.100 runs on Node 20)")
    if not Path(CHROMIUM).exists():
        _missing(f"needs Debian's chromium at {CHROMIUM}")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    _executed_notebook(workspace)
    steps = get_scene(SCENE).steps
    server, base = _code_server(tmp_path, workspace)
    blocked: list[str] = []  # requests that would leave the machine
    from_player: list[str] = []  # any request from the player's frame, local or not
    errors: list[str] = []  # console errors and uncaught exceptions in the output's frames

    def route(r: Any) -> None:
        url = r.request.url
        try:
            frame_url = r.request.frame.url
        except Exception:  # a service worker's request has no frame
            frame_url = ""
        if frame_url.startswith("about:srcdoc"):
            from_player.append(url)
        if url.startswith((base, "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    def console(m: Any) -> None:
        where = m.location.get("url", "") if m.location else ""
        if m.type == "error" and ("webview/browser/pre" in where or where.startswith("about:")):
            errors.append(f"{where}: {m.text}")

    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            context = browser.new_context(viewport={"width": 1280, "height": 1200})
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.goto(f"{base}?folder={workspace}")
            # open the notebook from the explorer in VS Code's notebook editor (built-in ipynb).
            # Opened before the extension host has started, it comes up as JSON in the text
            # editor, or as a notebook editor that never shows its cells: then close it and
            # open it again (double-clicked as soon as the explorer showed it: JSON 3 of 3
            # times, the notebook on the next try 3 s after closing it)
            item = page.get_by_role("treeitem", name="player.ipynb")
            cells = page.locator(".notebook-editor .code-cell-row")
            text = page.locator(".editor-group-container .monaco-editor")
            for _attempt in range(5):
                item.dblclick(timeout=120_000)
                end = time.monotonic() + 30
                while time.monotonic() < end and not cells.count():
                    if text.count() and not page.locator(".notebook-editor").count():
                        break  # JSON in the text editor
                    time.sleep(0.2)
                if cells.count():
                    break
                page.locator(".tab.active .action-label.codicon-close").click()
                time.sleep(3)
            else:
                raise AssertionError("VS Code did not open player.ipynb as a notebook in 5 tries")

            box = page.locator(".notebook-editor").first.bounding_box()

            def nudge() -> None:
                """Headless Chromium drew the workbench here only on an input event or a
                screenshot: the output webview stayed empty 30 s without one (2 of 2 tries,
                with or without the frame's loading="lazy") and the notebook's row kept the
                height it had before the output came until the next screenshot. So the mouse
                moves over the notebook, as a reader's would, and a frame is drawn."""
                page.mouse.move(
                    box["x"] + box["width"] / 2 + 10 * (time.monotonic() % 2),
                    box["y"] + box["height"] / 2,
                )
                page.screenshot()

            def player_frame() -> Any:
                nudge()
                for f in page.frames:
                    if f.url.startswith("about:srcdoc") and f.parent_frame is not None:
                        try:
                            if f.evaluate(
                                "() => document.querySelector('.descent-player')"
                                "?.dataset.ready === '1'"
                            ):
                                return f
                        except Exception:  # a frame torn down while we looked
                            continue
                return None

            try:
                frame = _poll("the player in the notebook's output", player_frame, 120)
            except AssertionError:
                page.screenshot(path=str(tmp_path / "no-player.png"))
                raise AssertionError(
                    f"no player in the notebook's output (see {tmp_path / 'no-player.png'})"
                ) from None
            webview = frame.parent_frame  # VS Code's output webview (its active frame)
            assert "webview/browser/pre" in webview.url, webview.url
            # VS Code ran the output's script: the frame took the player's reported height,
            # and it holds the whole player (no scroll bar inside it)
            element = webview.locator("iframe.descent-player-frame")
            _poll(
                "the frame to take the player's height",
                lambda: element.evaluate("f => f.style.height !== ''"),
                20,
            )
            inner = frame.evaluate(
                "() => [document.documentElement.scrollHeight, window.innerHeight]"
            )
            assert inner[0] <= inner[1], f"the player scrolls inside its frame: {inner}"
            # ... and VS Code's output area took the frame's height: the cell's output area
            # in the notebook reaches below the player (1280 x 1200: the whole player is in the
            # page), and the scrubber is under the mouse, not covered nor cut off
            scrub = frame.locator(".dp-range").bounding_box()
            whole = frame.locator(".descent-player").bounding_box()
            bottom = whole["y"] + whole["height"]
            # the cell's output focus bar: VS Code sizes it to the output height it laid out
            row = page.locator(".notebook-editor .output-focus-indicator").first

            def row_holds_player() -> bool:
                nudge()
                box = row.bounding_box()
                return bool(box) and bottom <= box["y"] + box["height"] + 1

            _poll("the cell's output area to hold the player", row_holds_player, 20)
            assert bottom <= page.viewport_size["height"], (whole, page.viewport_size)
            hit = page.evaluate(
                "([x, y]) => { const e = document.elementFromPoint(x, y);"
                " return e && e.tagName + ' ' + e.className; }",
                [scrub["x"] + scrub["width"] / 2, scrub["y"] + scrub["height"] / 2],
            )
            assert hit and hit.startswith("IFRAME") and "webview" in hit, hit
            s = scrub
            root = frame.locator(".descent-player")
            counter = frame.locator(".dp-counter")
            assert counter.text_content() == f"step 0 / {steps}"
            x0, y0, ink0 = frame.evaluate(CENTROID)
            assert ink0 > 0, "the runs' dots are drawn"
            # a real click half-way along the scrubber: the step and the dots move
            page.mouse.click(s["x"] + s["width"] / 2, s["y"] + s["height"] / 2)
            _poll("a step after the click", lambda: root.get_attribute("data-step") != "0", 5)
            # (the scrubber is continuous: the clock between steps, the read-outs its nearest)
            t = float(frame.evaluate("() => document.querySelector('.dp-range').value"))
            assert 0 < t < steps, t
            assert abs(float(root.get_attribute("data-step") or "nan") - t) < 1e-3, t
            assert counter.text_content() == f"step {round(t)} / {steps}"
            x1, y1, _ = frame.evaluate(CENTROID)
            assert abs(x1 - x0) + abs(y1 - y0) > 5, ((x0, y0), (x1, y1))
            # the keys, with the focus in the player (where the click left it)
            page.keyboard.press("Home")
            _poll("Home", lambda: root.get_attribute("data-step") == "0", 5)
            assert frame.evaluate(CENTROID)[:2] == [x0, y0]
            page.keyboard.press("ArrowRight")
            _poll("→", lambda: root.get_attribute("data-step") == "1", 5)
            page.keyboard.press("End")
            _poll("End", lambda: root.get_attribute("data-step") == str(steps), 5)
            # the play button, clicked with the mouse, plays from the start to the end (at
            # 4×: 1× is the video's own pace, LearningRates' ~47 s)
            page.keyboard.press("Home")
            frame.locator("select.dp-speed").select_option("4")
            play = frame.get_by_role("button", name="play / pause (space)")
            pb = play.bounding_box()
            page.mouse.click(pb["x"] + pb["width"] / 2, pb["y"] + pb["height"] / 2)
            _poll(
                "the player to play to the end",
                lambda: root.get_attribute("data-step") == str(steps),
                45,
            )
            page.screenshot(path=str(tmp_path / "vscode.png"))
            # a short screen: VS Code's output webview is as tall as the whole notebook (its
            # innerHeight thousands of px), so the player is told the notebook's visible
            # height and fits it: from the player's top, the scrubber and the buttons are within
            # that height, under a picture at least --dp-min-h tall
            cells_view = page.locator(".notebook-editor .cell-list-container").first
            for height in (720, 600, 400):
                page.set_viewport_size({"width": 1280, "height": height})

                def told() -> bool:
                    nudge()
                    view = cells_view.bounding_box()
                    vh = root.evaluate("r => getComputedStyle(r).getPropertyValue('--dp-vh')")
                    return bool(view) and vh.strip() == f"{round(view['height'])}px"

                _poll(f"the player to be told the notebook's height at {height}", told, 20)
                nudge()  # a frame drawn: the player fits again (player.js, fitSoon)
                view = cells_view.bounding_box()
                got = frame.evaluate(
                    "() => { const r = document.querySelector('.descent-player'),"
                    " q = s => r.querySelector(s).getBoundingClientRect(), cs = getComputedStyle(r);"
                    " return [q('.dp-stage').height, r.getBoundingClientRect().height,"
                    " parseFloat(cs.getPropertyValue('--dp-min-h')),"
                    " parseFloat(cs.getPropertyValue('--dp-chrome'))]; }"
                )
                stage_h, whole_h, least, chrome = got
                # the player's top at the view's top (where the reader scrolls it: a wheel
                # turn in Monaco's list moves at least ~50 px, so the test measures instead):
                # the controls are in the view
                top = frame.locator(".descent-player").bounding_box()["y"]
                bar = frame.locator(".dp-bar").bounding_box()
                assert bar["y"] + bar["height"] - top <= view["height"] + 0.5, (height, bar, view)
                assert stage_h >= least - 1, (height, got)
                if view["height"] - chrome >= least:  # room for it all: the whole player fits
                    assert whole_h <= view["height"] + 1, (height, got, view)
                page.screenshot(path=str(tmp_path / f"vscode-{height}.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    assert from_player == [], f"the player fetched: {from_player}"
    assert blocked == [], f"requests off the machine: {blocked}"
    assert errors == [], f"errors in the notebook's output: {errors}"
