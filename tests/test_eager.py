"""Eager execution, GradientTape, tf.function, Module/Checkpoint, tf.config and tf.random (engine/eager, module.py),
compared with TensorFlow 2 (run eagerly, as the oracle)."""
import os

import numpy as np
import pytest

import engine
from conftest import run_tf  # noqa: F401

pytestmark = pytest.mark.usefixtures("eager")


# ---------------------------------------------------------------------------------------------------------------
# Eager tensors
# ---------------------------------------------------------------------------------------------------------------

VALUES = [[[1., 2., 3.], [4., 5., 6.]], 21.0, [1, 2, 3], True, "hola", [b"a", b"b"], np.arange(4.0).reshape(2, 2, 1)]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_printing_matches_tensorflow(tf2, value):
    ours = engine.constant(value)
    want = run_tf(tf2, lambda tf: (str(tf.constant(value)), repr(tf.constant(value))))
    assert (str(ours), repr(ours)) == want


def test_eager_tensor_attributes_and_python_conversions(tf2):
    x = engine.constant([[1., 2.], [3., 4.]])
    assert engine.executing_eagerly()
    assert str(x.shape) == "(2, 2)" and x.dtype == engine.float32 and x.numpy().tolist() == [[1, 2], [3, 4]]
    assert len(x) == 2 and [r.numpy().tolist() for r in x] == [[1, 2], [3, 4]]
    s = engine.reduce_sum(x)
    assert float(s) == 10.0 and f"{s:.1f}" == "10.0" and bool(s) and int(engine.constant(3)) == 3
    assert np.asarray(x).sum() == 10.0
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(AttributeError, match="eager"):
        x.name
    eq = run_tf(tf2, lambda tf: tf.constant([1, 2]) == tf.constant([1, 3]))
    assert (engine.constant([1, 2]) == engine.constant([1, 3])).numpy().tolist() == eq.numpy().tolist()


def test_operators_match_tensorflow(tf2):
    a, b = np.array([[1.5, -2.0], [3.0, 0.5]], np.float32), np.array([[2.0, 1.0], [-1.0, 4.0]], np.float32)

    def compute(tf):
        x, y = tf.constant(a), tf.constant(b)
        return [x + y, x - y, x * y, x / y, x @ y, -x, x ** 2, 2 * x, abs(x), x[:, 0], x[1], tf.transpose(x),
                tf.concat([x, y], 0), tf.nn.softmax(x, axis=-1), tf.reduce_mean(x, axis=1), x > y]
    for ours, theirs in zip(compute(engine), run_tf(tf2, compute)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
        assert ours.dtype.name == theirs.dtype.name and tuple(ours.shape) == tuple(theirs.shape)


def test_variables_match_tensorflow(tf2):
    def compute(tf):
        var = tf.Variable([0.0, 0.0, 0.0])
        first = repr(var.assign([1, 2, 3]))
        var.assign_add([1, 1, 1])
        var.assign_sub([0.5, 0.5, 0.5])
        return first, repr(var), var.name, (var * 2).numpy().tolist(), var.trainable
    assert compute(engine) == run_tf(tf2, compute)


def test_graph_mode_is_back_after_disable():
    engine.disable_eager_execution()
    assert not engine.executing_eagerly()
    a = engine.constant(2.0)
    v = engine.Variable(3.0)
    assert type(v) is engine.Variable and "Tensor(" in str(a)
    with engine.Session() as sess:
        sess.run(engine.global_variables_initializer())
        assert sess.run(a * v) == 6.0
    engine.reset_default_graph()
    engine.enable_eager_execution()
    assert engine.executing_eagerly()


def test_graph_inside_eager_program_builds_ops():
    with engine.Graph().as_default() as g:
        assert not engine.executing_eagerly()
        t = engine.constant(1.0) + 1
        assert t.graph is g and t.op.type == "AddV2"
        with engine.Session() as sess:
            assert sess.run(t) == 2.0


# ---------------------------------------------------------------------------------------------------------------
# GradientTape
# ---------------------------------------------------------------------------------------------------------------

X0 = np.array([[0.5, -1.0, 2.0]], np.float32)
W0 = np.array([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]], np.float32)


def _tape_results(tf):
    x = tf.constant(X0)
    w = tf.Variable(W0)
    b = tf.Variable([0.1, -0.2])
    c = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = tf.tanh(x @ w + b)
        loss = tf.reduce_sum(h * h) + tf.reduce_mean(tf.exp(h)) * c
        other = tf.reduce_sum(x)
    out = tape.gradient(loss, {"w": w, "b": b, "x": x})
    grads = [out["w"], out["b"], out["x"], tape.gradient(other, x), tape.gradient(loss, c)]
    grads.append(tape.gradient(h, w, output_gradients=tf.constant([[1.0, -2.0]])))
    grads.append(tape.gradient(other, w, unconnected_gradients=tf.UnconnectedGradients.ZERO))
    return [None if g is None else g.numpy() for g in grads]


def test_gradients_match_tensorflow(tf2):
    ours, theirs = _tape_results(engine), run_tf(tf2, _tape_results)
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_nested_tapes_give_second_and_third_derivatives(tf2):
    def compute(tf):
        x = tf.Variable(1.5)
        with tf.GradientTape() as t3:
            with tf.GradientTape() as t2:
                with tf.GradientTape() as t1:
                    y = tf.sin(x) * x ** 3
                d1 = t1.gradient(y, x)
            d2 = t2.gradient(d1, x)
        return [d1.numpy(), d2.numpy(), t3.gradient(d2, x).numpy()]
    np.testing.assert_allclose(compute(engine), run_tf(tf2, compute), rtol=1e-5)


def test_tape_rules():
    x = engine.constant(2.0)
    with engine.GradientTape() as tape:
        y = x * x                       # x is not watched: a constant
    assert tape.gradient(y, x) is None
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)
    v = engine.Variable(1.0, trainable=False)
    with engine.GradientTape(watch_accessed_variables=False) as tape:
        y = v * engine.Variable(2.0)
    assert tape.gradient(y, v) is None and tape.watched_variables() == ()
    with engine.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            z = x * 3
        y = x * z
    assert tape.gradient(y, x).numpy() == 6.0   # z counts as a constant


def test_jacobian(tf2):
    def compute(tf):
        x = tf.constant([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x * tf.reduce_sum(x)
        return tape.jacobian(y, x).numpy()
    np.testing.assert_allclose(compute(engine), run_tf(tf2, compute), rtol=1e-6)


def test_gradient_of_cond_takes_the_branch_taken():
    x = engine.Variable(3.0)
    with engine.GradientTape() as tape:
        y = engine.cond(x > 2.0, lambda: x * x, lambda: x * 10.0)
    assert tape.gradient(y, x).numpy() == 6.0


# ---------------------------------------------------------------------------------------------------------------
# tf.function
# ---------------------------------------------------------------------------------------------------------------

def _traces(tf, calls, **options):
    log = []

    @tf.function(**options)
    def f(x, scale=1):
        log.append("trace")
        return tf.reduce_sum(x) * scale
    results = []
    for args in calls:
        results.append(float(f(*args)))
        log.append("call")
    return log, results


CALLS = [lambda tf: [(tf.constant([1, 2, 3]),), (tf.constant([10, 9, 8]),), (tf.constant([1.0, 2.0, 3.0]),),
                     (tf.constant([1, 2]),), (tf.constant([4, 5]), 2), (tf.constant([4, 5]), 2),
                     (tf.constant([4, 5]), 3), (tf.constant([1, 2, 3]),)],
         lambda tf: [(np.arange(3.0),), (np.ones(3),), (np.ones(4),)]]


@pytest.mark.parametrize("which", range(len(CALLS)))
def test_retracing_matches_tensorflow(tf2, which):
    assert _traces(engine, CALLS[which](engine)) == run_tf(tf2, lambda tf: _traces(tf, CALLS[which](tf)))


def test_input_signature_traces_once(tf2):
    def compute(tf):
        sig = [tf.TensorSpec(shape=[None], dtype=tf.float32)]
        log, results = _traces(tf, [(tf.constant([1.0]),), (tf.constant([1.0, 2.0]),), ([3.0, 4.0, 5.0],)],
                               input_signature=sig)
        return log, results
    assert compute(engine) == run_tf(tf2, compute)
    f = engine.function(lambda x: x, input_signature=[engine.TensorSpec([None], engine.float32)])
    with pytest.raises(TypeError, match="TensorSpec"):
        f(engine.constant([1, 2]))


def test_traced_graph_is_an_ordinary_graph():
    v = engine.Variable(2.0, name="peso")

    @engine.function
    def model(x):
        return engine.nn.relu(x * v + 1.0)
    concrete = model.get_concrete_function(engine.TensorSpec([None], engine.float32))
    g = concrete.graph
    assert isinstance(g, engine.Graph)
    types = {op.name: op.type for op in g.get_operations()}
    assert types["x"] == "Placeholder" and types["peso"] == "VariableV2" and "Relu" in types.values()
    assert concrete(engine.constant([1.0, -5.0])).numpy().tolist() == [3.0, 0.0]
    v.assign(3.0)  # the graph reads the variable when it runs
    assert concrete(engine.constant([1.0])).numpy().tolist() == [4.0]
    if engine.viz is not None:
        engine.viz.repr_svg(g)  # renders like any graph (needs graphviz)


def test_function_side_effects_run_in_program_order(tf2):
    def compute(tf):
        v = tf.Variable(1.0)
        counter = tf.Variable(0)

        @tf.function
        def step(x):
            before = v.read_value()
            v.assign(v * x)
            counter.assign_add(1)     # no output depends on it: it runs anyway
            return before, v.read_value()
        outs = [[t.numpy() for t in step(tf.constant(3.0))] for _ in range(2)]
        return outs, v.numpy(), counter.numpy()
    assert repr(compute(engine)) == repr(run_tf(tf2, compute))


def test_gradients_flow_through_functions(tf2):
    def compute(tf):
        w = tf.Variable([[1.0], [-2.0]])

        @tf.function
        def loss(x):
            return tf.reduce_mean(tf.square(x @ w - 1.0))
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        with tf.GradientTape() as tape:
            value = loss(x)
        return value.numpy(), tape.gradient(value, w).numpy()

    @engine.function
    def inside(x):  # a tape used inside a function: symbolic gradients of the traced graph
        with engine.GradientTape() as tape:
            tape.watch(x)
            y = x * x * x
        return tape.gradient(y, x)
    ours, theirs = compute(engine), run_tf(tf2, compute)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    assert inside(engine.constant(2.0)).numpy() == 12.0


def test_variables_only_on_first_trace():
    class Lazy(engine.Module):
        def __init__(self):
            super().__init__()
            self.w = None

        @engine.function
        def __call__(self, x):
            if self.w is None:
                self.w = engine.Variable(engine.ones([int(x.shape[-1])]))
            return engine.reduce_sum(x * self.w)
    m = Lazy()
    assert m(engine.constant([1.0, 2.0])).numpy() == 3.0
    assert m(engine.constant([1.0, 3.0])).numpy() == 4.0 and len(m.variables) == 1

    @engine.function
    def bad(x):
        engine.Variable(1.0)
        return x
    bad(engine.constant(1.0))
    with pytest.raises(ValueError, match="first call"):
        bad(engine.constant([1.0]))


def test_run_functions_eagerly():
    calls = []

    @engine.function
    def f(x):
        calls.append(1)
        return x + 1
    engine.config.run_functions_eagerly(True)
    try:
        f(engine.constant(1)), f(engine.constant(1))
    finally:
        engine.config.run_functions_eagerly(False)
    assert len(calls) == 2 and f.experimental_get_tracing_count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Module, Checkpoint, config, random
# ---------------------------------------------------------------------------------------------------------------

class Dense(engine.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = engine.Variable(np.ones([n_in, n_out], np.float32), name="w")
        self.b = engine.Variable(np.zeros([n_out], np.float32), name="b")
        self.steps = engine.Variable(0, trainable=False)

    def __call__(self, x):
        return x @ self.w + self.b


class Net(engine.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(2, 3), Dense(3, 1)]


def test_module_tracks_variables_and_submodules(tf2):
    net = Net()
    assert net.name == "net" and len(net.variables) == 6 and len(net.trainable_variables) == 4
    assert len(net.submodules) == 2 and all(isinstance(m, Dense) for m in net.submodules)
    assert run_tf(tf2, lambda tf: type("MyModule", (tf.Module,), {})().name) == type("MyModule", (engine.Module,), {})().name


def test_checkpoint_roundtrip(tmp_path):
    net = Net()
    ckpt = engine.train.Checkpoint(model=net)
    first = ckpt.save(str(tmp_path / "ckpt"))
    net.layers[0].w.assign(np.full([2, 3], 7.0, np.float32))
    second = ckpt.save(str(tmp_path / "ckpt"))
    assert first.endswith("ckpt-1") and second.endswith("ckpt-2")
    assert engine.train.latest_checkpoint(str(tmp_path)) == second
    other = Net()
    engine.train.Checkpoint(model=other).restore(first).assert_consumed()
    assert other.layers[0].w.numpy().tolist() == [[1.0] * 3] * 2
    engine.train.Checkpoint(model=other).restore(second)
    assert other.layers[0].w.numpy().tolist() == [[7.0] * 3] * 2


def test_config_and_random(tf2):
    assert [d.device_type for d in engine.config.list_physical_devices()] == ["CPU"]
    assert engine.config.list_physical_devices("GPU") == []
    assert repr(engine.config.list_physical_devices("CPU")) == run_tf(
        tf2, lambda tf: repr(tf.config.list_physical_devices("CPU")))
    engine.random.set_seed(5)
    a, b = engine.random.normal([3]).numpy(), engine.random.uniform([3]).numpy()
    engine.random.set_seed(5)
    assert engine.random.normal([3]).numpy().tolist() == a.tolist()
    assert engine.random.uniform([3]).numpy().tolist() == b.tolist()
    assert engine.random.normal([3]).numpy().tolist() != a.tolist()


def test_long_eager_loops_do_not_grow_the_default_graph():
    x = engine.constant(1.0)
    for _ in range(200):
        x = x + 1.0
    graph = engine.get_default_graph()
    assert graph.get_operations() == [] and len(graph._names_in_use) == 0
    assert os.environ is not None


def test_placeholders_and_print_in_eager_mode(tf2, capsys):
    with pytest.raises(RuntimeError, match="not compatible with eager execution") as ours:
        engine.placeholder(engine.float32)
    assert "Pista" in str(ours.value)
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        run_tf(tf2, lambda tf: tf.compat.v1.placeholder(tf.float32))
    engine.print("x =", engine.constant([1, 2]), output_stream="stdout")
    assert capsys.readouterr().out == "x = [1 2]\n"


def test_retracing_reuses_compatible_traces(tf2, capsys):
    def experiment(tf):
        traces = []

        @tf.function
        def g(x):
            traces.append(1)
            return x * 2
        g.get_concrete_function(tf.TensorSpec([None]))
        g(tf.constant([1.0, 2.0, 3.0]))
        g(tf.constant([1.0, 2.0]))

        @tf.function
        def h(x):
            traces.append(2)
            return x
        h(2)
        h(2.0)
        h(3)
        return traces
    assert experiment(engine) == run_tf(tf2, experiment) == [1, 2, 2]
