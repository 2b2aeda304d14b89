"""What grading/autograde writes for the instructor: grades CSV, score plot and HTML report.

Scores come from nbgrader's gradebook (the system of record); the reasons
come from the run itself and from the failing test cells of the autograded
notebooks.
"""

import csv
import html
import os
import statistics
import time
from collections import defaultdict, namedtuple

import nbformat

from torchcourse.grader import isolation
from torchcourse.grader.cells import is_test_cell
from torchcourse.grader.steps import clean

MAX_REASON = 2000  # characters of one reason shown


def exercise_of(grade_id):
    """'ex03-hidden' -> 'ex03': a visible and a hidden test cell make one exercise."""
    return grade_id.rsplit("-", 1)[0] if "-" in grade_id else grade_id


Row = namedtuple("Row", "student total maximum per reasons failures")


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

    def _scores(self, coursedir):
        """{student: {exercise: (score, max)}} from the gradebook, and exercise order."""
        from nbgrader.api import Gradebook, MissingEntry

        scores, order = {}, []
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            for student in self.students:
                per = defaultdict(lambda: [0.0, 0.0])
                if student in self.refused:
                    scores[student] = {}
                    continue
                try:
                    submission = gb.find_submission(self.assignment, student)
                except MissingEntry:
                    submission = None
                for notebook in submission.notebooks if submission else []:
                    for grade in sorted(notebook.grades, key=lambda g: g.name):
                        exercise = exercise_of(grade.name)
                        if exercise not in order:
                            order.append(exercise)
                        per[exercise][0] += grade.score or 0.0
                        per[exercise][1] += grade.max_score
                scores[student] = {k: tuple(v) for k, v in per.items()}
            if not order:
                for notebook in gb.find_assignment(self.assignment).notebooks:
                    for cell in sorted(notebook.grade_cells, key=lambda c: c.name):
                        if exercise_of(cell.name) not in order:
                            order.append(exercise_of(cell.name))
        return scores, sorted(order)

    def _test_failures(self, coursedir, student, notebooks):
        found = []
        if student in self.refused:
            return found
        for name in notebooks:
            path = os.path.join(coursedir.format_path(coursedir.autograded_directory, student, self.assignment),
                                f"{name}.ipynb")
            if not os.path.isfile(path):
                continue
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception as error:  # written by nbgrader, but the report must be written anyway
                found.append(f"{name}: the autograded notebook could not be read ({type(error).__name__})")
                continue
            for cell in nb.cells:
                if cell.cell_type == "code" and is_test_cell(cell):
                    for output in cell.get("outputs", []):
                        if output.get("output_type") == "error":
                            message = (output.get("evalue") or "").strip().splitlines()
                            found.append(shown(f"{cell.metadata.nbgrader.get('grade_id')}: {output.get('ename')}"
                                               + (f": {message[0][:300]}" if message else "")))
                            break
        return found

    def paths(self, coursedir):
        folder = os.path.join(coursedir.root, "reports", self.assignment)
        return {"csv": os.path.join(folder, "grades.csv"), "report": os.path.join(folder, "report.html"),
                "plot": os.path.join(folder, "scores.png"),
                "feedback": os.path.join(coursedir.root, coursedir.feedback_directory)}

    def write(self, coursedir, notebooks):
        paths = self.paths(coursedir)
        os.makedirs(os.path.dirname(paths["csv"]), exist_ok=True)
        scores, order = self._scores(coursedir)
        rows = []
        for student in self.students:
            per = scores.get(student, {})
            total = sum(v[0] for v in per.values())
            maximum = sum(v[1] for v in per.values())
            failures = self._test_failures(coursedir, student, notebooks)
            rows.append(Row(student, total, maximum, per, self.reasons[student], failures))
        with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["student", "score", "max_score", *order, "reasons"])
            for row in rows:
                writer.writerow([shown_id(row.student), row.total, row.maximum,
                                 *(row.per.get(e, (0, 0))[0] for e in order),
                                 " | ".join(row.reasons)])
        self._plot(paths["plot"], rows, order)
        self._html(paths["report"], rows, order)
        for row in rows:
            if row.student not in self.refused:
                self._ungraded_feedback(coursedir, row.student, notebooks, row.reasons)
        return paths

    def _plot(self, path, rows, order):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        full, partial, none = [], [], []
        for exercise in order:
            got = [row.per.get(exercise, (0, 1)) for row in rows]
            full.append(sum(1 for s, m in got if m and s >= m))
            partial.append(sum(1 for s, m in got if m and 0 < s < m))
            none.append(sum(1 for s, m in got if not s))
        figure, axes = plt.subplots(figsize=(max(6, 0.6 * len(order) + 2), 3.5))
        x = range(len(order))
        axes.bar(x, full, color="#2e7d32", label="all points")
        axes.bar(x, partial, bottom=full, color="#f9a825", label="visible tests only / part")
        axes.bar(x, none, bottom=[a + b for a, b in zip(full, partial)], color="#c62828", label="no points")
        axes.set_xticks(list(x), order, rotation=45)
        axes.set_ylabel("learners")
        axes.set_title(f"{self.assignment}: points per exercise ({len(rows)} submissions)")
        axes.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)

    def _html(self, path, rows, order):
        e = html.escape
        totals = [row.total for row in rows]
        maximum = max((row.maximum for row in rows), default=0)
        layers = "".join(f"<li>{e(text)}</li>" for text in isolation.describe(self.layers))
        warning = (f'<p style="background:#c62828;color:white;padding:0.6em"><b>Isolation incomplete:</b> '
                   f"{e(self.warning)}</p>") if self.warning else ""
        lines = [f"<!doctype html><meta charset=utf-8><title>{e(self.assignment)} grading report</title>",
                 "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}td,th{padding:.2em .6em;"
                 "border-bottom:1px solid #ddd;vertical-align:top;text-align:left}</style>",
                 f"<h1>{e(self.assignment)}: grading report</h1>", warning,
                 f"<p>{len(rows)} submissions graded in {time.monotonic() - self.started:.1f} s. ",
                 (f"Mean {statistics.mean(totals):.1f}, median {statistics.median(totals):.1f} of {maximum:g}."
                  if totals else ""), "</p>",
                 f"<h2>Isolation</h2><ul>{layers}</ul>",
                 '<h2>Points per exercise</h2><img src="scores.png" alt="points per exercise">',
                 "<h2>Submissions</h2><table><tr><th>learner</th><th>score</th>"
                 + "".join(f"<th>{e(x)}</th>" for x in order) + "<th>reasons</th></tr>"]
        for row in rows:
            cells = "".join(f"<td>{row.per.get(x, (0, 0))[0]:g}</td>" for x in order)
            why = "<br>".join(e(shown(r)) for r in row.reasons + row.failures)
            lines.append(f"<tr><td>{e(shown_id(row.student))}</td><td>{row.total:g} / {row.maximum:g}</td>{cells}"
                         f"<td>{why}</td></tr>")
        lines.append("</table>")
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
