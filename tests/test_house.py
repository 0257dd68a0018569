"""The house rules a newcomer can rely on: small functions, and a report of the largest modules.

No function in ``studio/`` is over :data:`MAX_FUNCTION_LINES` lines of code (its docstring not counted),
except the declarative tables listed in :data:`TABLES`. A module's length is a smell detector, not a law
(issue #24): modules over :data:`MAX_MODULE_LINES` lines are reported (a warning in the test summary, and the
ten largest printed with ``-s``), not refused, so nothing is split only to meet a count.
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


def _modules(ui: bool) -> list[Path]:
    return [p for p in sorted(STUDIO.rglob("*.py")) if (p.relative_to(STUDIO).parts[0] == "ui") == ui]


def _checked(ui: bool) -> list[str]:
    """The functions over the limit (the failures); long modules are reported as a warning."""
    found = oversized(_modules(ui))
    long_modules = [f for f in found if "()" not in f]
    if long_modules:
        warnings.warn("long modules (a report, not a rule): " + "; ".join(long_modules), stacklevel=2)
    return [f for f in found if "()" in f]


def test_engine_functions_are_small():
    too_big = _checked(ui=False)
    assert not too_big, "split these (see docs on small functions):\n" + "\n".join(too_big)


def test_ui_functions_are_small():
    too_big = _checked(ui=True)
    assert not too_big, "split these:\n" + "\n".join(too_big)


def test_the_largest_modules_are_reported():
    """The ten largest modules, printed (``pytest -s``): where a reviewer looks first for a natural seam."""
    sizes = sorted(((len(p.read_text(encoding="utf-8").splitlines()), p.relative_to(STUDIO.parent).as_posix())
                    for p in STUDIO.rglob("*.py")), reverse=True)
    print("\nlargest modules:\n" + "\n".join(f"{n:5d} {path}" for n, path in sizes[:10]))
    assert sizes


def test_the_check_sees_a_long_function_and_a_long_module(tmp_path):
    """The check itself finds an oversized function and module (so the tests above can fail)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    fake = tmp_path / "probe.py"
    fake.write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py:1 f(): {MAX_FUNCTION_LINES + 2} lines (most {MAX_FUNCTION_LINES})"]
    fake.write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py: {MAX_MODULE_LINES + 1} lines (most {MAX_MODULE_LINES})"]
