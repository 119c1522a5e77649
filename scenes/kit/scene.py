"""The base scene: :class:`DescentScene` simulates before the first frame and runs one clock.

Class attributes say what to simulate (landscape, optimizers, start, steps, noise, seed);
the helpers add the static background first, then tracks, legends and panels that only
look values up on the shared :class:`StepClock`.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Group,
    ManimColor,
    Mobject,
    Scene,
    ThreeDScene,
    VGroup,
    VMobject,
    config,
)

from descent import engine
from descent.engine import Landscape, OptimizerSpec, Trajectory
from descent.engine.events import first_non_finite_event
from descent.scenes.kit.camera import MeshCamera, PathCamera
from descent.scenes.kit.clock import StepClock, pace, step_weights
from descent.scenes.kit.plot import (
    ContourLabels,
    PlatedLabel,
    PlotArea,
    contour_labels,
    contours,
    curve,
    heatmap,
    minimum_star,
    plot_area,
    wants_log_heat,
)
from descent.scenes.kit.plot import colorbar as kit_colorbar
from descent.scenes.kit.readouts import Legend, distinct_labels, run_settings
from descent.scenes.kit.story import (
    FASTEST_READING,
    Beat,
    Emphasis,
    event_story,
    first_sentence,
    point_text,
    reading_seconds,
    ring_radius,
    spec_text,
)
from descent.scenes.kit.text import (
    FastText,
    Label,
    TextBox,
    halo,
    label,
    legible_text,
    safe_box,
    text_boxes,
    title_block,
)
from descent.scenes.kit.theme import get_theme, palette_for
from descent.scenes.kit.tracks import Track, escape_label

__all__ = [
    "Beat",
    "NarrationWarning",
    "DescentScene",
    "computed",
]


def _manim_slides_compat() -> None:
    """Let manim-slides (5.7) run on Manim 0.22, whose config lost three keys it sets.

    manim-slides' ``Slide`` sets ``config["write_to_movie"]`` (Manim 0.22 always writes
    the movie its format names), ``config["flush_cache"]`` (gone with the old partial-file
    cache) and ``config["max_files_cached"] = inf`` (0.22 accepts ``-1`` for unlimited).
    Only keys Manim lacks are added, and ``inf`` becomes ``-1``: nothing changes for a
    scene that does not use manim-slides.
    """
    from manim._config.utils import ManimConfig

    def ignore(self: Any, value: Any) -> None:
        """A key this Manim no longer has: setting it changes nothing."""

    if not hasattr(ManimConfig, "write_to_movie"):
        ManimConfig.write_to_movie = property(lambda self: True, ignore)  # type: ignore[attr-defined]
    if not hasattr(ManimConfig, "flush_cache"):
        ManimConfig.flush_cache = property(lambda self: False, ignore)  # type: ignore[attr-defined]
    cap = ManimConfig.max_files_cached
    if not getattr(cap.fset, "accepts_inf", False):

        def set_cap(self: Any, value: Any) -> None:
            cap.fset(self, -1 if value == math.inf else value)

        set_cap.accepts_inf = True  # type: ignore[attr-defined]
        ManimConfig.max_files_cached = property(cap.fget, set_cap)  # type: ignore[assignment]


_manim_slides_compat()


class NarrationWarning(UserWarning):
    """A scene's narration was shortened or dropped to fit its ``run_time`` (the CLI and
    :func:`descent.renders.api.render` report it as a note on the rendered file)."""


class computed:  # noqa: N801 (used like ``property``)
    """A class attribute computed from the class it is read on, so that a variant (a
    subclass that changes other attributes) gets its own value; a subclass that assigns
    the attribute a plain value overrides it."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type) -> Any:
        return self.fn(owner)


_STORIES: dict[tuple[type, str], tuple[Beat, ...]] = {}


class DescentScene(Scene):
    """Base class of descent scenes: class attributes describe what to simulate.

    A variant is a subclass that changes class attributes (``landscape``, ``optimizers``,
    ``start``, ``steps``, ``run_time``, ``theme_name`` ...). Everything is simulated by
    :meth:`simulate` before the first frame.
    """

    #: one-line description for ``descent list``
    description: ClassVar[str] = ""
    landscape: ClassVar[str] = "bowl"
    landscape_params: ClassVar[dict[str, Any]] = {}
    optimizers: ClassVar[tuple[OptimizerSpec, ...]] = ()
    start: ClassVar[Sequence[float] | None] = None
    steps: ClassVar[int] = 100
    grad_noise: ClassVar[float] = 0.0
    seed: ClassVar[int] = 0
    #: the video's length in seconds, if set: holds shrink to fit it, and narration that
    #: cannot be read in time is shortened or dropped (with one warning); never stretched.
    #: ``None``: as long as the story needs (``motion_time`` plus the narration's holds).
    run_time: ClassVar[float | None] = None
    #: seconds the clock takes through the steps when nothing is held (``run_time`` unset)
    motion_time: ClassVar[float] = 6.0
    end_wait: ClassVar[float] = 1.0
    theme_name: ClassVar[str | None] = None
    #: ease the clock through dull stretches (False: one step, one tick)
    ease: ClassVar[bool] = True
    #: hold each beat on its step while its narration is read (words / 2.7 s): the pause a
    #: lecturer makes. Off (previews): captions run over the motion, nothing is held.
    pause_for_narration: ClassVar[bool] = True

    @classmethod
    def story(cls) -> tuple[Beat, ...]:
        """The beats, computed from the runs (override to tell another story; the default
        places beats at the events of :meth:`simulate`'s runs, see
        :func:`~descent.scenes.kit.story.event_story`)."""
        if not cls.specs():
            return ()
        land, trajs = cls.simulate()
        return event_story(land, trajs, cls.story_theme(), steps=cls.steps)

    @classmethod
    def story_theme(cls) -> Any:
        """The theme the story's colour names come from (the scene's, as it renders)."""
        return get_theme(cls.theme_name)

    @computed
    def beats(cls) -> tuple[Beat, ...]:  # noqa: N805
        """The teaching moments: each starts a section at its step and says its narration
        (computed by :meth:`story` once per class and theme; assign a tuple to type them)."""
        key = (cls, cls.story_theme().name)
        if key not in _STORIES:
            _STORIES[key] = tuple(cls.story())
        return _STORIES[key]

    @computed
    def title(cls) -> str:  # noqa: N805
        """The headline, from the class attributes and the runs (see :meth:`headline`); a
        subclass that assigns ``title`` a string types its own."""
        return cls.headline()

    @classmethod
    def headline(cls) -> str:
        """What the scene shows, in a few words that hold for this class's own runs
        (override; the base has none)."""
        return ""

    @computed
    def subtitle(cls) -> str | None:  # noqa: N805
        """The set-up in one line, from the class attributes: landscape, start, optimizers."""
        return cls.setup_line()

    @classmethod
    def setup_line(cls) -> str | None:
        """``½(x² + 20·y²) from (−5, 2): SGD lr 0.04, Adam lr 0.3`` (None without optimizers)."""
        specs = cls.specs()
        if not specs:
            return None
        land = cls.get_landscape()
        start = cls.start if cls.start is not None else land.default_start
        # a network starts from its initialisation: nothing to say, and the line stays legible
        where = (
            "" if land.dim > 3 else " from " + ("w = " if land.dim == 1 else "") + point_text(start)
        )
        lrs = {s.kwargs.get("lr") for s in specs}
        shared = {
            k: v
            for k, v in specs[0].kwargs.items()
            if not isinstance(v, bool) and all(s.kwargs.get(k) == v for s in specs)
        }
        if len(specs) > 3 and len(lrs) == 1 and None not in lrs:
            runs = (
                f"{', '.join(s.label for s in specs)}, lr {spec_text(specs[0]).split(',')[0][3:]}"
            )
        elif len(specs) > 1 and shared and not any("=" in s.label for s in specs):
            # what they share said once: "Momentum and Nesterov, lr 0.05, momentum 0.9"
            def own(s: OptimizerSpec) -> str:
                rest = {
                    k: v
                    for k, v in s.kwargs.items()
                    if k not in shared and not (v is True and k in s.label.lower())
                }
                text = spec_text(OptimizerSpec(s.name, **rest)) if rest else ""
                return f"{s.label} ({text})" if text else s.label

            common = spec_text(OptimizerSpec(specs[0].name, **shared))
            runs = f"{', '.join(own(s) for s in specs)}; {common}"
        else:
            runs = ", ".join(
                s.label if spec_text(s).replace(" ", "") in s.label.replace(" ", "").replace("=", "")
                else f"{s.label} {spec_text(s)}" if "," not in spec_text(s)
                else f"{s.label} ({spec_text(s)})"
                for s in specs
            )  # fmt: skip
        return f"{land.formula}{where}: {runs}, {cls.steps} steps"

    _updaters: tuple[Any, list[tuple[Mobject, Callable[..., Any], bool]]] | None = None

    def __init__(self, **kwargs: Any) -> None:
        self.beat_log: list[tuple[str, str, float, float]] = []  # name, say, time, step
        self.tracks: list[Track] = []  # the subjects a beat can mark, in the order made
        #: label groups that step aside for other text, and their refresh (:meth:`give_way`)
        self._give_way: list[tuple[ContourLabels, Callable[[ContourLabels], None]]] = []
        kwargs.setdefault(
            "camera_class", MeshCamera if isinstance(self, ThreeDScene) else PathCamera
        )
        super().__init__(**kwargs)

    def add(self, *mobjects: Mobject) -> Any:
        """Manim's ``add``, with every text among ``mobjects`` made legible on the theme's
        page first (:func:`~descent.scenes.kit.text.legible_text`: 4.5:1, a run colour
        written as text darkened in its hue)."""
        theme = getattr(self, "theme", None)
        if theme is not None:
            for m in mobjects:
                legible_text(m, theme)
        return super().add(*mobjects)

    def setup(self) -> None:
        self.theme = get_theme(self.theme_name)
        # a ManimColor, as Manim keeps it (manim-slides reads it back with .to_hex())
        self.camera.background_color = ManimColor(self.theme.background)
        if self.theme.name == "transparent":
            self.camera.background_opacity = 0.0

    # -- data ---------------------------------------------------------------------------------
    @classmethod
    def get_landscape(cls) -> Landscape:
        """The scene's landscape (from its class attributes)."""
        return engine.get_landscape(cls.landscape, **cls.landscape_params)

    @classmethod
    def simulate(
        cls, specs: Sequence[OptimizerSpec] | None = None, **overrides: Any
    ) -> tuple[Landscape, list[Trajectory]]:
        """The landscape and one trajectory per optimizer (cached by the engine).

        A classmethod: tests and tools get a scene's data without building the scene.
        """
        land = cls.get_landscape()
        kw: dict[str, Any] = dict(
            start=cls.start if cls.start is not None else land.default_start,
            steps=cls.steps,
            grad_noise=cls.grad_noise,
            seed=cls.seed,
        )
        kw.update(overrides)
        # runs of one label (a variant's three SGD learning rates) each get their own
        runs = distinct_labels(specs or cls.optimizers)
        return land, [engine.simulate(land, s, **kw) for s in runs]

    # -- layout helpers -------------------------------------------------------------------------
    def add_title(self) -> VGroup:
        block = title_block(self.title, self.subtitle, self.theme)
        self.add(block)
        return block

    def surface_area(
        self,
        land: Landscape,
        *,
        width: float = 7.0,
        height: float = 5.6,
        view: tuple[tuple[float, float], ...] | None = None,
        log: bool | None = False,
        levels: int = 12,
        center: np.ndarray | None = None,
        labels: bool = True,
        colorbar: bool = True,
        level_labels: bool = True,
        avoid: Sequence[np.ndarray] | None = None,
    ) -> PlotArea:
        """Axes + heat map (with its colour bar, right of the box) + contours with their
        loss values written on them (:func:`~descent.scenes.kit.plot.contour_labels`) for a
        2-D landscape, added now (static background first).

        ``avoid``: data paths ``(n, 2)`` the contour labels keep clear of (default: the
        paths of :meth:`simulate`'s runs when they are on ``land``; the minima always).
        ``log``: colour (and place the contours) by log loss; ``None`` (a storyboard's
        default, ``log_heat``): when the loss over the view spans several decades (:func:`~descent.scenes.kit.plot.wants_log_heat`:
        Rosenbrock's valley floor would be one flat colour on a linear scale).
        """
        (x0, x1), (y0, y1) = view or land.view
        area = plot_area(
            (x0, x1),
            (y0, y1),
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], land.axis_labels[1]) if labels else None,
        )
        if log is None:
            log = wants_log_heat(land, area)
        group = Group(
            heatmap(land, area, self.theme, log=log),
            contours(land, area, self.theme, log=log, levels=levels),
            area.axes,
        )
        if colorbar:
            area.colorbar = kit_colorbar(land, area, self.theme, log=log)
            group.add(area.colorbar)
        if center is not None:
            group.shift(np.asarray(center) - area.center)  # centre the plot box itself
        over = safe_box()[0] - area.frame.get_left()[0]
        if over > 0:  # wide tick numbers pushed the axis label past the title-safe margin
            group.shift(RIGHT * over)
        self.add(*group)
        minima = [p.position for p in land.points_of_kind("global_min", "local_min")]
        if land.optimum is not None and not any(np.allclose(m, land.optimum) for m in minima):
            minima.append(land.optimum)  # e.g. L1's minimum, which is not a smooth stationary point
        for m in minima:
            if area.inside(np.array(m)):
                self.add(minimum_star(area.to_scene(np.array(m)), self.theme))
        if level_labels:  # last: the only part of the background that changes (give_way)
            paths = list(avoid) if avoid is not None else self.label_avoid(land)
            marks = [np.asarray(m, np.float64).reshape(1, 2) for m in minima]
            shown = contour_labels(
                land, area, self.theme, log=log, levels=levels, avoid=paths + marks
            )
            self.add(self.give_way(shown))
        return area

    _texts: tuple[Any, tuple[list[Any], list[Mobject]]] | None = None

    def scene_texts(self, leave_out: Sequence[Mobject] = ()) -> list[Any]:
        """The boxes (:class:`~descent.scenes.kit.layout.TextBox`) of every text shown now
        but labels on the background (:class:`PlatedLabel`) and ``leave_out``: what those
        and an arrow's written length keep clear of. The boxes of text that cannot move
        during this animation (no updater, not animated) are measured once per animation."""
        key = (self.renderer.num_plays, tuple(map(id, self.mobjects)))
        if self._texts is None or self._texts[0] != key:
            texts = [
                x
                for top in self.mobjects
                for x in top.get_family()
                if isinstance(x, Label | FastText) and not isinstance(x, PlatedLabel)
            ]
            animated = {id(m) for m in getattr(self, "moving_mobjects", None) or self.mobjects}
            moving = {
                id(x)
                for top in self.mobjects
                if id(top) in animated or top.get_family_updaters()
                for x in top.get_family()
            }
            still = text_boxes([x for x in texts if id(x) not in moving])
            self._texts = (key, (still, [x for x in texts if id(x) in moving]))
        still, moving_texts = self._texts[1]
        skip = {id(m) for m in leave_out}
        boxes = list(still)
        for x in moving_texts:
            if id(x) in skip:
                continue
            if isinstance(x, FastText):  # a read-out: its own points, without the anchor
                pts = x.points[1:]
                if len(pts) and len(x.fill_rgbas) and x.fill_rgbas[:, 3].max() > 0:
                    (x0, y0), (x1, y1) = pts[:, :2].min(0), pts[:, :2].max(0)
                    boxes.append(TextBox(x.text or "", float(x0), float(x1), float(y0), float(y1)))
            else:
                boxes += text_boxes([x])
        return boxes

    def clear_lengths(self) -> None:
        """Move each arrow's written length (:attr:`Track.lengths`) to the first of its
        places that no other text overlaps (this frame; the first place if none is clear)."""
        lengths = [m for t in self.tracks for m in t.lengths.values()]
        shown = [m for m in lengths if getattr(m, "spots", None) and text_boxes([m])]
        if not shown:
            return
        others = self.scene_texts(leave_out=lengths)
        for m in shown:
            [box] = text_boxes([m])
            dx0, dx1 = box.x0 - m.anchor[0], box.x1 - m.anchor[0]
            dy0, dy1 = box.y0 - m.anchor[1], box.y1 - m.anchor[1]
            clear = next(
                (
                    spot
                    for spot in m.spots
                    if not any(
                        min(spot[0] + dx1, b.x1) - max(spot[0] + dx0, b.x0) > -0.04
                        and min(spot[1] + dy1, b.y1) - max(spot[1] + dy0, b.y0) > -0.04
                        for b in others
                    )
                ),
                m.spots[0],
            )
            m.place(clear)
            others += text_boxes([m])

    def give_way(self, labels: ContourLabels) -> ContourLabels:
        """Let ``labels`` (text drawn on the picture's background) step aside, frame by
        frame, for any other text of the scene that comes over one of them (see
        :meth:`ContourLabels.give_way`): a caption or read-out added later wins."""

        def refresh(m: ContourLabels) -> None:
            m.give_way(self.scene_texts())

        # run after every other updater of a frame (see update_mobjects): it sees where the
        # captions and read-outs are in this frame; the no-op updater keeps the group among
        # the mobjects Manim redraws every frame
        self._give_way.append((labels, refresh))
        labels.add_updater(lambda m: None)
        return labels

    def label_avoid(self, land: Landscape) -> list[np.ndarray]:
        """The data paths contour labels on ``land`` keep clear of: the paths of
        :meth:`simulate`'s runs when they run on ``land`` (2-D), else none."""
        if not self.specs() or land.dim != 2:
            return []
        mine, trajs = self.simulate()
        if mine.name != land.name or mine.dim != 2:
            return []
        return [np.asarray(self.path_of(t), np.float64) for t in trajs]

    def curve_area(
        self,
        land: Landscape,
        *,
        width: float = 8.0,
        height: float = 5.2,
        y_range: tuple[float, float] | None = None,
        x_range: tuple[float, float] | None = None,
        center: np.ndarray | None = None,
        mark_minima: bool = True,
        dot_radius: float = 0.11,
    ) -> PlotArea:
        """Axes + loss curve for a 1-D landscape, added now.

        ``mark_minima``: a star and "global/local minimum" at each minimum in view, the name
        clear of the ring a beat draws round a run's dot (radius ``dot_radius``) there.
        """
        x_range = x_range or land.view[0]
        if y_range is None:
            sample = land.curve(np.linspace(*x_range, 200))
            y_range = land.value_range or (float(sample.min()), float(sample.max()))
        area = plot_area(
            x_range,
            y_range,
            width=width,
            height=height,
            theme=self.theme,
            labels=(land.axis_labels[0], "loss"),
        )
        if center is not None:
            area.axes.shift(np.asarray(center) - area.center)  # centre the plot box itself
        self.add(area.axes, curve(land, area, self.theme))
        if mark_minima:
            for p in land.points_of_kind("global_min", "local_min"):
                w = p.position[0]
                if x_range[0] <= w <= x_range[1]:
                    at = area.to_scene(np.array([w, float(land.value([w]))]))
                    name = "global minimum" if p.kind == "global_min" else "local minimum"
                    # under the star, inside the well's empty space below the curve; above
                    # it only where the plot's bottom edge leaves no room
                    bottom = area.to_scene(np.array([x_range[0], y_range[0]]))[1]
                    text = halo(label(name, 16, self.theme.muted), self.theme)  # over trails
                    # clear of the ring a beat draws round a run's dot resting there
                    clear = ring_radius(2 * dot_radius) + 0.04
                    text.next_to(at, DOWN, buff=clear)
                    if text.get_bottom()[1] < bottom + 0.05:
                        text.next_to(at, UP, buff=clear)
                    # inside the plot box, clear of the tick numbers beside it
                    left, right = (
                        area.to_scene(np.array([x_range[0], y_range[0]]))[0] + 0.1,
                        (area.to_scene(np.array([x_range[1], y_range[0]]))[0] - 0.1),
                    )
                    text.shift(RIGHT * max(0.0, left - text.get_left()[0]))
                    text.shift(LEFT * max(0.0, text.get_right()[0] - right))
                    self.add(minimum_star(at, self.theme), text)
        return area

    def track(
        self,
        traj: Trajectory,
        area: PlotArea,
        color: str,
        *,
        path: np.ndarray | None = None,
        **kw: Any,
    ) -> Track:
        """A :class:`Track` for ``traj`` along ``path`` (default: :meth:`path_of`, the hook a
        variant overrides, e.g. Nesterov's look-ahead form): 1-D runs ride the curve at
        ``(w, loss)``."""
        if path is None:
            path = self.path_of(traj)
            for e in first_non_finite_event(traj.params, traj.loss):
                if e.kind == "overflow":  # it stops there (the narration's "overflows at step N")
                    kw.setdefault("overflow_step", e.step)
        kw.setdefault("escape_label", escape_label(traj))
        made = Track(path, area, self.clock, color=color, theme=self.theme, **kw)
        self.tracks.append(made)
        return made

    def path_of(self, traj: Trajectory) -> np.ndarray:
        """What a track draws: params (2-D), ``(w, loss)`` on the curve (1-D)."""
        return traj.params if traj.dim == 2 else np.stack([traj.params[:, 0], traj.loss], -1)

    def colors_for(self, trajs: Sequence[Trajectory]) -> list[str]:
        """One colour per trajectory (see :func:`palette_for`)."""
        return self.run_palette([t.label for t in trajs])

    def run_palette(self, labels: Sequence[str]) -> list[str]:
        """Colours for the runs ``labels`` shown together (:func:`palette_for`), kept in
        :attr:`run_colors` (label, colour) for checks."""
        colors = palette_for(labels, self.theme)
        self.run_colors: list[tuple[str, str]] = list(zip(labels, colors, strict=True))
        return colors

    @classmethod
    def specs(cls) -> list[OptimizerSpec]:
        """Every optimizer spec the scene shows (``optimizers``, ``optimizer`` or ``runs``),
        labels told apart (:func:`~descent.scenes.kit.readouts.distinct_labels`)."""
        found = list(cls.optimizers)
        single = getattr(cls, "optimizer", None)
        if isinstance(single, OptimizerSpec):
            found.append(single)
        found += [spec for spec, _ in getattr(cls, "runs", ())]
        return distinct_labels(found)

    def legend(
        self,
        trajs: Sequence[Trajectory],
        colors: Sequence[str],
        *,
        show_loss: bool = True,
        font_size: int = 24,
        readout: Callable[[Trajectory, int], str] | None = None,
    ) -> Legend:
        """Legend rows ``label  loss …`` (or ``readout(traj, step)``) per trajectory."""
        entries = [(self.legend_label(t), c, t) for t, c in zip(trajs, colors, strict=True)]
        return Legend(
            entries,
            self.clock,
            self.theme,
            show_loss=show_loss,
            font_size=font_size,
            readout=readout,
        )

    def legend_label(self, traj: Trajectory) -> str:
        """``Momentum (lr 0.05, μ 0.9)``: the run's label and every hyper-parameter it was
        given that the label does not say already, ``lr`` always
        (:func:`~descent.scenes.kit.readouts.run_settings`); gradient clipping after a
        comma (shown, never silent)."""
        settings = run_settings(traj.spec, traj.label)
        text = f"{traj.label} ({settings})" if settings else traj.label
        clip = traj.spec.clip_text
        return f"{text}, {clip}" if clip else text

    def fitted_legend(
        self,
        trajs: Sequence[Trajectory],
        colors: Sequence[str],
        room: float,
        *,
        font_size: int = 24,
        smallest: int = 14,
        **kw: Any,
    ) -> Mobject:
        """:meth:`legend` within ``room`` (scene units) wide: read-outs beside their labels
        at the largest font from ``font_size`` down to ``smallest`` that fits (three font
        steps at most: a legend stays readable), else under their labels
        (:meth:`Legend.fit`, one row taller each) at the largest font that fits then (a
        subclass's own legend is left as made)."""
        sizes = list(range(font_size, smallest - 1, -2)) or [font_size]
        for size in sizes[:4]:
            legend = self.legend(trajs, colors, font_size=size, **kw)
            if not isinstance(legend, Legend) or legend.width <= room:
                return legend
        for size in sizes:
            legend = self.legend(trajs, colors, font_size=size, **kw)
            legend.fit(room)
            if legend.width <= room:
                break
        return legend

    def make_clock(
        self, areas_paths: Sequence[tuple[PlotArea, np.ndarray]], steps: int | None = None
    ) -> StepClock:
        """One clock for all tracks, eased by how much the on-screen paths move and turn."""
        steps = steps if steps is not None else self.steps
        paths = [area.to_scene(area.display_path(p)[0]) for area, p in areas_paths]  # as drawn
        self.clock = StepClock(steps, step_weights(paths) if self.ease and paths else None)
        return self.clock  # its tracker joins the scene when first played, after the static parts

    def add_layered(self, *mobjects: Mobject) -> None:
        """Add ``mobjects`` so that only their parts with updaters are redrawn every frame.

        Manim draws the mobjects before the first moving one once per ``play()``, and every
        later one each frame; a legend whose read-outs update would otherwise redraw all of
        its static labels too. Static leaves are inserted before anything that moves.
        """
        static: list[Mobject] = []
        moving: list[Mobject] = []

        def split(m: Mobject) -> None:
            if not m.get_family_updaters():
                static.append(m)
            elif m.updaters or not m.submobjects or (isinstance(m, VMobject) and len(m.points)):
                moving.append(m)
            else:
                for sub in m.submobjects:
                    split(sub)

        for m in mobjects:
            split(m)
        self.remove(*static)
        first = next(
            (i for i, m in enumerate(self.mobjects) if m.get_family_updaters()), len(self.mobjects)
        )
        self.mobjects[first:first] = static
        self.add(*moving)
        # text added after the contour labels (a scene's own annotations): the labels step
        # aside now, not only at the next updater pass (a static hold draws none)
        for labels, refresh in self._give_way:
            refresh(labels)

    def update_mobjects(self, dt: float) -> None:
        """Run every updater in the scene, in Manim's order, without walking static families.

        Manim's ``Mobject.update`` recurses through every family each frame and calls
        ``inspect.signature`` on each updater: ~530 calls a frame for a dozen updaters in
        ``OptimizerRace``. The list of ``(mobject, updater, takes dt)`` is built once per
        animation and again whenever the scene's top-level mobjects change. One difference
        from Manim: an updater added *inside another updater* to a mobject already in the
        scene runs from the next animation on (nothing in descent does that).
        """
        key = (self.renderer.num_plays, tuple(map(id, self.mobjects)))
        if self._updaters is None or self._updaters[0] != key:
            seen: set[int] = set()
            found: list[tuple[Mobject, Callable[..., Any], bool]] = []
            for top in self.mobjects:
                for mob in top.get_family():
                    if id(mob) in seen:
                        continue
                    seen.add(id(mob))
                    found += [
                        (mob, u, "dt" in inspect.signature(u).parameters) for u in mob.updaters
                    ]
            self._updaters = (key, found)
        for mob, updater, takes_dt in self._updaters[1]:
            if not mob.updating_suspended:
                updater(mob, dt) if takes_dt else updater(mob)
        if self._give_way or any(t.lengths for t in self.tracks):
            self.clear_lengths()
        for labels, refresh in self._give_way:
            refresh(labels)

    def play_steps(self, to: float | None = None, run_time: float | None = None) -> None:
        """Advance the shared clock to step ``to`` (default: the end), paced by the beats.

        Each :attr:`beats` on the way starts a section (Manim's ``next_section``: a slide, a
        clip with ``--sections``) when the clock reaches its step: the clock slows into it,
        holds there while its narration (``add_subcaption``) is read and its subject is
        marked, then moves on briskly (:func:`~descent.scenes.kit.clock.pace`). With
        :attr:`run_time` set (and ``to`` the end) the video lasts exactly that long: the
        holds shrink to fit, and narration that cannot be read in time is shortened to its
        first sentence, or dropped, with one warning. ``run_time`` here: the seconds this
        call takes instead (a scene playing the clock in pieces).
        """
        fps = config.frame_rate
        end = float(self.clock.steps if to is None else to)
        here = self.clock.step()
        beats = [b for b in self.beats if here <= b.step < end]
        total: float | None = run_time
        if total is None and self.run_time is not None and to is None:
            frames = round(self.run_time * fps) - round(self.renderer.time * fps)
            total = (frames - int(self.end_wait * fps + 1e-9)) / fps
            if total <= 0:
                warnings.warn(
                    f"{type(self).__name__}: run_time {self.run_time:g} s is spent before the"
                    " run starts; the steps get one frame each",
                    stacklevel=2,
                )
                total = max(1, len(beats) + 1) / fps
        motion = run_time or self.motion_time
        said = [b.say for b in beats]
        needed = 0.0
        for attempt in ("full", "first sentence", "none"):
            reading = [reading_seconds(say) if self.pause_for_narration else 0.0 for say in said]
            legs, squeeze = pace(
                self.clock.alpha_of,
                here,
                end,
                [(b.step, r, self.beat_until(b)) for b, r in zip(beats, reading, strict=True)],
                motion=motion,
                fps=fps,
                total=total,
                approach=0.6 if self.pause_for_narration else 0.0,  # a preview: motion only
            )
            words = sum(len(x.split()) for x in said)
            if not self.pause_for_narration or not words or squeeze * FASTEST_READING >= 2.7:
                break
            if attempt == "full":
                needed = words / 2.7
                said = [first_sentence(x) for x in said]
            elif attempt == "first sentence":
                said = ["" for _ in said]
        if attempt != "full":
            what = (
                "shortened to each beat's first sentence"
                if attempt == "first sentence"
                else "dropped: the video has no narration and no .srt"
            )
            warnings.warn(
                f"{type(self).__name__}: the narration needs {needed:.1f} s to read, run_time"
                f" {self.run_time if self.run_time is not None else total:g} s leaves too little: narration {what} (a longer run_time,"
                " or none, keeps it)",
                NarrationWarning,
                stacklevel=2,
            )
        subjects = getattr(self, "subjects", None) or getattr(self, "tracks", [])
        for k, leg in enumerate(legs):
            if leg.beat is not None:
                beat = beats[leg.beat]
                say = said[leg.beat]
                shown = leg.shown
                if not self.pause_for_narration:  # the caption runs until the next beat
                    nxt = next(
                        (j for j in range(k + 1, len(legs)) if legs[j].beat is not None),
                        len(legs),
                    )
                    shown = sum(x.frames for x in legs[k:nxt])
                self.beat(beat.name, say, max(shown, 1) / fps)
            if leg.frames <= 0:
                continue
            if leg.hold:
                marked = beats[leg.mark] if leg.mark is not None else None
                self.hold(leg.frames, marked.subject if marked is not None else None,
                          self.beat_subjects(marked, subjects))  # fmt: skip
            else:
                self.play(self.clock.to(leg.to, leg.frames / fps - 1e-9))
        if self.clock.step() != end:  # a last leg of 0 frames: land on the end exactly
            self.clock.tracker.set_value(self.clock.alpha_of(end))

    def beat_subjects(self, beat: Beat | None, subjects: Sequence[Mobject]) -> Sequence[Mobject]:
        """What ``beat.subject`` indexes while the beat is held: ``subjects`` (the scene's
        ``subjects``, else its tracks, in run order). Override to mark a beat's run
        elsewhere, for example its point on a side panel where the beat's claim is drawn."""
        return subjects

    @staticmethod
    def beat_until(beat: Beat) -> float:
        """The last step ``beat``'s caption covers: its ``until``, else the latest of its
        step and its events' steps (a count's later events are shown under it)."""
        if getattr(beat, "until", None) is not None:
            return float(beat.until)  # type: ignore[arg-type]
        return float(max([beat.step, *(e.step for e in getattr(beat, "events", ()))]))

    def hold(self, frames: int, subject: int | None, subjects: Sequence[Mobject]) -> None:
        """Stand still for ``frames`` frames; mark ``subjects[subject]`` (a ring flashes on
        it, the others dim) meanwhile."""
        fps = config.frame_rate
        if subject is None or not 0 <= subject < len(subjects) or frames < 2:
            self.wait(frames / fps + 1e-9, frozen_frame=True)
            return
        mark = Emphasis(subjects[subject], subjects, self.theme)
        flash = min(frames - 1, max(1, round(0.4 * fps)))
        self.play(mark.start(), run_time=flash / fps - 1e-9)
        self.wait((frames - flash) / fps + 1e-9, frozen_frame=True)
        mark.stop()
        self.remove(mark.ring)

    def beat(
        self, name: str, say: str = "", duration: float | None = None, *, step: float | None = None
    ) -> None:
        """Start the section ``name`` here and, if there is narration, say it for
        ``duration`` seconds (default: a guess, 3 s).

        In a manim-slides ``Slide`` (``class X(Slide, MomentumOvershoot)``) the beat starts
        a slide whose speaker notes are the narration.
        """
        next_slide = getattr(self, "next_slide", None)
        if callable(next_slide):
            next_slide(notes=say)
        else:
            self.next_section(name)
        clock = getattr(self, "clock", None)
        at = step if step is not None else (clock.step() if clock is not None else math.nan)
        self.beat_log.append((name, say, float(self.renderer.time), float(at)))
        if say:
            self.add_subcaption(say, duration=duration or 3.0)

    def finish(self) -> None:
        """Hold the final state so the last frame shows it (rendered once, then repeated)."""
        self.wait(self.end_wait, frozen_frame=True)
