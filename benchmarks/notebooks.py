"""Time every solution notebook top to bottom, the way a learner's kernel runs it.

    .venv/bin/python benchmarks/notebooks.py [--repeat N]

Prints seconds per notebook (kernel start included, best of N runs) and the
total. README's course map quotes these numbers.
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run_once(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the best is reported")
    args = parser.parse_args()
    total = 0.0
    print(f"{'notebook':<16} {'seconds':>8}")
    for path in sorted(ROOT.glob("solutions/[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
        best = min(run_once(path) for _ in range(args.repeat))
        total += best
        print(f"{path.stem:<16} {best:8.1f}", flush=True)
    print(f"{'total':<16} {total:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
