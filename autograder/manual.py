"""Manually graded answers (nbgrader ``grade: true, solution: true`` cells, grade_id ``pregunta_N``).

``grade`` copies every student's answer into a sheet, ``revision_manual.csv`` (and the same
sheet as a form, ``revision_manual.html``, that opens in a browser and saves the CSV back).  The
instructor writes points (and a comment) per row; the next ``grade`` reads them, keeps them in
the sheet, and adds them to the grades, the gradebook and the feedback.  A blank answer gets 0 at
once.  Nothing is regraded for this: the sheet is merged when the reports are written.  When a
student's answer changed since it was graded (a resubmission), its points are set aside and the
row is pending again, with the old points in the comment.
"""
import csv
import html
import json
from pathlib import Path

from .collect import sort_key
from .matching import manual_answers
from .notebooks import NotebookError, normalized, read_notebook

SHEET = "revision_manual.csv"
FORM = "revision_manual.html"
COLUMNS = ["student", "name", "notebook", "question", "max_points", "points", "comment", "answer"]


def read_sheet(path):
    """``{(student, notebook, question): (points or None, comment, answer)}`` from a filled sheet."""
    marks = {}
    if not Path(path).exists():
        return marks
    with open(path, newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            text = (row.get("points") or "").strip().replace(",", ".")
            points = None
            if text:
                try:
                    points = float(text)
                except ValueError:
                    raise ValueError(f"{path}, line {line}: points {text!r} is not a number") from None
                top = float(row.get("max_points") or 0)
                if not 0 <= points <= top:
                    raise ValueError(f"{path}, line {line}: points {points:g} outside 0..{top:g} "
                                     f"for {row.get('question')} of {row.get('student')}")
            marks[(row.get("student"), row.get("notebook"), row.get("question"))] = (
                points, (row.get("comment") or "").strip(), row.get("answer") or "")
    return marks


def merge(results, subs_by_id, course, out):
    """Add each manually graded answer to its result (points from the sheet, or pending), and
    rewrite the sheet and its form with every answer; returns the number still to grade."""
    out = Path(out)
    marks = read_sheet(out / SHEET)
    rows, pending = [], 0
    for r in results:
        nb_name = r["notebook"]
        cells = course.manual_cells(nb_name) if r["status"] == "graded" else []
        if not cells:
            continue
        sub = subs_by_id.get(r.get("id"))
        try:
            found = manual_answers(course.release[nb_name], read_notebook(sub.path)) if sub else {}
        except NotebookError:
            found = {}
        stem = Path(nb_name).stem
        for gid, ans in found.items():
            points, comment, graded = marks.get((r["student"], stem, gid), (None, "", None))
            if points is not None and graded is not None and \
                    normalized(graded) != normalized(ans["text"] or ""):
                comment = f"(respuesta nueva; la anterior tenía {points:g} puntos) {comment}".strip()
                points = None
            if ans["text"] is None or ans["blank"]:
                points = 0.0 if points is None else points
                comment = comment or ("No encontramos tu respuesta." if ans["text"] is None
                                      else "Sin responder.")
            status = ("pendiente" if points is None else "correcto" if points >= ans["points"]
                      else "parcial" if points > 0 else "incorrecto")
            pending += points is None
            message = ("Pendiente de corrección por el profesor." if points is None
                       else comment or "Corregido por el profesor.")
            r["exercises"].append({
                "id": gid, "test": gid, "manual": True, "points": points or 0.0, "max": ans["points"],
                "status": status, "message": message, "detail": "", "code": ans["text"] or "",
                "parts": [{"test": gid, "points": points or 0.0, "max": ans["points"],
                           "status": status, "message": message, "detail": ""}]})
            r["score"] += points or 0.0
            rows.append({"student": r["student"], "name": r.get("name", r["student"]),
                         "notebook": stem, "question": gid, "max_points": f"{ans['points']:g}",
                         "points": "" if points is None else f"{points:g}", "comment": comment,
                         "answer": ans["text"] or ""})
    rows.sort(key=lambda x: (x["notebook"], x["question"], sort_key(x["name"]), x["student"]))
    if rows or (out / SHEET).exists():
        with open(out / SHEET, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, COLUMNS)
            w.writeheader()
            w.writerows(rows)
        (out / FORM).write_text(form(rows), encoding="utf-8")
    return pending


def form(rows):
    """The sheet as a local HTML form; its button downloads the filled ``revision_manual.csv``."""
    body = []
    for i, r in enumerate(rows):
        body.append(
            f"<tr><td>{html.escape(r['name'])}<br><small>{html.escape(r['student'])}</small></td>"
            f"<td>{html.escape(r['notebook'])}<br>{html.escape(r['question'])}</td>"
            f"<td><pre>{html.escape(r['answer'])}</pre></td>"
            f"<td><input type='number' step='0.25' min='0' max='{r['max_points']}' id='p{i}' "
            f"value='{html.escape(r['points'])}'> / {r['max_points']}</td>"
            f"<td><textarea id='c{i}' rows='3'>{html.escape(r['comment'])}</textarea></td></tr>")
    data = json.dumps(rows, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang='es'><head><meta charset='utf-8'><title>Corrección manual</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top}}pre{{white-space:pre-wrap;max-width:40rem;margin:0}}
input{{width:5rem}}textarea{{width:18rem}}</style></head><body>
<h1>Corrección manual</h1>
<p>Escribe los puntos y un comentario; pulsa <b>Guardar CSV</b> y guarda el archivo como
<code>{SHEET}</code> en la carpeta de calificaciones (sustituyendo el anterior). El siguiente
<code>python -m autograder grade</code> suma estas notas.</p>
<p><button onclick='guardar()'>Guardar CSV</button></p>
<table><tr><th>Estudiante</th><th>Pregunta</th><th>Respuesta</th><th>Puntos</th><th>Comentario</th></tr>
{''.join(body)}</table>
<script>
const filas = {data};
const cols = {json.dumps(COLUMNS)};
function campo(v) {{ v = String(v ?? ""); return /[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }}
function guardar() {{
  const lineas = [cols.join(",")];
  filas.forEach((f, i) => {{
    f.points = document.getElementById("p" + i).value;
    f.comment = document.getElementById("c" + i).value;
    lineas.push(cols.map(c => campo(f[c])).join(","));
  }});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([lineas.join("\\n") + "\\n"], {{type: "text/csv"}}));
  a.download = "{SHEET}";
  a.click();
}}
</script></body></html>
"""
