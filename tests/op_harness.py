"""Shared helpers of the op test suites: run one graph-building function with the engine and with TensorFlow.

A *build* function takes the module (`engine` or `tensorflow.compat.v1`) and input tensors and returns a tensor
(or a list of them), so the same code builds the same graph in both:

    compare(tf, lambda m, x, y: m.maximum(x, y), a, b)

TensorFlow is only an oracle here: it is imported lazily (the `tf` fixture of each test module).
"""
import os
import types

import numpy as np
import pytest

import engine as _engine
from engine.ops import array_ops, loss_ops, math_ops, nn_ops

# Functions this suite tests that engine/__init__.py (and engine/nn.py) should export; until they do, the suite
# reaches them in their modules (and test_public_exports in test_ops_vs_tf.py reports the missing names).
PENDING_EXPORTS = {
    "": {"where_v2": math_ops, "truncatemod": math_ops, "cumsum": math_ops, "cumprod": math_ops,
         "count_nonzero": math_ops, "norm": math_ops, "clip_by_norm": math_ops, "reverse": array_ops,
         "boolean_mask": array_ops, "lin_space": array_ops, "sort": nn_ops, "argsort": nn_ops},
    "nn": {"relu_layer": nn_ops, "l2_normalize": nn_ops, "leaky_relu": nn_ops, "in_top_k": nn_ops,
           "moments": nn_ops},
}


def _with_pending(module, pending):
    ns = types.SimpleNamespace(**vars(module))
    for name, home in pending.items():
        if not hasattr(module, name):
            setattr(ns, name, getattr(home, name))
    return ns


engine = _with_pending(_engine, PENDING_EXPORTS[""])
engine.nn = _with_pending(_engine.nn, PENDING_EXPORTS["nn"])
if not hasattr(_engine, "losses"):
    engine.losses = loss_ops


def load_tf():
    """tensorflow.compat.v1, graph mode through explicit `Graph().as_default()` blocks (no global switch)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    return tf.compat.v1


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def evaluate(m, build, arrays, feed=False):
    """Builds `build(m, *inputs)` in a fresh graph of module `m` and runs it.

    Inputs are constants, or placeholders of unknown dimensions when `feed` (so static shape inference is tested
    with unknown dims as well). Returns ([(dtype name, static shape list or None), ...], [values])."""
    g = m.Graph()
    with g.as_default():
        if feed:
            ins = [m.placeholder(m.as_dtype(a.dtype), [None] * a.ndim) for a in arrays]
            feed_dict = dict(zip(ins, arrays))
        else:
            ins = [m.constant(a) for a in arrays]
            feed_dict = None
        outs = _flat(build(m, *ins))
        static = [(o.dtype.name, None if o.shape.rank is None else o.shape.as_list()) for o in outs]
        with m.Session(graph=g) as sess:
            values = sess.run(outs, feed_dict)
    return static, [np.asarray(v) for v in values]


def tolerance(dtype):
    return {"float16": (2e-3, 2e-3), "float32": (2e-5, 2e-6), "float64": (1e-10, 1e-12)}.get(np.dtype(dtype).name,
                                                                                         (0, 0))


def assert_values_equal(got, want, context=""):
    assert got.dtype == want.dtype, f"{context}: dtype {got.dtype} != TensorFlow's {want.dtype}"
    assert got.shape == want.shape, f"{context}: shape {got.shape} != TensorFlow's {want.shape}"
    if got.dtype.kind == "O":
        assert got.tolist() == want.tolist(), context
        return
    rtol, atol = tolerance(got.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=context)


def outcome(m, build, arrays, feed):
    """evaluate(), or the phase ('build' or 'run') and the exception it raised."""
    phase = ["build"]

    def traced(m, *ins):
        out = build(m, *ins)
        phase[0] = "run"
        return out
    try:
        return evaluate(m, traced, arrays, feed), None
    except Exception as e:  # noqa: BLE001 (compared with TensorFlow's below)
        return None, (phase[0], e)


def error_kind(e):
    """TensorFlow's and our exception classes, comparable: 'ValueError', 'InvalidArgumentError'..."""
    name = type(e).__name__
    return "IndexError" if name == "IndexError" else name


def compare(tf, build, *arrays, feed=False, check_static=True):
    """Asserts that the engine and TensorFlow give the same dtypes, static shapes and values for `build`, or raise
    the same class of error in the same phase (building the graph or running it)."""
    shapes = [a.shape for a in arrays]
    theirs, t_err = outcome(tf, build, arrays, feed)
    ours, e_err = outcome(engine, build, arrays, feed)
    if t_err is not None or e_err is not None:
        t_desc = None if t_err is None else (t_err[0], error_kind(t_err[1]))
        e_desc = None if e_err is None else (e_err[0], error_kind(e_err[1]))
        assert e_desc == t_desc, f"inputs {shapes} (fed={feed}): engine {e_desc} {e_err and e_err[1]!s:.300}, " \
                                 f"TensorFlow {t_desc} {t_err and t_err[1]!s:.300}"
        return None
    (e_static, e_vals), (t_static, t_vals) = ours, theirs
    assert len(e_vals) == len(t_vals)
    for i, (es, ts) in enumerate(zip(e_static, t_static)):
        assert es[0] == ts[0], f"output {i} dtype: engine {es[0]}, TensorFlow {ts[0]} (inputs {shapes})"
        if check_static:
            assert _static_ok(es[1], ts[1]), f"output {i} static shape: engine {es[1]}, TensorFlow {ts[1]} " \
                                             f"(inputs {shapes}, fed={feed})"
    for i, (ev, tv) in enumerate(zip(e_vals, t_vals)):
        assert_values_equal(ev, tv, f"output {i} for inputs {shapes} (fed={feed})")
    return e_vals


def _static_ok(ours, theirs):
    """Our static shape must be exactly TensorFlow's, or at least as precise (never wrong)."""
    if ours == theirs:
        return True
    if theirs is None:
        return True
    if ours is None or len(ours) != len(theirs):
        return False
    return all(t is None or o == t for o, t in zip(ours, theirs))
