"""`./course mutants`: the mutants it makes, how it scores them, and every section's score against README."""

import re

import course
import exercise_runner
import mutants
import pytest
from course import ASSIGNMENTS, ROOT

SOLUTION = '''def f(x, y):
    """Docstring."""
    ### BEGIN SOLUTION
    total = x.sum(dim=1, keepdim=True) + 2 * y
    if total.numel() > 0 and not x.is_cuda:
        optimizer.zero_grad()
    with torch.no_grad():
        x = torch.cat([x, y], 1).detach()
    for row in x:
        total += row
        break
    return -total / 0.5, y
    ### END SOLUTION
'''


def labels(source):
    return {(m.line, m.label) for m in mutants.mutants("01", source)}


def test_mutants_cover_the_operators_the_tool_promises():
    found = labels(SOLUTION)
    for expected in [
        (4, "`sum` -> `mean`"), (4, "drop `dim=1`"), (4, "drop `keepdim=True`"), (4, "`True` -> `False`"),
        (4, "`1` -> `2`"), (4, "`1` -> `0`"), (4, "`+` -> `-`"), (4, "`*` -> `/`"),
        (5, "`>` -> `>=`"), (5, "`and` -> `or`"), (5, "drop `not`"),
        (6, "drop `optimizer.zero_grad()`"), (6, "`zero_grad` -> `step`"),
        (7, "drop `with torch.no_grad()`"), (7, "`no_grad` -> `enable_grad`"),
        (8, "`cat` -> `stack`"), (8, "drop argument `1`"), (8, "drop `.detach(...)`"),
        (8, "swap `[x, y]` and `1`"), (9, "`for` over nothing instead of `x`"), (10, "`+=` -> `=`"),
        (11, "`break` -> `continue`"),
        (12, "drop unary `-`"), (12, "`/` -> `*`"), (12, "`0.5` -> `1.0`"), (12, "swap the returned pair"),
    ]:
        assert expected in found, f"missing mutant {expected}; made {sorted(found)}"


def test_only_the_solution_block_is_mutated_and_lines_are_the_cells():
    found = labels(SOLUTION)
    assert {line for line, _ in found} == set(range(4, 13))
    for mutant in mutants.mutants("01", SOLUTION):
        assert "### BEGIN SOLUTION" not in mutant.code
        compile(mutant.code, "<mutant>", "exec")
        assert mutant.code != course.reference_answer(SOLUTION)


def test_marks_need_a_label_and_a_reason():
    source = ("def f(x):\n    ### BEGIN SOLUTION\n"
              "    return x.reshape(-1)  # equivalent mutant: `reshape` -> `view` -- x is contiguous here\n"
              "    # equivalent mutant: `1` -> `2`\n    ### END SOLUTION\n")
    assert mutants.marks(source) == {(3, "`reshape` -> `view`"): "x is contiguous here"}


def _fake_exercise(monkeypatch, solution, visible, hidden=""):
    """Section 00's first exercise with its cells replaced (the notebook itself still runs once)."""
    real = exercise_runner.source_exercises("00_intro")
    number = sorted(real)[0]
    fake = {number: course.Exercise(number, solution, visible, hidden)}
    monkeypatch.setattr(exercise_runner, "source_exercises", lambda assignment: fake)
    return number


def test_weak_tests_leave_survivors_listed_with_their_lines(monkeypatch):
    number = _fake_exercise(monkeypatch, "def double(x):\n    ### BEGIN SOLUTION\n    return x * 2\n"
                                         "    ### END SOLUTION\n", "assert double(0) == 0, 'double(0)'\n")
    report = mutants.run_section("00_intro", number, jobs=2)
    survivors = {(line, label) for _, line, label, _ in report["survivors"]}
    assert survivors == {(3, "`*` -> `/`"), (3, "`2` -> `3`"), (3, "`2` -> `1`")}  # double(0) is 0 for all
    assert report["mutants"] == 3 and report["killed"] == 0 and report["score"] == 0
    assert not mutants.passed(report)
    text = mutants.format_report(report)
    assert "survived ex%s line 3: `*` -> `/`    return x * 2" % number in text and "BELOW 95%" in text


def test_stale_marks_and_failing_references_fail_the_section(monkeypatch):
    solution = ("def double(x):\n    ### BEGIN SOLUTION\n"
                "    return x * 2  # equivalent mutant: `*` -> `/` -- claimed, but the tests kill it\n"
                "    ### END SOLUTION\n")
    number = _fake_exercise(monkeypatch, solution, "for v in [0, 1, 5]:\n    assert double(v) == 2 * v, v\n")
    report = mutants.run_section("00_intro", number, jobs=2)
    assert report["score"] == 100 and report["stale_marks"] == [(number, 3, "`*` -> `/`")]
    assert not mutants.passed(report)
    number = _fake_exercise(monkeypatch, solution.replace("x * 2", "x * 3"), "assert double(1) == 2, 'double(1)'\n")
    report = mutants.run_section("00_intro", number, jobs=2)
    assert report["reference_failures"] and not mutants.passed(report)


def test_a_mutant_that_hangs_is_killed_by_the_time_limit(monkeypatch):
    number = _fake_exercise(monkeypatch, "def wait(n):\n    ### BEGIN SOLUTION\n    while n > 0:\n"
                                         "        n -= 1\n    return n\n    ### END SOLUTION\n",
                            "assert wait(3) == 0, 'wait(3)'\n")
    report = mutants.run_section("00_intro", number, jobs=2, timeout=3)
    # `-=` -> `+=` and `>` -> `>=`... never end; the rest fail the test: all killed, none survives.
    assert report["survivors"] == [] and report["killed"] == report["mutants"] > 3


def readme_rows():
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d\d_\w+) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+)% \|$", text, re.M)
    return {section: (int(made), int(equivalent), int(killed), float(score))
            for section, made, equivalent, killed, score in rows}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_section_kills_its_mutants_as_readme_says(assignment):
    report = mutants.run_section(assignment)
    assert mutants.passed(report), mutants.format_report(report)
    row = readme_rows().get(assignment)
    expected = (report["mutants"], report["equivalent"], report["killed"], round(report["score"], 1))
    assert row == expected, (f"README's mutation table says {row} for {assignment}; ./course mutants gives "
                             f"{expected} (mutants, equivalent, killed, score)")


def test_the_command_readme_shows_runs_as_written():
    """README: `./course mutants 01_tensors`; here on one exercise of one section, through ./course itself."""
    import subprocess

    assert "\n./course mutants 01_tensors\n" in (ROOT / "README.md").read_text()
    done = subprocess.run(["./course", "mutants", "01_tensors", "--exercise", "01"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^01_tensors: \d+ of \d+ mutants killed \(100\.0%\), 0 marked equivalent$", done.stdout, re.M), \
        done.stdout
    done = subprocess.run(["./course", "mutants", "99_nothing"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "no section '99_nothing'" in done.stderr
