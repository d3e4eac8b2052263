"""Grading on a Dask cluster (autograder/cluster.py), end to end: a scheduler and two workers started with Dask's
own command line on 127.0.0.1, the bundled sample class plus two attacks graded through them, one worker killed
mid-batch, the scheduler lost mid-batch and the run resumed, and a submission that kills its worker every time."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import cluster  # noqa: E402
from autograder.grade import Options, grade_class  # noqa: E402
from autograder.notebooks import read_notebook  # noqa: E402
from autograder.sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS  # noqa: E402

pytestmark = pytest.mark.xdist_group("cluster")  # one worker runs them all, in order
DASK = str(Path(sys.executable).with_name("dask"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and ``n`` nanny-less workers as processes of Dask's own command line."""

    def __init__(self, tmp, n=2, allowed_failures=3, nanny=False):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}",
               "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures)}
        log = open(tmp / f"dask-{self.address.rsplit(':', 1)[1]}.log", "w")
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", port,
                                           "--no-dashboard"], env=env, stdout=log, stderr=log, cwd=tmp)
        worker = [DASK, "worker", self.address, "--nthreads", "1", "--no-dashboard"] + ([] if nanny else ["--no-nanny"])
        self.workers = [subprocess.Popen(worker, env=env, stdout=log, stderr=log, cwd=tmp) for _ in range(n)]
        with distributed.Client(self.address, timeout=60) as c:
            c.wait_for_workers(n, timeout=120)

    def busy_worker_pid(self, timeout=300):
        """The pid of a worker process that is grading something right now."""
        with distributed.Client(self.address, timeout=30) as c:
            pids = c.run(os.getpid)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                busy = [w for w, tasks in c.processing().items() if tasks]
                if busy:
                    return pids[busy[0]]
                time.sleep(0.2)
        raise AssertionError("no worker started grading")

    def stop(self):
        for p in self.workers + [self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait()


def _class(tmp):
    """The sample class plus two attacks on the sample course."""
    entregas = tmp / "entregas"
    shutil.copytree(SAMPLE_SUBMISSIONS, entregas)
    blank = read_notebook(SAMPLE_SUBMISSIONS / "bruno_00_muestra.ipynb")
    attacks = {
        # a blank notebook that tries to leave the sandbox and to forge the results folder
        "intruso": "import os, pathlib\nfor p in pathlib.Path('/').glob('**/resultados'):\n    pass\n"
                   "open('/tmp/x', 'w').write('x' * 10**6)\nprint('PASSED ' * 1000)",
        # a blank notebook whose first cell kills its own kernel
        "suicida": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    }
    import json
    for who, code in attacks.items():
        nb = json.loads(json.dumps(blank))
        first = next(c for c in nb["cells"] if c["cell_type"] == "code" and "## Code ##" in "".join(c["source"]))
        first["source"] = code
        (entregas / f"{who}_00_muestra.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return entregas


def _scores(results):
    return {(r["student"], r["notebook"]): (r["score"], r["status"],
                                            tuple((e["id"], e["points"]) for e in r["exercises"]))
            for r in results}


def _opts(**kw):
    return Options(workers=2, cell_timeout=10, total_timeout=120, progress=False, **kw)


@pytest.fixture(scope="module")
def local_grades(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    results, _ = grade_class(_class(tmp), SAMPLE_SOLUTIONS, tmp / "out", options=_opts())
    return _scores(results)


def test_cluster_grades_equal_local_grades_with_a_worker_killed_mid_batch(tmp_path, local_grades):
    c = Cluster(tmp_path)
    try:
        box = {}
        run = threading.Thread(target=lambda: box.update(r=grade_class(
            _class(tmp_path), SAMPLE_SOLUTIONS, tmp_path / "out", options=_opts(cluster=c.address))))
        run.start()
        os.kill(c.busy_worker_pid(), signal.SIGKILL)  # kill -9 a worker while it grades
        run.join(600)
        results, stats = box["r"]
    finally:
        c.stop()
    assert _scores(results) == local_grades
    assert stats["graded"] == len(local_grades) == 8
    assert {r["student"]: r["score"] for r in results}["ana"] == 5
    assert (tmp_path / "out" / "notas.csv").read_text(encoding="utf-8").count("\n") == 9
    assert all((tmp_path / "out" / r["feedback"]).exists() for r in results)


@pytest.mark.slow  # `make slow`; `make test` runs the killed-worker batch as the sample
def test_lost_scheduler_stops_cleanly_and_a_rerun_grades_only_the_rest(tmp_path, local_grades):
    entregas, out = _class(tmp_path), tmp_path / "out"
    c = Cluster(tmp_path, n=1)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(entregas), "--solutions",
                                 str(SAMPLE_SOLUTIONS), "--out", str(out), "--cluster", c.address, "--quiet",
                                 "--timeout", "10"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 600
        while not list(out.glob("resultados/*.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
        c.scheduler.kill()  # the scheduler is lost after the first result came back
        _, err = proc.communicate(timeout=300)
    finally:
        c.stop()
    assert proc.returncode == 2, err[-2000:]
    assert "lost the Dask scheduler" in err and "Traceback" not in err
    saved = len(list(out.glob("resultados/*.json")))
    assert 1 <= saved < 8
    c = Cluster(tmp_path, n=2)
    try:
        results, stats = grade_class(entregas, SAMPLE_SOLUTIONS, out, options=_opts(cluster=c.address))
    finally:
        c.stop()
    assert stats["reused"] == saved and stats["graded"] == 8 - saved
    assert _scores(results) == local_grades


def _kills_its_worker(course, options, sub, data):
    if sub.student == "asesino":
        os._exit(1)  # as an out-of-memory kill of the worker would
    return cluster.grade_remote(course, options, sub, data)


@pytest.mark.slow  # `make slow`; `make test` runs the killed-worker batch as the sample
def test_a_submission_that_kills_its_worker_every_time_is_an_error_after_n_tries(tmp_path):
    from autograder.grade import collect, prepare
    entregas = tmp_path / "entregas"
    entregas.mkdir()
    for who in ("ana", "asesino"):
        shutil.copy(SAMPLE_SUBMISSIONS / "ana_00_muestra.ipynb", entregas / f"{who}_00_muestra.ipynb")
    out = tmp_path / "out"
    course = prepare(SAMPLE_SOLUTIONS, out)
    (out / ".trabajo").mkdir(exist_ok=True)
    subs, _ = collect(entregas, course, out / "entregas")
    c = Cluster(tmp_path, n=2, allowed_failures=1, nanny=True)
    try:
        results = cluster.run_cluster(subs, course, out, _opts(cluster=c.address), task=_kills_its_worker)
    finally:
        c.stop()
    by = {r["student"]: r for r in results}
    assert by["ana"]["score"] == 5 and by["ana"]["status"] == "graded"
    assert by["asesino"]["status"] == "error" and by["asesino"]["score"] == 0
    assert "killed its worker" in by["asesino"]["error"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(SAMPLE_SUBMISSIONS), "--solutions",
                           str(SAMPLE_SOLUTIONS), "--out", str(tmp_path / "out"), "--cluster",
                           f"tcp://127.0.0.1:{_free_port()}", "--quiet"], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert "cannot reach the Dask scheduler" in proc.stderr and "Traceback" not in proc.stderr
