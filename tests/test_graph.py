"""The graph model: names as TensorFlow makes them, default graphs, dtypes, static shapes, where ops were created."""
import threading

import numpy as np
import pytest

import engine as tf


def _names(graph):
    return [(op.name, op.type) for op in graph.get_operations()]


def build_naming_program(tf_mod):
    a = tf_mod.add(3, 5)
    b = tf_mod.constant(2.0)
    c = b + 1
    d = b * b
    e = tf_mod.multiply(2, 3, name="m")
    f = -b
    g = b - 1
    h = tf_mod.matmul([[1.]], [[2.]])
    j = tf_mod.pow(2, 3)
    k = b / 2
    l_ = tf_mod.add(b, 1.0)
    m = tf_mod.subtract(1., b)
    with tf_mod.name_scope("foo"):
        o = tf_mod.add(1, 2)
        with tf_mod.name_scope("bar"):
            p = tf_mod.add(1, 2)
    with tf_mod.name_scope("foo"):
        q = tf_mod.add(1, 2)
    with tf_mod.name_scope("foo/"):
        r = tf_mod.constant(1, name="again")
    x = tf_mod.placeholder(tf_mod.float32, [None, 2])
    s = x[:, 0]
    t = tf_mod.reshape(x, [-1])
    u = tf_mod.cast(x, tf_mod.int32)
    v = tf_mod.nn.relu(b)
    w = tf_mod.nn.softmax(x)
    eq = tf_mod.equal(b, b)
    z = tf_mod.zeros([2, 3])
    an = tf_mod.add_n([b, b])
    am = tf_mod.argmax(x, 1)
    return [a, b, c, d, e, f, g, h, j, k, l_, m, o, p, q, r, x, s, t, u, v, w, eq, z, an, am]


def test_names_match_tensorflow(tf1):
    ours = build_naming_program(tf)
    g = tf1.Graph()
    with g.as_default():
        theirs = build_naming_program(tf1)
    assert [t.name for t in ours] == [t.name for t in theirs]
    assert [str(t.shape) for t in ours] == [str(t.shape) for t in theirs]
    assert [t.dtype.name for t in ours] == [t.dtype.name for t in theirs]
    assert [str(t) for t in ours] == [str(t) for t in theirs]


def test_print_tensor_and_default_graph():
    a = tf.add(3, 5)
    assert str(a) == 'Tensor("Add:0", shape=(), dtype=int32)'
    assert a.graph is tf.get_default_graph()
    assert [op.name for op in tf.get_default_graph().get_operations()] == ["Add/x", "Add/y", "Add"]
    assert a.op.inputs[0].name == "Add/x:0" and a.op.type == "AddV2"
    assert a.consumers() == []
    b = a * 2
    assert a.consumers() == [b.op]
    assert a.get_shape() == tf.TensorShape([]) and a.shape.rank == 0


def test_case_insensitive_unique_names():
    tf.constant(1, name="Add")
    assert tf.add(1, 2).name == "Add_1:0"
    assert tf.constant(1, name="add").name == "add_2:0"


def test_several_graphs_and_nesting():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        c1 = tf.constant(1)
        with g2.as_default():
            c2 = tf.constant(2)
            assert tf.get_default_graph() is g2
        assert tf.get_default_graph() is g1
    assert c1.graph is g1 and c2.graph is g2 and c1.name == c2.name == "Const:0"
    with pytest.raises(ValueError, match="same graph"):
        tf.add(c1, c2)


def test_default_graph_is_per_thread():
    g = tf.Graph()
    seen = {}
    with g.as_default():
        t = threading.Thread(target=lambda: seen.setdefault("g", tf.get_default_graph()))
        t.start()
        t.join()
        assert tf.get_default_graph() is g
    assert seen["g"] is not g


def test_reset_default_graph_refuses_inside_nesting():
    old = tf.get_default_graph()
    tf.constant(1)
    tf.reset_default_graph()
    assert tf.get_default_graph() is not old and tf.get_default_graph().get_operations() == []
    with tf.Graph().as_default():
        with pytest.raises(AssertionError):
            tf.reset_default_graph()


def test_lookup_by_name_and_finalize():
    with tf.name_scope("capa"):
        w = tf.constant([1.0, 2.0], name="w")
    g = tf.get_default_graph()
    assert g.get_operation_by_name("capa/w") is w.op
    assert g.get_tensor_by_name("capa/w:0") is w
    with pytest.raises(KeyError):
        g.get_operation_by_name("nope")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("capa/w:3")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("capa/w")
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        tf.constant(3)


def test_op_remembers_where_it_was_created():
    c = tf.constant(1.0)  # this line
    assert "test_graph.py" in c.op.created_at and "line" in c.op.created_at
    import inspect
    line = inspect.currentframe().f_lineno - 3
    assert c.op.created_at.endswith(f"line {line}")


def test_build_time_errors_name_both_shapes_and_the_line():
    a = tf.constant(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError) as e:
        tf.matmul(a, a)
    assert "[2,3]" in str(e.value) and "Pista" in str(e.value) and "test_graph.py" in str(e.value)
    with pytest.raises(ValueError, match=r"\[2,3\].*\[2\]"):
        a + tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="6 elements"):
        tf.reshape(a, [4])


def test_int_float_mixing_is_a_type_error(tf1):
    with pytest.raises(TypeError) as ours:
        tf.add(tf.constant([3, 6]), tf.constant([2.5, 2]))
    with pytest.raises(TypeError):
        tf1.add(tf1.constant([3, 6]), tf1.constant([2.5, 2]))
    assert "float32" in str(ours.value) and "int32" in str(ours.value) and "Pista" in str(ours.value)
    with pytest.raises(TypeError, match="does not match type int32"):  # TensorFlow's words for an operator
        tf.constant([1, 2]) + 1.5


@pytest.mark.parametrize("value, dtype", [(1, "int32"), (1.0, "float32"), ([1, 2.5], "float32"), (True, "bool"),
                                          (np.float64(1), "float64"), (np.arange(3), "int64"), ("hola", "string"),
                                          ([[1, 2], [3, 4]], "int32")])
def test_dtype_inference(tf1, value, dtype):
    assert tf.constant(value).dtype.name == dtype
    with tf1.Graph().as_default():
        assert tf1.constant(value).dtype.name == dtype


def test_dtypes_api():
    assert tf.as_dtype("float") is tf.float32 and tf.as_dtype(np.int64) is tf.int64
    assert tf.float32.as_numpy_dtype is np.float32 and tf.float32 == "float32"
    assert tf.placeholder("float").dtype is tf.float32
    with pytest.raises(TypeError):
        tf.as_dtype("not a type")
    assert str(tf.float32) == "<dtype: 'float32'>" and tf.int8.is_integer and tf.float16.is_floating


def test_tensor_shape():
    s = tf.TensorShape([None, 2])
    assert str(s) == "(None, 2)" and s.as_list() == [None, 2] and s.rank == 2 and not s.is_fully_defined()
    assert s.is_compatible_with([5, 2]) and not s.is_compatible_with([5, 3])
    assert s.merge_with([4, None]) == tf.TensorShape([4, 2])
    assert tf.TensorShape(None).rank is None and str(tf.TensorShape(None)) == "<unknown>"
    assert tf.placeholder(tf.float32).shape.rank is None


def test_control_dependencies_and_collections():
    a = tf.constant(1)
    with tf.control_dependencies([a]):
        b = tf.constant(2)
    assert b.op.control_inputs == [a.op]
    tf.add_to_collection("cosas", a)
    assert tf.get_collection("cosas") == [a]


def test_symbolic_tensor_misuse_is_explained():
    t = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="bool"):
        bool(t)
    with pytest.raises(NotImplementedError, match="Pista"):
        np.asarray(t)
    with pytest.raises(TypeError):
        iter(t)
    # NumPy scalars on the left defer to the tensor's operators
    assert isinstance(np.float32(2) * t, tf.Tensor)


def test_no_recursion_100k_chain():
    x = tf.placeholder(tf.float32, [])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    with tf.Session() as sess:
        assert sess.run(y, {x: 0.0}) == 100_000.0


def test_notebook_cells_are_named_by_their_execution_count():
    shell_mod = pytest.importorskip("IPython.core.interactiveshell")
    shell = shell_mod.InteractiveShell.instance()
    try:
        shell.run_cell("import engine as tf\nc = tf.constant(1)", store_history=True)
        shell.run_cell("d = c + 1", store_history=True)
        first, second = shell.user_ns["c"].op.created_at, shell.user_ns["d"].op.created_at
    finally:
        shell_mod.InteractiveShell.clear_instance()
    assert first.startswith("cell [") and first.endswith("line 2")
    assert second.startswith("cell [") and second.endswith("line 1") and first != second
