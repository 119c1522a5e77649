"""descent scenes: Manim Community scene classes built on the engine's recorded trajectories.

Each scene lives in its own file (``scenes/<name>.py``) and also renders through Manim's
own CLI (``manim -ql scenes/saddle_point.py SaddlePoint``). This module is the registry
the ``descent`` command uses; scene modules are imported only when asked for.

Examples
--------
>>> from descent.scenes import list_scenes
>>> "SaddlePoint" in dict(list_scenes())
True
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SCENES", "DEFAULT_SCENE", "get_scene", "list_scenes", "scene_file"]

#: scene class name → module in this package, in teaching order
SCENES: dict[str, str] = {
    "SaddlePoint": "saddle_point",
    "SaddleEscape": "saddle_escape",
    "LocalMinimum": "local_minimum",
    "NoiseEscape": "noise_escape",
    "MomentumOvershoot": "momentum_overshoot",
    "NesterovCorrection": "nesterov_correction",
    "LearningRates": "learning_rates",
    "OptimizerRace": "optimizer_race",
    "AdaptiveSteps": "adaptive_steps",
    "SteepOptima": "optimizer_race",
    "LossFunctions": "loss_functions",
    "LossFunctionsMomentum": "loss_functions",
    "LossFunctionsNesterov": "loss_functions",
    "LossFunctionsWeightDecay": "loss_functions",
    "LossFunctionsDampening": "loss_functions",
    "FitLine": "fit_line",
    "FitLineFastAdam": "fit_line",
    "Surface3D": "surface_3d",
    "NetworkLandscape": "network_landscape",
    "MuonVsAdamW": "muon_vs_adamw",
    "CurveFit": "curve_fit",
    "Sweep": "sweep",
    "RateMap": "rate_map",
}
DEFAULT_SCENE = "LearningRates"


def scene_file(name: str) -> Path:
    """The source file of scene ``name``."""
    _check(name)
    return Path(__file__).with_name(SCENES[name] + ".py")


def _check(name: str) -> None:
    if name not in SCENES:
        from descent.engine.errors import unknown_name

        raise unknown_name("scene", name, SCENES)


def get_scene(name: str) -> Any:
    """The scene class ``name`` (imports manim and the scene's module)."""
    _check(name)
    module = importlib.import_module(f"{__name__}.{SCENES[name]}")
    return getattr(module, name)


@cache
def _descriptions(module: str) -> dict[str, str]:
    """Class name → ``description`` read from the source without importing manim."""
    tree = ast.parse(Path(__file__).with_name(module + ".py").read_text())
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "description" for t in stmt.targets)
                    and isinstance(stmt.value, ast.Constant)
                ):
                    out[node.name] = str(stmt.value.value)
    return out


def list_scenes() -> list[tuple[str, str]]:
    """``(name, one-line description)`` of every scene, in teaching order (no manim import)."""
    return [(name, _descriptions(module).get(name, "")) for name, module in SCENES.items()]
