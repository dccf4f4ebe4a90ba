"""The add-on's default category rule table must stay identical to the service's.

The add-on cannot import the service (Odoo loads it on its own), so it keeps a copy; these
tests read both files without importing Odoo.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from service.domain.categories import DEFAULT_RULES, categorize

ROOT = Path(__file__).resolve().parents[2]
SERVICE_FILE = ROOT / "service" / "domain" / "categories.py"
ADDON_FILE = ROOT / "addon" / "maintenance_callback" / "category_rules.py"


def _assigned_value(tree: ast.Module, name: str) -> ast.expr:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                assert node.value is not None
                return node.value
    raise AssertionError(f"{name} is not assigned at module level")


def service_table() -> list[tuple[str, tuple[str, ...]]]:
    """``CategoryRule(Category.SAFETY, (...))`` entries of the service's DEFAULT_RULES."""
    tree = ast.parse(SERVICE_FILE.read_text(encoding="utf-8"))
    table = []
    for call in _assigned_value(tree, "DEFAULT_RULES").elts:  # type: ignore[attr-defined]
        assert isinstance(call, ast.Call) and call.func.id == "CategoryRule"  # type: ignore[attr-defined]
        category_node, keywords_node = call.args
        assert isinstance(category_node, ast.Attribute)
        table.append((category_node.attr.lower(), tuple(ast.literal_eval(keywords_node))))
    return table


def addon_table() -> list[tuple[str, tuple[str, ...]]]:
    """``(SAFETY, (...))`` entries of the add-on's DEFAULT_RULES, names resolved."""
    tree = ast.parse(ADDON_FILE.read_text(encoding="utf-8"))
    table = []
    for pair in _assigned_value(tree, "DEFAULT_RULES").elts:  # type: ignore[attr-defined]
        category_node, keywords_node = pair.elts
        assert isinstance(category_node, ast.Name)
        category = ast.literal_eval(_assigned_value(tree, category_node.id))
        table.append((category, tuple(ast.literal_eval(keywords_node))))
    return table


def test_addon_keyword_table_is_identical_to_the_services() -> None:
    service = service_table()
    assert [c for c, _ in service] == ["safety", "leak"]  # the parser read the real table
    assert sum(len(words) for _, words in service) > 50
    assert addon_table() == service


def test_parsed_service_table_matches_the_imported_one() -> None:
    assert service_table() == [(r.category.value, r.keywords) for r in DEFAULT_RULES]


def _load_addon_rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("addon_category_rules", ADDON_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "texts",
    [
        ("卫生间水管漏水",),
        ("消防设施", "Pump 2", "异响"),
        ("Fire hydrant pipe leak",),
        ("Kitchen faucet drips",),
        ("Sticky tape on the door",),
        ("An uplifting paint job",),
        ("Lifts", None, "stuck"),
        ("",),
        (None, "Replace light bulb"),
    ],
)
def test_addon_matching_agrees_with_the_service(texts: tuple[str | None, ...]) -> None:
    assert _load_addon_rules().categorize(*texts) == categorize(*texts).value
