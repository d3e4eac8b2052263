"""`tf.keras.Model` and `Sequential`: layers plus a training loop (`compile`, `fit`, `evaluate`, `predict`).

`fit` runs one *training step* per batch: the loss under a `GradientTape`, its gradients, one optimizer update.
Unless `compile(run_eagerly=True)`, the step is a `tf.function`: traced once into a graph (the same kind of graph
the TensorFlow 1.x chapters build by hand) and run by a Session for every batch.

`model.save(path)` writes our own format (docs/saving.md): a zip with `config.json` (format version, the architecture,
the arguments each layer was created with, the compile settings) and `weights.npz`; `load_model(path)` rebuilds the
model from it.
"""
import importlib
import io
import json
import time
import zipfile

import numpy as np

from .. import dtypes as _dt
from .. import saving
from ..errors import hinted
from ..framework import convert_to_tensor, is_tensor
from ..eager import GradientTape, TensorSpec, function
from ..eager.context import EagerTensor
from ..ops.random_ops import random_shuffle
from . import layers as _layers
from . import losses as _losses
from . import optimizers as _optimizers
from . import utils as _utils
from .callbacks import History


def _as_array(x):
    """A NumPy array for the data given to fit/evaluate/predict (floats become float32, like Keras)."""
    arr = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return arr.astype(np.float32) if arr.dtype.kind == "f" and arr.dtype != np.float32 else arr


# ---------------------------------------------------------------------------------------------------------------
# Metrics: per-batch values, averaged over the epoch weighted by batch size (as Keras' Mean metrics)
# ---------------------------------------------------------------------------------------------------------------


def _accuracy_fn(loss_name, output_units):
    from ..ops.array_ops import cast, squeeze
    from ..ops.math_ops import argmax, equal, greater, reduce_mean

    def binary(y, p):
        y = cast(y, p.dtype)
        y = squeeze(y, -1) if y.shape.rank == p.shape.rank and p.shape.rank > 1 and p.shape[-1] == 1 else y
        p = squeeze(p, -1) if p.shape.rank > 1 and p.shape[-1] == 1 and y.shape.rank == p.shape.rank - 1 else p
        return reduce_mean(cast(equal(cast(greater(p, 0.5), p.dtype), y), _dt.float32))

    def categorical(y, p):
        return reduce_mean(cast(equal(argmax(y, -1), argmax(p, -1)), _dt.float32))

    def sparse(y, p):
        y = squeeze(y, -1) if y.shape.rank == p.shape.rank else y
        return reduce_mean(cast(equal(cast(y, _dt.int64), argmax(p, -1)), _dt.float32))
    if "sparse" in loss_name:
        return sparse
    if "binary" in loss_name or output_units == 1:
        return binary
    return categorical


def _metric(name, loss_name, output_units):
    from ..ops.math_ops import reduce_mean
    if name in ("accuracy", "acc"):
        return _accuracy_fn(loss_name, output_units)
    if name in ("mse", "mean_squared_error", "mae", "mean_absolute_error"):
        fn = _losses.get(name)
        return lambda y, p: reduce_mean(fn(y, p))
    if callable(name):
        return lambda y, p: reduce_mean(name(y, p))
    raise ValueError(f"Unknown metric: {name!r} (known: accuracy, mse, mae, or a function)")


# ---------------------------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------------------------


class Model(_layers.Layer):
    """A layer with a training loop. Subclass it, create layers in `__init__` and compute in `call(x)`;
    or use `Sequential([...])`."""

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(hinted(
                "The functional API (Model(inputs, outputs)) is not available in this engine.",
                "usa tf.keras.Sequential([...]) o una subclase de tf.keras.Model con un método call."))
        super().__init__(**kwargs)
        self.optimizer = self.loss = None
        self.compiled_metrics, self.history = [], None
        self._step = None

    # --- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, run_eagerly=False, **unused):
        """Chooses the optimizer, the loss and the metrics reported by fit/evaluate."""
        if optimizer == "rmsprop":
            raise ValueError(hinted("RMSprop is not available in this engine.",
                                    "usa optimizer='adam' o optimizer='sgd'."))
        self.optimizer = _optimizers.get(optimizer)
        if loss is None:
            raise ValueError(hinted("compile() needs a loss.", "por ejemplo loss='mse' o "
                                    "loss=tf.keras.losses.SparseCategoricalCrossentropy()."))
        self.loss = _losses.get(loss)
        self._metric_names = list(metrics or [])
        self._compile_args = {"optimizer": optimizer if isinstance(optimizer, str) else None, "loss": loss,
                              "metrics": self._metric_names}
        self.run_eagerly, self._step, self._metrics = run_eagerly, None, None

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(hinted(f"You must call `compile()` before using the model ({what}).",
                                      "llama primero a model.compile(optimizer=..., loss=...)."))

    def _metric_fns(self, y_pred):
        if self._metrics is None:
            units = y_pred.shape[-1] if y_pred.shape.rank else 1
            self._metrics = [(n if isinstance(n, str) else getattr(n, "__name__", "metric"),
                              _metric(n, self.loss.name, units)) for n in self._metric_names]
        return self._metrics

    # --- one step, traced into a graph unless run_eagerly
    def train_step(self, x, y):
        y = convert_to_tensor(y)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss(y, y_pred)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return [loss] + [fn(y, y_pred) for _, fn in self._metric_fns(y_pred)]

    def test_step(self, x, y):
        y = convert_to_tensor(y)
        y_pred = self(x, training=False)
        return [self.loss(y, y_pred)] + [fn(y, y_pred) for _, fn in self._metric_fns(y_pred)]

    def _compiled(self, method, x, y):
        if self.run_eagerly:
            return method
        key = (method.__name__,) + tuple((tuple(a.shape[1:]), str(a.dtype)) for a in (x, y))  # new data, new trace
        cache = self.__dict__.setdefault("_compiled_steps", {})
        if key not in cache:
            spec = lambda a: TensorSpec([None] + list(a.shape[1:]), _dt.as_dtype(a.dtype))  # noqa: E731
            cache[key] = function(method, input_signature=[spec(x), spec(y)])
        return cache[key]

    def _run_epoch(self, method, batches, callbacks=None):
        totals, seen = None, 0
        for i, (xb, yb) in enumerate(batches):
            values = [float(v) for v in self._compiled(method, xb, yb)(xb, yb)]
            n = len(xb)
            totals = [t + v * n for t, v in zip(totals, values)] if totals else [v * n for v in values]
            seen += n
            for cb in callbacks or []:
                cb.on_train_batch_end(i, {"loss": values[0]})
        names = ["loss"] + [n for n, _ in (self._metrics or [])]
        return {name: t / max(seen, 1) for name, t in zip(names, totals or [])}

    # --- training loop
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, **unused):
        """Trains for `epochs` passes over (x, y) in batches of `batch_size` (32); returns a `History` whose
        `.history['loss']` has the mean loss of each epoch."""
        self._require_compiled("fit")
        data = _Data(x, y, batch_size)
        if validation_split and validation_data is None:
            data, validation = data.split(validation_split)
        else:
            validation = None if validation_data is None else _Data(*validation_data, batch_size=batch_size)
        history = History()
        callbacks = [history] + list(callbacks or [])
        for cb in callbacks:
            cb.set_model(self)
            cb.params = {"epochs": epochs, "steps": data.steps, "verbose": verbose}
            cb.on_train_begin()
        self.stop_training = False
        for epoch in range(initial_epoch, epochs):
            start = time.time()
            logs = self._run_epoch(self.train_step, data.batches(shuffle), callbacks)
            if validation is not None:
                logs.update({"val_" + k: v for k, v in self._run_epoch(self.test_step, validation.batches()).items()})
            if verbose in ("auto", 1, 2, True):
                print(f"Epoch {epoch + 1}/{epochs}")
                print(f"{data.steps}/{data.steps} - {time.time() - start:.0f}s - " +
                      " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False, **unused):
        """The loss (and metrics) on (x, y): a number, or a list [loss, metric...] when there are metrics."""
        self._require_compiled("evaluate")
        logs = self._run_epoch(self.test_step, _Data(x, y, batch_size).batches())
        if verbose in ("auto", 1, 2, True):
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", **unused):
        """The model's outputs for `x`, as a NumPy array (computed in batches of `batch_size`)."""
        batches = [self(xb, training=False) for xb, _ in _Data(x, None, batch_size).batches()]
        return np.concatenate([b.numpy() for b in batches])

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, np.ndarray) or not is_tensor(inputs) and not isinstance(inputs, EagerTensor):
            inputs = _as_array(inputs)
        return super().__call__(inputs, *args, **kwargs)

    # --- inspecting and saving
    def summary(self, print_fn=print):
        """A table of the layers, their output sizes and numbers of parameters."""
        print_fn(f'Model: "{self.name}"')
        print_fn(f"{'Layer (type)':<32}{'Param #':>12}")
        print_fn("=" * 44)
        for layer in self.__dict__.get("_layers", []):
            print_fn(f"{layer.name + ' (' + type(layer).__name__ + ')':<32}{layer.count_params():>12,}")
        print_fn("=" * 44)
        trainable = int(sum(np.prod(w.shape.as_list()) for w in self.trainable_weights))
        print_fn(f"Total params: {self.count_params():,}\nTrainable params: {trainable:,}\n"
                 f"Non-trainable params: {self.count_params() - trainable:,}")

    def get_config(self):
        args = self.__dict__.get("_init_arguments")
        if args is None or not _jsonable(args):
            raise NotImplementedError(hinted(
                f"Cannot save {type(self).__name__}: the arguments of its __init__ are not simple values "
                "(numbers, strings, lists). Define get_config() returning them.",
                "o guarda solo los pesos con model.save_weights(ruta) y cárgalos en un modelo nuevo."))
        return dict(args)

    def save(self, filepath, overwrite=True, **unused):
        """Saves architecture, weights and compile settings in one file (our own zip format)."""
        if not self.built:
            raise ValueError(hinted("This model has not been built yet, so it has no weights to save.",
                                    "llama antes al modelo con datos (model(x)) o entrénalo con fit."))
        config = {**saving.header("keras_model"), "class": _class_path(type(self)), "config": self.get_config(),
                  "input_shape": list(self._input_shape), "compile": _jsonable_compile(self)}
        with zipfile.ZipFile(filepath, "w") as z:
            z.writestr("config.json", json.dumps(config, indent=1))
            z.writestr("weights.npz", _npz(self.get_weights()))

    def save_weights(self, filepath, overwrite=True, **unused):
        """Writes the weights, in the order of `get_weights()`, to `<filepath>.npz` (w0, w1...)."""
        saving.write_checkpoint(filepath, _numbered(self.get_weights()))

    def load_weights(self, filepath, **unused):
        values = saving.read_checkpoint(filepath)
        self.set_weights([values[f"w{i}"] for i in range(len(values))])


class Sequential(Model):
    """A stack of layers, each fed with the output of the previous one: `Sequential([Dense(8), Dense(1)])`."""

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, _layers.Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: layer={layer!r}")
        if isinstance(layer, _layers.InputLayer) or (not self._stack and layer._input_shape is not None):
            self._input_shape = layer._input_shape
        if not isinstance(layer, _layers.InputLayer):
            self._stack = self._stack + [layer]
        if self._input_shape is not None:  # input size known: build the new layer now (Keras does too)
            self(np.zeros([1] + list(self._input_shape[1:]), dtype=np.float32))

    @property
    def layers(self):
        return list(self._stack)

    def call(self, inputs, training=False):
        for layer in self._stack:
            inputs = layer(inputs, training=training)
        return inputs

    def get_config(self):
        return {"name": self.name, "layers": [{"class": _class_path(type(layer)), "config": layer.get_config()}
                                              for layer in self._stack]}

    @classmethod
    def from_config(cls, config, custom_objects=None, anywhere=False):
        return cls([_class_from(c["class"], custom_objects, anywhere)(**c["config"]) for c in config["layers"]],
                   name=config["name"])


# ---------------------------------------------------------------------------------------------------------------
# Data in batches
# ---------------------------------------------------------------------------------------------------------------


class _Data:
    """(x, y) arrays, or a tf.data.Dataset of (x, y) batches."""

    def __init__(self, x, y=None, batch_size=None):
        from ..data import Dataset
        self.dataset = x if isinstance(x, Dataset) else None
        if self.dataset is None:
            if x is None:
                raise ValueError(hinted("No data given.", "pasa los datos: model.fit(x, y, epochs=...)."))
            self.x, self.y = _as_array(x), None if y is None else _as_array(y)
            if self.y is not None and len(self.x) != len(self.y):
                raise ValueError(hinted(f"Data cardinality is ambiguous: x has {len(self.x)} samples but y has "
                                        f"{len(self.y)}.", "x e y deben tener el mismo número de ejemplos (filas)."))
        self.batch_size = batch_size or 32

    @property
    def steps(self):
        if self.dataset is not None:
            n = self.dataset._cardinality()
            return n if n >= 0 else "?"
        return -(-len(self.x) // self.batch_size)

    def split(self, fraction):
        if self.dataset is not None:
            raise ValueError("validation_split is only supported for NumPy arrays and tensors, not datasets.")
        n = int(len(self.x) * (1 - fraction))
        train, val = _Data.__new__(_Data), _Data.__new__(_Data)
        for part, sl in ((train, slice(0, n)), (val, slice(n, None))):
            part.dataset, part.batch_size = None, self.batch_size
            part.x, part.y = self.x[sl], None if self.y is None else self.y[sl]
        return train, val

    def batches(self, shuffle=False):
        if self.dataset is not None:
            for element in self.dataset:
                xb, yb = element if isinstance(element, tuple) else (element, None)
                yield _as_array(xb), None if yb is None else _as_array(yb)
            return
        order = np.arange(len(self.x))
        if shuffle:  # a random op, so that tf.random.set_seed makes fit reproducible
            order = random_shuffle(order).numpy()
        for i in range(0, len(self.x), self.batch_size):
            idx = order[i:i + self.batch_size]
            yield self.x[idx], None if self.y is None else self.y[idx]


# ---------------------------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------------------------


def _numbered(arrays):
    return {f"w{i}": a for i, a in enumerate(arrays)}


def _npz(arrays):
    buf = io.BytesIO()
    np.savez(buf, **_numbered(arrays))
    return buf.getvalue()


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except TypeError:
        return False


def _jsonable_compile(model):
    if model.loss is None:
        return None
    loss = model._compile_args["loss"]
    opt = model.optimizer
    return {"optimizer": {"class": type(opt).__name__, "config": opt.get_config()},
            "loss": loss if isinstance(loss, str) else model.loss.name,
            "metrics": [m for m in model._metric_names if isinstance(m, str)]}


def _class_path(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


def _class_from(path, custom_objects=None, anywhere=False):
    """The class saved as `module:QualName`: one in `custom_objects`, a registered one, the engine's own, or (with
    `anywhere`) any importable one.  As in Keras 3, a `.keras` or `.h5` file finds a class of yours only the first
    two ways; a SavedModel-style folder (no extension) finds it anywhere, as TF 2's Keras 2 revived those."""
    module, qualname = path.split(":")
    name = qualname.split(".")[-1]
    cls = (custom_objects or {}).get(name) or _utils.registered(name)
    if cls is None and (anywhere or module.split(".")[0] == __name__.split(".")[0]):
        try:
            cls = importlib.import_module(module)
        except ImportError:
            pass
        for part in qualname.split("."):
            cls = getattr(cls, part, None)
    if cls is None:
        raise TypeError(hinted(
            f"Could not locate class '{name}'. Make sure custom classes and functions are decorated with "
            "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they are all "
            "imported so that the decorator is run before trying to load them.",
            f"Keras solo conoce sus propias clases: pasa la tuya a load_model con "
            f"custom_objects={{'{name}': {name}}} (define o importa la clase antes de cargar)."))
    return cls


def load_model(filepath, custom_objects=None, compile=True, **unused):
    """A model saved with `model.save(filepath)`: same architecture, same weights, compiled again."""
    with zipfile.ZipFile(filepath) as z:
        config = json.loads(z.read("config.json"))
        if config.get("format") == "engine-keras-1":  # the first engine's name for version 1
            config.update(saving.header("keras_model"))
        saving.check_header(config, "keras_model", filepath)
        with np.load(io.BytesIO(z.read("weights.npz"))) as data:
            weights = [data[f"w{i}"] for i in range(len(data.files))]
    anywhere = not str(filepath).endswith((".keras", ".h5"))
    cls = _class_from(config["class"], custom_objects, anywhere)
    model = (cls.from_config(config["config"], custom_objects, anywhere) if issubclass(cls, Sequential)
             else cls.from_config(config["config"]) if hasattr(cls, "from_config") else cls(**config["config"]))
    shape = [1 if d is None else d for d in config["input_shape"]]
    model(np.zeros(shape, dtype=np.float32))
    model.set_weights(weights)
    if compile and config.get("compile"):
        c = config["compile"]
        opt = getattr(_optimizers, c["optimizer"]["class"])(**c["optimizer"]["config"])
        model.compile(optimizer=opt, loss=c["loss"], metrics=c["metrics"])
    return model


Model.from_config = classmethod(lambda cls, config: cls(**config))
Sequential.from_config = classmethod(Sequential.from_config.__func__)
