"""A term end to end, with real nbgrader and real kernels: a class downloaded from Moodle (zip of
folders) and Canvas (flat names), resubmissions, same names, a roster, partial credit, a manually
graded question, a deadline with a penalty, LMS exports, statistics, exact regrades, Ctrl-C.

The kernels run without bubblewrap here (the sandbox has its own tests): what is tested is the
term's bookkeeping around the grader.
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]

from ag_lms import EXPLICACION, write_class, write_course  # noqa: E402
from autograder import authoring as A  # noqa: E402
from autograder.build import build, update  # noqa: E402
from autograder.grade import Options, grade_class, summary_table  # noqa: E402
from autograder.matching import match_answers  # noqa: E402

pytestmark = pytest.mark.xdist_group("autograder_term")


def options(**kw):
    return Options(workers=2, cell_timeout=20, total_timeout=120, progress=False, sandbox=False, **kw)


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    base = tmp_path_factory.mktemp("term")
    solutions = write_course(base / "solutions")
    build(solutions, base / "course")
    expected = write_class(base / "course", base)
    out = base / "out"
    sources = [base / "moodle.zip", base / "canvas"]
    opts = options(roster=str(base / "roster.csv"))
    results, stats = grade_class(sources, solutions, out, options=opts)
    return {"base": base, "solutions": solutions, "out": out, "sources": sources, "opts": opts,
            "expected": expected, "results": {(r["student"], r["notebook"][:-6]): r for r in results},
            "order": [r["name"] for r in results], "stats": stats,
            "summary": summary_table(results, stats, out)}


def test_every_student_is_found_and_scored(term):
    got = {k: r for k, r in term["results"].items() if r["status"] != "missing"}
    assert set(got) == set(term["expected"])
    wrong = {k: (r["score"], r["status"], r["error"]) for k, r in got.items()
             if (r["score"], r["status"]) != (term["expected"][k]["auto"], term["expected"][k]["status"])}
    assert not wrong


def test_moodle_and_canvas_names_ids_and_order(term):
    r = term["results"]
    assert r[("ursula-iniguez_1001", "01_notas")]["name"] == "Úrsula Íñiguez"
    assert r[("ursula-iniguez_1001", "01_notas")]["sid"] == "1001"
    # same name, different ids: two students, never merged
    assert {r[("ana-garcia_1003", "01_notas")]["sid"], r[("ana-garcia_1004", "01_notas")]["sid"]} == {"1003", "1004"}
    assert r[("garciaana_2002", "02_extra")]["score"] == 2 and r[("garciaana_2003", "02_extra")]["score"] == 0
    order = term["order"]
    assert order.index("Úrsula Íñiguez") < order.index("Zoe Abad")  # accents do not count
    assert order == sorted(order, key=lambda n: n.lower().replace("ú", "u").replace("í", "i"))
    others = rows(term["out"] / "otros_archivos.csv")
    assert [o["file"].endswith("onlinetext.html") for o in others].count(True) == 1
    assert not any("onlinetext" in k[0] for k in r)  # not a student


def test_resubmissions_resolved_with_a_note(term):
    zoe = term["results"][("zoe-abad_1002", "01_notas")]
    assert zoe["file"].endswith("01_notas (1).ipynb") and zoe["score"] == 4
    assert any("Entregaste 2 archivos" in n and "«01_notas.ipynb»" in n for n in zoe["notes"])
    elena = term["results"][("diazelena_2001", "01_notas")]
    assert elena["file"].endswith("01_notas-1.ipynb") and elena["score"] == 4
    replaced = {o["file"] for o in rows(term["out"] / "otros_archivos.csv") if o["why"].startswith("replaced")}
    assert replaced == {"Zoe Abad_1002_assignsubmission_file_/01_notas.ipynb",
                        "diazelena_2001_90001_01_notas.ipynb"}
    assert "reentrega" in term["summary"]


def test_roster_lists_who_submitted_nothing(term):
    missing = [r for r in term["results"].values() if r["status"] == "missing"]
    assert {r["name"] for r in missing} == {"Pedro Sanz"}
    assert "no submission from 1 student(s) of the roster: Pedro Sanz" in term["summary"]
    pedro = [r for r in rows(term["out"] / "notas.csv") if r["name"] == "Pedro Sanz"]
    assert pedro and all(r["final"] == "0" and r["notes"] == "sin entrega" for r in pedro)


def test_empty_and_colab_files(term):
    bruno = term["results"][("bruno-diaz_1005", "01_notas")]
    assert bruno["error"] == "01_notas.ipynb: el archivo está vacío"
    page = (term["out"] / bruno["feedback"]).read_text(encoding="utf-8")
    assert "el archivo está vacío" in page and "JSON" not in page
    colab = term["results"][("ana-garcia_1004", "01_notas")]  # no metadata, edited, moved
    assert colab["score"] == 4 and all(e["status"] == "correcto" for e in colab["exercises"][:2])


def test_partial_credit_per_test_cell(term):
    ana = term["results"][("ana-garcia_1003", "01_notas")]
    ex2 = next(e for e in ana["exercises"] if e["id"] == "ejercicio_2")
    assert (ex2["points"], ex2["max"], ex2["status"]) == (1, 3, "parcial")
    assert [p["points"] for p in ex2["parts"]] == [1, 0]
    page = (term["out"] / ana["feedback"]).read_text(encoding="utf-8")
    assert "Superaste 1 de 2 partes" in page and "un 5 también aprueba" in page
    assert "4.99" not in page  # the hidden part stays hidden


def test_big_output_does_not_cut_the_verdict(term):
    carla = term["results"][("carla-ruiz_1006", "01_notas")]
    assert carla["score"] == 4 and not any("Modificaste" in n for n in carla["notes"])


def test_late_penalty_in_csv_and_feedback(term):
    luis = term["results"][("lopezluis_2004", "02_extra")]
    assert luis["late"]["days"] == 2 and luis["penalty"] == 0.4 and luis["final"] == 1.6
    row = next(r for r in rows(term["out"] / "notas.csv") if r["student"] == "lopezluis_2004")
    assert (row["late_days"], row["penalty"], row["final"]) == ("2", "0.4", "1.6")
    page = (term["out"] / luis["feedback"]).read_text(encoding="utf-8")
    assert "penalización del 20 %" in page and "Nota final: 1.6 / 2" in page
    on_time = term["results"][("garciaana_2002", "02_extra")]
    assert on_time["penalty"] == 0 and on_time["late"]["days"] == 0


def test_gradebook_one_assignment_per_notebook(term):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{term['out'] / 'gradebook.db'}") as gb:
        assert sorted(a.name for a in gb.assignments) == ["01_notas", "02_extra"]
        assert gb.find_submission("01_notas", "bruno-diaz_1005").score == 0  # unreadable: 0
        assert gb.find_submission("01_notas", "ana-garcia_1003").score == 2
        luis = gb.find_submission_notebook("02_extra", "02_extra", "lopezluis_2004")
        assert luis.late_submission_penalty == 0.4
        assert gb.find_grade("pregunta_1", "01_notas", "01_notas", "ursula-iniguez_1001").needs_manual_grade


def test_lms_grade_files_and_feedback_archives(term):
    out = term["out"]
    moodle = {r["Identifier"]: r for r in rows(out / "moodle_01_notas.csv")}
    assert moodle["Participant 1003"]["Grade"] == "2.00" and moodle["Participant 1003"]["Maximum Grade"] == "6.00"
    assert moodle["Participant 1001"]["Full name"] == "Úrsula Íñiguez"
    with open(out / "canvas.csv", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert canvas[0][:2] == ["Student", "ID"] and "Práctica 1 (52001)" in canvas[0]
    assert canvas[1][0] == "Points Possible"
    luis = next(r for r in canvas if r[1] == "2004")
    assert luis[canvas[0].index("02_extra")] == "1.6"
    with zipfile.ZipFile(out / "subir" / "moodle_01_notas.zip") as zf:
        names = zf.namelist()
    assert "Úrsula Íñiguez_1001_assignsubmission_file_/01_notas_correccion.html" in names
    assert "Bruno Díaz_1005_assignsubmission_file_/01_notas_correccion.html" in names
    with zipfile.ZipFile(out / "subir" / "canvas_02_extra.zip") as zf:
        assert "garciaana_2002_90003_02_extra_correccion.html" in zf.namelist()


def test_statistics_plot_and_text_chart(term):
    out = term["out"]
    stats = {(r["notebook"], r["exercise"]): r for r in rows(out / "estadisticas.csv")}
    ex2 = stats[("01_notas", "ejercicio_2")]
    assert ex2["submissions"] == "6" and ex2["share_full_marks"] == "0.83"  # 5 of 6 readable
    assert ex2["commonest_failure"] == "La comprobación falló: AssertionError: un 5 también aprueba"
    chart = ET.parse(out / "estadisticas.svg").getroot()  # well-formed, one label per exercise
    labels = [t.text for t in chart.iter("{http://www.w3.org/2000/svg}text")]
    assert all(f"{nb} · {ex.replace('ejercicio_', 'ej ')}" in labels for nb, ex in stats), labels
    widths = [r.get("width") for r in chart.iter("{http://www.w3.org/2000/svg}rect")]
    assert f"{400 * 5 / 6:.1f}" in widths  # ejercicio_2's full-marks bar: 5 of 6
    assert "01_notas ej2" in term["summary"] and "█" in term["summary"]


def test_manual_sheet_regrades_and_locked_cells(term):
    """Fill the manual sheet; change 02's hidden test: exactly 02's submissions are regraded."""
    out, base = term["out"], term["base"]
    sheet = rows(out / "revision_manual.csv")
    assert (out / "revision_manual.html").exists()
    ursula = next(r for r in sheet if r["student"] == "ursula-iniguez_1001")
    assert ursula["answer"] == EXPLICACION and ursula["points"] == ""
    colab = next(r for r in sheet if r["student"] == "ana-garcia_1004")  # found without metadata
    assert colab["answer"] == EXPLICACION
    ana = next(r for r in sheet if r["student"] == "ana-garcia_1003")
    assert ana["points"] == "0" and ana["comment"] == "Sin responder."
    ursula.update(points="1.5", comment="Bien, pero nombra la desviación típica.")
    with open(out / "revision_manual.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(sheet[0]))
        w.writeheader()
        w.writerows(sheet)
    sol = A.load(term["solutions"] / "02_extra.ipynb")
    A.cell(sol, "test_ejercicio_1").source = A.cell(sol, "test_ejercicio_1").source.replace(
        "isinstance(doble, int)", "doble % 2 == 0")
    A.write(sol, term["solutions"] / "02_extra.ipynb")
    results, stats = grade_class(term["sources"], term["solutions"], out, options=term["opts"])
    assert (stats["regraded"], stats["new"], stats["reused"]) == (3, 0, 7)
    text = summary_table(results, stats, out)
    assert "3 regraded because the submission or its notebook changed; 7 already graded, reused" in text
    r = {(x["student"], x["notebook"]): x for x in results}
    u = r[("ursula-iniguez_1001", "01_notas.ipynb")]
    assert u["score"] == 5.5 and "nombra la desviación" in (out / u["feedback"]).read_text(encoding="utf-8")
    pending = stats["manual_pending"]
    kept = next(x for x in rows(out / "revision_manual.csv") if x["student"] == "ursula-iniguez_1001")
    assert (kept["points"], kept["answer"]) == ("1.5", EXPLICACION)
    # an answer that is not the one graded (a resubmission) is pending again
    sheet = rows(out / "revision_manual.csv")
    next(x for x in sheet if x["student"] == "ursula-iniguez_1001")["answer"] = "otra respuesta"
    with open(out / "revision_manual.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(sheet[0]))
        w.writeheader()
        w.writerows(sheet)
    # --regrade forces, --notebook limits
    results, stats = grade_class(term["sources"], term["solutions"], out,
                                 options=options(roster=term["opts"].roster, regrade=True, notebooks=["02"]))
    assert (stats["regraded"], stats["reused"], stats["manual_pending"]) == (3, 7, pending + 1)
    u = next(x for x in results if x["student"] == "ursula-iniguez_1001")
    assert u["score"] == 4
    again = next(x for x in rows(out / "revision_manual.csv") if x["student"] == "ursula-iniguez_1001")
    assert again["points"] == "" and again["comment"].startswith("(respuesta nueva; la anterior tenía 1.5 puntos)")


def test_instructor_edit_of_a_locked_cell_is_not_the_students(tmp_path):
    """A student notebook released before the instructor fixed a test: no false tampering note;
    a student's own edit of a locked cell is still named."""
    solutions = write_course(tmp_path / "s")
    old = A.load(build(solutions, tmp_path / "c1")[0])
    sol = A.load(solutions / "01_notas.ipynb")
    A.cell(sol, "test_ejercicio_1").source = A.cell(sol, "test_ejercicio_1").source.replace("20/3", "20 / 3")
    A.cell(sol, "datos_1").source += "\n# datos revisados"
    A.write(sol, solutions / "01_notas.ipynb")
    new = A.load(build(solutions, tmp_path / "c2")[0])
    _, _, notes = match_answers(new, old, sol)
    assert notes == []
    edited = A.fill(old, 1, "media = 5")
    A.cell(edited, "datos_1").source = "notas = [10, 10, 10]"
    _, _, notes = match_answers(new, edited, sol)
    assert notes == ["Modificaste la celda bloqueada «datos_1»: se usó la versión original."]


def test_build_is_incremental(tmp_path):
    solutions = write_course(tmp_path / "s")
    paths, rebuilt = update(solutions, tmp_path / "c", tmp_path / "db.sqlite", own_db=False)
    assert rebuilt == ["01_notas.ipynb", "02_extra.ipynb"]
    before = {p.name: p.read_bytes() for p in paths}
    _, rebuilt = update(solutions, tmp_path / "c", tmp_path / "db.sqlite", own_db=False)
    assert rebuilt == []
    sol = A.load(solutions / "02_extra.ipynb")
    A.cell(sol, "datos_1").source += "\nx = 1"
    A.write(sol, solutions / "02_extra.ipynb")
    paths, rebuilt = update(solutions, tmp_path / "c", tmp_path / "db.sqlite", own_db=False)
    assert rebuilt == ["02_extra.ipynb"] and paths[0].read_bytes() == before["01_notas.ipynb"]
    proc = subprocess.run([sys.executable, "-m", "autograder", "build", "--solutions", str(solutions),
                           "--course", str(tmp_path / "c")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.count("(unchanged)") == 2, proc.stderr


def test_check_one_notebook_without_setup_cell_shows_hidden_error(tmp_path):
    from autograder.check import check
    nb = A.solution_notebook([
        A.given("datos_1", "x = 3"),
        A.answer(1, "doble = 2 * x  ### SOLUCION"),
        A.test(1, 'assert doble == 6, "el doble de 3 es 6"', 'assert doble == 7, "oculto: siete"'),
    ])
    del nb.cells[0]  # no setup cell: build accepts it and inserts one
    A.write(nb, tmp_path / "s" / "05_sin_preparacion.ipynb")
    write_course(tmp_path / "s")
    build(tmp_path / "s", tmp_path / "c")
    problems, lines = check(tmp_path / "s", tmp_path / "c", options(notebooks=["05"]))
    assert len(lines) == 1 and lines[0].startswith("05_sin_preparacion.ipynb")
    assert any("AssertionError: oculto: siete" in p for p in problems), problems
    assert not any("passes with every wrong answer" in p for p in problems), problems


def test_ctrl_c_stops_kernels_and_writes_a_partial_csv(tmp_path):
    solutions = write_course(tmp_path / "s")
    course = build(solutions, tmp_path / "c")
    entregas = tmp_path / "entregas"
    entregas.mkdir()
    slow = A.fill(A.load(course[1]), 1, "import time\ntime.sleep(60)\ndoble = 42")
    quick = A.fill(A.load(course[1]), 1, "doble = 42")
    (entregas / "abel_02_extra.ipynb").write_text(A.to_json(quick))
    for i in range(4):
        (entregas / f"zeta{i}_02_extra.ipynb").write_text(A.to_json(slow))
    out = tmp_path / "out"
    mark = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", str(entregas), "--solutions", str(solutions),
         "--out", str(out), "--workers", "2", "--quiet", "--unsafe-no-sandbox", "--timeout", "120"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "AG_TEST_MARK": mark})
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob("resultados/*.json")):
        time.sleep(0.2)
    time.sleep(2)  # the slow ones are running now
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    import psutil

    def kernels_and_workers():
        found = []
        for p in psutil.process_iter():
            try:
                if p.pid != proc.pid and p.environ().get("AG_TEST_MARK") == mark:
                    found.append(p.cmdline())
            except (psutil.Error, OSError):
                pass
        return found
    t0 = time.time()
    while kernels_and_workers() and time.time() - t0 < 30:
        time.sleep(0.5)
    assert time.time() - t0 < 15, kernels_and_workers()  # stopped within seconds
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-2000:]
    assert "INTERRUPTED" in stdout and "Traceback" not in stderr
    graded = rows(out / "notas.csv")
    assert [r["student"] for r in graded] == ["abel"] and graded[0]["score"] == "2"


@pytest.mark.parametrize("path, lms, name, sid, original", [
    ("Ana García_1001_assignsubmission_file_/sub/01_x.ipynb", "moodle", "Ana García", "1001", "sub/01_x.ipynb"),
    ("Ana García_1001_assignsubmission_file_01_x (1).ipynb", "moodle", "Ana García", "1001", "01_x (1).ipynb"),
    ("garciaana_late_1001_67890_01 x-2.ipynb", "canvas", "garciaana", "1001", "01 x-2.ipynb"),
    ("Tarea 1_agarcia_attempt_2026-03-01-10-15-00_01_x.ipynb", "blackboard", "agarcia", "agarcia", "01_x.ipynb"),
    ("Ana García - 01_x.ipynb", "classroom", "Ana García", "Ana García", "01_x.ipynb"),
    ("ana/01_x.ipynb", "carpeta", "ana", "ana", "01_x.ipynb"),
    ("ana.garcia_01_x.ipynb", "nombre", "ana.garcia", "ana.garcia", "ana.garcia_01_x.ipynb"),
])
def test_lms_file_names(path, lms, name, sid, original):
    from autograder.collect import identify
    fields, problem = identify(Path(path), r"^(?P<student>[^_]+)_")
    assert problem is None
    assert (fields["lms"], fields["name"], fields["sid"], fields["original"]) == (lms, name, sid, original)


def test_roster_formats(tmp_path):
    from autograder.collect import Submission, missing_from_roster, read_roster
    (tmp_path / "a.csv").write_text("Identifier;Full name;Email\nParticipant 7;Ana García;a@x\n"
                                    "Participant 8;Luis López;l@x\n", encoding="utf-8")
    roster = read_roster(tmp_path / "a.csv")
    assert roster == [("7", "Ana García"), ("8", "Luis López")]
    canvas = Submission("lopezluis_99", "f", Path("f"), name="lopezluis", sid="99")
    assert missing_from_roster(roster, [canvas]) == [("7", "Ana García")]  # Canvas's lopezluis
    (tmp_path / "b.csv").write_text("1001,Úrsula\n1002,Zoe\n", encoding="utf-8")
    assert read_roster(tmp_path / "b.csv") == [("1001", "Úrsula"), ("1002", "Zoe")]
