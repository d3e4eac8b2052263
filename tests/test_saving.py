"""Saving (issue 11, point 6): Saver checkpoints, meta graphs, SavedModels (TF1 and TF2) and Keras files, compared
with TensorFlow where the two are comparable (names in checkpoints, restore semantics, errors), round trips of every
format, and the format version check (docs/saving.md)."""
import json
import os
import zipfile

import numpy as np
import pytest

import engine
from engine import errors, saving
from tests.conftest import run_tf

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], np.float32)
X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]], np.float32)
Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32)


def build(tf):
    """A small TF1 model with the kinds of variables a checkpoint holds: get_variable in scopes, a plain Variable,
    the global step, Adam's slots and beta powers."""
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y_ = tf.placeholder(tf.float32, [None, 3], name="y_")
    with tf.variable_scope("capa"):
        w = tf.get_variable("W", initializer=tf.constant(W0))
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    scale = tf.Variable(1.5, name="scale")
    logits = tf.add(tf.matmul(x, w) * scale, b, name="logits")
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits), name="loss")
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    tf.add_to_collection("train_op", train)
    return x, y_, logits, train


def train_and_save(tf, folder, steps=3, **saver_args):
    """Builds the model in a new graph, trains it `steps` steps saving after each; returns (paths, final logits)."""
    with tf.Graph().as_default():
        x, y_, logits, train = build(tf)
        saver = tf.train.Saver(**saver_args)
        paths = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train, {x: X, y_: Y})
                paths.append(saver.save(sess, os.path.join(folder, "modelo"),
                                        global_step=tf.train.get_global_step()))
            return paths, sess.run(logits, {x: X})


@pytest.fixture(scope="module")
def saved(tf1, tmp_path_factory):
    """The same training saved by the engine and by TensorFlow: {'engine'/'tf': (folder, paths, logits)}."""
    out = {}
    for name, m in (("engine", engine), ("tf", tf1)):
        folder = str(tmp_path_factory.mktemp(name))
        paths, logits = train_and_save(m, folder, steps=3, max_to_keep=2)
        out[name] = (folder, paths, logits)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Saver, compared with TensorFlow
# ---------------------------------------------------------------------------------------------------------------


def test_checkpoints_hold_the_same_names_shapes_and_values_as_tensorflow(saved, tf1):
    (ours, our_paths, our_logits), (theirs, their_paths, their_logits) = saved["engine"], saved["tf"]
    assert engine.train.list_variables(ours) == [(n, s) for n, s in tf1.train.list_variables(theirs)]
    np.testing.assert_allclose(our_logits, their_logits, rtol=1e-5, atol=1e-6)
    for name, _ in tf1.train.list_variables(theirs):
        np.testing.assert_allclose(engine.train.load_variable(ours, name), tf1.train.load_variable(theirs, name),
                                   rtol=1e-5, atol=1e-6, err_msg=name)


def test_max_to_keep_and_the_checkpoint_index_match_tensorflow(saved, tf1):
    (ours, our_paths, _), (theirs, their_paths, _) = saved["engine"], saved["tf"]
    assert [os.path.basename(p) for p in our_paths] == [os.path.basename(p) for p in their_paths]
    assert engine.train.latest_checkpoint(ours) == our_paths[-1]
    state, their_state = engine.train.get_checkpoint_state(ours), tf1.train.get_checkpoint_state(theirs)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == \
        [os.path.basename(p) for p in their_state.all_model_checkpoint_paths] == ["modelo-2", "modelo-3"]
    kept = lambda folder: sorted({f.split(".")[0] for f in os.listdir(folder) if f.startswith("modelo")})  # noqa
    assert kept(ours) == kept(theirs) == ["modelo-2", "modelo-3"]  # the oldest files were deleted
    for path, their_path in zip(our_paths, their_paths):
        assert engine.train.checkpoint_exists(path) == tf1.train.checkpoint_exists(their_path)


def test_keep_checkpoint_every_n_hours_keeps_old_checkpoints(tmp_path, tf1):
    def kept(m, folder):
        train_and_save(m, folder, steps=3, max_to_keep=1, keep_checkpoint_every_n_hours=0.0)
        return sorted({f.split(".")[0] for f in os.listdir(folder) if f.startswith("modelo")})
    assert kept(engine, str(tmp_path / "e")) == kept(tf1, str(tmp_path / "t")) == ["modelo-1", "modelo-2", "modelo-3"]


def _restore_outcome(m, prefix, make_vars):
    with m.Graph().as_default():
        var_list = make_vars(m)
        saver = m.train.Saver(var_list)
        with m.Session() as sess:
            try:
                saver.restore(sess, prefix)
            except Exception as e:  # noqa: BLE001 (compared with TensorFlow's)
                return type(e).__name__, str(e)
            variables = var_list.values() if isinstance(var_list, dict) else var_list
            return [sess.run(v).tolist() for v in variables]


@pytest.mark.parametrize("case", ["subset", "renamed", "missing", "not_a_checkpoint", "none"])
def test_restore_semantics_and_errors_match_tensorflow(saved, tf1, case):
    make_vars = {
        "subset": lambda m: [m.Variable(np.zeros([3], np.float32), name="capa/b")],
        "renamed": lambda m: {"scale": m.Variable(0.0, name="otro")},
        "missing": lambda m: [m.Variable(0.0, name="scale"), m.Variable(0.0, name="no_guardada")],
        "not_a_checkpoint": lambda m: [m.Variable(0.0, name="scale")],
        "none": lambda m: [m.Variable(0.0, name="scale")],
    }[case]
    suffix = {"not_a_checkpoint": "-99", "none": None}.get(case, "")
    prefix = lambda name: None if suffix is None else saved[name][1][-1] + suffix  # noqa: E731
    ours, theirs = _restore_outcome(engine, prefix("engine"), make_vars), _restore_outcome(tf1, prefix("tf"), make_vars)
    if isinstance(theirs, list):
        np.testing.assert_allclose(np.array(ours, dtype=object).astype(float), np.array(theirs, dtype=object)
                                   .astype(float), rtol=1e-5)
    else:
        assert ours[0] == theirs[0]
        first_line = theirs[1].replace(saved["tf"][1][-1], saved["engine"][1][-1]).splitlines()[0]
        assert ours[1].startswith(first_line)
        if case == "missing":
            assert "Key no_guardada not found in checkpoint" in ours[1] and "Pista:" in ours[1]


@pytest.mark.parametrize("var_list", ["empty", "twice"])
def test_saver_construction_errors_match_tensorflow(tf1, var_list):
    def message(m):
        with m.Graph().as_default():
            v = m.Variable(1.0, name="v")
            with pytest.raises(ValueError) as e:
                m.train.Saver([] if var_list == "empty" else [v, v])
            return str(e.value).splitlines()[0]
    assert message(engine) == message(tf1)


# ---------------------------------------------------------------------------------------------------------------
# Meta graphs: import_meta_graph of a graph the engine wrote
# ---------------------------------------------------------------------------------------------------------------


def _resume(m, meta, prefix, import_scope=None):
    """Imports `meta`, restores `prefix`, runs the logits and one more training step by their names."""
    with m.Graph().as_default() as g:
        saver = m.train.import_meta_graph(meta, import_scope=import_scope)
        scope = import_scope + "/" if import_scope else ""
        with m.Session() as sess:
            saver.restore(sess, prefix)
            logits = sess.run(g.get_tensor_by_name(scope + "logits:0"), {scope + "x:0": X})
            sess.run(m.get_collection("train_op")[0], {scope + "x:0": X, scope + "y_:0": Y})
            step = sess.run(m.train.get_global_step())
            names = sorted(v.op.name for v in m.trainable_variables())
    return logits, step, names


@pytest.mark.parametrize("import_scope", [None, "importado"])
def test_import_meta_graph_runs_tensors_by_name_like_tensorflow(saved, tf1, import_scope):
    (ours, our_paths, our_logits), (theirs, their_paths, _) = saved["engine"], saved["tf"]
    got = _resume(engine, our_paths[-1] + ".meta", our_paths[-1], import_scope)
    want = _resume(tf1, their_paths[-1] + ".meta", their_paths[-1], import_scope)
    np.testing.assert_allclose(got[0], our_logits, rtol=1e-6)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    assert (int(got[1]), got[2]) == (int(want[1]), want[2])


def test_meta_graph_rebuilds_attributes_of_every_kind(tmp_path):
    """Slices with Ellipsis and new axes, a cond's branches, a while loop and its gradient, strings, int64 and shapes
    survive the JSON."""
    tf = engine
    x = tf.placeholder(tf.float32, [None, 3, 2], name="x")
    v = tf.Variable(np.arange(6, dtype=np.int64), name="v")
    sliced = tf.identity(x[1:, ..., None][:, ::-1], name="sliced")
    chosen = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: x - 1.0, name="chosen")
    words = tf.identity(tf.constant(["hola", "adiós"]), name="words")
    total = tf.identity(tf.reduce_sum(v), name="total")
    _, power = tf.while_loop(lambda i, p: i < 3, lambda i, p: (i + 1, p * x[0, 0, 0]), [0, tf.constant(1.0)])
    slope = tf.gradients(power, x)[0]  # a While op (its body in an attribute) and its gradient, another While
    outputs = [sliced, chosen, words, total, power, slope]
    feed = np.arange(12, dtype=np.float32).reshape(2, 3, 2) - 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(outputs, {x: feed})
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    tf.train.import_meta_graph(path + ".meta")
    g = tf.get_default_graph()
    got_outputs = [g.get_tensor_by_name(t.name) for t in outputs]
    assert [t.shape.as_list() for t in got_outputs] == [t.shape.as_list() for t in outputs]
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, path)
        got = sess.run(got_outputs, {"x:0": feed})
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    with open(path + ".meta") as f:
        assert json.load(f)["graph"]["ops"][0]["name"] == "x"  # a file a person can read


def test_import_meta_graph_errors(tmp_path):
    tf = engine
    with pytest.raises(OSError, match="does not exist") as e:
        tf.train.import_meta_graph(str(tmp_path / "nada.meta"))
    assert "Pista:" in str(e.value)
    data = tf.data.Dataset.from_tensor_slices(np.arange(3, dtype=np.float32)).make_one_shot_iterator().get_next()
    v = tf.Variable(1.0, name="v")
    tf.identity(data * v, name="y")
    with tf.Session() as sess:
        sess.run(v.initializer)
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    with pytest.raises(ValueError, match=r"Cannot import op 'IteratorGetNext' \(type IteratorGetNext\).*'iterator' "
                                         r"holds a Python"):
        tf.train.import_meta_graph(path + ".meta")


# ---------------------------------------------------------------------------------------------------------------
# SavedModel, TensorFlow 1: simple_save and loader.load
# ---------------------------------------------------------------------------------------------------------------


def _simple_save_and_load(m, folder):
    with m.Graph().as_default():
        x, y_, logits, train = build(m)
        probs = m.nn.softmax(logits, name="probs")
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            sess.run(train, {x: X, y_: Y})
            m.saved_model.simple_save(sess, folder, inputs={"x": x}, outputs={"probs": probs})
            with pytest.raises(AssertionError) as again:
                m.saved_model.simple_save(sess, folder, inputs={"x": x}, outputs={"probs": probs})
    with m.Graph().as_default(), m.Session() as sess:
        with pytest.raises(RuntimeError) as wrong_tags:
            m.saved_model.loader.load(sess, [m.saved_model.tag_constants.TRAINING], folder)
        meta = m.saved_model.loader.load(sess, [m.saved_model.tag_constants.SERVING], folder)
        sig = meta.signature_def[m.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        result = sess.run(sig.outputs["probs"].name, {sig.inputs["x"].name: X})
        return (result, sig.inputs["x"].name, sig.outputs["probs"].name, sig.method_name,
                str(again.value).splitlines()[0].replace(folder, "<dir>"), str(wrong_tags.value))


def test_simple_save_and_loader_load_match_tensorflow(tmp_path, tf1):
    ours = _simple_save_and_load(engine, str(tmp_path / "e"))
    theirs = _simple_save_and_load(tf1, str(tmp_path / "t"))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert ours[1:] == theirs[1:]
    assert sorted(os.listdir(tmp_path / "e")) == ["saved_model.json", "variables"]


def test_saved_model_builder_with_a_signature_and_tensorflow_2_load_refuses_it(tmp_path):
    tf = engine
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(W0, name="w")
    y = tf.matmul(x, w, name="y")
    folder = str(tmp_path / "modelo")
    builder = tf.saved_model.builder.SavedModelBuilder(folder)
    with tf.Session() as sess:
        sess.run(w.initializer)
        sig = tf.saved_model.signature_def_utils.predict_signature_def(inputs={"entrada": x}, outputs={"salida": y})
        builder.add_meta_graph_and_variables(sess, ["serve", "extra"], signature_def_map={"predecir": sig})
    builder.save()
    tf.reset_default_graph()
    with tf.Session() as sess:
        meta = tf.saved_model.load(sess, ["extra", "serve"], folder)  # TensorFlow 1's alias of loader.load
        sig = meta.signature_def["predecir"]
        assert sig.inputs["entrada"].tensor_shape.as_list() == [None, 2]
        np.testing.assert_allclose(sess.run(sig.outputs["salida"].name, {sig.inputs["entrada"].name: X}), X @ W0)
    tf.reset_default_graph()
    tf.enable_eager_execution()
    try:
        with pytest.raises(ValueError, match="TensorFlow 1 SavedModel"):
            tf.saved_model.load(folder)
    finally:
        tf.disable_eager_execution()


# ---------------------------------------------------------------------------------------------------------------
# SavedModel, TensorFlow 2: tf.saved_model.save(module) and load(path), as seed 001 uses them
# ---------------------------------------------------------------------------------------------------------------


def _module_round_trip(tf, folder):
    class MyModule(tf.Module):
        def __init__(self, value):
            super().__init__()
            self.weight = tf.Variable(value)
            self.layers = [tf.Variable([1.0, 2.0]), {"bias": tf.Variable(0.5)}]

        @tf.function
        def multiply(self, x):
            return x * self.weight

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def affine(self, x):
            self.layers[1]["bias"].assign_add(1.0)
            return {"y": x * self.layers[0] + self.layers[1]["bias"], "x": x}

    mod = MyModule(3)
    before = mod.multiply(tf.constant([1, 2, 3])).numpy()
    mod.weight.assign(4)
    tf.saved_model.save(mod, folder)
    reloaded = tf.saved_model.load(folder)
    out = reloaded.affine(tf.constant([1.0, -1.0]))
    return (before.tolist(), reloaded.multiply(tf.constant([1, 2, 3])).numpy().tolist(), reloaded.weight.numpy(),
            out["y"].numpy().tolist(), out["x"].numpy().tolist(), reloaded.layers[1]["bias"].numpy(),
            reloaded.affine(tf.constant([2.0, 3.0]))["y"].numpy().tolist())


def test_saved_model_save_and_load_of_a_module_match_tensorflow_2(tmp_path, tf2, eager):
    ours = _module_round_trip(eager, str(tmp_path / "e"))
    theirs = run_tf(tf2, lambda tf: _module_round_trip(tf, str(tmp_path / "t")))
    assert ours == theirs


def test_loaded_function_refuses_a_signature_it_never_saw(tmp_path, eager):
    tf = eager

    class Doble(tf.Module):
        @tf.function
        def __call__(self, x):
            return 2 * x

    doble = Doble()
    doble(tf.constant([1, 2]))
    tf.saved_model.save(doble, str(tmp_path / "d"))
    loaded = tf.saved_model.load(str(tmp_path / "d"))
    assert loaded(tf.constant([5, 6])).numpy().tolist() == [10, 12]
    with pytest.raises(ValueError, match="Could not find matching concrete function") as e:
        loaded(tf.constant([1.0, 2.0]))
    assert "Pista:" in str(e.value)


# ---------------------------------------------------------------------------------------------------------------
# Keras files, Checkpoint, and the format version check
# ---------------------------------------------------------------------------------------------------------------


def test_keras_save_weights_and_load_weights_round_trip(tmp_path, eager):
    k = eager.keras
    model = k.Sequential([k.layers.Dense(3, input_shape=(2,)), k.layers.Dense(1)])
    other = k.Sequential([k.layers.Dense(3, input_shape=(2,)), k.layers.Dense(1)])
    model.save_weights(str(tmp_path / "pesos"))
    other.load_weights(str(tmp_path / "pesos"))
    np.testing.assert_array_equal(other.predict(X), model.predict(X))


def _bump_json(path, member=None):
    if member is None:
        with open(path) as f:
            data = json.load(f)
        data["version"] = 99
        with open(path, "w") as f:
            json.dump(data, f)
        return
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    data = json.loads(files[member])
    data["version"] = 99
    files[member] = json.dumps(data)
    with zipfile.ZipFile(path, "w") as z:
        for n, content in files.items():
            z.writestr(n, content)


def _bump_npz(path):
    with np.load(path) as data:
        values = dict(data)
    values["_format"] = np.array("engine.checkpoint/99")
    np.savez(path, **values)


def _check_refuses_version_99(cases):
    for bump, read in cases:
        read()  # version 1 reads
        bump()
        with pytest.raises(saving.FormatError, match=r"uses version 99 of the engine\.\w+ format; this engine "
                                                     r"reads versions 1 to 1") as e:
            read()
        assert "Pista:" in str(e.value)


def test_checkpoints_meta_graphs_and_indexes_refuse_a_newer_version(tmp_path):
    v = engine.Variable(1.0, name="v")
    with engine.Session() as sess:
        sess.run(v.initializer)
        prefix = engine.train.Saver().save(sess, str(tmp_path / "m"))
    _check_refuses_version_99([
        (lambda: _bump_json(prefix + ".meta"), lambda: engine.train.import_meta_graph(prefix + ".meta")),
        (lambda: _bump_npz(prefix + ".npz"), lambda: engine.train.list_variables(prefix)),
        (lambda: _bump_json(str(tmp_path / "checkpoint")), lambda: engine.train.latest_checkpoint(str(tmp_path))),
    ])


def test_saved_models_and_keras_files_refuse_a_newer_version(tmp_path, eager):
    tf = eager
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    model.save(str(tmp_path / "modelo.keras"))
    module = tf.Module()
    module.v = tf.Variable(1.0)
    tf.saved_model.save(module, str(tmp_path / "sm"))
    _check_refuses_version_99([
        (lambda: _bump_json(str(tmp_path / "sm" / "saved_model.json")),
         lambda: tf.saved_model.load(str(tmp_path / "sm"))),
        (lambda: _bump_json(str(tmp_path / "modelo.keras"), "config.json"),
         lambda: tf.keras.models.load_model(str(tmp_path / "modelo.keras"))),
    ])


def test_reading_a_file_of_another_kind_names_it(tmp_path):
    v = engine.Variable(1.0, name="v")
    with engine.Session() as sess:
        sess.run(v.initializer)
        prefix = engine.train.Saver().save(sess, str(tmp_path / "m"))
    with pytest.raises(saving.FormatError, match="is not an engine meta graph file"):
        engine.train.import_meta_graph(str(tmp_path / "checkpoint"))
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        engine.train.load_variable(prefix + "x", "v")


def _partial_restore(tf, folder):
    """TensorFlow 2's Checkpoint restores what matches: the asserts of its status tell what did not."""
    tf.train.Checkpoint(w=tf.Variable([1.0, 2.0]), extra=tf.Variable(5.0)).save(folder + "/ckpt")
    w, new = tf.Variable([0.0, 0.0]), tf.Variable(9.0)
    status = tf.train.Checkpoint(w=w, new=new).restore(tf.train.latest_checkpoint(folder))
    outcome = [w.numpy().tolist(), float(new.numpy())]
    for check in ("expect_partial", "assert_existing_objects_matched", "assert_consumed"):
        try:
            getattr(status, check)()
            outcome.append(None)
        except AssertionError:
            outcome.append("AssertionError")
    status = tf.train.Checkpoint(w=w).restore(tf.train.latest_checkpoint(folder))
    outcome.append(status.assert_existing_objects_matched() is status)
    return outcome


def test_checkpoint_restore_is_partial_with_asserts_as_in_tensorflow_2(tmp_path, tf2, eager):
    ours = _partial_restore(eager, str(tmp_path / "e"))
    assert ours == run_tf(tf2, lambda tf: _partial_restore(tf, str(tmp_path / "t")))
    assert ours == [[1.0, 2.0], 9.0, None, "AssertionError", "AssertionError", True]
