"""The trusted side of grading: runs the notebook's test cells and decides every verdict.

No learner code ever runs in this process. The learner's cells run in the
learner's process (see learner.py); a test cell runs here, in a namespace of
its own that holds the assignment's trusted imports (`setup`, the import
statements of the instructor's source notebook) and what earlier test cells
defined. A name the test uses and does not define (the learner's function,
class or variable) is fetched from the learner's process before the cell
runs: plain data arrives as a value (wire.Decoder), anything else as a
`Remote` handle whose every operation runs in the learner's process.

Values the test hands to the learner's code travel by value (tensors,
modules, optimizers keep their identity across the boundary, so a tensor the
learner's function changes in place is changed here too). Functions and
classes a test defines travel by value as well, so that the learner's code
can call them, differentiate through them and subclass them in its own
process.

The verdict of a test cell is whether its code, here, raised. Its output is
what it printed here, plus what the learner's process printed while a
visible test was calling it; the learner's output during a hidden test is
not kept.
"""

import abc
import ast
import builtins
import importlib
import io
import json
import linecache
import os
import pickle
import select
import signal
import symtable
import sys
import time
import types

from torchcourse.grader import wire
from torchcourse.grader.cells import has_hidden_tests, is_test_cell

MAX_TEXT = 20_000
CONTAINERS = (list, dict, set)
STAND_IN_MODULES = ("torch.", "numpy.", "collections.abc", "_collections_abc")
GRADER_DIR = os.path.dirname(os.path.abspath(__file__))


class CellTimeout(BaseException):
    """Raised in a test cell that ran past its time."""


class LearnerGone(Exception):
    """The learner's process ended, or broke the protocol, so the notebook cannot go on."""


class RemoteError(Exception):
    """An error raised by the learner's code."""


# The modules whose exception classes a learner's error may take (its message stays the learner's).
EXCEPTION_MODULES = ("builtins", "_pickle", "pickle")
_REMOTE_EXCEPTIONS = {}


def _remote_exception(cls):
    """A subclass of RemoteError and of `cls` (ValueError, pickle.UnpicklingError...), made once."""
    if cls not in _REMOTE_EXCEPTIONS:
        try:
            _REMOTE_EXCEPTIONS[cls] = type(cls.__name__, (RemoteError, cls), {"__module__": cls.__module__})
        except TypeError:  # a layout that cannot be combined
            _REMOTE_EXCEPTIONS[cls] = RemoteError
    return _REMOTE_EXCEPTIONS[cls]


class Capture(wire.TextSink):
    """A cell's output: what the test printed here and what the learner's process printed meanwhile."""

    def __init__(self, keep_learner=True):
        self.parts, self.kept, self.dropped = [], 0, 0
        self.keep_learner = keep_learner

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        room = MAX_TEXT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def learner(self, data):
        if self.keep_learner:
            self.write(data.decode("utf-8", "replace"))

    def text(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of output not kept]\n"
        return wire.plain_text(text, MAX_TEXT + 200)


# ---------------------------------------------------------------------------------------------------------
# Pickling what the test hands over.


_PICKLER = None


def TrustedPickler(file, link):
    """cloudpickle with tracked tensors, modules and optimizers tagged by id, and handles by reference."""
    global _PICKLER
    if _PICKLER is None:
        _PICKLER = _pickler_class()
    return _PICKLER(file, link)


def pickle_by_value(cloudpickle):
    """Have cloudpickle send torchcourse.sections' functions and classes by value (a module name suffices)."""
    import torchcourse.sections

    if not cloudpickle.list_registry_pickle_by_value() & {torchcourse.sections.__name__}:
        cloudpickle.register_pickle_by_value(torchcourse.sections)


def _pickler_class():
    import cloudpickle
    import numpy
    import torch

    from torchcourse.grader import learner

    # The sections' test helpers travel by value, as functions a test cell defines do: handed to the
    # learner's process (check.in_learner, a spy), they run as the course wrote them, even where the
    # learner's code has replaced the module's names in its own process.
    pickle_by_value(cloudpickle)

    class Pickler(cloudpickle.Pickler):
        def __init__(self, file, link):
            super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
            self.link = link
            self.raw = set()
            self.keep = []
            self.sent = []
            self.containers = {}  # id(container) -> id shared with the learner's side
            self.filled = {}

        def persistent_id(self, obj):
            if isinstance(type(obj), type) and issubclass(type(obj), Remote):
                return ("h", object.__getattribute__(obj, "_hid"))
            if type(obj) in CONTAINERS and id(obj) in self.containers:
                ident = self.containers[id(obj)]
                if ident not in self.filled:
                    self.filled[ident] = obj
                return ("c", ident, type(obj).__name__)
            return None

        def _share(self, value):
            """A list, dict or set a test-defined function uses: shared, so that what the learner's code
            appends to it (a spy's record of calls) is seen by the test."""
            if type(value) in CONTAINERS and id(value) not in self.raw:
                ident = self.link.registry.ident(value)
                self.containers[id(value)] = ident

        def share_tree(self, value, depth=0):
            """Lists, dicts and sets handed to the learner's code are shared: it may fill them in."""
            if depth > 20:
                return
            if type(value) in CONTAINERS:
                if id(value) in self.containers:
                    return
                self._share(value)
            if type(value) in (list, tuple, set):
                for item in value:
                    self.share_tree(item, depth + 1)
            elif type(value) is dict:
                for item in value.values():
                    self.share_tree(item, depth + 1)

        def _functions_state(self, function):
            for cell in function.__closure__ or ():
                try:
                    self._share(cell.cell_contents)
                except ValueError:
                    pass
            names, stack = set(), [function.__code__]
            while stack:
                code = stack.pop()
                names.update(code.co_names)
                stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
            for name in names:
                if name in function.__globals__:
                    self._share(function.__globals__[name])

        def reducer_override(self, obj):
            kind = type(obj)
            if id(obj) not in self.raw:
                if kind in (torch.Tensor, torch.nn.Parameter) and obj.layout == torch.strided \
                        and obj.device.type in ("cpu", "meta") and not obj.is_quantized:
                    ident = self.link.registry.ident(obj)
                    self.sent.append((ident, obj))
                    grad = obj.grad if obj.is_leaf else None
                    # Raw bytes: much faster than torch's own pickling of storages.
                    return (learner._arrive_tensor, (ident, str(obj.device), kind is torch.nn.Parameter,
                                                     obj.requires_grad, wire.tensor_bytes(obj),
                                                     None if grad is None else wire.tensor_bytes(grad)))
                if kind in (torch.Tensor, torch.nn.Parameter):
                    ident = self.link.registry.ident(obj)
                    raw = obj.detach().clone()
                    grad_ok = wire.can_grad(raw)
                    if kind is torch.nn.Parameter:
                        raw = torch.nn.Parameter(raw, requires_grad=obj.requires_grad and grad_ok)
                    else:
                        raw.requires_grad_(obj.requires_grad and grad_ok)
                    grad = obj.grad.detach().clone() if obj.is_leaf and obj.grad is not None else None
                    self.raw.update((id(raw), id(grad)))
                    self.keep.append((raw, grad))
                    self.sent.append((ident, obj))
                    return (learner._arrive, (ident, raw, grad))
                if kind is numpy.ndarray:
                    ident = self.link.registry.ident(obj)
                    raw = obj.copy()
                    self.raw.add(id(raw))
                    self.keep.append(raw)
                    self.sent.append((ident, obj))
                    return (learner._arrive, (ident, raw))
                if isinstance(obj, (torch.nn.Module, torch.optim.Optimizer)):
                    ident = self.link.registry.ident(obj)
                    self.raw.add(id(obj))
                    self.sent.append((ident, obj))
                    return (learner._arrive, (ident, obj))
                if obj is torch.default_generator:
                    return (_default_generator, ())
                if kind is torch.Generator and obj.device.type == "cpu":
                    ident = self.link.registry.ident(obj)
                    self.sent.append((ident, obj))
                    return (learner._arrive_generator, (ident, obj.get_state()))
                if isinstance(obj, types.ModuleType) and sys.modules.get(obj.__name__) is obj:
                    return (importlib.import_module, (obj.__name__,))  # module subclasses too
                if kind is types.FunctionType and getattr(obj, "__module__", None) == "__main__":
                    self._functions_state(obj)
            return super().reducer_override(obj)

        def dump_all(self, payload):
            """The payload, then the contents of the containers it shares (filled in on the other side)."""
            self.dump(payload)
            done = 0
            while len(self.filled) > done:  # contents may share further containers
                batch = list(self.filled.items())[done:]
                done = len(self.filled)
                self.dump([(ident, list(obj.items()) if type(obj) is dict else list(obj)) for ident, obj in batch])
                for ident, obj in batch:
                    self.sent.append((ident, obj))
            self.dump(None)

    return Pickler


# ---------------------------------------------------------------------------------------------------------
# Handles on learner-side objects.


class Remote:
    """An object that lives in the learner's process; every operation on it runs there."""

    __slots__ = ("_link", "_hid", "_stand_in", "__weakref__")

    def __init__(self, link, hid, stand_in):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_hid", hid)
        object.__setattr__(self, "_stand_in", stand_in)

    def _op(self, op, *args, **kwargs):
        return object.__getattribute__(self, "_link").operate(op, self, *args, **kwargs)

    @property
    def __class__(self):
        # isinstance(handle, nn.Module) answers from the learner's class's bases that this process knows;
        # type(handle) stays a Remote, so `check` (which compares types) never takes it for a tensor.
        return object.__getattribute__(self, "_stand_in")

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._op("getattr", name)

    def __setattr__(self, name, value):
        self._op("setattr", name, value)

    def __delattr__(self, name):
        self._op("delattr", name)

    def __call__(self, *args, **kwargs):
        return self._op("call", *args, **kwargs)

    def __dir__(self):
        names = self._op("dir")
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def __repr__(self):
        text = self._op("repr")
        return wire.plain_text(text, 2000) if isinstance(text, str) else f"<{type(self).__qualname__} object>"

    def __str__(self):
        text = self._op("str")
        return wire.plain_text(text, MAX_TEXT) if isinstance(text, str) else repr(self)

    def __bool__(self):
        value = self._op("bool")
        if type(value) is not bool:
            raise TypeError("__bool__ should return bool")
        return value

    def __len__(self):
        value = self._op("len")
        if type(value) is not int or value < 0:
            raise TypeError("__len__ should return a non-negative int")
        return value

    def __iter__(self):
        value = self._op("iter")
        if not isinstance(value, Remote):
            return iter(value)
        return value

    def __next__(self):
        return self._op("next")

    def __deepcopy__(self, memo):
        return self._op("deepcopy")

    def __copy__(self):
        return self._op("copy")

    def __enter__(self):
        return self._op("enter")

    def __exit__(self, *exc):
        return self._op("exit", None, None, None) if exc[0] is None else self._op("exit", *exc[:2], None)

    def __reduce_ex__(self, protocol):
        raise TypeError("a learner-side object can only be sent back to the learner's process")


def _forward(op):
    def method(self, *args):
        return self._op(op, *args)

    method.__name__ = f"__{op}__"
    return method


for _op in ("getitem", "setitem", "delitem", "contains", "format", "int", "float", "complex", "index", "round",
            "neg", "pos", "abs", "invert", "lt", "le", "gt", "ge", "reversed",
            "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift",
            "rshift", "radd", "rsub", "rmul", "rtruediv", "rfloordiv", "rmod", "rpow", "rmatmul", "rand", "ror",
            "rxor", "rlshift", "rrshift"):
    setattr(Remote, f"__{_op}__", _forward(_op))
Remote.__hash__ = object.__hash__


# ---------------------------------------------------------------------------------------------------------
# The channel, trusted side.


class Link:
    def __init__(self, sock, output_fd):
        self.sock = sock
        self.output_fd = output_fd
        os.set_blocking(output_fd, False)
        self.registry = wire.Registry("T")
        self.capture = None
        self.alive = True
        self.why_gone = None
        self._seq = 0
        self._handles = {}
        self._classes = {}

    def drain(self):
        while True:
            try:
                data = os.read(self.output_fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                return
            if not data:
                return
            if self.capture is not None:
                self.capture.learner(data)

    def _gone(self, why):
        self.alive = False
        self.why_gone = why
        raise LearnerGone(why)

    def request(self, header, payload=None):
        if not self.alive:
            raise LearnerGone(self.why_gone or "the learner's process is not running")
        self._seq += 1
        seq = header["seq"] = self._seq
        blob = b""
        sent = []
        if payload is not None:
            buffer = io.BytesIO()
            pickler = TrustedPickler(buffer, self)
            changed = self.registry.changed()
            fresh = [obj for obj in changed if type(obj) not in CONTAINERS]
            for obj in changed:
                if type(obj) in CONTAINERS:
                    pickler.containers[id(obj)] = self.registry.ident(obj)
            pickler.share_tree(payload)
            pickler.dump_all((fresh,) + tuple(payload))
            blob, sent = buffer.getvalue(), pickler.sent
        try:
            wire.send(self.sock, header, blob)
        except OSError:
            self.drain()
            self._gone("the learner's process ended")
        for ident, obj in sent:
            self.registry.seen(ident, obj)
        while True:
            readable, _, _ = select.select([self.sock, self.output_fd], [], [])
            if self.output_fd in readable:
                self.drain()
            if self.sock in readable:
                try:
                    reply, data = wire.receive(self.sock)
                except wire.Gone:
                    self.drain()
                    self._gone("the learner's process ended")
                except wire.ProtocolError as error:
                    self._gone(f"the learner's process broke the grading protocol ({error})")
                except OSError:
                    self._gone("the learner's process ended")
                if reply.get("seq") == seq:
                    self.drain()
                    return reply, data

    def decode(self, reply, data):
        """The value of a reply (or the learner's error, raised), after applying the state changes it carries.
        Whatever goes wrong while reading it is a DecodeError: the test that asked fails, nothing else."""
        try:
            tensors = wire.load_tensors(reply.get("tensors"), data)
            decoder = wire.Decoder(self.registry, tensors, self._handle, self._differentiable)
            sync = reply.get("sync")
            for node in sync if isinstance(sync, list) else []:
                decoder.decode(node)
            value = decoder.decode(reply["value"]) if reply.get("ok") is True and "value" in reply else None
        except wire.ProtocolError:
            raise
        except (Exception, RecursionError) as error:
            raise wire.DecodeError(f"the learner's process sent a value the grader cannot read "
                                   f"({type(error).__name__})") from None
        if reply.get("ok") is True:
            return value
        raise self._exception(reply.get("error"))

    def apply(self, function, *args, **kwargs):
        """function(*args, **kwargs) in the learner's process (check.in_learner when graded)."""
        return self.operate("call", Remote(self, 0, Remote), function, *args, **kwargs)

    def operate(self, op, *args, **kwargs):
        reply, data = self.request({"op": op}, (args, kwargs))
        return self.decode(reply, data)

    def names(self, names):
        reply, data = self.request({"op": "names", "names": sorted(names)})
        values = self.decode(reply, data)
        if not isinstance(values, dict):
            raise wire.DecodeError("the learner's names came back in the wrong form")
        return {k: v for k, v in values.items() if isinstance(k, str) and k in names}

    def run_cell(self, source):
        reply, data = self.request({"op": "run", "source": source})
        try:
            self.decode({k: v for k, v in reply.items() if k != "run"}, data)
        except Exception:  # the learner's cell is not graded: what it sent back only updates copies
            pass
        run = reply.get("run") if isinstance(reply.get("run"), dict) else {}
        error = run.get("error")
        if error is not None:
            if not isinstance(error, dict):
                error = {"ename": "Error", "evalue": "the cell failed"}
            trace = error.get("traceback")
            error = {"ename": wire.plain_text(error.get("ename"), 200) or "Error",
                     "evalue": wire.plain_text(error.get("evalue"), MAX_TEXT),
                     "traceback": [wire.plain_text(t, MAX_TEXT) for t in trace[:50]] if isinstance(trace, list) else []}
        display = run.get("display")
        display = [wire.plain_text(d, MAX_TEXT) for d in display[:20]] if isinstance(display, list) else []
        return error, display

    def quit(self):
        if self.alive:
            try:
                wire.send(self.sock, {"op": "quit", "seq": 0})
            except OSError:
                pass

    def _differentiable(self, ident, value, leaves):
        """The learner's tensor, computed there from `leaves`: backward here asks the learner's process for
        the gradients (torch.autograd.grad there), so a test can differentiate through the learner's code."""
        return _remote_grad().apply(self, ident, value, *leaves)

    def gradients(self, ident, leaves, grad_output):
        import torch

        reply, data = self.request({"op": "grad", "id": ident}, ((list(leaves), grad_output), {}))
        grads = self.decode(reply, data)
        if not isinstance(grads, (list, tuple)) or len(grads) != len(leaves):
            raise wire.DecodeError("gradients of the wrong form")
        checked = []
        for grad, leaf in zip(grads, leaves):
            if grad is not None and (type(grad) is not torch.Tensor or grad.shape != leaf.shape):
                raise wire.DecodeError("a gradient of the wrong shape")
            checked.append(None if grad is None else grad.to(leaf.dtype))
        return checked

    def _handle(self, node):
        hid = node.get("id")
        mro = node.get("mro")
        if type(hid) is not int or not isinstance(mro, list) or not mro or any(not isinstance(m, str) for m in mro):
            raise wire.DecodeError("a handle of the wrong form")
        existing = self._handles.get(hid)
        if existing is not None:
            return existing
        key = tuple(m[:300] for m in mro[:20])
        classes = self._classes.get(key)
        if classes is None:
            classes = self._classes[key] = _proxy_classes(key)
        handle = classes[0](self, hid, classes[1])
        self._handles[hid] = handle
        return handle

    def _exception(self, error):
        """The learner's error, raised here: as a RemoteError that is also the builtin class it names (so a
        test's `except ValueError` works), never as a library's own class (hypothesis would take its
        "skip this example" error for a skipped example)."""
        if not isinstance(error, dict):
            return RemoteError("the learner's code failed")
        message = wire.plain_text(error.get("message"), MAX_TEXT)
        mro = error.get("mro") if isinstance(error.get("mro"), list) else []
        for name in mro[:20]:
            if not isinstance(name, str) or name.split(":")[0] not in EXCEPTION_MODULES:
                continue
            try:
                cls = wire.trusted_class(name, Exception)
            except wire.DecodeError:
                continue
            return _remote_exception(cls)(message)
        first = wire.plain_text(mro[0], 300) if mro and isinstance(mro[0], str) else "an error"
        return RemoteError(f"{first.split(':')[-1]}: {message}")


def _default_generator():
    import torch

    return torch.default_generator


_REMOTE_GRAD = None


def _remote_grad():
    global _REMOTE_GRAD
    if _REMOTE_GRAD is None:
        import torch

        class RemoteGrad(torch.autograd.Function):
            @staticmethod
            def forward(ctx, link, ident, value, *leaves):
                ctx.link, ctx.ident = link, ident
                ctx.leaves = leaves
                return value.clone()

            @staticmethod
            def backward(ctx, grad_output):
                grads = ctx.link.gradients(ctx.ident, ctx.leaves, grad_output)
                return (None, None, None, *grads)

        _REMOTE_GRAD = RemoteGrad
    return _REMOTE_GRAD


def _proxy_classes(mro):
    """(handle class named after the learner's class, stand-in class for isinstance) for a learner type's mro."""
    module, _, qualname = mro[0].partition(":")
    name = qualname.rsplit(".", 1)[-1] or "object"
    if not name.isidentifier():
        name = "LearnerObject"
    handle_class = type(name, (Remote,), {"__slots__": (), "__module__": module[:200], "__qualname__": qualname[:200]})
    bases = []
    for entry in mro:
        try:
            base = wire.trusted_class(entry, object)
        except wire.DecodeError:
            continue
        # Only the libraries' own classes, with plain metaclasses: making a subclass runs no one's code
        # but theirs, and isinstance(handle, DataLoader) or isinstance(handle, nn.Module) answer as expected.
        if not base.__module__.startswith(STAND_IN_MODULES) or type(base) not in (type, abc.ABCMeta):
            continue
        import torch

        if issubclass(torch.Tensor, base) or issubclass(base, torch._C.TensorBase):
            continue
        if any(issubclass(b, base) for b in bases):
            continue
        bases.append(base)
    for count in range(len(bases), 0, -1):
        try:
            stand_in = type(name, tuple(bases[:count]), {"__module__": module[:200], "__qualname__": qualname[:200]})
            break
        except TypeError:
            continue
    else:
        stand_in = handle_class
    return handle_class, stand_in


# ---------------------------------------------------------------------------------------------------------
# Running the notebook.


def _needed_names(source, filename):
    """The global names a cell needs from elsewhere: those its functions and classes read and its top level
    never binds, and those its top level reads before binding them. Parameters and locals are not among them
    (the learner's process is asked for these names, so it must learn nothing more of a hidden test)."""
    table = symtable.symtable(source, filename, "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    needed, stack = set(), list(table.get_children())
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        needed.update(s.get_name() for s in scope.get_symbols() if s.is_referenced() and s.is_global())
    needed -= bound
    first_load, first_store = {}, {}
    for node in _top_level_nodes(ast.parse(source, filename)):
        where = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if isinstance(node, ast.Name):
            seen = first_load if isinstance(node.ctx, ast.Load) else first_store
            seen[node.id] = min(seen.get(node.id, where), where)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first_store[node.name] = min(first_store.get(node.name, where), where)
        elif isinstance(node, ast.alias):
            name = (node.asname or node.name).split(".")[0]
            first_store[name] = min(first_store.get(name, where), where)
    needed.update(name for name, where in first_load.items() if where < first_store.get(name, (1 << 30, 0)))
    return needed


def _top_level_nodes(tree):
    """The nodes of the module's own scope: not inside functions, classes or lambdas (their bodies run later)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                yield child
                stack.extend(child.decorator_list if not isinstance(child, ast.Lambda) else [])
                stack.extend(getattr(child.args, "defaults", []) if hasattr(child, "args") else [])
                stack.extend(getattr(child, "bases", []) + [k.value for k in getattr(child, "keywords", [])])
                continue
            stack.append(child)


def _bound_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


SYNC = "__grader_sync__"


class _ShareLearnerNames(ast.NodeTransformer):
    """After each top-level statement that rebinds or deletes one of the learner's names, tell the learner's
    process too: a test that hides a learner function (`del squares`) to see whether another one uses it
    changes the namespace the learner's code runs in, as it would in one kernel."""

    def __init__(self, names):
        self.names = names

    def _touched(self, node):
        found = []
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and sub is not node:
                continue
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)) and sub.id in self.names:
                found.append(sub.id)
        return sorted(set(found))

    def _statements(self, body):
        result = []
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                result.append(statement)
                continue
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(statement, field, None), list) and not isinstance(statement, ast.Lambda):
                    setattr(statement, field, self._statements(getattr(statement, field)))
            for handler in getattr(statement, "handlers", []) or []:
                handler.body = self._statements(handler.body)
            result.append(statement)
            if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.For, ast.With)):
                touched = self._touched(statement) if not isinstance(statement, (ast.For, ast.With)) else [
                    n for n in self._touched(statement.target if isinstance(statement, ast.For) else
                                             ast.Tuple([i.optional_vars for i in statement.items if i.optional_vars],
                                                       ast.Store()))]
                if touched:
                    call = ast.Call(ast.Name(SYNC, ast.Load()), [ast.List([ast.Constant(n) for n in touched],
                                                                          ast.Load())], [])
                    result.append(ast.Expr(call))
        return result

    def apply(self, tree):
        tree.body = self._statements(tree.body)
        return ast.fix_missing_locations(tree)


def _format_error(error, hidden):
    """(ename, evalue, traceback lines): frames of the grader and the course's check helpers left out."""
    ename = type(error).__name__
    message = _message(error)
    inner = getattr(error, "exceptions", None)
    if isinstance(inner, (list, tuple)) and inner and isinstance(inner[0], BaseException):
        message += f" ({type(inner[0]).__name__}: {_message(inner[0])})"
    evalue = wire.plain_text(message, MAX_TEXT)
    lines = []
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        filename = frame.f_code.co_filename
        if not filename.startswith(GRADER_DIR) and "__tracebackhide__" not in frame.f_locals:
            line = linecache.getline(filename, tb.tb_lineno).strip()
            where = filename if not filename.startswith("<") else filename.strip("<>")
            lines.append(f"  {where}, line {tb.tb_lineno}, in {frame.f_code.co_name}"
                         + (f"\n    {line}" if line else ""))
        tb = tb.tb_next
    if hidden:
        lines = []
    trace = ["Traceback (most recent call last):"] + lines[-30:] + [f"{ename}: {evalue}"] if lines else [
        f"{ename}: {evalue}"]
    return {"ename": ename, "evalue": evalue, "traceback": trace}


def _message(error):
    try:
        return str(error)
    except Exception:
        return f"({type(error).__name__} whose message cannot be shown)"


class Tester:
    def __init__(self, link, results_fd, setup, cell_seconds):
        self.link = link
        self.results_fd = results_fd
        self.cell_seconds = cell_seconds
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, SYNC: self._sync}
        self.trusted = set(self.namespace)
        self.from_learner = set()
        self._setup(setup)

    def _setup(self, setup):
        """The assignment's trusted imports; a statement that fails (a module missing here) is skipped."""
        try:
            tree = ast.parse(setup or "")
        except SyntaxError:
            return
        for statement in tree.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                try:
                    exec(compile(ast.Module([statement], []), "<setup>", "exec"), self.namespace)
                except Exception:
                    pass
        self.trusted = set(self.namespace)

    def emit(self, record):
        data = (json.dumps(record) + "\n").encode()
        while data:
            written = os.write(self.results_fd, data)
            data = data[written:]

    def run(self, cells):
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            self.emit({"i": index, "event": "start"})
            started = time.monotonic()
            try:
                if is_test_cell(cell):
                    hidden = cell.get("hidden")
                    result = self.test_cell(index, source, has_hidden_tests(source) if hidden is None else hidden)
                else:
                    result = self.learner_cell(source)
            except LearnerGone:
                return  # the supervisor says why; the cells from here on did not run
            except Exception as error:  # a fault of the grader's own: this cell fails, the rest still runs
                result = {"text": "", "display": [], "error": {
                    "ename": "GradingError", "evalue": wire.plain_text(f"{type(error).__name__}: {error}", 2000),
                    "traceback": []}}
            result.update(i=index, event="done", seconds=round(time.monotonic() - started, 3))
            self.emit(result)
        self.link.quit()

    def learner_cell(self, source):
        capture = self.link.capture = Capture()
        try:
            error, display = self.link.run_cell(source)
        finally:
            self.link.capture = None
        return {"text": capture.text(), "display": display, "error": error}

    def test_cell(self, index, source, hidden):
        capture = Capture(keep_learner=not hidden)
        filename = f"<test cell {index}>"
        error = None
        old = sys.stdout, sys.stderr

        def expire(signum, frame):
            raise CellTimeout(f"the cell ran for more than {self.cell_seconds} seconds")

        signal.signal(signal.SIGALRM, expire)
        try:
            tree = ast.parse(source, filename)
            linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
            self.link.capture = capture
            self._bring_names(_needed_names(source, filename))
            shared = set(self.from_learner)
            code = compile(_ShareLearnerNames(shared).apply(tree), filename, "exec")
            sys.stdout = sys.stderr = capture
            signal.setitimer(signal.ITIMER_REAL, self.cell_seconds + 15)
            exec(code, self.namespace)
        except LearnerGone:
            raise
        except BaseException as failure:  # the test failed: that is the verdict
            error = _format_error(failure, hidden)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = old
            self.link.capture = None
            try:
                import matplotlib.pyplot as plt

                plt.close("all")
            except Exception:
                pass
        try:
            defined = _bound_names(tree) - shared
        except NameError:
            defined = set()
        self.trusted |= defined
        self.from_learner -= defined
        return {"text": capture.text(), "display": [], "error": error}

    def _sync(self, names):
        for name in names:
            if name in self.namespace:
                self.link.operate("setname", name, self.namespace[name])
            else:
                self.link.operate("delname", name)

    def _bring_names(self, needed):
        """Fetch from the learner's process the names this test needs and does not own."""
        self.link.registry.new_cell()
        wanted = {name for name in needed if name not in self.trusted and not hasattr(builtins, name)}
        wanted |= self.from_learner
        if not wanted:
            return
        values = self.link.names(wanted)
        for name in self.from_learner - set(values):
            self.namespace.pop(name, None)
        self.namespace.update(values)
        self.from_learner = (self.from_learner | set(values)) & wanted


def main(sock, output_fd, results_fd, cells, setup, cell_seconds):
    """Entered in the trusted test process."""
    import tempfile

    from torchcourse import check

    _share_temporary_folders(tempfile)
    link = Link(sock, output_fd)
    check.in_learner = link.apply
    if os.environ.get("TORCHCOURSE_PROFILE"):  # a maintainer's switch: where the trusted side spends its time
        import cProfile

        cProfile.runctx("Tester(link, results_fd, setup, cell_seconds).run(cells)", globals(), locals(),
                        os.environ["TORCHCOURSE_PROFILE"])
        return
    Tester(link, results_fd, setup, cell_seconds).run(cells)


def _share_temporary_folders(tempfile):
    """A test's temporary folder is handed to the learner's code (which runs as another user) to write in."""
    original = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        path = original(*args, **kwargs)
        os.chmod(path, 0o1777)
        return path

    tempfile.mkdtemp = mkdtemp
    cls = tempfile.TemporaryDirectory
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("ignore_cleanup_errors", True)  # files the learner's code made there are its own
        init(self, *args, **kwargs)

    cls.__init__ = __init__
