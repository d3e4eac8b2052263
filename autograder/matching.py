"""Which of a student's cells answers which exercise.

Cells are recognised by their nbgrader ``grade_id`` first.  Cells without one (Colab and some
editors drop the metadata) are matched by content and position: a cell close to a locked cell of
the course is that locked cell (an added ``print`` costs nothing: the instructor's version runs);
a cell between two recognised cells answers the exercise the course has there; an answer moved
elsewhere is found by its likeness to the solution or to the blank.
"""
import difflib
import re

from . import config
from .notebooks import EXERCISE_ID, grade_id, is_manual, meta, normalized, source

#: A cell this close (difflib ratio) to a locked cell of the course is that cell, edited.
LOCKED_LIKENESS = 0.75
#: An answer found away from its place must be at least this close to the solution or the blank.
MOVED_LIKENESS = 0.5

_SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)


def _code_cells(nb):
    return [c for c in nb["cells"] if c.get("cell_type") == "code"]


def _likeness(a, b):
    return difflib.SequenceMatcher(None, normalized(a), normalized(b)).ratio()


def _answer_text(solution_cell):
    """A solution answer as a student would type it (markers removed)."""
    text = _SOLUTION_LINE.sub("", source(solution_cell))
    return text.replace(config.INLINE_MARKER, "")


def edited_by_student(cell, course_cell):
    """Whether the student changed a locked cell (not the instructor after the release).

    nbgrader stores the checksum of every locked cell of the released notebook in the cell's
    metadata: a cell whose source still matches its own checksum is as it was released, even if
    the instructor has changed that cell since.
    """
    if normalized(source(cell)) == normalized(source(course_cell)):
        return False
    stored = meta(cell).get("checksum")
    if stored:
        try:
            import nbformat
            from nbgrader.utils import compute_checksum
            node = nbformat.from_dict({**cell, "source": source(cell)})
            return compute_checksum(node) != stored
        except Exception:
            pass
    return True


def match_answers(course_nb, student_nb, solution_nb=None):
    """Map each exercise id of ``course_nb`` (the student version) to the student's code.

    Returns ``(answers, extras, notes)``: ``answers[ex_id]`` is a list of code strings (empty when
    the answer was not found), ``extras[after_id]`` the student's added cells to run after the
    course cell ``after_id``, and ``notes`` Spanish remarks for the feedback.  ``solution_nb``
    (optional) helps to recognise answers without metadata by their likeness to the solution.
    """
    course_cells = [c for c in course_nb["cells"] if grade_id(c)]
    order = [grade_id(c) for c in course_cells]
    by_id = {grade_id(c): c for c in course_cells}
    exercise_ids = [g for g in order if EXERCISE_ID.match(g)]
    locked_ids = [grade_id(c) for c in course_cells if c.get("cell_type") == "code"
                  and not meta(c).get("solution") and not is_manual(c)]
    locked_text = {normalized(source(by_id[g])): g for g in locked_ids}
    solution_text = {grade_id(c): _answer_text(c) for c in (solution_nb or {"cells": []})["cells"]
                     if grade_id(c) in exercise_ids}
    notes = []
    cells = _code_cells(student_nb)
    labels = []  # per student code cell: course grade_id or None
    for c in cells:
        gid = grade_id(c)
        if gid in by_id and by_id[gid].get("cell_type") == "code":
            labels.append(gid)
            if gid in locked_ids and edited_by_student(c, by_id[gid]):
                notes.append(f"Modificaste la celda bloqueada «{gid}»: se usó la versión original.")
        else:
            labels.append(locked_text.get(normalized(source(c))))
    answers = {ex: [source(c) for c, lab in zip(cells, labels) if lab == ex] for ex in exercise_ids}

    def gap(i):
        """Course grade_ids between the recognised cells around student cell ``i``."""
        prev = next((labels[j] for j in range(i - 1, -1, -1) if labels[j]), None)
        nxt = next((labels[j] for j in range(i + 1, len(labels)) if labels[j]), None)
        lo = order.index(prev) + 1 if prev in order else 0
        hi = order.index(nxt) if nxt in order else len(order)
        return order[lo:hi]

    def answer_likeness(ex, text):
        return max(_likeness(source(by_id[ex]), text), _likeness(solution_text.get(ex, ""), text))

    # 1. unlabeled cells between two recognised cells: an edited locked cell of that gap, else
    #    an unanswered exercise of that gap (the most similar pairs first)
    groups = {}
    for i in [i for i, lab in enumerate(labels) if lab is None]:
        groups.setdefault(tuple(gap(i)), []).append(i)
    for here, idxs in groups.items():
        pairs = sorted(((_likeness(source(by_id[g]), source(cells[i])) if g in locked_ids
                         else answer_likeness(g, source(cells[i])), -i, g)
                        for i in idxs for g in here if g in locked_ids or g in exercise_ids),
                       reverse=True)
        for score, i, g in pairs:
            i = -i
            if labels[i] is not None or g in labels or (g in locked_ids and score < LOCKED_LIKENESS):
                continue
            labels[i] = g
            if g in exercise_ids:
                answers[g].append(source(cells[i]))
    # 2. answers moved away from their place: exercises with nothing where they belong take the
    #    most similar leftover cell
    for ex in exercise_ids:
        if answers[ex]:
            continue
        leftovers = [(answer_likeness(ex, source(cells[i])), i)
                     for i, lab in enumerate(labels) if lab is None]
        score, i = max(leftovers, default=(0, None))
        if i is not None and score >= MOVED_LIKENESS:
            labels[i] = ex
            answers[ex].append(source(cells[i]))
    extras = {}
    for i, lab in enumerate(labels):
        if lab is None:  # an extra cell: run it after the closest recognised cell before it
            prev = next((labels[j] for j in range(i - 1, -1, -1) if labels[j]), config.SETUP_ID)
            extras.setdefault(prev, []).append(source(cells[i]))
    for ex in exercise_ids:
        stub = normalized(source(by_id[ex]))
        real = [code for code in answers[ex] if normalized(code) != stub]
        if len(answers[ex]) > 1 and real:
            notes.append(f"Hay {len(answers[ex])} celdas para «{ex}»: se ejecutaron todas, en orden.")
        answers[ex] = real if real else answers[ex]
    return answers, extras, notes


def manual_answers(course_nb, student_nb):
    """The student's text for each manually graded cell (``pregunta_N``) of ``course_nb``.

    By grade_id; without metadata, the cell of the same type right after the locked cell that
    precedes the question in the course (its statement).
    """
    found = {}
    cells = student_nb["cells"]
    course = course_nb["cells"]
    for k, c in enumerate(course):
        if not is_manual(c):
            continue
        gid = grade_id(c)
        mine = [s for s in cells if grade_id(s) == gid]
        if not mine and k > 0:
            before = normalized(source(course[k - 1]))
            for j, s in enumerate(cells[:-1]):
                if normalized(source(s)) == before and cells[j + 1].get("cell_type") == c["cell_type"]:
                    mine = [cells[j + 1]]
                    break
        text = source(mine[0]) if mine else None
        found[gid] = {"text": text, "blank": text is not None
                      and normalized(text) == normalized(source(c)),
                      "points": float(meta(c).get("points", 0)), "type": c["cell_type"]}
    return found
