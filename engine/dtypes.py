"""Data types: TensorFlow's `DType` objects over NumPy dtypes."""
import builtins

import numpy as np


class DType:
    """A tensor element type, e.g. `engine.float32`. Compare with `==` against DTypes, strings or NumPy types."""

    def __init__(self, name, np_type):
        self.name = name
        self.as_numpy_dtype = np_type
        self.np = np.dtype(np_type)

    @property
    def is_floating(self):
        return self.np.kind == "f"

    @property
    def is_integer(self):
        return self.np.kind in "iu"

    @property
    def is_bool(self):
        return self.np.kind == "b"

    @property
    def base_dtype(self):
        return self

    @property
    def min(self):
        return np.finfo(self.np).min if self.is_floating else np.iinfo(self.np).min

    @property
    def max(self):
        return np.finfo(self.np).max if self.is_floating else np.iinfo(self.np).max

    def __eq__(self, other):
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
bool = DType("bool", np.bool_)  # noqa: A001 (TensorFlow's name)
string = DType("string", np.object_)
half, double = float16, float64

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, bool, string]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "int": int32, "str": string, "bytes": string})
_BY_NP = {d.np: d for d in _ALL}
_BY_NP.update({np.dtype("U"): string, np.dtype("S"): string})


def as_dtype(value):
    """Converts a DType, a name ("float32", "float"), a NumPy dtype or a Python type to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is float:
        return float32
    if value is int:
        return int32
    if value is builtins.bool:
        return bool
    try:
        npd = np.dtype(value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd.kind in "US":
            return string
        if npd in _BY_NP:
            return _BY_NP[npd]
    raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")


def infer(value):
    """TensorFlow's inference for Python values: int -> int32, float -> float32, mixed int/float lists -> float32,
    NumPy arrays keep their dtype (float64 stays float64, int64 stays int64)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return as_dtype(value.dtype)
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind == "b":
        return bool
    if kind in "iu":
        return int32 if arr.size == 0 or (np.abs(arr) < 2**31).all() else int64
    if kind == "f":
        return float32
    if kind in "USO":
        return string
    raise TypeError(f"Cannot convert {value!r} to a tensor: unsupported Python type {type(value).__name__}.")
