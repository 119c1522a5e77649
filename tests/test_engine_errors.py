"""Bad input raises an EngineError (a ValueError) with a one-line message."""

from __future__ import annotations

import pytest
import torch

from descent import engine


def raises(match: str):  # type: ignore[no-untyped-def]
    return pytest.raises(engine.EngineError, match=match)


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and isinstance(exc.value, ValueError)
    return msg


def test_unknown_landscape_suggests_closest() -> None:
    with raises("unknown landscape 'quartc'") as exc:
        engine.get_landscape("quartc")
    msg = one_line(exc)
    assert "did you mean 'quartic'" in msg and "rosenbrock" in msg
    with raises("unknown landscape"):
        engine.simulate("rosenbrok", engine.OptimizerSpec("SGD", lr=0.1))


def test_unknown_optimizer_suggests_closest() -> None:
    with raises("unknown optimizer 'Adma'") as exc:
        engine.OptimizerSpec("Adma", lr=0.1)
    assert "did you mean 'Adam'" in one_line(exc)
    assert isinstance(exc.value, engine.UnknownNameError)


@pytest.mark.parametrize(
    ("name", "kwargs", "culprit"),
    [
        ("SGD", {"lr": -0.1}, "lr"),
        ("SGD", {"lr": 0.1, "momentum": -0.5}, "momentum"),
        ("SGD", {"lr": 0.1, "nesterov": True}, "nesterov"),
        ("Adam", {"lr": 0.1, "betas": (1.5, 0.9)}, "betas"),
        ("RMSprop", {"lr": 0.1, "alpha": -1.0}, "alpha"),
        ("Adam", {"lr": 0.1, "eps": -1.0}, "eps"),
    ],
)
def test_invalid_hyper_parameter_names_optimizer_argument_and_reason(
    name: str, kwargs: dict[str, object], culprit: str
) -> None:
    with pytest.raises(engine.EngineError) as exc:
        engine.OptimizerSpec(name, **kwargs)
    msg = one_line(exc)
    assert msg.startswith(f"{name}: invalid argument '{culprit}'")
    assert "Invalid" in msg or "requires" in msg  # torch's own reason follows


def test_unknown_argument_lists_accepted() -> None:
    with raises("SGD has no argument 'momentun'; accepted: lr, momentum"):
        engine.OptimizerSpec("SGD", lr=0.1, momentun=0.9)


def test_unknown_scheduler() -> None:
    with raises("unknown lr scheduler 'StepLr'; did you mean 'StepLR'"):
        engine.OptimizerSpec("SGD", lr=0.1, scheduler="StepLr")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": [1.0, 2.0, 3.0]}, r"start of shape \(3,\) does not match 'bowl' of dim 2"),
        ({"start": [[1.0, 2.0, 3.0]]}, "does not match 'bowl'"),
        ({"start": [float("nan"), 1.0]}, "start must be finite"),
        ({"start": [float("inf"), 1.0]}, "start must be finite"),
        ({"start": [1.0, 1.0], "steps": 0}, "steps must be ≥ 1"),
        ({"start": [1.0, 1.0], "steps": 2.5}, "steps must be an integer"),
        ({"start": [1.0, 1.0], "grad_noise": -1.0}, "grad_noise must be ≥ 0"),
        ({"start": [1.0, 1.0], "seed": -3}, "seed must be ≥ 0"),
    ],
)
def test_bad_simulation_arguments(kwargs: dict[str, object], match: str) -> None:
    with raises(match) as exc:
        engine.simulate("bowl", engine.OptimizerSpec("SGD", lr=0.1), **kwargs)  # type: ignore[arg-type]
    one_line(exc)


def test_callable_must_return_a_scalar() -> None:
    with raises("must return a scalar tensor") as exc:
        engine.simulate(lambda p: p**2, engine.OptimizerSpec("SGD", lr=0.1), start=[1.0, 2.0])
    one_line(exc)
    with raises("must return a scalar tensor"):
        engine.simulate(lambda p: 3.0, engine.OptimizerSpec("SGD", lr=0.1), start=[1.0])  # type: ignore[arg-type,return-value]


def test_bad_landscape_parameters() -> None:
    with raises("landscape 'regression' has no parameter 'los'"):
        engine.get_landscape("regression", los="mse")
    with raises("unknown regression loss 'mae'"):
        engine.get_landscape("regression", loss="mae")
    with raises("batch_size"):
        engine.get_landscape("regression", batch_size=0)
    with raises("landscape must be a registry name"):
        engine.simulate(42, engine.OptimizerSpec("SGD", lr=0.1), start=[1.0])  # type: ignore[arg-type]


def test_callable_without_vmap_support_still_works() -> None:
    def branchy(p: torch.Tensor) -> torch.Tensor:
        return p[0] ** 2 if bool(p[0].detach() > 0) else -p[0]  # data-dependent control flow

    traj = engine.simulate(
        branchy, engine.OptimizerSpec("SGD", lr=0.1), start=[[1.0], [-1.0]], steps=3, cache=False
    )
    assert traj.params[0, -1, 0] < 1.0 and traj.params[1, -1, 0] > -1.0
