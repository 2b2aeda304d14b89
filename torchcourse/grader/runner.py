"""Runs one notebook's cells inside the sandboxed process, without a Jupyter kernel.

A kernel costs seconds to start; an IPython shell in a process forked from a
warm one costs nothing. Each cell's outputs go to the result stream as one
JSON line as soon as the cell ends, so a submission that later hangs or kills
its process still keeps the results of the cells before.

Test cells run with the environment put back as it was before learner code
ran (see pristine). What a hidden test cell defines, and IPython's copy of its
source, are removed after it runs, so later learner cells cannot print the
hidden tests into their outputs (and so into feedback). Running each hidden
test cell in a fork of its own was tried: it cost 1.4 s of page faults and
lost warm-up per notebook, half the grading time.
"""

import json
import linecache
import os
import signal
import sys
import time
import traceback

MAX_TEXT = 20_000  # characters of output kept per cell; the rest is counted, not kept
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"


class CellTimeout(BaseException):
    """Raised in a cell that ran past its time limit (a BaseException, so `except Exception` does not hide it)."""


class CappedText:
    """A text stream that keeps the first MAX_TEXT characters and counts the rest."""

    def __init__(self, parts):
        self.parts = parts
        self.kept = 0
        self.dropped = 0

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        room = MAX_TEXT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    @property
    def encoding(self):
        return "utf-8"


def is_test_cell(cell):
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return bool(grading.get("grade")) and not grading.get("solution")


class Runner:
    """Made in the warm zygote; `run` is called in the sandboxed child."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        from torchcourse.grader.pristine import Pristine

        config = Config()
        config.HistoryManager.enabled = False  # no history file, and no record of earlier cells' sources
        config.InteractiveShell.colors = "NoColor"
        self.shell = InteractiveShell.instance(config=config)
        # Plain tracebacks: the default mode reads source context for every frame, which
        # made a failing hidden test cost about 0.2 s more than it needs to.
        self.shell.InteractiveTB.set_mode("Plain")
        pristine = Pristine()
        # Bound now: learner code that replaces Pristine's methods later changes nothing here.
        self._restore, self._changes = pristine.restore, pristine.changes
        self._dumps = json.dumps
        self._write = os.write
        self._run_cell = self.shell.run_cell
        self._error = None
        self._display = []
        runner = self

        def showtraceback(etype, evalue, stb):
            runner._error = {"ename": getattr(etype, "__name__", str(etype)), "evalue": str(evalue)[:MAX_TEXT],
                             "traceback": [line[:MAX_TEXT] for line in stb[-50:]]}

        self.shell._showtraceback = showtraceback

        def publish(data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if isinstance(data, dict) and "text/plain" in data:
                runner._display.append(str(data["text/plain"])[:MAX_TEXT])

        self.shell.display_pub.publish = publish

    def _run_source(self, source, timeout):
        parts = []
        stream = CappedText(parts)
        self._error, self._display = None, []
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = stream  # stderr is not a failure; only an exception is

        def expire(signum, frame):
            raise CellTimeout(f"the cell ran for more than {timeout} seconds")

        signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        outcome = None
        try:
            outcome = self._run_cell(source, store_history=False, silent=False)
        except CellTimeout as timed_out:  # raised outside IPython's own handler
            self._error = {"ename": "CellTimeout", "evalue": str(timed_out), "traceback": []}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = old
            try:
                import matplotlib.pyplot as plt

                plt.close("all")
            except Exception:
                pass
        # Fail closed: the cell failed if IPython says so, even when its traceback display broke.
        failure = None if outcome is None else (outcome.error_in_exec or outcome.error_before_exec)
        if self._error is None and (outcome is None or failure is not None or not outcome.success):
            self._error = {"ename": type(failure).__name__ if failure else "CellFailed",
                           "evalue": str(failure)[:MAX_TEXT] if failure else "the cell did not complete",
                           "traceback": []}
        text = "".join(parts)
        if stream.dropped:
            text += f"\n[... {stream.dropped} more characters of output not kept]\n"
        return {"text": text, "display": self._display, "error": self._error}

    def _emit(self, fd, record):
        self._write(fd, (self._dumps(record) + "\n").encode())

    def _test_cell(self, source, timeout):
        self._restore()
        result = self._run_source(source, timeout)
        result["tampered"] = self._changes()
        return result

    def run(self, cells, fd, timeout):
        """Run code cells in order; report each to the file descriptor `fd`."""
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            self._emit(fd, {"i": index, "event": "start"})
            started = time.monotonic()
            try:
                if is_test_cell(cell) and HIDDEN_MARK in source:
                    result = self._hidden_test_cell(source, timeout)
                elif is_test_cell(cell):
                    result = self._test_cell(source, timeout)
                else:
                    result = self._run_source(source, timeout)
            except BaseException as error:  # the runner itself must keep going
                result = {"text": "", "display": [], "error": {
                    "ename": type(error).__name__, "evalue": str(error)[:MAX_TEXT],
                    "traceback": traceback.format_exception_only(type(error), error)}}
            self._restore()  # whatever the cell replaced, the grader and the next tests get the originals
            result.update(i=index, event="done", seconds=round(time.monotonic() - started, 3))
            self._emit(fd, result)

    def _hidden_test_cell(self, source, timeout):
        namespace = self.shell.user_ns
        before = dict(namespace)
        cached = set(linecache.cache)
        try:
            return self._test_cell(source, timeout)
        finally:
            for name in [name for name in namespace if name not in before]:
                del namespace[name]
            namespace.update(before)
            for filename in [f for f in linecache.cache if f not in cached]:
                del linecache.cache[filename]
