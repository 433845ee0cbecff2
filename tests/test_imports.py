"""The import graph of toolkit/, pipelines/ and web/: layers point down, no circles, no private names.

Every ``import`` statement counts, also those inside functions (a deferred import still ties the two
modules together); only ``if TYPE_CHECKING:`` blocks are left out, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("toolkit", "pipelines", "web")
LAYER = {"web": 0, "pipelines": 1, "toolkit": 2}  # a module may import only from its own layer or below


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(importer: str, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    is_pkg = MODULES[importer].name == "__init__.py"
    base = importer.split(".")[: len(importer.split(".")) - level + (1 if is_pkg else 0)]
    return ".".join(base + ([target] if target else []))


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports(name: str) -> list[tuple[str, str | None]]:
    """``(module, imported name or None)`` for every import in module ``name`` that lands in our packages."""
    out = []
    for node in _runtime_nodes(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, node.level, node.module)
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub, None) if sub in MODULES else (base, a.name))
    return [(m, n) for m, n in out if m.split(".")[0] in PACKAGES and m in MODULES]


GRAPH = {m: imports(m) for m in MODULES}


def circles() -> set[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    edges = {m: {t for t, _ in GRAPH[m] if t != m} for m in GRAPH}
    index, low, stack, on, found = {}, {}, [], set(), set()

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on.discard(w)
                scc.add(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.add(frozenset(scc))

    for m in sorted(edges):
        if m not in index:
            visit(m)
    return found


def private_imports() -> set[tuple[str, str, str]]:
    return {(m, t, n) for m in GRAPH for t, n in GRAPH[m]
            if n and n.startswith("_") and not n.startswith("__") and t != m}


def test_graph_sees_the_packages():
    assert len(MODULES) > 100 and "toolkit.llm.local" in MODULES
    assert ("toolkit.llm.base", "LLM") in GRAPH["toolkit.llm.local"]  # relative imports resolve


def test_layers_point_down():
    up = sorted((m, t) for m in GRAPH for t, _ in GRAPH[m] if LAYER[t.split(".")[0]] < LAYER[m.split(".")[0]])
    assert not up, f"imports against the layering (web -> pipelines -> toolkit): {up}"


def test_no_import_circles():
    found = circles()
    assert not found, "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)


def test_no_private_names_across_modules():
    found = private_imports()
    assert not found, "private names imported from another module: " + "; ".join(
        f"{m} imports {t}.{n}" for m, t, n in sorted(found))


def test_finders_catch_a_circle_and_a_private_import(monkeypatch):
    fake = {"toolkit.a": [("toolkit.b", "_x")], "toolkit.b": [("toolkit.a", None)]}
    monkeypatch.setitem(globals(), "GRAPH", fake)
    assert circles() == {frozenset({"toolkit.a", "toolkit.b"})}
    assert private_imports() == {("toolkit.a", "toolkit.b", "_x")}
