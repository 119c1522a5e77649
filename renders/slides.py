"""Presentations from beats: one slide per section, the narration in the speaker notes.

:func:`build_pptx` writes a PowerPoint deck (python-pptx; opens in PowerPoint, Keynote and
LibreOffice): each slide holds its clip full-bleed, embedded, playing on click, with the
clip's key frame (its last, held frame) as its poster and the beat's narration in the notes.

:func:`build_html` writes a folder that works **offline** (a lecture hall without
network): ``index.html`` with its own few lines of CSS and JavaScript, no CDN, and the
clips beside it. Keys: → / space / click next, ← back, ``n`` (or ``p``, ``s``) opens the
presenter view in a second window (the notes, the next slide, a timer; it follows the deck
and the deck follows it, as reveal.js' speaker view does), ``f`` full screen; ``#3`` opens
slide 3. Clicks on buttons do not advance. Each clip plays from its start when its slide
shows.

A player slide (``players``: the interactive player, ``descent.renders.player``) fills the
slide as the clips do, its narration in the notes. Its keys follow one rule, written on the
slide: the deck has the keys until the player is clicked (or its "keys" button pressed);
then space, ←, →, Home and End drive the player, and **Esc** gives the keys back to the
deck; PageUp / PageDown (a presenter's remote) always change slides, and leaving the slide
gives the keys back.

Both read the ``<Scene>.sections.json`` indexes that ``descent render --sections`` writes.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from descent.engine.errors import EngineError
from descent.engine.fileio import atomic_path, temp_prefix

__all__ = ["Slide", "read_slides", "build_pptx", "build_html", "poster"]

Slide = dict[str, Any]


def read_slides(indexes: Sequence[Path]) -> list[Slide]:
    """Every section of every index, in order: ``{scene, name, narration, clip}``."""
    slides: list[Slide] = []
    for index in indexes:
        data = json.loads(Path(index).read_text())
        for sec in data["sections"]:
            clip = Path(index).parent / sec["file"]
            if not clip.is_file():
                raise EngineError(f"{index}: missing clip {sec['file']}")
            slides.append(
                {
                    "scene": data["scene"],
                    "name": sec["name"],
                    "narration": sec["narration"],
                    "clip": clip,
                }
            )
    if not slides:
        raise EngineError("no sections to make slides of")
    return slides


def poster(clip: Path, target: Path) -> Path:
    """The clip's key frame as a PNG: its last frame, where the beat's picture is complete
    and held (its first frame is the moment before anything happened)."""
    from descent.renders.media import read_frames, save_png

    frames = read_frames(clip, 2)  # the first and the last
    return save_png(frames[-1][1], target)


def build_pptx(slides: Sequence[Slide], target: Path, *, title: str) -> Path:
    """A 16:9 PowerPoint deck: one slide per section, its clip embedded (plays on click,
    its key frame as poster), the narration in the speaker notes."""
    from pptx import Presentation
    from pptx.util import Emu

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 13.333 in × 7.5 in
    deck.core_properties.title = title
    blank = deck.slide_layouts[6]
    with tempfile.TemporaryDirectory(prefix=temp_prefix()) as tmp:
        for i, item in enumerate(slides):
            slide = deck.slides.add_slide(blank)
            still = poster(item["clip"], Path(tmp) / f"poster{i}.png")
            slide.shapes.add_movie(
                str(item["clip"]),
                0,
                0,
                deck.slide_width,
                deck.slide_height,
                poster_frame_image=str(still),
                mime_type="video/mp4",
            )
            notes = slide.notes_slide.notes_text_frame
            notes.text = item["narration"] or item["name"]
        with atomic_path(target) as out:
            deck.save(str(out))
    return target


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; background: #0E1117; color: #F2F2F2;
  font-family: "DejaVu Sans", sans-serif; overflow: hidden; }}
section {{ display: none; position: absolute; inset: 0; }}
section.current {{ display: flex; align-items: center; justify-content: center; }}
video {{ max-width: 100vw; max-height: 100vh; width: 100%; height: 100%; object-fit: contain; }}
section.player {{ flex-direction: column; }}
section.player.current {{ display: flex; }}
section.player iframe {{ display: block; width: 100vw; flex: 1 1 auto; min-height: 0; border: 0; }}
.keys {{ flex: none; align-self: stretch; margin: 0; padding: 0.2em 8em 0.35em 1em;
  color: #A7B0BE; font-size: 15px; display: flex; gap: 0.8em; align-items: center; }}
.keys button {{ font: inherit; color: #F2F2F2; background: transparent; border: 1px solid #A7B0BE;
  border-radius: 4px; padding: 1px 8px; cursor: pointer; }}
.keys kbd {{ font: inherit; border: 1px solid #4A5563; border-radius: 3px; padding: 0 4px; }}
body.presenter .keys {{ display: none; }}
aside.notes {{ display: none; }}
#counter {{ position: fixed; right: 1em; bottom: 0.6em; color: #A7B0BE; font-size: 0.9em; }}
/* the presenter window: current slide, next slide, notes, timer */
body.presenter section.current {{ position: absolute; left: 1%; top: 2%; width: 58%;
  height: 60%; inset: auto; }}
#presenter {{ display: none; }}
body.presenter #presenter {{ display: grid; position: absolute; inset: 0;
  grid-template-columns: 60% 40%; grid-template-rows: 64% 36%; pointer-events: none; }}
#presenter > * {{ pointer-events: auto; }}
#next {{ grid-column: 2; grid-row: 1; padding: 1em; color: #A7B0BE; }}
#next img {{ width: 100%; border: 1px solid #4A5563; }}
#notes {{ grid-column: 1 / 3; grid-row: 2; padding: 0.5em 1.5em; font-size: 1.5em;
  line-height: 1.4; overflow-y: auto; border-top: 1px solid #4A5563; white-space: pre-line; }}
#timer {{ font-size: 2em; color: #F2F2F2; margin-top: 0.3em; }}
#controls button {{ font-size: 1em; margin-right: 0.4em; }}
</style></head>
<body>
{sections}
<div id="presenter"><div id="next"><div>next: <span id="next-name"></span></div>
<img id="next-poster" alt="next slide">
<div id="timer">00:00</div>
<div id="controls"><button id="prev-button" type="button">◀ back</button>
<button id="next-button" type="button">next ▶</button>
<button id="reset-button" type="button">reset timer</button></div></div>
<div id="notes"></div></div>
<div id="counter"></div>
<script>
(function () {{
  const slides = Array.from(document.querySelectorAll("section"));
  const presenter = new URLSearchParams(location.search).has("presenter");
  let current = 0;
  let other = null;  // the other window: the presenter view, or the projected deck
  if (presenter) {{ document.body.classList.add("presenter"); other = window.opener; }}
  function tell(i) {{
    if (other && !other.closed) {{ other.postMessage({{descentSlide: i}}, "*"); }}
  }}
  function show(i, quiet) {{
    const before = current;
    current = Math.max(0, Math.min(slides.length - 1, i));
    if (current !== before) {{ deckKeys(); }}
    slides.forEach((s, k) => {{
      s.classList.toggle("current", k === current);
      const v = s.querySelector("video");
      if (!v) return;  // a player slide: the presenter drives it (click it, then its keys)
      if (k === current) {{ v.currentTime = 0; v.play().catch(() => {{}}); }} else {{ v.pause(); }}
    }});
    document.getElementById("counter").textContent = (current + 1) + " / " + slides.length;
    history.replaceState(null, "", location.search + "#" + (current + 1));
    document.body.dataset.slide = String(current + 1);
    if (presenter) {{
      const here = slides[current], next = slides[current + 1];
      document.getElementById("notes").textContent = here.querySelector("aside.notes").textContent;
      document.getElementById("next-name").textContent = next ? next.dataset.name : "end";
      const img = document.getElementById("next-poster");
      const nextVideo = next && next.querySelector("video");  // a player slide has none
      if (nextVideo) {{ img.src = nextVideo.getAttribute("poster"); img.hidden = false; }}
      else {{ img.hidden = true; }}
    }}
    if (!quiet) {{ tell(current); }}
  }}
  // a player slide's keys: the deck's until the player is clicked (or its keys button
  // pressed); then the player's (space, ←, →, Home, End), Esc gives them back; PageUp and
  // PageDown (a presenter's remote) always change slides. The player is an iframe srcdoc:
  // the deck's own origin, so the deck hears its keys first (capture) and sees its focus.
  function playerHasKeys() {{
    const a = document.activeElement;
    return !!(a && a.tagName === "IFRAME" && a.closest("section.player"));
  }}
  function deckKeys() {{
    // (only then: window.focus() may raise this window over the presenter's)
    if (playerHasKeys()) {{ document.activeElement.blur(); window.focus(); }}
    mark();
  }}
  function mark() {{
    const on = playerHasKeys();
    document.body.dataset.keys = on ? "player" : "deck";
    slides.forEach((s) => {{
      const k = s.querySelector(".keys");
      if (!k) return;
      k.querySelector(".to-deck").hidden = !on;
      k.querySelector(".to-player").hidden = on;
      k.querySelector(".state").textContent = on ? "keys: the player's" : "keys: the slides'";
    }});
  }}
  function playerKeys(section) {{
    const f = section.querySelector("iframe");
    const root = f.contentDocument && f.contentDocument.querySelector(".descent-player");
    f.focus();
    if (root) {{ root.focus({{preventScroll: true}}); }}
    mark();
  }}
  slides.forEach((s) => {{
    const f = s.querySelector("section.player iframe");
    if (!f) return;
    s.querySelector(".to-player").addEventListener("click", (e) => {{ e.stopPropagation(); playerKeys(s); }});
    s.querySelector(".to-deck").addEventListener("click", (e) => {{ e.stopPropagation(); deckKeys(); }});
    const hook = () => {{
      const w = f.contentWindow;
      if (!w || w.descentDeckHooked) return;
      w.descentDeckHooked = true;
      w.addEventListener("keydown", (e) => {{
        if (e.key === "Escape") {{ deckKeys(); }}
        else if (e.key === "PageDown") {{ show(current + 1); }}
        else if (e.key === "PageUp") {{ show(current - 1); }}
        else return;
        e.preventDefault();
        e.stopImmediatePropagation();
      }}, true);
      w.addEventListener("focus", mark);
      w.addEventListener("blur", () => setTimeout(mark, 0));
    }};
    f.addEventListener("load", hook);
    hook();
  }});
  window.addEventListener("focus", () => setTimeout(mark, 0));
  window.addEventListener("blur", () => setTimeout(mark, 0));
  window.addEventListener("message", (e) => {{
    if (e.data && typeof e.data.descentSlide === "number" && e.data.descentSlide !== current) {{
      show(e.data.descentSlide, true);
    }}
  }});
  function openPresenter() {{
    if (presenter) {{ return; }}
    if (!other || other.closed) {{
      other = window.open(location.pathname + "?presenter#" + (current + 1), "descent-presenter",
        "width=1100,height=700");
    }}
    if (other) {{ other.focus(); }}
  }}
  document.addEventListener("keydown", (e) => {{
    if (["ArrowRight", "PageDown", " ", "Enter"].includes(e.key)) {{ show(current + 1); e.preventDefault(); }}
    else if (["ArrowLeft", "PageUp", "Backspace"].includes(e.key)) {{ show(current - 1); e.preventDefault(); }}
    else if (e.key === "Home") {{ show(0); }}
    else if (e.key === "End") {{ show(slides.length - 1); }}
    else if (e.key === "n" || e.key === "p" || e.key === "s") {{ openPresenter(); }}
    else if (e.key === "f" && document.documentElement.requestFullscreen) {{
      document.documentElement.requestFullscreen();
    }}
  }});
  // a click on the slide advances; a click on a control (a button, a link) only does its job
  document.addEventListener("click", (e) => {{
    if (e.target.closest("button, a, input, select, textarea, [controls], #presenter")) {{ return; }}
    show(current + 1);
  }});
  document.getElementById("prev-button").addEventListener("click", () => show(current - 1));
  document.getElementById("next-button").addEventListener("click", () => show(current + 1));
  // the presenter's timer: time since the presenter view opened (reset restarts it)
  let started = Date.now();
  document.getElementById("reset-button").addEventListener("click", () => {{ started = Date.now(); }});
  if (presenter) {{
    const tick = () => {{
      const s = Math.floor((Date.now() - started) / 1000);
      document.getElementById("timer").textContent =
        String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    }};
    tick();
    setInterval(tick, 500);
  }}
  // every clip's readiness, for checks: data-ready="4 4 4" once all have loaded (or failed)
  const states = slides.map(() => "0");
  slides.forEach((s, k) => {{
    const v = s.querySelector("video");
    if (!v) {{ states[k] = "player"; document.body.dataset.ready = states.join(" "); return; }}
    const note = () => {{ states[k] = v.error ? "error" : String(v.readyState);
      document.body.dataset.ready = states.join(" "); }};
    v.addEventListener("loadeddata", note);
    v.addEventListener("error", note);
    v.load();
  }});
  const start = parseInt((location.hash || "#1").slice(1), 10);
  show(isNaN(start) ? 0 : start - 1, true);
  mark();
}})();
</script>
</body></html>
"""


def build_html(
    slides: Sequence[Slide], target: Path, *, title: str, players: Sequence[Path] = ()
) -> Path:
    """An offline HTML deck in the folder ``target`` (``index.html`` and ``clips/``); an
    existing deck there is replaced only once the new one is complete. ``players``: html
    player files (``descent.renders.player``), each a slide after the clips, held in the page."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=target.parent))
    try:
        (work / "clips").mkdir()
        parts = []
        for i, item in enumerate(slides, start=1):
            name = f"{i:02d}-{item['clip'].name.split('-', 1)[-1]}"
            shutil.copyfile(item["clip"], work / "clips" / name)
            poster(item["clip"], work / "clips" / f"{Path(name).stem}.png")
            notes = html.escape(item["narration"] or item["name"])
            label = html.escape(f"{item['scene']}: {item['name']}")
            parts.append(
                f'<section data-name="{label}"><video src="clips/{name}" '
                f'poster="clips/{Path(name).stem}.png" muted playsinline preload="auto" '
                f'aria-label="{label}"></video><aside class="notes">{notes}</aside></section>'
            )
        parts += _player_slides(players)
        page = _PAGE.format(title=html.escape(title), sections="\n".join(parts))
        (work / "index.html").write_text(page, encoding="utf-8")
        old = target.with_name(f"{temp_prefix()}old-{target.name}")
        if target.exists():
            os.replace(target, old)
        os.replace(work, target)
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


#: the keys of a player slide, written on it (the deck's script sets which state shows)
_KEYS = (
    '<p class="keys"><span class="state">keys: the slides\'</span>'
    '<button type="button" class="to-player">give the keys to the player</button>'
    '<button type="button" class="to-deck" hidden>give the keys back to the slides (Esc)</button>'
    "<span>in the player: <kbd>space</kbd> <kbd>←</kbd> <kbd>→</kbd> <kbd>Home</kbd>"
    " <kbd>End</kbd> · <kbd>Esc</kbd> keys back to the slides · <kbd>PgUp</kbd> <kbd>PgDn</kbd>"
    " slides, always</span></p>"
)
#: on a slide the narration is the presenter's (the notes), as on the video slides: the
#: player's picture takes the room its narration took; and the player is as wide as the
#: slide (a page's player stops at 1280 px: at 1920 × 1080 its plot was 616 px wide against
#: the video slides' 890)
_DECK_PLAYER_STYLE = (
    "<style>.descent-player .dp-say, .descent-player .dp-caption { display: none; }"
    " .descent-player { max-width: none; margin-bottom: 0; }</style>"
)
_DATA = re.compile(r'<script type="application/json" class="descent-data">(.*?)</script>', re.S)


def _player_notes(document: str) -> str:
    """The speaker notes of a player slide: the key rule, then each chapter's narration
    (the payloads' beats, ``descent.renders.player``)."""
    lines = [
        "Interactive: click the player (or its keys button), then space plays, ← → step, "
        "Home and End jump; Esc gives the keys back to the slides; PageUp/PageDown always "
        "change slides. The chapters are the beats:"
    ]
    for found in _DATA.findall(document):
        for k, beat in enumerate(json.loads(found).get("beats", []), start=1):
            lines.append(f"{k} {beat['name']} (step {beat['step']:g}): {beat['say']}")
    return "\n".join(lines)


def _player_slides(players: Sequence[Path]) -> list[str]:
    """One slide per player file, held in the deck (an ``<iframe srcdoc>``: the deck's own
    origin, so the deck hears its keys and sees its focus): the player fills the slide, its
    narration in the notes, its key rule written under it."""
    parts = []
    for path in players:
        document = Path(path).read_text(encoding="utf-8")
        if "</head>" not in document:
            raise EngineError(f"{path}: not a descent player page (no </head>)")
        shown = document.replace("</head>", _DECK_PLAYER_STYLE + "</head>", 1)
        label = html.escape(f"{Path(path).stem}: interactive player")
        notes = html.escape(_player_notes(document))
        parts.append(
            f'<section class="player" data-name="{label}">'
            f'<iframe srcdoc="{html.escape(shown, quote=True)}" title="{label}"></iframe>'
            f'{_KEYS}<aside class="notes">{notes}</aside></section>'
        )
    return parts
