"""Sizes in the house: a report of the largest modules and functions, not a rule (issue #24).

Line counts are a smell detector, not a law: nothing is split only to meet a count, and nothing fails here
for its length. Modules over :data:`MAX_MODULE_LINES` lines and functions over :data:`MAX_FUNCTION_LINES`
lines of code (docstring not counted) are listed as a warning in the test summary, and the largest of each
are printed with ``pytest -s``: where a reviewer looks first for a natural seam. The rules that do fail are
in ``tests/test_imports.py``.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path


STUDIO = Path(__file__).resolve().parents[1] / "studio"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80
TABLES: set[str] = set()  # "path.py:function" of declarative tables allowed to be longer


def _function_lines(node: ast.AST) -> int:
    """Lines of a function, without its docstring."""
    lines = node.end_lineno - node.lineno + 1
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        lines -= body[0].end_lineno - body[0].lineno + 1
    return lines


def oversized(files: list[Path], root: Path = STUDIO.parent) -> list[str]:
    """``path: N lines`` for each module over the limit, ``path:line name(): N lines`` for each function
    (paths relative to ``root``)."""
    found = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        count = len(source.splitlines())
        if count > MAX_MODULE_LINES:
            found.append(f"{rel}: {count} lines (most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and f"{rel}:{node.name}" not in TABLES:
                size = _function_lines(node)
                if size > MAX_FUNCTION_LINES:
                    found.append(f"{rel}:{node.lineno} {node.name}(): {size} lines (most {MAX_FUNCTION_LINES})")
    return found


def _functions(files: list[Path], root: Path = STUDIO.parent) -> list[tuple[int, str]]:
    """``(lines, "path:line name()")`` of every function in ``files`` (docstrings not counted)."""
    found = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((_function_lines(node), f"{rel}:{node.lineno} {node.name}()"))
    return found


def test_the_largest_modules_and_functions_are_reported():
    """The ten largest modules and functions, printed (``pytest -s``); those over the marks, a warning."""
    files = sorted(STUDIO.rglob("*.py"))
    sizes = sorted(((len(p.read_text(encoding="utf-8").splitlines()), p.relative_to(STUDIO.parent).as_posix())
                    for p in files), reverse=True)
    functions = sorted(_functions(files), reverse=True)
    print("\nlargest modules:\n" + "\n".join(f"{n:5d} {path}" for n, path in sizes[:10]))
    print("largest functions:\n" + "\n".join(f"{n:5d} {where}" for n, where in functions[:10]))
    over = oversized(files)
    if over:
        warnings.warn("long modules and functions (a report, not a rule): " + "; ".join(over), stacklevel=1)
    assert sizes and functions


def test_the_check_sees_a_long_function_and_a_long_module(tmp_path):
    """The check itself finds an oversized function and module (so the tests above can fail)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    fake = tmp_path / "probe.py"
    fake.write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py:1 f(): {MAX_FUNCTION_LINES + 2} lines (most {MAX_FUNCTION_LINES})"]
    fake.write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py: {MAX_MODULE_LINES + 1} lines (most {MAX_MODULE_LINES})"]
