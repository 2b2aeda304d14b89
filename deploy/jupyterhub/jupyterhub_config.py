"""JupyterHub configuration for the PyTorch course on one machine (JupyterHub 6).

Run as root (LocalProcessSpawner switches to each learner's unix user):

    /opt/pytorch-course/venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

- Users are the machine's own unix accounts (PAM): learners are the members of one
  group, instructors are named; instructors are the hub's admins.
- Each user's JupyterLab runs as that user, from the learner environment that
  deploy/jupyterhub/setup-learner-env.sh builds (readable by everyone; it also holds
  the learners' nbgrader config: course id and the shared exchange).
- Instructors' servers also get the instructor-only nbgrader parts (Formgrader,
  Create Assignment, Course List) and their course directory's nbgrader_config.py.

Settings, from the environment (defaults in brackets); README.md beside this file
explains the set-up:

    COURSE_HUB_BIND_URL         public URL the proxy listens on     [http://127.0.0.1:8000]
                                (put TLS in front: a reverse proxy, or c.JupyterHub.ssl_cert/ssl_key)
    COURSE_HUB_HUB_PORT         hub's internal API, on 127.0.0.1    [8081]
    COURSE_HUB_PROXY_API_PORT   proxy's REST API, on 127.0.0.1      [8001]
    COURSE_HUB_DATA_DIR         hub database, cookie secret, logs   [/srv/jupyterhub]
    COURSE_HUB_LEARNER_ENV      the learner environment             [/opt/pytorch-course/venv]
    COURSE_HUB_EXCHANGE         nbgrader exchange, if not the one the learner environment was built with
    COURSE_HUB_LEARNER_GROUP    unix group whose members may log in [pytorch-learners]
    COURSE_HUB_INSTRUCTORS      comma-separated instructor user names (admins) [instructor]
    COURSE_HUB_INSTRUCTOR_COURSE  the nbgrader course directory, relative to an instructor's
                                home                                [pytorch-course/grading]
    COURSE_HUB_INSTRUCTOR_FRAME_ANCESTORS  unset: instructors open the Formgrader in its own tab,
                                /user/<instructor>/formgrader. "'self'": JupyterLab's Nbgrader >
                                Formgrader works too, on instructors' servers only (README.md)
    COURSE_HUB_MEM_LIMIT, COURSE_HUB_CPU_LIMIT   per-learner limits  [4G, 2]
    COURSE_HUB_MAX_PROCESSES    processes and threads per user      [1024]
    COURSE_HUB_START_TIMEOUT    seconds a server may take to start  [120]
"""

import os
import pwd
import resource

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)


def setting(name, default):
    return os.environ.get("COURSE_HUB_" + name) or default


data_dir = setting("DATA_DIR", "/srv/jupyterhub")
learner_env = setting("LEARNER_ENV", "/opt/pytorch-course/venv")
exchange = setting("EXCHANGE", "")
learner_group = setting("LEARNER_GROUP", "pytorch-learners")
instructors = {name.strip() for name in setting("INSTRUCTORS", "instructor").split(",") if name.strip()}
instructor_course = setting("INSTRUCTOR_COURSE", "pytorch-course/grading")
instructor_frame_ancestors = setting("INSTRUCTOR_FRAME_ANCESTORS", "")
start_timeout = int(setting("START_TIMEOUT", "120"))

singleuser = os.path.join(learner_env, "bin", "jupyterhub-singleuser")
if not os.access(singleuser, os.X_OK):
    raise SystemExit(f"jupyterhub_config.py: no {singleuser}; build the learner environment first "
                     "(deploy/jupyterhub/setup-learner-env.sh, as root)")

os.makedirs(data_dir, mode=0o700, exist_ok=True)
if exchange:
    os.makedirs(exchange, exist_ok=True)
    os.chmod(exchange, 0o1777)  # nbgrader: everyone writes; sticky, so nobody deletes others' entries

# --- Network: the proxy is the only public endpoint; the hub and the servers stay on loopback.
c.JupyterHub.bind_url = setting("BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{setting('HUB_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('PROXY_API_PORT', '8001')}"
# The hub starts configurable-http-proxy from PATH (npm install -g configurable-http-proxy).
c.ConfigurableHTTPProxy.should_start = True
c.ConfigurableHTTPProxy.pid_file = os.path.join(data_dir, "jupyterhub-proxy.pid")

# --- State: the hub's database and cookie secret, readable by root only.
c.JupyterHub.db_url = "sqlite:///" + os.path.join(data_dir, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(data_dir, "jupyterhub_cookie_secret")

# --- Who logs in: the machine's accounts, by password (PAM).
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.PAMAuthenticator.allowed_groups = {learner_group}
c.Authenticator.allowed_users = set(instructors)
c.Authenticator.admin_users = set(instructors)
c.LocalAuthenticator.create_system_users = False  # accounts are made by the instructor (README.md), not the hub

# --- Each user's server: JupyterLab, as that unix user, from the learner environment.


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with the per-process limits that a plain process can have.

    A local process cannot be held to a memory or CPU budget (that takes a cgroup:
    systemdspawner turns mem_limit/cpu_limit into systemd's MemoryMax/CPUQuota), but
    it can have resource limits, set here before the server drops to the user:
    processes and threads per user (a fork bomb stops there), no core dumps, and a
    largest file size.
    """

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        max_processes = int(setting("MAX_PROCESSES", "1024"))

        def preexec():
            resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (8 * 2**30, 8 * 2**30))
            become_user()

        return preexec


c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.cmd = [singleuser]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = start_timeout
c.Spawner.http_timeout = start_timeout
# Nothing of root's environment (its PATH reaches into /root); the learner environment first.
c.Spawner.env_keep = ["LANG", "LC_ALL"]
cpu_limit = float(setting("CPU_LIMIT", "2"))
c.Spawner.environment = {
    "PATH": f"{learner_env}/bin:/usr/local/bin:/usr/bin:/bin",
    # torch uses this many threads per process, so learners' kernels do not all take every core.
    "OMP_NUM_THREADS": str(max(1, int(cpu_limit))),
    "MKL_NUM_THREADS": str(max(1, int(cpu_limit))),
}
if exchange:
    c.Spawner.environment["COURSE_EXCHANGE_ROOT"] = exchange  # read by the learner environment's nbgrader_config.py
# LocalProcessSpawner does NOT enforce these: it only passes them to the server as
# MEM_LIMIT / CPU_LIMIT (jupyter-resource-usage shows them). See README.md for enforcing them.
c.Spawner.mem_limit = setting("MEM_LIMIT", "4G")
c.Spawner.cpu_limit = cpu_limit


def instructor_servers(spawner):
    """Instructors' servers: nbgrader's instructor parts on, and their course's nbgrader_config.py."""
    if spawner.user.name not in instructors:
        return
    home = pwd.getpwnam(spawner.user.name).pw_dir
    environment = dict(spawner.environment, JUPYTER_CONFIG_PATH=os.pathsep.join(
        [os.path.join(learner_env, "etc", "jupyter-instructor"), os.path.join(home, instructor_course)]))
    if instructor_frame_ancestors:  # read by <learner env>/etc/jupyter-instructor/jupyter_server_config.py
        environment["COURSE_INSTRUCTOR_FRAME_ANCESTORS"] = instructor_frame_ancestors
    spawner.environment = environment


c.Spawner.pre_spawn_hook = instructor_servers

# Stop servers nobody has used for an hour: `pip install jupyterhub-idle-culler` in the
# hub's environment and uncomment.
# c.JupyterHub.services = [{"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler",
#                                                               "--timeout=3600"]}]
# c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
#                             "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
