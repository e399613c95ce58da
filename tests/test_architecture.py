"""The layout shows the architecture (issue 17): layer packages that import only downward, no import cycles, one
way to Streamlit, one privacy boundary, thin pages. Read from the source with ``ast`` (no module is imported
except in the Streamlit check, which imports them in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT_ROOT / "community_policing"
PAGES = PROJECT_ROOT / "pages"

# Each layer and the layers it may import (README, "How the code is laid out"). "root" is the package's ground
# floor (i18n, settings, exports, accessibility): every layer may use it, and it uses none.
LAYERS = {
    "root": set(),
    "data": {"root"},
    "stats": {"data", "root"},
    "views": {"stats", "data", "root"},
    "figures": {"views", "stats", "data", "root"},
    "ledger": {"views", "stats", "data", "root"},
    "briefing": {"figures", "views", "stats", "data", "root"},
    "web": {"briefing", "ledger", "figures", "views", "stats", "data", "root"},
}
# The entry points sit above every layer: the command line and `python -m community_policing`.
ENTRY_POINTS = {"community_policing.cli", "community_policing.__main__"}
# The one arrow that runs back up, on purpose: opening a warehouse brings its ledger file up to date
# (store -> ledger.book.upgrade). The ledger reads its paths from data.files, not from the store, so it is no cycle.
UPWARD_ALLOWED = {("community_policing.data.store", "community_policing.ledger.book")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def library_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The library modules ``path`` imports, at the top or inside a function (both make a cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.startswith("community_policing"):
                found.add(name)
    return found - {module_name(path)}


def graph() -> dict[str, set[str]]:
    modules = library_modules()
    known = set(modules)
    return {name: {m for m in imports_of(path, known) if m != name and not name.startswith(m + ".")}
            for name, path in modules.items()}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else "root"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    found = cycles(graph())
    assert not found, f"modules that import each other (directly or round a loop): {found}"


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_layer_imports_only_the_layers_below_it():
    wrong = []
    for module, imported in graph().items():
        if module in ENTRY_POINTS or module == "community_policing":
            continue
        allowed = LAYERS[layer_of(module)] | {layer_of(module)}
        wrong += [f"{module} -> {other}" for other in sorted(imported)
                  if layer_of(other) not in allowed and (module, other) not in UPWARD_ALLOWED]
    assert not wrong, "imports that run up the layers (README, 'How the code is laid out'):\n" + "\n".join(wrong)


def test_the_layer_map_names_every_package():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS) - {"root"}


def test_only_the_web_layer_imports_streamlit():
    """Every module outside community_policing.web imports without Streamlit (one interpreter for all, then one
    per module to name the culprit); the web layer is the only way to it."""
    outside = sorted(m for m in library_modules() if not m.startswith("community_policing.web")
                     and m not in ENTRY_POINTS)
    code = ("import importlib, sys\n"
            f"for name in {outside!r}: importlib.import_module(name)\n"
            "sys.exit(3 if 'streamlit' in sys.modules else 0)")
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if run.returncode == 3:
        culprits = [m for m in outside if subprocess.run(
            [sys.executable, "-c", f"import sys, {m}; sys.exit('streamlit' in sys.modules)"],
            cwd=PROJECT_ROOT).returncode]
        raise AssertionError(f"these modules import Streamlit outside community_policing.web: {culprits}")
    assert run.returncode == 0, run.stderr
    direct = [m for m, path in library_modules().items() if not m.startswith("community_policing.web")
              and any(n.split(".")[0] == "streamlit" for n in _imported_names(path))]
    assert not direct, direct
    web = subprocess.run([sys.executable, "-c", "import sys, community_policing.web.cached; "
                          "sys.exit('streamlit' not in sys.modules)"], cwd=PROJECT_ROOT)
    assert web.returncode == 0


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _page_files() -> list[Path]:
    return sorted(PAGES.glob("*.py"))


def test_pages_never_name_privacy():
    """One privacy boundary: every frame a page gets from the library (``cached.view``, ``cached.area_comparison``) is
    already protected in public mode, so a page never handles the privacy rules itself; a new page that forgot them
    could not leak. Read from every page's source: no name or attribute ``privacy``, no ``privacy_rules()``."""
    found = []
    for path in _page_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                    else node.module if isinstance(node, ast.ImportFrom) else None)
            names = [alias.name for alias in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
            if (name and ("privacy" == name.rpartition(".")[2] or name == "privacy_rules")) or any(
                    n.rpartition(".")[2] == "privacy" for n in names):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"pages that handle privacy themselves (use cached.view / cached.public_note): {sorted(set(found))}"


PAGE_LINES = 200


def test_pages_stay_thin():
    """A page is widgets, layout and calls; what it computes lives in its view module."""
    long = {path.name: n for path in _page_files() if (n := len(path.read_text(encoding="utf-8").splitlines()))
            > PAGE_LINES}
    assert not long, f"pages over {PAGE_LINES} lines: {long}"
