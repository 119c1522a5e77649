"""The ``descent`` command end to end, through the real console script in temporary folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from descent.renders.media import probe

DESCENT = str(Path(sys.executable).with_name("descent"))
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def descent(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DESCENT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# -- list ----------------------------------------------------------------------------------------
def test_list(tmp_path: Path) -> None:
    out = descent("list", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "SaddlePoint" in out.stdout and "momentum 0.9 passes it" in out.stdout
    assert "rosenbrock" in out.stdout and "Adam" in out.stdout and "RMSprop" in out.stdout
    assert not (tmp_path / "media").exists()


# -- render to every format ----------------------------------------------------------------------
#: one scene to every format; the cache test renders the same again
RENDER_ALL = (
    "render",
    "LearningRates",
    "--format",
    "mp4,gif,webm,png",
    "--quality",
    "preview",
    "--run-time",
    "7",  # imposed: the video's length, holds shrunk into it
)


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("render")
    out = descent(
        *RENDER_ALL,
        cwd=work,
    )
    return work, out


def test_render_every_format_decodes(
    rendered: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, out = rendered
    assert out.returncode == 0, out.stderr
    media = work / "media"
    mp4 = probe(media / "LearningRates.mp4")
    assert (mp4.width, mp4.height, mp4.fps, mp4.codec, mp4.pix_fmt) == (
        426,
        240,
        10.0,
        "h264",
        "yuv420p",
    )
    assert mp4.frames == 70  # the imposed run time, 7 s (its end hold included), at 10 fps
    data = (media / "LearningRates.mp4").read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart
    webm = probe(media / "LearningRates.webm")
    assert (webm.codec, webm.width, webm.height, webm.frames) == ("vp9", 426, 240, 70)
    gif = probe(media / "LearningRates.gif")
    assert gif.loop == 0 and gif.frames > 1 and 100 % round(gif.fps) == 0
    assert gif.width == 426  # never scaled up
    png = probe(media / "LearningRates.png")
    assert (png.width, png.height) == (426, 240)
    assert not [n for n in files(media) if n.startswith(".descent-tmp")]


def test_unchanged_render_is_a_cache_hit_and_force_rerenders(
    rendered: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, first = rendered
    assert first.returncode == 0
    mp4 = work / "media" / "LearningRates.mp4"
    before = mp4.stat().st_mtime_ns
    again = descent(
        *RENDER_ALL,
        cwd=work,
    )
    assert again.returncode == 0 and "cached" in again.stdout and "rendered" not in again.stdout
    assert mp4.stat().st_mtime_ns == before
    other = descent(
        "render", "LearningRates", "--format", "mp4", "--quality", "low", "--fps", "5", cwd=work
    )
    assert "rendered" in other.stdout  # different quality: a different content hash
    forced = descent(*RENDER_ALL, "--force", cwd=work)  # the same job: cached but for --force
    assert forced.returncode == 0 and "rendered" in forced.stdout
    assert mp4.stat().st_mtime_ns != before


def test_theme_light_and_transparent(tmp_path: Path) -> None:
    out = descent(
        "render",
        "SaddlePoint",
        "--format",
        "webm,png",
        "--quality",
        "preview",
        "--theme",
        "transparent",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    webm = probe(tmp_path / "media" / "SaddlePoint.webm")
    assert webm.codec in ("vp9", "libvpx-vp9") and webm.frames > 10
    import av

    with av.open(str(tmp_path / "media" / "SaddlePoint.webm")) as container:
        assert (
            container.streams.video[0].metadata.get("alpha_mode") == "1"
        )  # VP9 with an alpha plane
    from PIL import Image

    png = Image.open(tmp_path / "media" / "SaddlePoint.png")
    assert png.mode == "RGBA" and png.getextrema()[3][0] == 0  # a transparent background
    light = descent(
        "render",
        "SaddlePoint",
        "--format",
        "png",
        "--quality",
        "preview",
        "--theme",
        "light",
        "--out",
        "light",
        cwd=tmp_path,
    )
    assert light.returncode == 0, light.stderr
    corner = Image.open(tmp_path / "light" / "SaddlePoint.png").convert("RGB").getpixel((2, 2))
    assert corner == (255, 255, 255)


def test_gif_budget_shrinks_until_it_fits(tmp_path: Path) -> None:
    free = descent(
        "render",
        "SaddlePoint",
        "--format",
        "gif",
        "--quality",
        "low",
        "--out",
        "free",
        cwd=tmp_path,
    )
    assert free.returncode == 0, free.stderr
    size = (tmp_path / "free" / "SaddlePoint.gif").stat().st_size
    budget = 0.6 * size / 1e6
    out = descent(
        "render",
        "SaddlePoint",
        "--format",
        "gif",
        "--quality",
        "low",
        "--max-gif-mb",
        f"{budget:.4f}",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    gif = tmp_path / "media" / "SaddlePoint.gif"
    assert gif.stat().st_size <= budget * 1e6
    info = probe(gif)
    assert (info.width < 640 or info.fps < 20) and info.loop == 0 and 100 % round(info.fps) == 0


@pytest.mark.parametrize("spec", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_specs_render(spec: Path, tmp_path: Path) -> None:
    out = descent("render", str(spec), "--format", "png", "--quality", "preview", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    png = probe(tmp_path / "media" / f"{spec.stem}.png")
    assert (png.width, png.height) == (426, 240)


def test_preview_writes_storyboard_and_small_gif(tmp_path: Path) -> None:
    out = descent("preview", "SaddlePoint", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    board = probe(tmp_path / "media" / "SaddlePoint.preview.storyboard.png")
    assert board.width > 3 * 426
    gif = probe(tmp_path / "media" / "SaddlePoint.preview.gif")
    assert gif.width == 426 and gif.frames > 1 and gif.loop == 0


def test_trajectory_export(tmp_path: Path) -> None:
    out = descent(
        "trajectory",
        "bowl",
        "--optimizer",
        "SGD",
        "--lr",
        "0.1",
        "--start",
        "10,10",
        "--steps",
        "20",
        "--csv",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("particle,step,lr,loss,x,y") and len(lines) == 22
    assert lines[1].split(",")[3] == "201.0"
    js = descent(
        "trajectory",
        "quartic",
        "--lr",
        "0.001",
        "--momentum",
        "0.9",
        "--start",
        "6",
        "--json",
        cwd=tmp_path,
    )
    data = json.loads(js.stdout)
    assert data["optimizer"]["kwargs"] == {"lr": 0.001, "momentum": 0.9}
    assert abs(data["arrays"]["params"][-1][0] + 2) < 0.1
    npz = descent(
        "trajectory",
        "rosenbrock",
        "--optimizer",
        "Adam",
        "--opt",
        "amsgrad=true",
        "--lr",
        "0.1",
        "--npz",
        "-o",
        "r.npz",
        cwd=tmp_path,
    )
    assert npz.returncode == 0 and (tmp_path / "r.npz").is_file()


# -- bad input: exit 2, one line, nothing written ------------------------------------------------
BAD_SPECS = {
    "unknown_top_key.toml": (
        'titel = "x"\n[landscape]\nname = "bowl"\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "unknown key",
    ),
    "unknown_run_key.toml": (
        '[landscape]\nname = "bowl"\n[run]\nstepz = 3\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "run.stepz",
    ),
    "bad_toml.toml": ('[landscape\nname = "bowl"\n', "not valid TOML"),
    "name_outside_whitelist.toml": (
        '[landscape]\nformula = "x**2 + os"\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "the name 'os' is not allowed",
    ),
    "attribute.toml": (
        '[landscape]\nformula = "().__class__"\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "is not allowed",
    ),
    "import.toml": (
        "[landscape]\nformula = \"__import__('os').system('touch PWNED')\"\n[[optimizer]]\nname = \"SGD\"\nlr = 0.1\n",
        "attribute access",
    ),
    "bad_lr.toml": (
        '[landscape]\nname = "bowl"\n[[optimizer]]\nname = "SGD"\nlr = -1.0\n',
        "invalid argument 'lr'",
    ),
    "bad_optimizer.toml": (
        '[landscape]\nname = "bowl"\n[[optimizer]]\nname = "Adma"\nlr = 0.1\n',
        "did you mean 'Adam'",
    ),
    "steps_range.toml": (
        '[landscape]\nname = "bowl"\n[run]\nsteps = 0\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "run.steps: must be an integer in 1..5000",
    ),
    "huge_steps.toml": (
        '[landscape]\nname = "bowl"\n[run]\nsteps = 1000000000\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "run.steps",
    ),
    "wrong_start.toml": (
        '[landscape]\nname = "bowl"\n[run]\nstart = [1, 2, 3]\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "run.start",
    ),
    "bad_view.toml": (
        '[landscape]\nname = "bowl"\nview = [[1, 0], [0, 1]]\n[[optimizer]]\nname = "SGD"\nlr = 0.1\n',
        "landscape.view",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_bad_spec_exits_2_and_writes_nothing(name: str, tmp_path: Path) -> None:
    text, expected = BAD_SPECS[name]
    spec = tmp_path / name
    spec.write_text(text)
    out = descent("render", str(spec), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("descent: error: ")
    assert expected in out.stderr and name in out.stderr  # says what and where
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "media").exists() and not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["render", "LerningRates"], "did you mean 'LearningRates'"),
        (["render", "LearningRates", "--quality", "ultra"], "unknown quality 'ultra'"),
        (["render", "LearningRates", "--format", "avi"], "unknown format 'avi'"),
        (["render", "LearningRates", "--fps", "0"], "must be a positive number"),
        (["render", "LearningRates", "--fps", "abc"], "not a number"),
        (["render", "LearningRates", "--fps", "500"], "fps must be between 1 and 120"),
        (["render", "LearningRates", "--theme", "neon"], "unknown theme 'neon'"),
        (
            ["render", "LearningRates", "--theme", "transparent", "--format", "mp4"],
            "cannot carry transparency",
        ),
        (["render", "missing.toml"], "no such file"),
        (["render"], "needs SCENE names"),
        (["render", "LearningRates", "--gif-width", "-3"], "must be ≥ 1"),
        (["frobnicate"], "invalid choice"),
        (["trajectory", "bowl", "--optimizer", "SGD", "--lr", "-1"], "SGD: invalid argument 'lr'"),
        (["trajectory", "bowl", "--optimizer", "Adma"], "did you mean 'Adam'"),
        (["trajectory", "bowel", "--lr", "0.1"], "did you mean 'bowl'"),
        (["trajectory", "bowl", "--lr", "0.1", "--start", "1,2,3"], "does not match 'bowl'"),
        (["trajectory", "bowl", "--lr", "0.1", "--start", "nan,1"], "start must be finite"),
    ],
)
def test_bad_command_line_exits_2_with_one_line(
    args: list[str], expected: str, tmp_path: Path
) -> None:
    out = descent(*args, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert expected in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "media").exists()


def test_unreadable_spec_is_a_clean_error(tmp_path: Path) -> None:
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    out = descent("render", str(folder), cwd=tmp_path)
    assert out.returncode == 2 and "cannot read" in out.stderr and out.stderr.count("\n") == 1


# -- interrupted renders ---------------------------------------------------------------------------
def test_killed_render_leaves_previous_file_intact(tmp_path: Path) -> None:
    first = descent("render", "SaddlePoint", "--quality", "preview", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    media = tmp_path / "media"
    good = (media / "SaddlePoint.mp4").read_bytes()
    proc = subprocess.Popen(
        [DESCENT, "render", "SaddlePoint", "--quality", "preview", "--force"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(media.glob(".descent-tmp-*")):
        time.sleep(0.05)
    time.sleep(1.0)  # mid-render
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (media / "SaddlePoint.mp4").read_bytes() == good
    assert list(media.glob(".descent-tmp-*")), "the killed run was caught mid-way"
    after = descent("render", "SaddlePoint", "--quality", "preview", cwd=tmp_path)
    assert after.returncode == 0
    assert not list(media.glob(".descent-tmp-*"))  # the next run removes the litter
    assert (media / "SaddlePoint.mp4").read_bytes() == good
