"""Variables: per-session state, initializers, assign ops, get_variable/variable_scope, Saver."""
import os

import numpy as np
import pytest

import engine as tf
from engine import errors


def test_variable_layout_and_names(tf1):
    v = tf.Variable(1.0)
    w = tf.Variable([1, 2], name="w")
    assert v.name == "Variable:0" and w.name == "w:0" and v.dtype is tf.float32 and w.shape == tf.TensorShape([2])
    assert v.initializer.name == "Variable/Assign" and v.value().name == "Variable/read:0"
    assert v.initial_value.name == "Variable/initial_value:0"
    assert tf.global_variables() == [v, w] and tf.trainable_variables() == [v, w]
    u = tf.Variable(2.0, False)  # TF1's positional order: (initial_value, trainable)
    assert not u.trainable and u not in tf.trainable_variables()
    with tf1.Graph().as_default():
        theirs = tf1.Variable(1.0)
        assert theirs.name == v.name and theirs.initializer.name == v.initializer.name


def test_state_per_session():
    some_var = tf.Variable(1)
    init = tf.global_variables_initializer()
    assign = some_var.assign(3)
    s1, s2 = tf.Session(), tf.Session()
    with pytest.raises(errors.FailedPreconditionError) as e:
        s1.run(some_var)
    assert "Attempting to use uninitialized value Variable" in str(e.value) and "Pista" in str(e.value)
    s1.run(init)
    s2.run(init)
    s1.run(assign)
    assert s1.run(some_var) == 3 and s2.run(some_var) == 1
    s1.close()
    with pytest.raises(RuntimeError):
        s1.run(some_var)


def test_assign_ops():
    v = tf.Variable([1.0, 2.0])
    add = tf.assign_add(v, [1.0, 1.0])
    sub = v.assign_sub([0.5, 0.5])
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([v]))
        assert sess.run(add).tolist() == [2.0, 3.0]
        assert sess.run(sub).tolist() == [1.5, 2.5]
        assert sess.run(tf.assign(v, [0.0, 0.0])).tolist() == [0.0, 0.0]
        assert sess.run(v.read_value()).tolist() == [0.0, 0.0]
        v.load([7.0, 8.0], sess)
        assert sess.run(v).tolist() == [7.0, 8.0]
    with pytest.raises(ValueError, match="incompatible"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="Variable"):
        tf.assign(tf.constant(1.0), 2.0)


def test_variable_from_tensor_and_callable_and_dtype():
    tf.set_random_seed(1)
    w = tf.Variable(tf.random_normal([3, 2]), name="w")
    b = tf.Variable(lambda: tf.zeros([2]), name="b")
    i = tf.Variable(3, dtype=tf.float32)
    y = tf.matmul(tf.ones([1, 3]), w) + b
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y).shape == (1, 2) and sess.run(i) == 3.0
        first = sess.run(w)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), first)  # graph seed: the same numbers in each new session


def test_get_variable_and_scopes(tf1):
    with tf.variable_scope("capa"):
        w = tf.get_variable("W", [2, 3])
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    assert w.name == "capa/W:0" and b.name == "capa/b:0"
    with pytest.raises(ValueError) as e:
        with tf.variable_scope("capa"):
            tf.get_variable("W", [2, 3])
    assert "already exists" in str(e.value) and "Pista" in str(e.value)
    with tf.variable_scope("capa", reuse=True):
        assert tf.get_variable("W") is w
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("nueva", [1])
    with tf.variable_scope("capa", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("W", [2, 3]) is w
        assert tf.get_variable("c", [1]).name == "capa/c:0"
    with tf.variable_scope("capa") as scope:
        scope.reuse_variables()
        assert tf.get_variable("b") is b
    with tf1.Graph().as_default():
        with tf1.variable_scope("capa"):
            tf1.get_variable("W", [2, 3])
        with pytest.raises(ValueError, match="already exists"):
            with tf1.variable_scope("capa"):
                tf1.get_variable("W", [2, 3])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        vals = sess.run(w)
        limit = np.sqrt(6 / 5)
        assert vals.shape == (2, 3) and np.all(np.abs(vals) <= limit)


@pytest.mark.parametrize("init, check", [
    (tf.zeros_initializer(), lambda a: np.all(a == 0)),
    (tf.constant_initializer(0.5), lambda a: np.all(a == 0.5)),
    (tf.random_normal_initializer(0.0, 0.01, seed=1), lambda a: np.abs(a).max() < 0.1 and a.std() > 0),
    (tf.truncated_normal_initializer(0.0, 1.0, seed=1), lambda a: np.abs(a).max() <= 2.0 and a.std() > 0.3),
    (tf.glorot_uniform_initializer(seed=1), lambda a: np.abs(a).max() <= np.sqrt(6 / 300)),
])
def test_initializers(init, check):
    v = tf.get_variable("v", [100, 200], initializer=init)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert check(sess.run(v))


def test_saver_round_trip(tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    step = tf.Variable(0, name="step", trainable=False)
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            sess.run(v.assign_add([1.0, 1.0]))
            path = saver.save(sess, str(tmp_path / "modelo"), global_step=i)
    assert path.endswith("modelo-2") and os.path.exists(path + ".npz")
    assert not os.path.exists(str(tmp_path / "modelo-0.npz"))  # max_to_keep
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == [str(tmp_path / "modelo-1"), path]
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
        assert sess.run(v).tolist() == [4.0, 5.0]
        with pytest.raises(ValueError, match="The passed save_path is not a valid checkpoint"):  # as TensorFlow
            saver.restore(sess, str(tmp_path / "nada"))
    assert tf.train.latest_checkpoint(str(tmp_path / "vacia")) is None
