"""Run the add-on's own Odoo tests on a real Odoo server installation.

Configured by environment variables, skipped (saying which is missing) otherwise:

- ``HUIFANG_ODOO_BIN``: path to ``odoo-bin``;
- ``HUIFANG_ODOO_PYTHON`` (optional): the Python of Odoo's virtualenv, default: run
  ``odoo-bin`` through its own shebang;
- ``HUIFANG_ODOO_TEST_DB``: a database with ``maintenance`` (the add-on is installed or
  upgraded in it: use a scratch database);
- ``HUIFANG_ODOO_TEST_ARGS``: further arguments, e.g. ``--db_host 127.0.0.1 --db_port 5433
  --db_user odoo --db_password odoo --addons-path <odoo>/addons,<odoo>/odoo/addons,addon``.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command() -> list[str]:
    odoo_bin = os.environ.get("HUIFANG_ODOO_BIN")
    database = os.environ.get("HUIFANG_ODOO_TEST_DB")
    if not odoo_bin or not database:
        missing = [n for n in ("HUIFANG_ODOO_BIN", "HUIFANG_ODOO_TEST_DB") if not os.environ.get(n)]
        pytest.skip(f"no Odoo to run the add-on's tests on: set {' and '.join(missing)}")
    if not Path(odoo_bin).is_file():
        pytest.fail(f"HUIFANG_ODOO_BIN={odoo_bin} is not a file")
    python = os.environ.get("HUIFANG_ODOO_PYTHON")
    args = shlex.split(os.environ.get("HUIFANG_ODOO_TEST_ARGS", ""))
    return [
        *([python] if python else []),
        odoo_bin,
        *args,
        "-d",
        database,
        "--http-port",
        str(_free_port()),
        "--test-enable",
        "--test-tags",
        "/maintenance_callback",
        "-i",
        "maintenance_callback",
        "-u",
        "maintenance_callback",
        "--stop-after-init",
    ]


def test_addon_odoo_tests_pass() -> None:
    command = odoo_command()
    proc = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = proc.stdout + proc.stderr
    tail = "\n".join(log.splitlines()[-40:])
    found = RESULT.findall(log)
    assert found, f"no odoo.tests.result line (exit {proc.returncode}); log tail:\n{tail}"
    failed, errors, total = (int(n) for n in found[-1])
    assert (failed, errors) == (0, 0), f"{failed} failed, {errors} errors:\n{tail}"
    assert total > 0, f"no add-on test ran:\n{tail}"
    assert "maintenance_callback.tests" in log, f"the add-on's tests did not run:\n{tail}"
    assert proc.returncode == 0, f"odoo-bin exited {proc.returncode}:\n{tail}"
