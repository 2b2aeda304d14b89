"""grading/export-canvas [--to FILE] [--exercises]: the gradebook as a CSV that Canvas's gradebook imports.

Canvas (Grades > Import) reads one row per learner with the columns Student,
ID, SIS User ID, SIS Login ID and Section, then one column per assignment
(a column Canvas does not know yet becomes a new assignment), and a second row,
"Points Possible", with each column's maximum. Here:

    Student          "Last, First" from nbgrader's gradebook, or the learner id
    ID               the gradebook's lms_user_id (Canvas's user id), when set; else
                     the learner id when it is a number (what `nbgrader zip_collect`
                     takes from Canvas's file names, with this course's config)
    SIS User ID      empty
    SIS Login ID     the nbgrader learner id (the folder name under submitted/)
    Section          empty
    00_intro, ...    one column per section: its score less any late penalty
                     (0 when nothing was submitted)
    01_tensors ex01  with --exercises: one column per exercise (visible + hidden
    ...              points, before the late penalty), after its section's column

Canvas matches rows by ID, SIS User ID or SIS Login ID; make the learner ids
the LMS logins, or set lms_user_id (`nbgrader db student add ID --lms-user-id=...`).
Values cross into a spreadsheet: a text that would start a formula there
(= + - @) is written with a leading apostrophe.
"""

import argparse
import csv
import os
import sys
from collections import defaultdict

from torchcourse.grader.report import exercise_of

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _cell(text):
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(gradebook, exercises=False):
    """(header, points possible, [row per learner]) from an open nbgrader Gradebook."""
    assignments = sorted(gradebook.assignments, key=lambda a: a.name)
    columns, possible = [], []
    parts = {}  # assignment name -> [exercise names]
    for assignment in assignments:
        columns.append(assignment.name)
        possible.append(assignment.max_score)
        if exercises:
            per = defaultdict(float)
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    per[exercise_of(cell.name)] += cell.max_score
            parts[assignment.name] = sorted(per)
            for name in sorted(per):
                columns.append(f"{assignment.name} {name}")
                possible.append(per[name])
    out = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        shown = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
        values = []
        for assignment in assignments:
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except Exception:  # nbgrader's MissingEntry: nothing submitted
                submission = None
            total = 0.0
            per = defaultdict(float)
            if submission is not None:
                total = submission.score - (submission.late_submission_penalty or 0)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        per[exercise_of(grade.name)] += grade.score or 0.0
            values.append(round(total, 2))
            for exercise in parts.get(assignment.name, []):
                values.append(round(per[exercise], 2))
        lms_id = student.lms_user_id or (student.id if student.id.isdigit() else "")
        out.append([_cell(shown), _cell(lms_id), "", _cell(student.id), "",
                    *(f"{v:g}" for v in values)])
    header = IDENTITY + [_cell(c) for c in columns]
    points = ["Points Possible", "", "", "", "", *(f"{p:g}" for p in possible)]
    return header, points, out


def export(db_url, course_id, to, exercises=False):
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gradebook:
        header, points, learners = rows(gradebook, exercises)
    os.makedirs(os.path.dirname(os.path.abspath(to)), exist_ok=True)
    with open(to, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerow(points)
        writer.writerows(learners)
    return len(learners)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="grading/export-canvas", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    from torchcourse.grader.autograde import DEFAULT_COURSE, course_problem, load_course

    parser.add_argument("--course", default=DEFAULT_COURSE, help="the nbgrader course folder (default: grading/)")
    parser.add_argument("--to", help="the CSV to write (default: COURSE/exports/canvas.csv)")
    parser.add_argument("--exercises", action="store_true", help="also one column per exercise")
    args = parser.parse_args(argv)
    course = os.path.abspath(args.course)
    if course_problem(course):
        print(f"export-canvas: {course_problem(course)}", file=sys.stderr)
        return 2
    _, coursedir, _ = load_course(course)
    to = args.to or os.path.join(course, "exports", "canvas.csv")
    count = export(coursedir.db_url, coursedir.course_id, to, args.exercises)
    print(f"Wrote {count} learners to {to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
