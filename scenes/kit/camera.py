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
from manim.utils.space_ops import get_unit_normal

from descent.scenes.kit.text import FastText

__all__ = [
    "PathCamera",
    "MeshCamera",
    "HeightField",
    "still_axes",
    "family_with_points",
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
        if not np.abs(points - anchor - outline).max() <= 1e-6:  # np.allclose, rtol 0, cheaper
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


class HeightField:
    """A surface ``z = f(x, y)`` on a grid, in scene coordinates: what it hides from a camera.

    ``xs`` ``(nx,)`` and ``ys`` ``(ny,)`` are increasing scene coordinates and ``zs``
    ``(ny, nx)`` the surface's scene height there (a ``Surface`` built over the same grid
    draws each cell as the quad between its corners; between them the height here is
    bilinear). :meth:`hides` says which points it hides from an eye.
    """

    #: samples along each sight line (a ridge narrower than 1/SAMPLES of it may be missed)
    SAMPLES = 96

    def __init__(self, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray) -> None:
        self.xs = np.asarray(xs, dtype=np.float64)
        self.ys = np.asarray(ys, dtype=np.float64)
        self.zs = np.asarray(zs, dtype=np.float64)
        if self.zs.shape != (len(self.ys), len(self.xs)):
            raise ValueError(
                f"zs has shape {self.zs.shape}; expected (len(ys), len(xs)) = "
                f"({len(self.ys)}, {len(self.xs)})"
            )

    def height(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The surface's height over scene points ``(x, y)`` (any shape); ``-inf`` outside."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        fx = np.interp(x, self.xs, np.arange(len(self.xs)), left=np.nan, right=np.nan)
        fy = np.interp(y, self.ys, np.arange(len(self.ys)), left=np.nan, right=np.nan)
        inside = np.isfinite(fx) & np.isfinite(fy)
        fx, fy = np.where(inside, fx, 0.0), np.where(inside, fy, 0.0)
        i0 = np.minimum(fx.astype(int), len(self.xs) - 2)
        j0 = np.minimum(fy.astype(int), len(self.ys) - 2)
        tx, ty = fx - i0, fy - j0
        z = self.zs
        h = (
            z[j0, i0] * (1 - tx) * (1 - ty)
            + z[j0, i0 + 1] * tx * (1 - ty)
            + z[j0 + 1, i0] * (1 - tx) * ty
            + z[j0 + 1, i0 + 1] * tx * ty
        )
        return np.where(inside, h, -np.inf)

    def hides(self, points: np.ndarray, eye: np.ndarray, near: float = 0.3) -> np.ndarray:
        """Whether the surface lies between each of ``points`` ``(n, 3)`` and ``eye`` ``(3,)``:
        ``(n,)`` booleans.

        The sight line is sampled from ``near`` (scene units) off the point to the eye: a
        point resting on the surface is not hidden by the cell it rests in (the surface's
        quads and this interpolation differ by up to a few hundredths inside a cell).
        """
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        to_eye = np.asarray(eye, dtype=np.float64) - pts
        length = np.linalg.norm(to_eye, axis=1, keepdims=True)
        start = np.minimum(near / np.maximum(length, 1e-12), 1.0)
        s = start + (1.0 - start) * np.linspace(0.0, 1.0, self.SAMPLES)[None, :-1]
        line = pts[:, None, :] + s[:, :, None] * to_eye[:, None, :]
        below = line[..., 2] < self.height(line[..., 0], line[..., 1])
        return below.any(axis=1)


class MeshCamera(ThreeDCamera):
    """Manim's 3-D Cairo camera, drawing the faces of a surface in one batch a frame.

    ``ThreeDCamera`` handles each face of a ``Surface`` on its own: it projects its 16
    points, finds two corner normals, shades two colours and sorts it by depth, all in
    small NumPy calls (~0.3 ms a face: a 24 × 24 surface costs ~200 ms a frame). Here
    the 3-D pieces of a frame (``shade_in_3d`` mobjects of one path in one fill and one
    stroke colour: a surface's faces, the pieces and ticks of ``ThreeDAxes``) are
    projected, shaded and depth-keyed as arrays, a batch per number of points, with
    Manim's own formulas (``get_shaded_rgb``, ``get_3d_vmob_unit_normal``,
    ``project_points``), then drawn in Manim's depth order with the same gradient, fill
    and stroke. Any other mobject is drawn by ``ThreeDCamera`` itself.

    One difference: a piece's stroke narrower than :attr:`FINEST_STROKE` pixels is left
    out. A 24 × 24 surface's seams (``stroke_width=0.3``: 0.09 px in a 426 px preview)
    cost Cairo more than its fills, for a change too faint to see (at 426 × 240, 1.5 %
    of pixels differ by more than 8 levels of 255); from 640 px wide up they are drawn.
    """

    #: strokes of 3-D pieces narrower than this (pixels) are not drawn
    FINEST_STROKE = 0.125

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: surfaces that hide what is behind them (:meth:`depth_test`)
        self.occluders: list[HeightField] = []
        self._depth_tested: dict[int, Any] = {}
        self._hidden_parts: dict[int, np.ndarray] = {}

    def depth_test(self, *mobjects: Any, occluder: HeightField | None = None) -> MeshCamera:
        """Hide the parts of ``mobjects`` that :attr:`occluders` hide from the camera.

        A mobject with parts (a ``Sphere``, a ``Dot3D``) is a body: it is drawn whole when
        its centre is in sight, and not at all when it is not. A path (a trail) is cut: its
        curves whose middle is behind a surface are left out. Depth-tested mobjects are
        drawn after the surface, so a visible one is never painted over by it; depth-tested
        paths (trails) and flat pieces come before depth-tested 3-D bodies (balls), so a
        trail never paints over a ball.
        """
        if occluder is not None:
            self.occluders.append(occluder)
        for mob in mobjects:
            self._depth_tested[id(mob)] = mob
        return self

    def eye(self) -> np.ndarray:
        """Where the camera is, in scene coordinates (``project_points``' centre of
        projection: ``focal_distance`` in front of the frame centre)."""
        rot = self.get_rotation_matrix()
        center = np.asarray(self.frame_center, dtype=np.float64)
        return center + rot.T @ np.array([0.0, 0.0, float(self.get_focal_distance())])

    def _hidden(self, points: np.ndarray) -> np.ndarray:
        eye = self.eye()
        hidden = np.zeros(len(points), dtype=bool)
        for occluder in self.occluders:
            hidden |= occluder.hides(points, eye)
        return hidden

    def get_mobjects_to_display(
        self, mobjects: Any, include_submobjects: bool = True, excluded_mobjects: Any = None
    ) -> list[Any]:
        if include_submobjects and not excluded_mobjects:
            mobjects = family_with_points(mobjects, use_z_index=self.use_z_index)
        else:
            mobjects = Camera.get_mobjects_to_display(
                self, mobjects, include_submobjects, excluded_mobjects
            )
        # depth test: bodies whose centre is out of sight go; paths are cut when drawn
        tested: set[int] = set()  # every member of a depth-tested mobject
        self._hidden_parts = {}
        if self._depth_tested and self.occluders:
            gone: set[int] = set()
            for mob in self._depth_tested.values():
                family = mob.get_family()
                tested.update(map(id, family))
                if mob.submobjects:
                    if self._hidden(mob.get_center()[None, :])[0]:
                        gone.update(map(id, family))
                elif len(mob.points) >= 4:
                    pts = mob.points
                    middles = (pts[0::4] + pts[3::4]) / 2
                    self._hidden_parts[id(mob)] = self._hidden(middles)
            mobjects = [m for m in mobjects if id(m) not in gone]
        rows = self.get_rotation_matrix()[2]
        keys = np.full(len(mobjects), np.inf)  # as ThreeDCamera: unshaded ones last, in order
        leaves: list[int] = []  # a leaf's centre is the middle of its own points' box
        for i, mob in enumerate(mobjects):
            if id(mob) in tested:  # after the surface: paths (trails, halos) in the order
                # added, then the bodies' faces in their own depth order: a ball is never
                # painted over by a trail (its own included)
                keys[i] = 1e9 + float(np.dot(mob.get_center(), rows)) if mob.shade_in_3d else 5e8
                continue
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
        """Whether ``vm`` is a 3-D piece the batch can draw (a face, an axis piece)."""
        n = len(vm.points)
        return (
            getattr(vm, "shade_in_3d", False)
            and n >= 4
            and n % 4 == 0
            and vm.n_points_per_cubic_curve == 4
            and len(vm.fill_rgbas)
            and len(vm.stroke_rgbas)
            and not vm.get_stroke_width(background=True)
            and vm not in self.fixed_in_frame_mobjects
            and vm not in self.fixed_orientation_mobjects
        )

    def _faces(self, faces: list[Any]) -> dict[int, tuple[Any, ...]]:
        """Projected paths, shaded colours and gradient ends of ``faces``, by ``id``."""
        out: dict[int, tuple[Any, ...]] = {}
        groups: dict[int, list[Any]] = {}
        for vm in faces:
            groups.setdefault(len(vm.points), []).append(vm)
        for group in groups.values():
            out.update(self._batch(group))
        return out

    def _batch(self, faces: list[Any]) -> dict[int, tuple[Any, ...]]:
        """:meth:`_faces` for pieces of the same number of points."""
        pts = np.stack([vm.points for vm in faces])  # (F, N, 3)
        n, count = len(faces), pts.shape[1]
        ok = np.isfinite(pts).all(axis=(1, 2))
        # one subpath: each curve starts where the previous one ended (else: Manim draws it)
        ok &= (pts[:, 4::4] == pts[:, 3:-1:4]).all(axis=(1, 2))
        proj = self.project_points(pts.reshape(-1, 3)).reshape(n, count, 3)
        # the corners and their unit normals (get_3d_vmob_{start,end}_corner{,_unit_normal})
        end = ((count - 1) // 6) * 3
        normals = []
        for i in (0, end):
            if count == 4:  # two anchors: Manim's normal is UP
                normals.append(np.broadcast_to(np.array([0.0, 1.0, 0.0]), (n, 3)))
                continue
            ip3, im3 = (i + 3 if i < count - 3 else 3), (i - 3 if i > 2 else count - 4)
            v1, v2 = pts[:, ip3] - pts[:, i], pts[:, im3] - pts[:, i]
            d1 = np.abs(v1).max(axis=1, keepdims=True)
            d2 = np.abs(v2).max(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                cp = np.cross(v1 / d1, v2 / d2)
                size = np.sqrt((cp**2).sum(axis=1, keepdims=True))
                normal = cp / size
            # a degenerate corner (a sphere's pole): Manim's own fallbacks, one by one
            odd = ok & ~((size[:, 0] > 1e-6) & (d1[:, 0] > 0) & (d2[:, 0] > 0))
            for f in np.flatnonzero(odd).tolist():
                normal[f] = get_unit_normal(v1[f], v2[f])
            normals.append(normal)
        light = self.light_source.points[0]
        shade = []
        for corner, normal in zip((pts[:, 0], pts[:, end]), normals, strict=True):
            to_sun = light - corner
            with np.errstate(invalid="ignore", divide="ignore"):
                to_sun = to_sun / np.linalg.norm(to_sun, axis=1, keepdims=True)
            amount = 0.5 * (normal * to_sun).sum(axis=1) ** 3
            shade.append(np.where(amount < 0, amount * 0.5, amount)[:, None])
        # closed as consider_points_equals_2d decides (np.isclose of the first and last point)
        xy = proj[:, :, :2]
        atol = np.array([vm.tolerance_for_point_equality for vm in faces])[:, None]
        closed = (np.abs(xy[:, 0] - xy[:, -1]) <= atol + 1e-5 * np.abs(xy[:, -1])).all(axis=1)
        # the gradient's ends: the corners, or what a piece says (still_axes freezes them)
        ends = xy[:, [0, end]]
        own = [i for i, vm in enumerate(faces) if "get_gradient_start_and_end_points" in vars(vm)]
        if own:
            given = np.array([faces[i].get_gradient_start_and_end_points() for i in own])
            ends = ends.copy()
            ends[own] = self.project_points(given.reshape(-1, 3)).reshape(len(own), 2, 3)[..., :2]
        # two colours each (start and end corner) for the fill and the stroke: (F, 2, 2, 4),
        # from the first two of a piece's colours, or its one colour twice (modified_rgbas)
        bases = np.stack(
            [
                _first_two([vm.fill_rgbas for vm in faces]),
                _first_two([vm.stroke_rgbas for vm in faces]),
            ],
            axis=1,
        )
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
            ends[keep].reshape(len(keep), 4).tolist(),
            paint[keep].tolist(),
            strict=True,
        )
        for f, flat, shut, corners, (fill, stroke) in rows:
            out[id(faces[f])] = (flat, shut, corners, fill, stroke)
        return out

    # -- what is fixed in the frame: painted from a cached image of itself ---------------------
    #: most images of fixed-in-frame mobjects kept (a title and a legend need ~80)
    SPRITES = 1024

    def display_vectorized(self, vmobject: VMobject, ctx: Any) -> MeshCamera:
        if vmobject in self.fixed_in_frame_mobjects and self._paint_sprite(ctx, vmobject):
            return self
        super().display_vectorized(vmobject, ctx)
        return self

    def _paint_sprite(self, ctx: Any, vm: Any) -> bool:
        """Paint a fixed-in-frame ``vm`` from an image of it drawn once.

        A moving camera makes Manim redraw everything every frame, the title's and the
        legend's glyphs too (~80 paths). A fixed-in-frame mobject is drawn the same in every
        frame until it changes, so its drawing is kept as an image, at the same pixel
        offsets (the same anti-aliasing), keyed by everything that is drawn: points,
        colours, widths. Composited, it equals the direct drawing to within rounding.
        """
        points = vm.points
        m = ctx.get_matrix()
        if not len(points) or m.xy or m.yx or getattr(vm, "shade_in_3d", False):
            return False
        if not np.isfinite(points).all():
            return False
        widths = (vm.get_stroke_width(), vm.get_stroke_width(background=True))
        key = (
            id(vm),
            points.tobytes(),
            vm.fill_rgbas.tobytes(),
            vm.stroke_rgbas.tobytes(),
            vm.background_stroke_rgbas.tobytes(),
            np.asarray(vm.sheen_direction).tobytes(),
            widths,
            vm.joint_type,
            vm.cap_style,
            tuple(m),
        )
        sprites: dict[Any, tuple[Any, int, int]] = self.__dict__.setdefault("_sprites", {})
        sprite = sprites.get(key)
        if sprite is None:
            # bounds: the control points hold the curves; strokes and their joins beyond
            reach = 2 + math.ceil(5 * max(widths) * self.cairo_line_width_multiple * abs(m.xx))
            px, py = points[:, 0] * m.xx + m.x0, points[:, 1] * m.yy + m.y0
            x0, y0 = math.floor(px.min()) - reach, math.floor(py.min()) - reach
            w, h = math.ceil(px.max()) + reach - x0, math.ceil(py.max()) + reach - y0
            if w * h > self.pixel_width * self.pixel_height:
                return False
            surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, w, h)
            sctx = cairo.Context(surface)
            sctx.set_matrix(cairo.Matrix(m.xx, 0, 0, m.yy, m.x0 - x0, m.y0 - y0))
            super().display_vectorized(vm, sctx)
            surface.flush()
            if len(sprites) >= self.SPRITES:
                sprites.clear()
            sprite = sprites[key] = (surface, x0, y0)
        surface, x0, y0 = sprite
        ctx.save()
        ctx.identity_matrix()
        ctx.set_source_surface(surface, x0, y0)
        ctx.paint()
        ctx.restore()
        return True

    def display_multiple_non_background_colored_vmobjects(
        self, vmobjects: Any, pixel_array: Any
    ) -> None:
        vmobjects = list(vmobjects)
        shading = self.should_apply_shading
        faces = [vm for vm in vmobjects if shading and self._is_face(vm)]
        batch = self._faces(faces) if faces else {}
        ctx = self.get_cairo_context(pixel_array)
        # what display_vectorized draws for a piece, from the batch's numbers; a fill or a
        # stroke with no opacity at either end paints nothing and is left out. Hot: ~800
        # pieces a frame, so Cairo's methods are looked up once and its line state set
        # only when it changes.
        new_path, new_sub_path, move_to = ctx.new_path, ctx.new_sub_path, ctx.move_to
        curve_to, close_path, set_source = ctx.curve_to, ctx.close_path, ctx.set_source
        fill_preserve, stroke_preserve = ctx.fill_preserve, ctx.stroke_preserve
        gradient, multiple = cairo.LinearGradient, self.cairo_line_width_multiple
        hairline = self.FINEST_STROKE / (multiple * self.pixel_width / self.frame_width)
        line: tuple[Any, ...] = ()
        for vm in vmobjects:
            face = batch.get(id(vm))
            if face is None:
                hidden = self._hidden_parts.get(id(vm))
                if hidden is not None and hidden.any():
                    self._display_in_sight(vm, ctx, hidden)
                else:
                    self.display_vectorized(vm, ctx)
                line = ()  # Manim may have changed the line state
                continue
            flat, closed, ends, fill, stroke = face
            new_path()
            new_sub_path()
            move_to(flat[0], flat[1])
            for i in range(2, len(flat), 8):  # curve k: points 4k+1, 4k+2, 4k+3
                curve_to(*flat[i : i + 6])
            if closed:
                close_path()
            if fill[0][3] or fill[1][3]:
                pattern = gradient(*ends)
                pattern.add_color_stop_rgba(0.0, *fill[0])
                pattern.add_color_stop_rgba(1.0, *fill[1])
                set_source(pattern)
                fill_preserve()
            width = vm.get_stroke_width()
            if width > hairline and (stroke[0][3] or stroke[1][3]):
                pattern = gradient(*ends)
                pattern.add_color_stop_rgba(0.0, *stroke[0])
                pattern.add_color_stop_rgba(1.0, *stroke[1])
                set_source(pattern)
                if line != (width, vm.joint_type, vm.cap_style):
                    line = (width, vm.joint_type, vm.cap_style)
                    ctx.set_line_width(width * multiple)
                    ctx.set_line_join(LINE_JOIN_MAP[vm.joint_type])
                    ctx.set_line_cap(CAP_STYLE_MAP[vm.cap_style])
                stroke_preserve()

    def _display_in_sight(self, vm: Any, ctx: Any, hidden: np.ndarray) -> None:
        """Draw the curves of path ``vm`` that are in sight (``hidden``: one flag a curve)."""
        if hidden.all():
            return
        points = vm.points
        keep = np.repeat(~hidden, 4)
        vm.points = points[keep]
        try:
            self.display_vectorized(vm, ctx)
        finally:
            vm.points = points


def _first_two(colours: list[np.ndarray]) -> np.ndarray:
    """Each array's first two rows, or its one row twice: ``(len(colours), 2, 4)``."""
    counts = np.fromiter(map(len, colours), dtype=np.intp, count=len(colours))
    starts = np.cumsum(counts) - counts
    rows = np.concatenate(colours)
    return np.stack([rows[starts], rows[starts + (counts > 1)]], axis=1)


def family_with_points(mobjects: Any, *, use_z_index: bool = False) -> list[Any]:
    """The family members with points of ``mobjects``, as Manim's
    ``extract_mobject_family_members(mobjects, use_z_index, only_those_with_points=True)``
    lists them: depth first, each mobject once (at its last place), stably sorted by
    ``z_index`` if asked.

    Manim walks each family with nested generators (~9,000 calls a frame for a surface,
    its axes and three balls); this walks it with a plain loop.

    Examples
    --------
    >>> from manim import Dot, VGroup
    >>> a, b = Dot(), Dot()
    >>> family_with_points([VGroup(a, b), a]) == [b, a]
    True
    """
    found: list[Any] = []
    for top in mobjects:
        stack: list[tuple[Any, frozenset[int]]] = [(top, frozenset())]
        while stack:  # pre-order; a mobject inside itself is not entered again
            mob, path = stack.pop()
            if id(mob) in path:
                continue
            found.append(mob)
            if mob.submobjects:
                inner = path | {id(mob)}
                stack.extend((sub, inner) for sub in reversed(mob.submobjects))
    seen: set[int] = set()
    kept = []
    for mob in reversed(found):  # the last place of each
        if id(mob) not in seen:
            seen.add(id(mob))
            if mob.get_num_points() > 0:
                kept.append(mob)
    kept.reverse()
    if use_z_index:
        kept.sort(key=lambda m: m.z_index)
    return kept


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
