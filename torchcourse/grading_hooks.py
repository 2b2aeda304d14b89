"""Hooks that nbgrader_config.py plugs into nbgrader's notebook execution.

nbgrader marks a graded cell as failed when it wrote anything to stderr
(nbgrader.utils.determine_grade), so a correct answer that merely triggers a
warning would score zero, and the Validate button would report it as failing.
Only an exception should cost points: after each cell runs, its stderr
output is relabelled as stdout, so the text stays visible in the notebook
and the feedback, but it no longer counts as a failure.
"""


def stderr_is_not_failure(cell, **_):
    """nbclient `on_cell_executed` hook: relabel the cell's stderr streams as stdout."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            output["name"] = "stdout"
