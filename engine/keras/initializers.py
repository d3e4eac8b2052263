"""`tf.keras.initializers`: how a layer fills its new weights (Keras' defaults: Glorot uniform kernels, zero biases)."""
import numpy as np

from .. import dtypes as _dt
from ..ops.array_ops import constant, ones, zeros
from ..ops.random_ops import random_normal, random_uniform, truncated_normal


def _fans(shape):
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """`init(shape, dtype)` returns a tensor of initial values."""

    def __call__(self, shape, dtype=None):
        return self.make(list(shape), _dt.as_dtype(dtype or _dt.float32))

    def get_config(self):
        return {k: v for k, v in vars(self).items()}


class Zeros(Initializer):
    def make(self, shape, dtype):
        return zeros(shape, dtype)


class Ones(Initializer):
    def make(self, shape, dtype):
        return ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def make(self, shape, dtype):
        return constant(self.value, dtype=dtype, shape=shape)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def make(self, shape, dtype):
        return random_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def make(self, shape, dtype):
        return random_uniform(shape, self.minval, self.maxval, dtype, seed=self.seed)


class TruncatedNormal(RandomNormal):
    def make(self, shape, dtype):
        return truncated_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)


class VarianceScaling(Initializer):
    """Random values with variance `scale / n` (n: fan_in, fan_out or their mean), normal or uniform."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def make(self, shape, dtype):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = float(np.sqrt(3 * variance))
            return random_uniform(shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_normal(shape, 0.0, float(np.sqrt(variance)), dtype, seed=self.seed)
        return truncated_normal(shape, 0.0, float(np.sqrt(variance)) / .87962566103423978, dtype, seed=self.seed)


def GlorotUniform(seed=None):  # noqa: N802 (Keras' names)
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def GlorotNormal(seed=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed)


def HeNormal(seed=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def HeUniform(seed=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def LecunNormal(seed=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


_BY_NAME = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
            "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
            "lecun_normal": LecunNormal}


def get(identifier):
    """A name ('glorot_uniform'), an Initializer, or any function `f(shape, dtype=...)` such as tf.random.normal."""
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else "".join(
            "_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key not in _BY_NAME:
            raise ValueError(f"Unknown initializer: {identifier!r} (known: {', '.join(sorted(_BY_NAME))})")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(init):
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    raise ValueError(f"Cannot save the custom initializer {init!r}.")


def deserialize(config):
    return globals()[config["class_name"]](**config["config"])
