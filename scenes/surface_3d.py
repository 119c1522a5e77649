"""Surface3D: balls rolling down Himmelblau's surface, camera orbiting.

Three optimizers from one shared start, (0.5, −1), on Himmelblau's function with its four
equal minima marked: plain SGD rolls into (3.58, −1.85), Adam into (3, 2), and momentum
carries over the saddle to (−2.81, 3.13): which minimum is the optimizer's doing. A ball
or a trail behind the surface is hidden by it (:meth:`MeshCamera.depth_test`); the legend
shows every run's hyper-parameters and live loss, and a step counter runs beside it.
At step 0 the three balls are one (drawn inside each other): "3 runs start here" says so.
Each ball sits on a halo (a disc of the page's colour, outlined) and is painted over every
trail, so momentum's ball reads against its own loops. The surface is drawn over a view
grown to hold every run (:meth:`Surface3D.drawn_view`: ±5.5, momentum's steps 3 and 5
reach x 5.46 and −5.07): no step is pinned to the surface's edge wall.

Each step is drawn on the surface: the straight step in the plane in pieces of at most
:attr:`Surface3D.sample_spacing`, each at the drawn surface's height under it (momentum's
long steps follow the surface instead of cutting chords through the air), and each ball
rests on the surface (its centre one radius above it). The title sits in a band of its own that the
surface never covers; the subtitle is short enough to stay at full size. The camera's
``zoom`` scales the projected picture (0.72: the surface clear of the band and legend).

The surface is a 24 × 24 ``Surface`` (Cairo renders a moving camera at ~19 s per 5 s of
480p for 32 × 32; keep it small); heights come from one vectorised engine grid,
log-scaled. On the light theme it is drawn opaque in deep blues: Manim's shading adds up to
half of white to the faces that face its light, which washed the old palette into the page.

Render: ``manim -ql scenes/surface_3d.py Surface3D``
"""

from __future__ import annotations

import numpy as np
from manim import *  # noqa: F403

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import Event, reaches_tolerance
from descent.scenes.kit import (
    Beat,
    DescentScene,
    HeightField,
    Legend,
    StepClock,
    halo,
    held_at_nan,
    hyperparameters,
    label,
    partial_path,
    set_shown,
    step_counter,
    step_weights,
    still_axes,
    title_block,
    to_safe_corner,
)
from descent.scenes.kit.story import number, pick_beats, point_text, spec_text

__all__ = ["Surface3D"]


class Surface3D(DescentScene, ThreeDScene):
    description = "three optimizers from one start on Himmelblau's 3-D surface, orbiting camera"
    title = "Rolling downhill in 3-D"
    landscape = "himmelblau"
    #: one shared start: where each run ends is the optimizer's doing
    shared_start = (0.5, -1.0)
    runs = (
        (OptimizerSpec("SGD", lr=0.01), shared_start),
        (OptimizerSpec("SGD", lr=0.02, momentum=0.9), shared_start),
        (OptimizerSpec("Adam", lr=0.1), shared_start),
    )
    steps = 120
    motion_time = 5.0
    #: a run has "found" a minimum once it stays within this distance of it (data units)
    arrival = 0.1

    @classmethod
    def setup_line(cls) -> str | None:
        """``(x² + y − 11)² + (x + y² − 7)² from (0.5, −1), 120 steps`` when the runs share
        their start (every run's hyper-parameters are in the legend); else each run's start.
        Short enough to stay at its full size (22 px) across the frame."""
        land = cls.get_landscape()
        starts = {tuple(start) for _, start in cls.runs}
        if len(starts) == 1:
            return f"{land.formula} from {point_text(next(iter(starts)))}, {cls.steps} steps"
        runs = ", ".join(f"{spec.label} from {point_text(start)}" for spec, start in cls.runs)
        return f"{land.formula}: {runs}, {cls.steps} steps"

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The landscape's minima and the starts, then each run's arrival at the minimum it
        ends in (within :attr:`arrival`, for good); the last arrival counts the minima found."""
        land = cls.get_landscape()
        trajs = cls.data()
        minima = [p.position for p in land.points_of_kind("global_min", "local_min")]
        name = land.description.split(":")[0]
        starts = "; ".join(
            f"{spec.label} ({spec_text(spec)}) at {point_text(start)}" for spec, start in cls.runs
        )
        equal = (
            " of equal loss" if len({round(float(land.value(m)), 9) for m in minima}) == 1 else ""
        )
        shared = {tuple(start) for _, start in cls.runs}
        if len(shared) == 1:  # one start: where each run ends is the optimizer's doing
            how = f"start from one point, {point_text(next(iter(shared)))}: " + "; ".join(
                f"{spec.label} ({spec_text(spec)})" for spec, _ in cls.runs
            )
            cause = "how you go: the optimizer and its settings"
        else:
            how = f"start from their own points: {starts}"
            cause = "where, and how, you start"
        opening = f"{name} has {len(minima)} minima{equal}. {len(trajs)} runs {how}."
        beats = [Beat(0, "the set-up", opening)]
        found: list[tuple[Event, tuple[float, ...]]] = []
        for k, t in enumerate(trajs):
            end = np.asarray(t.params)[-1]
            if not minima or not np.isfinite(end).all():
                continue
            near = min(minima, key=lambda m: float(np.linalg.norm(end - np.asarray(m))))
            for e in reaches_tolerance(t.params, near, cls.arrival, run=k, label=t.label):
                found.append((e, near))
        found.sort(key=lambda em: em[0].step)
        ends = {near for _, near in found}
        for n, (e, near) in enumerate(found):
            last = n == len(found) - 1
            moral = (
                f": {len(found)} runs, {len(ends)} different minima. Which one you reach depends"
                f" on {cause}."
                if last and len(ends) > 1
                else "."
            )
            beats.append(
                Beat(
                    e.step,
                    f"{e.label} finds a minimum",
                    f"{e.label} stays within a distance of {number(cls.arrival)} of the minimum at"
                    f" {point_text(near)} from step {e.step}{moral}",
                    e.run,
                    (e,),
                )
            )
        return tuple(pick_beats(beats[:1], [(0, b) for b in beats[1:]], steps=cls.steps, most=4))

    #: the drawn view is the landscape's, grown to hold every run: its sides move out in
    #: steps of ``view_step`` (data units), both axes to the same span (equal units), at most
    #: ``widest`` times the landscape's span (a diverging run past that is pinned at the edge)
    view_step = 0.5
    widest = 1.5

    @classmethod
    def drawn_view(cls) -> tuple[tuple[float, float], tuple[float, float]]:
        """The view box the surface is drawn over, ``((x0, x1), (y0, y1))`` in data units.

        The landscape's view, each side moved out (in steps of :attr:`view_step`) until
        every finite point of every run lies inside, then the shorter axis widened about its
        centre to the longer one's span (one data unit is as long on both axes). A side
        moves at most to :attr:`widest` times the landscape's span about its centre: a run
        that leaves that is pinned at the edge. Himmelblau: momentum's steps 3 and 5 reach
        x 5.46 and −5.07, past the landscape's ±5, so the view is ±5.5."""
        land = cls.get_landscape()
        (x0, x1), (y0, y1) = land.view
        box = np.array([[x0, x1], [y0, y1]], dtype=np.float64)
        pts = np.concatenate([np.asarray(t.params, np.float64)[:, :2] for t in cls.data()])
        pts = pts[np.isfinite(pts).all(axis=1)]
        centre, half = box.mean(axis=1), (box[:, 1] - box[:, 0]) / 2
        limit = np.stack([centre - cls.widest * half, centre + cls.widest * half], axis=1)
        if len(pts):
            step = cls.view_step
            lo = np.floor(pts.min(axis=0) / step) * step
            hi = np.ceil(pts.max(axis=0) / step) * step
            box[:, 0] = np.maximum(np.minimum(box[:, 0], lo), limit[:, 0])
            box[:, 1] = np.minimum(np.maximum(box[:, 1], hi), limit[:, 1])
        span = float((box[:, 1] - box[:, 0]).max())
        mid = box.mean(axis=1)
        box = np.stack([mid - span / 2, mid + span / 2], axis=1)
        return (float(box[0, 0]), float(box[0, 1])), (float(box[1, 0]), float(box[1, 1]))

    def view_box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """:meth:`drawn_view`, computed once per scene (it reads every run)."""
        if getattr(self, "_view_box", None) is None:
            self._view_box = self.drawn_view()
        return self._view_box

    resolution = 24
    height = 2.6
    #: the camera: polar angle, azimuth (degrees) and zoom (Manim's ``ThreeDCamera``: it
    #: scales the projected picture about the frame's centre)
    phi = 48.0
    theta = -100.0
    zoom = 0.72
    #: the camera's look-at point is moved this far up the screen (scene units): the
    #: surface sits under the title band
    frame_shift = 0.55
    #: the longest piece of a step on a trail (data units; the surface's cells are 0.42
    #: wide): a long step is drawn along the surface, not as a chord through the air
    sample_spacing = 0.2
    #: how far the trail floats over the drawn surface, and the ball's radius (scene units)
    trail_lift = 0.04
    ball_radius = 0.15
    #: each ball sits on a disc of the page's colour, outlined in the theme's text colour,
    #: this many times the ball's radius on screen: it stands out of its own trail's
    #: scribble (momentum's orange ball on its orange loops around (−2.81, 3.13))
    halo_size = 1.75
    #: how high each minimum's marker stands on its stem over the surface (scene units)
    minimum_flag = 0.45

    #: height scale: log1p(loss / scale) keeps the basins smooth and the steep rim low
    scale = 50.0

    #: on a white page the light theme's heat colours (white at the bottom, and Manim's
    #: shading brightens the walls facing the light) leave the surface white on white
    light_surface = ("#3E5676", "#324867", "#273B57", "#1D2F47", "#142338")

    def surface_colors(self) -> tuple[str, ...]:
        """Heights' colours, low first: the theme's heat, deeper on the light theme."""
        return self.light_surface if self.theme.name == "light" else self.theme.heat

    def on_surface(
        self, land: Landscape, traj: Trajectory, field: HeightField, lift: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(points, at_step)``: the run's path ``(x, y, height + lift)`` ``(M, 3)`` on the
        drawn surface and the step parameter ``(M,)`` of each point (``k`` at step ``k``,
        ``k + j/n`` between). Each step is the straight step in the plane, cut into pieces
        no longer than :attr:`sample_spacing`, each sample at the height of the surface
        under it (``field``: the drawn surface's heights, data units): a long step follows
        the surface instead of cutting through the air above it. The view
        (:meth:`drawn_view`) holds every run; a point past it (a run that leaves even the
        widest view) is pinned at its edge: nothing is drawn beyond the surface. A run that
        turns NaN stays at its last finite point."""
        (x0, x1), (y0, y1) = self.view_box()
        p = held_at_nan(np.asarray(traj.params, dtype=np.float64))
        at = np.stack([np.clip(p[:, 0], x0, x1), np.clip(p[:, 1], y0, y1)], axis=-1)
        length = np.linalg.norm(np.diff(at, axis=0), axis=1)
        pieces = np.maximum(1, np.ceil(length / self.sample_spacing)).astype(int)
        u = np.concatenate(
            [k + np.arange(n) / n for k, n in enumerate(pieces)] + [[float(len(at) - 1)]]
        )
        k = np.minimum(np.floor(u).astype(int), len(at) - 2)
        f = (u - k)[:, None]
        xy = at[k] * (1 - f) + at[k + 1] * f
        z = field.height(xy[:, 0], xy[:, 1])
        return np.column_stack([xy, z + lift]), u

    def height_field(self, land: Landscape) -> HeightField:
        """The surface as drawn, in data units: ``resolution + 1`` samples a side over the
        view (:meth:`drawn_view`), each loss lifted to its height (:meth:`lift`); between
        them the drawn quads are bilinear (:meth:`HeightField.height`). Sets ``zmax``, the
        largest loss there."""
        (x0, x1), (y0, y1) = self.view_box()
        us, vs = np.linspace(x0, x1, self.resolution + 1), np.linspace(y0, y1, self.resolution + 1)
        grid = land.grid(us, vs)  # one vectorised evaluation
        self.zmax = float(grid.max())
        return HeightField(us, vs, self.lift(grid))

    def lift(self, z: np.ndarray) -> np.ndarray:
        """Loss → height on screen: ``height · log1p(z/scale) / log1p(zmax/scale)``."""
        return (
            self.height
            * np.log1p(np.maximum(z, 0.0) / self.scale)
            / np.log1p(self.zmax / self.scale)
        )

    def color_by_height(self, surface: Surface, axes: ThreeDAxes) -> None:
        """Each face (fill and edge) in the colour of its mean corner height on the theme's
        scale, ``surface_colors()`` evenly from 0 to ``height``.

        One pass over arrays; Manim's ``set_fill_by_value`` finds each face's arc-length
        midpoint curve by curve (0.15 s for 576 faces, a twentieth of a preview).
        """
        faces = surface.family_members_with_points()
        corners = np.stack([face.points[::4] for face in faces])  # (F, 4, 3): the 4 corners
        z = np.asarray(axes.point_to_coords(corners.reshape(-1, 3)))[:, 2]
        value = z.reshape(len(faces), -1).mean(axis=1)
        colors = self.surface_colors()
        pivots = np.linspace(0.0, self.height, len(colors))
        palette = np.array([ManimColor(c).to_rgb() for c in colors])
        rgb = np.stack([np.interp(value, pivots, palette[:, k]) for k in range(3)], axis=1)
        for face, color in zip(faces, rgb, strict=True):
            face.fill_rgbas[:, :3] = color
            face.stroke_rgbas[:, :3] = color

    def ball_halo(self, ball: Mobject, color: str) -> VGroup:
        """A disc of the page's colour with an outline in the theme's text colour, under
        ``ball`` and following it, facing the camera (a fixed-orientation mobject): the
        ball stands out of the trails around it. Its radius is :attr:`halo_size` times the
        ball's, scaled as the camera's zoom scales the ball. A body (a group), so that the
        depth test hides it whole with its ball."""
        page = self.theme.background[:7] if self.theme.name != "transparent" else "#000000"
        disc = Circle(radius=self.halo_size * self.ball_radius * self.zoom)
        disc.set_fill(page, opacity=0.9).set_stroke(self.theme.text, width=2.5)
        ring = VGroup(disc).move_to(ball.get_center())
        ring.halo_of = color
        ring.add_updater(lambda m: m.move_to(ball.get_center()))
        return ring

    #: the start marks are shown until this step (the balls have moved apart by then)
    start_mark_until = 2

    def start_marks(self, balls: list[np.ndarray]) -> list[Mobject]:
        """For each point where more than one run starts, ``N runs start here`` on a halo,
        beside that point as the camera sees it (fixed in the frame, following the orbit),
        shown until step :attr:`start_mark_until`: the balls there are drawn one inside the
        other, and only one can be seen. ``balls``: each run's ball centres (scene units)."""
        shared: dict[tuple[float, ...], list[int]] = {}
        for k, (_, start) in enumerate(self.runs):
            shared.setdefault(tuple(float(v) for v in start), []).append(k)
        marks: list[Mobject] = []
        for runs in shared.values():
            if len(runs) < 2:
                continue
            at = np.asarray(balls[runs[0]][0], dtype=np.float64)
            text = halo(label(f"{len(runs)} runs start here", 20, self.theme.text), self.theme)
            text.start_runs = runs  # which runs it counts (for checks)

            def place(m: Mobject, at: np.ndarray = at) -> None:
                spot = np.asarray(self.camera.project_point(at), dtype=np.float64)
                m.next_to(spot, UP + LEFT, buff=0.12)
                set_shown(m, self.clock.step() < self.start_mark_until)

            place(text)
            text.add_updater(place)
            marks.append(text)
        return marks

    @classmethod
    def data(cls) -> list[Trajectory]:
        """One trajectory per (optimizer, start) in ``runs``."""
        land = cls.get_landscape()
        return [
            engine.simulate(land, spec, start=start, steps=cls.steps) for spec, start in cls.runs
        ]

    def construct(self) -> None:
        # -- data --
        land = self.get_landscape()
        trajs = self.data()
        (x0, x1), (y0, y1) = self.view_box()
        field = self.height_field(land)  # the drawn surface's heights, data units
        us, vs, heights = field.xs, field.ys, field.zs
        axes = ThreeDAxes(
            x_range=[x0, x1, 1],
            y_range=[y0, y1, 1],
            z_range=[0, self.height, 1],
            x_length=6.5,
            y_length=6.5,
            z_length=self.height,
            tips=False,
        )
        axes.set_color(self.theme.text).set_opacity(0.35)  # Manim's white is lost on white
        still_axes(axes)  # they stay put while the camera orbits

        # -- static: surface --
        self.set_camera_orientation(
            phi=self.phi * DEGREES,
            theta=self.theta * DEGREES,
            zoom=self.zoom,
            frame_center=OUT * self.frame_shift,
        )
        title = title_block(self.title, self.subtitle, self.theme)
        # the title's band: the surface never reaches into it (drawn over the surface)
        band = Rectangle(
            width=config.frame_width,
            height=config.frame_height / 2 - title.get_bottom()[1] + 0.12,
            fill_color=self.theme.background,
            fill_opacity=1.0 if self.theme.name != "transparent" else 0.0,
            stroke_width=0,
        ).to_edge(UP, buff=0)

        # Surface calls point() ~2,300 times (corners and Bézier handles): axes.c2p is affine,
        # so it is taken apart once into an origin and one vector per axis
        origin = np.asarray(axes.c2p(0, 0, 0))
        basis = np.array([axes.c2p(*e) for e in np.eye(3)]) - origin

        def point(u: float, v: float) -> np.ndarray:
            i = int(round((v - y0) / (y1 - y0) * self.resolution))
            j = int(round((u - x0) / (x1 - x0) * self.resolution))
            return origin + u * basis[0] + v * basis[1] + heights[i, j] * basis[2]

        surface = Surface(
            point,
            u_range=[x0, x1],
            v_range=[y0, y1],
            resolution=(self.resolution, self.resolution),
            fill_opacity=0.85 if self.theme.name == "dark" else 1.0,  # white through: washed
            stroke_width=0.3,
            stroke_color=self.theme.background,
        )
        self.color_by_height(surface, axes)
        self.add(axes, surface)
        self.add_fixed_in_frame_mobjects(band, title)  # after the surface: drawn over it
        # what the surface hides: its heights on the same grid, in scene coordinates
        occluder = HeightField(
            origin[0] + us * basis[0][0],
            origin[1] + vs * basis[1][1],
            origin[2] + heights * basis[2][2],
        )
        # each minimum flagged: a marker on a stem 0.45 scene units over the surface, so that
        # it stands above the rim of its own bowl (a dot resting in the bowl was hidden by
        # the rim from most angles: 3 of 4 shown at the start, none from 16 s on)
        up = self.minimum_flag / basis[2][2]
        minima: list[Mobject] = []
        for p in land.points_of_kind("global_min", "local_min"):
            floor = float(field.height(*p.position))
            minima.append(
                Line(
                    axes.c2p(*p.position, floor),
                    axes.c2p(*p.position, floor + up),
                    color=self.theme.text,
                    stroke_width=2,
                )
            )
            minima.append(
                Dot3D(axes.c2p(*p.position, floor + up), radius=0.09, color=self.theme.text)
            )
        self.add(*minima)
        # MeshCamera hides what the surface hides (Manim's ThreeDCamera cannot: all drawn)
        camera_depth_test = getattr(self.camera, "depth_test", None)

        def depth_test(*mobjects: Mobject, occluder: HeightField | None = None) -> None:
            if camera_depth_test is not None:
                camera_depth_test(*mobjects, occluder=occluder)

        depth_test(*minima, occluder=occluder)
        # the axes' lines and ticks too: what the surface hides of them is not drawn (their
        # ticks poked out below the surface's front edge)
        depth_test(*axes.family_members_with_points())

        # -- balls and trails from the recorded arrays --
        def scene_points(data: np.ndarray) -> np.ndarray:
            return origin + data @ basis

        # trails just over the drawn surface; balls resting on it (centre one radius up)
        trails = [self.on_surface(land, t, field, self.trail_lift / basis[2][2]) for t in trajs]
        balls = [
            scene_points(self.on_surface(land, t, field, self.ball_radius / basis[2][2])[0])
            for t in trajs
        ]
        steps_at = [u for _, u in trails]
        self.clock = StepClock(
            self.steps,
            step_weights(
                [
                    b[np.searchsorted(u, np.arange(self.steps + 1))]
                    for b, u in zip(balls, steps_at, strict=True)
                ]
            ),
        )
        colors = self.colors_for(trajs)
        self.subjects: list[Mobject] = []  # the balls, in run order: what a beat marks
        drawn: list[tuple[VMobject, Mobject]] = []
        for (data, u), rest, color in zip(trails, balls, colors, strict=True):
            path = scene_points(data)
            ball = Sphere(radius=self.ball_radius, resolution=(8, 8)).set_color(color)
            ball.move_to(rest[0])
            trail = VMobject(stroke_color=color, stroke_width=4)

            def refresh(
                m: VMobject,
                path: np.ndarray = path,
                rest: np.ndarray = rest,
                ball: Mobject = ball,
                u: np.ndarray = u,
            ) -> None:
                s = float(np.interp(self.clock.step(), u, np.arange(len(u))))  # sample index
                m.set_points_as_corners(partial_path(path, s)[0])
                ball.move_to(partial_path(rest, s)[1])

            refresh(trail)
            trail.add_updater(refresh)
            drawn.append((trail, ball))
            self.subjects.append(ball)
        # every trail first, the earlier runs' on top (SGD's path was hidden under
        # momentum's), then every ball over all trails (momentum's was lost in its own),
        # each on its halo (MeshCamera paints depth-tested paths before bodies)
        for trail, _ in reversed(drawn):
            self.add(trail)
            depth_test(trail)
        for (_, ball), color in zip(drawn, colors, strict=True):
            ring = self.ball_halo(ball, color)
            self.add(ring)
            self.add_fixed_orientation_mobjects(ring)
            depth_test(ring)
            self.add(ball)
            depth_test(ball)
        # where several runs share a start, their balls are one ball there: said on screen
        self.add_fixed_in_frame_mobjects(*self.start_marks(balls))
        # -- legend: every run's hyper-parameters and live loss; the step counter --
        legend = Legend(
            [
                (f"{t.label} ({hyperparameters(t.spec)})", c, t)
                for t, c in zip(trajs, colors, strict=True)
            ],
            self.clock,
            self.theme,
            font_size=20,
        )
        counter = step_counter(self.clock, self.theme, font_size=22)
        counter.next_to(legend, UP, buff=0.2).align_to(legend, LEFT)
        side = to_safe_corner(VGroup(counter, legend), DOWN + LEFT)
        self.add_fixed_in_frame_mobjects(*side)

        # -- run with the camera orbiting --
        self.begin_ambient_camera_rotation(rate=0.1)
        self.play_steps()
        self.stop_ambient_camera_rotation()
        self.finish()
