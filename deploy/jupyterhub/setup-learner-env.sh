#!/usr/bin/env bash
# Build the learners' Python environment for the course's JupyterHub (run as root):
#
#   deploy/jupyterhub/setup-learner-env.sh
#
# Every learner's JupyterLab (jupyterhub-singleuser), kernel and nbgrader come from
# this environment, so every user must be able to read it: it is a venv made from
# Debian's /usr/bin/python3 (not the course's .venv, whose interpreter lives under
# /root and is unreadable by other users), placed under /opt, with umask 022.
#
# It holds requirements.txt's pins and the course package `torchcourse` (copied from
# the checkout, not an editable install, so learners never need to read the checkout),
# and writes the learners' nbgrader configuration:
#   <env>/etc/jupyter/nbgrader_config.py      course id and the shared exchange, nothing else
#                                             (learners never see the course's grading config)
#   <env>/etc/jupyter/jupyter_server_config.json, labconfig/page_config.json
#                                             instructor-only nbgrader parts switched off
#   <env>/etc/jupyter-instructor/             the same parts switched back on; the hub puts
#                                             this folder in the instructors' JUPYTER_CONFIG_PATH
# and makes the shared exchange folder (mode 1777, as nbgrader's docs say).
#
# Idempotent: pip runs again only when requirements.txt, pyproject.toml or this script
# changed (a stamp in the environment); the package copy and the config files are
# rewritten every time (seconds).
#
# Settings (environment variables):
#   COURSE_LEARNER_ENV    where the environment goes       (default /opt/pytorch-course/venv)
#   COURSE_EXCHANGE_ROOT  nbgrader's shared exchange         (default /srv/nbgrader/exchange)
#   COURSE_ID             nbgrader course id                 (default pytorch-course)
#   COURSE_PYTHON         interpreter the venv is made from  (default /usr/bin/python3)
#   COURSE_CHECKOUT       the course's checkout              (default: this script's repository)
# torch comes from pip's own configuration: on a CPU-only hub point pip at PyTorch's
# CPU wheels first (PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu), or it
# installs the much larger CUDA build from PyPI.
set -euo pipefail
umask 022

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="${COURSE_CHECKOUT:-$(cd "$here/../.." && pwd)}"
venv="${COURSE_LEARNER_ENV:-/opt/pytorch-course/venv}"
exchange="${COURSE_EXCHANGE_ROOT:-/srv/nbgrader/exchange}"
course_id="${COURSE_ID:-pytorch-course}"
python="${COURSE_PYTHON:-/usr/bin/python3}"

if [[ $EUID -ne 0 ]]; then
    echo "setup-learner-env.sh: run as root (it writes $venv and $exchange for every user)" >&2
    exit 1
fi

# 1. The packages, once per change of the pins.
stamp="$venv/.learner-env-stamp"
want="$({ cat "$checkout/requirements.txt" "$checkout/pyproject.toml" "$here/setup-learner-env.sh"
          "$python" --version; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
    echo "learner environment $venv is up to date" >&2
else
    echo "Building the learner environment in $venv (first time: a few minutes)..." >&2
    mkdir -p "$(dirname "$venv")"  # 0755 (umask 022); step 5 checks that other users reach it
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    # requirements.txt ends with "-e ." (the course package, editable): that line is
    # replaced by a plain copy below.
    reqs="$(mktemp)"
    trap 'rm -f "$reqs"' EXIT
    grep -v -E '^\s*-e\s' "$checkout/requirements.txt" > "$reqs"
    "$venv/bin/python" -m pip install --quiet --root-user-action=ignore -r "$reqs"
    echo "$want" > "$stamp"
fi

site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# 2. The course package (check, grading hooks, grader): a copy, readable by everyone.
rm -rf "$site/torchcourse.tmp"
cp -r "$checkout/torchcourse" "$site/torchcourse.tmp"
find "$site/torchcourse.tmp" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$site/torchcourse"
mv "$site/torchcourse.tmp" "$site/torchcourse"
"$venv/bin/python" -m compileall -q "$site/torchcourse"

# 3. The learners' nbgrader configuration: which course, where the exchange is, and
#    Validate's kernel set-up (warnings are not failures), as the course's own config has.
etc="$venv/etc/jupyter"
mkdir -p "$etc/labconfig" "$venv/etc/jupyter-instructor/labconfig"
cat > "$etc/nbgrader_config.py" <<EOF
"""nbgrader settings for everyone who uses this environment (learners, and instructors' servers).

Written by deploy/jupyterhub/setup-learner-env.sh; rerun it rather than editing here.
The course's grading configuration (grading/nbgrader_config.py) is NOT part of it:
it stays in the instructor's course directory.
"""
import os

from torchcourse.grader.hooks import KERNEL_ARGUMENT

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "$course_id"
# The hub passes COURSE_EXCHANGE_ROOT to the servers it starts when it uses another exchange.
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "$exchange")
# Validate runs the notebook in a kernel that publishes stderr as stdout, as grading does.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", KERNEL_ARGUMENT]
c.Execute.timeout = 60
# Validate's kernel talks over unix sockets in the user's private runtime folder (as the
# server's kernels do, jupyter_server_config.json), not over TCP on 127.0.0.1.
from jupyter_core.paths import jupyter_runtime_dir

os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), f"nbgrader-{os.getpid()}-ipc")
EOF

# Instructor-only parts of nbgrader (Formgrader, Create Assignment, Course List) are off for
# everyone here, and back on in the overlay that the hub gives instructors' servers.
# Kernels talk to their server over unix sockets in the user's private runtime folder, not
# over TCP on 127.0.0.1, where any local user could subscribe to another's kernel output.
cat > "$etc/jupyter_server_config.json" <<'EOF'
{
  "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": false,
                                        "nbgrader.server_extensions.course_list": false}},
  "KernelManager": {"transport": "ipc"}
}
EOF
cat > "$etc/labconfig/page_config.json" <<'EOF'
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": true, "@jupyter/nbgrader:create-assignment": true,
                        "@jupyter/nbgrader:course-list": true}}
EOF
cat > "$venv/etc/jupyter-instructor/jupyter_server_config.json" <<'EOF'
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true,
                                       "nbgrader.server_extensions.course_list": true}}}
EOF
cat > "$venv/etc/jupyter-instructor/labconfig/page_config.json" <<'EOF'
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": false, "@jupyter/nbgrader:create-assignment": false,
                        "@jupyter/nbgrader:course-list": false}}
EOF
# Opt-in (hub setting COURSE_HUB_INSTRUCTOR_FRAME_ANCESTORS): let JupyterLab show the Formgrader
# in its iframe, which JupyterHub's default CSP (frame-ancestors 'none') blocks. Instructors only.
cat > "$venv/etc/jupyter-instructor/jupyter_server_config.py" <<'EOF'
import os

frame_ancestors = os.environ.get("COURSE_INSTRUCTOR_FRAME_ANCESTORS")
if frame_ancestors:
    c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": f"frame-ancestors {frame_ancestors}"}}
EOF

# JupyterLab defaults for everyone: no polling of jupyter.org for news and updates.
mkdir -p "$venv/share/jupyter/lab/settings"
cat > "$venv/share/jupyter/lab/settings/overrides.json" <<'EOF'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
EOF

# 4. The shared exchange: everyone writes, nobody deletes another's entries.
mkdir -p "$exchange"
chmod 1777 "$exchange"

# 5. Check it as an unprivileged user: what a learner's server imports and starts.
chmod -R a+rX "$venv"
if ! out="$(cd / && runuser -u nobody -- env -i PATH="$venv/bin:/usr/bin:/bin" "$venv/bin/python" -c '
import nbgrader, torch, torchcourse.check, torchcourse.grader.hooks, jupyterlab, jupyterhub
print("torch", torch.__version__, "nbgrader", nbgrader.__version__, "jupyterhub", jupyterhub.__version__)' 2>&1)"; then
    echo "setup-learner-env.sh: the environment is not usable by other users:" >&2
    echo "$out" >&2
    exit 1
fi
echo "learner environment ready: $venv ($out), exchange $exchange" >&2
