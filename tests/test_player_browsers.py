"""The html player (descent.renders.player) in Firefox and in WebKit, offline.

tests/test_player.py checks the player in Debian's Chromium through Playwright. Here the key
checks run in the two other engines people use, with real browsers from Debian:

- **Firefox**: Debian's ``firefox-esr`` over WebDriver BiDi (no geckodriver), driven by
  puppeteer-core from a small node script (``tests/browsers/bridge.mjs``; ``./setup.sh``
  installs its pinned packages with ``npm ci``). Every request but the file's own is aborted
  and recorded; console errors and page errors are recorded.
- **WebKit**: WebKitGTK (``webkit2gtk-driver``'s ``WebKitWebDriver`` and its MiniBrowser)
  through Selenium, on a private Xvfb screen. This is Safari's engine, not Safari on macOS.
  Classic WebDriver reports no console and no requests, so the page gets a hook script as the
  first thing in its ``<head>`` (errors, rejections, ``console.error``, CSP violations), the
  browser's proxy is a local recorder that answers every request it sees with 403, and the
  page's resource timing entries list anything else it loaded.

One browser per module and engine (about 3 s to start Firefox, 1 s for WebKit). A missing
browser skips with its reason; under ``CI`` it fails instead (``./setup.sh`` installs them).
A browser that dies under a test (WebKitGTK's web process crashed in a CI run, and the one
session then failed eight tests) is restarted and the test runs once more (:func:`recovers`):
the first error is reported as a :class:`BrowserRestarted` warning, or with the second.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import http.server
import json
import os
import queue
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_player import (  # noqa: F401 (fixtures)
    CENTROID,
    data_to_pixel,
    overshoot,
    rate_map,
    shown_lattice,
)
from test_presenter import deck  # noqa: F401 (a fixture)

from descent.renders import player
from descent.scenes import get_scene

FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
BRIDGE = Path(__file__).with_name("browsers") / "bridge.mjs"
ROOTS = "document.querySelectorAll('.descent-player')"
#: selenium 4.51's own WebKitGTK driver class still passes the old argument
pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def _missing(what: str) -> None:
    """Skip for lack of ``what``; under CI (where ./setup.sh installed it) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{what}; ./setup.sh installs it and CI must run this test")
    pytest.skip(what)


# ---------------------------------------------------------------------------------------------
# a browser that dies under a test: the test runs again once, on a fresh session
# ---------------------------------------------------------------------------------------------
#: seconds a browser gets to answer the liveness probe after a failure
PROBE_S = 5.0
#: seconds one command gets before its browser counts as hung
COMMAND_S = 60.0


class BrowserRestarted(UserWarning):
    """A test's browser died under it (page crash or hang) and the test passed on a fresh
    session: the first error is this warning's message, never dropped."""


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                found.append((child, Path(f"/proc/{child}/comm").read_text().strip()))
            except OSError:
                continue
            todo.append(child)
    return found


def _kill(processes: list[tuple[int, str]]) -> None:
    """SIGKILL each (pid, name) still running under that name (a pid is not reused)."""
    for pid, name in processes:
        with contextlib.suppress(OSError):  # ended meanwhile
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                os.kill(pid, signal.SIGKILL)


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def _kernel_says(words: tuple[str, ...], since: float) -> list[str]:
    """The kernel's lines since uptime ``since`` that name one of ``words`` (a crashed
    process's signal, e.g. ``traps: WebKitWebProces[…] trap invalid opcode … in
    libwebkit2gtk…`` or ``ThreadedCompositor[…]: segfault … in swrast_dri.so``) or an OOM
    kill; empty where dmesg may not be read."""
    try:
        out = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    lines = []
    for line in out.splitlines():
        stamp, _, text = line.partition("]")
        try:
            recent = float(stamp.strip("[ ")) >= since
        except ValueError:
            continue
        if recent and any(w in text for w in (*words, "Out of memory", "Killed process")):
            lines.append(text.strip())
    return lines


def recovers(test: Any) -> Any:
    """``test``, run again once on a fresh browser session when its browser died under it.

    After a failure the browser is probed (``alive``: a script answered within
    :data:`PROBE_S`). A live browser's failure is the test's own and is raised as it is. A dead
    one (a page crash or hang: WebKitGTK answers "Could not parse script result" to the script
    the page died in, then "session deleted because of page crash or hang" to everything) is
    restarted and the test runs again: passing, it reports the first error and what the
    browser and the kernel logged as a :class:`BrowserRestarted` warning; failing again, it
    fails with both errors (an ``ExceptionGroup``). Either way the next test gets a live
    session, so one crash fails at most one test, never the rest of the module.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        b = kwargs["browser"]
        try:
            test(*args, **kwargs)
            return
        except Exception as error:
            if b.alive():
                raise
            first = error
        try:
            died = b.restart()
        except Exception as start:
            raise ExceptionGroup(
                f"{b.name}: the session died under the test, and no fresh one started",
                [first, start],
            ) from None
        try:
            test(*args, **kwargs)
        except Exception as second:
            if not b.alive():
                b.restart()
            raise ExceptionGroup(
                f"{b.name}: the session died under the test ({died}), and the test failed "
                "again on a fresh session",
                [first, second],
            ) from None
        warnings.warn(
            BrowserRestarted(
                f"{b.name}: {test.__name__} passed on a fresh session; its first session died: "
                f"{type(first).__name__}: {str(first).strip()} ({died})"
            ),
            stacklevel=2,
        )

    return run


# ---------------------------------------------------------------------------------------------
# two drivers, one small interface: open, js, key, move, click, screenshot, log, close,
# and alive, restart, kill_page for a browser that dies
# ---------------------------------------------------------------------------------------------
class Firefox:
    """Debian's firefox-esr, headless, through puppeteer-core (WebDriver BiDi)."""

    name = "firefox"

    def __init__(self) -> None:
        if not Path(FIREFOX).exists():
            _missing(f"needs Debian's firefox-esr at {FIREFOX}")
        if shutil.which("node") is None:
            _missing("needs node (Node.js) to drive Firefox with puppeteer-core")
        if not (BRIDGE.parent / "node_modules" / "puppeteer-core").is_dir():
            _missing("needs puppeteer-core in tests/browsers/node_modules (./setup.sh: npm ci)")
        self.sessions = 0
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [str(shutil.which("node")), str(BRIDGE), FIREFOX],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=BRIDGE.parent,
        )
        self.hung = False
        self.since = _uptime()
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.answers), daemon=True).start()
        self.sessions += 1
        self.version = self._answer()

    @staticmethod
    def _read(proc: subprocess.Popen[str], answers: queue.Queue[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            answers.put(line)
        proc.stdout.close()
        answers.put("")  # the bridge ended

    def _answer(self, timeout: float | None = None) -> Any:
        timeout = COMMAND_S if timeout is None else timeout
        try:
            line = self.answers.get(timeout=timeout)
        except queue.Empty:
            self.hung = True
            raise TimeoutError(f"the Firefox bridge did not answer within {timeout:g} s") from None
        if not line:
            raise RuntimeError(f"the Firefox bridge ended (exit {self.proc.wait(10)})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["ok"]

    def _send(self, timeout: float | None = None, **cmd: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._answer(timeout)

    def alive(self) -> bool:
        """Whether the page answers a script within :data:`PROBE_S` (a crashed tab does not)."""
        if self.hung or self.proc.poll() is not None:
            return False
        try:
            return self._send(op="ping", timeout=PROBE_S) == 1
        except (OSError, RuntimeError, TimeoutError):
            return False

    def restart(self) -> str:
        """A fresh Firefox in place of this one; returns what the kernel logged meanwhile."""
        said = _kernel_says(("firefox", "Content", "libxul"), self.since)
        self._stop(force=True)
        self._start()
        return "; ".join(["the page answers no script", *said])

    def kill_page(self) -> None:
        """SIGKILL the processes that render file:// pages (what a content crash does)."""
        _kill([(p, name) for p, name in _descendants(self.proc.pid) if name == "file:// Content"])

    def open(self, path: Path, allow: Path | None = None) -> None:
        prefix = allow.as_uri() + "/" if allow else None
        self._send(op="open", url=path.as_uri(), allow=prefix, width=960, height=800)

    def js(self, expr: str) -> Any:
        return self._send(op="eval", expr=expr)

    def key(self, key: str) -> None:
        self._send(op="key", key=key)

    def move(self, x: float, y: float) -> None:
        self._send(op="move", x=x, y=y)

    def click(self, x: float, y: float) -> None:
        self._send(op="click", x=x, y=y)

    def screenshot(self, path: Path) -> Path:
        self._send(op="screenshot", path=str(path))
        return path

    def log(self) -> tuple[list[str], list[str]]:
        got = self._send(op="log")
        return got["blocked"], got["errors"]

    def select(self, index: int) -> None:
        """Later commands go to window ``index`` (1: the first popup), once it is open."""
        self._send(op="select", index=index, timeout=10000)

    def frame(self, index: int | None) -> None:
        """Later ``js`` runs in the window's child frame ``index`` (None: the window)."""
        self._send(op="frame", index=index)

    def close(self) -> None:
        self._stop(force=False)

    def _stop(self, force: bool) -> None:
        """Quit the bridge (and its Firefox); ``force``, or when it does not end within 20 s:
        kill it and everything it started."""
        assert self.proc.stdin is not None
        below = _descendants(self.proc.pid)
        if not force:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.close()
                self.proc.wait(20)
                return
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.proc.kill()
        _kill(below)
        self.proc.wait(10)
        with contextlib.suppress(OSError):  # a pipe to a killed bridge
            self.proc.stdin.close()


#: run first in the page under WebKit: what classic WebDriver cannot report
HOOKS = """<script>(function () {
  var seen = window.__descentTest = { errors: [], blocked: [] };
  addEventListener("error", function (e) { seen.errors.push(String(e.error || e.message)); });
  addEventListener("unhandledrejection", function (e) { seen.errors.push("unhandled: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { seen.blocked.push(e.blockedURI); });
  var error = console.error;
  console.error = function () { seen.errors.push([].join.call(arguments, " ")); return error.apply(console, arguments); };
})();</script>"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    """The browser's proxy: records every request and refuses it."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append(self.requestline)
        self.send_error(403)

    do_POST = do_HEAD = do_CONNECT = do_GET  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


def _xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """A private X server on the first free display from :90 (its socket is the sign)."""
    for n in range(90, 190):
        if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        server = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 10
        while server.poll() is None and time.monotonic() < end:
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                return server, f":{n}"
            time.sleep(0.02)
        server.kill()
        server.wait()
    raise RuntimeError("no Xvfb display could be started on :90 to :189")


class WebKit:
    """WebKitGTK's MiniBrowser through WebKitWebDriver and Selenium, on its own Xvfb."""

    name = "webkit"

    def __init__(self) -> None:
        browsers = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))
        if not (Path(WEBKIT_DRIVER).exists() and browsers):
            _missing("needs Debian's webkit2gtk-driver (WebKitWebDriver and MiniBrowser)")
        if shutil.which("Xvfb") is None:
            _missing("needs Xvfb (Debian's xvfb): WebKitGTK has no headless mode")
        try:
            import selenium  # noqa: F401
        except ImportError:
            _missing("needs selenium (the dev extra)")
        self.binary = browsers[-1]
        self.sessions = 0
        self._start()

    def _start(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self.xvfb, display = _xvfb()
        self.seen: list[str] = []
        handler = type("Recorder", (_Recorder,), {"seen": self.seen})
        self.proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.proxy.serve_forever, daemon=True).start()
        options = Options()
        options.binary_location = self.binary
        options.add_argument("--automation")
        options.add_argument(f"--proxy=http://127.0.0.1:{self.proxy.server_address[1]}")
        env = {**os.environ, "DISPLAY": display}
        # the driver's, MiniBrowser's and the web process's stderr ("WebProcess CRASHED"): kept
        # for the report of a session that died (DESCENT_WEBKIT_LOG: append it to that file)
        path = os.environ.get("DESCENT_WEBKIT_LOG")
        if not path:
            fd, path = tempfile.mkstemp(".log", "webkit-")
            os.close(fd)
        self.log_file = open(path, "a")  # noqa: SIM115 (the driver's, until close)
        self.log_path, self.log_start = Path(path), self.log_file.tell()
        self.since = _uptime()
        service = Service(executable_path=WEBKIT_DRIVER, env=env, log_output=self.log_file)
        try:
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        except Exception:
            self._stop_x()
            raise
        self.sessions += 1
        # a hung page must not block forever: WebKitWebDriver does not end a synchronous script
        # at the script timeout, and Selenium's requests have no time limit by default
        self.driver.command_executor.client_config.timeout = COMMAND_S
        self.driver.set_window_size(960, 900)
        self.version = self.driver.capabilities.get("browserVersion")
        self.allow = ""

    def open(self, path: Path, allow: Path | None = None) -> None:
        """Loads a copy of ``path`` with :data:`HOOKS` first in its head."""
        text = path.read_text(encoding="utf-8")
        head = text.index("<head>") + len("<head>")
        hooked = path.with_name(path.stem + ".webkit.html")
        hooked.write_text(text[:head] + HOOKS + text[head:], encoding="utf-8")
        self.seen.clear()
        self.url = hooked.as_uri()
        self.allow = allow.as_uri() + "/" if allow else self.url
        for handle in self.driver.window_handles[1:]:  # popups of the page before
            self.driver.switch_to.window(handle)
            self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[0])
        self.main = self.driver.current_window_handle
        self.driver.get(self.url)

    def js(self, expr: str) -> Any:
        return self.driver.execute_script(f"return {expr};")

    def key(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        names = {
            "End": Keys.END,
            "Home": Keys.HOME,
            "ArrowLeft": Keys.LEFT,
            "ArrowRight": Keys.RIGHT,
            "Escape": Keys.ESCAPE,
            "PageUp": Keys.PAGE_UP,
            "PageDown": Keys.PAGE_DOWN,
        }
        ActionChains(self.driver).send_keys(names.get(key, key)).perform()

    def _pointer(self, x: float, y: float, click: bool) -> None:
        from selenium.webdriver.common.actions.action_builder import ActionBuilder

        actions = ActionBuilder(self.driver)
        actions.pointer_action.move_to_location(round(x), round(y))
        if click:
            actions.pointer_action.click()
        actions.perform()

    def move(self, x: float, y: float) -> None:
        self._pointer(x, y, False)

    def click(self, x: float, y: float) -> None:
        self._pointer(x, y, True)

    def screenshot(self, path: Path) -> Path:
        self.driver.get_screenshot_as_file(str(path))
        return path

    def log(self) -> tuple[list[str], list[str]]:
        page = self.js(
            "[window.__descentTest, performance.getEntriesByType('resource').map(e => e.name)]"
        )
        hooks, loaded = page
        blocked = list(self.seen) + hooks["blocked"]
        blocked += [u for u in loaded if not (u.startswith(self.allow) or u.startswith("data:"))]
        return blocked, hooks["errors"]

    def select(self, index: int) -> None:
        """Later commands go to window ``index`` (1: the first popup), once it is open."""
        end = time.monotonic() + 10
        while len(self.driver.window_handles) <= index:
            assert time.monotonic() < end, f"no window {index}"
            time.sleep(0.02)
        others = [h for h in self.driver.window_handles if h != self.main]
        self.driver.switch_to.window(([self.main] + others)[index])

    def frame(self, index: int | None) -> None:
        """Later commands go to the window's child frame ``index`` (None: the window)."""
        if index is None:
            self.driver.switch_to.default_content()
        else:
            self.driver.switch_to.frame(index)

    def alive(self) -> bool:
        """Whether the first window answers a script within :data:`PROBE_S` (a crashed or hung
        page does not)."""
        answer: list[Any] = []

        def probe() -> None:
            try:
                self.driver.switch_to.window(self.driver.window_handles[0])
                answer.append(self.driver.execute_script("return 1;"))
            except Exception as error:  # noqa: BLE001 (any error: not alive)
                answer.append(error)

        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(PROBE_S)
        return answer == [1]

    def logged(self) -> str:
        """What the browser and the kernel said about its processes in this session: lines of
        the driver's log (MiniBrowser's ``WebProcess CRASHED``, WebKit's warnings but the
        usual ones) and of the kernel's (the web process's signal)."""
        usual = ("WebVTT encoder", "GL video sink", "session D-Bus address")
        with self.log_path.open(errors="replace") as log:
            log.seek(self.log_start)
            lines = [x.strip() for x in log if x.strip() and not any(u in x for u in usual)]
        lines += _kernel_says(
            ("WebKit", "webkit", "MiniBrowser", "Compositor", "swrast"), self.since
        )
        return "; ".join(lines[-8:]) or "nothing logged"

    def restart(self) -> str:
        """A fresh session (driver, MiniBrowser, Xvfb) in place of this one; returns what the
        old one logged (:meth:`logged`)."""
        said = self.logged()
        self.close()
        self._start()
        return said

    def kill_page(self) -> None:
        """SIGKILL the web process (what a crash of the page does)."""
        below = _descendants(self.driver.service.process.pid)
        _kill([(p, name) for p, name in below if name.startswith("WebKitWebProces")])

    def close(self) -> None:
        """Quit the session; whatever does not end with it (a dead session's MiniBrowser) is
        killed, then its X server."""
        below = _descendants(self.driver.service.process.pid)
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 (a dead session cannot be quit: killed below)
            pass
        finally:
            _kill(below)
            self._stop_x()

    def _stop_x(self) -> None:
        """Stop the proxy and the X server, drop the log; once a session (a restart that failed
        to start has stopped them already)."""
        if self.log_file.closed:
            return
        self.proxy.shutdown()
        self.proxy.server_close()
        self.xvfb.terminate()
        self.xvfb.wait(10)
        self.log_file.close()
        if not os.environ.get("DESCENT_WEBKIT_LOG"):
            self.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="module", params=["firefox", "webkit"])
def browser(request: pytest.FixtureRequest) -> Any:
    b = {"firefox": Firefox, "webkit": WebKit}[request.param]()
    yield b
    b.close()


# ---------------------------------------------------------------------------------------------
# helpers over the interface
# ---------------------------------------------------------------------------------------------
def load(b: Any, path: Path, allow: Path | None = None) -> None:
    """Opens ``path`` and waits until its players are ready (a page with none yet is not:
    in a stress loop WebKitGTK once answered before the new page's players were there)."""
    b.open(path, allow)
    end = time.monotonic() + 10
    ready = f"{ROOTS}.length > 0 && [...{ROOTS}].every(r => r.dataset.ready === '1')"
    while not b.js(ready):
        if time.monotonic() > end:
            raise AssertionError(f"{b.name}: the player never became ready: {b.log()}")
        time.sleep(0.02)


def attr(b: Any, name: str, k: int = 0) -> str | None:
    return b.js(f"{ROOTS}[{k}].getAttribute({json.dumps(name)})")


def player_js(b: Any, script: str, k: int = 0) -> Any:
    return b.js(f"((p) => {{ {script} }})({ROOTS}[{k}].descent)")


def rect(b: Any, selector: str, k: int = 0, n: int = 0) -> dict[str, float]:
    """A viewport rectangle of the ``n``-th ``selector`` inside player ``k``."""
    return b.js(
        f"(() => {{ const r = {ROOTS}[{k}].querySelectorAll({json.dumps(selector)})[{n}]"
        ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
    )


def click_on(b: Any, selector: str, k: int = 0, n: int = 0) -> None:
    """A real mouse click on the middle of an element (scrolled into view first)."""
    b.js(
        f"{ROOTS}[{k}].querySelectorAll({json.dumps(selector)})[{n}]"
        ".scrollIntoView({block: 'center'})"
    )
    r = rect(b, selector, k, n)
    b.click(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)


def painted_screenshot(b: Any, path: Path) -> Path:
    """A screenshot of what the page has painted after the last command.

    WebKitGTK composites a canvas on its own thread: a screenshot taken right after a
    ``seek`` can show the frame before it (CI once read the optimum's star under the dot's
    last position). So: wait for two animation frames, then take screenshots until two in a
    row are the same picture (at most 10)."""
    from PIL import Image, ImageChops

    b.js(
        "(window.__dpPainted = 0, requestAnimationFrame(() => requestAnimationFrame(() => "
        "{ window.__dpPainted = 1; })))"
    )
    end = time.monotonic() + 10
    while not b.js("window.__dpPainted === 1"):
        assert time.monotonic() < end, f"{b.name}: no animation frame in 10 s"
        time.sleep(0.02)
    before = Image.open(b.screenshot(path)).convert("RGB")
    for _ in range(10):
        time.sleep(0.05)
        now = Image.open(b.screenshot(path)).convert("RGB")
        if ImageChops.difference(before, now).getbbox() is None:
            return path
        before = now
    raise AssertionError(f"{b.name}: the page kept changing over 10 screenshots")


def to_viewport(b: Any, payload: dict[str, Any], px: np.ndarray, k: int = 0) -> tuple[float, float]:
    """Canvas px (the payload's size) → viewport CSS px."""
    box = rect(b, "canvas.dp-canvas", k)
    scale = box["width"] / payload["size"][0]
    return box["x"] + px[0] * scale, box["y"] + px[1] * scale


def centroid(b: Any, k: int = 0, box: list[float] | None = None) -> np.ndarray | None:
    found = b.js(f"({CENTROID})([{ROOTS}[{k}], {json.dumps(box)}])")
    return None if found is None else np.array(found)


def check_clean(b: Any) -> None:
    blocked, errors = b.log()
    assert blocked == [], f"{b.name}: network requests: {blocked}"
    assert errors == [], f"{b.name}: console errors: {errors}"


def show_alone(b: Any, k: int, runs: int) -> None:
    """Legend rows: only run ``k`` pressed (the rows are one per run in MomentumOvershoot)."""
    for j in range(runs):
        want = "true" if j == k else "false"
        pressed = b.js(f"{ROOTS}[0].querySelectorAll('.dp-row')[{j}].getAttribute('aria-pressed')")
        if pressed != want:
            click_on(b, ".dp-row", n=j)


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------
@recovers
def test_offline_two_players_on_one_page(browser: Any, overshoot: dict) -> None:  # noqa: F811
    """Both themes on one page: each decodes its data (DecompressionStream), nothing is
    fetched, nothing is logged as an error, and each player keeps its own state."""
    load(browser, overshoot["files"]["both"])
    assert browser.js(f"{ROOTS}.length") == 2
    assert [attr(browser, "data-theme", k) for k in (0, 1)] == ["dark", "light"]
    browser.js(f"{ROOTS}[0].focus()")
    browser.key("End")
    assert attr(browser, "data-step", 0) == str(overshoot["payload"]["steps"])
    assert attr(browser, "data-step", 1) == "0"
    click_on(browser, ".dp-row", k=1)  # a real click on the second's first legend row
    row = f"{ROOTS}[%d].querySelector('.dp-row').getAttribute('aria-pressed')"
    assert browser.js(row % 1) == "false" and browser.js(row % 0) == "true"
    check_clean(browser)


def test_a_page_crash_fails_one_test_not_the_module(browser: Any, overshoot: dict) -> None:  # noqa: F811
    """The page's process killed mid-test (what WebKitGTK's crash in a CI run did: the script
    the page died in got "Could not parse script result", every later command "session
    deleted because of page crash or hang", and eight tests failed): the test runs again on a
    fresh session and passes, with the first error as a warning; a live browser's failure is
    not retried; hung on the retry (a script that never returns), it fails with both errors
    (WebKit only: the same code, and a fresh Firefox costs 3-10 s). The module's next tests
    run on the fresh session."""
    tries: list[int] = []

    def body(browser: Any, crash_on: set[int], step: int = 7, hang_on: set[int] = set()) -> None:  # noqa: B006
        tries.append(browser.sessions)
        load(browser, overshoot["files"]["dark"])
        if len(tries) in crash_on:
            browser.kill_page()
        if len(tries) in hang_on:  # WebKitWebDriver waits for it past its script timeout
            browser.driver.command_executor.client_config.timeout = 2
            browser.js("(() => { for (;;) {} })()")
        player_js(browser, "p.seek(7);")
        assert attr(browser, "data-step") == str(step)

    first = browser.sessions
    with pytest.warns(BrowserRestarted, match="its first session died") as warned:
        recovers(body)(browser=browser, crash_on={1})
    assert tries == [first, first + 1], browser.name
    (said,) = [str(w.message) for w in warned if w.category is BrowserRestarted]
    assert said.startswith(f"{browser.name}: body passed on a fresh session"), said
    tries.clear()
    with pytest.raises(AssertionError):
        recovers(body)(browser=browser, crash_on=set(), step=8)
    assert tries == [first + 1], browser.name
    if browser.name == "firefox":  # the rest is the same code; a Firefox start costs 3-10 s
        return
    tries.clear()
    with pytest.raises(ExceptionGroup, match="failed again on a fresh session") as failed:
        recovers(body)(browser=browser, crash_on={1}, hang_on={2})
    assert tries == [first + 1, first + 2] and len(failed.value.exceptions) == 2, tries
    assert "timed out" in str(failed.value.exceptions[1]), failed.value.exceptions
    assert browser.alive() and browser.sessions == first + 3, browser.name


@recovers
def test_dot_position_matches_the_projected_run(browser: Any, overshoot: dict) -> None:  # noqa: F811
    """After seeking to step t the drawn dot is the run's params[t] through the plot's data →
    pixel map within 1 px (canvas pixels), and the screenshot shows the run's colour there
    (the canvas is composited over the background image)."""
    from PIL import Image

    load(browser, overshoot["files"]["dark"])
    payload, trajs = overshoot["payload"], overshoot["trajs"]
    browser.js(
        f"{ROOTS}[0].querySelectorAll('.dp-check input').forEach(b => b.checked && b.click())"
    )
    for k, traj in enumerate(trajs):
        show_alone(browser, k, len(trajs))
        area = payload["areas"][payload["runs"][k]["area"]]
        for t in (0, 7, 33, traj.steps):
            player_js(browser, f"p.seek({t});")
            got = centroid(browser)
            expected = data_to_pixel(area, np.asarray(traj.params[t]))
            assert got is not None, (browser.name, k, t)
            assert np.abs(got - expected).max() <= 1.0, (browser.name, k, t, got, expected)
    # the last run alone at its last step: the screenshot's pixel at its centre
    shot = painted_screenshot(
        browser, overshoot["files"]["dark"].with_name(f"dot-{browser.name}.png")
    )
    x, y = to_viewport(browser, payload, expected)
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=float)[round(y - 0.5), round(x - 0.5)]
    colour = payload["runs"][len(trajs) - 1]["color"].lstrip("#")
    want = np.array([int(colour[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)
    assert np.abs(rgb - want).max() <= 24, (browser.name, rgb, want)
    # the speed menu's label ("1×") stands out from its face in the dark theme
    box = rect(browser, "select.dp-speed")
    face = np.asarray(Image.open(shot).convert("L"), dtype=float)[
        round(box["y"] + 3) : round(box["y"] + box["height"] - 3),
        round(box["x"] + 3) : round(box["x"] + 0.55 * box["width"]),
    ]
    assert face.max() - face.min() > 100, (browser.name, face.min(), face.max())
    check_clean(browser)


@recovers
def test_keys_and_hover_gives_the_recorded_loss(browser: Any, overshoot: dict) -> None:  # noqa: F811
    load(browser, overshoot["files"]["light"])
    payload, trajs, steps = overshoot["payload"], overshoot["trajs"], overshoot["payload"]["steps"]
    browser.js(f"{ROOTS}[0].focus()")
    browser.key("End")
    assert attr(browser, "data-step") == str(steps)
    browser.key("Home")
    assert attr(browser, "data-step") == "0"
    for _ in range(3):
        browser.key("ArrowRight")
    browser.key("ArrowLeft")
    assert attr(browser, "data-step") == "2"
    browser.key(" ")
    assert attr(browser, "data-playing") == "1"
    end = time.monotonic() + 10
    while float(attr(browser, "data-step") or 0) <= 3:  # requestAnimationFrame advances it
        assert time.monotonic() < end, f"{browser.name}: playing did not advance"
        time.sleep(0.02)
    browser.key(" ")
    assert attr(browser, "data-playing") == "0"
    click_on(browser, ".dp-btn", n=4)  # ⇥ last step, a real click
    assert attr(browser, "data-step") == str(steps)
    # chapters: a mark on the scrubber and a chapter button jump to their beat's step
    beats = payload["beats"]
    click_on(browser, ".dp-mark", n=1)
    assert float(attr(browser, "data-step") or -1) == beats[1]["step"], browser.name
    assert browser.js(f"{ROOTS}[0].querySelector('.dp-say').textContent") == beats[1]["say"]
    click_on(browser, ".dp-chapter", n=0)
    assert float(attr(browser, "data-step") or -1) == beats[0]["step"], browser.name
    # hover the momentum run's dot at step t: its recorded float32 loss
    t = 20
    player_js(browser, f"p.seek({t});")
    k = next(i for i, tr in enumerate(trajs) if "momentum_buffer" in tr.state)
    traj = trajs[k]
    px = data_to_pixel(payload["areas"][payload["runs"][k]["area"]], np.asarray(traj.params[t]))
    browser.move(*to_viewport(browser, payload, px))
    tip = f"{ROOTS}[0].querySelector('.dp-tip')"
    assert browser.js(f"!{tip}.hidden"), browser.name
    assert browser.js(f"{tip}.dataset.run") == traj.label
    assert int(browser.js(f"{tip}.dataset.step")) == t
    assert float(browser.js(f"{tip}.dataset.loss")) == float(np.float32(traj.loss[t]))
    assert "update (momentum)" in browser.js(f"{tip}.innerText")
    browser.move(2, 2)
    assert browser.js(f"{tip}.hidden"), browser.name
    check_clean(browser)


@recovers
def test_rate_map_click_plays_the_run_under_the_cursor(browser: Any, rate_map: dict) -> None:  # noqa: F811
    from descent.scenes.kit.plot import PlotArea

    cls, payload = rate_map["cls"], rate_map["payload"]
    load(browser, rate_map["path"])
    result = cls.momentum_sweep()
    area, inset = payload["areas"]
    i, j = 10, 7
    x, y = to_viewport(
        browser, payload, data_to_pixel(area, np.array([cls.lrs[i], cls.momenta[j]]))
    )
    browser.move(x, y)
    assert browser.js(f"{ROOTS}[0].querySelector('.dp-tip').dataset.run") == f"{i},{j}"
    browser.click(x, y)
    assert attr(browser, "data-run") == f"{i},{j}"
    assert attr(browser, "data-playing") == "1"
    assert f"α {cls.lrs[i]:.3f}" in browser.js(f"{ROOTS}[0].querySelector('.dp-mapinfo').innerText")
    player_js(browser, "p.pause(); p.trails = false;")
    fake = PlotArea.__new__(PlotArea)
    fake.x_range, fake.y_range = tuple(inset["x"]), tuple(inset["y"])
    shown, _ = PlotArea.display_path(fake, np.asarray(result.params[i, j]))
    x0 = min(inset["o"][0], inset["o"][0] + inset["ex"][0])
    y0 = min(inset["o"][1], inset["o"][1] + inset["ey"][1])
    box = [x0 - 6, y0 - 6, x0 + abs(inset["ex"][0]) + 6, y0 + abs(inset["ey"][1]) + 6]
    for t in (0, 5, 40):
        player_js(browser, f"p.seek({t});")
        got = centroid(browser, box=box)
        expected = data_to_pixel(inset, shown[t])
        assert got is not None and np.abs(got - expected).max() <= 1.0, (browser.name, t, got)
    check_clean(browser)


@recovers
def test_rate_map_script_decodes_every_run_as_python(browser: Any, rate_map: dict) -> None:  # noqa: F811
    """Each engine's float64 arithmetic in the lattice decoder gives the recorded runs'
    quantised points for every run (as in Chromium: the encoder's prediction to the bit)."""
    payload, cls = rate_map["payload"], rate_map["cls"]
    load(browser, rate_map["path"])
    got = player_js(
        browser,
        "const out = []; for (let k = 0; k < p.lengths.length; k++)"
        " out.push(Array.from(p.decodeRun(k))); return out;",
    )
    px = shown_lattice(cls, payload)
    scale = payload["map"]["scale"]
    assert len(got) == len(px)
    for k, q in enumerate(got):
        q = np.array(q).reshape(-1, 2)
        np.testing.assert_array_equal(q, np.round(px[k, : len(q)] * scale), err_msg=str(k))
    check_clean(browser)


#: one frame drawn and flushed to pixels (both canvas layers), ms, averaged over 60 frames
FRAME_MS = (
    "p.draw(); const t0 = performance.now();"
    " for (let i = 0; i < 60; i++) { p.t = i % 60 + 0.5; p.draw(); p.ctx.getImageData(0, 0, 1, 1);"
    " if (p.tctx) p.tctx.getImageData(0, 0, 1, 1); }"
    " return (performance.now() - t0) / 60;"
)


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NoiseEscape with 500 particles a side: 1,000 dots."""
    base = get_scene("NoiseEscape")
    many = type("ThousandParticles", (base,), {"particles": 500, "steps": 60})
    payload = player.build_payload(many)
    assert len(payload["runs"]) >= 1000
    path = tmp_path_factory.mktemp("many") / "many.html"
    path.write_text(player.player_html(payload), encoding="utf-8")
    return path


@recovers
def test_thousand_particles_draw_within_a_frame(browser: Any, thousand: Path) -> None:
    """1,000 dots: one frame's drawing < 16.7 ms in each engine (in WebKitGTK a dot stamped
    from a canvas cost 26 ms a frame; from an ImageBitmap 2.3 ms)."""
    load(browser, thousand)
    player_js(browser, "p.draw();")
    time.sleep(0.3)  # the dots' bitmaps are made asynchronously after the first frame
    ms = player_js(browser, FRAME_MS)
    assert ms < 1000 / 60, f"{browser.name}: {ms:.2f} ms a frame"
    check_clean(browser)


def enter_frame_player(b: Any) -> None:
    """Waits for the player in the page's first iframe, then clicks into it: a click gives it
    the keys (WebKit lets no script focus a frame the reader has not entered; a reader
    clicks first)."""
    frame = b.js("document.querySelector('iframe').getBoundingClientRect().toJSON()")
    b.frame(0)
    try:
        wait_for(b, f"{ROOTS}.length === 1 && {ROOTS}[0].dataset.ready === '1'")
        canvas = rect(b, ".dp-stage")  # the picture shown (the canvas may be cropped)
    finally:
        b.frame(None)
    b.click(frame["x"] + canvas["x"] + 20, frame["y"] + canvas["y"] + 20)


def frame_attr(b: Any, name: str) -> str | None:
    """An attribute of the player in the page's first iframe."""
    b.frame(0)
    try:
        return attr(b, name)
    finally:
        b.frame(None)


@pytest.fixture(scope="module")
def notebook_cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A page holding what show(..., format="html") displays in a notebook."""
    from descent.renders.api import show

    folder = tmp_path_factory.mktemp("cell")
    widget = show("LearningRates", format="html", out=folder)
    cell = folder / "cell.html"
    cell.write_text(f"<!DOCTYPE html><html><head></head><body>{widget.data}</body></html>")
    return cell


@recovers
def test_notebook_iframe_srcdoc_player(browser: Any, notebook_cell: Path) -> None:
    """show()'s ``<iframe srcdoc sandbox="allow-scripts">`` (what JupyterLab and VS Code put
    in the page): the player decodes its data and takes keys inside the sandboxed frame."""
    browser.open(notebook_cell)
    steps = get_scene("LearningRates").steps
    enter_frame_player(browser)
    browser.key("End")
    assert frame_attr(browser, "data-step") == str(steps), browser.name
    browser.key("ArrowLeft")
    assert frame_attr(browser, "data-step") == str(steps - 1), browser.name
    check_clean(browser)


@recovers
def test_html_deck_player_slide(browser: Any, overshoot: dict, tmp_path: Path) -> None:  # noqa: F811
    """A player slide of the HTML deck (an iframe srcdoc): it plays and takes keys after a
    click; Esc gives them back to the deck."""
    from descent.renders.slides import build_html

    folder = build_html([], tmp_path / "deck", title="demo", players=[overshoot["files"]["dark"]])
    browser.open(folder / "index.html", allow=folder)
    wait_for(browser, "document.body.dataset.ready === 'player'")
    enter_frame_player(browser)
    browser.key("ArrowRight")
    assert frame_attr(browser, "data-step") == "1", browser.name
    # Esc gives the keys back to the deck (the slide's rule): → is the deck's again
    assert browser.js("document.body.dataset.keys") == "player", browser.name
    browser.key("Escape")
    wait_for(browser, "document.body.dataset.keys === 'deck'")
    browser.key("ArrowRight")
    assert frame_attr(browser, "data-step") == "1", browser.name
    check_clean(browser)


# ---------------------------------------------------------------------------------------------
# the HTML deck's presenter view (tests/test_presenter.py in Chromium)
# ---------------------------------------------------------------------------------------------
def wait_for(b: Any, expr: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not b.js(expr):
        assert time.monotonic() < end, f"{b.name}: timed out waiting for {expr}"
        time.sleep(0.02)


def press_button(b: Any, selector: str) -> None:
    r = b.js(
        f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
        ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
    )
    b.click(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)


@recovers
def test_presenter_window_follows_the_deck(browser: Any, deck: Path) -> None:  # noqa: F811
    """The deck's presenter window (window.open, postMessage between two file:// pages): it
    follows the deck, the deck follows it, a click on its controls does not advance."""
    slide = "document.body.dataset.slide === '%d'"
    browser.open(deck / "index.html")
    wait_for(browser, slide % 1)
    browser.key("n")
    browser.select(1)  # the presenter window
    wait_for(browser, slide % 1)
    assert "presenter" in browser.js("document.body.className")
    assert browser.js("document.getElementById('notes').textContent") == "notes of beat 1"
    assert browser.js("document.getElementById('next-name').textContent") == "Demo: beat 2"
    browser.select(0)  # the deck moves: the presenter follows
    browser.key("ArrowRight")
    browser.key("ArrowRight")
    browser.select(1)
    wait_for(browser, slide % 3)
    assert browser.js("document.getElementById('notes').textContent") == "notes of beat 3"
    browser.key("ArrowLeft")  # the presenter moves: the deck follows
    press_button(browser, "#reset-button")  # a control does its job only
    browser.select(0)
    wait_for(browser, slide % 2)
    time.sleep(0.2)
    assert browser.js("document.body.dataset.slide") == "2"
    browser.select(1)
    press_button(browser, "#next-button")
    browser.select(0)
    wait_for(browser, slide % 3)
    blocked, errors = browser.log()
    assert blocked == [] and errors == [], (browser.name, blocked, errors)
