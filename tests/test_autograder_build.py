"""build and check: conventions, blanks, determinism, sync, soundness of the tests."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]

from ag_course import write_solutions  # noqa: E402
from autograder import authoring as A  # noqa: E402
from autograder.build import BuildError, build, clear_inline, out_of_sync  # noqa: E402
from autograder.build import student_setup_source  # noqa: E402
from autograder.notebooks import read_notebook, NotebookError  # noqa: E402


@pytest.mark.parametrize("line, blank", [
    ("resultado = tf.multiply(x, y)  ### SOLUCION", "resultado = ## Code ##"),
    ("    total += precio * 2 ### SOLUCION", "    total += ## Code ##"),
    ("sess.run(c, feed_dict={a: 1})  ### SOLUCION", "## Code ##"),
    ("z = f(a=1) == 3  ### SOLUCION", "z = ## Code ##"),
    ("mask = x <= 3  ### SOLUCION", "mask = ## Code ##"),
])
def test_inline_solution_becomes_blank(line, blank):
    assert clear_inline(line + "\nprint(1)\n") == (blank + "\nprint(1)\n", True)


def test_build_blanks_hides_tests_and_is_reproducible(tmp_path):
    solutions = write_solutions(tmp_path / "solutions")
    first = {p.name: p.read_bytes() for p in build(solutions, tmp_path / "course")}
    assert first == {p.name: p.read_bytes() for p in build(solutions, tmp_path / "course")}
    assert out_of_sync(solutions, tmp_path / "course") == []
    nb = json.loads(first["01_sumas.ipynb"])
    text = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"]}
    assert text["ejercicio_1"] == "resultado = ## Code ##"
    assert text["ejercicio_2"] == "def cuadrados(n):\n    ## Code ##"
    assert text["preparacion"] == student_setup_source()
    assert "HIDDEN" not in text["test_ejercicio_2"] and "cuadrados(5)" not in text["test_ejercicio_2"]
    whole = first["01_sumas.ipynb"].decode()
    assert "SOLUCION" not in whole and "x * y" not in whole and "i * i" not in whole
    for c in nb["cells"]:
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        if c["metadata"]["nbgrader"]["locked"]:
            assert c["metadata"]["editable"] is False and c["metadata"]["deletable"] is False


def test_stale_course_is_reported(tmp_path):
    solutions = write_solutions(tmp_path / "solutions")
    build(solutions, tmp_path / "course")
    (tmp_path / "course" / "02_arrays.ipynb").write_text("{}")
    (tmp_path / "course" / "99_viejo.ipynb").write_text("{}")
    assert out_of_sync(solutions, tmp_path / "course") == ["02_arrays.ipynb", "99_viejo.ipynb"]


def test_bad_solutions_are_named_with_file_and_cell(tmp_path):
    bad = A.solution_notebook([A.given("datos_1", "x = 1"), A.answer(1, "r = x  ### SOLUCION"),
                               A.test(1, "assert r == 1", points=0),
                               A.given("datos_2", "y = 2  ### SOLUCION")], total_points=3)
    A.write(bad, tmp_path / "s" / "03_malo.ipynb")
    (tmp_path / "s" / "04_roto.ipynb").write_text('{"cells": [')
    with pytest.raises(BuildError) as err:
        build(tmp_path / "s", tmp_path / "c")
    msg = str(err.value)
    assert "03_malo.ipynb, cell 3 (grade_id test_ejercicio_1): test cells need points > 0" in msg
    assert "03_malo.ipynb, cell 4 (grade_id datos_2): solution markers in a cell" in msg
    assert "03_malo.ipynb: declared total_points 3 but the test cells add up to 0" in msg
    assert "04_roto.ipynb: corrupted notebook JSON at line 1, column 12" in msg
    assert not (tmp_path / "c").exists()


def test_setup_cell_is_inserted_when_missing(tmp_path):
    nb = A.solution_notebook([A.answer(1, "r = 1  ### SOLUCION"), A.test(1, "assert r == 1")])
    del nb.cells[0]
    A.write(nb, tmp_path / "s" / "05_x.ipynb")
    cells = read_notebook(build(tmp_path / "s", tmp_path / "c")[0])["cells"]
    assert cells[0]["metadata"]["nbgrader"]["grade_id"] == "preparacion" and len(cells) == 3


def test_read_notebook_rejects_non_notebooks(tmp_path):
    (tmp_path / "a.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (tmp_path / "b.ipynb").write_text('{"hola": 1}')
    with pytest.raises(NotebookError, match="a.ipynb: not a notebook"):
        read_notebook(tmp_path / "a.ipynb")
    with pytest.raises(NotebookError, match="b.ipynb: JSON without a 'cells' list"):
        read_notebook(tmp_path / "b.ipynb")


def test_check_passes_on_a_sound_course_and_catches_a_weak_test(tmp_path):
    from autograder.check import check
    from autograder.grade import Options
    solutions = write_solutions(tmp_path / "solutions")
    build(solutions, tmp_path / "course")
    opts = Options(workers=2, cell_timeout=10, progress=False)
    problems, lines = check(solutions, tmp_path / "course", opts)
    assert problems == [] and len(lines) == 2 and "solution 5/5, untouched 0" in lines[0]
    weak = A.solution_notebook([
        A.given("datos_1", "x = 2"),
        A.answer(1, "doble = 2 * x  ### SOLUCION"),
        A.test(1, "assert True", points=1),                        # checks nothing
        A.answer(2, "mitad = x / 2  ### SOLUCION"),
        A.test(2, 'assert mitad == 1, "mitad de 2 es 1"', points=1),
    ])
    weak.cells[4].metadata["autograder"] = {"incorrectas": ["mitad = x / 4"]}
    A.write(weak, tmp_path / "solutions" / "03_debil.ipynb")
    (tmp_path / "solutions" / "02_arrays.ipynb").unlink()
    problems, _ = check(solutions, tmp_path / "course", opts)
    assert any("out of sync" in p and "02_arrays.ipynb, 03_debil.ipynb" in p for p in problems)
    assert any("03_debil.ipynb: test_ejercicio_1 passes with every wrong answer" in p for p in problems)
    assert any("untouched student notebook earns 1 points on test_ejercicio_1" in p for p in problems)
    assert not any("test_ejercicio_2" in p for p in problems)
