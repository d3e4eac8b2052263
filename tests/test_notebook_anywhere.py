"""A student notebook of course/ where the kit is not installed, as in Colab, Kaggle or a student's own Jupyter.

The kernel runs in a virtualenv with only NumPy, ipykernel, matplotlib and graphviz-pure (installed from a local
wheel cache, `PIP_NO_INDEX=1`: nothing is downloaded while the notebook runs), with no engine, and with a PATH
that has no Graphviz `dot`. The first cell must unpack the engine the notebook carries, a blank must give the
friendly error, and the graph picture must be drawn by graphviz-pure. Once with this Python and the newest NumPy,
once with Google Colab's Python 3.12 and NumPy 2.0. The environments are kept in .venv-compat/ (tools/compat.py)."""
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.compat import environment, find_python  # noqa: E402

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"
ENVIRONMENTS = {f"notebook-py{HERE}-numpy-latest": (HERE, "numpy"),
                "notebook-py3.12-numpy2.0": ("3.12", "numpy==2.0.*")}
PACKAGES = ["ipykernel", "matplotlib", "graphviz-pure"]
NOTEBOOK = ROOT / "course" / "00_bienvenida.ipynb"


def _outputs(cell):
    return cell.get("outputs", [])


def _errors(cell):
    return [o for o in _outputs(cell) if o["output_type"] == "error"]


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_a_course_notebook_runs_without_the_kit(name, tmp_path, monkeypatch):
    version, numpy = ENVIRONMENTS[name]
    if find_python(version) is None:
        pytest.skip(f"Python {version} is not installed here")
    python = environment(name, version, [numpy] + PACKAGES)
    probe = "import importlib.util as u; print(u.find_spec('engine') is None, u.find_spec('graphviz') is None)"
    import subprocess
    assert subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          check=True).stdout.split() == ["True", "True"], "the environment must not have the kit"
    kernels = tmp_path / "jupyter" / "kernels" / "sin-kit"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name, "language": "python"}))
    (tmp_path / "bin").mkdir()
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no `dot`, and not the environment's scripts either
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # where the setup cell unpacks the engine
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import engine, numpy, sys\nprint(engine.__file__)\n"
                                              "print(sys.version.split()[0], numpy.__version__)"))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="sin-kit", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    setup = nb.cells[0]
    assert not _errors(setup), _errors(setup)
    assert "(el de este cuaderno)" in "".join(o.get("text", "") for o in _outputs(setup))
    where, versions = [o["text"] for o in _outputs(nb.cells[-1]) if o.get("name") == "stdout"][0].splitlines()[:2]
    assert where.startswith(str(tmp_path / "tmp")), where
    timing = setup.metadata.get("execution", {})
    if "iopub.execute_input" in timing:
        from datetime import datetime
        seconds = (datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z")) -
                   datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z"))).total_seconds()
        print(f"{name}: Python/NumPy {versions}, first cell {seconds:.2f} s")
    blank = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ejercicio_1")
    assert [e["ename"] for e in _errors(blank)] == ["HuecoSinCompletar"]
    picture = next(c for c in nb.cells if "tf.show_graph(demo)" in c.source)
    svg = [o["data"]["image/svg+xml"] for o in _outputs(picture) if "image/svg+xml" in o.get("data", {})]
    assert svg and "graphviz-pure" in svg[0] and "<svg" in svg[0], _outputs(picture)
