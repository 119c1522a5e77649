"""Caches never serve a stale result (issue #20): the render cache's key covers what a
render reads (the package as a whole, data files the scene opened, a notebook class's
globals by value), and a job that cannot be fingerprinted is never cached."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from descent.engine.landscapes import _source_of
from descent.renders.api import targets_for
from descent.renders.pipeline import ROOT, package_files, run_job
from descent.renders.scenefile import load_module

SCENE = """from pathlib import Path

import numpy as np
import torch

from descent import engine
from descent.engine import OptimizerSpec
from descent.scenes.kit import SurfaceScene

HERE = Path(__file__).resolve().parent


class FromPoints(SurfaceScene):
    title = "bowl centred on points.csv"
    optimizers = (OptimizerSpec("SGD", lr=0.2),)
    start = (2.5, 2.5)
    steps = 8
    run_time = 0.5
    end_wait = 0.1
    show_panel = False

    @classmethod
    def get_landscape(cls):
        centre = torch.tensor(np.loadtxt(HERE / "points.csv", delimiter=","), dtype=torch.float32)

        def bowl(x):
            return ((x - centre) ** 2).sum(-1)

        return engine.Landscape(
            name="points", dim=2, fn=bowl, formula="|x - c|²", latex="", view=((-3, 3), (-3, 3)),
            default_start=(2.5, 2.5), axis_labels=("x", "y"),
        )
"""


def _run(target: object, out: Path) -> tuple[str, bytes]:
    [job] = targets_for([target], quality="preview", formats=("png",), out=out)
    result = run_job(job)
    assert result.status != "failed", result.error
    return result.status, (out / f"{job.name}.png").read_bytes()


def test_data_file_next_to_a_scene_file_joins_the_key(tmp_path: Path) -> None:
    (tmp_path / "scene.py").write_text(SCENE)
    csv = tmp_path / "points.csv"
    csv.write_text("-2,-2\n")
    target, out = f"{tmp_path / 'scene.py'}:FromPoints", tmp_path / "media"
    status, first = _run(target, out)
    assert status == "rendered"
    assert _run(target, out) == ("cached", first)  # nothing changed: cached
    csv.write_text("2,-1\n")  # the user edits the data
    status, second = _run(target, out)
    assert status == "rendered" and second != first
    assert _run(target, out) == ("cached", second)


def _notebook_class(namespace: dict[str, object]) -> type:
    """A scene class as a notebook cell defines it: in ``__main__``, no file behind it."""
    code = """
from manim import Dot, Scene

X = 0.0


class Spot(Scene):
    def construct(self):
        self.add(Dot([X, 0.0, 0.0], radius=0.5))
"""
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - the test's own cell
    return namespace["Spot"]  # type: ignore[return-value]


def test_module_level_variable_read_by_a_method_joins_the_key(tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    spot = _notebook_class(namespace)
    out = tmp_path / "media"
    status, first = _run(spot, out)
    assert status == "rendered"
    assert _run(spot, out) == ("cached", first)
    namespace["X"] = 3.0  # the next cell changes the variable
    status, second = _run(spot, out)
    assert status == "rendered" and second != first
    assert _run(spot, out) == ("cached", second)


def test_what_cannot_be_fingerprinted_is_said_once_and_never_cached(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    spot = _notebook_class(namespace)
    namespace["LOCK"] = threading.Lock()  # cloudpickle cannot pickle a lock
    code = "def construct(self):\n    with LOCK:\n        self.add(Dot([X, 0.0, 0.0]))\n"
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102
    spot.construct = namespace["construct"]  # type: ignore[attr-defined]
    out = tmp_path / "media"
    assert _run(spot, out)[0] == "rendered"
    assert _run(spot, out)[0] == "rendered"  # never cached
    err = capfd.readouterr().err
    assert err.count("cannot fingerprint") == 1


def test_render_key_covers_the_package_as_a_whole() -> None:
    files = set(package_files())
    for folder in ("engine", "scenes", "renders"):
        every = {p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}
        assert every <= files
    [job] = targets_for(["SaddlePoint"], out="media")
    assert files <= set(job.sources())


def test_engine_fingerprint_reads_globals_and_defaults(tmp_path: Path) -> None:
    """A landscape's trajectory cache key: a module global or a default the loss reads
    changes it (before, only the source text and closure cells did)."""
    (tmp_path / "lossmod.py").write_text(
        "C = 1.0\n\n\ndef f(x, k=2.0):\n    return (x - C) ** 2 * k\n"
    )
    module = load_module(tmp_path / "lossmod.py")
    before = _source_of(module.f)
    assert before is not None
    module.C = 2.0
    moved = _source_of(module.f)
    assert moved not in (before, None)
    module.f.__defaults__ = (3.0,)
    assert _source_of(module.f) not in (before, moved, None)
    module.C = threading.Lock()  # cannot be hashed by content: no fingerprint, no cache
    assert _source_of(module.f) is None


NET = """import torch

SHIFT = 0.0


class Net(torch.nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
        self.scale = scale

    def forward(self, x):
        return self.lin(x) * self.scale + SHIFT
"""


def test_network_landscape_fingerprint_covers_plain_attributes_and_globals(tmp_path: Path) -> None:
    """A network landscape's data, by content: ``repr(module)`` leaves out ``self.scale``,
    and the forward's module globals are part of what the network computes."""
    import numpy as np
    import torch

    from descent import engine

    (tmp_path / "netmod.py").write_text(NET)
    mod = load_module(tmp_path / "netmod.py")
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)

    def fingerprint(scale: float) -> str | None:
        torch.manual_seed(0)
        return engine.network_landscape(mod.Net(scale), x, y, loss="cross_entropy").fingerprint

    one = fingerprint(1.0)
    assert one is not None and fingerprint(1.0) == one
    assert fingerprint(5.0) != one  # a plain attribute
    mod.SHIFT = 0.5
    assert fingerprint(1.0) not in (one, None)  # a global the forward reads
