"""Everything that can be linted is: Python modules, tests and the source notebooks (ruff)."""

import subprocess
import sys
from pathlib import Path

from course import ROOT


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
