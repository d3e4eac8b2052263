"""Issue 12, the errors: programs on which the engine once failed with other words or another exception class than
TensorFlow 1.x, or fetched another kind of value. Each now gets TensorFlow's class of error with its key words (and
TensorFlow's kind of fetched value), as the fuzz oracle (tests/fuzz/oracle.py) checks."""
import pytest

from fuzz import oracle

CASES = {
    # dtypes are checked input by input, as TensorFlow's op definitions do: the first against the op's list
    "a bool first in a comparison": "return m.less_equal(True, m.constant([1], m.int8)), {}, None",
    "a bool first in a subtraction": "return m.subtract(True, m.constant([1.5])), {}, None",
    "matmul of int16 and uint8": "x = m.constant(np.ones((2, 2), np.int16))\n"
                                 "return m.matmul(x, m.constant(np.ones((2, 2), np.uint8))), {}, None",
    "tensordot of int8 and float64": "x = m.constant(np.ones((2, 2), np.int8))\n"
                                     "return m.tensordot(x, m.constant(np.ones((2, 2))), 1), {}, None",
    "squared_difference of float32 and int16":
        "return m.squared_difference(m.constant([1.5]), np.array([1], np.int16)), {}, None",
    "logical_and of an int": "return m.logical_and(m.constant([1], m.int64), -1.5), {}, None",
    "logical_or of a float": "return m.logical_or(m.constant([1.]), 0), {}, None",
    # fetching a fed tensor gives back the feed as an array, also of rank 0
    "a fed scalar fetched": "p = m.placeholder(m.float16, [])\nreturn [p, m.cast(p, m.float16), m.identity(p)], "
                            "{p: np.float16(-1.)}, None",
}


@pytest.fixture(scope="module")
def modules():
    pytest.importorskip("tensorflow")
    return oracle.load_modules()


@pytest.mark.parametrize("case", sorted(CASES))
def test_fails_like_tensorflow(modules, case):
    program = oracle.Snippet(CASES[case])
    found = oracle.compare(program, *modules)
    assert found is None, f"{found[0]}: {found[1]}\n{program.code()}"
