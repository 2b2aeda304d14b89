"""The trusted side of the sandbox: start the zygote, hand it submissions, read what came back.

Everything the sandbox wrote is untrusted input: results are read with a size
cap, line by line, and only well-formed records of the expected shape are used.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

MAX_RESULTS_BYTES = 20 * 2**20


@dataclass
class Outcome:
    """What happened to one notebook in the sandbox."""

    cells: dict = field(default_factory=dict)  # cell index -> {"text", "display", "error", "tampered"}
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


def read_outcome(job, cell_count):
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
            tampered = record.get("tampered")
            outcome.cells[index] = {
                "text": _text(record.get("text")),
                "display": [_text(d, 20_000) for d in display[:20]] if isinstance(display, list) else [],
                "error": _error(record.get("error")),
                "tampered": [_text(t, 200) for t in tampered[:20]] if isinstance(tampered, list) else [],
                "seconds": record["seconds"] if isinstance(record.get("seconds"), (int, float)) else None,
            }
    return outcome


class Pool:
    """Runs notebooks in sandboxes forked from one warm zygote, `workers` at a time."""

    def __init__(self, workers, limits, hide, isolate=True):
        self.workers = max(1, workers)
        self.folder = tempfile.mkdtemp(prefix="torchcourse-grading-")
        os.chmod(self.folder, 0o700)
        settings = {"limits": vars(limits), "hide": sorted(set(hide) | {self.folder}), "isolate": isolate}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "torchcourse.grader.zygote", json.dumps(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.layers = self.warning = None
        self._count = 0
        self._free = list(range(self.workers))

    def wait_ready(self):
        """The zygote warms up while the caller does other work; this waits for it."""
        if self.layers is not None:
            return
        hello = self.process.stdout.readline()
        if not hello:
            raise RuntimeError("the grading sandbox did not start (see the messages above)")
        hello = json.loads(hello)
        self.layers, self.warning = hello["ready"], hello["warning"]

    def run(self, jobs, on_done=None):
        """jobs: {key: (cells, files)}; returns {key: Outcome}, calling on_done(key, outcome) as each ends."""
        self.wait_ready()
        pending = list(jobs.items())
        running = {}  # job folder -> (key, slot, cell count)
        outcomes = {}
        while pending or running:
            while pending and self._free:
                key, (cells, files) = pending.pop(0)
                self._count += 1
                job = os.path.join(self.folder, f"job{self._count}")
                os.makedirs(os.path.join(job, "files"))
                for name, data in files.items():
                    with open(os.path.join(job, "files", name), "wb") as f:
                        f.write(data)
                with open(os.path.join(job, "job.json"), "w") as f:
                    json.dump({"cells": cells, "files": sorted(files)}, f)
                slot = self._free.pop(0)
                running[job] = (key, slot, len(cells))
                self.process.stdin.write(json.dumps({"job": job, "slot": slot}) + "\n")
                self.process.stdin.flush()
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the grading sandbox's zygote stopped unexpectedly")
            message = json.loads(line)
            key, slot, count = running.pop(message["job"])
            self._free.append(slot)
            outcome = read_outcome(message["job"], count)
            shutil.rmtree(message["job"], ignore_errors=True)
            outcomes[key] = outcome
            if on_done:
                on_done(key, outcome)
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
