"""``torch``, imported on first use.

Importing torch costs 1.5–2 s here. A render whose trajectories and landscape samples
are already cached never needs it, so the engine's modules reach torch through this
proxy: ``torch.optim`` imports the real module the first time an attribute is read.
Type checkers see the real module (``if TYPE_CHECKING: import torch``).

Examples
--------
>>> from descent.engine._lazy import torch, is_tensor
>>> is_tensor(3.0)
False
>>> torch.zeros(2).shape[0]  # the first attribute read imports torch
2
"""

from __future__ import annotations

import functools
import importlib
import sys
from types import ModuleType
from typing import Any

__all__ = ["torch", "is_tensor", "torch_version"]


class _LazyModule:
    """Stands in for a module until one of its attributes is read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r} ({state})>"


torch: Any = _LazyModule("torch")


def is_tensor(obj: object) -> bool:
    """``isinstance(obj, torch.Tensor)``, without importing torch (no torch, no tensors)."""
    module = sys.modules.get("torch")
    return module is not None and isinstance(obj, module.Tensor)


@functools.cache
def torch_version() -> str:
    """torch's version string (from the package metadata: no import)."""
    module = sys.modules.get("torch")
    if module is not None:
        return str(module.__version__)
    from importlib import metadata

    return metadata.version("torch")
