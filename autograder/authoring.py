"""Small helpers to write solution notebooks and to fake student submissions (sample class, tests)."""
import copy
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .build import setup_cell_metadata
from .config import setup_cell_source
from .notebooks import grade_id


def _nbg(gid, *, solution=False, grade=False, locked=False, points=None):
    md = {"grade": grade, "solution": solution, "locked": locked, "grade_id": gid, "schema_version": 3}
    if points is not None:
        md["points"] = points
    return {"nbgrader": md}


def explanation(n, text):
    return new_markdown_cell(text, id=f"explicacion-{n}", metadata=_nbg(f"explicacion_{n}", locked=True))


def given(gid, code):
    """A locked code cell that students read and run (data, helpers)."""
    return new_code_cell(code, id=gid.replace("_", "-"), metadata=_nbg(gid, locked=True))


def answer(n, code):
    return new_code_cell(code, id=f"ejercicio-{n}", metadata=_nbg(f"ejercicio_{n}", solution=True))


def test(n, visible, hidden="", points=1):
    code = visible.rstrip("\n")
    if hidden:
        code += "\n### BEGIN HIDDEN TESTS\n" + hidden.rstrip("\n") + "\n### END HIDDEN TESTS"
    return new_code_cell(code, id=f"test-ejercicio-{n}",
                         metadata=_nbg(f"test_ejercicio_{n}", grade=True, locked=True, points=points))


def solution_notebook(cells, total_points=None):
    setup = new_code_cell(setup_cell_source(), id="preparacion", metadata=setup_cell_metadata())
    nb = new_notebook(cells=[setup] + list(cells))
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.language_info = {"name": "python"}
    if total_points is not None:
        nb.metadata.autograder = {"total_points": total_points}
    return nb


def write(nb, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


# --- editing a student notebook like a student (or an attacker) would --------------------------

def load(path):
    return nbformat.read(str(path), as_version=4)


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def fill(nb, n, code):
    """Answer exercise ``n``: replace its blank cell's source (a new notebook is returned)."""
    nb = copy.deepcopy(nb)
    cell(nb, f"ejercicio_{n}").source = code
    return nb


def insert_after(nb, gid, code):
    """Add an unmarked code cell after the cell ``gid`` (a student's extra cell)."""
    nb = copy.deepcopy(nb)
    i = next(i for i, c in enumerate(nb.cells) if grade_id(c) == gid)
    nb.cells.insert(i + 1, new_code_cell(code, id=f"extra-{i}"))
    return nb


def strip_metadata(nb):
    """What some editors do: drop every nbgrader metadata entry."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        c.metadata = {}
    return nb


def to_json(nb, drop_ids=False):
    data = json.loads(nbformat.writes(nb))
    if drop_ids:
        data["nbformat_minor"] = 4
        for c in data["cells"]:
            c.pop("id", None)
    return json.dumps(data, indent=1, ensure_ascii=False)

