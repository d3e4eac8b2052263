"""What a student sees when something goes wrong (issue 15): the right Pista for the mistakes a student walking
through the course made, the same error classes as TensorFlow, and short tracebacks in notebooks."""
import re

import numpy as np
import pytest

import engine as tf
from engine import viz


def _error(fn):
    with pytest.raises(Exception) as e:
        fn()
    return e.value


def _pista(e):
    return str(e).split("Pista: ", 1)[1] if "Pista: " in str(e) else ""


@pytest.mark.parametrize("a, b, cast_to", [("float32", "int32", "float32"), ("int32", "float32", "float32"),
                                           ("int64", "float64", "float64")])
def test_mixing_an_integer_and_a_float_says_to_make_the_integer_a_float(tf1, a, b, cast_to):
    for m in (tf, tf1):
        with m.Graph().as_default():
            e = _error(lambda: m.add(m.constant(1, dtype=getattr(m, a)), m.constant(2, dtype=getattr(m, b))))
            assert isinstance(e, TypeError)
    pista = _pista(_error(lambda: tf.add(tf.constant(1, getattr(tf, a)), tf.constant(2, getattr(tf, b)))))
    assert f"tf.cast(entero, tf.{cast_to})" in pista and "3.0 en vez de 3" in pista
    assert "tf.int" not in pista  # never "cast to an integer" next to "write 3.0"


def test_mixing_two_integers_does_not_talk_about_decimals():
    pista = _pista(_error(lambda: tf.add(tf.constant(1, tf.int64), tf.constant(2))))
    assert "tf.cast(t, tf.int64)" in pista and "3.0" not in pista


def test_a_hint_of_shape_inference_comes_after_where_the_op_was_made():
    v = tf.Variable([1.0, 2.0])
    e = _error(lambda: tf.assign_add(v, [1.0, 2.0, 3.0]))
    assert isinstance(e, ValueError)
    text = str(e)
    assert text.index("created at") < text.index("Pista:") and "forma (2,)" in _pista(e)


def test_string_keys_in_feed_dict(tf1):
    x = tf.placeholder(tf.float32, [2], name="x")
    e = _error(lambda: tf.Session().run(x * 2, {"x": [1.0, 2.0]}))
    with tf1.Graph().as_default():
        x1 = tf1.placeholder(tf1.float32, [2], name="x")
        e1 = _error(lambda: tf1.Session().run(x1 * 2, {"x": [1.0, 2.0]}))
    assert type(e).__name__ == type(e1).__name__ == "TypeError"
    assert "feed_dict={x: valor}" in _pista(e) and "'x:0'" in _pista(e)


def test_tensor_names_without_the_output_index(tf1):
    with tf.name_scope("capa"):
        tf.add(tf.constant(1.0), 1.0, name="suma")
    e = _error(lambda: tf.get_default_graph().get_tensor_by_name("capa/suma"))
    with tf1.Graph().as_default() as g:
        with tf1.name_scope("capa"):
            tf1.add(tf1.constant(1.0), 1.0, name="suma")
        e1 = _error(lambda: g.get_tensor_by_name("capa/suma"))
    assert type(e) is type(e1) is ValueError
    assert "get_tensor_by_name('capa/suma:0')" in _pista(e)


def _graph_tensors(m):
    """A placeholder, a variable and a computed tensor, made the same way with the engine or with TensorFlow."""
    v = m.Variable([1.0, 2.0], name="v")
    return [m.placeholder(m.float32, [2], name="x"), v, m.add(v, 1.0, name="suma")]


@pytest.mark.parametrize("numpy_call", [np.exp, np.sum, np.asarray], ids=["exp", "sum", "asarray"])
def test_numpy_functions_on_a_graph_tensor_raise_what_tensorflow_raises(tf1, numpy_call):
    with tf.Graph().as_default():
        ours = [_error(lambda: numpy_call(t)) for t in _graph_tensors(tf)]
        assert isinstance(np.float32(2) * _graph_tensors(tf)[1] + np.ones(2), tf.Tensor)  # operators still build ops
    with tf1.Graph().as_default():
        theirs = [_error(lambda: numpy_call(t)) for t in _graph_tensors(tf1)]
    for e, e1 in zip(ours, theirs):
        assert type(e) is type(e1) is NotImplementedError
        assert str(e).split("\n")[0] == str(e1)
        assert "tf.exp en vez de np.exp" in _pista(e) and "sess.run(t)" in _pista(e)


def test_gradient_of_none_after_a_forgotten_watch(eager, tf2):
    x = eager.constant([1.0, 2.0])

    def derivada(m, x):
        with m.GradientTape() as cinta:  # no cinta.watch(x): the gradient is None
            y = x * x
        return cinta.gradient(y, x)

    def segunda(m, x):
        with m.GradientTape() as exterior:
            exterior.watch(x)
            primera = derivada(m, x)
        return exterior.gradient(primera, x)
    e = _error(lambda: segunda(eager, x))
    tf_, eager_mode = tf2
    with eager_mode():
        e2 = _error(lambda: segunda(tf_, tf_.constant([1.0, 2.0])))
    assert type(e) is type(e2) is TypeError and str(e).split("\n")[0] == str(e2)
    assert "cinta.watch(x)" in _pista(e)


def test_keras_fit_with_one_dimensional_x_and_then_the_right_shape(eager):
    m = eager.keras.Sequential([eager.keras.layers.Dense(1, input_shape=(1,))])
    m.compile("sgd", "mse")
    e = _error(lambda: m.fit(np.arange(5.0), np.arange(5.0), epochs=1, verbose=0))
    assert isinstance(e, ValueError) and "x.reshape(-1, 1)" in _pista(e)
    m.fit(np.arange(5.0).reshape(-1, 1), np.arange(5.0), epochs=1, verbose=0)  # fixed: it trains


@pytest.mark.parametrize("value", [np.linspace(-2.123456, 0.527, 200).astype(np.float32), np.arange(1e6, 1e6 + 50),
                                   np.array([123456.789, -0.000123, 5.5]), np.ones((3, 4), bool)])
def test_the_value_view_never_cuts_a_number(value):
    text = viz._format_value(value)
    assert "…" not in text
    if value.dtype.kind == "f" and value.size > 6:
        assert f"min {value.min():.3g} máx {value.max():.3g}" in text
    numbers = re.findall(r"-?\d+\.?\d*(?:e[+-]?\d+)?", text)
    assert numbers, text


def test_notebook_errors_show_the_students_lines_the_message_and_the_pista(capsys):
    shell_mod = pytest.importorskip("IPython.core.interactiveshell")
    import engine.notebook
    shell = shell_mod.InteractiveShell.instance()
    try:
        assert engine.notebook.setup(shell)
        shell.run_cell("import engine as tf\nx = tf.placeholder(tf.float32, name='x')\ny = x * 2\n"
                       "sess = tf.Session()")
        capsys.readouterr()
        shell.run_cell("def f():\n    return sess.run(y)\nresultado = f()")
        shown = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
        assert "resultado = f()" in shown and "return sess.run(y)" in shown
        assert "You must feed a value for placeholder tensor 'x'" in shown and "Pista:" in shown
        for internal in ("session.py", "array_ops.py", "<plan", "Could not get source", "engine/"):
            assert internal not in shown, internal
        shell.run_cell("def g():\n    return 1 / 0\ng()")  # not the engine's: IPython's usual traceback
        shown = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
        assert "ZeroDivisionError" in shown and "return 1 / 0" in shown
        shell.run_cell("r = ## Code ##")
        assert "HuecoSinCompletar" in capsys.readouterr().out
    finally:
        shell.set_custom_exc((), None)
        shell_mod.InteractiveShell.clear_instance()
