"""Submissions per minute: ``python -m autograder grade`` vs plain sequential ``nbgrader autograde``.

Both grade the same class (the bundled sample course, its submissions replicated to --students)
end to end from the command line, in one run; the ratio is printed at the end.

    .venv/bin/python bench/bench_autograder.py [--students 16] [--workers N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import config  # noqa: E402
from autograder.build import generate  # noqa: E402
from autograder.sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS  # noqa: E402

KINDS = ["ana", "bruno", "carmen", "fermin"]  # correct, blank, partly wrong, stripped metadata


def timed(cmd, **kw):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--students", type=int, default=16)
    p.add_argument("--workers", type=int, default=config.WORKERS)  # the grader's default
    args = p.parse_args()
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory(prefix="bench-autograder-") as tmp:
        tmp = Path(tmp)
        flat = tmp / "entregas"
        flat.mkdir()
        nbg = tmp / "nbgrader"
        generate(SAMPLE_SOLUTIONS, nbg / "release" / "00_muestra", nbg / "gradebook.db")
        shutil.copytree(SAMPLE_SOLUTIONS, nbg / "source" / "00_muestra")
        for i in range(args.students):
            kind = KINDS[i % len(KINDS)]
            src = SAMPLE_SUBMISSIONS / f"{kind}_00_muestra.ipynb"
            student = f"s{i:03d}"
            shutil.copyfile(src, flat / f"{student}_00_muestra.ipynb")
            target = nbg / "submitted" / student / "00_muestra" / "00_muestra.ipynb"
            target.parent.mkdir(parents=True)
            shutil.copyfile(src, target)
        plain = timed([os.path.join(bindir, "nbgrader"), "autograde", "00_muestra", "--force",
                       f"--CourseDirectory.root={nbg}",
                       f"--CourseDirectory.db_url=sqlite:///{nbg / 'gradebook.db'}"], env=env)
        ours = timed([sys.executable, "-m", "autograder", "grade", str(flat), "--solutions",
                      str(SAMPLE_SOLUTIONS), "--out", str(tmp / "out"), "--workers",
                      str(args.workers), "--quiet"], env=env, cwd=ROOT)
    n = args.students
    print(f"class: {n} submissions of the sample course, {os.cpu_count()} core(s)")
    print(f"nbgrader autograde (sequential, no sandbox): {plain:6.1f} s  {60 * n / plain:6.1f} submissions/min")
    print(f"python -m autograder grade ({args.workers} workers, sandboxed): {ours:6.1f} s  "
          f"{60 * n / ours:6.1f} submissions/min")
    print(f"ratio autograder / nbgrader: {plain / ours:.2f}x")


if __name__ == "__main__":
    main()
