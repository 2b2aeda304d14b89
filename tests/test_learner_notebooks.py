"""notebooks/ is exactly what nbgrader generates from solutions/, and gives nothing away."""

import filecmp

import course
import pytest
from course import ASSIGNMENTS, NOTEBOOKS

REGENERATE = "notebooks/ is stale: run `./course generate` and commit the result"


def test_every_section_is_released_and_nothing_else():
    released = sorted(p.name for p in NOTEBOOKS.iterdir() if p.is_dir())
    assert released == ASSIGNMENTS, f"{REGENERATE} (released {released}, sections {ASSIGNMENTS})"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_learner_notebook_is_in_sync_with_its_source(course_dir, assignment):
    course_dir.add_source(assignment)
    course_dir.nbgrader("generate_assignment", assignment)
    fresh = course_dir.root / "release" / assignment
    committed = NOTEBOOKS / assignment
    comparison = filecmp.dircmp(fresh, committed, ignore=[".ipynb_checkpoints", "__pycache__"])
    assert not comparison.left_only and not comparison.right_only, (
        f"{REGENERATE} (only generated: {comparison.left_only}; only committed: {comparison.right_only})")
    for name in comparison.common_files:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), f"{REGENERATE} ({assignment}/{name})"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_learner_notebook_has_no_outputs_answers_or_hidden_tests(assignment):
    source = course.read(course.source_path(assignment))
    text = course.release_path(assignment).read_text()
    for marker in ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]:
        assert marker not in text, f"{assignment}: the learner notebook contains {marker!r}"
    release = course.read(course.release_path(assignment))
    for cell in release.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{assignment}: cell {cell.id} has outputs"
    for number, exercise in course.exercises(source).items():
        answer = course.reference_answer(exercise.solution).strip().splitlines()[-1].strip()
        learner = next(c.source for c in release.cells if course.grade_id(c) == f"ex{number}-solution")
        assert answer not in learner, f"{assignment} ex{number}: the learner notebook shows the answer"
        assert 'raise NotImplementedError("Exercise not answered yet.' in learner
