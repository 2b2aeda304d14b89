"""grading/nbgrader_config.py: the settings a deployment relies on."""

import subprocess
import sys

from course import GRADING

LOAD = ("from traitlets.config.loader import PyFileConfigLoader; "
        f"c = PyFileConfigLoader('nbgrader_config.py', path={str(GRADING)!r}).load_config(); print(c.Exchange.root)")


def exchange_root(env):
    return subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_exchange_is_the_course_folder_by_default_and_the_hub_can_point_it_elsewhere(tmp_path):
    assert exchange_root({"PATH": "/usr/bin:/bin"}) == str(GRADING / "exchange")
    shared = tmp_path / "exchange"
    assert exchange_root({"PATH": "/usr/bin:/bin", "COURSE_EXCHANGE_ROOT": str(shared)}) == str(shared)
