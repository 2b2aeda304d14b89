"""The benchmark scripts run (their numbers are for README, so nothing here is timed)."""

import subprocess
import sys

from course import ROOT


def test_grading_benchmark_runs_and_both_graders_agree():
    """benchmarks/grading.py fails by itself when stock nbgrader and grading/autograde disagree on a score."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grading.py"), "--learners", "3"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "speed-up:" in result.stdout
