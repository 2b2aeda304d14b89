import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from course import GRADING, ROOT

os.environ.setdefault("MPLBACKEND", "Agg")


class CourseDirectory:
    """A throwaway nbgrader course directory that uses grading/nbgrader_config.py.

    Its config loads the course's own config, then points the course root,
    source, release and gradebook at this temporary folder.
    """

    def __init__(self, root: Path):
        self.root = root
        (root / "source").mkdir(parents=True)
        (root / "nbgrader_config.py").write_text(
            f"load_subconfig({str(GRADING / 'nbgrader_config.py')!r})\n"
            "c = get_config()\n"
            f"c.CourseDirectory.root = {str(root)!r}\n"
            "c.CourseDirectory.source_directory = 'source'\n"
            "c.CourseDirectory.release_directory = 'release'\n"
            f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}\n"
        )

    def add_source(self, assignment):
        shutil.copytree(ROOT / "solutions" / assignment, self.root / "source" / assignment)

    def nbgrader(self, *args, check=True):
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        env.pop("JUPYTER_CONFIG_PATH", None)  # only this folder's config
        result = subprocess.run([Path(sys.executable).parent / "nbgrader", *args], cwd=self.root, env=env,
                                capture_output=True, text=True, timeout=900)
        if check and result.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def submit(self, student, assignment, nb):
        import nbformat

        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")


@pytest.fixture
def course_dir(tmp_path):
    return CourseDirectory(tmp_path / "course")
