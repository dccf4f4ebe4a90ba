"""Run the add-on's own Odoo tests on a real Odoo server installation.

Configured by environment variables, skipped (saying which is missing) otherwise:

- ``HUIFANG_ODOO_BIN``: path to ``odoo-bin``;
- ``HUIFANG_ODOO_PYTHON`` (optional): the Python of Odoo's virtualenv, default: run
  ``odoo-bin`` through its own shebang;
- ``HUIFANG_ODOO_TEST_DB``: a database with ``maintenance`` (the add-on is installed or
  upgraded in it: use a scratch database);
- ``HUIFANG_ODOO_TEST_ARGS``: further arguments, e.g. ``--db_host 127.0.0.1 --db_port 5433
  --db_user odoo --db_password odoo --addons-path <odoo>/addons,<odoo>/odoo/addons,addon``;
  on 17 or 19, the series' tree from ``make addons`` (``build/addons/17.0``) instead of ``addon``.

It fails, never passes silently, when the run tested nothing: no ``odoo.tests.result`` line,
0 tests, none of the add-on's, or the module not ``installed`` afterwards (read with
``odoo-bin shell``): 17 ignores and 19 marks ``uninstallable`` a manifest of another series,
and both exit 0 (``odoo_log.py``).
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from tests.addon.odoo_log import MODULE, problems, read_log

ROOT = Path(__file__).resolve().parents[2]
STATE = re.compile(r"^HUIFANG_MODULE_STATE=(\w+)$", re.M)
STATE_SCRIPT = (
    f"module = env['ir.module.module'].search([('name', '=', {MODULE!r})])\n"
    "print('HUIFANG_MODULE_STATE=' + (module.state or 'absent'))\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_base() -> tuple[list[str], list[str], str]:
    """(the interpreter and odoo-bin, the extra arguments, the database), or skip."""
    odoo_bin = os.environ.get("HUIFANG_ODOO_BIN")
    database = os.environ.get("HUIFANG_ODOO_TEST_DB")
    if not odoo_bin or not database:
        missing = [n for n in ("HUIFANG_ODOO_BIN", "HUIFANG_ODOO_TEST_DB") if not os.environ.get(n)]
        pytest.skip(f"no Odoo to run the add-on's tests on: set {' and '.join(missing)}")
    if not Path(odoo_bin).is_file():
        pytest.fail(f"HUIFANG_ODOO_BIN={odoo_bin} is not a file")
    python = os.environ.get("HUIFANG_ODOO_PYTHON")
    args = shlex.split(os.environ.get("HUIFANG_ODOO_TEST_ARGS", ""))
    return [*([python] if python else []), odoo_bin], args, database


def odoo_command() -> list[str]:
    odoo, args, database = odoo_base()
    return [
        *odoo,
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


def module_state() -> str:
    """``ir_module_module.state`` of the add-on, asked through ``odoo-bin shell``."""
    odoo, args, database = odoo_base()
    proc = subprocess.run(
        [*odoo, "shell", *args, "-d", database],
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},
        input=STATE_SCRIPT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = STATE.search(proc.stdout)
    if not found:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
        pytest.fail(
            f"odoo-bin shell did not tell the module's state (exit {proc.returncode}):\n{tail}"
        )
    return found.group(1)


def test_addon_odoo_tests_pass(capsys: pytest.CaptureFixture[str]) -> None:
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
    run = read_log(log)
    state = module_state()
    found = problems(run, state=state, exit_code=proc.returncode)
    tail = "\n".join(log.splitlines()[-40:])
    with capsys.disabled():  # what the run proved, in the test's output
        for line in log.splitlines():
            if "odoo.tests.result" in line:
                print(f"\n{line.strip()}")
        print(f"module state: {state}, odoo-bin exit {proc.returncode}")
    assert not found, "\n".join(found) + f"\nlog tail:\n{tail}"
