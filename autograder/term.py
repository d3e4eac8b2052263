"""The term around the grades: deadlines and late penalties, the roster, the gradebook, grade files
for Moodle and Canvas, feedback archives to upload, per-exercise statistics and the summary.

The course settings live in ``curso.toml`` next to the solutions (or ``grade --term FILE``)::

    timezone = "Europe/Madrid"          # of the dates below (default: this machine's)

    [deadlines]                         # per notebook: name, stem or number
    "01_tensores" = 2026-03-02T23:59:00
    "02" = "2026-03-09 23:59"

    [late_penalty]
    percent_per_day = 10                # of the notebook's score, per started day late
    max_percent = 50
    grace_minutes = 15

    [canvas]                            # Canvas gradebook column of each notebook
    "01_tensores" = "Práctica 1 (52001)"

Everything here runs when the reports are written, from kept results: changing a deadline, the
penalty or a manual grade never regrades a notebook.
"""
import csv
import math
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .collect import missing_from_roster, read_roster, sort_key, write_others
from .feedback import render


@dataclass
class Settings:
    deadlines: dict = field(default_factory=dict)   # notebook key -> aware datetime
    percent_per_day: float = 0.0
    max_percent: float = 100.0
    grace_minutes: float = 0.0
    canvas: dict = field(default_factory=dict)
    source: str = ""

    def deadline(self, notebook):
        stem = Path(notebook).stem
        for key in (notebook, stem, stem.split("_")[0]):
            if key in self.deadlines:
                return self.deadlines[key]
        return None


def load_settings(path):
    """Read ``curso.toml`` (absent file: no deadlines, no penalty)."""
    path = Path(path)
    if not path.exists():
        return Settings()
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: {e}") from None
    tz = None
    if data.get("timezone"):
        from zoneinfo import ZoneInfo
        tz = ZoneInfo(data["timezone"])
    deadlines = {}
    for key, value in data.get("deadlines", {}).items():
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{path}: deadline of {key!r} is not a date "
                                 f"(write 2026-03-02T23:59:00): {value!r}") from None
        if not isinstance(value, datetime):
            raise ValueError(f"{path}: deadline of {key!r} must be a date and time, found {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz) if tz else value.astimezone()
        deadlines[str(key)] = value
    late = data.get("late_penalty", {})
    try:
        return Settings(deadlines, float(late.get("percent_per_day", 0)),
                        float(late.get("max_percent", 100)), float(late.get("grace_minutes", 0)),
                        {str(k): str(v) for k, v in data.get("canvas", {}).items()}, str(path))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: [late_penalty] needs numbers: {e}") from None


def lateness(submitted, deadline, settings):
    """``{"deadline", "submitted", "seconds", "days", "percent"}`` (days: started days late)."""
    if submitted is None or deadline is None:
        return None
    seconds = submitted - deadline.timestamp()
    if seconds <= settings.grace_minutes * 60:
        days, percent = 0, 0.0
    else:
        days = math.ceil(seconds / 86400)
        percent = min(settings.max_percent, settings.percent_per_day * days)
    return {"deadline": deadline.isoformat(timespec="minutes"),
            "submitted": datetime.fromtimestamp(submitted).astimezone().isoformat(timespec="minutes"),
            "seconds": round(seconds), "days": days, "percent": percent}


def _duration(seconds):
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    return (f"{days} d " if days else "") + f"{hours} h {rest // 60} min"


def apply_late(result, sub, settings):
    late = lateness(sub.submitted if sub else None, settings.deadline(result["notebook"]), settings)
    result["late"] = late
    result["penalty"] = 0.0
    if late and late["days"]:
        result["penalty"] = round(result["score"] * late["percent"] / 100, 2)
        result["notes"].append(
            f"Entregado el {late['submitted'][:16].replace('T', ' ')}, {_duration(late['seconds'])} "
            f"después del plazo ({late['deadline'][:16].replace('T', ' ')}): penalización del "
            f"{late['percent']:g} % ({result['penalty']:g} puntos).")
    elif sub is not None and sub.late_flag and not late:
        result["notes"].append("Canvas marcó esta entrega como tardía (sin plazo configurado: "
                               "no se aplica penalización).")
    result["final"] = round(max(0.0, result["score"] - result["penalty"]), 2)


# ---------------------------------------------------------------- the report

def report(results, subs, others, course, out, settings, options, stats):
    """Complete the results (identity, manual grades, lateness), write every output; return them
    sorted by name as people sort names (accents and case ignored)."""
    from . import manual
    out = Path(out)
    subs_by_id = {s.key: s for s in subs}
    results = [dict(r, notes=list(r.get("notes", [])),
                    exercises=[dict(e) for e in r.get("exercises", [])]) for r in results]
    for r in results:
        sub = subs_by_id.get(r.get("id"))
        if sub:
            r.update(name=sub.name or sub.student, sid=sub.sid, lms=sub.lms,
                     upload_name=sub.upload_name, file=sub.file)
            r["notes"] = sub.notes + r["notes"]
    stats["manual_pending"] = manual.merge(results, subs_by_id, course, out)
    for r in results:
        apply_late(r, subs_by_id.get(r.get("id")), settings)
    results += missing_rows(results, subs, course, options)
    results.sort(key=lambda r: (sort_key(r.get("name", r["student"])), r["student"], r["notebook"]))
    for r in results:
        if r["status"] == "missing":
            continue
        stem = Path(r["notebook"]).stem if r["notebook"] != "?" else Path(r["file"]).stem
        page = out / "feedback" / r["student"] / f"{stem}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render(r, course.release.get(r["notebook"], {"cells": []})), encoding="utf-8")
        r["feedback"] = str(page.relative_to(out))
    write_grades(out / "notas.csv", results)
    write_others(out / "otros_archivos.csv", others)
    stats["others"] = len(others)
    stats["missing"] = sorted({r["name"] for r in results if r["status"] == "missing"}, key=sort_key)
    merge_gradebook(out / "gradebook.db", results, course)
    write_lms_files(out, results, course, settings)
    stats["exercises"] = statistics(results)
    write_statistics(out, stats["exercises"])
    return results


def missing_rows(results, subs, course, options):
    """0-point rows for the roster's students with no submission, per notebook graded now."""
    if not options.roster:
        return []
    roster = read_roster(options.roster)
    notebooks = sorted({r["notebook"] for r in results if r["notebook"] in course.solutions})
    rows = []
    for sid, name in missing_from_roster(roster, subs):
        for nb in notebooks or ["?"]:
            rows.append({"student": f"{name}_{sid}" if sid and sid != name else name, "name": name,
                         "sid": sid, "notebook": nb, "file": "", "status": "missing",
                         "error": "sin entrega", "score": 0.0, "final": 0.0, "penalty": 0.0,
                         "late": None, "max_score": course.max_score(nb) if nb != "?" else 0.0,
                         "exercises": [], "notes": [], "lms": "", "upload_name": ""})
    return rows


def write_grades(path, results):
    ids = []
    for r in results:
        ids += [e["id"] for e in r["exercises"] if e["id"] not in ids]
    ids.sort(key=lambda g: (g.startswith("pregunta"), int("".join(ch for ch in g if ch.isdigit()) or 0)))
    cols = ["student", "name", "id", "notebook", "score", "max_score", "late_days", "penalty",
            "final", "status"] + ids + ["feedback", "notes", "sospechas"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in results:
            points = {e["id"]: e for e in r["exercises"]}
            notes = r["error"] or "; ".join(
                [f"{e['id']}: {e['status']}" for e in r["exercises"] if e["status"] != "correcto"]
                + r["notes"])
            late = r.get("late") or {}
            w.writerow([r["student"], r.get("name", r["student"]), r.get("sid", ""),
                        Path(r["notebook"]).stem, f"{r['score']:g}", f"{r['max_score']:g}",
                        late.get("days", ""), f"{r.get('penalty', 0):g}",
                        f"{r.get('final', r['score']):g}", r["status"]]
                       + [("pendiente" if points[g]["status"] == "pendiente" else f"{points[g]['points']:g}")
                          if g in points else "" for g in ids]
                       + [r.get("feedback", ""), notes, "; ".join(r.get("suspicion", []))])


def merge_gradebook(db_path, results, course):
    """Record every result in nbgrader's gradebook: one assignment per notebook; unreadable
    submissions get 0 on every cell; manual grades are manual scores; penalties are nbgrader's
    ``late_submission_penalty``."""
    import warnings
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning
    with Gradebook(f"sqlite:///{Path(db_path).resolve()}") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission on SQLAlchemy 2
        for r in results:
            first, _, last = r.get("name", r["student"]).partition(" ")
            gb.update_or_create_student(r["student"], first_name=first, last_name=last)
            if r["status"] == "missing" or r["notebook"] not in course.solutions:
                continue
            assignment = nb_name = Path(r["notebook"]).stem
            try:
                gb.find_submission(assignment, r["student"])
            except MissingEntry:
                gb.add_submission(assignment, r["student"])
            nb = gb.find_submission_notebook(nb_name, assignment, r["student"])
            for grade in nb.grades:
                grade.auto_score, grade.needs_manual_grade = 0.0, False
            for ex in r["exercises"]:
                for part in ex.get("parts", [ex]):
                    grade = gb.find_grade(part["test"], nb_name, assignment, r["student"])
                    if ex.get("manual"):
                        pending = part["status"] == "pendiente"
                        grade.manual_score = None if pending else part["points"]
                        grade.needs_manual_grade = pending
                    else:
                        grade.auto_score = part["points"]
            nb.late_submission_penalty = r.get("penalty") or None
        gb.db.commit()


def write_lms_files(out, results, course, settings):
    """Moodle grading worksheets and feedback zips per notebook, a Canvas gradebook import file
    and Canvas re-upload zips, a plain zip for everything else (``subir/``)."""
    graded = [r for r in results if r["status"] != "missing" and r["notebook"] in course.solutions]
    notebooks = sorted({r["notebook"] for r in graded})
    moodle = [r for r in graded if r.get("lms") == "moodle"]
    for nb in sorted({r["notebook"] for r in moodle}):
        with open(out / f"moodle_{Path(nb).stem}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"])
            for r in moodle:
                if r["notebook"] == nb:
                    w.writerow([f"Participant {r['sid']}", r["name"], f"{r['final']:.2f}",
                                f"{r['max_score']:.2f}", _comment(r)])
    canvas = [r for r in results if r.get("lms") == "canvas" or (r["status"] == "missing" and r.get("sid"))]
    if any(r.get("lms") == "canvas" for r in canvas):
        columns = [settings.canvas.get(Path(nb).stem, Path(nb).stem) for nb in notebooks]
        people = {}
        for r in canvas:
            people.setdefault((r["sid"], r["name"]), {})[r["notebook"]] = r["final"]
        with open(out / "canvas.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + columns)
            w.writerow(["Points Possible", "", "", "", ""]
                       + [f"{course.max_score(nb):g}" for nb in notebooks])
            for (sid, name), grades in sorted(people.items(), key=lambda x: sort_key(x[0][1])):
                w.writerow([name, sid, "", "", ""] + [f"{grades[nb]:g}" if nb in grades else ""
                                                      for nb in notebooks])
    upload = out / "subir"
    upload.mkdir(exist_ok=True)
    for old in upload.glob("*.zip"):
        old.unlink()
    for r in graded:
        if not r.get("feedback"):
            continue
        stem = Path(r["notebook"]).stem
        if r.get("lms") == "moodle":
            zname, arc = f"moodle_{stem}.zip", f"{r['upload_name']}/{stem}_correccion.html"
        elif r.get("lms") == "canvas":
            zname, arc = f"canvas_{stem}.zip", f"{r['upload_name']}{stem}_correccion.html"
        else:
            zname, arc = f"feedback_{stem}.zip", f"{r['student']}/{stem}.html"
        with zipfile.ZipFile(upload / zname, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.write(out / r["feedback"], arc)


def _comment(r):
    if r["status"] != "graded":
        return r["error"]
    text = f"{r['final']:g} / {r['max_score']:g}. "
    text += " ".join(f"{e['id']}: {e['points']:g}/{e['max']:g}." for e in r["exercises"])
    return text + " Detalles en la página de corrección."


# ---------------------------------------------------------------- statistics

def statistics(results):
    """Per notebook and exercise: submissions, mean points, share of full marks, commonest failure."""
    rows = {}
    for r in results:
        if r["status"] == "missing" or r["notebook"] not in {x["notebook"] for x in results}:
            continue
        exercises = r["exercises"] if r["status"] == "graded" else []
        for e in exercises:
            row = rows.setdefault((Path(r["notebook"]).stem, e["id"]),
                                  {"notebook": Path(r["notebook"]).stem, "exercise": e["id"],
                                   "max": e["max"], "points": [], "failures": Counter()})
            row["points"].append(e["points"])
            for p in e.get("parts", []):
                if p["status"] not in ("correcto", "pendiente"):
                    row["failures"][p["message"].splitlines()[0][:120]] += 1
    out = []
    for (nb, ex), row in sorted(rows.items(), key=lambda x: (x[0][0], x[0][1].startswith("pregunta"),
                                                           int("".join(c for c in x[0][1] if c.isdigit()) or 0))):
        n = len(row["points"])
        common = row["failures"].most_common(1)
        out.append({"notebook": nb, "exercise": ex, "n": n, "max": row["max"],
                    "mean": sum(row["points"]) / n if n else 0.0,
                    "full": sum(p >= row["max"] for p in row["points"]) / n if n else 0.0,
                    "failure": common[0][0] if common else "", "failure_count": common[0][1] if common else 0})
    return out


def write_statistics(out, stats):
    with open(out / "estadisticas.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["notebook", "exercise", "submissions", "max_points", "mean_points",
                    "share_full_marks", "commonest_failure", "failure_count"])
        for s in stats:
            w.writerow([s["notebook"], s["exercise"], s["n"], f"{s['max']:g}", f"{s['mean']:.2f}",
                        f"{s['full']:.2f}", s["failure"], s["failure_count"]])
    if stats:
        (out / "estadisticas.svg").write_text(svg_chart(stats), encoding="utf-8")


def svg_chart(stats, row=30, left=240, width=400):
    """The statistics as an SVG bar chart (any browser opens it; it scales): per exercise, the mean
    points and the share of full marks, in % ."""
    from html import escape
    top = 56
    height = top + row * len(stats) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="{left + width / 2}" y="20" text-anchor="middle" font-size="15">Resultados por ejercicio</text>']
    for pct in (0, 50, 100):  # grid
        x = left + width * pct / 100
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 34}" stroke="#ccc"/>'
                     f'<text x="{x}" y="{top - 10}" text-anchor="middle" fill="#666">{pct} %</text>')
    for i, s in enumerate(stats):
        y = top + row * i
        label = f"{s['notebook']} · {s['exercise'].replace('ejercicio_', 'ej ')}"
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        mean = s["mean"] / s["max"] if s["max"] else 0.0
        for dy, share, color in ((3, mean, "#4c78a8"), (15, s["full"], "#72b7b2")):
            parts.append(f'<rect x="{left}" y="{y + dy}" width="{width * share:.1f}" height="11" fill="{color}"/>'
                         f'<text x="{left + width * share + 4:.1f}" y="{y + dy + 10}" font-size="10">'
                         f'{100 * share:.0f}</text>')
    for j, (name, color) in enumerate((("puntos medios (%)", "#4c78a8"),
                                        ("nota completa (% de entregas)", "#72b7b2"))):
        x = left + 200 * j
        parts.append(f'<rect x="{x}" y="{height - 24}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="{height - 14}">{name}</text>')
    return "\n".join(parts + ["</svg>"]) + "\n"


def text_chart(stats, width=20):
    """The statistics as text bars for the terminal."""
    lines = []
    for s in stats:
        share = s["mean"] / s["max"] if s["max"] else 0
        bar = "█" * round(share * width) + "·" * (width - round(share * width))
        label = f"{s['notebook']} {s['exercise'].replace('ejercicio_', 'ej')}"
        fail = f'  "{s["failure"][:60]}" ×{s["failure_count"]}' if s["failure"] else ""
        lines.append(f"{label:<24} {bar} {100 * share:3.0f}%  full {100 * s['full']:3.0f}%{fail}")
    return lines


def summary(results, stats, out):
    rows = [("student", "notebook", "grade", "status / notes", "suspicion")]
    for r in results:
        bad = [f"{e['id'].replace('ejercicio_', 'ej').replace('pregunta_', 'p')}:{e['status']}"
               for e in r["exercises"] if e["status"] != "correcto"]
        if r.get("penalty"):
            bad.append(f"tarde -{r['late']['percent']:g}%")
        if any("Entregaste" in n for n in r.get("notes", [])):
            bad.append("reentrega")
        grade = f"{r.get('final', r['score']):g}/{r['max_score']:g}"
        who = r.get("name", r["student"])
        if r.get("sid") and r["sid"] != who:
            who += f" ({r['sid']})"
        sus = r.get("suspicion", [])
        rows.append((who, Path(r["notebook"]).stem, grade,
                     r["error"][:70] if r["status"] != "graded" else " ".join(bad)[:70],
                     (f"{len(sus)}: " + " ".join(sus))[:60] if sus else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if stats.get("exercises"):
        lines += ["", "per exercise (mean points, share of full marks, commonest failure):"]
        lines += ["  " + line for line in text_chart(stats["exercises"])]
    lines.append("")
    lines.append(f"graded {stats['graded']} submission(s) in {stats['seconds']:.1f} s "
                 f"({stats['per_minute']:.1f}/min, {stats['workers']} worker(s)): "
                 f"{stats.get('new', 0)} new, {stats.get('regraded', 0)} regraded because the "
                 f"submission or its notebook changed; {stats['reused']} already graded, reused")
    if stats.get("skipped"):
        lines.append(f"{stats['skipped']} submission(s) of other notebooks not graded (--notebook)")
    if stats.get("pending"):
        lines.append(f"INTERRUPTED: {stats['pending']} submission(s) not graded; run the same "
                     "command again to finish")
    if stats.get("manual_pending"):
        lines.append(f"{stats['manual_pending']} answer(s) to grade by hand: fill "
                     f"{Path(out, 'revision_manual.csv')} (or open revision_manual.html), then grade again")
    if stats.get("missing"):
        lines.append(f"no submission from {len(stats['missing'])} student(s) of the roster: "
                     + ", ".join(stats["missing"]))
    if stats.get("others"):
        lines.append(f"{stats['others']} file(s) not graded (not notebooks, replaced resubmissions): "
                     f"{Path(out, 'otros_archivos.csv')}")
    lines.append(f"grades: {Path(out, 'notas.csv')}   feedback: {Path(out, 'feedback')}/<student>/"
                 f"<notebook>.html   gradebook: {Path(out, 'gradebook.db')}")
    lines.append(f"LMS: {Path(out, 'subir')}/*.zip, moodle_*.csv, canvas.csv   "
                 f"statistics: {Path(out, 'estadisticas.svg')}")
    return "\n".join(lines)
