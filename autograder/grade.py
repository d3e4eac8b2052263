"""``grade``: collect a class's submissions, grade them in parallel sandboxes, merge, report.

Layout of the output folder (``--out``)::

    gradebook.db                  nbgrader gradebook (one assignment per notebook)
    release/                      the student notebooks, as built from the solutions (incremental)
    resultados/<key>.json         one result per submission, reused while the submission and its
                                  notebook's solution, tests and points are unchanged
    .trabajo/                     scratch folders of the kernels running now
    feedback/<student>/<nb>.html  Spanish feedback
    notas.csv                     grades (score, late penalty, final grade, reasons)
    revision_manual.csv/.html     manually graded answers: the sheet the instructor fills
    moodle_<nb>.csv, canvas.csv   grade files in the LMSs' import formats
    subir/<lms>_<nb>.zip          feedback pages laid out for upload back to the LMS
    estadisticas.csv/.png         per-exercise statistics
    otros_archivos.csv            files that were not graded, and why
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import __version__, config
from .build import check_solutions, select_notebooks, setup_cell_metadata, update
from .collect import Submission, collect  # noqa: F401 (Submission: part of this module's API)
from .feedback import hidden_lines_of, score, scrub
from .notebooks import grade_id, is_manual, meta, normalized, read_notebook, source
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
    cluster: str = None        # address of a Dask scheduler: grade on its workers (autograder/cluster.py)
    regrade: bool = False      # ignore kept results
    notebooks: list = None     # grade only these notebooks (names, stems or number prefixes)
    roster: str = None         # CSV of ids and names: who submitted nothing
    term: str = None           # course config (deadlines, penalty); default <solutions>/curso.toml


class Course:
    """Solution and student versions of every notebook, and what grading needs from them."""

    def __init__(self, solutions, release, names=None):
        self.solutions, self.release, self.fingerprint = {}, {}, {}
        grader = grader_fingerprint()
        for path in sorted(Path(solutions).glob("*.ipynb")):
            if names is not None and path.name not in names:
                continue
            nb = read_notebook(path)
            _refresh_setup_cell(nb)
            self.solutions[path.name] = nb
            self.release[path.name] = read_notebook(Path(release, path.name))
            self.fingerprint[path.name] = notebook_fingerprint(nb, grader)
        self.hidden = {name: hidden_lines_of(nb) for name, nb in self.solutions.items()}

    def max_score(self, name):
        return sum(float(meta(c).get("points", 0)) for c in self.solutions[name]["cells"]
                   if meta(c).get("grade"))

    def manual_cells(self, name):
        return [c for c in self.solutions.get(name, {"cells": []})["cells"] if is_manual(c)]

    def select(self, wanted):
        """Notebook names for ``--notebook`` values (``02``, ``02_sesiones``, ``02_sesiones.ipynb``)."""
        return select_notebooks(self.solutions, wanted)

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


#: Modules whose code decides a grade (a fix in any of them makes kept results stale).
GRADING_MODULES = ("runner.py", "kernel_guard.py", "matching.py", "feedback.py", "sandbox.py")


def grader_fingerprint():
    """The grader's and the engine's code: what every result depends on."""
    from .kit import engine_folder, fingerprint
    here = Path(__file__).parent
    code = b"".join(here.joinpath(m).read_bytes() for m in GRADING_MODULES if here.joinpath(m).exists())
    return hashlib.sha256(code + fingerprint(engine_folder()).encode() + __version__.encode()).hexdigest()


def notebook_fingerprint(solution_nb, grader=""):
    """What a grade depends on besides the submission: the solution notebook's cells (code,
    tests, hidden tests, points, ids) and ``grader`` (:func:`grader_fingerprint`).  Outputs do
    not count."""
    cells = [(c.get("cell_type"), source(c), meta(c)) for c in solution_nb["cells"]]
    data = json.dumps([grader, cells], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def _refresh_setup_cell(nb):
    """Grade with the setup cell the build puts in the student notebooks."""
    if not nb["cells"] or grade_id(nb["cells"][0]) != config.SETUP_ID:
        nb["cells"].insert(0, {"cell_type": "code", "source": "", "metadata": setup_cell_metadata()})
    nb["cells"][0]["source"] = config.setup_cell_source()


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------- grading one submission

def cache_key(sub, course):
    """A result is valid for this submission's bytes and its notebook's solution, tests, points."""
    data = sha256(sub.path) + (course.fingerprint.get(sub.notebook, "") if sub.notebook else "")
    return hashlib.sha256((data + (sub.error or "")).encode()).hexdigest()


def grade_submission(sub, course, options, scratch, uid=None):
    """Grade one submission; return its result dict (nothing is written but scratch files)."""
    started = time.monotonic()
    result = {"id": sub.key, "student": sub.student, "file": sub.file, "notebook": sub.notebook or "?",
              "key": cache_key(sub, course), "grader": __version__, "status": "graded", "error": "",
              "score": 0.0, "max_score": course.max_score(sub.notebook) if sub.notebook else 0.0,
              "exercises": [], "notes": []}
    if sub.error:
        result.update(status="error", error=sub.error)
    else:
        student_nb = read_notebook(sub.path)
        solution_nb, course_nb = course.solutions[sub.notebook], course.release[sub.notebook]
        steps, notes = make_plan(solution_nb, course_nb, student_nb)
        workdir = Path(tempfile.mkdtemp(prefix="w-", dir=scratch))
        try:
            if uid is not None:
                os.chown(workdir, uid, uid)
            outcome = execute(steps, workdir, uid=uid, limits=options.limits, sandbox=options.sandbox,
                              cell_timeout=options.cell_timeout, total_timeout=options.total_timeout)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        exercises, tampering = score(outcome, course_nb, options.cell_timeout)
        for ex in exercises:  # student code may have stolen hidden tests into its messages
            ex["message"] = scrub(ex["message"], course.hidden[sub.notebook])
            for part in ex["parts"]:
                part["message"] = scrub(part["message"], course.hidden[sub.notebook])
        notes += [f"Tu código modificó «{t}»; se restauró el original antes de comprobar."
                  for t in tampering]
        if "-1" in {str(k) for k in outcome.fatal}:
            result.update(status="error", error=f"no se pudo iniciar Python para tu cuaderno "
                                                f"({outcome.fatal[-1]})")
        result.update(exercises=exercises, notes=notes, run=outcome_dict(outcome),
                      score=sum(e["points"] for e in exercises))
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


_worker = {}


def _init_worker(course, out, options, slots):
    try:  # die with the parent (a killed grader leaves no worker behind)
        import ctypes
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
    except Exception:
        pass
    # Ctrl-C reaches the whole terminal's process group: the parent decides, then sends SIGTERM,
    # which unwinds this worker so that its kernel is shut down (runner's finally blocks).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    slot = slots.get()
    _worker.update(course=course, out=Path(out), options=options,
                   uid=60000 + slot if os.geteuid() == 0 and options.sandbox else None)


def grade_one(sub):
    """Grade one submission in this worker and keep its result in ``resultados/``."""
    out = _worker["out"]
    result = grade_submission(sub, _worker["course"], _worker["options"], out / ".trabajo",
                              _worker["uid"])
    _write_json(out / "resultados" / f"{sub.key}.json", result)
    return result


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- the whole class

def prepare(solutions, out, names=None):
    """Bring ``out/release`` and the gradebook up to date (only changed notebooks are rebuilt);
    return the Course."""
    out = Path(out)
    check_solutions(solutions)
    update(solutions, out / "release", out / "gradebook.db", names)
    return Course(solutions, out / "release", names)


class Interrupted(Exception):
    """Ctrl-C while grading: ``results`` holds what finished before it."""

    def __init__(self, results, pending):
        super().__init__(f"interrupted with {pending} submission(s) not graded")
        self.results, self.pending = results, pending


def run_pool(subs, course, out, options, on_result=lambda r: None):
    """Grade ``subs`` with ``options.workers`` processes; call ``on_result`` as results arrive.

    On Ctrl-C, pending submissions are cancelled, running kernels are stopped (within seconds)
    and :class:`Interrupted` carries the finished results.
    """
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
    pool = ProcessPoolExecutor(options.workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(course, str(out), options, slots))
    try:
        futures = [pool.submit(grade_one, sub) for sub in subs]
        for fut in as_completed(futures):
            result = fut.result()
            results.append(result)
            on_result(result)
            if bar:
                bar.update()
    except KeyboardInterrupt:
        _stop_pool(pool)
        raise Interrupted(results, len(subs) - len(results)) from None
    else:
        pool.shutdown()
    finally:
        if bar:
            bar.close()
    return results


def _stop_pool(pool, grace=5.0):
    """Cancel what has not started; SIGTERM the workers (they stop their kernels), then SIGKILL."""
    procs = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(1)


def select_work(subs, course, out, options):
    """Split ``subs`` into kept results and submissions to (re)grade; count why."""
    chosen = set(course.select(options.notebooks))
    done, todo, counts = [], [], {"new": 0, "regraded": 0, "skipped": 0}
    for sub in subs:
        old = out / "resultados" / f"{sub.key}.json"
        prev = json.loads(old.read_text(encoding="utf-8")) if old.exists() else None
        fresh = prev is not None and prev.get("key") == cache_key(sub, course)
        selected = sub.notebook in chosen or (sub.notebook is None and not options.notebooks)
        if fresh and not (options.regrade and selected):
            done.append(prev)
        elif not selected:
            counts["skipped"] += 1
        else:
            todo.append(sub)
            counts["regraded" if prev is not None else "new"] += 1
    return done, todo, counts


def grade_class(submissions, solutions="solutions", out="calificaciones",
                pattern=config.STUDENT_PATTERN, options=None):
    """Grade a class; returns ``(results, stats)``.  Safe to interrupt and run again.

    Raises :class:`Interrupted` on Ctrl-C, after writing the reports of what was graded.
    """
    from . import term
    options = options or Options()
    options.limits = options.limits or Limits()
    out = Path(out)
    if options.cluster:  # before the build: a cluster that cannot grade fails at once
        from .cluster import check_cluster
        check_cluster(options)
    elif options.sandbox:
        check_sandbox()
    course = prepare(solutions, out)
    settings = term.load_settings(options.term or Path(solutions, "curso.toml"))
    shutil.rmtree(out / ".trabajo", ignore_errors=True)  # scratch left by a killed run
    (out / ".trabajo").mkdir()
    subs, others = collect(submissions, course, out / "entregas", pattern)
    done, todo, counts = select_work(subs, course, out, options)
    started = time.monotonic()
    interrupted = None
    try:
        if options.cluster:
            from .cluster import run_cluster
            new = run_cluster(todo, course, out, options)  # the same contract, on other machines
        else:
            new = run_pool(todo, course, out, options)
    except Interrupted as e:
        new, interrupted = e.results, e
    elapsed = time.monotonic() - started
    stats = {"graded": len(new), "reused": len(done), "seconds": elapsed,
             "per_minute": 60 * len(new) / elapsed if new and elapsed else 0.0,
             "workers": options.workers, **counts,
             "pending": interrupted.pending if interrupted else 0}
    results = term.report(done + new, subs, others, course, out, settings, options, stats)
    if interrupted:
        interrupted.results, interrupted.stats = results, stats
        raise interrupted
    return results, stats


def summary_table(results, stats, out):
    from .term import summary
    return summary(results, stats, out)
