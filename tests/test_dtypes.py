"""Without TensorFlow: what each op computes has the dtype its tensor declares, for 0-d inputs as well as arrays.

NumPy 1.x casts Python scalars and 0-d arrays by value (`1 / np.float32(4)` is a float64 there, a float32 in NumPy 2),
so an op that is right under NumPy 2 can return the wrong dtype under NumPy 1.22-1.26. This suite runs under every
NumPy of `make compat` (tools/compat.py), where TensorFlow is not installed: the static dtype of each op (what
TensorFlow would say, checked against TensorFlow by test_ops_vs_tf.py) is the oracle for the value's dtype."""
import numpy as np
import pytest

from op_harness import evaluate, engine
from test_ops_vs_tf import BINARY, UNARY

SAMPLES = {"float32": [0.75, [0.5, 2.0]], "float64": [0.75, [0.5, 2.0]], "int32": [3, [1, 2]],
           "int64": [3, [1, 2]], "bool": [True, [True, False]]}


def _check(build, arrays):
    """Asserts the dtypes of one evaluation; False when the op refuses these inputs (shapes it does not take)."""
    try:
        static, values = evaluate(engine, build, arrays)
    except (ValueError, engine.errors.InvalidArgumentError):
        return False
    for (dtype, _), value in zip(static, values):
        assert value.dtype == np.dtype(dtype), f"inputs {[a.dtype.name + str(list(a.shape)) for a in arrays]}: " \
                                               f"the value is {value.dtype}, the tensor says {dtype}"
    return True


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_have_the_declared_dtype(name):
    build, dtypes, _ = UNARY[name]
    for dtype in dtypes:
        assert sum(_check(build, [np.array(sample, dtype)]) for sample in SAMPLES[dtype])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_have_the_declared_dtype(name):
    build, dtypes, _ = BINARY[name]
    for dtype in dtypes:
        assert sum(_check(build, [np.array(x, dtype), np.array(y, dtype)])
                   for x in SAMPLES[dtype] for y in SAMPLES[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("python_scalar", [2, 0.5])
def test_python_scalars_do_not_change_the_dtype(dtype, python_scalar):
    ops = [lambda m, x: x * python_scalar, lambda m, x: python_scalar / x, lambda m, x: x - python_scalar,
           lambda m, x: m.pow(x, python_scalar), lambda m, x: m.maximum(x, python_scalar)]
    for build in ops:
        for sample in SAMPLES[dtype]:
            assert _check(build, [np.array(sample, dtype)])
