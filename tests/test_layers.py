"""`tf.layers` (engine/layers.py) and the convolutional Keras layers: TF1's variable names, initializers, collections
and update ops; a small CNN trained step for step like the same network written with TensorFlow's own ops; Keras
Conv2D, pooling and BatchNormalization against TensorFlow's Keras, and a Keras CNN that learns."""
import numpy as np
import pytest

import engine as tf_engine
from conftest import run_tf
from op_harness import load_tf


@pytest.fixture(scope="module")
def tf():
    return load_tf()


def _program(m):
    x = m.placeholder(m.float32, [None, 8, 8, 1])
    training = m.placeholder(m.bool)
    h = m.layers.conv2d(x, 4, 3, padding="same", activation=m.nn.relu)
    h = m.layers.max_pooling2d(h, 2, 2)
    h2 = m.layers.conv2d(h, 4, [3, 3])
    h2 = m.layers.average_pooling2d(h2, 2, 1)
    h3 = m.layers.batch_normalization(h2, training=training)
    f = m.layers.flatten(h3)
    d = m.layers.dense(f, 10)
    d1 = m.layers.dropout(d, 0.3, training=training)
    d2 = m.layers.dense(d1, 3, name="out")
    ct = m.layers.conv2d_transpose(h, 2, 3, strides=2, padding="same")
    bn2 = m.layers.batch_normalization(d2, training=True)
    with m.variable_scope("vs"):
        d3 = m.layers.dense(d2, 2)
    layer = m.layers.Dense(5)
    twice = [layer(f), layer(f)]
    return [h, h2, f, d, d2, ct, bn2, d3] + twice, layer


# What TensorFlow 2.21's tf.compat.v1.layers (with tf_keras, Keras 2) gives for _program: recorded, because the
# test environment's TensorFlow uses Keras 3, which no longer has tf.layers.
TF_VARIABLES = [
    ("conv2d/kernel:0", [3, 3, 1, 4], True), ("conv2d/bias:0", [4], True),
    ("conv2d_1/kernel:0", [3, 3, 4, 4], True), ("conv2d_1/bias:0", [4], True),
    ("batch_normalization/gamma:0", [4], True), ("batch_normalization/beta:0", [4], True),
    ("batch_normalization/moving_mean:0", [4], False), ("batch_normalization/moving_variance:0", [4], False),
    ("dense/kernel:0", [4, 10], True), ("dense/bias:0", [10], True), ("out/kernel:0", [10, 3], True),
    ("out/bias:0", [3], True), ("conv2d_transpose/kernel:0", [3, 3, 2, 4], True),
    ("conv2d_transpose/bias:0", [2], True), ("batch_normalization_1/gamma:0", [3], True),
    ("batch_normalization_1/beta:0", [3], True), ("batch_normalization_1/moving_mean:0", [3], False),
    ("batch_normalization_1/moving_variance:0", [3], False), ("vs/dense/kernel:0", [3, 2], True),
    ("vs/dense/bias:0", [2], True), ("dense_1/kernel:0", [4, 5], True), ("dense_1/bias:0", [5], True)]
TF_OUTPUTS = [("max_pooling2d/MaxPool:0", [None, 4, 4, 4]), ("average_pooling2d/AvgPool:0", [None, 1, 1, 4]),
              ("flatten/Reshape:0", [None, 4]), ("dense/BiasAdd:0", [None, 10]), ("out/BiasAdd:0", [None, 3]),
              ("conv2d_transpose/BiasAdd:0", [None, 8, 8, 2]),
              ("batch_normalization_1/batchnorm/add_1:0", [None, 3]), ("vs/dense/BiasAdd:0", [None, 2]),
              ("dense_1/BiasAdd:0", [None, 5]), ("dense_1/BiasAdd_1:0", [None, 5])]
TF_UPDATE_OPS = 4  # two per batch_normalization layer


def test_names_shapes_and_collections_like_tensorflow_1():
    outputs, layer = _program(tf_engine)
    trainable = set(tf_engine.trainable_variables())
    assert [(v.name, v.shape.as_list(), v in trainable) for v in tf_engine.global_variables()] == TF_VARIABLES
    assert [(t.name, t.shape.as_list()) for t in outputs] == TF_OUTPUTS
    updates = tf_engine.get_collection(tf_engine.GraphKeys.UPDATE_OPS)
    assert len(updates) == TF_UPDATE_OPS
    assert all(u.name.startswith("batch_normalization") and "AssignMovingAvg" in u.name for u in updates)
    assert [v.name for v in layer.trainable_variables] == ["dense_1/kernel:0", "dense_1/bias:0"]


def test_default_initializers_and_that_the_program_runs():
    """Glorot uniform kernels (within ±sqrt(6 / (fan_in + fan_out))), zero biases, BN gamma 1 and beta 0."""
    outputs, _ = _program(tf_engine)
    with tf_engine.Session() as sess:
        sess.run(tf_engine.global_variables_initializer())
        values = {v.name: sess.run(v) for v in tf_engine.global_variables()}
        out = sess.run(outputs, {"Placeholder:0": np.random.rand(3, 8, 8, 1), "Placeholder_1:0": True})
    kernel = values["conv2d_1/kernel:0"]
    limit = np.sqrt(6 / (3 * 3 * 4 + 3 * 3 * 4))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.5 * limit
    assert not values["dense/bias:0"].any() and (values["batch_normalization/gamma:0"] == 1).all()
    assert [o.shape[1:] for o in out] == [tuple(s[1:]) for _, s in TF_OUTPUTS]


def test_reuse_shares_variables_and_a_second_creation_is_an_error():
    x = tf_engine.placeholder(tf_engine.float32, [None, 3])
    a = tf_engine.layers.dense(x, 2, name="fc")
    b = tf_engine.layers.dense(x, 2, name="fc", reuse=True)
    with tf_engine.variable_scope("d"):
        tf_engine.layers.dense(x, 2)
    with tf_engine.variable_scope("d", reuse=True):
        tf_engine.layers.dense(x, 2, name="dense")
    assert [v.name for v in tf_engine.global_variables()] == ["fc/kernel:0", "fc/bias:0", "d/dense/kernel:0",
                                                              "d/dense/bias:0"]
    with pytest.raises(ValueError, match="Variable fc/kernel already exists"):
        tf_engine.layers.dense(x, 2, name="fc")
    with tf_engine.Session() as sess:
        sess.run(tf_engine.global_variables_initializer())
        va, vb = sess.run([a, b], {x: np.ones((1, 3))})
    np.testing.assert_array_equal(va, vb)


def test_dropout_only_while_training():
    x = tf_engine.ones([1000])
    training = tf_engine.placeholder(tf_engine.bool, [])
    y = tf_engine.layers.dropout(x, 0.25, training=training)
    same = tf_engine.layers.dropout(x, 0.25)
    with tf_engine.Session() as sess:
        on, off, default = sess.run([y, y, same][:1], {training: True}) + sess.run([y, same], {training: False})
    assert set(np.unique(on)) == {0.0, np.float32(1 / 0.75)} and 0.15 < (on == 0).mean() < 0.35
    assert (off == 1).all() and (default == 1).all()


def test_errors_and_hints():
    x = tf_engine.placeholder(tf_engine.float32, [None, 8, 8, 1])
    with pytest.raises(ValueError, match="padding"):
        tf_engine.layers.conv2d(x, 2, 3, padding="full")
    with pytest.raises(ValueError, match="Pista"):
        tf_engine.layers.conv2d(tf_engine.placeholder(tf_engine.float32, [None, 8]), 2, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        tf_engine.layers.conv2d(x, 2, [3, 3, 3])


# ---------------------------------------------------------------------------------------------------------------
# A small CNN with batch normalization, trained step for step like the same network made of TensorFlow's ops
# ---------------------------------------------------------------------------------------------------------------

RNG = np.random.RandomState(0)
IMAGES, LABELS = RNG.rand(16, 8, 8, 1).astype(np.float32), RNG.randint(0, 3, 16)
MOMENTUM, EPS = 0.9, 1e-3


def _engine_cnn(steps):
    """Built with tf.layers; returns (initial values, losses, final values), values by variable name."""
    m = tf_engine
    x, y = m.placeholder(m.float32, [None, 8, 8, 1]), m.placeholder(m.int64, [None])
    h = m.layers.conv2d(x, 3, 3, strides=2, padding="same", activation=m.nn.relu)
    h = m.layers.batch_normalization(h, momentum=MOMENTUM, training=True)
    h = m.layers.max_pooling2d(h, 2, 2)
    logits = m.layers.dense(m.layers.flatten(h), 3)
    loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    with m.control_dependencies(m.get_collection(m.GraphKeys.UPDATE_OPS)):
        train = m.train.AdamOptimizer(0.05).minimize(loss)
    with m.Session() as sess:
        sess.run(m.global_variables_initializer())
        layer_vars = [v for v in m.global_variables() if "Adam" not in v.name and "_power" not in v.name]
        names = [v.name for v in layer_vars]
        initial = dict(zip(names, sess.run(layer_vars)))
        losses = [sess.run([loss, train], {x: IMAGES, y: LABELS})[0] for _ in range(steps)]
        final = dict(zip(names, sess.run(layer_vars)))
    return initial, losses, final


def _tensorflow_cnn(tf, initial, steps):
    """The same network with tf.nn ops and variables holding the engine's initial values."""
    with tf.Graph().as_default():
        v = {name: tf.Variable(value, name=name.split(":")[0].replace("/", "_")) for name, value in initial.items()}
        x, y = tf.placeholder(tf.float32, [None, 8, 8, 1]), tf.placeholder(tf.int64, [None])
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, v["conv2d/kernel:0"], 2, "SAME"), v["conv2d/bias:0"]))
        _, mean, unbiased = tf.nn.fused_batch_norm(h, v["batch_normalization/gamma:0"],
                                                   v["batch_normalization/beta:0"], epsilon=EPS)
        m, var = tf.nn.moments(h, [0, 1, 2])
        h = tf.nn.batch_normalization(h, m, var, v["batch_normalization/beta:0"], v["batch_normalization/gamma:0"],
                                      EPS)
        updates = [tf.assign_sub(v["batch_normalization/moving_mean:0"],
                                 (v["batch_normalization/moving_mean:0"] - mean) * (1 - MOMENTUM)),
                   tf.assign_sub(v["batch_normalization/moving_variance:0"],
                                 (v["batch_normalization/moving_variance:0"] - unbiased) * (1 - MOMENTUM))]
        h = tf.nn.max_pool(h, 2, 2, "VALID")
        logits = tf.matmul(tf.reshape(h, [-1, 2 * 2 * 3]), v["dense/kernel:0"]) + v["dense/bias:0"]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        trainable = [v[n] for n in initial if "moving" not in n]
        with tf.control_dependencies(updates):
            train = tf.train.AdamOptimizer(0.05).minimize(loss, var_list=trainable)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([loss, train], {x: IMAGES, y: LABELS})[0] for _ in range(steps)]
            return losses, {name: sess.run(var) for name, var in v.items()}


def test_a_small_cnn_trains_like_tensorflow(tf):
    initial, losses, final = _engine_cnn(steps=5)
    their_losses, their_final = _tensorflow_cnn(tf, initial, steps=5)
    np.testing.assert_allclose(losses, their_losses, rtol=1e-4)
    assert losses[-1] < losses[0]
    for name in initial:
        np.testing.assert_allclose(final[name], their_final[name], rtol=1e-3, atol=1e-5, err_msg=name)
    assert not np.allclose(final["batch_normalization/moving_mean:0"], 0)  # the update ops ran


# ---------------------------------------------------------------------------------------------------------------
# Keras
# ---------------------------------------------------------------------------------------------------------------


def _keras_model(k, weights=None):
    model = k.Sequential([k.layers.Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                          k.layers.BatchNormalization(), k.layers.MaxPooling2D(), k.layers.Conv2D(6, (2, 3), strides=2),
                          k.layers.AveragePooling2D(pool_size=1), k.layers.Flatten(), k.layers.Dense(3)])
    model(IMAGES[:1])
    if weights is not None:
        model.set_weights(weights)
    return model


def test_keras_cnn_layers_equal_tensorflows_keras(eager, tf2):
    """Inference, then one call in training mode (batch statistics, moving averages updated), same weights."""
    ours = _keras_model(eager.keras)
    weights = [w.numpy() + RNG.uniform(0.1, 0.2, w.shape) for w in ours.weights]  # BN statistics too
    ours.set_weights(weights)
    # matched layer by layer and by the weight's own name (gamma, kernel...): layer names carry counters that
    # depend on what else ran before in each process
    short = lambda w: (w.path if hasattr(w, "path") else w.name).rsplit("/", 1)[-1].split(":")[0]  # noqa: E731
    per_layer = [{short(w): w.numpy() for w in layer.weights} for layer in ours.layers]

    def theirs(tf):
        model = _keras_model(tf.keras)
        for mine, layer in zip(per_layer, model.layers):
            layer.set_weights([mine[short(w)] for w in layer.weights])
        out = [model(IMAGES, training=False).numpy(), model(IMAGES, training=True).numpy()]
        return out + [w.numpy() for w in model.layers[1].weights]
    expected = run_tf(tf2, theirs)
    got = [ours(IMAGES, training=False).numpy(), ours(IMAGES, training=True).numpy()]
    got += [w.numpy() for w in (ours.layers[1].gamma, ours.layers[1].beta, ours.layers[1].moving_mean,
                                ours.layers[1].moving_variance)]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def test_keras_cnn_fits_the_digits(eager):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x, y = (digits.images[..., None] / 16.0).astype(np.float32)[:600], digits.target[:600]
    k = eager.keras
    model = k.Sequential([k.layers.Conv2D(8, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                          k.layers.MaxPool2D(), k.layers.BatchNormalization(), k.layers.Flatten(),
                          k.layers.Dropout(0.1), k.layers.Dense(10, activation="softmax")])
    model.compile(k.optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(x, y, verbose=0)[1] > 0.7  # (chance: 0.1)
    layer_names = [w.name.split("/")[1] for w in model.weights]  # Keras' names: conv2d (not conv2_d), conv2d_1...
    assert layer_names[0].startswith("conv2d") and layer_names[2].startswith("batch_normalization"), layer_names
