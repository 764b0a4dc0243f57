"""The package's layers: ``core/`` (the maths) imports nothing of ours outside ``core/``; the
adapters never import a host; and no two modules import each other, directly or round a cycle
(imports inside functions included)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rlgames_cpo"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set:
    """Our modules that ``path`` imports, anywhere in it (``from a import b`` counts ``a.b``
    when that is a module, else ``a``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES
                          else node.module)
    return {name for name in found if name in MODULES}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_core_imports_only_core():
    for name, imported in GRAPH.items():
        if name.startswith("rlgames_cpo.core"):
            outside = {m for m in imported if not m.startswith("rlgames_cpo.core")}
            assert not outside, f"{name} imports {outside}"


def test_adapters_import_no_host():
    for name, imported in GRAPH.items():
        if name.startswith("rlgames_cpo.adapters"):
            assert not {m for m in imported if m.startswith("rlgames_cpo.hosts")}, name


def test_no_import_cycles():
    # a package imports its own submodules through its __init__; only the others count
    def edges(name):
        return {m for m in GRAPH[name] if not name.startswith(m + ".") and not m.startswith(name + ".")}

    done, path = set(), []

    def visit(name):
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        path.append(name)
        for other in sorted(edges(name)):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)
