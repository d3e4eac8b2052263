"""Submissions that attack the grader, for the fixture course's 01_sumas (5 points).

``make_attacks(course_nb_path, folder)`` writes one notebook per attack (blank or wrong answers
plus the attack) and a few honest ones, and returns ``{student: expected}``: ``score`` and
``flag``, a substring one of the submission's suspicion entries must contain (``None``: no
suspicion may be reported; ``"-"``: the sandbox blocks it and nothing reaches the grader).
"""
from autograder import authoring as A

OK = {1: "resultado = x * y", 2: "def cuadrados(n):\n    return [i * i for i in range(n)]",
      3: "media = np.mean(datos)"}

RUNNER = """ns = get_ipython().user_ns
runners = [k for k in ns if k.startswith("_ag_") and k not in ("_ag_observa", "_ag_r") and callable(ns[k])]
"""

NO_ASSERTS = """import ast, base64
class _SinAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Expr(node.test)
def _falso(kind, b64):
    tree = ast.fix_missing_locations(_SinAsserts().visit(ast.parse(base64.b64decode(b64))))
    try:
        exec(compile(tree, "x", "exec"), ns)
    except BaseException:
        pass
    print(f"\\n\\x1eAGV|{kind}|1||||\\n")
"""

#: an answer of class ``base`` whose == is always True
ALWAYS_EQUAL = """class Todo({base}):
    def __eq__(self, other):
        return True
    __hash__ = None
def cuadrados(n):
    return Todo()
"""

#: student -> (answers by exercise (None: blank), expected score, expected flag)
ATTACKS = {
    # the runner found in the namespace and replaced by one that reports success
    "runner_falso": ({1: RUNNER + """for k in runners:
    ns[k] = lambda kind, b64: print(f"\\n\\x1eAGV|{kind}|1||||\\n")
"""}, 0, "veredicto_falso"),
    # the runner replaced by one that runs the checks without their asserts
    "runner_sin_asserts": ({1: RUNNER + NO_ASSERTS + "for k in runners:\n    ns[k] = _falso\n"},
                           0, "veredicto_falso"),
    # ... and the recorder of observations replaced: every value reported as True
    "observaciones_falsas": ({1: RUNNER + NO_ASSERTS + """for k in runners:
    ns[k] = _falso
def _observa(aid):
    def r(*a):
        if not a:
            print("\\n\\x1eAGO|" + json.dumps({"a": aid, "l": {str(i): {"t": "bool", "v": True} for i in range(4)}}))
            return None
        return a[1]
    return r
import json
ns["_ag_observa"] = _observa
"""}, 0, "veredicto_falso"),
    # a list whose == is always True (the answer is compared in the grader, not by its __eq__)
    "igualdad_trucada": ({2: ALWAYS_EQUAL.format(base="list")}, 0, "veredicto_falso"),
    # ... and a set whose == is always True
    "conjunto_trucado": ({2: ALWAYS_EQUAL.format(base="set")}, 0, "veredicto_falso"),
    # the code of np.allclose (what the visible check of exercise 1 calls) swapped
    "allclose_codigo": ({1: """np.allclose._implementation.__code__ = (
    lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: True).__code__
resultado = 0
"""}, 0, "allclose.__code__"),
    # isinstance shadowed in the notebook's namespace (wrong type, right value)
    "sombra_isinstance": ({3: "isinstance = lambda *a, **k: True\nmedia = np.array([3.0])"},
                          0, "sombra:isinstance"),
    # a thread that keeps patching builtins.abs while the checks run
    "hilo": ({3: """import builtins, threading, time
def _otra_vez():
    for _ in range(200000):
        builtins.abs = lambda v: 0
        time.sleep(0.0002)
threading.Thread(target=_otra_vez, daemon=True).start()
media = 3.0 + 1e-8
"""}, 0, "threads running"),
    # a library function's code object swapped
    "codigo": ({3: "np.testing.assert_allclose.__code__ = (lambda *a, **k: None).__code__\nmedia = 0.0"},
               0, "__code__"),
    # gc.get_objects finds the guard's restore() and empties what it remembers (its closure)
    "gc_cierres": ({3: """import gc
for o in gc.get_objects():
    if type(o).__name__ == "function" and o.__name__ == "restore" and o.__closure__:
        for c in o.__closure__:
            v = c.cell_contents
            if isinstance(v, dict) and any(isinstance(k, str) and k.startswith("numpy") for k in v):
                v.clear()
np.testing.assert_allclose = lambda *a, **k: None
media = 0.0
"""}, 0, "veredicto_falso"),
    # frame walking from a function the checks call: the check's recorder replaced
    "marcos": ({2: """import sys
def cuadrados(n):
    sys._getframe(1).f_globals["_ag_r"] = lambda *a: a[1] if len(a) == 2 else None
    return [0, 1, 4] if n == 3 else []
"""}, 0, "veredicto_falso"),
    # inspect steals the hidden checks; later answers try to show them in the feedback
    "inspect_robo": ({2: """import inspect, base64
robado = []
def cuadrados(n):
    for info in inspect.stack():
        for v in info.frame.f_locals.values():
            if isinstance(v, str) and len(v) > 20:
                robado.append(v)
    return [0, 1, 4] if n == 3 else []
""", 3: """import base64
_t = []
for v in robado:
    try:
        _t.append(base64.b64decode(v).decode())
    except Exception:
        _t.append(v)
media = " ".join(_t)
raise ValueError(media)
"""}, 0, "accion:sys._getframe"),
    # an IPython hook copies every cell the grader runs (the hidden checks too)
    "gancho_ipython": ({2: """import base64
robado = []
def _copia(info):
    robado.append(info.raw_cell)
def cuadrados(n):
    get_ipython().events.register("pre_run_cell", _copia)
    return [0, 1, 4] if n == 3 else []
""", 3: """import base64, re
_t = [base64.b64decode(m).decode(errors="ignore") for c in robado for m in re.findall(r"'([A-Za-z0-9+/=]{16,})'", c)]
raise ValueError(" | ".join(_t))
"""}, 0, "events"),
    # ctypes writes into builtins behind Python's back
    "ctypes": ({3: """import ctypes, builtins
ctypes.pythonapi.PyDict_SetItem.argtypes = (ctypes.py_object,) * 3
ctypes.pythonapi.PyDict_SetItem(builtins.__dict__, "abs", lambda v: 0)
media = 3.0 + 1e-8
"""}, 0, "builtins.abs"),
    # a signal handler patches abs while the checks run
    "senal": ({3: """import signal, builtins
def _h(*a):
    builtins.abs = lambda v: 0
signal.signal(signal.SIGALRM, _h)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
media = 3.0 + 1e-8
"""}, 0, "signal"),
    "atexit": ({1: 'import atexit\natexit.register(lambda: print("\\n\\x1eAGV|h|1|||\\n"))'}, 0,
               "atexit.register"),
    # sys.stdout replaced by a stream that turns failures into successes
    "stdout": ({1: """import sys
class _Voltea:
    def __init__(self, o):
        self.o = o
    def write(self, t):
        return self.o.write(t.replace("|0|", "|1|"))
    def __getattr__(self, k):
        return getattr(self.o, k)
sys.stdout = _Voltea(sys.stdout)
resultado = 0
"""}, 0, "sys.stdout"),
    "procesos": ({1: 'import os, subprocess\nsubprocess.Popen(["sleep", "2"])\nos.fork()\nresultado = 0'},
                 0, "procesos"),
    "lineas_falsas": ({1: 'print("\\x1eAGV|v|1|||")\nprint(\'\\x1eAGO|{"a": "h1", "l": {"0": {"t": "int", "v": "48"}}}\')'},
                      0, "lineas_falsas"),
    "salida_enorme": ({1: 'print("x" * 20_000_000)\nprint("\\x1eAGV|h|1|||")'}, 0, "lineas_falsas"),
    "modulo_falso": ({3: """import types
np.testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None)
media = 0.0
"""}, 0, "numpy.testing"),
    "traza": ({1: """import sys, threading
sys.settrace(lambda *a: None)
threading.settrace(lambda *a: None)
resultado = 0
"""}, 0, "settrace"),
    "transformador_ast": ({1: """import ast
class _SinAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_SinAsserts())
resultado = 0
"""}, 0, "ast_transformers"),
    # the grader's own files are not even in the sandbox: nothing happens, nothing to flag
    "escribe_resultados": ({1: """import glob
for p in glob.glob("/*/*/resultados/*.json") + glob.glob("/tmp/*/*/gradebook.db") + ["../resultados/x.json"]:
    try:
        open(p, "w").write("{}")
    except OSError:
        pass
"""}, 0, "-"),
}

HONEST = {
    "correcto": ({1: OK[1], 2: OK[2], 3: OK[3]}, 5),
    "parcial": ({1: OK[1], 2: "def cuadrados(n):\n    return []", 3: OK[3]}, 3),
    "vacio": ({}, 0),
    # unusual but honest: threads that finish, temporary files, output, its own sum
    "raro": ({1: """import threading, tempfile
sum = 0
hilo = threading.Thread(target=lambda: None)
hilo.start(); hilo.join()
with tempfile.NamedTemporaryFile("w") as f:
    f.write("hola")
print("trabajando " * 1000)
resultado = x * y
""", 2: OK[2], 3: OK[3]}, 5),
}


def make_attacks(course_nb_path, folder):
    blank = A.load(course_nb_path)
    expected = {}
    folder.mkdir(parents=True, exist_ok=True)
    for student, (codes, score, *flag) in {**ATTACKS, **HONEST}.items():
        nb = blank
        for n, code in codes.items():
            nb = A.fill(nb, n, code)
        (folder / f"{student.replace('_', '-')}_01_sumas.ipynb").write_text(A.to_json(nb), encoding="utf-8")
        expected[student] = {"score": score, "flag": flag[0] if flag else None}
    return expected
