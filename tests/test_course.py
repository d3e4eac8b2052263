"""The course: every solution notebook runs, every student notebook has its blanks and no solution, course/ is in
sync with solutions/, and the autograder gives full marks to each solution and 0 to each untouched student notebook."""
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from autograder.build import _assignment_split

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
TOPICS = ["00_bienvenida", "01_tensores_y_grafos", "02_sesiones", "03_variables_y_placeholders", "04_ver_el_grafo",
          "05_resolver_ecuaciones", "06_diferenciacion_automatica", "07_optimizadores", "08_red_neuronal",
          "09_digitos", "10_de_tf1_a_tf2", "11_guardar_y_restaurar", "12_control_de_flujo",
          "13_redes_convolucionales"]


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def test_the_course_has_every_chapter():
    assert [p.stem for p in SOLUTIONS] == TOPICS
    assert sorted(p.stem for p in (ROOT / "course").glob("*.ipynb")) == TOPICS


def test_course_is_in_sync_with_solutions():
    from autograder.build import out_of_sync
    stale = out_of_sync(ROOT / "solutions", ROOT / "course")
    assert not stale, f"run `python -m autograder build`: {stale} differ from a fresh build"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_chapter_has_exercises_with_checks(path):
    cells = _cells(path)
    answers = [c for c in cells if _meta(c).get("solution")]
    tests = [c for c in cells if _meta(c).get("grade") and _meta(c).get("points", 0) > 0]
    assert len(answers) >= 5 and len(tests) >= len(answers)
    for t in tests:
        src = _source(t)
        assert "### BEGIN HIDDEN TESTS" in src and "assert" in src.split("### BEGIN HIDDEN TESTS")[0], \
            f"{path.name}: {_meta(t)['grade_id']} needs a visible check and hidden tests"
    assert "import engine as tf" in "".join(_source(c) for c in cells)
    assert "import tensorflow" not in "".join(_source(c) for c in cells)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_student_notebook_has_blanks_and_no_solution(path):
    student = ROOT / "course" / path.name
    text = student.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "### SOLUCION", "HIDDEN TESTS"):
        assert marker not in text, f"{student.name} still contains {marker!r}"
    by_id = {_meta(c).get("grade_id"): c for c in _cells(student)}
    for cell in _cells(path):
        if not _meta(cell).get("solution"):
            continue
        mine = _source(by_id[_meta(cell)["grade_id"]])
        assert "## Code ##" in mine, f"{student.name}: {_meta(cell)['grade_id']} has no blank"
        solution = _source(cell)
        answers = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", solution, re.S)
        for line in solution.splitlines():  # inline answers: what build replaces (after the `=`, or the whole line)
            if line.rstrip().endswith("### SOLUCION"):
                code = line.replace("### SOLUCION", "").strip()
                answers.append(code[_assignment_split(code) or 0:].strip())
        given = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "", solution, flags=re.S)  # shown to students
        for answer in answers:
            for line in answer.strip().splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#") and line not in given:
                    assert line not in mine, f"{student.name}: solution line {line!r} leaked"
    for cell in _cells(student):
        assert not cell.get("outputs") and cell.get("execution_count") is None


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_runs_top_to_bottom(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    shutil.copy(path, tmp_path / path.name)
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                            ).execute()
    seconds = time.perf_counter() - start
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    pictures = sum("image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
                   for c in nb.cells for o in c.get("outputs", []))
    print(f"{path.stem}: {seconds:.1f} s, {pictures} pictures")


#: The notebooks `make test` checks end to end (1.5 of the 10 minutes of the whole course, idle): a first chapter, one
#: whose checks compare numbers after training, one with control flow; `make slow` and `make check` check them all.
CHECK_SAMPLE = ["01", "05", "12"]


def _round_trip(notebooks=None):
    from autograder.check import check
    from autograder.grade import Options
    problems, lines = check(ROOT / "solutions", ROOT / "course", Options(notebooks=notebooks))
    print("\n".join(lines))
    assert not problems, "\n".join(problems)
    assert len(lines) == len(notebooks or SOLUTIONS)


def test_autograder_round_trip_on_a_sample():
    """`python -m autograder check --notebook ...` on a sample: each solution earns full marks, each untouched student
    notebook 0 on every test, every test cell fails on each wrong answer (the visible checks too), points agree
    (sandboxed, as in real grading)."""
    _round_trip(CHECK_SAMPLE)


@pytest.mark.slow
def test_autograder_round_trip_full_marks_and_zeros():
    """The same on the whole course."""
    _round_trip()


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_one_style_for_headings_success_lines_and_guards(path):
    """Every notebook reads alike: exercise headings `Ejercicio N: título`; a check starts with a guard that names
    what is missing when the exercise cell was not run (or failed), instead of a NameError; and it ends with the
    success line `✔ Ejercicio N: comprobación superada.`."""
    cells = _cells(path)
    headings = [line for c in cells if c["cell_type"] == "markdown" for line in _source(c).splitlines()
                if re.match(r"#+ .*Ejercicio \d", line)]
    assert headings and all(re.match(r"#{2,3} Ejercicio \d+: \S", h) for h in headings), headings
    for cell in cells:
        m = re.fullmatch(r"test_ejercicio_(\d+)", _meta(cell).get("grade_id", ""))
        if not m:
            continue
        visible = _source(cell).split("### BEGIN HIDDEN TESTS")[0]
        first = next(line for line in visible.splitlines() if line.strip() and not line.startswith(("import ", "from ")))
        assert "in globals()" in first, f"{path.name} {m.group(0)}: the check should start with a guard, not {first!r}"
        successes = re.findall(r'print\(f?"(✔[^"]*)"', visible)
        assert successes and all(s.startswith(f"✔ Ejercicio {m.group(1)}: comprobación superada.") for s in successes), \
            f"{path.name} {m.group(0)}: {successes}"
