"""Each scene's phenomenon, asserted on the very data the scene draws."""

from __future__ import annotations

import numpy as np
import pytest

from descent import engine
from descent.scenes import get_scene
from descent.scenes.kit import lookahead_form


def by_label(trajs: list[engine.Trajectory]) -> dict[str, engine.Trajectory]:
    return {t.label: t for t in trajs}


def test_saddle_point_sgd_crawls_momentum_passes() -> None:
    _, trajs = get_scene("SaddlePoint").simulate()
    t = by_label(trajs)
    w = t["SGD"].params[:, 0]
    assert (w > 0).all() and (np.diff(w) < 0).all() and w[-1] > 0.25
    assert (t["Momentum"].params[:11, 0] < 0).any()
    assert t["Momentum"].diverged  # runs down to −∞: the scene pins it at the edge


def test_local_minimum_sgd_local_momentum_global() -> None:
    _, trajs = get_scene("LocalMinimum").simulate()
    t = by_label(trajs)
    assert abs(t["SGD"].params[-1, 0] - 4.0) < 0.05
    assert abs(t["Momentum"].params[-1, 0] + 2.0) < 0.1


def test_noise_escape_fraction_and_none_without_noise() -> None:
    from descent.scenes.noise_escape import escaped

    noisy, clean = get_scene("NoiseEscape").data()
    out = escaped(noisy)
    assert out[:, -1].mean() >= 0.20
    assert not escaped(clean).any()
    # those that escaped stay in the deeper basin: settled for the last 30 % of the run
    tail = out[:, int(0.7 * noisy.steps) :]
    assert (tail.all(axis=1) == out[:, -1]).all()


def test_momentum_overshoot_sign_change_and_distance() -> None:
    from descent.scenes.momentum_overshoot import distance_to_optimum

    land, trajs = get_scene("MomentumOvershoot").simulate()
    t = by_label(trajs)
    y_sgd, y_mom = t["SGD"].params[:, 1], t["Momentum"].params[:, 1]
    assert (np.sign(y_sgd[1:]) == np.sign(y_sgd[0])).all()  # never crosses the floor
    assert (np.sign(y_mom) != np.sign(y_mom[0])).any()  # overshoots along the steep axis
    d_sgd, d_mom = (
        distance_to_optimum(land, t["SGD"].params),
        distance_to_optimum(land, t["Momentum"].params),
    )
    assert (np.diff(d_sgd) <= 0).all()
    assert (np.diff(d_mom) > 0).any()


def test_nesterov_overshoots_less_and_lookahead_form_is_exact() -> None:
    scene = get_scene("NesterovCorrection")
    _, trajs = scene.simulate()
    t = by_label(trajs)
    sign = np.sign(scene.start[1])

    def overshoot(p: np.ndarray) -> float:
        return float((-sign * p[:, 1]).max())

    assert overshoot(t["Nesterov"].params) < overshoot(t["Momentum"].params)
    nes = t["Nesterov"]
    theta = lookahead_form(nes)
    # textbook form from torch's record: θ_{t+1} = φ_t − lr·∇f(φ_t), φ_t = torch's parameter
    np.testing.assert_allclose(
        theta[1:], nes.params[:-1] - nes.lr[:-1, None] * nes.grad[:-1], atol=1e-5
    )
    assert overshoot(theta) < overshoot(t["Momentum"].params)


def test_learning_rates() -> None:
    _, trajs = get_scene("LearningRates").simulate()
    slow, fast, big = trajs
    assert big.diverged and not slow.diverged and not fast.diverged
    assert np.abs(fast.params[-1] - [3.0, -2.0]).max() < 1e-4
    assert np.abs(slow.params[-1] - [3.0, -2.0]).max() > 1e-2


def test_optimizer_race_sgd_moves_least() -> None:
    scene = get_scene("OptimizerRace")
    _, trajs = scene.simulate()
    moved = {t.label: float(np.linalg.norm(t.params[-1] - t.params[0])) for t in trajs}
    assert min(moved, key=moved.get) == "SGD"  # type: ignore[arg-type]
    assert all(np.isfinite(t.params).all() for t in trajs)


def test_steep_optima_only_adaptive_methods_find_a_well() -> None:
    _, trajs = get_scene("SteepOptima").simulate()
    t = by_label(trajs)
    for name in ("SGD", "Momentum", "Nesterov"):
        assert np.abs(t[name].params[-1]).max() < 0.05
    for name in ("Adagrad", "RMSprop", "Adam"):
        assert t[name].loss[-1] < -0.9


@pytest.mark.parametrize(
    "variant",
    ["LossFunctions", "LossFunctionsMomentum", "LossFunctionsNesterov", "LossFunctionsDampening"],
)
def test_loss_functions_mse_reaches_its_optimum(variant: str) -> None:
    lands, trajs = get_scene(variant).data()
    assert len(trajs) == 4 and all(t.steps == 100 for t in trajs)
    mse = trajs[0]
    assert np.linalg.norm(mse.params[-1] - np.array(lands[0].optimum)) < 0.05


def test_loss_functions_weight_decay_pulls_toward_origin() -> None:
    _, plain = get_scene("LossFunctions").data()
    _, decayed = get_scene("LossFunctionsWeightDecay").data()
    for a, b in zip(plain, decayed, strict=True):
        assert np.linalg.norm(b.params[-1]) < np.linalg.norm(a.params[-1])


def test_fit_line_sgd_fits_adam_at_lr_001_crawls() -> None:
    land, trajs = get_scene("FitLine").simulate()
    t = by_label(trajs)
    assert land.batch_size == 1 and land.data[0].shape == (101,)
    assert t["SGD"].loss[-1] < 1.0 and t["Adam"].loss[-1] > 100.0
    _, fast = get_scene("FitLineFastAdam").simulate()
    assert by_label(fast)["Adam"].loss[-1] < 1.0


def test_surface_3d_balls_end_in_different_minima() -> None:
    trajs = get_scene("Surface3D").data()
    land = engine.get_landscape("himmelblau")
    minima = np.array([p.position for p in land.points_of_kind("global_min")])
    ends = [int(np.argmin(np.linalg.norm(minima - t.params[-1], axis=1))) for t in trajs]
    assert len(set(ends)) == len(trajs)
    assert all(t.loss[-1] < 0.2 for t in trajs)


@pytest.mark.parametrize("nesterov", [False, True])
def test_step_anatomy_adds_up(nesterov: bool) -> None:
    """momentum step + gradient step (taken at grad_at) lands exactly on the next iterate."""
    from descent.scenes.nesterov_correction import NesterovCorrection, step_anatomy

    _, trajs = NesterovCorrection.simulate()
    traj = trajs[int(nesterov)]
    path = lookahead_form(traj) if nesterov else np.asarray(traj.params)
    for t in range(1, 6):
        a = step_anatomy(traj, path, t)
        g = traj.grad[t]  # torch's gradient: at φ_t, which is grad_at in both forms
        np.testing.assert_allclose(a["ahead"] - traj.lr[t] * g, a["end"], atol=1e-5)
        if nesterov:
            np.testing.assert_allclose(a["grad_at"], traj.params[t], atol=1e-6)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_surface_3d_colours_each_face_by_its_mean_height(theme: str) -> None:
    from manim import ManimColor, Surface, ThreeDAxes

    from descent.scenes.kit import get_theme

    cls = get_scene("Surface3D")
    scene = object.__new__(cls)  # only its colouring: no Scene is built
    scene.theme = get_theme(theme)
    h = cls.height
    axes = ThreeDAxes(x_range=[0, 1, 1], y_range=[0, 1, 1], z_range=[0, h, 1], z_length=h)
    ramp = Surface(lambda u, v: axes.c2p(u, v, h * u), resolution=(4, 1))  # heights 0 → h in u
    scene.color_by_height(ramp, axes)
    palette = [np.array(ManimColor(c).to_rgb()) for c in scene.surface_colors()]
    faces = sorted(ramp.family_members_with_points(), key=lambda f: f.get_center()[0])
    for k, face in enumerate(faces):  # mean height (k + ½)·h/4: halfway between two colours
        expected = (palette[k] + palette[k + 1]) / 2
        assert np.allclose(face.fill_rgbas[:, :3], expected)
        assert np.allclose(face.stroke_rgbas[:, :3], expected)
