"""The trusted side of the sandbox: start the zygote, hand it submissions, read what came back.

Everything the sandbox wrote is untrusted input: results are read with a size
cap, line by line, and only well-formed records of the expected shape are used.
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

MAX_RESULTS_BYTES = 20 * 2**20


@dataclass
class Outcome:
    """What happened to one notebook in the sandbox."""

    cells: dict = field(default_factory=dict)  # cell index -> {"text", "display", "error", "seconds"}
    started: list = field(default_factory=list)  # cell indexes that started
    status: dict = field(default_factory=dict)  # the supervisor's status.json
    problems: list = field(default_factory=list)  # malformed records seen


def _text(value, limit=200_000):
    return value[:limit] if isinstance(value, str) else ""


def _error(value):
    if not isinstance(value, dict):
        return None
    trace = value.get("traceback")
    return {"ename": _text(value.get("ename"), 200) or "Error", "evalue": _text(value.get("evalue"), 20_000),
            "traceback": [_text(line, 20_000) for line in trace[:60]] if isinstance(trace, list) else []}


def read_outcome(job, cell_count, code_cells):
    outcome = Outcome()
    try:
        with open(os.path.join(job, "status.json")) as f:
            outcome.status = json.load(f)
    except (OSError, ValueError):
        outcome.status = {"status": "grader-error", "reason": "the sandbox's supervisor left no status"}
    path = os.path.join(job, "results.jsonl")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_RESULTS_BYTES + 1)
    except OSError:
        data = b""
    if len(data) > MAX_RESULTS_BYTES:
        outcome.problems.append("the notebook wrote more output than the grader keeps; the rest was ignored")
        data = data[:MAX_RESULTS_BYTES]
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            outcome.problems.append("a malformed result line was ignored")
            continue
        if not isinstance(record, dict):
            continue
        index = record.get("i")
        if record.get("event") == "sandbox-error":
            outcome.problems.append("the sandbox could not start: " + _text(record.get("evalue"), 2000))
            continue
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < cell_count:
            continue
        if record.get("event") == "start":
            outcome.started.append(index)
        elif record.get("event") == "done":
            display = record.get("display")
            outcome.cells[index] = {
                "text": _text(record.get("text")),
                "display": [_text(d, 20_000) for d in display[:20]] if isinstance(display, list) else [],
                "error": _error(record.get("error")),
                "seconds": record["seconds"] if isinstance(record.get("seconds"), (int, float)) else None,
            }
    if outcome.status.get("status") == "finished" and len(outcome.cells) < code_cells:
        # Learner code can end the process with a clean status (os._exit(0)); cells it never reached say so.
        outcome.status = {**outcome.status, "status": "exited", "code": 0}
    return outcome


class Pool:
    """Runs notebooks in sandboxes forked from one warm zygote, `workers` at a time.

    submit() queues a notebook and returns at once; poll() hands back those
    that finished. The zygote warms up (imports torch) while the caller works.
    """

    def __init__(self, workers, limits, isolate=True):
        self.workers = max(1, workers)
        self.folder = tempfile.mkdtemp(prefix="torchcourse-grading-")
        os.chmod(self.folder, 0o700)
        settings = {"limits": vars(limits), "isolate": isolate}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "torchcourse.grader.zygote", json.dumps(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.layers = self.warning = None
        self._buffer = b""
        self._count = 0
        self._free = list(range(self.workers))
        self._queue = []  # (key, cells, files, setup) not yet handed to the zygote
        self._running = {}  # job folder -> (key, slot, cell count, code cell count)

    def _lines(self, timeout):
        """Complete lines from the zygote, waiting at most `timeout` seconds (None: until one comes)."""
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            if not ready:
                return []
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("the grading sandbox's warm process stopped unexpectedly")
            self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def _handle(self, message, finished):
        if "ready" in message:
            self.layers, self.warning = message["ready"], message["warning"]
            return
        key, slot, count, code_cells = self._running.pop(message["job"])
        self._free.append(slot)
        finished.append((key, read_outcome(message["job"], count, code_cells)))
        shutil.rmtree(message["job"], ignore_errors=True)

    def wait_ready(self):
        """Wait until the zygote has warmed up, and return its isolation layers."""
        while self.layers is None:
            finished = []
            for message in self._lines(None):
                self._handle(message, finished)
        return self.layers

    def submit(self, key, cells, files, setup=""):
        """Queue a notebook: its cells, its data files {name: bytes}, and the trusted setup (import statements)."""
        self._queue.append((key, cells, files, setup))
        self._dispatch()

    def _dispatch(self):
        while self.layers is not None and self._queue and self._free:
            key, cells, files, setup = self._queue.pop(0)
            self._count += 1
            job = os.path.join(self.folder, f"job{self._count}")
            os.makedirs(os.path.join(job, "files"))
            for name, data in files.items():
                with open(os.path.join(job, "files", name), "wb") as f:
                    f.write(data)
            with open(os.path.join(job, "job.json"), "w") as f:
                json.dump({"cells": cells, "files": sorted(files), "setup": setup}, f)
            slot = self._free.pop(0)
            code_cells = sum(1 for cell in cells if cell.get("cell_type") == "code")
            self._running[job] = (key, slot, len(cells), code_cells)
            self.process.stdin.write((json.dumps({"job": job, "slot": slot}) + "\n").encode())
            self.process.stdin.flush()

    @property
    def busy(self):
        return bool(self._queue or self._running)

    def poll(self, timeout=0):
        """[(key, Outcome)] of notebooks that finished, waiting up to `timeout` seconds for one (None: no limit)."""
        finished = []
        for message in self._lines(timeout):
            self._handle(message, finished)
        self._dispatch()
        return finished

    def run(self, jobs):
        """jobs: {key: (cells, files[, setup])} -> {key: Outcome}, all at once."""
        for key, job in jobs.items():
            self.submit(key, *job)
        outcomes = {}
        while self.busy:
            outcomes.update(self.poll(None))
        return outcomes

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
