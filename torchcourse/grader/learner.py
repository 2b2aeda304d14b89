"""The learner's side of grading: runs the learner's cells and answers the trusted side's requests.

This code runs in the sandboxed process, among the learner's own code, so
nothing here is trusted by the grader: it only saves the trusted side work.
Whatever it sends is decoded by `wire.Decoder` with the same suspicion as
anything else the learner's process could write.

The process keeps the notebook's state from cell to cell, as a kernel would:
one IPython shell runs every learner cell. Its standard input is /dev/null
and its standard output and error go to a pipe the trusted side reads; the
socket to the trusted side is the only other file it holds.
"""

import copy
import operator
import os
import pickle
import signal
import sys

from torchcourse.grader import wire

MAX_TEXT = 20_000


class CellTimeout(BaseException):
    """Raised in learner code that ran past its time (a BaseException, so `except Exception` does not hide it)."""


def _binary(op):
    return lambda a, b: op(a, b)


def _reflected(op):
    return lambda a, b: op(b, a)


OPERATIONS = {
    "call": lambda obj, *args, **kwargs: obj(*args, **kwargs),
    "getattr": getattr, "setattr": setattr, "delattr": delattr,
    "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
    "len": len, "iter": iter, "next": next, "repr": repr, "str": str, "bool": bool,
    "contains": operator.contains, "format": format, "hash": hash, "dir": dir, "reversed": reversed,
    "int": int, "float": float, "complex": complex, "index": operator.index, "round": round,
    "neg": operator.neg, "pos": operator.pos, "abs": abs, "invert": operator.invert,
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "enter": lambda obj: obj.__enter__(), "exit": lambda obj, *args: obj.__exit__(*args),
    "copy": copy.copy, "deepcopy": copy.deepcopy,
}
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor",
              "lshift", "rshift"):
    _op = getattr(operator, _name)
    OPERATIONS[_name.rstrip("_")] = _binary(_op)
    OPERATIONS["r" + _name.rstrip("_")] = _reflected(_op)


class Handles:
    """Learner-side objects the trusted side refers to by number."""

    def __init__(self):
        # Handle 0 calls a function the test sent (check.in_learner): code the test wants run on this side.
        self.objects = {0: lambda function, *args, **kwargs: function(*args, **kwargs)}
        self._ids = {}

    def describe(self, value):
        number = self._ids.get(id(value))
        if number is None:
            number = len(self.objects) + 1
            self.objects[number] = value
            self._ids[id(value)] = number
        kind = type(value)
        mro = []
        for base in getattr(kind, "__mro__", ())[:20]:
            mro.append(f"{getattr(base, '__module__', '?')}:{getattr(base, '__qualname__', '?')}")
        return {"t": "handle", "id": number, "type": mro[0] if mro else "?", "mro": mro,
                "callable": callable(value)}


AGENT = None  # the one agent of this process; unpickled tracked objects register with it


def _arrive(ident, raw, grad=None):
    """Called while unpickling what the trusted side sent: the tracked object with this id, brought up to date."""
    import torch

    registry = AGENT.registry
    existing = registry.get(ident)
    if existing is None:
        obj = raw
        if isinstance(obj, torch.Tensor) and grad is not None:
            wire._set_grad(obj, grad)
    elif isinstance(existing, torch.Tensor) and isinstance(raw, torch.Tensor):
        wire._update_tensor(existing, raw.detach(), grad, raw.requires_grad)
        obj = existing
    elif type(existing) is type(raw) and hasattr(raw, "shape") and not hasattr(raw, "__dict__"):  # NumPy arrays
        if existing.shape == raw.shape and existing.dtype == raw.dtype and existing.flags.writeable:
            existing[...] = raw
            obj = existing
        else:
            obj = raw
    elif type(existing) is type(raw):
        existing.__dict__.update(raw.__dict__)
        obj = existing
    else:
        obj = raw
    registry.add(ident, obj)
    return obj


def _arrive_tensor(ident, device, parameter, requires_grad, values, grad):
    """A tensor the trusted side sent as raw bytes: the one tensor with this id, brought up to date."""
    import torch

    if device == "meta":
        data = torch.empty(values[1], dtype=getattr(torch, values[0]), device="meta")
    else:
        data = wire.tensor_from_bytes(*values)
    grad = None if grad is None else wire.tensor_from_bytes(*grad)
    can_grad = wire.can_grad(data)
    if AGENT.registry.get(ident) is None:
        raw = torch.nn.Parameter(data, requires_grad=requires_grad and can_grad) if parameter else \
            data.requires_grad_(requires_grad and can_grad)
    else:
        raw = data.requires_grad_(requires_grad and can_grad)
    return _arrive(ident, raw, grad)


def _arrive_generator(ident, state):
    """A torch.Generator the trusted side sent: its state, in the one generator with this id."""
    import torch

    registry = AGENT.registry
    existing = registry.get(ident)
    generator = existing if type(existing) is torch.Generator else torch.Generator()
    generator.set_state(state)
    registry.add(ident, generator)
    return generator


class Agent:
    def __init__(self, shell, sock):
        self.shell = shell
        self.sock = sock
        self.registry = wire.Registry("L")
        self.handles = Handles()
        self.display = []
        self.in_user_code = False
        self.interrupted = False

    # -- the learner's cells -------------------------------------------------------------------------------

    def run_cell(self, source):
        self.display = []
        error = None
        self.shell._last_error = None
        try:
            outcome = self._user(self.shell.run_cell, source, store_history=False, silent=False)
        except CellTimeout as stopped:
            outcome, error = None, {"ename": "CellTimeout", "evalue": str(stopped), "traceback": []}
        finally:
            try:
                import matplotlib.pyplot as plt

                plt.close("all")
            except Exception:
                pass
        if error is None:
            error = self.shell._last_error
        if error is None and outcome is not None and not outcome.success:
            failure = outcome.error_in_exec or outcome.error_before_exec
            error = {"ename": type(failure).__name__ if failure else "CellFailed",
                     "evalue": str(failure)[:MAX_TEXT] if failure else "the cell did not complete", "traceback": []}
        if error is not None:
            outcome = None
            self._forget_failure(error)
        return {"error": error, "display": self.display[:20]}

    def _forget_failure(self, error):
        """A failed cell's traceback keeps its frames, and every local in them, alive (sys.last_*, the shell's
        last result and traceback printer), as a kernel keeps them for %debug. Nobody debugs here: let them
        go, so that a function that ran out of memory does not starve every cell after it. The frames are in
        reference cycles, so only a collection frees them; it costs about 85 ms with torch loaded and an
        untouched notebook fails a dozen cells, so it runs after running out of memory only."""
        import gc

        for name in ("last_type", "last_value", "last_traceback", "last_exc"):
            try:
                delattr(sys, name)
            except AttributeError:
                pass
        self.shell.last_execution_result = None
        for printer in (getattr(self.shell, "InteractiveTB", None), getattr(self.shell, "SyntaxTB", None)):
            if printer is not None and hasattr(printer, "tb"):
                printer.tb = None
        text = f"{error.get('ename')}: {error.get('evalue')}"
        if "MemoryError" in text or "allocate memory" in text or "out of memory" in text:
            gc.collect()

    def _user(self, function, *args, **kwargs):
        """Run learner code: only now may an interrupt from the supervisor stop it."""
        self.in_user_code = True
        try:
            if self.interrupted:
                self.interrupted = False
                raise CellTimeout("the cell ran past its time limit")
            return function(*args, **kwargs)
        finally:
            self.in_user_code = False

    def on_interrupt(self, signum, frame):
        if self.in_user_code:
            raise CellTimeout("the cell ran past its time limit and was interrupted")
        self.interrupted = True

    # -- requests ------------------------------------------------------------------------------------------

    def _unpickle(self, blob):
        handles = self.handles.objects

        registry = self.registry
        kinds = {"list": list, "dict": dict, "set": set}

        class Unpickler(pickle.Unpickler):
            def persistent_load(self, pid):
                if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "h" and pid[1] in handles:
                    return handles[pid[1]]
                if isinstance(pid, tuple) and len(pid) == 3 and pid[0] == "c" and pid[2] in kinds:
                    existing = registry.get(pid[1])
                    if type(existing) is not kinds[pid[2]]:
                        existing = kinds[pid[2]]()
                        registry.add(pid[1], existing)
                    return existing
                raise pickle.UnpicklingError(f"unknown reference {pid!r}")

        import io

        stream = io.BytesIO(blob)
        unpickler = Unpickler(stream)
        payload = unpickler.load()
        while True:
            contents = unpickler.load()
            if contents is None:
                break
            for ident, items in contents:
                container = registry.get(ident)
                if type(container) is list:
                    container[:] = items
                elif type(container) is dict:
                    container.clear()
                    container.update(items)
                elif type(container) is set:
                    container.clear()
                    container.update(items)
                registry.seen(ident, container)
        return payload

    def _reply(self, header, value=None, has_value=False):
        encoder = wire.Encoder(self.registry, self.handles)
        try:
            if has_value:
                header["value"] = encoder.encode(value)
            header["sync"] = [encoder.encode(obj) for obj in self.registry.changed()]
            header["tensors"], blob = encoder.blob()
        except Exception as error:  # the value could not be described: say so as the operation's error
            header = {"seq": header.get("seq"), "ok": False, "error": _describe_error(error), "sync": []}
            blob = b""
        wire.send(self.sock, header, blob)

    def serve(self):
        while True:
            try:
                header, blob = wire.receive(self.sock)
            except wire.Gone:
                return
            except CellTimeout:
                continue
            op, seq = header.get("op"), header.get("seq")
            self.interrupted = False  # an interrupt meant for an earlier request
            try:
                if op == "quit":
                    return
                if op == "run":
                    self.registry.new_cell()
                    self._reply({"seq": seq, "ok": True, "run": self.run_cell(str(header.get("source", "")))})
                elif op == "names":
                    self.registry.new_cell()
                    namespace = self.shell.user_ns
                    found = {name: namespace[name] for name in header.get("names", [])
                             if isinstance(name, str) and name in namespace and not name.startswith("_")}
                    self._reply({"seq": seq, "ok": True}, found, has_value=True)
                elif op in ("setname", "delname"):
                    (fresh, args, kwargs) = self._unpickle(blob)
                    if op == "setname":
                        self.shell.user_ns[str(args[0])] = args[1]
                    else:
                        self.shell.user_ns.pop(str(args[0]), None)
                    self._reply({"seq": seq, "ok": True}, None, has_value=True)
                elif op == "grad":
                    import torch

                    (fresh, (leaves, grad_output), kwargs) = self._unpickle(blob)
                    output = self.registry.get(str(header.get("id")))
                    grads = self._user(torch.autograd.grad, output, leaves, grad_output, allow_unused=True,
                                       retain_graph=True)
                    self._reply({"seq": seq, "ok": True}, list(grads), has_value=True)
                elif op in OPERATIONS:
                    (fresh, args, kwargs) = self._unpickle(blob)
                    value = self._user(OPERATIONS[op], *args, **kwargs)
                    self._reply({"seq": seq, "ok": True}, value, has_value=True)
                else:
                    self._reply({"seq": seq, "ok": False,
                                 "error": {"mro": ["builtins:ValueError"], "message": f"unknown request {op!r}"}})
            except (Exception, CellTimeout, KeyboardInterrupt, SystemExit, GeneratorExit) as error:
                self._reply({"seq": seq, "ok": False, "error": _describe_error(error)})


def _describe_error(error):
    mro = [f"{getattr(base, '__module__', '?')}:{getattr(base, '__qualname__', '?')}"
           for base in type(error).__mro__[:20]]
    try:
        message = str(error)
    except Exception:
        message = f"({type(error).__name__} whose message cannot be shown)"
    return {"mro": mro, "message": message[:MAX_TEXT]}


class _Unbuffered(wire.TextSink):
    """sys.stdout / sys.stderr of the learner's process: every write goes straight to the pipe, in order."""

    def __init__(self, fd):
        self.fd = fd

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        data = text.encode("utf-8", "replace")
        while data:
            try:
                written = os.write(self.fd, data)
            except InterruptedError:
                continue
            except OSError:
                break
            data = data[written:]
        return len(text)

    def fileno(self):
        return self.fd

    errors = "replace"


def main(shell, sock):
    """Entered in the sandboxed process, after it dropped its privileges."""
    global AGENT

    sys.stdout = sys.__stdout__ = _Unbuffered(1)
    sys.stderr = sys.__stderr__ = _Unbuffered(2)
    AGENT = agent = Agent(shell, sock)

    def showtraceback(etype, evalue, stb):
        shell._last_error = {"ename": getattr(etype, "__name__", str(etype)), "evalue": str(evalue)[:MAX_TEXT],
                             "traceback": [str(line)[:MAX_TEXT] for line in stb[-50:]]}

    shell._showtraceback = showtraceback

    def publish(data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if isinstance(data, dict) and "text/plain" in data:
            agent.display.append(str(data["text/plain"])[:MAX_TEXT])

    shell.display_pub.publish = publish
    signal.signal(signal.SIGINT, agent.on_interrupt)
    if os.environ.get("TORCHCOURSE_PROFILE"):  # a maintainer's switch, as in tester.py
        import cProfile

        cProfile.runctx("agent.serve()", globals(), locals(), os.environ["TORCHCOURSE_PROFILE"] + ".learner")
        return
    agent.serve()
