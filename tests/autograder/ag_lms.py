"""A term's course and class, downloaded the way Moodle and Canvas give them.

``write_course(folder)``: two small notebooks: ``01_notas`` (exercise 2 has two test cells of 1
and 2 points, plus a manually graded free-text question ``pregunta_1`` of 2 points) and
``02_extra`` (one exercise), and ``curso.toml`` with a deadline and a late penalty for 02.

``write_class(course_dir, base)`` writes ``base/moodle.zip`` (folders per participant, as
Moodle's "Download all submissions"), ``base/canvas/`` (Canvas's flat names), ``base/roster.csv``
and returns ``{(student key, notebook stem): expected}``.
"""
import copy
import json
import os
import time
import zipfile
from pathlib import Path

from autograder import authoring as A
from nbformat.v4 import new_markdown_cell

NOTAS = A.solution_notebook([
    A.explanation(1, "# Notas\nUnas notas de ejemplo."),
    A.given("datos_1", "import numpy as np\nnotas = np.array([4.0, 7.0, 9.0])"),
    A.answer(1, "media = notas.mean()  ### SOLUCION"),
    A.test(1, 'assert abs(media - 20 / 3) < 1e-9, "la media de [4, 7, 9] es 20/3"',
           "assert np.isclose(media, np.mean(notas))"),
    A.explanation(2, "Escribe `aprobados(a)`: las notas de 5 o más."),
    A.answer(2, "def aprobados(a):\n    ### BEGIN SOLUTION\n    return a[a >= 5]\n    ### END SOLUTION"),
    A.test(2, 'assert list(aprobados(notas)) == [7.0, 9.0], "aprobados(notas) es [7, 9]"'),
    A.test("2_b", 'assert len(aprobados(np.array([5.0]))) == 1, "un 5 también aprueba"',
           "assert len(aprobados(np.array([4.99, 5.0, 10.0]))) == 2", points=2),
    A.explanation(3, "**Pregunta 1.** Explica por qué la media no basta para describir las notas."),
], total_points=6)
NOTAS.cells.append(new_markdown_cell(
    "La media esconde la dispersión: ### BEGIN SOLUTION\nhace falta la desviación típica.\n"
    "### END SOLUTION", id="pregunta-1",
    metadata={"nbgrader": {"grade": True, "solution": True, "locked": False, "points": 2,
                           "grade_id": "pregunta_1", "schema_version": 3}}))
NOTAS.metadata.autograder = {"total_points": 6}

EXTRA = A.solution_notebook([
    A.given("datos_1", "import numpy as np"),
    A.answer(1, "doble = 2 * 21  ### SOLUCION"),
    A.test(1, 'assert doble == 42, "doble debe valer 42"', "assert isinstance(doble, int)", points=2),
])

OK = {1: "media = notas.mean()", 2: "def aprobados(a):\n    return a[a >= 5]"}
CURSO_TOML = """timezone = "UTC"
[deadlines]
"02" = 2026-03-09T23:59:00
[late_penalty]
percent_per_day = 10
max_percent = 50
grace_minutes = 5
[canvas]
"01_notas" = "Práctica 1 (52001)"
"""
DEADLINE_02 = 1773100740  # 2026-03-09T23:59:00Z
EXPLICACION = "La media no dice si las notas están juntas o separadas: falta la dispersión."


def write_course(folder):
    folder = Path(folder)
    A.write(NOTAS, folder / "01_notas.ipynb")
    A.write(EXTRA, folder / "02_extra.ipynb")
    (folder / "curso.toml").write_text(CURSO_TOML, encoding="utf-8")
    return folder


def answered(nb, e1=OK[1], e2=OK[2], text=None):
    nb = A.fill(A.fill(nb, 1, e1), 2, e2)
    if text is not None:
        A.cell(nb, "pregunta_1").source = text
    return nb


def colab(nb):
    """What Colab gives back after harmless edits: no metadata, a print added to a given cell,
    the answer of exercise 1 moved to the very top."""
    nb = copy.deepcopy(nb)
    A.cell(nb, "datos_1").source += "\nprint(notas)"
    ans = A.cell(nb, "ejercicio_1")
    nb.cells.remove(ans)
    nb.cells.insert(0, ans)
    return A.to_json(A.strip_metadata(nb), drop_ids=True)


def write_class(course_dir, base):
    base = Path(base)
    blank1 = A.load(Path(course_dir) / "01_notas.ipynb")
    blank2 = A.load(Path(course_dir) / "02_extra.ipynb")
    good1 = answered(blank1, text=EXPLICACION)
    good2 = A.to_json(A.fill(blank2, 1, "doble = 42"))
    expected = {}
    stamp = time.mktime((2026, 3, 1, 12, 0, 0, 0, 0, -1))

    # ---- Moodle: one folder per participant and plugin, in a zip
    moodle = {
        "Úrsula Íñiguez_1001_assignsubmission_file_/01_notas.ipynb": A.to_json(good1),
        "Úrsula Íñiguez_1001_assignsubmission_onlinetext_/onlinetext.html": "<p>Adjunto mi cuaderno</p>",
        "Zoe Abad_1002_assignsubmission_file_/01_notas.ipynb": A.to_json(blank1),
        "Zoe Abad_1002_assignsubmission_file_/01_notas (1).ipynb": A.to_json(good1),
        "Ana García_1003_assignsubmission_file_/01_notas.ipynb": A.to_json(
            answered(blank1, e2="def aprobados(a):\n    return a[a > 5]")),
        "Ana García_1004_assignsubmission_file_/01_notas.ipynb": colab(good1),
        "Bruno Díaz_1005_assignsubmission_file_/01_notas.ipynb": "",
        "Carla Ruiz_1006_assignsubmission_file_/01_notas.ipynb": A.to_json(answered(
            blank1, e2='def aprobados(a):\n    print("x" * 150_000)\n    return a[a >= 5]')),
    }
    expected.update({
        ("ursula-iniguez_1001", "01_notas"): {"auto": 4, "status": "graded"},
        ("zoe-abad_1002", "01_notas"): {"auto": 4, "status": "graded"},
        ("ana-garcia_1003", "01_notas"): {"auto": 2, "status": "graded"},
        ("ana-garcia_1004", "01_notas"): {"auto": 4, "status": "graded"},
        ("bruno-diaz_1005", "01_notas"): {"auto": 0, "status": "error"},
        ("carla-ruiz_1006", "01_notas"): {"auto": 4, "status": "graded"},
    })
    with zipfile.ZipFile(base / "moodle.zip", "w") as zf:
        for name, text in moodle.items():
            info = zipfile.ZipInfo(name, time.localtime(stamp)[:6])
            info.flag_bits |= 0x800
            zf.writestr(info, text)

    # ---- Canvas: flat names with user id and attachment id, -1 for a resubmission
    canvas = base / "canvas"
    canvas.mkdir(parents=True)
    files = {
        "diazelena_2001_90001_01_notas.ipynb": (A.to_json(blank1), stamp),
        "diazelena_2001_90002_01_notas-1.ipynb": (A.to_json(good1), stamp),
        "garciaana_2002_90003_02_extra.ipynb": (good2, stamp),
        "garciaana_2003_90004_02_extra.ipynb": (A.to_json(blank2), stamp),
        "lopezluis_late_2004_90005_02_extra.ipynb": (good2, DEADLINE_02 + 30 * 3600),
    }
    for name, (text, when) in files.items():
        (canvas / name).write_text(text, encoding="utf-8")
        os.utime(canvas / name, (when, when))
    expected.update({
        ("diazelena_2001", "01_notas"): {"auto": 4, "status": "graded"},
        ("garciaana_2002", "02_extra"): {"auto": 2, "status": "graded"},
        ("garciaana_2003", "02_extra"): {"auto": 0, "status": "graded"},
        ("lopezluis_2004", "02_extra"): {"auto": 2, "status": "graded", "late_days": 2},
    })
    (base / "roster.csv").write_text("id,nombre\n1001,Úrsula Íñiguez\n1002,Zoe Abad\n"
                                     "3001,Pedro Sanz\n", encoding="utf-8")
    json.dumps({str(k): v for k, v in expected.items()})
    return expected
