"""What the tests know about the course's layout and notebook conventions.

One section = one nbgrader assignment = solutions/NN_name/NN_name.ipynb,
generated into notebooks/NN_name/NN_name.ipynb. An exercise NN is a solution
cell `exNN-solution` followed by test cells `exNN-visible` and `exNN-hidden`
(nbgrader grade ids, which are also the cells' ids).
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
GRADING = ROOT / "grading"

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and re.fullmatch(r"\d\d_[a-z0-9_]+", p.name))
EXERCISE_ID = re.compile(r"ex(\d\d)-(solution|visible|hidden)")
SOLUTION_BLOCK = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)


def repository_url():
    """The course's public repository (pyproject.toml, [project.urls] Repository): notebooks install from it."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def colab_url(assignment):
    """Colab's address for a learner notebook, following its GitHub pattern (github/OWNER/REPO/blob/BRANCH/PATH)."""
    slug = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{assignment}/{assignment}.ipynb"


def source_path(assignment):
    return SOLUTIONS / assignment / f"{assignment}.ipynb"


def release_path(assignment):
    return NOTEBOOKS / assignment / f"{assignment}.ipynb"


def read(path):
    return nbformat.read(path, as_version=4)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False) is True and cell.cell_type == "code"


@dataclass
class Exercise:
    number: str          # "01"
    solution: str        # the reference solution cell's source, markers included
    visible: str         # the visible test cell's source
    hidden: str          # the hidden test cell's source (hidden tests included)


def exercises(nb):
    """The notebook's exercises, in order, keyed by number ("01", ...)."""
    parts = {}
    for cell in nb.cells:
        match = EXERCISE_ID.fullmatch(grade_id(cell) or "")
        if match:
            parts.setdefault(match.group(1), {})[match.group(2)] = cell.source
    return {number: Exercise(number, p.get("solution"), p.get("visible"), p.get("hidden"))
            for number, p in parts.items()}


def reference_answer(solution_source):
    """The solution cell as a learner would write it: the reference code without nbgrader's markers."""
    return SOLUTION_BLOCK.sub(lambda m: m.group(1), solution_source)


def fill_answers(release_nb, source_nb, numbers):
    """A copy of the learner notebook with the reference answers of exercises `numbers` filled in."""
    wanted = {f"ex{n}-solution" for n in numbers}
    answers = {grade_id(c): reference_answer(c.source) for c in source_nb.cells if grade_id(c) in wanted}
    filled = nbformat.from_dict(release_nb)
    for cell in filled.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return filled


NOISE = [
    "import sys as _sys, warnings as _warnings",
    "print('a note on stderr', file=_sys.stderr)",
    "__import__('os').write(2, b'written to file descriptor 2\\n')",
    "_warnings.warn('a warning from a correct answer')",
]


def noisy(answer_nb):
    """Make every function in the answer cells write to stderr and warn each time it runs."""
    for cell in answer_nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        lines = cell.source.split("\n")
        bodies = [node.body[0] for node in ast.walk(ast.parse(cell.source))
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for first in sorted(bodies, key=lambda statement: statement.lineno, reverse=True):
            lines[first.lineno - 1:first.lineno - 1] = [" " * first.col_offset + line for line in NOISE]
        cell.source = "\n".join(lines)
    return answer_nb


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
