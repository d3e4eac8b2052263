"""End to end: real nbgrader, real sandboxed kernels, a generated class with every attack."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]  # the kit, our fixtures

from ag_course import HIDDEN_LINES, write_solutions  # noqa: E402
from ag_submissions import answers, make_class  # noqa: E402
from autograder.build import build  # noqa: E402
from autograder.grade import Options, grade_class, summary_table  # noqa: E402
CANARY = Path("/tmp/autograder-canary-escribe_fuera")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    solutions = write_solutions(base / "solutions")
    course = base / "course"
    build(solutions, course)
    out = base / "out"
    entregas = base / "entregas"
    CANARY.unlink(missing_ok=True)
    secrets = {
        "read": [str(solutions / "01_sumas.ipynb"), str(out / "gradebook.db"),
                 str(entregas / "correcto_01_sumas.ipynb"), str(ROOT / "autograder" / "sample"),
                 str(ROOT / "tests" / "autograder" / "course.py"), "/root/.bash_history"],
        "write": [str(out / "gradebook.db"), str(out / "resultados" / "correcto__01_sumas.json"),
                  str(entregas / "correcto_01_sumas.ipynb"), str(CANARY), "/etc/hosts",
                  str(ROOT / "engine" / "hack.py")],
    }
    expected = make_class(course / "01_sumas.ipynb", entregas, secrets)
    opts = Options(workers=2, cell_timeout=5, total_timeout=90, progress=False)
    results, stats = grade_class(entregas, solutions, out, options=opts)
    return {"results": {r["student"].replace("-", "_"): r for r in results}, "stats": stats, "out": out,
            "expected": expected, "solutions": solutions, "entregas": entregas}


def steps_output(result):
    return "\n".join((s["result"] or {}).get("output", "") for s in result["run"]["steps"])


def test_every_score_and_status(graded):
    results, expected = graded["results"], graded["expected"]
    assert set(results) == set(expected)
    wrong = {}
    for student, want in expected.items():
        r = results[student]
        got = {int(e["id"][-1]): e["status"] for e in r["exercises"]}
        if r["score"] != want["score"] or any(got.get(n) not in (s if isinstance(s, tuple) else (s,))
                                              for n, s in want["statuses"].items()):
            wrong[student] = (r["score"], want["score"], got, r["error"])
    assert not wrong


def test_feedback_is_spanish_and_complete(graded):
    out = graded["out"]
    for student, r in graded["results"].items():
        page = (out / r["feedback"]).read_text(encoding="utf-8")
        assert "<html lang='es'>" in page
        if r["status"] == "graded":
            assert f"Puntuación: {r['score']:g} / 5" in page
            for e in r["exercises"]:
                assert f"Ejercicio {e['id'][-1]}: {e['points']:g} / {e['max']:g} puntos" in page
    parcial = (out / graded["results"]["parcial"]["feedback"]).read_text(encoding="utf-8")
    assert "cuadrados(3) debería ser [0, 1, 4]" in parcial          # the visible error
    assert "no las comprobaciones ocultas" in parcial                # hidden failure, no source


def test_hidden_tests_never_reach_feedback(graded):
    pages = [p.read_text(encoding="utf-8") for p in (graded["out"] / "feedback").rglob("*.html")]
    assert len(pages) == len(graded["expected"])
    leaks = [line for line in HIDDEN_LINES for page in pages if line in page
             or line.replace("'", "&#x27;") in page or line.replace('"', "&quot;") in page]
    assert not leaks
    # the kernel never evaluates a hidden comparison, so the attack's __eq__ saw nothing; and
    # after a hidden check ran, the feedback only has the grader's own words
    exfiltra = graded["results"]["exfiltra"]
    assert exfiltra["exercises"][1]["message"].startswith("Tu código dio un error: ValueError\n")
    # the student's own code is shown as written, even where it repeats a hidden line
    correcto = (graded["out"] / graded["results"]["correcto"]["feedback"]).read_text()
    assert "[comprobación oculta]" not in correcto


def test_sandbox_hides_secrets_and_blocks_writes(graded):
    lee = steps_output(graded["results"]["lee_secretos"])
    assert "LEIDO" not in lee and lee.count("BLOQUEADO") == 6
    escribe = steps_output(graded["results"]["escribe_fuera"])
    assert escribe.count("BLOQUEADO") == 5 and "ESCRITO propio.txt" in escribe
    assert f"ESCRITO {CANARY}" in escribe and not CANARY.exists()  # its /tmp is private
    assert not (ROOT / "engine" / "hack.py").exists()
    assert graded["results"]["correcto"]["score"] == 5
    red = steps_output(graded["results"]["red"])
    assert "CONECTADO" not in red and red.count("BLOQUEADO") == 4


def test_attack_reasons_reach_feedback(graded):
    results = graded["results"]
    assert "tardó demasiado" in results["bucle"]["exercises"][1]["message"]
    assert "MemoryError" in results["memoria"]["exercises"][0]["message"]
    assert "BlockingIOError" in results["fork"]["exercises"][1]["message"] \
        or "tardó demasiado" in results["fork"]["exercises"][1]["message"]
    assert "cerró el núcleo" in results["os_exit"]["exercises"][1]["message"]
    assert any("numpy.allclose" in n for n in results["parchea_numpy"]["notes"])
    assert any("comprobar" in n for n in results["redefine_check"]["notes"])
    assert any("builtins.abs" in n for n in results["builtins"]["notes"])
    assert any("input_transformers_cleanup" in n for n in results["transformador"]["notes"])
    assert any("Modificaste la celda bloqueada" in n for n in results["editado"]["notes"])
    assert any("2 celdas" in n for n in results["duplicado"]["notes"])
    huge = steps_output(results["salida_enorme"])
    assert huge.count("x") > 10_000 and len(huge) < 200_000  # kept output is capped
    assert results["salida_enorme"]["score"] == 5


def test_bad_files_are_reported_not_silent(graded):
    corrupto, noc = graded["results"]["corrupto"], graded["results"]["noc"]
    # told to the student in Spanish
    assert corrupto["status"] == "error" and "el cuaderno está dañado" in corrupto["error"]
    assert corrupto["notebook"] == "01_sumas.ipynb" and corrupto["max_score"] == 5
    assert noc["status"] == "error" and "no entregaste ningún cuaderno" in noc["error"]
    rows = {r["student"]: r for r in csv.DictReader(open(graded["out"] / "notas.csv"))}
    assert rows["corrupto"]["status"] == "error" and "dañado" in rows["corrupto"]["notes"]
    assert rows["noc"]["notes"].endswith("solo: noc_tarea.pdf")
    table = summary_table(list(graded["results"].values()), graded["stats"], graded["out"])
    assert "el cuaderno está dañado" in table and "noc" in table


def test_csv_and_gradebook_agree(graded):
    from nbgrader.api import Gradebook
    rows = {r["student"]: r for r in csv.DictReader(open(graded["out"] / "notas.csv"))}
    assert rows["parcial"]["ejercicio_1"] == "1" and rows["parcial"]["ejercicio_2"] == "0"
    with Gradebook(f"sqlite:///{graded['out'] / 'gradebook.db'}") as gb:
        for student, r in graded["results"].items():
            if r["status"] == "graded":
                nb = gb.find_submission_notebook("01_sumas", "01_sumas", r["student"])
                assert nb.score == r["score"] == float(rows[r["student"]]["score"])


def test_rerun_grades_nothing_twice(graded):
    before = {p.name: p.stat().st_mtime_ns for p in (graded["out"] / "resultados").glob("*.json")}
    results, stats = grade_class(graded["entregas"], graded["solutions"], graded["out"],
                                 options=Options(workers=2, progress=False))
    assert stats["graded"] == 0 and stats["reused"] == len(graded["expected"])
    after = {p.name: p.stat().st_mtime_ns for p in (graded["out"] / "resultados").glob("*.json")}
    assert after == before


def test_kill_mid_batch_then_resume(tmp_path):
    """SIGKILL the CLI once some results exist; the second run grades only the rest."""
    solutions = write_solutions(tmp_path / "solutions")
    course = build(solutions, tmp_path / "course")
    from autograder import authoring as A
    entregas = tmp_path / "entregas"
    entregas.mkdir()
    nb = answers(A.load(course[0]), e2="import time\ntime.sleep(1)\n"
                 "def cuadrados(n):\n    return [i * i for i in range(n)]")
    for i in range(8):
        (entregas / f"alumno{i}_01_sumas.ipynb").write_text(A.to_json(nb))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", str(entregas), "--solutions", str(solutions),
           "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("resultados/*.json"))) < 2:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {p.name: p.read_text() for p in out.glob("resultados/*.json")}
    assert 2 <= len(first) < 8
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"graded {8 - len(first)} submission(s)" in done.stdout
    assert f"{len(first)} already graded, reused" in done.stdout
    for name, text in first.items():  # untouched
        assert (out / "resultados" / name).read_text() == text
    rows = list(csv.DictReader(open(out / "notas.csv")))
    assert len(rows) == 8 and all(r["score"] == "5" for r in rows)
    assert not list(out.glob("resultados/*.tmp"))
    results = [json.loads(p.read_text()) for p in out.glob("resultados/*.json")]
    assert all(r["score"] == 5 for r in results)
