"""The camera: Manim's Cairo camera doing less work per mobject, with the same pixels."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    Camera,
    VMobject,
)

__all__ = [
    "PathCamera",
]


class PathCamera(Camera):
    """Manim's Cairo camera, doing less per mobject (same paths, same pixels).

    A scene with trails, a panel and read-outs redraws ~40 mobjects and ~2,600 Bézier
    curves a frame. ``Camera.set_cairo_context_path`` finds the subpaths with a general
    NumPy routine (~60 µs a mobject) and hands Cairo each curve through six NumPy scalar
    look-ups; here finite points take a short path and one list conversion. Fills and
    strokes that are fully transparent (a trail's fill, hidden markers) are not painted.
    """

    def set_cairo_context_path(self, ctx: Any, vmobject: VMobject) -> PathCamera:
        points = vmobject.points
        n = len(points)
        if n < 4 or n % 4 or vmobject.n_points_per_cubic_curve != 4:
            super().set_cairo_context_path(ctx, vmobject)  # the rare cases, as Manim does them
            return self
        if not np.isfinite(points).all():
            super().set_cairo_context_path(ctx, vmobject)
            return self
        ctx.new_path()
        # subpaths: a curve whose start is not (np.isclose) the previous curve's end opens one
        ends, starts = points[3:-1:4, :2], points[4::4, :2]
        atol = vmobject.tolerance_for_point_equality
        apart = (np.abs(ends - starts) > atol + 1.0e-5 * np.abs(starts)).any(axis=1)
        cuts = [0, *(4 * (np.flatnonzero(apart) + 1)).tolist(), n]
        splits = zip(cuts[:-1], cuts[1:], strict=True)
        flat = points[:, :2].ravel().tolist()  # x0, y0, x1, y1, ...
        curve_to = ctx.curve_to
        for start, end in splits:
            if end - start < 4:
                continue
            ctx.new_sub_path()
            ctx.move_to(flat[2 * start], flat[2 * start + 1])
            for i in range(2 * start + 2, 2 * end - 6 + 1, 8):  # handle, handle, anchor
                curve_to(*flat[i : i + 6])
            if vmobject.consider_points_equals_2d(points[start], points[end - 1]):
                ctx.close_path()
        return self

    def apply_fill(self, ctx: Any, vmobject: VMobject) -> PathCamera:
        if self.get_fill_rgbas(vmobject)[:, 3].any():  # alpha 0 everywhere paints nothing
            super().apply_fill(ctx, vmobject)
        return self

    def apply_stroke(self, ctx: Any, vmobject: VMobject, background: bool = False) -> PathCamera:
        if vmobject.get_stroke_width(background) and not np.any(
            self.get_stroke_rgbas(vmobject, background=background)[:, 3]
        ):
            return self  # a hidden stroke
        super().apply_stroke(ctx, vmobject, background)
        return self
