"""The grader's nbgrader steps: test cells and hidden-test delimiters (nbgrader's configuration), the
trusted setup, the steps put into a plain nbgrader course, and the reference notebook's control run.
"""

import ast
import os
import re
import subprocess

import nbformat
import pytest
from course import GRADING, CourseDirectory, fill_answers, read, source_path
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from torchcourse.grader import cells, steps

SECTION = "01_tensors"
AUTOGRADE = GRADING / "autograde"


def _cell(source, **grading):
    return new_code_cell(source, metadata={"nbgrader": grading} if grading else {})


def test_one_is_test_cell_in_torchcourse():
    root = os.path.dirname(os.path.dirname(os.path.abspath(cells.__file__)))
    defined = []
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path) as f:
                    tree = ast.parse(f.read())
                defined += [path for node in ast.walk(tree)
                            if isinstance(node, ast.FunctionDef) and node.name == "is_test_cell"]
    assert defined == [cells.__file__], defined


def test_is_test_cell():
    assert cells.is_test_cell(_cell("assert 1", grade=True, solution=False))
    assert not cells.is_test_cell(_cell("x = 1", grade=True, solution=True))  # manually graded answer
    assert not cells.is_test_cell(_cell("x = 1"))
    assert not cells.is_test_cell(new_markdown_cell("text", metadata={"nbgrader": {"grade": True}}))
    assert not cells.is_test_cell({"cell_type": "code", "metadata": {"nbgrader": "not a mapping"}})


def test_hidden_delimiters_come_from_nbgrader_config():
    assert cells.hidden_delimiters(Config()) == ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET TESTS"
    config.ClearHiddenTests.end_test_delimeter = "END SECRET TESTS"
    delimiters = cells.hidden_delimiters(config)
    assert delimiters == ("BEGIN SECRET TESTS", "END SECRET TESTS")
    source = "check(1)\n    ## BEGIN SECRET TESTS ##\n    secret()\n    ## END SECRET TESTS ##\nafter()\n"
    assert cells.has_hidden_tests(source, delimiters) and not cells.has_hidden_tests(source)
    assert cells.strip_hidden(source, delimiters) == f"check(1)\n    {cells.HIDDEN_NOTE}\nafter()\n"
    nb = new_notebook(cells=[_cell(source, grade=True, solution=False), _cell(source), _cell("check(2)", grade=True)])
    assert [c["hidden"] for c in steps.plain_cells(nb, delimiters)] == [True, False, False]
    assert [c["hidden"] for c in steps.plain_cells(nb)] == [False, False, False]


def test_reading_the_delimiters_from_a_whole_course_config_warns_about_nothing(caplog):
    """The course's config holds options for many steps; reading two of them must not log a warning per option
    ("Config option `display_data_priority` not recognized by `ClearHiddenTests`", once per feedback)."""
    from torchcourse.grader.autograde import load_course

    config, _, _ = load_course(str(GRADING))
    config.Preprocessor.display_data_priority = ["text/plain"]
    with caplog.at_level("DEBUG"):
        assert cells.hidden_delimiters(config) == ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert not [r for r in caplog.records if "not recognized" in r.getMessage()]


def test_hide_hidden_tests_reads_its_own_config():
    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET TESTS"
    config.ClearHiddenTests.end_test_delimeter = "END SECRET TESTS"
    cell = _cell("visible()\n## BEGIN SECRET TESTS ##\nsecret()\n## END SECRET TESTS ##\n", grade=True, solution=False)
    nb = new_notebook(cells=[cell])
    nb, _ = steps.HideHiddenTests(config=config).preprocess(nb, {})
    assert "secret()" not in nb.cells[0].source and "visible()" in nb.cells[0].source


def test_trusted_setup_holds_the_source_notebooks_imports(tmp_path):
    nb = new_notebook(cells=[
        _cell("%matplotlib inline\nimport numpy as np\nfrom math import (pi,\n  tau)\nx = 1\nif x:\n    import os"),
        _cell("import secrets_of_the_answer\n### BEGIN SOLUTION\n### END SOLUTION", solution=True, grade=False),
        _cell("from torchcourse import check\nimport hypothesis", grade=True, solution=False),
        _cell("this is not python ("),
        new_markdown_cell("import nothing"),
    ])
    path = tmp_path / "source.ipynb"
    nbformat.write(nb, path)
    assert steps.trusted_setup(path) == ("import numpy as np\nfrom math import pi, tau\n"
                                         "from torchcourse import check\nimport hypothesis")


def test_sandboxed_steps_go_into_a_plain_nbgrader_config():
    from nbgrader.preprocessors import Execute, LimitOutput

    config = Config()
    assert steps.sandboxed_steps(config) == ["autograde", "feedback"]
    assert config.Autograde.autograde_preprocessors[0] is steps.SandboxedExecute
    assert Execute not in config.Autograde.autograde_preprocessors
    assert steps.HideHiddenTests in config.GenerateFeedback.preprocessors
    assert steps.sandboxed_steps(config) == []  # already there
    custom = Config()
    custom.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", LimitOutput]
    steps.sandboxed_steps(custom)
    assert custom.Autograde.autograde_preprocessors == [steps.SandboxedExecute, LimitOutput]


def test_data_files_never_follow_links_or_open_fifos(tmp_path):
    (tmp_path / "data.csv").write_text("a,b")
    (tmp_path / "nb.ipynb").write_text("{}")
    os.symlink("/etc/passwd", tmp_path / "passwd")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    assert steps.data_files({"metadata": {"path": str(tmp_path)}}) == {"data.csv": b"a,b"}
    assert steps.read_regular_file(str(tmp_path / "pipe"), 100) is None
    assert steps.read_regular_file(str(tmp_path / "passwd"), 100) is None


def test_clean_makes_any_output_storable():
    text = steps.clean("ok \ud800 \x00 \x07 \u202e \x1b[31m\n\t")
    assert text == "ok \ufffd \\x00 \\x07 \\u202e \x1b[31m\n\t"
    text.encode("utf-8")


def _secret_course(root):
    course = CourseDirectory(root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write('c.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET TESTS"\n'
                'c.ClearHiddenTests.end_test_delimeter = "END SECRET TESTS"\n'
                "c.SandboxedExecute.cell_seconds = 5\n")
    nb = read(source_path(SECTION))
    for cell in nb.cells:
        cell.source = cell.source.replace("### BEGIN HIDDEN TESTS", "## BEGIN SECRET TESTS ##").replace(
            "### END HIDDEN TESTS", "## END SECRET TESTS ##")
    (root / "source" / SECTION).mkdir()
    nbformat.write(nb, root / "source" / SECTION / f"{SECTION}.ipynb")
    return course, nb


def _hidden_lines(source_nb):
    lines = []
    for cell in source_nb.cells:
        for block in re.findall(r"## BEGIN SECRET TESTS ##\n(.*?)## END SECRET TESTS ##", cell.source, re.S):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 25]
    return lines


def test_a_course_with_its_own_hidden_test_delimiters(tmp_path):
    root = tmp_path / "course"
    course, source = _secret_course(root)
    course.nbgrader("generate_assignment", SECTION)
    released = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    public = "\n".join(cell.source for cell in released.cells)
    hidden = [line for line in _hidden_lines(source) if line not in public]
    assert len(hidden) > 20
    assert "SECRET TESTS" not in public
    course.submit("reference", SECTION, fill_answers(released, source, [f"{n:02d}" for n in range(1, 13)]))
    result = subprocess.run([str(AUTOGRADE), SECTION, "--course", str(root)], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference,36.0,36.0" in (root / "reports" / SECTION / "grades.csv").read_text()
    feedback = (root / "feedback" / "reference" / SECTION / f"{SECTION}.html").read_text()
    shown = [line for line in hidden if line in feedback]
    assert not shown, f"feedback shows hidden tests: {shown[:3]}"
    assert "hidden tests ran here" in feedback


def test_a_reference_notebook_that_fails_its_own_tests_stops_grading(tmp_path):
    root = tmp_path / "course"
    course = CourseDirectory(root)
    course.add_source(SECTION)
    path = root / "source" / SECTION / f"{SECTION}.ipynb"
    nb = read(path)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex03-solution":
            cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION",
                                 "### BEGIN SOLUTION\n    raise RuntimeError('reference broken')\n    ### END SOLUTION",
                                 cell.source, flags=re.S)
    nbformat.write(nb, path)
    course.nbgrader("generate_assignment", SECTION)
    released = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    course.submit("learner", SECTION, released)
    result = subprocess.run([str(AUTOGRADE), SECTION, "--course", str(root)], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "ex03-visible" in result.stderr and "reference broken" in result.stderr, result.stderr
    assert "ex01-visible" not in result.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.students == []
    assert not (root / "autograded").exists() and not (root / "reports").exists()


@pytest.mark.parametrize("name", ["*", "a?", "[ab]", "x\ny", "-rf", ".hidden", "a\\b", "", " ", "r\u202el"])
def test_learner_ids_that_nbgrader_would_glob_are_refused(name):
    from torchcourse.grader.autograde import learner_id_problem

    assert learner_id_problem(name)


@pytest.mark.parametrize("name", ["alice", "Zoë Ångström", "李雷", "o'brien", "x-1.2"])
def test_plain_learner_ids_are_kept(name):
    from torchcourse.grader.autograde import learner_id_problem

    assert learner_id_problem(name) is None


def course_with_a_class(root, learners):
    """A course with SECTION released and learners {name: exercises answered} submitted; (course, released)."""
    course = CourseDirectory(root)
    course.add_source(SECTION)
    course.nbgrader("generate_assignment", SECTION)
    released = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    source = read(root / "source" / SECTION / f"{SECTION}.ipynb")
    for learner, answered in learners.items():
        course.submit(learner, SECTION, fill_answers(released, source, answered))
    return course, released


def autograde(root):
    return subprocess.run([str(AUTOGRADE), SECTION, "--course", str(root)], capture_output=True, text=True,
                          timeout=900)


def test_a_failed_control_on_a_regrade_changes_nothing(tmp_path):
    """Learners are sanitized while the control runs; when it fails on a course already graded, their
    gradebook rows, scores and autograded copies are as they were before the run."""
    root = tmp_path / "course"
    course, released = course_with_a_class(root, {"graded": ["01", "02"]})
    first = autograde(root)
    assert first.returncode == 0, first.stdout + first.stderr
    autograded = root / "autograded" / "graded" / SECTION / f"{SECTION}.ipynb"
    before = autograded.read_bytes()
    course.submit("newcomer", SECTION, released)
    path = root / "source" / SECTION / f"{SECTION}.ipynb"
    nb = read(path)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex03-solution":
            broken = "### BEGIN SOLUTION\n    raise RuntimeError('x')\n"
            cell.source = cell.source.replace("### BEGIN SOLUTION\n", broken)
    nbformat.write(nb, path)
    second = autograde(root)
    assert second.returncode == 3, second.stdout + second.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert [s.id for s in gb.students] == ["graded"]
        assert gb.find_submission(SECTION, "graded").score == 6
    assert autograded.read_bytes() == before
    assert not (root / "autograded" / "newcomer").exists()
    assert not list((root / "autograded" / "graded").glob(".*"))


def test_progress_lines_show_scores_and_no_library_warnings(tmp_path):
    """Each learner's line says the score it got; nbgrader's SQLAlchemy notes do not reach the instructor."""
    root = tmp_path / "course"
    course_with_a_class(root, {"two": ["01", "02"], "none": []})
    result = autograde(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "two: 6/36" in result.stdout and "none: 0/36" in result.stdout, result.stdout
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_section_helpers_travel_by_value_so_the_learners_process_cannot_swap_them(monkeypatch):
    """A helper a test hands to the learner's process runs as the course wrote it, not as the learner's
    code may have rebound it there (the module's name, looked up on arrival, would be the learner's)."""
    import pickle

    import cloudpickle

    from torchcourse.grader import tester
    from torchcourse.sections import s01_tensors as section

    tester.pickle_by_value(cloudpickle)
    helper = next(v for v in vars(section).values() if callable(v) and getattr(v, "__module__", "") == section.__name__
                  and hasattr(v, "__code__"))
    sent = cloudpickle.dumps(helper)
    monkeypatch.setattr(section, helper.__name__, lambda *a, **k: "rigged")
    arrived = pickle.loads(sent)
    assert arrived.__code__.co_code == helper.__code__.co_code, "the helper was sent by name and swapped on arrival"
