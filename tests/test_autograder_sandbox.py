"""The sandbox: limits over all of a kernel's processes, the grader's own engine inside, failures
named by their cause, and a batch that finishes whatever happens (also on a loaded machine)."""
import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.grade import Options, grade_class  # noqa: E402
from autograder.runner import Step, execute  # noqa: E402
from autograder.sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS  # noqa: E402
from autograder.sandbox import Limits  # noqa: E402

pytestmark = pytest.mark.xdist_group("autograder-sandbox")


def run(tmp_path, code, **limits):
    workdir = tmp_path / "w"
    workdir.mkdir()
    started = time.monotonic()
    out = execute([Step("student", "x", code)], workdir, limits=Limits(**limits),
                  cell_timeout=60, total_timeout=120)
    return out, time.monotonic() - started


def test_memory_of_all_processes_together_is_limited(tmp_path):
    # three processes of 400 MB: each within the per-process limit, together over it
    out, seconds = run(tmp_path, """import subprocess, sys, time
hijos = [subprocess.Popen([sys.executable, "-c",
         "a = b'x' * (400 << 20); import time; time.sleep(60)"]) for _ in range(3)]
time.sleep(50)
print("SIGUE VIVO")""", memory=1 << 30)
    assert out.fatal.get(0) == "crash" and seconds < 45


# writes 100 MiB into /tmp, /dev/shm and the scratch folder, printing whether each fitted
FILL_DISKS = '''for carpeta in ("/tmp", "/dev/shm", "."):
    try:
        with open(os.path.join(carpeta, "grande"), "wb") as f:
            for _ in range(100):
                f.write(b"x" * (1 << 20))
        print("CABE", carpeta)
    except OSError as e:
        print("LLENO", carpeta, e.errno)
'''


def test_processes_cpu_and_tmpfs_are_limited(tmp_path):
    out, seconds = run(tmp_path, """import os, subprocess, sys
""" + FILL_DISKS + """hijos = []
try:
    for _ in range(100):
        hijos.append(subprocess.Popen(["sleep", "30"]))
except OSError as e:
    print("SIN PROCESOS", e.errno)
import time
time.sleep(30)
""", tmp_size=32 << 20, scratch_size=32 << 20, processes=20)
    assert out.fatal.get(0) == "crash" and seconds < 45  # killed: more than 20 processes
    # the output of the killed run is lost with it; run the disk part alone
    shutil.rmtree(tmp_path / "w")
    out, _ = run(tmp_path, "import os\n" + FILL_DISKS, tmp_size=32 << 20, scratch_size=32 << 20)
    assert out.results[0].output.split() == ["LLENO", "/tmp", "28", "LLENO", "/dev/shm", "28",
                                             "LLENO", ".", "28"]
    shutil.rmtree(tmp_path / "w")
    out, seconds = run(tmp_path, """import subprocess, sys
hijos = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
hijos[0].wait()
""", cpu=3)
    assert out.fatal.get(0) == "crash" and seconds < 45


def _copy_kit(tmp_path):
    kit = tmp_path / "copia"
    for pkg in ("engine", "autograder"):
        shutil.copytree(ROOT / pkg, kit / pkg, ignore=shutil.ignore_patterns("__pycache__", "sample"))
    return kit


def _in_copy(kit, code):
    """Run ``code`` with the copy first on sys.path (as if the kit were installed from there)."""
    return subprocess.run([sys.executable, "-c", code], cwd=kit, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(kit)})


def test_the_kernel_runs_the_graders_engine(tmp_path):
    kit = _copy_kit(tmp_path)
    (kit / "engine" / "_copia.py").write_text("DONDE = 'la copia'\n")
    (tmp_path / "w").mkdir()
    done = _in_copy(kit, f"""import engine
assert engine.__file__.startswith({str(kit)!r}), engine.__file__
from autograder.runner import Step, execute
out = execute([Step("trusted", "x", "import engine, engine._copia\\nprint(engine._copia.DONDE, engine.__file__)")],
              {str(tmp_path / 'w')!r})
print(out.fatal, out.results[0].output, out.results[0].error)""")
    assert done.returncode == 0, done.stderr
    assert "la copia /opt/agkit/engine/__init__.py" in done.stdout


def test_a_broken_sandbox_names_the_cause(tmp_path):
    kit = _copy_kit(tmp_path)
    (kit / "engine" / "__init__.py").write_text("raise ImportError('motor roto a propósito')\n")
    done = _in_copy(kit, """from autograder.sandbox import SandboxError, check_sandbox
try:
    check_sandbox()
except SandboxError as e:
    print(e)""")
    assert "cannot import" in done.stdout and "motor roto a propósito" in done.stdout, done


def test_a_kernel_that_cannot_start_is_retried_then_recorded(tmp_path):
    entregas = tmp_path / "entregas"
    entregas.mkdir()
    shutil.copy(SAMPLE_SUBMISSIONS / "ana_00_muestra.ipynb", entregas)
    started = time.monotonic()
    results, _ = grade_class(entregas, SAMPLE_SOLUTIONS, tmp_path / "out", options=Options(
        workers=1, progress=False, limits=Limits(memory=40 << 20)))  # Python cannot even start
    assert time.monotonic() - started < 120
    (r,) = results
    assert r["status"] == "error" and r["error"].startswith("no se pudo iniciar Python")
    # the cause, from the kernel's own stderr
    assert "MemoryError" in r["error"] or "Cannot allocate memory" in r["error"]
    rows = list(csv.DictReader(open(tmp_path / "out" / "notas.csv")))
    assert rows[0]["status"] == "error" and "no se pudo iniciar" in rows[0]["notes"]


def test_a_class_next_to_cpu_burners(tmp_path):
    entregas = tmp_path / "entregas"
    entregas.mkdir()
    expected = {"ana": 5, "bruno": 0, "carmen": 3}
    for student in expected:
        shutil.copy(SAMPLE_SUBMISSIONS / f"{student}_00_muestra.ipynb", entregas)
    burners = [subprocess.Popen(["timeout", "240", sys.executable, "-c", "while True: pass"])
               for _ in range(2)]
    try:
        results, _ = grade_class(entregas, SAMPLE_SOLUTIONS, tmp_path / "out",
                                 options=Options(workers=2, progress=False))
    finally:
        for b in burners:  # SIGTERM, which `timeout` passes on (SIGKILL would orphan its burning child)
            b.terminate()
            b.wait()
    assert {r["student"]: r["score"] for r in results} == expected
    assert len(list(csv.DictReader(open(tmp_path / "out" / "notas.csv")))) == 3


def test_concurrent_graders_never_share_a_sandbox_uid():
    """Two grading processes on one machine get different uids, hence separate --nproc counts."""
    from autograder.sandbox import UID_BASE, UID_COUNT, claim_uid
    mine = claim_uid()
    code = "from autograder.sandbox import claim_uid; print(claim_uid(), claim_uid())"
    theirs = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    uids = [mine, *map(int, theirs)]
    assert len(set(uids)) == 3 and all(UID_BASE <= u < UID_BASE + UID_COUNT for u in uids), uids
