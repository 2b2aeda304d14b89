"""grading/release-feedback ASSIGNMENT: feedback to every learner, by the route their work came.

`nbgrader release_feedback` copies feedback into the exchange, where a learner's
Assignment List fetches it; it needs the exchange's receipt of the submission
(`timestamp.txt`, `submission_secret.txt`, written by `nbgrader collect`) and
stops at the first learner without one. A class mixes routes: notebooks
collected through the exchange, files placed by hand in submitted/, files from
an LMS (`nbgrader zip_collect`). This releases each exchange learner's feedback
through nbgrader, one learner at a time, and lists where the others' feedback
files are, to hand back the way the work came (an LMS's per-learner comments,
e-mail).
"""

import argparse
import os
import sys

from torchcourse.grader import report


def routes(coursedir, assignment):
    """({exchange learners}, {other learners: [feedback files]}) among those with feedback for `assignment`."""
    feedback = os.path.join(coursedir.root, coursedir.feedback_directory)
    exchange, other = [], {}
    try:
        learners = sorted(os.listdir(feedback))
    except OSError:
        return exchange, other
    for student in learners:
        folder = os.path.join(feedback, student, assignment)
        if not os.path.isdir(folder) or os.path.islink(folder):
            continue
        submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        receipt = all(os.path.isfile(os.path.join(submitted, name))
                      for name in ("timestamp.txt", "submission_secret.txt"))
        if receipt:
            exchange.append(student)
        else:
            other[student] = sorted(os.path.join(folder, name) for name in os.listdir(folder)
                                    if name.endswith(".html"))
    return exchange, other


def main(argv=None):
    parser = argparse.ArgumentParser(prog="grading/release-feedback", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment (section), e.g. 01_tensors")
    from torchcourse.grader.autograde import (
        DEFAULT_COURSE,
        course_problem,
        learner_id_problem,
        load_course,
        quiet_library_notes,
    )

    parser.add_argument("--course", default=DEFAULT_COURSE, help="the nbgrader course folder (default: grading/)")
    args = parser.parse_args(argv)
    course = os.path.abspath(args.course)
    if course_problem(course):
        print(f"release-feedback: {course_problem(course)}", file=sys.stderr)
        return 2

    quiet_library_notes()
    _, coursedir, api = load_course(course)
    exchange, other = routes(coursedir, args.assignment)
    if not exchange and not other:
        print(f"release-feedback: no feedback for {args.assignment} yet (run grading/autograde {args.assignment})",
              file=sys.stderr)
        return 2
    failed = 0
    for student in exchange:
        problem = learner_id_problem(student)
        result = {"success": False, "error": problem} if problem else api.release_feedback(args.assignment, student)
        if result["success"]:
            print(f"  {report.shown_id(student)}: released to the exchange (their Assignment List fetches it)")
        else:
            failed += 1
            error = (result.get("error") or result.get("log") or "").strip().splitlines()
            print(f"  {report.shown_id(student)}: NOT released: {error[-1] if error else 'nbgrader failed'}")
    for student, files in other.items():
        print(f"  {report.shown_id(student)}: handed in without the exchange; return "
              + (", ".join(files) if files else "(no feedback file)"))
    print(f"Feedback for {args.assignment}: {len(exchange) - failed} released through the exchange, "
          f"{len(other)} to hand back yourself" + (f", {failed} failed" if failed else "") + ".")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
