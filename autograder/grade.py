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
    estadisticas.csv/.svg         per-exercise statistics
    otros_archivos.csv            files that were not graded, and why
"""
import dataclasses
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
from .feedback import public_name, reference_of, score
from .notebooks import grade_id, is_manual, meta, normalized, read_notebook, source
from .runner import execute, make_plan, outcome_dict
from .sandbox import Limits, check_sandbox, claim_uid


@dataclass
class Options:
    workers: int = config.WORKERS
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
        self.visible_text = {name: "\n".join(source(c) for c in nb["cells"])
                             for name, nb in self.release.items()}

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
GRADING_MODULES = ("runner.py", "kernel_guard.py", "matching.py", "feedback.py", "sandbox.py",
                   "observe.py")


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


def grade_submission(sub, course, options, scratch, uid=None, reference="auto"):
    """Grade one submission in a fresh sandbox; return its result dict (nothing is written but
    scratch files).  Never raises: whatever goes wrong becomes the submission's ``error``.

    ``reference``: the checks the solution runs (:func:`reference_run`, computed and cached next
    to ``scratch`` when ``"auto"``: before the submission's run if no other worker is computing
    it, else after, so that no worker waits idle for another's reference run); with ``None`` the
    order of the checks is not compared."""
    started = time.monotonic()
    result = {"id": sub.key, "student": sub.student, "file": sub.file, "notebook": sub.notebook or "?",
              "key": "", "grader": __version__, "status": "graded", "error": "",
              "score": 0.0, "max_score": course.max_score(sub.notebook) if sub.notebook else 0.0,
              "exercises": [], "notes": [], "suspicion": []}
    try:
        result["key"] = cache_key(sub, course)
        if sub.error:
            result.update(status="error", error=sub.error)
        else:
            if reference == "auto":
                reference = reference_run(course, sub.notebook, options, scratch, uid, wait=False)
            result.update(_grade_notebook(course, sub.notebook, read_notebook(sub.path), options,
                                          scratch, uid, reference))
    except Exception as e:  # a bug or a broken machine must not stop the batch
        result.update(status="error", error=f"grading failed: {type(e).__name__}: {e}")
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _grade_notebook(course, name, student_nb, options, scratch, uid, reference):
    solution_nb, course_nb = course.solutions[name], course.release[name]
    steps, notes = make_plan(solution_nb, course_nb, student_nb)
    workdir = Path(tempfile.mkdtemp(prefix="w-", dir=scratch))
    try:
        if uid is not None:
            os.chown(workdir, uid, uid)
        outcome = execute(steps, workdir, uid=uid, limits=options.limits, sandbox=options.sandbox,
                          cell_timeout=options.cell_timeout, total_timeout=options.total_timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if reference is PENDING:  # another worker is running the solution: it is done by now or soon
        try:
            reference = reference_run(course, name, options, scratch, uid)
        except Exception:
            reference = None
    exercises, tampering, suspicion = score(outcome, course_nb, options.cell_timeout, reference)
    shown = [t for t in tampering if public_name(t, course.visible_text[name])]
    notes += [f"Tu código modificó «{t}»; se restauró el original antes de comprobar." for t in shown]
    if len(shown) < len(tampering):
        notes.append(f"Tu código alteró el entorno de las comprobaciones ({len(tampering) - len(shown)} "
                     "cambios más); se restauró antes de comprobar.")
    suspicion += [f"manipula:{t}" for t in tampering]
    suspicion += [f"celda_bloqueada:{n.split('«')[1].split('»')[0]}" for n in notes
                  if n.startswith("Modificaste la celda bloqueada")]
    if outcome.processes > outcome.baseline > 0:
        suspicion.append(f"procesos:{outcome.processes - outcome.baseline}")
    result = {"exercises": exercises, "notes": notes, "suspicion": suspicion,
              "run": outcome_dict(outcome), "score": sum(e["points"] for e in exercises)}
    if -1 in outcome.fatal:
        result.update(status="error", error=f"no se pudo iniciar Python para tu cuaderno "
                                            f"({outcome.fatal[-1]})")
    return result


#: :func:`reference_run` with ``wait=False`` while another worker computes the reference.
PENDING = "pending"


def reference_run(course, name, options, scratch, uid=None, wait=True):
    """The checks the solution of ``name`` runs, in order (``feedback.reference_of``).

    Computed once per course version and cached next to ``scratch`` (``.referencias/``; a lock
    makes parallel workers wait for the first one, or, with ``wait=False``, return
    :data:`PENDING` at once); ``None`` when the solution's kernel could not run."""
    import fcntl
    key = hashlib.sha256((course.fingerprint[name] + _GUARD_SOURCES).encode()).hexdigest()[:16]
    path = Path(scratch).parent / ".referencias" / f"{Path(name).stem}-{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return PENDING
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        sol = course.solutions[name]
        steps, _ = make_plan(sol, course.release[name], sol)
        workdir = Path(tempfile.mkdtemp(prefix="ref-", dir=scratch))
        try:
            if uid is not None:
                os.chown(workdir, uid, uid)
            outcome = execute(steps, workdir, uid=uid, limits=options.limits, sandbox=options.sandbox,
                              cell_timeout=max(options.cell_timeout, config.CELL_TIMEOUT),
                              total_timeout=max(options.total_timeout, config.SUBMISSION_TIMEOUT))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if -1 in outcome.fatal:
            return None
        ref = reference_of(outcome)
        _write_json(path, ref)
        return ref


_GUARD_SOURCES = "".join(Path(__file__).with_name(f).read_text(encoding="utf-8")
                         for f in ("observe.py", "kernel_guard.py"))


_worker = {}


def _init_worker(course, out, options):
    try:  # die with the parent (a killed grader leaves no worker behind)
        import ctypes
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
    except Exception:
        pass
    # Ctrl-C reaches the whole terminal's process group: the parent decides, then sends SIGTERM,
    # which unwinds this worker so that its kernel is shut down (runner's finally blocks).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _worker.update(course=course, out=Path(out), options=options,
                   uid=claim_uid() if os.geteuid() == 0 and options.sandbox else None)


def grade_one(sub):
    """Grade one submission in this worker and keep its result in ``resultados/``."""
    out, course, options, uid = (_worker[k] for k in ("out", "course", "options", "uid"))
    refs = _worker.setdefault("references", {})
    if sub.notebook and not sub.error and refs.get(sub.notebook) in (None, PENDING):
        try:
            refs[sub.notebook] = reference_run(course, sub.notebook, options, out / ".trabajo", uid,
                                               wait=False)
        except Exception:
            refs[sub.notebook] = None
    result = grade_submission(sub, course, options, out / ".trabajo", uid, refs.get(sub.notebook))
    if refs.get(sub.notebook) is PENDING:  # computed by another worker meanwhile: read it once
        refs.pop(sub.notebook)
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


def run_pool(subs, course, out, options, on_result=lambda r: None, _attempt=1):
    """Grade ``subs`` with ``options.workers`` processes; call ``on_result`` as results arrive.

    On Ctrl-C, pending submissions are cancelled, running kernels are stopped (within seconds)
    and :class:`Interrupted` carries the finished results.  A worker that dies breaks the pool:
    the unfinished submissions are graded again in a new pool (twice at most, then recorded as
    errors); the batch goes on.
    """
    from concurrent.futures.process import BrokenProcessPool
    results = []
    if not subs:
        return results
    ctx = multiprocessing.get_context("fork")
    bar = None
    if options.progress:
        from tqdm import tqdm
        bar = tqdm(total=len(subs), unit="entrega", desc="Calificando")
    pool = ProcessPoolExecutor(options.workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(course, str(out), options))
    unfinished = []
    try:
        futures = {pool.submit(grade_one, sub): sub for sub in subs}
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): retry below
                unfinished.append(futures[fut])
                continue
            except Exception as e:  # should not happen (grade_submission catches): record
                result = _failed(futures[fut], course, out, f"{type(e).__name__}: {e}")
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
    if unfinished and _attempt < 3:
        results += run_pool(unfinished, course, out, options, on_result, _attempt + 1)
    else:
        for sub in unfinished:
            result = _failed(sub, course, out, "the grading worker died (killed or out of memory)")
            results.append(result)
            on_result(result)
    return results


def _failed(sub, course, out, error):
    """The result of a submission whose grading itself failed (kept: the batch goes on)."""
    result = grade_submission(dataclasses.replace(sub, error=f"grading failed: {error}"), course,
                              Options(), None)
    _write_json(Path(out) / "resultados" / f"{sub.key}.json", result)
    return result


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
    finish_probe = check_sandbox(wait=False) if options.sandbox and not options.cluster else None
    try:
        course = prepare(solutions, out)  # while the sandbox's probe kernel starts
    finally:
        if finish_probe:
            finish_probe()
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
