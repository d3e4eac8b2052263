"""The small things TensorFlow 1 programs call (issue 11, point 7): tf.device, tf.logging, tf.app.flags, tf.gfile,
tf.Print, tf.py_func, tf.metrics, tf.summary.image/audio/text, tf.image, tf.decode_csv, tf.contrib; compared with
TensorFlow compat.v1 (values, names, shapes, errors, printed text, event files)."""
import io
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

import engine
from tests.op_harness import load_tf

RNG = np.random.default_rng(7)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def tf():
    return load_tf()


def in_both(tf, build):
    """build(m) -> list of tensors, run in a fresh graph of the engine and of TensorFlow: [(values, static)] x 2."""
    out = []
    for m in (engine, tf):
        with m.Graph().as_default():
            tensors = build(m)
            with m.Session() as sess:
                out.append((sess.run(tensors), [(t.dtype.name, t.shape.as_list() if t.shape.rank is not None else None)
                                                for t in tensors]))
    return out


def assert_same(ours, theirs, atol=1e-5):
    assert ours[1] == theirs[1]
    for a, b in zip(ours[0], theirs[0]):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype == object:
            assert a.tolist() == b.tolist()
        else:
            np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol, rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# tf.device
# ---------------------------------------------------------------------------------------------------------------


def test_device_is_recorded_like_tensorflow(tf):
    def devices(m):
        with m.Graph().as_default():
            with m.device("/gpu:0"):
                a = m.constant(1.0)
                with m.device("/cpu:1"):
                    b = a + 1
                with m.device(None):
                    c = a + 2
            with m.device("/job:worker/task:2"):
                with m.device("/device:GPU:1"):
                    d = a * 2
                e = a * 3
                with m.device(lambda op: "/cpu:0" if op.type == "Mul" else ""):
                    f = a * 4
            v = m.Variable(1.0)
            with m.device("/GPU:0"):
                w = m.Variable(2.0)
            return [t.device for t in (a, b, c, d, e, f)] + [a.op.device, v.device, w.device, w.op.device]
    assert devices(engine) == devices(tf)


def test_ops_placed_on_a_gpu_run_on_the_cpu():
    with engine.device("/gpu:0"):
        x = engine.constant([1.0, 2.0]) * 3
    with engine.Session() as sess:
        np.testing.assert_array_equal(sess.run(x), [3.0, 6.0])
    with pytest.raises(ValueError, match="Unknown attribute: 'tpux'"):
        engine.device("/tpux:0").__enter__()


# ---------------------------------------------------------------------------------------------------------------
# tf.logging, tf.app.flags, tf.app.run: in a child process, as a program would use them
# ---------------------------------------------------------------------------------------------------------------

PROGRAM = """
import engine as tf
flags = tf.app.flags
flags.DEFINE_string("data_dir", "/tmp/data", "where the data is")
flags.DEFINE_integer("epochs", 3, "epochs")
flags.DEFINE_float("lr", 0.1, "learning rate")
flags.DEFINE_boolean("fake", False, "fake data")
FLAGS = flags.FLAGS

def main(argv):
    tf.logging.set_verbosity(tf.logging.INFO)
    tf.logging.info("epochs=%d lr=%s fake=%s dir=%s rest=%s", FLAGS.epochs, FLAGS.lr, FLAGS.fake, FLAGS.data_dir,
                    argv[1:])
    tf.logging.debug("not shown")
    tf.logging.set_verbosity(tf.logging.ERROR)
    tf.logging.warning("not shown either")
    tf.logging.error("shown")
    return 3

if __name__ == "__main__":
    tf.app.run()
"""


def test_flags_logging_and_app_run(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    done = subprocess.run([sys.executable, str(script), "--epochs=7", "--lr", "0.5", "--fake", "extra", "-f",
                           "kernel.json"], capture_output=True, text=True, cwd=ROOT, env={**os.environ,
                                                                                          "PYTHONPATH": ROOT})
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "INFO:engine:epochs=7 lr=0.5 fake=True dir=/tmp/data rest=['extra', '-f', 'kernel.json']", "ERROR:engine:shown"]


def test_flags_read_argv_on_first_use_and_errors(monkeypatch):
    flags = engine.flags.FlagValues()
    define = engine.app.flags.DEFINE_integer
    define("batch", 32, "batch size", flag_values=flags)
    engine.app.flags.DEFINE_boolean("shuffle", True, "", flag_values=flags)
    monkeypatch.setattr(sys, "argv", ["notebook", "-f", "/run/kernel.json", "--batch=64", "--noshuffle"])
    assert (flags.batch, flags.shuffle) == (64, False)
    with pytest.raises(ValueError, match="The flag 'batch' is defined twice") as e:
        define("batch", 1, "", flag_values=flags)
    assert "Pista:" in str(e.value)
    with pytest.raises(AttributeError, match="Unknown flag: size"):
        flags.size


# ---------------------------------------------------------------------------------------------------------------
# tf.gfile and tf.io.gfile
# ---------------------------------------------------------------------------------------------------------------


def test_gfile_like_tensorflow(tf, tmp_path):
    def use(m, root):
        g, out = m.gfile, []
        g.MakeDirs(os.path.join(root, "a", "b"))
        with g.GFile(os.path.join(root, "a", "f.txt"), "w") as f:
            f.write("hola\nmundo\n")
        with g.Open(os.path.join(root, "a", "f.txt")) as f:
            out.append(f.readlines())
        with g.GFile(os.path.join(root, "a", "f.txt"), "rb") as f:
            out.append((f.read(), f.size()))
        g.Copy(os.path.join(root, "a", "f.txt"), os.path.join(root, "a", "g.txt"))
        g.Rename(os.path.join(root, "a", "g.txt"), os.path.join(root, "a", "h.txt"))
        out.append(sorted(g.ListDirectory(os.path.join(root, "a"))))
        out.append([os.path.relpath(p, root) for p in sorted(g.Glob(os.path.join(root, "a", "*.txt")))])
        out.append((g.Exists(os.path.join(root, "a", "h.txt")), g.IsDirectory(os.path.join(root, "a", "b"))))
        for call in (lambda: g.Copy(os.path.join(root, "a", "f.txt"), os.path.join(root, "a", "h.txt")),
                     lambda: g.Remove(os.path.join(root, "zz")), lambda: g.MkDir(os.path.join(root, "x", "y"))):
            with pytest.raises(Exception) as e:
                call()
            out.append(type(e.value).__name__)
        g.MkDir(os.path.join(root, "a"))  # an existing folder: nothing happens
        g.Remove(os.path.join(root, "a", "h.txt"))
        g.DeleteRecursively(os.path.join(root, "a"))
        out.append(m.io.gfile.exists(os.path.join(root, "a")))
        return out
    assert use(engine, str(tmp_path / "e")) == use(tf, str(tmp_path / "t"))
    assert engine.io.gfile.listdir(str(tmp_path)) == ["e", "t"]


# ---------------------------------------------------------------------------------------------------------------
# tf.Print, tf.py_func
# ---------------------------------------------------------------------------------------------------------------

def test_print_writes_tensorflow_1_text(tf, capfd):
    """TensorFlow writes tf.Print's text from C++ to the process's stderr: read at the file descriptor."""
    outputs = []
    for m in (engine, tf):
        with m.Graph().as_default():
            p = m.constant(np.arange(12.).reshape(4, 3).astype(np.float32))
            ids = m.constant([[0, 3], [1, 1]])
            a = m.Print(p, [p, ids], message="hola ")
            b = m.Print(p, [ids, m.constant(3.5), m.constant(np.arange(20.).reshape(4, 5)), m.constant(["a", "b"]),
                            m.constant(0.1, m.float64), m.constant([True, False])], summarize=4)
            c = m.Print(p, [m.constant(np.arange(20).reshape(2, 2, 5)), m.constant(1e-8), m.constant(100000.0),
                            m.constant(np.float32(1 / 3)), m.constant(-2.5e20, m.float64), m.constant(np.zeros((0, 3)))],
                        first_n=2)
            grad = m.gradients(m.reduce_sum(a * 2.0), p)[0]
            capfd.readouterr()
            with m.Session() as sess:
                sess.run(a)
                sess.run(b)
                for _ in range(3):
                    sess.run(c)
                value = sess.run(grad)
            text = capfd.readouterr().err
        lines = [line for line in text.splitlines() if line.startswith(("hola ", "["))]
        outputs.append((lines, value.tolist(), a.op.type, a.name))
    assert len(outputs[1][0]) == 4 and outputs[0] == outputs[1]


def test_py_func_and_numpy_function(tf):
    def build(m):
        x = m.constant([1.0, 2.0, 3.0])
        twice = m.py_func(lambda a: a * 2, [x], m.float32)
        both = m.py_func(lambda a, b: (a + b, np.int64(len(a))), [x, twice], [m.float32, m.int64], stateful=False)
        third = m.numpy_function(lambda a: a.astype(np.int32), [x], m.int32)
        grad = m.gradients(m.reduce_sum(twice * x), x)[0]
        return [twice, both[0], both[1], third, grad, m.convert_to_tensor(twice).op.type == "PyFunc"]
    ours = []
    for m in (engine, tf):
        with m.Graph().as_default():
            outs = build(m)
            assert outs[-1] is True or outs[-1] is False
            with m.Session() as sess:
                ours.append(([sess.run(o) for o in outs[:-1]], [o.shape.rank for o in outs[:-1]], outs[-1]))
    for a, b in zip(ours[0][0], ours[1][0]):
        np.testing.assert_array_equal(a, b)
    assert ours[0][1:] == ours[1][1:]


def test_py_func_wrong_result_type():
    y = engine.py_func(lambda a: a.astype(np.float64), [engine.constant([1.0])], engine.float32)
    with engine.Session() as sess, pytest.raises(engine.errors.InvalidArgumentError, match="expects float32"):
        sess.run(y)


# ---------------------------------------------------------------------------------------------------------------
# tf.metrics
# ---------------------------------------------------------------------------------------------------------------


def test_streaming_metrics_equal_tensorflow(tf):
    batches = [(RNG.integers(0, 2, 8), RNG.uniform(size=8).astype(np.float32)) for _ in range(3)]
    results = []
    for m in (engine, tf):
        with m.Graph().as_default():
            labels, probs = m.placeholder(m.int64, [None]), m.placeholder(m.float32, [None])
            pairs = [m.metrics.accuracy(labels, m.cast(probs > 0.5, m.int64)), m.metrics.mean(probs),
                     m.metrics.precision(labels, probs > 0.5), m.metrics.recall(labels, probs > 0.5),
                     m.metrics.auc(labels, probs), m.metrics.auc(labels, probs, curve="PR", num_thresholds=50),
                     m.metrics.mean_squared_error(m.cast(labels, m.float32), probs),
                     m.metrics.accuracy(labels, m.cast(probs > 0.3, m.int64), weights=probs)]
            names = [v.name for v in m.local_variables()] + [v.name for v in m.global_variables()]
            with m.Session() as sess:
                if m is engine:  # local variables: not set by global_variables_initializer
                    sess.run(m.global_variables_initializer())
                    with pytest.raises(m.errors.FailedPreconditionError, match="uninitialized value accuracy/"):
                        sess.run(pairs[0][1], {labels: batches[0][0], probs: batches[0][1]})
                sess.run(m.local_variables_initializer())
                updates = [sess.run([u for _, u in pairs], {labels: a, probs: b}) for a, b in batches]
                results.append((updates, sess.run([v for v, _ in pairs]), names))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5)
    assert results[0][2] == results[1][2]


# ---------------------------------------------------------------------------------------------------------------
# tf.summary.image / audio / text: event files read back by TensorBoard's EventAccumulator
# ---------------------------------------------------------------------------------------------------------------


def _events(m, logdir, build):
    with m.Graph().as_default():
        summary = m.summary.merge(build(m))
        with m.Session() as sess, m.summary.FileWriter(str(logdir)) as writer:
            writer.add_summary(sess.run(summary), 1)
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"images": 0, "audio": 0, "tensors": 0})
    acc.Reload()
    return acc


def test_image_audio_text_summaries(tf, tmp_path):
    from PIL import Image
    images = RNG.standard_normal((4, 5, 6, 3)).astype(np.float32)
    images[0, 0, 0, 0] = np.nan
    gray = (RNG.uniform(size=(2, 3, 4, 1)) * 255).astype(np.uint8)
    sound = np.sin(np.linspace(0, 20, 800)).reshape(2, 400).astype(np.float32) * 0.9

    def build(m):
        return [m.summary.image("fotos", images), m.summary.image("gris", gray, max_outputs=1),
                m.summary.image("pos", np.abs(images[1:2])), m.summary.audio("sonido", sound, 8000),
                m.summary.text("nota", m.constant(["**hola**", "adiós"]))]
    ours, theirs = _events(engine, tmp_path / "e", build), _events(tf, tmp_path / "t", build)
    assert ours.Tags()["images"] == theirs.Tags()["images"]
    assert ours.Tags()["audio"] == theirs.Tags()["audio"] and ours.Tags()["tensors"] == theirs.Tags()["tensors"]
    for tag in ours.Tags()["images"]:
        a, b = ours.Images(tag)[0], theirs.Images(tag)[0]
        assert (a.width, a.height, a.step) == (b.width, b.height, b.step)
        pixels = [np.asarray(Image.open(io.BytesIO(x.encoded_image_string))) for x in (a, b)]
        np.testing.assert_array_equal(*pixels, err_msg=tag)
    for tag in ours.Tags()["audio"]:
        a, b = ours.Audio(tag)[0], theirs.Audio(tag)[0]
        assert (a.content_type, a.sample_rate, a.length_frames) == (b.content_type, b.sample_rate, b.length_frames)
        samples = []
        for x in (a, b):
            with wave.open(io.BytesIO(x.encoded_audio_string)) as w:
                assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
                samples.append(np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(int))
        assert np.abs(samples[0] - samples[1]).max() <= 1
    a, b = ours.Tensors("nota")[0], theirs.Tensors("nota")[0]
    assert a.tensor_proto == b.tensor_proto
    assert ours.SummaryMetadata("nota").plugin_data.plugin_name == "text"


def test_image_summary_shape_error():
    with pytest.raises(ValueError, match="must be 4-D with last dim 1, 3, or 4"):
        engine.summary.image("x", np.zeros((2, 3, 3, 2), np.float32))


# ---------------------------------------------------------------------------------------------------------------
# tf.image, tf.decode_csv
# ---------------------------------------------------------------------------------------------------------------

IMAGES = RNG.uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)


def test_image_ops_equal_tensorflow_with_gradients(tf):
    u8 = IMAGES.astype(np.uint8)

    def build(m):
        x = m.constant(IMAGES)
        outs = [m.image.resize_images(x, [8, 4]), m.image.resize_images(x, [3, 10], align_corners=True),
                m.image.resize_bilinear(x, [10, 14]), m.image.resize_images(IMAGES[0], [4, 4]),
                m.image.resize_images(u8, [8, 4], method=m.image.ResizeMethod.NEAREST_NEIGHBOR),
                m.image.resize_nearest_neighbor(u8, [3, 11], align_corners=True),
                m.image.resize_nearest_neighbor(x, [9, 3]),
                m.image.flip_left_right(x), m.image.flip_up_down(u8[0]), m.image.per_image_standardization(x),
                m.image.convert_image_dtype(u8, m.float32), m.image.convert_image_dtype(IMAGES / 255.0, m.uint8),
                m.image.convert_image_dtype(u8, m.int32)]
        floats = [o for o in outs if o.dtype == m.float32]
        weights = [m.reshape(m.cos(m.cast(m.range(m.size(o)), m.float32)), m.shape(o)) for o in floats]
        return outs + m.gradients(m.add_n([m.reduce_sum(o * w) for o, w in zip(floats, weights)]), x)
    ours, theirs = in_both(tf, build)
    assert_same(ours, theirs, atol=1e-4)


def numeric_gradient(sess, y, x, value, eps=1e-3):
    out = np.zeros_like(value)
    for i in np.ndindex(value.shape):
        d = np.zeros_like(value)
        d[i] = eps
        out[i] = (sess.run(y, {x: value + d}) - sess.run(y, {x: value - d})) / (2 * eps)
    return out


@pytest.mark.parametrize("resize", ["resize_bilinear", "resize_nearest_neighbor"])
def test_resize_gradients_by_finite_differences(resize):
    """First order (through ResizeBilinear / ResizeNearestNeighbor) and second order (through their gradient op,
    ResizeGrad, whose own gradient is the resize again)."""
    x = engine.placeholder(engine.float64, [1, 3, 4, 1])
    u = engine.placeholder(engine.float64, [1, 5, 3, 1])
    fn = getattr(engine.image, resize)
    y = engine.reduce_sum(engine.square(fn(engine.cast(x, engine.float32), [5, 3])))
    grad_u = engine.gradients(engine.reduce_sum(engine.cast(fn(x, [5, 3]), engine.float64) * u), x)[0]  # ResizeGrad
    z = engine.reduce_sum(grad_u * np.arange(12.0).reshape(1, 3, 4, 1))
    value, other = RNG.standard_normal((1, 3, 4, 1)), RNG.standard_normal((1, 5, 3, 1))
    with engine.Session() as sess:
        first = sess.run(engine.gradients(y, x)[0], {x: value})
        np.testing.assert_allclose(first, numeric_gradient(sess, y, x, value), rtol=1e-3, atol=1e-3)
        second = sess.run(engine.gradients(z, u)[0], {x: value, u: other})
        assert np.abs(second).max() > 0
        np.testing.assert_allclose(second, numeric_gradient(sess, z, u, other, 1e-1), rtol=1e-4, atol=1e-4)
    assert "ResizeGrad" in {op.type for op in engine.get_default_graph().get_operations()}


def test_decode_csv_equal_tensorflow(tf):
    lines = ["1,2.5,hola", "3,,b", '7,-1e3,"x,y"']
    ours, theirs = in_both(tf, lambda m: m.decode_csv(m.constant(lines), [[0], [9.0], ["?"]]) + m.io.decode_csv(
        m.constant([["1;2"], ["3;4"]]), [m.constant([], m.int64), [0.0]], field_delim=";"))
    assert_same(ours, theirs)
    for m in (engine, tf):
        with m.Graph().as_default():
            required = m.decode_csv(["1,", "2"], [[0], m.constant([], m.int32)])
            with m.Session() as sess:
                with pytest.raises(m.errors.InvalidArgumentError, match="Field 1 is required but missing in record 0"):
                    sess.run(required)
                with pytest.raises(m.errors.InvalidArgumentError, match="Expect 2 fields but have 1 in record 0"):
                    sess.run(m.decode_csv(["2"], [[0], [0]]))


# ---------------------------------------------------------------------------------------------------------------
# tf.contrib and tf.train.checkpoint_exists
# ---------------------------------------------------------------------------------------------------------------


def test_contrib_pieces_and_clear_errors(tf):
    init = engine.contrib.layers.xavier_initializer()
    w = engine.get_variable("w", [300, 200], initializer=init,
                            regularizer=engine.contrib.layers.l2_regularizer(0.1))
    with engine.Session() as sess:
        sess.run(engine.global_variables_initializer())
        value, reg = sess.run([w, engine.get_collection("regularization_losses")[0]])
    limit = np.sqrt(6.0 / 500)
    assert np.abs(value).max() <= limit and np.abs(value).max() > 0.95 * limit
    np.testing.assert_allclose(reg, 0.1 * np.sum(value ** 2) / 2, rtol=1e-4)
    x = RNG.standard_normal((4, 2, 3)).astype(np.float32)
    flat = engine.contrib.layers.flatten(x)
    hidden = engine.contrib.layers.fully_connected(flat, 5)
    out = engine.contrib.layers.fully_connected(hidden, 2, activation_fn=None, scope="salida")
    with engine.Session() as sess:
        sess.run(engine.global_variables_initializer())
        got, names = sess.run(out), [v.name for v in engine.trainable_variables()[1:]]
        weights = sess.run(engine.trainable_variables()[1:])
    assert names == ["fully_connected/weights:0", "fully_connected/biases:0", "salida/weights:0", "salida/biases:0"]
    np.testing.assert_allclose(got, np.maximum(x.reshape(4, 6) @ weights[0] + weights[1], 0) @ weights[2] + weights[3],
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(AttributeError, match="The engine has no tf.contrib.slim") as e:
        engine.contrib.slim
    assert "Pista:" in str(e.value)
    with pytest.raises(AttributeError, match="The engine has no tf.contrib.layers.batch_norm"):
        engine.contrib.layers.batch_norm


def test_checkpoint_exists(tf, tmp_path):
    for m in (engine, tf):
        with m.Graph().as_default():
            v = m.Variable(1.0)
            saver = m.train.Saver([v])
            with m.Session() as sess:
                sess.run(v.initializer)
                path = saver.save(sess, str(tmp_path / m.__name__ / "model"), global_step=3)
            assert m.train.checkpoint_exists(path)
            assert not m.train.checkpoint_exists(str(tmp_path / m.__name__ / "model-4"))
