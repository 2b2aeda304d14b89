"""Grade the same class with stock nbgrader and with grading/autograde, and compare.

    .venv/bin/python benchmarks/grading.py [--section 01_tensors] [--learners 12] [--workers N]

Builds a throwaway course with one section and a class of learners (a third
answer everything, a third half, a third nothing), then times:
  stock: `nbgrader autograde SECTION` with nbgrader's own Execute step (one
         Jupyter kernel per submission, one submission at a time);
  ours:  `grading/autograde SECTION` (sandboxes forked from one warm process,
         in parallel; it also writes feedback and the report, stock does not).
Both must give every learner the same score. Prints seconds and the ratio.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from course import CourseDirectory, exercises, fill_answers, read, release_path, source_path  # noqa: E402

STOCK = """
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput,
                                    SaveAutoGrades)
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
"""


def make_class(root, section, learners):
    course = CourseDirectory(root)
    course.add_source(section)
    course.nbgrader("generate_assignment", section, "--force")
    release, source = read(release_path(section)), read(source_path(section))
    numbers = sorted(exercises(source))
    for i in range(learners):
        answered = [numbers, numbers[::2], []][i % 3]
        course.submit(f"learner{i:02d}", section, fill_answers(release, source, answered))
    return course


def scores(course, section):
    course.nbgrader("export", "--to", str(course.root / "export.csv"))
    with open(course.root / "export.csv") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f) if row["assignment"] == section}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", default="01_tensors")
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stock = make_class(Path(folder) / "stock", args.section, args.learners)
        ours_root = Path(folder) / "ours"
        shutil.copytree(stock.root, ours_root)
        with open(stock.root / "nbgrader_config.py", "a") as f:
            f.write(STOCK)

        start = time.perf_counter()
        stock.nbgrader("autograde", args.section)
        stock_seconds = time.perf_counter() - start

        start = time.perf_counter()
        subprocess.run([str(ROOT / "grading" / "autograde"), args.section, "--course", str(ours_root),
                        "--workers", str(args.workers)], check=True, stdout=subprocess.DEVNULL)
        ours_seconds = time.perf_counter() - start

        ours = CourseDirectory.__new__(CourseDirectory)
        ours.root = ours_root
        expected, found = scores(stock, args.section), scores(ours, args.section)
        if expected != found:
            raise SystemExit(f"the two graders disagree:\nstock {expected}\nours  {found}")
    print(f"{args.section}, {args.learners} learners, {os.cpu_count()} cores, {args.workers} workers")
    print(f"stock nbgrader autograde (serial): {stock_seconds:6.1f} s")
    print(f"grading/autograde (parallel):      {ours_seconds:6.1f} s  (feedback and report included)")
    print(f"speed-up: {stock_seconds / ours_seconds:.1f}x")


if __name__ == "__main__":
    main()
