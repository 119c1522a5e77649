"""The parts that make renders fast, each checked against what it replaces.

- ``descent.renders.encoder.PipeFileWriter``: frames piped to ffmpeg give a complete, decodable
  MP4 with the index first; a failing ffmpeg or a failing scene leaves no file behind.
- ``descent.scenes.kit.PathCamera``: the same pixels as Manim's ``Camera`` (read-outs from
  cached glyph masks: the same to within anti-aliasing); ``MeshCamera``: the same pixels as
  ``ThreeDCamera``.
- ``descent.scenes.kit.text_outlines`` / ``label``: the same outlines as Manim's ``Text``, from disk
  the second time.
- ``DescentScene.update_mobjects``: every updater, in order, with ``dt`` where asked,
  none while suspended.
"""

from __future__ import annotations

import queue
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import LEFT, RIGHT, Camera, Dot, Scene, Square, Text, ThreeDScene, tempconfig

import descent.scenes.kit as kit
import descent.scenes.kit.text as kit_text
from descent.renders.encoder import PipeFileWriter, ffmpeg_command
from descent.renders.media import probe
from descent.scenes import get_scene


def settings(media: Path, **extra: Any) -> dict[str, Any]:
    return {
        "media_dir": str(media),
        "pixel_width": 320,
        "pixel_height": 180,
        "frame_rate": 10,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        **extra,
    }


class Slide(Scene):
    """1 s of a moving dot, then a 0.5 s hold: 15 frames at 10 fps."""

    fail = False

    def construct(self) -> None:
        dot = Dot()
        self.add(dot)
        self.play(dot.animate.shift(RIGHT * 2), run_time=1.0)
        if self.fail:
            raise RuntimeError("scene failed mid-way")
        self.wait(0.5)


class TwoPlays(Scene):
    """Two animations with a new static square between them: Manim redraws the static
    background at the second ``play`` (into whatever array the camera holds)."""

    def construct(self) -> None:
        dot = Dot()
        self.add(dot)
        self.play(dot.animate.shift(RIGHT * 2), run_time=1.0)
        self.add(Square(color="#56B4E9").shift(LEFT * 3))
        self.play(dot.animate.shift(LEFT * 2), run_time=1.0)
        self.wait(0.5)


def render_piped(
    scene_cls: type[Scene],
    media: Path,
    *,
    by_reference: bool = False,
    slow: bool = False,
    **options: str,
) -> Path:
    with tempconfig(settings(media, format="mp4")):
        scene = scene_cls()
        writer = PipeFileWriter(scene.file_writer_settings)
        writer.options = dict(options)
        scene.renderer.file_writer = writer
        if by_reference:  # as the worker renders: frames handed to ffmpeg without a copy
            writer.attach(scene.renderer)
        if slow:  # ffmpeg falls behind: the queue fills and frames stay in flight
            writer._frames = SlowQueue(writer._frames.maxsize)
        path = writer.movie_file_path
        scene.render()
    return Path(path)


class SlowQueue(queue.Queue):  # type: ignore[type-arg]
    def get(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return super().get(*args, **kwargs)


def decoded(path: Path) -> list[np.ndarray]:
    from descent.renders.media import read_frames

    return [frame for _, frame in read_frames(path, probe(path).frames)]


# -- the ffmpeg pipe ---------------------------------------------------------------------------------
def test_piped_mp4_is_complete_and_decodable(tmp_path: Path) -> None:
    path = render_piped(Slide, tmp_path)
    info = probe(path)
    assert (info.width, info.height, info.fps, info.frames) == (320, 180, 10.0, 15)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # written with +faststart
    assert not list(tmp_path.rglob("partial_movie_files/**/*.mp4"))  # one stream, no segments


def test_frames_by_reference_equal_copied_frames_while_ffmpeg_lags(tmp_path: Path) -> None:
    """No frame is drawn over while it still waits in the pipe: not the next frame, and not
    the static background Manim redraws at a new ``play``."""
    lossless = {"crf": "0", "threads": "1"}
    copied = decoded(render_piped(TwoPlays, tmp_path / "copied", **lossless))
    shared = decoded(
        render_piped(TwoPlays, tmp_path / "shared", by_reference=True, slow=True, **lossless)
    )
    assert len(copied) == len(shared) == 25
    for k, (a, b) in enumerate(zip(copied, shared, strict=True)):
        assert np.array_equal(a, b), f"frame {k} differs"


def test_ffmpeg_failure_is_reported_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="ffmpeg failed"):
        render_piped(Slide, tmp_path, preset="no-such-preset")
    assert not list(tmp_path.rglob("*.mp4"))


def test_failing_scene_stops_ffmpeg_and_removes_the_partial_file(tmp_path: Path) -> None:
    failing = type("FailingSlide", (Slide,), {"fail": True})
    with pytest.raises(RuntimeError, match="scene failed mid-way"):
        render_piped(failing, tmp_path)
    assert not list(tmp_path.rglob("*.mp4"))
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in ps  # no ffmpeg left writing into the folder


def test_ffmpeg_command_reads_rgba_and_writes_browser_h264() -> None:
    cmd = ffmpeg_command(Path("x.mp4"), width=64, height=32, fps=30, options={"crf": "30"})
    assert cmd[cmd.index("-pix_fmt") + 1] == "rgba"  # input
    assert cmd[len(cmd) - 1 - cmd[::-1].index("-pix_fmt") + 1] == "yuv420p"  # output
    assert cmd[cmd.index("-crf") + 1] == "30" and cmd[cmd.index("-preset") + 1] == "veryfast"
    assert "+faststart" in cmd and "eval" not in " ".join(cmd)


def noting(
    monkeypatch: pytest.MonkeyPatch,
    cls: type,
    name: str,
    results: list[Any] | None = None,
    method: Any = None,
) -> list[Any]:
    """Wrap ``cls.name`` (or ``method``) so that each call's result is appended to a list."""
    results = [] if results is None else results
    inner = method or getattr(cls, name)

    def wrapper(self: Any, *args: Any) -> Any:
        results.append(inner(self, *args))
        return results[-1]

    monkeypatch.setattr(cls, name, wrapper)
    return results


# -- the camera -------------------------------------------------------------------------------------
def last_frames(
    name: str, cameras: tuple[Any, ...], media: Path, **extra: Any
) -> list[tuple[type, np.ndarray]]:
    frames = []
    for camera in cameras:
        with tempconfig(settings(media, save_last_frame=True, write_to_movie=False, **extra)):
            scene = get_scene(name)(**({"camera_class": camera} if camera else {}))
            scene.render()
            frames.append((type(scene.camera), scene.renderer.get_frame()))
    return frames


@pytest.mark.parametrize("name", ["OptimizerRace", "NesterovCorrection", "LearningRates"])
def test_path_camera_draws_the_same_pixels_as_manims(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # read-outs as paths here (their cached glyph masks are checked on their own below)
    monkeypatch.setattr(kit.PathCamera, "_paint_text", lambda self, ctx, text: False)
    (ours, a), (theirs, b) = last_frames(name, (None, Camera), tmp_path)
    assert ours is kit.PathCamera and theirs is Camera
    assert np.array_equal(a, b)


def test_readouts_from_glyph_masks_look_like_their_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = kit.PathCamera._paint_text
    calls: list[tuple[bool, bool]] = []  # (painted from masks, the text has a halo)

    def paint(self: Any, ctx: Any, text: Any) -> bool:
        calls.append((inner(self, ctx, text), text.get_stroke_width(background=True) > 0))
        return calls[-1][0]

    monkeypatch.setattr(kit.PathCamera, "_paint_text", paint)
    ((_, masks),) = last_frames("OptimizerRace", (None,), tmp_path)
    # every read-out of the race went through the masks, except haloed ones (a background
    # stroke around the glyphs, kit.halo: drawn as paths by design)
    assert any(p for p, _ in calls) and all(p or halo for p, halo in calls)
    monkeypatch.setattr(kit.PathCamera, "_paint_text", lambda self, ctx, text: False)
    ((_, paths),) = last_frames("OptimizerRace", (None,), tmp_path)
    diff = np.abs(masks.astype(int) - paths.astype(int)).max(axis=-1)
    # glyphs placed within 1/16 px, anti-aliased on their own: edge pixels only
    assert 0 < (diff > 8).mean() < 0.005 and diff.max() <= 80


def test_mesh_camera_draws_the_same_pixels_as_manims_3d_camera(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from manim import ThreeDCamera

    # at 1280 px the surface's seams (0.27 px) are drawn; fixed-in-frame text as paths here
    # (its cached images are checked on their own below)
    monkeypatch.setattr(kit.MeshCamera, "_paint_sprite", lambda self, ctx, vm: False)
    # depth testing off: ThreeDCamera draws what a surface hides, MeshCamera would not
    monkeypatch.setattr(kit.MeshCamera, "depth_test", lambda self, *mobs, occluder=None: self)
    size = {"pixel_width": 1280, "pixel_height": 720}
    (ours, a), (theirs, b) = last_frames("Surface3D", (None, ThreeDCamera), tmp_path, **size)
    assert ours is kit.MeshCamera and theirs is ThreeDCamera
    assert np.array_equal(a, b)


def test_mesh_camera_leaves_out_hairline_seams_and_paints_fixed_text_from_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from manim import ThreeDCamera

    paint = kit.MeshCamera._paint_sprite
    # depth testing off: ThreeDCamera draws what a surface hides, MeshCamera would not
    monkeypatch.setattr(kit.MeshCamera, "depth_test", lambda self, *mobs, occluder=None: self)
    painted = noting(monkeypatch, kit.MeshCamera, "_paint_sprite")
    (_, a), (_, b) = last_frames("Surface3D", (None, ThreeDCamera), tmp_path)
    assert len(painted) > 50 and all(painted)  # the title's and the legend's glyphs
    diff = np.abs(a.astype(int) - b.astype(int)).max(axis=-1)
    # 320 px wide: the seams would be 0.07 px; the text images equal to within rounding
    assert 0 < (diff > 8).mean() < 0.03 and diff.mean() < 1.0
    monkeypatch.setattr(kit.MeshCamera, "FINEST_STROKE", 0.0)
    monkeypatch.setattr(kit.MeshCamera, "_paint_sprite", lambda self, ctx, vm: False)
    (_, paths), (_, c) = last_frames("Surface3D", (None, ThreeDCamera), tmp_path)
    assert np.array_equal(paths, c)
    noting(monkeypatch, kit.MeshCamera, "_paint_sprite", painted, paint)
    ((_, images),) = last_frames("Surface3D", (None,), tmp_path)
    assert np.abs(images.astype(int) - paths.astype(int)).max() <= 2


class User3D(ThreeDScene):
    """A user's own 3-D scene: every kind of piece the batch meets, and some it does not."""

    def construct(self) -> None:
        from manim import (
            DEGREES,
            DOWN,
            GREEN,
            OUT,
            RED_D,
            RED_E,
            UL,
            UP,
            YELLOW,
            Arrow3D,
            Cube,
            Line3D,
            Prism,
            Sphere,
            Surface,
            ThreeDAxes,
        )

        self.set_camera_orientation(phi=65 * DEGREES, theta=-40 * DEGREES)
        axes = ThreeDAxes()  # with tips (cones)
        surface = Surface(
            lambda u, v: axes.c2p(u, v, 0.3 * np.sin(u) * np.cos(v)),
            u_range=[-3, 3],
            v_range=[-3, 3],
            resolution=(10, 10),
            checkerboard_colors=[RED_D, RED_E],
            fill_opacity=0.8,
        )
        self.add(axes, surface, Cube(side_length=1).shift(2 * RIGHT + UP))
        self.add(Sphere(radius=0.6, resolution=(12, 12)).shift(LEFT * 2 + OUT))
        self.add(Arrow3D([0, 0, 0], [1, 1, 2], color=YELLOW))
        self.add(Line3D([-2, -2, 0], [2, -2, 1], color=GREEN))
        self.add(Prism(dimensions=[1, 2, 0.5]).shift(DOWN * 2 + LEFT))
        text = Text("user scene", font_size=30).to_corner(UL)
        self.add_fixed_in_frame_mobjects(text)
        self.begin_ambient_camera_rotation(rate=0.3)
        self.wait(0.5)


def test_mesh_camera_draws_a_users_3d_scene_as_manim_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from manim import ThreeDCamera

    frames = []
    for camera in (kit.MeshCamera, ThreeDCamera):
        with tempconfig(
            settings(
                tmp_path,
                save_last_frame=True,
                write_to_movie=False,
                pixel_width=640,
                pixel_height=360,
            )
        ):
            scene = User3D(camera_class=camera)
            scene.render()
            frames.append(scene.renderer.get_frame().astype(int))
    diff = np.abs(frames[0] - frames[1]).max(axis=-1)
    # 640 px: every stroke drawn; the fixed text from its image (within rounding)
    assert diff.max() <= 2 and (diff > 0).mean() < 0.002


def test_mesh_camera_batches_the_faces_of_a_surface_and_the_pieces_of_axes() -> None:
    from manim import Sphere, Surface, ThreeDAxes, ThreeDScene

    with tempconfig({"pixel_width": 160, "pixel_height": 90, "verbosity": "ERROR"}):
        scene = ThreeDScene(camera_class=kit.MeshCamera)
        surface = Surface(lambda u, v: np.array([u, v, u * v]), resolution=(6, 6))
        axes = kit.still_axes(ThreeDAxes(tips=False).set_opacity(0.35))
        ball = Sphere(radius=0.2, resolution=(8, 8))  # its poles' faces have a corner of one point
        things = [*surface.family_members_with_points(), *axes.family_members_with_points()]
        things += ball.family_members_with_points()
        faces = [f for f in things if scene.camera._is_face(f)]
        assert len(faces) == len(things)
        batch = scene.camera._faces(faces)
        assert set(batch) == {id(f) for f in faces}
        flat, closed, ends, fill, stroke = batch[id(faces[0])]
        assert len(flat) == 32 and closed and len(ends) == 4 and len(fill) == len(stroke) == 2
        flat, closed, ends, fill, stroke = batch[id(axes.x_axis.pieces[0])]
        assert len(flat) == 8 and not closed and stroke[0] == stroke[1]  # a line: normal UP


# -- text outlines --------------------------------------------------------------------------------------
def test_label_has_manims_text_outlines_and_is_read_back_from_disk(tmp_path: Path) -> None:
    text = "loss 0.5 → ∞"
    reference = [
        m.points for m in Text(text, font=kit.FONT, font_size=30).family_members_with_points()
    ]
    kit_text._OUTLINES.clear()
    made = kit.label(text, 30, "#FFFFFF")
    assert [len(m.points) for m in made] == [len(p) for p in reference]
    assert all(np.allclose(m.points, p) for m, p in zip(made, reference, strict=True))
    assert made[0].get_fill_opacity() == 1.0 and made[0].get_stroke_width() == 0
    kit_text._OUTLINES.clear()
    kit_text.Text = None  # type: ignore[assignment, misc]  # the disk copy must be enough now
    try:
        again = kit.label(text, 30, "#FFFFFF")
    finally:
        kit_text.Text = Text  # type: ignore[misc]
    assert all(np.array_equal(m.points, n.points) for m, n in zip(made, again, strict=True))


def test_unreadable_text_cache_file_is_laid_out_again(tmp_path: Path) -> None:
    kit_text._OUTLINES.clear()
    kit.text_outlines("cache me", 20)
    files = list((kit_text.engine.cache_dir() / "text").glob("*.npz"))
    assert files
    for f in files:
        f.write_bytes(b"not an npz")
    kit_text._OUTLINES.clear()
    assert len(kit.text_outlines("cache me", 20)) == len("cacheme")


# -- updaters -----------------------------------------------------------------------------------------
def updates_construct(scene: Scene, log: list[tuple[str, float | None]]) -> None:
    parent, child, frozen = Dot(), Dot(), Dot()
    parent.add(child)
    parent.add_updater(lambda m: log.append(("parent", None)))
    child.add_updater(lambda m, dt: log.append(("child", round(dt, 9))))
    frozen.add_updater(lambda m: log.append(("frozen", None)))
    frozen.suspend_updating()
    scene.add(parent, frozen)
    scene.play(parent.animate.shift(RIGHT), run_time=0.3)
    scene.wait(0.3)


class Updates(kit.DescentScene):
    log: list[tuple[str, float | None]] = []

    def construct(self) -> None:
        updates_construct(self, self.log)


class ManimUpdates(Scene):
    log: list[tuple[str, float | None]] = []

    def construct(self) -> None:
        updates_construct(self, self.log)


def test_updaters_run_as_manims_own_update_runs_them(tmp_path: Path) -> None:
    for cls in (Updates, ManimUpdates):
        cls.log = []
        with tempconfig(settings(tmp_path, write_to_movie=False)):
            cls().render()
    assert Updates.log == ManimUpdates.log  # same calls, same order, same dt
    names = [n for n, _ in Updates.log]
    assert "frozen" not in names and names.count("child") >= 3
    assert any(dt == pytest.approx(0.1) for n, dt in Updates.log if n == "child")


# -- tracks -------------------------------------------------------------------------------------------
def test_a_diverging_runs_arrow_keeps_its_direction_at_the_longest_length() -> None:
    """A gradient of 1e200 (or inf) overflows a plain norm: the arrow would vanish."""
    theme = kit.THEMES["dark"]
    area = kit.plot_area((-1.0, 1.0), (-1.0, 1.0), width=4.0, height=4.0, theme=theme)
    path = np.array([[0.0, 0.0], [0.1, 0.1], [0.2, 0.2]])
    grads = np.array([[1e200, -1e200], [np.inf, 0.0], [0.3, 0.4]])
    clock = kit.StepClock(2)
    track = kit.Track(path, area, clock, color="#E69F00", theme=theme, arrows={"gradient": grads})
    longest = track.arrow_range[1]
    with np.errstate(all="raise"):  # no overflow on the way
        huge, infinite, plain = (track._vector("gradient", s) for s in (0, 1, 2))
    assert np.allclose(huge, longest * np.array([1, -1, 0]) / np.sqrt(2))
    assert np.allclose(infinite, [longest, 0, 0])
    scale = area.to_scene(np.array([1.0, 0.0]))[0] - area.to_scene(np.zeros(2))[0]
    assert np.isclose(np.linalg.norm(plain), np.clip(0.5 * scale, *track.arrow_range))
