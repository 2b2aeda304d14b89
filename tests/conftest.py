import os

import pytest
from course import CourseDirectory

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def course_dir(tmp_path):
    return CourseDirectory(tmp_path / "course")
