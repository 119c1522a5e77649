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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "atomic_path",
    "write_cache",
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


def write_cache(target: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write a cache file atomically with ``write(file)``; failing to write is no error.

    A read-only or full cache folder must not stop the work that the cache only speeds up
    (the file is then simply recomputed next time).
    """
    with contextlib.suppress(OSError), atomic_path(target) as tmp, open(tmp, "wb") as fh:
        write(fh)


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
