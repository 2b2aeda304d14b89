"""Run a saved notebook top to bottom in a fresh Jupyter kernel, as Run All would.

One way to execute a course notebook outside JupyterLab: the progress command
(`python -m torchcourse.progress`, `./course progress`) and the course website
(`./course site`) both use it. The file on disk is never changed.
"""

import os

PROGRESS_CALL = "check.progress("


def execute(path, timeout=120, kernel_name="python3"):
    """The notebook at `path`, executed in a new kernel whose working folder is the notebook's.

    Every cell runs, as Run All does in the course's notebooks: a cell that raises
    (an unanswered exercise, a failing test) shows its error and the run goes on.
    Returns the executed nbformat notebook.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    folder = os.path.dirname(os.path.abspath(path))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            resources={"metadata": {"path": folder}})
    client.execute()
    return nb


def progress_output(nb):
    """The text printed by the notebook's last `check.progress(...)` cell, or "" if it has none."""
    for cell in reversed(nb.cells):
        if cell.cell_type == "code" and PROGRESS_CALL in cell.source:
            return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    return ""
