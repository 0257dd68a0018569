"""The house's layering, read from the source: no import cycle inside ``studio``, and the UI never
reaches past the engines to the model manager (``studio.models``).

Only module-level imports count for cycles (an import inside a function runs later, when every
module is loaded, so it cannot deadlock start-up); for the UI rule every import counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

STUDIO = Path(__file__).resolve().parent.parent / "studio"


def module_name(path: Path) -> str:
    parts = path.relative_to(STUDIO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool, modules: set[str]) -> set[str]:
    """The ``studio`` modules ``path`` imports (absolute names; relative imports resolved).

    ``from package import name`` counts as an import of the submodule ``package.name`` when there
    is one (the package itself is then only being set up, which Python allows), else of ``package``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # also imports under module-level if/try (not inside functions or classes)
        stack, nodes = list(tree.body), []
        while stack:
            node = stack.pop()
            nodes.append(node)
            if isinstance(node, (ast.If, ast.Try)):
                stack += [*node.body, *node.orelse, *getattr(node, "finalbody", []),
                          *[s for h in getattr(node, "handlers", []) for s in h.body]]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "studio"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "studio":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
    return found


def graph(top_level_only: bool) -> dict[str, set[str]]:
    modules = {module_name(p): p for p in STUDIO.rglob("*.py")}
    return {name: {m for m in imports(p, top_level_only, set(modules)) if m in modules and m != name}
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


def test_the_checker_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_studio_has_no_import_cycle():
    cycle = find_cycle(graph(top_level_only=True))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_ui_does_not_import_the_model_manager():
    edges = graph(top_level_only=False)
    bad = sorted(f"{m} imports {', '.join(sorted(t for t in targets if t.startswith('studio.models')))}"
                 for m, targets in edges.items()
                 if m.startswith("studio.ui") and any(t.startswith("studio.models") for t in targets))
    assert not bad, "the UI must ask the engines, not the model manager:\n" + "\n".join(bad)
