"""The engine inside the student notebooks (autograder/kit.py): a deterministic wheel that pip accepts, the setup
cell that keeps an identical installed engine and unpacks its own otherwise, and build's refusal of placeholders."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "autograder")]

from autograder import config, kit  # noqa: E402
from autograder.build import BuildError, build  # noqa: E402


def test_the_wheel_is_deterministic_and_pip_installs_it(tmp_path):
    name, data = kit.engine_wheel(ROOT / "engine")
    assert (name, data) == kit.engine_wheel(ROOT / "engine")
    fp = kit.fingerprint(ROOT / "engine")
    assert name == f"engine-0.1.0+{fp[:12]}-py3-none-any.whl" or name.endswith(f"+{fp[:12]}-py3-none-any.whl")
    (tmp_path / name).write_bytes(data)
    with zipfile.ZipFile(tmp_path / name) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert not [n for n in zf.namelist() if not n.startswith(("engine/", "engine-"))]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                    str(tmp_path / "site"), str(tmp_path / name)], check=True)
    assert kit.fingerprint(tmp_path / "site" / "engine") == fp


def _run_setup_cell(source, tmp_path, extra_path):
    """Runs a setup cell's source in a fresh Python whose `engine` is the one in `extra_path`."""
    (tmp_path / "celda.py").write_text(source + "\nimport engine\nprint(engine.__file__)\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(extra_path), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "celda.py"], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_setup_cell_keeps_an_identical_engine_and_unpacks_its_own_otherwise(tmp_path):
    assert _run_setup_cell(kit.student_setup_source(folder=ROOT / "engine"), tmp_path, ROOT) == [
        "Cuaderno preparado: engine 0.1.0 (instalado).", str(ROOT / "engine" / "__init__.py")]
    other = tmp_path / "otro" / "engine"
    shutil.copytree(ROOT / "engine", other, ignore=shutil.ignore_patterns("__pycache__"))
    (other / "marca.py").write_text("HECHO = 'en el cuaderno'\n")
    source = kit.student_setup_source(folder=other)  # a notebook built from another engine
    for _ in range(2):  # unpacked the first time, reused the second
        lines = _run_setup_cell(source + "\nfrom engine import marca\nprint(marca.HECHO)", tmp_path, ROOT)
        assert lines[0] == "Cuaderno preparado: engine 0.1.0 (el de este cuaderno)."
        assert lines[1] == "en el cuaderno" and lines[2].startswith(str(tmp_path / "tmp" / "engine-"))
    assert len(list((tmp_path / "tmp").iterdir())) == 1


def test_the_setup_cell_is_collapsed_and_light_where_the_engine_is_installed(tmp_path):
    from ag_course import write_solutions
    cells = json.loads(build(write_solutions(tmp_path / "s"), tmp_path / "c")[0].read_text())["cells"]
    meta = cells[0]["metadata"]
    assert meta["cellView"] == "form" and meta["jupyter"]["source_hidden"] is True
    assert "".join(cells[0]["source"]).startswith("#@title ")
    assert "_prepare_engine" not in config.setup_cell_source()  # solutions and grading


def test_build_refuses_a_placeholder_kit_source(tmp_path, monkeypatch):
    from ag_course import write_solutions
    solutions = write_solutions(tmp_path / "s")
    monkeypatch.setattr(config, "KIT_SOURCE", "git+https://github.com/CHANGE-ME/tf1-kit.git")
    with pytest.raises(BuildError, match="placeholder"):
        build(solutions, tmp_path / "c")
    assert not (tmp_path / "c").exists()
    monkeypatch.setattr(config, "KIT_SOURCE", "git+https://github.com/profesora/tf1-kit.git")
    cell = "".join(json.loads(build(solutions, tmp_path / "c")[0].read_text())["cells"][0]["source"])
    assert "source='git+https://github.com/profesora/tf1-kit.git'" in cell and len(cell) < 10_000  # no wheel


def test_student_notebooks_do_not_carry_the_wrong_answers(tmp_path):
    """The wrong answers of an answer cell's metadata are often the solution with one change: not for students."""
    from ag_course import write_solutions
    from autograder.notebooks import read_notebook
    solutions = write_solutions(tmp_path / "s")
    path = next(solutions.glob("01_*.ipynb"))
    nb = read_notebook(path)
    next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "ejercicio_1")[
        "metadata"]["autograder"] = {"incorrectas": ["resultado = x * y + 1  # la solución, casi"]}
    path.write_text(json.dumps(nb), encoding="utf-8")
    built = next(p for p in build(solutions, tmp_path / "c") if p.name == path.name).read_text()
    assert "incorrectas" not in built and "la solución, casi" not in built
