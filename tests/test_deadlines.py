"""Due dates and late penalties: nbgrader's own AssignLatePenalties with the course's PerDayPenalty plugin."""

import hostile
import pytest
from course import GRADING
from test_autograde import _autograde, make_course

from torchcourse.grader.late import PerDayPenalty


@pytest.mark.parametrize(("hours", "expected"), [(0, 0.0), (0.01, 3.6), (10, 3.6), (24, 3.6), (25, 7.2),
                                                 (24 * 30, 36.0)])
def test_a_tenth_of_the_score_per_started_day(hours, expected):
    assert PerDayPenalty().late_submission_penalty("a", 36.0, hours * 3600) == expected


def test_grace_minutes_and_no_penalty_on_nothing():
    plugin = PerDayPenalty(grace_minutes=15)
    assert plugin.late_submission_penalty("a", 36.0, 10 * 60) == 0
    assert plugin.late_submission_penalty("a", 36.0, 16 * 60) == 3.6
    assert PerDayPenalty().late_submission_penalty("a", 0.0, 3600) == 0


def test_the_course_config_uses_the_plugin():
    text = (GRADING / "nbgrader_config.py").read_text()
    assert "c.AssignLatePenalties.plugin_class = PerDayPenalty" in text


def test_a_late_submission_loses_points_in_the_gradebook_and_csv(tmp_path):
    """A due date set as README says, one learner 10 hours late (their timestamp.txt, as `nbgrader collect`
    writes it), one on time, one placed by hand without a time stamp (never late)."""
    root = tmp_path / "course"
    course = make_course(root, ["reference"])
    for learner, stamp in [("late", "2026-12-06 03:00:00.000000 UTC"), ("on_time", "2026-12-05 16:00:00.000000 UTC")]:
        folder = root / "submitted" / learner / hostile.SECTION
        folder.mkdir(parents=True)
        (folder / f"{hostile.SECTION}.ipynb").write_bytes(
            (root / "submitted" / "reference" / hostile.SECTION / f"{hostile.SECTION}.ipynb").read_bytes())
        (folder / "timestamp.txt").write_text(stamp)
    course.nbgrader("db", "assignment", "add", hostile.SECTION, "--duedate", "2026-12-05 17:00:00 UTC")
    result, rows = _autograde(root)
    assert result.returncode == 0, result.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        found = {s: (gb.find_submission(hostile.SECTION, s).score, gb.find_submission(hostile.SECTION, s)
                     .late_submission_penalty) for s in ["late", "on_time", "reference"]}
    # nbgrader keeps the score and the penalty apart; what the learner gets is the difference.
    assert found == {"late": (36.0, 3.6), "on_time": (36.0, 0.0), "reference": (36.0, 0.0)}
    assert "late: 32.4/36, late by 10.0 h: -3.6 points" in result.stdout, result.stdout
    assert {s: float(r["score"]) for s, r in rows.items()} == {"late": 32.4, "on_time": 36.0, "reference": 36.0}
