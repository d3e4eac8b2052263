"""``grade``: collect a class's submissions, grade them in parallel sandboxes, merge, report.

Layout of the output folder (``--out``)::

    gradebook.db                  nbgrader gradebook (assignment "curso", one notebook per file)
    release/                      the student notebooks, as built from the solutions
    resultados/<key>.json         one result per submission (resume: kept results are reused)
    .trabajo/                     scratch folders of the kernels running now
    feedback/<student>/<nb>.html  Spanish feedback
    notas.csv                     grades
"""
import csv
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import __version__, config
from .build import check_solutions, generate, setup_cell_metadata
from .feedback import hidden_lines_of, render, score, scrub
from .notebooks import NotebookError, grade_id, meta, normalized, read_notebook, source
from .runner import execute, make_plan, outcome_dict
from .sandbox import Limits, check_sandbox


@dataclass
class Options:
    workers: int = os.cpu_count() or 1
    cell_timeout: float = config.CELL_TIMEOUT
    total_timeout: float = config.SUBMISSION_TIMEOUT
    sandbox: bool = True
    limits: Limits = None
    progress: bool = True


@dataclass
class Submission:
    student: str
    file: str          # name as submitted
    path: Path         # where it is on disk
    notebook: str = None   # course notebook file name, once recognised
    error: str = None      # why it cannot be graded

    @property
    def key(self):
        what = Path(self.notebook).stem if self.notebook else re.sub(r"[^\w.-]", "_", self.file)
        return re.sub(r"[^\w.@-]", "_", f"{self.student}__{what}")


class Course:
    """Solution and student versions of every notebook, and what grading needs from them."""

    def __init__(self, solutions, release):
        self.solutions, self.release = {}, {}
        for path in sorted(Path(solutions).glob("*.ipynb")):
            nb = read_notebook(path)
            _refresh_setup_cell(nb)
            self.solutions[path.name] = nb
            self.release[path.name] = read_notebook(Path(release, path.name))
        self.hidden = {name: hidden_lines_of(nb) for name, nb in self.solutions.items()}

    def max_score(self, name):
        return sum(float(meta(c).get("points", 0)) for c in self.solutions[name]["cells"]
                   if meta(c).get("grade"))

    def by_name(self, filename):
        return next((name for name in sorted(self.release, key=len, reverse=True)
                     if Path(name).stem in filename), None)

    def recognise(self, filename, nb):
        """The course notebook a submission is for: by file name, else by its locked cells."""
        if self.by_name(filename):
            return self.by_name(filename)
        texts = {normalized(source(c)) for c in nb["cells"]}
        best, hits = None, 0
        for name, course_nb in self.release.items():
            n = sum(1 for c in course_nb["cells"] if meta(c).get("locked")
                    and len(source(c)) > 20 and normalized(source(c)) in texts)
            if n > hits:
                best, hits = name, n
        return best


def _refresh_setup_cell(nb):
    """Grade with the setup cell the build puts in the student notebooks."""
    if not nb["cells"] or grade_id(nb["cells"][0]) != config.SETUP_ID:
        nb["cells"].insert(0, {"cell_type": "code", "source": "", "metadata": setup_cell_metadata()})
    nb["cells"][0]["source"] = config.setup_cell_source()


# ---------------------------------------------------------------- collecting

def collect(src, course, staging, pattern=config.STUDENT_PATTERN):
    """Submissions found in a folder or a zip (as downloaded from an LMS or Colab)."""
    src, staging = Path(src), Path(staging)
    if not src.exists():
        raise FileNotFoundError(f"submissions not found: {src}")
    if src.is_file():
        if not zipfile.is_zipfile(src):
            raise ValueError(f"{src}: SUBMISSIONS must be a folder or a .zip file")
        root = staging / "zip"
        shutil.rmtree(root, ignore_errors=True)
        with zipfile.ZipFile(src) as zf:
            for info in zf.infolist():
                parts = [p for p in Path(info.filename).parts if p not in ("", ".", "..", "/")]
                if info.is_dir() or not parts or parts[0] == "__MACOSX":
                    continue
                target = root.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))
        src = root
    regex = re.compile(pattern)
    subs = []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = path.relative_to(src)
        if rel.name.startswith(".") or ".ipynb_checkpoints" in rel.parts:
            continue
        m = regex.search(rel.name)
        if len(rel.parts) > 1:
            student = rel.parts[0]
        elif m and m.groupdict().get("student"):
            student = m.group("student")
        else:
            student = rel.stem
            subs.append(Submission(student, str(rel), path, error=(
                f"no student id in the file name {rel.name!r} (pattern {pattern!r}); put each "
                "student's files in a folder named after the student or use --pattern")))
            continue
        sub = Submission(student, str(rel), path, notebook=course.by_name(rel.name))
        if path.suffix != ".ipynb":
            sub.error = f"{rel.name}: not a notebook (.ipynb) file"
        else:
            try:
                sub.notebook = course.recognise(rel.name, read_notebook(path))
                if sub.notebook is None:
                    sub.error = f"{rel.name}: does not match any notebook of the course"
            except NotebookError as e:
                sub.error = str(e)
        subs.append(sub)
    return subs


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------- grading one submission

_worker = {}


def _init_worker(course, out, options, slots):
    try:  # die with the parent (a killed grader leaves no worker behind)
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
    except Exception:
        pass
    slot = slots.get()
    _worker.update(course=course, out=Path(out), options=options,
                   uid=60000 + slot if os.geteuid() == 0 and options.sandbox else None)


def grade_one(sub):
    """Grade one submission in this worker; write its result and feedback; return the result."""
    course, out, opts, uid = (_worker[k] for k in ("course", "out", "options", "uid"))
    started = time.monotonic()
    result = {"student": sub.student, "file": sub.file, "notebook": sub.notebook or "?",
              "sha256": sha256(sub.path), "grader": __version__, "status": "graded", "error": "",
              "score": 0.0, "max_score": course.max_score(sub.notebook) if sub.notebook else 0.0,
              "exercises": [], "notes": []}
    if sub.error:
        result.update(status="error", error=sub.error)
    else:
        student_nb = read_notebook(sub.path)
        solution_nb, course_nb = course.solutions[sub.notebook], course.release[sub.notebook]
        steps, notes = make_plan(solution_nb, course_nb, student_nb)
        workdir = Path(tempfile.mkdtemp(prefix="w-", dir=out / ".trabajo"))
        try:
            if uid is not None:
                os.chown(workdir, uid, uid)
            outcome = execute(steps, workdir, uid=uid, limits=opts.limits, sandbox=opts.sandbox,
                              cell_timeout=opts.cell_timeout, total_timeout=opts.total_timeout)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        exercises, tampering = score(outcome, course_nb, opts.cell_timeout)
        for ex in exercises:  # student code may have stolen hidden tests into its messages
            ex["message"] = scrub(ex["message"], course.hidden[sub.notebook])
        notes += [f"Tu código modificó «{t}»; se restauró el original antes de comprobar."
                  for t in tampering]
        if "-1" in {str(k) for k in outcome.fatal}:
            result.update(status="error", error=f"the kernel could not start: {outcome.fatal[-1]}")
        result.update(exercises=exercises, notes=notes, run=outcome_dict(outcome),
                      score=sum(e["points"] for e in exercises))
    hidden = course.hidden.get(sub.notebook, [])
    page = out / "feedback" / sub.student / f"{Path(result['notebook']).stem if sub.notebook else sub.key}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render(result, course.release.get(sub.notebook, {"cells": []}), hidden),
                    encoding="utf-8")
    result["feedback"] = str(page.relative_to(out))
    result["seconds"] = round(time.monotonic() - started, 2)
    _write_json(out / "resultados" / f"{sub.key}.json", result)
    return result


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- the whole class

def prepare(solutions, out):
    """Build the student notebooks into ``out/release`` and the gradebook; return the Course."""
    out = Path(out)
    check_solutions(solutions)
    generate(solutions, out / "release", out / "gradebook.db")
    return Course(solutions, out / "release")


def run_pool(subs, course, out, options, on_result=lambda r: None):
    """Grade ``subs`` with ``options.workers`` processes; call ``on_result`` as results arrive."""
    results = []
    if not subs:
        return results
    ctx = multiprocessing.get_context("fork")
    slots = ctx.Queue()
    for i in range(options.workers):
        slots.put(i)
    bar = None
    if options.progress:
        from tqdm import tqdm
        bar = tqdm(total=len(subs), unit="entrega", desc="Calificando")
    with ProcessPoolExecutor(options.workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(course, str(out), options, slots)) as pool:
        futures = [pool.submit(grade_one, sub) for sub in subs]
        for fut in as_completed(futures):
            result = fut.result()
            results.append(result)
            on_result(result)
            if bar:
                bar.update()
    if bar:
        bar.close()
    return results


def merge_into_gradebook(db_path, result):
    """Record a graded notebook's scores in the nbgrader gradebook (idempotent)."""
    import warnings
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning
    if result["status"] != "graded":
        return
    nb_name = Path(result["notebook"]).stem
    with Gradebook(f"sqlite:///{Path(db_path).resolve()}") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission on SQLAlchemy 2
        gb.update_or_create_student(result["student"])
        try:
            gb.find_submission(config.ASSIGNMENT, result["student"])
        except MissingEntry:
            gb.add_submission(config.ASSIGNMENT, result["student"])
        for ex in result["exercises"]:
            grade = gb.find_grade(ex["test"], nb_name, config.ASSIGNMENT, result["student"])
            grade.auto_score = ex["points"]
            grade.needs_manual_grade = False
        gb.db.commit()


def grade_class(submissions, solutions="solutions", out="calificaciones",
                pattern=config.STUDENT_PATTERN, options=None):
    """Grade a class; returns ``(results, stats)``.  Safe to interrupt and run again."""
    options = options or Options()
    options.limits = options.limits or Limits()
    out = Path(out)
    if options.sandbox:
        check_sandbox()
    course = prepare(solutions, out)
    shutil.rmtree(out / ".trabajo", ignore_errors=True)  # scratch left by a killed run
    (out / ".trabajo").mkdir()
    subs = collect(submissions, course, out / "entregas")
    subs = _latest_per_key(subs)
    done, todo = [], []
    for sub in subs:
        old = out / "resultados" / f"{sub.key}.json"
        if old.exists():
            prev = json.loads(old.read_text(encoding="utf-8"))
            if prev.get("sha256") == sha256(sub.path) and prev.get("grader") == __version__:
                done.append(prev)
                continue
        todo.append(sub)
    for prev in done:  # a killed run may have written results it did not merge yet
        merge_into_gradebook(out / "gradebook.db", prev)
    started = time.monotonic()
    new = run_pool(todo, course, out, options,
                   on_result=lambda r: merge_into_gradebook(out / "gradebook.db", r))
    elapsed = time.monotonic() - started
    results = sorted(done + new, key=lambda r: (r["student"], r["notebook"], r["file"]))
    write_csv(out / "notas.csv", results, course)
    stats = {"graded": len(new), "reused": len(done), "seconds": elapsed,
             "per_minute": 60 * len(new) / elapsed if new and elapsed else 0.0,
             "workers": options.workers}
    return results, stats


def _latest_per_key(subs):
    """One submission per (student, notebook): the last file in name order wins."""
    by_key = {}
    for sub in subs:
        by_key[sub.key] = sub
    return list(by_key.values())


def write_csv(path, results, course):
    n_ex = max([len(r["exercises"]) for r in results] + [0])
    cols = ["student", "notebook", "score", "max_score", "status"] + \
        [f"ejercicio_{i}" for i in range(1, n_ex + 1)] + ["feedback", "notes"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in results:
            points = {e["id"]: e["points"] for e in r["exercises"]}
            notes = r["error"] or "; ".join(
                f"{e['id']}: {e['status']}" for e in r["exercises"] if e["status"] != "correcto")
            w.writerow([r["student"], Path(r["notebook"]).stem, f"{r['score']:g}",
                        f"{r['max_score']:g}", r["status"]]
                       + [f"{points[f'ejercicio_{i}']:g}" if f"ejercicio_{i}" in points else ""
                          for i in range(1, n_ex + 1)] + [r.get("feedback", ""), notes])


def summary_table(results, stats, out):
    rows = [("student", "notebook", "score", "status / notes")]
    for r in results:
        bad = [f"{e['id'].replace('ejercicio_', 'ej')}:{e['status']}" for e in r["exercises"]
               if e["status"] != "correcto"]
        rows.append((r["student"], Path(r["notebook"]).stem, f"{r['score']:g}/{r['max_score']:g}",
                     r["error"][:70] if r["status"] != "graded" else " ".join(bad)[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"graded {stats['graded']} submission(s) in {stats['seconds']:.1f} s "
                 f"({stats['per_minute']:.1f}/min, {stats['workers']} worker(s)); "
                 f"{stats['reused']} already graded, reused")
    lines.append(f"grades: {Path(out, 'notas.csv')}   feedback: {Path(out, 'feedback')}/<student>/"
                 f"<notebook>.html   gradebook: {Path(out, 'gradebook.db')}")
    return "\n".join(lines)
