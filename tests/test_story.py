"""The story follows the runs: beats at events, narration from the runs, pacing, length."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

from descent import engine
from descent.engine import OptimizerSpec
from descent.renders.media import probe
from descent.scenes import get_scene
from descent.scenes.kit import SurfaceScene
from descent.scenes.kit.clock import pace
from descent.scenes.kit.story import number
from descent.scenes.kit.theme import (
    PLAIN_COLORS,
    color_name,
    get_theme,
    palette_for,
    shade_of_low,
)

DESCENT = str(Path(sys.executable).with_name("descent"))
NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[−-]?\d+)?")


def scaled(spec: OptimizerSpec, factor: float) -> OptimizerSpec:
    kw = dict(spec.kwargs)
    kw["lr"] = round(kw["lr"] * factor, 6)
    label = f"lr = {number(kw['lr'])}" if spec.label.startswith("lr =") else spec.label
    return OptimizerSpec(spec.name, label=label, **kw)


#: a variant of each built-in scene with its story computed from the runs: changed learning
#: rates, steps and landscape parameters (where the landscape has any)
VARIANTS = {
    "MomentumOvershoot": {"landscape_params": {"condition": 20.0}, "steps": 40, "lr": 0.8},
    "NesterovCorrection": {"landscape_params": {"condition": 15.0}, "steps": 50, "lr": 0.9},
    "SaddlePoint": {"steps": 60, "lr": 1.5},
    "SaddleEscape": {"steps": 80, "lr": 1.2},
    "LocalMinimum": {"steps": 80, "lr": 1.2},
    "LearningRates": {"steps": 15, "lr": 0.9},
    "AdaptiveSteps": {"landscape_params": {"condition": 30.0}, "steps": 30, "lr": 0.7},
    "OptimizerRace": {"steps": 60, "lr": 0.5},
    "SteepOptima": {"steps": 60, "lr": 2.0},
    "FitLine": {"steps": 150, "lr": 2.0},
    "NoiseEscape": {"steps": 200, "grad_noise": 150.0},
    "CurveFit": {"steps": 120, "lr": 1.5},
    "Sweep": {
        "steps": 40,
        "landscape_params": {"condition": 8.0},
        "grid": {"lr": [0.05, 0.2, 0.3], "momentum": [0.0, 0.5, 0.9]},
    },
    "Surface3D": {"steps": 50, "lr": 1.5},
    "LossFunctions": {"steps": 60, "lr": 0.7},
    "LossFunctionsMomentum": {"steps": 70, "lr": 0.8},
    "LossFunctionsNesterov": {"steps": 50, "lr": 1.2},
    "LossFunctionsWeightDecay": {"steps": 40, "lr": 0.9},
    "LossFunctionsDampening": {"steps": 90, "lr": 0.6},
}


def variant(name: str) -> type:
    base = get_scene(name)
    change = dict(VARIANTS[name])
    factor = change.pop("lr", None)
    attrs = dict(change)
    if factor is not None:
        attrs["optimizers"] = tuple(scaled(s, factor) for s in base.optimizers)
        if isinstance(getattr(base, "optimizer", None), OptimizerSpec):
            attrs["optimizer"] = scaled(base.optimizer, factor)
        if getattr(base, "runs", ()):
            attrs["runs"] = tuple((scaled(s, factor), at) for s, at in base.runs)
    if name == "NoiseEscape":
        [spec] = base.optimizers
        attrs["optimizers"] = (
            OptimizerSpec(
                "SGD", lr=0.004, scheduler=spec.scheduler, scheduler_kwargs={"T_max": 200}
            ),
        )
    return type(f"{name}Variant", (base,), attrs)


def allowed_numbers(cls: type, texts: list[str]) -> set[str]:
    """Every number the class's attributes, specs and landscape state, as narration writes it."""
    land = cls.get_landscape()
    found: set[float] = {
        float(cls.steps),
        float(cls.grad_noise),
        float(getattr(cls, "particles", 0)),
        float(getattr(cls, "spread", 0)),  # NoiseEscape: the swarm's spread about its start
        float(len(cls.specs())),
    }
    for spec in cls.specs():
        for v in spec.kwargs.values():
            if isinstance(v, int | float):
                found.add(float(v))
        for v in spec.scheduler_kwargs.values():
            found.add(float(v))
    found.update(float(v) for v in (cls.start if cls.start is not None else land.default_start))
    for _, at in getattr(cls, "runs", ()):  # Surface3D: one start per run
        found.update(float(v) for v in at)
    if getattr(cls, "grid", None):  # a sweep: "within 1/1000 of the start's distance"
        from descent.scenes.kit.sweeps import CONVERGED

        found.add(1 / CONVERGED)
    for values in getattr(cls, "grid", {}).values():  # a sweep: every tile's values
        found.update(float(v) for v in values)
        found.update(float(n) for n in range(1 + int(np.prod([len(v) for v in cls.grid.values()]))))
    found.update(float(v) for v in getattr(cls, "fixed", {}).values())
    if hasattr(cls, "arrival"):  # Surface3D: minima counted, the arrival distance
        found |= {float(len(land.stationary_points)), float(cls.arrival)}
        found.add(float(len(land.points_of_kind("global_min", "local_min"))))
    found.update(float(v) for v in land.params.values() if isinstance(v, int | float))
    for p in land.stationary_points:
        found.update(p.position)
    words = {number(v) for v in found} | {f"{v:g}" for v in found}
    words |= set(NUMBER.findall(land.formula + " " + land.description))
    return {w.replace("-", "−") for w in words}


def check_event(
    traj: engine.Trajectory, e: engine.Event, land: engine.Landscape, path: np.ndarray | None = None
) -> None:
    """The event is what the run's own arrays say at that step (``path``: the points the
    scene draws, where they are not torch's parameters)."""
    p = np.asarray(traj.params if path is None else path, dtype=np.float64)
    t = e.step
    if e.kind in ("overshoot", "swing_back"):
        i = int(e.values["coordinate"])  # of the optimum, or of the minimum the run ends in
        goals = [land.optimum[i]] + [m.position[i] for m in land.points_of_kind("global_min")]
        assert any(
            np.sign(p[t, i] - x) != np.sign(p[t - 1, i] - x) or p[t - 1, i] == x for x in goals
        )
    elif e.kind == "tolerance":  # of the optimum, or (several minima) of one of them
        minima = land.points_of_kind("global_min", "local_min")  # the one the run ends in
        targets = [land.optimum] + [m.position for m in minima]
        assert any(
            (d := np.linalg.norm(p - np.asarray(x), axis=1))[t:].max() <= e.values["tol"]
            and (t == 0 or d[t - 1] > e.values["tol"])
            for x in targets
            if x is not None
        )
    elif e.kind == "target_loss":
        f = np.asarray(traj.loss)
        assert (f[t:] <= e.values["target"]).all() and (
            t == 0 or not f[t - 1] <= e.values["target"]
        )
    elif e.kind in ("overflow", "nan"):
        assert t == traj.diverged_at
    elif e.kind == "stationary_point" and p.shape[1] == 1:
        assert np.sign(p[t, 0] - e.values["point"]) != np.sign(p[0, 0] - e.values["point"])
    elif e.kind == "stationary_point":  # n-D: the closest approach to a saddle
        [at] = [q.position for q in land.stationary_points if q.position[0] == e.values["point"]]
        d = np.linalg.norm(p - np.asarray(at), axis=1)
        assert t == int(np.argmin(d)) and d[-1] > d[t]
        if "distance" in e.values:
            assert e.values["distance"] == pytest.approx(d[t])
    elif e.kind == "basin_exit" and "radius" in e.values:  # out of a saddle's disc for good
        [at] = [q.position for q in land.stationary_points if q.kind == "saddle"]
        d = np.linalg.norm(p - np.asarray(at), axis=1)
        assert (d[t:] > e.values["radius"]).all() and d[t - 1] <= e.values["radius"]
        start = int(e.values["entered"])
        assert d[start] <= e.values["radius"] and (d[:start] > e.values["radius"]).all()
        if "growth" in e.values:
            grown = abs(p[t, 1] / p[start, 1]) ** (1 / (t - start))
            assert e.values["growth"] == pytest.approx(grown)
    elif e.kind == "lead_change":
        assert e.values["loss"] == pytest.approx(float(traj.loss[t]))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_variants_story_agrees_with_its_own_runs(name: str) -> None:
    cls = variant(name)
    beats = cls.beats
    assert beats and (beats[0].step == 0 or name == "NesterovCorrection")  # it explains first
    assert len(beats) >= (1 if name == "NesterovCorrection" else 2), beats  # + an event
    texts = [b.say for b in beats] + [cls.subtitle or ""]
    allowed = allowed_numbers(cls, texts)
    lands: dict[int, engine.Landscape] = {}
    if name == "NoiseEscape":
        noisy, _ = cls.data()
        runs = {}
    elif name == "Sweep":  # a beat's run: the tile, row-major
        land, result = cls.run_sweep()
        runs = {k: result.run(*ix) for k, ix in enumerate(np.ndindex(*result.shape))}
    elif name == "Surface3D":
        land, runs = cls.get_landscape(), dict(enumerate(cls.data()))
    elif name.startswith("LossFunctions"):  # a beat's run: the panel, each its own loss
        panels, trajs = cls.data()
        land, runs, lands = panels[0], dict(enumerate(trajs)), dict(enumerate(panels))
        for panel in panels:  # the optima quoted, and the step lengths compared
            allowed |= {number(v) for v in panel.optimum}
        for t in trajs:
            length = np.linalg.norm(np.diff(np.asarray(t.params, np.float64), axis=0), axis=1)
            allowed |= {number(v) for v in length / length[0]}
            grad = np.linalg.norm(np.asarray(t.grad, np.float64), axis=1)
            allowed |= {number(v) for v in grad / grad[0]}
    else:
        land, trajs = cls.simulate()
        runs = {k: t for k, t in enumerate({t.label: t for t in trajs}.values())}
    for b in beats:
        assert 0 <= b.step < cls.steps, b
        if b.events and b.subject is not None:  # the ring marks the run the beat is about
            assert b.subject in {e.run for e in b.events}, b
        for e in b.events:
            allowed |= {str(e.step)} | {number(v) for v in e.values.values()}
            if name == "NoiseEscape":
                assert e.kind == "basin_exit" and noisy.params[e.run, e.step, 0] < 1.375
            elif name == "NesterovCorrection":
                # told on the points drawn: Nesterov's θ_t of the look-ahead form
                from descent.scenes.kit import lookahead_form

                t = runs[e.run]
                drawn = lookahead_form(t) if t.spec.kwargs.get("nesterov") else None
                check_event(t, e, land, drawn)
            else:
                check_event(runs[e.run], e, lands.get(e.run, land))
        # every "step N" is a step the run has, and an event's step when it names one
        for n in re.findall(r"step (\d+)", b.say):
            assert int(n) <= cls.steps
    # the title names only optimizers this class runs
    known = {"SGD", "Momentum", "Nesterov", "Adam", "Adagrad", "RMSprop", "AdamW", "NAdam"}
    labels = {s.label for s in cls.specs()} | {getattr(cls, "optimizer_name", "")}
    for word in re.findall(r"[A-Z][A-Za-z]+", cls.title):
        assert word not in known or word in labels, f"{name}: {word!r} in {cls.title!r}"
    extra = {str(int(b.step)) for b in beats}
    if name == "NoiseEscape":  # counts and the annealed rate at the cooling beat
        noisy, clean = cls.data()
        out = noisy.params[..., 0] < 1.375
        extra |= {str(int(np.maximum.accumulate(out, 1)[:, t].sum())) for t in range(cls.steps + 1)}
        extra |= {f"{v:.3g}" for v in noisy.lr} | {"0", "1.38"}
    if name == "SaddlePoint":  # where plain SGD ends
        extra |= {f"{float(t.params[-1, 0]):.3g}" for t in cls.simulate()[1]}
    for text in texts:
        for n in NUMBER.findall(text):
            n = n.replace("-", "−")
            assert n in allowed | extra, f"{name}: {n!r} in {text!r} is not in its runs or specs"


def test_the_readme_variant_says_its_own_numbers() -> None:
    base = get_scene("MomentumOvershoot")
    cls = type(
        "Overshoot20",
        (base,),
        {
            "landscape_params": {"condition": 20.0},
            "optimizers": (OptimizerSpec("SGD", lr=0.04), OptimizerSpec("Adam", lr=0.3)),
            "steps": 40,
        },
    )
    text = " ".join(b.say for b in cls.beats) + cls.subtitle
    assert "0.05" not in text and "lr 0.04" in text and "lr 0.3" in text and "20·y²" in text
    assert "momentum's step" not in text  # no momentum run: no momentum arrow to speak of
    # the title says what these runs do: Adam swings back across the floor, SGD does not
    assert cls.title == "Adam overshoots and swings back; SGD does not", cls.title
    assert all(int(n) <= 40 for n in re.findall(r"step (\d+)", text))


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_no_text_names_a_colour_the_theme_does_not_draw(
    theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESCENT_THEME", theme)
    th = get_theme(theme)
    words = [*PLAIN_COLORS, "white", "black", "grey", "gray", "darker", "lighter"]
    names = r"\b(" + "|".join(sorted(words, key=len, reverse=True)) + r")\b"
    for name in ("AdaptiveSteps", "MomentumOvershoot", "LearningRates", "RateMap"):
        cls = get_scene(name)
        drawn = {color_name(c, th) for c in palette_for([s.label for s in cls.specs()], th)}
        drawn |= {color_name(th.text, th), color_name(th.optimizer["vermillion"], th)}
        drawn.add(shade_of_low(th))
        for b in cls.beats:
            for word in re.findall(names, b.say):
                assert word in drawn, f"{name} ({theme}): {word!r} in {b.say!r}"
    assert (
        shade_of_low(get_theme("dark")) == "darker"
        and shade_of_low(get_theme("light")) == "lighter"
    )
    assert "white" in get_scene("AdaptiveSteps").beats[0].say if theme == "dark" else True
    assert "black" in get_scene("AdaptiveSteps").beats[0].say if theme == "light" else True


def test_pace_holds_on_beats_and_fits_a_run_time() -> None:
    alpha = np.linspace(0, 1, 41).__getitem__  # one step, one tick

    def a(s: float) -> float:
        return float(np.interp(s, np.arange(41), np.linspace(0, 1, 41)))

    beats = [(0.0, 5.0), (8.0, 4.0), (23.0, 3.0)]
    legs, squeeze = pace(a, 0.0, 40.0, beats, motion=6.0, fps=30)
    assert squeeze == 1.0
    holds = [(leg.to, leg.frames) for leg in legs if leg.hold]
    assert holds == [(0.0, 150), (8.0, 120), (23.0, 90)]  # on the beat's step, read in full
    assert legs[0].hold and legs[0].beat == 0  # the set-up is narrated on step 0
    # the step before each hold is slowed into: 2 steps take 0.6 s, against 0.3 s when brisk
    before = [legs[i - 1] for i, leg in enumerate(legs) if leg.hold and i]
    assert all(abs(leg.frames - 18) <= 1 for leg in before)  # cumulative rounding
    # a run time: exactly that many frames, holds shrunk, motion kept at ≥ 30 %
    legs, squeeze = pace(a, 0.0, 40.0, beats, motion=6.0, fps=30, total=2.0)
    assert sum(leg.frames for leg in legs) == 60 and squeeze < 0.2
    assert sum(leg.frames for leg in legs if not leg.hold) >= 18 - 1
    del alpha


class Short(SurfaceScene):
    landscape = "ellipse"
    start = (-5.0, 2.0)
    steps = 20
    optimizers = (OptimizerSpec("SGD", lr=0.05), OptimizerSpec("SGD", lr=0.05, momentum=0.9))
    run_time = 2.0
    end_wait = 0.5


def test_a_users_run_time_is_the_videos_length(tmp_path: Path) -> None:
    from descent.renders.api import render

    files = render(Short, quality="preview", formats=("mp4",), out=tmp_path)
    video = probe(files["mp4"])
    assert video.frames == round(2.0 * video.fps), (video.frames, video.fps)  # ±0 frames
    # 2 s cannot hold the narration: it was shortened or dropped, the video not stretched


SPEC = """
title = "Two optimizers on a valley"
[landscape]
name = "ellipse"
params = { condition = 12.0 }
[run]
start = [-4.0, 1.5]
steps = 30
[[optimizer]]
name = "SGD"
lr = 0.05
[[optimizer]]
name = "SGD"
lr = 0.05
momentum = 0.9
label = "Momentum"
"""


@pytest.mark.slow
def test_a_spec_with_two_optimizers_gets_its_events_narrated(tmp_path: Path) -> None:
    (tmp_path / "valley.toml").write_text(SPEC)
    out = subprocess.run(
        [DESCENT, "render", "valley.toml", "--quality", "preview", "--sections", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    srt = next(tmp_path.rglob("*.srt")).read_text()
    from descent.renders.spec_scenes import scene_from_spec

    cls = scene_from_spec(tmp_path / "valley.toml")
    beats = cls.beats
    # the overshoot's beat stands where its depth is on screen (crossed at 2, deepest at 3)
    said = " ".join(srt.split())
    assert len(beats) >= 3
    assert "Momentum overshoots: it crossed the optimum's y = 0 at step 2" in said
    assert "12·y²" in cls.subtitle
    for b in beats:
        assert b.say in " ".join(srt.split())
    # each beat's section (and caption) starts before the clock slows into the beat's
    # step: at most 2 steps before it (the slow-in), never after it
    index = json.loads(next(tmp_path.rglob("*.sections.json")).read_text())
    shown = {s["name"]: s.get("step") for s in index["sections"]}
    for b in beats:
        assert b.step - 2 - 1e-6 <= shown[b.name] <= b.step + 1e-6, b.name


class ShortNesterov(get_scene("NesterovCorrection")):  # type: ignore[misc]
    run_time = 4.0
    steps = 30
    end_wait = 0.5


def test_nesterovs_explained_steps_shrink_into_a_run_time(tmp_path: Path) -> None:
    from descent.renders.api import render

    base = get_scene("NesterovCorrection")
    runs = len(base.optimizers)
    assert base.opening_plan(runs) == (tuple(base.explained_steps), 1.0, base.lookahead_text())
    natural = base.opening_seconds(runs)
    for run_time in (20.0, 8.0, 4.0):
        cls = type("Short", (base,), {"run_time": run_time, "steps": 30})
        with pytest.warns(UserWarning) if natural * 0.4 > 0.5 * (run_time - 1.0) else nullcontext():
            steps, scale, say = cls.opening_plan(runs)
        seconds = cls.opening_seconds(runs, len(steps), scale)
        assert seconds <= 0.5 * (run_time - cls.end_wait) + 1e-9  # at most half of it
        assert not steps or scale >= cls.fastest_explanation  # each step still readable
        assert steps == tuple(base.explained_steps)[: len(steps)]
        assert len(say.split()) <= 4.5 * seconds + 1e-9  # the caption can be read in it
    # a 4 s video: the explained steps fit in it, and it lasts 4 s
    files = render(ShortNesterov, quality="preview", formats=("mp4",), out=tmp_path)
    video = probe(files["mp4"])
    assert video.frames == round(4.0 * video.fps), (video.frames, video.fps)
