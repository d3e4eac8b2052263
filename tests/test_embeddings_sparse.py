"""Embeddings, sampled losses, segment reductions, scatters, gather_nd and SparseTensor (issue 11, point 5),
compared with TensorFlow compat.v1 (values, static shapes, names, errors) and with finite differences."""
import numpy as np
import pytest

import engine
from tests.op_harness import load_tf

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def tf():
    return load_tf()


def both(tf, build, grads_of=None):
    """Runs build(m) -> list of tensors in a fresh graph of the engine and of TensorFlow. With `grads_of`, also the
    gradients of sum(outputs[i] * w_i) (fixed weights) with respect to the tensors build put in m.xs.
    Returns [(engine values, TensorFlow values), static shapes of both]."""
    results = []
    for m in (engine, tf):
        g = m.Graph()
        with g.as_default():
            m.xs = []
            outs = build(m)
            fetch = list(outs)
            if grads_of:  # the same weights in both: cos(0), cos(1), ... in the shape of each output
                weights = [m.reshape(m.cos(m.cast(m.range(m.size(o)), o.dtype)), m.shape(o)) for o in outs]
                loss = m.add_n([m.reduce_sum(o * w) for o, w in zip(outs, weights)])
                fetch += [m.convert_to_tensor(d) for d in m.gradients(loss, m.xs)]
            with m.Session(graph=g) as sess:
                sess.run(m.global_variables_initializer())
                values = sess.run(fetch)
            results.append((values, [o.shape.as_list() if o.shape.rank is not None else None for o in outs]))
        del m.xs
    return results


def check(tf, build, grads_of=False, rtol=1e-5, atol=1e-6):
    (ours, our_shapes), (theirs, their_shapes) = both(tf, build, grads_of)
    assert our_shapes == their_shapes
    for i, (a, b) in enumerate(zip(ours, theirs)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (i, a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"output {i}")
    return ours


def x_of(m, value):
    t = m.constant(value)
    m.xs.append(t)
    return t


# ---------------------------------------------------------------------------------------------------------------
# Segment reductions
# ---------------------------------------------------------------------------------------------------------------

DATA = RNG.standard_normal((6, 3)).astype(np.float32)
DATA[2, 1] = DATA[3, 1]  # a tie inside segment 1 for max/min
DATA[4, 0] = 0.0         # a zero for prod
SORTED = np.array([0, 0, 1, 1, 3, 3], np.int32)   # segment 2 is empty
UNSORTED = np.array([3, 0, -1, 1, 0, 3], np.int32)  # a negative id is dropped


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod"])
def test_sorted_segments_values_shapes_and_gradients(tf, kind):
    check(tf, lambda m: [getattr(m, f"segment_{kind}")(x_of(m, DATA), SORTED)], grads_of=True)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod", "sqrt_n"])
def test_unsorted_segments_drop_negative_ids(tf, kind):
    check(tf, lambda m: [getattr(m, f"unsorted_segment_{kind}")(x_of(m, DATA), UNSORTED, 5)], grads_of=True)


def test_segments_of_integers_and_empty_extremes(tf):
    data = np.array([[1, 5], [2, 3], [7, 0]], np.int32)
    check(tf, lambda m: [m.unsorted_segment_max(data, [0, 2, 2], 4), m.unsorted_segment_min(data, [0, 2, 2], 4),
                         m.segment_max(data, [0, 2, 2]), m.unsorted_segment_prod(data, [1, 1, -1], 2),
                         m.unsorted_segment_sum(data, [1, 1, -1], 2)])


def test_segment_prod_gradient_with_two_zeros_matches_finite_differences(tf):
    data = np.array([0.0, 2.0, 0.0, 3.0, 0.5], np.float32)
    check(tf, lambda m: [m.segment_prod(x_of(m, data), [0, 0, 0, 1, 1])], grads_of=True)


def test_unsorted_segment_ids_must_be_increasing_for_segment_sum():
    with engine.Session() as sess:
        with pytest.raises(engine.errors.InvalidArgumentError, match="segment ids are not increasing"):
            sess.run(engine.segment_sum([1.0, 2.0, 3.0], [1, 0, 1]))


def test_segment_sum_gradient_by_finite_differences():
    x = engine.placeholder(engine.float64, [4, 2])
    y = engine.reduce_sum(engine.square(engine.unsorted_segment_mean(x, [1, -1, 1, 0], 3)))
    grad = engine.gradients(y, x)[0]
    value = RNG.standard_normal((4, 2))
    with engine.Session() as sess:
        analytic = sess.run(grad, {x: value})
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            d = np.zeros_like(value)
            d[i] = 1e-6
            numeric[i] = (sess.run(y, {x: value + d}) - sess.run(y, {x: value - d})) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------------------------------------------
# gather_nd, scatter_nd, tensor_scatter_nd_*
# ---------------------------------------------------------------------------------------------------------------

GRID = RNG.standard_normal((4, 3, 2)).astype(np.float32)


def test_gather_nd_and_scatter_nd_with_gradients(tf):
    idx = np.array([[0, 1], [3, 2], [0, 1]], np.int32)  # a repeated index: gradients add up
    check(tf, lambda m: [m.gather_nd(x_of(m, GRID), idx), m.gather_nd(x_of(m, GRID), [[[1]], [[2]]]),
                         m.scatter_nd(idx, x_of(m, GRID[:3, 0]), [4, 3, 2])], grads_of=True)


def test_tensor_scatter_nd_update_add_sub_with_gradients(tf):
    idx = np.array([[1], [3]], np.int32)
    updates = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    check(tf, lambda m: [m.tensor_scatter_nd_update(x_of(m, GRID), idx, x_of(m, updates)),
                         m.tensor_scatter_nd_add(x_of(m, GRID), idx, x_of(m, updates)),
                         m.tensor_scatter_nd_sub(x_of(m, GRID), [[0, 0, 1]], [5.0])], grads_of=True)


def test_gather_nd_errors(tf):
    with pytest.raises(ValueError, match="must be <= params.rank"):
        engine.gather_nd(GRID, [[0, 0, 0, 0]])
    with engine.Session() as sess, pytest.raises(engine.errors.InvalidArgumentError, match="does not index"):
        sess.run(engine.gather_nd(GRID, [[4, 0]]))


# ---------------------------------------------------------------------------------------------------------------
# Scatters into variables
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["update", "add", "sub", "mul", "div", "max", "min"])
def test_variable_scatter_ops_twice(tf, kind):
    def build(m):
        v = m.Variable(np.arange(1.0, 9.0, dtype=np.float32).reshape(4, 2), name="v")
        op = getattr(m, f"scatter_{kind}")(v, [3, 1], [[2.0, -1.0], [0.5, 4.0]])
        with m.control_dependencies([op]):
            again = getattr(m, f"scatter_{kind}")(v, m.constant([0]), [[3.0, 3.0]])
        return [again]
    ours = check(tf, build)
    assert ours[0].shape == (4, 2)


@pytest.mark.parametrize("kind", ["update", "add", "sub"])
def test_variable_scatter_nd(tf, kind):
    def build(m):
        v = m.Variable(np.zeros((3, 2), np.float32))
        return [getattr(m, f"scatter_nd_{kind}")(v, [[0, 1], [2, 0]], [1.5, -2.0])]
    check(tf, build)


def test_scatter_into_a_non_variable_and_out_of_range():
    with pytest.raises(TypeError, match="needs a Variable"):
        engine.scatter_update(engine.constant([1.0, 2.0]), [0], [3.0])
    v = engine.Variable([1.0, 2.0])
    op = engine.scatter_add(v, [2], [1.0])
    with engine.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(engine.errors.InvalidArgumentError, match=r"indices\[0\] = 2 is not in \[0, 2\)"):
            sess.run(op)


# ---------------------------------------------------------------------------------------------------------------
# embedding_lookup
# ---------------------------------------------------------------------------------------------------------------

TABLE = RNG.standard_normal((10, 4)).astype(np.float32)
IDS = np.array([[1, 9], [4, 4], [0, 7]], np.int32)


def test_embedding_lookup_names_values_and_gradient(tf):
    def build(m):
        out = m.nn.embedding_lookup(x_of(m, TABLE), IDS)
        assert out.name == "embedding_lookup/Identity:0" and out.op.inputs[0].op.type == "GatherV2"
        return [out]
    check(tf, build, grads_of=True)


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_sharded_and_max_norm(tf, strategy):
    def build(m):
        shards = [x_of(m, TABLE[:4]), x_of(m, TABLE[4:7]), x_of(m, TABLE[7:])]
        return [m.nn.embedding_lookup(shards, IDS, partition_strategy=strategy),
                m.nn.embedding_lookup(shards, IDS[0], partition_strategy=strategy, max_norm=1.0),
                m.nn.embedding_lookup(x_of(m, TABLE), IDS, max_norm=0.5)]
    check(tf, build, grads_of=True)


def run_steps(m, build, steps=2):
    """build(m) -> (train ops, fetches) in a fresh graph; runs each train op `steps` times, then the fetches."""
    with m.Graph().as_default():
        train_ops, fetches = build(m)
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            for op in train_ops:
                for _ in range(steps):
                    sess.run(op)
            return sess.run(fetches)


def test_embedding_gradient_trains_with_optimizers(tf):
    """word2vec's pattern: an embedding variable, a lookup, a loss; the optimizers apply the lookup's gradient
    (an IndexedSlices in TensorFlow, a dense tensor here) with the same result."""
    def build(m):
        emb = m.Variable(TABLE, name="emb")
        loss = m.reduce_sum(m.square(m.nn.embedding_lookup(emb, IDS) - 1.0))
        opts = [m.train.GradientDescentOptimizer(0.1), m.train.AdamOptimizer(0.1), m.train.AdagradOptimizer(0.1),
                m.train.MomentumOptimizer(0.1, 0.9)]
        return [o.minimize(loss) for o in opts], emb
    np.testing.assert_allclose(run_steps(engine, build), run_steps(tf, build), rtol=1e-5, atol=1e-6)


def test_embedding_lookup_errors(tf):
    with pytest.raises(ValueError, match="Unrecognized partition strategy"):
        engine.nn.embedding_lookup([TABLE, TABLE], [0], partition_strategy="range")
    with pytest.raises(TypeError, match="int32 or int64"):
        engine.nn.embedding_lookup(TABLE, [0.5])


# ---------------------------------------------------------------------------------------------------------------
# Sampled losses, given the same sampled candidates as TensorFlow
# ---------------------------------------------------------------------------------------------------------------

INPUTS = RNG.standard_normal((3, 4)).astype(np.float32)
BIASES = RNG.standard_normal(10).astype(np.float32)
LABELS = np.array([[1, 2], [3, 3], [0, 9]], np.int64)
SAMPLED = (np.array([2, 5, 7, 0], np.int64), RNG.uniform(0.1, 1, (3, 2)).astype(np.float32),
           RNG.uniform(0.1, 1, 4).astype(np.float32))


@pytest.mark.parametrize("loss", ["nce_loss", "sampled_softmax_loss"])
@pytest.mark.parametrize("hits", [False, True])
def test_sampled_losses_equal_tensorflow(tf, loss, hits):
    def build(m):
        sampled = tuple(m.constant(s) for s in SAMPLED)
        fn = getattr(m.nn, loss)
        return [fn(x_of(m, TABLE), x_of(m, BIASES), LABELS, x_of(m, INPUTS), 4, 10, num_true=2,
                   sampled_values=sampled, remove_accidental_hits=hits),
                fn([x_of(m, TABLE[:5]), x_of(m, TABLE[5:])], [x_of(m, BIASES[:5]), x_of(m, BIASES[5:])], LABELS[:, :1],
                   x_of(m, INPUTS), 4, 10, sampled_values=sampled[:1] + (sampled[1][:, :1],) + sampled[2:],
                   remove_accidental_hits=hits, partition_strategy="div")]
    check(tf, build, grads_of=True)


def test_nce_loss_trains_a_word2vec_step(tf):
    def build(m):
        emb = m.Variable(TABLE, name="emb")
        w = m.Variable(TABLE[::-1].copy(), name="w")
        b = m.Variable(BIASES, name="b")
        x = m.nn.embedding_lookup(emb, [3, 1, 4])
        sampled = (m.constant(SAMPLED[0]), m.constant(SAMPLED[1][:, :1]), m.constant(SAMPLED[2]))
        loss = m.reduce_mean(m.nn.nce_loss(w, b, LABELS[:, :1], x, 4, 10, sampled_values=sampled))
        return [m.train.GradientDescentOptimizer(0.5).minimize(loss)], [emb, w, b]
    for a, b in zip(run_steps(engine, build), run_steps(tf, build)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sampler", ["log_uniform_candidate_sampler", "uniform_candidate_sampler",
                                     "fixed_unigram_candidate_sampler"])
def test_candidate_samplers_shapes_and_expected_counts(tf, sampler):
    extra = {"unigrams": [5, 1, 1, 3, 2, 8, 1, 1, 4, 2]} if "unigram" in sampler else {}
    for unique in (True, False):
        outs = {}
        for m in (engine, tf):
            with m.Graph().as_default():
                res = getattr(m.nn, sampler)(LABELS, 2, 6, unique, 10, seed=3, **extra)
                outs[m] = ([(t.dtype.name, t.shape.as_list()) for t in res], res)
                if m is engine:
                    with m.Session() as sess:
                        values = sess.run(res)
        assert outs[engine][0] == outs[tf][0]
        sampled, true_expected, sampled_expected = values
        assert sampled.min() >= 0 and sampled.max() < 10
        if unique:
            assert len(set(sampled.tolist())) == 6
        p = {"log_uniform_candidate_sampler": lambda k: np.log((k + 2) / (k + 1)) / np.log(11),
             "uniform_candidate_sampler": lambda k: np.full(np.shape(k), 0.1),
             "fixed_unigram_candidate_sampler": lambda k: np.asarray(extra.get("unigrams", [1]))[k] / 28}[sampler]
        if unique:  # expected count 1 - (1 - p) ** tries, the same number of tries for every class
            tries = np.log1p(-sampled_expected) / np.log1p(-p(sampled))
            np.testing.assert_allclose(tries, tries[0], rtol=1e-4)
            np.testing.assert_allclose(true_expected, -np.expm1(tries[0] * np.log1p(-p(LABELS))), rtol=1e-4)
        else:
            np.testing.assert_allclose(true_expected, 6 * p(LABELS), rtol=1e-5)


def test_log_uniform_sampler_follows_zipf():
    assert engine.random.log_uniform_candidate_sampler is engine.nn.log_uniform_candidate_sampler  # TF2's name
    sampled, _, _ = engine.random.log_uniform_candidate_sampler(LABELS, 2, 20000, False, 10, seed=1)
    with engine.Session() as sess:
        counts = np.bincount(sess.run(sampled), minlength=10) / 20000
    k = np.arange(10)
    np.testing.assert_allclose(counts, np.log((k + 2) / (k + 1)) / np.log(11), atol=0.015)


def test_sampled_loss_without_sampled_values_runs_and_trains():
    emb = engine.Variable(TABLE)
    loss = engine.reduce_mean(engine.nn.sampled_softmax_loss(emb, BIASES, LABELS[:, :1], INPUTS, 5, 10))
    step = engine.train.GradientDescentOptimizer(0.1).minimize(loss)
    with engine.Session() as sess:
        sess.run(engine.global_variables_initializer())
        assert np.isfinite(sess.run(loss))
        sess.run(step)


def test_weighted_cross_entropy_and_sigmoid_losses(tf):
    logits = RNG.standard_normal((4, 3)).astype(np.float32) * 3
    labels = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float32)
    check(tf, lambda m: [m.nn.weighted_cross_entropy_with_logits(labels=labels, logits=x_of(m, logits), pos_weight=2.5),
                         m.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x_of(m, logits)),
                         m.losses.sigmoid_cross_entropy(labels, x_of(m, logits), label_smoothing=0.1)], grads_of=True)


# ---------------------------------------------------------------------------------------------------------------
# SparseTensor
# ---------------------------------------------------------------------------------------------------------------

SP = engine.SparseTensorValue(np.array([[0, 0], [0, 2], [2, 1], [3, 0]], np.int64),
                              np.array([1.0, -2.0, 0.5, 3.0], np.float32), np.array([4, 3], np.int64))


def test_sparse_tensor_run_feed_and_to_dense(tf):
    outs = {}
    for m in (engine, tf):
        with m.Graph().as_default():
            sp = m.SparseTensor(*SP)
            ph = m.sparse_placeholder(m.float32, name="sp")
            dense = m.sparse_tensor_to_dense(sp)
            fed = m.sparse.to_dense(ph, default_value=-1.0)
            with m.Session() as sess:
                value = sess.run(sp)
                outs[m] = (sess.run([dense, fed], {ph: SP}), sess.run(fed, {ph: tuple(SP)}), sp.shape.as_list(),
                           [ph.indices.name, ph.values.name, ph.dense_shape.name], dense.name, type(value).__name__)
                np.testing.assert_array_equal(value.indices, SP.indices)
    ours, theirs = outs[engine], outs[tf]
    for a, b in zip(ours[0] + [ours[1]], theirs[0] + [theirs[1]]):
        np.testing.assert_array_equal(a, b)
    assert ours[2:] == theirs[2:]


def test_sparse_dense_matmul_and_embedding_lookup_sparse(tf):
    dense = RNG.standard_normal((3, 2)).astype(np.float32)
    ids = engine.SparseTensorValue(np.array([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1]], np.int64),
                                   np.array([1, 9, 4, 4, 0], np.int64), np.array([4, 2], np.int64))
    weights = np.array([0.5, 2.0, 1.0, -1.0, 3.0], np.float32)

    def build(m):
        sp_w = m.SparseTensor(ids.indices, weights, ids.dense_shape)
        return [m.sparse_tensor_dense_matmul(m.SparseTensor(*SP), x_of(m, dense)),
                m.sparse_tensor_dense_matmul(m.SparseTensor(*SP), x_of(m, dense.T), adjoint_b=True)] + [
            m.nn.embedding_lookup_sparse(x_of(m, TABLE), m.SparseTensor(*ids), w, combiner=c)
            for c in ("sum", "mean", "sqrtn") for w in (None, sp_w)]
    ours = check(tf, build, grads_of=True)
    assert ours[0].shape == (4, 2)


# ---------------------------------------------------------------------------------------------------------------
# Bugs of issue 11 (point 8)
# ---------------------------------------------------------------------------------------------------------------


def test_get_variable_with_a_tensor_initializer(tf):
    for m in (engine, tf):
        with m.Graph().as_default():
            with m.variable_scope("vs", initializer=m.constant_initializer(3.0)):
                made = [m.get_variable("s", initializer=m.constant(2)), m.get_variable("f", initializer=np.float64(2.5)),
                        m.get_variable("l", initializer=[1.0, 2.0]), m.get_variable("d", shape=[2])]
            with pytest.raises(ValueError, match="If initializer is a constant, do not specify shape"):
                m.get_variable("bad", shape=[2], initializer=m.constant([2, 3]))
            with m.Session() as sess:
                sess.run(m.global_variables_initializer())
                got = [(v.name, v.dtype.base_dtype.name, v.shape.as_list(), sess.run(v).tolist()) for v in made]
        if m is engine:
            ours = got
    assert ours == got


def test_softmax_cross_entropy_flattens_labels_of_another_rank(tf):
    labels = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]][None]  # [1, N, C] against logits [N, C]
    logits = RNG.standard_normal((4, 3)).astype(np.float32)
    check(tf, lambda m: [m.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x_of(m, logits)),
                         m.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=x_of(m, logits))],
          grads_of=True)


# ---------------------------------------------------------------------------------------------------------------
# Every gradient above, by finite differences (float64; the sampled losses through float32)
# ---------------------------------------------------------------------------------------------------------------

def _weighted_sum(m, out):
    return m.reduce_sum(out * m.reshape(m.cos(m.cast(m.range(m.size(out)), out.dtype)), m.shape(out)))


DISTINCT = (np.arange(18.0).reshape(6, 3) * 0.37 % 1.9 - 0.8).astype(np.float64)  # no ties, no zeros
FD_CASES = {
    "segment_sum": lambda m, x: m.segment_sum(x, SORTED),
    "segment_mean": lambda m, x: m.segment_mean(x, SORTED),
    "segment_max": lambda m, x: m.segment_max(x, SORTED),
    "segment_min": lambda m, x: m.segment_min(x, SORTED),
    "segment_prod": lambda m, x: m.segment_prod(x, SORTED),
    "unsorted_segment_max": lambda m, x: m.gather(m.unsorted_segment_max(x, UNSORTED, 5), [0, 1, 3]),  # not empty
    "unsorted_segment_min": lambda m, x: m.unsorted_segment_min(x, UNSORTED, 4)[:2],
    "unsorted_segment_prod": lambda m, x: m.unsorted_segment_prod(x, UNSORTED, 5),
    "unsorted_segment_sqrt_n": lambda m, x: m.unsorted_segment_sqrt_n(x, UNSORTED, 5),
    "unsorted_segment_sum": lambda m, x: m.unsorted_segment_sum(x, UNSORTED, 5),
    "gather_nd": lambda m, x: m.gather_nd(x, [[0, 1], [5, 2], [0, 1]]),
    "scatter_nd": lambda m, x: m.scatter_nd([[1], [3], [1]], x[:3], [5, 3]),
    "tensor_scatter_nd_update": lambda m, x: m.tensor_scatter_nd_update(x, [[1], [4]], x[:2] * x[2:4]),
    "tensor_scatter_nd_add": lambda m, x: m.tensor_scatter_nd_add(x, [[1, 1]], m.reshape(x[0, 0] ** 2, [1])),
    "sparse_to_dense": lambda m, x: m.sparse_to_dense([[0, 1], [2, 0]], [3, 3], m.reshape(x[:2, 0], [2]), x[5, 2]),
    "sparse_dense_matmul": lambda m, x: m.sparse_tensor_dense_matmul(
        m.SparseTensor(SP.indices, SP.values.astype(np.float64), SP.dense_shape), x[:3, :2]),
    "embedding_lookup": lambda m, x: m.nn.embedding_lookup([x[:3], x[3:]], [[1, 5], [4, 4]], "div", max_norm=0.9),
    "embedding_lookup_sparse": lambda m, x: m.nn.embedding_lookup_sparse(
        x, m.SparseTensor([[0, 0], [0, 1], [2, 0]], m.constant([1, 5, 1], m.int64), [3, 2]), None, combiner="sqrtn"),
    "nce_loss": lambda m, x: m.cast(m.nn.nce_loss(
        m.cast(x, m.float32), BIASES[:6], LABELS[:, :1] % 6, INPUTS[:, :3], 4, 6,
        sampled_values=(SAMPLED[0] % 6, SAMPLED[1][:, :1], SAMPLED[2])), x.dtype),
    "sampled_softmax_loss": lambda m, x: m.cast(m.nn.sampled_softmax_loss(
        m.cast(x, m.float32), BIASES[:6], LABELS % 6, INPUTS[:, :3], 4, 6, num_true=2,
        sampled_values=(SAMPLED[0] % 6, SAMPLED[1], SAMPLED[2])), x.dtype),
}


@pytest.mark.parametrize("case", sorted(FD_CASES))
def test_gradients_by_finite_differences(case):
    through_float32 = "loss" in case
    eps, tol = (1e-3, 2e-3) if through_float32 else (1e-6, 1e-6)
    x = engine.placeholder(engine.float64, DISTINCT.shape)
    y = _weighted_sum(engine, FD_CASES[case](engine, x))
    grad = engine.convert_to_tensor(engine.gradients(y, x)[0])
    with engine.Session() as sess:
        analytic = sess.run(grad, {x: DISTINCT})
        numeric = np.zeros_like(DISTINCT)
        for i in np.ndindex(DISTINCT.shape):
            d = np.zeros_like(DISTINCT)
            d[i] = eps
            numeric[i] = (sess.run(y, {x: DISTINCT + d}) - sess.run(y, {x: DISTINCT - d})) / (2 * eps)
    assert np.abs(analytic).max() > 0
    np.testing.assert_allclose(analytic, numeric, rtol=tol, atol=tol)
