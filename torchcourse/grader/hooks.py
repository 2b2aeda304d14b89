"""nbgrader hooks: the kernel set-up nbgrader_config.py applies whenever nbgrader runs a notebook,
and the step that makes Run All go on in the learner's notebooks (RunAllGoesOn).

Kernel set-up:

nbgrader marks a graded cell as failed when it wrote anything to stderr
(nbgrader.utils.determine_grade, and the Validator behind the Validate
button), so a correct answer that merely triggers a warning would score zero.
Only an exception should cost points. When nbgrader starts a kernel, it uses
`StderrAsStdout` for the kernel's output streams: text written to stderr, by
Python or at the file-descriptor level, is published as stdout. It stays
visible in the notebook and the feedback, but no longer counts as a failure.
"""

from ipykernel.iostream import OutStream
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

KERNEL_ARGUMENT = "--IPKernelApp.outstream_class=torchcourse.grader.hooks.StderrAsStdout"


class StderrAsStdout(OutStream):
    """An ipykernel output stream that publishes under the name "stdout", whatever it captures."""

    def __init__(self, session, pub_thread, name, *args, **kwargs):
        # The stream still captures the file descriptor its name says; only the published name changes.
        super().__init__(session, pub_thread, name, *args, **kwargs)
        self.name = "stdout"


class RunAllGoesOn(Preprocessor):
    """Tag the learner's exercise cells `raises-exception` (generate_assignment runs this first).

    JupyterLab's Run All, Jupyter Notebook's and nbclient's stop at the first cell
    that raises, unless the cell has this tag. An unanswered exercise's tests
    raise NotImplementedError, so without it a learner would never see the rest of
    the notebook run, nor the progress table in its last cell. The sources keep
    no such tag, so a reference solution that fails its tests still fails nbval.
    """

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (grading.get("solution") or grading.get("grade")):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
        return cell, resources
