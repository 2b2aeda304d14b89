"""The instructor's source notebooks follow the course's conventions (see README, "Adding an exercise")."""

import ast
import re

import course
import nbformat
import pytest
from course import ASSIGNMENTS, SOLUTIONS

SECTION_FOLDER = re.compile(r"\d\d_[a-z0-9_]+")


def test_sections_are_numbered_folders_with_one_notebook_of_the_same_name():
    for folder in SOLUTIONS.iterdir():
        assert folder.is_dir() and SECTION_FOLDER.fullmatch(folder.name), f"unexpected {folder.name} in solutions/"
        notebooks = sorted(p.name for p in folder.glob("*.ipynb"))
        assert notebooks == [f"{folder.name}.ipynb"], f"{folder.name}/ holds {notebooks}"


@pytest.fixture(params=ASSIGNMENTS)
def notebook(request):
    path = course.source_path(request.param)
    return path, course.read(path)


def test_notebook_is_stored_clean(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5), "nbformat 4.5, so that every cell has a stable id"
    assert set(nb.metadata) == {"kernelspec", "language_info"}, f"extra notebook metadata: {sorted(nb.metadata)}"
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has outputs"
        assert set(cell.metadata) <= {"nbgrader"}, f"cell {cell.id} has extra metadata {sorted(cell.metadata)}"
        if course.grade_id(cell):
            assert cell.id == course.grade_id(cell), f"cell {cell.id}: its id must equal its grade_id"
    # Stored exactly as nbformat writes it, so that diffs stay small and reviewable.
    assert path.read_text() == nbformat.writes(nb) + "\n"


def test_notebook_opens_with_goals_and_ends_with_recap_and_where_you_stand(notebook):
    _, nb = notebook
    first, recap, stand, progress = nb.cells[0], nb.cells[-3], nb.cells[-2], nb.cells[-1]
    assert first.cell_type == "markdown" and "After this notebook you will be able to" in first.source
    assert recap.cell_type == "markdown" and "## Recap" in recap.source and "**Next:**" in recap.source
    assert stand.cell_type == "markdown" and stand.source.startswith("## Where you stand"), (
        "after the recap: '## Where you stand', then the progress table")
    count = len(course.exercises(nb))
    assert progress.cell_type == "code" and progress.source == f"check.progress({count})", (
        f"the last cell must be check.progress({count}), one row per exercise")


INSTALL_URL = re.compile(r'%pip install --quiet "torchcourse @ git\+(\S+)"')


def test_every_set_up_cell_installs_the_course_checks_when_missing(notebook):
    """A notebook on its own (Colab, a plain Jupyter) installs the learner package from the course's repository."""
    _, nb = notebook
    repository = course.repository_url()
    found = INSTALL_URL.findall(nb.cells[1].source)
    assert found == [repository], f"the set-up cell must install torchcourse from {repository} when it is missing"
    assert 'importlib.util.find_spec("torchcourse") is None' in nb.cells[1].source


def test_exercises_follow_the_pattern(notebook):
    _, nb = notebook
    exercises = course.exercises(nb)
    numbers = sorted(exercises)
    assert numbers == [f"{i:02d}" for i in range(1, len(numbers) + 1)], f"exercises numbered {numbers}"
    order = [course.grade_id(c) for c in nb.cells if course.grade_id(c)]
    for number in numbers:
        expected = [f"ex{number}-solution", f"ex{number}-visible", f"ex{number}-hidden"]
        start = order.index(expected[0])
        assert order[start:start + 3] == expected, f"ex{number}: cells must be solution, visible, hidden"
    for index, cell in enumerate(nb.cells):
        gid = course.grade_id(cell) or ""
        meta = cell.metadata.get("nbgrader", {})
        if gid.endswith("-solution"):
            number = int(gid[2:4])
            prompt = nb.cells[index - 1]
            assert prompt.cell_type == "markdown" and prompt.source.startswith(f"### Exercise {number}:"), (
                f"{gid}: the cell before must be the prompt, starting '### Exercise {number}:'")
            assert meta["solution"] and not meta["grade"]
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        elif gid.endswith(("-visible", "-hidden")):
            assert meta["grade"] and meta["locked"] and meta["points"] > 0, f"{gid}: a locked cell worth points"
            hidden = "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
            assert hidden == gid.endswith("-hidden"), f"{gid}: hidden tests belong in the -hidden cell only"
            # A docstring opens a visible test cell. A hidden test cell opens with a comment: in the learner's
            # copy nothing else is left, and a lone docstring would be displayed (and read by nbgrader as a score).
            opening = f'"""Exercise {int(gid[2:4])}, visible tests: ' if gid.endswith("-visible") else (
                f"# Exercise {int(gid[2:4])}, hidden tests (run when graded): ")
            assert cell.source.startswith(opening), f"{gid}: start with {opening!r}"


def test_every_assertion_in_a_test_cell_explains_itself(notebook):
    _, nb = notebook
    for cell in nb.cells:
        if course.is_test_cell(cell):
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Assert):
                    assert node.msg is not None, (
                        f"{cell.id}, line {node.lineno}: an assert needs a message saying expected vs found")


def test_every_prompt_gives_an_example(notebook):
    """CONVENTIONS.md: a prompt's contract ends with an example a learner can try by hand."""
    _, nb = notebook
    missing = [cell.source.splitlines()[0] for cell in nb.cells
               if cell.cell_type == "markdown" and cell.source.startswith("### Exercise ")
               and "**Example:**" not in cell.source and "**Examples:**" not in cell.source]
    assert not missing, f"prompts without an **Example:** line: {missing}"


DEVICE_PICKER = ('device = torch.device("cuda" if torch.cuda.is_available() '
                 'else "mps" if torch.backends.mps.is_available() else "cpu")')


def test_every_set_up_cell_picks_the_device_as_section_00_teaches(notebook):
    """One picker everywhere: CUDA, then Apple's MPS, then the CPU (00_intro, "devices")."""
    _, nb = notebook
    set_up = nb.cells[1]
    assert set_up.cell_type == "code" and DEVICE_PICKER in set_up.source.splitlines(), (
        f"the set-up cell must pick the device with exactly:\n{DEVICE_PICKER}")
    for cell in nb.cells[2:]:
        if cell.cell_type == "code":
            assert not re.match(r"\s*device\s*=", cell.source, re.M) or cell.source == set_up.source, (
                f"cell {cell.id} picks the device again; use the set-up cell's `device`")


def test_visible_test_cells_read_as_a_few_lines_of_checks():
    """CONVENTIONS.md: at most 15 lines each, a median of at most 10 over the course; machinery lives in
    torchcourse/sections/."""
    import statistics

    lengths = {}
    for assignment in ASSIGNMENTS:
        for number, exercise in course.exercises(course.read(course.source_path(assignment))).items():
            lengths[f"{assignment} ex{number}"] = len(exercise.visible.splitlines())
    long = {name: n for name, n in lengths.items() if n > 15}
    assert not long, f"visible test cells over 15 lines (move helpers to the section's module): {long}"
    assert statistics.median(lengths.values()) <= 10, f"median visible test cell: {statistics.median(lengths.values())}"
