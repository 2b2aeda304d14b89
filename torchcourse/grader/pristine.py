"""The test environment, as it was before any learner code ran.

Tests compare with torch, NumPy, math and the course's `check` helpers, and
learner code runs in the same process. So the sandbox records the namespaces
of those modules and classes when it starts, puts back every name a
submission replaced or deleted after every cell (so the grader's own code
and the next tests run on the originals), and looks again after each test
cell: a test whose helpers were replaced while it ran (by learner code it
called) is not trusted, whatever it printed. Names a module gains
later (lazy imports) are not replacements and are left alone.
"""

import builtins
import json
import linecache
import math
import operator
import os
import signal
import sys
import time

import numpy
import torch

from torchcourse import check

# IPython keeps its output history in these builtins; copyreg caches __slotnames__
# on a class the first time an instance is pickled or deep-copied.
_VOLATILE = {"_", "__", "___", "__slotnames__"}


def _protected():
    """(label, namespace owner) pairs whose names the tests rely on."""
    # The tests' helpers, and what the grader itself uses between cells.
    modules = [builtins, math, operator, numpy, numpy.testing, torch, torch.nn, torch.nn.functional,
               torch.linalg, torch.testing, torch.autograd, torch.optim, check,
               json, json.encoder, os, signal, time, linecache]
    from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

    classes = [InteractiveShell, ExecutionResult,
               torch._C.TensorBase, torch.Tensor, torch.nn.Module, torch.nn.Parameter, torch.optim.Optimizer,
               torch.utils.data.DataLoader, torch.utils.data.Dataset]
    return ([(m.__name__, m, False) for m in modules]
            + [(f"{c.__module__}.{c.__qualname__}", c, True) for c in classes])


class Pristine:
    def __init__(self):
        self._owners = _protected()
        # A name added to a class shadows its bases' method (Tensor.__eq__), so classes are
        # compared whole; modules only on the names they had (they gain names by lazy import).
        self._snapshot = [(label, owner, whole, dict(vars(owner))) for label, owner, whole in self._owners]
        self._modules = {name: sys.modules[name] for name in
                         ("builtins", "math", "operator", "numpy", "torch", "torchcourse.check", "hypothesis")
                         if name in sys.modules}
        self._setattr = setattr
        self._delattr = delattr
        self._vars = vars

    def changes(self):
        """Names replaced or deleted since the snapshot, as 'module.name'."""
        found = []
        for label, owner, whole, saved in self._snapshot:
            current = self._vars(owner)
            for name, value in saved.items():
                if name in _VOLATILE:
                    continue
                if name not in current or current[name] is not value:
                    found.append(f"{label}.{name}")
            if whole:
                found.extend(f"{label}.{name}" for name in current if name not in saved and name not in _VOLATILE)
        for name, module in self._modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}]")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("sys.settrace/sys.setprofile")
        return found

    def restore(self):
        """Put back what changes() would report."""
        for _label, owner, whole, saved in self._snapshot:
            current = self._vars(owner)
            for name, value in saved.items():
                if name in _VOLATILE:
                    continue
                if name not in current or current[name] is not value:
                    try:
                        self._setattr(owner, name, value)
                    except (AttributeError, TypeError):
                        pass  # a read-only slot cannot have been replaced either
            if whole:
                for name in [name for name in current if name not in saved and name not in _VOLATILE]:
                    try:
                        self._delattr(owner, name)
                    except (AttributeError, TypeError):
                        pass
        sys.modules.update(self._modules)
        sys.settrace(None)
        sys.setprofile(None)
