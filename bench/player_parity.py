"""The player beside the video, scene by scene: what the video shows that the player doesn't.

For each built-in scene (``descent list``), theme and step ``t`` this writes one PNG: on top
the video's frame at the moment its step clock reaches ``t`` (the scene played by Manim
with its own ``construct``, animations and updaters, only that frame drawn, 854×480), under
it the player at step ``t`` (Playwright driving Debian's Chromium at a 1280×720 viewport:
the picture's element, scaled to 854×480), and under that the whole player page at
1280×720. A person looks at the pairs; the script prints, per scene, the parts the player
draws (from its payload) so that a missing one is easy to name.

How the video's frame is found: the scene is played with ``skip_animations`` (Manim moves
each animation straight to its end and draws nothing); inside the ``play`` whose clock
animation passes story time ``clock.alpha_of(t)`` the animations are interpolated to the
moment it is reached (bisection on the clock's own animation), the updaters run, and that
one frame is drawn. Everything else the scene adds (captions, rings, beats' marks) is there
as in the video. Animations other than the clock's are at the same moment of their own run.

Usage::

    DESCENT_CACHE_DIR=... python bench/player_parity.py --out /tmp/parity \
        [--scenes MuonVsAdamW LearningRates] [--themes dark light] [--steps 0 20 last]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

CHROMIUM = "/usr/bin/chromium"


class _Done(Exception):
    pass


def video_frames(
    cls: type,
    theme: str,
    steps: list[int],
    size: tuple[int, int] = (854, 480),
    hold: bool = False,
):
    """``{t: PIL.Image}``: the video's frame when its clock reaches each step of ``steps``
    (``hold``: the last frame before it leaves that step, when a beat's hold has drawn its
    rings and marks)."""
    from manim import tempconfig
    from PIL import Image

    from descent.renders.player import _theme_env

    settings = {
        "media_dir": tempfile.mkdtemp(prefix=".descent-parity-"),
        "pixel_width": size[0],
        "pixel_height": size[1],
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "write_to_movie": False,
        "save_last_frame": False,
    }
    frames: dict[int, Any] = {}
    with _theme_env(theme), tempconfig(settings):
        scene = cls(skip_animations=True)
        renderer = scene.renderer
        draw = renderer.update_frame
        renderer.update_frame = lambda *a, **k: None  # nothing drawn but the frames asked for
        original = scene.update_to_time

        def tracker_at(tau: float, tracker: Any) -> float:
            for a in scene.animations or []:
                a.interpolate(tau / a.run_time)
            return float(tracker.get_value())

        def hooked(t: float) -> None:
            clock = getattr(scene, "clock", None)
            if hold and clock is not None:
                original(t)
                now = float(clock.tracker.get_value())
                for s in steps:
                    if abs(now - clock.alpha_of(s)) < 1e-9:  # still at step s: keep the latest
                        renderer.static_image = None
                        draw(scene)
                        frames[s] = Image.fromarray(np.array(renderer.get_frame())).convert("RGB")
                if now > clock.alpha_of(max(steps)) + 1e-9:
                    raise _Done
                return None
            pending = [s for s in steps if s not in frames]
            if clock is None or not pending or not scene.animations:
                return original(t)
            tracker = clock.tracker
            a0, a1 = tracker_at(0.0, tracker), tracker_at(t, tracker)
            for s in sorted(pending):
                want = clock.alpha_of(s)
                if not (a0 - 1e-12 <= want <= a1 + 1e-12) or a1 <= a0:
                    continue
                lo, hi = 0.0, t
                for _ in range(48):
                    mid = (lo + hi) / 2
                    if tracker_at(mid, tracker) < want:
                        lo = mid
                    else:
                        hi = mid
                original(hi)
                renderer.static_image = None
                draw(scene)
                frames[s] = Image.fromarray(np.array(renderer.get_frame())).convert("RGB")
            if all(s in frames for s in steps):
                raise _Done
            return original(t)

        scene.update_to_time = hooked
        with contextlib.suppress(_Done):
            scene.render()
    return frames


def player_shots(
    browser: Any, html: Path, steps: list[int], out: Path, stem: str
) -> dict[int, tuple[Any, Path]]:
    """``{t: (PIL.Image of the picture at 854×480, path of the whole page's PNG)}``."""
    from PIL import Image

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("**/*", lambda r: r.continue_() if r.request.url == html.as_uri() else r.abort())
    page.goto(html.as_uri())
    end = time.monotonic() + 20
    while not page.evaluate(
        "() => [...document.querySelectorAll('.descent-player')].every(r => r.dataset.ready === '1')"
    ):
        if time.monotonic() > end:
            raise RuntimeError(f"{html}: the player never became ready ({errors})")
        time.sleep(0.05)
    shots = {}
    for s in steps:
        page.evaluate(f"() => document.querySelector('.descent-player').descent.seek({s})")
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        stage = out / f"{stem}_s{s}_stage.png"
        page.locator(".dp-stage").first.screenshot(path=str(stage))
        whole = out / f"{stem}_s{s}_page.png"
        page.screenshot(path=str(whole))
        shots[s] = (Image.open(stage).convert("RGB").resize((854, 480)), whole)
        stage.unlink()
    if errors:
        print(f"  {stem}: console errors {errors}", file=sys.stderr)
    page.close()
    return shots


def parts(payload: dict[str, Any]) -> dict[str, Any]:
    """What the player draws for a scene, from its payload."""
    runs = payload.get("runs", [])
    return {
        "kind": payload.get("kind"),
        "runs": len(runs),
        "trails": sum(bool(r.get("trail")) for r in runs),
        "arrows": sorted({a["name"] for r in runs for a in r.get("arrows", [])}),
        "pins": sorted({r["pin"] for r in runs if r.get("pin")}),
        "marks": sorted({m["text"] for r in runs for m in r.get("marks", {}).get("texts", [])})
        if runs and isinstance(runs[0].get("marks"), dict)
        else [],
        "panel": payload.get("panel"),
        "models": len(payload.get("models", [])),
        "texts": len(payload.get("texts", [])),
        "plane": any("plane" in r for r in runs),
        "camera": payload.get("camera"),
    }


def main(argv: list[str] | None = None) -> int:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from descent.renders import player
    from descent.scenes import SCENES, get_scene

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scenes", nargs="*", default=None)
    ap.add_argument("--themes", nargs="*", default=["dark"])
    ap.add_argument("--steps", nargs="*", default=None, help="steps; 'last' and 'beats' allowed")
    ap.add_argument(
        "--hold", action="store_true", help="the video's last frame at each step (a beat's hold)"
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.scenes or [n for n in SCENES if n != "RateMap"]
    report: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for name in names:
            cls = get_scene(name)
            for theme in args.themes:
                t0 = time.monotonic()
                payload = player.build_payload(cls, theme=theme)
                last = int(payload["steps"])
                wanted = args.steps or ["beats", "last"]
                steps: list[int] = []
                for w in wanted:
                    if w == "last":
                        steps.append(last)
                    elif w == "beats":
                        steps += [min(int(round(b["step"])), last) for b in payload["beats"]]
                    else:
                        steps.append(min(int(w), last))
                steps = sorted(set(steps))
                html = args.out / f"{name}_{theme}.html"
                html.write_text(player.player_html(payload), encoding="utf-8")
                video = video_frames(cls, theme, steps, hold=args.hold)
                shots = player_shots(browser, html, steps, args.out, f"{name}_{theme}")
                for s in steps:
                    top = video.get(s)
                    pic, _ = shots[s]
                    sheet = Image.new("RGB", (854, 960 + 6), "#808080")
                    if top is not None:
                        sheet.paste(top, (0, 0))
                    sheet.paste(pic, (0, 486))
                    sheet.save(args.out / f"{name}_{theme}_s{s}.png")
                report[f"{name}/{theme}"] = {
                    "steps": steps,
                    "video_frames": sorted(video),
                    "kB": round(html.stat().st_size / 1000, 1),
                    **parts(payload),
                    "seconds": round(time.monotonic() - t0, 1),
                }
                print(name, theme, json.dumps(report[f"{name}/{theme}"]), flush=True)
        browser.close()
    (args.out / "report.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
