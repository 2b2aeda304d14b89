"""grading/autograde ASSIGNMENT [--workers N]: grade a whole class, in parallel and isolated.

1. Read every submission under submitted/*/ASSIGNMENT/ (nbgrader's layout) and
   set aside, with a reason, those that cannot be graded (unreadable JSON, not
   a notebook, too large, missing).
2. Let nbgrader sanitize each readable one (its own Autograde steps: outputs
   cleared, locked and test cells restored from the source) and capture the result.
3. Run the captured notebooks in sandboxes forked from one warm process,
   `--workers` at a time.
4. Let nbgrader finish each submission with those results (scores, late
   penalties, gradebook), then write feedback, the grades CSV and the report.

A bad submission is a result with a reason, never a crash; the exit status is
non-zero only when grading could not run at all.
"""

import argparse
import os
import shutil
import sys
import time

from torchcourse.grader import report, steps

MAX_NOTEBOOK_BYTES = 20 * 2**20


def load_course(course):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    config.CourseDirectory.root = config.CourseDirectory.get("root", course)
    coursedir = CourseDirectory(config=config)
    return config, coursedir, NbGraderAPI(coursedir=coursedir, config=config)


def read_submission(path):
    """The notebook at path, or (None, reason) when it cannot be graded."""
    import nbformat

    if not os.path.isfile(path):
        return None, f"no {os.path.basename(path)} in the submission"
    size = os.path.getsize(path)
    if size == 0:
        return None, "the notebook file is empty"
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook file is {size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB limit"
    try:
        with open(path, encoding="utf-8") as f:
            nb = nbformat.read(f, as_version=4)
    except UnicodeDecodeError:
        return None, "the file is not text (not a notebook)"
    except Exception as error:  # nbformat raises several kinds for bad JSON or a bad schema
        return None, f"the file is not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
    if not isinstance(nb.get("cells"), list):
        return None, "the file is not a notebook (it has no cells)"
    return nb, None


def released_cells(path):
    """{grade_id: source} of the locked cells of the released notebook, as learners received them."""
    import nbformat

    if not os.path.isfile(path):
        return {}
    nb = nbformat.read(path, as_version=4)
    return {c.metadata.nbgrader["grade_id"]: c.source for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("locked")}


def cell_changes(nb, locked):
    """Reasons about locked cells (tests included) that were deleted or edited; nbgrader restores edited ones.

    locked: {grade_id: source} as released.
    """
    present = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            present[grade_id] = cell
    reasons = []
    missing = [name for name in locked if name not in present]
    edited = [name for name, source in locked.items() if name in present and present[name].get("source") != source]
    if locked and len(missing) + len(edited) > len(locked) / 2:
        return [f"{len(missing) + len(edited)} of this assignment's {len(locked)} locked and test cells are missing "
                "or different: is this a different notebook?"]
    if missing:
        reasons.append("deleted cells score nothing: " + ", ".join(missing))
    if edited:
        reasons.append("edited locked cells were restored from the source: " + ", ".join(edited))
    return reasons


def zero(coursedir, assignment, student, notebook):
    import warnings

    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes about nbgrader's own models
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        for grade in gb.find_submission_notebook(notebook, assignment, student).grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gb.db.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="grading/autograde", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment (section) to grade, e.g. 01_tensors")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: one per core)")
    parser.add_argument("--course", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))) + "/grading", help="the nbgrader course folder (default: grading/)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    course = os.path.abspath(args.course)
    if not os.path.isfile(os.path.join(course, "nbgrader_config.py")):
        print(f"autograde: {course} is not an nbgrader course folder (no nbgrader_config.py)", file=sys.stderr)
        return 2
    config, coursedir, api = load_course(course)
    assignment = args.assignment
    source = coursedir.format_path(coursedir.source_directory, ".", assignment)
    if not os.path.isdir(source):
        print(f"autograde: no assignment {assignment!r} in {os.path.dirname(source)}", file=sys.stderr)
        return 2
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            result = api.generate_assignment(assignment, force=True)
            if not result["success"]:
                print(f"autograde: nbgrader could not add {assignment}:\n{result.get('log')}", file=sys.stderr)
                return 2
        notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    release = coursedir.format_path(coursedir.release_directory, ".", assignment)
    locked = {name: released_cells(os.path.join(release, f"{name}.ipynb")) for name in notebooks}

    submitted = os.path.join(course, coursedir.submitted_directory)
    students = sorted(name for name in (os.listdir(submitted) if os.path.isdir(submitted) else [])
                      if os.path.isdir(os.path.join(submitted, name, assignment)))
    log = report.Log(assignment, students)
    if not students:
        print(f"autograde: no submissions for {assignment} under {submitted}/*/{assignment}/")
        log.write(coursedir, [])
        return 0

    # The sandbox's warm process starts now and imports torch while nbgrader sanitizes.
    from torchcourse.grader.pool import Pool

    execute = steps.SandboxedExecute(config=config)
    pool = Pool(args.workers, execute.limits(), steps.secret_paths(coursedir))
    try:
        return _grade(args, started, coursedir, api, assignment, notebooks, locked, students, submitted, log, pool)
    finally:
        pool.close()


def _grade(args, started, coursedir, api, assignment, notebooks, locked, students, submitted, log, pool):
    """One pipeline: this process sanitizes and records (nbgrader), the sandboxes run, all at the same time."""
    print(f"Grading {assignment}: {len(students)} submissions, {pool.workers} at a time.", flush=True)
    todo = list(students)
    keys = {}
    done = []
    recorded = []
    announced = False

    def prepare(student):
        """Read and sanitize one submission, then queue it for the sandbox (or score it 0 with a reason)."""
        folder = os.path.join(submitted, student, assignment)
        readable = True
        for name in notebooks:
            nb, problem = read_submission(os.path.join(folder, f"{name}.ipynb"))
            if problem:
                log.reason(student, problem)
                readable = False
            else:
                for reason in cell_changes(nb, locked[name]):
                    log.reason(student, reason)
        captured = []
        if readable:
            steps.CAPTURE = lambda nb, resources: captured.append(
                (steps.notebook_key(nb), steps.plain_cells(nb), steps.data_files(resources)))
            try:
                api.autograde(assignment, student, force=True, create=True)
            finally:
                steps.CAPTURE = None
            if not captured:
                log.reason(student, "nbgrader could not read the submission (run `nbgrader autograde` for its log)")
        if captured:
            key, cells, files = captured[0]
            keys[student] = key
            pool.submit(student, cells, files)
        else:
            ungradable(student)

    def ungradable(student):
        for name in notebooks:
            zero(coursedir, assignment, student, name)
        # An earlier run's autograded copy would otherwise become this run's feedback.
        shutil.rmtree(coursedir.format_path(coursedir.autograded_directory, student, assignment), ignore_errors=True)
        shutil.rmtree(coursedir.format_path(coursedir.feedback_directory, student, assignment), ignore_errors=True)
        report_progress(student, "not gradable: " + "; ".join(log.reasons[student]))

    def finish(student, outcome):
        """nbgrader records the sandbox's results (scores, late penalty), then writes the feedback."""
        key = keys[student]
        steps.PRECOMPUTED[key] = outcome
        reason = steps.stop_reason(outcome.status)
        for text in ([reason] if reason else []) + outcome.problems:
            log.reason(student, text)
        result = api.autograde(assignment, student, force=True, create=True)
        if not result["success"] or key in steps.PRECOMPUTED:
            steps.PRECOMPUTED.pop(key, None)
            log.reason(student, "nbgrader could not record the grades; scored 0")
            ungradable(student)
            return
        recorded.append(student)
        report_progress(student, f"{outcome.status.get('seconds', 0):.1f} s in the sandbox"
                        + (f"; {reason}" if reason else ""))

    def report_progress(student, text):
        done.append(student)
        print(f"  [{len(done):>3}/{len(students)}] {student}: {text}", flush=True)

    while todo or pool.busy:
        for student, outcome in pool.poll(0):
            finish(student, outcome)
        if pool.layers is not None and not announced:
            announced = True
            log.isolation(pool.layers, pool.warning)
            print(f"Isolation: {', '.join(pool.layers)}.", flush=True)
            if pool.warning:
                print(f"\n*** WARNING: {pool.warning} ***\n", file=sys.stderr, flush=True)
        if todo:
            prepare(todo.pop(0))
        elif pool.busy:
            for student, outcome in pool.poll(None):
                finish(student, outcome)
    if not announced:
        pool.wait_ready()
        log.isolation(pool.layers, pool.warning)
    pool.close()  # its cores are free for the feedback
    feedback(api, assignment, recorded, args.workers)
    paths = log.write(coursedir, notebooks)
    print(f"Graded {len(students)} submissions in {time.monotonic() - started:.1f} s. "
          f"Report: {paths['report']}  Grades: {paths['csv']}  Feedback: {paths['feedback']}")
    return 0


def feedback(api, assignment, students, workers):
    """nbgrader's feedback for each graded learner. HTML export takes most of a second per
    notebook, so learners are shared among forks of this process, once the sandboxes are done."""
    if not students:
        return
    import nbformat
    from nbconvert.exporters import HTMLExporter

    HTMLExporter().from_notebook_node(nbformat.v4.new_notebook())  # load templates once, before forking
    groups = [students[i::workers] for i in range(max(1, min(workers, len(students))))]
    children = []
    for group in groups[1:]:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for student in group:
                    api.generate_feedback(assignment, student, force=True)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    for student in groups[0]:
        api.generate_feedback(assignment, student, force=True)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    sys.exit(main())
