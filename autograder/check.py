"""``check``: prove the kit is sound before giving it to students.

* ``course/`` is exactly what ``build`` makes from ``solutions/``;
* every solution notebook earns full marks, every untouched student notebook 0 on every test;
* every test cell fails on at least one wrong answer: the answer removed (``pass``), and each
  wrong answer the author lists in the answer cell's metadata
  ``{"autograder": {"incorrectas": ["resultado = x + y", ...]}}``; and the *visible* check fails on
  each listed wrong answer too, unless its message says that it only checks the form
  ("solo comprueba la forma"): students must not read "superada" for a known wrong answer;
* point totals: test cells, gradebook and the notebook's declared ``total_points`` agree;
* every test cell has checks the grader can judge outside the student's kernel (``assert`` or
  ``np.testing.assert_*``; see ``observe.py``); checks that are a bare value (``assert x.closed``)
  are counted: the kernel decides those alone.
"""
import copy
import json
import tempfile
from pathlib import Path

from .build import assignment_of, out_of_sync, select_notebooks
from .grade import Options, Submission, prepare, run_pool
from .notebooks import EXERCISE_ID, TEST_ID, grade_id, meta, read_notebook, source, split_hidden
from .observe import kernel_decided
from .runner import test_program
from .sandbox import check_sandbox


def wrong_answers(cell):
    """Wrong versions of an answer cell: removed, plus the ones its metadata declares."""
    declared = cell.get("metadata", {}).get("autograder", {}).get("incorrectas", [])
    return ["pass"] + [w for w in declared if isinstance(w, str)]


#: The start of the feedback of a test whose visible part passed and hidden part failed (feedback.py).
VISIBLE_PASSED = "Tu respuesta pasa la comprobación visible"
#: A visible check may say that it only checks the form of the answer: then it may pass wrong answers.
FORM_ONLY = "solo comprueba la forma"


def visible_check(course, name, test_id):
    """The visible part of a test cell of the solution notebook ``name``."""
    cell = next(c for c in course.solutions[name]["cells"] if grade_id(c) == test_id)
    return split_hidden(source(cell))[0]


def check(solutions="solutions", course="course", options=None):
    """Return ``(problems, report_lines)``; no problems means the kit is sound.

    ``options.notebooks`` limits the check to some notebooks (``check --notebook 02``).
    """
    options = options or Options()
    if options.sandbox:
        check_sandbox()
    problems, lines = [], []
    names = select_notebooks([p.name for p in Path(solutions).glob("*.ipynb")], options.notebooks)
    stale = out_of_sync(solutions, course, names if options.notebooks else None)
    if stale:
        problems.append(f"{course}/ is out of sync with {solutions}/ for {', '.join(stale)}: "
                        "run python -m autograder build")
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        tmp = Path(tmp)
        crs = prepare(solutions, tmp / "out", names)
        (tmp / "out" / ".trabajo").mkdir()
        subs, expect, wrong_of = [], {}, {}
        for name, sol in crs.solutions.items():
            if name not in names:
                continue
            subs.append(Submission("solucion", name, Path(solutions, name), name))
            expect[("solucion", name)] = "full"
            subs.append(Submission("sin_tocar", name, tmp / "out" / "release" / name, name))
            expect[("sin_tocar", name)] = "zero"
            for i, cell in enumerate(sol["cells"]):
                gid = grade_id(cell)
                if not EXERCISE_ID.match(gid or ""):
                    continue
                for k, wrong in enumerate(wrong_answers(cell)):
                    nb = copy.deepcopy(read_notebook(Path(solutions, name)))
                    # by grade_id: the file may lack the setup cell that the course inserts
                    next(c for c in nb["cells"] if grade_id(c) == gid)["source"] = wrong
                    label = f"mal_{gid}_{k}"
                    path = tmp / "mutants" / label / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(nb), encoding="utf-8")
                    subs.append(Submission(label, name, path, name))
                    expect[(label, name)] = gid
                    wrong_of[(label, name)] = wrong
        n_checks, n_kernel = {}, {}
        for name in names:
            for cell in crs.solutions[name]["cells"]:
                if meta(cell).get("grade") and TEST_ID.match(grade_id(cell) or ""):
                    checks = test_program(source(cell))[2]
                    n_checks[name] = n_checks.get(name, 0) + len(checks)
                    n_kernel[name] = n_kernel.get(name, 0) + sum(
                        1 for c in checks.values() if kernel_decided(c["expr"]))
                    if not checks:
                        problems.append(f"{name}: {grade_id(cell)} has no assert or np.testing.assert_* "
                                        "the grader can judge outside the student's kernel: its "
                                        "points could be forged")
        results = {(r["student"], r["notebook"]): r
                   for r in run_pool(subs, crs, tmp / "out", options)}
        caught = {}
        for (student, name), want in expect.items():
            r = results[(student, name)]
            if r["status"] != "graded":
                problems.append(f"{name}: could not grade the {student} version: {r['error']}")
            elif want == "full" and r["score"] != auto_max(crs, name):
                bad = [f"{e['id']} ({e['detail'] or e['message']})" for e in r["exercises"]
                       if e["status"] != "correcto"]
                problems.append(f"{name}: the solution scores {r['score']:g}/{auto_max(crs, name):g}; "
                                f"failing: {'; '.join(bad)}")
            elif want == "zero":
                for e in r["exercises"]:
                    if e["points"]:
                        problems.append(f"{name}: the untouched student notebook earns {e['points']:g} "
                                        f"points on {e['test']}")
            elif want.startswith("ejercicio_"):
                ex = next(e for e in r["exercises"] if e["id"] == want)
                for part in ex["parts"]:  # each test cell must catch some wrong answer
                    caught.setdefault((name, part["test"]), False)
                    caught[(name, part["test"])] |= part["points"] == 0
                    if wrong_of[(student, name)] != "pass" and part["message"].startswith(VISIBLE_PASSED) \
                            and FORM_ONLY not in visible_check(crs, name, part["test"]).lower():
                        problems.append(f"{name}: the visible check of {part['test']} passes the wrong answer "
                                        f"{wrong_of[(student, name)]!r} (only hidden tests catch it): make it fail, "
                                        f"or say in its message that it {FORM_ONLY!r}")
        for (name, test), ok in sorted(caught.items()):
            if not ok:
                problems.append(f"{name}: {test} passes with every wrong answer (answer removed and "
                                "metadata autograder.incorrectas): it checks nothing")
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{tmp / 'out' / 'gradebook.db'}") as gb:
            for name in names:
                in_db = gb.find_notebook(Path(name).stem, assignment_of(name)).max_score
                if abs(in_db - crs.max_score(name)) > 1e-9:
                    problems.append(f"{name}: gradebook max score {in_db:g} != test points "
                                    f"{crs.max_score(name):g}")
                r = results[("solucion", name)]
                n_tests = sum(1 for (n, _), _ in caught.items() if n == name)
                lines.append(f"{name}: solution {r['score']:g}/{auto_max(crs, name):g}, untouched "
                             f"{results[('sin_tocar', name)]['score']:g}, {n_tests} test cell(s) "
                             f"checked against wrong answers, {n_checks.get(name, 0)} checks judged "
                             f"by the grader ({n_kernel.get(name, 0)} a bare value the kernel decides)")
    return problems, lines


def auto_max(course, name):
    """Points of the automatic tests (manually graded answers are not run)."""
    return course.max_score(name) - sum(float(meta(c).get("points", 0)) for c in course.manual_cells(name))


def report(problems, lines):
    text = "\n".join(lines)
    if problems:
        return text + "\n\nPROBLEMS:\n  " + "\n  ".join(problems)
    return text + "\n\nthe kit is sound"
