"""A built-in MLP landscape from a cached record: no torch until the network is evaluated.

``get_landscape("mlp", ...)`` builds a torch module, so it imports torch (~1 s here) even
when every number a render needs (trajectories, samples, surfaces, network outputs) is
already cached. The module's weights follow from the factory's parameters (they seed
them), so the landscape's fingerprint, start and data do too: the first build writes them
into a record under ``cache_dir()/samples``, keyed by the parameters, torch's version and
the engine's source. Later builds read the record and stand a :class:`LazyNetwork` in for
the network; the real one is built (torch imported) the first time it is evaluated.

Examples
--------
>>> lazy = LazyNetwork(lambda: None, task="regression", digest="d", names=("w",), shapes=((2, 3),))
>>> lazy.dim, lazy.task
(6, 'regression')
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from descent.engine._lazy import torch_version
from descent.engine.fileio import cache_dir, write_cache
from descent.engine.landscapes import Landscape

if TYPE_CHECKING:
    import torch

    from descent.engine.network import Network

__all__ = ["LazyNetwork", "record_path", "save_record", "read_record", "from_record"]

#: bump when the record's format changes
RECORD_VERSION = 1


class LazyNetwork:
    """Stands in for a :class:`~descent.engine.network.Network` until it is evaluated.

    What the record knows is here at once (``task``, ``digest``, ``names``, ``shapes``,
    ``dim``, ``device``); any other attribute builds the real network with ``build`` (and
    imports torch) and is read from it.
    """

    def __init__(
        self,
        build: Callable[[], Any],
        *,
        task: str,
        digest: str | None,
        names: tuple[str, ...],
        shapes: tuple[tuple[int, ...], ...],
        device: str = "cpu",
    ) -> None:
        self._build = build
        self._net: Network | None = None
        self.task, self.digest, self.device = task, digest, device
        self.names, self.shapes = names, shapes

    @property
    def dim(self) -> int:
        return sum(math.prod(s) for s in self.shapes)

    @property
    def built(self) -> bool:
        """Whether the real network exists yet."""
        return self._net is not None

    def resolve(self) -> Network:
        """The real network (built the first time)."""
        if self._net is None:
            self._net = self._build()
        assert self._net is not None
        return self._net

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)


def _lazy_full_loss(theta: torch.Tensor, *, lazy: LazyNetwork) -> torch.Tensor:
    from descent.engine.network import _full_loss

    return _full_loss(theta, net=lazy.resolve())


def _lazy_batch_loss(theta: torch.Tensor, rows: torch.Tensor, *, lazy: LazyNetwork) -> torch.Tensor:
    from descent.engine.network import _batch_loss

    return _batch_loss(theta, rows, net=lazy.resolve())


@functools.cache
def _source_digest() -> str:
    """The engine source an MLP is built by (a change to it makes new records); read once."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("network.py", "datasets.py", "landscapes.py", "netcache.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


def record_path(params: dict[str, Any]) -> Path:
    """Where the record of the built-in MLP with these factory parameters lives."""
    ident = json.dumps([RECORD_VERSION, torch_version(), params, _source_digest()], sort_keys=True)
    return cache_dir() / "samples" / f"mlp-{hashlib.sha256(ident.encode()).hexdigest()}.npz"


#: the Landscape fields a record keeps as JSON (the others: start, data, and the functions)
_TEXT_FIELDS = ("name", "dim", "formula", "latex", "description", "params", "batch_size")


def save_record(path: Path, land: Landscape) -> None:
    """Write what ``land`` (a freshly built MLP landscape) needs no torch for."""
    net = land.network
    assert net is not None and land.data is not None
    meta = {f: getattr(land, f) for f in _TEXT_FIELDS}
    meta.update(
        {
            "task": net.task,
            "digest": net.digest,
            "device": net.device,
            "names": list(net.names),
            "shapes": [list(s) for s in net.shapes],
        }
    )
    x, y = land.data
    start = np.asarray(land.default_start, dtype=np.float64)
    write_cache(
        path, lambda fh: np.savez(fh, meta=np.array(json.dumps(meta)), start=start, x=x, y=y)
    )


def read_record(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as npz:
        return {
            "meta": json.loads(str(npz["meta"])),
            "start": np.array(npz["start"]),
            "x": np.array(npz["x"]),
            "y": np.array(npz["y"]),
        }


def from_record(record: dict[str, Any], build: Callable[[], Any]) -> Landscape:
    """The landscape the record describes, its network built by ``build`` when needed."""
    meta = record["meta"]
    names = tuple(str(n) for n in meta["names"])
    shapes = tuple(tuple(int(d) for d in s) for s in meta["shapes"])
    lazy = LazyNetwork(
        build,
        task=meta["task"],
        digest=meta["digest"],
        names=names,
        shapes=shapes,
        device=meta["device"],
    )
    dim = int(meta["dim"])
    labels = tuple(
        f"{n}[{i}]" for n, s in zip(names, shapes, strict=True) for i in range(math.prod(s))
    )
    return Landscape(
        name=meta["name"],
        dim=dim,
        fn=functools.partial(_lazy_full_loss, lazy=lazy),
        formula=meta["formula"],
        latex=meta["latex"],
        view=((-1.0, 1.0),) * dim,
        default_start=tuple(float(v) for v in record["start"].tolist()),
        description=meta["description"],
        axis_labels=labels,
        params=dict(meta["params"]),
        data=(record["x"], record["y"]),
        batch_size=meta["batch_size"],
        batch_fn=functools.partial(_lazy_batch_loss, lazy=lazy),
        source="network",
        network=lazy,
    )
