"""The small Keras (engine/keras): layers, losses, optimizers and fit compared with TensorFlow's Keras; the seed
guide's training loop and compile/fit example; saving and loading."""
import numpy as np
import pytest

import engine
from conftest import run_tf  # noqa: F401

pytestmark = pytest.mark.usefixtures("eager")


RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3)).astype(np.float32)
Y_REG = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
Y_CLASS = (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def _model(k, weights=None, out=1, activation=None):
    model = k.Sequential([k.layers.Dense(4, activation="tanh", input_shape=(3,)),
                          k.layers.Dense(out, activation=activation)])
    if weights is not None:
        model.set_weights(weights)
    return model


WEIGHTS = [RNG.normal(size=(3, 4)).astype(np.float32) * 0.5, np.zeros(4, np.float32),
           RNG.normal(size=(4, 1)).astype(np.float32) * 0.5, np.zeros(1, np.float32)]


def test_dense_forward_matches_keras(tf2):
    ours = _model(engine.keras, WEIGHTS).predict(X)
    theirs = run_tf(tf2, lambda tf: _model(tf.keras, WEIGHTS).predict(X, verbose=0))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


LOSSES = [("MeanSquaredError", {}, "reg"), ("MeanAbsoluteError", {}, "reg"), ("BinaryCrossentropy", {}, "prob"),
          ("BinaryCrossentropy", {"from_logits": True}, "reg"), ("CategoricalCrossentropy", {}, "cat"),
          ("CategoricalCrossentropy", {"from_logits": True}, "cat_logits"),
          ("SparseCategoricalCrossentropy", {}, "sparse"), ("SparseCategoricalCrossentropy", {"from_logits": True},
                                                            "sparse_logits")]


@pytest.mark.parametrize("name,options,kind", LOSSES, ids=[f"{n}{o}" for n, o, _ in LOSSES])
def test_losses_match_keras(tf2, name, options, kind):
    p = RNG.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
    data = {"reg": (RNG.normal(size=(6, 1)), RNG.normal(size=(6, 1))), "prob": (RNG.integers(0, 2, (6, 3)), p),
            "cat": (np.eye(3)[RNG.integers(0, 3, 6)], p / p.sum(1, keepdims=True)),
            "cat_logits": (np.eye(3)[RNG.integers(0, 3, 6)], RNG.normal(size=(6, 3))),
            "sparse": (RNG.integers(0, 3, 6), p / p.sum(1, keepdims=True)),
            "sparse_logits": (RNG.integers(0, 3, 6), RNG.normal(size=(6, 3)))}[kind]
    y_true, y_pred = data[0], data[1].astype(np.float32)
    ours = float(getattr(engine.keras.losses, name)(**options)(y_true, engine.constant(y_pred)))
    theirs = run_tf(tf2, lambda tf: float(getattr(tf.keras.losses, name)(**options)(y_true, tf.constant(y_pred))))
    assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("optimizer", [("SGD", {"learning_rate": 0.05}), ("SGD", {"momentum": 0.9}),
                                       ("SGD", {"momentum": 0.9, "nesterov": True}), ("Adam", {"learning_rate": 0.05})])
def test_fit_matches_keras(tf2, optimizer):
    name, options = optimizer

    def train(k, **fit_options):
        model = _model(k, WEIGHTS)
        model.compile(optimizer=getattr(k.optimizers, name)(**options), loss="mse", metrics=["mae"])
        history = model.fit(X, Y_REG, epochs=4, batch_size=16, shuffle=False, verbose=0, validation_split=0.25)
        return history.history, model.evaluate(X, Y_REG, verbose=0), model.get_weights()
    ours, theirs = train(engine.keras), run_tf(tf2, lambda tf: train(tf.keras))
    assert sorted(ours[0]) == sorted(theirs[0])
    for key in theirs[0]:
        np.testing.assert_allclose(ours[0][key], theirs[0][key], rtol=1e-4)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-4)
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_classification_with_accuracy(tf2):
    def train(k, eager_steps):
        model = k.Sequential([k.layers.Dense(8, activation="relu", input_shape=(3,)),
                              k.layers.Dense(2, activation="softmax")])
        model.set_weights([w for w in CLASS_WEIGHTS])
        model.compile(optimizer=k.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=eager_steps)
        h = model.fit(X, Y_CLASS, epochs=5, batch_size=8, shuffle=False, verbose=0)
        return h.history
    ours = train(engine.keras, True)
    np.testing.assert_allclose(ours["loss"], train(engine.keras, False)["loss"], rtol=1e-5)  # traced == eager
    theirs = run_tf(tf2, lambda tf: train(tf.keras, False))
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-4)
    np.testing.assert_allclose(ours["accuracy"], theirs["accuracy"], rtol=1e-6)
    assert ours["accuracy"][-1] > 0.8


CLASS_WEIGHTS = [RNG.normal(size=(3, 8)).astype(np.float32) * 0.5, np.zeros(8, np.float32),
                 RNG.normal(size=(8, 2)).astype(np.float32) * 0.5, np.zeros(2, np.float32)]


class GuideModel(engine.keras.Model):
    """The model of the seed guide (seeds/001): a subclassed Model with two Dense layers."""

    def __init__(self, units):
        super().__init__()
        self.dense1 = engine.keras.layers.Dense(units=units, activation=engine.nn.relu,
                                                kernel_initializer=engine.random.normal,
                                                bias_initializer=engine.random.normal)
        self.dense2 = engine.keras.layers.Dense(1)

    def call(self, x, training=True):
        x = x[:, engine.newaxis]
        x = self.dense1(x)
        x = self.dense2(x)
        return engine.squeeze(x, axis=1)


def _guide_data(tf):
    x = tf.cast(tf.linspace(-2, 2, 201), tf.float32)
    return x, x ** 2 + 2 * x - 5 + tf.random.normal(shape=[201])


def test_seed_guide_training_loop_falls_like_tensorflow():
    tf = engine
    tf.random.set_seed(1)
    x, y = _guide_data(tf)
    model = GuideModel(64)
    model(x)  # the guide plots the untrained predictions first: that builds the layers
    variables = model.variables
    optimizer = tf.optimizers.SGD(learning_rate=0.01)
    errors = []
    for step in range(300):
        with tf.GradientTape() as tape:
            prediction = model(x)
            mean_error = tf.reduce_mean((y - prediction) ** 2)
        gradient = tape.gradient(mean_error, variables)
        optimizer.apply_gradients(zip(gradient, variables))
        errors.append(float(mean_error))
    # TensorFlow's run in the guide: 16.1 at step 0, then ~1.0 by step 100 (the noise has variance 1)
    assert errors[0] > 3 * errors[-1] and errors[-1] < 1.6 and int(optimizer.iterations.numpy()) == 300


def test_seed_guide_compile_fit_and_save(tmp_path):
    tf = engine
    tf.random.set_seed(2)
    x, y = _guide_data(tf)
    new_model = GuideModel(64)
    new_model.compile(loss=tf.keras.losses.MSE, optimizer=tf.optimizers.SGD(learning_rate=0.01))
    history = new_model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    loss = history.history["loss"]
    assert len(loss) == 30 and loss[0] > 2 * loss[-1] and loss[-1] < 1.6
    assert new_model.evaluate(x, y, verbose=0) == pytest.approx(float(tf.reduce_mean(
        (y - new_model(x)) ** 2)), rel=1e-5)
    new_model.save(str(tmp_path / "my_model"))
    loaded = tf.keras.models.load_model(str(tmp_path / "my_model"))
    assert type(loaded) is GuideModel
    np.testing.assert_allclose(loaded.predict(x), new_model.predict(x), rtol=1e-6)
    assert loaded.fit(x, y, epochs=1, verbose=0).history["loss"][0] < 1.6  # compiled again


def test_sequential_save_load_and_summary(tmp_path, capsys):
    k = engine.keras
    model = _model(k, WEIGHTS, activation="sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.save(str(tmp_path / "m.keras"))
    loaded = k.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dense"]
    model.summary()
    assert "Total params: 21" in capsys.readouterr().out


def test_fit_on_a_dataset_and_errors():
    k = engine.keras
    model = _model(k, WEIGHTS)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(X, Y_REG)
    model.compile(optimizer="sgd", loss="mse")
    ds = engine.data.Dataset.from_tensor_slices((X, Y_REG)).batch(10)
    assert len(model.fit(ds, epochs=3, verbose=0).history["loss"]) == 3
    with pytest.raises(ValueError, match="x e y"):
        model.fit(X, Y_REG[:5])

    class Forgot(k.Model):
        def __init__(self):
            self.d = k.layers.Dense(1)
    with pytest.raises(RuntimeError, match="super"):
        Forgot()(X)


def test_fit_is_reproducible_with_tf_random_set_seed():
    def run(seed):
        engine.random.set_seed(seed)
        model = engine.keras.Sequential([engine.keras.layers.Dense(1, input_shape=(3,))])
        model.compile("sgd", "mse")
        return model.fit(X, Y_REG, epochs=3, batch_size=4, verbose=0).history["loss"]
    assert run(3) == run(3) != run(4)


def _curve_class(k, register=None):
    class Curve(k.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden, self.out = k.layers.Dense(units, activation="relu"), k.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}
    return k.utils.register_keras_serializable(register)(Curve) if register else Curve


def _save_and_load(k, path, register=None, **load):
    model = _curve_class(k, register)(3)
    model(X)
    model.save(path)
    loaded = k.models.load_model(path, **load)
    return type(loaded).__name__, loaded.predict(X, verbose=0) - model.predict(X, verbose=0)


def test_a_keras_file_needs_custom_objects_for_a_class_of_yours_as_in_keras(tf2, tmp_path):
    """A `.keras` file of a class defined in a notebook: TypeError without custom_objects or registration, as
    Keras 3 does, with the Pista; each of the two ways loads it."""
    errors = []
    for name, k in (("tf", None), ("engine", engine.keras)):
        def attempt(k, path=str(tmp_path / f"{name}.keras")):
            with pytest.raises(TypeError) as info:
                _save_and_load(k, path)
            return str(info.value)
        errors.append(run_tf(tf2, lambda tf: attempt(tf.keras)) if k is None else attempt(k))
    theirs, ours = errors
    assert "Could not locate class 'Curve'" in theirs and "Could not locate class 'Curve'" in ours
    assert "Pista:" in ours and "custom_objects={'Curve': Curve}" in ours
    Curve = _curve_class(engine.keras)
    kind, diff = _save_and_load(engine.keras, str(tmp_path / "c.keras"), custom_objects={"Curve": Curve})
    assert kind == "Curve" and not np.abs(diff).max()
    kind, diff = _save_and_load(engine.keras, str(tmp_path / "r.keras"), register="MiCurso")
    assert kind == "Curve" and not np.abs(diff).max()


def test_to_categorical_matches_keras(tf2):
    for y, n in (([0, 2, 1], None), ([[1], [3]], 5), (np.array([[0, 1], [2, 0]]), 3)):
        theirs = run_tf(tf2, lambda tf: tf.keras.utils.to_categorical(y, n))
        ours = engine.keras.utils.to_categorical(y, n)
        # float32 as in TF 1.x and 2.x up to 2.15 (Keras 3 gives float64)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape and (ours == theirs).all()
