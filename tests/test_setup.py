"""`./course`'s set-up says what it does and fits the machine: the Python it needs, the build of PyTorch
(CPU unless an NVIDIA GPU is present or asked for), a clear fallback when PyTorch's CPU index cannot be
reached, and the size it is about to download. `./course env --plan` shows the choice without installing."""

import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest
from course import ROOT

from tools import download_size


def run_course(args, env=None, cwd=ROOT, script=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    return subprocess.run([str(script or ROOT / "course"), *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**base, **(env or {})})


@pytest.fixture
def fake_bin(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def fake_program(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def served(tmp_path):
    """A loopback web server on a folder; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(root))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_unsupported_python_gets_a_clear_message_and_nothing_is_installed(tmp_path, fake_bin):
    for name in ("course", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    old = fake_program(fake_bin, "python3.10", 'echo 3.10')
    done = run_course(["env"], env={"PYTHON": str(old)}, cwd=tmp_path, script=tmp_path / "course")
    assert done.returncode == 1
    assert "the course needs Python 3.11, 3.12 or 3.13; '" + str(old) + "' is 3.10." in done.stderr, done.stderr
    assert "PYTHON=python3.12 ./course lab" in done.stderr
    assert not (tmp_path / ".venv").exists(), "nothing is installed with an unsupported Python"
    assert "pip" not in done.stderr.lower() and "resolution" not in done.stderr.lower()


def test_without_an_nvidia_gpu_the_cpu_build_comes_from_pytorchs_cpu_index(served, fake_bin):
    www, url = served
    (www / "torch").mkdir()
    (www / "torch" / "index.html").write_text("<a href='torch-2.13.0+cpu-cp311-none-linux_x86_64.whl'>torch</a>")
    fake_program(fake_bin, "nvidia-smi", "exit 9")  # present, but no GPU
    done = run_course(["env", "--plan"], env={"COURSE_TORCH_CPU_INDEX": url,
                                              "PATH": f"{fake_bin}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert f"torch pip arguments: --extra-index-url {url}" in done.stdout
    assert "the CPU build (no NVIDIA GPU found)" in done.stderr


def test_an_unreachable_cpu_index_falls_back_and_says_what_that_means():
    done = run_course(["env", "--plan"], env={"COURSE_TORCH_CPU_INDEX": "http://127.0.0.1:9/whl/cpu",
                                              "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "torch pip arguments: (none)" in done.stdout
    assert "cannot be reached" in done.stderr and "CUDA build (about 4 GB" in done.stderr, done.stderr


def test_an_nvidia_gpu_or_the_learners_choice_gets_the_cuda_build(fake_bin):
    fake_program(fake_bin, "nvidia-smi", 'echo "GPU 0: NVIDIA H200 (UUID: GPU-0)"')
    found = run_course(["env", "--plan"], env={"PATH": f"{fake_bin}:{os.environ['PATH']}"})
    asked = run_course(["env", "--plan"], env={"COURSE_TORCH": "cuda", "PATH": "/usr/bin:/bin"})
    for done in (found, asked):
        assert done.returncode == 0 and "torch pip arguments: (none)" in done.stdout
        assert "the CUDA build" in done.stderr, done.stderr
    wrong = run_course(["env", "--plan"], env={"COURSE_TORCH": "gpu"})
    assert wrong.returncode == 2 and "COURSE_TORCH must be cpu, cuda or default, not 'gpu'" in wrong.stderr


def test_the_download_size_is_read_from_pips_report(tmp_path, served):
    www, url = served
    (www / "numpy-2.4.6.whl").write_bytes(b"x" * 3_000_000)
    local = tmp_path / "torch-2.13.0+cpu.whl"
    local.write_bytes(b"x" * 190_000_000)
    report = {"install": [
        {"metadata": {"name": "torch", "version": "2.13.0+cpu"}, "download_info": {"url": local.as_uri()}},
        {"metadata": {"name": "numpy", "version": "2.4.6"}, "download_info": {"url": f"{url}/numpy-2.4.6.whl"}},
        {"metadata": {"name": "gone", "version": "1"}, "download_info": {"url": f"{url}/missing.whl"}},
        {"metadata": {"name": "torchcourse", "version": "0.2.0"},
         "download_info": {"url": "file:///x", "dir_info": {}}},
    ]}
    line = download_size.summary(json.loads(json.dumps(report)))
    assert line == "4 packages, 193 MB to download (1 of unknown size) (torch 2.13.0+cpu: 190 MB)", line
