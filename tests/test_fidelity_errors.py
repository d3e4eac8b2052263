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
    "& of floats": "return -1.5 & m.constant([[-2.0, 0.5]], m.float64), {}, None",
    "| of a bool and an int": "return m.constant([True]) | -1, {}, None",
    "| of a float and a bool": "return 0.5 | m.constant(False), {}, None",
    "& of ints is bitwise": "return [m.constant([6, 3]) & 5, 12 | m.constant(np.array([3, 1], np.uint8))], {}, None",
    "^ of floats": "return m.constant([1.5]) ^ m.constant([2.5]), {}, None",
    "^ of a float and a bool": "return m.constant([1.5], m.float64) ^ True, {}, None",
    "^ of ints is bitwise, of bools logical": "return [3 ^ m.constant([1, 5]), m.constant(np.array([1], np.uint8)) ^ 3, "
                                              "m.constant([True, False]) ^ True], {}, None",
    "| of floats": "return m.constant([1.5], m.float16) | m.constant([1.5], m.float16), {}, None",
    # TensorFlow's words for shapes, ranks and axes
    "cross of scalars": "return m.cross(m.constant(1.), m.constant(2.)), {}, None",
    "cross of two shapes": "return m.cross(m.ones([2, 3]), m.ones([3, 3])), {}, None",
    "unique of a matrix": "return m.unique(m.ones([2, 2]))[0], {}, None",
    "slice with begin and size of two lengths": "p = m.placeholder(m.float32)\n"
                                                "return m.slice(p, [0, 1], [1, 1, 1]), {p: np.ones((1, 2, 3))}, None",
    "sort of a scalar": "return m.sort(m.constant(1.)), {}, None",
    "argsort along an axis out of range": "return m.argsort(m.ones([2, 3]), axis=2), {}, None",
    "split of a scalar": "return m.split(m.constant(3), 2, axis=0)[0], {}, None",
    "split of a scalar into sizes": "return m.split(m.constant(3), [1, 1], axis=0)[0], {}, None",
    "transpose with a perm too long": "return m.transpose(m.ones([2]), [0, 1]), {}, None",
    "split into sizes that do not add up": "return m.split(m.constant([1, 2, 3]), [1, 1])[0], {}, None",
    "segment id out of range": "return m.unsorted_segment_max(m.constant([[5, 4]]), m.constant([[0, 3]]), 2), {}, None",
    "segment ids not sorted": "return m.segment_sum(m.constant([5, 4]), m.constant([1, 0])), {}, None",
    "segment_min of bools": "return m.segment_min(m.constant([[True]]), m.constant([0])), {}, None",
    "unsorted_segment_sum of bools": "return m.unsorted_segment_sum(m.constant([True]), m.constant([0]), 1), {}, None",
    "one_hot with a float on_value and an int dtype":
        "return m.one_hot(m.constant(0), 3, on_value=2.0, off_value=False, dtype=m.int32), {}, None",
    "sparse xent of a scalar": "return m.nn.sparse_softmax_cross_entropy_with_logits(labels=m.constant(0), "
                               "logits=m.constant(0.5)), {}, None",
    "sparse xent of float labels of a wrong rank":
        "return m.nn.sparse_softmax_cross_entropy_with_logits(labels=[0., 1.], logits=m.ones([2])), {}, None",
    "assign_sub of another rank": "v = m.Variable(m.constant([3, 2]))\nreturn m.assign_sub(v, m.constant(2)), {}, None",
    "assign_add of another size": "v = m.Variable(m.constant([3, 2]))\nreturn m.assign_add(v, [2, 3, 4]), {}, None",
    "stack along an axis out of range": "return m.stack([m.ones([2, 2]), m.ones([2])], axis=3), {}, None",
    "transpose with a perm out of range": "p = m.placeholder(m.int16)\n"
                                          "return m.transpose(p, [2, 1]), {p: np.zeros((0, 1, 1), np.int16)}, None",
    "softmax xent of shapes that do not broadcast": "p = m.placeholder(m.float32, [2, None])\n"
        "return m.nn.softmax_cross_entropy_with_logits(labels=m.ones([4, 3]), logits=p), {p: np.zeros((2, 3))}, None",
    "reshape of a partly known shape": "p = m.placeholder(m.float32, [2, None, 3])\n"
                                       "return m.reshape(p, [3]), {p: np.zeros((2, 1, 3))}, None",
    # TensorFlow's words at run time, when the shapes were unknown while building
    "concat of two shapes": "p = m.placeholder(m.float64)\n"
                            "return m.concat([p, m.ones([3, 3], m.float64)], -1), {p: np.ones((1, 3))}, None",
    "concat of scalars": "p = m.placeholder(m.float64)\nreturn m.concat([p, p], 0), {p: 1.0}, None",
    "expand_dims past the rank": "p = m.placeholder(m.float64)\nreturn m.expand_dims(p, 4), {p: np.ones((1, 2, 3))}, None",
    "reduce_sum of a scalar along 0": "p = m.placeholder(m.float64)\nreturn m.reduce_sum(p, 0), {p: 1.0}, None",
    "where_v2 of branches that do not broadcast":
        "p = m.placeholder(m.bool)\nreturn m.where_v2(p, m.ones([3]), m.ones([2])), {p: [True, False]}, None",
    "add_n of two shapes": "p = m.placeholder(m.float32)\nreturn m.add_n([p, m.ones([2])]), {p: np.ones(3)}, None",
    "bias_add of a scalar": "p = m.placeholder(m.uint8)\n"
                            "return m.nn.bias_add(p, np.array([6], np.uint8)), {p: np.uint8(1)}, None",
    "split along an axis out of range": "p = m.placeholder(m.float32)\nreturn m.split(p, 2, axis=-2), {p: np.ones(2)}, None",
    "stack along an axis out of range at run time": "p = m.placeholder(m.bool)\n"
        "return m.stack([p, p, m.ones([2, 3, 1], m.bool)], axis=-3), {p: False}, None",
    "broadcast_to a smaller rank": "p = m.placeholder(m.float32)\n"
                                   "return m.broadcast_to(p, m.constant([], m.int32)), {p: np.ones(3)}, None",
    "sparse xent without classes": "p = m.placeholder(m.float32)\nreturn m.nn.sparse_softmax_cross_entropy_with_logits("
                                   "labels=[0], logits=p), {p: np.ones((1, 0))}, None",
    # fetching a fed tensor gives back the feed as an array, also of rank 0
    "a fed scalar fetched": "p = m.placeholder(m.float16, [])\nreturn [p, m.cast(p, m.float16), m.identity(p)], "
                            "{p: np.float16(-1.)}, None",
    "add_n of one fed scalar is the placeholder itself": "p = m.placeholder(m.float32, [])\n"
                                                         "return [m.add_n([p]), m.add_n([p], name='s')], {p: 2.}, None",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fails_like_tensorflow(modules, case):
    program = oracle.Snippet(CASES[case])
    found = oracle.compare(program, *modules)
    assert found is None, f"{found[0]}: {found[1]}\n{program.code()}"
