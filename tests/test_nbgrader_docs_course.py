"""grading/autograde on an nbgrader course that this project did not write: nbgrader's own documentation course.

The course ships inside the nbgrader package (docs/source/user_guide: source/ps1
with problem1.ipynb and problem2.ipynb, and the submissions of bitdiddle and
hacker; nbgrader is BSD-3-Clause licensed). nbgrader's documentation publishes
their scores, 1.5 and 3.0 (user_guide/grades.csv). The course's configuration
is nbgrader's plain one (no sandboxed steps): grading/autograde must put its
own steps in and give stock `nbgrader autograde`'s scores, for an assignment
of two notebooks.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbgrader
import pytest
from course import GRADING

DOCS = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
PUBLISHED = {"bitdiddle": 1.5, "hacker": 3.0}
CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "example_course"\n'


def docs_course(root):
    if not (DOCS / "source" / "ps1").is_dir():
        pytest.fail(f"nbgrader's documentation course is not at {DOCS}")
    root.mkdir(parents=True)
    shutil.copytree(DOCS / "source" / "ps1", root / "source" / "ps1")
    for student in PUBLISHED:
        shutil.copytree(DOCS / "submitted" / student / "ps1", root / "submitted" / student / "ps1")
    (root / "nbgrader_config.py").write_text(CONFIG)
    return root


def nbgrader_command(root, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("JUPYTER_CONFIG_PATH", None)  # this course's config only, not the PyTorch course's
    result = subprocess.run([Path(sys.executable).parent / "nbgrader", *args], cwd=root, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def scores(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {student: gb.find_submission("ps1", student).score for student in PUBLISHED}


def test_stock_nbgrader_and_grading_autograde_agree_on_the_documentation_course(tmp_path):
    stock = docs_course(tmp_path / "stock")
    nbgrader_command(stock, "generate_assignment", "ps1")
    nbgrader_command(stock, "autograde", "ps1")
    assert scores(stock) == PUBLISHED

    ours = docs_course(tmp_path / "ours")
    env = dict(os.environ)
    env.pop("JUPYTER_CONFIG_PATH", None)
    result = subprocess.run([str(GRADING / "autograde"), "ps1", "--course", str(ours)], capture_output=True,
                            text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "could not read" not in result.stdout, result.stdout
    assert scores(ours) == PUBLISHED, result.stdout
    for student in PUBLISHED:
        for notebook in ("problem1", "problem2"):
            assert (ours / "autograded" / student / "ps1" / f"{notebook}.ipynb").exists()
            assert (ours / "feedback" / student / "ps1" / f"{notebook}.html").exists()
    grades = (ours / "reports" / "ps1" / "grades.csv").read_text()
    assert "bitdiddle,1.5," in grades and "hacker,3.0," in grades, grades
