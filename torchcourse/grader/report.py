"""What grading/autograde writes for the instructor: grades CSV, score plots and HTML report.

Scores, late submissions and penalties come from nbgrader's gradebook (the
system of record); the reasons come from the run itself and from the failing
test cells of the autograded notebooks.

report.html reads top down, and its size grows linearly with the class: the
score distribution and each exercise's share of learners passing its visible
and hidden tests (scores.png); the exercises, hardest first, each with the
class's most common failure messages and their counts; then one row per
learner (score, late, a one-line reason, the details folded away). Every
piece of learner-controlled text is cut (`shown`) and HTML-escaped.

grades.csv has one row per learner: student, score (after the late
penalty), max_score, seconds_late, penalty, one column of points per test
cell (grade id ex01-visible -> ex01_visible), not_answered (exercises whose
tests failed on the released stub), failing (the other failing test cells,
each with the first line of its message) and reasons (from the run).
"""

import csv
import html
import os
import re
import statistics
import time
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from functools import cached_property

import nbformat

from torchcourse.grader import isolation
from torchcourse.grader.cells import is_test_cell
from torchcourse.grader.steps import clean

MAX_REASON = 2000  # characters of one reason shown
MAX_MESSAGE = 300  # characters of a failing test's message (its first line)
MAX_SUMMARY = 240  # characters of a learner's one-line reason
MAX_DETAILS = 8000  # characters of a learner's folded details (reasons and failing tests)
TOP_MESSAGES = 5   # common failure messages shown per exercise
# What the released notebook's unanswered solution cell raises (grading/nbgrader_config.py's code stub).
NOT_ANSWERED = "Exercise not answered yet"


def exercise_of(grade_id):
    """'ex03-hidden' -> 'ex03': a visible and a hidden test cell make one exercise."""
    return grade_id.rsplit("-", 1)[0] if "-" in grade_id else grade_id


def kind_of(grade_id):
    """'ex03-hidden' -> 'hidden'; a test cell named otherwise (another course) -> 'tests'."""
    kind = grade_id.rsplit("-", 1)[-1]
    return kind if "-" in grade_id and kind in ("visible", "hidden") else "tests"


def cell_order(grade_id):
    return exercise_of(grade_id), ("visible", "hidden", "tests").index(kind_of(grade_id)), grade_id


def column_of(grade_id):
    """The CSV column of a test cell's points: ex01-visible -> ex01_visible."""
    return re.sub(r"\W", "_", grade_id)


def shown(text, limit=MAX_REASON):
    """Text safe for the CSV, the HTML report and a terminal, whatever learner output it holds:
    lone surrogates, NUL and other control characters, bidirectional overrides, very long lines."""
    text = clean(text)
    if len(text) > limit:
        text = text[:limit] + f" [... {len(text) - limit} more characters]"
    return text


def shown_id(name):
    """A learner id (a folder name) as text that cannot hide or break a line: every unprintable
    character (newline, control, bidirectional override, undecodable byte) as its escape."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in name)


Failure = namedtuple("Failure", "cell ename message")  # a failing test cell: grade id, exception, first line


def failure_text(failure):
    return f"{failure.cell}: {failure.ename}" + (f": {failure.message}" if failure.message else "")


def unanswered(failure):
    """The test failed because the exercise still holds the released stub."""
    return failure.ename == "NotImplementedError" and failure.message.startswith(NOT_ANSWERED)


# Decimal numbers (values that change with random test inputs) and memory addresses: the same mistake with other
# values groups together. Integers stay: they are shapes, counts and indices, which tell mistakes apart.
_VARYING = re.compile(r"0x[0-9a-fA-F]{6,}|(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?(?![\w.])")


def message_key(failure):
    """How failures group in the report: the exception, and its first line with decimals as '#'."""
    return failure.ename, _VARYING.sub("#", failure.message)


def escaped(text):
    """HTML of text that stays on one line of the file: its line breaks (any that str.splitlines knows) as <br>."""
    return "<br>".join(html.escape(line) for line in text.splitlines())


def duration(seconds):
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.1f} days"


@dataclass
class Row:
    """One learner: test cell points from the gradebook, lateness, and why points were lost."""
    student: str
    cells: dict               # grade id -> (score, max score)
    maximum: float            # the assignment's max score
    reasons: list             # from the run (Log.reason / Log.refuse)
    failures: list = field(default_factory=list)  # Failure of each failing test cell
    seconds_late: float = 0.0
    penalty: float = 0.0
    refused: bool = False     # not graded at all

    @property
    def raw(self):
        return sum(score for score, _ in self.cells.values())

    @property
    def total(self):
        """The score after the late penalty (as nbgrader's export computes it)."""
        return max(0.0, self.raw - self.penalty)

    @cached_property
    def not_answered(self):
        """Exercises where a test failed on the released stub (the solution cell was left as it came)."""
        return sorted({exercise_of(f.cell) for f in self.failures if unanswered(f)})

    @cached_property
    def failing(self):
        """The failing test cells that did not fail on the stub."""
        return [f for f in self.failures if not unanswered(f)]

    def late(self):
        if not self.seconds_late:
            return ""
        return f"late by {duration(self.seconds_late)}" + (f", penalty -{self.penalty:g}" if self.penalty else "")

    def summary(self):
        """The learner's reason in one line of bounded length."""
        parts = [shown(" ".join(r.split()), 120) for r in self.reasons[:2]]
        if len(self.reasons) > 2:
            parts.append(f"{len(self.reasons) - 2} more")
        if self.refused:
            return shown("not graded: " + "; ".join(parts), MAX_SUMMARY)
        if self.not_answered:
            parts.append("not answered: " + ", ".join(self.not_answered))
        if self.failing:
            parts.append("failing: " + ", ".join(self.failing_short()))
        if not parts:
            parts.append("all tests passed" if self.cells else "no grades recorded")
        return shown("; ".join(parts), MAX_SUMMARY)

    def failing_short(self):
        """The failing test cells, an exercise whose every test cell failed by its name alone (ex03)."""
        failed = [f.cell for f in self.failing]
        short = []
        for cell in failed:
            exercise = exercise_of(cell)
            mine = [c for c in self.cells if exercise_of(c) == exercise]
            if len(mine) > 1 and all(c in failed for c in mine):
                if exercise not in short:
                    short.append(exercise)
            else:
                short.append(cell)
        return short

    def details(self):
        """Everything behind the summary, each item cut, MAX_DETAILS characters in all."""
        items = list(self.reasons)
        if self.not_answered:
            cells = [f.cell for f in self.failures if unanswered(f)]
            items.append("not answered (the released stub raised NotImplementedError): " + ", ".join(cells))
        items += [failure_text(f) for f in self.failing]
        kept, room = [], MAX_DETAILS
        for index, item in enumerate(items):
            if room <= 0:
                kept.append(f"... {len(items) - index} more (grades.csv has them all)")
                break
            kept.append(shown(item, min(MAX_REASON, max(room, 200))))
            room -= len(kept[-1])
        return kept


class Log:
    def __init__(self, assignment, students):
        self.assignment = assignment
        self.students = students
        self.reasons = defaultdict(list)
        self.refused = set()  # folders not graded at all (not in the gradebook under that name)
        self.layers, self.warning = [], None
        self.started = time.monotonic()

    def reason(self, student, text):
        self.reasons[student].append(shown(text))

    def refuse(self, student, text):
        """A submission folder that nbgrader must not see: its reason, and no gradebook entry."""
        self.refused.add(student)
        self.reason(student, text)

    def isolation(self, layers, warning):
        self.layers, self.warning = layers, warning

    def _gradebook(self, coursedir):
        """{student: (cells {grade id: (score, max)}, seconds late, penalty)} from the gradebook, the test
        cells in order, and the assignment's max score."""
        from nbgrader.api import Gradebook, MissingEntry

        found, cells, maximum = {}, {}, 0.0
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            assignment = gb.find_assignment(self.assignment)
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    cells[cell.name] = cell.max_score
            maximum = assignment.max_score or sum(cells.values())
            for student in self.students:
                if student in self.refused:
                    continue
                try:
                    submission = gb.find_submission(self.assignment, student)
                except MissingEntry:
                    continue
                got = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        got[grade.name] = (grade.score or 0.0, grade.max_score)
                found[student] = (got, float(submission.total_seconds_late or 0.0),
                                  float(submission.late_submission_penalty or 0.0))
        return found, sorted(cells, key=cell_order), float(maximum)

    def _test_failures(self, coursedir, student, notebooks):
        """The failing test cells of the learner's autograded notebooks, and reasons for unreadable ones."""
        found, reasons = [], []
        if student in self.refused:
            return found, reasons
        for name in notebooks:
            path = os.path.join(coursedir.format_path(coursedir.autograded_directory, student, self.assignment),
                                f"{name}.ipynb")
            if not os.path.isfile(path):
                continue
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception as error:  # written by nbgrader, but the report must be written anyway
                reasons.append(f"{name}: the autograded notebook could not be read ({type(error).__name__})")
                continue
            for cell in nb.cells:
                if cell.cell_type == "code" and is_test_cell(cell):
                    for output in cell.get("outputs", []):
                        if output.get("output_type") == "error":
                            lines = str(output.get("evalue") or "").strip().splitlines()
                            found.append(Failure(shown(str(cell.metadata.nbgrader.get("grade_id")), 100),
                                                 shown(str(output.get("ename")), 100),
                                                 shown(lines[0], MAX_MESSAGE) if lines else ""))
                            break
        return found, reasons

    def rows(self, coursedir, notebooks):
        grades, order, maximum = self._gradebook(coursedir)
        rows = []
        for student in self.students:
            cells, late, penalty = grades.get(student, ({}, 0.0, 0.0))
            failures, unreadable = self._test_failures(coursedir, student, notebooks)
            rows.append(Row(student, cells, maximum, self.reasons[student] + unreadable, failures, late, penalty,
                            student in self.refused))
        return rows, order

    def paths(self, coursedir):
        folder = os.path.join(coursedir.root, "reports", self.assignment)
        return {"csv": os.path.join(folder, "grades.csv"), "report": os.path.join(folder, "report.html"),
                "plot": os.path.join(folder, "scores.png"),
                "feedback": os.path.join(coursedir.root, coursedir.feedback_directory)}

    def write(self, coursedir, notebooks):
        paths = self.paths(coursedir)
        rows, order = self.rows(coursedir, notebooks)
        self.render(paths, rows, order)
        for row in rows:
            if row.student not in self.refused:
                self._ungraded_feedback(coursedir, row.student, notebooks, row.reasons)
        return paths

    def render(self, paths, rows, order):
        """Write the CSV, the plot and the HTML report of `rows` (Row), whose test cells are `order`."""
        os.makedirs(os.path.dirname(paths["csv"]), exist_ok=True)
        self._csv(paths["csv"], rows, order)
        stats = exercise_stats(rows, order)
        self._plot(paths["plot"], rows, stats)
        self._html(paths["report"], rows, stats)

    def _csv(self, path, rows, order):
        columns = [column_of(cell) for cell in order]
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["student", "score", "max_score", "seconds_late", "penalty", *columns,
                             "not_answered", "failing", "reasons"])
            for row in rows:
                writer.writerow([shown_id(row.student), round(row.total, 6), row.maximum, round(row.seconds_late),
                                 round(row.penalty, 6), *(row.cells.get(cell, (0.0, 0.0))[0] for cell in order),
                                 " ".join(row.not_answered), " | ".join(failure_text(f) for f in row.failing),
                                 " | ".join(row.reasons)])

    def _plot(self, path, rows, stats):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, (left, right) = plt.subplots(1, 2, figsize=(12.8, 2.9), width_ratios=[1, 2.2])
        maximum = max((row.maximum for row in rows), default=0) or 1
        totals = [row.total for row in rows if not row.refused]
        bins = int(maximum) + 1 if maximum <= 40 else 40
        left.hist(totals, bins=bins, range=(-0.5 * maximum / (bins - 1), maximum * (1 + 0.5 / (bins - 1))),
                  color="#1565c0")
        left.set_xlabel(f"score (of {maximum:g}, after late penalties)")
        left.set_ylabel("learners")
        left.set_title(f"score distribution ({len(totals)} graded)", fontsize=10)
        exercises = [s.exercise for s in stats.values()]
        kinds = [k for k in ("visible", "hidden", "tests") if any(k in s.passed for s in stats.values())]
        colors = {"visible": "#90caf9", "hidden": "#0d47a1", "tests": "#2e7d32"}
        width = 0.8 / max(1, len(kinds))
        for i, kind in enumerate(kinds):
            x = [j + (i - (len(kinds) - 1) / 2) * width for j in range(len(exercises))]
            share = [100 * s.passed.get(kind, 0) / s.graded if s.graded else 0 for s in stats.values()]
            right.bar(x, share, width=width, color=colors[kind],
                      label="passed all tests" if kind == "tests" else f"passed {kind} tests")
        right.set_xticks(range(len(exercises)), exercises, rotation=45 if len(exercises) > 14 else 0, fontsize=8)
        right.set_ylim(0, 100)
        right.set_ylabel("% of learners")
        right.set_title(f"{self.assignment}: learners passing each exercise's tests", fontsize=10)
        right.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False, fontsize=8)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)

    def _html(self, path, rows, stats):
        e = escaped
        graded = [row for row in rows if not row.refused]
        totals = [row.total for row in graded]
        maximum = max((row.maximum for row in rows), default=0)
        late = [row for row in rows if row.seconds_late]
        layers = "".join(f"<li>{e(text)}</li>" for text in isolation.describe(self.layers))
        warning = (f'<p class=warning><b>Isolation incomplete:</b> {e(self.warning)}</p>') if self.warning else ""
        summary = (f"{len(rows)} learners, {len(graded)} graded"
                   + (f" ({len(rows) - len(graded)} not graded: see their rows)" if len(graded) < len(rows) else "")
                   + f", in {time.monotonic() - self.started:.0f} s. "
                   + (f"Mean {statistics.mean(totals):.1f}, median {statistics.median(totals):g} of {maximum:g}. "
                      if totals else "")
                   + (f"{len(late)} late." if late else "No late submissions."))
        lines = [f"<!doctype html><meta charset=utf-8><title>{e(self.assignment)} grading report</title>",
                 "<style>body{font-family:sans-serif;margin:.8em 1.5em;font-size:14px}h1{font-size:1.4em;margin:.2em 0}"
                 "h2{font-size:1.15em;margin:1em 0 .3em}td,th{padding:.15em .5em;border-bottom:1px solid #ddd;"
                 "vertical-align:top;text-align:left}table{border-collapse:collapse}"
                 ".warning{background:#c62828;color:white;padding:.6em;font-size:1.1em}"
                 ".n{text-align:right;white-space:nowrap}.ex th{background:#eef3f8;border-top:2px solid #90a4ae}"
                 ".msg{max-width:60em;overflow-wrap:anywhere}.why{max-width:60em;overflow-wrap:anywhere}"
                 "summary{cursor:pointer}.na{color:#777}"
                 ".line{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:60em}</style>",
                 f"<h1>{e(self.assignment)}: grading report</h1>", warning,
                 f'<p>{e(summary)} Isolation: {e(", ".join(self.layers) or "none")} (<a href="#isolation">'
                 'details</a>).</p>',
                 '<img id=plot src="scores.png" style="width:100%;max-width:1280px" alt="score distribution, and the '
                 'share of learners passing each exercise\'s visible and hidden tests">',
                 '<h2 id=hardest>Exercises, hardest first: the most common failure messages</h2>',
                 '<table id=messages><tr><th>exercise</th><th class=n>learners</th><th>tests</th>'
                 '<th>failure message (first line; decimals shown as # when they vary)</th></tr>']
        hardest = sorted(stats.values(), key=lambda s: (s.points, s.exercise))
        for s in hardest:
            passed = ", ".join(f"{kind} {100 * n / s.graded:.0f}%" if s.graded else f"{kind} -"
                               for kind, n in s.passed.items())
            lines.append(f"<tbody class=ex><tr><th>{e(s.exercise)}</th><th colspan=3>"
                         f"{100 * s.points:.0f}% of the points; passed: {e(passed)}</th></tr>")
            if s.not_answered:
                lines.append(f"<tr><td></td><td class=n>{s.not_answered}</td><td></td>"
                             f"<td class=na>not answered (the released stub)</td></tr>")
            for group in s.groups[:TOP_MESSAGES]:
                lines.append(f"<tr><td></td><td class=n>{len(group.learners)}</td><td>{e(', '.join(group.kinds))}"
                             f"</td><td class=msg>{e(group.ename)}: {e(group.shown)}</td></tr>")
            rest = s.groups[TOP_MESSAGES:]
            if rest:
                lines.append(f"<tr><td></td><td class=n>{len(set().union(*(g.learners for g in rest)))}</td>"
                             f"<td></td><td class=na>{len(rest)} other messages</td></tr>")
            lines.append("</tbody>")
        lines.append("</table>")
        lines.append('<h2 id=learners>Learners</h2><table id=rows><tr><th>learner</th><th class=n>score</th>'
                     '<th>late</th><th>reason (ex03: all its tests failed; click for details)</th></tr>')
        for row in rows:
            details = row.details()
            line = e(row.summary())
            why = f"<div class=line>{line}</div>"
            if details and (len(details) > 1 or details[0] != row.summary()):
                items = "".join(f"<li>{e(item)}</li>" for item in details)
                why = f'<details><summary class=line title="{line}">{line}</summary><ul>{items}</ul></details>'
            score = f"{row.total:g} / {row.maximum:g}" if not row.refused else f"0 / {row.maximum:g}"
            lines.append(f"<tr><td>{e(shown_id(row.student))}</td><td class=n>{score}</td>"
                         f"<td>{e(row.late())}</td><td class=why>{why}</td></tr>")
        lines.append("</table>")
        lines.append(f"<h2 id=isolation>Isolation</h2><ul>{layers or '<li>none</li>'}</ul>")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))

    def _ungraded_feedback(self, coursedir, student, notebooks, reasons):
        """nbgrader writes feedback from the autograded notebook; a submission with none gets its reason."""
        folder = coursedir.format_path(coursedir.autograded_directory, student, self.assignment)
        if os.path.isdir(folder):
            return
        out = coursedir.format_path(coursedir.feedback_directory, student, self.assignment)
        os.makedirs(out, exist_ok=True)
        text = "".join(f"<li>{html.escape(shown(r))}</li>" for r in reasons) or "<li>nothing was submitted</li>"
        for name in notebooks:
            with open(os.path.join(out, f"{name}.html"), "w", encoding="utf-8") as f:
                f.write(f"<!doctype html><meta charset=utf-8><title>{html.escape(name)}</title>"
                        f"<h1>{html.escape(name)}: not graded, 0 points</h1><ul>{text}</ul>")


@dataclass
class Group:
    """Learners whose tests of one exercise failed with the same message (decimals aside)."""
    ename: str
    shown: str                # the message; its decimals as # where they differ between learners
    learners: set = field(default_factory=set)
    kinds: list = field(default_factory=list)  # visible / hidden / tests
    texts: Counter = field(default_factory=Counter)


@dataclass
class Stats:
    exercise: str
    graded: int = 0           # learners with grades recorded
    points: float = 0.0       # share of the exercise's points the class got
    passed: dict = field(default_factory=dict)  # kind -> learners who passed all that kind's tests
    not_answered: int = 0
    groups: list = field(default_factory=list)  # Group, most learners first


def exercise_stats(rows, order):
    """{exercise: Stats}, in the test cells' order."""
    stats = {}
    for cell in order:
        s = stats.setdefault(exercise_of(cell), Stats(exercise_of(cell)))
        s.passed.setdefault(kind_of(cell), 0)
    graded = [row for row in rows if row.cells]
    for s in stats.values():
        cells = [c for c in order if exercise_of(c) == s.exercise]
        s.graded = len(graded)
        got = most = 0.0
        for row in graded:
            for kind in s.passed:
                mine = [row.cells.get(c, (0.0, 1.0)) for c in cells if kind_of(c) == kind]
                s.passed[kind] += all(score >= top for score, top in mine)
            got += sum(row.cells.get(c, (0.0, 0.0))[0] for c in cells)
            most += sum(row.cells.get(c, (0.0, 0.0))[1] for c in cells)
        s.points = got / most if most else 0.0
    groups = defaultdict(dict)
    for index, row in enumerate(rows):
        for exercise in row.not_answered:
            if exercise in stats:
                stats[exercise].not_answered += 1
        for failure in row.failing:
            key = message_key(failure)
            group = groups[exercise_of(failure.cell)].setdefault(key, Group(failure.ename, failure.message))
            group.learners.add(index)
            group.texts[failure.message] += 1
            if kind_of(failure.cell) not in group.kinds:
                group.kinds.append(kind_of(failure.cell))
    for exercise, found in groups.items():
        s = stats.setdefault(exercise, Stats(exercise))
        for group in found.values():
            if len(group.texts) > 1:
                group.shown = f"{_VARYING.sub('#', group.shown)} ({len(group.texts)} variants)"
            group.kinds.sort(key=("visible", "hidden", "tests").index)
        s.groups = sorted(found.values(), key=lambda g: (-len(g.learners), g.ename, g.shown))
    return stats
