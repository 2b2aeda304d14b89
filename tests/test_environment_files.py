"""The pip requirements, the conda environment and CI agree with each other and with README."""

import re

import yaml
from course import ROOT


def pip_requirements():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def conda_pip_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip section"
    return pip_sections[0]


def test_environment_yml_lists_the_same_pip_packages_as_requirements_txt():
    pip, conda = pip_requirements(), conda_pip_requirements()
    assert sorted(conda) == sorted(pip), (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")


def test_every_package_is_pinned_and_torch_is_2_13_0():
    for requirement in pip_requirements():
        if requirement == "-e .":
            continue
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.+]*", requirement), f"not pinned: {requirement}"
    assert "torch==2.13.0" in pip_requirements()


def test_conda_python_matches_the_course_python():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^exec (.+)$", ci, re.M).group(1).strip()
    assert command == "./course test"
    assert f"\n{command}\n" in readme, f"README.md must show the test command {command!r} on a line of its own"
    assert "\n./course lab\n" in readme, "README.md must show the command that opens the course"
