"""A Sphinx extension: ``.. descent::`` renders a scene into the docs, through the cache.

Add ``"descent.renders.sphinxext"`` to ``extensions`` in ``conf.py``, then::

    .. descent:: MomentumOvershoot
       :format: gif
       :quality: preview
       :run-time: 4

The argument is a built-in scene, a ``.toml`` spec or ``file.py:Name`` (paths relative to
the document). Options: ``:format:`` ``gif`` (default), ``mp4``, ``webm``, ``png`` or
``html`` (the interactive player, ``descent.renders.player``, in an ``<iframe>`` of its own:
several on one page never share state);
``:quality:`` (default ``descent_quality`` in ``conf.py``, else ``low``); ``:run-time:``
seconds; ``:theme:`` (default ``descent_theme``, else ``dark``); ``:alt:`` text.

Renders go through descent's pipeline and its render cache, into a folder among the
doctrees that persists between builds (a docs build whose scenes did not change renders
nothing). Each target renders under a name of its own (its path and options hashed:
``guide/a/scene.toml`` and ``guide/b/scene.toml`` never share files), and each medium is
handed to Sphinx under a name that also carries a hash of its bytes, through Sphinx's own
machinery, so that every builder copies what it needs:

* GIF and PNG are image nodes (``_images/``): html, dirhtml, singlehtml and epub copy
  them; LaTeX and the other builders get the scene's key frame (its last frame) as a PNG.
* MP4 and WebM are ``<video controls loop muted playsinline>`` with the key frame as
  poster, both registered as downloads (``_downloads/``) so every HTML builder copies
  them; epub and LaTeX get the key frame as a still.
* The html player is a download too, shown in an ``<iframe>`` of its own with the script
  ``show()`` puts beside its frame (:func:`descent.renders.player.frame_script`): the frame
  takes the content column's width and the player's height (the player reports it with
  ``postMessage``), and the player fits the window's visible height (down to a picture
  200 px tall: the controls stay right under it on a short screen). Its picture is drawn
  at 1280 × 720 at least (``descent.renders.pipeline.PLAYER_MIN_SIZE``), whatever the quality.
  epub and LaTeX get the key frame as a still.
* A medium that is missing when the docs are built is a warning (Sphinx's "image file
  not readable" / "download file not readable"), never a silent broken link.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import os
import posixpath
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

__all__ = ["DescentDirective", "descent_video", "setup"]

logger = logging.getLogger(__name__)
FORMATS = ("gif", "mp4", "webm", "png", "html")


def _format(text: str | None) -> str:
    return directives.choice(text or "gif", FORMATS)


def _run_time(text: str | None) -> float:
    value = float(directives.unchanged_required(text))
    if not 0.5 <= value <= 600:
        raise ValueError("run-time must be between 0.5 and 600 seconds")
    return value


class DescentDirective(SphinxDirective):
    """``.. descent:: SCENE``: render SCENE (cached) and embed it."""

    required_arguments = 1
    has_content = False
    option_spec = {  # noqa: RUF012 - docutils' API
        "format": _format,
        "quality": directives.unchanged_required,
        "run-time": _run_time,
        "theme": directives.unchanged_required,
        "alt": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        from descent.renders.api import RenderError, targets_for
        from descent.renders.pipeline import run_job
        from descent.renders.scenefile import split_target

        target = self.arguments[0]
        fmt = self.options.get("format", "gif")
        config = self.env.config
        quality = self.options.get("quality", config.descent_quality)
        theme = self.options.get("theme", config.descent_theme)
        run_time = self.options.get("run-time")
        scene = target
        file_target = split_target(target)
        if target.endswith(".toml") or file_target is not None:
            file = target if file_target is None else file_target[0]
            _, absolute = self.env.relfn2path(file)
            self.env.note_dependency(absolute)  # editing it re-reads this document
            scene = absolute if file_target is None else f"{absolute}:{file_target[1]}"
        cache = Path(self.env.app.doctreedir) / "descent"  # kept between builds, not served
        # the key frame (last frame) beside any animation: a poster, and the still for LaTeX
        formats = (fmt,) if fmt == "png" else (fmt, "png")
        try:
            jobs = targets_for(
                [scene], out=cache, quality=quality, formats=formats, theme=theme, run_time=run_time
            )
            if len(jobs) != 1:
                raise RenderError(f"{target}: name one scene class (file.py:Name)")
            # one name per target and options: two pages' scene.toml never share files
            ident = hashlib.sha256(repr((scene, quality, theme, run_time)).encode()).hexdigest()
            label = f"{jobs[0].name}-{quality}-{theme}" + (f"-{run_time:g}s" if run_time else "")
            job = dataclasses.replace(jobs[0], name=f"{label}-{ident[:8]}")
            result = run_job(job)
            if result.status == "failed":
                raise RenderError(f"{jobs[0].name} failed: {result.error}")
        except RenderError as exc:
            raise self.error(f"descent: {exc}") from None
        logger.info(f"descent: {target} ({fmt}, {quality}): {result.status}")
        media = {f: self.medium(path, cache / "media") for f, path in job.outputs().items()}
        alt = self.options.get("alt", f"{jobs[0].name}: descent animation")
        still = nodes.image(uri=media["png"], alt=alt, classes=["descent"])
        if fmt in ("gif", "png"):
            if fmt == "png":
                return [still]
            shown = nodes.image(uri=media["gif"], alt=alt, classes=["descent"])
            return [_only("html", shown), _only("not html", still)]
        # the player (a page of its own: one iframe each) or a video, with the key frame as poster
        kind = "text/html" if fmt == "html" else f"video/{fmt}"
        video = descent_video(alt=alt, mimetype=kind)
        for role, uri in (("video", media[fmt]), ("poster", media["png"])):
            ref = addnodes.download_reference(
                "", "", reftarget=uri, refdoc=self.env.docname, refexplicit=True
            )
            ref["descent_role"] = role
            video += ref
        return [_only("html and not epub", video), _only("not html or epub", still)]

    def medium(self, rendered: Path, folder: Path) -> str:
        """A copy of ``rendered`` named after its bytes (``name-<sha>.ext``), as Sphinx takes
        a path: ``/``-rooted, relative to the source folder. Missing: a warning."""
        if not rendered.is_file():
            logger.warning(
                f"descent: {rendered.name} was not written", location=self.get_location()
            )
            return "/" + os.path.relpath(rendered, self.env.srcdir)
        data = rendered.read_bytes()
        named = folder / f"{rendered.stem}-{hashlib.sha256(data).hexdigest()[:12]}{rendered.suffix}"
        if not named.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = named.with_suffix(named.suffix + ".tmp")
            shutil.copyfile(rendered, tmp)
            tmp.replace(named)
        return "/" + Path(os.path.relpath(named, self.env.srcdir)).as_posix()


def _only(expr: str, node: nodes.Node) -> addnodes.only:
    """``node`` for the builders whose tags match ``expr`` (``html`` is every HTML builder's
    format; ``epub`` the epub builder's name), as the ``.. only::`` directive makes."""
    only = addnodes.only(expr=expr)
    only += node
    return only


class descent_video(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes so
    """A ``<video>`` (or the html player's ``<iframe>``) whose file and poster are download
    references, so that every builder copies them."""


def _visit_video_html(self: Any, node: descent_video) -> None:
    refs = {ref["descent_role"]: ref for ref in node.findall(addnodes.download_reference)}

    def href(role: str) -> str:
        ref = refs[role]
        if "filename" not in ref:  # unreadable: Sphinx warned "download file not readable"
            return ""
        return posixpath.join(self.builder.dlpath, urllib.parse.quote(ref["filename"]))

    alt = html.escape(node["alt"])
    if node["mimetype"] == "text/html":  # the interactive player: one self-contained page
        from descent.renders.player import frame_script

        # the page's content width; the frame grows to the player's height and the player
        # fits the window's height (frame_script, as show() does in a notebook); without
        # script the frame keeps 16:17, about the player at a 1280 × 720 window (660 × 719)
        count = getattr(self, "_descent_players", 0) + 1
        self._descent_players = count
        frame_id = f"descent-player-{count}"
        self.body.append(
            f'<div class="descent-player-embed"><iframe id="{frame_id}" '
            f'class="descent descent-player-frame" src="{href("video")}" title="{alt}" '
            'loading="lazy" style="display:block;width:100%;aspect-ratio:16/17;border:0">'
            f"</iframe>{frame_script(frame_id)}</div>"
        )
        raise nodes.SkipNode
    poster = href("poster")
    self.body.append(
        f'<video class="descent" controls loop muted playsinline preload="metadata" '
        f'aria-label="{alt}"' + (f' poster="{poster}"' if poster else "") + ">"
        f'<source src="{href("video")}" type="{node["mimetype"]}">{alt}</video>'
    )
    raise nodes.SkipNode


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("descent_quality", "low", "env")
    app.add_config_value("descent_theme", "dark", "env")
    app.add_directive("descent", DescentDirective)
    others = {b: (_skip, None) for b in ("latex", "text", "man", "texinfo")}
    app.add_node(descent_video, html=(_visit_video_html, None), **others)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
