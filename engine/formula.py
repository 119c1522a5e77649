"""Loss formulas from text, safely: a whitelist compiled to torch operations.

``"x**2 + 10*y**2"`` becomes a batched torch function. The text is parsed with
:func:`ast.parse` and every node is checked against a whitelist — numbers, the
variables, ``pi``/``e``, ``+ - * / **``, unary minus and a fixed set of math functions
— then compiled into nested closures over torch operations. Nothing is ever passed to
``eval``/``exec``/``compile`` and no name is looked up outside the whitelist, so
``__import__('os').system('…')`` or ``().__class__`` is rejected before anything runs.

Variables: ``x`` and ``y`` (2-D), or a single ``w`` or ``x`` (1-D).

Examples
--------
>>> land = formula_landscape("x**2 + 10*y**2")
>>> land.dim, float(land.value([1.0, 1.0]))
(2, 11.0)
>>> formula_landscape("().__class__")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
descent.engine.errors.EngineError: formula '().__class__': attribute access (.) is not allowed; use numbers, x, ...
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from descent.engine.errors import EngineError
from descent.engine.landscapes import Landscape

if TYPE_CHECKING:
    import torch
else:
    from descent.engine._lazy import torch  # imported when a formula is first evaluated

__all__ = ["compile_formula", "formula_landscape", "pretty_formula", "FUNCTIONS", "MAX_LENGTH"]

Op = Callable[[dict[str, "torch.Tensor"]], "torch.Tensor"]

#: name in a formula → (number of arguments, the torch function's path under ``torch``)
FUNCTIONS: dict[str, tuple[int, str]] = {
    "sin": (1, "sin"),
    "cos": (1, "cos"),
    "tan": (1, "tan"),
    "exp": (1, "exp"),
    "log": (1, "log"),
    "log1p": (1, "log1p"),
    "sqrt": (1, "sqrt"),
    "abs": (1, "abs"),
    "tanh": (1, "tanh"),
    "sinh": (1, "sinh"),
    "cosh": (1, "cosh"),
    "atan": (1, "atan"),
    "sigmoid": (1, "sigmoid"),
    "softplus": (1, "nn.functional.softplus"),
    "relu": (1, "relu"),
    "min": (2, "minimum"),
    "max": (2, "maximum"),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
MAX_LENGTH = 500
MAX_NODES = 300
_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}
_NODE_NAMES = {
    ast.Attribute: "attribute access (.)",
    ast.Subscript: "indexing ([])",
    ast.Tuple: "tuple (...)",
    ast.List: "list [...]",
    ast.Dict: "dict {...}",
    ast.Lambda: "lambda",
    ast.Compare: "comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "f-string",
}


@functools.cache
def _torch_fn(path: str) -> Callable[..., Any]:
    """The torch function at ``path`` (e.g. ``"nn.functional.softplus"``), looked up once."""
    obj: Any = torch
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


def _allowed(variables: tuple[str, ...]) -> str:
    return (
        f"use numbers, {', '.join(variables)}, + - * / **, pi, e and {', '.join(sorted(FUNCTIONS))}"
    )


def compile_formula(text: str) -> tuple[tuple[str, ...], Callable[[torch.Tensor], torch.Tensor]]:
    """``(variables, fn)``: ``fn`` maps a tensor ``(..., dim)`` to ``(...)``.

    Raises
    ------
    EngineError
        For anything outside the whitelist, with the offending piece named.
    """
    if not isinstance(text, str) or not text.strip():
        raise EngineError("formula must be a non-empty string")
    if len(text) > MAX_LENGTH:
        raise EngineError(f"formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise EngineError(
            f"formula {text!r}: syntax error at column {exc.offset}: {exc.msg}"
        ) from None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if "y" in names:
        variables: tuple[str, ...] = ("x", "y")
    elif "w" in names and "x" not in names:
        variables = ("w",)
    else:
        variables = ("x",)
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise EngineError(f"formula {text!r} is too complex (more than {MAX_NODES} parts)")

    def fail(what: str) -> EngineError:
        return EngineError(f"formula {text!r}: {what} is not allowed; {_allowed(variables)}")

    def build(node: ast.AST) -> Op:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise fail(f"the constant {node.value!r}")
            value = float(node.value)
            return lambda env: torch.tensor(value, dtype=env["__dtype__"].dtype)
        if isinstance(node, ast.Name):
            if node.id in variables:
                name = node.id
                return lambda env: env[name]
            if node.id in CONSTANTS:
                value = CONSTANTS[node.id]
                return lambda env: torch.tensor(value, dtype=env["__dtype__"].dtype)
            if node.id in FUNCTIONS:
                raise fail(f"the function name '{node.id}' without a call")
            raise fail(f"the name '{node.id}'")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = build(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda env: torch.neg(inner(env))
            return inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op_name = _BINARY[type(node.op)]
            left, right = build(node.left), build(node.right)
            return lambda env: _torch_fn(op_name)(left(env), right(env))
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                raise fail(_NODE_NAMES[ast.Attribute])
            if not isinstance(node.func, ast.Name):
                raise fail("calling the result of an expression")
            if node.func.id not in FUNCTIONS:
                raise fail(f"calling '{node.func.id}'")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise fail("keyword or starred arguments")
            arity, path = FUNCTIONS[node.func.id]
            if len(node.args) != arity:
                raise EngineError(
                    f"formula {text!r}: {node.func.id}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}"
                )
            args = [build(a) for a in node.args]
            return lambda env: _torch_fn(path)(*(a(env) for a in args))
        raise fail(_NODE_NAMES.get(type(node), type(node).__name__))

    op = build(tree)

    def fn(p: torch.Tensor) -> torch.Tensor:
        env = {v: p[..., i] for i, v in enumerate(variables)}
        env["__dtype__"] = p
        # + 0·p: a constant formula still has the batch shape and a gradient (of zero)
        return op(env) + 0.0 * p[..., 0]

    return variables, fn


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def pretty_formula(text: str) -> str:
    """``text`` as a formula is written on screen and in narration: an integer power as
    superscript digits (``x**2`` → ``x²``; any other power ``^``), a number times a name
    juxtaposed (``10*y`` → ``10y``), any other product ``·``, a minus sign ``−``.

    >>> pretty_formula("x**2 + 10*y**2 - 0.5*x*y")
    'x² + 10y² − 0.5x·y'
    """
    import re

    out = re.sub(r"\s*\*\*\s*(-?\d+)\b(?!\.)", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    out = out.replace("**", "^")
    number = r"(?<![\w.])(?<![eE]-)(?<![eE]\+)(\d+(?:\.\d+)?)"  # no exponent: 1e-3·x stays
    out = re.sub(number + r"\s*\*\s*(?=[A-Za-z_]\w*\b(?!\s*\())", r"\1", out)  # not 2·exp(…)
    out = re.sub(r"\s*\*\s*", "·", out)
    return re.sub(r"(?<![0-9][eE])-", "−", out)


def formula_landscape(
    text: str,
    *,
    view: tuple[tuple[float, float], ...] | None = None,
    start: tuple[float, ...] | None = None,
    name: str = "formula",
) -> Landscape:
    """A :class:`Landscape` from a whitelisted formula (see the module docstring)."""
    variables, fn = compile_formula(text)
    dim = len(variables)
    view = view or ((-5.0, 5.0),) * dim
    if len(view) != dim:
        raise EngineError(
            f"formula {text!r} has {dim} variable(s) but the view has {len(view)} range(s)"
        )
    plain = pretty_formula(text)
    return Landscape(
        name=name,
        dim=dim,
        fn=fn,
        formula=plain,
        latex=plain,
        view=tuple((float(lo), float(hi)) for lo, hi in view),
        default_start=tuple(start) if start else tuple(lo + 0.8 * (hi - lo) for lo, hi in view),
        description=f"custom formula: {plain}",
        axis_labels=variables,
        params={"formula": text},
        source="formula:" + text,
    )
