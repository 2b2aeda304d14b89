"""grading/autograde end to end: a class of honest and hostile 01_tensors submissions, graded in one run.

Every submission must end with its exact score and a readable reason, the
honest ones graded in the same run keep their marks, and feedback never
shows hidden tests. The same sandbox serves plain `nbgrader autograde`.
"""

import csv
import html
import os
import re
import shutil
import subprocess

import hostile
import nbformat
import pytest
from course import GRADING, ROOT, CourseDirectory, read, source_path

AUTOGRADE = GRADING / "autograde"
ISOLATED = os.geteuid() == 0
LEARNERS = [name for name in hostile.CLASS if ISOLATED or name not in hostile.NEEDS_ISOLATION]
LIMITS = """
c.SandboxedExecute.cell_seconds = 6  # room for a loaded 2-core CI machine: a hidden test cell can take 3 s there
c.SandboxedExecute.total_seconds = 120
c.SandboxedExecute.memory_mb = 1024
"""


def make_course(root, learners):
    course = CourseDirectory(root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(LIMITS)
    course.add_source(hostile.SECTION)
    course.nbgrader("generate_assignment", hostile.SECTION)
    release, source = read(root / "release" / hostile.SECTION / f"{hostile.SECTION}.ipynb"), read(
        source_path(hostile.SECTION))
    for learner in learners:
        build = hostile.CLASS[learner][0]
        folder = root / "submitted" / learner / hostile.SECTION
        folder.mkdir(parents=True)
        data = build(release, source, root)
        if data is None:
            (folder / "notes.txt").write_text("I could not get it to work.")
        else:
            (folder / f"{hostile.SECTION}.ipynb").write_bytes(data)
    return course


@pytest.fixture(scope="module")
def copies():
    """Copies of the course's solutions elsewhere on the machine, where an answer that walks the file system
    would find them if the sandbox hid only the course's own folders."""
    made = []
    if ISOLATED:
        for path in hostile.COPIES:
            if not os.path.exists(path):
                shutil.copytree(ROOT / "solutions", os.path.join(path, "solutions"))
                made.append(path)
    yield made
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, copies):
    """One run of grading/autograde over the whole class: (course, process, {learner: csv row})."""
    root = tmp_path_factory.mktemp("hostile") / "course"
    course = make_course(root, LEARNERS)
    result, rows = _autograde(root)
    return course, result, rows


def test_the_run_succeeds_and_reports_isolation(graded):
    course, result, rows = graded
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(rows) == sorted(LEARNERS), result.stdout + result.stderr
    if ISOLATED:
        assert "Isolation: namespaces, allow-list, scratch, user, limits" in result.stdout
    else:
        assert "WARNING" in result.stderr and "NOT isolated" in result.stderr
    report = (course.root / "reports" / hostile.SECTION / "report.html").read_text()
    assert "Isolation" in report and (course.root / "reports" / hostile.SECTION / "scores.png").stat().st_size > 1000


@pytest.mark.parametrize("learner", list(hostile.CLASS))
def test_each_submission_gets_its_exact_score_and_reason(graded, learner):
    if learner not in LEARNERS:
        pytest.skip("needs the isolation that only root can set up; the report says it is missing")
    course, result, rows = graded
    _, expected, fragments = hostile.CLASS[learner]
    row = rows[learner]
    assert float(row["score"]) == expected, f"{learner}: {row}\n{result.stdout[-3000:]}"
    report = html.unescape((course.root / "reports" / hostile.SECTION / "report.html").read_text())
    line = next(line for line in report.splitlines() if f"<td>{learner}</td>" in line)
    for fragment in fragments:
        assert fragment in line, f"{learner}: reason {fragment!r} missing from the report: {line}"


def test_every_learner_gets_feedback(graded):
    course, result, rows = graded
    for learner in LEARNERS:
        path = course.root / "feedback" / learner / hostile.SECTION / f"{hostile.SECTION}.html"
        assert path.exists(), f"no feedback for {learner}"


def test_the_snoop_saw_nothing(graded):
    if not ISOLATED:
        pytest.skip("isolation needs root; the report says so")
    course, result, rows = graded
    nb = nbformat.read(course.root / "autograded" / "snoop" / hostile.SECTION / f"{hostile.SECTION}.ipynb", 4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "LEAKS: []" in text, text[:2000]
    assert not (course.root / "vandal.txt").exists()


def test_no_copy_of_the_course_is_found_anywhere(graded, copies):
    if not ISOLATED:
        pytest.skip("isolation needs root; the report says so")
    course, result, rows = graded
    assert copies, "the test placed no copies of the course to look for"
    nb = nbformat.read(course.root / "autograded" / "finds_copies" / hostile.SECTION / f"{hostile.SECTION}.ipynb", 4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "FOUND: []" in text, text[:2000]


def test_huge_output_is_capped(graded):
    course, result, rows = graded
    path = course.root / "autograded" / "huge_output" / hostile.SECTION / f"{hostile.SECTION}.ipynb"
    assert path.stat().st_size < 2 * 2**20


def _text_of(html_text):
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def test_feedback_never_shows_hidden_tests(graded):
    course, result, rows = graded
    source = read(source_path(hostile.SECTION))
    released = read(course.root / "release" / hostile.SECTION / f"{hostile.SECTION}.ipynb")
    public = "\n".join(cell.source for cell in released.cells)
    hidden_lines = []
    for cell in source.cells:
        block = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        if block:
            hidden_lines += [line.strip() for line in block.group(1).splitlines()
                             if len(line.strip()) > 25 and line.strip() not in public]
    assert len(hidden_lines) > 20
    for learner in ("reference", "noisy_half", "rigged_helpers", "stashes_hidden_tests"):
        text = _text_of((course.root / "feedback" / learner / hostile.SECTION / f"{hostile.SECTION}.html").read_text())
        shown = [line for line in hidden_lines if line in text]
        assert not shown, f"{learner}'s feedback shows hidden test lines: {shown[:3]}"
        assert "hidden tests ran here" in text


def test_unknown_assignment_or_course_is_an_error(tmp_path):
    result = subprocess.run([str(AUTOGRADE), "99_nothing"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "no assignment '99_nothing'" in result.stderr
    result = subprocess.run([str(AUTOGRADE), "01_tensors", "--course", str(tmp_path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2 and "not an nbgrader course folder" in result.stderr


def test_plain_nbgrader_autograde_uses_the_same_sandbox(tmp_path):
    """The instructor's `nbgrader autograde` (and the Formgrader's button) get the same isolation and tests."""
    learners = ["reference", "rigged_helpers"] + (["snoop"] if ISOLATED else [])
    course = make_course(tmp_path / "course", learners)
    course.nbgrader("autograde", hostile.SECTION)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        found = {s: gradebook.find_submission(hostile.SECTION, s).score for s in learners}
    assert found == {s: hostile.CLASS[s][1] for s in learners}



def test_the_learners_process_is_asked_only_for_its_own_names(graded):
    """The trusted side asks the learner's process for the names a test needs; a hidden test's parameters and
    locals are not among them (a learner recording the requests must learn nothing of the hidden tests)."""
    course, result, rows = graded
    nb = nbformat.read(course.root / "autograded" / "names_leak" / hostile.SECTION / f"{hostile.SECTION}.ipynb", 4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "ASKED:" in text and "row_and_column" in text, text[-2000:]
    asked = text[text.index("ASKED:"):]
    for local in ("'brightest'", "'seed'", "'dtype'", "'original'", "'expected'"):
        assert local not in asked, f"{local} was asked for: {asked[:2000]}"


def _autograde(root, *extra):
    result = subprocess.run([str(AUTOGRADE), hostile.SECTION, "--course", str(root), *extra], capture_output=True,
                            text=True, timeout=900)
    rows = {}
    path = root / "reports" / hostile.SECTION / "grades.csv"
    if path.exists():
        with open(path, encoding="utf-8") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
    return result, rows


def test_student_regrades_one_learner_and_keeps_the_rest_of_the_class(tmp_path):
    root = tmp_path / "course"
    make_course(root, ["reference", "missing", "empty"])
    result, rows = _autograde(root)
    assert result.returncode == 0, result.stderr
    assert {s: float(r["score"]) for s, r in rows.items()} == {"reference": 36, "missing": 0, "empty": 0}
    # "missing" hands in the notebook late; only they are graded again.
    shutil.copy(root / "submitted" / "reference" / hostile.SECTION / f"{hostile.SECTION}.ipynb",
                root / "submitted" / "missing" / hostile.SECTION)
    (root / "submitted" / "reference" / hostile.SECTION / f"{hostile.SECTION}.ipynb").write_text("")
    result, rows = _autograde(root, "--student", "missing")
    assert result.returncode == 0, result.stderr
    assert "[  1/1] missing: 36/36" in result.stdout and "reference:" not in result.stdout, result.stdout
    # The others keep the grades and reasons of their last grading (reference's emptied file is not read).
    assert {s: float(r["score"]) for s, r in rows.items()} == {"reference": 36, "missing": 36, "empty": 0}
    assert "the notebook file is empty" in rows["empty"]["reasons"] and rows["missing"]["reasons"] == ""
    result, _ = _autograde(root, "--student", "nobody", "--student", "missing")
    assert result.returncode == 2 and "no submission of 01_tensors for nobody" in result.stderr
