"""grading/export-canvas: the gradebook as a CSV in the layout Canvas's gradebook import reads."""

import csv
import os
import subprocess
import sys

import pytest
from course import GRADING, CourseDirectory

from torchcourse.grader import lms

# nbgrader's add_submission makes SQLAlchemy note its autoflush (autograde filters the same note); nothing is lost.
pytestmark = pytest.mark.filterwarnings("ignore:.*not in session, add operation along")


def make_gradebook(root):
    """Two sections, three learners: full marks, a late half, nothing submitted; one learner with an LMS id."""
    from nbgrader.api import Gradebook

    # nbgrader makes a gradebook with alembic, found on PATH (./course test puts .venv/bin there).
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    CourseDirectory(root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "pytorch-course") as gb:
        for assignment in ("00_intro", "01_tensors"):
            gb.add_assignment(assignment)
            gb.add_notebook(assignment, assignment)
            for number in ("01", "02"):
                gb.add_grade_cell(f"ex{number}-visible", assignment, assignment, max_score=1, cell_type="code")
                gb.add_grade_cell(f"ex{number}-hidden", assignment, assignment, max_score=2, cell_type="code")
        gb.update_or_create_student("ada", first_name="Ada", last_name="Lovelace", lms_user_id="4711")
        gb.update_or_create_student("=cmd|' /C calc'!A0")
        gb.update_or_create_student("nobody")
        gb.update_or_create_student("4712")  # a Canvas user id, as zip_collect names learners
        for student, scores in [("ada", {"ex01-visible": 1, "ex01-hidden": 2, "ex02-visible": 1, "ex02-hidden": 2}),
                                ("=cmd|' /C calc'!A0", {"ex01-visible": 1, "ex01-hidden": 2})]:
            submission = gb.add_submission("01_tensors", student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = scores.get(grade.name, 0)
                if student != "ada":
                    notebook.late_submission_penalty = 0.3
        gb.db.commit()


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_layout_totals_penalties_and_exercises(tmp_path):
    root = tmp_path / "course"
    make_gradebook(root)
    to = tmp_path / "canvas.csv"
    assert lms.export(f"sqlite:///{root / 'gradebook.db'}", "pytorch-course", str(to), exercises=True) == 4
    header, points, *learners = read(to)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "00_intro", "00_intro ex01",
                      "00_intro ex02", "01_tensors", "01_tensors ex01", "01_tensors ex02"]
    assert points == ["Points Possible", "", "", "", "", "6", "3", "3", "6", "3", "3"]
    rows = {row[3]: row for row in learners}
    # The formula-like id is defused for spreadsheets; the late learner's total is less the penalty.
    assert rows["'=cmd|' /C calc'!A0"][5:] == ["0", "0", "0", "2.7", "3", "0"]
    assert rows["ada"][:5] == ["Lovelace, Ada", "4711", "", "ada", ""]
    assert rows["ada"][5:] == ["0", "0", "0", "6", "3", "3"]
    assert rows["nobody"][5:] == ["0"] * 6 and rows["nobody"][1] == ""
    assert rows["4712"][:5] == ["4712", "4712", "", "4712", ""]


def test_the_command_readme_shows_writes_the_file(tmp_path):
    root = tmp_path / "course"
    make_gradebook(root)
    result = subprocess.run([str(GRADING / "export-canvas"), "--course", str(root)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    header, points, *learners = read(root / "exports" / "canvas.csv")
    assert header[5:] == ["00_intro", "01_tensors"] and len(learners) == 4
    result = subprocess.run([str(GRADING / "export-canvas"), "--course", str(tmp_path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2 and "not an nbgrader course folder" in result.stderr
