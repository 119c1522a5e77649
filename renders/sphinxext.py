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

Renders go through descent's pipeline (palette GIFs about 25× smaller than Manim's own,
the piped encoder) into a folder among the doctrees that persists between builds, with
the render cache: a docs build whose scenes did not change renders nothing. The file is
copied into ``_descent/`` of the HTML output and embedded as ``<img>`` (GIF, PNG) or
``<video controls loop muted playsinline>`` (MP4, WebM).
"""

from __future__ import annotations

import dataclasses
import html
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

__all__ = ["DescentDirective", "setup"]

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
        try:
            jobs = targets_for(
                [scene], out=cache, quality=quality, formats=(fmt,), theme=theme, run_time=run_time
            )
            if len(jobs) != 1:
                raise RenderError(f"{target}: name one scene class (file.py:Name)")
            label = f"{jobs[0].name}-{quality}-{theme}" + (f"-{run_time:g}s" if run_time else "")
            job = dataclasses.replace(jobs[0], name=label)
            result = run_job(job)
            if result.status == "failed":
                raise RenderError(f"{jobs[0].name} failed: {result.error}")
        except RenderError as exc:
            raise self.error(f"descent: {exc}") from None
        logger.info(f"descent: {target} ({fmt}, {quality}): {result.status}")
        rendered = job.outputs()[fmt]
        out = Path(self.env.app.outdir) / "_descent" / rendered.name
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.is_file() or out.read_bytes() != rendered.read_bytes():
            shutil.copyfile(rendered, out)
        uri = "../" * self.env.docname.count("/") + f"_descent/{rendered.name}"
        alt = html.escape(self.options.get("alt", f"{jobs[0].name}: descent animation"))
        if fmt == "html":  # the player is a page of its own: one iframe each
            markup = (
                f'<iframe class="descent descent-player-frame" src="{uri}" title="{alt}" '
                'loading="lazy" style="width:100%;aspect-ratio:16/11.5;border:0"></iframe>'
            )
        elif fmt in ("gif", "png"):
            markup = f'<img class="descent" src="{uri}" alt="{alt}" loading="lazy">'
        else:
            kind = "video/mp4" if fmt == "mp4" else "video/webm"
            markup = (
                f'<video class="descent" controls loop muted playsinline preload="metadata" '
                f'aria-label="{alt}"><source src="{uri}" type="{kind}"></video>'
            )
        return [nodes.raw("", markup, format="html")]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("descent_quality", "low", "env")
    app.add_config_value("descent_theme", "dark", "env")
    app.add_directive("descent", DescentDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
