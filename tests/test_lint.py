"""Everything that can be linted is: Python modules, tests and the source notebooks (ruff)."""

import subprocess
import sys
from pathlib import Path

from course import ROOT


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_graders_module_map_names_every_module():
    """torchcourse/grader/__init__.py lists each module of the grader with one line, and only those."""
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "torchcourse" / "grader"
    doc = (folder / "__init__.py").read_text()
    listed = set(re.findall(r"^    (\w+) {2,}", doc, re.M))
    files = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}
    assert listed == files, f"listed but missing: {sorted(listed - files)}; not listed: {sorted(files - listed)}"
