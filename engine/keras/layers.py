"""`tf.keras.layers`: a `Layer` owns weights (created by `build` on its first call, when the input size is known)
and computes `call(inputs)`. `Dense` is `activation(inputs @ kernel + bias)`."""
import collections
import inspect
import re

import numpy as np

from .. import dtypes as _dt
from ..eager.context import init_scope
from ..errors import hinted
from ..framework import convert_to_tensor, is_tensor
from .. import layers as _tf_layers
from ..module import Module
from ..ops.conv_ops import avg_pool, max_pool
from ..ops.array_ops import cast, reshape
from ..ops.math_ops import matmul, tensordot
from ..shapes import TensorShape
from ..variables import Variable
from . import activations, initializers

_name_counts = collections.Counter()


def _snake_case(name):
    """Keras' rule (not tf.Module's): Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, MyModel -> my_model."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    """Keras' layer names: 'dense', 'dense_1', 'dense_2'..."""
    n = _name_counts[prefix]
    _name_counts[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


class Layer(Module):
    """Base class of layers and models. Subclasses create weights in `build(input_shape)` with `add_weight` and
    compute in `call(inputs)`; calling the layer builds it once, then calls `call`."""

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        try:  # remembered to save the model: the arguments it was made with (as Keras 3 does)
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            self.__dict__["_init_arguments"] = {k: v for k, v in list(bound.arguments.items())[1:]}
        except TypeError:
            self.__dict__["_init_arguments"] = None
        return self

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, input_dim=None, **kwargs):
        unknown = set(kwargs) - {"batch_input_shape", "dynamic", "autocast"}
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)}")
        super().__init__(name or unique_name(_snake_case(type(self).__name__)))
        self.trainable, self.built = trainable, False
        self.dtype = _dt.as_dtype(dtype or _dt.float32)
        self._own_weights = []
        if input_dim is not None:
            input_shape = (input_dim,)
        self._input_shape = None if input_shape is None else (None,) + tuple(input_shape)

    def __setattr__(self, name, value):
        layers = self.__dict__.setdefault("_layers", [])
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(v, Layer) and v is not self and all(v is not x for x in layers):
                layers.append(v)
        super().__setattr__(name, value)

    # --- weights
    def add_weight(self, name=None, shape=None, dtype=None, initializer="glorot_uniform", trainable=True, **unused):
        """A new variable of this layer, named '<layer>/<name>', filled by `initializer`."""
        init = initializers.get(initializer)
        dtype = _dt.as_dtype(dtype or self.dtype)
        shape = [int(d) for d in shape or []]
        with init_scope():
            var = Variable(lambda: init(shape, dtype=dtype), trainable=trainable, dtype=dtype,
                           name=f"{self.name}/{name or 'weight'}")
        self._own_weights.append(var)
        return var

    def _all_layers(self):
        return [self] + [x for layer in self.__dict__.get("_layers", []) for x in layer._all_layers()]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        return own + [w for layer in self.__dict__.get("_layers", []) for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        own = [w for w in self._own_weights if not w.trainable or not self.trainable]
        return own + [w for layer in self.__dict__.get("_layers", []) for w in
                      (layer.non_trainable_weights if self.trainable else layer.weights)]

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The values of the weights, as NumPy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays (same order and shapes as `get_weights()`)."""
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(mine)} weights.")
        for var, value in zip(mine, weights):
            value = np.asarray(value)
            if tuple(var.shape.as_list()) != value.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(var.shape.as_list())} is not compatible "
                                 f"with provided weight shape {value.shape}.")
            var.assign(value.astype(var.dtype.np))

    def count_params(self):
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # --- calling
    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        if "_own_weights" not in self.__dict__:
            raise RuntimeError(hinted(
                f"It looks like you are subclassing `{type(self).__name__}` and you forgot to call "
                "`super().__init__()`. Always start with this line.",
                "en el __init__ de tu clase escribe primero super().__init__()."))
        if not is_tensor(inputs):
            inputs = convert_to_tensor(np.asarray(inputs))
        if inputs.dtype.is_floating and inputs.dtype != self.dtype:  # Keras casts inputs to the layer's dtype
            inputs = cast(inputs, self.dtype)
        if not self.built:
            self._input_shape = tuple(inputs.shape.as_list())
            self.build(TensorShape(inputs.shape))
            self.built = True
        if "training" not in inspect.signature(self.call).parameters:
            kwargs.pop("training", None)
        with self.name_scope:
            return self.call(inputs, *args, **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}


class Dense(Layer):
    """A fully connected layer: `activation(inputs @ kernel + bias)`; `units` outputs per example."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: "
                             f"units={units}")
        self.units, self.use_bias = int(units), use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise ValueError(hinted(f"The last dimension of the inputs to a Dense layer should be defined. Found "
                                    f"None. Full input shape received: {input_shape}",
                                    "Dense necesita saber cuántas entradas tiene cada ejemplo (la última dimensión); "
                                    "si tu entrada es un vector, dale forma [n, 1] con x[:, tf.newaxis]."))
        self.kernel = self.add_weight("kernel", [last, self.units], initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer) if self.use_bias \
            else None
        self.built = True

    def call(self, inputs):
        rank, last = inputs.shape.rank, self.kernel.shape[0]
        if rank is not None and (rank < 2 or inputs.shape[-1] not in (None, last)):
            raise ValueError(hinted(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axis -1 of input shape to "
                f"have value {last}, but received input with shape {inputs.shape}",
                f"cada ejemplo debe tener {last} valor(es) en la última dimensión: para un vector de n números, "
                f"dale forma (n, 1) con x.reshape(-1, 1) o x[:, None]." if rank < 2 else
                f"esta capa se construyó para entradas de {last} valores por ejemplo."))
        if rank == 2:
            out = matmul(inputs, self.kernel)
        else:
            out = tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias}


class Flatten(Layer):
    """Flattens each example into a vector: shape [batch, a, b] -> [batch, a * b]."""

    def call(self, inputs):
        n = int(np.prod(inputs.shape.as_list()[1:]))
        return reshape(inputs, [-1, n])


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """While training, zeroes each input with probability `rate` (and scales the rest by 1 / (1 - rate))."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        from .. import nn
        return nn.dropout(inputs, rate=self.rate, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class InputLayer(Layer):
    """Only declares the input shape of a Sequential model: `keras.Input(shape=(3,))`."""

    def __init__(self, shape=None, input_shape=None, **kwargs):
        super().__init__(input_shape=shape if shape is not None else input_shape, **kwargs)


def Input(shape=None, batch_size=None, name=None, dtype=None):  # noqa: N802 (Keras' name)
    return InputLayer(shape=shape, name=name, dtype=dtype)


# ---------------------------------------------------------------------------------------------------------------
# Convolutional networks: the same computations as tf.layers (engine/layers.py)
# ---------------------------------------------------------------------------------------------------------------


class Conv2D(Layer):
    """`filters` convolutions of a kernel_size window over images [batch, height, width, channels]:
    `activation(conv2d(inputs, kernel) + bias)`."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(**kwargs)
        _tf_layers._channels_last(data_format)
        self.filters, self.kernel_size = int(filters), _tf_layers._pair(kernel_size, "kernel_size")
        self.strides, self.padding = _tf_layers._pair(strides, "strides"), _tf_layers._padding(padding)
        self.dilation_rate = _tf_layers._pair(dilation_rate, "dilation_rate")
        self.activation, self.use_bias = activations.get(activation), use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        _tf_layers.require_images(input_shape, self.name)
        self.kernel = self.add_weight("kernel", [*self.kernel_size, input_shape[-1], self.filters],
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer) if self.use_bias \
            else None
        self.built = True

    def call(self, inputs):
        return _tf_layers.convolution(inputs, self.kernel, self.bias, self.strides, self.padding,
                                      self.dilation_rate, self.activation)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding.lower(), "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}


class _Pooling2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        _tf_layers._channels_last(data_format)
        self.pool_size = _tf_layers._pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else _tf_layers._pair(strides, "strides")
        self.padding = _tf_layers._padding(padding)

    def call(self, inputs):
        return self._pool(inputs, self.pool_size, self.strides, self.padding)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding.lower()}


class MaxPooling2D(_Pooling2D):
    """The maximum of each pool_size window (strides: pool_size by default)."""
    _pool = staticmethod(max_pool)


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window (strides: pool_size by default)."""
    _pool = staticmethod(avg_pool)


MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D


class BatchNormalization(Layer):
    """Normalizes each channel (the last axis): while training with the batch's mean and variance, updating their
    moving averages; otherwise with those averages. Then scales by gamma and shifts by beta."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 **kwargs):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self._initializers = [initializers.get(i) for i in (beta_initializer, gamma_initializer,
                                                            moving_mean_initializer, moving_variance_initializer)]

    def build(self, input_shape):
        channels = [input_shape[self.axis]]
        beta, gamma, mean, variance = self._initializers
        self.gamma = self.add_weight("gamma", channels, initializer=gamma) if self.scale else None
        self.beta = self.add_weight("beta", channels, initializer=beta) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", channels, initializer=mean, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", channels, initializer=variance, trainable=False)
        self.built = True

    def call(self, inputs, training=False):
        if not training:
            return _tf_layers.normalize(inputs, self.moving_mean, self.moving_variance, self.beta, self.gamma,
                                        self.epsilon, self.axis)
        mean, variance, _ = _tf_layers.batch_statistics(inputs, self.axis)
        for var, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            var.assign(var * self.momentum + value * (1 - self.momentum))
        return _tf_layers.normalize(inputs, mean, variance, self.beta, self.gamma, self.epsilon, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}


from .recurrent import GRU, LSTM, SimpleRNN, Embedding  # noqa: E402,F401  (recurrent layers: engine/keras/recurrent.py)
