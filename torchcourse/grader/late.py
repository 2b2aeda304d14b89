"""Late submissions: nbgrader's own mechanism (AssignLatePenalties calls a LateSubmissionPlugin), with a
penalty per started day late.

nbgrader knows a submission is late when its assignment has a due date
(`nbgrader db assignment add 01_tensors --duedate "2026-12-06 17:00 UTC"`) and
the submission a time stamp (`timestamp.txt`, written by `nbgrader submit` and
`collect`, or taken from an LMS's file names by `nbgrader zip_collect`). For
each late notebook nbgrader asks the plugin for a penalty, stores it in the
gradebook and subtracts it from the score; the report, the CSV and the
feedback show it.
"""

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PerDayPenalty(LateSubmissionPlugin):
    """Lose `fraction_per_day` of the notebook's score for each started day late, after `grace_minutes`."""

    fraction_per_day = Float(0.1, help="share of the notebook's score lost per started day late (0 to 1)").tag(
        config=True)
    grace_minutes = Float(0.0, help="minutes after the due date that still count as on time").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        late = total_seconds_late - 60 * self.grace_minutes
        if late <= 0 or score <= 0:
            return 0.0
        days = math.ceil(late / 86400)
        return round(min(score, score * self.fraction_per_day * days), 2)
