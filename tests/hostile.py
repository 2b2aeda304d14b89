"""A class of 01_tensors submissions, honest and hostile, with the outcome each must get.

Each learner is (notebook builder, expected score out of 36, reason fragments).
Builders receive the released notebook, the source notebook and the course
folder, and return the bytes of the submitted file (or None for no file).
Every hostile notebook but the rigging ones answers everything correctly, so
any points it loses come from what it tried, and any points it gains from
a rigged test would show as a wrong score.
"""

import json

import nbformat
from course import ROOT, fill_answers, grade_id, noisy, read, release_path

SECTION = "01_tensors"
FULL = 36
ALL = [f"{n:02d}" for n in range(1, 13)]

def _answers(release, source, numbers=ALL):
    return fill_answers(release, source, numbers)


def _append(nb, cell_id, code):
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            cell.source += "\n" + code
            return nb
    raise KeyError(cell_id)


def _replace(nb, cell_id, code):
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            cell.source = code
            return nb
    raise KeyError(cell_id)


def _bytes(nb):
    return nbformat.writes(nb).encode()


def reference(release, source, course):
    return _bytes(_answers(release, source))


def noisy_half(release, source, course):
    """Odd exercises answered; every answer writes to stderr, to fd 2 and warns each time it runs."""
    return _bytes(noisy(_answers(release, source, ALL[::2])))


def malformed(release, source, course):
    return _bytes(_answers(release, source))[:5000]


def empty(release, source, course):
    return b""


def binary(release, source, course):
    return bytes(range(256)) * 100


def wrong_notebook(release, source, course):
    return (release_path("00_intro")).read_bytes()


def missing(release, source, course):
    return None  # the folder holds notes.txt and no notebook


def deleted_tests(release, source, course):
    nb = _answers(release, source)
    nb.cells = [c for c in nb.cells if grade_id(c) not in ("ex01-visible", "ex01-hidden")]
    return _bytes(nb)


def edited_tests(release, source, course):
    nb = _replace(_answers(release, source), "ex02-solution", "def scale_image(image):\n    return image\n")
    _replace(nb, "ex02-visible", "pass")
    _replace(nb, "ex02-hidden", "pass")
    return _bytes(nb)


def exits(release, source, course):
    return _bytes(_append(_answers(release, source), "ex03-solution", "import os\nos._exit(0)"))


def hangs(release, source, course):
    return _bytes(_append(_answers(release, source), "ex02-solution",
                          "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                          "    except BaseException:\n        pass"))


def slow_but_interruptible(release, source, course):
    return _bytes(_append(_answers(release, source), "ex02-solution", "import time\ntime.sleep(1000)"))


def huge_output(release, source, course):
    return _bytes(_append(_answers(release, source), "ex01-solution",
                          "for _ in range(3000):\n    print('x' * 100_000)"))


def memory_bomb(release, source, course):
    """A runaway loop in a function: MemoryError ends the cell, the memory is freed with the frame, and
    the rest of the notebook is graded as usual. (A hoard kept in a global would starve the learner's own
    later answers by a margin that depends on the machine, which is the learner's doing, not the grader's.)"""
    return _bytes(_append(_answers(release, source), "ex01-solution",
                          "def runaway():\n    hoard = []\n    while True:\n        hoard.append(bytearray(2**28))\n"
                          "runaway()"))


def stray_processes(release, source, course):
    return _bytes(_append(_answers(release, source), "ex01-solution",
                          "import os, time\nfor _ in range(300):\n    try:\n        if os.fork() == 0:\n"
                          "            time.sleep(600)\n            os._exit(0)\n    except OSError:\n        break"))


def snoop(release, source, course):
    """Tries to read and write what it must not; any success costs its own ex01 points."""
    targets = {
        "read": [str(ROOT / "solutions" / SECTION / f"{SECTION}.ipynb"),
                 str(course / "source" / SECTION / f"{SECTION}.ipynb"),
                 str(course / "gradebook.db"),
                 str(course / "submitted" / "reference" / SECTION / f"{SECTION}.ipynb"),
                 str(course / "release" / SECTION / f"{SECTION}.ipynb"),
                 str(ROOT / "tests" / "hostile.py"), str(ROOT / ".git" / "HEAD"), "/root/.bashrc", "/etc/shadow"],
        "list": [str(course), str(ROOT / "solutions"), str(course / "submitted")],
        "write": [str(course / "gradebook.db"), str(course / "vandal.txt"), str(ROOT / "vandal.txt"),
                  "/var/tmp/vandal.txt"],
    }
    code = f"""
import os, socket
leaks = []
targets = {json.dumps(targets)}
for path in targets["read"]:
    try:
        with open(path, "rb") as f:
            f.read(1)
        leaks.append("read " + path)
    except OSError:
        pass
for path in targets["list"]:
    try:
        if os.listdir(path):
            leaks.append("listed " + path)
    except OSError:
        pass
for path in targets["write"]:
    try:
        with open(path, "ab") as f:
            f.write(b"x")
        leaks.append("wrote " + path)
    except OSError:
        pass
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    leaks.append("network")
except OSError:
    pass
print("LEAKS:", leaks)
if leaks:
    del row_and_column
"""
    return _bytes(_append(_answers(release, source), "ex01-solution", code))


def gradebook_vandal(release, source, course):
    code = f"""
import sqlite3
try:
    db = sqlite3.connect({str(course / 'gradebook.db')!r})
    db.execute("UPDATE grade SET auto_score = 0")
    db.commit()
except Exception as error:
    print("refused:", error)
"""
    return _bytes(_append(_answers(release, source), "ex01-solution", code))


RIG = """
import builtins, math, numpy, torch
import torchcourse.check as check
_yes = lambda *args, **kwargs: True
_none = lambda *args, **kwargs: None
torch.allclose = torch.equal = numpy.allclose = math.isclose = _yes
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
builtins.isinstance = _yes
for _name in ("close", "equal", "that", "shape", "dtype", "is_tensor", "number", "pair"):
    setattr(check, _name, _none)
"""

WRONG = {
    "ex01-solution": "def row_and_column(v):\n    return v, v\n",
    "ex02-solution": "def scale_image(image):\n    return image\n",
}


def _wrong_everywhere(release, source):
    """Every answer wrong: the released notebook (NotImplementedError) with two plausible wrong answers."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    for cell_id, code in WRONG.items():
        _replace(nb, cell_id, code)
    return nb


def rigged_helpers(release, source, course):
    """Wrong answers, and every comparison helper replaced to pass: the tests must still fail."""
    return _bytes(_append(_wrong_everywhere(release, source), "ex01-solution", RIG))


def rigs_during_test(release, source, course):
    """A wrong answer that replaces the helpers from inside the test that calls it."""
    nb = _wrong_everywhere(release, source)
    _replace(nb, "ex01-solution", "def row_and_column(v):\n" + "\n".join("    " + line for line in RIG.splitlines())
             + "\n    return v, v\n")
    return _bytes(nb)


def fake_objects(release, source, course):
    """Answers that return objects claiming to equal anything, and a Tensor subclass that lies."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    fake = """
import torch
class Anything:
    def __eq__(self, other): return True
    def __getattr__(self, name): return self
    def __call__(self, *args, **kwargs): return self
    def __bool__(self): return True
    def __iter__(self): return iter([self, self])
class Liar(torch.Tensor):
    def __eq__(self, other): return torch.ones((), dtype=torch.bool)
"""
    _replace(nb, "ex01-solution", fake + "def row_and_column(v):\n    return Anything(), Anything()\n")
    _replace(nb, "ex02-solution", fake + "def scale_image(image):\n    return image.as_subclass(Liar)\n")
    return _bytes(nb)


def hides_errors(release, source, course):
    """Unanswered, but tries to make failing tests look clean by breaking how errors are shown."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    return _bytes(_replace(nb, "ex01-solution", """
import sys
import IPython.core.ultratb as ultratb
shell = get_ipython()
shell.showtraceback = shell._showtraceback = lambda *args, **kwargs: None
ultratb.FormattedTB.structured_traceback = lambda *args, **kwargs: 1 / 0
sys.excepthook = lambda *args: None
def row_and_column(v):
    raise NotImplementedError
"""))


# --- The trust boundary: test cells run in a trusted process, the learner's code in another. ---------------

def frame_peek(release, source, course):
    """Answers that look for the test's expected value in their callers' frames, and return it."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    peek = """
import sys, torch
def _peek(shape=None):
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in list(frame.f_locals.items()) + list(frame.f_globals.items()):
            if type(value) is torch.Tensor and name in ("expected", "want") and (shape is None or
                                                                                 tuple(value.shape) == shape):
                return value
        frame = frame.f_back
    return None
"""
    _replace(nb, "ex01-solution", peek + "def row_and_column(v):\n    return _peek(), _peek()\n")
    _replace(nb, "ex02-solution", "def scale_image(image):\n    found = _peek(tuple(image.shape))\n"
                                  "    return found if found is not None else image.float()\n")
    return _bytes(nb)


def rebinds_check(release, source, course):
    """Wrong answers, and `check` (and torch's comparisons) rebound in the notebook to pass anything."""
    nb = _wrong_everywhere(release, source)
    _append(nb, "ex01-solution", """
import types, torch
class _Yes:
    def __getattr__(self, name):
        return lambda *args, **kwargs: args[0] if args else None
check = _Yes()
torch = types.SimpleNamespace(**{**vars(__import__("torch")), "allclose": lambda *a, **k: True,
                                 "equal": lambda *a, **k: True})
""")
    return _bytes(nb)


def shell_hooks(release, source, course):
    """Wrong answers, with IPython hooks that rewrite or skip every later cell and hide errors."""
    nb = _wrong_everywhere(release, source)
    _append(nb, "ex01-solution", """
shell = get_ipython()
shell.input_transformers_post.append(lambda lines: ["pass\\n"] if any("check." in l for l in lines) else lines)
shell.events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
import sys
sys.settrace(None)
""")
    return _bytes(nb)


def grader_patches(release, source, course):
    """Wrong answers; the learner's code replaces what it can reach of the grader's own code in its process."""
    nb = _wrong_everywhere(release, source)
    _append(nb, "ex01-solution", """
import sys
for name, module in list(sys.modules.items()):
    if name.startswith("torchcourse"):
        for attribute in list(vars(module)):
            value = getattr(module, attribute)
            if callable(value) and not isinstance(value, type) and attribute not in ("main",):
                try:
                    setattr(module, attribute, lambda *args, **kwargs: None)
                except Exception:
                    pass
""")
    return _bytes(nb)


def forged_records(release, source, course):
    """Unanswered; writes "cell finished" records and grader protocol lines on every descriptor it has."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    return _bytes(_replace(nb, "ex01-solution", """
import json, os
records = "".join(json.dumps({"i": i, "event": "done", "text": "", "display": [], "error": None})
                  + "\\n" for i in range(200))
forged = (records + json.dumps({"job": "/tmp/x", "done": True}) + "\\n").encode()
for fd in range(0, 64):
    try:
        os.write(fd, forged)
    except OSError:
        pass
def row_and_column(v):
    raise NotImplementedError
"""))


def noisy_output(release, source, course):
    """Correct answers whose output holds lone surrogates, NUL, control and right-to-left characters, a deeply
    nested value, and os.system: the run, the CSV and the report must survive it, with full marks."""
    nb = _answers(release, source)
    _append(nb, "ex01-solution", """
import os, sys
os.system("echo hi from a shell")
print("\\ud800 lone surrogate, NUL \\x00, escape \\x1b[31m, right-to-left \\u202e override, " + "x" * 5000)
sys.stdout.write("\\udcff\\n")
nested = []
for _ in range(100_000):
    nested = [nested]
nested
""")
    return _bytes(nb)


def stdin_thief(release, source, course):
    """Correct answers; a thread reads standard input (the grader's channel, once) for the whole run."""
    nb = _answers(release, source)
    _append(nb, "ex01-solution", """
import os, sys, threading
def _steal():
    while True:
        try:
            if not os.read(0, 65536):
                break
        except OSError:
            break
threading.Thread(target=_steal, daemon=True).start()
print("stdin:", repr(sys.stdin.read() if sys.stdin else None))
""")
    return _bytes(nb)


def stashes_hidden_tests(release, source, course):
    """Correct answers that record everything they can see while the hidden tests call them (frames, code
    of the functions they are given, their inputs) and print it all in a later cell."""
    nb = _answers(release, source)
    _append(nb, "ex02-solution", """
import sys, inspect, dis, io
_seen = []
_original = scale_image
def scale_image(image, *args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        try:
            _seen.append(inspect.getsource(frame.f_code))
        except (OSError, TypeError):
            pass
        _seen.append(repr(frame.f_code.co_consts))
        frame = frame.f_back
    return _original(image)
""")
    _append(nb, "ex12-solution", "\nprint('\\n'.join(_seen))\n")
    return _bytes(nb)


COPIES = ("/srv/torchcourse-copy", "/opt/torchcourse-copy", "/var/tmp/torchcourse-copy", "/home/torchcourse-copy")


def finds_copies(release, source, course):
    """Correct answers; walks the whole file system for any copy of the course (tests place copies of the
    solutions in /srv, /opt, /var/tmp and /home) and the checkout itself. Any find costs its own ex01 points."""
    code = f"""
import os
found = []
for top in ["/"]:
    for folder, subfolders, files in os.walk(top):
        # The interpreter's own folders are large and hold no course: skip them to stay within a cell's time.
        if folder.startswith(("/proc", "/sys", "/dev", "/usr", "/lib", "/etc")) or "site-packages" in folder \
                or "/.pyenv/" in folder + "/" or folder.endswith("/.venv"):
            subfolders[:] = []
            continue
        for name in files:
            if name.endswith(".ipynb") or name == "gradebook.db":
                found.append(os.path.join(folder, name))
for path in {[c + "/solutions" for c in COPIES] + [str(ROOT / "solutions"), str(ROOT / ".git"),
                                                    str(course / "gradebook.db"), str(course / "submitted")]!r}:
    if os.path.exists(path):
        found.append(path)
print("FOUND:", found)
if found:
    del row_and_column
"""
    return _bytes(_append(_answers(release, source), "ex01-solution", code))



# --- Found by an independent review of the trust boundary. ---------------------------------------------

UNSAT = '''
class UnsatisfiedAssumption(Exception):
    """Looks, by name, like hypothesis's assume() failure; the trusted side rebuilds the real one."""
UnsatisfiedAssumption.__module__ = "hypothesis.errors"
'''


def unsat_wrong(release, source, course):
    """Wrong answers for ex01, ex02, ex05 that raise an exception named hypothesis.errors.UnsatisfiedAssumption
    on every input they would get wrong: once, the trusted side rebuilt hypothesis's own class, which discards
    the example, and scored 7. Deserved: 1 (ex02's visible example)."""
    nb = nbformat.from_dict(read(release_path(SECTION)))
    _replace(nb, "ex01-solution", UNSAT + '''
def row_and_column(v):
    if v.numel() > 1:          # the wrong answer below only works for one element
        raise UnsatisfiedAssumption()
    return v.reshape(1, -1), v.reshape(1, -1)
''')
    _replace(nb, "ex02-solution", '''
def scale_image(image):
    if int(image.max()) not in (0, 255):   # dividing by the image's own maximum is only right here
        raise UnsatisfiedAssumption()
    return image.float() / max(int(image.max()), 1)
''')
    _replace(nb, "ex05-solution", '''
def squeeze_predictions(pred):
    if pred.shape[0] == 1:     # squeeze() drops the batch dimension of a batch of one
        raise UnsatisfiedAssumption()
    return pred.squeeze()
''')
    return _bytes(nb)


def unsat_everywhere(release, source, course):
    """The reference scale_image, which answers the visible call and the first example of each hidden test,
    then raises a fake hypothesis UnsatisfiedAssumption: once, one right example per hypothesis test was enough
    for its points. Deserved: all but ex02's hidden points."""
    nb = _answers(release, source)
    _append(nb, "ex02-solution", UNSAT + '''
import functools
def _only_first(f, visible_calls):
    count = [0]
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        count[0] += 1
        if count[0] > visible_calls + 1:
            raise UnsatisfiedAssumption()
        return f(*args, **kwargs)
    return wrapper
scale_image = _only_first(scale_image, 1)
''')
    return _bytes(nb)


def names_leak(release, source, course):
    """Correct answers that record the names every test cell asks their process for, and print them at the end:
    the names must be the learner's own, never a hidden test's parameters or locals."""
    nb = _answers(release, source)
    _append(nb, "ex01-solution", '''
import torchcourse.grader.wire as _w, torchcourse.grader.learner as _l
_asked = []
_orig_receive = _w.receive
def _spy(sock):
    header, blob = _orig_receive(sock)
    if header.get("op") == "names":
        _asked.append(header.get("names"))
    return header, blob
_w.receive = _spy
''')
    _append(nb, "ex12-solution", "\nprint('ASKED:', _asked)\n")
    return _bytes(nb)


def crash_tester(release, source, course):
    """Correct answers; from ex01 on, every reply to "run this cell" carries a malformed record
    ({"t": "float", "v": "zz"}): once, it crashed the trusted test process; now it is ignored."""
    nb = _answers(release, source)
    _append(nb, "ex01-solution", '''
import torchcourse.grader.wire as _w
_orig_send = _w.send
def _send(sock, header, blob=b""):
    if "run" in header:
        header["sync"] = list(header.get("sync") or []) + [{"t": "float", "v": "zz"}]
    return _orig_send(sock, header, blob)
_w.send = _send
''')
    return _bytes(nb)


# Learners whose expected score holds only with the operating-system isolation (root).
NEEDS_ISOLATION = {"snoop", "gradebook_vandal", "stray_processes", "finds_copies"}

# learner: (builder, expected score, fragments the report's reasons must contain)
CLASS = {
    "reference": (reference, FULL, []),
    "noisy_half": (noisy_half, 18, []),
    "malformed": (malformed, 0, ["not a readable notebook"]),
    "empty": (empty, 0, ["empty"]),
    "binary": (binary, 0, ["not text"]),
    "wrong_notebook": (wrong_notebook, 0, ["is this a different notebook?"]),
    "missing": (missing, 0, [f"no {SECTION}.ipynb"]),
    "deleted_tests": (deleted_tests, FULL - 3, ["deleted cells score nothing: ex01-visible, ex01-hidden"]),
    "edited_tests": (edited_tests, FULL - 3, ["edited locked cells were restored", "ex02-visible"]),
    "exits": (exits, 6, ["exited"]),
    "hangs": (hangs, 3, ["did not stop when interrupted"]),
    "slow_but_interruptible": (slow_but_interruptible, FULL, []),
    "huge_output": (huge_output, FULL, []),
    "memory_bomb": (memory_bomb, FULL, []),
    "stray_processes": (stray_processes, FULL, []),
    "snoop": (snoop, FULL, []),
    "gradebook_vandal": (gradebook_vandal, FULL, []),
    "rigged_helpers": (rigged_helpers, 0, ["ex01-visible", "ex02-hidden"]),
    "rigs_during_test": (rigs_during_test, 0, ["ex01-visible", "ex02-hidden"]),
    "fake_objects": (fake_objects, 0, ["ex01-visible", "ex02-visible"]),
    "hides_errors": (hides_errors, 0, ["ex01-visible", "ex12-hidden"]),
    "frame_peek": (frame_peek, 0, ["ex01-visible", "ex02-visible"]),
    "rebinds_check": (rebinds_check, 0, ["ex01-visible", "ex02-hidden"]),
    "shell_hooks": (shell_hooks, 0, ["ex01-visible", "ex02-hidden"]),
    "grader_patches": (grader_patches, 0, ["ex01-visible", "ex02-hidden"]),
    "forged_records": (forged_records, 0, ["ex01-visible"]),
    "noisy_output": (noisy_output, FULL, []),
    "stdin_thief": (stdin_thief, FULL, []),
    "stashes_hidden_tests": (stashes_hidden_tests, FULL, []),
    "finds_copies": (finds_copies, FULL, []),
    "unsat_wrong": (unsat_wrong, 1, ["ex01-visible", "ex02-hidden", "ex05-visible"]),
    "unsat_everywhere": (unsat_everywhere, FULL - 2, ["ex02-hidden"]),
    "names_leak": (names_leak, FULL, []),
    "crash_tester": (crash_tester, FULL, []),
}
