"""Op and tensor names, build-time and run-time errors, and control flow, compared with TensorFlow 1.x."""
import numpy as np
import pytest

import engine as tf_engine
from op_harness import compare, engine, load_tf


@pytest.fixture(scope="module")
def tf():
    return load_tf()


# ---------------------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------------------


def _names(m):
    """Builds the same little program with module `m`; returns the names of the tensors it made."""
    out = []
    with m.Graph().as_default():
        a = m.constant(2.0)
        b = m.constant(3.0, name="b")
        out += [a, b, m.range(3), m.add(a, b), m.add(a, b), a + b, a + b, m.add(a, 1.0), 1.0 + a, m.add(a, b, name="suma"),
                m.add(a, b, name="suma"), a * b, m.multiply(a, 2.0), a - b, m.subtract(a, b), a / b, m.divide(a, b),
                m.truediv(a, b), a // b, a % b, a ** b, m.pow(a, 2.0), -a, abs(a), m.abs(a), m.negative(a), a < b,
                m.less(a, b), a >= b, m.equal(a, b), m.maximum(a, b), m.minimum(a, 1.0), m.sqrt(a), m.exp(a),
                m.square(a), m.sigmoid(a), m.tanh(a), m.cast(a, m.int32), m.reduce_sum([a, b]),
                m.reduce_mean([a, b], name="media"), m.identity(a), m.stop_gradient(a),
                m.matmul([[a]], [[b]]), m.constant([[1.0]]) @ [[2.0]], m.transpose([[a]]), m.reshape([a, b], [2, 1]),
                m.concat([[a], [b]], 0), m.stack([a, b]), m.expand_dims(a, 0), m.squeeze([[a]]),
                m.gather([a, b], [1]), m.tile([a], [2]), m.zeros([2]), m.ones([2]), m.fill([2], 1.0),
                m.one_hot([0], 2), m.argmax([a, b]), m.where([True], [a], [b]),
                m.placeholder(m.float32), m.placeholder(m.float32, name="x"), m.nn.relu(a), m.nn.softmax([a, b]),
                m.nn.l2_loss([a]), m.nn.sigmoid_cross_entropy_with_logits(labels=[a], logits=[b]),
                m.random_uniform([2]), m.random_uniform([2], -1, 1), m.random_normal([2]), m.truncated_normal([2]),
                m.random_shuffle([1, 2]), m.multinomial([[0.0, 1.0]], 2), m.clip_by_value(a, 0.0, 1.0),
                m.constant([1, 2])[0], m.constant([1, 2])[1:], m.constant(True) & True, ~m.constant(True)]
        with m.name_scope("capa"):
            out += [m.add(a, b), a * 2.0]
            with m.name_scope("interna"):
                out += [m.add(a, b)]
        with m.name_scope("capa"):  # a second scope with the same name is capa_1
            out += [m.add(a, b)]
        with m.name_scope("capa/"):  # re-entering the first one exactly
            out += [m.add(a, b)]
        with m.name_scope(None):
            out += [m.add(a, b)]
        out += [m.add(a, b, name="capa")]
        return [t.name for t in out] + [t.op.inputs[1].name for t in out[7:9]]


@pytest.mark.parametrize("name", ["pérdida", "a b", "a\nb", "_x", "-x", "x-1", ".x", "capa/x", "x>y", "año"])
def test_invalid_names_are_refused_like_tensorflow(tf, name):
    def outcome(m, make):
        with m.Graph().as_default():
            try:
                return make(m), ""
            except ValueError as e:
                return str(e).split(". ")[0], str(e)  # the first sentence, and the whole message
    for make in (lambda m: m.constant(1.0, name=name).name, lambda m: m.add(1.0, 2.0, name=name).name,
                 lambda m: m.name_scope(name).__enter__()):
        (mine, message), (theirs, _) = outcome(tf_engine, make), outcome(tf, make)
        assert mine == theirs
        assert ("Pista:" in message) == ("valid" in mine)


def test_names_match_tensorflow(tf):
    ours, theirs = _names(engine), _names(tf)
    assert len(ours) == len(theirs)
    diff = [(i, o, t) for i, (o, t) in enumerate(zip(ours, theirs)) if o != t]
    assert not diff, diff


def test_python_constants_are_named_after_the_op_and_argument(tf):
    def names(m):
        with m.Graph().as_default():
            x = m.placeholder(m.float32)
            return [[i.name for i in t.op.inputs] for t in (m.add(1.0, x), m.add(x, 2.0), x * 3.0, 3.0 * x,
                                                             m.maximum(x, 0.0), m.pow(x, 2.0))]
    assert names(engine) == names(tf)


def test_print_of_a_tensor(tf):
    def text(m):
        with m.Graph().as_default():
            return [str(t) for t in (m.constant(1) + 2, m.placeholder(m.float32, [None, 2]), m.zeros([2, 3]))]
    assert text(engine) == text(tf)


# ---------------------------------------------------------------------------------------------------------------
# Errors while building the graph: same class as TensorFlow, both shapes named
# ---------------------------------------------------------------------------------------------------------------

BUILD_ERRORS = {
    "matmul 2x3 by 2x3": (lambda m: m.matmul(m.ones([2, 3]), m.ones([2, 3])), ["[2,3]", "3 and 2"]),
    "matmul of a vector": (lambda m: m.matmul(m.ones([3]), m.ones([3, 2])), ["[3]", "[3,2]"]),
    "bad broadcast": (lambda m: m.ones([2, 3]) + m.ones([4]), ["[2,3]", "[4]"]),
    "bad broadcast in multiply": (lambda m: m.multiply(m.ones([2, 3]), m.ones([2, 2])), ["[2,3]", "[2,2]"]),
    "bad broadcast in comparison": (lambda m: m.less(m.ones([5]), m.ones([4])), ["[5]", "[4]"]),
    "bad reshape": (lambda m: m.reshape(m.ones([2, 3]), [4]), ["6", "[4]"]),
    "bad reshape -1": (lambda m: m.reshape(m.ones([2, 3]), [4, -1]), ["6", "4"]),
    "two -1 in reshape": (lambda m: m.reshape(m.ones([2, 3]), [-1, -1]), ["-1"]),
    "concat of different shapes": (lambda m: m.concat([m.ones([2, 3]), m.ones([2, 4])], 0), ["[2,3]", "[2,4]"]),
    "concat of different ranks": (lambda m: m.concat([m.ones([2, 3]), m.ones([3])], 0), []),
    "stack of different shapes": (lambda m: m.stack([m.ones([2]), m.ones([3])]), ["[2]", "[3]"]),
    "add_n of different shapes": (lambda m: m.add_n([m.ones([2]), m.ones([3])]), []),
    "split not divisible": (lambda m: m.split(m.ones([5]), 2), ["5"]),
    "split sizes": (lambda m: m.split(m.ones([5]), [2, 2]), []),
    "squeeze a non-1 dim": (lambda m: m.squeeze(m.ones([2, 3]), [0]), []),
    "transpose bad perm": (lambda m: m.transpose(m.ones([2, 3]), [0, 2]), []),
    "expand_dims axis": (lambda m: m.expand_dims(m.ones([2]), 3), []),
    "reduce axis": (lambda m: m.reduce_sum(m.ones([2]), 1), []),
    "argmax axis": (lambda m: m.argmax(m.ones([2, 3]), 2), ["range [-2, 2)", "Dimension (2)"]),
    "gather axis": (lambda m: m.gather(m.ones([2]), [0], axis=1), []),
    "getitem out of range": (lambda m: m.ones([2, 3])[2], []),
    "too many indices": (lambda m: m.ones([2])[0, 0], []),
    "tile rank": (lambda m: m.tile(m.ones([2, 3]), [2]), []),
    "xent shapes": (lambda m: m.nn.softmax_cross_entropy_with_logits_v2(labels=m.ones([2, 3]), logits=m.ones([2, 4])),
                    []),
    "sparse xent rank": (lambda m: m.nn.sparse_softmax_cross_entropy_with_logits(labels=m.ones([2, 3], m.int32),
                                                                                 logits=m.ones([2, 3])), []),
    "cond branches differ": (lambda m: m.cond(m.constant(True), lambda: m.constant(1), lambda: m.constant(1.0)), []),
    "where shapes": (lambda m: m.where(m.constant([True, False]), m.ones([3]), m.ones([3])), []),
    "top_k too large": (lambda m: m.nn.top_k(m.ones([2, 3]), 4), []),
    "range empty": (lambda m: m.range(3, 1), []),
    "range zero delta": (lambda m: m.range(0, 3, 0), []),
    "matrix_inverse of a non-square": (lambda m: m.matrix_inverse(m.ones([2, 3])), []),
    "clip changes the shape": (lambda m: m.clip_by_value(m.ones([2]), m.zeros([3, 2]), 1.0), []),
    "int/float mix": (lambda m: m.constant(1) + m.constant(1.0), ["int32", "float32"]),
    "int/float mix in add": (lambda m: m.add(m.constant([1, 2]), m.constant([1.5, 2.0])), ["int32", "float32"]),
    "float in an int op": (lambda m: m.constant(1) + 1.5, []),
    "float64 and float32": (lambda m: m.constant(1.0, m.float64) * m.constant(2.0), ["float64", "float32"]),
    "matmul int and float": (lambda m: m.matmul(m.ones([2, 2], m.int32), m.ones([2, 2])), []),
    "sqrt of an int": (lambda m: m.sqrt(m.constant(4)), ["int32"]),
    "log of an int": (lambda m: m.log(m.constant([4])), ["int32"]),
    "softmax of an int": (lambda m: m.nn.softmax(m.constant([4, 1])), []),
    "logical_and of ints": (lambda m: m.logical_and(m.constant(1), m.constant(0)), []),
    "reduce_any of floats": (lambda m: m.reduce_any(m.ones([2])), []),
    "gather with float indices": (lambda m: m.gather(m.ones([2]), m.constant([0.0])), []),
    "cast of a string": (lambda m: m.constant(["a"]) + 1, []),
    "bool arithmetic": (lambda m: m.constant(True) + m.constant(False), []),
}


# Where TensorFlow only fails when the graph runs, the engine fails earlier, when it is built (a better place
# for a student: the error points at the line that made the op).
EARLIER_THAN_TF = {"two -1 in reshape"}


@pytest.mark.parametrize("case", sorted(BUILD_ERRORS))
def test_build_time_errors(tf, case):
    build, fragments = BUILD_ERRORS[case]
    errors = []
    for m in (tf, engine):
        g = m.Graph()
        with g.as_default():
            if m is tf and case in EARLIER_THAN_TF:
                t = build(m)
                with m.Session(graph=g) as sess, pytest.raises(m.errors.InvalidArgumentError):
                    sess.run(t)
                errors.append(None)
                continue
            with pytest.raises((ValueError, TypeError)) as info:
                build(m)
        errors.append(info)
    theirs, ours = errors
    if theirs is None:
        assert ours.type is ValueError
        theirs = ours
    assert ours.type.__name__ == theirs.type.__name__, f"engine {ours.value!r} but TensorFlow {theirs.value!r}"
    message = str(ours.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "test_ops_names_errors.py" in message or ours.type is TypeError or fragments == [], message


def test_shape_error_names_both_shapes_and_the_line():
    with tf_engine.Graph().as_default():
        with pytest.raises(ValueError) as info:
            tf_engine.matmul(tf_engine.ones([2, 3]), tf_engine.ones([2, 3]))
    text = str(info.value)
    assert "[2,3], [2,3]" in text and "MatMul" in text and "test_ops_names_errors.py" in text and "Pista:" in text


def test_int_float_mixing_has_a_spanish_hint():
    with tf_engine.Graph().as_default():
        with pytest.raises(TypeError) as info:
            tf_engine.constant(1) * tf_engine.constant(2.0)
    assert "int32" in str(info.value) and "float32" in str(info.value) and "Pista:" in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# Errors while running: InvalidArgumentError naming the op, as TensorFlow
# ---------------------------------------------------------------------------------------------------------------

RUN_ERRORS = {  # build(m, placeholder x of unknown shape) and the value fed to x
    "gather out of range": (lambda m, x: m.gather(m.constant([1, 2, 3]), x, name="elige"), np.array([0, 5], np.int32)),
    "gather negative": (lambda m, x: m.gather(m.constant([1, 2, 3]), x, name="elige"), np.array([-1], np.int32)),
    "integer floordiv by zero": (lambda m, x: m.floordiv(m.constant([1, 2]), x, name="elige"),
                                 np.array([1, 0], np.int32)),
    "integer mod by zero": (lambda m, x: m.mod(m.constant([1, 2]), x, name="elige"), np.array([0, 1], np.int32)),
    "reshape of the wrong size": (lambda m, x: m.reshape(x, [2, 2], name="elige"), np.ones(3, np.int32)),
    "bad broadcast at run time": (lambda m, x: m.add(x, m.constant([1, 2, 3]), name="elige"), np.ones(2, np.int32)),
    "matmul at run time": (lambda m, x: m.matmul(m.reshape(x, [1, -1]), m.ones([3, 1], m.int32), name="elige"),
                           np.ones(2, np.int32)),
    "concat at run time": (lambda m, x: m.concat([m.reshape(x, [1, -1]), m.ones([1, 3], m.int32)], 0, name="elige"),
                           np.ones(2, np.int32)),
    "sparse xent label": (lambda m, x: m.nn.sparse_softmax_cross_entropy_with_logits(
        labels=x, logits=m.ones([2, 3]), name="elige"), np.array([0, 3], np.int32)),
    "singular matrix": (lambda m, x: m.matrix_inverse(m.cast(m.reshape(x, [2, 2]), m.float32), name="elige"),
                        np.ones(4, np.int32)),
    "slice beyond the end": (lambda m, x: m.slice(m.constant([1, 2, 3]), x, [2], name="elige"),
                               np.array([2], np.int32)),
    "where of a scalar": (lambda m, x: m.where(m.reduce_sum(x) > 0, name="elige"), np.ones(2, np.int32)),
    "range with zero delta": (lambda m, x: m.range(0, 3, m.reduce_sum(x), name="elige"), np.zeros(2, np.int32)),
    "split at run time": (lambda m, x: m.split(x, 2, name="elige")[0], np.ones(3, np.int32)),
}


@pytest.mark.parametrize("case", sorted(RUN_ERRORS) + ["integer truncatediv by zero"])
def test_run_time_errors(tf, case):
    if case == "integer truncatediv by zero":  # TensorFlow's CPU kernel raises InternalError here: ours is clearer
        build, value, modules = lambda m, x: m.truncatediv(m.constant([1, 2]), x, name="elige"), np.zeros(2, np.int32), \
            (engine,)
    else:
        build, value, modules = RUN_ERRORS[case] + ((tf, engine),)
    for m in modules:
        g = m.Graph()
        with g.as_default():
            x = m.placeholder(m.int32, None)
            t = build(m, x)
        with m.Session(graph=g) as sess:
            with pytest.raises(m.errors.InvalidArgumentError) as info:
                sess.run(t, {x: value})
        if m is engine:
            text = str(info.value)
            assert "elige" in text, text  # the op
            assert "test_ops_names_errors.py" in text, text  # where the student created it
            assert info.value.op is not None and info.value.op.name.startswith("elige")
            assert "Traceback" not in text


# ---------------------------------------------------------------------------------------------------------------
# Control flow
# ---------------------------------------------------------------------------------------------------------------


def test_group_no_op_and_control_dependencies():
    g = tf_engine.Graph()
    with g.as_default():
        v = tf_engine.Variable(0)
        w = tf_engine.Variable(10)
        inc = tf_engine.assign_add(v, 1)
        dec = tf_engine.assign_sub(w, 1)
        both = tf_engine.group(inc, dec)
        nothing = tf_engine.no_op()
        with tf_engine.control_dependencies([inc]):
            read_after = tf_engine.identity(w)  # runs inc first
            with tf_engine.control_dependencies(None):
                free = tf_engine.identity(w)  # cleared: no dependency
        with tf_engine.control_dependencies([both]):
            total = v + w
    assert both.type == "NoOp" and both.name == "group_deps" and nothing.name == "NoOp"
    assert inc.op in read_after.op.control_inputs and free.op.control_inputs == []
    with tf_engine.Session(graph=g) as sess:
        sess.run(tf_engine.global_variables_initializer())
        assert sess.run(both) is None and sess.run(nothing) is None
        assert sess.run([v, w]) == [1, 9]
        sess.run(read_after)
        sess.run(free)
        assert sess.run([v, w]) == [2, 9]
        assert sess.run(total) == 3 + 8


def test_cond_evaluates_only_the_branch_taken():
    g = tf_engine.Graph()
    with g.as_default():
        p = tf_engine.placeholder(tf_engine.bool, [])
        x = tf_engine.placeholder(tf_engine.float32)
        v = tf_engine.Variable(0)
        def bad():  # fails if it ever runs
            return tf_engine.reduce_sum(tf_engine.gather(tf_engine.constant([1.0]), [7])) + x

        def yes():
            with tf_engine.control_dependencies([tf_engine.assign_add(v, 1)]):
                return x * 2.0

        out = tf_engine.cond(p, yes, bad)
        out2 = tf_engine.cond(p, lambda: x + 1.0, lambda: x - 1.0, name="mi_cond")
    assert out2.name.startswith("mi_cond")
    with tf_engine.Session(graph=g) as sess:
        sess.run(v.initializer)
        assert sess.run(out, {p: True, x: 3.0}) == 6.0
        assert sess.run(v) == 1
        with pytest.raises(tf_engine.errors.InvalidArgumentError):
            sess.run(out, {p: False, x: 3.0})
        assert sess.run(v) == 1  # the true branch did not run
        assert sess.run(out2, {p: False, x: 3.0}) == 2.0
        with pytest.raises(tf_engine.errors.InvalidArgumentError):
            sess.run(out2, {x: 3.0})  # p not fed: still an error, not a silent branch


def test_case_takes_the_first_true_predicate_only(tf):
    def build(m, x):
        return [m.case([(x < 0, lambda: m.constant(-1)), (x < 10, lambda: m.constant(1)),
                        (x < 20, lambda: m.constant(2))], default=lambda: m.constant(99)),
                m.case({x > 100: lambda: x * 2}, default=lambda: x + 1),
                m.cond(x > 0, lambda: m.cond(x > 5, lambda: x * 10, lambda: x), lambda: -x)]
    for value in [-5, 3, 15, 50, 500]:
        compare(tf, build, np.array(value, np.int32), feed=False)
    g = tf_engine.Graph()
    with g.as_default():
        x = tf_engine.placeholder(tf_engine.int32, [])
        out = tf_engine.case([(x < 0, lambda: tf_engine.constant(-1)), (x < 10, lambda: tf_engine.constant(1))],
                             default=lambda: tf_engine.constant(0), exclusive=True)
    with tf_engine.Session(graph=g) as sess:
        assert sess.run(out, {x: 5}) == 1 and sess.run(out, {x: 50}) == 0
        with pytest.raises(tf_engine.errors.InvalidArgumentError):
            sess.run(out, {x: -5})  # exclusive: two predicates are true


def test_cond_with_non_callable_branches_has_a_hint():
    with tf_engine.Graph().as_default():
        with pytest.raises(TypeError) as info:
            tf_engine.cond(tf_engine.constant(True), tf_engine.constant(1), tf_engine.constant(2))
    assert "Pista:" in str(info.value)


def test_print_prints_when_the_op_runs(capsys):
    import engine as tf
    with tf.Graph().as_default():
        x = tf.constant([1, 2, 3])
        p = tf.print("x =", x, output_stream="stdout")
        assert capsys.readouterr().out == ""  # building prints nothing
        with tf.Session() as sess:
            sess.run(p)
            sess.run(p)
    assert capsys.readouterr().out == "x = [1 2 3]\nx = [1 2 3]\n"
