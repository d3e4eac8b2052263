"""Session.run: fetch structures, feeds and their checks, partial evaluation, default sessions, errors."""
import collections

import numpy as np
import pytest

import engine as tf
from engine import errors


def test_fetch_structures():
    a, b = tf.constant(1), tf.constant(2.0)
    op = tf.no_op()
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as sess:
        assert sess.run(a) == 1
        assert sess.run([a, b]) == [1, 2.0]
        assert sess.run((a, b)) == (1, 2.0)
        assert sess.run({"a": a, "b": [b, {"c": a}]}) == {"a": 1, "b": [2.0, {"c": 1}]}
        assert sess.run(Pair(a, b)) == Pair(1, 2.0)
        assert sess.run(op) is None and sess.run([op, a]) == [None, 1]
        assert sess.run("Const:0") == 1 and sess.run(["Const_1:0"]) == [2.0]
        od = sess.run(collections.OrderedDict([("z", a), ("y", b)]))
        assert isinstance(od, collections.OrderedDict) and list(od) == ["z", "y"]


def test_bad_fetches(tf1):
    a = tf.constant(1)
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="None"):
            sess.run(None)
        with pytest.raises(TypeError, match="invalid type"):
            sess.run(3)
        other = tf.Graph()
        with other.as_default():
            c = tf.constant(5)
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(c)
        with pytest.raises(ValueError):
            sess.run("nope:0")
    # TensorFlow agrees on the exception classes
    with tf1.Graph().as_default(), tf1.Session() as s:
        tf1.constant(1)
        with pytest.raises(TypeError):
            s.run(None)
        with pytest.raises(TypeError):
            s.run(3)


def test_feeds_and_their_checks(tf1):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.reduce_sum(x * 2.0)
    with tf.Session() as sess:
        assert sess.run(y, {x: [[1, 2], [3, 4]]}) == 20.0
        assert sess.run(y, {"x:0": np.ones((5, 2))}) == 20.0
        with pytest.raises(ValueError) as e:
            sess.run(y, {x: [1, 2, 3]})
        assert "Cannot feed value of shape (3,) for Tensor 'x:0', which has shape '(?, 2)'" in str(e.value)
        with pytest.raises(errors.InvalidArgumentError) as e:
            sess.run(y)
        assert "You must feed a value for placeholder tensor 'x' with dtype float32 and shape [?,2]" in str(e.value)
        assert "Pista" in str(e.value)
        with pytest.raises(TypeError, match="cannot be a tf.Tensor"):
            sess.run(y, {x: tf.ones([1, 2])})
        with pytest.raises(ValueError):
            sess.run(y, {x: [["a", "b"]]})
    with tf1.Graph().as_default():
        p = tf1.placeholder(tf1.float32, [None, 2])
        with tf1.Session() as s:
            with pytest.raises(ValueError) as theirs:
                s.run(p, {p: [1, 2, 3]})
            with pytest.raises(tf1.errors.InvalidArgumentError):
                s.run(p * 2)
    assert str(theirs.value).startswith("Cannot feed value of shape (3,) for Tensor")  # TF 1.x spelled '(?, 2)'  


def test_feeding_any_tensor_overrides_it():
    a = tf.constant(3.0)
    b = a * 2
    c = b + 1
    with tf.Session() as sess:
        assert sess.run(c) == 7.0
        assert sess.run(c, {b: 10.0}) == 11.0
        assert sess.run(c, {a: 0.0}) == 1.0


def test_fetching_a_fed_tensor_returns_the_feed():
    x = tf.placeholder(tf.float32, [None])
    y = x * 2
    with tf.Session() as sess:
        assert sess.run(x, {x: [1.0]}).tolist() == [1.0]
        assert sess.run([x, y], {x: [1.0]})[1].tolist() == [2.0]
        assert sess.run(y, {y: [5.0]}).tolist() == [5.0]


def test_only_the_needed_subgraph_runs_each_op_once(monkeypatch):
    from engine.framework import OPS
    calls = []
    for type_ in ("Square", "Sqrt"):
        forward = OPS[type_].forward
        monkeypatch.setattr(OPS[type_], "forward", lambda v, f=forward, t=type_: calls.append(t) or f(v))
    x = tf.placeholder(tf.float32, [])
    left = tf.square(x)
    unused = tf.sqrt(x)
    both = left * 2 + left
    with tf.Session() as sess:
        assert sess.run(both, {x: -4.0}) == 48.0
        assert calls == ["Square"]
        sess.run([both, unused], {x: 4.0})
    assert calls == ["Square", "Square", "Sqrt"]


def test_reads_happen_before_writes_in_one_run(tf1):
    def program(t):
        w = t.Variable(2.0)
        b = t.Variable(3.0)
        loss = w * b
        train = t.train.GradientDescentOptimizer(0.1).minimize(loss)
        with t.Session() as sess:
            sess.run(t.global_variables_initializer())
            return [sess.run([train, loss])[1] for _ in range(3)]
    with tf1.Graph().as_default():
        want = program(tf1)
    assert program(tf) == pytest.approx(want)


def test_control_dependency_on_a_fed_placeholder():
    x = tf.placeholder(tf.float32, [])
    with tf.control_dependencies([x]):
        y = tf.constant(1.0) + 1
    with tf.Session() as sess:
        assert sess.run(y, {x: 0.0}) == 2.0


def test_plan_is_cached_compiled_and_frees_intermediates():
    x = tf.placeholder(tf.float32, [None])
    y = tf.square(x) + 1
    z = tf.sqrt(tf.constant(4.0)) * y
    sess = tf.Session()
    assert sess.run([z, y], {x: [1.0]})[0].tolist() == [4.0]
    assert sess.run([z, y], {x: [2.0]})[0].tolist() == [10.0]
    assert len(sess._plans) == 1
    plan = next(iter(sess._plans.values()))
    lines = plan.source.splitlines()
    square = next(i for i, line in enumerate(lines) if "(Square)" in line)
    square_var = lines[square].split(" = ")[0].strip()
    add = next(i for i, line in enumerate(lines) if "(AddV2)" in line)
    assert lines[add + 1].strip() == f"del {square_var}"  # freed right after its last reader
    assert not any("(Sqrt)" in line for line in lines)  # folded when planning: its input is a constant
    assert "Sqrt" in {op.type for op in plan.ops}
    assert not any(line.strip().startswith("del") and lines[add].split(" = ")[0].strip() in line for line in lines)


def test_a_fed_output_keeps_its_value_when_its_op_runs_for_another_output():
    x = tf.placeholder(tf.int32, [None])
    y, idx = tf.unique(x)
    c_values, c_idx = tf.unique(tf.constant([5, 5, 6]))  # folded when planning
    with tf.Session() as sess:
        out = sess.run([y, idx, idx * 10, c_values, c_idx * 2], {x: [3, 1, 3], idx: [7, 8, 9], c_idx: [1, 1, 1]})
    assert [v.tolist() for v in out] == [[3, 1], [7, 8, 9], [70, 80, 90], [5, 6], [2, 2, 2]]


def test_constant_folding_keeps_random_ops_and_big_results_running():
    noise = tf.random_uniform([3]) + 1.0
    big = tf.zeros([400, 400]) + 1.0  # 160,000 elements: recomputed each run rather than kept in the plan
    small = tf.zeros([2, 2]) + 1.0
    with tf.Session() as sess:
        assert not np.array_equal(sess.run(noise), sess.run(noise))
        assert sess.run(big).sum() == 160_000
        mine = sess.run(small)
        mine[0, 0] = 99.0  # a folded value is shared by every run: each fetch is a writable copy
        assert sess.run(small).tolist() == [[1.0, 1.0], [1.0, 1.0]]
        sources = [plan.source for plan in sess._plans.values()]
    assert any("(RandomUniform)" in src for src in sources)
    assert sum("(AddV2)" in src for src in sources) == 2  # the noise and the big sum; the small one was folded


def test_running_out_of_memory_names_the_op():
    shape = tf.placeholder(tf.int64, [2])
    huge = tf.fill(shape, 1.0, name="enorme")  # 10**16 floats: NumPy refuses at once, without allocating
    with tf.Session() as sess, pytest.raises(tf.errors.ResourceExhaustedError) as info:
        sess.run(huge, {shape: [10**8, 10**8]})
    assert info.value.op is huge.op and "OOM when computing enorme" in str(info.value)


def test_a_failing_op_is_named_with_its_line():
    x = tf.placeholder(tf.int32, [None])
    y = tf.gather([1, 2, 3], x, name="lookup")
    with tf.Session() as sess:
        assert sess.run(y, {x: [2, 0]}).tolist() == [3, 1]
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(y, {x: [7]})
    assert info.value.op is y.op and "lookup" in str(info.value)


def test_returned_arrays_belong_to_the_caller():
    c = tf.constant([1.0, 2.0])
    v = tf.Variable([1.0, 2.0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        out = sess.run(c)
        out[0] = 100.0
        assert sess.run(c)[0] == 1.0
        val = sess.run(v)
        val[0] = 100.0
        assert sess.run(v)[0] == 1.0


def test_default_session_eval_and_run():
    a = tf.constant(4.0)
    init = tf.no_op()
    with pytest.raises(ValueError) as e:
        a.eval()
    assert "No default session" in str(e.value) and "Pista" in str(e.value)
    with pytest.raises(ValueError, match="No default session"):
        init.run()
    sess = tf.Session()
    with sess.as_default():
        assert a.eval() == 4.0
        assert tf.get_default_session() is sess
    assert tf.get_default_session() is None
    assert a.eval(session=sess) == 4.0
    with tf.Session() as s2:
        assert tf.get_default_session() is s2 and (a * 2).eval() == 8.0
    assert s2.closed


def test_interactive_session():
    sess = tf.InteractiveSession()
    v = tf.Variable(10.0)
    tf.global_variables_initializer().run()
    assert v.eval() == 10.0 and (v * 2).eval() == 20.0
    sess.close()
    assert tf.get_default_session() is None


def test_closed_session_and_other_graph():
    sess = tf.Session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(tf.constant(1))
    g = tf.Graph()
    with g.as_default():
        z = tf.add(3, 5)
    with tf.Session(graph=g) as s:
        assert s.run(z) == 8
    with tf.Session() as s, pytest.raises(ValueError, match="graph"):
        z.eval(session=s)


def test_runtime_numpy_errors_name_the_op():
    x = tf.placeholder(tf.int32, [None])
    y = tf.floordiv(10, x)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as e:
            sess.run(y, {x: [0]})
    assert "FloorDiv" in str(e.value) and "test_session.py" in str(e.value)
    assert isinstance(e.value, errors.OpError) and e.value.op is y.op


def test_empty_graph():
    with pytest.raises(RuntimeError, match="graph is empty"):
        tf.Session().run([])


def test_make_callable():
    x = tf.placeholder(tf.float32, [])
    y = x * 3
    with tf.Session() as sess:
        f = sess.make_callable(y, [x])
        assert f(2.0) == 6.0


def test_scalars_come_back_as_numpy_scalars(tf1):
    c, v = tf.constant(6), tf.Variable(2.5)
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = [sess.run(c), sess.run(v), sess.run(c + 1)]
    with tf1.Graph().as_default(), tf1.Session() as s:
        want = [s.run(tf1.constant(6)), s.run(tf1.constant(2.5)), s.run(tf1.constant(6) + 1)]
    assert [type(x) for x in got] == [type(x) for x in want] == [np.int32, np.float32, np.int32]


def test_the_readme_shows_a_real_plan():
    import pathlib
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    shown = "def run(sess, feed0):" + readme.split("def run(sess, feed0):")[1].split("```")[0]
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    W = tf.Variable(tf.ones([2, 1]), name="W")
    y = tf.matmul(x, W) * tf.sqrt(4.0) + 1.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {x: np.ones((3, 2), np.float32)}).tolist() == [[5.0]] * 3
        (plan,) = [p for key, p in sess._plans.items() if key[0] == (y,)]
    assert plan.source == shown
