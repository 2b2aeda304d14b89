"""A course checkout in a private folder (mode 0700, as `mktemp -d` makes, under /tmp) is graded correctly.

The sandbox runs learner code as a user id of its own, which cannot enter a
private folder, and lays its scratch folder over /tmp: a sandbox that then
cannot import what the tests need would score every answer 0. The sandbox's
file system binds the checkout's environment at its own path, so this grades
right; were it to break, the control run would refuse (exit 3, nothing
recorded), and this test would say so. Never zeros.
"""

import csv
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from course import ROOT, fill_answers, read, release_path, source_path

SECTION = "01_tensors"
LEFT_OUT = shutil.ignore_patterns(".venv", ".git", "submitted", "autograded", "feedback", "reports", "gradebook.db",
                                  "exchange", "__pycache__", ".hypothesis", ".pytest_cache", "*.egg-info")


@pytest.fixture
def private_checkout():
    folder = Path(tempfile.mkdtemp(prefix="private-course-"))
    assert os.stat(folder).st_mode & 0o777 == 0o700
    try:
        checkout = folder / "course"
        shutil.copytree(ROOT, checkout, ignore=LEFT_OUT, symlinks=True)
        # The checkout's own environment, as `./course env` makes it, inside the private folder
        # (hard links: a copy in seconds; Python replaces files rather than writing into them).
        subprocess.run(["cp", "-al", str(ROOT / ".venv"), str(checkout / ".venv")], check=True)
        yield checkout
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_private_checkout_under_tmp_grades_right(private_checkout):
    checkout = private_checkout
    grading = checkout / "grading"
    with open(grading / "nbgrader_config.py", "a") as f:
        f.write("\nc.SandboxedExecute.cell_seconds = 10\n")
    release, source = read(release_path(SECTION)), read(source_path(SECTION))
    import nbformat

    for learner, nb in {"reference": fill_answers(release, source, [f"{n:02d}" for n in range(1, 13)]),
                        "untouched": release}.items():
        folder = grading / "submitted" / learner / SECTION
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{SECTION}.ipynb")
    python = checkout / ".venv" / "bin" / "python"
    env = dict(os.environ, PYTHONPATH=str(checkout), PATH=f"{checkout / '.venv' / 'bin'}:{os.environ['PATH']}")
    env.pop("JUPYTER_CONFIG_PATH", None)
    # grading/autograde without its `./course env` step: this environment is shared with the real one.
    result = subprocess.run([str(python), "-m", "torchcourse.grader.autograde", SECTION], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(grading / "reports" / SECTION / "grades.csv", encoding="utf-8") as f:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    print("private checkout: graded", scores)
    assert scores == {"reference": 36, "untouched": 0}, result.stdout + result.stderr
