"""Resource limits per submission, not per process: one control group per sandbox.

A control group (cgroup) limits the memory, the number of processes and the CPU share of a
whole tree of processes together, so a notebook cannot escape its limits by starting
DataLoader workers or `subprocess` children, and the kernel's out-of-memory killer, when the
group runs out, kills inside the group rather than anywhere on the machine. Three cases:

* cgroup v2 (``/sys/fs/cgroup`` is ``cgroup2``, controllers delegated): the sandbox groups are
  made under ``<own group>/torchcourse-sandboxes``. Because of v2's "no internal processes"
  rule, a non-root group that holds processes cannot hand controllers to its children; the
  processes of our own group are then moved into a leaf, ``<own group>/torchcourse-grader``
  (the limits of the group above still apply to them).
* cgroup v1 (one hierarchy per controller under ``/sys/fs/cgroup/<controller>``): a group of
  the same name is made in each of the memory, pids and cpu hierarchies, under our own path.
* neither (no cgroup file system, or not writable): everything is a no-op, and `available()`
  says why.

What can be done is found by creating and removing a group, not by guessing. Nothing here
raises on a machine that offers no cgroups: `Cgroup.create` returns None and records why.

Also here: `sacrifice` and `protect_self`, which set ``oom_score_adj`` so that, when the whole
machine runs out of memory, the kernel kills learner processes before the grader.
"""

import errno
import itertools
import os
import signal
import time

CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "torchcourse"
V2_PARENT = PREFIX + "-sandboxes"  # v2: the sandbox groups' parent, made for the purpose
V2_LEAF = PREFIX + "-grader"  # v2: where our own group's processes go when it must have none
KILL_SECONDS = 5.0  # how long kill() and remove() keep at it
PROC = "/proc"

_counter = itertools.count()
_why = None  # why the last attempt to create a group did not give (all) limits
_probed = None  # (layers, reason, version), from available()


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except (OSError, ValueError):
        return None


def _write(path, value):
    """Writes value to a cgroup or proc file; returns None, or the error (never raises)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as error:
        return error
    try:
        os.write(fd, str(value).encode())
        return None
    except OSError as error:
        return error
    finally:
        os.close(fd)


def _mounts():
    """The cgroup file systems mounted here: [(fstype, mount root, mount point, super options)]."""
    found = []
    for line in (_read(os.path.join(PROC, "self/mountinfo")) or "").splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        after = line.split(" - ", 1)[1].split()
        if len(after) < 3 or after[0] not in ("cgroup", "cgroup2"):
            continue
        unescape = lambda s: s.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        found.append((after[0], unescape(fields[3]), unescape(fields[4]), after[2].split(",")))
    return found


def _own_paths():
    """This process's cgroup paths: {"": v2 path, "memory": v1 path, ...} from /proc/self/cgroup."""
    paths = {}
    for line in (_read(os.path.join(PROC, "self/cgroup")) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if parts[0] == "0" and controllers == "":
            paths[""] = path
        for name in controllers.split(","):
            if name:
                paths[name] = path
    return paths


def _directory(mountpoint, root, path):
    """Where the group at `path` (as /proc/self/cgroup shows it) lies in the file system, or None."""
    if path.endswith(" (deleted)") or "/.." in path + "/":
        return None  # outside what this mount shows (another cgroup namespace, a bind mount)
    if root != "/":
        if path == root or path.startswith(root + "/"):
            path = path[len(root) :]
        # else: a cgroup namespace whose root is the mount's root: path is already relative
    directory = os.path.normpath(os.path.join(mountpoint, path.lstrip("/")))
    return directory if os.path.isdir(directory) else None


def _v1_directories():
    """{controller: directory of our own group in that v1 hierarchy} for memory, pids and cpu."""
    own = _own_paths()
    found = {}
    for fstype, root, mountpoint, options in _mounts():
        if fstype != "cgroup":
            continue
        for name in CONTROLLERS:
            if name in options and name in own and name not in found:
                directory = _directory(mountpoint, root, own[name])
                if directory:
                    found[name] = directory
    return found


def _v2_directory():
    """Our own group in the cgroup v2 hierarchy, or None."""
    own = _own_paths()
    if "" not in own:
        return None
    for fstype, root, mountpoint, _ in _mounts():
        if fstype == "cgroup2":
            directory = _directory(mountpoint, root, own[""])
            if directory:
                return directory
    return None


def _words(values):
    return set((values or "").split())


def _new_name(base):
    while True:
        name = f"{PREFIX}-{os.getpid()}-{next(_counter)}"
        if not os.path.exists(os.path.join(base, name)):
            return name


def _pid_text(pid):
    return "0" if pid in (None, 0) else str(int(pid))  # 0: the writing process itself


class Cgroup:
    """One control group (in each v1 hierarchy, or one v2 group) for one submission."""

    def __init__(self, version, directories, layers, limits, extra_dirs=()):
        self.version = version  # "v1" or "v2"
        self.directories = directories  # the group's directories, one per v1 hierarchy
        self.layers = layers  # the limits in force: some of "memory", "pids", "cpu"
        self.limits = limits  # {"memory": bytes, "pids": n, "cpu": weight}
        self._extra = list(extra_dirs)  # v2: the parent to remove when it is left empty
        self.why = None  # why a limit asked for is missing, if one is
        self._oom_base = self._oom_count()

    def __repr__(self):
        return f"Cgroup({self.version}, {self.directories}, {self.layers})"

    @classmethod
    def create(cls, name=None, memory_bytes=None, pids=None, cpu_weight=100):
        """A new group with these limits (None: no limit of that kind), or None when unavailable.

        `name` is a suffix for the group's unique name (torchcourse-<pid>-<n>[-name])."""
        global _why
        try:
            limits = {"memory": memory_bytes, "pids": pids, "cpu": cpu_weight}
            reasons = []
            group = cls._create_v2(name, limits, reasons)
            if group is None:
                group = cls._create_v1(name, limits, reasons)
            if group is not None:
                missing = [c for c, v in limits.items() if v is not None and c not in group.layers]
                group.why = "; ".join(reasons) if missing else None
            _why = None if group else "; ".join(reasons) or "no cgroup file system is mounted"
            return group
        except Exception as error:  # never raise on a strange machine
            _why = f"cgroups unusable: {error!r}"
            return None

    @staticmethod
    def _unique(base, name):
        for _ in range(100):
            leaf = _new_name(base) + (f"-{name}" if name else "")
            try:
                os.mkdir(os.path.join(base, leaf))
                return leaf, None
            except FileExistsError:
                continue
            except OSError as error:
                return None, error
        return None, OSError(errno.EEXIST, "no free group name")

    @classmethod
    def _create_v1(cls, name, limits, reasons):
        directories = _v1_directories()
        if not directories:
            reasons.append("no cgroup v1 memory, pids or cpu hierarchy")
            return None
        leaf, made, layers = None, [], []
        for controller in CONTROLLERS:
            if controller not in directories:
                continue
            base = directories[controller]
            if leaf is None:
                leaf, error = cls._unique(base, name)
                if leaf is None:
                    reasons.append(f"cannot create a cgroup v1 group in {base}: {error.strerror}")
                    return None
                directory = os.path.join(base, leaf)
            else:
                directory = os.path.join(base, leaf)
                if directory not in made:
                    try:
                        os.mkdir(directory)
                    except FileExistsError:
                        pass  # the same hierarchy as another controller (co-mounted)
                    except OSError as error:
                        reasons.append(f"cgroup v1 {controller}: {error.strerror}")
                        continue
            if directory not in made:
                made.append(directory)
            if cls._limit_v1(controller, directory, limits, reasons):
                layers.append(controller)
        group = cls("v1", made, layers, limits)
        if not layers:
            group.remove()
            return None
        return group

    @staticmethod
    def _limit_v1(controller, directory, limits, reasons):
        value = limits.get(controller)
        join = lambda f: os.path.join(directory, f)
        if controller == "memory":
            if value is None:
                return False
            error = _write(join("memory.limit_in_bytes"), int(value))
            if error:
                reasons.append(f"cgroup v1 memory limit: {error.strerror}")
                return False
            if os.path.exists(join("memory.memsw.limit_in_bytes")):  # memory + swap: no swap
                _write(join("memory.memsw.limit_in_bytes"), int(value))
            _write(join("memory.oom_control"), 0)  # the OOM killer on (the default)
            return True
        if controller == "pids":
            if value is None:
                return False
            error = _write(join("pids.max"), int(value))
            if error:
                reasons.append(f"cgroup v1 pids limit: {error.strerror}")
            return error is None
        if controller == "cpu":
            if value is None:
                return False
            shares = max(2, min(262144, int(value) * 1024 // 100))  # weight 100 = 1024 shares
            error = _write(join("cpu.shares"), shares)
            if error:
                reasons.append(f"cgroup v1 cpu shares: {error.strerror}")
            return error is None
        return False

    @classmethod
    def _create_v2(cls, name, limits, reasons):
        own = _v2_directory()
        if own is None:
            reasons.append("no cgroup v2 hierarchy")
            return None
        group = own
        if os.path.basename(own) == V2_LEAF:  # we moved ourselves here before
            group = os.path.dirname(own)
        wanted = [c for c in CONTROLLERS if limits.get(c) is not None]
        offered = _words(_read(os.path.join(group, "cgroup.controllers")))
        usable = [c for c in wanted if c in offered]
        if wanted and not usable:
            reasons.append(f"cgroup v2 at {group} offers none of the {', '.join(wanted)} controllers")
            return None
        usable = cls._delegate(group, usable, reasons)
        if wanted and not usable:
            return None
        parent = os.path.join(group, V2_PARENT)
        for _attempt in range(3):  # the parent may vanish under us (another remove() tidying up)
            try:
                os.mkdir(parent)
            except FileExistsError:
                pass
            except OSError as error:
                reasons.append(f"cannot create {parent}: {error.strerror}")
                return None
            for controller in usable:
                if controller not in _words(_read(os.path.join(parent, "cgroup.subtree_control"))):
                    _write(os.path.join(parent, "cgroup.subtree_control"), "+" + controller)
            leaf, error = cls._unique(parent, name)
            if leaf is not None:
                break
            if not isinstance(error, FileNotFoundError):
                reasons.append(f"cannot create a cgroup v2 group in {parent}: {error.strerror}")
                return None
        else:
            reasons.append(f"cannot create a cgroup v2 group in {parent}")
            return None
        directory = os.path.join(parent, leaf)
        join = lambda f: os.path.join(directory, f)
        layers = []
        for controller in usable:
            value = limits[controller]
            if controller == "memory":
                error = _write(join("memory.max"), int(value))
                if not error and os.path.exists(join("memory.swap.max")):
                    _write(join("memory.swap.max"), 0)
            elif controller == "pids":
                error = _write(join("pids.max"), int(value))
            else:
                error = _write(join("cpu.weight"), max(1, min(10000, int(value))))
            if error:
                reasons.append(f"cgroup v2 {controller}: {error.strerror}")
            else:
                layers.append(controller)
        result = cls("v2", [directory], layers, limits, extra_dirs=[parent])
        if wanted and not layers:
            result.remove()
            return None
        return result

    @staticmethod
    def _delegate(group, controllers, reasons):
        """Enables `controllers` for the children of `group` (v2), moving the group's processes into
        a leaf if the "no internal processes" rule demands it; returns those now enabled."""
        control = os.path.join(group, "cgroup.subtree_control")

        def enable():
            errors = {}
            for controller in controllers:
                if controller not in _words(_read(control)):
                    errors[controller] = _write(control, "+" + controller)
            enabled = _words(_read(control))
            return [c for c in controllers if c in enabled], {c: e for c, e in errors.items() if c not in enabled}

        enabled, errors = enable()
        if any(e is not None and e.errno == errno.EBUSY for e in errors.values()):
            # Processes live in `group` itself: move them (us among them) into a leaf of their own.
            leaf = os.path.join(group, V2_LEAF)
            try:
                os.makedirs(leaf, exist_ok=True)
            except OSError as error:
                errors = {c: error for c in errors}
            else:
                for _ in range(10):
                    pids = (_read(os.path.join(group, "cgroup.procs")) or "").split()
                    if not pids:
                        break
                    for pid in pids:
                        _write(os.path.join(leaf, "cgroup.procs"), pid)
                enabled, errors = enable()
        for controller, error in errors.items():
            why = f": {error.strerror}" if error is not None else ""
            reasons.append(f"cgroup v2: cannot enable {controller} in {control}{why}")
        return enabled

    def add(self, pid):
        """Moves process `pid` (0: the calling process) and so its future children into the group.

        Returns True when it is in the group in every hierarchy."""
        ok = True
        for directory in self.directories:
            error = _write(os.path.join(directory, "cgroup.procs"), _pid_text(pid))
            ok = ok and error is None
        return ok

    def pids(self):
        """The processes in the group now (as seen from this process's PID namespace)."""
        found = set()
        for directory in self.directories:
            for word in (_read(os.path.join(directory, "cgroup.procs")) or "").split():
                if word.isdigit() and word != "0":
                    found.add(int(word))
        return found

    def kill(self, seconds=KILL_SECONDS):
        """SIGKILLs every process in the group; returns True when none is left (within `seconds`)."""
        deadline = time.monotonic() + seconds
        me = os.getpid()
        if self.version == "v2" and me not in self.pids():
            _write(os.path.join(self.directories[0], "cgroup.kill"), 1)  # absent before Linux 5.14
        delay = 0.001
        while True:
            left = self.pids() - {me}  # never ourselves, should we have been added by mistake
            if not left:
                return True
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _oom_count(self):
        count = 0
        for directory in self.directories:
            if self.version == "v2":
                text = _read(os.path.join(directory, "memory.events")) or ""
            else:
                text = _read(os.path.join(directory, "memory.oom_control")) or ""
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip().isdigit():
                    count += int(value)
        return count

    def oom_killed(self):
        """Whether the kernel's out-of-memory killer killed a process in this group."""
        if "memory" not in self.layers:
            return False
        if self._oom_count() > self._oom_base:
            return True
        if self.version == "v1":
            for directory in self.directories:  # old kernels without an oom_kill count
                text = _read(os.path.join(directory, "memory.oom_control")) or ""
                if "oom_kill " not in text:
                    failcnt = (_read(os.path.join(directory, "memory.failcnt")) or "0").strip()
                    if failcnt.isdigit() and int(failcnt) > 0:
                        return True
        return False

    def remove(self, seconds=KILL_SECONDS):
        """Kills what is left in the group and removes it; returns True when nothing is left."""
        self.kill(seconds)
        deadline = time.monotonic() + seconds
        left = []
        for directory in self.directories + self._extra:
            while True:
                try:
                    os.rmdir(directory)
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if directory in self._extra:
                        break  # still used by other sandboxes, or we may not: leave it
                    if error.errno != errno.EBUSY or time.monotonic() > deadline:
                        left.append(directory)
                        break
                    self.kill(0.2)
                    time.sleep(0.01)
        return not left


def available():
    """Which limits can be set per submission here (some of "memory", "pids", "cpu"), and why
    not when none can. Found once per process by creating and removing a group."""
    global _probed
    if _probed is None:
        group = Cgroup.create("probe", memory_bytes=1 << 30, pids=64, cpu_weight=100)
        if group is None:
            _probed = ([], _why or "cgroups are not available", None)
        else:
            _probed = (list(group.layers), None, group.version)
            if not group.remove():
                _probed = ([], "a cgroup could be created but not removed", None)
    return list(_probed[0]), _probed[1]


def version():
    """ "v1" or "v2" where available() found cgroups, else None."""
    available()
    return _probed[2]


def describe(layers, memory_bytes=None, pids=None, cpu_weight=None):
    """Words for the report, e.g. ["memory 3072 MB, 64 processes, CPU weight 100 per submission
    (cgroup v1)"] (the limits hold for all of a submission's processes together); `layers` is
    what available() (or a Cgroup's .layers) gave, and [] gives []."""
    parts = []
    if "memory" in layers:
        parts.append(f"memory {memory_bytes // 2**20} MB" if memory_bytes else "memory")
    if "pids" in layers:
        parts.append(f"{pids} processes" if pids else "number of processes")
    if "cpu" in layers:
        parts.append(f"CPU weight {cpu_weight}" if cpu_weight else "CPU weight")
    if not parts:
        return []
    where = f" (cgroup {version()})" if version() else ""
    return [", ".join(parts) + " per submission" + where]


def sacrifice(pid=0):
    """Makes process `pid` (0: this one) the first the kernel kills when memory runs out.
    Returns whether it worked."""
    target = "self" if pid in (None, 0) else str(int(pid))
    return _write(os.path.join(PROC, target, "oom_score_adj"), 1000) is None


def protect_self(score=-500):
    """Lowers this process's oom_score_adj to `score` where allowed (below 0 needs
    CAP_SYS_RESOURCE, else it goes down to 0 at most); never raises it. Returns the score now in
    force, or None if unknown."""
    path = os.path.join(PROC, "self", "oom_score_adj")
    current = (_read(path) or "").strip()
    try:
        current = int(current)
    except ValueError:
        return None
    if current <= score:
        return current
    if _write(path, int(score)) is None:
        return score
    # Without CAP_SYS_RESOURCE a process may only go down to where it was last set with it (0 by
    # default): undo at least a raise, such as one inherited from a sacrificed parent.
    if score < 0 < current and _write(path, 0) is None:
        return 0
    return current
