"""Observation-based verdicts (autograder/observe.py, kernel_guard.observer) without a kernel.

A check is rewritten as a hidden check (the kernel only evaluates its leaves), the leaves are
encoded by the kernel's encoder, decoded and judged by the grader; the verdict must be the one
that plain Python gives running the original ``assert`` on the same objects, for honest values
of the types instructors check: NumPy scalars, 0-d arrays, dtypes, types themselves, the
engine's DTypes and TensorShapes, tensors' names and shapes.
"""
import html
import io

import numpy as np
import pytest

import engine as tf
from autograder import kernel_guard, observe


def _namespace():
    graph = tf.Graph()
    with graph.as_default():
        entero = tf.constant([1, 2], tf.int32, name="entero")
        real = tf.placeholder(tf.float32, [None, 2], name="real")
        with tf.Session() as sess:
            suma = sess.run(tf.constant(2.0) + tf.constant(3.0))
    return {"np": np, "tf": tf, "entero": entero, "real": real, "suma": suma,
            "f64": np.float64(5.0), "i32": np.int32(3), "i64": np.int64(3), "cero_d": np.array(2.5),
            "arr": np.array([5.0, 10.0, 13.0], np.float32), "ints": np.arange(3, dtype=np.int64),
            "texto": np.str_("hola"), "booleano": np.bool_(True), "py": 5.0, "tipo": np.float32,
            "lista": [np.float32(1.0), 2]}


CHECKS = [
    "isinstance(suma, np.floating) and suma.dtype == np.float32",
    "isinstance(f64, np.floating) and f64.dtype == np.float32",
    "isinstance(f64, float)", "isinstance(py, np.floating)",
    "suma == 5.0", "suma.dtype == 'float32'", "suma.dtype == np.dtype('float64')",
    "type(suma) is np.float32", "type(suma) == np.float64", "type(arr) == np.ndarray",
    "tipo is np.float32", "tipo == np.float64", "type(suma).__name__ == 'float32'",
    "isinstance(i32, np.integer) and i32.dtype == np.int32", "i64.dtype == np.int32",
    "isinstance(i32, (int, np.integer))", "isinstance(i64, int)",
    "isinstance(cero_d, np.ndarray) and cero_d.ndim == 0", "isinstance(suma, np.ndarray)",
    "np.ndim(cero_d) == 0 and cero_d == 2.5", "cero_d.shape == ()",
    "arr.dtype == np.float32 and arr.shape == (3,)", "arr.dtype == np.float64",
    "arr.dtype in (np.float32, np.float64)", "ints.dtype in (np.float32, np.float64)",
    "arr.dtype.kind == 'f'", "np.issubdtype(ints.dtype, np.integer)",
    "np.allclose(arr, [5.0, 10.0, 13.0])", "np.allclose(arr, [5.0, 10.0, 14.0])",
    "abs(suma - np.mean(ints == [0, 1, 2])) < 4.1", "abs(suma - np.mean(ints == [0, 1, 5])) < 4.1",
    "np.sum(arr > 6) == 2", "0 < suma < 10", "0 < suma < 4", "1 < 2 < suma",
    "isinstance(texto, np.str_) and texto == 'hola'", "isinstance(texto, np.bytes_)",
    "booleano == True and isinstance(booleano, np.bool_)", "isinstance(booleano, bool)",
    "isinstance(lista[0], np.float32) and lista[1] == 2",
    "entero.dtype == tf.int32", "entero.dtype == tf.int64", "entero.dtype == np.int32",
    "entero.dtype == 'int32'", "entero.dtype in (tf.float32, tf.int32)",
    "real.dtype != tf.float32", "real.dtype.is_floating",
    "entero.shape == (2,)", "entero.shape == [3]", "entero.shape.as_list() == [2]",
    "entero.get_shape() == tf.TensorShape([2])", "real.shape == (None, 2)",
    "real.shape.as_list() == [None, 2]", "real.shape[1] == 2", "real.shape.ndims == 2",
    "entero.name == 'entero:0'", "entero.op.type == 'Const'", "isinstance(entero, tf.Tensor)",
    "not isinstance(suma, tf.Tensor)", "entero.graph is real.graph",
]


def _python_verdict(check, ns):
    try:
        exec(f"assert {check}", dict(ns))
        return True
    except Exception:
        return False


def _grader_verdict(check, ns, genuine=lambda cls: True):
    code, checks = observe.transform(f"assert {check}", "h", hidden=True)
    out = io.StringIO()
    env = dict(ns)
    env[observe.RECORDER] = kernel_guard.observer(env, out, genuine, observe.value_attributes())
    exec(code, env)
    ok, failed, problems = observe.judge(checks, observe.parse_lines(out.getvalue()), ["h1"])
    assert not problems, problems
    return ok


def test_both_verdicts_occur():
    ns = _namespace()
    verdicts = {_python_verdict(c, ns) for c in CHECKS}
    assert verdicts == {True, False}


@pytest.mark.parametrize("check", CHECKS)
def test_grader_verdict_equals_python(check):
    ns = _namespace()
    assert _grader_verdict(check, ns) == _python_verdict(check, ns)


def test_values_decode_to_exact_types():
    """What crosses from the kernel: NumPy scalars, 0-d arrays, dtypes and classes keep their exact
    types; the engine's value objects are rebuilt with the grader's engine."""
    ns = _namespace()
    out = io.StringIO()
    record = kernel_guard.observer(ns, out, lambda cls: True, observe.value_attributes())("v1")
    values = [ns["suma"], ns["cero_d"], ns["arr"].dtype, np.float32, type(ns["arr"].dtype),
              ns["entero"].dtype, ns["real"].shape, ns["texto"]]
    for i, v in enumerate(values):
        record(i, v)
    record()
    [(aid, leaves)] = observe.parse_lines(out.getvalue())
    decoded = [observe.decode(leaves[i]) for i in range(len(values))]
    assert [type(d) for d in decoded] == [type(v) for v in values]
    assert decoded[:2] == values[:2] and decoded[2] == np.dtype(np.float32) and decoded[3] is np.float32
    assert decoded[4] is type(ns["arr"].dtype) and decoded[5] is tf.int32 and decoded[5] is not ns["entero"]
    assert decoded[6] == tf.TensorShape([None, 2]) and decoded[6].dims == (None, 2)


def test_lookalike_engine_classes_stay_opaque():
    """An object whose class only claims to be the engine's is not rebuilt as an engine value
    (``genuine`` is the guard's check that the class is the one the engine module defined)."""
    class DType:
        name = "int32"
    DType.__module__, DType.__qualname__ = "engine.dtypes", "DType"
    ns = {**_namespace(), "falso": DType()}
    genuine = lambda cls: cls is type(tf.int32)  # noqa: E731
    assert _grader_verdict("falso == tf.int32", ns, genuine) is False
    assert _grader_verdict("entero.dtype == tf.int32", ns, genuine) is True


@pytest.mark.parametrize("data", [
    {"t": "value", "cls": "engine.ops.Tensor", "v": {"t": "str", "v": "x"}},
    {"t": "value", "cls": "engine.dtypes.DType", "v": {"t": "str", "v": "no_such_type"}},
    {"t": "value", "cls": "engine.shapes.TensorShape", "v": {"t": "tuple", "v": [{"t": "int", "v": "-1"}]}},
    {"t": "dtype", "v": "V" * 40},
])
def test_forged_values_are_refused(data):
    with pytest.raises((observe.DecodeError, TypeError, ValueError)):
        observe.decode(data)


def test_feedback_shows_the_students_code_and_visible_checks_as_written():
    """Issue 13, point 2: nothing on a page is rewritten: an answer that repeats a hidden check's
    line and the visible check are shown verbatim (the page is built from the student version
    of the notebook, which has no hidden checks)."""
    from autograder.feedback import render
    visible = 'assert cuadrados(3) == [0, 1, 4], "cuadrados(3) debería ser [0, 1, 4]"'
    course_nb = {"cells": [{"cell_type": "code", "source": visible,
                            "metadata": {"nbgrader": {"grade_id": "test_ejercicio_2"}}}]}
    own = "def cuadrados(n):\n    return []\nassert cuadrados(5) == [0, 1, 4, 9, 16]"
    result = {"notebook": "01_sumas.ipynb", "student": "ana", "file": "ana_01_sumas.ipynb",
              "status": "graded", "score": 0, "max_score": 5, "notes": [],
              "exercises": [{"id": "ejercicio_2", "points": 0, "max": 2, "status": "incorrecto",
                             "message": "La comprobación falló", "code": own,
                             "parts": [{"test": "test_ejercicio_2", "points": 0, "max": 2}]}]}
    page = render(result, course_nb)
    assert html.escape(own) in page and html.escape(visible) in page and "oculta" not in page
