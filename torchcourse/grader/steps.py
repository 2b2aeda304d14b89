"""nbgrader extension points: the sandboxed Execute step and feedback without hidden tests.

grading/nbgrader_config.py puts `SandboxedExecute` in place of nbgrader's
Execute in `Autograde.autograde_preprocessors`, so plain `nbgrader autograde`
and the Formgrader's autograde button run submissions the same isolated way
as `grading/autograde` (one at a time there). `HideHiddenTests` is added to
`GenerateFeedback.preprocessors`: nbgrader's own feedback shows hidden tests
(upstream issue 1363). `sandboxed_steps(config)` does both for a course whose
configuration does not (grading/autograde grades any nbgrader course).

How grading/autograde talks to SandboxedExecute (no module globals): it runs
nbgrader's autograde twice per learner, each time inside
`SandboxedExecute.handoff(...)`, a context manager that sets the one
`SandboxedExecute.current` handoff for that call:

1. `Capture(expected, delimiters)`: nbgrader sanitizes the submission (its
   own steps: outputs cleared, locked and test cells restored from the
   source); SandboxedExecute records each sanitized notebook in
   `capture.notebooks` ({notebook name: Captured(key, cells, files)}) and,
   once every name in `expected` is recorded, stops the run by raising
   `CaptureDone`. Nothing runs and nothing is trusted from this pass.
2. The captured cells run in the sandbox, many learners at once (`Pool`).
3. `Record(outcomes)` ({notebook name: (key, Outcome)}): nbgrader runs its
   steps again and SandboxedExecute merges the matching Outcome (the key
   proves the sanitized notebook is the one that ran) instead of running
   anything; nbgrader then records scores and late penalties. `Record.left`
   names the notebooks whose outcome nbgrader never asked for.

Without a handoff (plain `nbgrader autograde`), SandboxedExecute runs the
notebook here, in a sandbox of its own.

Every notebook goes to the sandbox with the trusted setup of its assignment
(`trusted_setup`): the import statements of the source notebook's cells that
are not solutions.

This module is imported by nbgrader_config.py, which Jupyter also loads, so
it imports torch and the sandbox only when a notebook is actually graded.
"""

import ast
import contextlib
import hashlib
import json
import os
import re
import signal
import stat
from dataclasses import dataclass, field

from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from torchcourse.grader.cells import has_hidden_tests, hidden_delimiters, is_solution_cell, is_test_cell, strip_hidden

# Data files a notebook gets beside it in the sandbox (nbgrader's copies of the source's and the learner's).
MAX_DATA_BYTES = 50 * 2**20
MAX_DATA_FILES = 200


def notebook_key(nb):
    """What identifies a sanitized notebook's grading: its cells' sources, types and grading metadata."""
    cells = [(c.get("cell_type"), c.get("source"), c.get("metadata", {}).get("nbgrader")) for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells, sort_keys=True, default=str).encode()).hexdigest()


def plain_cells(nb, delimiters=None):
    """The cells as the sandbox needs them: type, source, grading metadata, and whether it holds hidden tests.

    "hidden" is True for a test cell with a hidden-tests block (nbgrader's delimiters, `delimiters`).
    """
    delimiters = delimiters or hidden_delimiters()
    return [{"cell_type": c.cell_type, "source": c.source,
             "metadata": {"nbgrader": dict(c.metadata.get("nbgrader", {}))},
             "hidden": bool(is_test_cell(c) and has_hidden_tests(c.source, delimiters))} for c in nb.cells]


def read_regular_file(path, limit):
    """The bytes of the plain file at path (at most `limit`), or None for anything else.

    Never follows a symbolic link and never blocks on a FIFO or a device: the
    file is opened with O_NOFOLLOW | O_NONBLOCK and checked to be a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        return data if len(data) <= limit else None
    finally:
        os.close(fd)


def folder_files(folder, limit=MAX_DATA_BYTES, count=MAX_DATA_FILES):
    """{name: bytes} of the plain files directly in folder, notebooks excepted, up to `limit` bytes and `count` files.

    Symbolic links, FIFOs, devices, sockets and folders are skipped, never followed or opened.
    """
    files, total = {}, 0
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return files
    for entry in entries:
        if entry.name.endswith(".ipynb") or len(files) >= count:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or total + info.st_size > limit:
            continue
        data = read_regular_file(entry.path, limit - total)
        if data is not None:
            files[entry.name] = data
            total += len(data)
    return files


def data_files(resources):
    """The data files beside the notebook (nbgrader copies the source's there), for the sandbox's scratch folder."""
    folder = resources.get("metadata", {}).get("path")
    return folder_files(folder) if folder else {}


def trusted_setup(source_notebook_path):
    """The assignment's own imports: every top-level `import` / `from ... import` statement, in order, of
    the source notebook's code cells that are not solutions, unparsed with ast.unparse, one per line.

    The sandbox runs them before the learner's cells, from the instructor's notebook, not the learner's.
    """
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(source_notebook_path, as_version=4)
    transform = TransformerManager().transform_cell
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or is_solution_cell(cell):
            continue
        try:
            tree = ast.parse(transform(cell.source))
        except (SyntaxError, ValueError):
            continue
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(lines)


def source_notebook(coursedir, assignment, notebook):
    """The path of an assignment's source notebook (the instructor's, with solutions)."""
    folder = coursedir.format_path(coursedir.source_directory, ".", assignment)
    return os.path.normpath(os.path.join(folder, f"{notebook}.ipynb"))


def submit(pool, key, cells, files, setup):
    """Queue one notebook in the Pool with its trusted setup."""
    pool.submit(key, cells, files, setup=setup)


STOPPED = {
    "killed": "{reason}",
    "exited": "the notebook's process exited (status {code}): learner code ended it, e.g. with os._exit",
    "grader-error": "the grader could not run this notebook: {reason}",
}


def stop_reason(status):
    kind = status.get("status")
    if kind == "died":
        number = status.get("signal")
        if number == signal.SIGXCPU:
            return "the notebook used more CPU time than allowed"
        if number == signal.SIGKILL:
            return "the notebook's process was killed (it ran out of memory or time)"
        return f"the notebook's process crashed (signal {number})"
    if kind in STOPPED:
        return STOPPED[kind].format(reason=status.get("reason", "?"), code=status.get("code", "?"))
    return None


# Characters that would break a notebook file, HTML or a terminal, or disguise text: lone surrogates
# (not encodable), C0/C1 controls other than tab, newline, carriage return and ANSI escape, and
# bidirectional overrides.
_SURROGATES = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text):
    """Learner output made safe to store, record and show: lone surrogates become U+FFFD, other
    unsafe characters their escape (\\x00, \\u202e)."""
    if not isinstance(text, str):
        text = str(text)
    text = _SURROGATES.sub("\ufffd", text)
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _error_output(ename, evalue, traceback=None):
    return NotebookNode(output_type="error", ename=clean(ename), evalue=clean(evalue),
                        traceback=[clean(line) for line in (traceback or [f"{ename}: {evalue}"])])


def merge(nb, outcome):
    """Write a sandbox Outcome into the notebook's code cells, as nbgrader's Execute would."""
    stopped = stop_reason(outcome.status)
    running = max(outcome.started) if outcome.started else None
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        result = outcome.cells.get(index)
        if result is None:
            cell.execution_count = None
            if stopped and index == running:
                cell.outputs.append(_error_output("GradingStopped", stopped))
            elif stopped or outcome.problems:
                why = stopped or "; ".join(outcome.problems)
                cell.outputs.append(_error_output("NotRun", f"not run: {why}"))
            else:
                cell.outputs.append(_error_output("NotRun", "not run"))
            continue
        count += 1
        cell.execution_count = count
        if result["text"]:
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=clean(result["text"])))
        for text in result["display"]:
            cell.outputs.append(NotebookNode(output_type="display_data", metadata={},
                                             data={"text/plain": clean(text)}))
        if result["error"]:
            error = result["error"]
            cell.outputs.append(_error_output(error["ename"], error["evalue"], error["traceback"]))
    return nb


def not_yet_run(nb):
    """Every code cell marked as not run (scores nothing), for notebooks captured before the last one."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = [_error_output("NotRun", "not run yet: the notebook is being graded")]
    return nb


class CaptureDone(Exception):
    """Ends the first pass over a submission once its sanitized notebooks are recorded."""


@dataclass
class Captured:
    """One sanitized notebook, as the sandbox will run it."""

    key: str  # notebook_key of the sanitized notebook
    cells: list  # plain_cells
    files: dict  # data files beside it {name: bytes}


@dataclass
class Capture:
    """First pass: record the sanitized notebooks named in `expected`, then stop nbgrader's run."""

    expected: set
    delimiters: tuple = None
    notebooks: dict = field(default_factory=dict)  # notebook name -> Captured

    def take(self, nb, resources):
        name = resources["nbgrader"]["notebook"]
        self.notebooks[name] = Captured(notebook_key(nb), plain_cells(nb, self.delimiters), data_files(resources))
        if set(self.expected) <= set(self.notebooks):
            raise CaptureDone()
        return not_yet_run(nb)


@dataclass
class Record:
    """Second pass: merge the sandbox's outcomes ({notebook name: (key, Outcome)}) instead of running."""

    outcomes: dict

    def take(self, nb, resources):
        name = resources["nbgrader"]["notebook"]
        if name not in self.outcomes:
            raise RuntimeError(f"no sandbox result for notebook {name!r}")
        key, outcome = self.outcomes.pop(name)
        if key != notebook_key(nb):
            raise RuntimeError(f"notebook {name!r} changed between sanitizing and recording")
        return merge(nb, outcome)

    @property
    def left(self):
        return sorted(self.outcomes)


class SandboxedExecute(NbGraderPreprocessor):
    """Runs the notebook in the course's sandbox instead of a Jupyter kernel."""

    cell_seconds = Integer(60, help="A cell is interrupted after this many seconds.").tag(config=True)
    total_seconds = Integer(600, help="A notebook is stopped after this many seconds in all.").tag(config=True)
    memory_mb = Integer(3072, help="Memory a notebook may add to the warm interpreter's.").tag(config=True)
    scratch_mb = Integer(256, help="Size of the only writable folder a notebook has.").tag(config=True)
    processes = Integer(64, help="Processes and threads a notebook may run at once.").tag(config=True)
    require_isolation = Bool(False, help="Refuse to grade when full isolation is unavailable.").tag(config=True)

    _pool = None  # one warm sandbox per nbgrader process, started on first use
    current = None  # the Capture or Record of grading/autograde's running nbgrader call (see handoff)

    @classmethod
    @contextlib.contextmanager
    def handoff(cls, handoff):
        """Within this block, nbgrader's autograde hands each notebook to `handoff` (a Capture or a Record)."""
        previous, cls.current = cls.current, handoff
        try:
            yield handoff
        finally:
            cls.current = previous

    def preprocess(self, nb, resources):
        if SandboxedExecute.current is not None:
            return SandboxedExecute.current.take(nb, resources), resources
        return merge(nb, self._run_here(nb, resources)), resources

    def limits(self):
        from torchcourse.grader.zygote import Limits

        return Limits(self.cell_seconds, self.total_seconds, self.memory_mb, self.scratch_mb, self.processes)

    def _setup(self, coursedir, resources):
        """The trusted setup of this notebook's assignment, from its source notebook."""
        grading = resources.get("nbgrader", {})
        path = source_notebook(coursedir, grading.get("assignment", ""), grading.get("notebook", ""))
        if not os.path.isfile(path):
            raise RuntimeError(f"no source notebook {path} for this submission")
        return trusted_setup(path)

    def _run_here(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        from torchcourse.grader.pool import Pool

        coursedir = CourseDirectory(config=self.config)
        if SandboxedExecute._pool is None:
            pool = Pool(1, self.limits())
            pool.wait_ready()
            if pool.warning:
                self.log.warning("SANDBOX: %s", pool.warning)
                if self.require_isolation:
                    pool.close()
                    raise RuntimeError(f"not grading without isolation: {pool.warning}")
            SandboxedExecute._pool = pool
        pool = SandboxedExecute._pool
        submit(pool, "nb", plain_cells(nb, hidden_delimiters(self.config)), data_files(resources),
               self._setup(coursedir, resources))
        outcomes = {}
        while pool.busy:
            outcomes.update(pool.poll(None))
        return outcomes["nb"]


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback shows what a hidden test said, never its code (delimiters: nbgrader's ClearHiddenTests)."""

    def preprocess(self, nb, resources):
        self._delimiters = hidden_delimiters(self.config)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        delimiters = getattr(self, "_delimiters", None) or hidden_delimiters(self.config)
        if is_test_cell(cell) and has_hidden_tests(cell.source, delimiters):
            cell.source = strip_hidden(cell.source, delimiters)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    # A traceback quotes the test's lines; the message alone says what was wrong.
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


# ---------------------------------------------------------------------------------------------------------
# Feedback a learner can act on: LearnerFeedback (a step after HideHiddenTests) and FeedbackExporter (the
# course's template, torchcourse/grader/feedback/course_feedback, which extends nbgrader's own).

FEEDBACK_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "feedback")
FEEDBACK_TEMPLATE = "course_feedback"
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # torchcourse/

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The first line of a traceback frame, in the forms Python, IPython (plain and coloured) and the tester print:
#   File "/x/m.py", line 3, in f  |  File /x/m.py:3 in f  |  Cell In[1], line 4  |  test cell 16, line 5, in <module>
_FRAME = re.compile(r"^\s*(File\s|Cell\s+In\s*\[|Input\s+In\s*\[)|, line \d+(, in |$)")
_CONTEXT = re.compile(r"^\s*-*>?\s*\d+\s")  # IPython's numbered context lines ("--> 199 close(...)")
_COURSE_PATH = re.compile(r"(?<![\w.-])torchcourse[/\\]")
_EXERCISE_ID = re.compile(r"(ex\d+)-(\w+)")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)[\s#]*$")


def _is_course_frame(header):
    """Whether a frame's first line points into the course's own code (torchcourse/: check, the grader)."""
    plain = _ANSI.sub("", header)
    return PACKAGE_DIR in plain or bool(_COURSE_PATH.search(plain))


def _indent(line):
    return len(line) - len(line.lstrip())


def learner_traceback(traceback):
    """The traceback (a list of entries, each one or more lines) without the frames of the course's own code
    (torchcourse/check.py, torchcourse/grader/...): the learner's lines and the test's line stay.

    A frame is its first line (`_FRAME`) and the lines under it (indented deeper, or IPython's numbered
    context); an entry may hold one frame (IPython, the tester) or a whole traceback (Python's format).
    Entries lose their trailing newlines: the template joins them with one.
    """
    kept = []
    for entry in traceback:
        if not isinstance(entry, str):
            continue
        out, dropping, depth = [], False, 0
        for line in entry.splitlines(keepends=True):
            plain = _ANSI.sub("", line).rstrip("\n")
            if _FRAME.search(plain):
                dropping, depth = _is_course_frame(plain), _indent(plain)
            elif dropping and not (plain.strip() == "" or _indent(plain) > depth or _CONTEXT.match(plain)):
                dropping = False
            if not dropping:
                out.append(line)
        text = "".join(out).rstrip("\n")
        if text.strip():
            kept.append(text)
    if not any(_FRAME.search(_ANSI.sub("", line)) for entry in kept for line in entry.splitlines()):
        # "Traceback (most recent call last):" with no frame left under it says nothing.
        kept = [e for e in kept if _ANSI.sub("", e).strip() != "Traceback (most recent call last):"]
    return kept


def cap_text(text, limit):
    """text, or its first `limit` characters or fewer, cut at a space or line end rather than inside a word,
    followed by "[... N more characters]"."""
    if limit < 0 or len(text) <= limit:
        return text
    cut = max(text.rfind(" ", 0, limit + 1), text.rfind("\n", 0, limit + 1), text.rfind("\t", 0, limit + 1))
    if cut < limit * 0.8:  # one word longer than what is left: cut inside it
        cut = limit
    kept = text[:cut].rstrip()
    return f"{kept} [... {len(text) - len(kept)} more characters]"


def _amount(value):
    if value is None:
        return "?"
    value = round(float(value), 2)
    return f"{value:g}"


def _grading_of(cell):
    grading = cell.get("metadata", {}).get("nbgrader")
    return grading if isinstance(grading, dict) else {}


def _exercise_title(nb, first, previous_end, key):
    """The exercise's name from the nearest "### Exercise K: title" heading between the end of the previous
    exercise and its first cell; else "Exercise K" from its grade ids (ex03 -> Exercise 3)."""
    for index in range(first - 1, previous_end, -1):
        cell = nb.cells[index]
        if cell.cell_type != "markdown":
            continue
        headings = [m.group(1) for m in map(_HEADING.match, cell.source.splitlines()) if m]
        named = [h for h in headings if h.lower().startswith("exercise")]
        if named:
            title = re.sub(r"[`*]", "", named[-1]).strip()
            return title, index
    match = re.fullmatch(r"ex(\d+)", key)
    return (f"Exercise {int(match.group(1))}" if match else key), None


def _part_label(grade_id, key, grading):
    suffix = grade_id[len(key) + 1:] if grade_id.startswith(key + "-") else grade_id
    if grading.get("solution"):
        return "answer"
    if grading.get("task"):
        return "task"
    return {"visible": "visible tests", "hidden": "hidden tests"}.get(suffix, suffix)


def exercise_entries(nb):
    """One contents entry per exercise: the cells whose grade ids share an exercise (ex03-solution,
    ex03-visible, ex03-hidden) make one entry, named by the exercise's heading, with its points. A graded
    cell outside that convention is an entry of its own. Marks the heading cell with the entry's anchor
    (metadata course_feedback_anchor, which the template writes as an <a name>)."""
    groups, order = {}, []
    for index, cell in enumerate(nb.cells):
        grading = _grading_of(cell)
        grade_id = grading.get("grade_id")
        if not grade_id or not (grading.get("grade") or grading.get("solution") or grading.get("task")):
            continue
        match = _EXERCISE_ID.fullmatch(grade_id)
        key = match.group(1) if match else grade_id
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(index)
    entries, previous_end = [], -1
    for key in order:
        indices = groups[key]
        title, heading = _exercise_title(nb, indices[0], previous_end, key)
        parts, comments, score, points, graded = [], [], 0.0, 0.0, False
        for index in indices:
            grading = _grading_of(nb.cells[index])
            grade_id = grading["grade_id"]
            if grading.get("comment"):
                comments.append(f"comment-{grade_id}")
            if not (grading.get("grade") or grading.get("task")):
                continue
            graded = True
            got, out_of = grading.get("score"), grading.get("points") or 0
            score = None if score is None or got is None else score + float(got)
            points += float(out_of)
            parts.append({"anchor": grade_id, "label": _part_label(grade_id, key, grading), "score": _amount(got),
                          "points": _amount(out_of), "passed": got is not None and float(got) >= float(out_of)})
        previous_end = indices[-1]
        if not graded:
            continue
        anchor = f"exercise-{key}"
        target = heading if heading is not None else indices[0]
        nb.cells[target].metadata["course_feedback_anchor"] = anchor
        state = "ungraded" if score is None else "full" if score >= points else "partial" if score > 0 else "none"
        entries.append({"anchor": anchor, "title": title, "score": _amount(score), "points": _amount(points),
                        "state": state, "parts": parts if len(parts) > 1 else [], "comments": comments})
    return entries


def _hours(seconds):
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    hours = round(seconds / 3600, 1)
    return f"{hours:g} hour" + ("s" if hours != 1 else "")


def late_note(seconds_late, penalty):
    """"Submitted N hours late: penalty -P points" (what the header says of a late submission), or None."""
    if not seconds_late or seconds_late <= 0:
        return None
    said = f"penalty -{_amount(penalty)} point" + ("s" if _amount(penalty) != "1" else "") if penalty else "no penalty"
    return f"Submitted {_hours(seconds_late)} late: {said}"


class LearnerFeedback(NbGraderPreprocessor):
    """Feedback a learner can act on (after GetGrades and HideHiddenTests in GenerateFeedback.preprocessors):

    - contents: one entry per exercise, named by its prompt's "### Exercise K: title" heading, with its points
      (resources["course_feedback"]["entries"], shown by FeedbackExporter's template);
    - tracebacks without the course's own frames (torchcourse/check.py, the grader): the learner's lines and
      the test's line stay;
    - messages and outputs in full up to a cap, cut at a word boundary with "[... N more characters]";
    - a late submission's header: "Submitted N hours late: penalty -P points", from nbgrader's gradebook.
    """

    max_message_chars = Integer(6000, help="An error message or traceback entry longer than this is cut, at a "
                                "word boundary (-1: never).").tag(config=True)
    max_output_chars = Integer(20000, help="Printed output longer than this is cut, at a word boundary "
                               "(-1: never).").tag(config=True)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        grading = resources.get("nbgrader", {})
        resources["course_feedback"] = {"entries": exercise_entries(nb),
                                        "late": late_note(self._seconds_late(grading), grading.get("late_penalty"))}
        return nb, resources

    def _seconds_late(self, grading):
        if not all(grading.get(k) for k in ("db_url", "assignment", "student")):
            return 0
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(grading["db_url"]) as gradebook:
                return gradebook.find_submission(grading["assignment"], grading["student"]).total_seconds_late
        except MissingEntry:
            return 0

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "error":
                output.evalue = cap_text(output.get("evalue") or "", self.max_message_chars)
                output.traceback = [cap_text(entry, self.max_message_chars)
                                    for entry in learner_traceback(output.get("traceback") or [])]
            elif output.output_type == "stream":
                output.text = cap_text(output.get("text") or "", self.max_output_chars)
            elif "text/plain" in output.get("data", {}):
                text = output.data["text/plain"]
                output.data["text/plain"] = cap_text("".join(text) if isinstance(text, list) else text,
                                                     self.max_output_chars)
        return cell, resources



class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML feedback with the course's template, `course_feedback` in torchcourse/grader/feedback/,
    which extends nbgrader's `feedback` template (set as GenerateFeedback.exporter_class).

    nbgrader sets HTMLExporter.template_name to "feedback" (GenerateFeedback, and its API on every call);
    that name, or none, means the course's template here. Any other configured template is kept.
    """

    def __init__(self, config=None, **kw):
        super().__init__(config=config, **kw)
        import nbgrader

        nbgrader_templates = os.path.join(os.path.dirname(os.path.abspath(nbgrader.__file__)), "server_extensions",
                                          "formgrader", "templates")
        if self.template_name in ("", "feedback"):
            self.template_name = FEEDBACK_TEMPLATE
        basedirs = [d for d in self.extra_template_basedirs if d != FEEDBACK_TEMPLATES]
        self.extra_template_basedirs = [FEEDBACK_TEMPLATES, *basedirs] + (
            [] if nbgrader_templates in basedirs else [nbgrader_templates])
        if nbgrader_templates not in self.extra_template_paths:  # where {% extends 'feedback/index.html.j2' %} is
            self.extra_template_paths = [*self.extra_template_paths, nbgrader_templates]
        if not any("template_paths" in self.config.get(name, {}) for name in self.section_names()):
            self.template_paths = self._template_paths()  # computed once, for the template name set before


def _name(step):
    return step if isinstance(step, str) else f"{step.__module__}.{step.__qualname__}"


def _is(step, cls):
    name = _name(step)
    return name == _name(cls) or name.rsplit(".", 1)[-1] == cls.__name__ and "torchcourse" in name


def sandboxed_steps(config):
    """Put the course's steps into an nbgrader configuration that lacks them (in place; returns what changed).

    Autograde: nbgrader's autograde steps (the configured ones, else its defaults) with Execute
    replaced by SandboxedExecute. Feedback: HideHiddenTests added to nbgrader's feedback steps.
    """
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.preprocessors import Execute

    changed = []
    autograde = list(config.Autograde.autograde_preprocessors if "autograde_preprocessors" in config.get(
        "Autograde", {}) else Autograde.class_traits()["autograde_preprocessors"].default())
    if not any(_is(step, SandboxedExecute) for step in autograde):
        executes = [i for i, step in enumerate(autograde) if _name(step) in (
            _name(Execute), "nbgrader.preprocessors.Execute", "Execute")]
        for i in executes:
            autograde[i] = SandboxedExecute
        if not executes:
            autograde.insert(0, SandboxedExecute)
        config.Autograde.autograde_preprocessors = autograde
        changed.append("autograde")
    feedback = list(config.GenerateFeedback.preprocessors if "preprocessors" in config.get(
        "GenerateFeedback", {}) else GenerateFeedback.class_traits()["preprocessors"].default())
    if not any(_is(step, HideHiddenTests) for step in feedback):
        config.GenerateFeedback.preprocessors = feedback + [HideHiddenTests]
        changed.append("feedback")
    return changed
