"""The command's own voice (issue #20): ``--version``, ``python -m descent``, ``-q``/``-v``,
and a progress bar with frames and time left when stderr is a terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

BIN = Path(sys.executable).parent
SPEC = """title = "bowl"
[landscape]
name = "bowl"
[run]
start = [8.0, 6.0]
steps = 20
run_time = 1.5
[[optimizer]]
name = "SGD"
lr = 0.1
"""


def _descent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "descent"), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_version_and_python_m_descent(tmp_path: Path) -> None:
    version = metadata.version("manim-descent")
    assert _descent("--version", cwd=tmp_path).stdout.strip() == f"descent {version}"
    module = subprocess.run(
        [sys.executable, "-m", "descent", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert module.returncode == 0 and module.stdout.strip() == f"descent {version}"
    bad = subprocess.run(
        [sys.executable, "-m", "descent", "render", "NoSuchScene"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1  # one line, as the command


def test_quiet_and_verbose(tmp_path: Path) -> None:
    (tmp_path / "bowl.toml").write_text(SPEC)
    args = ("render", "bowl.toml", "--quality", "preview", "--format", "png")
    loud = _descent(*args, "-v", cwd=tmp_path)
    assert loud.returncode == 0, loud.stderr
    states = [line for line in loud.stderr.splitlines() if line.startswith("bowl: ")]
    assert "bowl: rendering png" in states and states[-1] == "bowl: done"
    assert "bowl.png" in loud.stdout  # the summary
    quiet = _descent("-q", *args, "--force", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    failed = _descent("-q", "render", "missing.toml", cwd=tmp_path)
    assert failed.returncode == 2 and failed.stderr  # errors still speak


def _on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run with stderr on a pseudo-terminal (as a user's shell); what it drew, escapes out."""
    main, child = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(600)
    os.close(main)
    text = b"".join(chunks).decode(errors="replace")
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text)


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "bowl.toml").write_text(SPEC)
    args = [str(BIN / "descent"), "render", "bowl.toml", "--quality", "preview", "--force"]
    _on_a_terminal(args, tmp_path)  # the first render records its frame count
    drawn = _on_a_terminal(args, tmp_path)
    frames = [tuple(map(int, m)) for m in re.findall(r"(\d+)/(\d+) frames", drawn)]
    assert frames, drawn
    total = frames[-1][1]
    assert all(t == total for _, t in frames)  # the last render's count: exact
    assert frames[-1][0] <= total and re.search(r"\d:\d\d:\d\d left", drawn)
    from descent.renders.media import probe

    assert total == probe(tmp_path / "media" / "bowl.mp4").frames
