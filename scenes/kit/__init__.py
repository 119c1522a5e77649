"""The scene kit: shared building blocks for descent's Manim scenes.

One module per concern, imported one way only (each imports only those above it):

========================  ================================================================
``kit.theme``             themes, optimizer colours, colour maps
``kit.text``              Pango text from cached glyph outlines, fast read-outs, titles
``kit.clock``             the shared :class:`StepClock` and the time weights
``kit.plot``              plot areas, heat maps, contours (contourpy), curves, view boxes
``kit.tracks``            :class:`Track`: dot, trail, arrows and edge pin per trajectory
``kit.readouts``          :class:`Legend`, step counter, live text, :class:`LossPanel`
``kit.rules``             :class:`UpdateRule`: torch's update with the step's numbers
``kit.camera``            :class:`PathCamera`, :class:`MeshCamera` (3-D)
``kit.story``             beats, narration filled from the runs' events, emphasis marks
``kit.scene``             :class:`DescentScene`, the base class
``kit.storyboards``       :class:`CurveScene` and :class:`SurfaceScene`
``kit.layout``            title-safe margins and overlapping text at a scene's beat frames
``kit.networks``          :class:`NetworkScene`: a shared plane, data space, fidelity
``kit.sweeps``            :class:`SweepScene`: small multiples over a hyper-parameter grid
========================  ================================================================

Every public name is importable from ``descent.scenes.kit`` itself.

Everything that moves is driven by arrays the engine recorded before the first
frame. Updaters only *look up* (and linearly interpolate) those arrays at the
current value of one shared :class:`StepClock`; nothing is integrated per frame.

Pieces
------
- :class:`Theme` / :func:`get_theme` — dark, light and transparent palettes; one
  colour per optimizer, and :func:`palette_for` a scene's runs far apart in CIEDE2000,
  also under deuteranopia and protanopia.
- :func:`plot_area` — axes for a view box; :func:`heatmap` — one raster
  ``ImageMobject`` from the engine's vectorised grid; :func:`contours` — contourpy's
  iso-lines as one ``VMobject``; :func:`curve` — a 1-D loss curve.
- :class:`StepClock` — animation time → step, easing through dull stretches and
  slowing down where the paths move or turn (overshoots).
- :class:`Track` — a dot with a tiered fading trail built from the arrays, optional
  gradient / velocity arrows, pinned at the edge with a label when it leaves the view.
- :class:`Legend` (with live loss read-outs), :func:`step_counter`,
  :class:`LossPanel` (loss or distance vs step, log option), :func:`title_block`.
- :class:`DescentScene` — the base class: theme, title, clock, ``finish()``; it runs its
  updaters from a list built once per animation and draws with :class:`PathCamera`
  (Manim's camera, doing less per mobject: same pixels).
- :func:`label` / :func:`text_outlines` — Pango text whose glyph outlines are cached on disk.

Examples
--------
A minimal scene: a variant of the 2-D storyboard is a subclass that sets class attributes::

    from descent.engine import OptimizerSpec
    from descent.scenes.kit import SurfaceScene


    class Bowl(SurfaceScene):
        title = "SGD with and without momentum"
        landscape = "bowl"
        optimizers = (OptimizerSpec("SGD", lr=0.1), OptimizerSpec("SGD", lr=0.1, momentum=0.9))
        steps = 40
"""

from __future__ import annotations

from descent.scenes.kit.camera import (
    HeightField,
    MeshCamera,
    PathCamera,
    family_with_points,
    still_axes,
)
from descent.scenes.kit.clock import (
    Leg,
    StepClock,
    pace,
    partial_path,
    step_weights,
)
from descent.scenes.kit.layout import (
    LayoutCheck,
    TextBox,
    check_layout,
    layout_problems,
    line_segments,
    over_lines,
    text_boxes,
)
from descent.scenes.kit.networks import (
    NetworkScene,
    boundary_track,
    curve_track,
    data_points,
    equal_view,
)
from descent.scenes.kit.plot import (
    ColorBar,
    ContourLabels,
    ContourLevel,
    PlatedLabel,
    PlotArea,
    auto_view,
    colorbar,
    contour_labels,
    contour_levels,
    contours,
    corner_points,
    curve,
    heatmap,
    iso_lines,
    level_label,
    level_line,
    minimum_star,
    plated_label,
    plot_area,
    polyline_points,
    region_tint,
    spans_decades,
    swapped,
    wants_log_heat,
)
from descent.scenes.kit.readouts import (
    Legend,
    LossPanel,
    Room,
    as_drawn,
    default_lr,
    distinct_labels,
    hyperparameters,
    live_text,
    panel_scale,
    run_settings,
    step_counter,
    symlog,
    symlog_ticks,
)
from descent.scenes.kit.rules import (
    CoordinateBars,
    UpdateRule,
    rule_lines,
    shown_update,
    vec,
)
from descent.scenes.kit.scene import (
    Beat,
    DescentScene,
    NarrationWarning,
    computed,
)
from descent.scenes.kit.story import (
    READING_RATE,
    Emphasis,
    and_join,
    axis_name,
    count_word,
    cover_runs,
    crossing_text,
    event_story,
    farthest_step,
    first_sentence,
    loss_of,
    number,
    overshoot_comparison,
    pick_beats,
    point_text,
    reading_seconds,
    ring_radius,
    runs_text,
    spec_text,
    target_of,
    tolerance_for,
    verb,
)
from descent.scenes.kit.storyboards import (
    CurveScene,
    SurfaceScene,
)
from descent.scenes.kit.sweeps import (
    CONVERGED,
    SweepScene,
    divergence_tint,
    fastest_run,
    left_for_good,
    steps_to_converge,
)
from descent.scenes.kit.text import (
    FONT,
    SAFE_MARGIN,
    TEXT_CACHE_VERSION,
    FastText,
    Label,
    fmt_value,
    halo,
    label,
    legible_text,
    safe_box,
    text_contrast_problems,
    text_outlines,
    title_block,
    to_safe_corner,
)
from descent.scenes.kit.theme import (
    CVD_KINDS,
    MIN_CONTRAST,
    MIN_DISTANCE,
    OKABE_ITO,
    PLAIN_COLORS,
    TEXT_CONTRAST,
    THEMES,
    HeatScale,
    Theme,
    ciede2000,
    color_distances,
    color_name,
    colormap,
    contrast_ratio,
    distinct_enough,
    get_theme,
    heat_scale,
    normalise,
    optimizer_color,
    palette_for,
    shade_of_low,
    text_color,
    to_lab,
    widest_palette,
    with_contrast,
)
from descent.scenes.kit.timeline import (
    Caption,
    Move,
    Timeline,
    caption_problems,
    dry_render,
    play_timeline,
)
from descent.scenes.kit.tracks import (
    Track,
    escape_label,
    gradient_arrows,
    held_at_nan,
    last_finite,
    lookahead_form,
    nan_from,
    nan_text,
    overflow_text,
    place_arrow,
    set_shown,
    step_arrow,
    step_arrows_1d,
    tangent_line,
    velocity_arrows,
)

__all__ = [
    "OKABE_ITO",
    "Theme",
    "THEMES",
    "get_theme",
    "palette_for",
    "widest_palette",
    "MIN_CONTRAST",
    "TEXT_CONTRAST",
    "text_color",
    "contrast_ratio",
    "with_contrast",
    "optimizer_color",
    "ciede2000",
    "to_lab",
    "color_distances",
    "distinct_enough",
    "MIN_DISTANCE",
    "CVD_KINDS",
    "colormap",
    "normalise",
    "FONT",
    "TEXT_CACHE_VERSION",
    "FastText",
    "Label",
    "fmt_value",
    "label",
    "halo",
    "text_outlines",
    "title_block",
    "StepClock",
    "partial_path",
    "step_weights",
    "PlotArea",
    "plot_area",
    "heatmap",
    "spans_decades",
    "wants_log_heat",
    "ColorBar",
    "colorbar",
    "HeatScale",
    "heat_scale",
    "iso_lines",
    "contours",
    "contour_levels",
    "ContourLevel",
    "ContourLabels",
    "contour_labels",
    "PlatedLabel",
    "plated_label",
    "curve",
    "auto_view",
    "swapped",
    "minimum_star",
    "Track",
    "place_arrow",
    "set_shown",
    "step_arrow",
    "velocity_arrows",
    "gradient_arrows",
    "lookahead_form",
    "escape_label",
    "nan_from",
    "nan_text",
    "overflow_text",
    "held_at_nan",
    "last_finite",
    "Legend",
    "hyperparameters",
    "run_settings",
    "distinct_labels",
    "default_lr",
    "Room",
    "LossPanel",
    "panel_scale",
    "as_drawn",
    "symlog",
    "symlog_ticks",
    "live_text",
    "step_counter",
    "MeshCamera",
    "HeightField",
    "PathCamera",
    "still_axes",
    "family_with_points",
    "Beat",
    "NarrationWarning",
    "DescentScene",
    "CurveScene",
    "SurfaceScene",
    "NetworkScene",
    "equal_view",
    "data_points",
    "boundary_track",
    "curve_track",
    "SweepScene",
    "fastest_run",
    "steps_to_converge",
    "divergence_tint",
    "left_for_good",
    "polyline_points",
    "corner_points",
    "level_line",
    "level_label",
    "region_tint",
    "CoordinateBars",
    "UpdateRule",
    "rule_lines",
    "shown_update",
    "vec",
    "tangent_line",
    "step_arrows_1d",
    "PLAIN_COLORS",
    "color_name",
    "shade_of_low",
    "Leg",
    "pace",
    "computed",
    "READING_RATE",
    "Emphasis",
    "axis_name",
    "event_story",
    "loss_of",
    "overshoot_comparison",
    "crossing_text",
    "farthest_step",
    "Caption",
    "Move",
    "Timeline",
    "caption_problems",
    "dry_render",
    "play_timeline",
    "first_sentence",
    "number",
    "pick_beats",
    "cover_runs",
    "ring_radius",
    "point_text",
    "reading_seconds",
    "runs_text",
    "spec_text",
    "tolerance_for",
    "target_of",
    "and_join",
    "count_word",
    "verb",
    "CONVERGED",
    "SAFE_MARGIN",
    "TextBox",
    "LayoutCheck",
    "safe_box",
    "to_safe_corner",
    "text_boxes",
    "layout_problems",
    "line_segments",
    "over_lines",
    "legible_text",
    "text_contrast_problems",
    "check_layout",
]
