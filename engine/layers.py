"""`tf.layers` (TensorFlow 1.x): ready-made layers that create their own variables.

Each call of `tf.layers.dense(x, 10)` opens a variable scope named after the layer (`dense`, then `dense_1`...; or
`name=`) and creates its variables there with `tf.get_variable` (`dense/kernel`, `dense/bias`), so the usual rules
apply: `reuse=True` (or an outer `variable_scope(..., reuse=True)`) shares them instead. The default initializers are
TensorFlow's: Glorot uniform for kernels, zeros for biases. The class forms (`tf.layers.Dense(10)`) create the
variables on their first call and use the same ones on every later call.

`batch_normalization` keeps moving averages of the mean and variance in two non-trainable variables; while
training, the ops that update them are added to the `tf.GraphKeys.UPDATE_OPS` collection: run them with the
training step (`with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)): train = ...`).
"""
import numpy as np

from . import dtypes as _dt
from .errors import hinted
from .framework import GraphKeys, add_to_collection, convert_to_tensor, get_default_graph, is_tensor
from .initializers import ones_initializer, zeros_initializer
from .ops import conv_ops
from .ops.array_ops import identity, reshape, shape, stack
from .ops.control_flow_ops import cond
from .ops.math_ops import cast, matmul, maximum, reduce_prod, tensordot, where_v2
from .ops.nn_ops import bias_add, dropout as _nn_dropout, moments
from .variables import get_variable, variable_scope


def _pair(value, what):
    values = tuple(int(v) for v in (value if isinstance(value, (list, tuple)) else [value] * 2))
    if len(values) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: {value}")
    return values


def _padding(padding):
    """'same' / 'valid' in any case (Keras' spelling) -> TensorFlow's 'SAME' / 'VALID'."""
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(hinted(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}",
                                "padding='same' conserva el tamaño (con stride 1); padding='valid' no rellena."))
    return padding.upper()


def _channels_last(data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(hinted(f"Only data_format='channels_last' (NHWC) is supported in this engine, got "
                                f"{data_format!r}.", "usa imágenes [lote, alto, ancho, canales]."))


# ---------------------------------------------------------------------------------------------------------------
# The computations, shared with tf.keras.layers (engine/keras/layers.py)
# ---------------------------------------------------------------------------------------------------------------


def require_images(input_shape, layer_name):
    """A convolution layer takes images [batch, height, width, channels] with a known number of channels."""
    if input_shape.rank != 4 or input_shape[-1] is None:
        raise ValueError(hinted(
            f"Input 0 of layer \"{layer_name}\" is incompatible with the layer: expected ndim=4 with a known last "
            f"dimension, found ndim={input_shape.rank}. Full shape received: {input_shape}",
            "una capa convolucional recibe imágenes [lote, alto, ancho, canales]: añade el canal con "
            "tf.reshape(x, [-1, alto, ancho, 1]) o x[..., tf.newaxis]."))


def linear(inputs, kernel, bias, activation):
    """activation(inputs @ kernel + bias), over the last axis of inputs of any rank."""
    if inputs.shape.rank == 2:
        out = matmul(inputs, kernel)
    else:
        out = tensordot(inputs, kernel, [[inputs.shape.rank - 1], [0]])
    if bias is not None:
        out = bias_add(out, bias)
    return activation(out) if activation is not None else out


def convolution(inputs, kernel, bias, strides, padding, dilation_rate, activation):
    out = conv_ops.conv2d(inputs, kernel, strides, padding, dilations=dilation_rate)
    if bias is not None:
        out = bias_add(out, bias)
    return activation(out) if activation is not None else out


def transposed_size(size, kernel, stride, padding):
    """The spatial size that conv2d_transpose produces (Keras' rule)."""
    if size is None:
        return None
    return size * stride if padding == "SAME" else size * stride + max(kernel - stride, 0)


def transposed_convolution(inputs, kernel, bias, strides, padding, activation):
    """The transpose of a convolution with `kernel` [h, w, filters, in_channels]: upsampling by `strides`."""
    dims = inputs.shape.as_list()
    out_hw = [transposed_size(dims[1 + d], kernel.shape[d], strides[d], padding) for d in range(2)]
    batch = dims[0] if dims[0] is not None else shape(inputs)[0]
    dynamic = [shape(inputs)[1 + d] * strides[d] if out_hw[d] is None else out_hw[d] for d in range(2)]
    out_shape = stack([batch] + dynamic + [kernel.shape[2]]) if any(is_tensor(v) for v in [batch] + dynamic) \
        else [batch] + out_hw + [kernel.shape[2]]
    out = conv_ops.conv2d_transpose(inputs, kernel, out_shape, [1, *strides, 1], padding)
    out.set_shape([dims[0]] + out_hw + [kernel.shape[2]])
    if bias is not None:
        out = bias_add(out, bias)
    return activation(out) if activation is not None else out


def flatten(inputs, name=None):
    """[batch, a, b, ...] -> [batch, a * b * ...]."""
    with get_default_graph().name_scope(name or "flatten"):
        inputs = convert_to_tensor(inputs)
        rest = inputs.shape.as_list()[1:]
        if None in rest:
            return reshape(inputs, stack([shape(inputs)[0], reduce_prod(shape(inputs)[1:])]))
        return reshape(inputs, [-1, int(np.prod(rest))])


def batch_statistics(inputs, axis):
    """(mean, variance, unbiased variance) of `inputs` over every axis but `axis` (the channels)."""
    rank = inputs.shape.rank
    axes = [i for i in range(rank) if i != axis % rank]
    mean, variance = moments(inputs, axes)
    n = cast(reduce_prod([shape(inputs)[i] for i in axes]), inputs.dtype)
    return mean, variance, variance * (n / maximum(n - 1, 1))


def normalize(inputs, mean, variance, beta, gamma, epsilon, axis):
    """(inputs - mean) / sqrt(variance + epsilon) * gamma + beta, the statistics along `axis`."""
    rank = inputs.shape.rank
    if axis % rank != rank - 1:  # the statistics are vectors of the channels: make them broadcast along `axis`
        along = [1] * rank
        along[axis % rank] = -1
        mean, variance, beta, gamma = (None if t is None else reshape(t, along) for t in (mean, variance, beta, gamma))
    return conv_ops.batch_normalization(inputs, mean, variance, beta, gamma, epsilon)


# ---------------------------------------------------------------------------------------------------------------
# The layers
# ---------------------------------------------------------------------------------------------------------------


class Layer:
    """A TensorFlow 1.x layer: `build` creates the variables (get_variable, in the layer's variable scope) on the
    first call, `call` computes; later calls reuse the variables (and the name scope)."""

    _base_name = "layer"

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **unused):
        self.trainable, self.name, self.built = trainable, name, False
        self.dtype = None if dtype is None else _dt.as_dtype(dtype)  # None: the inputs' dtype
        self._reuse, self._name_scope = _reuse, None
        self.variables = []

    def add_variable(self, name, shape, initializer, trainable=True, regularizer=None):
        var = get_variable(name, shape, self.dtype, initializer, regularizer=regularizer,
                           trainable=trainable and self.trainable)
        self.variables.append(var)
        return var

    add_weight = add_variable

    @property
    def trainable_variables(self):
        return [v for v in self.variables if v.trainable]

    trainable_weights = trainable_variables

    @property
    def weights(self):
        return list(self.variables)

    def build(self, input_shape):
        pass

    def __call__(self, inputs, *args, **kwargs):
        inputs = convert_to_tensor(inputs)
        if self.dtype is None:
            self.dtype = inputs.dtype if inputs.dtype.is_floating else _dt.float32
        if self.built:
            with get_default_graph().name_scope(self._name_scope):
                return self.call(inputs, *args, **kwargs)
        with variable_scope(self.name, default_name=self._base_name, reuse=self._reuse) as scope:
            self.name, self._name_scope = scope.name, scope.original_name_scope
            self.build(inputs.shape)
            self.built = True
            return self.call(inputs, *args, **kwargs)

    apply = __call__


class Dense(Layer):
    _base_name = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation, self.use_bias = int(units), activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise ValueError(hinted("The last dimension of the inputs to `Dense` should be defined. Found `None`.",
                                    "la capa densa necesita saber el tamaño de cada ejemplo: da forma a la entrada "
                                    "(p. ej. tf.layers.flatten) o declara el placeholder con esa dimensión."))
        self.kernel = self.add_variable("kernel", [last, self.units], self.kernel_initializer,
                                        regularizer=self.kernel_regularizer)
        self.bias = self.add_variable("bias", [self.units], self.bias_initializer,
                                      regularizer=self.bias_regularizer) if self.use_bias else None

    def call(self, inputs):
        return linear(inputs, self.kernel, self.bias, self.activation)


class Conv2D(Layer):
    _base_name = "conv2d"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.filters, self.kernel_size = int(filters), _pair(kernel_size, "kernel_size")
        self.strides, self.padding = _pair(strides, "strides"), _padding(padding)
        self.dilation_rate, self.activation, self.use_bias = _pair(dilation_rate, "dilation_rate"), activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def _kernel_shape(self, channels):
        return [*self.kernel_size, channels, self.filters]

    def build(self, input_shape):
        require_images(input_shape, self.name)
        self.kernel = self.add_variable("kernel", self._kernel_shape(input_shape[-1]), self.kernel_initializer,
                                        regularizer=self.kernel_regularizer)
        self.bias = self.add_variable("bias", [self.filters], self.bias_initializer,
                                      regularizer=self.bias_regularizer) if self.use_bias else None

    def call(self, inputs):
        return convolution(inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate,
                           self.activation)


class Conv2DTranspose(Conv2D):
    _base_name = "conv2d_transpose"

    def _kernel_shape(self, channels):
        return [*self.kernel_size, self.filters, channels]

    def call(self, inputs):
        return transposed_convolution(inputs, self.kernel, self.bias, self.strides, self.padding, self.activation)


class _Pooling2D(Layer):
    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format)
        self.pool_size, self.strides = _pair(pool_size, "pool_size"), _pair(strides, "strides")
        self.padding = _padding(padding)

    def call(self, inputs):
        return self._pool(inputs, self.pool_size, self.strides, self.padding)


class MaxPooling2D(_Pooling2D):
    _base_name, _pool = "max_pooling2d", staticmethod(conv_ops.max_pool)


class AveragePooling2D(_Pooling2D):
    _base_name, _pool = "average_pooling2d", staticmethod(conv_ops.avg_pool)


class Dropout(Layer):
    _base_name = "dropout"

    def __init__(self, rate=0.5, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        def drop():
            return _nn_dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        if is_tensor(training):
            return cond(training, drop, lambda: identity(inputs))
        return drop() if training else identity(inputs)


class Flatten(Layer):
    _base_name = "flatten"

    def call(self, inputs):
        return flatten(inputs, name=self._name_scope)


class BatchNormalization(Layer):
    _base_name = "batch_normalization"

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                 moving_mean_initializer=zeros_initializer(), moving_variance_initializer=ones_initializer(),
                 beta_regularizer=None, gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon, self.center, self.scale = axis, momentum, epsilon, center, scale
        self.initializers = (beta_initializer, gamma_initializer, moving_mean_initializer,
                             moving_variance_initializer)
        self.regularizers = (beta_regularizer, gamma_regularizer)

    def build(self, input_shape):
        axis = self.axis if isinstance(self.axis, int) else self.axis[0]
        channels = input_shape[axis] if input_shape.rank is not None else None
        if channels is None:
            raise ValueError(f"Axis {axis} of input tensor should have a defined dimension but the layer received an "
                             f"input with shape {input_shape}.")
        beta, gamma, mean, variance = self.initializers
        self.gamma = self.add_variable("gamma", [channels], gamma, regularizer=self.regularizers[1]) \
            if self.scale else None
        self.beta = self.add_variable("beta", [channels], beta, regularizer=self.regularizers[0]) \
            if self.center else None
        self.moving_mean = self.add_variable("moving_mean", [channels], mean, trainable=False)
        self.moving_variance = self.add_variable("moving_variance", [channels], variance, trainable=False)

    def call(self, inputs, training=False):
        axis = self.axis if isinstance(self.axis, int) else self.axis[0]
        moving = (self.moving_mean.value(), self.moving_variance.value())
        if training is False:
            return normalize(inputs, *moving, self.beta, self.gamma, self.epsilon, axis)
        mean, variance, unbiased = batch_statistics(inputs, axis)
        # TensorFlow updates the moving variance with the unbiased batch variance for images (its fused kernel)
        new_variance = unbiased if inputs.shape.rank == 4 and axis % 4 == 3 else variance
        decay = 1 - self.momentum
        if is_tensor(training):  # chosen when the graph runs
            mean, variance = where_v2(training, mean, moving[0]), where_v2(training, variance, moving[1])
            for t, m in zip((mean, variance), moving):  # `training` is a scalar: the statistics keep their shape
                t.set_shape(m.shape)
            decay = decay * cast(training, inputs.dtype)
        for var, value, name in ((self.moving_mean, mean, "AssignMovingAvg"),
                                 (self.moving_variance, new_variance, "AssignMovingAvg_1")):
            with get_default_graph().name_scope(name):
                add_to_collection(GraphKeys.UPDATE_OPS, var.assign_sub((var.value() - value) * decay))
        return normalize(inputs, mean, variance, self.beta, self.gamma, self.epsilon, axis)


# ---------------------------------------------------------------------------------------------------------------
# The functional forms: one new layer per call
# ---------------------------------------------------------------------------------------------------------------


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=zeros_initializer(),
          kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """activation(inputs @ kernel + bias): a fully connected layer of `units` outputs."""
    return Dense(units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                 bias_regularizer, trainable=trainable, name=name, _reuse=reuse)(inputs)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """A 2-D convolution of `filters` output channels with a kernel_size window (and a bias, and activation)."""
    return Conv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                  kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, trainable=trainable,
                  name=name, _reuse=reuse)(inputs)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None, bias_initializer=zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """The transpose of conv2d: upsamples by `strides` (decoders, GAN generators)."""
    return Conv2DTranspose(filters, kernel_size, strides, padding, data_format, (1, 1), activation, use_bias,
                           kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                           trainable=trainable, name=name, _reuse=reuse)(inputs)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return MaxPooling2D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return AveragePooling2D(pool_size, strides, padding, data_format, name=name)(inputs)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """While `training` (a bool or a boolean tensor), zeroes each input with probability `rate` and scales the rest
    by 1 / (1 - rate); otherwise returns the inputs."""
    return Dropout(rate, noise_shape, seed, name=name)(inputs, training=training)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(),
                        moving_variance_initializer=ones_initializer(), beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
    """Normalizes each channel with the batch's statistics (training) or their moving averages (inference); the
    updates of the moving averages go to tf.GraphKeys.UPDATE_OPS."""
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and adjustment are not available "
                                  "in this engine.")
    layer = BatchNormalization(axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer,
                               moving_mean_initializer, moving_variance_initializer, beta_regularizer,
                               gamma_regularizer, trainable=trainable, name=name, _reuse=reuse)
    return layer(inputs, training=training)


Convolution2D, Convolution2DTranspose = Conv2D, Conv2DTranspose  # TensorFlow's other names
MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D
