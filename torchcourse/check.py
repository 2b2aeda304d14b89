"""Assertions for the exercises' test cells.

Every failure is an AssertionError whose message says what was expected,
what was found, and, where the mismatch has a usual cause, a hint.

Checks are strict about types on purpose: a test accepts a `torch.Tensor`
(or `nn.Parameter`) and nothing that merely claims to be equal to one.
Values are compared on detached CPU copies, so results on any device pass.
The helpers set `__tracebackhide__`, so IPython shows a learner the failing
line of the test and the message, not this module's internals.
"""

import atexit
import math
import os
import shutil
import tempfile

import torch
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from torchcourse.progress import progress, watch  # noqa: F401 (the notebook's last cell: check.progress(N))

TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)

# Hidden tests draw their inputs with hypothesis. Grading must be repeatable
# and leave nothing behind in the learner's folder, so examples are
# derandomized, capped, and no example database is written. Only the first
# failure is reported, so that a message names one mistake, plainly, without
# hypothesis's "explain" notes about which lines only failing cases ran.
# Hypothesis also caches data under ./.hypothesis, which would be the learner's
# folder: keep it in a private temporary folder that goes when the kernel does.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    _storage = tempfile.mkdtemp(prefix="torchcourse-hypothesis-")
    set_hypothesis_home_dir(_storage)
    atexit.register(shutil.rmtree, _storage, ignore_errors=True)

# In a Jupyter kernel, every visible test cell's outcome is recorded for check.progress.
watch()

hidden = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _fail(name, what, hint=None):
    __tracebackhide__ = True
    message = f"{name}: {what}"
    if hint:
        message += f" Hint: {hint}"
    raise AssertionError(message)


def _type_hint(value):
    if type(value).__module__ == "torch.return_types":  # what torch.max(x, dim) and friends return
        fields = [name for name in ("values", "indices") if hasattr(value, name)]
        return (f"{_type_name(value)} is a named tuple ({', '.join(fields)}); "
                "pick the field you need, e.g. result.indices.")
    if isinstance(value, (list, tuple)):
        return "build one tensor from the pieces, e.g. with torch.stack or torch.cat."
    if isinstance(value, (int, float, bool)):
        return "return the tensor itself rather than a Python number."
    if value is None:
        return "did the function forget to return its result?"
    if type(value).__module__ == "numpy":
        return "convert with torch.from_numpy or torch.tensor."
    return None


def is_tensor(found, name="result"):
    """Fail unless `found` is a real torch.Tensor (subclasses and look-alikes are rejected)."""
    __tracebackhide__ = True
    if type(found) not in TENSOR_TYPES:
        _fail(name, f"expected a torch.Tensor, found {_type_name(found)}.", _type_hint(found))


def _shape_hint(found, expected):
    found, expected = tuple(found), tuple(expected)
    if len(found) == len(expected) and sorted(found) == sorted(expected):
        return "the sizes are right but in another order: check transpose/permute."
    if [d for d in found if d != 1] == [d for d in expected if d != 1]:
        if len(found) > len(expected):
            return "there is an extra dimension of size 1: squeeze it (with a dim)."
        return "a dimension of size 1 is missing: unsqueeze (with a dim), or keepdim=True."
    if math.prod(found) == math.prod(expected):
        return "the number of elements is right; check how the dimensions are grouped."
    return None


def shape(found, expected, name="result", hint=None):
    """Fail unless `found` is a tensor of shape `expected`."""
    __tracebackhide__ = True
    is_tensor(found, name)
    expected = tuple(expected)
    if tuple(found.shape) != expected:
        _fail(name, f"expected shape {expected}, found {tuple(found.shape)}.",
              hint or _shape_hint(found.shape, expected))


def dtype(found, expected, name="result", hint=None):
    """Fail unless `found` is a tensor of dtype `expected`."""
    __tracebackhide__ = True
    is_tensor(found, name)
    if found.dtype != expected:
        _fail(name, f"expected dtype {expected}, found {found.dtype}.",
              hint or f"cast with .to({expected}) or create the tensor with dtype={expected}.")


def _digits(a, b, least=4):
    """The fewest significant digits (at least `least`) at which two different floats print differently."""
    for digits in range(least, 18):
        if f"{a:.{digits}g}" != f"{b:.{digits}g}":
            return digits
    return 17


def _two_numbers(expected, found):
    """`expected` and `found` printed with enough digits to tell them apart (never "0.1" and "0.1")."""
    def show(value, digits):
        if not isinstance(value, float):
            return repr(value)
        text = f"{value:.{digits}g}"
        return text if any(c in text for c in ".ein") else text + ".0"  # a float reads as one: 2.0, not 2

    if isinstance(expected, float) and isinstance(found, float):
        digits = _digits(expected, found)
        return show(expected, digits), show(found, digits)
    return repr(expected), repr(found)


def _precision_hint(expected, found):
    """A hint when two floats agree to 5 or more digits: the usual cause is float32 arithmetic somewhere."""
    try:
        relative = abs(found - expected) / max(abs(expected), abs(found))
    except (TypeError, ZeroDivisionError):
        return None
    if 0 < relative < 1e-4:
        return ("the values agree to about {} digits: is part of the computation done in float32 "
                "(or rounded) where the test expects float64 precision?").format(int(-math.log10(relative)))
    return None


def _preview(t, limit=6, other=None):
    """Up to `limit` values; floats with enough digits to differ from `other`'s values at the same places."""
    flat = t.reshape(-1)[:limit].tolist()
    others = other.reshape(-1)[:limit].tolist() if other is not None and other.numel() == t.numel() else None
    digits = 4
    if others is not None:
        for a, b in zip(flat, others):
            if isinstance(a, float) and isinstance(b, (int, float)) and a != b and not (a != a and b != b):
                digits = max(digits, _digits(float(a), float(b)))
    more = ", ..." if t.numel() > limit else ""
    return "[" + ", ".join(f"{v:.{digits}g}" if isinstance(v, float) else str(v) for v in flat) + more + "]"


def close(found, expected, name="result", hint=None, atol=1e-5, rtol=1e-4, check_dtype=True):
    """Fail unless `found` is a tensor with `expected`'s shape, dtype and values (within tolerance).

    The device is not compared: a correct answer computed on a GPU passes.
    """
    __tracebackhide__ = True
    is_tensor(expected, "the test's expected value")
    shape(found, expected.shape, name, None)
    if check_dtype:
        dtype(found, expected.dtype, name)
    got = found.detach().cpu()
    want = expected.detach().cpu()
    if got.is_floating_point() or want.is_floating_point():
        same = torch.allclose(got.to(torch.float64), want.to(torch.float64), atol=atol, rtol=rtol, equal_nan=True)
    else:
        same = torch.equal(got.to(want.dtype), want)
    if not same:
        detail = f"expected values {_preview(want, other=got)}, found {_preview(got, other=want)}"
        if got.dtype != want.dtype:
            detail += f" (expected dtype {want.dtype}, found {got.dtype})"
        if got.numel() and (got.is_floating_point() or want.is_floating_point()):
            diff = (got.to(torch.float64) - want.to(torch.float64)).abs().nan_to_num(nan=math.inf)
            worst = int(diff.reshape(-1).argmax())
            index = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), tuple(want.shape)))
            w, g = want.reshape(-1)[worst].item(), got.reshape(-1)[worst].item()
            shown_w, shown_g = _two_numbers(float(w), float(g))
            detail += f"; the largest difference is at index {index}: expected {shown_w}, found {shown_g}"
            hint = hint or _precision_hint(float(w), float(g))
        _fail(name, detail + ".", hint)


def equal(found, expected, name="result", hint=None):
    """Like `close`, but values must match exactly."""
    __tracebackhide__ = True
    close(found, expected, name, hint, atol=0.0, rtol=0.0)


def number(found, expected, name="result", hint=None, kind=float, tol=1e-6):
    """Fail unless `found` is a plain Python number of type `kind` equal to `expected` (within tol)."""
    __tracebackhide__ = True
    if type(found) is not kind:
        default = ("call .item() to turn a one-element tensor into a Python number."
                   if type(found) in TENSOR_TYPES else _type_hint(found))
        _fail(name, f"expected a Python {kind.__name__}, found {_type_name(found)}.", hint or default)
    same = found == expected if kind is int else math.isclose(found, expected, rel_tol=tol, abs_tol=tol)
    if not same:
        shown_expected, shown_found = _two_numbers(expected, found)
        _fail(name, f"expected {shown_expected}, found {shown_found}.",
              hint or (_precision_hint(expected, found) if kind is float else None))


def shapes(min_dims=1, max_dims=4, min_side=1, max_side=6):
    """A hypothesis strategy for tensor shapes."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def seeds():
    """A hypothesis strategy for generator seeds: tensors are made from a seed, not drawn element by element."""
    return st.integers(0, 2**31 - 1)


def random_tensor(shape, seed, dtype=torch.float32, low=-10, high=10):
    """A reproducible random tensor: floats uniform in [low, high), integers in [low, high)."""
    generator = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return torch.rand(shape, generator=generator, dtype=torch.float64).mul(high - low).add(low).to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    return torch.randint(low, high, shape, generator=generator, dtype=dtype)


def that(condition, name, message):
    """Fail with `message` unless `condition` is true (for checks the helpers above do not cover)."""
    __tracebackhide__ = True
    if condition is not True:
        _fail(name, message)


def in_learner(function, *args, **kwargs):
    """Call function(*args, **kwargs) where the learner's code runs, and return its result.

    In a notebook that is right here. When graded, tests run in a process of
    their own and the learner's code in another: a test that must change what
    the learner's code sees (mock what torch reports, say) hands such a
    function over with this, and it runs, with the learner's names, there.
    """
    return function(*args, **kwargs)


def pair(found, name="result"):
    """Fail unless `found` is a tuple of two values; return it, ready to unpack."""
    __tracebackhide__ = True
    if type(found) is not tuple or len(found) != 2:
        size = f" of length {len(found)}" if isinstance(found, (tuple, list)) else ""
        _fail(name, f"expected a tuple of two values, found {_type_name(found)}{size}.",
              "return both results separated by a comma: return first, second.")
    return found
