"""Each exercise's tests reject the wrong answers learners write and accept other correct ones.

Answers run in this process through `exercise_runner` (the section's notebook
once, then each answer in a copy of the namespace before its solution cell,
followed by the exercise's visible and hidden tests).
"""

import importlib

import course
import pytest
from course import ASSIGNMENTS
from exercise_runner import run_exercise, source_exercises

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
