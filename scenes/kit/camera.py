"""The camera: Manim's Cairo camera doing less work per mobject, with the same pixels."""

from __future__ import annotations

import math
from typing import Any

import cairo
import numpy as np
from manim import (
    Camera,
    ThreeDCamera,
    VMobject,
)
from manim.camera.camera import CAP_STYLE_MAP, LINE_JOIN_MAP

from descent.scenes.kit.text import FastText

__all__ = [
    "PathCamera",
    "MeshCamera",
    "still_axes",
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

    # -- read-outs: glyphs painted from cached masks ------------------------------------------
    #: sub-pixel positions a glyph mask is kept for, per axis (1/8 px: within 1/16 px)
    GLYPH_PHASES = 8
    _masks: dict[tuple[Any, ...], tuple[Any, int, int]] = {}

    def display_vectorized(self, vmobject: VMobject, ctx: Any) -> PathCamera:
        if isinstance(vmobject, FastText) and self._paint_text(ctx, vmobject):
            return self
        super().display_vectorized(vmobject, ctx)
        return self

    def _paint_text(self, ctx: Any, text: FastText) -> bool:
        """Paint a :class:`FastText` glyph by glyph from cached alpha masks.

        A read-out changes its string nearly every step, but its characters repeat: filling
        ~150 Bézier curves a string in Cairo (0.4 ms at 1080p) becomes a few mask paints.
        Only for text as :meth:`FastText.set_text` laid it out (moved, not scaled or
        rotated), in one fill colour with no stroke; anything else is drawn as a path.
        """
        outline, pens = text.layout
        points = text.points
        if (
            text.get_stroke_width() > 0
            or text.get_stroke_width(background=True) > 0
            or len(points) != len(outline)
            or not pens
        ):
            return False
        rgbas = self.get_fill_rgbas(text)
        if len(rgbas) != 1:
            return False
        anchor = points[0]
        if not np.allclose(points - anchor, outline, rtol=0.0, atol=1e-6):
            return False  # scaled, rotated or edited since it was laid out
        if rgbas[0][3] == 0:
            return True
        m = ctx.get_matrix()
        if m.xy or m.yx:
            return False
        steps = self.GLYPH_PHASES
        ctx.save()
        ctx.new_path()
        ctx.identity_matrix()
        self.set_cairo_context_color(ctx, rgbas, text)
        for ch, pen in pens:
            x, y = m.transform_point(anchor[0] + pen, anchor[1])
            ix, iy = math.floor(x), math.floor(y)
            fx, fy = round((x - ix) * steps), round((y - iy) * steps)
            key = (ch, text.font_size, m.xx, m.yy, fx, fy)
            mask = self._masks.get(key)
            if mask is None:
                mask = self._masks[key] = self._glyph_mask(
                    FastText.glyph(ch, text.font_size)[0], m.xx, m.yy, fx / steps, fy / steps
                )
            surface, ox, oy = mask
            if surface is not None:
                ctx.mask_surface(surface, ix + ox, iy + oy)
        ctx.restore()
        return True

    @staticmethod
    def _glyph_mask(
        points: np.ndarray, sx: float, sy: float, fx: float, fy: float
    ) -> tuple[Any, int, int]:
        """An A8 mask of one glyph's fill at pixel scale ``(sx, sy)`` with its pen at the
        sub-pixel offset ``(fx, fy)``, and the mask's offset from the pen's pixel."""
        if len(points) < 4:
            return None, 0, 0
        px = points[:, 0] * sx + fx
        py = points[:, 1] * sy + fy
        x0, y0 = math.floor(px.min()) - 1, math.floor(py.min()) - 1
        w, h = math.ceil(px.max()) + 2 - x0, math.ceil(py.max()) + 2 - y0
        surface = cairo.ImageSurface(cairo.FORMAT_A8, w, h)
        mctx = cairo.Context(surface)
        flat = np.column_stack([px - x0, py - y0]).ravel().tolist()
        for start in range(0, len(points) - 3, 4):
            i = 2 * start
            if start == 0 or flat[i : i + 2] != flat[i - 2 : i]:
                mctx.move_to(flat[i], flat[i + 1])
            mctx.curve_to(*flat[i + 2 : i + 8])
        mctx.set_source_rgba(0, 0, 0, 1)
        mctx.fill()
        surface.flush()
        return surface, x0, y0

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


class MeshCamera(ThreeDCamera):
    """Manim's 3-D Cairo camera, drawing the faces of a surface in one batch a frame.

    ``ThreeDCamera`` handles each face of a ``Surface`` on its own: it projects its 16
    points, finds two corner normals, shades two colours and sorts it by depth, all in
    small NumPy calls (~0.3 ms a face: a 24 × 24 surface costs ~200 ms a frame). Here
    the faces of a frame (flat, four-curve, single-colour ``shade_in_3d`` pieces) are
    projected, shaded and depth-keyed as arrays in one pass, with Manim's own formulas
    (``get_shaded_rgb``, ``get_3d_vmob_unit_normal``, ``project_points``), then drawn
    in Manim's depth order with the same gradient, fill and stroke. Any other mobject is
    drawn by ``ThreeDCamera`` itself.
    """

    def get_mobjects_to_display(self, *args: Any, **kwargs: Any) -> list[Any]:
        mobjects = Camera.get_mobjects_to_display(self, *args, **kwargs)
        rows = self.get_rotation_matrix()[2]
        keys = np.full(len(mobjects), np.inf)  # as ThreeDCamera: unshaded ones last, in order
        leaves: list[int] = []  # a leaf's centre is the middle of its own points' box
        for i, mob in enumerate(mobjects):
            if not getattr(mob, "shade_in_3d", False):
                continue
            group = getattr(mob, "z_index_group", mob)
            if group is mob and not mob.submobjects and len(mob.points):
                leaves.append(i)
            else:
                keys[i] = float(np.dot(group.get_center(), rows))
        if leaves:
            pts = [mobjects[i].points for i in leaves]
            starts = np.cumsum([0] + [len(p) for p in pts[:-1]])
            flat = np.concatenate(pts)
            centers = (np.minimum.reduceat(flat, starts) + np.maximum.reduceat(flat, starts)) / 2
            keys[leaves] = centers @ rows
        order = sorted(range(len(mobjects)), key=keys.__getitem__)  # stable, as sorted() is
        return [mobjects[i] for i in order]

    def _is_face(self, vm: Any) -> bool:
        return (
            getattr(vm, "shade_in_3d", False)
            and len(vm.points) == 16
            and vm.n_points_per_cubic_curve == 4
            and len(vm.fill_rgbas) == 1
            and len(vm.stroke_rgbas) == 1
            and not vm.get_stroke_width(background=True)
            and vm not in self.fixed_in_frame_mobjects
            and vm not in self.fixed_orientation_mobjects
        )

    def _faces(self, faces: list[Any]) -> dict[int, tuple[Any, ...]]:
        """Projected paths, shaded colours and gradient ends of ``faces``, by ``id``."""
        pts = np.stack([vm.points for vm in faces])  # (F, 16, 3)
        ok = np.isfinite(pts).all(axis=(1, 2))
        # one subpath: each curve starts where the previous one ended (else: Manim draws it)
        ok &= (pts[:, 4::4] == pts[:, 3:-1:4]).all(axis=(1, 2))
        n = len(faces)
        proj = self.project_points(pts.reshape(-1, 3)).reshape(n, 16, 3)
        # corner normals at point 0 and point 6 (get_3d_vmob_{start,end}_corner_unit_normal)
        normals = []
        for i, ip3, im3 in ((0, 3, 12), (6, 9, 3)):
            v1, v2 = pts[:, ip3] - pts[:, i], pts[:, im3] - pts[:, i]
            d1 = np.abs(v1).max(axis=1, keepdims=True)
            d2 = np.abs(v2).max(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                cp = np.cross(v1 / d1, v2 / d2)
                size = np.sqrt((cp**2).sum(axis=1, keepdims=True))
                normals.append(cp / size)
            ok &= (size[:, 0] > 1e-6) & (d1[:, 0] > 0) & (d2[:, 0] > 0)  # else: Manim's fallbacks
        light = self.light_source.points[0]
        shade = []
        for corner, normal in zip((pts[:, 0], pts[:, 6]), normals, strict=True):
            to_sun = light - corner
            with np.errstate(invalid="ignore", divide="ignore"):
                to_sun = to_sun / np.linalg.norm(to_sun, axis=1, keepdims=True)
            amount = 0.5 * (normal * to_sun).sum(axis=1) ** 3
            shade.append(np.where(amount < 0, amount * 0.5, amount)[:, None])
        # closed as consider_points_equals_2d decides (np.isclose of the first and last point)
        xy = proj[:, :, :2]
        atol = np.array([vm.tolerance_for_point_equality for vm in faces])[:, None]
        closed = (np.abs(xy[:, 0] - xy[:, -1]) <= atol + 1e-5 * np.abs(xy[:, -1])).all(axis=1)
        # two colours each (start and end corner) for the fill and the stroke: (F, 2, 2, 4)
        bases = np.stack(
            [
                np.stack([vm.fill_rgbas[0] for vm in faces]),
                np.stack([vm.stroke_rgbas[0] for vm in faces]),
            ],
            axis=1,
        )[:, :, None, :].repeat(2, axis=2)
        bases[:, :, :, :3] += np.stack(shade, axis=1)[:, None, :, :]
        paint = bases[:, :, :, [2, 1, 0, 3]]  # Cairo's ARGB32 is BGRA in memory, as Manim does
        out: dict[int, tuple[Any, ...]] = {}
        keep = np.flatnonzero(ok)
        if not len(keep):
            return out
        rows = zip(
            keep.tolist(),
            xy[keep].reshape(len(keep), -1).tolist(),
            closed[keep].tolist(),
            xy[keep][:, [0, 6]].reshape(len(keep), 4).tolist(),
            paint[keep].tolist(),
            strict=True,
        )
        for f, flat, shut, ends, (fill, stroke) in rows:
            out[id(faces[f])] = (flat, shut, ends, fill, stroke)
        return out

    def display_multiple_non_background_colored_vmobjects(
        self, vmobjects: Any, pixel_array: Any
    ) -> None:
        vmobjects = list(vmobjects)
        shading = self.should_apply_shading
        faces = [vm for vm in vmobjects if shading and self._is_face(vm)]
        batch = self._faces(faces) if faces else {}
        ctx = self.get_cairo_context(pixel_array)
        for vm in vmobjects:
            face = batch.get(id(vm))
            if face is None:
                self.display_vectorized(vm, ctx)
            else:
                self._draw_face(ctx, vm, *face)

    def _draw_face(
        self,
        ctx: Any,
        vm: Any,
        flat: list[float],
        closed: bool,
        ends: tuple,
        fill: list,
        stroke: list,
    ) -> None:
        """What ``display_vectorized`` draws for a face, from the batch's numbers."""
        ctx.new_path()
        ctx.new_sub_path()
        ctx.move_to(flat[0], flat[1])
        for i in range(2, 32, 8):  # curve k: points 4k+1, 4k+2, 4k+3
            ctx.curve_to(*flat[i : i + 6])
        if closed:
            ctx.close_path()
        for rgbas, paint in ((fill, None), (stroke, vm.get_stroke_width())):
            if paint == 0:
                continue
            pattern = cairo.LinearGradient(*ends)
            pattern.add_color_stop_rgba(0.0, *rgbas[0])
            pattern.add_color_stop_rgba(1.0, *rgbas[1])
            ctx.set_source(pattern)
            if paint is None:
                ctx.fill_preserve()
            else:
                ctx.set_line_width(paint * self.cairo_line_width_multiple)
                ctx.set_line_join(LINE_JOIN_MAP[vm.joint_type])
                ctx.set_line_cap(CAP_STYLE_MAP[vm.cap_style])
                ctx.stroke_preserve()


def still_axes(axes: Any) -> Any:
    """Freeze the shading gradient of ``ThreeDAxes`` that will not move.

    Manim shades each of the ~160 pieces and ticks of ``ThreeDAxes`` with a gradient
    between its axis's two ends, found again from all the axis's points for every piece
    in every frame (~0.5 ms a piece: 80 ms a frame). Axes that stay put have the same
    ends all along: they are computed once here. The camera may still move.

    Examples
    --------
    >>> from manim import ThreeDAxes
    >>> axes = ThreeDAxes()
    >>> before = axes.x_axis.pieces[3].get_gradient_start_and_end_points()
    >>> after = still_axes(axes).x_axis.pieces[3].get_gradient_start_and_end_points()
    >>> all(np.array_equal(a, b) for a, b in zip(before, after))
    True
    """
    vect = axes.light_source
    for axis in axes.axes:
        ends = (axis.get_edge_center(-vect), axis.get_edge_center(vect))
        for piece in axis.family_members_with_points():
            piece.get_gradient_start_and_end_points = lambda ends=ends: ends
    return axes
