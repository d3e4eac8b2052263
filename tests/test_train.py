"""tf.train: optimizers step for step against TensorFlow, minimize/compute_gradients/apply_gradients, slots,
global step, learning-rate schedules, TensorFlow's errors, and a Saver round trip in the middle of training."""
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import engine as tf
from engine import errors

# ---------------------------------------------------------------------------------------------------------------
# One small regression problem, built the same way with the engine and with TensorFlow
# ---------------------------------------------------------------------------------------------------------------

_rng = np.random.RandomState(42)
X = _rng.randn(16, 3).astype(np.float32)
Y = _rng.randn(16, 2).astype(np.float32)
INIT = {"W": _rng.randn(3, 2) * 0.5, "b": _rng.randn(2) * 0.1, "s": np.array(1.5)}
STEPS = 50


def build(m, dtype=np.float32):
    """loss = mean((s * tanh(x @ W + b) - y)²): a matmul, a broadcasted bias, a nonlinearity and a broadcasted
    scalar scale. Returns the loss, the variables and the input placeholder."""
    variables = {k: m.Variable(v.astype(dtype), name=k) for k, v in INIT.items()}
    x = m.placeholder(dtype, [None, 3], name="x")
    pred = variables["s"] * m.tanh(m.matmul(x, variables["W"]) + variables["b"])
    loss = m.reduce_mean(m.square(pred - Y.astype(dtype)))
    return loss, variables, x


def train(m, make_optimizer, dtype=np.float32, steps=STEPS, **minimize_kw):
    """Trains `steps` steps in a fresh graph; returns the values of the variables and of all the slots (by name)."""
    with m.Graph().as_default():
        loss, variables, x = build(m, dtype)
        opt = make_optimizer(m)
        train_op = opt.minimize(loss, **minimize_kw)
        slots = {opt.get_slot(v, n).op.name: opt.get_slot(v, n)
                 for n in opt.get_slot_names() for v in variables.values() if opt.get_slot(v, n) is not None}
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            for _ in range(steps):
                sess.run(train_op, {x: X.astype(dtype)})
            return sess.run({**variables, **slots})


OPTIMIZERS = {
    "gd": lambda m: m.train.GradientDescentOptimizer(0.1),
    "momentum": lambda m: m.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda m: m.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adagrad": lambda m: m.train.AdagradOptimizer(0.2),
    "adagrad_init": lambda m: m.train.AdagradOptimizer(0.2, initial_accumulator_value=0.5),
    "rmsprop": lambda m: m.train.RMSPropOptimizer(0.01),
    "rmsprop_decay_momentum": lambda m: m.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.5),
    "rmsprop_centered": lambda m: m.train.RMSPropOptimizer(0.01, momentum=0.3, centered=True, epsilon=1e-6),
    "adam": lambda m: m.train.AdamOptimizer(0.05),
    "adam_params": lambda m: m.train.AdamOptimizer(0.02, beta1=0.5, beta2=0.9, epsilon=1e-4),
}


def assert_same(ours, theirs, rtol=1e-5):
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=rtol, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_matches_tensorflow_after_50_steps(tf1, name):
    ours = train(tf, OPTIMIZERS[name])
    theirs = train(tf1, OPTIMIZERS[name])
    assert not np.allclose(ours["W"], INIT["W"])  # it trained
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", ["gd", "rmsprop_centered", "adam"])
def test_optimizer_on_float64_variables(tf1, name):
    """Hyperparameters are float32 tensors cast to the variable's dtype, as in TensorFlow."""
    ours = train(tf, OPTIMIZERS[name], dtype=np.float64)
    assert ours["W"].dtype == np.float64
    assert_same(ours, train(tf1, OPTIMIZERS[name], dtype=np.float64), rtol=1e-9)


def test_gradients_are_computed_before_any_variable_changes(tf1):
    """d(W*b)/dW uses the old b even if b's update could run first."""
    results = []
    for m in (tf, tf1):
        with m.Graph().as_default():
            w, b = m.Variable(2.0), m.Variable(3.0)
            step = m.train.GradientDescentOptimizer(0.1).minimize(w * b)
            with m.Session() as sess:
                sess.run(m.global_variables_initializer())
                sess.run(step)
                results.append(sess.run([w, b]))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
    np.testing.assert_allclose(results[0], [1.7, 2.8], rtol=1e-6)


def test_loss_fetched_with_the_training_op_is_the_loss_before_the_step(tf1):
    w, b = tf.Variable(2.0), tf.Variable(3.0)
    loss = tf.reduce_sum(w) + 2.0 * b  # the gradients do not need to read w or b
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, before = sess.run([step, loss])
    assert before == 8.0


# ---------------------------------------------------------------------------------------------------------------
# minimize / compute_gradients / apply_gradients
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_iterable", [list, tuple, set, lambda vs: (v for v in vs), lambda vs: [list(vs)]],
                         ids=["list", "tuple", "set", "generator", "nested"])
def test_var_list_any_iterable_trains_only_those(tf1, as_iterable):
    def only_w_and_s(m, iterable):
        with m.Graph().as_default():
            loss, variables, x = build(m)
            step = m.train.get_or_create_global_step()
            op = m.train.AdamOptimizer(0.05).minimize(loss, global_step=step,
                                                     var_list=iterable([variables["W"], variables["s"]]))
            with m.Session() as sess:
                sess.run(m.global_variables_initializer())
                for _ in range(10):
                    sess.run(op, {x: X})
                return sess.run({**variables, "step": step})

    ours, theirs = only_w_and_s(tf, as_iterable), only_w_and_s(tf1, list)
    np.testing.assert_array_equal(ours["b"], INIT["b"].astype(np.float32))  # not in var_list: untouched
    assert ours["step"] == 10
    assert_same(ours, theirs)


def test_compute_then_apply_gradients_with_clipping(tf1):
    def clipped(m):
        with m.Graph().as_default():
            loss, variables, x = build(m)
            opt = m.train.MomentumOptimizer(0.1, 0.9)
            grads_and_vars = opt.compute_gradients(loss)
            assert [v for _, v in grads_and_vars] == list(variables.values())
            op = opt.apply_gradients([(m.clip_by_value(g, -0.05, 0.05), v) for g, v in grads_and_vars])
            with m.Session() as sess:
                sess.run(m.global_variables_initializer())
                grads = sess.run([g for g, _ in grads_and_vars], {x: X})
                for _ in range(20):
                    sess.run(op, {x: X})
                return grads, sess.run(variables)

    (our_grads, ours), (their_grads, theirs) = clipped(tf), clipped(tf1)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert_same(ours, theirs)


def test_compute_gradients_gives_none_for_unused_variables():
    a, unused = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="unused")
    grads_and_vars = tf.train.GradientDescentOptimizer(0.1).compute_gradients(3.0 * a)
    assert grads_and_vars[1] == (None, unused)
    with tf.Session() as sess:
        assert sess.run(grads_and_vars[0][0]) == 3.0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_slots_names_and_ops_like_tensorflow(tf1, name):
    def describe(m):
        with m.Graph().as_default():
            loss, variables, _ = build(m)
            opt = OPTIMIZERS[name](m)
            with m.name_scope("entrenamiento"):
                op = opt.minimize(loss, global_step=m.train.get_or_create_global_step())
            slots = {n: [opt.get_slot(v, n).name for v in variables.values()] for n in opt.get_slot_names()}
            for n in opt.get_slot_names():
                assert all(not opt.get_slot(v, n).trainable for v in variables.values())
            assert opt.get_slot(variables["W"], "no_such_slot") is None
            return (op.name, opt.get_name(), slots, sorted(v.name for v in m.global_variables()),
                    sorted(v.name for v in m.trainable_variables()),
                    [o.name for o in m.get_collection(m.GraphKeys.TRAIN_OP)])

    assert describe(tf) == describe(tf1)


def test_adam_slots_are_w_adam_and_w_adam_1():
    w = tf.Variable(tf.zeros([2, 3]), name="W")
    opt = tf.train.AdamOptimizer()
    opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").name == "W/Adam:0" and opt.get_slot(w, "v").name == "W/Adam_1:0"
    assert opt.get_slot(w, "m").shape == w.shape
    names = [v.name for v in tf.global_variables()]
    assert "beta1_power:0" in names and "beta2_power:0" in names and "W/Adam:0" in names


def test_one_optimizer_for_two_losses_shares_its_state():
    w = tf.Variable(1.0, name="w")
    opt = tf.train.AdamOptimizer(0.1)
    opt.minimize(w * w)
    opt.minimize(tf.abs(w))
    assert [v.name for v in tf.global_variables()] == ["w:0", "beta1_power:0", "beta2_power:0", "w/Adam:0",
                                                        "w/Adam_1:0"]


def test_update_ops_check_gradient_shape_and_dtype():
    w = tf.Variable(tf.zeros([2, 3]), name="W")
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"'W' has shape \(2, 3\)"):
        opt.apply_gradients([(tf.ones([3, 2]), w)])
    with pytest.raises(TypeError, match="float64"):
        opt.apply_gradients([(tf.ones([2, 3], tf.float64), w)])
    with pytest.raises(ValueError, match="must be scalars"):
        tf.train.GradientDescentOptimizer(tf.constant([0.1, 0.2])).apply_gradients([(tf.ones([2, 3]), w)])
    g = tf.placeholder(tf.float32)  # unknown shape: checked when it runs, as TensorFlow does
    step = opt.apply_gradients([(g, w)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for bad in (np.ones([4, 2, 3]), np.ones([3])):  # would broadcast
            with pytest.raises(errors.InvalidArgumentError, match=r"var and grad do not have the same shape\[2, 3\]"):
                sess.run(step, {g: bad})
        sess.run(step, {g: np.ones([2, 3])})
        np.testing.assert_allclose(sess.run(w), np.full([2, 3], -0.1), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# Global step and learning rates
# ---------------------------------------------------------------------------------------------------------------


def test_global_step_is_created_once_and_counts_steps():
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_or_create_global_step() is step and tf.train.get_global_step() is step
    assert step.name == "global_step:0" and step.dtype is tf.int64 and not step.trainable
    assert step in tf.global_variables() and step not in tf.trainable_variables()
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()
    w = tf.Variable(5.0)
    op = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(1, 4):
            sess.run(op)
            assert sess.run(step) == i
        np.testing.assert_allclose(sess.run(w), 5.0 * 0.8 ** 3, rtol=1e-6)
    other = tf.Graph()
    assert tf.train.get_global_step(other) is None
    assert tf.train.get_or_create_global_step(other).graph is other


@settings(max_examples=15, deadline=None)
@given(lr=st.floats(0.001, 1.0), decay_steps=st.integers(1, 50), decay_rate=st.floats(0.1, 0.99),
       staircase=st.booleans())
def test_exponential_decay_matches_tensorflow(tf1, lr, decay_steps, decay_rate, staircase):
    steps = np.arange(0, 200, 7)

    def values(m):
        with m.Graph().as_default():
            step = m.placeholder(m.int64, [])
            decayed = m.train.exponential_decay(lr, step, decay_steps, decay_rate, staircase=staircase)
            with m.Session() as sess:
                return decayed.name, [sess.run(decayed, {step: s}) for s in steps]

    ours, theirs = values(tf), values(tf1)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-30)  # TensorFlow flushes denormals to 0


def test_piecewise_constant_matches_tensorflow(tf1):
    def values(m):
        with m.Graph().as_default():
            x = m.placeholder(m.int32, [])
            lr = m.train.piecewise_constant(x, [10, 20, 30], [1.0, 0.5, 0.1, 0.01])
            with m.Session() as sess:
                return [sess.run(lr, {x: s}) for s in range(-1, 40)]

    ours = values(tf)
    assert ours == values(tf1)
    assert ours[11] == 1.0 and ours[12] == 0.5  # x == 10 still gets values[0]
    with pytest.raises(ValueError):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [0.1])


@pytest.mark.parametrize("optimizer", ["GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer"])
def test_learning_rate_given_as_a_tensor(tf1, optimizer):
    """A decaying learning rate read from the global step, which the training op increments."""
    def make(m):
        rate = m.train.exponential_decay(0.1, m.train.get_or_create_global_step(), 5, 0.5, staircase=True)
        extra = (0.9,) if optimizer == "MomentumOptimizer" else ()
        return getattr(m.train, optimizer)(rate, *extra)

    def run(m):
        with m.Graph().as_default():
            loss, variables, x = build(m)
            step = m.train.get_or_create_global_step()
            op = make(m).minimize(loss, global_step=step)
            with m.Session() as sess:
                sess.run(m.global_variables_initializer())
                for _ in range(20):
                    sess.run(op, {x: X})
                return {**sess.run(variables), "step": sess.run(step)}

    ours = run(tf)
    assert ours["step"] == 20
    assert_same(ours, run(tf1))


def test_learning_rate_fed_through_a_placeholder():
    w = tf.Variable(1.0)
    lr = tf.placeholder(tf.float32, [])
    op = tf.train.GradientDescentOptimizer(lr).minimize(w * w)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op, {lr: 0.25})
        assert sess.run(w) == 0.5
        sess.run(op, {lr: 0.0})
        assert sess.run(w) == 0.5
        with pytest.raises(errors.InvalidArgumentError, match="must feed a value"):
            sess.run(op)


# ---------------------------------------------------------------------------------------------------------------
# TensorFlow's errors
# ---------------------------------------------------------------------------------------------------------------


def test_no_variables_to_optimize(tf1):
    loss = tf.constant(1.0) * 2.0
    with pytest.raises(ValueError, match="No variables to optimize") as e:
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert "Pista:" in str(e.value)
    with tf1.Graph().as_default(), pytest.raises(ValueError, match="No variables to optimize"):
        tf1.train.GradientDescentOptimizer(0.1).minimize(tf1.constant(1.0) * 2.0)
    tf.Variable(1.0)
    with pytest.raises(ValueError, match="No variables to optimize"):
        tf.train.AdamOptimizer().minimize(loss, var_list=[])


def test_no_gradients_provided_lists_the_variables(tf1):
    a, b = tf.Variable(1.0, name="a"), tf.Variable([2.0], name="b")
    loss = tf.cast(tf.argmax(tf.stack([a, b[0]])), tf.float32)  # argmax has no gradient
    with pytest.raises(ValueError) as e:
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    message = str(e.value)
    assert message.startswith("No gradients provided for any variable, check your graph for ops that do not support "
                              "gradients, between variables [")
    assert "<tf.Variable 'a:0' shape=() dtype=float32_ref>" in message and "'b:0'" in message
    assert "Pista:" in message
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \[.*'a:0'"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(None, a)])
    with pytest.raises(ValueError, match="No variables provided"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([])
    with tf1.Graph().as_default():
        a1 = tf1.Variable(1.0, name="a")
        with pytest.raises(ValueError, match="No gradients provided for any variable, check your graph"):
            tf1.train.GradientDescentOptimizer(0.1).minimize(tf1.cast(tf1.argmax(tf1.stack([a1, a1])), tf1.float32))


def test_bad_arguments_are_explained():
    w = tf.Variable(1.0)
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(TypeError, match="var_list must contain tf.Variable") as e:
        opt.minimize(w * w, var_list=[w.value()])
    assert "Pista:" in str(e.value)
    with pytest.raises(ValueError, match="Invalid type tf.int32") as e:
        opt.minimize(tf.constant(3) * 2)
    assert "Pista:" in str(e.value)
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(RuntimeError, match="graph mode"):
        opt.minimize(lambda: w * w)


# ---------------------------------------------------------------------------------------------------------------
# Saver: resuming training from a checkpoint gives the same result as not stopping
# ---------------------------------------------------------------------------------------------------------------


def test_saver_round_trip_in_the_middle_of_training(tmp_path):
    loss, variables, x = build(tf)
    step = tf.train.get_or_create_global_step()
    op = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
    saver = tf.train.Saver(max_to_keep=2)
    folder = str(tmp_path / "ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(1, 16):
            sess.run(op, {x: X})
            if i % 5 == 0:
                saved = saver.save(sess, os.path.join(folder, "modelo"), global_step=step)
                assert saved == os.path.join(folder, f"modelo-{i}")
            if i == 10:
                at_10 = sess.run(tf.global_variables())
        final = sess.run(variables)
    assert tf.train.latest_checkpoint(folder) == os.path.join(folder, "modelo-15")
    state = tf.train.get_checkpoint_state(folder)
    assert state.model_checkpoint_path == os.path.join(folder, "modelo-15")
    assert state.all_model_checkpoint_paths == [os.path.join(folder, "modelo-10"), os.path.join(folder, "modelo-15")]
    assert not any(f.startswith("modelo-5") for f in os.listdir(folder))  # max_to_keep=2 deleted the oldest

    with tf.Session() as sess:
        saver.restore(sess, os.path.join(folder, "modelo-10"))  # variables, global step, Adam's slots and powers
        for a, b in zip(sess.run(tf.global_variables()), at_10):
            np.testing.assert_array_equal(a, b)
        for _ in range(5):
            sess.run(op, {x: X})
        assert sess.run(step) == 15
        resumed = sess.run(variables)
    for name in final:
        np.testing.assert_array_equal(resumed[name], final[name])
    with tf.Session() as sess, pytest.raises(ValueError, match="not a valid checkpoint"):  # deleted (TF's error)
        saver.restore(sess, os.path.join(folder, "modelo-5"))
