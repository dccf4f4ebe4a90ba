"""Evidence packs: `huifang audit export` writes one estate-month (chain, ledger, signatures,
receipts, manifest); `huifang audit verify --pack` checks it with no database, and catches a
file changed, a signature swapped or an entry removed even when the manifest is rewritten."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.domain import evidence as E
from service.models import Signature
from service.usecases.evidence_pack import export_pack, verify_pack
from service.web.ledger import to_csv

from .helpers import JOB_REF, signature_png
from .test_audit_chain import history  # noqa: F401 - the fixture


def _export(engine, tmp_path: Path) -> Path:
    out = tmp_path / "packs" / "YGHY-2026-05.zip"
    with Session(engine) as session:
        manifest = export_pack(
            session, estate_code="YGHY", period="2026-05", out=out, ledger_csv=to_csv
        )
    assert manifest["signatures"] == 1 and manifest["entries"] > 0
    return out


def _rewrite(pack: Path, change, *, fix_manifest: bool) -> Path:
    """A copy of the pack with ``change(files)`` applied (and its manifest made to agree)."""
    with zipfile.ZipFile(pack) as z:
        files = {name: z.read(name) for name in z.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    change(files)
    if fix_manifest:
        manifest["files"] = {n: E.sha256_hex(b) for n, b in sorted(files.items())}
    forged = pack.with_name("forged.zip")
    with zipfile.ZipFile(forged, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            z.writestr(name, data)
    return forged


def test_a_pack_verifies_with_nothing_but_itself(history, engine, tmp_path):  # noqa: F811
    pack = _export(engine, tmp_path)
    with zipfile.ZipFile(pack) as z:
        names = set(z.namelist())
        sigs = json.loads(z.read("signatures.json"))
        ledger = z.read("ledger.csv").decode("utf-8-sig")
    assert {"manifest.json", "audit.jsonl", "ledger.csv", "signatures.json"} <= names
    (sig,) = sigs
    assert {sig["png"], sig["receipt"]} <= names and sig["job"] == JOB_REF
    assert JOB_REF in ledger
    checked = verify_pack(pack)
    assert checked.intact, checked.problems
    assert checked.signatures == 1 and checked.files == len(names) - 1
    assert checked.summary().endswith(f"1 signatures match; pack: {checked.files} files match")


def test_a_changed_file_is_caught_by_the_manifest(history, engine, tmp_path):  # noqa: F811
    pack = _export(engine, tmp_path)
    forged = _rewrite(
        pack, lambda f: f.update({"ledger.csv": f["ledger.csv"] + b"x"}), fix_manifest=False
    )
    assert verify_pack(forged).problems == ["file ledger.csv does not match the manifest"]


def test_a_swapped_signature_is_caught_even_with_a_rewritten_manifest(history, engine, tmp_path):  # noqa: F811
    pack = _export(engine, tmp_path)

    def swap(files):
        (name,) = [n for n in files if n.startswith("signatures/")]
        files[name] = signature_png(width=601)

    problems = verify_pack(_rewrite(pack, swap, fix_manifest=True)).problems
    assert len(problems) == 1 and "does not match its audit entry" in problems[0]


def test_a_removed_entry_is_caught_even_with_a_rewritten_manifest(history, engine, tmp_path):  # noqa: F811
    pack = _export(engine, tmp_path)

    def drop(files):
        lines = files["audit.jsonl"].splitlines(keepends=True)
        files["audit.jsonl"] = b"".join(lines[:2] + lines[3:])

    problems = verify_pack(_rewrite(pack, drop, fix_manifest=True)).problems
    assert problems and "(seq 3) is missing" in problems[0]


def test_a_pack_exported_after_a_swap_in_the_database_shows_it(history, engine, tmp_path):  # noqa: F811
    with Session(engine) as session:
        session.execute(sa.update(Signature).values(png=signature_png(width=601)))
        session.commit()
    problems = verify_pack(_export(engine, tmp_path)).problems
    assert len(problems) == 1 and "does not match its audit entry" in problems[0]


def test_the_commands_export_and_check_a_pack(history, engine, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HUIFANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    from service.config import get_settings
    from service.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    out = tmp_path / "pack.zip"
    args = ["audit", "export", "--estate", "YGHY", "--period", "2026-05", "--out", str(out)]
    exported = CliRunner().invoke(app, args)
    assert exported.exit_code == 0, exported.output
    assert "chain head #" in exported.output
    # checking needs no database at all
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path}/nowhere/none.db")
    get_settings.cache_clear()
    get_engine.cache_clear()
    checked = CliRunner().invoke(app, ["audit", "verify", "--pack", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "chain intact; 1 signatures match; pack:" in checked.output
    assert not (tmp_path / "nowhere").exists()
    bad = CliRunner().invoke(app, ["audit", "verify", "--pack", str(tmp_path / "missing.zip")])
    assert bad.exit_code == 1 and "not a readable evidence pack" in bad.output
    monkeypatch.setenv("HUIFANG_DATABASE_URL", str(engine.url))
    get_settings.cache_clear()
    get_engine.cache_clear()
    unknown = CliRunner().invoke(
        app, ["audit", "export", "--estate", "NOPE", "--period", "2026-05", "--out", str(out)]
    )
    assert unknown.exit_code == 2
    get_settings.cache_clear()
    get_engine.cache_clear()
