"""Initializers: objects that make a tensor of initial values, `init(shape, dtype)`.

The same classes serve TensorFlow 1.x (`tf.zeros_initializer()`, `tf.glorot_uniform_initializer()` for
`tf.get_variable`) and Keras (`tf.keras.initializers.GlorotUniform()`); only some defaults differ, as in TensorFlow.
Glorot, He and LeCun are all `VarianceScaling`: random values whose variance is `scale / n`, n a fan of the weight.
"""
import numpy as np

from . import dtypes as _dt
from .ops.array_ops import constant, ones, zeros
from .ops.random_ops import random_normal, random_uniform, truncated_normal
from .shapes import as_shape


class Initializer:
    """`init(shape, dtype=None)` returns a tensor of initial values (dtype: the one given at construction, else
    float32)."""

    dtype = None

    def __call__(self, shape, dtype=None, partition_info=None):
        return self.make(as_shape(shape).as_list(), _dt.as_dtype(dtype or self.dtype or _dt.float32))

    def get_config(self):
        return dict(vars(self))


class Zeros(Initializer):
    def __init__(self, dtype=None):
        self.dtype = dtype

    def make(self, shape, dtype):
        return zeros(shape, dtype)


class Ones(Zeros):
    def make(self, shape, dtype):
        return ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value=0, dtype=None, verify_shape=False):
        self.value, self.dtype = value, dtype

    def make(self, shape, dtype):
        return constant(self.value, dtype=dtype, shape=shape)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=None):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def make(self, shape, dtype):
        return random_uniform(shape, self.minval, self.maxval, dtype, seed=self.seed)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=None):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def make(self, shape, dtype):
        return random_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)


class TruncatedNormal(RandomNormal):
    """Normal values redrawn when more than two standard deviations from the mean."""

    def make(self, shape, dtype):
        return truncated_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)


def _fans(shape):
    """(fan_in, fan_out) of a weight: its inputs and outputs (times the receptive field of a convolution)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Random values with variance `scale / n` (n: fan_in, fan_out or their mean), uniform or (truncated) normal."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, dtype=None):
        self.scale, self.mode, self.distribution, self.seed, self.dtype = scale, mode, distribution, seed, dtype

    def make(self, shape, dtype):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = float(np.sqrt(3 * variance))
            return random_uniform(shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_normal(shape, 0.0, float(np.sqrt(variance)), dtype, seed=self.seed)
        # a normal truncated at two standard deviations has a smaller spread: this constant restores it
        return truncated_normal(shape, 0.0, float(np.sqrt(variance)) / .87962566103423978, dtype, seed=self.seed)


def GlorotUniform(seed=None, dtype=None):  # noqa: N802 (Keras' names)
    """Uniform in ±sqrt(6 / (fan_in + fan_out)) (Xavier Glorot's rule): Keras' and get_variable's default."""
    return VarianceScaling(1.0, "fan_avg", "uniform", seed, dtype)


def GlorotNormal(seed=None, dtype=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed, dtype)


def HeNormal(seed=None, dtype=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed, dtype)


def HeUniform(seed=None, dtype=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "uniform", seed, dtype)


def LecunNormal(seed=None, dtype=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed, dtype)


# TensorFlow 1.x's names (tf.zeros_initializer() ...), with its defaults
zeros_initializer, ones_initializer, constant_initializer = Zeros, Ones, Constant
glorot_uniform_initializer, glorot_normal_initializer = GlorotUniform, GlorotNormal
variance_scaling_initializer = VarianceScaling


def random_uniform_initializer(minval=-0.05, maxval=0.05, seed=None, dtype=None):
    return RandomUniform(minval, maxval, seed, dtype)


def random_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=None):
    return RandomNormal(mean, stddev, seed, dtype)


def truncated_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=None):
    return TruncatedNormal(mean, stddev, seed, dtype)
