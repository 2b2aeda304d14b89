"""Where a learner stands: Run All goes to the end of a learner notebook and its last cell prints the table.

A learner's copy of 01_tensors with exercise 1 answered, exercise 2 answered wrongly and
the rest untouched runs in a real kernel (torchcourse.run, as Run All would), and through
README's command for a saved notebook (`./course progress`).
"""

import subprocess

import course
import nbformat
import pytest
from corpora import s01_tensors

from torchcourse import progress
from torchcourse.run import execute, progress_output

SECTION = "01_tensors"


def test_each_outcome_is_recorded_from_a_visible_test_cell():
    progress._outcomes.clear()
    progress.record('"""Exercise 1, visible tests: the example."""\ncheck(...)', None)
    progress.record('"""Exercise 2, visible tests: x."""', AssertionError("row: expected shape (1, 5), found (5,)"))
    progress.record('"""Exercise 3, visible tests: x."""', NotImplementedError("Exercise not answered yet. Hint: ..."))
    progress.record('"""Exercise 4, visible tests: x."""', NameError("name 'scale' is not defined"))
    progress.record('"""Exercise 5, visible tests: x."""', AssertionError("x" * 500 + "\nsecond line"))
    progress.record("x = 1  # a teaching cell", ZeroDivisionError())  # not a test cell: nothing recorded
    text = progress.table(6)
    progress._outcomes.clear()
    rows = text.splitlines()[1:-1]
    assert rows[0].split() == ["Exercise", "1", "passed"]
    assert "failed" in rows[1] and rows[1].endswith("row: expected shape (1, 5), found (5,)")
    assert "not answered" in rows[2]
    assert "NameError: name 'scale' is not defined" in rows[3]
    assert len(rows[4]) < 150 and rows[4].endswith("...")
    assert "not run" in rows[5]
    assert text.splitlines()[-1].startswith("1 of 6 exercises pass their visible tests.")


@pytest.fixture(scope="module")
def learner_copy(tmp_path_factory):
    """The learner's 01_tensors: exercise 1 right, exercise 2 wrong, the others not answered."""
    release, source = course.read(course.release_path(SECTION)), course.read(course.source_path(SECTION))
    nb = course.fill_answers(release, source, ["01"])
    wrong = next(a for a in s01_tensors.ANSWERS["02"] if a.why == "cast without scaling")
    solution = next(c for c in nb.cells if course.grade_id(c) == "ex02-solution")
    solution.source = wrong.code
    folder = tmp_path_factory.mktemp("learner") / SECTION
    folder.mkdir()
    path = folder / f"{SECTION}.ipynb"
    nbformat.write(nb, path)
    return path, wrong


def rows(table):
    return {int(line.split()[1]): line for line in table.splitlines() if line.startswith("  Exercise ")}


def test_run_all_goes_to_the_end_and_the_last_cell_says_where_the_learner_stands(learner_copy):
    path, _ = learner_copy
    nb = execute(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "Run All stopped before the last cell"
    errors = [course.grade_id(c) for c in code if any(o.output_type == "error" for o in c.outputs)]
    assert "ex02-visible" in errors and "ex03-visible" in errors, errors
    assert all(gid and gid.startswith("ex") for gid in errors), f"a teaching cell failed: {errors}"
    table = rows(progress_output(nb))
    exercises = len(course.exercises(course.read(course.source_path(SECTION))))
    assert sorted(table) == list(range(1, exercises + 1))
    assert table[1].split()[2] == "passed"
    assert table[2].split()[2] == "failed" and "scale_image(" in table[2] and "expected" in table[2], table[2]
    assert all(" not answered " in table[n] for n in range(3, exercises + 1))


def test_the_course_command_prints_the_table_for_a_saved_notebook(learner_copy):
    path, _ = learner_copy
    done = subprocess.run([str(course.ROOT / "course"), "progress", str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    table = rows(done.stdout)
    assert table[1].split()[2] == "passed" and table[2].split()[2] == "failed", done.stdout


def test_a_notebook_that_cannot_be_read_gets_a_reason_and_the_others_still_run(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    assert progress.main([str(broken), str(tmp_path / "missing.ipynb")]) == 1
    out = capsys.readouterr().out
    assert out.count("could not run it:") == 2
