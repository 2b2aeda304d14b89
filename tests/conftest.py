import os

import pytest
from course import CourseDirectory

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def course_dir(tmp_path):
    return CourseDirectory(tmp_path / "course")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Marks a test whose call failed (item.failed), so fixtures can keep evidence, e.g. a screenshot."""
    report = (yield).get_result()
    if report.when == "call" and report.failed:
        item.failed = True
