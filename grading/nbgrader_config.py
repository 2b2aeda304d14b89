"""nbgrader configuration for the course.

This folder is the nbgrader course directory. Run nbgrader's own commands
here, as nbgrader's documentation shows (`nbgrader generate_assignment
01_tensors`, `nbgrader autograde 01_tensors`, ...). The instructor's source
notebooks live in ../solutions and the generated learner notebooks in
../notebooks, so those are this course's source and release folders.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from torchcourse.grader.hooks import KERNEL_ARGUMENT, RunAllGoesOn
from torchcourse.grader.late import PerDayPenalty
from torchcourse.grader.steps import FeedbackExporter, HideHiddenTests, LearnerFeedback, SandboxedExecute

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.source_directory = os.path.join("..", "solutions")
c.CourseDirectory.release_directory = os.path.join("..", "notebooks")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
# nbgrader's exchange (release_assignment / fetch / submit / collect) inside the
# course folder by default, so that the Assignment List works on one machine;
# a shared JupyterHub points this at a folder that every user can reach.
c.CourseDirectory.course_id = "pytorch-course"
# A JupyterHub class sets COURSE_EXCHANGE_ROOT to the shared exchange (deploy/jupyterhub).
if os.environ.get("COURSE_EXCHANGE_ROOT"):
    c.Exchange.root = os.environ["COURSE_EXCHANGE_ROOT"]
else:
    c.Exchange.root = os.path.join(here, "exchange")
    # nbgrader refuses an exchange folder that does not exist ("Unwritable directory").
    os.makedirs(c.Exchange.root, exist_ok=True)
# Data files that a section ships beside its notebook are released with it.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".hypothesis"]

# What learners find in place of each answer: running it says what to do.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Exercise not answered yet. Hint: the prompt above '
              'says what to write; replace this line with your code.")',
}

# Run All in a learner's notebook goes on past a failing exercise, to the progress table in the last cell.
c.GenerateAssignment.preprocessors = [RunAllGoesOn, *GenerateAssignment.class_traits()["preprocessors"].default()]

# A warning or other stderr output is not a failure; only an exception is.
# (The first argument is nbgrader's own default, kept.)
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", KERNEL_ARGUMENT]
# The learner's notebook runs once per grading; a stuck cell must not stall the class.
c.Execute.timeout = 60

# Grading runs learner code in the course's sandbox (torchcourse/grader), not in a
# Jupyter kernel: isolated from the course's files and the network, with limits,
# and with tests that learner code cannot rig. nbgrader's own steps around it stay.
c.Autograde.autograde_preprocessors = [SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
# `nbgrader export` (nbgrader's own layout: a row per learner and assignment) writes exports/, beside
# grading/export-canvas's canvas.csv; reports/ASSIGNMENT/grades.csv is grading/autograde's, per assignment.
c.ExportPlugin.to = os.path.join(here, "exports", "nbgrader_grades.csv")
os.makedirs(os.path.join(here, "exports"), exist_ok=True)

# Files from an LMS: `nbgrader zip_collect 01_tensors` reads what Canvas's "Download Submissions" gives
# (a zip placed in downloaded/01_tensors/archive/), whose files are named
# lastfirst[_LATE]_USERID_SUBMISSIONID_NAME[-N].ipynb: the learner id becomes Canvas's numeric user id.
c.FileNameCollectorPlugin.named_regexp = (
    r"(?i).*/[^/]*?(?:_late)?_(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$")

# Deadlines: a due date per assignment (`nbgrader db assignment add 01_tensors --duedate "..."`) and this
# penalty per started day late (nbgrader's AssignLatePenalties step above applies it; 0 turns it off).
c.AssignLatePenalties.plugin_class = PerDayPenalty
c.PerDayPenalty.fraction_per_day = 0.1
c.PerDayPenalty.grace_minutes = 0
c.SandboxedExecute.cell_seconds = 60
c.SandboxedExecute.total_seconds = 600
c.SandboxedExecute.memory_mb = 3072
# Feedback shows hidden tests' messages, never their code (nbgrader's own feedback does).
# Hidden tests are the lines between nbgrader's own delimiters (c.ClearHiddenTests.begin_test_delimeter
# and end_test_delimeter; by default lines holding "BEGIN HIDDEN TESTS" and "END HIDDEN TESTS"):
# generate_assignment, the sandbox and HideHiddenTests all read that one setting.
# LearnerFeedback, after it, makes the feedback one a learner can act on: a contents entry per exercise
# with its points, messages in full, no frames of the course's own code, a late submission's penalty;
# FeedbackExporter shows them with the course's template (torchcourse/grader/feedback/).
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests, LearnerFeedback]
c.GenerateFeedback.exporter_class = FeedbackExporter
