"""A warm process that forks one sandbox per submission.

Starting Python and importing torch costs seconds; forking a process that
has done so costs milliseconds. The zygote imports everything the course's
notebooks use, warms up the lazy parts (the first optimizer step imports
torch._dynamo), records the pristine test environment, and then waits.
It never reads course data: it is given job folders, one per submission,
made by the trusted driver.

For each job it forks a supervisor, which makes fresh namespaces and forks
the sandboxed process (PID 1 there, so killing it ends everything the
learner started). The supervisor enforces the time limits and writes the
job's outcome to status.json, a file the sandbox cannot reach.

Protocol (JSON lines): stdin {"job": folder, "slot": n}; stdout
{"ready": layers} once, then {"job": folder, "done": true} per job.
"""

import json
import os
import select
import signal
import sys
import time

# One thread per sandbox: sandboxes run in parallel instead, and OpenMP thread
# pools do not survive fork.
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ["MPLBACKEND"] = "Agg"
os.environ.setdefault("TQDM_DISABLE", "1")


def warm_up():
    """Import and exercise what notebooks use, so no sandbox pays for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional  # noqa: F401
    import torch.utils.data  # noqa: F401
    import tqdm.auto  # noqa: F401

    import torchcourse.check  # noqa: F401

    torch.set_num_threads(1)
    weight = torch.zeros(2, requires_grad=True)
    for optimizer in (torch.optim.SGD([weight], lr=0.1, momentum=0.9), torch.optim.Adam([weight])):
        (weight.sum() ** 2).backward()
        optimizer.step()
        optimizer.zero_grad()
    # Hypothesis sets itself up on the first test it runs (about 0.5 s); do it here, once,
    # since every hidden test runs in a fresh fork.
    from hypothesis import given
    from hypothesis import strategies as st

    from torchcourse import check

    @check.hidden
    @given(shape=check.shapes(), seed=check.seeds(), scale=st.floats(0.1, 10), flag=st.booleans())
    def exercise(shape, seed, scale, flag):
        check.close(check.random_tensor(shape, seed) * scale, check.random_tensor(shape, seed) * scale)

    exercise()
    figure, axes = plt.subplots()
    axes.plot([0, 1])
    figure.canvas.draw()
    plt.close("all")
    from torchcourse.grader.runner import Runner

    return Runner()


class Limits:
    def __init__(self, cell_seconds=60, total_seconds=600, memory_mb=3072, scratch_mb=256, processes=64):
        self.cell_seconds = cell_seconds
        self.total_seconds = total_seconds
        self.memory_mb = memory_mb
        self.scratch_mb = scratch_mb
        self.processes = processes


def _last_start(results_path):
    """When the running cell started, from the sandbox's own stream (bounded by the total limit anyway)."""
    try:
        with open(results_path, "rb") as f:
            f.seek(max(0, os.path.getsize(results_path) - 4096))
            tail = f.read().decode(errors="replace").splitlines()
    except OSError:
        return None, None
    for line in reversed(tail):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") in ("start", "done"):
            return record.get("event"), record.get("i")
    return None, None


def supervise(runner, job, slot, limits, layers, hide):
    """In the forked supervisor: run one job and write its status.json."""
    from torchcourse.grader import isolation

    os.setsid()
    with open(os.path.join(job, "job.json")) as f:
        spec = json.load(f)
    files = {}
    for name in spec.get("files", []):
        with open(os.path.join(job, "files", name), "rb") as f:
            files[name] = f.read()
    results = os.open(os.path.join(job, "results.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    isolate = "namespaces" in layers
    if isolate:
        isolation.unshare()
    uid = isolation.sandbox_uid(slot)
    memory = isolation.virtual_memory_bytes() + limits.memory_mb * 2**20
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if isolate:
                isolation.enter(hide + [job], limits.scratch_mb * 2**20, files, uid)
                os.chdir(isolation.WORKDIR)
                os.environ.update(HOME=isolation.SCRATCH, TMPDIR=isolation.SCRATCH)
            else:
                scratch = os.path.join(job, "scratch")
                os.makedirs(scratch, exist_ok=True)
                for name, data in files.items():
                    with open(os.path.join(scratch, name), "wb") as f:
                        f.write(data)
                os.chdir(scratch)
                os.setpgid(0, 0)
            isolation.limit(memory, limits.total_seconds, limits.scratch_mb * 2**20, limits.processes)
            if isolate:
                isolation.drop(uid)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file is an error, not a crash
            runner.run(spec["cells"], results, limits.cell_seconds)
        except BaseException as error:  # report, then leave; the supervisor records the exit
            try:
                record = {"event": "sandbox-error", "evalue": repr(error)[:2000]}
                os.write(results, (json.dumps(record) + "\n").encode())
            except OSError:
                pass
            code = 70
        finally:
            os._exit(code)
    os.close(results)
    if not isolate:
        try:
            os.setpgid(pid, pid)  # also done by the child; whichever runs first
        except OSError:
            pass
    started = time.monotonic()
    cell_started, cell_seen = started, None
    outcome = {"status": "finished"}
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                outcome = {"status": "died", "signal": os.WTERMSIG(status)}
            elif os.WEXITSTATUS(status) != 0:
                outcome = {"status": "exited", "code": os.WEXITSTATUS(status)}
            break
        now = time.monotonic()
        event, index = _last_start(os.path.join(job, "results.jsonl"))
        if (event, index) != cell_seen:
            cell_seen, cell_started = (event, index), now
        reason = None
        if now - started > limits.total_seconds:
            reason = f"the notebook ran for more than {limits.total_seconds} seconds in all"
        elif event == "start" and now - cell_started > limits.cell_seconds + 10:
            reason = f"a cell ran for more than {limits.cell_seconds} seconds and did not stop when interrupted"
        if reason:
            for target in ((pid,) if isolate else (-pid, pid)):
                try:
                    os.kill(target, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.waitpid(pid, 0)
            outcome = {"status": "killed", "reason": reason}
            break
        time.sleep(0.02)
    outcome["seconds"] = round(time.monotonic() - started, 3)
    with open(os.path.join(job, "status.json"), "w") as f:
        json.dump(outcome, f)


def main():
    from torchcourse.grader import isolation

    settings = json.loads(sys.argv[1])
    limits = Limits(**settings["limits"])
    hide = settings["hide"]
    layers, warning = isolation.available()
    if settings.get("isolate") is False:
        layers, warning = ["limits"], "isolation switched off by the caller"
    runner = warm_up()
    print(json.dumps({"ready": layers, "warning": warning}), flush=True)
    children = {}
    stdin_open = True
    while stdin_open or children:
        ready, _, _ = select.select([sys.stdin] if stdin_open else [], [], [], 0.05)
        if ready:
            line = sys.stdin.readline()
            if not line:
                stdin_open = False
            else:
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    code = 0
                    try:
                        supervise(runner, request["job"], request["slot"], limits, layers, hide)
                    except BaseException as error:
                        with open(os.path.join(request["job"], "status.json"), "w") as f:
                            json.dump({"status": "grader-error", "reason": repr(error)}, f)
                        code = 1
                    finally:
                        os._exit(code)
                children[pid] = request["job"]
        for pid in list(children):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                print(json.dumps({"job": children.pop(pid), "done": True}), flush=True)


if __name__ == "__main__":
    main()
