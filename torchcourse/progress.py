"""Where a learner stands in a notebook: each exercise passed, failed or not answered yet.

Importing `torchcourse.check` in IPython (a Jupyter kernel) starts watching: after
every cell, a visible test cell (one that opens with `\"\"\"Exercise K, visible
tests`) records its outcome. The notebook's last cell, `check.progress(N)`, prints
the table; `python -m torchcourse.progress NOTEBOOK.ipynb` (or `./course progress`)
runs a saved notebook in a fresh kernel and prints the same table.

The table is about visible tests in this kernel session. Hidden tests run only
when the notebook is graded, so "passed" here is a good sign, not the grade.
"""

import re
import sys

VISIBLE_TEST = re.compile(r'\s*(?:[rRuU])?"""Exercise (\d+), visible tests')
NOT_ANSWERED = "Exercise not answered yet"
REASON_WIDTH = 110

_outcomes = {}  # exercise number -> (status, reason)


def _reason(error):
    """One line that says why a visible test failed: the check's message, or the error's type and message."""
    text = str(error).strip()
    if not isinstance(error, AssertionError) or not text:
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    line = " ".join(text.split())
    return line if len(line) <= REASON_WIDTH else line[:REASON_WIDTH - 3] + "..."


def record(source, error):
    """Record the outcome of a cell that ran: `error` is the exception it raised, or None."""
    match = VISIBLE_TEST.match(source or "")
    if not match:
        return
    number = int(match.group(1))
    if error is None:
        _outcomes[number] = ("passed", "")
    elif isinstance(error, NotImplementedError) and str(error).startswith(NOT_ANSWERED):
        _outcomes[number] = ("not answered", "write your answer in the cell with `raise NotImplementedError`")
    else:
        _outcomes[number] = ("failed", _reason(error))


def _after_cell(result):
    error = result.error_in_exec or result.error_before_exec
    record(getattr(result.info, "raw_cell", ""), error)


def watch():
    """Start recording visible test outcomes in the running IPython shell (nothing outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    callbacks = shell.events.callbacks.get("post_run_cell", [])
    if _after_cell not in callbacks:
        shell.events.register("post_run_cell", _after_cell)


def table(exercises):
    """The progress table for a notebook with `exercises` exercises, as text."""
    rows = []
    for number in range(1, exercises + 1):
        status, reason = _outcomes.get(number, ("not run", "run its cells (or Run All) to check it"))
        rows.append(f"  Exercise {number:<3} {status:<13} {reason}".rstrip())
    passed = sum(_outcomes.get(n, ("",))[0] == "passed" for n in range(1, exercises + 1))
    return "\n".join([
        "Where you stand (visible tests run in this session):",
        *rows,
        f"{passed} of {exercises} exercises pass their visible tests. "
        "Hidden tests run when your notebook is graded.",
    ])


def progress(exercises):
    """Print the progress table: the last cell of every section calls this as `check.progress(N)`."""
    print(table(exercises))


def main(argv=None):
    """`python -m torchcourse.progress NOTEBOOK.ipynb ...`: run each saved notebook and print its table."""
    from torchcourse.run import execute, progress_output

    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m torchcourse.progress NOTEBOOK.ipynb [...]", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        print(f"{path}:")
        try:
            text = progress_output(execute(path))
        except Exception as error:  # a notebook that cannot be read or run still gets a line, and the others run
            print(f"  could not run it: {_reason(error)}")
            status = 1
            continue
        print(text or "  no progress table: is the last cell `check.progress(...)`?")
    return status


if __name__ == "__main__":
    sys.exit(main())
