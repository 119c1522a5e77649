"""Errors raised by the engine.

Every error the engine raises for bad input is an :class:`EngineError`, a
``ValueError`` subclass whose message is a single line, so that a command line
can print it as it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["EngineError", "UnknownNameError", "closest", "unknown_name"]


class EngineError(ValueError):
    """Bad input to the engine: the message is one line that says what and why."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class UnknownNameError(EngineError):
    """A name (landscape, optimizer, scheduler, ...) that is not known."""


def unknown_name(kind: str, name: str, known: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown ``name`` of ``kind``, suggesting the closest known one.

    Examples
    --------
    >>> str(unknown_name("landscape", "quartc", ["cubic", "quartic"]))
    "unknown landscape 'quartc'; did you mean 'quartic'? known: cubic, quartic"
    """
    known = sorted(known)
    best = closest(name, known)
    hint = f"; did you mean '{best}'?" if best else ";"
    return UnknownNameError(f"unknown {kind} '{name}'{hint} known: {', '.join(known)}")


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, transpositions."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to ``name`` (case-insensitive), or ``None`` if none is close.

    Examples
    --------
    >>> closest("Adma", ["Adam", "Adamax", "SGD"])
    'Adam'
    """
    low = name.lower()
    scored = []
    for k in known:
        dist = _edit_distance(low, k.lower())
        ratio = difflib.SequenceMatcher(None, low, k.lower()).ratio()
        if dist <= max(2, len(k) // 2) or ratio >= 0.6:
            scored.append((dist, -ratio, k))
    return min(scored)[2] if scored else None
