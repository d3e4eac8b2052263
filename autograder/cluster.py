"""Grading on a cluster: the same sandboxed grading, spread over the workers of a Dask cluster.

Start a cluster with Dask's own commands (``pip install 'engine[cluster]'`` on every machine)::

    dask scheduler --port 8786                                  # one machine
    dask worker tcp://SCHEDULER:8786 --nworkers 4 --nthreads 1  # each machine with the kit installed

and grade through it::

    python -m autograder grade entregas.zip --cluster tcp://SCHEDULER:8786

The grading command keeps everything that is not grading: it builds the course, collects the
submissions, and writes the one CSV, gradebook and feedback folder.  A worker receives the course
(notebooks, sent once) and one submission's bytes per task, grades it in a scratch folder of its
own, in the same sandbox and with the same limits as a local grading, and sends back the files
that grading wrote (the result and the feedback page).  Nothing is read from a shared disk.

Faults: a worker that dies mid-grading (killed, out of memory) has its task run again on another
worker by the scheduler; a submission whose task killed ``distributed.scheduler.allowed-failures``
workers (3 by default, a scheduler setting) is recorded as an error instead of being retried
forever.  If the scheduler is lost, the command stops with a clear message: every result that
came back is already saved, so running the same command again grades only what is missing.
"""
import dataclasses
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from . import __version__, config


class ClusterError(RuntimeError):
    """The cluster cannot be used (the message says why and what was kept)."""


# ---------------------------------------------------------------- on a worker

def _sandbox_uid(options):
    """As root, each grading thread sandboxes its kernels under a uid of its own
    (``sandbox.claim_uid``: held for the thread's life, shared with no other grader)."""
    if os.geteuid() != 0 or not options.sandbox:
        return None
    if getattr(_thread_uid, "uid", None) is None:
        from .sandbox import claim_uid
        _thread_uid.uid = claim_uid()
    return _thread_uid.uid


_thread_uid = threading.local()


def grade_remote(course, options, sub, data):
    """Grade one submission (its file's bytes) on this worker; return its result."""
    from .grade import grade_submission
    scratch = Path(tempfile.mkdtemp(prefix="ag-cluster-"))
    try:
        path = scratch / "entrega.ipynb"
        path.write_bytes(data)
        sub = dataclasses.replace(sub, path=path)
        return grade_submission(sub, course, options, scratch, _sandbox_uid(options))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _the(course):
    return course


def _check_worker(options):
    """Run on every worker before grading: the same kit, and a usable sandbox."""
    if options.sandbox:
        from .sandbox import check_sandbox
        check_sandbox()
    return __version__


# ---------------------------------------------------------------- on the grading machine

def _client(address):
    # our messages say what happened to the cluster; Dask's own tracebacks of lost connections would bury them
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--cluster needs Dask's 'distributed' package: pip install 'engine[cluster]'") from None
    for name in ["distributed"] + [n for n in logging.root.manager.loggerDict if n.startswith("distributed.")]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return Client(address, timeout=config.CLUSTER_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {e}. Start it with "
                           f"'dask scheduler' and its workers with 'dask worker {address}'") from None


def run_cluster(subs, course, out, options, on_result=lambda r: None, task=grade_remote):
    """Grade ``subs`` on the cluster at ``options.cluster``; save each result as it arrives."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker
    from .grade import Interrupted, _write_json
    results = []
    if not subs:
        return results
    out = Path(out)
    client, bar, futures = _client(options.cluster), None, {}
    try:
        _check_workers(client, options)
        # the course travels inside a task (not scattered data): a worker that dies cannot lose it for good
        course_f = client.submit(_the, course, key=f"course-{os.urandom(4).hex()}")
        submit = lambda sub: client.submit(task, course_f, options, sub, sub.path.read_bytes(),  # noqa: E731
                                           key=f"grade-{sub.key}-{os.urandom(4).hex()}")
        futures.update((submit(sub), sub) for sub in subs)
        tries = {sub.key: 1 for sub in subs}
        bar = _progress(options, len(subs))
        pending = as_completed(futures)
        for fut in pending:
            sub = futures[fut]
            try:
                result = fut.result()
            except KilledWorker as e:
                result = _killer_result(sub, course, e)
            except FutureCancelledError:
                if client.status != "running" or tries[sub.key] >= 3:
                    raise ClusterError(_lost(options.cluster, results)) from None
                tries[sub.key] += 1  # its result was lost with a worker: grade it again
                again = submit(sub)
                futures[again] = sub
                pending.add(again)
                continue
            _write_json(out / "resultados" / f"{sub.key}.json", result)
            results.append(result)
            on_result(result)
            if bar:
                bar.update()
    except (OSError, TimeoutError) as e:
        raise ClusterError(_lost(options.cluster, results, e)) from None
    except KeyboardInterrupt:  # as the local pool: stop the work, keep what finished
        client.cancel(list(futures))
        raise Interrupted(results, len(subs) - len(results)) from None
    finally:
        if bar:
            bar.close()
        try:
            client.close(timeout=5)
        except Exception:
            pass
    return results


def check_cluster(options):
    """Fail early, with a clear message, if the cluster cannot grade (no scheduler, no workers, no sandbox)."""
    with _client(options.cluster) as client:
        _check_workers(client, options)


def _check_workers(client, options):
    try:
        versions = client.run(_check_worker, options)
    except Exception as e:  # a worker's SandboxError, re-raised here
        raise ClusterError(f"a worker of {options.cluster} cannot grade: {e}") from None
    if not versions:
        raise ClusterError(f"the Dask scheduler at {options.cluster} has no workers: start some with "
                           f"'dask worker {options.cluster}'")
    wrong = {w: v for w, v in versions.items() if v != __version__}
    if wrong:
        raise ClusterError(f"workers run another version of the kit than this grader ({__version__}): "
                           + ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items())))


def _lost(address, results, e=None):
    return (f"lost the Dask scheduler at {address}{f' ({e})' if e else ''}; the {len(results)} result(s) "
            "that came back are saved: run the same command again to grade only the rest")


def _killer_result(sub, course, exc):
    from .grade import cache_key
    return {"id": sub.key, "student": sub.student, "file": sub.file, "notebook": sub.notebook or "?",
            "key": cache_key(sub, course), "grader": __version__, "status": "error", "score": 0.0,
            "max_score": course.max_score(sub.notebook) if sub.notebook else 0.0, "exercises": [], "notes": [],
            "error": f"grading this submission killed its worker on every try ({exc}); not retried any more"}


def _progress(options, total):
    if not options.progress:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="entrega", desc="Calificando (cluster)")
