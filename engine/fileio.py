"""Atomic file writing and the cache directory.

An interrupted write never leaves a truncated file where a good one was: data goes
to a temporary file in the same folder, is flushed to disk, then renamed over the
target (``os.replace`` is atomic on POSIX).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_path(d / "out.txt") as tmp:
...     _ = tmp.write_text("hello")
>>> (d / "out.txt").read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")

__all__ = [
    "atomic_path",
    "write_cache",
    "read_cache",
    "cached_array",
    "cache_limit",
    "cache_usage",
    "evict",
    "clear_cache",
    "CACHE_KINDS",
    "cache_dir",
    "TEMP_PREFIX",
    "clean_stale_temps",
    "temp_prefix",
]

#: Prefix of in-progress files; a later run removes stale ones it finds.
TEMP_PREFIX = ".descent-tmp-"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception (or interrupt) the temporary file is removed and ``target`` is
    left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=temp_prefix(), suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a finished file gets the usual mode
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


#: the cache's folders, one per kind of entry
CACHE_KINDS = ("trajectories", "samples", "surfaces", "sweeps", "text", "valid-specs")
#: default size cap of the cache (``$DESCENT_CACHE_MAX_MB`` sets another)
DEFAULT_CACHE_MB = 2048
_written = [0]  # bytes written since the cache's size was last checked


def cache_limit() -> int:
    """The cache's size cap in bytes: ``$DESCENT_CACHE_MAX_MB`` (1..10,000,000), else 2 GiB."""
    text = os.environ.get("DESCENT_CACHE_MAX_MB")
    if not text:
        return DEFAULT_CACHE_MB * 2**20
    try:
        mb = float(text)
    except ValueError:
        mb = float("nan")
    if not 1 <= mb <= 10_000_000:  # also refuses NaN
        from descent.engine.errors import EngineError

        raise EngineError(
            f"DESCENT_CACHE_MAX_MB must be a number of megabytes in 1..10000000; got {text!r}"
        )
    return int(mb * 2**20)


def write_cache(target: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write a cache file atomically with ``write(file)``; failing to write is no error.

    A read-only or full cache folder must not stop the work that the cache only speeds up
    (the file is then simply recomputed next time). After every fiftieth of the cap
    written, least-recently-used entries are evicted down to 90 % of the cap.
    """
    with contextlib.suppress(OSError), atomic_path(target) as tmp, open(tmp, "wb") as fh:
        write(fh)
    with contextlib.suppress(OSError):
        _written[0] += Path(target).stat().st_size
    limit = cache_limit()
    if _written[0] > limit // 50:
        _written[0] = 0
        evict(limit)


def cached_array(
    path: Path | None,
    compute: Callable[[], NDArray[Any]],
    *,
    shape: tuple[int, ...] | None = None,
) -> NDArray[Any]:
    """The array stored at ``path`` (``.npy``), else ``compute()`` stored there.

    ``path=None`` computes without the cache; a stored array of another ``shape`` (when
    one is given), a missing or an unreadable one is computed again.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.npy"
    >>> cached_array(path, lambda: np.arange(3.0)).tolist()
    [0.0, 1.0, 2.0]
    >>> cached_array(path, lambda: np.zeros(3)).tolist()  # read back, not computed
    [0.0, 1.0, 2.0]
    """
    if path is not None:
        found = read_cache(path, lambda f: np.load(f, allow_pickle=False))
        if found is not None and (shape is None or found.shape == shape):
            return found  # type: ignore[no-any-return]
    out = compute()
    if path is not None:
        write_cache(path, lambda fh: np.save(fh, out))
    return out


def read_cache(path: str | os.PathLike[str], read: Callable[[Path], T]) -> T | None:
    """``read(path)``, or ``None`` when the entry is missing or unreadable; a hit marks the
    entry as recently used (its modification time: the eviction order)."""
    path = Path(path)
    try:
        value = read(path)
    except Exception:  # noqa: BLE001 - a missing or damaged entry is simply recomputed
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return value


def _entries() -> list[tuple[Path, int, float]]:
    root = cache_dir()
    found: list[tuple[Path, int, float]] = []
    if not root.is_dir():
        return found
    for path in root.rglob("*"):
        if path.name.startswith(TEMP_PREFIX):
            continue
        with contextlib.suppress(OSError):
            st = path.stat()
            if path.is_file():
                found.append((path, st.st_size, st.st_mtime))
    return found


def evict(limit: int | None = None) -> tuple[int, int]:
    """Remove least-recently-used entries until the cache holds at most 90 % of ``limit``
    (default :func:`cache_limit`) when it holds more than ``limit``; ``(files, bytes)``."""
    limit = cache_limit() if limit is None else limit
    entries = _entries()
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return 0, 0
    removed = freed = 0
    for path, size, _ in sorted(entries, key=lambda e: e[2]):
        if total - freed <= 0.9 * limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            removed, freed = removed + 1, freed + size
    return removed, freed


def cache_usage() -> dict[str, tuple[int, int]]:
    """``{kind: (files, bytes)}`` for each of :data:`CACHE_KINDS` (and ``other``)."""
    usage = {kind: (0, 0) for kind in CACHE_KINDS}
    root = cache_dir()
    for path, size, _ in _entries():
        kind = path.relative_to(root).parts[0] if len(path.relative_to(root).parts) > 1 else "other"
        files, total = usage.get(kind, (0, 0))
        usage[kind] = (files + 1, total + size)
    return usage


def clear_cache(kinds: Sequence[str] = ()) -> tuple[int, int]:
    """Remove every entry (or those of ``kinds``); ``(files, bytes)`` removed."""
    root = cache_dir()
    removed = freed = 0
    for path, size, _ in _entries():
        rel = path.relative_to(root).parts
        if kinds and rel[0] not in kinds:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed, freed = removed + 1, freed + size
    return removed, freed


def temp_prefix() -> str:
    """Prefix of this process's temporary files: ``.descent-tmp-<pid>-``."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike[str]) -> int:
    """Remove temporary files and folders left in ``folder`` by processes that are gone
    (a render killed with ``kill -9``); those of running processes are kept.

    Returns how many were removed.
    """
    import shutil

    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob(TEMP_PREFIX + "*"):
        pid_text = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed


def cache_dir() -> Path:
    """The trajectory cache folder: ``$DESCENT_CACHE_DIR``, else the user cache dir."""
    env = os.environ.get("DESCENT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "descent"
