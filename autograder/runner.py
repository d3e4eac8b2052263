"""Grade one submission: match its cells to the course, run them in a sandboxed kernel, score.

Instructor code (setup cell, locked cells, tests with their hidden part) always comes from the
solution notebook, never from the submission, and runs through the kernel guard
(``kernel_guard.py``); the student's answers run as ordinary cells.  A timeout or a dead kernel
costs only the step that caused it: the kernel is restarted and the plan replayed without it.
"""
import base64
import hashlib
import hmac
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config
from .matching import match_answers
from .notebooks import TEST_ID, grade_id, is_manual, meta, source, split_hidden
from .sandbox import Limits, SandboxKernelManager

GUARD_SOURCE = Path(__file__).with_name("kernel_guard.py").read_text(encoding="utf-8")
WATCHED_MODULES = ("builtins", "numpy", "engine", "math", "operator", "functools", "cmath")
OUTPUT_LIMIT = 20_000  # characters of student output kept per cell (instructor's result file)


@dataclass
class Step:
    kind: str          # "trusted" (instructor code), "student" (an answer) or "test"
    key: str           # grade_id (or "extra" for cells the student added)
    code: str = ""
    hidden: str = ""   # tests only
    points: float = 0.0


@dataclass
class StepResult:
    ok: bool = False
    error: str = ""       # "Name: message" of an error (visible part for tests)
    hidden_ok: bool = True
    hidden_error: str = ""  # the hidden checks' error (instructor only: check, resultados/)
    reason: str = ""      # "" or timeout/crash/no-verdict/... (see runner)
    output: str = ""
    tampering: list = field(default_factory=list)


# ---------------------------------------------------------------- matching the submission

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
            visible, hidden = split_hidden(source(c))
            steps.append(Step("test", gid, visible, hidden, float(meta(c).get("points", 0))))
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
        self.key = secrets.token_bytes(32)
        self.name = "_ag_" + secrets.token_hex(8)

    def start(self):
        self.km.start_kernel(cwd=str(self.km.workdir), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        install = (GUARD_SOURCE + f"\n_autograder_install({self.key!r}, {self.name!r}, "
                   f"{WATCHED_MODULES!r})\ndel _autograder_install\n")
        res = self._execute(install)
        if res.reason or res.error:
            raise KernelDied(f"the kernel guard did not install: {res.reason or res.error}")

    def stop(self):
        try:
            self.kc.stop_channels()
        except Exception:
            pass
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)

    def _execute(self, code, timeout=None):
        """Run ``code``; collect stdout and errors; time out / detect a dead kernel."""
        timeout = timeout or self.cell_timeout
        res, parts, size = StepResult(), [], 0
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                res.reason = "timeout"
                break
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except queue.Empty:
                if not self.km.is_alive():
                    res.reason = "crash"
                    break
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                text = content["text"]
                kept = text[:max(0, 5 * OUTPUT_LIMIT - size)]
                parts.append(kept)
                size += len(kept)
                if len(kept) < len(text):  # verdicts get through however much was printed
                    parts += ["\n" + line for line in text[len(kept):].split("\n")
                              if line.startswith("\x1eAGV|")]
            elif kind == "error":
                res.error = f"{content.get('ename', '')}: {content.get('evalue', '')}"[:2000]
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        res.output = "".join(parts)
        res.ok = not res.error and not res.reason
        return res

    def run_student(self, code):
        return self._execute(code)

    def run_guarded(self, kind, code):
        """Run instructor ``code`` through the guard; the verdict decides ``ok``."""
        data = code.encode("utf-8")
        nonce = secrets.token_hex(8)
        res = self._execute(f"{self.name}({kind!r}, {base64.b64encode(data).decode()!r}, {nonce!r})")
        verdict = None
        for line in res.output.split("\n"):
            if line.startswith("\x1eAGV|"):
                payload, _, mac = line[5:].rpartition("|")
                good = hmac.compare_digest(
                    mac, hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest())
                fields = payload.split("|")
                if good and len(fields) == 7 and fields[0] == nonce and fields[1] == kind \
                        and fields[3] == hashlib.sha256(data).hexdigest():
                    verdict = fields
        out = StepResult(reason=res.reason, output="\n".join(
            line for line in res.output.split("\n") if not line.startswith("\x1eAGV|")).strip("\n"))
        if verdict is None:
            out.reason = out.reason or "no-verdict"
            return out
        dec = [base64.b64decode(f).decode("utf-8", "replace") for f in verdict[4:]]
        out.ok = verdict[2] == "1"
        out.error = "" if out.ok else f"{dec[0]}: {dec[1]}".rstrip(": ")
        out.tampering = [t for t in dec[2].split(";") if t]
        return out


# ---------------------------------------------------------------- running a plan

@dataclass
class Outcome:
    steps: list
    results: dict          # step index -> StepResult (tests: visible + hidden folded)
    fatal: dict            # step index -> reason that made us skip it
    restarts: int = 0


def execute(steps, workdir, *, uid=None, limits=None, sandbox=True,
            cell_timeout=config.CELL_TIMEOUT, total_timeout=config.SUBMISSION_TIMEOUT):
    """Run ``steps`` in a fresh sandboxed kernel; replay without a step that hangs or kills it."""
    limits = limits or Limits()
    fatal, restarts, started = {}, 0, time.monotonic()
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
                            res.hidden_ok, res.reason = hid.ok, hid.reason
                            res.hidden_error = hid.error
                            res.ok = hid.ok
                            res.tampering += hid.tampering
                            res.output += hid.output
                    results[i] = res
                    if res is not None and res.reason in ("timeout", "crash"):
                        dead = i
                        break
            except KernelDied as e:
                dead = dead if dead is not None else -1
                fatal.setdefault(-1, str(e))
            finally:
                kernel.stop()
            if dead is None or dead == -1 or restarts >= 5:
                return Outcome(steps, results, fatal, restarts)
            fatal[dead] = results[dead].reason
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
    return {"restarts": outcome.restarts, "fatal": {str(k): v for k, v in outcome.fatal.items()},
            "steps": [{**{k: v for k, v in asdict(s).items() if k in ("kind", "key", "points")},
                       "result": asdict(outcome.results[i]) if outcome.results.get(i) else None}
                      for i, s in enumerate(outcome.steps)]}
