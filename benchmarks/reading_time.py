"""How long a learner needs for each section, from what the learner's notebook holds.

    .venv/bin/python benchmarks/reading_time.py

Counts, in each learner notebook (notebooks/): the words of its prose (markdown
cells), the lines of its teaching code (code cells that are not exercises or their
tests: read, run, and look at the output) and its exercises. Minutes are:

    words / 150 per minute      careful reading of technical prose, trying things as you go
  + code lines / 8 per minute   reading an example, running it and reading its output
  + 10 per exercise             reading the prompt, answering, running the tests, one fix

rounded to 5 minutes. README's course map quotes these (tests/test_readme_minutes.py).
The rates are stated assumptions, not a measurement of learners.
"""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 8
MINUTES_PER_EXERCISE = 10


def counts(path):
    """(prose words, teaching code lines, exercises) of a learner notebook."""
    nb = nbformat.read(path, as_version=4)
    words = lines = exercises = 0
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            words += len(cell.source.split())
        elif grading.get("solution"):
            exercises += 1
        elif cell.cell_type == "code" and not grading.get("grade"):
            lines += sum(1 for line in cell.source.splitlines() if line.strip())
    return words, lines, exercises


def minutes(path):
    words, lines, exercises = counts(path)
    exact = words / WORDS_PER_MINUTE + lines / CODE_LINES_PER_MINUTE + exercises * MINUTES_PER_EXERCISE
    return max(5, 5 * round(exact / 5))


def table():
    """{section: (words, code lines, exercises, minutes)} for every learner notebook, in course order."""
    return {path.stem: (*counts(path), minutes(path))
            for path in sorted(ROOT.glob("notebooks/[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))}


def main():
    rows = table()
    print(f"{'section':<14} {'words':>6} {'code':>5} {'exercises':>9} {'minutes':>7}")
    for name, (words, lines, exercises, total) in rows.items():
        print(f"{name:<14} {words:>6} {lines:>5} {exercises:>9} {total:>7}")
    words = sum(r[0] for r in rows.values())
    total = sum(r[3] for r in rows.values())
    print(f"{'total':<14} {words:>6} {sum(r[1] for r in rows.values()):>5} "
          f"{sum(r[2] for r in rows.values()):>9} {total:>7}  ({total / 60:.1f} hours)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
