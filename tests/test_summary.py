"""engine.summary: summary ops (compared with TensorFlow's), and event files read back by TensorBoard's own loader."""
import os
import subprocess
import sys

import numpy as np
import pytest

import engine as tf

pytest.importorskip("tensorboard")


@pytest.fixture(scope="module")
def accumulator():
    from tensorboard.backend.event_processing import event_accumulator

    def load(logdir):
        acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
        acc.Reload()
        return acc
    return load


def _build(tf_module, values):
    x = tf_module.placeholder(tf_module.float32, [None], name="x")
    with tf_module.name_scope("metricas"):
        s = tf_module.summary.scalar("media", tf_module.reduce_mean(x))
    h = tf_module.summary.histogram("valores", x)
    h2 = tf_module.summary.histogram("valores", x * 2.0, family="dobles")
    return x, [s, h, h2], tf_module.summary.merge_all()


@pytest.mark.parametrize("values", [[0.5, 1.0, 1.0, -2.0, 0.0, 100.0], np.linspace(-3, 7, 101), [3.25]])
def test_summaries_match_tensorflow(tf1, values):
    from tensorboard.compat.proto.summary_pb2 import Summary
    values = np.asarray(values, np.float32)
    results = []
    for module, session in ((tf, tf.Session), (tf1, tf1.Session)):
        graph = module.Graph()
        with graph.as_default():
            x, parts, merged = _build(module, values)
            with session(graph=graph) as sess:
                out = sess.run(parts + [merged], {x: values})
        results.append(([t.name for t in parts + [merged]], [Summary.FromString(o) for o in out]))
    (names, ours), (tf_names, theirs) = results
    assert names == tf_names  # same op names: metricas/media, valores, dobles/valores, Merge/MergeSummary
    assert [type(o) for o in ours] == [Summary] * 4
    assert ours == theirs


def test_summary_op_errors():
    with pytest.raises(ValueError, match="Pista"):
        tf.summary.scalar("vector", tf.constant([1.0, 2.0]))
    x = tf.placeholder(tf.float32, [None], name="x")
    h = tf.summary.histogram("h", x)
    dup = tf.summary.merge([tf.summary.scalar("a", 1.0), tf.summary.scalar("a", 2.0, collections=[])])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram for: h"):
            sess.run(h, {x: [1.0, np.nan]})
        assert "a_1" in str(sess.run(dup))  # a repeated name gets a new tag, as in TensorFlow
    assert tf.summary.merge_all(key="nada") is None


def test_file_writer_graph_and_scalars(tmp_path, accumulator):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    W = tf.Variable(tf.ones([2, 1]), name="W")
    parts = tf.split(tf.matmul(x, W), 2, axis=0, name="partes")
    loss = tf.reduce_mean(tf.square(parts[1]), name="mse")
    tf.summary.scalar("perdida", loss)
    tf.summary.histogram("pesos", W)
    merged = tf.summary.merge_all()
    init = tf.global_variables_initializer()
    losses = []
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path, sess.graph) as writer:
        sess.run(init)
        for step in range(3):
            data = np.full((4, 2), step, np.float32)
            s, value = sess.run([merged, loss], {x: data})
            writer.add_summary(s, global_step=step)
            losses.append(value)
        manual = tf.summary.Summary(value=[tf.summary.Summary.Value(tag="a_mano", simple_value=42.0)])
        writer.add_summary(manual, 7)
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    acc = accumulator(tmp_path)
    assert set(acc.Tags()["scalars"]) == {"perdida", "a_mano"}
    assert [(e.step, e.value) for e in acc.Scalars("perdida")] == [(i, pytest.approx(v)) for i, v in enumerate(losses)]
    assert acc.Scalars("a_mano")[0].value == 42.0 and acc.Scalars("a_mano")[0].step == 7
    assert acc.Histograms("pesos")[-1].histogram_value.num == 2
    graph_def = acc.Graph()
    graph = tf.get_default_graph()
    assert [n.name for n in graph_def.node] == [op.name for op in graph.get_operations()]
    assert [n.op for n in graph_def.node] == [op.type for op in graph.get_operations()]
    nodes = {n.name: n for n in graph_def.node}
    square = next(n for n in graph_def.node if n.op == "Square")
    assert list(square.input) == ["partes:1"]  # second output of the split
    assert list(nodes["init"].input) == ["^W/Assign"]  # control dependency
    assert nodes["x"].attr["dtype"].type == 1 and [d.size for d in nodes["x"].attr["shape"].shape.dim] == [-1, 2]
    assert [d.size for d in nodes["MatMul"].attr["_output_shapes"].list.shape[0].dim] == [-1, 1]
    from tensorboard.util import tensor_util
    assert tensor_util.make_ndarray(nodes["ones"].attr["value"].tensor).tolist() == [[1.0], [1.0]]


def test_file_writer_mistakes(tmp_path):
    s = tf.summary.scalar("uno", tf.constant(1.0))
    writer = tf.summary.FileWriter(tmp_path / "nuevo" / "dir")
    assert writer.get_logdir() == str(tmp_path / "nuevo" / "dir")
    with pytest.raises(TypeError, match="sess.run"):
        writer.add_summary(s, 0)
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_summary(tf.Session().run(s), 1)
    writer.reopen()
    writer.add_graph(tf.get_default_graph())
    writer.close()


def test_engine_works_without_tensorboard():
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "import engine as tf\n"
            "print(tf.Session().run(tf.constant(2) * 3))\n"
            "try:\n    tf.summary.scalar('x', tf.constant(1.0))\n"
            "except ImportError as e:\n    print('ImportError', e)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120)
    assert out.stdout.splitlines()[0] == "6", out.stderr
    assert "ImportError" in out.stdout and "pip install tensorboard" in out.stdout


def test_summary_iterator_reads_back_without_tensorflow(tmp_path):
    import subprocess
    import sys
    code = (
        "import os, sys, engine as tf\n"
        "x = tf.placeholder(tf.float32, [])\n"
        "s = tf.summary.scalar('perdida', x)\n"
        f"d = {str(tmp_path)!r}\n"
        "with tf.Session() as sess, tf.summary.FileWriter(d, sess.graph) as w:\n"
        "    for i in range(3): w.add_summary(sess.run(s, {x: i * 1.5}), i)\n"
        "f = os.path.join(d, os.listdir(d)[0])\n"
        "print([(e.step, v.tag, v.simple_value) for e in tf.train.summary_iterator(f) for v in e.summary.value])\n"
        "print('tensorflow' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[(0, 'perdida', 0.0), (1, 'perdida', 1.5), (2, 'perdida', 3.0)]", "False"]
