"""What an Odoo test run of the add-on did, read from its log and the module's state.

Odoo's exit code alone passes runs that tested nothing: 17 ignores a module whose manifest is
of another series (``invalid module names, ignored``, exit 0), 19 sets it ``uninstallable``
and reports ``0 failed, 0 error(s) of 0 tests``. A run passes here only when the result line
is there, counts more than 0 tests and none failed, the add-on's own tests ran, the module
ended ``installed`` and odoo-bin exited 0.

Also a command, for a run made by hand (the add-on's README)::

    python -m tests.addon.odoo_log odoo-test.log --state installed --exit-code 0
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

MODULE = "maintenance_callback"
RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
# Why a module may not have loaded, as Odoo logs it.
IGNORED = re.compile(r"invalid module names, ignored: (?P<names>.+)")
INVALID_VERSION = re.compile(r"Invalid version '(?P<version>[^']+)'")
FIX = (
    "use the tree made for this Odoo's series by `make addons` "
    "(build/addons/<series> on the addons path)"
)


@dataclass(frozen=True)
class TestRun:
    """The facts of one run's log."""

    failed: int | None  # None: no result line
    errors: int | None
    total: int | None
    module_tests_ran: bool
    ignored: bool  # Odoo said the module name is invalid (not found or not loadable)
    invalid_version: str | None

    @property
    def has_result(self) -> bool:
        return self.total is not None


def read_log(log: str, module: str = MODULE) -> TestRun:
    results = RESULT.findall(log)
    failed, errors, total = (int(n) for n in results[-1]) if results else (None, None, None)
    ignored = any(
        module in (name.strip() for name in m.group("names").split(","))
        for m in IGNORED.finditer(log)
    )
    version = INVALID_VERSION.search(log)
    return TestRun(
        failed=failed,
        errors=errors,
        total=total,
        module_tests_ran=f"{module}.tests" in log,
        ignored=ignored,
        invalid_version=version.group("version") if version else None,
    )


def problems(
    run: TestRun, *, state: str | None, exit_code: int | None, module: str = MODULE
) -> list[str]:
    """Why this run does not prove the add-on's tests pass (empty: it does)."""
    found = []
    if state is not None and state != "installed":
        why = {
            "uninstallable": "Odoo found its manifest but will not install it (19 does so for "
            "a manifest of another series)",
            "absent": "Odoo does not know the module (not on the addons path, or 17 ignored a "
            "manifest of another series)",
        }.get(state, "it was not installed")
        found.append(f"{module} is {state!r} after the run: {why}; {FIX}")
    if run.ignored:
        found.append(f"Odoo ignored {module} ('invalid module names, ignored'); {FIX}")
    if run.invalid_version:
        found.append(f"Odoo refused the manifest version {run.invalid_version!r}; {FIX}")
    if not run.has_result:
        found.append("no odoo.tests.result line: the tests did not run (see the log)")
    else:
        if run.total == 0:
            found.append("the run reports 0 tests: nothing was tested")
        if run.failed or run.errors:
            found.append(f"{run.failed} failed, {run.errors} error(s) of {run.total} tests")
    if run.has_result and run.total and not run.module_tests_ran:
        found.append(f"tests ran, but none of {module}'s (check --test-tags /{module})")
    if exit_code not in (None, 0):
        found.append(f"odoo-bin exited {exit_code}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check an Odoo test run of the add-on.")
    parser.add_argument("log", type=Path, help="the run's log (stdout and stderr)")
    parser.add_argument("--state", help="ir_module_module.state of the module after the run")
    parser.add_argument("--exit-code", type=int, help="odoo-bin's exit code")
    args = parser.parse_args(argv)
    run = read_log(args.log.read_text(encoding="utf-8", errors="replace"))
    # psql prints nothing for a module it has no row of: that is a state too
    state = None if args.state is None else (args.state.strip() or "absent")
    found = problems(run, state=state, exit_code=args.exit_code)
    for problem in found:
        print(f"FAIL: {problem}", file=sys.stderr)
    if not found:
        print(f"ok: {run.total} tests, 0 failed, 0 errors")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
