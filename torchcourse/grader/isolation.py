"""Operating-system isolation for one submission.

The process that runs a learner's notebook is put, before it reads any learner
code, into new mount, network, IPC, UTS and PID namespaces; every mount is made
read-only, the course's private folders are hidden behind empty file systems, a
small size-limited scratch folder is the only writable place, and the process
drops to an unprivileged user with resource limits. This needs root (the
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
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

# The supervisor takes a new PID namespace (its next child is PID 1 there); that child takes
# the rest itself, so its mounts never reach the supervisor, which must write the job's status.
SUPERVISOR_NAMESPACES = CLONE_NEWPID
SANDBOX_NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
SCRATCH = "/tmp"  # the learner's only writable place, a fresh size-limited tmpfs
WORKDIR = "/tmp/submission"

_libc = ctypes.CDLL(None, use_errno=True)

# What each layer means, in the words the report uses.
LAYERS = {
    "namespaces": "own mount, PID, IPC and network namespaces (no network at all)",
    "hidden-files": "course folders (solutions, gradebook, other submissions) hidden; file system read-only",
    "scratch": "a private size-limited scratch folder is the only writable place",
    "user": "runs as an unprivileged user id of its own (no account), no new privileges",
    "limits": "memory, CPU time, file size and process count limits",
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


def available():
    """The isolation layers this machine and user can provide, and what is missing and why."""
    if os.geteuid() != 0:
        return ["limits"], ("the grader is not running as root, so learner code is NOT isolated from "
                            "this user's files or the network; only resource limits apply. Run it as "
                            "root (for example in a container) for full isolation.")
    return list(LAYERS), None


def describe(layers):
    return [LAYERS[layer] for layer in layers]


def unshare():
    """Called by the supervisor before it forks the sandboxed process (which becomes PID 1)."""
    _check(_libc.unshare(SUPERVISOR_NAMESPACES), "unshare")


def _mountpoints():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4].replace("\\040", " ") for line in f]


def _hide_behind_tmpfs(path):
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k")
    elif os.path.exists(path):
        _mount("/dev/null", path, None, MS_BIND)


def _interpreter_roots():
    """Folders the interpreter and its packages load from, for lazy imports after the switch of user."""
    return {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, *sys.path) if p and os.path.isdir(p)}


def _overlay(path, keep, options, staging):
    """Lay a fresh tmpfs over `path`, binding back only the folders in `keep` that lie under it.

    Used for a home folder other users cannot enter (/root here, where Python
    lives) and for the scratch folder (/tmp), which may hold the course checkout
    and its .venv: lazy imports still work, and nothing else there is visible.
    """
    inside = sorted({p for p in keep if p.startswith(path.rstrip("/") + "/")})
    inside = [p for p in inside if not any(p != q and p.startswith(q + "/") for q in inside)]
    _mount("tmpfs", staging, "tmpfs", 0, "mode=700,size=4k")  # a fresh one each time: earlier ones are read-only
    held = []
    for i, kept in enumerate(inside):
        spot = os.path.join(staging, str(i))
        os.mkdir(spot)
        _mount(kept, spot, None, MS_BIND | MS_REC)  # with the hiding mounts below it
        held.append((spot, kept))
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for spot, kept in held:
        os.makedirs(kept, exist_ok=True)
        _mount(spot, kept, None, MS_MOVE)
        _mount(None, kept, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)  # a bind does not keep "ro"


def enter(hide, scratch_bytes, files, uid):
    """Isolate this process (PID 1 of fresh namespaces, still root); then `drop()`.

    hide: folders and files the learner must not read. files: {name: bytes}
    written to the scratch folder (the submission's own data files).
    """
    _check(_libc.unshare(SANDBOX_NAMESPACES), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = _interpreter_roots()
    home_private = [h for h in ("/root",) if os.path.isdir(h) and not (os.stat(h).st_mode & 0o005)]
    for path in sorted(set(hide), key=len):
        _hide_behind_tmpfs(path)
    staging = "/dev/shm" if os.path.isdir("/dev/shm") else "/mnt"
    for home in home_private:
        _overlay(home, keep, "mode=755,size=64k", staging)
    # Everything read-only, then the scratch tmpfs and a /proc of this PID namespace on top.
    for target in sorted(set(_mountpoints()), key=len):
        try:
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
        except OSError:
            pass  # some pseudo file systems refuse a read-only remount; they hold no course data
    _overlay(SCRATCH, keep, f"mode=1777,size={scratch_bytes}", staging)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={scratch_bytes}")
    os.makedirs(WORKDIR, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(WORKDIR, name), "wb") as f:
            f.write(data)
    for dirpath, dirnames, filenames in os.walk(WORKDIR):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, uid)
    os.chown(WORKDIR, uid, uid)


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
