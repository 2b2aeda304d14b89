"""A warm process that forks the two processes that grade each submission.

Starting Python and importing torch costs seconds; forking a process that
has done so costs milliseconds. The zygote imports everything the course's
notebooks use, warms up the lazy parts (the first optimizer step imports
torch._dynamo), and then waits. It never reads course data: it is given job
folders, one per submission, made by the trusted driver (pool.py).

For each job it forks a supervisor, which
1. mounts the job's scratch folder (shared by the two processes below as /tmp)
   and puts the submission's data files there;
2. forks the learner's process BEFORE it reads the job's cells, so that no
   test cell (hidden tests included) is ever in that process's memory: it
   runs in a new PID namespace (PID 1 there, so killing it ends everything
   the learner started), isolated, as an unprivileged user, in a cgroup of
   its own where cgroups can be written, with /dev/null as standard input,
   its standard output and error on a pipe, and one socket;
3. reads the cells and forks the trusted test process (tester.py), isolated
   too and as another user, which holds the other end of the socket and of
   the output pipe, and writes one JSON record per cell on a pipe that only
   the supervisor reads;
4. enforces the time limits (interrupts the learner's cell, then kills it),
   and writes results.jsonl and status.json in the job folder.

Protocol with pool.py (JSON lines): stdin {"job": folder, "slot": n};
stdout {"ready": layers, "warning": text} once, then {"job": folder, "done": true}
per job. Requests are read from the raw file descriptor with a buffer of our
own: a buffered reader could hold a second request that select() never sees.
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
    import cloudpickle  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    import torchcourse.grader.learner  # noqa: F401
    import torchcourse.grader.tester  # noqa: F401

    config = Config()
    config.HistoryManager.enabled = False  # no history file, and no record of earlier cells' sources
    config.InteractiveShell.colors = "NoColor"
    shell = InteractiveShell.instance(config=config)
    # Plain tracebacks: the default mode reads source context for every frame.
    shell.InteractiveTB.set_mode("Plain")
    return shell


class Limits:
    def __init__(self, cell_seconds=60, total_seconds=600, memory_mb=3072, scratch_mb=256, processes=64):
        self.cell_seconds = cell_seconds
        self.total_seconds = total_seconds
        self.memory_mb = memory_mb
        self.scratch_mb = scratch_mb
        self.processes = processes


GRACE = 10  # seconds an interrupted cell has to stop before its process is killed


def _child(body):
    """Fork; the child runs body() and leaves with its status, never returning into the supervisor's code."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            body()
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    return pid


def _learner(shell, sock, output_w, scratch, root, uid, limits, isolate, memory, report_pid):
    """The learner's process: PID 1 of a new PID namespace when isolated, with a reaper above it."""
    from torchcourse.grader import cgroup, isolation, learner, wire

    if isolate:
        isolation.new_pid_namespace()

    def sandboxed():
        if isolate:
            isolation.enter(root, scratch, pid_namespace=True)
            home = "/tmp"
        else:
            os.chdir(scratch)
            home = scratch
        os.environ.update(HOME=home, TMPDIR=home, MPLCONFIGDIR=home)
        os.chdir(os.path.join(home, isolation.WORKDIR))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        wire.close_other_fds([0, 1, 2, sock.fileno()])
        cgroup.sacrifice(0)
        isolation.limit(memory, limits.total_seconds, limits.scratch_mb * 2**20, limits.processes)
        if isolate:
            isolation.drop(uid)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file is an error, not a crash
        learner.main(shell, sock)

    pid = _child(sandboxed)
    os.write(report_pid, f"{pid}\n".encode())
    os.close(report_pid)
    sock.close()
    os.close(output_w)
    _, status = os.waitpid(pid, 0)
    # The reaper's own exit says how the learner's process ended: 128 + signal, or its exit code.
    os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else min(os.WEXITSTATUS(status), 127))


def _tester(sock, output_r, results_w, scratch, root, uid, limits, isolate, memory, spec):
    from torchcourse.grader import isolation, tester, wire

    if isolate:
        isolation.enter(root, scratch, pid_namespace=False)
        home = "/tmp"
    else:
        home = scratch
    os.environ.update(HOME=home, TMPDIR=home, MPLCONFIGDIR=home)
    import tempfile

    tempfile.tempdir = home
    os.chdir(os.path.join(home, isolation.WORKDIR))
    # Never import from the working folder, where the learner's code can write.
    prefixes = isolation.allowed_roots()
    sys.path[:] = [p for p in sys.path if p and any(os.path.realpath(p).startswith(q) for q in prefixes)]
    sys.path_importer_cache.clear()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    wire.close_other_fds([0, 1, 2, sock.fileno(), output_r, results_w])
    isolation.limit(memory, limits.total_seconds + 60, limits.scratch_mb * 2**20, limits.processes)
    if isolate:
        isolation.drop(uid)
    tester.main(sock, output_r, results_w, spec["cells"], spec.get("setup", ""), limits.cell_seconds)


def _read_records(fd, buffer, out, state):
    """Move the tester's records to results.jsonl; note which cell is running (for the time limits)."""
    try:
        data = os.read(fd, 1 << 16)
    except BlockingIOError:
        return True
    if not data:
        return False
    os.write(out, data)
    buffer[0] += data
    *lines, buffer[0] = buffer[0].split(b"\n")
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") in ("start", "done"):
            state["event"], state["since"] = record["event"], time.monotonic()
    return True


def supervise(shell, job, slot, limits, layers):
    """In the forked supervisor: run one job and write its status.json."""
    from torchcourse.grader import cgroup, isolation, wire

    os.setsid()
    isolate = "namespaces" in layers
    scratch = os.path.join(job, "scratch")
    root = os.path.join(job, "root")
    os.makedirs(root, exist_ok=True)
    learner_uid, tester_uid = isolation.sandbox_uid(slot), isolation.tester_uid(slot)
    if isolate:
        isolation.private_mounts()
        isolation.mount_scratch(scratch, limits.scratch_mb * 2**20)
    else:
        os.makedirs(scratch, exist_ok=True)
    # The submission's own files (its data files), before anything of the job is read.
    workdir = os.path.join(scratch, isolation.WORKDIR)
    os.makedirs(workdir)
    files = os.path.join(job, "files")
    for name in sorted(os.listdir(files)):
        with open(os.path.join(files, name), "rb") as source, open(os.path.join(workdir, name), "wb") as target:
            target.write(source.read())
    if isolate:
        for name in os.listdir(workdir):
            os.chown(os.path.join(workdir, name), learner_uid, learner_uid)
        os.chown(workdir, learner_uid, learner_uid)
    memory = isolation.virtual_memory_bytes() + limits.memory_mb * 2**20
    group = None
    if "cgroup" in layers:
        group = cgroup.Cgroup.create(f"job{slot}", memory_bytes=(limits.memory_mb + limits.scratch_mb) * 2**20,
                                     pids=limits.processes + 16)
    ours, theirs = wire.socketpair()
    output_r, output_w = os.pipe()
    pid_r, pid_w = os.pipe()
    reaper = _child(lambda: _learner(shell, theirs, output_w, scratch, root, learner_uid, limits, isolate,
                                     memory, pid_w))
    if group is not None:
        group.add(reaper)
    os.close(pid_w)
    theirs.close()
    os.close(output_w)
    with os.fdopen(pid_r) as f:
        line = f.readline()
    learner_pid = int(line) if line.strip().isdigit() else None
    # Only now the job's cells: the learner's process never had them.
    with open(os.path.join(job, "job.json")) as f:
        spec = json.load(f)
    results_r, results_w = os.pipe()
    tester = _child(lambda: _tester(ours, output_r, results_w, scratch, root, tester_uid, limits, isolate,
                                    memory, spec))
    ours.close()
    os.close(output_r)
    os.close(results_w)
    os.set_blocking(results_r, False)
    results = os.open(os.path.join(job, "results.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    started = time.monotonic()
    state = {"event": None, "since": started}
    buffer = [b""]
    reading = True
    learner_status = tester_status = None
    interrupted = None
    outcome = None

    def kill(pid):
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    while tester_status is None:
        if reading:
            select.select([results_r], [], [], 0.05)
            reading = _read_records(results_r, buffer, results, state)
        else:
            time.sleep(0.02)
        if learner_status is None:
            done, status = os.waitpid(reaper, os.WNOHANG)
            if done:
                learner_status = status
        done, status = os.waitpid(tester, os.WNOHANG)
        if done:
            tester_status = status
            break
        now = time.monotonic()
        if now - started > limits.total_seconds:
            outcome = {"status": "killed",
                       "reason": f"the notebook ran for more than {limits.total_seconds} seconds in all"}
            kill(learner_pid)
            kill(tester)
            continue
        if state["event"] == "start" and learner_status is None:
            running = now - state["since"]
            if running > limits.cell_seconds and interrupted != state["since"]:
                interrupted = state["since"]
                try:
                    os.kill(learner_pid, signal.SIGINT)
                except (ProcessLookupError, TypeError):
                    pass
            elif running > limits.cell_seconds + GRACE and outcome is None:
                outcome = {"status": "killed", "reason": f"a cell ran for more than {limits.cell_seconds} seconds "
                                                         "and did not stop when interrupted"}
                kill(learner_pid)
    while reading:
        reading = _read_records(results_r, buffer, results, state)
    os.close(results)
    # The tests are over: the learner's process leaves on the tester's "quit"; then everything it started goes.
    deadline = time.monotonic() + 2
    ended_before = learner_status is not None
    while learner_status is None and time.monotonic() < deadline:
        done, status = os.waitpid(reaper, os.WNOHANG)
        if done:
            learner_status = status
        else:
            time.sleep(0.01)
    kill(learner_pid)
    if learner_status is None:
        _, learner_status = os.waitpid(reaper, 0)
    oom = group.oom_killed() if group is not None else False
    if group is not None:
        group.remove()
    if outcome is None:
        code = os.WEXITSTATUS(learner_status) if os.WIFEXITED(learner_status) else 128 + os.WTERMSIG(learner_status)
        if not (os.WIFEXITED(tester_status) and os.WEXITSTATUS(tester_status) == 0):
            outcome = {"status": "grader-error", "reason": "the grader's test process failed"}
        elif not ended_before:
            outcome = {"status": "finished"}
        elif oom:
            outcome = {"status": "died", "signal": int(signal.SIGKILL), "reason": "memory"}
        elif code >= 128:
            outcome = {"status": "died", "signal": code - 128}
        elif code != 0:
            outcome = {"status": "exited", "code": code}
        else:
            outcome = {"status": "finished"}
    outcome["seconds"] = round(time.monotonic() - started, 3)
    with open(os.path.join(job, "status.json"), "w") as f:
        json.dump(outcome, f)


def main():
    from torchcourse.grader import cgroup, isolation

    settings = json.loads(sys.argv[1])
    limits = Limits(**settings["limits"])
    layers, warning = isolation.available()
    if settings.get("isolate") is False:
        layers, warning = ["limits"], "isolation switched off by the caller"
    elif "namespaces" in layers and cgroup.available()[0]:
        layers.append("cgroup")
    cgroup.protect_self()
    shell = warm_up()
    print(json.dumps({"ready": layers, "warning": warning}), flush=True)
    children = {}
    buffer = b""
    stdin_open = True
    while stdin_open or children:
        ready, _, _ = select.select([0] if stdin_open else [], [], [], 0.05)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                stdin_open = False
            buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                request = json.loads(line)
                job, slot = str(request["job"]), int(request["slot"])
            except (ValueError, KeyError, TypeError):
                continue
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    supervise(shell, job, slot, limits, layers)
                except BaseException as error:
                    with open(os.path.join(job, "status.json"), "w") as f:
                        json.dump({"status": "grader-error", "reason": repr(error)[:2000]}, f)
                    code = 1
                finally:
                    os._exit(code)
            children[pid] = job
        for pid in list(children):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                print(json.dumps({"job": children.pop(pid), "done": True}), flush=True)


if __name__ == "__main__":
    main()
