"""Operating-system isolation for one submission.

Both processes of a submission (the learner's, and the trusted one that runs
the tests) are put, before they read anything of the submission, into new
mount, network, IPC and UTS namespaces (the learner's into a new PID
namespace too), inside a file system built from an allow-list: the system's
folders, the interpreter and its packages and the course's package, all
read-only, plus one size-limited scratch folder shared by the two as /tmp.
Nothing else of the machine is there: no home folders, no /srv, /opt or /root,
no checkout of the course wherever it lives. Each process then drops to an
unprivileged user id of its own with resource limits. This needs root (the
grader is meant to run as root in a container or on a grading machine). As
another user only the resource limits apply, and `available()` says so, so
that the report can warn loudly rather than grade silently without isolation.
"""

import ctypes
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

SANDBOX_NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
WORKDIR = "submission"  # the submission's own files, in the scratch folder (/tmp inside a sandbox)

_libc = ctypes.CDLL(None, use_errno=True)

# What each layer means, in the words the report uses.
LAYERS = {
    "namespaces": "own mount, PID, IPC and network namespaces (no network at all)",
    "allow-list": "a file system of the system's folders, the interpreter and the course's package only, read-only "
                  "(no home folders, /srv, /opt, /root, or any copy of the course)",
    "scratch": "a private size-limited scratch folder is the only writable place",
    "user": "runs as an unprivileged user id of its own (no account), no new privileges",
    "limits": "memory, CPU time, file size and process count limits",
    "cgroup": "a control group per submission: memory, process count and CPU weight for everything it starts, "
              "and its processes are the first the kernel kills when memory runs out",
}


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype=None, flags=0, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


FIRST_UID = 200000  # learner code runs as an id with no account, one per concurrent submission


def sandbox_uid(slot):
    return FIRST_UID + slot


def tester_uid(slot):
    """The trusted test process runs as a user id of its own too: it reads what the learner's code wrote."""
    return FIRST_UID + 1000 + slot


def available():
    """The isolation layers this machine and user can provide, and what is missing and why."""
    if os.geteuid() != 0:
        return ["limits"], ("the grader is not running as root, so learner code is NOT isolated from "
                            "this user's files or the network; only resource limits apply. Run it as "
                            "root (for example in a container) for full isolation.")
    return [layer for layer in LAYERS if layer != "cgroup"], None  # the zygote adds "cgroup" where it works


def describe(layers):
    return [LAYERS.get(layer, layer) for layer in layers]


def private_mounts():
    """For the supervisor: a mount namespace of its own, so the scratch file system it mounts stays private."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def mount_scratch(path, size_bytes):
    """The one writable folder both sides of a submission share (/tmp inside the sandboxes), size-limited."""
    os.makedirs(path, exist_ok=True)
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size_bytes}")


def new_pid_namespace():
    """The caller's next child is PID 1 of a new PID namespace: killing it ends everything it started."""
    _check(_libc.unshare(CLONE_NEWPID), "unshare")


SYSTEM_ROOTS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")


def allowed_roots():
    """What a sandbox may read: the system, the interpreter and its packages, and the course's package.

    An allow-list: anything else on the machine (home folders, /srv, /opt, /tmp, /root,
    a checkout of the course or a copy of it anywhere) is simply not there.
    """
    import site

    import torchcourse

    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots = set(prefixes)
    for entry in list(sys.path) + site.getsitepackages() + [site.getusersitepackages()]:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and any(real == p or real.startswith(p + "/") for p in prefixes):
            roots.add(real)
    roots.add(os.path.dirname(os.path.realpath(torchcourse.__file__)))
    roots.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Nested roots are covered by their parents.
    return sorted(r for r in roots if not any(r != q and r.startswith(q + "/") for q in roots))


def aliases():
    """[(real path, path as this interpreter names it)] where the two differ: a .venv reached through a
    symbolic link (a checkout's `.venv -> /elsewhere/.venv`) imports from the path it was started with, so
    the allowed folder is also bound there (read-only, like every root)."""
    import site

    seen = [sys.prefix, sys.exec_prefix, os.path.dirname(sys.executable)]
    seen += [entry for entry in list(sys.path) + site.getsitepackages() if entry]
    roots = allowed_roots()
    found = []
    for path in seen:
        path = os.path.abspath(path)
        real = os.path.realpath(path)
        if real != path and os.path.isdir(real) and any(real == r or real.startswith(r + "/") for r in roots) \
                and (real, path) not in found:
            found.append((real, path))
    # An alias inside another is covered by it.
    return [(real, path) for real, path in found if not any(path.startswith(other + "/") for _, other in found)]


def _bind(source, target, flags=MS_RDONLY | MS_NOSUID | MS_NODEV):
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a"):
            pass
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | flags)  # a bind does not take "ro" at first


def enter(root, scratch, pid_namespace):
    """Isolate this process (still root) in a file system made of the allowed roots only; then `drop()`.

    root: an empty folder to build the new root in (private to this process's mount namespace).
    scratch: the shared, size-limited scratch folder; it becomes /tmp.
    """
    _check(_libc.unshare(SANDBOX_NAMESPACES), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    # The scratch first: a checkout (and its .venv) may live under /tmp, and its folders are bound on top.
    _bind(scratch, root + "/tmp", MS_NOSUID | MS_NODEV)
    for path in SYSTEM_ROOTS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind(path, root + path)
    for path in allowed_roots():
        if not os.path.exists(root + path) or not os.path.ismount(root + path):
            _bind(path, root + path)
    for real, path in aliases():
        if not os.path.exists(root + path) or not os.path.ismount(root + path):
            _bind(real, root + path)
    os.makedirs(root + "/dev", exist_ok=True)
    _mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k")
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            _bind("/dev/" + name, f"{root}/dev/{name}", MS_NOSUID)
    os.makedirs(root + "/dev/shm")
    _mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    os.makedirs(root + "/proc", exist_ok=True)
    if pid_namespace:
        _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
    os.chroot(root)
    os.chdir("/tmp")


def drop(uid):
    """Become the unprivileged user for good (no way back, no set-uid programs)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def limit(memory_bytes, cpu_seconds, file_bytes, processes):
    """Resource limits for the learner's process and everything it starts."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Counted per user id; each sandbox has a user id of its own, so one fork bomb cannot starve another.
    # Without isolation the id is the instructor's, shared with everything else they run: no limit then.
    if os.geteuid() == 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def virtual_memory_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
