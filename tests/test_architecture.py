"""The shape of ARCHITECTURE.md holds: layers one way, no import cycle (imports inside
functions included), no query built in a route or a page handler, the stand-in Odoo outside the
product package. The import-linter contracts live in pyproject.toml."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    found = Path(sys.executable).with_name("lint-imports")
    if not found.exists():
        pytest.skip("lint-imports is not installed (make test installs import-linter)")
    return str(found)


def test_import_linter_contracts_are_kept():
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n in set(modules))
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges[node]
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


@pytest.mark.parametrize("package", ["service", "qr_forms"])
def test_no_module_is_part_of_an_import_cycle(package):
    graph = grimp.build_graph(package, cache_dir=None)
    assert _cycles(graph, package) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: a package whose modules import each other is caught."""
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("loopy", cache_dir=None)
    assert _cycles(graph, "loopy") == [["loopy.a", "loopy.b"]]


QUERY_CALLS = {"select", "exec", "execute", "get", "get_one", "query", "scalars", "scalar"}


def _queries_in(path: Path) -> list[str]:
    """Query building in a module: SQL imports (but the session and engine types, and the
    database's exceptions, which an error table maps), and ``session.<query>(...)`` calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
        if module.split(".")[0] in ("sqlalchemy", "sqlmodel") and module != "sqlalchemy.exc":
            names = {alias.name for alias in node.names}
            if names - {"Session", "Engine"}:  # the types are allowed, not the query tools
                found.append(f"{path.name}:{node.lineno} imports {sorted(names)} from SQL")
        elif isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] in ("sqlalchemy", "sqlmodel") for alias in node.names
        ):
            found.append(f"{path.name}:{node.lineno} imports SQL")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (
                isinstance(owner, ast.Name)
                and owner.id == "session"
                and node.func.attr in QUERY_CALLS
            ):
                found.append(f"{path.name}:{node.lineno} session.{node.func.attr}()")
    return found


@pytest.mark.parametrize("adapter", ["api", "web", "http", "odoo/routes.py"])
def test_routes_and_page_handlers_build_no_queries(adapter):
    where = ROOT / "service" / adapter
    modules = [where] if where.is_file() else sorted(where.glob("*.py"))
    assert modules
    assert [hit for path in modules for hit in _queries_in(path)] == []


def test_the_stand_in_odoo_is_test_support_not_product():
    assert not (ROOT / "service" / "odoo" / "standin.py").exists()
    assert (ROOT / "tests" / "support" / "odoo_standin" / "__init__.py").exists()
    product = [p for p in (ROOT / "service").rglob("*.py") if "standin" in p.read_text("utf-8")]
    assert product == []


CJK = re.compile("[\u4e00-\u9fff]")
#: Chinese that is not a label shown to people: words read from input (spreadsheet headings,
#: Odoo stage names), and the console messages of the command-line tools.
NOT_LABELS = {
    "service/importer/columns.py",
    "service/odoo/mapping.py",
    "service/cli.py",
    "service/web/forms_cli.py",
    "service/demo.py",
    "service/domain/categories.py",  # keywords the rule table matches in repair titles
    "qr_forms/fonts.py",  # characters a font must draw to be chosen
}


def _label_literals(path: Path) -> list[str]:
    """Chinese in string literals that are not docstrings (of modules, classes, functions or
    attributes: a string standing as a statement of its own)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and CJK.search(node.value)
    ]


def test_every_label_comes_from_the_catalogue():
    """Pages, PDFs, exports and Odoo notes get their zh_CN/en words from service/catalogue;
    qr_forms receives them as data."""
    files = [*(ROOT / "service").rglob("*.py"), *(ROOT / "qr_forms").rglob("*.py")]
    outside = [
        p
        for p in files
        if "catalogue" not in p.relative_to(ROOT).parts
        and "migrations" not in p.relative_to(ROOT).parts
        and str(p.relative_to(ROOT)) not in NOT_LABELS
    ]
    assert [hit for path in sorted(outside) for hit in _label_literals(path)] == []
