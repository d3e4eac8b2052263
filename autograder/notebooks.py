"""Reading notebooks tolerantly and checking solution notebooks against docs/CONVENTIONS.md."""
import json
import re
from pathlib import Path

from .config import INLINE_MARKER, SETUP_ID

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
EXERCISE_ID = re.compile(r"^ejercicio_(\d+)$")
#: Test cells of exercise N: ``test_ejercicio_N``, and more parts ``test_ejercicio_N_<x>``, each
#: with its own points (partial credit, as in nbgrader).
TEST_ID = re.compile(r"^test_ejercicio_(\d+)(?:_([a-z0-9]+))?$")
#: Manually graded answers (nbgrader ``grade: true, solution: true``, markdown or code).
MANUAL_ID = re.compile(r"^pregunta_(\d+)$")


def exercise_of(test_id):
    """``test_ejercicio_2_b`` -> ``ejercicio_2``."""
    return f"ejercicio_{TEST_ID.match(test_id).group(1)}"


def is_manual(cell):
    """A manually graded answer cell (nbgrader ``solution`` and ``grade``)."""
    return bool(meta(cell).get("solution") and meta(cell).get("grade"))


class NotebookError(Exception):
    """A notebook (or file) that cannot be used; the message names the file and the problem.

    ``es`` is the same problem told to the student, in Spanish (it goes to the feedback page).
    """

    def __init__(self, message, es=None):
        super().__init__(message)
        self.es = es or message


def read_notebook(path, data=None):
    """Parse an ``.ipynb`` leniently (missing ids, stripped metadata are fine) into a dict.

    Raises :class:`NotebookError` naming the file and the position of a JSON error.
    """
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    name = path.name
    if not data.strip():
        raise NotebookError(f"{name}: empty file", f"{name}: el archivo está vacío")
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotebookError(f"{name}: not a notebook (binary content, not UTF-8 JSON)",
                            f"{name}: no es un cuaderno de Jupyter (contenido binario)") from None
    except json.JSONDecodeError as e:
        raise NotebookError(
            f"{name}: corrupted notebook JSON at line {e.lineno}, column {e.colno}: {e.msg}",
            f"{name}: el cuaderno está dañado (su JSON se corta o tiene un error en la línea "
            f"{e.lineno}, columna {e.colno}); vuelve a descargarlo desde Jupyter o Colab") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{name}: JSON without a 'cells' list, not a Jupyter notebook",
                            f"{name}: es un archivo JSON pero no un cuaderno de Jupyter")
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise NotebookError(f"{name}: cell {i} is not a notebook cell",
                                f"{name}: la celda {i} no es una celda de cuaderno válida")
    return nb


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def meta(cell):
    """The cell's nbgrader metadata (``{}`` when missing or malformed)."""
    md = cell.get("metadata")
    nbg = md.get("nbgrader") if isinstance(md, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell):
    gid = meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def split_hidden(test_source):
    """Split a test cell into (visible part, hidden part)."""
    if BEGIN_HIDDEN not in test_source:
        return test_source, ""
    visible, _, rest = test_source.partition(BEGIN_HIDDEN)
    hidden, _, after = rest.partition(END_HIDDEN)
    return visible + after, hidden


def normalized(text):
    """Source with trailing spaces and blank lines removed, for comparing cells."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def check_solution(nb, name):
    """Return the list of convention errors of a solution notebook (empty when sound)."""
    errors = []
    seen = {}
    exercises = set()

    def err(i, gid, msg):
        where = f"cell {i}" + (f" (grade_id {gid})" if gid else "")
        errors.append(f"{name}, {where}: {msg}")

    for i, cell in enumerate(nb["cells"]):
        nbg = meta(cell)
        src = source(cell)
        gid = grade_id(cell)
        if not nbg:
            if INLINE_MARKER in src or "BEGIN SOLUTION" in src:
                err(i, None, "solution markers in a cell without nbgrader metadata")
            continue
        if nbg.get("schema_version") != 3:
            err(i, gid, f"nbgrader schema_version must be 3, found {nbg.get('schema_version')!r}")
        if not gid:
            err(i, None, "nbgrader cell without a grade_id")
            continue
        if gid in seen:
            err(i, gid, f"duplicated grade_id (also cell {seen[gid]})")
        seen[gid] = i
        solution, grade, locked = (bool(nbg.get(k)) for k in ("solution", "grade", "locked"))
        m_ex, m_test = EXERCISE_ID.match(gid), TEST_ID.match(gid)
        if solution and grade:  # manually graded answer (markdown or code)
            if not MANUAL_ID.match(gid):
                err(i, gid, "manually graded cells (solution and grade) need grade_id pregunta_N")
            points = nbg.get("points")
            if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
                err(i, gid, f"manually graded cells need points > 0, found {points!r}")
            continue
        if solution:
            if cell["cell_type"] != "code" or not m_ex:
                err(i, gid, "answer cells must be code cells with grade_id ejercicio_N")
            else:
                exercises.add(m_ex.group(1))
        elif INLINE_MARKER in src or "BEGIN SOLUTION" in src:
            err(i, gid, "solution markers in a cell that is not an answer cell (solution: false)")
        if grade:
            points = nbg.get("points")
            if not m_test or cell["cell_type"] != "code":
                err(i, gid, "graded cells must be code test cells with grade_id test_ejercicio_N "
                            "(or test_ejercicio_N_<part>), or manually graded answers pregunta_N")
            elif m_test.group(1) not in exercises:
                err(i, gid, f"test cell without a preceding answer cell ejercicio_{m_test.group(1)}")
            if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
                err(i, gid, f"test cells need points > 0, found {points!r}")
            if not locked:
                err(i, gid, "test cells must be locked")
            if src.count(BEGIN_HIDDEN) != src.count(END_HIDDEN) or src.count(BEGIN_HIDDEN) > 1:
                err(i, gid, f"unbalanced '{BEGIN_HIDDEN}' / '{END_HIDDEN}'")
        elif m_test:
            err(i, gid, "test_ejercicio_N cells must be graded (grade: true, points > 0)")
        if gid == SETUP_ID and i != 0:
            err(i, gid, "the setup cell must be cell 0")
    for ex in sorted(exercises):
        if not any(TEST_ID.match(g) and TEST_ID.match(g).group(1) == ex for g in seen):
            errors.append(f"{name}: ejercicio_{ex} has no test cell test_ejercicio_{ex}")
    declared = nb.get("metadata", {}).get("autograder", {}).get("total_points")
    total = sum(meta(c).get("points", 0) for c in nb["cells"] if meta(c).get("grade"))
    if declared is not None and declared != total:
        errors.append(f"{name}: declared total_points {declared} but the test cells add up to {total}")
    return errors
