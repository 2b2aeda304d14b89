"""grading/autograde and what a submission folder can hold: links, FIFOs, devices, sockets, too much
data, learner ids that nbgrader would glob, and output that no text format likes.

Two runs over one course: the first grades an honest class; the second adds
hostile folders beside it. Every hostile folder ends with 0 and a reason (a
learner id nbgrader must not see is not even put into the gradebook), the run
never hangs or crashes, and the honest learners' results are exactly those
of the first run.
"""

import csv
import html
import json
import os
import socket
import stat
import subprocess

import hostile
import nbformat
import pytest
from course import GRADING, CourseDirectory, grade_id, read, source_path

AUTOGRADE = GRADING / "autograde"
SECTION = hostile.SECTION
FULL = hostile.FULL
LIMITS = """
c.SandboxedExecute.cell_seconds = 5
c.SandboxedExecute.total_seconds = 120
c.SandboxedExecute.memory_mb = 1024
"""
HONEST = {"Aaron": FULL, "Zoë Ångström": FULL, "untouched": 0}
# Folder names that nbgrader would glob or read as options; "[A]aron" matches Aaron and sorts after him.
BAD_IDS = ["*", "?", "[A]aron", "A*", "line\nbreak", "-rf", ".hidden", "back\\slash", "rtl\u202eid"]
WEIRD = ("'\\ud800 lone surrogate', '\\x00 NUL \\x07 bell \\x1b[31m', '\\u202e override', "
         "'\\udcff' * 3, 'x' * 100_000")


def make_course(root):
    course = CourseDirectory(root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(LIMITS)
    course.add_source(SECTION)
    course.nbgrader("generate_assignment", SECTION)
    return course


def folder(root, learner):
    path = root / "submitted" / learner / SECTION
    path.mkdir(parents=True)
    return path


def reference_bytes(root):
    release = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    return hostile.reference(release, read(source_path(SECTION)), root)


def answered(root, extra_by_cell):
    release = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    nb = hostile.fill_answers(release, read(source_path(SECTION)), hostile.ALL)
    for cell in nb.cells:
        if grade_id(cell) in extra_by_cell:
            cell.source += "\n" + extra_by_cell[grade_id(cell)]
    return nbformat.writes(nb).encode()


def run(root):
    result = subprocess.run([str(AUTOGRADE), SECTION, "--course", str(root)], capture_output=True, text=True,
                            errors="replace", timeout=900)
    rows = {}
    path = root / "reports" / SECTION / "grades.csv"
    if path.exists():
        with open(path, encoding="utf-8", newline="") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
    return result, rows


def graded_outputs(root, learner):
    """What the autograded notebook says each code cell did: (grade id or index, outputs)."""
    nb = read(root / "autograded" / learner / SECTION / f"{SECTION}.ipynb")
    return [(grade_id(c) or i, json.dumps(c.outputs, sort_keys=True)) for i, c in enumerate(nb.cells)
            if c.cell_type == "code"]


def gradebook(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.id: gb.find_submission(SECTION, s.id).score for s in gb.students
                if any(sub.assignment.name == SECTION for sub in s.submissions)}


def add_hostile_folders(root):
    """{learner: (expected score, reason fragment)} of the folders added for the second run."""
    notebook = f"{SECTION}.ipynb"
    good = reference_bytes(root)
    expected = {}
    for name in BAD_IDS:
        (folder(root, name) / notebook).write_bytes(good)
        expected[name] = (None, "learner id")

    path = folder(root, "link_notebook")
    os.symlink(root / "submitted" / "Aaron" / SECTION / notebook, path / notebook)
    expected["link_notebook"] = (0, "symbolic link")

    path = folder(root, "link_data")
    (path / notebook).write_bytes(good)
    os.symlink("/etc/passwd", path / "data.csv")
    expected["link_data"] = (0, "data.csv is a symbolic link")

    path = folder(root, "link_folder")
    (path / notebook).write_bytes(good)
    (path / "deep" / "deeper").mkdir(parents=True)
    os.symlink(root / "submitted" / "Aaron", path / "deep" / "deeper" / "elsewhere")
    expected["link_folder"] = (0, "elsewhere is a symbolic link")

    os.symlink(root / "submitted" / "Aaron", root / "submitted" / "linked_learner")
    expected["linked_learner"] = (0, "the learner's folder is a symbolic link")

    path = folder(root, "linked_assignment")
    path.rmdir()
    os.symlink(root / "submitted" / "Aaron" / SECTION, path)
    expected["linked_assignment"] = (0, "the assignment's folder is a symbolic link")

    path = folder(root, "fifo")
    (path / notebook).write_bytes(good)
    os.mkfifo(path / "pipe.csv")
    expected["fifo"] = (0, "pipe.csv is a FIFO")

    os.mkfifo(folder(root, "fifo_notebook") / notebook)
    expected["fifo_notebook"] = (0, f"{notebook} is a FIFO")

    path = folder(root, "unix_socket")
    (path / notebook).write_bytes(good)
    here = os.getcwd()
    os.chdir(path)  # a socket's path must be short
    try:
        socket.socket(socket.AF_UNIX).bind("data.sock")
    finally:
        os.chdir(here)
    expected["unix_socket"] = (0, "data.sock is a socket")

    if os.geteuid() == 0:
        path = folder(root, "device")
        (path / notebook).write_bytes(good)
        os.mknod(path / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        expected["device"] = (0, "zero is a device")

    path = folder(root, "too_much_data")
    (path / notebook).write_bytes(good)
    for n in range(3):
        with open(path / f"part{n}.bin", "wb") as f:
            f.truncate(20 * 2**20)  # sparse: 20 MB to the file system's accounting, nothing on disk
    expected["too_much_data"] = (0, "over the 50 MB limit")

    path = folder(root, "too_many_files")
    (path / notebook).write_bytes(good)
    for n in range(201):
        (path / f"note{n}.txt").write_text("x")
    expected["too_many_files"] = (0, "201 files beside the notebook")

    path = folder(root, "some_data")
    (path / notebook).write_bytes(good)
    (path / "notes.txt").write_text("my notes")
    expected["some_data"] = (FULL, None)

    (folder(root, "weird_output") / notebook).write_bytes(answered(root, {
        "ex01-solution": f"print({WEIRD})\nimport warnings\nwarnings.warn('\\ud800\\x00\\u202e' * 100)"}))
    expected["weird_output"] = (FULL, None)

    (folder(root, "weird_error") / notebook).write_bytes(answered(root, {
        "ex01-solution": f"def row_and_column(v):\n    raise ValueError(''.join([{WEIRD}]))"}))
    expected["weird_error"] = (FULL - 3, "ex01-visible: ValueError")

    nb = json.loads(good)
    nb["cells"][0]["metadata"]["nbgrader"] = "not a mapping"  # what the grader's own checks do not expect
    (folder(root, "crashes_grader") / notebook).write_text(json.dumps(nb))
    expected["crashes_grader"] = (0, "the grader failed on this submission")
    return expected


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions") / "course"
    make_course(root)
    good = reference_bytes(root)
    (folder(root, "Aaron") / f"{SECTION}.ipynb").write_bytes(good)
    (folder(root, "Zoë Ångström") / f"{SECTION}.ipynb").write_bytes(good)
    (folder(root, "untouched") / f"{SECTION}.ipynb").write_bytes((root / "release" / SECTION / f"{SECTION}.ipynb")
                                                                 .read_bytes())
    first, first_rows = run(root)
    before = {learner: graded_outputs(root, learner) for learner in HONEST}
    first_scores = gradebook(root)
    expected = add_hostile_folders(root)
    second, rows = run(root)
    return root, first, first_rows, before, first_scores, expected, second, rows


def test_the_honest_class_is_graded(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    assert first.returncode == 0, first.stdout + first.stderr
    assert {name: float(row["score"]) for name, row in first_rows.items()} == HONEST
    assert first_scores == HONEST


def test_the_second_run_ends_with_a_csv_and_a_report(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    assert second.returncode == 0, second.stdout[-5000:] + second.stderr[-5000:]
    from torchcourse.grader.report import shown_id

    assert sorted(rows) == sorted(shown_id(name) for name in [*HONEST, *expected]), second.stdout
    assert (root / "reports" / SECTION / "report.html").stat().st_size > 1000


@pytest.mark.parametrize("learner", sorted(HONEST))
def test_honest_learners_are_untouched_by_the_hostile_folders(runs, learner):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    assert float(rows[learner]["score"]) == HONEST[learner]
    assert gradebook(root)[learner] == HONEST[learner]
    assert graded_outputs(root, learner) == before[learner]
    assert (root / "feedback" / learner / SECTION / f"{SECTION}.html").exists()


def test_bad_learner_ids_never_reach_nbgrader(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    from torchcourse.grader.report import shown_id

    for name in BAD_IDS:
        row = rows[shown_id(name)]
        assert float(row["score"]) == 0 and "learner id" in row["reasons"], row
    recorded = gradebook(root)
    assert not set(BAD_IDS) & set(recorded), recorded
    for kind in ("autograded", "feedback"):
        present = set(os.listdir(root / kind))
        assert not set(BAD_IDS) & present, f"{kind}/ holds folders of refused ids: {present}"


def test_each_hostile_folder_gets_its_score_and_reason(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    from torchcourse.grader.report import shown_id

    report = html.unescape((root / "reports" / SECTION / "report.html").read_text(encoding="utf-8"))
    recorded = gradebook(root)
    wrong = []
    for learner, (score, fragment) in expected.items():
        row = rows[shown_id(learner)]
        if learner in BAD_IDS:
            continue
        if float(row["score"]) != score or recorded.get(learner) != score:
            wrong.append(f"{learner}: expected {score}, CSV {row['score']}, gradebook {recorded.get(learner)}; "
                         f"{row['reasons'][:300]}")
        line = next(line for line in report.splitlines() if f"<td>{learner}</td>" in line)
        if fragment and fragment not in line:
            wrong.append(f"{learner}: {fragment!r} missing from the report: {line[:500]}")
        if fragment and fragment not in row["reasons"] and not fragment.startswith("ex01"):
            wrong.append(f"{learner}: {fragment!r} missing from the CSV: {row['reasons'][:500]}")
    assert not wrong, "\n".join(wrong)


def test_nothing_was_followed(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    for learner in ("link_data", "link_folder", "link_notebook", "linked_learner", "linked_assignment", "fifo"):
        assert not (root / "autograded" / learner).exists(), learner
    assert (root / "submitted" / "Aaron" / SECTION / f"{SECTION}.ipynb").read_bytes() == reference_bytes(root)


def test_weird_output_is_recorded_and_shown(runs):
    root, first, first_rows, before, first_scores, expected, second, rows = runs
    nb = read(root / "autograded" / "weird_output" / SECTION / f"{SECTION}.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "lone surrogate" in text and "\\x00 NUL" in text and "\\u202e override" in text
    assert "\x00" not in text and "\u202e" not in text
    for learner in ("weird_output", "weird_error"):
        assert (root / "feedback" / learner / SECTION / f"{SECTION}.html").exists()
    csv_text = (root / "reports" / SECTION / "grades.csv").read_text(encoding="utf-8")
    assert "\x00" not in csv_text and "\u202e" not in csv_text
