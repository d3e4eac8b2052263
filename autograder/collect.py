"""Collecting a class's submissions from what an LMS downloads, without losing a file.

Recognised by default (a folder, or the ``.zip`` the LMS gives):

* **Moodle** "Download all submissions": ``Ana García_1001_assignsubmission_file_/01_x.ipynb``
  (one folder per participant and plugin; ``onlinetext`` holds ``onlinetext.html``) or the flat
  form ``Ana García_1001_assignsubmission_file_01_x.ipynb``.  1001 is the participant id that
  Moodle's grading worksheet calls "Participant 1001".
* **Canvas** "Download submissions": ``garciaana_1001_67890_01_x.ipynb`` (user id, attachment id,
  original name), ``garciaana_late_1001_67890_...`` when Canvas marked it late; a file submitted
  again gets ``-1``, ``-2``... in its name.
* **Blackboard** "Download assignment": ``Tarea_agarcia_attempt_2026-03-01-10-15-00_01_x.ipynb``
  (the ``..._attempt_<time>.txt`` receipts are listed, not graded).
* **Google Classroom / Drive**: ``Ana García - 01_x.ipynb``.
* One folder per student (``entregas/ana/01_x.ipynb``), or a file-name pattern with a
  ``(?P<student>...)`` group (``--pattern``; default ``ana.garcia_01_x.ipynb``).

Every file ends up in exactly one place: a graded submission, a resubmission that a later one
replaced (named in both students' notes), or the list of other files (``otros_archivos.csv``).
"""
import csv
import os
import re
import shutil
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .notebooks import NotebookError, read_notebook

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?:_(?P<late>late|LATE))?_(?P<id>\d+)_(?P<sub>\d+)_(?P<rest>.+)$")
BLACKBOARD = re.compile(r"^(?P<assignment>.+)_(?P<id>[^_]+)_attempt_"
                        r"(?P<ts>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<rest>.+))?$")
CLASSROOM = re.compile(r"^(?P<name>[^_]+?) - (?P<rest>.+\.ipynb)$")
#: ``x (1).ipynb`` (browsers, Moodle), ``x-1.ipynb`` (Canvas): the number of a later copy.
COPY_NUMBER = re.compile(r"(?:\s*\((\d+)\)|-(\d+))$")


@dataclass
class Submission:
    student: str           # key of the student in every output (unique per LMS id)
    file: str              # name as submitted (relative to the download)
    path: Path             # where it is on disk
    notebook: str = None   # course notebook file name, once recognised
    error: str = None      # why it cannot be graded (Spanish: the student reads it)
    name: str = ""         # full name as the LMS wrote it
    sid: str = ""          # LMS id (Moodle participant, Canvas user, Blackboard user)
    lms: str = ""          # moodle, canvas, blackboard, classroom, carpeta, nombre
    submitted: float = None  # POSIX time of the submission (LMS name or file time)
    late_flag: bool = False  # the LMS itself marked it late (Canvas)
    upload_name: str = ""  # prefix/folder the LMS expects for files uploaded back to this student
    original: str = ""     # the file's name as the student uploaded it
    notes: list = field(default_factory=list)

    @property
    def key(self):
        what = Path(self.notebook).stem if self.notebook else re.sub(r"[^\w.-]", "_", self.file)
        return re.sub(r"[^\w.@-]", "_", f"{self.student}__{what}")


def sort_key(text):
    """Alphabetical order as people expect it: accents and case do not count (Ú sorts as U)."""
    plain = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold(), str(text)


def slug(text):
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"[^\w.@-]+", "-", plain.strip()).strip("-").lower() or "x"


def student_key(name, sid):
    return slug(name) if not sid or sid == name else f"{slug(name)}_{sid}"


def unpack(src, staging, n=0):
    """A folder of the download (a zip is extracted with its files' dates)."""
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"submissions not found: {src}")
    if src.is_dir():
        return src
    if not zipfile.is_zipfile(src):
        raise ValueError(f"{src}: SUBMISSIONS must be a folder or a .zip file")
    root = Path(staging) / f"zip{n}"
    shutil.rmtree(root, ignore_errors=True)
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            name = info.filename
            if not info.flag_bits & 0x800:  # not flagged UTF-8: legacy cp437 names from old tools
                try:
                    name = name.encode("cp437").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            parts = [p for p in Path(name).parts if p not in ("", ".", "..", "/")]
            if info.is_dir() or not parts or parts[0] == "__MACOSX":
                continue
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            stamp = time.mktime(info.date_time + (0, 0, -1))
            os.utime(target, (stamp, stamp))
    return root


def identify(rel, pattern):
    """``(fields, problem)`` for one file: who submitted it and under which name."""
    parts = rel.parts
    for i, part in enumerate(parts[:-1]):  # Moodle, one folder per participant
        m = MOODLE.match(part)
        if m and m["rest"] == "":
            return {"lms": "moodle", "name": m["name"], "sid": m["id"], "upload_name": part,
                    "plugin": m["plugin"], "original": "/".join(parts[i + 1:])}, None
    name = parts[-1]
    m = MOODLE.match(name)
    if m:
        return {"lms": "moodle", "name": m["name"], "sid": m["id"], "plugin": m["plugin"],
                "upload_name": f"{m['name']}_{m['id']}_assignsubmission_file_",
                "original": m["rest"]}, None
    m = BLACKBOARD.match(Path(name).stem if name.endswith(".txt") else name)
    if m:
        stamp = time.mktime(time.strptime(m["ts"], "%Y-%m-%d-%H-%M-%S"))
        return {"lms": "blackboard", "name": m["id"], "sid": m["id"], "submitted": stamp,
                "upload_name": f"{m['assignment']}_{m['id']}_attempt_{m['ts']}_",
                "original": m["rest"] or name, "plugin": "file" if m["rest"] else "receipt"}, None
    m = CANVAS.match(name)
    if m:
        return {"lms": "canvas", "name": m["name"], "sid": m["id"], "late_flag": bool(m["late"]),
                "upload_name": f"{m['name']}_{m['id']}_{m['sub']}_", "original": m["rest"]}, None
    m = CLASSROOM.match(name)
    if m and len(parts) == 1:
        return {"lms": "classroom", "name": m["name"], "sid": m["name"], "original": m["rest"],
                "upload_name": f"{m['name']} - "}, None
    if len(parts) > 1:
        return {"lms": "carpeta", "name": parts[0], "sid": parts[0], "original": "/".join(parts[1:]),
                "upload_name": parts[0] + "/"}, None
    m = re.search(pattern, name)
    if m and m.groupdict().get("student"):
        return {"lms": "nombre", "name": m["student"], "sid": m["student"], "original": name,
                "upload_name": m["student"] + "_"}, None
    return None, (f"no student in the file name {name!r} (pattern {pattern!r}); put each student's "
                  "files in a folder named after the student or use --pattern")


def _copy_number(name):
    m = COPY_NUMBER.search(Path(name).stem)
    return int(m.group(1) or m.group(2)) if m else 0


def collect(sources, course, staging, pattern=config.STUDENT_PATTERN):
    """``(submissions, others)``: one :class:`Submission` per student and notebook, and the files
    that are not graded (dicts with ``file``, ``student``, ``why``).  ``sources``: one or more
    folders or zips (a Moodle and a Canvas download of the same term, say)."""
    if isinstance(sources, (str, Path)):
        sources = [sources]
    roots = [unpack(src, staging, n) for n, src in enumerate(sources)]
    files = [(root, p) for root in roots for p in sorted(root.rglob("*")) if p.is_file()]
    found, others = [], []
    for root, path in files:
        rel = path.relative_to(root)
        if any(p.startswith(".") for p in rel.parts) or ".ipynb_checkpoints" in rel.parts:
            continue
        fields, problem = identify(rel, pattern)
        if problem:
            others.append({"file": str(rel), "student": "", "why": problem})
            continue
        student = student_key(fields["name"], fields["sid"])
        original = fields["original"]
        plugin = fields.pop("plugin", "file")
        if not original.endswith(".ipynb") or plugin != "file":
            others.append({"file": str(rel), "student": student, "name": fields["name"], "path": path,
                           "why": "not a notebook (.ipynb)" if plugin == "file" else
                           f"{plugin} (not a file submission)"})
            continue
        sub = Submission(student, str(rel), path, **fields)
        if sub.submitted is None:
            sub.submitted = path.stat().st_mtime
        try:
            sub.notebook = course.recognise(original, read_notebook(path))
            if sub.notebook is None:
                sub.error = f"{original}: no corresponde a ningún cuaderno del curso"
        except NotebookError as e:
            sub.notebook = course.by_name(original)
            sub.error = e.es
        found.append(sub)
    subs = _one_per_notebook(found, others)
    # a student with no notebook at all still gets a page that says why
    for student in sorted({o["student"] for o in others if o["student"]} - {s.student for s in subs}):
        theirs = [o for o in others if o["student"] == student]
        first = theirs[0]
        sub = Submission(student, first["file"], first["path"], name=first.get("name", student),
                         error="no entregaste ningún cuaderno (.ipynb), solo: "
                               + ", ".join(Path(o["file"]).name for o in theirs))
        fields, _ = identify(Path(first["file"]), pattern)
        sub.sid, sub.lms, sub.upload_name = fields["sid"], fields["lms"], fields.get("upload_name", "")
        subs.append(sub)
    return sorted(subs, key=lambda s: (sort_key(s.name or s.student), s.student, s.notebook or "")), others


def _one_per_notebook(found, others):
    """Resolve resubmissions: per student and notebook, the latest file wins, with a note.

    Latest means the newest submission time when the times differ (Blackboard attempts, file
    dates of the download), else the highest copy number (``x (1).ipynb``, ``x-2.ipynb``).
    """
    groups = {}
    for sub in found:
        groups.setdefault((sub.student, sub.notebook or sub.file), []).append(sub)
    chosen = []
    for subs in groups.values():
        if len(subs) == 1:
            chosen.append(subs[0])
            continue
        times = {round(s.submitted or 0) for s in subs}
        by_time = len(times) > 1
        ranked = sorted(subs, key=lambda s: (round(s.submitted or 0) if by_time else 0,
                                             _copy_number(s.original), s.error is None, s.file))
        best, rest = ranked[-1], ranked[:-1]
        how = "la más reciente" if by_time else "la de número de copia más alto"
        best.notes.append(
            f"Entregaste {len(subs)} archivos para «{Path(best.notebook or best.file).stem}»: se "
            f"calificó «{best.original}» ({how}); no se calificaron: "
            + ", ".join(f"«{s.original}»" for s in rest) + ".")
        for s in rest:
            others.append({"file": s.file, "student": s.student, "name": s.name,
                           "why": f"replaced by {best.file}"})
        chosen.append(best)
    return chosen


def write_others(path, others):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "student", "why"])
        for o in sorted(others, key=lambda o: (sort_key(o["student"]), o["file"])):
            w.writerow([o["file"], o["student"], o["why"]])


# ---------------------------------------------------------------- roster

def read_roster(path):
    """``[(id, name)]`` from a CSV with an id column and a name column (header optional)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        sample = f.read(4096)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [r for r in csv.reader(f, dialect) if any(x.strip() for x in r)]
    if not rows:
        raise ValueError(f"{path}: empty roster")
    head = [h.strip().lower() for h in rows[0]]
    id_names = ("id", "identificador", "identifier", "user id", "user_id", "usuario", "username",
                "número", "numero", "dni", "nia", "sis user id")
    name_names = ("name", "nombre", "full name", "nombre completo", "student", "estudiante", "alumno")
    if any(h in id_names for h in head) or any(h in name_names for h in head):
        i_id = next((i for i, h in enumerate(head) if h in id_names), None)
        i_name = next((i for i, h in enumerate(head) if h in name_names), None)
        rows = rows[1:]
    else:
        i_id, i_name = 0, 1 if len(rows[0]) > 1 else None
    if i_id is None and i_name is None:
        raise ValueError(f"{path}: the roster needs an 'id' and a 'name' column")
    out = []
    for r in rows:
        sid = re.sub(r"^(Participant|Participante)\s+", "", r[i_id].strip()) if i_id is not None else ""
        name = r[i_name].strip() if i_name is not None and i_name < len(r) else sid
        out.append((sid, name))
    return out


def missing_from_roster(roster, subs):
    """Roster entries with no submission: matched by id, else by name without accents, case or
    spaces, in either order (Canvas writes ``lopezluis`` for Luis López)."""
    def forms(name):
        words = sort_key(name)[0].split()
        return {" ".join(words), "".join(words), "".join(reversed(words))}

    ids = {s.sid for s in subs}
    names = set().union(*[forms(s.name) for s in subs]) if subs else set()
    return [(sid, name) for sid, name in roster if sid not in ids and not forms(name) & names]
