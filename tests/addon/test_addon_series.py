"""``make addons``: the add-on built for 17.0, 18.0 and 19.0, each tree checked against its
series' rules without an Odoo (parsed XML, the manifest, no model or field the series lacks).

What each series lacks is written here from real servers (ODOO-NOTES.md and the add-on's
README), independently of the builder's rules: a rule that goes wrong fails here.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "addon" / "maintenance_callback"
README = ROOT / "addon" / "README.md"
SERIES = ("17.0", "18.0", "19.0")


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_addons", ROOT / "scripts" / "build_addons.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


# What Odoo refuses, per series: view types, models, and fields of a model in data records.
LACKS: dict[str, dict[str, set]] = {
    "17.0": {
        "view_types": {"list"},
        "models": {"res.groups.privilege"},
        "fields": {("res.groups", "privilege_id"), ("res.groups", "user_ids")},
    },
    "18.0": {
        "view_types": {"tree"},
        "models": {"res.groups.privilege"},
        "fields": {("res.groups", "privilege_id"), ("res.groups", "user_ids")},
    },
    "19.0": {
        "view_types": {"tree"},
        "models": set(),
        "fields": {
            ("res.groups", "category_id"),
            ("res.groups", "users"),
            ("res.partner", "mobile"),
        },
    },
}
GROUPS = (
    "group_callback_lead",
    "group_callback_supervisor",
    "group_callback_manager",
    "group_callback_integration",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("addons")
    builder.build(out)
    return out


def _manifest(tree: Path) -> dict:
    return ast.literal_eval((tree / "__manifest__.py").read_text(encoding="utf-8"))


def _records(tree: Path) -> list[tuple[Path, ElementTree.Element]]:
    found = []
    for path in sorted(tree.rglob("*.xml")):
        root = ElementTree.parse(path).getroot()  # every XML file parses
        assert root.tag == "odoo", path
        found += [(path, record) for record in root.iter("record")]
    return found


def _by_id(tree: Path) -> dict[str, ElementTree.Element]:
    return {record.get("id"): record for _, record in _records(tree)}


def _fields(record: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {field.get("name"): field for field in record.findall("field")}


@pytest.mark.parametrize("series", SERIES)
def test_manifest_names_the_series_and_lists_existing_files(built: Path, series: str) -> None:
    tree = built / series / "maintenance_callback"
    manifest, source = _manifest(tree), _manifest(SOURCE)
    assert manifest["version"] == series + source["version"].removeprefix("18.0")
    assert re.fullmatch(rf"{re.escape(series)}\.\d+\.\d+\.\d+", manifest["version"])
    assert {k: v for k, v in manifest.items() if k != "version"} == {
        k: v for k, v in source.items() if k != "version"
    }
    for name in manifest["data"]:
        assert (tree / name).is_file(), name


@pytest.mark.parametrize("series", SERIES)
def test_no_model_field_or_view_type_the_series_lacks(built: Path, series: str) -> None:
    tree = built / series / "maintenance_callback"
    lacks = LACKS[series]
    for path, record in _records(tree):
        model = record.get("model")
        where = f"{series} {path.name} {record.get('id')}"
        assert model not in lacks["models"], where
        for name, field in _fields(record).items():
            assert (model, name) not in lacks["fields"], f"{where}: {model}.{name}"
            if name == "arch":
                tags = {element.tag for element in field.iter()}
                assert not tags & lacks["view_types"], f"{where}: {tags & lacks['view_types']}"
                if series == "19.0":
                    arch = ElementTree.tostring(field, encoding="unicode")
                    assert not re.search(r"(?<![-\w])mobile\b", arch), f"{where}: mobile"
            if name == "view_mode":
                modes = set((field.text or "").split(","))
                assert not modes & lacks["view_types"], f"{where}: {field.text}"
            if name == "view_ids":
                modes = set(re.findall(r"'view_mode': '(\w+)'", field.get("eval", "")))
                assert modes and not modes & lacks["view_types"], f"{where}: {modes}"


@pytest.mark.parametrize("series", SERIES)
def test_groups_have_their_series_category_or_privilege_and_users(built: Path, series: str) -> None:
    records = _by_id(built / series / "maintenance_callback")
    for group in GROUPS:
        assert records[group].get("model") == "res.groups"
    hidden = _fields(records["group_callback_integration"])
    manager = _fields(records["group_callback_manager"])
    if series == "19.0":
        assert "category_id" not in hidden and "privilege_id" not in hidden
        assert "user_ids" in manager
        for group in GROUPS[:3]:
            privilege = records[_fields(records[group])["privilege_id"].get("ref")]
            assert privilege.get("model") == "res.groups.privilege"
            category = records[_fields(privilege)["category_id"].get("ref")]
            assert category.get("model") == "ir.module.category"
    else:
        assert hidden["category_id"].get("ref") == "base.module_category_hidden"
        assert "users" in manager
        for group in GROUPS[:3]:
            category = records[_fields(records[group])["category_id"].get("ref")]
            assert category.get("model") == "ir.module.category"


@pytest.mark.parametrize("series", SERIES)
def test_kanban_badges_follow_the_series_card(built: Path, series: str) -> None:
    kanban = _by_id(built / series / "maintenance_callback")["maintenance_request_view_kanban"]
    anchor = _fields(kanban)["arch"].find("xpath").get("expr")
    expected = "span" if series == "17.0" else "field"
    assert anchor == f"//{expected}[@name='schedule_date']"


def test_19_translates_the_privilege_like_its_category(built: Path) -> None:
    po = (built / "19.0" / "maintenance_callback" / "i18n" / "zh_CN.po").read_text(encoding="utf-8")
    entry = po.split("res_groups_privilege_maintenance_callback\n", 1)[1].split("\n\n", 1)[0]
    assert 'msgid "Maintenance Callbacks"\nmsgstr "维修回访"' in entry


def _python(tree: Path) -> dict[Path, bytes]:
    """The add-on's Python, the manifest aside (it is data)."""
    return {
        p.relative_to(tree): p.read_bytes()
        for p in tree.rglob("*.py")
        if p.name != "__manifest__.py" and "__pycache__" not in p.parts
    }


def test_python_is_the_same_on_every_series(built: Path) -> None:
    source = _python(SOURCE)
    assert Path("series.py") in source and Path("models/maintenance_request.py") in source
    for series in SERIES:
        assert _python(built / series / "maintenance_callback") == source, series


def test_18_tree_is_the_source(built: Path) -> None:
    tree = built / "18.0" / "maintenance_callback"
    files = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()}
    assert files == {
        p.relative_to(SOURCE)
        for p in SOURCE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert all((tree / f).read_bytes() == (SOURCE / f).read_bytes() for f in files)


# Series-specific Python names, allowed only in series.py (the rest asks it).
SERIES_ONLY_CALLS = {"check_access", "check_access_rights", "check_access_rule"}


def _python_files() -> list[Path]:
    return [p for p in sorted(SOURCE.rglob("*.py")) if p.name != "series.py"]


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_python_asks_series_py_for_what_differs(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(SOURCE))
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "SERIES" in ast.unparse(node.test):
            guarded |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert not (node.attr == "_" and ast.unparse(node.value).endswith("env")), (
                f"{where}:{node.lineno}: env._ is 18+: use series.translator"
            )
            assert node.attr not in SERIES_ONLY_CALLS, (
                f"{where}:{node.lineno}: use series.check_access"
            )
            if node.attr == "Constraint":
                assert id(node) in guarded, f"{where}:{node.lineno}: models.Constraint is 19+"
        if isinstance(node, ast.Name) and node.id == "_sql_constraints":
            assert id(node) in guarded, f"{where}:{node.lineno}: 19 ignores _sql_constraints"
        if isinstance(node, ast.ImportFrom) and node.module == "odoo":
            assert "_" not in {a.name for a in node.names}, f"{where}: odoo._ only for 17"
    # mobile and users fields only where the function asks series.py which one to use
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        text = ast.unparse(func)
        if re.search(r"""['"]mobile['"]|\.mobile\b""", text):
            assert "PARTNER_PHONE_FIELDS" in text, f"{where}: {func.name} uses mobile (not on 19)"
        assert not re.search(r"""['"]users['"]""", text), (
            f"{where}: {func.name} uses res.groups.users (user_ids on 19): use GROUP_USERS_FIELD"
        )


def test_readme_lists_every_difference_with_its_series() -> None:
    readme = README.read_text(encoding="utf-8")
    for rule in builder.RULES:
        rows = [line for line in readme.splitlines() if f"`{rule.name}`" in line and "|" in line]
        assert rows, f"addon/README.md lists no row for {rule.name}"
        assert all(series in rows[0] for series in rule.series), rows[0]
    for name in ("translator", "check_access", "PARTNER_PHONE_FIELDS", "GROUP_USERS_FIELD"):
        assert f"`{name}`" in readme, name
    assert "models.Constraint" in readme


@pytest.mark.parametrize("series", SERIES)
def test_release_zip_holds_the_tree(built: Path, series: str) -> None:
    tree = built / series / "maintenance_callback"
    version = _manifest(tree)["version"]
    with zipfile.ZipFile(built / f"maintenance_callback-{version}.zip") as zf:
        names = set(zf.namelist())
        manifest = ast.literal_eval(zf.read("maintenance_callback/__manifest__.py").decode())
    files = {
        f"maintenance_callback/{p.relative_to(tree).as_posix()}"
        for p in tree.rglob("*")
        if p.is_file()
    }
    assert names == files
    assert manifest["version"] == version


def test_the_same_source_gives_the_same_zip(tmp_path: Path) -> None:
    first = builder.zip_tree(builder.build_series("19.0", tmp_path / "a"), tmp_path / "a")
    second = builder.zip_tree(builder.build_series("19.0", tmp_path / "b"), tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_a_rule_that_finds_nothing_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "src"
    builder.shutil.copytree(SOURCE, source / "maintenance_callback")
    manifest = source / "maintenance_callback" / "__manifest__.py"
    manifest.write_text(manifest.read_text().replace('"18.0.', '"16.0.'), encoding="utf-8")
    with pytest.raises(builder.BuildError, match="manifest-version"):
        builder.build_series("17.0", tmp_path / "out", source=source)
    with pytest.raises(builder.BuildError, match="unknown series"):
        builder.build_series("16.0", tmp_path / "out", source=source)
