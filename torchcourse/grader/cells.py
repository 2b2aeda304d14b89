"""What the grader knows about nbgrader's cells: which are tests, and where their hidden tests are.

The one definition of a test cell, and of a hidden-tests block, for every part
of the grader (the trusted test process, the nbgrader steps, the report).

Hidden-test delimiters are nbgrader's: `ClearHiddenTests.begin_test_delimeter`
and `end_test_delimeter` (nbgrader's spelling; defaults "BEGIN HIDDEN TESTS"
and "END HIDDEN TESTS"). As in nbgrader, a line that CONTAINS the begin
delimiter (e.g. "### BEGIN HIDDEN TESTS") opens a block, and a line containing
the end delimiter closes it.

This module imports nothing heavy: the sandbox imports it too.
"""

DEFAULT_DELIMITERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
HIDDEN_NOTE = "# (hidden tests ran here when the notebook was graded)"


def _grading(cell):
    metadata = cell.get("metadata") or {}
    grading = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return grading if isinstance(grading, dict) else {}


def is_test_cell(cell):
    """An autograded test cell: a code cell that nbgrader grades and that is not a solution."""
    grading = _grading(cell)
    return cell.get("cell_type") == "code" and bool(grading.get("grade")) and not grading.get("solution")


def is_solution_cell(cell):
    return bool(_grading(cell).get("solution"))


def hidden_delimiters(config=None):
    """(begin, end) of hidden-test blocks as nbgrader's ClearHiddenTests is configured in `config`."""
    if config is None:
        return DEFAULT_DELIMITERS
    # Read from the config rather than by making the step: a ClearHiddenTests made from a whole course's
    # config warns about every option meant for other preprocessors (display_data_priority, ...).
    section = config.get("ClearHiddenTests", {}) if hasattr(config, "get") else {}
    begin, end = section.get("begin_test_delimeter"), section.get("end_test_delimeter")
    return (begin if isinstance(begin, str) and begin else DEFAULT_DELIMITERS[0],
            end if isinstance(end, str) and end else DEFAULT_DELIMITERS[1])


def _source(source):
    return "".join(source) if isinstance(source, list) else (source or "")


def has_hidden_tests(source, delimiters=DEFAULT_DELIMITERS):
    """Whether the source holds a hidden-tests block (a line containing the begin delimiter)."""
    return delimiters[0] in _source(source)


def strip_hidden(source, delimiters=DEFAULT_DELIMITERS):
    """The source with each hidden-tests block (delimiter lines included) replaced by a one-line note."""
    begin, end = delimiters
    kept, hiding = [], False
    for line in _source(source).splitlines(keepends=True):
        if begin in line:
            hiding = True
            indent = line[:len(line) - len(line.lstrip())]
            kept.append(indent + HIDDEN_NOTE + ("\n" if line.endswith("\n") else ""))
        elif end in line:
            hiding = False
        elif not hiding:
            kept.append(line)
    return "".join(kept)
