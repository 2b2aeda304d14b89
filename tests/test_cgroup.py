"""Per-submission control groups (torchcourse/grader/cgroup.py), tried for real on this machine.

The tests that need a kind of limit skip, saying why, where the machine cannot give it; every
group a test makes is removed afterwards, even when the test fails.
"""

import errno
import glob
import os
import signal
import time

import pytest

from torchcourse.grader import cgroup

MB = 2**20


def _limits():
    layers, why = cgroup.available()
    return layers, why


def need(*kinds):
    layers, why = _limits()
    missing = [kind for kind in kinds if kind not in layers]
    if missing:
        pytest.skip(f"this machine gives no cgroup {', '.join(missing)} limit: {why or 'not offered'}")


def _leftovers():
    """Group directories this test process made that still exist."""
    pattern = f"{cgroup.PREFIX}-{os.getpid()}-*"
    found = []
    for directory in cgroup._v1_directories().values():
        found += glob.glob(os.path.join(directory, pattern))
    own = cgroup._v2_directory()
    if own:
        for group in {own, os.path.dirname(own)}:
            found += glob.glob(os.path.join(group, cgroup.V2_PARENT, pattern))
    return found


class Children:
    """Forked test processes, each waiting for a go-ahead, with a pipe back to the test."""

    def __init__(self):
        self.pids = []

    def fork(self, body):
        """Forks a child that runs body(write) after go(); write(bytes) sends to read()."""
        go_r, go_w = os.pipe()
        back_r, back_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(go_w)
                os.close(back_r)
                os.read(go_r, 1)
                body(lambda data: os.write(back_w, data))
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(go_r)
        os.close(back_w)
        self.pids.append(pid)
        return Child(pid, go_w, back_r)

    def cleanup(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


class Child:
    def __init__(self, pid, go_w, back_r):
        self.pid, self._go, self._back = pid, go_w, back_r

    def go(self):
        os.write(self._go, b"g")
        os.close(self._go)

    def read(self, timeout=10.0):
        """Everything the child sends until it closes the pipe (or the time runs out)."""
        os.set_blocking(self._back, False)
        data, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = os.read(self._back, 4096)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            if not chunk:
                break
            data += chunk
        return data

    def readline(self, timeout=10.0):
        os.set_blocking(self._back, False)
        data, deadline = b"", time.monotonic() + timeout
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            try:
                chunk = os.read(self._back, 1)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            if not chunk:
                break
            data += chunk
        return data.decode().strip()

    def wait(self, timeout=15.0):
        """The child's wait status, or None if it is still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.01)
        return None


@pytest.fixture
def children():
    forked = Children()
    yield forked
    forked.cleanup()


@pytest.fixture
def groups():
    """cgroup.Cgroup.create, with every group removed at the end and none left behind."""
    made = []

    def create(*args, **kwargs):
        group = cgroup.Cgroup.create(*args, **kwargs)
        if group is not None:
            made.append(group)
        return group

    yield create
    for group in made:
        group.remove()
    left = _leftovers()
    for directory in left:  # tidy up anyway, then fail
        try:
            os.rmdir(directory)
        except OSError:
            pass
    assert not left, f"cgroups left behind: {left}"


def _gone(pid):
    """Whether process pid has exited (gone, or a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_available_and_describe():
    layers, why = cgroup.available()
    assert set(layers) <= {"memory", "pids", "cpu"}
    assert cgroup.available() == (layers, why)  # probed once
    if not layers:
        assert isinstance(why, str) and why
        assert cgroup.describe(layers, 3072 * MB, 64, 100) == []
        return
    assert why is None
    assert cgroup.version() in ("v1", "v2")
    (words,) = cgroup.describe(layers, 3072 * MB, 64, 100)
    assert words.endswith(f"per submission (cgroup {cgroup.version()})")
    for layer, text in (("memory", "memory 3072 MB"), ("pids", "64 processes"), ("cpu", "CPU weight 100")):
        assert (text in words) == (layer in layers), words
    assert cgroup.describe([]) == []


def test_memory_limit_kills_the_hog_not_the_grader(groups, children):
    need("memory")
    group = groups("memory-test", memory_bytes=200 * MB, pids=64)
    assert group is not None and "memory" in group.layers
    assert not group.oom_killed()

    def hog(write):
        chunks = []
        for _ in range(100):  # 1 GB, touched (b"x" * n writes every page)
            chunks.append(b"x" * (10 * MB))
        write(b"survived\n")

    child = children.fork(hog)
    assert group.add(child.pid)
    assert child.pid in group.pids()
    assert cgroup.sacrifice(child.pid)
    child.go()
    status = child.wait(15)
    assert status is not None, "the child was not stopped by the memory limit"
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    assert group.oom_killed()
    assert os.getpid() not in group.pids()  # the test (the "grader") is outside and alive


def test_pids_limit_stops_a_fork_loop(groups, children):
    need("pids")
    group = groups("pids-test", pids=20)
    assert group is not None and "pids" in group.layers

    def fork_loop(write):
        for i in range(200):
            try:
                pid = os.fork()
            except OSError as error:
                write(f"{error.errno} {i}\n".encode())
                return
            if pid == 0:
                time.sleep(30)
                os._exit(0)
        write(b"0 200\n")

    child = children.fork(fork_loop)
    assert group.add(child.pid)
    child.go()
    number, forks = child.readline(10).split()
    assert int(number) == errno.EAGAIN, f"fork failed with {number} rather than EAGAIN"
    assert int(forks) == 19  # the child itself and 19 more make 20
    assert group.kill()
    assert child.wait(5) is not None
    assert not group.pids()


def test_kill_ends_a_process_tree(groups, children):
    group = groups("kill-test", memory_bytes=256 * MB, pids=64)
    if group is None:
        pytest.skip(f"no cgroup here: {cgroup._why}")

    def tree(write):
        for _ in range(2):
            if os.fork() == 0:
                os.setsid()  # out of the child's process group: a killpg would miss it
                if os.fork() == 0:
                    write(f"{os.getpid()}\n".encode())
                    time.sleep(30)
                    os._exit(0)
                write(f"{os.getpid()}\n".encode())
                time.sleep(30)
                os._exit(0)
        write(f"{os.getpid()}\n".encode())
        time.sleep(30)

    child = children.fork(tree)
    assert group.add(child.pid)
    child.go()
    pids = {int(child.readline(5)) for _ in range(5)}
    assert len(pids) == 5 and pids <= group.pids()
    assert group.kill()
    status = child.wait(5)
    assert status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(_gone(pid) for pid in pids)
    assert not group.pids()


def test_remove_leaves_no_directory(groups, children):
    group = groups("remove-test", memory_bytes=256 * MB, pids=64)
    if group is None:
        pytest.skip(f"no cgroup here: {cgroup._why}")
    assert group.directories and all(os.path.isdir(d) for d in group.directories)
    child = children.fork(lambda write: time.sleep(30))
    assert group.add(child.pid)
    child.go()
    assert group.remove()
    assert not any(os.path.exists(d) for d in group.directories)
    status = child.wait(5)
    assert status is not None and os.WIFSIGNALED(status)
    assert group.remove()  # twice is harmless


def test_v2_plumbing_without_limits(groups, children):
    """A v2 group with no limits (as this machine's controller-less cgroup2 gives): add, kill."""
    group = groups("plumbing-test", memory_bytes=None, pids=None, cpu_weight=None)
    if group is None or group.version != "v2":
        pytest.skip("no writable cgroup v2 hierarchy here")
    child = children.fork(lambda write: time.sleep(30))
    assert group.add(child.pid)
    assert group.pids() == {child.pid}
    child.go()
    assert group.kill()
    assert child.wait(5) is not None
    assert group.remove()
    assert not os.path.exists(group.directories[0])


def test_sacrifice_and_protect_self(children):
    child = children.fork(lambda write: write(f"{cgroup.protect_self()} {cgroup.protect_self(-100)}\n".encode()))
    assert cgroup.sacrifice(child.pid)
    with open(f"/proc/{child.pid}/oom_score_adj") as f:
        assert f.read().strip() == "1000"
    child.go()
    lowered, again = child.readline(5).split()
    # From 1000 down to -500 needs CAP_SYS_RESOURCE (some containers' root lacks it); without it
    # the score can only come back down to 0.
    assert int(lowered) == (-500 if _has_capability(24) else 0)
    assert again == lowered  # never raised


def _has_capability(bit):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> bit & 1)
    return False


def test_nothing_raises_without_cgroups(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroup, "PROC", str(tmp_path))  # no mountinfo, no /proc/self/cgroup
    monkeypatch.setattr(cgroup, "_probed", None)
    assert cgroup.Cgroup.create("none", memory_bytes=200 * MB, pids=20) is None
    layers, why = cgroup.available()
    assert layers == [] and "no cgroup" in why
    assert cgroup.describe(layers, 200 * MB, 20, 100) == []
    assert cgroup.version() is None
    assert cgroup.sacrifice(os.getpid()) is False
    assert cgroup.protect_self() is None


def test_finds_own_groups_in_mountinfo(tmp_path, monkeypatch):
    """Our group's directory in each hierarchy: co-mounted controllers, a mount of a sub-tree."""
    proc, fs = tmp_path / "proc", tmp_path / "fs"
    (proc / "self").mkdir(parents=True)
    for directory in ("memory/docker/abc", "cpu,cpuacct/abc", "pids", "unified/user.slice/grader"):
        (fs / directory).mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text(
        f"31 23 0:28 / {fs} rw - tmpfs tmpfs rw\n"
        f"35 31 0:32 / {fs}/memory rw,relatime - cgroup cgroup rw,memory\n"
        f"32 31 0:29 /docker {fs}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        f"39 31 0:36 / {fs}/pids rw,relatime - cgroup cgroup rw,pids\n"
        f"41 31 0:38 / {fs}/unified rw,relatime - cgroup2 cgroup2 rw\n"
    )
    (proc / "self" / "cgroup").write_text(
        "4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n8:pids:/\n0::/user.slice/grader\n"
    )
    monkeypatch.setattr(cgroup, "PROC", str(proc))
    assert cgroup._v1_directories() == {
        "memory": str(fs / "memory/docker/abc"),
        "pids": str(fs / "pids"),
        "cpu": str(fs / "cpu,cpuacct/abc"),  # that mount shows the sub-tree /docker
    }
    assert cgroup._v2_directory() == str(fs / "unified/user.slice/grader")
    (proc / "self" / "cgroup").write_text("0::/../outside\n")  # not visible from this mount
    assert cgroup._v2_directory() is None
