"""A real nbgrader round trip per section, through the course's nbgrader_config.py.

The reference solution scores full marks, the committed learner notebook
scores zero, and a notebook with half of its exercises answered scores
exactly their points, although each of those answers writes to stderr and
emits a warning every time it is called (stock nbgrader would give them zero).
"""

import importlib

import course
from course import ASSIGNMENTS
from nbformat.v4 import new_output


def points(source_nb, numbers):
    """The points that exercises `numbers` are worth."""
    wanted = {f"ex{n}-{kind}" for n in numbers for kind in ("visible", "hidden")}
    return sum(c.metadata["nbgrader"]["points"] for c in source_nb.cells if course.grade_id(c) in wanted)


def right_answer_notebooks(release, source, assignment):
    """Learner notebooks whose exercises hold the corpus's right answers: the k-th notebook the k-th right
    answer of each exercise (the reference where an exercise has fewer)."""
    corpus = importlib.import_module(f"corpora.s{assignment}").ANSWERS
    rights = {number: [a.code for a in answers if a.correct] for number, answers in corpus.items()}
    notebooks = []
    for k in range(max(map(len, rights.values()), default=0)):
        nb = course.fill_answers(release, source, sorted(course.exercises(source)))
        for cell in nb.cells:
            match = course.EXERCISE_ID.fullmatch(course.grade_id(cell) or "")
            if match and match.group(2) == "solution" and k < len(rights.get(match.group(1), [])):
                cell.source = rights[match.group(1)][k]
        notebooks.append(nb)
    return notebooks


def scores(course_dir, assignment, students):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir.root / 'gradebook.db'}") as gradebook:
        total = gradebook.find_assignment(assignment).max_score
        return {s: gradebook.find_submission(assignment, s).score for s in students}, total


class RoundTrip:
    """One section's round trip; a class per section lets xdist (--dist loadscope) grade sections in parallel."""

    assignment = None

    def test_nbgrader_round_trip(self, course_dir):
        assignment = self.assignment
        course_dir.add_source(assignment)
        course_dir.nbgrader("generate_assignment", assignment)

        source = course.read(course.source_path(assignment))
        release = course.read(course.release_path(assignment))  # the committed learner notebook
        numbers = sorted(course.exercises(source))
        half = numbers[::2]
        course_dir.submit("reference", assignment, course.fill_answers(release, source, numbers))
        course_dir.submit("untouched", assignment, release)
        course_dir.submit("half_noisy", assignment, course.noisy(course.fill_answers(release, source, half)))
        rights = [f"right{k}" for k, nb in enumerate(right_answer_notebooks(release, source, assignment))
                  if course_dir.submit(f"right{k}", assignment, nb) or True]

        course_dir.nbgrader("autograde", assignment)
        found, total = scores(course_dir, assignment, ["reference", "untouched", "half_noisy", *rights])

        assert total == points(source, numbers) > 0
        assert found["reference"] == total, f"reference solution: expected {total} points, found {found['reference']}"
        assert found["untouched"] == 0, f"untouched learner notebook: expected 0 points, found {found['untouched']}"
        expected = points(source, half)
        assert found["half_noisy"] == expected, (
            f"exercises {half} answered correctly, with warnings and stderr output: "
            f"expected {expected} of {total} points, found {found['half_noisy']}")
        for name in rights:
            assert found[name] == total, (
                f"{name}: the corpus's right answers (number {name[5:]} of each exercise) scored {found[name]} "
                f"of {total} when graded")


for _assignment in ASSIGNMENTS:
    globals()[f"TestRoundTrip_{_assignment}"] = type(f"TestRoundTrip_{_assignment}", (RoundTrip,),
                                                     {"assignment": _assignment})


def test_validate_button_passes_correct_answers_that_write_to_stderr(course_dir):
    """The learner's Validate button runs nbgrader's Validator, with the same config."""
    assignment = ASSIGNMENTS[0]
    source = course.read(course.source_path(assignment))
    release = course.read(course.release_path(assignment))
    answered = course.noisy(course.fill_answers(release, source, sorted(course.exercises(source))))
    course_dir.submit("learner", assignment, answered)
    path = course_dir.root / "submitted" / "learner" / assignment / f"{assignment}.ipynb"
    result = course_dir.nbgrader("validate", str(path))
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


def test_learners_assignment_list_works_on_one_machine(course_dir):
    """nbgrader's Assignment List (and release, fetch, submit) need the exchange folder to exist."""
    result = course_dir.nbgrader("list", check=False)
    assert result.returncode == 0 and "Unwritable directory" not in result.stdout + result.stderr, (
        f"nbgrader list failed:\n{result.stdout}\n{result.stderr}")
