"""Run one exercise's tests against an answer, in this process, without a kernel.

A section's source notebook runs once, cell by cell; the namespace just before
each solution cell is kept. An answer then runs in a copy of that namespace,
followed by the exercise's visible and hidden tests. `tests/test_exercises.py`
proves the corpora this way and `tests/mutants.py` the reference solutions.
"""

import contextlib
import functools
import io
import traceback
import warnings

import course

_snapshots = {}


def cell_code(source):
    """A cell's source as Python, IPython's syntax (the set-up cell's `%pip`) turned into calls, as a kernel does."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


@functools.cache
def source_exercises(assignment):
    """The section's exercises from its source notebook, read once per process."""
    return course.exercises(course.read(course.source_path(assignment)))


def snapshots(assignment):
    """Run the source notebook once; return {exercise number: namespace just before its solution cell}."""
    if assignment not in _snapshots:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        nb = course.read(course.source_path(assignment))
        namespace, taken = {"__name__": "__main__"}, {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            match = course.EXERCISE_ID.fullmatch(course.grade_id(cell) or "")
            if match and match.group(2) == "solution":
                taken[match.group(1)] = dict(namespace)
            # Some cells show a warning on purpose; it belongs to the lesson, not to this test run.
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                    warnings.catch_warnings(record=True):
                exec(compile(cell_code(cell.source), f"<{assignment}:{cell.id}>", "exec"), namespace)
            plt.close("all")
        _snapshots[assignment] = taken
    return _snapshots[assignment]


def run_exercise(assignment, number, answer_code):
    """Run an answer and the exercise's tests; return None if they pass, else the failure text."""
    import torch

    exercise = source_exercises(assignment)[number]
    namespace = dict(snapshots(assignment)[number])
    # Process-wide state an answer may change (a kernel would keep it, but the next answer here is another
    # learner's): gradient recording and the default dtype.
    grad, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    try:
        # An answer's own warnings are part of the answer, not of this test run.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings(record=True):
            exec(compile(answer_code, "<answer>", "exec"), namespace)
            exec(compile(exercise.visible, f"<ex{number}-visible>", "exec"), namespace)
            exec(compile(exercise.hidden, f"<ex{number}-hidden>", "exec"), namespace)
    except Exception as error:  # any failure of the tests counts as a rejection
        return "".join(traceback.format_exception_only(type(error), error))
    finally:
        torch.set_grad_enabled(grad)
        torch.set_default_dtype(dtype)
    return None
