"""Run a student's Jupyter kernel inside a bubblewrap sandbox.

The sandbox sees a read-only system (``/usr``, ``/etc``, the Python installation, the virtual
environment and the ``engine`` package, nothing else of the repository), a private ``/tmp``, no
network (own network namespace; the kernel talks to the grader over Unix sockets in its runtime
folder), its own PID namespace, and exactly one writable folder: the submission's scratch folder.
``prlimit`` caps address space, CPU time, file size and (when grading as root, where the kernel
runs under a per-worker uid) the number of processes.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import KernelManager

from . import config


class SandboxError(RuntimeError):
    """bubblewrap cannot be used on this machine (the message says why and what to do)."""


@dataclass
class Limits:
    memory: int = config.MEMORY_LIMIT
    cpu: int = config.CPU_LIMIT
    processes: int = config.MAX_PROCESSES
    file_size: int = config.MAX_FILE_SIZE


def _engine_dir():
    spec = importlib.util.find_spec("engine")
    if spec is None or not spec.submodule_search_locations:
        raise SandboxError("the 'engine' package is not importable from this Python; "
                           "install the kit (pip install -e .) before grading")
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def readonly_roots():
    """Host folders the kernel may read: Python installation, venv, the engine package."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), _engine_dir()}
    roots = {r for r in roots if not r.startswith("/usr/") and r != "/usr"}
    # drop folders inside another root
    return sorted(r for r in roots if not any(r != o and r.startswith(o + "/") for o in roots))


def bwrap_args(workdir, runtime, uid=None):
    """bubblewrap arguments (without the command) for a kernel of ``workdir``."""
    workdir, runtime = os.path.abspath(workdir), os.path.abspath(runtime)  # bwrap needs absolute paths
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    made = {"/", "/tmp"}
    for root in readonly_roots() + [str(workdir), str(runtime)]:
        parts = Path(root).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in made:
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
    for root in readonly_roots():
        args += ["--ro-bind", root, root]
    args += ["--bind", str(workdir), str(workdir), "--bind", str(runtime), str(runtime),
             "--chdir", str(workdir), "--clearenv"]
    venv_bin = os.path.dirname(sys.executable)
    env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir),
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/mpl",
           "IPYTHONDIR": "/tmp/ipython", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for key, value in env.items():
        args += ["--setenv", key, value]
    if sys.prefix != sys.base_prefix:
        args += ["--setenv", "VIRTUAL_ENV", sys.prefix]
    args.append("--")
    if uid is not None:  # root mode: drop to an unprivileged uid of our own inside the sandbox
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


def prlimit_args(limits, root_mode):
    args = ["prlimit", f"--as={limits.memory}", f"--cpu={limits.cpu}",
            f"--fsize={limits.file_size}", "--core=0", "--nofile=512"]
    if root_mode:
        args.append(f"--nproc={limits.processes}")
    return args + ["--"]


def check_sandbox():
    """Raise :class:`SandboxError` with a clear explanation when bwrap does not work here."""
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        raise SandboxError(
            f"cannot sandbox student kernels: {', '.join(missing)} not found. Install the Debian "
            "packages 'bubblewrap' and 'util-linux' (apt-get install bubblewrap util-linux), or "
            "pass --unsafe-no-sandbox to grade trusted notebooks without protection.")
    probe = Path(os.environ.get("TMPDIR", "/tmp"), f"autograder-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        uid = 65533 if os.geteuid() == 0 else None
        if uid is not None:
            os.chown(probe, uid, uid)
        cmd = bwrap_args(probe, probe, uid) + [sys.executable, "-c", "import engine, ipykernel"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if result.returncode != 0:
        raise SandboxError(
            "cannot sandbox student kernels: bubblewrap failed here:\n  "
            + (result.stderr.strip() or f"exit status {result.returncode}")
            + "\nbwrap needs user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
            "user.max_user_namespaces > 0) or root; inside Docker run with --privileged or "
            "--security-opt seccomp=unconfined. Pass --unsafe-no-sandbox to grade trusted "
            "notebooks without protection.")


class SandboxKernelManager(KernelManager):
    """A KernelManager whose kernel command runs under prlimit + bubblewrap.

    Set ``workdir`` (the only writable folder), ``runtime`` (Unix sockets + connection file),
    ``uid`` (root mode) and ``limits`` before ``start_kernel``.  ``sandbox=False`` runs the
    kernel unprotected (``--unsafe-no-sandbox``).
    """

    def __init__(self, workdir, runtime, uid=None, limits=None, sandbox=True, **kwargs):
        super().__init__(kernel_name="python3", transport="ipc", ip=str(Path(runtime, "k")),
                         connection_file=str(Path(runtime, "kernel.json")), **kwargs)
        self.workdir, self.runtime, self.uid = Path(workdir).resolve(), Path(runtime).resolve(), uid
        self.limits, self.sandbox = limits or Limits(), sandbox

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        cmd[0] = sys.executable  # the kernel of this environment, whatever the kernelspec says
        if not self.sandbox:
            return prlimit_args(self.limits, False) + cmd
        if self.uid is not None:
            os.chown(self.connection_file, self.uid, self.uid)
        return prlimit_args(self.limits, self.uid is not None) + bwrap_args(
            self.workdir, self.runtime, self.uid) + cmd
