"""Build the Odoo add-on for each series it supports from its one source in ``addon/``.

``addon/maintenance_callback`` is the 18.0 tree. Its Python is the same on every series (it
asks the running Odoo's ``version_info``, see ``series.py``); what Odoo reads before any
Python runs is written here per series:

    python scripts/build_addons.py [--out build/addons] [--series 17.0 ...] [--no-zip]

makes ``<out>/<series>/maintenance_callback/`` (put ``<out>/<series>`` on that Odoo's addons
path) and ``<out>/maintenance_callback-<version>.zip`` for each series. Every rule below is
listed in ``addon/README.md`` with the series that needs it. A rule that finds nothing to
change fails the build: the source moved and the rule must follow it.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "addon"
MODULE = "maintenance_callback"
SOURCE_SERIES = "18.0"
SERIES = ("17.0", "18.0", "19.0")
SKIPPED = ("__pycache__", "*.pyc", "*.pyo", ".ruff_cache")
# Fixed timestamp for the zip entries: the same source gives the same zip.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The source does not look as a rule expects."""


@dataclass(frozen=True)
class Rule:
    """One difference between series: in these files, for these series, this change."""

    name: str
    series: tuple[str, ...]
    files: str  # a glob inside the module
    why: str
    change: Callable[[str, str], tuple[str, int]]  # (text, series) -> (new text, changes)


def _records(text: str, model: str, change: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    """Apply ``change`` to each ``<record ... model="model">...</record>`` of ``text``."""
    total = 0

    def one(match: re.Match[str]) -> str:
        nonlocal total
        block, count = change(match.group(0))
        total += count
        return block

    pattern = re.compile(rf'<record\b[^>]*\bmodel="{re.escape(model)}"[^>]*>.*?</record>', re.S)
    return pattern.sub(one, text), total


def manifest_version(text: str, series: str) -> tuple[str, int]:
    pattern = re.compile(r'("version":\s*")' + re.escape(SOURCE_SERIES) + r'(\.\d+\.\d+\.\d+")')
    return pattern.subn(rf"\g<1>{series}\g<2>", text, count=1)


def list_to_tree(text: str, series: str) -> tuple[str, int]:
    """``<list>`` views and ``list`` view modes (in ``view_mode`` and ``view_ids``)."""
    text, tags = re.subn(r"(</?)list\b", r"\1tree", text)

    def modes(match: re.Match[str]) -> str:
        return match.group(1) + re.sub(r"\blist\b", "tree", match.group(2)) + match.group(3)

    text, fields = re.subn(r'(<field name="view_mode">)([^<]*)(</field>)', modes, text)
    text, evals = re.subn(r"'view_mode': 'list'", "'view_mode': 'tree'", text)
    return text, tags + fields + evals


def kanban_anchor(text: str, series: str) -> tuple[str, int]:
    """17's request card has ``schedule_date`` inside ``<span name="schedule_date"
    t-if=...>``: after the field the badges would show only on scheduled requests."""

    def anchor(block: str) -> tuple[str, int]:
        if 'ref="maintenance.hr_equipment_request_view_kanban"' not in block:
            return block, 0
        return block.replace(
            "//field[@name='schedule_date']", "//span[@name='schedule_date']"
        ), block.count("//field[@name='schedule_date']")

    return _records(text, "ir.ui.view", anchor)


CATEGORY_FIELD = re.compile(
    r'(?m)^(?P<indent>[ \t]*)<field name="category_id" ref="(?P<ref>[^"]+)" */>\n'
)


def group_privileges(text: str, series: str) -> tuple[str, int]:
    """19's groups have a ``privilege_id`` (a ``res.groups.privilege`` holding the category)
    instead of ``category_id``; a group that was in the hidden category has none."""
    categories: dict[str, str] = {}  # category xml id -> privilege xml id

    def group(block: str) -> tuple[str, int]:
        def one(match: re.Match[str]) -> str:
            ref = match.group("ref")
            if ref == "base.module_category_hidden":
                return ""
            if "." in ref:
                raise BuildError(f"group in another module's category {ref}: no rule for it")
            privilege = categories.setdefault(
                ref, ref.replace("module_category_", "res_groups_privilege_", 1)
            )
            return f'{match.group("indent")}<field name="privilege_id" ref="{privilege}" />\n'

        return CATEGORY_FIELD.subn(one, block)

    text, count = _records(text, "res.groups", group)
    for category, privilege in categories.items():
        record = re.search(
            rf'<record id="{re.escape(category)}" model="ir.module.category">.*?</record>\n',
            text,
            re.S,
        )
        if not record:
            raise BuildError(f"category {category} is not defined in this file")
        name = re.search(r'<field name="name">([^<]+)</field>', record.group(0))
        sequence = re.search(r'<field name="sequence">([^<]+)</field>', record.group(0))
        if not name:
            raise BuildError(f"category {category} has no name")
        privilege_record = (
            f'\n    <record id="{privilege}" model="res.groups.privilege">\n'
            f'        <field name="name">{name.group(1)}</field>\n'
            f'        <field name="category_id" ref="{category}" />\n'
            + (f'        <field name="sequence">{sequence.group(1)}</field>\n' if sequence else "")
            + "    </record>\n"
        )
        text = text[: record.end()] + privilege_record + text[record.end() :]
        count += 1
    return text, count


def group_users(text: str, series: str) -> tuple[str, int]:
    return _records(
        text,
        "res.groups",
        lambda block: re.subn(r'<field(\s+)name="users"', r'<field\1name="user_ids"', block),
    )


def privilege_translation(text: str, series: str) -> tuple[str, int]:
    """The privilege made by ``group-privileges`` is named like its category: same term."""
    category = f"#: model:ir.module.category,name:{MODULE}.module_category_{MODULE}\n"
    privilege = f"#: model:res.groups.privilege,name:{MODULE}.res_groups_privilege_{MODULE}\n"
    return text.replace(category, category + privilege, 1), text.count(category[:-1])


RULES = (
    Rule(
        "manifest-version",
        ("17.0", "19.0"),
        "__manifest__.py",
        "a manifest of another series breaks a new 17 database (ValueError: Invalid version) "
        "and is skipped by 19 (installable=False)",
        manifest_version,
    ),
    Rule(
        "list-views-as-tree",
        ("17.0",),
        "views/*.xml",
        "17 refuses <list> (Wrong value for ir.ui.view.type: 'list'); 18 refuses <tree>",
        list_to_tree,
    ),
    Rule(
        "kanban-anchor",
        ("17.0",),
        "views/maintenance_request_views.xml",
        "17's request card keeps schedule_date inside <span name='schedule_date' t-if=...>",
        kanban_anchor,
    ),
    Rule(
        "group-privileges",
        ("19.0",),
        "security/*.xml",
        "19's res.groups has privilege_id (a res.groups.privilege) instead of category_id",
        group_privileges,
    ),
    Rule(
        "group-users",
        ("19.0",),
        "security/*.xml",
        "19's res.groups.users is user_ids",
        group_users,
    ),
    Rule(
        "privilege-translation",
        ("19.0",),
        "i18n/*.po*",
        "the privilege's name gets the category's zh_CN term",
        privilege_translation,
    ),
)


def module_version(manifest: Path) -> str:
    return ast.literal_eval(manifest.read_text(encoding="utf-8"))["version"]


def build_series(series: str, out: Path, source: Path = SOURCE) -> Path:
    """Write ``<out>/<series>/<MODULE>`` and return it."""
    if series not in SERIES:
        raise BuildError(f"unknown series {series}: one of {', '.join(SERIES)}")
    target = out / series / MODULE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source / MODULE, target, ignore=shutil.ignore_patterns(*SKIPPED))
    for rule in RULES:
        if series not in rule.series:
            continue
        files = sorted(target.glob(rule.files))
        changed = 0
        for path in files:
            text = path.read_text(encoding="utf-8")
            new, count = rule.change(text, series)
            changed += count
            if new != text:
                path.write_text(new, encoding="utf-8")
        if not changed:
            raise BuildError(
                f"rule {rule.name} changed nothing in {rule.files} for {series}: "
                "the source moved, update the rule in scripts/build_addons.py"
            )
    version = module_version(target / "__manifest__.py")
    if not version.startswith(f"{series}."):
        raise BuildError(f"{series}: the manifest says {version}")
    return target


def zip_tree(tree: Path, out: Path) -> Path:
    """``<out>/<MODULE>-<version>.zip`` with the module's directory at its top."""
    archive = out / f"{MODULE}-{module_version(tree / '__manifest__.py')}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{MODULE}/{path.relative_to(tree).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return archive


def build(out: Path, series: tuple[str, ...] = SERIES, *, zips: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for one in series:
        tree = build_series(one, out)
        made.append(tree)
        if zips:
            made.append(zip_tree(tree, out))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "addons")
    parser.add_argument("--series", nargs="+", default=list(SERIES), choices=SERIES)
    parser.add_argument("--no-zip", action="store_true", help="the trees only")
    args = parser.parse_args(argv)
    try:
        made = build(args.out, tuple(args.series), zips=not args.no_zip)
    except BuildError as exc:
        print(f"build_addons: {exc}", file=sys.stderr)
        return 1
    for path in made:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
