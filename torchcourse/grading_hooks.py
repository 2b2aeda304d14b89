"""Kernel set-up that nbgrader_config.py applies whenever nbgrader runs a notebook.

nbgrader marks a graded cell as failed when it wrote anything to stderr
(nbgrader.utils.determine_grade, and the Validator behind the Validate
button), so a correct answer that merely triggers a warning would score zero.
Only an exception should cost points. When nbgrader starts a kernel, it uses
`StderrAsStdout` for the kernel's output streams: text written to stderr, by
Python or at the file-descriptor level, is published as stdout. It stays
visible in the notebook and the feedback, but no longer counts as a failure.
"""

from ipykernel.iostream import OutStream

KERNEL_ARGUMENT = "--IPKernelApp.outstream_class=torchcourse.grading_hooks.StderrAsStdout"


class StderrAsStdout(OutStream):
    """An ipykernel output stream that publishes under the name "stdout", whatever it captures."""

    def __init__(self, session, pub_thread, name, *args, **kwargs):
        # The stream still captures the file descriptor its name says; only the published name changes.
        super().__init__(session, pub_thread, name, *args, **kwargs)
        self.name = "stdout"
