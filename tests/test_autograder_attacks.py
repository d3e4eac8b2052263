"""Attacks on the grader, graded end to end (real nbgrader build, real sandboxed kernels).

Every attack on a blank or wrong answer earns 0 and is reported in the CSV and the summary
table; every honest submission earns exactly its points and is reported for nothing; no page
of feedback shows a hidden check.  One class, one batch (``ag_attacks.py`` lists the attacks).
"""
import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]

from ag_attacks import make_attacks  # noqa: E402
from ag_course import HIDDEN_LINES, write_solutions  # noqa: E402
from autograder.build import build  # noqa: E402
from autograder.grade import Options, grade_class, summary_table  # noqa: E402

pytestmark = pytest.mark.xdist_group("autograder-attacks")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("ataques")
    solutions = write_solutions(base / "solutions")
    build(solutions, base / "course")
    expected = make_attacks(base / "course" / "01_sumas.ipynb", base / "entregas")
    out = base / "out"
    results, stats = grade_class(base / "entregas", solutions, out,
                                 options=Options(workers=2, cell_timeout=10, total_timeout=120,
                                                 progress=False))
    return {"results": {r["student"].replace("-", "_"): r for r in results}, "stats": stats,
            "out": out, "expected": expected}


def test_every_attack_earns_nothing_and_is_flagged(graded):
    wrong = {}
    for student, want in graded["expected"].items():
        r = graded["results"][student]
        sus = r.get("suspicion", [])
        flagged = want["flag"] in ("-", None) and not sus if want["flag"] in (None, "-") \
            else any(want["flag"] in s for s in sus)
        repeated = len(set(sus)) < len(sus)
        if r["status"] != "graded" or r["score"] != want["score"] or not flagged or repeated:
            wrong[student] = (r["score"], want, sus, r["error"])
    assert not wrong


def test_hidden_checks_never_reach_feedback(graded):
    pages = [p.read_text(encoding="utf-8") for p in (graded["out"] / "feedback").rglob("*.html")]
    assert len(pages) == len(graded["expected"])
    hidden = HIDDEN_LINES + ["cuadrados(5)", "cuadrados(0)", "1e-12", "np.floating"]
    leaks = [h for h in hidden for page in pages
             if h in page or h.replace("'", "&#x27;") in page or h.replace('"', "&quot;") in page]
    assert not leaks
    # the thieves did get the hidden checks inside their kernel (their own output shows it) ...
    out = "\n".join((s["result"] or {}).get("output", "") + (s["result"] or {}).get("error", "")
                    for s in graded["results"]["gancho_ipython"]["run"]["steps"])
    assert "cuadrados(5)" in out
    # ... and their messages after the first hidden check are the grader's own
    for student in ("gancho_ipython", "inspect_robo"):
        msg = graded["results"][student]["exercises"][2]["message"]
        assert "ValueError" in msg and "cuadrados" not in msg


def test_visible_messages_before_hidden_checks_are_the_students(graded):
    r = graded["results"]["parcial"]
    assert "cuadrados(3) debería ser [0, 1, 4]" in r["exercises"][1]["message"]


def test_suspicion_in_csv_and_table(graded):
    rows = {r["student"].replace("-", "_"): r for r in csv.DictReader(open(graded["out"] / "notas.csv"))}
    table = summary_table(list(graded["results"].values()), graded["stats"], graded["out"])
    for student, want in graded["expected"].items():
        if want["flag"] not in (None, "-"):
            assert want["flag"] in rows[student]["sospechas"], student
        else:
            assert rows[student]["sospechas"] == "", student
    assert "suspicion" in table.splitlines()[0] and "veredicto_falso" in table
