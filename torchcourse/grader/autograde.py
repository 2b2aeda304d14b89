"""grading/autograde ASSIGNMENT [--workers N] [--student ID ...]: grade a class, in parallel and isolated.

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
non-zero only when grading could not run at all. With --student, only those
learners are graded again; the report and the CSV still list the whole class,
the others with the scores and reasons of their last grading (reasons are kept
in reports/ASSIGNMENT/reasons.json between runs).
"""

import argparse
import json
import os
import shutil
import stat
import sys
import time
import unicodedata

from torchcourse.grader import report, steps
from torchcourse.grader.cells import hidden_delimiters, is_test_cell

MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_DEPTH = 8  # folders inside a submission folder
CONTROL_FAILED = 3  # exit status when the reference notebook fails its own tests in the sandbox


def load_course(course):
    """The course's nbgrader configuration, with the sandboxed steps put in where it lacks them."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    config.CourseDirectory.root = config.CourseDirectory.get("root", course)
    steps.sandboxed_steps(config)
    coursedir = CourseDirectory(config=config)
    return config, coursedir, NbGraderAPI(coursedir=coursedir, config=config)


def learner_id_problem(name):
    """Why a submission folder's name cannot reach nbgrader as a learner id, or None.

    nbgrader puts the id into paths that it globs, and removes what they match:
    glob characters, path separators, control characters or a leading dash or
    dot could make it touch other learners' files. Spaces and letters of any
    alphabet are fine.
    """
    if not name.strip():
        return "the learner id is blank"
    if name[0] in "-.":
        return f"the learner id starts with {name[0]!r}"
    bad = sorted({ch for ch in name if ch in "*?[]/\\"})
    if bad:
        return "the learner id holds " + " ".join(repr(ch) for ch in bad) + " (glob characters or path separators)"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return "the learner id holds control, format or undecodable characters"
    return None


KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket",
         stat.S_IFLNK: "a symbolic link"}


def folder_problems(learner_folder, assignment, notebooks):
    """Why a submission folder is refused, or []: symbolic links (the learner's folder itself included),
    FIFOs, devices and sockets anywhere in it, and data files over the size or count caps.

    Only lstat and scandir are used: nothing is followed or opened.
    """
    for path, what in ((learner_folder, "the learner's folder"), (os.path.join(learner_folder, assignment),
                                                                  "the assignment's folder")):
        try:
            mode = os.lstat(path).st_mode
        except OSError as error:
            return [f"{what} cannot be read ({error.strerror})"]
        if not stat.S_ISDIR(mode):
            return [f"{what} is {KINDS.get(stat.S_IFMT(mode), 'not a folder')}, not a folder: not followed"]
    root = os.path.join(learner_folder, assignment)
    problems, extra_bytes, extra_files = [], 0, 0
    todo = [(root, 0)]
    while todo:
        folder, depth = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            problems.append(f"{os.path.relpath(folder, root)} cannot be read ({error.strerror})")
            continue
        for entry in entries:
            relative = os.path.relpath(entry.path, root)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                problems.append(f"{relative} cannot be read")
                continue
            kind = stat.S_IFMT(info.st_mode)
            if kind in KINDS:
                problems.append(f"{relative} is {KINDS[kind]}: refused, not followed or opened")
            elif kind == stat.S_IFDIR:
                if depth + 1 > MAX_DEPTH:
                    problems.append(f"{relative}: folders nested more than {MAX_DEPTH} deep")
                else:
                    todo.append((entry.path, depth + 1))
            elif kind == stat.S_IFREG:
                if not (depth == 0 and entry.name in {f"{name}.ipynb" for name in notebooks}):
                    extra_bytes += info.st_size
                    extra_files += 1
            else:
                problems.append(f"{relative} is not a plain file")
    if extra_bytes > steps.MAX_DATA_BYTES:
        problems.append(f"the files beside the notebook hold {extra_bytes / 2**20:.0f} MB, over the "
                        f"{steps.MAX_DATA_BYTES // 2**20} MB limit")
    if extra_files > steps.MAX_DATA_FILES:
        problems.append(f"{extra_files} files beside the notebook, over the limit of {steps.MAX_DATA_FILES}")
    return sorted(problems)


def read_submission(path):
    """The notebook at path, or (None, reason) when it cannot be graded. Never follows a link or opens a FIFO."""
    import nbformat

    try:
        info = os.lstat(path)
    except OSError:
        return None, f"no {os.path.basename(path)} in the submission"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{os.path.basename(path)} is not a plain file"
    if info.st_size == 0:
        return None, "the notebook file is empty"
    if info.st_size > MAX_NOTEBOOK_BYTES:
        return None, (f"the notebook file is {info.st_size / 2**20:.0f} MB, over the "
                      f"{MAX_NOTEBOOK_BYTES // 2**20} MB limit")
    data = steps.read_regular_file(path, MAX_NOTEBOOK_BYTES)
    if data is None:
        return None, f"{os.path.basename(path)} cannot be read"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not text (not a notebook)"
    try:
        nb = nbformat.reads(text, as_version=4)
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


def list_submissions(submitted, assignment):
    """Names of the folders under submitted/ that hold (or point to) something named `assignment`."""
    try:
        names = os.listdir(submitted)
    except OSError:
        return []
    # lexists: a learner folder that is a symbolic link is listed (and refused), never read.
    return sorted(name for name in names if os.path.lexists(os.path.join(submitted, name, assignment)))


class Inspection:
    """What reading a submission found, before nbgrader sees it (nothing recorded yet)."""

    def __init__(self):
        self.refused = []  # the folder is not handed to nbgrader at all
        self.reasons = []  # reasons shown with the score
        self.readable = set()  # notebooks that nbgrader can sanitize
        self.unreadable = False  # a notebook that exists but cannot be read: nbgrader would fail on it


def inspect_submission(folder, notebooks, locked):
    found = Inspection()
    found.refused = folder_problems(os.path.dirname(folder), os.path.basename(folder), notebooks)
    if found.refused:
        return found
    for name in notebooks:
        path = os.path.join(folder, f"{name}.ipynb")
        nb, problem = read_submission(path)
        if problem:
            found.reasons.append(problem if len(notebooks) == 1 else f"{name}: {problem}")
            found.unreadable = found.unreadable or os.path.lexists(path)
        else:
            found.readable.add(name)
            for reason in cell_changes(nb, locked[name]):
                found.reasons.append(reason if len(notebooks) == 1 else f"{name}: {reason}")
    return found


def control_failures(cells, outcome):
    """The graded test cells of the reference notebook that did not pass, and the first error."""
    failing, first = [], None
    stopped = steps.stop_reason(outcome.status)
    for index, cell in enumerate(cells):
        if not is_test_cell(cell):
            continue
        result = outcome.cells.get(index)
        name = cell["metadata"]["nbgrader"].get("grade_id", f"cell {index}")
        if result is None:
            why = "not run: " + (stopped or "; ".join(outcome.problems) or "the sandbox did not reach it")
        elif result["error"]:
            evalue = (result["error"]["evalue"] or "").strip().splitlines()
            why = f"{result['error']['ename']}" + (f": {evalue[0][:500]}" if evalue else "")
        else:
            continue
        failing.append(name)
        first = first or f"{name}: {why}"
    return failing, first


def submit_control(pool, coursedir, assignment, notebooks, delimiters, setups):
    """Queue the reference (source) notebooks in the pool, as one more job each, keyed (None, name).
    Returns {key: (path, cells)} for `control_problems`."""
    import nbformat

    jobs = {}
    for name in notebooks:
        path = steps.source_notebook(coursedir, assignment, name)
        cells = steps.plain_cells(nbformat.read(path, as_version=4), delimiters)
        jobs[(None, name)] = (path, cells)
        steps.submit(pool, (None, name), cells, steps.folder_files(os.path.dirname(path)), setups[name])
    return jobs


def control_problems(jobs, outcomes):
    """[] when every graded test cell of the reference notebooks passed, else one message per failing notebook."""
    messages = []
    for key, (path, cells) in jobs.items():
        failing, first = control_failures(cells, outcomes[key])
        if failing:
            messages.append(f"{path}: failing graded test cells: {', '.join(failing)}\n    first error: {first}")
    return messages


def quiet_library_notes():
    """nbgrader's gradebook models make SQLAlchemy print "Object of type <SubmittedAssignment> not in session,
    add operation along ... will not proceed" notes on every first grading (its autoflush; the rows are
    added right after and nothing is lost). They say nothing an instructor can act on: filtered, that one
    warning only."""
    import warnings

    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:
        return
    warnings.filterwarnings("ignore", message=r".*not in session, add operation along", category=SAWarning)


def carry_reasons(log, path, students):
    """The reasons and refusals of learners not graded in this run, as their last grading left them."""
    try:
        with open(path, encoding="utf-8") as f:
            kept = json.load(f)
        reasons, refused = kept.get("reasons", {}), kept.get("refused", [])
    except (OSError, ValueError, AttributeError):
        return
    for student in students:
        texts = reasons.get(student) if isinstance(reasons, dict) else None
        for text in texts if isinstance(texts, list) else []:
            if isinstance(text, str):
                log.reasons[student].append(report.shown(text, report.MAX_REASON + 100))
        if isinstance(refused, list) and student in refused:
            log.refused.add(student)


def keep_reasons(log, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"reasons": {s: log.reasons[s] for s in log.students if log.reasons[s]},
                   "refused": sorted(s for s in log.refused if s in log.students)}, f, ensure_ascii=True)
    os.replace(path + ".tmp", path)


# This package's own course folder; the grading/ scripts pass theirs with --course.
DEFAULT_COURSE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "grading")


def course_problem(course):
    """Why `course` cannot be graded from, or None: the check grading/autograde's siblings share too."""
    if not os.path.isfile(os.path.join(course, "nbgrader_config.py")):
        return f"{course} is not an nbgrader course folder (no nbgrader_config.py)"
    return None


def main(argv=None):
    quiet_library_notes()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    parser = argparse.ArgumentParser(prog="grading/autograde", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment (section) to grade, e.g. 01_tensors")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: one per core)")
    parser.add_argument("--course", default=DEFAULT_COURSE, help="the nbgrader course folder (default: grading/)")
    parser.add_argument("--student", action="append", metavar="ID",
                        help="grade only this learner (a folder under submitted/); repeat for more")
    args = parser.parse_args(argv)
    started = time.monotonic()
    course = os.path.abspath(args.course)
    if course_problem(course):
        print(f"autograde: {course_problem(course)}", file=sys.stderr)
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
        notebooks = sorted(nb.name for nb in gb.find_assignment(assignment).notebooks)
    release = coursedir.format_path(coursedir.release_directory, ".", assignment)
    locked = {name: released_cells(os.path.join(release, f"{name}.ipynb")) for name in notebooks}

    submitted = os.path.join(course, coursedir.submitted_directory)
    everyone = list_submissions(submitted, assignment)
    students = everyone
    if args.student:
        unknown = sorted(set(args.student) - set(everyone))
        if unknown:
            print(f"autograde: no submission of {assignment} for {', '.join(map(report.shown_id, unknown))} "
                  f"under {submitted}/", file=sys.stderr)
            return 2
        students = [s for s in everyone if s in args.student]
    log = report.Log(assignment, everyone)
    kept = os.path.join(coursedir.root, "reports", assignment, "reasons.json")
    carry_reasons(log, kept, [s for s in everyone if s not in students])
    for student in students:
        problem = learner_id_problem(student)
        if problem:
            log.refuse(student, f"{problem}: not graded; rename the folder submitted/{report.shown_id(student)}")
    if not [s for s in students if s not in log.refused]:
        if not students:
            print(f"autograde: no submissions for {assignment} under {submitted}/*/{assignment}/")
        log.write(coursedir, notebooks)
        keep_reasons(log, kept)
        return 0

    # The sandbox's warm process starts now and imports torch while the submissions are read.
    from torchcourse.grader.pool import Pool

    execute = steps.SandboxedExecute(config=config)
    pool = Pool(args.workers, execute.limits())
    try:
        grading = Grading(args, started, coursedir, api, config, assignment, notebooks, locked, students,
                          submitted, log, pool)
        status = grading.run()
        if status == 0:
            keep_reasons(log, kept)
        return status
    finally:
        pool.close()


class Grading:
    """One pipeline: this process sanitizes and records (nbgrader), the sandboxes run, all at the same time."""

    def __init__(self, args, started, coursedir, api, config, assignment, notebooks, locked, students, submitted,
                 log, pool):
        self.args, self.started, self.coursedir, self.api = args, started, coursedir, api
        self.assignment, self.notebooks, self.locked = assignment, notebooks, locked
        self.students, self.submitted, self.log, self.pool = students, submitted, log, pool
        self.delimiters = hidden_delimiters(config)
        self.setups = {name: steps.trusted_setup(steps.source_notebook(coursedir, assignment, name))
                       for name in notebooks}
        self.inspected = {}
        self.keys = {}  # student -> {notebook: key}
        self.waiting = {}  # student -> {notebook: Outcome or None}
        self.failed = set()  # students whose grading crashed; their later outcomes are ignored
        self.done = []
        self.recorded = []
        self.control_jobs, self.control_outcomes = {}, {}
        self.control_passed, self.control_failed = False, None
        self.held = []  # (student, outcomes) that wait for the control to pass
        self.sanitized = {}  # student -> their earlier autograded copy, set aside until the control passed

    def inspect_all(self):
        for student in self.students:
            if student not in self.log.refused:
                self.guarded(student, self.inspect, student)

    def inspect(self, student):
        self.inspected[student] = inspect_submission(os.path.join(self.submitted, student, self.assignment),
                                                     self.notebooks, self.locked)

    def run(self):
        """The control and the class at once: while the reference notebook runs, learners are read, sanitized
        and sent to the sandbox; their results are recorded only once the control passed. If it failed, what
        the sanitizing made (gradebook rows, autograded copies) is taken back, and nothing is recorded."""
        print(f"Grading {self.assignment}: {len(self.students)} submissions, {self.pool.workers} at a time.",
              flush=True)
        self.control_jobs = submit_control(self.pool, self.coursedir, self.assignment, self.notebooks,
                                           self.delimiters, self.setups)
        self.inspect_all()
        self.before = self.gradebook_state()
        todo = [s for s in self.students if s not in self.log.refused]
        while todo or self.pool.busy:
            self.receive(0)
            if self.control_failed:
                return self.refuse_class()
            if todo:
                student = todo.pop(0)
                self.guarded(student, self.prepare, student)
            elif self.pool.busy:
                self.receive(None)
        if self.control_failed:
            return self.refuse_class()
        for student in self.log.refused:
            self.report_progress(student, "not graded: " + "; ".join(self.log.reasons[student]))
        self.pool.close()  # its cores are free for the feedback
        feedback(self.api, self.assignment, self.recorded, self.args.workers)
        paths = self.log.write(self.coursedir, self.notebooks)
        print(f"Graded {len(self.students)} submissions in {time.monotonic() - self.started:.1f} s. "
              f"Report: {paths['report']}  Grades: {paths['csv']}  Feedback: {paths['feedback']}")
        return 0

    def receive(self, timeout):
        for key, outcome in self.pool.poll(timeout):
            if key[0] is None:
                self.control_outcomes[key] = outcome
                if len(self.control_outcomes) == len(self.control_jobs):
                    self.announce()
                    problems = control_problems(self.control_jobs, self.control_outcomes)
                    if problems:
                        self.control_failed = problems
                        return
                    self.control_passed = True
                    for student, outcomes in self.held:
                        if outcomes is None:
                            try:
                                self.ungradable(student)
                            except Exception as error:
                                self.report_progress(student, f"not graded; the grader failed ({type(error).__name__})")
                        else:
                            self.guarded(student, self.finish, student, outcomes)
                    self.held = []
            else:
                self.arrived(key, outcome)

    def gradebook_state(self):
        """The learners and submissions of this assignment that the gradebook holds before this run."""
        from nbgrader.api import Gradebook

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            learners = {student.id for student in gb.students}
            submitted = {sub.student.id for sub in gb.assignment_submissions(self.assignment)} \
                if self.assignment in {a.name for a in gb.assignments} else set()
        return learners, submitted

    def refuse_class(self):
        """The control failed: take back what sanitizing made, record nothing, say why."""
        from nbgrader.api import Gradebook

        self.pool.close()
        learners, submitted = self.before
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            for student in self.sanitized:
                if student not in learners:
                    gb.remove_student(student)
                elif student not in submitted:
                    gb.remove_submission(self.assignment, student)
        for student, backup in self.sanitized.items():
            target = self.coursedir.format_path(self.coursedir.autograded_directory, student, self.assignment)
            shutil.rmtree(target, ignore_errors=True)
            if backup:
                os.replace(backup, target)
            for folder in (os.path.dirname(target), os.path.dirname(os.path.dirname(target))):
                try:
                    os.rmdir(folder)  # only when this run made it and left it empty
                except OSError:
                    pass
        print(f"autograde: NOT GRADING {self.assignment}: the reference notebook (the source, with its solutions) "
              "fails its own graded tests in the grader's sandbox, so every submission would be scored wrongly. "
              "Nothing was recorded.\n  " + "\n  ".join(self.control_failed), file=sys.stderr, flush=True)
        return CONTROL_FAILED

    def announce(self):
        if self.pool.layers is None:
            self.pool.wait_ready()
        self.log.isolation(self.pool.layers, self.pool.warning)
        print(f"Isolation: {', '.join(self.pool.layers)}.", flush=True)
        if self.pool.warning:
            print(f"\n*** WARNING: {self.pool.warning} ***\n", file=sys.stderr, flush=True)

    def guarded(self, student, step, *args):
        """Any crash while grading one learner becomes that learner's reason; the run goes on."""
        if student in self.failed:
            return
        try:
            step(*args)
        except Exception as error:
            self.failed.add(student)
            self.log.reason(student, f"the grader failed on this submission ({type(error).__name__}: "
                                     f"{str(error)[:500]}); scored 0")
            try:
                self.ungradable(student)
            except Exception as again:
                self.report_progress(student, f"not graded; the grader failed ({type(again).__name__})")

    def prepare(self, student):
        """Sanitize one submission (nbgrader), then queue its notebooks for the sandbox (or score 0 with a reason)."""
        found = self.inspected.get(student)
        if found is None:
            raise RuntimeError("the submission was not read")
        for text in found.refused + found.reasons:
            self.log.reason(student, text)
        if found.refused or found.unreadable or not found.readable:
            return self.ungradable(student)
        if not self.control_passed:
            earlier = self.coursedir.format_path(self.coursedir.autograded_directory, student, self.assignment)
            backup = None
            if os.path.exists(earlier):
                backup = os.path.join(os.path.dirname(earlier), f".{self.assignment}.before-control")
                shutil.rmtree(backup, ignore_errors=True)
                os.replace(earlier, backup)
            self.sanitized[student] = backup
        capture = steps.Capture(set(found.readable), self.delimiters)
        with steps.SandboxedExecute.handoff(capture):
            self.api.autograde(self.assignment, student, force=True, create=True)
        if set(capture.notebooks) != found.readable:
            self.log.reason(student, "nbgrader could not read the submission (run `nbgrader autograde` for its log)")
            return self.ungradable(student)
        self.keys[student] = {name: captured.key for name, captured in capture.notebooks.items()}
        self.waiting[student] = {name: None for name in capture.notebooks}
        for name, captured in sorted(capture.notebooks.items()):
            steps.submit(self.pool, (student, name), captured.cells, captured.files, self.setups[name])

    def arrived(self, key, outcome):
        student, name = key
        if student is None or student in self.failed or student not in self.waiting:
            return
        self.waiting[student][name] = outcome
        if all(o is not None for o in self.waiting[student].values()):
            if self.control_passed:
                self.guarded(student, self.finish, student, self.waiting.pop(student))
            else:
                self.held.append((student, self.waiting.pop(student)))

    def finish(self, student, outcomes):
        """nbgrader records the sandbox's results (scores, late penalty); feedback comes later."""
        reasons = []
        for name, outcome in sorted(outcomes.items()):
            reason = steps.stop_reason(outcome.status)
            for text in ([reason] if reason else []) + outcome.problems:
                reasons.append(text if len(self.notebooks) == 1 else f"{name}: {text}")
        for text in reasons:
            self.log.reason(student, text)
        backup = self.sanitized.pop(student, None)
        if backup:
            shutil.rmtree(backup, ignore_errors=True)
        record = steps.Record({name: (self.keys[student][name], outcome) for name, outcome in outcomes.items()})
        with steps.SandboxedExecute.handoff(record):
            result = self.api.autograde(self.assignment, student, force=True, create=True)
        if not result["success"] or record.left:
            self.log.reason(student, "nbgrader could not record the grades; scored 0")
            return self.ungradable(student)
        self.recorded.append(student)
        seconds = sum(o.status.get("seconds", 0) or 0 for o in outcomes.values())
        self.report_progress(student, f"{self.score(student)} ({seconds:.1f} s in the sandbox)"
                             + (f"; {'; '.join(reasons)}" if reasons else ""))

    def score(self, student):
        """'score/maximum' as nbgrader recorded it, less the late penalty (and how late, when it was)."""
        from nbgrader.api import Gradebook

        try:
            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                submission = gb.find_submission(self.assignment, student)
                penalty = submission.late_submission_penalty or 0
                text = f"{round(submission.score - penalty, 2):g}/{submission.max_score:g}"
                if submission.total_seconds_late > 0:
                    text += f", late by {submission.total_seconds_late / 3600:.1f} h: " + (
                        f"-{penalty:g} points" if penalty else "no penalty")
                return text
        except Exception:  # no submission row (the grader failed before making one)
            return "no score"

    def ungradable(self, student):
        if not self.control_passed:  # nothing is recorded before the control passed
            self.held.append((student, None))
            return
        for name in self.notebooks:
            zero(self.coursedir, self.assignment, student, name)
        # An earlier run's autograded copy would otherwise become this run's feedback.
        shutil.rmtree(self.coursedir.format_path(self.coursedir.autograded_directory, student, self.assignment),
                      ignore_errors=True)
        shutil.rmtree(self.coursedir.format_path(self.coursedir.feedback_directory, student, self.assignment),
                      ignore_errors=True)
        self.report_progress(student, f"{self.score(student)}, not gradable: " + "; ".join(self.log.reasons[student]))

    def report_progress(self, student, text):
        self.done.append(student)
        print(f"  [{len(self.done):>3}/{len(self.students)}] {report.shown_id(student)}: {report.shown(text)}",
              flush=True)


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
