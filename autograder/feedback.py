"""Scores and Spanish messages per exercise, and the student's HTML feedback page."""
import builtins
import html
import importlib
import re

from .notebooks import EXERCISE_ID, exercise_of, grade_id, normalized, source
from .observe import judge

REASONS = {
    "timeout": "Tu código tardó demasiado (más de {t} s por celda) y se detuvo. ¿Hay un bucle infinito?",
    "crash": "Tu código cerró el núcleo de Python (por ejemplo con exit(), os._exit() o un fallo "
             "grave); el resto del cuaderno se calificó sin esa celda.",
    "total-timeout": "Se agotó el tiempo total para tu cuaderno antes de llegar a este ejercicio.",
}


def public_name(name, course_text):
    """Whether a tampering note names only what the student version already shows.

    Notes come from the kernel (student-controlled text): a name is kept for the feedback only
    when it is a fixed kind of note, a name the grader can resolve itself in a watched module,
    or a name that appears in the student's version of the notebook; never stolen text."""
    if re.fullmatch(r"get_ipython\(\)\.\w+(\['\w+'\])?|sys\.\w+|signal \d+|gc\.callbacks|atexit|"
                    r"threads running \(\d+\)|threading\.settrace|__builtins__", name):
        return True
    base = re.sub(r"\.__(code|closure)__$", "", re.sub(r"^sys\.modules\['([\w.]+)'\]$", r"\1", name))
    if re.fullmatch(r"[A-Za-z_]\w*", base):
        return re.search(rf"\b{base}\b", course_text) is not None
    parts = base.split(".")
    if not re.fullmatch(r"[\w.]+", base) or parts[0] not in WATCHED_ROOTS:
        return False
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
            return True
        except AttributeError:
            return False
    return False


WATCHED_ROOTS = {"builtins", "numpy", "engine", "math", "operator", "functools", "cmath"}
BUILTIN_ERRORS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}


def error_name(error):
    """The exception's name when it is a built-in one, else a generic word (no student text)."""
    name = (error or "").split(":", 1)[0].strip()
    return name if name in BUILTIN_ERRORS else "un error"


def reference_of(outcome):
    """The sequence of checks each test ran (from a run of the solution): ``{test: {v, h}}``."""
    return {step.key: {"v": [a for a, _ in res.records], "h": [a for a, _ in res.hidden_records]}
            for i, step in enumerate(outcome.steps) if step.kind == "test"
            and (res := outcome.results.get(i)) is not None}


def verdict(step, res, reference):
    """``(ok, forged, claimed, failed)``: the grader's verdict on a test, from the observations.

    ``claimed`` is what the kernel says; ``ok`` requires it *and* every observed check to hold
    here, in the sequence the solution ran them (``reference``: ``{"v": [...], "h": [...]}``);
    ``forged``: the kernel claimed a success (of the visible part or all) that does not hold;
    ``failed``: the id of the first check that does not hold here (``None`` if none).
    """
    has_hidden = bool(step.hidden.strip())
    claimed = bool(res.ok and not res.reason and (res.hidden_ran and res.hidden_ok or not has_hidden))
    ref = reference or {}
    vok, vfailed, _ = judge(step.checks, res.records, ref.get("v"))
    hok, hfailed, hproblems = True, None, []
    if has_hidden:
        hok, hfailed, hproblems = judge(step.checks, res.hidden_records, ref.get("h")) \
            if res.hidden_ran else (False, None, [])
    # the kernel evaluates visible conditions itself (it must agree) but only the leaves of
    # hidden ones (a hidden check may fail without anything wrong with the kernel)
    return (claimed and vok and hok, (res.ok and not vok) or bool(claimed and hproblems), claimed,
            vfailed or hfailed)


def score(outcome, course_nb, cell_timeout, reference=None):
    """Per-exercise points, status and Spanish message from a runner outcome.

    Returns ``(exercises, tampering, suspicion)``; ``reference`` is :func:`reference_of` a
    run of the solution (without it the sequence of checks is not compared).  Messages of steps
    that ran after the first hidden check are built by the grader alone (the student's process
    may hold the hidden checks by then): fixed text, the literal part of the failing check's
    message, built-in exception names.
    """
    stubs = {grade_id(c): normalized(source(c)) for c in course_nb["cells"]
             if EXERCISE_ID.match(grade_id(c) or "")}
    exercises, tampering, suspicion = [], [], []
    answers = {}
    reference = reference or {}
    tainted_after = min((i for i, s in enumerate(outcome.steps) if s.kind == "test"
                         and outcome.results.get(i) is not None
                         and outcome.results[i].hidden_ran), default=len(outcome.steps))
    for res in outcome.earlier:  # runs cut short by a dead kernel: what they saw still counts
        tampering = list(dict.fromkeys(tampering + res.tampering))
        suspicion += [f"accion:{n}" for n in res.noted if not n.startswith("shadow ")
                      and f"accion:{n}" not in suspicion]
        if res.forged and "lineas_falsas" not in suspicion:
            suspicion.append("lineas_falsas")
    for i, step in enumerate(outcome.steps):
        res = outcome.results.get(i)
        if res is not None:
            tampering = list(dict.fromkeys(tampering + res.tampering))
            for note in res.noted:
                if note.startswith("shadow "):
                    note = f"sombra:{note[7:]}" if note[7:] in step.names else None
                else:
                    note = f"accion:{note}"
                if note and note not in suspicion:
                    suspicion.append(note)
            if res.forged:
                suspicion.append(f"lineas_falsas:{step.key}")
            if res.reason == "no-report":
                suspicion.append(f"sin_informe:{step.key}")
        if step.kind == "student" and step.key in stubs:
            answers.setdefault(step.key, []).append((step, res, outcome.fatal.get(i)))
        if step.kind != "test":
            continue
        tainted = i > tainted_after
        ex = exercise_of(step.key)
        fatal = outcome.fatal.get(i)
        ok, forged, claimed, failed = (verdict(step, res, reference.get(step.key))
                                       if res and not fatal else (False, False, False, None))
        if forged:
            suspicion.append(f"veredicto_falso:{step.key}")
        msg, status = "Correcto.", "correcto"
        given = answers.get(ex, [])
        answer_fatal = next((f for _, _, f in given if f), None)
        answer_error = next((r.error for _, r, _ in given if r is not None and r.error), "")
        if tainted and answer_error:
            answer_error = error_name(answer_error)
        if ok:
            pass
        elif not given or all(s.code is None for s, _, _ in given):
            status, msg = "no_encontrada", ("No encontramos tu respuesta a este ejercicio "
                                            "(¿borraste su celda o sus metadatos?).")
        elif all(normalized(s.code) == stubs[ex] for s, _, _ in given):
            status, msg = "sin_responder", "Sin responder: el hueco «## Code ##» sigue sin completar."
        elif answer_fatal:
            status, msg = answer_fatal, REASONS.get(answer_fatal, answer_fatal).format(t=cell_timeout)
        elif fatal:
            status, msg = fatal, ("La comprobación no terminó con tu respuesta: "
                                  + REASONS.get(fatal, fatal).format(t=cell_timeout))
        elif res is None:
            status, msg = "sin_comprobar", "La comprobación no llegó a ejecutarse."
        elif res.reason == "no-report" or forged:
            status, msg = "sin_veredicto", ("La comprobación no se cumple: tu código alteró el "
                                            "funcionamiento del cuaderno y se comprobó aparte.")
        elif res.ok and res.hidden_ran:
            status, msg = "incorrecto", ("Tu respuesta pasa la comprobación visible pero no las "
                                         "comprobaciones ocultas. Revisa otros casos.")
        else:
            status, msg = "incorrecto", f"La comprobación falló: {res.error}"
            if tainted:
                msg = _grader_message(step, res, reference.get(step.key))
            if answer_error:
                msg = f"Tu código dio un error: {answer_error}\n" + msg
        exercises.append({"id": ex, "test": step.key, "points": step.points if ok else 0.0,
                          "max": step.points, "status": status, "message": msg,
                          "detail": _detail(step, res, failed) if res and not ok else "",
                          "code": "\n\n".join(s.code for s, _, _ in given if s.code is not None)})
    return group_parts(exercises), tampering, suspicion


def _detail(step, res, failed):
    """For the instructor only (``check``, ``resultados/``): why a test failed, hidden part too."""
    if res.hidden_error or res.error:
        return res.hidden_error or res.error
    check = step.checks.get(failed)
    if check:
        return f"AssertionError: {check['message']} (line {check['line']} of the test)".replace(": (", " (")
    return ""


def _grader_message(step, res, reference):
    """The message of a failed visible check, from the grader's copy of the test only."""
    seen = [a for a, _ in res.records]
    expected = (reference or {}).get("v") or []
    if seen == expected[:len(seen)] and len(seen) < len(expected) and res.error.startswith("AssertionError"):
        literal = step.checks.get(expected[len(seen)], {}).get("message", "")
        if literal:
            return f"La comprobación falló: AssertionError: {literal}"
    name = error_name(res.error)
    return f"La comprobación dio un error ({name})." if name in BUILTIN_ERRORS else \
        "La comprobación dio un error."


def group_parts(tests):
    """One entry per exercise from one entry per test cell (partial credit, nbgrader's model).

    The exercise's points add up its parts; its status is ``correcto`` when every part passed,
    ``parcial`` when some did, else the first failing part's; ``parts`` keeps every test cell.
    """
    exercises = {}
    for t in tests:
        ex = exercises.setdefault(t["id"], {"id": t["id"], "test": t["test"], "points": 0.0,
                                            "max": 0.0, "code": t["code"], "parts": []})
        ex["points"] += t["points"]
        ex["max"] += t["max"]
        ex["parts"].append({k: t[k] for k in ("test", "points", "max", "status", "message", "detail")})
    for ex in exercises.values():
        parts = ex["parts"]
        failed = [p for p in parts if p["status"] != "correcto"]
        if not failed:
            ex["status"], ex["message"] = "correcto", "Correcto."
        elif len(parts) == 1:
            ex["status"], ex["message"] = failed[0]["status"], failed[0]["message"]
        else:
            passed = len(parts) - len(failed)
            ex["status"] = "parcial" if passed else failed[0]["status"]
            ex["message"] = (f"Superaste {passed} de {len(parts)} partes "
                             f"({ex['points']:g} de {ex['max']:g} puntos).\n"
                             + "\n".join(f"Parte {i}: {'correcta' if p['status'] == 'correcto' else p['message']}"
                                         for i, p in enumerate(parts, 1)))
        ex["detail"] = "\n".join(p["detail"] for p in failed if p["detail"])
    return list(exercises.values())



CSS = """body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .7rem;text-align:left}
.correcto{color:#17692a}.mal{color:#a4161a}pre{background:#f5f5f5;padding:.6rem;overflow-x:auto}
.nota{background:#fff7d6;padding:.5rem}"""


def render(result, course_nb):
    """The feedback page (Spanish, self-contained HTML) of one graded notebook.

    Everything on it is the student's own submission, the student version of the notebook, or
    text the grader wrote (see :func:`score`): nothing needs scrubbing."""
    def esc(text):
        return html.escape(str(text))

    tests = {grade_id(c): source(c) for c in course_nb["cells"] if grade_id(c)}
    rows, sections = [], []
    for ex in result.get("exercises", []):
        n = re.sub(r"\D", "", ex["id"])
        title = f"Pregunta {n}" if ex.get("manual") else f"Ejercicio {n}"
        cls = "correcto" if ex["status"] == "correcto" else "mal"
        parts = ex.get("parts") or []
        rows.append(f"<tr><td>{title}</td><td>{ex['points']:g} / {ex['max']:g}</td>"
                    f"<td class='{cls}'>{esc(ex['message'].splitlines()[0])}</td></tr>")
        section = (f"<h2 id='{esc(ex['id'])}'>{title}: {ex['points']:g} / {ex['max']:g} puntos</h2>"
                   f"<p class='{cls}'>{esc(ex['message']).replace(chr(10), '<br>')}</p>"
                   f"<h3>Tu respuesta</h3><pre>{esc(ex['code'] or '(vacía)')}</pre>")
        if not ex.get("manual"):
            for i, part in enumerate(parts, 1):
                label = f"Comprobación visible (parte {i}: {part['points']:g} / {part['max']:g})" \
                    if len(parts) > 1 else "Comprobación visible"
                section += f"<h3>{label}</h3><pre>{esc(tests.get(part['test'], ''))}</pre>"
        sections.append(section)
    notes = "".join(f"<li>{esc(n)}</li>" for n in result.get("notes", []))
    body = (f"<h1>Corrección de «{esc(result['notebook'])}»</h1>"
            f"<p>Estudiante: <b>{esc(result.get('name') or result['student'])}</b> · archivo "
            f"{esc(result['file'])}</p>")
    if result["status"] != "graded":
        body += (f"<p class='mal'>No se pudo calificar este archivo: {esc(result['error'])}</p>"
                 f"<p><b>Puntuación: 0 / {result['max_score']:g}</b></p>")
    else:
        body += f"<p><b>Puntuación: {result['score']:g} / {result['max_score']:g}</b></p>"
        if result.get("penalty"):
            body += (f"<p class='mal'>Penalización por retraso: −{result['penalty']:g} "
                     f"({result['late']['percent']:g} %). <b>Nota final: {result['final']:g} / "
                     f"{result['max_score']:g}</b></p>")
        body += ("<table><tr><th>Ejercicio</th><th>Puntos</th><th>Resultado</th></tr>"
                 + "".join(rows) + "</table>")
    if notes:
        body += f"<div class='nota'><b>Observaciones</b><ul>{notes}</ul></div>"
    body += "".join(sections)
    return (f"<!DOCTYPE html>\n<html lang='es'><head><meta charset='utf-8'>"
            f"<title>Corrección: {esc(result['notebook'])}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
