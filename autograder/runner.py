"""Grade one submission: match its cells to the course, run them in a sandboxed kernel, score.

Instructor code (setup cell, locked cells, tests with their hidden part) always comes from the
solution notebook, never from the submission, and runs through the kernel guard
(``kernel_guard.py``); the student's answers run as ordinary cells.  Test cells run rewritten by
``observe.py``: the kernel only reports what the checks observe, the grader judges (in
``feedback.score``).  A timeout or a dead kernel costs only the step that caused it: the kernel
is restarted and the plan replayed without it.  A kernel that does not start is retried.
"""
import base64
import functools
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config, observe
from .matching import match_answers
from .notebooks import TEST_ID, grade_id, is_manual, meta, source, split_hidden
from .sandbox import Limits, SandboxKernelManager

START_ATTEMPTS = 3       # a kernel that does not start is retried this many times in all
START_TIMEOUT = 120      # seconds for a kernel to answer (a loaded machine is slow)
WATCHED_MODULES = ("builtins", "numpy", "engine", "math", "operator", "functools", "cmath")
OUTPUT_LIMIT = 20_000  # characters of student output kept per cell (instructor's result file)
REPORT_LIMIT = 64 << 20  # characters of observation/report lines kept per cell
MARKS = (observe.MARK, "\x1eAGV|")  # lines written by the guard (report) and its recorder


@dataclass
class Step:
    kind: str          # "trusted" (instructor code), "student" (an answer) or "test"
    key: str           # grade_id (or "extra" for cells the student added)
    code: str = ""
    hidden: str = ""   # tests only (code as sent to the kernel: rewritten by observe.py)
    points: float = 0.0
    checks: dict = field(default_factory=dict)  # tests: check id -> what the grader evaluates
    names: frozenset = frozenset()              # tests: the names their code reads


@dataclass
class StepResult:
    ok: bool = False      # what the kernel claims (tests: visible part; never enough for points)
    error: str = ""       # "Name: message" of an error (visible part for tests)
    hidden_ok: bool = True  # what the kernel claims for the hidden part
    hidden_error: str = ""  # the hidden checks' error (instructor only: check, resultados/)
    hidden_ran: bool = False
    reason: str = ""      # "" or timeout/crash/no-report (see runner)
    output: str = ""
    tampering: list = field(default_factory=list)   # what the guard repaired
    noted: list = field(default_factory=list)       # what it saw student code do (audit, shadows)
    records: list = field(default_factory=list)         # observations of the visible checks
    hidden_records: list = field(default_factory=list)  # ... of the hidden checks
    forged: int = 0       # report/observation lines where none belong (student cells, extras)
    reports: list = field(default_factory=list)         # raw report lines (internal)


# ---------------------------------------------------------------- the plan

@functools.lru_cache(maxsize=512)
def test_program(test_source):
    """``(visible_code, hidden_code, checks, names)`` of a test cell, rewritten by ``observe``
    (``names``: the names the test reads, to tell when the student shadowed one of them)."""
    visible, hidden = split_hidden(test_source)
    vcode, vchecks = observe.transform(visible, "v")
    hcode, hchecks = observe.transform(hidden, "h", hidden=True) if hidden.strip() else ("", {})
    return vcode, hcode, {**vchecks, **hchecks}, observe.names_read(test_source)


def make_plan(solution_nb, course_nb, student_nb):
    """The steps to run: instructor cells from ``solution_nb``, answers from ``student_nb``."""
    answers, extras, notes = match_answers(course_nb, student_nb, solution_nb)
    steps = []
    for c in solution_nb["cells"]:
        gid = grade_id(c)
        if c.get("cell_type") != "code" or is_manual(c):
            pass  # manually graded answers are read, not run (see manual.py)
        elif gid in answers:
            steps += [Step("student", gid, code) for code in answers[gid]]
            if not answers[gid]:
                steps.append(Step("student", gid, None))  # answer not found
        elif meta(c).get("grade") and TEST_ID.match(gid or ""):
            visible, hidden, checks, names = test_program(source(c))
            steps.append(Step("test", gid, visible, hidden, float(meta(c).get("points", 0)), checks,
                              names))
        else:
            steps.append(Step("trusted", gid or "", source(c)))
        steps += [Step("student", "extra", code) for code in extras.get(gid, [])]
    return steps, notes


# ---------------------------------------------------------------- the kernel

class KernelDied(Exception):
    pass


class Kernel:
    """A sandboxed kernel with the guard installed; ``run_*`` return a :class:`StepResult`."""

    def __init__(self, workdir, runtime, uid, limits, sandbox, cell_timeout):
        self.km = SandboxKernelManager(workdir, runtime, uid=uid, limits=limits, sandbox=sandbox)
        self.cell_timeout = cell_timeout
        self.name = "_ag_" + secrets.token_hex(8)

    def start(self):
        """Start the kernel and install the guard; :class:`KernelDied` (with the cause) if not."""
        try:
            self.km.start_kernel(cwd=str(self.km.workdir), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        except Exception as e:
            raise KernelDied(f"{type(e).__name__}: {e}{self.km.failure_cause()}") from None
        install = (f"from autograder.kernel_guard import install as _i\n"
                   f"_i({self.name!r}, {WATCHED_MODULES!r}, {observe.value_attributes()!r})\ndel _i\n")
        res = self._execute(install, timeout=START_TIMEOUT)
        self.km.mark_started()
        if res.reason or res.error:
            raise KernelDied(f"the kernel guard did not install: {res.reason or res.error}"
                             f"{self.km.failure_cause()}")

    def stop(self):
        try:
            self.kc.stop_channels()
        except Exception:
            pass
        try:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        except Exception:
            pass
        self.km.cleanup_limits()

    def _execute(self, code, timeout=None):
        """Run ``code``; collect stdout (report lines apart) and errors; time out / detect death."""
        timeout = timeout or self.cell_timeout
        res, parts, size, reports, rsize, line = StepResult(), [], 0, [], 0, ""
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                res.reason = "timeout"
                break
            if self.km.over_limits():
                res.reason = "crash"
                break
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 0.5))
            except queue.Empty:
                if not self.km.is_alive():
                    res.reason = "crash"
                    break
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                pieces = (line + content["text"]).split("\n")
                line = pieces.pop()  # not finished yet
                if len(line) > (REPORT_LIMIT if line.startswith(MARKS) else 5 * OUTPUT_LIMIT):
                    pieces.append(line)
                    line = "\0"  # the rest of an overlong line is plain output
                for piece in pieces:
                    if piece.startswith(MARKS):
                        if rsize < REPORT_LIMIT:
                            reports.append(piece)
                            rsize += len(piece)
                    elif size < 5 * OUTPUT_LIMIT:
                        parts.append(piece.lstrip("\0")[:5 * OUTPUT_LIMIT] + "\n")
                        size += len(parts[-1])
            elif kind == "error":
                res.error = f"{content.get('ename', '')}: {content.get('evalue', '')}"[:2000]
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        if line.startswith(MARKS):
            reports.append(line)
        elif size < 5 * OUTPUT_LIMIT:
            parts.append(line.lstrip("\0")[:5 * OUTPUT_LIMIT])
        res.output = "".join(parts)
        res.reports = reports
        res.ok = not res.error and not res.reason
        return res

    def run_student(self, code):
        res = self._execute(code)
        self.km.count_processes()
        res.forged = len(res.reports)  # only the guard writes these lines
        return res

    def run_guarded(self, kind, code):
        """Run instructor ``code`` through the guard: the kernel's claim and its observations."""
        data = base64.b64encode(code.encode("utf-8")).decode()
        res = self._execute(f"{self.name}({kind!r}, {data!r})")
        verdicts = [r for r in res.reports if r.startswith("\x1eAGV|")]
        res.records = observe.parse_lines("\n".join(r for r in res.reports if r.startswith(observe.MARK)))
        res.forged = max(0, len(verdicts) - 1)
        fields = verdicts[-1][len("\x1eAGV|"):].split("|") if verdicts else []
        if len(fields) != 6 or fields[0] != kind:
            res.ok = False
            res.reason = res.reason or "no-report"
            return res
        try:
            ename, evalue, changed, noted = (base64.b64decode(f).decode("utf-8", "replace")
                                             for f in fields[2:])
        except ValueError:
            res.ok, res.reason = False, res.reason or "no-report"
            return res
        res.ok = fields[1] == "1" and not res.reason
        res.error = "" if res.ok else (f"{ename}: {evalue}".rstrip(": ") or res.error)
        res.tampering = [t for t in changed.split("\n") if t]
        res.noted = [t for t in noted.split("\n") if t]
        return res


# ---------------------------------------------------------------- running a plan

@dataclass
class Outcome:
    steps: list
    results: dict          # step index -> StepResult (tests: visible + hidden folded)
    fatal: dict            # step index -> reason that made us skip it
    restarts: int = 0
    processes: int = 0     # most processes seen at once in the sandbox ...
    baseline: int = 0      # ... and how many an idle kernel has (more: the student started some)
    earlier: list = field(default_factory=list)  # results of runs that a dead kernel cut short


def execute(steps, workdir, *, uid=None, limits=None, sandbox=True,
            cell_timeout=config.CELL_TIMEOUT, total_timeout=config.SUBMISSION_TIMEOUT):
    """Run ``steps`` in a fresh sandboxed kernel; replay without a step that hangs or kills it.

    Never raises for anything the submission does: a kernel that cannot start (after
    ``START_ATTEMPTS`` tries) is recorded as ``fatal[-1]``.
    """
    limits = limits or Limits()
    fatal, restarts, started, attempts, processes, baseline = {}, 0, time.monotonic(), 0, 0, 0
    earlier = []
    runtime = Path(tempfile.mkdtemp(prefix="agk-", dir="/tmp"))
    try:
        if uid is not None:
            os.chown(runtime, uid, uid)
        while True:
            results, dead = {}, None
            kernel = Kernel(workdir, runtime, uid, limits, sandbox, cell_timeout)
            try:
                kernel.start()
                for i, step in enumerate(steps):
                    if i in fatal:
                        continue
                    if time.monotonic() - started > total_timeout:
                        fatal[i] = "total-timeout"
                        continue
                    if step.kind == "student":
                        res = kernel.run_student(step.code) if step.code is not None else None
                    elif step.kind == "trusted":
                        res = kernel.run_guarded("t", step.code)
                    else:
                        res = kernel.run_guarded("v", step.code)
                        if res.ok and step.hidden.strip():
                            hid = kernel.run_guarded("h", step.hidden)
                            res.hidden_ran, res.hidden_ok, res.reason = True, hid.ok, hid.reason
                            res.hidden_error = hid.error
                            res.hidden_records, res.forged = hid.records, res.forged + hid.forged
                            res.tampering += hid.tampering
                            res.noted += hid.noted
                            res.output += hid.output
                    results[i] = res
                    if res is not None and res.reason in ("timeout", "crash"):
                        dead = i
                        break
            except KernelDied as e:
                attempts += 1
                if dead is None and not results and attempts < START_ATTEMPTS \
                        and time.monotonic() - started < total_timeout:
                    kernel.stop()
                    time.sleep(1.0 * attempts)
                    _reset_workdir(workdir)
                    continue
                dead = dead if dead is not None else -1
                fatal.setdefault(-1, str(e))
            except Exception as e:  # the grader's side of the kernel failed: keep the batch going
                dead = -1
                fatal.setdefault(-1, f"{type(e).__name__}: {e}")
            finally:
                processes = max(processes, kernel.km.max_processes)
                baseline = max(baseline, kernel.km.baseline)
                kernel.stop()
            if dead is None or dead == -1 or restarts >= 5:
                return Outcome(steps, results, fatal, restarts, processes, baseline, earlier)
            fatal[dead] = results[dead].reason
            earlier += [r for r in results.values() if r is not None]
            restarts += 1
            _reset_workdir(workdir)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _reset_workdir(workdir):
    for child in Path(workdir).iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def outcome_dict(outcome):
    """JSON-able form of an :class:`Outcome` (for the per-submission result file)."""
    def result(res):
        data = asdict(res)
        for key in ("records", "hidden_records"):
            data[key] = [aid for aid, _ in data[key]]  # which checks reported (values are big)
        data.pop("reports")
        return data
    return {"restarts": outcome.restarts, "processes": outcome.processes, "baseline": outcome.baseline,
            "fatal": {str(k): v for k, v in outcome.fatal.items()},
            "steps": [{**{k: v for k, v in asdict(s).items() if k in ("kind", "key", "points")},
                       "result": result(outcome.results[i]) if outcome.results.get(i) else None}
                      for i, s in enumerate(outcome.steps)]}
