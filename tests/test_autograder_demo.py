"""The README's main command: `python -m autograder demo` builds and grades the bundled sample class, run from any
folder (its output folder is a relative path there, as an instructor would type it)."""
import csv
import subprocess
import sys


def test_demo_grades_the_sample_class(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder", "demo"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / "demo_calificaciones" / "notas.csv", encoding="utf-8") as f:
        scores = {row["student"]: row["score"] for row in csv.DictReader(f)}
    assert {k: float(v) for k, v in scores.items()} == {"ana": 5, "bruno": 0, "carmen": 3, "diego": 3, "elena": 4,
                                                         "fermin": 5}
    assert (tmp_path / "demo_calificaciones" / "feedback" / "carmen" / "00_muestra.html").exists()
    assert "ana" in proc.stdout and "5/5" in proc.stdout
