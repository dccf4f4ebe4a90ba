"""The code stays as clean as the style asks: ruff (lint and format) everywhere, mypy on the
pure parts. Runs the tools of the project's own environment."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["service", "qr_forms", "tests", "benchmarks", "addon"]


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    located = shutil.which(name)
    if located is None:
        pytest.skip(f"{name} is not installed (make test installs it)")
    return located


@pytest.mark.parametrize(
    "args",
    [["check", *PATHS], ["format", "--check", *PATHS]],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(args):
    result = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_domain_rules_and_qr_forms():
    result = subprocess.run(
        [_tool("mypy"), "service/domain", "qr_forms"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
