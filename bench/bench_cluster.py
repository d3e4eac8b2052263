"""Grading throughput on a Dask cluster: submissions per minute with 1 and with 2 local workers, their ratio, and the
projected time of a MOOC's grading (55,000 gradings: 5,000 students x 11 notebooks) for a given number of workers.

A scheduler and its workers are started with Dask's own command line on 127.0.0.1, as an instructor would start them
on a cluster; each run grades the same class (the bundled sample course, replicated to --students) in one process of
``python -m autograder grade --cluster``, sandboxed as a local grading is.

    .venv/bin/python bench/bench_cluster.py [--students 12] [--project-workers 100]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS  # noqa: E402

KINDS = ["ana", "bruno", "carmen", "fermin"]  # correct, blank, partly wrong, stripped metadata
GRADINGS = 55_000


def per_minute(n_workers, entregas, tmp):
    """Submissions per minute of one ``grade --cluster`` run on ``n_workers`` fresh local workers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address, dask = f"tcp://127.0.0.1:{port}", str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp)
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              **quiet)]
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet)
              for _ in range(n_workers)]
    try:
        from distributed import Client
        with Client(address, timeout=60) as c:
            c.wait_for_workers(n_workers, timeout=120)
        out = tmp / f"out-{n_workers}"
        # build the course once, untimed, so that both runs time only the grading
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp / "vacio"), "--solutions",
                        str(SAMPLE_SOLUTIONS), "--out", str(out), "--quiet"], check=True, **quiet)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(entregas), "--solutions",
                        str(SAMPLE_SOLUTIONS), "--out", str(out), "--cluster", address, "--quiet"],
                       check=True, **quiet)
        seconds = time.perf_counter() - start
    finally:
        for p in procs:
            p.kill()
            p.wait()
    return 60 * len(list(entregas.iterdir())) / seconds, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--students", type=int, default=12)
    p.add_argument("--project-workers", type=int, default=100,
                   help="worker count (one core each) for the projected MOOC grading time")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        entregas = tmp / "entregas"
        entregas.mkdir()
        (tmp / "vacio").mkdir()
        for i in range(args.students):
            shutil.copyfile(SAMPLE_SUBMISSIONS / f"{KINDS[i % len(KINDS)]}_00_muestra.ipynb",
                            entregas / f"s{i:03d}_00_muestra.ipynb")
        one, t1 = per_minute(1, entregas, tmp)
        two, t2 = per_minute(2, entregas, tmp)
    print(f"class: {args.students} submissions of the sample course, {os.cpu_count()} core(s), sandboxed")
    print(f"1 worker : {t1:6.1f} s  {one:6.1f} submissions/min")
    print(f"2 workers: {t2:6.1f} s  {two:6.1f} submissions/min")
    print(f"ratio 2 workers / 1 worker: {two / one:.2f}x")
    per_worker = two / 2
    hours = GRADINGS / (per_worker * args.project_workers) / 60
    print(f"projected: {GRADINGS:,} gradings on {args.project_workers} workers at {per_worker:.1f}/min each: "
          f"{hours:.1f} h (one worker: {GRADINGS / per_worker / 60:.0f} h)")


if __name__ == "__main__":
    main()
