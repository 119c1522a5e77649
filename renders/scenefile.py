"""Scenes that users write: ``lecture.py`` and ``lecture.py:Overshoot20``.

A scene file is checked before anything renders: it must exist, end in ``.py`` and parse
(a syntax error is reported as ``lecture.py:12: invalid syntax``). Its classes are found by
importing it as Manim does (its folder first on ``sys.path``, so its own modules import),
in a worker process; only classes *defined* in the file count, not the ones it imports.

An exception in the user's code is reported at the user's own frame, in one line:
``lecture.py:40 in construct: ZeroDivisionError: division by zero``.

Examples
--------
>>> split_target("lecture.py:Overshoot20")
('lecture.py', 'Overshoot20')
>>> split_target("lecture.py")
('lecture.py', None)
>>> split_target("MomentumOvershoot") is None
True
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from descent.engine.errors import EngineError

__all__ = [
    "split_target",
    "check_file",
    "defined_classes",
    "load_module",
    "scene_classes",
    "local_imports",
    "user_error",
    "class_fingerprint",
    "recording_reads",
    "data_files",
    "file_digests",
]


def split_target(text: str) -> tuple[str, str | None] | None:
    """``(file, class or None)`` for ``file.py`` / ``file.py:Name``; ``None`` for anything else."""
    path, sep, name = text.rpartition(":") if ".py:" in text else (text, "", "")
    if not path.endswith(".py"):
        return None
    return path, (name if sep else None)


def check_file(path: Path) -> ast.Module:
    """The file's syntax tree, or a one-line :class:`EngineError` (missing, not ``.py``,
    unreadable, a syntax error with its line)."""
    if path.suffix != ".py":
        raise EngineError(f"{path}: a scene file must be a .py file")
    if not path.is_file():
        raise EngineError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"{path}: cannot read: {exc}") from None
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise EngineError(f"{path}:{exc.lineno}: {exc.msg}") from None


def defined_classes(tree: ast.Module) -> list[str]:
    """Names of the classes defined at the top level of a module (not imported ones)."""
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def load_module(path: Path) -> ModuleType:
    """Import a scene file as Manim's CLI does: its folder first on ``sys.path``."""
    path = path.resolve()
    name = path.stem if path.stem.isidentifier() else "scene_file"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise EngineError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module  # dataclasses, pickling and inspect look classes up here
    spec.loader.exec_module(module)
    return module


def scene_classes(module: ModuleType) -> list[str]:
    """Scene classes defined in ``module`` itself, in the file's order."""
    from manim import Scene

    found = []
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Scene)
            and value.__module__ == module.__name__
        ):
            found.append(value.__name__)
    return found


def local_imports(path: Path) -> list[Path]:
    """The file plus every module it imports from its own folder, recursively (the files
    whose content a render of it depends on, besides descent's own)."""
    folder = path.resolve().parent
    seen: dict[Path, None] = {}
    todo = [path.resolve()]
    while todo:
        current = todo.pop()
        if current in seen or not current.is_file():
            continue
        seen[current] = None
        try:
            tree = ast.parse(current.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for dotted in names:
                parts = dotted.split(".")
                candidate = folder.joinpath(*parts)
                for file in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                    if file.is_file():
                        todo.append(file)
    return list(seen)


def user_error(exc: BaseException, path: Path | None) -> str:
    """One line naming the innermost frame of the user's own code: a file in the scene
    file's folder, or (no file: a class from a notebook or a script) any code outside
    descent, Manim and the installed packages. Just the exception when there is none."""
    tb: TracebackType | None = exc.__traceback__
    frames = traceback.extract_tb(tb)
    descent_root = Path(__file__).resolve().parent.parent
    libraries = [Path(p).resolve() for p in sys.path if "-packages" in p] + [Path(sys.prefix)]

    def is_user(frame: Any) -> bool:
        file = Path(frame.filename)
        if frame.filename.startswith("<frozen"):
            return False  # the import machinery
        if file.name.startswith("<") and path is None:
            return True  # a notebook cell or an interactive session
        file = file.resolve()
        if file.is_relative_to(descent_root):
            return False
        if path is not None:
            return file.is_relative_to(path.resolve().parent)
        return not any(file.is_relative_to(lib) for lib in libraries)

    mine = [f for f in frames if is_user(f)]
    message = " ".join(f"{type(exc).__name__}: {exc}".split())
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{Path(exc.filename).name}:{exc.lineno}: {exc.msg}"
    if not mine or isinstance(exc, EngineError):  # descent's own errors say where already
        return message if not isinstance(exc, EngineError) else " ".join(str(exc).split())
    frame = mine[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}: {message}"


def class_fingerprint(cls: type) -> str | None:
    """A content hash of a scene class defined outside any file worker processes can
    import (a notebook cell, ``__main__``), or ``None`` when it cannot be had.

    The class is pickled **by value** with cloudpickle: its attributes, its methods' code
    and, with them, the values of the module globals and closure cells they read (a
    module-level ``LR = 0.3`` a method uses, a data array, a ``torch.nn.Module``), through
    every base that is not importable (descent's and Manim's own bases are pickled by
    reference; their files are hashed with the package). Any failure to pickle (an open
    file, a lock, a generator in a global) gives ``None``: the job is then not cached.
    """
    import hashlib
    import pickle

    import cloudpickle

    module = sys.modules.get(cls.__module__)
    by_value = module is not None and cls.__module__ not in ("__main__", "builtins")
    if by_value:
        by_value = _register_by_value(module)
    try:
        data = cloudpickle.dumps(cls, protocol=pickle.DEFAULT_PROTOCOL)
    except Exception:  # noqa: BLE001 - anything unpicklable: no fingerprint
        return None
    finally:
        if by_value:
            cloudpickle.unregister_pickle_by_value(module)
    return hashlib.sha256(data).hexdigest()


def _register_by_value(module: ModuleType) -> bool:
    import cloudpickle

    try:
        cloudpickle.register_pickle_by_value(module)
    except ValueError:  # not importable by name: cloudpickle pickles it by value anyway
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Files a render reads
# ---------------------------------------------------------------------------------------------
_reads: list[set[str]] = []
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _reads:
        return
    path, mode, flags = (tuple(args) + (None, None))[:3]
    if isinstance(path, int) or path is None:
        return  # a file descriptor: opened before
    if isinstance(mode, str):
        if any(c in mode for c in "wax+"):
            return
    elif isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
        return
    with suppress(TypeError, ValueError):
        _reads[-1].add(os.fsdecode(path))


@contextmanager
def recording_reads() -> Iterator[set[str]]:
    """Record every file opened for reading in this process while the block runs (Python's
    audit hook, event ``open``: ``open()``, ``io.open_code``, ``os.open``; numpy, pandas,
    ``torch.load`` and imports all pass through it). Hooks cannot be removed, so one is
    installed on first use and does nothing outside a block."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    seen: set[str] = set()
    _reads.append(seen)
    try:
        yield seen
    finally:
        _reads.remove(seen)


def _skipped_roots() -> list[Path]:
    """Folders whose files are not the user's data: Python and its packages (their versions
    join the key), descent itself (hashed whole), descent's own caches, the system's."""
    import site
    import sysconfig

    from descent.engine.fileio import cache_dir

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages()}
    roots |= {p for p in sysconfig.get_paths().values() if p}
    roots |= {str(Path(__file__).resolve().parent.parent / n) for n in PACKAGE_FOLDERS}
    roots.add(str(cache_dir()))
    roots |= {"/proc", "/sys", "/dev", "/usr", "/etc", "/run", "/var"}
    return [Path(r).resolve() for r in roots]


#: the package's folders (``descent.engine``, ``descent.scenes``, ``descent.renders``)
PACKAGE_FOLDERS = ("engine", "scenes", "renders")


def data_files(paths: set[str] | list[str], *, skip: Sequence[Path] = ()) -> list[str]:
    """The user's files among ``paths`` (recorded by :func:`recording_reads`): regular
    files outside :func:`_skipped_roots` and ``skip`` (a job's own work folder), compiled
    bytecode left out; sorted, absolute."""
    roots = _skipped_roots() + [Path(p).resolve() for p in skip]
    out = set()
    for text in paths:
        path = Path(text)
        if path.suffix == ".pyc" or "__pycache__" in path.parts:
            continue
        try:
            path = path.resolve()
            if not path.is_file():
                continue
        except OSError:
            continue
        if any(path.is_relative_to(root) for root in roots):
            continue
        out.add(str(path))
    return sorted(out)


def file_digests(paths: Sequence[str]) -> dict[str, str]:
    """``{path: sha256 of its content}`` (``"missing"`` for a file that is gone)."""
    import hashlib

    out = {}
    for path in paths:
        try:
            out[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            out[path] = "missing"
    return out
