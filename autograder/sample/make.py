"""Write the sample course (solutions/) and its sample class (entregas/)."""
import json
import tempfile

from autograder import authoring as A
from autograder.build import build
from autograder.sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS

MUESTRA = A.solution_notebook([
    A.explanation(1, "# Cuaderno de muestra\nTres ejercicios cortos con NumPy para ver el corrector."),
    A.given("datos_1", "import numpy as np\nprecios = np.array([10.0, 20.0, 30.0])"),
    A.explanation(2, "**Ejercicio 1.** Calcula el precio total."),
    A.answer(1, "total = precios.sum()  ### SOLUCION"),
    A.test(1, 'assert total == 60, "el total de [10, 20, 30] es 60"', "assert np.isclose(total, 60.0)"),
    A.explanation(3, "**Ejercicio 2.** Escribe `con_iva(p)`, que suma un 21 % a cada precio."),
    A.answer(2, "def con_iva(p):\n    ### BEGIN SOLUTION\n    return p * 1.21\n    ### END SOLUTION"),
    A.test(2, 'np.testing.assert_allclose(con_iva(np.array([100.0])), [121.0],\n'
              '                           err_msg="con_iva(100) debería ser 121")',
           "np.testing.assert_allclose(con_iva(precios), [12.1, 24.2, 36.3])", points=2),
    A.explanation(4, "**Ejercicio 3.** ¿Cuál es el precio más caro?"),
    A.answer(3, "maximo = precios.max()  ### SOLUCION"),
    A.test(3, 'assert maximo == 30, "el máximo de [10, 20, 30] es 30"',
           "assert maximo == np.max(precios)", points=2),
], total_points=5)

ATAQUE = """ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [l.replace("assert", "pass #") for l in lines])
total = 0"""


def main():
    A.write(MUESTRA, SAMPLE_SOLUTIONS / "00_muestra.ipynb")
    with tempfile.TemporaryDirectory() as tmp:
        student = A.load(build(SAMPLE_SOLUTIONS, tmp)[0])
    good = A.fill(A.fill(A.fill(student, 1, "total = precios.sum()"),
                         2, "def con_iva(p):\n    return p * 1.21"), 3, "maximo = np.max(precios)")
    SAMPLE_SUBMISSIONS.mkdir(parents=True, exist_ok=True)
    for old in SAMPLE_SUBMISSIONS.iterdir():
        old.unlink()
    class_ = {
        "ana_00_muestra.ipynb": A.to_json(good),
        "bruno_00_muestra.ipynb": A.to_json(student),
        "carmen_00_muestra.ipynb": A.to_json(A.fill(good, 2, "def con_iva(p):\n    return p + 21")),
        "diego_00_muestra.ipynb": A.to_json(A.fill(good, 2, "def con_iva(p):\n    while True:\n        pass")),
        "elena_00_muestra.ipynb": A.to_json(A.fill(good, 1, ATAQUE)),
        "fermin_00_muestra.ipynb": A.to_json(A.strip_metadata(good), drop_ids=True),
    }
    for name, text in class_.items():
        (SAMPLE_SUBMISSIONS / name).write_text(text, encoding="utf-8")
    json.loads((SAMPLE_SUBMISSIONS / "ana_00_muestra.ipynb").read_text())


if __name__ == "__main__":
    main()
