# ruff: noqa: E501 (log lines are as long as Odoo prints them)
"""The check of an Odoo test run, tested without Odoo on log lines of 17, 18 and 19.

The quoted messages are the ones the real servers printed (ODOO-NOTES.md, addon/README.md);
the timestamps, process ids and test names around them are examples.
"""

from __future__ import annotations

import sys

import pytest

from tests.addon.odoo_log import main, problems, read_log

TEST_LINES_18 = """\
2026-11-25 01:13:58,101 4242 INFO huifang_addon_test odoo.modules.loading: loading 52 modules...
2026-11-25 01:14:01,310 4242 INFO huifang_addon_test odoo.addons.maintenance_callback.tests.test_access: Starting TestAccess.test_lead_sees_own_estate ...
2026-11-25 01:14:03,120 4242 INFO huifang_addon_test odoo.tests.stats: maintenance_callback: 66 tests 4.21s 2310 queries
2026-11-25 01:14:03,121 4242 INFO huifang_addon_test odoo.tests.result: 0 failed, 0 error(s) of 33 tests when loading database 'huifang_addon_test'
"""
PASSED_17 = """\
2026-11-26 09:02:11,512 777 INFO huifang17 odoo.addons.maintenance_callback.tests.test_translation: Starting TestTranslation.test_menu_in_chinese ...
2026-11-26 09:02:14,003 777 INFO huifang17 odoo.tests.result: 0 failed, 0 error(s) of 38 tests when loading database 'huifang17'
"""
ERRORS_17 = """\
2026-11-26 08:40:01,200 777 ERROR huifang17 odoo.addons.maintenance_callback.tests.test_access: ERROR: TestAccess.test_estate_code
AttributeError: 'Environment' object has no attribute '_'
2026-11-26 08:40:05,900 777 ERROR huifang17 odoo.tests.result: 0 failed, 6 error(s) of 38 tests when loading database 'huifang17'
"""
IGNORED_17 = """\
2026-11-26 08:10:00,001 777 WARNING huifang17 odoo.modules.loading: invalid module names, ignored: maintenance_callback
2026-11-26 08:10:02,450 777 INFO huifang17 odoo.tests.result: 0 failed, 0 error(s) of 0 tests when loading database 'huifang17'
"""
NEW_DATABASE_17 = """\
ValueError: Invalid version '18.0.1.1.0'. Modules should have a version in format x.y, x.y.z, 17.0.x.y or 17.0.x.y.z.
2026-11-26 08:00:12,000 777 ERROR huifang17 odoo.sql_db: Failed to initialize database 'huifang17'
"""
UNINSTALLABLE_19 = """\
2026-04-02 10:00:00,000 31 INFO huifang19 odoo.modules.loading: loading 48 modules...
2026-04-02 10:00:04,000 31 INFO huifang19 odoo.tests.result: 0 failed, 0 error(s) of 0 tests when loading database 'huifang19'
"""
PASSED_19 = """\
2026-04-02 11:00:01,000 31 INFO huifang19 odoo.addons.maintenance_callback.tests.test_service_link: Starting TestServiceLink.test_role_groups_are_readable_without_model_data ...
2026-04-02 11:00:09,000 31 INFO huifang19 odoo.tests.result: 0 failed, 0 error(s) of 42 tests when loading database 'huifang19'
"""


@pytest.mark.parametrize(
    ("log", "total"),
    [(TEST_LINES_18, 33), (PASSED_17, 38), (PASSED_19, 42)],
    ids=["18", "17", "19"],
)
def test_a_run_that_tested_the_addon_passes(log: str, total: int) -> None:
    run = read_log(log)
    assert (run.failed, run.errors, run.total, run.module_tests_ran) == (0, 0, total, True)
    assert problems(run, state="installed", exit_code=0) == []


def test_errors_fail_the_run() -> None:
    found = problems(read_log(ERRORS_17), state="installed", exit_code=1)
    assert found == ["0 failed, 6 error(s) of 38 tests", "odoo-bin exited 1"]


def test_17_ignoring_the_module_fails_though_odoo_exits_0() -> None:
    found = problems(read_log(IGNORED_17), state="absent", exit_code=0)
    assert any("'absent'" in p and "make addons" in p for p in found), found
    assert any("invalid module names, ignored" in p for p in found), found
    assert "the run reports 0 tests: nothing was tested" in found


def test_17_refusing_another_series_manifest_names_the_version() -> None:
    run = read_log(NEW_DATABASE_17)
    assert run.invalid_version == "18.0.1.1.0" and not run.has_result
    found = problems(run, state=None, exit_code=255)
    assert any("'18.0.1.1.0'" in p for p in found)
    assert "no odoo.tests.result line: the tests did not run (see the log)" in found


def test_19_uninstallable_module_with_0_tests_fails_though_odoo_exits_0() -> None:
    found = problems(read_log(UNINSTALLABLE_19), state="uninstallable", exit_code=0)
    assert any(p.startswith("maintenance_callback is 'uninstallable'") for p in found), found
    assert "the run reports 0 tests: nothing was tested" in found


def test_0_tests_fail_even_when_the_module_is_installed() -> None:
    assert problems(read_log(UNINSTALLABLE_19), state="installed", exit_code=0) == [
        "the run reports 0 tests: nothing was tested"
    ]


def test_other_modules_tests_do_not_count() -> None:
    log = (
        "2026-11-25 01:14:01,310 4242 INFO db odoo.addons.maintenance.tests.test_x: Starting X\n"
        "2026-11-25 01:14:03,121 4242 INFO db odoo.tests.result: 0 failed, 0 error(s) of 7 tests\n"
    )
    assert problems(read_log(log), state="installed", exit_code=0) == [
        "tests ran, but none of maintenance_callback's (check --test-tags /maintenance_callback)"
    ]


def test_the_last_result_line_counts() -> None:
    run = read_log(UNINSTALLABLE_19 + TEST_LINES_18)
    assert run.total == 33


def test_the_command_exits_1_on_a_silent_pass(tmp_path, capsys) -> None:
    log = tmp_path / "odoo-test.log"
    log.write_text(UNINSTALLABLE_19, encoding="utf-8")
    assert main([str(log), "--state", "uninstallable", "--exit-code", "0"]) == 1
    assert "FAIL: maintenance_callback is 'uninstallable'" in capsys.readouterr().err
    # psql prints nothing when the module has no row: absent, not unchecked
    assert main([str(log), "--state", ""]) == 1
    log.write_text(TEST_LINES_18, encoding="utf-8")
    assert main([str(log), "--state", "installed", "--exit-code", "0"]) == 0
    assert "ok: 33 tests" in capsys.readouterr().out


FAKE_ODOO_BIN = """\
import sys
if sys.argv[1:2] == ["shell"]:
    sys.stdin.read()
    print("HUIFANG_MODULE_STATE={state}")
else:
    sys.stderr.write({log!r})
"""


@pytest.mark.parametrize(
    ("log", "state", "passes"),
    [(PASSED_19, "installed", True), (UNINSTALLABLE_19, "uninstallable", False)],
    ids=["installed", "uninstallable"],
)
def test_the_odoo_run_asks_the_module_state(
    tmp_path, monkeypatch, capsys, log, state, passes
) -> None:
    """The test that drives odoo-bin, on a stand-in odoo-bin that prints a log and a state."""
    from tests.addon import test_odoo_addon_tests as odoo_run

    odoo_bin = tmp_path / "odoo-bin"
    odoo_bin.write_text(FAKE_ODOO_BIN.format(state=state, log=log), encoding="utf-8")
    monkeypatch.setenv("HUIFANG_ODOO_BIN", str(odoo_bin))
    monkeypatch.setenv("HUIFANG_ODOO_PYTHON", sys.executable)
    monkeypatch.setenv("HUIFANG_ODOO_TEST_DB", "scratch")
    monkeypatch.delenv("HUIFANG_ODOO_TEST_ARGS", raising=False)
    if passes:
        odoo_run.test_addon_odoo_tests_pass(capsys)
    else:
        with pytest.raises(AssertionError, match="'uninstallable' after the run"):
            odoo_run.test_addon_odoo_tests_pass(capsys)
