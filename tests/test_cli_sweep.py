"""``[sweep]`` specs through the ``descent`` command: bad grids are one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DESCENT = str(Path(sys.executable).with_name("descent"))
HEAD = '[landscape]\nname = "ellipse"\n[run]\nsteps = 10\n[[optimizer]]\nname = "SGD"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + "[sweep]\nlr = [0.1]\nmomentm = [0.5]\n", "SGD has no argument 'momentm'"),
        (HEAD + "[sweep]\nlr = []\n", "sweep.lr: must be a list of 1..8 values"),
        (HEAD + "[sweep]\nlr = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]\n", "1..8"),
        (HEAD + "[sweep]\nlr = [0.1, -1.0]\n", "invalid argument 'lr'=-1"),
        (HEAD + "[sweep]\nlr = [0.1]\nmomentum = [0.5]\ndampening = [0.0]\n", "one or two"),
        (
            HEAD + '[[optimizer]]\nname = "Adam"\n[sweep]\nlr = [0.1]\n',
            "a [sweep] varies one [[optimizer]]",
        ),
    ],
)
def test_bad_sweep_spec(text: str, expected: str, tmp_path: Path) -> None:
    spec = tmp_path / "grid.toml"
    spec.write_text(text)
    out = subprocess.run(
        [DESCENT, "render", str(spec)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 2, out.stderr
    assert expected in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "media").exists()
