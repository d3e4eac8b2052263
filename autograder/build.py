"""``build``: solutions/ -> course/ through nbgrader's ``generate_assignment`` with our preprocessors."""
import functools
import hashlib
import json
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

from . import config, kit
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


@functools.lru_cache(maxsize=4)
def _student_setup_source(kit_source, engine_fingerprint):
    return kit.student_setup_source(kit_source)


def student_setup_source():
    """Cell 0 of the student notebooks: it carries the engine (or installs it from ``config.KIT_SOURCE``)."""
    try:
        kit.check_kit_source(config.KIT_SOURCE)
    except ValueError as e:
        raise BuildError(str(e)) from None
    return _student_setup_source(config.KIT_SOURCE, kit.fingerprint(kit.engine_folder()))


class SetupCell(NbGraderPreprocessor):
    """Make cell 0 the setup cell of a student notebook (collapsed in Colab and JupyterLab: it carries the engine)."""

    def preprocess(self, nb, resources):
        first = nb.cells[0] if nb.cells else None
        if first is None or first.get("metadata", {}).get("nbgrader", {}).get("grade_id") != config.SETUP_ID:
            first = new_code_cell(id=config.SETUP_ID)
            nb.cells.insert(0, first)
        first.cell_type = "code"
        first.source = student_setup_source()
        first.metadata.update(setup_cell_metadata())
        first.metadata.update(kit.HIDDEN_SOURCE_METADATA)
        return nb, resources


class DropAuthorMetadata(NbGraderPreprocessor):
    """Remove what only the author and ``check`` read (``metadata.autograder`` of cells: the wrong answers, often
    written from the solution) from the student notebooks."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            cell.metadata.pop("autograder", None)
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


def nbgrader_config(root, db_path, assignment):
    """Configuration of nbgrader for a course directory ``root`` (source/, release/...)."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme,
                                        ClearOutput, ComputeChecksums, IncludeHeaderFooter,
                                        LockCells, SaveCells)
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = f"sqlite:///{Path(db_path).resolve()}"
    c.CourseDirectory.assignment_id = assignment
    c.ClearSolutions.text_stub = config.TEXT_STUB
    c.ClearKitSolutions.text_stub = config.TEXT_STUB
    c.ClearKitSolutions.code_stub = {"python": config.BLANK}
    c.GenerateAssignment.create_assignment = True
    c.GenerateAssignment.preprocessors = [
        SetupCell, DropAuthorMetadata, IncludeHeaderFooter, LockCells, ClearKitSolutions, ClearOutput,
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


#: Fingerprints of the notebooks built into a folder (incremental builds).
STAMPS = ".autograder-build.json"


def fingerprint(path):
    """What a built notebook depends on: the solution's bytes, the setup cell (with the engine it carries) and the
    builder."""
    from . import __version__
    data = Path(path).read_bytes() + student_setup_source().encode() + __version__.encode()
    return hashlib.sha256(data).hexdigest()


def select_notebooks(names, wanted):
    """The notebooks among ``names`` that ``--notebook`` values ask for: a file name, a stem
    (``02_sesiones``) or a number (``02``); all of them when ``wanted`` is empty."""
    if not wanted:
        return sorted(names)
    chosen = set()
    for w in wanted:
        hits = [n for n in names if w in (n, Path(n).stem, Path(n).stem.split("_")[0])]
        if len(hits) != 1:
            raise ValueError(f"--notebook {w!r} matches {len(hits)} notebooks ({', '.join(sorted(names))})")
        chosen.update(hits)
    return sorted(chosen)


def assignment_of(name):
    """The gradebook assignment of a notebook: one per notebook (``01_tensores.ipynb`` -> ``01_tensores``)."""
    return Path(name).stem


def generate(solutions, release, db_path, names=None):
    """Run nbgrader generate_assignment on ``solutions`` into ``release`` and fill ``db_path``.

    Each notebook is its own gradebook assignment.  Only the notebooks ``names`` (default: all)
    are generated; returns the generated student notebooks (in ``release``).
    """
    paths = [p for p in check_solutions(solutions) if names is None or p.name in names]
    student_setup_source()  # refuse a placeholder KIT_SOURCE before nbgrader starts
    release = Path(release)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    release.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("autograder.nbgrader")
    out = []
    for path in paths:
        assignment = assignment_of(path.name)
        with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
            src = Path(tmp, "source", assignment)
            src.mkdir(parents=True)
            shutil.copyfile(path, src / path.name)
            c = nbgrader_config(tmp, db_path, assignment)
            converter = GenerateAssignment(coursedir=CourseDirectory(config=c), config=c, log=log)
            try:
                converter.start()
            except Exception as e:  # nbgrader logs the details and raises a generic error
                raise BuildError(f"nbgrader generate_assignment failed on {path}: {e}") from e
            target = release / path.name
            shutil.copyfile(Path(tmp, "release", assignment, path.name), target)
            out.append(target)
    return out


def update(solutions, release, db_path, names=None, own_db=True):
    """Bring ``release`` (and the gradebook) up to date: regenerate only the notebooks whose
    solution changed since the last run (fingerprints in ``release/.autograder-build.json``),
    remove the ones without a solution; returns ``(all student notebooks, regenerated names)``.
    ``own_db``: the gradebook lives with ``release`` (a missing gradebook means "regenerate all")."""
    release, db_path = Path(release), Path(db_path)
    paths = [p for p in check_solutions(solutions) if names is None or p.name in names]
    stamp_file = release / STAMPS
    trusted = stamp_file.exists() and (db_path.exists() or not own_db)
    stamps = json.loads(stamp_file.read_text()) if trusted else {}
    prints = {p.name: fingerprint(p) for p in paths}
    todo = sorted(n for n, fp in prints.items()
                  if stamps.get(n) != fp or not (release / n).exists())
    generate(solutions, release, db_path, todo)
    if names is None:
        for old in release.glob("*.ipynb"):
            if old.name not in prints:
                old.unlink()
        stamps = {}
    stamps.update(prints)
    stamp_file.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")
    return sorted(release / n for n in prints), todo


def build(solutions="solutions", course="course", names=None):
    """Generate the student notebooks of ``course`` from ``solutions``: only those whose solution
    changed since the last build; stale ones are removed (all of them unless ``names`` is given)."""
    course = Path(course)
    with tempfile.TemporaryDirectory(prefix="autograder-db-") as tmp:  # a throw-away gradebook
        paths, _ = update(solutions, course, Path(tmp, "gradebook.db"), names, own_db=False)
    return paths


def out_of_sync(solutions="solutions", course="course", names=None):
    """Names of the course notebooks that differ from a fresh build (missing/extra included)."""
    with tempfile.TemporaryDirectory(prefix="autograder-sync-") as tmp:
        fresh = {p.name: p.read_bytes() for p in build(solutions, tmp, names)}
    current = {p.name: p.read_bytes() for p in Path(course).glob("*.ipynb")
               if names is None or p.name in names}
    return sorted(n for n in fresh.keys() | current.keys() if fresh.get(n) != current.get(n))
