"""tf.data (engine/data.py): eager iteration compared with TensorFlow 2, graph-mode iterators with OutOfRangeError."""
import numpy as np
import pytest

import engine


def _as_lists(elements):
    def conv(e):
        if isinstance(e, dict):
            return {k: conv(v) for k, v in sorted(e.items())}
        if isinstance(e, tuple):
            return tuple(conv(v) for v in e)
        return np.asarray(e).tolist()
    return [conv(e) for e in elements]


PIPELINES = {
    "map": lambda tf: tf.data.Dataset.range(10).map(lambda x: x * 2),
    "batch": lambda tf: tf.data.Dataset.range(7).batch(3),
    "batch_drop": lambda tf: tf.data.Dataset.range(7).batch(3, drop_remainder=True),
    "filter_repeat_take": lambda tf: tf.data.Dataset.range(6).filter(lambda x: tf.equal(x % 2, 0)).repeat().take(7),
    "skip_repeat": lambda tf: tf.data.Dataset.range(5).skip(2).repeat(2),
    "slices_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [[1, 2], [3, 4], [5, 6]]))
    .map(lambda x, y: (x * 2.0, tf.reduce_sum(y))).batch(2),
    "slices_dict": lambda tf: tf.data.Dataset.from_tensor_slices({"a": np.arange(4), "b": np.ones((4, 2))}).batch(3),
    "from_tensors": lambda tf: tf.data.Dataset.from_tensors([1, 2, 3]).repeat(2),
    "zip": lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 20))),
    "concat_enumerate": lambda tf: tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7)).enumerate(),
    "prefetch": lambda tf: tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) / 2).prefetch(1),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipelines_match_tensorflow(tf2, eager, name):
    ours = PIPELINES[name](engine)
    tf, eager_mode = tf2
    with eager_mode():
        theirs = PIPELINES[name](tf)
        want = _as_lists(theirs.as_numpy_iterator())
        want_spec, want_repr = repr(theirs.element_spec), repr(theirs)
        want_len = int(theirs.cardinality())
    assert _as_lists(ours.as_numpy_iterator()) == want
    assert repr(ours.element_spec) == want_spec
    assert repr(ours).split(" ", 1)[1] == want_repr.split(" ", 1)[1]
    assert int(ours.cardinality()) == want_len


def test_eager_iteration_gives_tensors(eager):
    ds = engine.data.Dataset.from_tensor_slices((np.arange(4.0), np.arange(4))).shuffle(4, seed=1).batch(2)
    batches = list(ds)
    assert all(isinstance(x, engine.Tensor) and x.dtype == engine.float64 for x, _ in batches)
    xs = sorted(v for x, _ in batches for v in x.numpy().tolist())
    assert xs == [0.0, 1.0, 2.0, 3.0]
    for x, y in batches:  # pairs stay together
        assert x.numpy().tolist() == [float(v) for v in y.numpy()]


def test_shuffle_is_reproducible_and_reshuffles(eager):
    ds = engine.data.Dataset.range(20).shuffle(20, seed=3)
    first, second = [int(x) for x in ds], [int(x) for x in ds]
    again = [int(x) for x in engine.data.Dataset.range(20).shuffle(20, seed=3)]
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first == again and first != second


def test_map_traces_once(eager):
    traced = []

    def double(x):
        traced.append(1)
        return x * 2
    ds = engine.data.Dataset.range(5).map(double)
    assert [int(x) for x in ds] == [0, 2, 4, 6, 8] and [int(x) for x in ds] == [0, 2, 4, 6, 8]
    assert len(traced) == 1


def test_one_shot_iterator_in_graph_mode():
    ds = engine.data.Dataset.from_tensor_slices(np.arange(5)).map(lambda x: x * 10).batch(2)
    nxt = engine.data.make_one_shot_iterator(ds).get_next()
    assert nxt.shape.as_list() == [None] and nxt.dtype == engine.int64
    for _ in range(2):  # each session starts the iterator again
        with engine.Session() as sess:
            got = [sess.run(nxt).tolist() for _ in range(3)]
            with pytest.raises(engine.errors.OutOfRangeError, match="End of sequence"):
                sess.run(nxt)
            with pytest.raises(engine.errors.OutOfRangeError):
                sess.run(nxt)
        assert got == [[0, 10], [20, 30], [40]]


def test_initializable_iterator_reads_placeholders():
    x = engine.placeholder(engine.float32, [None])
    it = engine.data.Dataset.from_tensor_slices(x).filter(lambda v: v > 1.0).make_initializable_iterator()
    nxt = it.get_next()
    with engine.Session() as sess:
        with pytest.raises(engine.errors.FailedPreconditionError, match="not been initialized"):
            sess.run(nxt)
        for data, want in (([1.0, 2.0, 3.0], [2.0, 3.0]), ([5.0, 0.0], [5.0])):
            sess.run(it.initializer, {x: data})
            got = []
            try:
                while True:
                    got.append(float(sess.run(nxt)))
            except engine.errors.OutOfRangeError:
                pass
            assert got == want


def test_errors_are_clear(eager):
    with pytest.raises(ValueError, match="first axis"):
        engine.data.Dataset.from_tensor_slices(([1, 2, 3], [1, 2]))
    with pytest.raises(ValueError, match="boolean"):
        engine.data.Dataset.range(3).filter(lambda x: x * 2)
    engine.disable_eager_execution()
    with pytest.raises(RuntimeError, match="Pista"):
        iter(engine.data.Dataset.range(3))
    engine.reset_default_graph()
    engine.enable_eager_execution()
