"""`check` runs each declared wrong answer against the VISIBLE check too: a student must not read "superada" for a
known wrong answer, unless the check says that it only checks the form (issue 15)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]

from autograder import authoring as A  # noqa: E402
from autograder.build import build  # noqa: E402
from autograder.check import check  # noqa: E402
from autograder.grade import Options  # noqa: E402


def _notebook(visible_message):
    nb = A.solution_notebook([
        A.given("datos_1", "x = 6"),
        A.answer(1, "doble = 2 * x  ### SOLUCION"),
        A.test(1, f'assert isinstance(doble, int), "{visible_message}"', "assert doble == 12", points=1),
        A.answer(2, "triple = 3 * x  ### SOLUCION"),
        A.test(2, 'assert triple == 18, "triple de 6 es 18"', "assert triple == 18", points=1),
    ])
    nb.cells[2].metadata["autograder"] = {"incorrectas": ["doble = x + 2"]}   # an int: the visible check passes
    nb.cells[4].metadata["autograder"] = {"incorrectas": ["triple = x + 3"]}  # caught by the visible check
    return nb


def test_a_visible_check_that_passes_a_known_wrong_answer_is_reported(tmp_path):
    opts = Options(workers=2, cell_timeout=20, progress=False, sandbox=False)
    A.write(_notebook("doble debe ser un número entero"), tmp_path / "s" / "01_dobles.ipynb")
    build(tmp_path / "s", tmp_path / "c")
    problems, _ = check(tmp_path / "s", tmp_path / "c", opts)
    assert [p for p in problems if "visible check" in p] == [
        "01_dobles.ipynb: the visible check of test_ejercicio_1 passes the wrong answer 'doble = x + 2' (only hidden "
        "tests catch it): make it fail, or say in its message that it 'solo comprueba la forma'"]
    A.write(_notebook("doble debe ser un entero (esta comprobación solo comprueba la forma)"),
            tmp_path / "s" / "01_dobles.ipynb")
    build(tmp_path / "s", tmp_path / "c")
    problems, _ = check(tmp_path / "s", tmp_path / "c", opts)
    assert problems == []
