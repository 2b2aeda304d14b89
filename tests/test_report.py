"""The instructor's report (torchcourse/grader/report.py) for a class of hundreds.

A synthetic class of 200 and 400 learners whose test failures are the real
messages of the corpora's wrong answers (tests/corpora, run through the
exercise's visible and hidden tests here): the report must open with the
score distribution, the share passing each exercise, and the exercises
hardest first with their most common messages and correct counts; one
bounded, escaped line per learner; a size linear in the class. A real class
of 00_intro submissions drawn from the corpora, some late, is then graded
end to end by grading/autograde, and Chromium checks what an instructor sees
first (the screenshot in README is taken here).
"""

import contextlib
import csv
import datetime
import importlib
import io
import os
import random
import shutil
import subprocess
import time
import warnings
from collections import Counter, defaultdict

import course
import exercise_runner
import nbformat
import pytest
from course import GRADING, CourseDirectory, grade_id, read

from torchcourse.grader import report

bs4 = pytest.importorskip("bs4")  # nbconvert's dependency

SECTION = "01_tensors"  # 12 exercises: the synthetic class's failures
REAL_SECTION = "00_intro"  # the fastest section to grade for real
REAL_CLASS = 30  # grading 200 for real takes over half an hour on 2 cores (a learner takes ~10 s of a core)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = course.ROOT / "docs" / "screenshots" / "instructor-report.png"
HOSTILE_NAME = '<img src=x onerror="alert(1)">&amp;'
HOSTILE_TEXT = "<script>alert('learner')</script>"
STUB = "Exercise not answered yet. Hint: the prompt above says what to write; replace this line with your code."


def run_cells(assignment, number, code):
    """An answer, then the exercise's visible and hidden tests, each on its own as the grader runs them:
    {"visible": Failure or None, "hidden": ...}."""
    exercise = exercise_runner.source_exercises(assignment)[number]
    namespace = dict(exercise_runner.snapshots(assignment)[number])
    found = {}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(record=True):
        try:
            exec(compile(code, "<answer>", "exec"), namespace)
        except Exception:  # the grader runs the tests anyway; they fail on what is missing
            pass
        for kind, source in (("visible", exercise.visible), ("hidden", exercise.hidden)):
            try:
                exec(compile(source, f"<ex{number}-{kind}>", "exec"), namespace)
                found[kind] = None
            except Exception as error:
                lines = str(error).strip().splitlines()
                found[kind] = report.Failure(f"ex{number}-{kind}", type(error).__name__,
                                             report.shown(lines[0], report.MAX_MESSAGE) if lines else "")
    return found


@pytest.fixture(scope="module")
def outcomes():
    """{exercise number: {"stub": outcome, "answers": [outcome of each corpus answer]}}; an outcome is
    {"visible": Failure or None, "hidden": ...}."""
    answers = importlib.import_module(f"corpora.s{SECTION}").ANSWERS
    found = {}
    for number, entries in sorted(answers.items()):
        # What the grader reports for an unanswered exercise: each test fails with the stub's own error.
        stub = {k: report.Failure(f"ex{number}-{k}", "NotImplementedError", STUB) for k in ("visible", "hidden")}
        found[number] = {"stub": stub, "answers": [run_cells(SECTION, number, a.code) for a in entries]}
    return found


def synthetic_class(outcomes, size, seed=14):
    """(rows, order, truth) for `size` learners: per exercise, unanswered, or a corpus answer drawn with weights
    that make some mistakes common; a few late, a few refused, a few with hostile names and messages."""
    rng = random.Random(seed)
    numbers = sorted(outcomes)
    order = [f"ex{n}-{kind}" for n in numbers for kind in ("visible", "hidden")]
    maximum = 3.0 * len(numbers)
    students = [f"learner{i:04d}" for i in range(size - 2)] + [HOSTILE_NAME, "line\nbreak\u202e"]
    log = report.Log(SECTION, students)
    log.isolation(["namespaces", "allow-list", "scratch", "user", "limits", "cgroup"], None)
    answers = importlib.import_module(f"corpora.s{SECTION}").ANSWERS
    truth = {"unanswered": Counter(), "messages": defaultdict(lambda: defaultdict(set)), "late": {}}
    rows = []
    for index, student in enumerate(students):
        if index % 97 == 5:
            log.refuse(student, f"not a readable notebook: {HOSTILE_TEXT}")
            rows.append(report.Row(student, {}, maximum, log.reasons[student], [], refused=True))
            truth["late"][student] = (0.0, 0.0)
            continue
        cells, failures = {}, []
        for position, number in enumerate(numbers):
            if rng.random() < 0.05 + 0.35 * position / len(numbers):
                outcome = outcomes[number]["stub"]
                truth["unanswered"][f"ex{number}"] += 1
            else:
                entries = outcomes[number]["answers"]
                right = [o for o, a in zip(entries, answers[number]) if a.correct]
                wrong = [o for o, a in zip(entries, answers[number]) if not a.correct]
                if right and rng.random() < 0.8 - 0.5 * position / len(numbers):
                    outcome = rng.choice(right)
                else:
                    outcome = rng.choices(wrong, weights=[1 / (k + 1) ** 1.5 for k in range(len(wrong))])[0]
            for kind, points in (("visible", 1.0), ("hidden", 2.0)):
                failure = outcome[kind]
                # a learner's own text in a message
                if failure and index % 50 == 7 and kind == "hidden" and not report.unanswered(failure):
                    failure = failure._replace(message=report.shown(HOSTILE_TEXT + "x" * 5000, report.MAX_MESSAGE))
                cells[f"ex{number}-{kind}"] = (0.0 if failure else points, points)
                if failure:
                    failures.append(failure)
                    if not report.unanswered(failure):
                        truth["messages"][f"ex{number}"][(failure.ename, failure.message)].add(student)
        if index % 10 == 3:
            log.reason(student, f"edited locked cells were restored: ex02-visible\n{HOSTILE_TEXT}\n" + "y" * 10_000)
        late = 36_000.0 if index % 20 == 1 else 0.0
        penalty = min(3.0, sum(score for score, _ in cells.values())) if late else 0.0
        truth["late"][student] = (late, penalty)
        rows.append(report.Row(student, cells, maximum, log.reasons[student], failures, late, penalty))
    return log, rows, order, truth


def render(outcomes, tmp_path, size):
    log, rows, order, truth = synthetic_class(outcomes, size)
    folder = tmp_path / f"class{size}"
    paths = {"csv": str(folder / "grades.csv"), "report": str(folder / "report.html"),
             "plot": str(folder / "scores.png")}
    started = time.monotonic()
    log.render(paths, rows, order)
    seconds = time.monotonic() - started
    print(f"{size} learners: report.html {os.path.getsize(paths['report'])} bytes, rendered in {seconds:.1f} s")
    return folder, rows, truth


@pytest.fixture(scope="module")
def rendered(outcomes, tmp_path_factory):
    return {size: render(outcomes, tmp_path_factory.mktemp("report"), size) for size in (200, 400)}


def soup(folder):
    return bs4.BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")


def test_the_report_opens_with_the_plots_then_the_hardest_exercises(rendered):
    folder, rows, truth = rendered[200]
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert text.index('id=plot') < text.index("id=messages") < text.index("id=rows") < text.index("id=isolation")
    assert (folder / "scores.png").stat().st_size > 10_000
    page = soup(folder)
    shown = [body.find("th").get_text() for body in page.find(id="messages").find_all("tbody")]
    points = {}
    for exercise in shown:
        got = sum(row.cells.get(f"{exercise}-{k}", (0, 0))[0] for row in rows for k in ("visible", "hidden"))
        most = sum(row.cells.get(f"{exercise}-{k}", (0, 0))[1] for row in rows for k in ("visible", "hidden"))
        points[exercise] = got / most
    assert len(shown) == 12 and shown == sorted(shown, key=lambda e: (points[e], e)), (shown, points)
    assert points[shown[0]] < points[shown[-1]]


def test_common_messages_are_counted_once_per_learner(rendered):
    folder, rows, truth = rendered[200]
    page = soup(folder)
    assert "Exercise not answered yet" not in page.get_text(), "the stub's message is one group, not repeated"
    for body in page.find(id="messages").find_all("tbody"):
        exercise = body.find("th").get_text()
        lines = [[td.get_text() for td in tr.find_all("td")] for tr in body.find_all("tr")[1:]]
        unanswered = [line for line in lines if line[3].startswith("not answered")]
        if truth["unanswered"][exercise]:
            assert unanswered == [["", str(truth["unanswered"][exercise]), "", "not answered (the released stub)"]]
        messages = [line for line in lines if not line[3].startswith("not answered")
                    and not line[3].endswith("other messages")]
        groups = defaultdict(set)  # messages that differ only in decimals count as one (tested below)
        for (ename, message), who in truth["messages"][exercise].items():
            groups[report.message_key(report.Failure("", ename, message))] |= who
        expected = sorted(((len(who), f"{ename}: {key}") for (ename, key), who in groups.items()),
                          key=lambda pair: -pair[0])
        assert len(messages) == min(report.TOP_MESSAGES, len(expected)), (exercise, lines)
        if expected:
            top_count, top_message = expected[0]
            assert int(messages[0][1]) == top_count, (exercise, messages[0], expected[0])
            tied = [message for count, message in expected if count == top_count]
            assert any(report._VARYING.sub("#", messages[0][3]).startswith(m) for m in tied), (exercise, messages[0])
            counts = [int(line[1]) for line in messages]
            assert counts == sorted(counts, reverse=True)
            assert counts == [count for count, _ in expected[:len(counts)]], (exercise, counts, expected[:5])


def test_the_size_grows_linearly(rendered):
    small, large = (os.path.getsize(rendered[n][0] / "report.html") for n in (200, 400))
    assert large <= 2.2 * small, (small, large)
    assert small / 200 < 6000, f"{small / 200:.0f} bytes per learner"


def test_each_learner_has_one_bounded_escaped_line(rendered):
    folder, rows, truth = rendered[200]
    text = (folder / "report.html").read_text(encoding="utf-8")
    page = soup(folder)
    lines = page.find(id="rows").find_all("tr")[1:]
    assert [tr.find("td").get_text() for tr in lines] == [report.shown_id(row.student) for row in rows]
    for tr, row in zip(lines, rows):
        reason = tr.find_all("td")[3]
        summary = reason.find("summary") or reason
        line = summary.get_text()
        assert "\n" not in line and not summary.find("br") and 0 < len(line) <= report.MAX_SUMMARY + 40, line
        assert len(str(tr)) < 12_000, f"{row.student}: {len(str(tr))} characters"
        if row.refused:
            assert line.startswith("not graded: not a readable notebook")
        if truth["late"][row.student][0]:
            late, penalty = truth["late"][row.student]
            assert tr.find_all("td")[2].get_text() == "late by 10 h" + (f", penalty -{penalty:g}" if penalty else "")
    # one source line per learner: what tests/test_autograde.py reads
    assert sum(1 for line in text.splitlines() if line.startswith("<tr><td>learner")) == len(rows) - 2
    assert "<script" not in text and HOSTILE_TEXT not in text and "\u202e" not in text
    assert [img["src"] for img in page.find_all("img")] == ["scores.png"]
    assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    assert HOSTILE_NAME in page.get_text() and "line\\nbreak\\u202e" in page.get_text()


def test_the_csv_holds_the_same_facts(rendered):
    folder, rows, truth = rendered[200]
    with open(folder / "grades.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0])[:5] == ["student", "score", "max_score", "seconds_late", "penalty"]
    assert list(table[0])[5:7] == ["ex01_visible", "ex01_hidden"] and list(table[0])[-3:] == [
        "not_answered", "failing", "reasons"]
    assert [line["student"] for line in table] == [report.shown_id(row.student) for row in rows]
    for line, row in zip(table, rows):
        assert float(line["score"]) == pytest.approx(max(0.0, row.raw - row.penalty))
        assert float(line["max_score"]) == 36
        assert (float(line["seconds_late"]), float(line["penalty"])) == truth["late"][row.student]
        assert sum(float(line[report.column_of(cell)]) for cell in row.cells) == row.raw
        assert line["not_answered"].split() == row.not_answered
        assert line["failing"].count(" | ") == max(0, len(row.failing) - 1)
        assert all(failure.cell in line["failing"] for failure in row.failing)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (./course test installs it)")
def test_an_instructor_sees_the_hardest_exercises_first(rendered):
    from playwright.sync_api import sync_playwright

    folder = rendered[200][0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto((folder / "report.html").as_uri())
            page.wait_for_function("document.getElementById('plot').complete")
            plot = page.locator("#plot").bounding_box()
            assert plot and plot["height"] > 150 and plot["y"] + plot["height"] < 800, plot
            assert page.evaluate("document.getElementById('plot').naturalWidth") > 0
            first = page.locator("#messages tbody").first.bounding_box()
            assert first and first["y"] + first["height"] < 800, first
            assert page.locator("#messages tbody th").first.is_visible()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()


def test_messages_that_differ_only_in_decimals_group_together():
    first = report.Failure("ex09-hidden", "AssertionError", "x after the call: expected [4.95, 3.6], found [0.4506]")
    second = first._replace(message="x after the call: expected [1.5e-06, 2.], found [-0.25]")
    other = first._replace(message="x after the call: expected [4.95, 3.6], found [0.4506, 1.0]")
    shape = first._replace(message="expected shape (3, 4), found (4, 3); float32 at 0x7f3a2b4c5d6e")
    assert report.message_key(first) == report.message_key(second) != report.message_key(other)
    assert report.message_key(shape) == ("AssertionError", "expected shape (3, 4), found (4, 3); float32 at #")


# A real class, graded end to end.

def real_class(root, size, seed=14):
    """A 00_intro course whose learners' answers are drawn from the corpora (or left unanswered); every fifth
    learner submits 10 hours after the due date."""
    grading = CourseDirectory(root)
    grading.add_source(REAL_SECTION)
    grading.nbgrader("generate_assignment", REAL_SECTION)
    due = datetime.datetime(2030, 1, 15, 12, 0, 0)
    grading.nbgrader("db", "assignment", "add", REAL_SECTION, "--duedate", due.isoformat(sep=" "))
    release = read(root / "release" / REAL_SECTION / f"{REAL_SECTION}.ipynb")
    answers = importlib.import_module(f"corpora.s{REAL_SECTION}").ANSWERS
    rng = random.Random(seed)
    late = {}
    for i in range(size):
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            match = course.EXERCISE_ID.fullmatch(grade_id(cell) or "")
            if match and match.group(2) == "solution" and rng.random() > 0.15:
                cell.source = rng.choice(answers[match.group(1)]).code
        student = f"learner{i:03d}"
        grading.submit(student, REAL_SECTION, nb)
        late[student] = 36_000 if i % 5 == 1 else 0
        stamp = due + datetime.timedelta(seconds=late[student] or -3600)
        (root / "submitted" / student / REAL_SECTION / "timestamp.txt").write_text(stamp.isoformat(sep=" "))
    return late


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("real") / "course"
    late = real_class(root, REAL_CLASS)
    started = time.monotonic()
    result = subprocess.run([str(GRADING / "autograde"), REAL_SECTION, "--course", str(root), "--workers", "2"],
                            capture_output=True, text=True, timeout=1800)
    print(f"graded {REAL_CLASS} learners of {REAL_SECTION} with 2 workers in {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root, late


class TestRealClass:  # a class of its own: pytest-xdist's loadscope runs it beside the synthetic tests
    def test_the_report_matches_the_gradebook(self, graded_class):
        from nbgrader.api import Gradebook

        root, late = graded_class
        with open(root / "reports" / REAL_SECTION / "grades.csv", encoding="utf-8", newline="") as f:
            table = {line["student"]: line for line in csv.DictReader(f)}
        assert sorted(table) == sorted(late)
        page = soup(root / "reports" / REAL_SECTION)
        rows = {tr.find("td").get_text(): tr for tr in page.find(id="rows").find_all("tr")[1:]}
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            for student, seconds in late.items():
                submission = gb.find_submission(REAL_SECTION, student)
                line = table[student]
                penalty = submission.late_submission_penalty or 0.0
                assert float(line["seconds_late"]) == submission.total_seconds_late == seconds, line
                assert float(line["penalty"]) == pytest.approx(penalty)
                assert float(line["score"]) == pytest.approx(max(0.0, submission.score - penalty)), line
                assert float(line["max_score"]) == submission.max_score
                for grade in (g for nb in submission.notebooks for g in nb.grades):
                    assert float(line[report.column_of(grade.name)]) == (grade.score or 0.0)
                cells = rows[student].find_all("td")
                assert cells[1].get_text() == f"{max(0.0, submission.score - penalty):g} / {submission.max_score:g}"
                assert (cells[2].get_text().startswith("late by 10 h")) == bool(seconds)
                failing = [name for name in line["failing"].split(" | ") if name]
                reason = cells[3].get_text()
                assert all(f.split(":")[0] in reason for f in failing), (reason, failing)
        text = page.get_text()
        assert "Exercise not answered yet" not in text
        assert "not answered (the released stub)" in text
