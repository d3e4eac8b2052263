"""Issue 12: programs on which the engine once answered differently from TensorFlow 1.x (a silent wrong value, a raw
NumPy or Python error, an error TensorFlow does not raise, or none where it does). Each now gets TensorFlow's value,
static shape and dtype, or its class of error with its key words, as the fuzz oracle (tests/fuzz/oracle.py) checks."""
import numpy as np
import pytest

from fuzz import allowlist, oracle

CASES = {
    # silent wrong values
    "unsorted_segment_sum drops negative ids":
        "return m.unsorted_segment_sum(m.constant([1., 2., 3.]), m.constant([0, -1, 1]), 2), {}, None",
    "sort of uint8": "return m.sort(m.constant(np.array([3, 9, 0, 0], np.uint8))), {}, None",
    "argsort of uint8": "return m.argsort(m.constant(np.array([3, 9, 0, 0], np.uint8))), {}, None",
    "sort of int8 extremes": "return m.sort(m.constant(np.array([3, -128, 127, 0], np.int8))), {}, None",
    "reduce_mean of an empty int axis": "return m.reduce_mean(m.zeros([0, 2], m.int32), 0), {}, None",
    "sparse xent with a huge logit":
        "return m.nn.sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[1e30, 0.]]), {}, None",
    "in_top_k with an out-of-range target": "return m.nn.in_top_k([[1., 2.], [3., 4.]], [5, 1], 1), {}, None",
    "in_top_k with a NaN prediction": "return m.nn.in_top_k([[1., np.nan]], [0], 2), {}, None",
    "segment max and min forget a NaN at the next row":
        "x = m.constant([[np.nan, 1.], [2., np.nan], [-0., 3.], [1., np.nan]])\n"
        "return [m.segment_max(x, [0, 0, 0, 1]), m.segment_min(x, [0, 0, 1, 1]),\n"
        "        m.unsorted_segment_max(x, [1, -1, 1, 0], 3), m.unsorted_segment_min(x, [1, 1, 1, 1], 2)], {}, None",
    "segment reductions of zero-size rows": "return [m.segment_sum(m.zeros([2, 0, 1], m.int64), [0, 0]),\n"
                                            "        m.unsorted_segment_min(m.zeros([1, 0, 1]), [1], 2)], {}, None",
    "segment_max after clip_by_norm of a float16 inf":
        "x = m.clip_by_norm(m.constant(np.array([np.inf, -1., 2.], np.float16)), 1.)\n"
        "return m.segment_max(x, [0, 0, 0]), {}, None",
    "argmax ignores NaN": "return [m.argmax([np.nan, 1., 2.]), m.argmin([1., np.nan, 0.5])], {}, None",
    "float floordiv with infinities": "return m.floordiv([np.inf, -np.inf, 5., -5.], [2., 2., np.inf, np.inf]), {}, None",
    "matrix_inverse of a singular matrix": "return m.matrix_inverse(m.constant([[1., 2.], [2., 4.]])), {}, None",
    "matrix_inverse singular in float32 only":
        "return m.matrix_inverse(m.constant([[0.1, 0.2], [0.3, 0.6]])), {}, None",
    "range of floats counted in float32": "return m.range(0.9, 4.9, 0.5), {}, None",
    "cond with branches of different shapes":
        "p = m.placeholder(m.bool, [])\nreturn m.cond(p, lambda: m.zeros([2, 1]), lambda: m.zeros([3, 1])), {p: True}, None",
    "reduce_sum of an empty int32 keeps int32": "return m.reduce_sum(m.zeros([2, 0], m.int32), 1, keepdims=True), {}, None",
    "sigmoid xent gradient at 0": "x = m.constant([0., 1.])\n"
                                  "y = m.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x)\n"
                                  "return m.gradients(y, [x]), {}, None",
    "cumprod gradient at a zero": "x = m.constant([[0., -0.5, 1.25], [1.5, 0., -2.5]])\n"
                                  "return m.gradients(m.cumprod(x, axis=1, reverse=True), [x]), {}, None",
    "reduce_prod gradient with zeros and infinities":
        "x = m.constant([[-np.inf, 0.25], [-0.75, 0.], [-3., 0.]])\n"
        "return [m.gradients(m.reduce_prod(x, 0), [x])[0], m.gradients(m.reduce_prod(x), [x])[0]], {}, None",
    "gather gradient with a matrix of indices": "x = m.constant([[1.], [2.], [3.]])\n"
                                                "return m.gradients(m.gather(x, [[1, 2], [1, 0]]), [x]), {}, None",
    "softmax xent along axis 0 of an unknown rank":
        "p = m.placeholder(m.float32)\n"
        "return m.nn.softmax_cross_entropy_with_logits_v2(labels=[[0.], [1.]], logits=p, axis=0), {p: [[1.], [2.]]}, None",
    "softmax xent flattens rank-3 labels and logits before they broadcast":
        "labels = m.constant(np.full((3, 1, 2), 0.5, np.float32))\n"
        "logits = m.constant(np.arange(6, dtype=np.float32).reshape(1, 3, 2))\n"
        "return m.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits), {}, None",
    "softmax xent of rank 3 with no classes":
        "z = m.constant(np.zeros((2, 3, 0), np.float32))\n"
        "return m.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=z), {}, None",
    "a Python int out of a dtype's range wraps around":
        "x = m.constant(np.array([0, 5, 255], np.uint8))\n"
        "return [-1 > x, x < 300, m.constant([-1, 300], m.uint8), m.constant(2**40, m.int32), x + 300], {}, None",
    "clip_by_norm with an infinity": "return [m.clip_by_norm(m.constant([np.inf, -1.]), 1.), "
                                     "m.clip_by_norm(m.constant([-np.inf, 2.]), 2.)], {}, None",
    "moments of float16 in float32": "return m.nn.moments(m.constant([1., 2., 4.], m.float16), [0]), {}, None",
    # static shapes
    "broadcasting 0 with an unknown dimension": "x = m.constant(np.zeros((1, 1, 0), np.uint8))\n"
                                                "p = m.placeholder(m.uint8, [None, None])\n"
                                                "return m.greater(x, p), {p: np.zeros((1, 0), np.uint8)}, None",
    "transpose of an unknown rank": "p = m.placeholder(m.float32)\n"
                                    "return m.transpose(p, [1, 0, 2]), {p: np.zeros((1, 2, 3))}, None",
    "unique indices of an unknown rank": "p = m.placeholder(m.float32)\nreturn m.unique(p)[1], {p: [1., 1.]}, None",
    # raw internal errors
    "a slice past the end fails at run time": "p = m.placeholder(m.float32, [2])\n"
                                              "return m.slice(p, [1], [2]), {p: [1., 2.]}, None",
    "slice with begin and size of two lengths": "return m.slice(m.ones([2, 2]), [0, 0], [1, 1, 1]), {}, None",
    "slice with an empty begin": "return m.slice(m.ones([2]), [], [1]), {}, None",
    "add_n of two shapes at run time": "p = m.placeholder(m.float32)\n"
                                       "return m.add_n([m.ones([3, 1]), p]), {p: 1.}, None",
    "segment_prod of bools": "return m.segment_prod(m.constant([True, False]), [0, 0]), {}, None",
    "dtypes without a CPU kernel fail at run time":
        "x = m.constant(np.ones((2, 2), np.uint8))\nreturn m.matmul(x, x), {}, None",
    "reciprocal of an int at run time": "return m.reciprocal(m.constant([1, 2])), {}, None",
    "matrix_inverse of float16": "return m.matrix_inverse(m.constant(np.eye(2, dtype=np.float16))), {}, None",
    "gradients of in_top_k": "x = m.constant([[0.25]])\nreturn m.gradients(m.nn.in_top_k(x, [0], 1), [x]), {}, None",
    "gradients through unique": "x = m.constant([1., 2.])\nreturn m.gradients(m.unique(x)[0], [x]), {}, None",
    "split along an axis past the rank at run time":
        "p = m.placeholder(m.float32)\nreturn m.split(p, [1, 1], axis=3)[0], {p: np.zeros((2, 2, 2))}, None",
    "unsorted_segment_min of a scalar at run time": "p = m.placeholder(m.float32)\n"
                                                   "return m.unsorted_segment_min(p, [1, 0], 2), {p: 5.}, None",
    "in_top_k of a vector at run time":
        "p = m.placeholder(m.float32)\nreturn m.nn.in_top_k(p, [0], 1), {p: [0.5]}, None",
    "top_k of a scalar at run time": "p = m.placeholder(m.float32)\nreturn m.nn.top_k(p, 0)[0], {p: 2.}, None",
    "in_top_k on unknown shapes": "p = m.placeholder(m.float32)\nt = m.placeholder(m.int32)\n"
                                  "return m.nn.in_top_k(p, t, 1), {p: [[1., 2.]], t: [1]}, None",
    "unstack with a bad axis": "return m.unstack(m.zeros([2, 3]), axis=2), {}, None",
    "indexing with a non-scalar tensor": "return m.constant([1, 2, 3])[m.constant([0, 1])], {}, None",
    "tensordot of scalars": "return m.tensordot(m.constant(2.), m.constant(3.), 0), {}, None",
    "feeding 2**40 to an int32 placeholder": "p = m.placeholder(m.int32, [])\nreturn p * 2, {p: 2**40}, None",
    "argmax of an empty axis": "return m.argmax(m.zeros([0, 2]), 0), {}, None",
    "shapes that do not broadcast at run time":
        "p = m.placeholder(m.float32)\nreturn p + m.zeros([3]), {p: np.zeros(2, np.float32)}, None",
    "reshape of the wrong size at run time":
        "p = m.placeholder(m.float32)\nreturn m.reshape(p, [2, 2]), {p: np.zeros(3, np.float32)}, None",
    # too strict
    "gradients of an int tensor": "x = m.constant(1.)\nreturn [g is None for g in m.gradients(m.constant(3) * 2, [x])], {}, None",
    "reduce_max over an empty axis": "return [m.reduce_max(m.zeros([0, 2]), 0), m.reduce_min(m.zeros([0, 2], m.int32), 0)], {}, None",
    "softmax over an empty axis": "return m.nn.softmax(m.zeros([2, 0])), {}, None",
    "norm over an empty axis": "return m.norm(m.zeros([0, 2]), axis=0), {}, None",
    "constant pads with its last value": "return m.constant([1, 2], shape=[4, 2, 1]), {}, None",
    "constant with too many values": "return m.constant([1, 2, 3], shape=[2]), {}, None",
    "tensordot with unknown dimensions": "p = m.placeholder(m.float32, [None, 3])\n"
                                         "return m.tensordot(p, m.ones([3, 2]), 1), {p: np.ones((2, 3), np.float32)}, None",
    "sort with an unknown rank": "p = m.placeholder(m.float32)\nreturn m.sort(p), {p: [3., 1.]}, None",
    "sort along axis 0 of an unknown rank": "p = m.placeholder(m.float32)\nreturn [m.sort(p, 0), m.argsort(p, -2)], "
                                            "{p: [[3., 1.], [2., 5.]]}, None",
    "matrix_transpose of an unknown rank": "p = m.placeholder(m.float32)\nt = m.matrix_transpose(p)\n"
                                           "return [t, m.gradients(t * t, [p])[0]], {p: np.ones((2, 3))}, None",
    "gradient of matrix_determinant of an unknown rank":
        "p = m.placeholder(m.float32)\nreturn m.gradients(m.matrix_determinant(p), [p]), {p: [[2., 1.], [1., 3.]]}, None",
    "broadcast_to of an unknown shape": "p = m.placeholder(m.float32)\n"
                                        "return m.broadcast_to(p, [2, 3]), {p: [1., 2., 3.]}, None",
    "boolean_mask with unknown trailing dimensions": "p = m.placeholder(m.float32, [2, None])\n"
                                                     "return m.boolean_mask(p, [True, False]), {p: np.ones((2, 3), np.float32)}, None",
    "indexing with a fed index": "i = m.placeholder(m.int32, [])\nreturn m.constant([[1, 2], [3, 4]])[:, i], {i: 1}, None",
    "leaky_relu of ints": "return m.nn.leaky_relu(m.constant([-2, 3])), {}, None",
    "softmax xent with broadcast labels":
        "return m.nn.softmax_cross_entropy_with_logits_v2(labels=[[0., 1.]], logits=[[1., 2.], [3., 0.]]), {}, None",
    "softmax xent with int labels": "return m.nn.softmax_cross_entropy_with_logits_v2(labels=[[0, 1]], logits=[[1., 2.]]), {}, None",
    "range of an int64 limit": "return m.range(m.constant(3, m.int64)), {}, None",
    "argmax of a vector with an axis out of range, never run": "x = m.constant([1.])\nm.argmax(x, axis=1)\n"
                                                               "return x, {}, None",
    "argmax of a vector with an axis out of range": "return m.argmax(m.constant([1.]), axis=-2), {}, None",
    "argmax of a scalar": "return m.argmax(m.constant(1.), axis=0), {}, None",
    "boolean_mask with an empty dimension": "p = m.placeholder(m.bool, [None, None])\n"
                                            "return m.boolean_mask(m.zeros([1, 1, 0]), p), {p: [[True]]}, None",
    "in_top_k with zero columns": "return m.nn.in_top_k(m.zeros([3, 0]), [0, 0, 0], 0), {}, None",
    # too permissive
    "negative of uint8": "return m.negative(m.constant(np.array([1], np.uint8))), {}, None",
    "abs of uint8": "return m.abs(m.constant(np.array([1], np.uint8))), {}, None",
    "sign of uint8": "return m.sign(m.constant(np.array([1], np.uint8))), {}, None",
    "pow of uint8": "return m.pow(m.constant(np.array([1], np.uint8)), m.constant(np.array([1], np.uint8))), {}, None",
    "add_n of bools": "return m.add_n([m.constant([True]), m.constant([False])]), {}, None",
    "less of bools": "return m.less(m.constant([True]), m.constant([False])), {}, None",
    "top_k of bools": "return m.nn.top_k(m.constant([True, False]))[0], {}, None",
    "tf.add(-1.5, a float64 tensor)": "return m.add(-1.5, m.constant(2., m.float64)), {}, None",
    "a float64 tensor + -1.5": "return m.constant(2., m.float64) + -1.5, {}, None",
    "an int tensor + 2.0": "return m.constant(2) + 2.0, {}, None",
    "2.0 + an int tensor": "return 2.0 + m.constant(2), {}, None",
    "an int tensor <= 2.0": "return m.constant(2) <= 2.0, {}, None",
    "cross without a last dimension of 3": "return m.cross(m.constant([1., 2.]), m.constant([3., 4.])), {}, None",
    "bias_add of rank 1": "return m.nn.bias_add(m.constant([1., 2.]), m.constant([1., 2.])), {}, None",
    "bias_add of another size": "return m.nn.bias_add(m.ones([2, 3]), m.constant([1., 2.])), {}, None",
    "a bool placeholder fed 2": "p = m.placeholder(m.bool, [])\nreturn m.logical_not(p), {p: 2}, None",
    "one_hot with on and off values of two dtypes": "return m.one_hot([0, 1], 2, on_value=5, off_value=0.5), {}, None",
    "norm over three axes": "return m.norm(m.ones([2, 2, 2]), axis=[0, 1, 2]), {}, None",
    "concat of two dtypes": "return m.concat([m.constant([1]), m.constant([1], m.int64)], 0), {}, None",
    "add_n of two ranks": "return m.add_n([m.ones([2]), m.ones([2, 1])]), {}, None",
    "truediv of two dtypes": "return m.truediv(m.constant(1), m.constant(2.)), {}, None",
    "moments of uint8": "return m.nn.moments(m.constant(np.array([[8]], np.uint8)), [0, 1]), {}, None",
    "assign_sub of a value of another shape": "v = m.Variable(m.zeros([2]))\np = m.placeholder(m.float32)\n"
                                              "return m.assign_sub(v, p), {p: 1.}, None",
    "assign_add of a value of another shape": "v = m.Variable(m.zeros([2]))\np = m.placeholder(m.float32)\n"
                                              "return m.assign_add(v, p), {p: [1.]}, None",
    "assign_add of a value of the same shape": "v = m.Variable(m.zeros([2]))\np = m.placeholder(m.float32)\n"
                                               "return m.assign_add(v, p), {p: [1., 2.]}, None",
}


# Programs where the engine differs on purpose: the id of the line of docs/compatibility.md that says why
DOCUMENTED = {
    "feeding inf to an int placeholder": ("feeds-checked", "p = m.placeholder(m.int32, [])\nreturn p * 2, {p: np.inf}, None"),
    "tensordot with an axis out of range":
        ("tf-python-errors", "return m.tensordot(m.ones([2]), m.ones([2]), [[1], [0]]), {}, None"),
    "duplicate reduction axes": ("checked-earlier", "return m.reduce_sum(m.ones([2, 2]), [0, 0]), {}, None"),
    "assign_add to a bool variable": ("no-kernel", "v = m.Variable([True])\nreturn m.assign_add(v, [True]), {}, None"),
    "tensordot of an unknown rank": ("rank-needed", "p = m.placeholder(m.float32)\n"
                                                    "return m.tensordot(p, m.ones([2]), 1), {p: np.ones((3, 2))}, None"),
    "argsort with a NaN": ("nan-order", "return m.argsort(m.constant([3., np.nan, 1., 2.])), {}, None"),
    "gradients of argsort": ("integer-gradients", "x = m.constant([2., 1.])\n"
                                                  "g = m.gradients(m.argsort(x), [x])\n"
                                                  "return [t for t in g if t is not None], {}, [t is None for t in g]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_answers_like_tensorflow(modules, case):
    program = oracle.Snippet(CASES[case], variables="m.Variable(" in CASES[case])
    found = oracle.compare(program, *modules)
    assert found is None, f"{found[0]}: {found[1]}\n{program.code()}"


def test_a_fed_index_picks_the_element_it_names(modules):
    engine, _ = modules
    with engine.Graph().as_default():
        x = engine.constant(np.arange(12).reshape(3, 4))
        i = engine.placeholder(engine.int32, [])
        with engine.Session() as sess:
            assert sess.run(x[i], {i: 2}).tolist() == [8, 9, 10, 11]
            assert sess.run(x[1:, i], {i: 3}).tolist() == [7, 11]
            assert sess.run(x[..., i], {i: 0}).tolist() == [0, 4, 8]


@pytest.mark.parametrize("case", sorted(DOCUMENTED))
def test_documented_differences(modules, case):
    key, body = DOCUMENTED[case]
    program = oracle.Snippet(body)
    found = oracle.compare(program, *modules)
    assert found is not None and allowlist.documented(found[0], program.code(), found[1]) == key, found


UNARY = ["negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos", "tan", "tanh",
         "sigmoid", "reciprocal", "round", "floor", "ceil", "nn.softplus", "nn.softsign", "nn.relu", "nn.relu6",
         "nn.elu", "nn.leaky_relu", "nn.l2_loss", "reduce_sum", "reduce_mean", "reduce_max", "reduce_prod",
         "reduce_logsumexp", "norm"]
BINARY = ["add", "subtract", "multiply", "divide", "truediv", "floordiv", "mod", "pow", "maximum", "minimum",
          "squared_difference"]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_scalars_keep_their_float_dtype(dtype):
    """Under NumPy 1.x a Python number in a forward promotes a float32 scalar to float64 (rsqrt and softsign did):
    every op must give back the dtype it got. (Meaningful under NumPy 1.x; NumPy 2 never promotes so.)"""
    import engine
    bad = []
    for name in UNARY + BINARY:
        fn = engine
        for part in name.split("."):
            fn = getattr(fn, part)
        with engine.Graph().as_default():
            x = engine.placeholder(dtype, [])
            out = fn(x, x) if name in BINARY else fn(x)
            with engine.Session() as sess:
                value = np.asarray(sess.run(out, {x: np.array(0.7, dtype)}))
        if value.dtype != np.dtype(dtype):
            bad.append((name, value.dtype.name))
    assert not bad
