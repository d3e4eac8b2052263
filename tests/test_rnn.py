"""Recurrent networks: cells, dynamic_rnn, static_rnn, bidirectional_dynamic_rnn compared with TensorFlow 1 for the same
weights (TensorFlow initialises them, the engine gets a copy by name): variable names, outputs, states, gradients."""
import numpy as np
import pytest

import engine
from tests.op_harness import load_tf


@pytest.fixture(scope="module")
def tf():
    return load_tf()


def cells_of(m):
    """tf.nn.rnn_cell: TensorFlow 2.16+ keeps TF1's cells only in its internal copy of the old Keras."""
    if m is engine:
        return engine.nn.rnn_cell
    from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl
    return rnn_cell_impl


rng = np.random.default_rng(1)
X = rng.standard_normal((3, 5, 4)).astype(np.float32)   # batch 3, 5 steps, 4 features
LENGTHS = np.array([5, 2, 3], np.int32)


def run_both(tf, build, feed=X, runs=1):
    """build(m, x) -> list of tensors, with m the engine or TensorFlow; the weights TensorFlow initialised are copied
    into the engine's variables of the same names. Returns (engine values, TensorFlow values), checking names too."""
    values, weights = {}, {}
    for m in (tf, engine):
        g = m.Graph()
        with g.as_default():
            x = m.placeholder(m.float32, [None, None, feed.shape[-1]], name="x")
            outs = build(m, cells_of(m), x)
            names = sorted(v.name for v in m.global_variables())
            with m.Session(graph=g) as sess:
                sess.run(m.global_variables_initializer())
                if m is tf:
                    weights = {v.name: sess.run(v) for v in m.global_variables()}
                else:
                    assert names == sorted(weights), f"variable names {names} != TensorFlow's {sorted(weights)}"
                    for v in m.global_variables():
                        sess.run(v.assign(weights[v.name]))
                values[m] = [sess.run(outs, {x: feed}) for _ in range(runs)]
                values[m] = values[m][0] if runs == 1 else values[m]
    return values[engine], values[tf]


def assert_close(ours, theirs, rtol=2e-5, atol=2e-5):
    for i, (a, b) in enumerate(zip(_flat(ours), _flat(theirs))):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"output {i}")


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flat(item)]
    return [np.asarray(x)]


def _with_gradients(m, x, outputs, state):
    loss = m.reduce_sum(outputs * outputs) + sum(m.reduce_sum(s) for s in _leaves(state))
    return [outputs, state] + m.gradients(loss, [x] + m.trainable_variables())


def _leaves(x):
    return [leaf for item in x for leaf in _leaves(item)] if isinstance(x, (list, tuple)) else [x]


CELLS = {
    "basic_rnn": lambda c: c.BasicRNNCell(6),
    "basic_lstm": lambda c: c.BasicLSTMCell(6),
    "lstm_peepholes_proj": lambda c: c.LSTMCell(6, use_peepholes=True, num_proj=3, cell_clip=1.0),
    "gru": lambda c: c.GRUCell(6),
    "multi": lambda c: c.MultiRNNCell([c.BasicLSTMCell(5), c.GRUCell(4)]),
}


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_dynamic_rnn_with_each_cell(tf, kind):
    def build(m, c, x):
        outputs, state = m.nn.dynamic_rnn(CELLS[kind](c), x, dtype=m.float32)
        return _with_gradients(m, x, outputs, state)
    assert_close(*run_both(tf, build))


def test_dynamic_rnn_sequence_length_and_time_major(tf):
    def build(m, c, x):
        cell = c.BasicLSTMCell(6)
        outputs, state = m.nn.dynamic_rnn(cell, m.transpose(x, [1, 0, 2]), sequence_length=LENGTHS,
                                          dtype=m.float32, time_major=True)
        assert isinstance(state, c.LSTMStateTuple)
        return _with_gradients(m, x, outputs, state)
    assert_close(*run_both(tf, build))


def test_static_rnn_and_initial_state(tf):
    def build(m, c, x):
        cell = c.GRUCell(6)
        h0 = m.ones([3, 6]) * 0.5
        outputs, state = m.nn.static_rnn(cell, m.unstack(x, num=5, axis=1), initial_state=h0)
        return _with_gradients(m, x, m.stack(outputs), state)
    assert_close(*run_both(tf, build))


def test_bidirectional_dynamic_rnn(tf):
    def build(m, c, x):
        fw, bw = c.BasicLSTMCell(4), c.BasicLSTMCell(3)
        (out_fw, out_bw), states = m.nn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=LENGTHS,
                                                                  dtype=m.float32)
        return _with_gradients(m, x, m.concat([out_fw, out_bw], 2), states)
    assert_close(*run_both(tf, build))


def test_dropout_wrapper_keeps_shapes_and_names(tf):
    def build(m, c, x):
        cell = c.DropoutWrapper(c.BasicLSTMCell(6), output_keep_prob=1.0)
        outputs, state = m.nn.dynamic_rnn(cell, x, dtype=m.float32)
        return [outputs, state]
    assert_close(*run_both(tf, build))


def test_contrib_rnn_names():
    for name in ("BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell", "DropoutWrapper", "LSTMStateTuple",
                 "BasicRNNCell", "static_rnn"):
        assert hasattr(engine.contrib.rnn, name) and hasattr(engine.nn.rnn_cell, name) or name == "static_rnn", name
    cell = engine.contrib.rnn.BasicLSTMCell(7)
    assert cell.state_size == (7, 7) and cell.output_size == 7
    state = cell.zero_state(2, engine.float32)
    assert state.c.shape.as_list() == [2, 7]


def test_tiny_lstm_trains_like_tensorflow(tf):
    """Five steps of Adam on an LSTM + dense layer: the same losses and weights as TensorFlow's."""
    y = rng.integers(0, 3, size=3)
    w0 = rng.standard_normal((6, 3)).astype(np.float32) * 0.3

    def build(m, c, x):
        outputs, _ = m.nn.dynamic_rnn(c.BasicLSTMCell(6), x, dtype=m.float32)
        logits = m.matmul(outputs[:, -1], m.get_variable("w", initializer=m.constant(w0)))
        loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        return [loss, m.train.AdamOptimizer(0.05).minimize(loss)]
    ours, theirs = run_both(tf, build, runs=5)
    losses = [r[0] for r in ours]
    assert losses[-1] < losses[0]
    assert_close(losses, [r[0] for r in theirs], rtol=1e-4, atol=1e-5)


# --- Keras recurrent layers ----------------------------------------------------------------------------------------

from tests.conftest import run_tf  # noqa: E402

KERAS = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("LSTM", {"go_backwards": True})]


@pytest.mark.parametrize("name,extra", KERAS)
def test_keras_recurrent_layers_equal_keras(tf2, eager, name, extra):
    """The engine's layer with Keras' weights: same outputs, states and gradients, in eager mode and in a graph."""
    kwargs = dict(units=5, return_sequences=True, return_state=True, **extra)

    def keras_run(tf):
        layer = getattr(tf.keras.layers, name)(**kwargs)
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            outs = layer(x)
            loss = sum(tf.reduce_sum(o * o) for o in outs)
        grads = tape.gradient(loss, [x] + layer.trainable_weights)
        return layer.get_weights(), [o.numpy() for o in outs], [g.numpy() for g in grads]
    weights, want, want_grads = run_tf(tf2, keras_run)

    layer = getattr(eager.keras.layers, name)(**kwargs)
    x = eager.constant(X)
    layer(x)
    layer.set_weights(weights)
    with eager.GradientTape() as tape:
        tape.watch(x)
        outs = layer(x)
        loss = sum(eager.reduce_sum(o * o) for o in outs)
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    assert_close([o.numpy() for o in outs], want)
    assert_close([g.numpy() for g in grads], want_grads, rtol=1e-4, atol=1e-5)

    eager.disable_eager_execution()  # the same layer in a TF1 graph: one While op
    with engine.Graph().as_default():
        layer = getattr(engine.keras.layers, name)(**kwargs)
        xg = engine.placeholder(engine.float32, [None, 5, 4])
        outs = layer(xg)
        loss = sum(engine.reduce_sum(o * o) for o in outs)
        grads = engine.gradients(loss, [xg] + layer.trainable_weights)
        with engine.Session() as sess:
            sess.run(engine.global_variables_initializer())
            for v, w in zip(layer.weights, weights):
                sess.run(v.assign(w))
            assert_close(sess.run(outs, {xg: X}), want)
            assert_close(sess.run(grads, {xg: X}), want_grads, rtol=1e-4, atol=1e-5)
    eager.enable_eager_execution()


def test_keras_embedding_and_lstm_model(tf2, eager):
    ids = np.array([[1, 2, 3, 0], [4, 4, 1, 2]], np.int32)

    def keras_run(tf):
        emb = tf.keras.layers.Embedding(6, 3)
        lstm = tf.keras.layers.LSTM(4)
        out = lstm(emb(tf.constant(ids)))
        return emb.get_weights() + lstm.get_weights(), out.numpy()
    weights, want = run_tf(tf2, keras_run)
    emb, lstm = eager.keras.layers.Embedding(6, 3), eager.keras.layers.LSTM(4)
    out = lstm(emb(eager.constant(ids)))
    emb.set_weights(weights[:1])
    lstm.set_weights(weights[1:])
    assert out.shape.as_list() == [2, 4]
    assert_close(lstm(emb(eager.constant(ids))).numpy(), want)
