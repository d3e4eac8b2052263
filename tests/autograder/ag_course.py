"""A small course of our own (plain Python/NumPy): 2 notebooks x 3 exercises, 10 points in all."""
from autograder.authoring import answer, explanation, given, solution_notebook, test, write

SUMAS = solution_notebook([
    explanation(1, "# Sumas y productos\nPrimero, unos datos."),
    given("datos_1", "import numpy as np\nx = 6\ny = 8\ndatos = np.array([1.0, 2.0, 6.0])\n\n"
                     "def comprobar(valor, esperado, mensaje):\n"
                     "    assert np.allclose(valor, esperado), mensaje"),
    answer(1, "resultado = x * y  ### SOLUCION"),
    test(1, 'comprobar(resultado, 48, "resultado debería ser x por y")',
         "assert resultado == 48, resultado", points=1),
    explanation(2, "Una función que devuelve los cuadrados de 0 a n-1."),
    answer(2, "def cuadrados(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(n)]\n"
              "    ### END SOLUTION"),
    test(2, 'assert cuadrados(3) == [0, 1, 4], "cuadrados(3) debería ser [0, 1, 4]"',
         "assert cuadrados(5) == [0, 1, 4, 9, 16]\nassert cuadrados(0) == []", points=2),
    answer(3, "media = np.mean(datos)  ### SOLUCION"),
    test(3, 'np.testing.assert_allclose(media, 3.0, err_msg="la media de datos es 3.0")',
         "assert isinstance(media, (float, np.floating))\nassert abs(media - 3.0) < 1e-12", points=2),
], total_points=5)

ARRAYS = solution_notebook([
    explanation(1, "# Arrays de NumPy"),
    given("datos_1", "import numpy as np"),
    answer(1, "v = np.arange(5)  ### SOLUCION"),
    test(1, 'assert list(v) == [0, 1, 2, 3, 4], "v debe valer 0, 1, 2, 3, 4"',
         "assert v.dtype.kind == 'i'", points=1),
    answer(2, "m = v.reshape(1, 5)  ### SOLUCION"),
    test(2, 'assert np.shape(m) == (1, 5), "m debe tener forma (1, 5)"',
         "np.testing.assert_array_equal(m, [[0, 1, 2, 3, 4]])", points=2),
    answer(3, "def normaliza(a):\n    ### BEGIN SOLUTION\n    return a / np.linalg.norm(a)\n"
              "    ### END SOLUTION"),
    test(3, 'np.testing.assert_allclose(np.linalg.norm(normaliza(np.array([3.0, 4.0]))), 1.0,\n'
            '                           err_msg="normaliza debe devolver un vector de norma 1")',
         "np.testing.assert_allclose(normaliza(np.array([3.0, 4.0])), [0.6, 0.8])\n"
         "np.testing.assert_allclose(normaliza(np.array([0.0, 2.0])), [0.0, 1.0])", points=2),
])

NOTEBOOKS = {"01_sumas.ipynb": SUMAS, "02_arrays.ipynb": ARRAYS}
#: Hidden test lines that must never reach a student (feedback).
HIDDEN_LINES = ["assert resultado == 48, resultado", "assert cuadrados(5) == [0, 1, 4, 9, 16]",
                "assert isinstance(media, (float, np.floating))", "assert v.dtype.kind == 'i'",
                "np.testing.assert_array_equal(m, [[0, 1, 2, 3, 4]])",
                "np.testing.assert_allclose(normaliza(np.array([3.0, 4.0])), [0.6, 0.8])"]


def write_solutions(folder):
    for name, nb in NOTEBOOKS.items():
        write(nb, f"{folder}/{name}")
    return folder
