"""The zygote's request channel: requests that arrive together are all served.

It once waited with select() on its standard input but read with Python's
buffered readline(): two requests in one write left the second in the buffer,
unseen, and the run waited forever for the last learner.
"""

import json
import os
import select
import subprocess
import sys
import time

import pytest

from torchcourse.grader.zygote import Limits


def _job(folder, source):
    os.makedirs(os.path.join(folder, "files"))
    cells = [{"cell_type": "code", "source": source, "metadata": {"nbgrader": {}}}]
    with open(os.path.join(folder, "job.json"), "w") as f:
        json.dump({"cells": cells, "files": [], "setup": ""}, f)


def _lines(process, count, seconds):
    found, buffer, deadline = [], b"", time.monotonic() + seconds
    while len(found) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            found += [json.loads(line) for line in lines if line.strip()]
    return found


@pytest.fixture
def zygote():
    """A warm zygote without isolation (no root needed), ready for requests."""
    settings = {"limits": vars(Limits(cell_seconds=10, total_seconds=60)), "isolate": False}
    process = subprocess.Popen([sys.executable, "-m", "torchcourse.grader.zygote", json.dumps(settings)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert "ready" in _lines(process, 1, 120)[0]
        yield process
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def test_two_requests_in_one_write_are_both_served(zygote, tmp_path):
    jobs = [str(tmp_path / f"job{i}") for i in range(3)]
    for job in jobs:
        _job(job, "x = 1")
    requests = "".join(json.dumps({"job": job, "slot": i}) + "\n" for i, job in enumerate(jobs))
    os.write(zygote.stdin.fileno(), requests.encode())  # all at once, one write
    done = _lines(zygote, len(jobs), 60)
    assert sorted(message["job"] for message in done) == sorted(jobs)
    for job in jobs:
        with open(os.path.join(job, "status.json")) as f:
            assert json.load(f)["status"] == "finished"


def test_a_malformed_request_is_skipped(zygote, tmp_path):
    job = str(tmp_path / "job")
    _job(job, "x = 1")
    os.write(zygote.stdin.fileno(), b"not json\n{\"slot\": 1}\n" + json.dumps({"job": job, "slot": 0}).encode()
             + b"\n")
    assert [message["job"] for message in _lines(zygote, 1, 60)] == [job]


def test_a_failed_cell_does_not_keep_its_frames_alive(zygote, tmp_path):
    """A function that ran out of memory keeps its locals alive through the traceback a kernel stores for
    %debug, and starves every later cell (a memory bomb cost a correct learner the last exercise's hidden tests
    on one machine and not on another). The learner's process lets a failed cell's frames go."""
    job = str(tmp_path / "job")
    os.makedirs(os.path.join(job, "files"))
    learner = ("import weakref\nclass Big:\n    pass\ndef runaway():\n    hoard = Big()\n    global ref\n"
               "    ref = weakref.ref(hoard)\n    raise MemoryError('out of memory')\nrunaway()")
    test = "assert ref() is None, 'the failed cell still holds its locals'"
    cells = [{"cell_type": "code", "source": learner, "metadata": {"nbgrader": {}}},
             {"cell_type": "code", "source": test,
              "metadata": {"nbgrader": {"grade": True, "grade_id": "t", "points": 1, "locked": True}}}]
    with open(os.path.join(job, "job.json"), "w") as f:
        json.dump({"cells": cells, "files": [], "setup": ""}, f)
    os.write(zygote.stdin.fileno(), (json.dumps({"job": job, "slot": 0}) + "\n").encode())
    assert [message["job"] for message in _lines(zygote, 1, 60)] == [job]
    with open(os.path.join(job, "results.jsonl")) as f:
        records = [json.loads(line) for line in f if line.strip()]
    errors = {r["i"]: r.get("error") for r in records if r.get("event") != "start"}
    assert errors[0]["ename"] == "MemoryError" and errors[1] is None, records
