"""Presentations from beats: one slide per section, the narration in the speaker notes.

:func:`build_pptx` writes a PowerPoint deck (python-pptx; opens in PowerPoint, Keynote and
LibreOffice): each slide holds its clip full-bleed, embedded, playing on click, with the
clip's first frame as its poster and the beat's narration in the notes.

:func:`build_html` writes a folder that works **offline** (a lecture hall without
network): ``index.html`` with its own few lines of CSS and JavaScript, no CDN, and the
clips beside it. Keys: → / space / click next, ← back, ``n`` shows the notes, ``f``
full screen; ``#3`` opens slide 3. Each clip plays from its start when its slide shows.

Both read the ``<Scene>.sections.json`` indexes that ``descent render --sections`` writes.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
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
    """The clip's first frame as a PNG."""
    from descent.renders.media import read_frames, save_png

    [(_, frame)] = read_frames(clip, 1)
    return save_png(frame, target)


def build_pptx(slides: Sequence[Slide], target: Path, *, title: str) -> Path:
    """A 16:9 PowerPoint deck: one slide per section, its clip embedded (plays on click,
    first frame as poster), the narration in the speaker notes."""
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
section.player iframe {{ width: min(100vw, 133vh); height: 100vh; border: 0; }}
aside.notes {{ display: none; position: absolute; left: 0; right: 0; bottom: 0; padding: 1em 2em;
  background: rgba(0, 0, 0, 0.8); font-size: 1.3em; line-height: 1.4; }}
body.notes section.current aside.notes {{ display: block; }}
#counter {{ position: fixed; right: 1em; bottom: 0.6em; color: #A7B0BE; font-size: 0.9em; }}
</style></head>
<body>
{sections}
<div id="counter"></div>
<script>
(function () {{
  const slides = Array.from(document.querySelectorAll("section"));
  let current = 0;
  function show(i) {{
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach((s, k) => {{
      s.classList.toggle("current", k === current);
      const v = s.querySelector("video");
      if (!v) return;  // a player slide: the presenter drives it (click it, then its keys)
      if (k === current) {{ v.currentTime = 0; v.play().catch(() => {{}}); }} else {{ v.pause(); }}
    }});
    document.getElementById("counter").textContent = (current + 1) + " / " + slides.length;
    history.replaceState(null, "", "#" + (current + 1));
    document.body.dataset.slide = String(current + 1);
  }}
  document.addEventListener("keydown", (e) => {{
    if (["ArrowRight", "PageDown", " ", "Enter"].includes(e.key)) {{ show(current + 1); e.preventDefault(); }}
    else if (["ArrowLeft", "PageUp", "Backspace"].includes(e.key)) {{ show(current - 1); e.preventDefault(); }}
    else if (e.key === "Home") {{ show(0); }}
    else if (e.key === "End") {{ show(slides.length - 1); }}
    else if (e.key === "n") {{ document.body.classList.toggle("notes"); }}
    else if (e.key === "f" && document.documentElement.requestFullscreen) {{
      document.documentElement.requestFullscreen();
    }}
  }});
  document.addEventListener("click", () => show(current + 1));
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
  show(isNaN(start) ? 0 : start - 1);
}})();
</script>
</body></html>
"""


def build_html(
    slides: Sequence[Slide], target: Path, *, title: str, players: Sequence[Path] = ()
) -> Path:
    """An offline HTML deck in the folder ``target`` (``index.html`` and ``clips/``); an
    existing deck there is replaced only once the new one is complete. ``players``: html
    player files (``descent.renders.player``), each a slide after the clips, in ``players/``."""
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
        parts += _player_slides(players, work)
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


def _player_slides(players: Sequence[Path], work: Path) -> list[str]:
    """One slide per player file, copied into ``players/``: the player fills the slide;
    click it to drive it with its own keys (space, ←, →, Home, End)."""
    parts = []
    if players:
        (work / "players").mkdir()
    for path in players:
        shutil.copyfile(path, work / "players" / Path(path).name)
        label = html.escape(f"{Path(path).stem}: interactive player")
        parts.append(
            f'<section class="player" data-name="{label}"><iframe src="players/{Path(path).name}" '
            f'title="{label}"></iframe><aside class="notes">Interactive: click the player, then '
            "space plays, ← → step, Home and End jump; the chapters are the beats.</aside></section>"
        )
    return parts
