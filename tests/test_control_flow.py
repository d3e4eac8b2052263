"""Loops (`while_loop`, `scan`, `map_fn`, `foldl`, `foldr`, `TensorArray`) and `case`: values, static shapes,
errors and gradients (first and second order) compared with TensorFlow, and with finite differences."""
import collections

import numpy as np
import pytest

import engine
from tests.op_harness import compare, load_tf


@pytest.fixture(scope="module")
def tf():
    return load_tf()


rng = np.random.default_rng(0)
A = rng.standard_normal((4, 3)).astype(np.float32)
W = (rng.standard_normal((3, 3)) * 0.5).astype(np.float32)


# --- while_loop: values and structures -------------------------------------------------------------------------

def test_while_loop_counts_and_powers(tf):
    def build(m, x):
        i, y = m.while_loop(lambda i, y: i < 5, lambda i, y: (i + 1, y * x), (0, m.ones_like(x)))
        return [i, y]
    compare(tf, build, A)
    compare(tf, build, A, feed=True)


def test_while_loop_single_variable_returns_a_tensor(tf):
    def build(m, x):
        out = m.while_loop(lambda v: m.reduce_sum(v) < 100.0, lambda v: v * 2.0, [x])
        assert not isinstance(out, (list, tuple))
        return out
    compare(tf, build, np.abs(A) + 0.5)


Pair = collections.namedtuple("Pair", "a b")


def test_while_loop_nested_structures(tf):
    def build(m, x):
        def body(i, state):
            return i + 1, {"pair": Pair(state["pair"].a + x, state["pair"].b * 2.0), "list": [state["list"][0] - 1.0]}
        i, out = m.while_loop(lambda i, s: i < 3, body,
                              (0, {"pair": Pair(x, m.ones([2])), "list": [m.zeros([4, 3])]}))
        assert isinstance(out["pair"], Pair) and isinstance(out["list"], list)
        return [i, out["pair"].a, out["pair"].b, out["list"][0]]
    compare(tf, build, A)


def test_while_loop_maximum_iterations(tf):
    compare(tf, lambda m, x: m.while_loop(lambda v: True, lambda v: v + x, [x], maximum_iterations=4), A)
    compare(tf, lambda m, x: m.while_loop(lambda v: m.reduce_sum(v) < 3.0, lambda v: v + 1.0, [x],
                                          maximum_iterations=10), A)


def test_while_loop_shape_invariants(tf):
    def build(m, x):
        return m.while_loop(lambda v: m.size(v) < 12, lambda v: m.concat([v, v], 0), [x],
                            shape_invariants=[m.TensorShape([None, 3])])
    compare(tf, build, A[:3])


def test_while_loop_shape_error_is_tensorflows(tf):
    def message(m):
        with m.Graph().as_default():
            x = m.constant([1.0])
            with pytest.raises(ValueError) as e:
                m.while_loop(lambda v: m.size(v) < 3, lambda v: m.concat([v, v], 0), [x])
            return str(e.value).split("\n")[0]
    assert message(engine) == message(tf)


def test_while_loop_bad_structure_and_dtype():
    x = engine.constant(1.0)
    with pytest.raises(ValueError, match="same nested structure"):
        engine.while_loop(lambda a, b: a < 3.0, lambda a, b: (a + 1.0,), (x, x))
    with pytest.raises(TypeError, match="float32"):
        engine.while_loop(lambda a: a < 3.0, lambda a: engine.cast(a, engine.int32), [x])
    with pytest.raises(TypeError, match="scalar bool"):
        engine.while_loop(lambda a: a, lambda a: a + 1.0, [x])


def test_while_loop_inside_while_loop(tf):
    def build(m, x):
        def outer(i, acc):
            j, inner = m.while_loop(lambda j, a: j < i, lambda j, a: (j + 1, a * x + 1.0), (0, acc))
            return i + 1, inner
        _, y = m.while_loop(lambda i, a: i < 3, outer, (0, m.ones_like(x)))
        return [y] + m.gradients(m.reduce_sum(y), x)
    compare(tf, build, A * 0.5)


# --- gradients ---------------------------------------------------------------------------------------------------

def test_gradient_of_power_first_and_second_order(tf):
    def build(m, x):
        _, y = m.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, y * x), (0, m.ones_like(x)))
        g1 = m.gradients(y, x)[0]
        g2 = m.gradients(g1, x)[0]
        return [y, g1, g2]
    compare(tf, build, np.array([1.5, -2.0], np.float32))


def test_gradient_reaches_captured_weights(tf):
    """An RNN written by hand: the weights are read from outside the loop and get a gradient summed over steps."""
    def build(m, x, w):
        def body(t, h):
            return t + 1, m.tanh(m.matmul(h, w) + x[t] + x[:, 0][t])
        _, h = m.while_loop(lambda t, h: t < 4, body, (0, m.zeros([1, 3])))
        loss = m.reduce_sum(h * h)
        return [h] + m.gradients(loss, [x, w])
    compare(tf, build, A[:, None, :], W)


def test_gradient_finite_differences_float64():
    x0 = rng.standard_normal((2, 3))
    w0 = rng.standard_normal((3, 3)) * 0.4
    x = engine.placeholder(engine.float64, [2, 3])
    w = engine.placeholder(engine.float64, [3, 3])

    def body(t, h):
        return t + 1, engine.sin(engine.matmul(h, w)) + x * h
    _, h = engine.while_loop(lambda t, h: t < 3, body, (0, x))
    loss = engine.reduce_sum(h * h)
    gx, gw = engine.gradients(loss, [x, w])
    with engine.Session() as s:
        f = lambda a, b: s.run(loss, {x: a, w: b})  # noqa: E731
        got_x, got_w = s.run([gx, gw], {x: x0, w: w0})
        for value, other, got, first in ((x0, w0, got_x, True), (w0, x0, got_w, False)):
            num = np.zeros_like(value)
            for idx in np.ndindex(value.shape):
                d = np.zeros_like(value)
                d[idx] = 1e-6
                hi = f(value + d, other) if first else f(other, value + d)
                lo = f(value - d, other) if first else f(other, value - d)
                num[idx] = (hi - lo) / 2e-6
            np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_back_prop_false_gives_no_gradient():
    x = engine.constant(2.0)
    _, y = engine.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (0, 1.0), back_prop=False)
    assert engine.gradients(y, x) == [None]


def test_random_draws_in_the_body_are_the_same_for_the_gradient():
    """A dropout-like mask drawn at each iteration: the gradient uses the masks the forward pass drew."""
    x = engine.constant(1.5)

    def body(i, y):
        mask = engine.cast(engine.random_uniform([]) < 0.7, engine.float32)
        return i + 1, y * (x * mask + (1.0 - mask) * 2.0)
    _, y = engine.while_loop(lambda i, y: i < 6, body, (0, 1.0))
    g = engine.gradients(y, x)[0]
    with engine.Session() as s:
        for _ in range(5):
            y_val, g_val = s.run([y, g])
            k = round(np.log(y_val / 2.0 ** 6) / np.log(1.5 / 2.0))  # how many masks were 1
            np.testing.assert_allclose(g_val, k * y_val / 1.5, rtol=1e-5)


# --- scan, map_fn, foldl, foldr ------------------------------------------------------------------------------------

def test_scan(tf):
    compare(tf, lambda m, x: m.scan(lambda a, r: a * 0.5 + r, x), A)
    compare(tf, lambda m, x: m.scan(lambda a, r: a * 0.5 + r, x, initializer=m.ones([3]), reverse=True), A)

    def build(m, x):
        ys = m.scan(lambda a, r: (a[0] + r, a[1] * r), x, initializer=(m.zeros([3]), m.ones([3])))
        return list(ys) + m.gradients(m.reduce_sum(ys[0] * ys[1]), x)
    compare(tf, build, A)
    compare(tf, build, A, feed=True)


def test_map_fn(tf):
    def build(m, x):
        y = m.map_fn(lambda r: m.reduce_sum(r * r), x)
        z = m.map_fn(lambda r: m.cast(r > 0, m.int32), x, dtype=m.int32)
        return [y, z] + m.gradients(y, x)
    compare(tf, build, A)
    compare(tf, lambda m, x: m.map_fn(lambda r: (r, 2.0 * r), (x, x), dtype=(m.float32, m.float32)), A)


def test_folds(tf):
    def build(m, x):
        left = m.foldl(lambda a, r: a * r + 1.0, x)
        right = m.foldr(lambda a, r: a * r + 1.0, x, initializer=m.ones([3]))
        return [left, right] + m.gradients(left + right, x)
    compare(tf, build, A)


def test_scan_of_a_scalar_fails():
    with pytest.raises(ValueError, match="rank at least 1"):
        engine.scan(lambda a, r: a + r, engine.constant(1.0), initializer=0.0)


# --- TensorArray ---------------------------------------------------------------------------------------------------

def test_tensor_array_in_a_loop(tf):
    def build(m, x):
        ta = m.TensorArray(m.float32, size=4)
        inputs = m.TensorArray(m.float32, size=4).unstack(x)

        def body(t, h, ta):
            h = m.tanh(h + inputs.read(t))
            return t + 1, h, ta.write(t, h * 2.0)
        _, h, ta = m.while_loop(lambda t, h, ta: t < 4, body, (0, m.zeros([3]), ta))
        out = ta.stack()
        return [out, ta.size(), ta.read(2), ta.gather([3, 0])] + m.gradients(m.reduce_sum(out * out), x)
    compare(tf, build, A)


def test_tensor_array_outside_loops(tf):
    def build(m, x):
        ta = m.TensorArray(m.float32, size=2, dynamic_size=True)
        ta = ta.write(0, x).write(3, 2.0 * x)
        sc = m.TensorArray(m.float32, size=3).scatter([2, 0], m.stack([x, -x]))
        return [ta.stack(), ta.concat(), sc.stack(), sc.read(0)] + m.gradients(m.reduce_sum(ta.stack() ** 2), x)
    compare(tf, build, A[0])


# --- control_dependencies: a read waits for the assignment ---------------------------------------------------------

def test_reads_under_control_dependencies_see_the_assignment(tf):
    """Ops built inside `control_dependencies([assign])` read the variable after the assignment, whatever reads it
    (identity, arithmetic, read_value, a cond), also when a random op runs in between; one run assigns once."""
    def program(m):
        with m.Graph().as_default():
            v, w = m.Variable(1.0), m.Variable(10.0)
            inc = m.assign_add(v, 1.0)
            noise = m.random_uniform([])
            with m.control_dependencies([inc]):
                reads = [m.identity(v), v + w, v.read_value(), v * 1.0 + noise * 0.0,
                         m.cond(v > 2.5, lambda: v * 10.0, lambda: v - 1.0)]
            with m.Session() as s:
                s.run(m.global_variables_initializer())
                return [s.run(r) for r in reads] + s.run(reads) + [s.run(v)]
    assert program(engine) == program(tf)


# --- case ----------------------------------------------------------------------------------------------------------

def test_case(tf):
    def build(m, x):
        s = m.reduce_sum(x)
        return [m.case([(s > 100.0, lambda: x * 2.0), (s > 0.0, lambda: x - 1.0)], default=lambda: -x),
                m.case({s < 0.0: lambda: x + 3.0}, default=lambda: x * x, exclusive=True)]
    compare(tf, build, A)
    compare(tf, build, -A)
    compare(tf, build, A, feed=True)


# --- eager mode and pictures ---------------------------------------------------------------------------------------

def test_eager_while_loop_and_scan(eager):
    i, y = eager.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), (0, 1.0))
    assert int(i) == 3 and float(y) == 8.0
    np.testing.assert_allclose(eager.scan(lambda a, r: a + r, eager.constant([1.0, 2.0, 3.0])).numpy(), [1, 3, 6])


def test_a_loop_is_one_box_that_opens():
    pytest.importorskip("graphviz")
    x = engine.placeholder(engine.float32, [3], name="x")
    _, y = engine.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, engine.tanh(y * x)), (0, x), name="bucle")
    closed = engine.show_graph().source
    opened = engine.show_graph(expand=["bucle"]).source
    assert "bucle/Tanh" not in closed and "(plegado)" in closed
    assert "bucle/Tanh" in opened and "cluster_bucle" in opened
    assert "bucle/Tanh" in engine.show_graph(y, {x: np.ones(3, np.float32)}, expand="bucle").source
