"""Scores and Spanish messages per exercise, and the student's HTML feedback page."""
import html
import re

from .notebooks import EXERCISE_ID, grade_id, normalized, source

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
        ex = step.key[len("test_"):]
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
                          "code": "\n\n".join(s.code for s, _, _ in given if s.code is not None)})
    return exercises, tampering


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
        cls = "correcto" if ex["status"] == "correcto" else "mal"
        rows.append(f"<tr><td>Ejercicio {n}</td><td>{ex['points']:g} / {ex['max']:g}</td>"
                    f"<td class='{cls}'>{esc(ex['message'].splitlines()[0])}</td></tr>")
        sections.append(
            f"<h2 id='{esc(ex['id'])}'>Ejercicio {n}: {ex['points']:g} / {ex['max']:g} puntos</h2>"
            f"<p class='{cls}'>{esc(ex['message']).replace(chr(10), '<br>')}</p>"
            f"<h3>Tu respuesta</h3><pre>{esc(ex['code'] or '(vacía)')}</pre>"
            f"<h3>Comprobación visible</h3><pre>{esc(tests.get(ex['test'], ''))}</pre>")
    notes = "".join(f"<li>{esc(n)}</li>" for n in result.get("notes", []))
    body = (f"<h1>Corrección de «{esc(result['notebook'])}»</h1>"
            f"<p>Estudiante: <b>{esc(result['student'])}</b> · archivo {esc(result['file'])}</p>")
    if result["status"] != "graded":
        body += f"<p class='mal'>No se pudo calificar este archivo: {esc(result['error'])}</p>"
    else:
        body += (f"<p><b>Puntuación: {result['score']:g} / {result['max_score']:g}</b></p>"
                 "<table><tr><th>Ejercicio</th><th>Puntos</th><th>Resultado</th></tr>"
                 + "".join(rows) + "</table>")
    if notes:
        body += f"<div class='nota'><b>Observaciones</b><ul>{notes}</ul></div>"
    body += "".join(sections)
    return (f"<!DOCTYPE html>\n<html lang='es'><head><meta charset='utf-8'>"
            f"<title>Corrección: {esc(result['notebook'])}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
