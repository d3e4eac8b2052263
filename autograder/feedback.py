"""Scores and Spanish messages per exercise, and the student's HTML feedback page."""
import html
import re

from .notebooks import EXERCISE_ID, exercise_of, grade_id, normalized, source

REASONS = {
    "timeout": "Tu código tardó demasiado (más de {t} s por celda) y se detuvo. ¿Hay un bucle infinito?",
    "crash": "Tu código cerró el núcleo de Python (por ejemplo con exit(), os._exit() o un fallo "
             "grave); el resto del cuaderno se calificó sin esa celda.",
    "total-timeout": "Se agotó el tiempo total para tu cuaderno antes de llegar a este ejercicio.",
}


def scrub(text, hidden_lines):
    """Remove any line of hidden tests that might appear in ``text``."""
    for line in hidden_lines:
        text = text.replace(line, "[comprobación oculta]")
    return text


def hidden_lines_of(solution_nb):
    from .notebooks import split_hidden
    lines = set()
    for c in solution_nb["cells"]:
        for line in split_hidden(source(c))[1].splitlines():
            if len(line.strip()) >= 6 and not line.strip().startswith("#"):
                lines.add(line.strip())
    return sorted(lines, key=len, reverse=True)


def score(outcome, course_nb, cell_timeout):
    """Per-exercise points, status and Spanish message from a runner outcome."""
    stubs = {grade_id(c): normalized(source(c)) for c in course_nb["cells"]
             if EXERCISE_ID.match(grade_id(c) or "")}
    exercises, tampering = [], []
    answers = {}
    for i, step in enumerate(outcome.steps):
        res = outcome.results.get(i)
        if res is not None:
            tampering += [t for t in res.tampering if t not in tampering]
        if step.kind == "student" and step.key in stubs:
            answers.setdefault(step.key, []).append((step, res, outcome.fatal.get(i)))
        if step.kind != "test":
            continue
        ex = exercise_of(step.key)
        fatal = outcome.fatal.get(i)
        ok = bool(res and res.ok and not fatal)
        msg, status = "Correcto.", "correcto"
        given = answers.get(ex, [])
        answer_fatal = next((f for _, _, f in given if f), None)
        answer_error = next((r.error for _, r, _ in given if r is not None and r.error), "")
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
        elif res.reason == "no-verdict":
            status, msg = "sin_veredicto", ("No se pudo completar la comprobación: tu código alteró "
                                            "el funcionamiento del cuaderno.")
        elif not res.hidden_ok:
            status, msg = "incorrecto", ("Tu respuesta pasa la comprobación visible pero no las "
                                         "comprobaciones ocultas. Revisa otros casos.")
        else:
            status, msg = "incorrecto", f"La comprobación falló: {res.error}"
            if answer_error:
                msg = f"Tu código dio un error: {answer_error}\n" + msg
        exercises.append({"id": ex, "test": step.key, "points": step.points if ok else 0.0,
                          "max": step.points, "status": status, "message": msg,
                          "detail": (res.hidden_error or res.error) if res and not ok else "",
                          "code": "\n\n".join(s.code for s, _, _ in given if s.code is not None)})
    return group_parts(exercises), tampering


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


def render(result, course_nb, hidden_lines):
    """The feedback page (Spanish, self-contained HTML) of one graded notebook."""
    def esc(text):
        return html.escape(scrub(str(text), hidden_lines))

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
