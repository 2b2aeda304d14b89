"""pytest hooks for the whole run, notebooks under solutions/ (executed by nbval) included.

Fixtures for the course's own tests live in tests/conftest.py. The tests run
on all cores with xdist's --dist loadscope: the cells of one notebook, which
share a kernel, stay on one worker, as do a module's test functions and a
class's methods.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SOLUTIONS = ROOT / "solutions"


def _sections():
    return sorted(p.name for p in SOLUTIONS.glob("[0-9][0-9]_*") if p.is_dir())


def pytest_collection_modifyitems(config, items):
    # A course with no section, or a run that lost its notebook checks, must not pass quietly.
    if not _sections():
        raise pytest.UsageError("no section found under solutions/")
    if any(Path(arg).resolve() == SOLUTIONS for arg in config.args):
        executed = {item.path.parent.name for item in items if item.path.suffix == ".ipynb"}
        missing = sorted(set(_sections()) - executed)
        if missing:
            raise pytest.UsageError(f"nbval collected nothing from {missing}: is --nbval-lax still in addopts?")
