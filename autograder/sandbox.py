"""Run a student's Jupyter kernel inside a bubblewrap sandbox, within limits.

The sandbox sees a read-only system (``/usr``, ``/etc``, the Python installation and the virtual
environment), the very ``engine`` package and ``autograder`` guard the grading process imported
(bound at ``/opt/agkit``, first on the kernel's ``sys.path``: whatever the install layout, the
kernel runs the grader's engine; nothing else of the repository), a private size-limited ``/tmp``,
no network (own network namespace; the kernel talks to the grader over Unix sockets in its
runtime folder), its own PID namespace, and one writable folder: the submission's scratch folder,
a size-limited tmpfs too.

Limits (see docs/autograder.md for what holds where):

* ``prlimit`` per process: address space, CPU time, file size, open files, core dumps, and the
  number of processes (exact when grading as root, where each worker's kernels run under their
  own uid; otherwise relative to the processes the grading user already has);
* a watchdog thread per kernel (root or not): total resident memory, number of processes and
  total CPU time of the kernel's whole process tree, polled every 0.2 s; over a limit, the tree
  is killed (the step counts as a crash);
* tmpfs sizes for ``/tmp`` and the scratch folder (RAM-backed, so they count as memory too).
"""
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import KernelManager

from . import config


class SandboxError(RuntimeError):
    """bubblewrap cannot be used on this machine (the message says why and what to do)."""


@dataclass
class Limits:
    memory: int = config.MEMORY_LIMIT        # bytes: address space per process, RSS of the tree
    cpu: int = config.CPU_LIMIT              # seconds: per process and for the whole tree
    processes: int = config.MAX_PROCESSES
    file_size: int = config.MAX_FILE_SIZE
    tmp_size: int = config.TMP_SIZE          # bytes of /tmp (tmpfs)
    scratch_size: int = config.SCRATCH_SIZE  # bytes of the scratch folder (tmpfs)


KIT = "/opt/agkit"  # where the sandbox sees the grader's engine and guard
GUARD_FILES = ("__init__.py", "kernel_guard.py")


def _engine_dir():
    """The folder of the ``engine`` package this grading process uses (or would import)."""
    mod = sys.modules.get("engine")
    if mod is not None and getattr(mod, "__file__", None):
        return os.path.realpath(os.path.dirname(mod.__file__))
    spec = importlib.util.find_spec("engine")
    if spec is None or not spec.submodule_search_locations:
        raise SandboxError("the 'engine' package is not importable from this Python; "
                           "install the kit (pip install -e .) before grading")
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def kit_binds():
    """``[(host path, sandbox path)]``: the engine package and the guard of this grader."""
    guard = os.path.realpath(os.path.dirname(__file__))
    return [(_engine_dir(), f"{KIT}/engine")] + [
        (os.path.join(guard, f), f"{KIT}/autograder/{f}") for f in GUARD_FILES]


def kernel_python():
    """This Python, by a path that exists inside the sandbox (venv folders are bound resolved)."""
    venv_python = os.path.join(os.path.realpath(sys.prefix), "bin", os.path.basename(sys.executable))
    return venv_python if os.path.exists(venv_python) else os.path.realpath(sys.executable)


def readonly_roots():
    """Host folders the kernel may read at their own path: Python installation and venv."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    roots = {r for r in roots if not r.startswith("/usr/") and r != "/usr"}
    # drop folders inside another root
    return sorted(r for r in roots if not any(r != o and r.startswith(o + "/") for o in roots))


@functools.lru_cache(maxsize=None)
def tmpfs_size_supported():
    """bubblewrap >= 0.6 limits the size of a tmpfs (``--size``); older ones cannot."""
    try:
        return "--size" in subprocess.run(["bwrap", "--help"], capture_output=True, text=True,
                                          timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False


def _size(limit):
    return ["--size", str(limit)] if tmpfs_size_supported() else []


def bwrap_args(workdir, runtime, uid=None, limits=None):
    """bubblewrap arguments (without the command) for a kernel of ``workdir``."""
    limits = limits or Limits()
    workdir, runtime = os.path.abspath(workdir), os.path.abspath(runtime)  # bwrap needs absolute paths
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", *_size(limits.tmp_size), "--tmpfs", "/tmp",
            "--perms", "1777", *_size(limits.tmp_size), "--tmpfs", "/dev/shm"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    made = {"/", "/tmp"}
    kit = kit_binds()
    for root in readonly_roots() + [str(workdir), str(runtime)] + [dst for _, dst in kit]:
        parts = Path(root).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in made:
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
    for root in readonly_roots():
        args += ["--ro-bind", root, root]
    for src, dst in kit:
        args += ["--ro-bind", src, dst]
    args += ["--perms", "1777", *_size(limits.scratch_size), "--tmpfs", str(workdir),
             "--bind", str(runtime), str(runtime), "--chdir", str(workdir), "--clearenv"]
    venv_bin = os.path.dirname(kernel_python())
    env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir),
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/mpl",
           "IPYTHONDIR": "/tmp/ipython", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "PYTHONPATH": KIT}
    for key, value in env.items():
        args += ["--setenv", key, value]
    if sys.prefix != sys.base_prefix:
        args += ["--setenv", "VIRTUAL_ENV", os.path.realpath(sys.prefix)]
    args.append("--")
    if uid is not None:  # root mode: drop to an unprivileged uid of our own inside the sandbox
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


UID_BASE, UID_COUNT = 60000, 5000  # uids the sandboxed kernels run under (root mode)
_claimed = []  # open lock files of the uids this process holds (released when it exits)


def claim_uid():
    """An unprivileged uid for this grading process's (or thread's) kernels, as root.

    Each uid is held with a lock file in ``/tmp/autograder-uids/`` for as long as the process
    lives, so that concurrent graders on one machine (two ``grade`` commands, local workers and
    cluster threads) never share a uid, and thus never share the ``prlimit --nproc`` count."""
    import fcntl
    folder = Path("/tmp/autograder-uids")
    folder.mkdir(mode=0o700, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + UID_COUNT):
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _claimed.append(fd)
        return uid
    raise SandboxError(f"all {UID_COUNT} sandbox uids from {UID_BASE} are in use by other graders")


def _user_processes():
    uid, n = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                n += 1
        except OSError:
            pass
    return n


def prlimit_args(limits, root_mode):
    nproc = limits.processes if root_mode else _user_processes() + 4 * limits.processes
    return ["prlimit", f"--as={limits.memory}", f"--cpu={limits.cpu}",
            f"--fsize={limits.file_size}", "--core=0", "--nofile=512", f"--nproc={nproc}", "--"]


def diagnose(stderr):
    """A one-paragraph cause for a kernel that did not start, from its stderr."""
    text = stderr.strip()
    if not text:
        return ""
    lines = text.splitlines()
    bwrap = [line for line in lines if line.startswith("bwrap:")]
    if bwrap:
        cause = "bubblewrap failed: " + bwrap[-1]
        if any(w in bwrap[-1] for w in ("namespace", "uid map", "not permitted", "Permission")):
            cause += ("\n  bwrap needs user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
                      "user.max_user_namespaces > 0) or root; inside Docker run with --privileged "
                      "or --security-opt seccomp=unconfined")
        return cause
    missing = [line for line in lines if "ModuleNotFoundError" in line or "ImportError" in line]
    if missing:
        return (f"the sandboxed Python cannot import what it needs: {missing[-1].strip()} "
                f"(sys.executable {sys.executable}; the sandbox binds {', '.join(readonly_roots())} "
                f"and the kit at {KIT}: is the package installed in this Python?)")
    return "the kernel said: " + " | ".join(lines[-6:])[-800:]


def check_sandbox(wait=True):
    """Raise :class:`SandboxError` with a clear explanation when bwrap does not work here.

    With ``wait=False`` the probe kernel starts and a function that finishes the check is returned:
    the caller works meanwhile (the probe takes about a second)."""
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        raise SandboxError(
            f"cannot sandbox student kernels: {', '.join(missing)} not found. Install the Debian "
            "packages 'bubblewrap' and 'util-linux' (apt-get install bubblewrap util-linux), or "
            "pass --unsafe-no-sandbox to grade trusted notebooks without protection.")
    probe = Path(os.environ.get("TMPDIR", "/tmp"), f"autograder-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    uid = 65533 if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(probe, uid, uid)
    cmd = bwrap_args(probe, probe, uid) + [
        kernel_python(), "-c", "import engine, ipykernel, autograder.kernel_guard, sys; "
        f"assert engine.__file__.startswith({KIT!r}), engine.__file__"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def finish():
        try:
            stderr = proc.communicate(timeout=120)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            stderr = proc.communicate()[1] + "\nthe probe kernel did not start within 120 s"
        finally:
            shutil.rmtree(probe, ignore_errors=True)
        if proc.returncode != 0:
            raise SandboxError(
                "cannot sandbox student kernels: " + (diagnose(stderr) or f"exit status {proc.returncode}")
                + "\nPass --unsafe-no-sandbox to grade trusted notebooks without protection.")
    return finish() if wait else finish


def _tree(root):
    """Pids of ``root`` and all its descendants, with their resident bytes and CPU seconds."""
    children, info = {}, {}
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        ppid = int(fields[1])
        children.setdefault(ppid, []).append(int(pid))
        info[int(pid)] = (int(fields[21]) * page, (int(fields[11]) + int(fields[12])) / tick)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in info:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return [(pid, *info[pid]) for pid in found]


class Watchdog(threading.Thread):
    """Kill a kernel's process tree when all its processes together exceed the limits."""

    PERIOD = 0.2

    def __init__(self, pid, limits):
        super().__init__(daemon=True)
        self.pid, self.limits = pid, limits
        self.stopped = threading.Event()
        self.exceeded = ""      # "memory" / "processes" / "cpu" once the tree was killed
        self.baseline = None    # processes of an idle kernel (sandbox + kernel)
        self.most = 0

    def run(self):
        while not self.stopped.wait(self.PERIOD):
            tree = _tree(self.pid)
            if not tree:
                return
            if self.baseline is None:
                continue  # starting up
            self.most = max(self.most, len(tree))
            rss, cpu = sum(t[1] for t in tree), sum(t[2] for t in tree)
            if rss > self.limits.memory:
                self.exceeded = "memory"
            elif len(tree) > self.limits.processes:
                self.exceeded = "processes"
            elif cpu > self.limits.cpu:
                self.exceeded = "cpu"
            if self.exceeded:
                for pid, *_ in tree:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                return


class SandboxKernelManager(KernelManager):
    """A KernelManager whose kernel command runs under prlimit + bubblewrap + a watchdog.

    Set ``workdir`` (the only writable folder), ``runtime`` (Unix sockets + connection file),
    ``uid`` (root mode) and ``limits`` before ``start_kernel``.  ``sandbox=False`` runs the
    kernel unprotected (``--unsafe-no-sandbox``; limits still apply).
    """

    def __init__(self, workdir, runtime, uid=None, limits=None, sandbox=True, **kwargs):
        super().__init__(kernel_name="python3", transport="ipc", ip=str(Path(runtime, "k")),
                         connection_file=str(Path(runtime, "kernel.json")), **kwargs)
        self.workdir, self.runtime, self.uid = Path(workdir).resolve(), Path(runtime).resolve(), uid
        self.limits, self.sandbox = limits or Limits(), sandbox
        self.watchdog = None
        self.stderr_path = self.runtime / "kernel-stderr.log"

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        cmd[0] = kernel_python()  # the kernel of this environment, whatever the kernelspec says
        if not self.sandbox:
            return prlimit_args(self.limits, False) + cmd
        if self.uid is not None:
            os.chown(self.connection_file, self.uid, self.uid)
        return prlimit_args(self.limits, self.uid is not None) + bwrap_args(
            self.workdir, self.runtime, self.uid, self.limits) + cmd

    def start_kernel(self, **kw):
        kw["stderr"] = open(self.stderr_path, "wb")
        if not self.sandbox:  # same engine and guard as the grader, first on sys.path
            kit = self.runtime / "kit"
            (kit / "autograder").mkdir(parents=True, exist_ok=True)
            for src, dst in kit_binds():
                target = kit / Path(dst).relative_to(KIT)
                if not target.exists():
                    target.symlink_to(src)
            kw["env"] = {**os.environ, "PYTHONPATH": str(kit)}
        try:
            super().start_kernel(**kw)
        finally:
            kw["stderr"].close()
        self.watchdog = Watchdog(self.provisioner.process.pid, self.limits)
        self.watchdog.start()

    def failure_cause(self):
        """`` (cause)`` of a kernel that died or did not start, from its stderr and the watchdog."""
        if self.watchdog is not None and self.watchdog.exceeded:
            return f" (killed: over the {self.watchdog.exceeded} limit of the sandbox)"
        try:
            text = self.stderr_path.read_bytes()[-20000:].decode("utf-8", "replace")
        except OSError:
            return ""
        cause = diagnose(text)
        return f"; {cause}" if cause else ""

    def over_limits(self):
        return bool(self.watchdog is not None and self.watchdog.exceeded)

    @property
    def max_processes(self):
        return self.watchdog.most if self.watchdog is not None else 0

    def mark_started(self):
        """The kernel is up: what it runs now is the sandbox itself, not the student's doing."""
        if self.watchdog is not None:
            self.watchdog.baseline = self.watchdog.most = len(_tree(self.watchdog.pid))

    def count_processes(self):
        """Count the sandbox's processes now, after a student cell: the watchdog samples every 0.2 s, and on a
        loaded machine a short-lived child can fall between its samples."""
        if self.watchdog is not None and self.watchdog.baseline is not None:
            self.watchdog.most = max(self.watchdog.most, len(_tree(self.watchdog.pid)))

    @property
    def baseline(self):
        return (self.watchdog.baseline or 0) if self.watchdog is not None else 0

    def cleanup_limits(self):
        if self.watchdog is not None:
            self.watchdog.stopped.set()
