"""Feedback a learner can act on: one contents entry per exercise with its points, messages and hints in full,
no frames of the course's own code, hidden tests reduced to their messages, and a late submission's penalty.

The steps are torchcourse.grader.steps.LearnerFeedback and FeedbackExporter (the template in
torchcourse/grader/feedback/), wired in grading/nbgrader_config.py for grading/autograde and
`nbgrader generate_feedback` alike.
"""

import html
import re
import subprocess

import pytest
from course import GRADING, CourseDirectory, fill_answers, grade_id, read, source_path
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from torchcourse.grader import steps

SECTION = "01_tensors"
ALL = [f"{n:02d}" for n in range(1, 13)]
HINT = "Hint: divide by 255 so that 255 becomes exactly 1.0."
WRONG_MESSAGE = "scale_image(image): expected values [0, 0.2, 0.4, 0.6, 0.8, 1], found [0, 0.1992"
# A learner's own cell that calls check: its traceback passes through torchcourse/check.py.
OWN_CHECK = "check.equal(torch.tensor([1]), torch.tensor([2]), 'my own check')"


# --- the steps on their own -------------------------------------------------------------------------------


def test_course_frames_leave_every_traceback_format():
    ipython = ["Traceback (most recent call last):\n", f"  Cell In[1], line 4\n    {OWN_CHECK}\n",
               "  File /opt/course/torchcourse/check.py:199 in equal\n    close(found, expected, name, hint)\n",
               "  File /opt/course/torchcourse/check.py:60 in _fail\n    raise AssertionError(message)\n",
               "AssertionError: my own check: expected values [2], found [1].\n"]
    assert steps.learner_traceback(ipython) == [
        "Traceback (most recent call last):", f"  Cell In[1], line 4\n    {OWN_CHECK}",
        "AssertionError: my own check: expected values [2], found [1]."]
    coloured = ["\x1b[0;31m----\x1b[0m\n\x1b[0;31mAssertionError\x1b[0m    Traceback (most recent call last)",
                "Cell \x1b[0;32mIn[3], line 2\x1b[0m\n\x1b[1;32m----> 2\x1b[0m check.close(x, y)",
                "File \x1b[0;32m~/lib/python3.11/site-packages/torchcourse/check.py:193\x1b[0m, in \x1b[0;36mclose"
                "\x1b[0;34m(found, expected)\x1b[0m\n\x1b[1;32m    191\x1b[0m     detail = 1\n"
                "\x1b[0;32m--> 193\x1b[0m     _fail(name)\n",
                "\x1b[0;31mAssertionError\x1b[0m: x: expected 1, found 2."]
    kept = steps.learner_traceback(coloured)
    assert len(kept) == 3 and "check.close(x, y)" in kept[1] and "torchcourse" not in "".join(kept)
    python = ('Traceback (most recent call last):\n'
              '  File "/home/me/answer.py", line 3, in scale\n    return helper(x)\n'
              '  File "/srv/torchcourse/grader/tester.py", line 80, in run\n    exec(code)\n'
              '  File "/srv/torchcourse/check.py", line 12, in close\n    _fail(name)\n'
              "AssertionError: scale(x): expected 1, found 2.\n")
    assert steps.learner_traceback([python]) == [
        'Traceback (most recent call last):\n  File "/home/me/answer.py", line 3, in scale\n    return helper(x)\n'
        "AssertionError: scale(x): expected 1, found 2."]
    tester = ["Traceback (most recent call last):", "  test cell 16, line 5, in <module>\n    check.close(scaled, y)",
              f"AssertionError: scale_image(image): expected values [1], found [2]. {HINT}"]
    assert steps.learner_traceback(tester) == tester
    only_course = ["Traceback (most recent call last):", "  File /x/torchcourse/check.py:60 in _fail\n    raise E",
                   "AssertionError: m"]
    assert steps.learner_traceback(only_course) == ["AssertionError: m"]


def test_long_messages_are_cut_at_a_word_boundary_and_say_how_much_is_left():
    text = "expected " + " ".join(f"word{i}" for i in range(400)) + " " + HINT
    capped = steps.cap_text(text, 200)
    kept, more = re.fullmatch(r"(.*) \[\.\.\. (\d+) more characters\]", capped, re.S).groups()
    assert len(kept) <= 200 and text.startswith(kept) and text[len(kept)] == " "
    assert len(kept) + int(more) == len(text)
    assert steps.cap_text(text, len(text)) == text and steps.cap_text(text, -1) == text
    assert steps.cap_text("x" * 50, 10) == "x" * 10 + " [... 40 more characters]"  # one word longer than the cap


def _graded(source, grade_id, points, score, solution=False):
    metadata = {"nbgrader": {"grade": True, "solution": solution, "grade_id": grade_id, "points": points,
                             "score": score}}
    return new_code_cell(source, metadata=metadata)


def test_one_contents_entry_per_exercise_named_by_its_heading():
    nb = new_notebook(cells=[
        new_markdown_cell("## 1.1 Images\n\nSome text."),
        new_markdown_cell("### Exercise 3: `scale_image`\n\nWrite it."),
        new_code_cell("def scale_image(x): ...", metadata={"nbgrader": {"solution": True, "grade": False,
                                                                          "grade_id": "ex03-solution"}}),
        _graded("check(1)", "ex03-visible", 1, 1.0),
        _graded("check(2)", "ex03-hidden", 2, 0.0),
        new_markdown_cell("No heading here."),
        new_code_cell("def f(): ...", metadata={"nbgrader": {"solution": True, "grade": False,
                                                              "grade_id": "ex04-solution"}}),
        _graded("check(3)", "ex04-visible", 1, 1.0),
        _graded("check(4)", "bonus", 2, None),
    ])
    entries = steps.exercise_entries(nb)
    assert [(e["title"], e["score"], e["points"], e["state"]) for e in entries] == [
        ("Exercise 3: scale_image", "1", "3", "partial"), ("Exercise 4", "1", "1", "full"),
        ("bonus", "?", "2", "ungraded")]
    assert [(p["label"], p["score"], p["points"], p["passed"]) for p in entries[0]["parts"]] == [
        ("visible tests", "1", "1", True), ("hidden tests", "0", "2", False)]
    assert nb.cells[1].metadata["course_feedback_anchor"] == "exercise-ex03"  # the heading
    assert nb.cells[6].metadata["course_feedback_anchor"] == "exercise-ex04"  # no heading: the answer


def test_late_note_says_hours_and_penalty():
    assert steps.late_note(0, 0) is None
    assert steps.late_note(3 * 3600, 36.0) == "Submitted 3 hours late: penalty -36 points"
    assert steps.late_note(5400, 1) == "Submitted 1.5 hours late: penalty -1 point"
    assert steps.late_note(600, 0) == "Submitted 10 minutes late: no penalty"


def test_error_outputs_are_filtered_and_capped_in_the_step():
    error = new_output("error", ename="AssertionError", evalue="m " * 50, traceback=[
        "Traceback (most recent call last):", "  File /x/torchcourse/check.py:60 in _fail\n    raise E",
        "AssertionError: " + "m " * 50])
    cell = _graded("check(1)", "ex01-visible", 1, 0.0)
    cell.outputs = [error, new_output("stream", name="stdout", text="word " * 40)]
    config = Config()
    config.LearnerFeedback.max_message_chars = 30
    config.LearnerFeedback.max_output_chars = 20
    nb, resources = steps.LearnerFeedback(config=config).preprocess(new_notebook(cells=[cell]), {})
    error, stream = nb.cells[0].outputs
    assert error.traceback == ["AssertionError: m m m m m m m [... 87 more characters]"]
    assert error.evalue.endswith("more characters]") and stream.text.startswith("word word word word [... ")
    assert resources["course_feedback"]["entries"][0]["title"] == "Exercise 1"


def test_the_exporter_uses_the_course_template_even_when_nbgrader_names_its_own():
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory as NbgraderCourse

    def exporter(template_name):
        config = Config()
        config.GenerateFeedback.exporter_class = steps.FeedbackExporter
        config.HTMLExporter.template_name = template_name  # nbgrader's API sets "feedback" on every call
        converter = GenerateFeedback(coursedir=NbgraderCourse(config=config), config=config)
        return converter.exporter_class(parent=converter, config=converter.config)  # as nbgrader makes it

    ours = exporter("feedback")
    assert ours.template_name == steps.FEEDBACK_TEMPLATE
    assert ours.template_paths[0].endswith("torchcourse/grader/feedback/course_feedback")
    assert exporter("lab").template_name == "lab"


# --- a graded class -----------------------------------------------------------------------------------------


def _wrong_answers(released, source):
    nb = fill_answers(released, source, ALL)
    for cell in nb.cells:
        if grade_id(cell) == "ex02-solution":
            cell.source = "def scale_image(image):\n    return image.float() / 256\n"
        if grade_id(cell) == "ex05-solution":  # right answer, then the learner's own failing check
            cell.source = ("from torchcourse import check\n\ndef squeeze_predictions(pred):\n"
                           f"    return pred.squeeze(1)\n\n{OWN_CHECK}\n")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grading/autograde over reference, wrong, half and late learners; then `nbgrader generate_feedback` for
    wrong again. ({learner: feedback HTML from autograde}, wrong's HTML from nbgrader's command, course root)."""
    root = tmp_path_factory.mktemp("feedback") / "course"
    course = CourseDirectory(root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("c.AssignLatePenalties.plugin_class = 'nbgrader.plugins.LateSubmissionPlugin'\n"
                "c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    course.add_source(SECTION)
    course.nbgrader("generate_assignment", SECTION)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment(SECTION, duedate="2024-03-01 12:00:00")
    released = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    source = read(source_path(SECTION))
    course.submit("reference", SECTION, fill_answers(released, source, ALL))
    course.submit("wrong", SECTION, _wrong_answers(released, source))
    course.submit("half", SECTION, fill_answers(released, source, ALL[:6]))
    course.submit("late", SECTION, fill_answers(released, source, ALL))
    (root / "submitted" / "late" / SECTION / "timestamp.txt").write_text("2024-03-01 15:00:00")
    result = subprocess.run([str(GRADING / "autograde"), SECTION, "--course", str(root), "--workers", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = {learner: (root / "feedback" / learner / SECTION / f"{SECTION}.html").read_text()
             for learner in ("reference", "wrong", "half", "late")}
    course.nbgrader("generate_feedback", SECTION, "--student", "wrong", "--force")
    return pages, (root / "feedback" / "wrong" / SECTION / f"{SECTION}.html").read_text(), root


def _text(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _contents(page):
    """[(title, "score / points points")] of the contents list's exercise entries."""
    toc = page[page.index('<div id="toc">'):page.index("</ol>", page.index('<div id="toc">'))]
    return [(html.unescape(title), points) for title, points in re.findall(
        r'<li class="exercise \w+"><a href="#exercise-ex\d+">([^<]*)</a>, <span class="points">([^<]*)</span>', toc)]


def test_contents_name_each_exercise_with_its_points(graded):
    pages, from_command, root = graded
    for page in (pages["wrong"], from_command):
        contents = _contents(page)
        assert len(contents) == 12 and "Test cell" not in page, contents
        assert contents[1] == ("Exercise 2: scale an image", "0 / 3 points")
        assert contents[0] == ("Exercise 1: a row and a column", "3 / 3 points")
        assert all(points == "3 / 3 points" for title, points in contents[2:])  # ex05's own check fails no test
    half = _contents(pages["half"])
    assert [points for _, points in half] == ["3 / 3 points"] * 6 + ["0 / 3 points"] * 6
    assert all(points == "3 / 3 points" for _, points in _contents(pages["reference"]))
    assert 'name="exercise-ex02"' in pages["wrong"]  # the entry's link lands on the exercise's prompt


def test_the_failing_message_and_its_hint_are_shown_in_full(graded):
    pages, from_command, root = graded
    for page in (pages["wrong"], from_command):
        text = _text(page)
        assert WRONG_MESSAGE in text and f"found 0.9961. {HINT}" in text
        assert "white-space: pre-wrap" in page and "more characters]" not in text


def test_no_frames_of_the_course_code(graded):
    pages, from_command, root = graded
    autograded = read(root / "autograded" / "wrong" / SECTION / f"{SECTION}.ipynb")
    raw = "".join("".join(o.get("traceback", [])) for c in autograded.cells if c.cell_type == "code"
                  for o in c.outputs)
    assert "torchcourse/check.py" in raw  # the learner's own check went through the course's code
    for page in [*pages.values(), from_command]:
        text = _text(page)
        assert "torchcourse/check.py" not in text and "torchcourse/grader" not in text
    text = _text(pages["wrong"])
    assert f"Cell In[1], line 6\n    {OWN_CHECK}" in text  # the learner's line stays
    assert "test cell 16, line 5, in <module>\n    check.close(scaled" in text  # and the test's


def test_hidden_tests_show_only_their_messages(graded):
    pages, from_command, root = graded
    released = read(root / "release" / SECTION / f"{SECTION}.ipynb")
    public = "\n".join(cell.source for cell in released.cells)
    hidden = []
    for cell in read(source_path(SECTION)).cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            hidden += [line.strip() for line in block.splitlines() if len(line.strip()) > 25
                       and line.strip() not in public]
    assert len(hidden) > 20
    for page in [*pages.values(), from_command]:
        text = _text(page)
        shown = [line for line in hidden if line in text]
        assert not shown, f"feedback shows hidden test lines: {shown[:3]}"
        assert "hidden tests ran here" in text
    assert "scale_image of shape () with pixels up to 255: expected values" in _text(pages["wrong"])


def test_a_late_submission_says_how_late_and_its_penalty(graded):
    pages, from_command, root = graded
    assert "Submitted 3 hours late: penalty -36 points" in _text(pages["late"])
    assert "late:" not in _text(pages["reference"]) and "hours late" not in _text(pages["reference"])


def test_nbgrader_config_names_the_feedback_steps():
    config = (GRADING / "nbgrader_config.py").read_text()
    assert "HideHiddenTests, LearnerFeedback]" in config and "exporter_class = FeedbackExporter" in config
