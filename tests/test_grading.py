"""A real nbgrader round trip per section, through the course's nbgrader_config.py.

The reference solution scores full marks, the committed learner notebook
scores zero, a half-solved notebook scores in between, and a correct answer
that writes warnings and stderr output keeps every point.
"""

import course
import pytest
from course import ASSIGNMENTS
from nbformat.v4 import new_output

NOISY_PREAMBLE = (
    "import sys as _sys\n"
    "import warnings as _warnings\n"
    "print('a note on stderr', file=_sys.stderr)\n"
    "__import__('os').write(2, b'written to file descriptor 2\\n')\n"
    "_warnings.warn('a warning from a correct answer')\n"
)


def noisy(answer_nb):
    """Make every answered function write to stderr and warn each time it is called."""
    for cell in answer_nb.cells:
        if course.grade_id(cell) and cell.metadata["nbgrader"].get("solution"):
            lines = cell.source.split("\n")
            body = [i for i, line in enumerate(lines) if line.startswith("def ")]
            for i in reversed(body):
                indent = "    "
                lines[i + 1:i + 1] = [indent + line for line in NOISY_PREAMBLE.strip().split("\n")]
            cell.source = "\n".join(lines)
    return answer_nb


def scores(course_dir, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir.root / 'gradebook.db'}") as gradebook:
        total = gradebook.find_assignment(assignment).max_score
        found = {}
        for student in ["reference", "untouched", "half", "noisy"]:
            submission = gradebook.find_submission(assignment, student)
            found[student] = submission.score
        return found, total


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_round_trip(course_dir, assignment):
    course_dir.add_source(assignment)
    course_dir.nbgrader("generate_assignment", assignment)

    source = course.read(course.source_path(assignment))
    release = course.read(course.release_path(assignment))  # the committed learner notebook
    numbers = sorted(course.exercises(source))
    course_dir.submit("reference", assignment, course.fill_answers(release, source, numbers))
    course_dir.submit("untouched", assignment, release)
    course_dir.submit("half", assignment, course.fill_answers(release, source, numbers[::2]))
    course_dir.submit("noisy", assignment, noisy(course.fill_answers(release, source, numbers)))

    course_dir.nbgrader("autograde", assignment)
    found, total = scores(course_dir, assignment)

    assert total > 0
    assert found["reference"] == total, f"reference solution: expected {total} points, found {found['reference']}"
    assert found["untouched"] == 0, f"untouched learner notebook: expected 0 points, found {found['untouched']}"
    assert 0 < found["half"] < total, f"half-solved notebook: expected between 0 and {total}, found {found['half']}"
    assert found["noisy"] == total, (
        f"correct answers that warn and write to stderr: expected {total} points, found {found['noisy']}")

    # The learner's Validate button uses nbgrader's Validator with the same config.
    submitted = course_dir.root / "submitted" / "noisy" / assignment / f"{assignment}.ipynb"
    result = course_dir.nbgrader("validate", str(submitted))
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout


def test_stock_nbgrader_zeroes_a_test_cell_that_wrote_to_stderr():
    """Why the course's kernel publishes stderr as stdout: nbgrader itself scores such a cell zero."""
    from nbformat.v4 import new_code_cell
    from nbgrader.utils import determine_grade

    cell = new_code_cell("check(...)", metadata={"nbgrader": {"grade": True, "points": 2, "grade_id": "x",
                                                              "solution": False, "locked": True}})
    cell.outputs = [new_output("stream", name="stderr", text="UserWarning: something\n")]
    assert determine_grade(cell) == (0, 2)
    cell.outputs = [new_output("stream", name="stdout", text="UserWarning: something\n")]
    assert determine_grade(cell) == (2, 2)
