"""Encode a scene's frames in a separate ``ffmpeg`` process, straight into the final MP4.

Manim's own writer encodes with PyAV on a thread of the render process. On two cores
that thread and the frame loop (Python, holding the GIL) take turns: each hand-over of
the GIL waits for the interpreter's switch interval, so rendering and encoding run one
after the other rather than side by side (measured here at 1080p60: frames alone 6.3 s,
encoding alone 4.7 s, both through Manim 10.2 s). :class:`PipeFileWriter` sends the raw
RGBA frames through a pipe to an ``ffmpeg`` process instead (imageio-ffmpeg's binary,
libx264), so colour conversion and encoding run beside the frame loop with no GIL
between them. It writes one continuous stream for the whole scene, with ``+faststart``,
so there are no partial movie files to concatenate and nothing to remux afterwards.

The ffmpeg process writes to the path Manim planned for the movie; the pipeline moves
the file into place atomically, so a killed render leaves nothing under a final name.

Examples
--------
>>> from manim import tempconfig  # doctest: +SKIP
>>> from manim.renderer.cairo_renderer import CairoRenderer  # doctest: +SKIP
>>> with tempconfig({"format": "mp4"}):  # doctest: +SKIP
...     scene = MyScene(renderer=CairoRenderer(file_writer_class=PipeFileWriter))
...     scene.render()
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import subprocess
import tempfile
import threading
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import numpy as np
from manim.scene.scene_file_writer import SceneFileWriter

from descent.renders.presets import X264_SMALL, keyframe_interval

__all__ = ["PipeFileWriter", "ffmpeg_command", "H264_OPTIONS"]

#: default libx264 settings (the quality presets choose theirs: ``descent.renders.presets``)
H264_OPTIONS = dict(X264_SMALL)
#: RGBA → yuv420p halves the chroma planes: a box average ("area") is the right filter
#: for 2:1 and cost ~25 % less than ffmpeg's default bicubic here
SWS_FLAGS = "area"
_F_SETPIPE_SZ = 1031  # Linux: grow the pipe so a frame crosses in fewer wake-ups
_QUEUE_FRAMES = 4  # frames the render loop may run ahead of the pipe
_RING_FRAMES = _QUEUE_FRAMES + 3  # arrays frames are drawn into (PipeFileWriter.attach)


def ffmpeg_command(
    target: Path,
    *,
    width: int,
    height: int,
    fps: float,
    options: dict[str, str] | None = None,
) -> list[str]:
    """The ffmpeg command line that reads raw RGBA frames on stdin into an H.264 MP4.

    Examples
    --------
    >>> cmd = ffmpeg_command(Path("out.mp4"), width=854, height=480, fps=15)
    >>> cmd[cmd.index("-s") + 1], cmd[cmd.index("-r") + 1], cmd[-1]
    ('854x480', '15', 'out.mp4')
    """
    import imageio_ffmpeg

    rate = Fraction(fps).limit_denominator(1001)
    opts = {**H264_OPTIONS, "g": str(keyframe_interval(float(rate))), **(options or {})}
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}", "-r", str(rate)]
    cmd += ["-i", "pipe:0", "-an", "-sws_flags", SWS_FLAGS, "-c:v", "libx264"]
    for key, value in opts.items():
        cmd += [f"-{key}", str(value)]
    cmd += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", str(target)]
    return cmd


class PipeFileWriter(SceneFileWriter):
    """A :class:`~manim.scene.scene_file_writer.SceneFileWriter` that pipes to ``ffmpeg``.

    One ffmpeg process per scene, started at the first animation and closed by
    :meth:`finish`. Frames go through a small queue to a writer thread (a pipe write
    releases the GIL), so the render loop keeps drawing while ffmpeg reads. Only for
    MP4 output; subcaptions (``.srt``) are written as Manim writes them.
    """

    #: extra libx264 options (class attribute so a subclass can change them)
    options: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._proc: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[tuple[int, np.ndarray | None]] = queue.Queue(_QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._log: IO[bytes] | None = None

    # -- the ffmpeg process ------------------------------------------------------------------
    def _start(self) -> None:
        spec = self.video_encoder
        if spec is None or not self.output_spec.is_video:
            raise RuntimeError("PipeFileWriter needs video output")
        target = self.movie_file_path
        target.parent.mkdir(parents=True, exist_ok=True)
        cmd = ffmpeg_command(
            target,
            width=spec.width,
            height=spec.height,
            fps=spec.frame_rate,
            options=self.options,
        )
        # ffmpeg's messages go to a file, not a pipe: a chatty ffmpeg can never block on a
        # full stderr pipe while this side blocks on its stdin
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _read_log()
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log
        )
        assert self._proc.stdin is not None
        # older kernels or a lower pipe-max-size: the default pipe still works
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._proc.stdin.fileno(), _F_SETPIPE_SZ, 1 << 20)
        self._thread = threading.Thread(target=self._pump, name="ffmpeg-pipe", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        stdin = self._proc.stdin
        fd = stdin.fileno()
        while True:
            repeat, frame = self._frames.get()
            if frame is None:
                break
            if self._error is not None:
                continue  # keep draining so the render loop never blocks on a dead pipe
            try:
                data = memoryview(frame).cast("B")
                for _ in range(repeat):
                    # os.write: one system call per frame with the GIL released throughout
                    # (a buffered write takes the GIL back between pipe-sized chunks, and
                    # waits for the frame loop each time)
                    sent = 0
                    while sent < len(data):
                        sent += os.write(fd, data[sent:])
            except BaseException as exc:  # noqa: BLE001 - reported by finish()
                self._error = exc
        try:
            stdin.close()
        except OSError as exc:
            self._error = self._error or exc

    def _read_log(self) -> str:
        """ffmpeg's messages (and close the file holding them)."""
        log, self._log = self._log, None
        if log is None:
            return ""
        with log:
            log.seek(0)
            return log.read().decode(errors="replace")

    def _stop(self) -> None:
        if self._thread is not None:
            self._frames.put((0, None))
            self._thread.join()
            self._thread = None

    # -- frames by reference -----------------------------------------------------------------
    def attach(self, renderer: Any) -> None:
        """Take ``renderer``'s frames by reference instead of as copies.

        Manim's ``CairoRenderer.render`` copies the camera's pixel array for every frame
        (8 MB at 1080p, ~1.5 ms) so that the next frame can be drawn over it. Here the array
        itself goes to the pipe, and the next time anything is drawn (a frame, or the static
        background Manim redraws at a new ``play``) the camera first moves to the next array
        of a ring. The ring is longer than the frames that can be in flight (the queue and
        the one being written), so an array is drawn over only after ffmpeg has it. Every
        drawing starts from the background (``update_frame`` resets the whole array), and
        frames Manim keeps (the static background, a frozen frame, the last frame for a
        PNG) are copies of the array the camera holds, as Manim makes them.
        """
        ring: list[np.ndarray] = []
        turn = 0
        in_flight = False  # the array the camera holds went to the pipe
        update_frame = renderer.update_frame

        def draw(*args: Any, **kwargs: Any) -> None:
            nonlocal turn, in_flight
            if in_flight:
                camera = renderer.camera
                if len(ring) < _RING_FRAMES:
                    ring.append(np.empty_like(camera.pixel_array))
                camera.pixel_array = ring[turn % len(ring)]
                turn += 1
                in_flight = False
            update_frame(*args, **kwargs)

        def render(scene: Any, time: float, moving_mobjects: Any = None) -> None:
            nonlocal in_flight
            draw(scene, moving_mobjects)
            renderer.add_frame(renderer.camera.pixel_array)
            in_flight = True

        renderer.update_frame = draw
        renderer.render = render

    # -- SceneFileWriter interface -------------------------------------------------------------
    def open_partial_movie_stream(self, **_: Any) -> None:
        if self._proc is None:
            self._start()

    def close_partial_movie_stream(self) -> None:
        """One stream for the whole scene: nothing to close between animations."""

    def is_already_cached(self, hash_invocation: str) -> bool:
        return False

    def write_frame(self, pixels: np.ndarray, *, repeat: int = 1) -> None:
        if self._proc is None:
            return  # frames outside an animation do not belong to the file (as in Manim)
        if self._error is not None:
            self.finish()  # raises with ffmpeg's own message
        # a fresh array (Manim's get_frame copies) or one of attach()'s ring: no copy needed
        self._frames.put((repeat, np.ascontiguousarray(pixels)))

    def finish(self) -> None:
        """Close the pipe, wait for ffmpeg, and report its error if it failed."""
        proc = self._proc
        if proc is None:
            return
        self._stop()
        code = proc.wait()
        stderr = self._read_log()
        self._proc = None
        if code != 0 or self._error is not None:
            self.movie_file_path.unlink(missing_ok=True)
            lines = [ln for ln in stderr.splitlines() if ln.strip()]
            reason = lines[-1] if lines else repr(self._error or f"exit code {code}")
            raise RuntimeError(f"ffmpeg failed encoding {self.movie_file_path.name}: {reason}")
        self.print_file_ready_message(self.movie_file_path)
        if self.subcaptions:
            self.write_subcaption_file()

    def join_all_encode_jobs(self) -> None:
        """Nothing runs in the background between animations."""

    def abort_encode_jobs(self, reraise_encoder_failures: bool = False) -> None:
        """Stop ffmpeg and remove the incomplete file (called when a render fails)."""
        proc = self._proc
        if proc is None:
            return
        proc.kill()
        self._stop()
        proc.wait()
        self._read_log()
        self._proc = None
        self.movie_file_path.unlink(missing_ok=True)
