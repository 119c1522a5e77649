"""Shared test set-up: every test run gets its own trajectory cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESCENT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "descent-cache"))
