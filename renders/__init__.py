"""descent renders: the ``descent`` command line, the render pipeline and the Python API.

>>> from descent.renders import render, show  # doctest: +SKIP
>>> render("MomentumOvershoot", formats=("gif",))  # doctest: +SKIP
{'gif': PosixPath('.../media/MomentumOvershoot.gif')}
"""

from __future__ import annotations

from descent.renders.api import RenderError, render, show

__all__ = ["RenderError", "render", "show"]
