"""Convolutions, pooling and normalization (engine/ops/conv_ops.py) against TensorFlow 1.x: values and static shapes
over strides, paddings, dilations and kernel shapes; names; errors (class, phase and text); gradients against
finite differences and `tf.gradients`, second order included."""
import numpy as np
import pytest

import engine as tf_engine
from op_harness import compare, engine, load_tf
from test_gradients import check_against_tf, check_gradients, symbolic_gradients


@pytest.fixture(scope="module")
def tf():
    return load_tf()


RNG = np.random.RandomState(0)
X = RNG.randn(2, 7, 6, 3).astype(np.float32)
W = RNG.randn(3, 2, 3, 4).astype(np.float32)
EXPLICIT = [[0, 0], [1, 2], [0, 1], [0, 0]]

# ---------------------------------------------------------------------------------------------------------------
# Forward values and static shapes
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["SAME", "VALID", EXPLICIT], ids=["SAME", "VALID", "explicit"])
@pytest.mark.parametrize("strides", [1, 2, [1, 3, 2, 1]])
@pytest.mark.parametrize("dilations", [1, [1, 2, 1, 1]])
def test_conv2d_equals_tensorflow(tf, padding, strides, dilations):
    for feed in (False, True):
        compare(tf, lambda m, x, w: m.nn.conv2d(x, w, strides, padding, dilations=dilations), X, W, feed=feed)


@pytest.mark.parametrize("x_shape, w_shape", [((1, 1, 1, 1), (1, 1, 1, 1)), ((3, 8, 8, 1), (5, 5, 1, 2)),
                                              ((1, 4, 9, 2), (4, 1, 2, 3)), ((2, 5, 5, 3), (5, 5, 3, 1))])
def test_conv2d_shapes_and_float64(tf, x_shape, w_shape):
    x, w = RNG.randn(*x_shape), RNG.randn(*w_shape)
    for padding in ("SAME", "VALID"):
        compare(tf, lambda m, x, w: m.nn.conv2d(x, w, [1, 2, 1, 1], padding), x, w)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("rate", [None, [2, 1]])
def test_depthwise_conv2d_equals_tensorflow(tf, padding, strides, rate):
    if rate is not None and strides != 1:
        return  # TensorFlow: strides > 1 with rate > 1 is not supported
    w = W[:, :, :, :2]
    compare(tf, lambda m, x, w: m.nn.depthwise_conv2d(x, w, [1, strides, strides, 1], padding, rate=rate), X, w)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2, 3])
def test_conv2d_transpose_equals_tensorflow(tf, padding, strides):
    value = RNG.randn(2, 3, 4, 5).astype(np.float32)
    w = RNG.randn(3, 2, 4, 5).astype(np.float32)  # [h, w, output channels, input channels]
    h, wd = (3 * strides, 4 * strides) if padding == "SAME" else (2 * strides + 3, 3 * strides + 2)
    compare(tf, lambda m, v, f: m.nn.conv2d_transpose(v, f, [2, h, wd, 4], [1, strides, strides, 1], padding),
            value, w)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("ksize, strides", [(2, 2), ([1, 3, 2, 1], 1), (3, [1, 2, 3, 1]), (1, 1)])
def test_pooling_equals_tensorflow(tf, padding, ksize, strides):
    for feed in (False, True):
        compare(tf, lambda m, x: [m.nn.max_pool(x, ksize, strides, padding), m.nn.avg_pool(x, ksize, strides, padding)],
                X, feed=feed)
    compare(tf, lambda m, x: [m.nn.max_pool2d(x, ksize, strides, padding), m.nn.avg_pool_v2(x, ksize, strides, padding),
                              m.nn.max_pool_v2(x, ksize, strides, padding), m.nn.avg_pool2d(x, ksize, strides, padding)],
            X.astype(np.float64))


def test_strides_and_ksize_none_are_one_as_in_tensorflow(tf):
    compare(tf, lambda m, x, w: [m.nn.conv2d(x, w, None, "VALID"), m.nn.max_pool(x, 2, None, "VALID"),
                                 m.nn.avg_pool(x, None, 2, "SAME")], X, W)
    build = lambda m: m.nn.depthwise_conv2d(X, W, None, "SAME")  # noqa: E731
    assert _error(engine, build) == _error(tf, build) and _error(tf, build)[0] == "TypeError"


def test_max_pool_with_explicit_padding(tf):
    compare(tf, lambda m, x: m.nn.max_pool(x, 3, 2, [[0, 0], [1, 1], [2, 0], [0, 0]]), X)


def test_local_response_normalization_equals_tensorflow(tf):
    x = RNG.randn(2, 3, 4, 7).astype(np.float32)
    compare(tf, lambda m, x: [m.nn.lrn(x), m.nn.lrn(x, 2, 0.5, 0.3, 0.75)], x)
    compare(tf, lambda m, x: m.nn.local_response_normalization(x, 1, 2.0, 0.1, 0.6, name="n"), x, feed=True)
    compare(tf, lambda m, x: m.nn.lrn(x), x.astype(np.float64))  # TensorFlow's LRN has no float64: a TypeError


BN_X = RNG.randn(2, 3, 4, 5).astype(np.float32)
SCALE, OFFSET = RNG.uniform(0.5, 2, 5).astype(np.float32), RNG.randn(5).astype(np.float32)


def test_batch_normalization_equals_tensorflow(tf):
    compare(tf, lambda m, x: m.nn.batch_normalization(x, 0.1, 2.0, 0.3, 1.5, 1e-3), BN_X)
    compare(tf, lambda m, x: m.nn.batch_normalization(x, x[0, 0, 0], x[0, 0, 1] ** 2, None, None, 1e-3), BN_X)
    compare(tf, lambda m, x: m.nn.batch_normalization(x, *m.nn.moments(x, [0, 1, 2]), OFFSET, SCALE, 1e-3, name="bn"),
            BN_X, feed=True)


def test_fused_batch_norm_equals_tensorflow(tf):
    """Training: the batch's mean and its unbiased variance, optionally averaged with the running ones."""
    compare(tf, lambda m, x: m.nn.fused_batch_norm(x, SCALE, OFFSET), BN_X)
    running = lambda m: (m.constant(OFFSET * 0.1), m.constant(SCALE * 2))  # noqa: E731
    compare(tf, lambda m, x: m.nn.fused_batch_norm(x, SCALE, OFFSET, *running(m), exponential_avg_factor=0.1), BN_X)
    # inference (only y: TensorFlow's graph optimizer loses the other two outputs of a constant graph)
    compare(tf, lambda m, x: m.nn.fused_batch_norm(x, SCALE, OFFSET, *running(m), is_training=False)[0], BN_X,
            feed=True)


def test_names_like_tensorflow(tf):
    def names(m):
        with m.Graph().as_default():
            x, w = m.constant(X), m.constant(W)
            out = [m.nn.conv2d(x, w, 1, "SAME"), m.nn.conv2d(x, w, 1, "SAME", name="c"), m.nn.max_pool(x, 2, 2, "SAME"),
                   m.nn.max_pool2d(x, 2, 2, "SAME"), m.nn.avg_pool(x, 2, 2, "SAME"), m.nn.avg_pool_v2(x, 2, 2, "SAME"),
                   m.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
                   m.nn.conv2d_transpose(x, w[:, :, :, :3], [2, 7, 6, 3], 1), m.nn.lrn(x), m.nn.lrn(x, name="n"),
                   m.nn.local_response_normalization(x), m.nn.batch_normalization(x, 0.0, 1.0, None, None, 1e-3)]
            return [(t.name, t.op.type) for t in out]
    assert names(engine) == names(tf)


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------


def _error(m, build):
    with m.Graph().as_default():
        try:
            build(m)
        except Exception as e:  # noqa: BLE001 (compared with TensorFlow's)
            return type(e).__name__, str(e)
    return None, ""


@pytest.mark.parametrize("build, text", [
    (lambda m: m.nn.conv2d(X, W[:, :, :2], 1, "SAME"), "Depth of input (3) is not a multiple of input depth of filter (2)"),
    (lambda m: m.nn.conv2d(X[0], W, 1, "SAME"), "Shape must be rank 4 but is rank 3"),
    (lambda m: m.nn.conv2d(X, W[0], 1, "SAME"), "Shape must be rank 4 but is rank 3"),
    (lambda m: m.nn.conv2d(X, W, [1, 1, 1], "SAME"), "strides should be of length 1, 2 or 4. Received: strides=[1, 1, 1] of length 3"),
    (lambda m: m.nn.conv2d(X, W, 1, "same"), "Attr 'padding' of 'Conv2D' Op passed string 'same' not in: \"SAME\", \"VALID\", \"EXPLICIT\"."),
    (lambda m: m.nn.conv2d(X, W, 1, [[1, 0], [1, 2], [0, 1], [0, 0]]), "Nonzero explicit padding in the batch or depth dimensions is not supported"),
    (lambda m: m.nn.conv2d(X, np.ones((8, 6, 3, 4), np.float32), 1, "VALID"), "Negative dimension size caused by subtracting 8 from 7"),
    (lambda m: m.nn.max_pool(X[0], 2, 2, "SAME"), "Shape must be rank 4 but is rank 3"),
    (lambda m: m.nn.max_pool(X, [1, 8, 2, 1], 2, "VALID"), "Negative dimension size caused by subtracting 8 from 7"),
    (lambda m: m.nn.avg_pool(X, 2, 2, "FULL"), "Attr 'padding' of 'AvgPool' Op passed string 'FULL'"),
    (lambda m: m.nn.depthwise_conv2d(X, W[:, :, :2], [1, 1, 1, 1], "SAME"), "Dimensions must be equal, but are 3 and 2"),
    (lambda m: m.nn.conv2d_transpose(X, W[:, :, :, :2], [2, 7, 6, 3], 1), "Dimensions must be equal, but are 3 and 2"),
])
def test_build_errors_like_tensorflow(tf, build, text):
    ours, theirs = _error(engine, build), _error(tf, build)
    assert ours[0] == theirs[0] == "ValueError", (ours, theirs)
    assert text in theirs[1] and text in ours[1], (ours[1], theirs[1])


def test_errors_tensorflow_finds_only_when_running_are_found_while_building(tf):
    """Strides or windows over the batch: TensorFlow fails when the graph runs (Unimplemented), we at once."""
    for build in (lambda m: m.nn.conv2d(X, W, [2, 1, 1, 1], "SAME"), lambda m: m.nn.max_pool(X, [2, 2, 2, 1], 1, "SAME")):
        assert _error(tf, build)[0] is None
        kind, text = _error(engine, build)
        assert kind == "ValueError" and "in the batch and depth dimensions" in text and "Pista:" in text


def test_errors_at_run_time_like_tensorflow(tf):
    compare(tf, lambda m, v, f: m.nn.conv2d_transpose(v, f, [2, 11, 11, 6], [1, 2, 2, 1], "SAME"),
            RNG.randn(2, 5, 5, 3), RNG.randn(3, 3, 6, 3))  # output_shape inconsistent with the input
    compare(tf, lambda m, x, w: m.nn.conv2d(x, w, 1, "SAME"), X, W, feed=True)


def test_padding_in_lower_case_gets_a_spanish_hint():
    with pytest.raises(ValueError, match="Pista: padding se escribe en mayúsculas"):
        tf_engine.nn.conv2d(X, W, 1, "same")


# ---------------------------------------------------------------------------------------------------------------
# Gradients: finite differences (float64) and tf.gradients; second order through the backprop ops
# ---------------------------------------------------------------------------------------------------------------

GX, GW = RNG.randn(2, 5, 4, 3), RNG.randn(3, 2, 3, 2)

GRADIENT_CASES = {
    "Conv2D SAME stride 2": (lambda m, x, w: m.nn.conv2d(x, w, 2, "SAME"), [GX, GW]),
    "Conv2D VALID dilated": (lambda m, x, w: m.nn.conv2d(x, w, 1, "VALID", dilations=[1, 2, 1, 1]), [GX, GW]),
    "Conv2D explicit": (lambda m, x, w: m.nn.conv2d(x, w, [1, 2, 1, 1], EXPLICIT), [GX, GW]),
    "DepthwiseConv2dNative": (lambda m, x, w: m.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), [GX, GW]),
    "Conv2DBackpropInput": (lambda m, v, f: m.nn.conv2d_transpose(v, f, [2, 5, 4, 3], [1, 2, 2, 1], "SAME"),
                            [RNG.randn(2, 3, 2, 2), GW]),
    "MaxPool": (lambda m, x: m.nn.max_pool(x, [1, 3, 2, 1], [1, 2, 1, 1], "SAME"), [GX]),
    "AvgPool": (lambda m, x: m.nn.avg_pool(x, [1, 3, 2, 1], [1, 2, 1, 1], "SAME"), [GX]),
    "batch_normalization": (lambda m, x, s, o: m.nn.batch_normalization(x, *m.nn.moments(x, [0, 1, 2]), o, s, 1e-3),
                            [GX, SCALE[:3], OFFSET[:3]]),
}


def _float32(build):
    """build computed in float32 (for ops TensorFlow has only in float32), seen from float64."""
    return lambda m, *xs: m.cast(build(m, *[m.cast(x, m.float32) for x in xs]), m.float64)


def test_gradient_of_local_response_normalization_and_its_second_derivative(tf):
    first = lambda m, x: m.nn.lrn(x, 2, 0.5, 0.3, 0.75)  # noqa: E731
    x = GX[:1]
    check_gradients(_float32(_second_order(first)), [x], tol=3e-3, eps=1e-3)  # TensorFlow has no second one
    check_gradients(_float32(first), [x], tol=3e-3, eps=1e-3)
    ours, _ = symbolic_gradients(engine, _float32(first), [x])
    theirs, _ = symbolic_gradients(tf, _float32(first), [x])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-5)


def test_gradient_of_fused_batch_norm():
    """Through all three outputs (TensorFlow has it in float32 only: finite differences here)."""
    check_gradients(lambda m, x, s, o: m.nn.fused_batch_norm(x, s, o), [GX, SCALE[:3], OFFSET[:3]])


# TensorFlow's CPU kernels cannot differentiate dilated convolutions ("Current CPU implementations do not yet
# support dilation rates larger than 1"): finite differences only
NOT_IN_TENSORFLOW = {"Conv2D VALID dilated"}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_gradients(tf, case):
    build, arrays = GRADIENT_CASES[case]
    check_gradients(build, arrays)
    if case not in NOT_IN_TENSORFLOW:
        check_against_tf(tf, build, arrays)


def _second_order(first):
    """The gradients of sum(r * first(...)) as a function of the same inputs (their own gradients are second order)."""
    def build(m, *xs):
        y = first(m, *xs)
        r = np.random.RandomState(1).uniform(0.5, 1.5, y.shape.as_list())
        return m.gradients(m.reduce_sum(m.square(y) * r), list(xs))
    return build


@pytest.mark.parametrize("case", ["Conv2D SAME stride 2", "DepthwiseConv2dNative", "Conv2DBackpropInput", "MaxPool",
                                  "AvgPool"])
def test_second_derivatives(tf, case):
    """Differentiates the gradient ops (Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad...) in turn."""
    first, arrays = GRADIENT_CASES[case]
    build = _second_order(first)
    check_gradients(build, arrays, tol=1e-4)
    check_against_tf(tf, build, arrays)


def test_max_pool_gradient_goes_to_the_first_maximum_at_ties(tf):
    x = np.zeros((1, 4, 4, 1))
    x[0, 1:3, 1:3, 0] = 1.0
    compare(tf, lambda m, x: m.gradients(m.reduce_sum(m.nn.max_pool(x, 3, 1, "SAME")), x)[0], x)


def test_the_op_under_test_is_in_the_gradient_graph():
    for case, (build, arrays) in GRADIENT_CASES.items():
        if not case[0].isupper():
            continue  # a function made of other ops, not an op type
        with engine.Graph().as_default() as g:
            build(engine, *[engine.constant(a) for a in arrays])
            assert case.split()[0] in {op.type for op in g.get_operations()}
