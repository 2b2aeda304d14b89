"""README's promises to learners: the course map's minutes come from benchmarks/reading_time.py, and every
section has its notebook and Colab links, at the address the set-up cells install from."""

import re
import sys

import course
from course import ASSIGNMENTS, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import reading_time  # noqa: E402

README = (ROOT / "README.md").read_text()


def test_the_course_maps_minutes_are_the_measured_ones():
    measured = reading_time.table()
    for assignment in ASSIGNMENTS:
        row = re.search(rf"^\| {assignment[:2]} \| \[.*$", README, re.M).group(0)
        minutes = int(row.split("|")[-3])
        assert minutes == measured[assignment][3], (
            f"README's course map says {minutes} minutes for {assignment}; benchmarks/reading_time.py says "
            f"{measured[assignment][3]}")
    hours = sum(r[3] for r in measured.values()) / 60
    assert f"({hours:.1f} hours in all)" in README


def test_every_section_has_its_colab_link():
    for assignment in ASSIGNMENTS:
        assert f"[Open in Colab]({course.colab_url(assignment)})" in README, f"{assignment}: no Colab link"
        assert f"(notebooks/{assignment}/{assignment}.ipynb)" in README
