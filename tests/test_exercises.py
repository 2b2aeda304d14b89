"""Each exercise's tests reject the wrong answers learners write and accept other correct ones.

The notebook's code runs in this process, cell by cell, once per section;
each exercise's learner-facing state is snapshotted just before its solution
cell. An answer then runs in a copy of that snapshot, followed by the
exercise's visible and hidden tests from the source notebook.
"""

import contextlib
import functools
import importlib
import io
import traceback
import warnings

import course
import matplotlib
import pytest
from course import ASSIGNMENTS

matplotlib.use("Agg")

MIN_WRONG, MIN_RIGHT = 3, 1


def corpus(assignment):
    """The section's answers, or None when it has no corpus module (a test reports that)."""
    try:
        return importlib.import_module(f"corpora.s{assignment}").ANSWERS
    except ModuleNotFoundError as error:
        if error.name != f"corpora.s{assignment}":
            raise
        return None


def cases():
    for assignment in ASSIGNMENTS:
        for number, answers in sorted((corpus(assignment) or {}).items()):
            for i, answer in enumerate(answers):
                kind = "right" if answer.correct else "wrong"
                yield pytest.param(assignment, number, answer, id=f"{assignment}-ex{number}-{kind}{i}")


@functools.cache
def source_exercises(assignment):
    """The section's exercises from its source notebook, read once per test run."""
    return course.exercises(course.read(course.source_path(assignment)))


_snapshots = {}


def snapshots(assignment):
    """Run the source notebook once; return {exercise number: namespace just before its solution cell}."""
    if assignment not in _snapshots:
        import matplotlib.pyplot as plt

        nb = course.read(course.source_path(assignment))
        namespace, taken = {"__name__": "__main__"}, {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            match = course.EXERCISE_ID.fullmatch(course.grade_id(cell) or "")
            if match and match.group(2) == "solution":
                taken[match.group(1)] = dict(namespace)
            # Some cells show a warning on purpose; it belongs to the lesson, not to this test run.
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(record=True):
                exec(compile(cell.source, f"<{assignment}:{cell.id}>", "exec"), namespace)
            plt.close("all")
        _snapshots[assignment] = taken
    return _snapshots[assignment]


def run_exercise(assignment, number, answer_code):
    """Run an answer and the exercise's tests; return None if they pass, else the failure text."""
    exercise = source_exercises(assignment)[number]
    namespace = dict(snapshots(assignment)[number])
    try:
        # An answer's own warnings are part of the answer, not of this test run.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(record=True):
            exec(compile(answer_code, "<answer>", "exec"), namespace)
            exec(compile(exercise.visible, f"<ex{number}-visible>", "exec"), namespace)
            exec(compile(exercise.hidden, f"<ex{number}-hidden>", "exec"), namespace)
    except Exception as error:  # any failure of the tests counts as a rejection
        return "".join(traceback.format_exception_only(type(error), error))
    return None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_a_corpus(assignment):
    numbers = sorted(source_exercises(assignment))
    answers = corpus(assignment)
    assert answers is not None, f"tests/corpora/s{assignment}.py is missing"
    assert sorted(answers) == numbers, f"corpora/s{assignment}.py must cover exactly the exercises {numbers}"
    for number in numbers:
        wrong = [a for a in answers[number] if not a.correct]
        right = [a for a in answers[number] if a.correct]
        assert len(wrong) >= MIN_WRONG, f"ex{number}: {len(wrong)} wrong answers, at least {MIN_WRONG} needed"
        assert len(right) >= MIN_RIGHT, f"ex{number}: {len(right)} right answers, at least {MIN_RIGHT} needed"
        assert all(a.expect for a in wrong), f"ex{number}: every wrong answer names the message it must produce"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solutions_pass(assignment):
    for number, exercise in source_exercises(assignment).items():
        failure = run_exercise(assignment, number, course.reference_answer(exercise.solution))
        assert failure is None, f"ex{number}: the reference solution fails its own tests:\n{failure}"


@pytest.mark.parametrize(("assignment", "number", "answer"), list(cases()))
def test_answer(assignment, number, answer):
    failure = run_exercise(assignment, number, answer.code)
    if answer.correct:
        assert failure is None, f"ex{number}: a correct answer ({answer.why}) is rejected:\n{failure}"
    else:
        assert failure is not None, f"ex{number}: a wrong answer ({answer.why}) passes the tests"
        assert answer.expect in failure, (
            f"ex{number}: a wrong answer ({answer.why}) fails, but its message lacks {answer.expect!r}:\n{failure}")
