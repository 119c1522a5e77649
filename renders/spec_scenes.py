"""Scene classes from spec files: a spec's numbers become a storyboard's class attributes.

A ``[landscape]`` spec becomes a :class:`~descent.scenes.kit.SurfaceScene` (2-D) or
:class:`~descent.scenes.kit.CurveScene` (1-D) subclass, a ``[model]`` spec a
:class:`~descent.scenes.kit.NetworkScene` subclass. The spec is validated by
:func:`descent.renders.spec.load_spec` first; nothing in it is ever executed.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np

from descent.renders.spec import Spec, load_spec

__all__ = ["scene_from_spec", "path_stem"]


def scene_from_spec(path: str | Path) -> type:
    """A scene class (a :class:`~descent.scenes.kit.SurfaceScene` or :class:`~descent.scenes.kit.CurveScene`
    subclass) for the spec at ``path``."""
    from descent.scenes.kit import (
        CurveScene,
        Legend,
        SurfaceScene,
        auto_view,
        fmt_value,
        gradient_arrows,
        lookahead_form,
        palette_for,
        velocity_arrows,
    )

    spec = load_spec(path)
    land = spec.landscape
    if land.network is not None:
        return _network_scene(spec)
    if spec.sweep is not None:
        return _sweep_scene(spec)
    base = SurfaceScene if land.dim == 2 else CurveScene

    class SpecScene(base):  # type: ignore[misc, valid-type]
        start = spec.start
        show_panel = spec.panel != "none"
        panel_log = spec.log_panel and spec.panel == "loss"
        panel_label = "distance to optimum" if spec.panel == "distance" else "loss"
        markers = spec.markers
        show_update = spec.update
        ease = len(spec.start.shape) == 1 or len(spec.start) <= 12

        @classmethod
        def get_landscape(cls) -> Any:
            return dataclasses.replace(land, view=spec.view)

        @classmethod
        def simulate(cls, specs: Any = None, **overrides: Any) -> tuple[Any, list[Any]]:
            """Every particle of every optimizer as its own trajectory."""
            shown, trajs = super().simulate(specs, **overrides)
            return shown, [particle for traj in trajs for particle in traj]

        def view_for(self, land_: Any, trajs: Any) -> Any:
            return (
                auto_view(land_, [self.path_of(t) for t in trajs])
                if spec.view == land.view
                else spec.view
            )

        def path_of(self, traj: Any) -> np.ndarray:
            if spec.lookahead and traj.spec.kwargs.get("nesterov"):
                return lookahead_form(traj)
            return super().path_of(traj)

        @staticmethod
        def drawn(traj: Any) -> Any:
            """``traj`` as its dot is drawn: with ``lookahead``, Nesterov's textbook iterate
            θ_t and the loss there (torch's parameter φ_t is the ghost), so that the legend,
            the panel and the narration quote the loss at the dot."""
            if not (spec.lookahead and traj.spec.kwargs.get("nesterov")):
                return traj
            theta = lookahead_form(traj)
            loss = np.asarray(land.value(theta), dtype=np.float64)
            return dataclasses.replace(traj, params=theta, loss=loss)

        @classmethod
        def story(cls) -> Any:
            """The events of the runs as drawn (:meth:`drawn`)."""
            from descent.scenes.kit.story import cover_runs, event_story

            shown, trajs = cls.simulate()
            drawn = [cls.drawn(t) for t in trajs]
            beats = event_story(shown, drawn, cls.story_theme(), steps=cls.steps)
            return cover_runs(beats, shown, drawn, steps=cls.steps)  # every run named

        def ghost_for(self, traj: Any) -> np.ndarray | None:
            return (
                np.asarray(traj.params)
                if spec.lookahead and traj.spec.kwargs.get("nesterov")
                else None
            )

        def arrows_for(self, traj: Any) -> dict[str, np.ndarray] | None:
            arrows: dict[str, np.ndarray] = {}
            if spec.velocity:
                arrows.update(velocity_arrows(traj) or {})
            if spec.gradient:
                arrows.update(gradient_arrows(traj))
            return arrows or None

        def panel_series(self, land_: Any, trajs: Any) -> list[np.ndarray]:
            if spec.panel == "distance":
                return [
                    np.linalg.norm(self.path_of(t) - np.asarray(land_.optimum), axis=-1)
                    for t in trajs
                ]
            return [np.asarray(self.drawn(t).loss) for t in trajs]

        def colors_for(self, trajs: Any) -> list[str]:
            shown = self.specs()  # the labels told apart, as the runs carry them
            by_spec = dict(
                zip(shown, palette_for([s.label for s in shown], self.theme), strict=True)
            )
            return [by_spec[t.spec] for t in trajs]

        def legend(
            self, trajs: Any, colors: Any, *, show_loss: bool = True, font_size: int = 24
        ) -> Legend:
            seen: dict[Any, tuple[str, str, Any]] = {}
            for t, col in zip(trajs, colors, strict=True):
                seen.setdefault(t.spec, (self.legend_label(t), col, t))  # with its settings
            swarm = len(spec.start.shape) == 2 and len(spec.start) > 1
            entries = list(seen.values())
            losses = {id(t): np.asarray(self.drawn(t).loss) for _, _, t in entries}

            def readout(traj: Any, t: int) -> str:  # the loss where the dot is drawn
                return f"loss {fmt_value(float(losses[id(traj)][t]))}"

            return Legend(
                entries,
                self.clock,
                self.theme,
                font_size=font_size,
                show_loss=show_loss and not swarm,
                readout=readout,
            )

    return _named(SpecScene, spec)


def _network_scene(spec: Spec) -> type:
    """A :class:`~descent.scenes.kit.NetworkScene` for a ``[model]`` spec."""
    from descent.scenes.kit import NetworkScene

    class SpecNetworkScene(NetworkScene):
        projection = spec.projection
        projection_seed = spec.projection_seed
        resolution = spec.resolution
        show_panel = spec.panel != "none"
        panel_log = spec.log_panel

        @classmethod
        def get_landscape(cls) -> Any:
            return spec.landscape

    return _named(SpecNetworkScene, spec)


def _sweep_scene(spec: Spec) -> type:
    """A :class:`~descent.scenes.kit.SweepScene` for a ``[sweep]`` spec."""
    from descent.scenes.kit import SweepScene

    assert spec.sweep is not None
    [optimizer] = spec.optimizers
    fixed_kwargs = {k: v for k, v in optimizer.kwargs.items() if k not in spec.sweep}

    class SpecSweepScene(SweepScene):
        optimizer_name = optimizer.name
        grid = spec.sweep
        fixed = fixed_kwargs
        start = tuple(spec.start)

        @classmethod
        def get_landscape(cls) -> Any:
            return spec.landscape

    return _named(SpecSweepScene, spec)


def _named(cls: type, spec: Spec) -> type:
    """Name the scene after the spec file and give it what every spec sets."""
    cls.__name__ = cls.__qualname__ = re.sub(r"\W", "_", path_stem(spec.path)) or "SpecScene"
    shared = {
        "title": spec.title,
        "optimizers": spec.optimizers,
        "grad_noise": spec.grad_noise,
        "seed": spec.seed,
        "steps": spec.steps,
        "run_time": spec.run_time,
    }
    if spec.subtitle:  # else computed from the spec's landscape, start and optimizers
        shared["subtitle"] = spec.subtitle
    for name, value in shared.items():
        setattr(cls, name, value)
    return cls


def path_stem(path: Path) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", path.stem)) or "Spec"
