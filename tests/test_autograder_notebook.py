"""engine.notebook: the friendly-blank input transformer."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.notebook import HuecoSinCompletar, find_blanks, setup, transform_blanks  # noqa: E402


def test_find_blanks_in_the_seed_styles():
    src = 'x = 1\nresultado = ## Code ##\nsess = ##Code## # abrimos\ns = "## Code ##"\n# ## Code ## en comentario'
    assert find_blanks(src) == [(2, "resultado = ## Code ##"), (3, "sess = ##Code## # abrimos")]
    assert find_blanks("def f(:\n    ## Code ##") == [(2, "## Code ##")]  # does not tokenize


def test_transformer_leaves_complete_cells_alone():
    lines = ["x = 1\n", "print(x)\n"]
    assert transform_blanks(lines) is lines


@pytest.fixture(scope="module")
def shell():
    from IPython.testing.globalipapp import start_ipython
    ip = start_ipython()
    assert setup(ip) and setup(ip)  # idempotent
    assert [getattr(t, "__name__", "") for t in ip.input_transformers_cleanup].count("transform_blanks") == 1
    return ip


def test_running_a_blank_gives_a_short_spanish_error(shell):
    result = shell.run_cell("x = 6\nresultado = ## Code ##\nprint(resultado)")
    err = result.error_in_exec
    assert isinstance(err, HuecoSinCompletar)
    assert str(err).startswith("Falta tu código en el hueco de la línea 2:  resultado = ## Code ##")
    assert len(err._render_traceback_()) == 1
    two = shell.run_cell("a = ## Code ##\nb = ## Code ##").error_in_exec
    assert "Faltan tus respuestas en los huecos de las líneas 1 y 2" in str(two)
    assert shell.run_cell("y = 2 * 3").success and shell.user_ns["y"] == 6


def test_without_ipython_setup_is_a_no_op():
    code = ("import sys; sys.modules['IPython'] = None\n"
            "import engine.notebook as nb\nprint(nb.setup())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'IPython')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "False"


def test_notebook_module_imports_only_the_standard_library():
    """The setup cell runs it before anything else is known to work (a fresh Colab, a broken install): it may rely
    on the standard library only, plus IPython, imported inside `setup` when it exists."""
    source = (ROOT / "engine" / "notebook.py").read_text()
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.lstrip().startswith(("import ", "from "))}
    allowed = set(sys.stdlib_module_names) | {"IPython"}
    assert "tokenize" in imports and imports <= allowed, imports - allowed
