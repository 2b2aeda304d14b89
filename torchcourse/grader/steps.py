"""nbgrader extension points: the sandboxed Execute step and feedback without hidden tests.

grading/nbgrader_config.py puts `SandboxedExecute` in place of nbgrader's
Execute in `Autograde.autograde_preprocessors`, so plain `nbgrader autograde`
and the Formgrader's autograde button run submissions the same isolated way
as `grading/autograde` (one at a time there). `HideHiddenTests` is added to
`GenerateFeedback.preprocessors`: nbgrader's own feedback shows hidden tests
(upstream issue 1363).

This module is imported by nbgrader_config.py, which Jupyter also loads, so
it imports torch and the sandbox only when a notebook is actually graded.
"""

import hashlib
import json
import os
import signal

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from torchcourse.grader.runner import HIDDEN_MARK, is_test_cell

END_MARK = "### END HIDDEN TESTS"

# Outcomes computed ahead, in parallel, by grading/autograde: notebook key -> Outcome.
PRECOMPUTED = {}
# Set by grading/autograde's first pass: record the sanitized notebook, then stop that submission.
CAPTURE = None


class Captured(Exception):
    """Ends the first pass over a submission once its sanitized notebook is recorded."""


def notebook_key(nb):
    """What identifies a sanitized notebook's grading: its cells' sources, types and grading metadata."""
    cells = [(c.get("cell_type"), c.get("source"), c.get("metadata", {}).get("nbgrader")) for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells, sort_keys=True, default=str).encode()).hexdigest()


def plain_cells(nb):
    """The cells as the sandbox needs them: type, source and grading metadata."""
    return [{"cell_type": c.cell_type, "source": c.source,
             "metadata": {"nbgrader": dict(c.metadata.get("nbgrader", {}))}} for c in nb.cells]


def data_files(resources):
    """The data files beside the notebook (nbgrader copies the source's there), for the sandbox's scratch folder."""
    files = {}
    folder = resources.get("metadata", {}).get("path")
    if folder and os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not name.endswith(".ipynb") and os.path.getsize(path) < 50 * 2**20:
                with open(path, "rb") as f:
                    files[name] = f.read()
    return files


def secret_paths(coursedir):
    """Everything the sandbox hides: nbgrader's folders and the course checkout, except what Python loads."""
    import torchcourse

    paths = {coursedir.root}
    for name in ("source_directory", "release_directory", "submitted_directory", "autograded_directory",
                 "feedback_directory"):
        paths.add(os.path.join(coursedir.root, getattr(coursedir, name)))
    if coursedir.db_url.startswith("sqlite:///"):
        paths.add(os.path.dirname(coursedir.db_url[len("sqlite:///"):]))
    exchange = coursedir.config.get("Exchange", {}).get("root")
    if isinstance(exchange, str):
        paths.add(exchange)
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(torchcourse.__file__)))
    keep = {".venv", "torchcourse"}
    if os.path.isdir(os.path.join(checkout, ".git")) or os.path.isdir(os.path.join(checkout, "solutions")):
        paths.update(os.path.join(checkout, name) for name in os.listdir(checkout) if name not in keep)
    return sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})


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


def _error_output(ename, evalue, traceback=None):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=traceback or [f"{ename}: {evalue}"])


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
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=result["text"]))
        for text in result["display"]:
            cell.outputs.append(NotebookNode(output_type="display_data", metadata={}, data={"text/plain": text}))
        if result["tampered"] and is_test_cell(cell):
            names = ", ".join(result["tampered"][:5])
            cell.outputs.append(_error_output(
                "GradingIntegrityError",
                f"this test's helpers were replaced while it ran ({names}); its result is not trusted"))
        elif result["error"]:
            error = result["error"]
            cell.outputs.append(_error_output(error["ename"], error["evalue"], error["traceback"]))
    return nb


class SandboxedExecute(NbGraderPreprocessor):
    """Runs the notebook in the course's sandbox instead of a Jupyter kernel."""

    cell_seconds = Integer(60, help="A cell is interrupted after this many seconds.").tag(config=True)
    total_seconds = Integer(600, help="A notebook is stopped after this many seconds in all.").tag(config=True)
    memory_mb = Integer(3072, help="Memory a notebook may add to the warm interpreter's.").tag(config=True)
    scratch_mb = Integer(256, help="Size of the only writable folder a notebook has.").tag(config=True)
    processes = Integer(64, help="Processes and threads a notebook may run at once.").tag(config=True)
    require_isolation = Bool(False, help="Refuse to grade when full isolation is unavailable.").tag(config=True)

    _pool = None  # one warm sandbox per nbgrader process, started on first use

    def preprocess(self, nb, resources):
        if CAPTURE is not None:
            CAPTURE(nb, resources)
            raise Captured()
        key = notebook_key(nb)
        outcome = PRECOMPUTED.pop(key, None)
        if outcome is None:
            outcome = self._run_here(nb, resources)
        return merge(nb, outcome), resources

    def limits(self):
        from torchcourse.grader.zygote import Limits

        return Limits(self.cell_seconds, self.total_seconds, self.memory_mb, self.scratch_mb, self.processes)

    def _run_here(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        from torchcourse.grader.pool import Pool

        if SandboxedExecute._pool is None:
            coursedir = CourseDirectory(config=self.config)
            pool = Pool(1, self.limits(), secret_paths(coursedir))
            pool.wait_ready()
            if pool.warning:
                self.log.warning("SANDBOX: %s", pool.warning)
                if self.require_isolation:
                    pool.close()
                    raise RuntimeError(f"not grading without isolation: {pool.warning}")
            SandboxedExecute._pool = pool
        return SandboxedExecute._pool.run({"nb": (plain_cells(nb), data_files(resources))})["nb"]


def strip_hidden(source):
    """The source with each hidden-tests block replaced by a one-line note."""
    kept, hiding = [], False
    for line in source.splitlines(keepends=True):
        if HIDDEN_MARK in line:
            hiding = True
            kept.append(line.replace(HIDDEN_MARK, "# (hidden tests ran here when the notebook was graded)"))
        elif END_MARK in line:
            hiding = False
        elif not hiding:
            kept.append(line)
    return "".join(kept)


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback shows what a hidden test said, never its code."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_test_cell(cell) and HIDDEN_MARK in cell.source:
            cell.source = strip_hidden(cell.source)
            for output in cell.outputs:
                if output.output_type == "error":
                    # A traceback quotes the test's lines; the message alone says what was wrong.
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
