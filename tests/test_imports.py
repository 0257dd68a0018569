"""The house's layering, read from the source: no import cycle inside ``studio``, no module takes
another module's private (``_name``) names, and the UI never reaches past the engines to the model
manager (``studio.models``).

Every import counts, at any depth: an import inside a function is still a dependency (issue #24), and
a cycle hidden in a function is a cycle a reader has to untangle all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

STUDIO = Path(__file__).resolve().parent.parent / "studio"


def module_name(path: Path) -> str:
    parts = path.relative_to(STUDIO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(STUDIO.rglob("*.py"))}


def _target(node: ast.ImportFrom, path: Path) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    base = package.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _studio_imports(path: Path, modules: set[str], source: str | None = None):
    """``(module, name)`` for each ``studio`` import anywhere in ``path``: ``name`` is the imported name of a
    ``from module import name`` that is not a submodule, else None.

    ``from package import name`` counts as an import of the submodule ``package.name`` when there is one
    (the package itself is then only being set up, which Python allows), else of ``package``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "studio":
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            target = _target(node, path)
            if target.split(".")[0] != "studio":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub, None) if sub in modules else (target, alias.name)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The ``studio`` modules ``path`` imports, at any depth (absolute names)."""
    return {module for module, _ in _studio_imports(path, modules)}


def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in imports(p, set(modules)) if m in modules and m != name}
            for name, p in modules.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of module names (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_aliases(tree: ast.AST, path: Path, modules: set[str]) -> dict[str, str]:
    """Local names bound to a ``studio`` module (``import studio.x as m``, ``from studio import x``)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "studio" and alias.asname:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _target(node, path)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{target}.{alias.name}"
    return bound


def private_imports(name: str, path: Path, modules: set[str], source: str | None = None) -> list[str]:
    """``module: takes other._name`` for each private name ``path`` takes from another ``studio`` module,
    by ``from other import _name`` or as ``other._name`` of an imported module."""
    source = path.read_text(encoding="utf-8") if source is None else source
    found = [f"{name}: from {module} import {imported}"
             for module, imported in _studio_imports(path, modules, source)
             if imported and _private(imported) and module != name]
    tree = ast.parse(source)
    aliases = _module_aliases(tree, path, modules)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr) \
                and aliases.get(node.value.id, name) != name:
            found.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    return found


def test_the_checker_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_checker_sees_imports_inside_functions_and_private_names():
    source = "def f():\n    from .b import _hidden\n    from . import c\n    return c._also()\n"
    path = STUDIO / "text" / "probe.py"  # never written: its name only resolves the relative imports
    modules = {"studio.text.b", "studio.text.c", "studio.text.probe"}
    assert set(_studio_imports(path, modules, source)) == {("studio.text.b", "_hidden"), ("studio.text.c", None)}
    assert private_imports("studio.text.probe", path, modules, source) == [
        "studio.text.probe: from studio.text.b import _hidden", "studio.text.probe:4 uses studio.text.c._also"]


def test_studio_has_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle (imports inside functions count too): " + " -> ".join(cycle)


def test_no_module_takes_another_modules_private_names():
    modules = _modules()
    found = [f for name, p in modules.items() for f in private_imports(name, p, set(modules))]
    assert not found, "make these public, or move them where they are used:\n" + "\n".join(found)


def test_ui_does_not_import_the_model_manager():
    edges = graph()
    bad = sorted(f"{m} imports {', '.join(sorted(t for t in targets if t.startswith('studio.models')))}"
                 for m, targets in edges.items()
                 if m.startswith("studio.ui") and any(t.startswith("studio.models") for t in targets))
    assert not bad, "the UI must ask the engines, not the model manager:\n" + "\n".join(bad)


def test_the_api_does_not_import_the_ui():
    edges = graph()
    bad = sorted(f"{m} imports {t}" for m, targets in edges.items() if m.startswith("studio.api")
                 for t in targets if t.startswith("studio.ui"))
    assert not bad, "the API serves the engines, never the UI:\n" + "\n".join(bad)
