"""The learner's workspace: `./course lab` opens the learner's own copies of the notebooks, apart from the
course's files. Made on the first run; a section the course adds later appears; answers are never replaced;
git ignores it, so `git pull` never meets a learner's work. (`jupyter lab --version` stands in for the server.)"""

import os
import subprocess

import course
from course import ASSIGNMENTS, ROOT


def lab(workspace):
    env = {**os.environ, "COURSE_WORKSPACE": str(workspace)}
    done = subprocess.run([str(ROOT / "course"), "lab", "--version"], capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_first_run_copies_every_section_and_later_runs_keep_the_learners_answers(tmp_path):
    workspace = tmp_path / "workspace"
    said = lab(workspace)
    assert sorted(p.name for p in workspace.iterdir()) == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        released = sorted(p.relative_to(course.release_path(assignment).parent)
                          for p in course.release_path(assignment).parent.rglob("*") if p.is_file())
        copied = sorted(p.relative_to(workspace / assignment) for p in (workspace / assignment).rglob("*"))
        assert copied == released, f"{assignment}: the notebook and its data files"
        assert f"{assignment}.ipynb" in said

    answered = workspace / "01_tensors" / "01_tensors.ipynb"
    answered.write_text(answered.read_text().replace("# YOUR CODE HERE", "# my answer", 1))
    before = answered.read_bytes()
    added = workspace / ASSIGNMENTS[-1]
    for file in added.rglob("*"):
        file.unlink()
    added.rmdir()  # as if the course had just published this section
    said = lab(workspace)
    assert answered.read_bytes() == before, "an answered notebook was replaced"
    assert (added / f"{added.name}.ipynb").exists() and f"new in your workspace ({workspace}): {added.name}" in said
    assert "01_tensors" not in said


def test_git_ignores_the_workspace():
    done = subprocess.run(["git", "check-ignore", "-q", "workspace/01_tensors/01_tensors.ipynb"], cwd=ROOT)
    assert done.returncode == 0, "workspace/ must be git-ignored"
