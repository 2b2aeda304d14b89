"""The learner package travels: a wheel with what a learner's notebook imports, and nothing of the grader.

The wheel is built from this folder, installed with torch into a fresh environment
outside the repository, and every learner notebook runs there, with the reference
answers filled in, to a progress table where every exercise passes. A notebook
without the package, offline, says what to do.
"""

import email
import json
import shutil
import subprocess
import sys
import zipfile

import course
import nbformat
import pytest
from course import ASSIGNMENTS, ROOT

LEARNER_MODULES = {"torchcourse/__init__.py", "torchcourse/check.py", "torchcourse/progress.py", "torchcourse/run.py",
                   "torchcourse/sections/__init__.py"}
REQUIREMENTS = {"torch", "numpy", "matplotlib", "hypothesis", "tqdm", "scikit-learn"}


def pins():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The learner wheel, built as README says: `./course wheel` (here into a temporary folder)."""
    folder = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([str(ROOT / "course"), "wheel", str(folder)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    (built,) = folder.glob("torchcourse-*.whl")
    assert result.stdout.strip() == str(built)
    return built


def test_the_wheel_holds_the_learner_modules_and_not_the_grader(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packed = {n for n in names if n.startswith("torchcourse/")}
    sections = {str(p.relative_to(ROOT)) for p in (ROOT / "torchcourse" / "sections").glob("*.py")}
    assert LEARNER_MODULES | sections <= packed, f"missing: {sorted(LEARNER_MODULES | sections - packed)}"
    assert not [n for n in packed if n.startswith("torchcourse/grader/")], "the grader must not travel to learners"
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    message = email.message_from_bytes(zipfile.ZipFile(wheel).read(metadata))
    required = {r.split(">")[0].split("=")[0].split("<")[0].strip() for r in message.get_all("Requires-Dist")}
    assert required == REQUIREMENTS, f"the learner package must require exactly {sorted(REQUIREMENTS)}"
    assert message["Requires-Python"] == "<3.14,>=3.11"


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A new virtual environment outside the repository, with torch and Jupyter's runner but no course package."""
    env = tmp_path_factory.mktemp("fresh") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    python = env / "bin" / "python"
    wanted = [f"torch=={pins()['torch']}", "ipykernel", "nbclient"]
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return python


def test_without_the_package_and_offline_the_set_up_cell_says_what_to_do(fresh_env, tmp_path):
    cell = course.read(course.release_path("01_tensors")).cells[1]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell.source)])
    path = tmp_path / "alone.ipynb"
    nbformat.write(nb, path)
    script = ("import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); "
              "NotebookClient(nb, allow_errors=True, timeout=300).execute(); print(nbformat.writes(nb))")
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([str(fresh_env), "-c", script, str(path)], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, env=offline)
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = nbformat.reads(done.stdout, 4).cells[0].outputs
    printed = "".join(o.get("text", "") for o in outputs)
    errors = [o for o in outputs if o.output_type == "error"]
    assert "Installing the course's checks (torchcourse). Offline? See the course's README" in printed, printed
    assert errors and errors[0].ename == "ModuleNotFoundError", outputs


def test_every_learner_notebook_runs_with_only_the_wheel(fresh_env, wheel, tmp_path):
    result = subprocess.run([str(fresh_env), "-m", "pip", "install", "-q", str(wheel)], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    probe = subprocess.run([str(fresh_env), "-c", "import torchcourse, json; print(json.dumps(torchcourse.__file__))"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert str(ROOT) not in json.loads(probe.stdout), "the fresh environment must not import this checkout"
    grader = subprocess.run([str(fresh_env), "-c", "import torchcourse.grader"], capture_output=True, cwd=tmp_path)
    assert grader.returncode != 0, "the grader must not be installed with the learner package"
    paths = []
    for assignment in ASSIGNMENTS:
        shutil.copytree(course.release_path(assignment).parent, tmp_path / assignment)
        release, source = course.read(course.release_path(assignment)), course.read(course.source_path(assignment))
        path = tmp_path / assignment / f"{assignment}.ipynb"
        nbformat.write(course.fill_answers(release, source, sorted(course.exercises(source))), path)
        paths.append(path)
    done = subprocess.run([str(fresh_env), "-m", "torchcourse.progress", *map(str, paths)], capture_output=True,
                          text=True, timeout=1800, cwd=tmp_path, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for assignment in ASSIGNMENTS:
        count = len(course.exercises(course.read(course.source_path(assignment))))
        table = done.stdout.split(f"{assignment}.ipynb:")[1]
        assert f"{count} of {count} exercises pass their visible tests" in table, f"{assignment}: {table[:3000]}"
