"""Every docstring example in the ``descent`` packages runs and prints what it says.

The modules are imported by their ``descent.*`` names (pytest's ``--doctest-modules`` would
import the folders ``engine/``, ``scenes/``, ``renders/`` under their bare names, a second
copy of each module), then :mod:`doctest` runs their examples.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import descent.engine
import descent.renders
import descent.scenes


def _modules() -> list[str]:
    names = []
    for package in (descent.engine, descent.scenes, descent.renders):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_every_package_module_is_found() -> None:
    assert {"descent.engine.simulation", "descent.scenes.kit.plot", "descent.renders.cli"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    tests = doctest.DocTestFinder().find(module, name)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)


def test_every_kit_name_is_importable_from_the_kit() -> None:
    """The kit's promise: each module's public names are ``descent.scenes.kit``'s too."""
    import descent.scenes.kit as kit

    modules = [n for n in MODULES if n.startswith("descent.scenes.kit.")]
    assert len(modules) >= 12
    for name in modules:
        for public in importlib.import_module(name).__all__:
            assert public in kit.__all__ and getattr(kit, public) is not None, (name, public)
