"""README's instructor week, run as written: every `sh` block of "For instructors", in order, in a fresh copy.

Between the blocks the test plays the learners: one fetches the section from nbgrader's exchange, answers it
with the reference solutions and submits; two hand in through Canvas (a zip of Canvas-named files, one
answered, one not). Then it checks what README promises: grades, reports, feedback fetched from the exchange
and listed for the others, and the Canvas export.
"""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone

import nbformat
import pytest
from course import ROOT, fill_answers, read, release_path, source_path

from torchcourse.grader.late import PerDayPenalty

SECTION = "01_tensors"
FULL = 36.0


def instructor_blocks():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## For instructors"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"^```sh\n(.*?)^```$", section, re.M | re.S)


def fresh_copy(target):
    """The committed files of the course (as a clone has them), with this checkout's environment."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and os.path.isfile(ROOT / name):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    os.symlink(ROOT / ".venv", target / ".venv")  # the environment `./course` made (a minutes-long build)
    return target


def run_block(copy, block):
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_CONFIG_PATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(ROOT)))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=copy, env=env, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == 0, f"README block failed:\n{block}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def as_learner(copy, home, *args):
    """nbgrader as a learner on the same machine: the course's config (exchange, course id) via ./course lab's
    JUPYTER_CONFIG_PATH, run from the learner's own folder."""
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(copy / "grading"),
               PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args], cwd=home, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def canvas_zip(copy, answered):
    """What Canvas's Download Submissions gives: files named lastfirst[_LATE]_USERID_SUBMISSIONID_NAME[-N]."""
    archive = copy / "grading" / "downloaded" / SECTION / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        z.writestr(f"lovelaceada_LATE_4711_90001_{SECTION}.ipynb", nbformat.writes(answered))
        z.writestr(f"turingalan_4712_90002_{SECTION}-1.ipynb", (copy / "notebooks" / SECTION / f"{SECTION}.ipynb")
                   .read_text())


@pytest.mark.skipif(os.geteuid() != 0, reason="the README's grading runs isolated, which needs root")
def test_the_instructor_week_runs_as_readme_says(tmp_path):
    blocks = instructor_blocks()
    assert len(blocks) == 2 and blocks[0].startswith("# Monday") and blocks[1].startswith("# Friday"), blocks
    copy = fresh_copy(tmp_path / "course")
    run_block(copy, blocks[0])
    assert (copy / "grading" / "exchange" / "pytorch-course" / "outbound" / SECTION / f"{SECTION}.ipynb").exists()

    # The learners: one through the exchange, two through Canvas.
    home = tmp_path / "learner"
    home.mkdir()
    as_learner(copy, home, "fetch_assignment", SECTION)
    fetched = home / SECTION / f"{SECTION}.ipynb"
    answered = fill_answers(read(release_path(SECTION)), read(source_path(SECTION)), [f"{i:02d}" for i in range(1, 13)])
    nbformat.write(answered, fetched)
    as_learner(copy, home, "submit", SECTION)
    canvas_zip(copy, answered)

    result = run_block(copy, blocks[1])
    learner = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
    due = datetime(2027, 6, 30, 17, tzinfo=timezone.utc)
    late = max(0.0, (datetime.now(timezone.utc) - due).total_seconds())
    expected = {learner: FULL - (PerDayPenalty().late_submission_penalty(learner, FULL, late) if late else 0),
                "4711": FULL, "4712": 0.0}
    with open(copy / "grading" / "reports" / SECTION / "grades.csv", encoding="utf-8") as f:
        grades = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert grades == expected, result.stdout
    assert (copy / "grading" / "reports" / SECTION / "report.html").exists()
    # Feedback: released to the exchange for the learner who submitted there, listed for Canvas's learners.
    assert f"{learner}: released to the exchange" in result.stdout
    for canvas_id in ("4711", "4712"):
        assert f"{canvas_id}: handed in without the exchange; return " in result.stdout
        assert (copy / "grading" / "feedback" / canvas_id / SECTION / f"{SECTION}.html").exists()
    as_learner(copy, home, "fetch_feedback", SECTION)
    assert list((home / SECTION / "feedback").glob(f"*/{SECTION}.html")), "the learner fetched no feedback"
    # The Canvas export: one row per learner, the numeric ids in Canvas's ID column.
    rows = list(csv.reader(io.StringIO((copy / "grading" / "exports" / "canvas.csv").read_text())))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible"
    by_login = {row[3]: row for row in rows[2:]}
    assert by_login["4711"][1] == "4711" and float(by_login["4711"][rows[0].index(SECTION)]) == FULL


def test_readme_points_at_commands_that_exist():
    """nbgrader has no `formgrader` command; README's instructor blocks use only what exists."""
    text = (ROOT / "README.md").read_text()
    assert "nbgrader formgrader" not in text
    for block in instructor_blocks():
        for script in re.findall(r"^\./([\w-]+)", block, re.M):  # ./course from the root, the rest in grading/
            assert (ROOT / script).exists() or (ROOT / "grading" / script).exists(), f"README runs ./{script}"
