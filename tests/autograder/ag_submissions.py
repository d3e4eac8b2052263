"""A generated class for the fixture course's 01_sumas: correct, blank, partly wrong, every attack.

``make_class(course_nb_path, folder, secrets)`` writes the files and returns
``{student: expected}`` where ``expected`` holds the score and per-exercise statuses.
Student ids use "-" in file names (``lee-secretos_01_sumas.ipynb``). ``secrets`` are host paths the sandbox must hide (solutions, gradebook, other submissions...).
"""
import copy
import json

from autograder import authoring as A

OK = {1: "resultado = x * y", 2: "def cuadrados(n):\n    return [i * i for i in range(n)]",
      3: "media = np.mean(datos)"}
WRONG = {1: "resultado = x + y", 2: "def cuadrados(n):\n    return []", 3: "media = 0.0"}

PROBE = """import os
def _probe(path, mode="r"):
    try:
        with open(path, mode) as f:
            f.write("x") if "a" in mode or "w" in mode else f.read(10)
        print("LEIDO" if mode == "r" else "ESCRITO", path)
    except Exception as e:
        print("BLOQUEADO", path, type(e).__name__)
"""


def answers(nb, **codes):
    """Student notebook ``nb`` with exercise n answered by ``codes['e<n>']`` (default: correct)."""
    for n in (1, 2, 3):
        nb = A.fill(nb, n, codes.get(f"e{n}", OK[n]))
    return nb


def make_class(course_nb_path, folder, secrets):
    blank = A.load(course_nb_path)
    good = answers(blank)
    files, expected = {}, {}

    def add(student, nb_or_text, score, statuses=None, name=None):
        text = nb_or_text if isinstance(nb_or_text, str) else A.to_json(nb_or_text)
        files[name or f"{student.replace('_', '-')}_01_sumas.ipynb"] = text
        expected[student] = {"score": score, "statuses": statuses or {}}

    add("correcto", good, 5)
    add("vacio", blank, 0, {1: "sin_responder", 2: "sin_responder", 3: "sin_responder"})
    add("parcial", answers(blank, e2=WRONG[2], e3="media = 3"), 1, {2: "incorrecto", 3: "incorrecto"})

    reads = "\n".join(f"_probe({p!r})" for p in secrets["read"])
    add("lee_secretos", answers(blank, e1=PROBE + reads + "\n" + OK[1]), 5)
    writes = "\n".join(f"_probe({p!r}, 'a')" for p in secrets["write"])
    add("escribe_fuera", answers(blank, e1=PROBE + writes + "\n_probe('propio.txt', 'w')\n" + OK[1]), 5)
    add("red", answers(blank, e1="""import socket, urllib.request
for target in [("1.1.1.1", 53), ("127.0.0.1", 22), ("pypi.org", 443)]:
    try:
        socket.create_connection(target, timeout=2); print("CONECTADO", target)
    except Exception as e:
        print("BLOQUEADO", target, type(e).__name__)
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=2); print("CONECTADO web")
except Exception as e:
    print("BLOQUEADO web", type(e).__name__)
""" + OK[1]), 5)

    add("bucle", answers(blank, e2="while True:\n    pass"), 3, {2: "timeout"})
    add("memoria", answers(blank, e1="a = np.ones((60000, 60000))\n" + OK[1]), 4, {1: "incorrecto"})
    # forked children die at once; the process limit then stops the loop (BlockingIOError)
    # (on a loaded machine the cell may time out before: the bomb is stopped either way)
    add("fork", answers(blank, e2="import os\nwhile True:\n    os.fork()"), 3, {2: ("incorrecto", "timeout")})
    add("salida_enorme", A.insert_after(good, "ejercicio_1", 'print("x" * 3_000_000)\nprint("fin")'), 5)
    add("sys_exit", answers(blank, e1="import sys\nsys.exit(3)"), 4, {1: "incorrecto"})
    add("os_exit", answers(blank, e2="import os\nos._exit(1)"), 3, {2: "crash"})
    add("crash", answers(blank, e3="import ctypes\nctypes.string_at(0)"), 3, {3: "crash"})
    add("exit", answers(blank, e3="exit()\n" + OK[3]), 5)  # ipykernel only asks the frontend

    add("transformador", answers(blank, e1="""ip = get_ipython()
ip.input_transformers_cleanup.append(
    lambda lines: [l.replace("assert", "pass #").replace("comprobar(", "print(") for l in lines])
""" + WRONG[1], e2=WRONG[2]), 2, {1: "incorrecto", 2: "incorrecto"})
    add("ast", answers(blank, e1="""import ast
class _SinAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_SinAsserts())
""" + OK[1], e2=WRONG[2]), 3, {2: "incorrecto"})
    add("parchea_numpy", answers(blank, e1="""np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
import numpy.testing._private.utils as _u
_u.assert_allclose = lambda *a, **k: None
""" + WRONG[1], e3=WRONG[3]), 2, {1: "incorrecto", 3: "incorrecto"})
    add("redefine_check", answers(blank, e1="def comprobar(*a, **k):\n    pass\n" + WRONG[1]),
        4, {1: "incorrecto"})
    add("showtraceback", answers(blank, e1="""import sys
get_ipython().showtraceback = lambda *a, **k: None
get_ipython()._showtraceback = lambda *a, **k: None
sys.excepthook = lambda *a: None
""" + OK[1], e2=WRONG[2]), 3, {2: "incorrecto"})
    add("builtins", answers(blank, e3="import builtins\nbuiltins.abs = lambda x: 0\n"
                                      "media = 3.0 + 1e-8"), 3, {3: "incorrecto"})
    add("falso_veredicto", answers(blank, e1="""for k in "tvh":
    print(f"\\x1eAGV|0123456789abcdef|{k}|1|{'0' * 64}|||" + "|" + "f" * 64)
""" + WRONG[1]), 4, {1: "incorrecto"})
    # its resultado is 48 with an == that says yes to anything: the grader compares it itself
    add("exfiltra", answers(blank, e1="""import sys
robado = []
class Tramposo(int):
    def __eq__(self, other):
        f = sys._getframe(1)
        while f is not None:
            for v in f.f_locals.values():
                if isinstance(v, bytes):
                    robado.append(v.decode(errors="ignore"))
            f = f.f_back
        return True
    __hash__ = int.__hash__
resultado = Tramposo(48)
""", e2="raise ValueError(' | '.join(robado))"), 2, {1: "incorrecto", 2: "incorrecto"})

    add("stderr", answers(blank, e1="""import sys, warnings
warnings.warn("esto es un aviso")
print("un mensaje por stderr", file=sys.stderr)
""" + OK[1]), 5)
    add("sin_metadatos", A.to_json(A.strip_metadata(good), drop_ids=True), 5)
    add("sin_ids", A.to_json(good, drop_ids=True), 5)
    reordered = copy.deepcopy(good)
    reordered.cells = reordered.cells[:1] + list(reversed(reordered.cells[1:]))
    add("reordenado", reordered, 5)
    deleted = copy.deepcopy(good)
    deleted.cells = [c for c in deleted.cells if not (c.metadata.get("nbgrader", {}).get("grade")
                                                      or c.cell_type == "markdown")]
    add("borrado", deleted, 5)
    dup = copy.deepcopy(answers(blank, e1="resultado = ## Code ##"))
    extra = copy.deepcopy(A.cell(dup, "ejercicio_1"))
    extra.source, extra.id = OK[1], "copia"
    dup.cells.insert(dup.cells.index(A.cell(dup, "ejercicio_1")) + 1, extra)
    add("duplicado", dup, 5)
    edited = answers(blank, e1=WRONG[1])
    A.cell(edited, "test_ejercicio_1").source = "pass"
    A.cell(edited, "datos_1").source += "\ndef comprobar(*a):\n    pass"
    add("editado", edited, 4, {1: "incorrecto"})
    add("corrupto", A.to_json(good)[:400], 0)
    files["noc_tarea.pdf"] = "%PDF-1.4 esto no es un cuaderno"
    expected["noc"] = {"score": 0, "statuses": {}}

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    json.dumps(expected)
    return expected
