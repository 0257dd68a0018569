"""The house rules a newcomer can rely on, and a report of where to look for a natural seam.

Line counts are a smell detector, not a law (issue #24): functions over :data:`MAX_FUNCTION_LINES` lines of
code (docstring not counted) and modules over :data:`MAX_MODULE_LINES` lines are reported (a warning in the
test summary, and the largest printed with ``-s``), never refused, so nothing is split only to meet a count.
What fails here are the rules that keep the layers apart (checked in :mod:`tests.test_imports`): no import
cycle inside ``studio``, at any depth, and no module taking another's private names.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from . import test_imports as layering

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


def _reported(ui: bool) -> list[str]:
    """The functions and modules over the limits, as a warning (a report, not a rule)."""
    found = oversized(_modules(ui))
    if found:
        warnings.warn("over the line limits (a report, not a rule): " + "; ".join(found), stacklevel=2)
    return found


def test_long_engine_functions_and_modules_are_reported():
    print("\nengine code over the limits:\n" + "\n".join(_reported(ui=False)))


def test_long_ui_functions_and_modules_are_reported():
    print("\nUI code over the limits:\n" + "\n".join(_reported(ui=True)))


def test_the_largest_modules_and_functions_are_reported():
    """The ten largest modules and functions, printed (``pytest -s``): where a reviewer looks first for a seam."""
    sizes, functions = [], []
    for p in STUDIO.rglob("*.py"):
        source, rel = p.read_text(encoding="utf-8"), p.relative_to(STUDIO.parent).as_posix()
        sizes.append((len(source.splitlines()), rel))
        functions += [(_function_lines(n), f"{rel}:{n.lineno} {n.name}()") for n in ast.walk(ast.parse(source))
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    print("\nlargest modules:\n" + "\n".join(f"{n:5d} {path}" for n, path in sorted(sizes, reverse=True)[:10]))
    print("largest functions:\n" + "\n".join(f"{n:5d} {name}" for n, name in sorted(functions, reverse=True)[:10]))
    assert sizes and functions


def test_no_import_cycle_and_no_private_names_across_modules():
    """The two rules that fail: the layering of :mod:`tests.test_imports`."""
    layering.test_studio_has_no_import_cycle()
    layering.test_no_module_takes_another_modules_private_names()


def test_the_check_sees_a_long_function_and_a_long_module(tmp_path):
    """The check itself finds an oversized function and module (so the report above is not empty by mistake)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    fake = tmp_path / "probe.py"
    fake.write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py:1 f(): {MAX_FUNCTION_LINES + 2} lines (most {MAX_FUNCTION_LINES})"]
    fake.write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert oversized([fake], tmp_path) == [f"probe.py: {MAX_MODULE_LINES + 1} lines (most {MAX_MODULE_LINES})"]
