"""``build``: solutions/ -> course/ through nbgrader's ``generate_assignment`` with our preprocessors."""
import logging
import re
import shutil
import tempfile
from pathlib import Path

from nbformat.v4 import new_code_cell
from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets.config import Config

from . import config
from .notebooks import NotebookError, check_solution, read_notebook


def _alembic_head():
    """nbgrader asks the `alembic` executable for the schema version of every new gradebook
    (a slow subprocess); read it in-process from nbgrader's own migration scripts instead."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(cfg).get_current_head()


try:
    import nbgrader.api as _nbgrader_api
    _head = _alembic_head()
    _nbgrader_api.get_alembic_version = lambda: _head
except Exception:  # keep nbgrader's own (slower) way
    pass


class BuildError(Exception):
    """The solutions break the conventions; the message lists every problem with file and cell."""


def setup_cell_metadata():
    return {"nbgrader": {"grade": False, "solution": False, "locked": True,
                         "grade_id": config.SETUP_ID, "schema_version": 3},
            "deletable": False, "editable": False}


class SetupCell(NbGraderPreprocessor):
    """Make cell 0 the setup cell, with the source of the template in ``autograder.config``."""

    def preprocess(self, nb, resources):
        first = nb.cells[0] if nb.cells else None
        if first is None or first.get("metadata", {}).get("nbgrader", {}).get("grade_id") != config.SETUP_ID:
            first = new_code_cell(id=config.SETUP_ID)
            nb.cells.insert(0, first)
        first.cell_type = "code"
        first.source = config.setup_cell_source()
        first.metadata.update(setup_cell_metadata())
        return nb, resources


def _assignment_split(code):
    """Index just after the first plain ``=`` (not ``==``, ``<=``...) outside brackets, or None."""
    depth, quote = 0, None
    for i, ch in enumerate(code):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0 and code[i + 1:i + 2] != "=" and code[i - 1:i] not in ("=", "!", "<", ">"):
            return i + 1
    return None


def clear_inline(source, stub=config.BLANK):
    """``x = f(y)  ### SOLUCION`` -> ``x = ## Code ##``; returns (new source, replaced?)."""
    out, replaced = [], False
    marker = re.compile(r"^(\s*)(.*?)\s*" + re.escape(config.INLINE_MARKER) + r"\s*$")
    for line in source.splitlines(keepends=True):
        m = marker.match(line.rstrip("\n"))
        if m:
            indent, code = m.groups()
            cut = _assignment_split(code)
            keep = code[:cut].rstrip() + " " if cut else ""
            line = indent + keep + stub + ("\n" if line.endswith("\n") else "")
            replaced = True
        out.append(line)
    return "".join(out), replaced


class ClearKitSolutions(ClearSolutions):
    """nbgrader's ClearSolutions plus our inline ``### SOLUCION`` marker."""

    def _replace_solution_region(self, cell, language):
        inline = False
        if cell.cell_type == "code":
            cell.source, inline = clear_inline(cell.source, self.code_stub.get(language, config.BLANK))
        block = super()._replace_solution_region(cell, language)
        return inline or block


def nbgrader_config(root, db_path):
    """Configuration of nbgrader for a course directory ``root`` (source/, release/...)."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme,
                                        ClearOutput, ComputeChecksums, IncludeHeaderFooter,
                                        LockCells, SaveCells)
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = f"sqlite:///{Path(db_path).resolve()}"
    c.CourseDirectory.assignment_id = config.ASSIGNMENT
    c.ClearKitSolutions.code_stub = {"python": config.BLANK}
    c.GenerateAssignment.create_assignment = True
    c.GenerateAssignment.preprocessors = [
        SetupCell, IncludeHeaderFooter, LockCells, ClearKitSolutions, ClearOutput,
        CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme,
        ComputeChecksums, CheckCellMetadata]
    return c


def check_solutions(solutions):
    """Validate every solution notebook; raise :class:`BuildError` listing all problems."""
    paths = sorted(Path(solutions).glob("*.ipynb"))
    if not paths:
        raise BuildError(f"{solutions}: no solution notebooks (*.ipynb) found")
    errors = []
    for path in paths:
        try:
            errors += check_solution(read_notebook(path), path.name)
        except NotebookError as e:
            errors.append(str(e))
    if errors:
        raise BuildError("the solution notebooks break docs/CONVENTIONS.md:\n  " + "\n  ".join(errors))
    return paths


def generate(solutions, release, db_path):
    """Run nbgrader generate_assignment on ``solutions`` into ``release`` and fill ``db_path``.

    Returns the list of generated student notebooks (in ``release``).
    """
    paths = check_solutions(solutions)
    release = Path(release)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        src = Path(tmp, "source", config.ASSIGNMENT)
        src.mkdir(parents=True)
        for path in paths:
            shutil.copyfile(path, src / path.name)
        c = nbgrader_config(tmp, db_path)
        log = logging.getLogger("autograder.nbgrader")
        converter = GenerateAssignment(coursedir=CourseDirectory(config=c), config=c, log=log)
        try:
            converter.start()
        except Exception as e:  # nbgrader logs the details and raises a generic error
            raise BuildError(f"nbgrader generate_assignment failed on {solutions}: {e}") from e
        release.mkdir(parents=True, exist_ok=True)
        out = []
        for path in paths:
            target = release / path.name
            shutil.copyfile(Path(tmp, "release", config.ASSIGNMENT, path.name), target)
            out.append(target)
    return out


def build(solutions="solutions", course="course"):
    """Generate the student notebooks of ``course`` from ``solutions`` (stale ones are removed)."""
    course = Path(course)
    with tempfile.TemporaryDirectory(prefix="autograder-db-") as tmp:
        built = generate(solutions, Path(tmp, "release"), Path(tmp, "gradebook.db"))
        course.mkdir(parents=True, exist_ok=True)
        names = {p.name for p in built}
        for old in course.glob("*.ipynb"):
            if old.name not in names:
                old.unlink()
        for path in built:
            shutil.copyfile(path, course / path.name)
    return sorted(course / name for name in names)


def out_of_sync(solutions="solutions", course="course"):
    """Names of the course notebooks that differ from a fresh build (missing/extra included)."""
    with tempfile.TemporaryDirectory(prefix="autograder-sync-") as tmp:
        fresh = {p.name: p.read_bytes() for p in build(solutions, tmp)}
    current = {p.name: p.read_bytes() for p in Path(course).glob("*.ipynb")}
    return sorted(n for n in fresh.keys() | current.keys() if fresh.get(n) != current.get(n))
