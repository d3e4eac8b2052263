"""Arithmetic, element-wise functions, comparisons, reductions and linear algebra, with Tensor's operators.

Binary ops broadcast like NumPy. Their gradients are written for the broadcast shape: `engine.gradients` sums
them back to each input's shape in one central place (`sum_to_shape_of`), so no op below deals with broadcasting.
"""
import numpy as np

from .. import dtypes as _dt
from ..errors import hinted
from ..framework import (Tensor, apply, broadcast_shape, broadcasting, convert_to_tensor, defop, is_tensor,
                         same_as_input, static_value)
from ..shapes import TensorShape, merge, with_rank
from .array_ops import (REAL, _dims, _norm_axis, _static_int, _to_array, broadcast_to, check_dtype, check_kernel, cast,
                        concat, expand_dims, ones_like, rank, reshape, shape_of, size, squeeze, stack, stop_gradient,
                        transpose, zeros_like)
from .array_ops import range as range_op

# ---------------------------------------------------------------------------------------------------------------
# dtype checks shared by the ops below
# ---------------------------------------------------------------------------------------------------------------

# TensorFlow's lists of allowed dtypes (the text of its TypeError) for the families of ops below
_FLOATS = "bfloat16, float16, float32, float64, complex64, complex128"
_SIGNED = "bfloat16, float16, float32, float64, int8, int16, int32, int64, complex64, complex128"
_ABS = "bfloat16, float16, float32, float64, int8, int16, int32, int64"
NUMBERS = ("bfloat16, float16, float32, float64, uint8, int8, uint16, int16, int32, int64, complex64, complex128, "
            "uint32, uint64")
# The dtypes with a CPU kernel, for ops that accept more dtypes when the graph is built (see check_kernel)
_FLOAT_KERNELS = ("bfloat16", "float16", "float32", "float64", "complex64", "complex128")
_MATMUL_KERNELS = _FLOAT_KERNELS + ("int16", "int32", "int64")
_ALL = REAL + ", bool, string"

def _require(allowed, param="x", out=None):
    """An infer function for element-wise ops whose inputs must have a dtype in `allowed`; the result has the
    broadcast shape and the inputs' dtype (or `out`, e.g. bool for comparisons)."""
    def infer(inputs, attrs):
        for t in inputs:
            check_dtype(t, allowed, param)
        [(shape, dtype)] = (broadcasting if len(inputs) > 1 else same_as_input)(inputs, attrs)
        return [(shape, out or dtype)]
    return infer


float_unary = float_binary = _require(_FLOATS)
signed = _require(_SIGNED)
abs_types = _require(_ABS)
numeric = _require(NUMBERS)
real = _require(REAL)
logical = _require("bool")

# ---------------------------------------------------------------------------------------------------------------
# Binary arithmetic
# ---------------------------------------------------------------------------------------------------------------


# The forward of the four basic operations is NumPy's own function (a ufunc).
defop("AddV2", numeric, grad=lambda op, g: [g, g], broadcasts=True)(np.add)
defop("Sub", numeric, grad=lambda op, g: [g, -g], broadcasts=True)(np.subtract)
defop("Mul", numeric, grad=lambda op, g: [g * op.inputs[1], op.inputs[0] * g], broadcasts=True)(np.multiply)


@defop("RealDiv", numeric, grad=lambda op, g: [g / op.inputs[1], -g * op.inputs[0] / square(op.inputs[1])],
       broadcasts=True)
def _real_div(x, y):
    check_kernel("RealDiv", x, _FLOAT_KERNELS)
    return np.true_divide(x, y)


@defop("FloorDiv", numeric, broadcasts=True)
def _floor_div(x, y):
    if x.dtype.kind == "f":  # floor(x / y), as TensorFlow (NumPy's floor_divide gives nan for inf // 2)
        return np.floor(np.true_divide(x, y))
    return _int_division(np.floor_divide, x, y)


@defop("TruncateDiv", numeric, broadcasts=True)
def _truncate_div(x, y):
    return _int_division(lambda a, b: np.trunc(np.true_divide(a, b)).astype(a.dtype), x, y)


@defop("TruncateMod", _require("int32, int64, bfloat16, float16, float32, float64"), broadcasts=True)
def _truncate_mod(x, y):
    check_kernel("TruncateMod", x, ("int32", "int64", "float32", "float64"))
    return _int_division(np.fmod, x, y)


@defop("FloorMod", real, broadcasts=True,
       grad=lambda op, g: [g, -g * floordiv(op.inputs[0], op.inputs[1])])
def _floor_mod(x, y):
    return _int_division(np.mod, x, y)


def _int_division(fn, x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise ValueError("Integer division by zero")
    return fn(x, y)


def _pow_grad(op, g):
    x, y = op.inputs
    z = op.outputs[0]
    gx = g * y * pow(x, y - 1)
    if not x.dtype.is_floating:
        return [gx, None]
    safe_log = where_v2(x > 0, log(where_v2(x > 0, x, ones_like(x))), zeros_like(x))
    return [gx, g * z * safe_log]


@defop("Pow", signed, grad=_pow_grad, broadcasts=True)
def _pow(x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise ValueError("Integers to negative integer powers are not allowed")
    return np.power(x, y)


@defop("Maximum", real, broadcasts=True, grad=lambda op, g: _select_grad(op.inputs[0] >= op.inputs[1], g))
def _maximum(x, y):
    return np.maximum(x, y)


@defop("Minimum", real, broadcasts=True, grad=lambda op, g: _select_grad(op.inputs[0] <= op.inputs[1], g))
def _minimum(x, y):
    return np.minimum(x, y)


@defop("SquaredDifference", _require("bfloat16, float16, float32, float64, int32, int64, complex64, complex128"),
       grad=lambda op, g: [2 * g * (op.inputs[0] - op.inputs[1]), -2 * g * (op.inputs[0] - op.inputs[1])],
       broadcasts=True)
def _squared_difference(x, y):
    return np.square(x - y)


def _select_grad(mask, g):
    z = zeros_like(g)
    return [where_v2(mask, g, z), where_v2(mask, z, g)]


def add(x, y, name=None):
    """x + y, element-wise with broadcasting."""
    return apply("AddV2", [x, y], name, "Add")


def subtract(x, y, name=None):
    return apply("Sub", [x, y], name, "Sub")


def multiply(x, y, name=None):
    """x * y element-wise (not the matrix product: that is tf.matmul)."""
    return apply("Mul", [x, y], name, "Mul")


def truediv(x, y, name=None):
    """x / y. Integers are converted to floating point first (int32 -> float64), as in Python 3."""
    with _scope(name, "truediv", [x, y]) as scope:
        x, y = (convert_to_tensor(x), convert_to_tensor(y)) if is_tensor(x) and is_tensor(y) else \
            _same(x, y, "RealDiv")
        if x.dtype != y.dtype:
            raise TypeError(hinted(f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}.",
                                   f"no se pueden mezclar {x.dtype.name} y {y.dtype.name}: convierte uno con tf.cast."))
        if x.dtype.is_bool:
            raise TypeError(f"Invalid dtype {x.dtype!r} in __truediv__. Expected one of {{tf.uint8, tf.int8, "
                            "tf.uint16, tf.int16, tf.uint32, tf.int32, tf.uint64, tf.int64, tf.bfloat16, tf.float16, "
                            "tf.float32, tf.float64, tf.complex64, tf.complex128}.")
        if not x.dtype.is_floating:
            target = _dt.float64 if x.dtype in (_dt.int32, _dt.int64) else _dt.float32
            x, y = cast(x, target), cast(y, target)
        return apply("RealDiv", [x, y], scope)


def divide(x, y, name=None):
    """x / y, as the `/` operator (a Python number takes the dtype of the tensor on the other side)."""
    return truediv(_operand(x, y), _operand(y, x), name)


def realdiv(x, y, name=None):
    return apply("RealDiv", [x, y], name, "RealDiv")


def floordiv(x, y, name=None):
    """x // y (rounds down)."""
    return apply("FloorDiv", [x, y], name, "floordiv")


floor_div = floordiv


def div(x, y, name=None):
    """TensorFlow 1's `tf.div`: floor division for integers, true division for floats."""
    with _scope(name, "div", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype=None if is_tensor(y) else x.dtype, name="y")
        if y.dtype != x.dtype:  # TensorFlow's words (a ValueError)
            raise ValueError(f"y: Tensor conversion requested dtype {x.dtype.name} for Tensor with dtype "
                             f"{y.dtype.name}: {y!r}")
        return apply("RealDiv" if x.dtype.is_floating else "FloorDiv", [x, y], scope)


def truncatediv(x, y, name=None):
    return apply("TruncateDiv", [x, y], name, "TruncateDiv")


def truncatemod(x, y, name=None):
    """The remainder of truncated division (sign of the dividend, like C's %)."""
    return apply("TruncateMod", [x, y], name, "TruncateMod")


def mod(x, y, name=None):
    """x % y (sign of the divisor, like Python)."""
    return apply("FloorMod", [x, y], name, "FloorMod")


floormod = mod


def pow(x, y, name=None):  # noqa: A001 (TensorFlow's name)
    """x ** y element-wise."""
    return apply("Pow", [x, y], name, "Pow")


def maximum(x, y, name=None):
    return apply("Maximum", [x, y], name, "Maximum")


def minimum(x, y, name=None):
    return apply("Minimum", [x, y], name, "Minimum")


def squared_difference(x, y, name=None):
    return apply("SquaredDifference", [x, y], name, "SquaredDifference")


def _scope(name, default, values):
    from ..framework import _graph_of
    return _graph_of(values).name_scope(name if name is not None else default)


def _same(x, y, op_type, arg_names=("x", "y")):
    from ..framework import convert_checked
    return convert_checked([x, y], arg_names, op_type)


# ---------------------------------------------------------------------------------------------------------------
# Unary element-wise functions
# ---------------------------------------------------------------------------------------------------------------


def _unary(type, fn, grad, infer=float_unary, doc=None, api_name=None):
    """Defines a unary op and returns its public function (e.g. `tf.exp`)."""
    defop(type, infer, grad)(fn)

    def public(x, name=None):
        return apply(type, [x], name, arg_names=("x",))
    public.__name__ = api_name or type.lower()
    public.__doc__ = doc
    return public


y_of = lambda op: op.outputs[0]  # noqa: E731  (the op's own result, reused by its gradient)

negative = _unary("Neg", np.negative, lambda op, g: [-g], signed, "-x")
abs = _unary("Abs", np.abs, lambda op, g: [g * sign(op.inputs[0])], abs_types, "|x|")  # noqa: A001
sign = _unary("Sign", np.sign, lambda op, g: [zeros_like(op.inputs[0])], signed, "-1, 0 or 1")
square = _unary("Square", np.square, lambda op, g: [g * (2 * op.inputs[0])], numeric, "x * x")
sqrt = _unary("Sqrt", np.sqrt, lambda op, g: [g * 0.5 / y_of(op)], doc="square root")
rsqrt = _unary("Rsqrt", lambda x: np.reciprocal(np.sqrt(x)), lambda op, g: [g * -0.5 * y_of(op) ** 3], doc="1 / sqrt(x)")
exp = _unary("Exp", np.exp, lambda op, g: [g * y_of(op)], doc="e ** x")
log = _unary("Log", np.log, lambda op, g: [g / op.inputs[0]], doc="natural logarithm")
log1p = _unary("Log1p", np.log1p, lambda op, g: [g / (1 + op.inputs[0])], doc="log(1 + x)")
sin = _unary("Sin", np.sin, lambda op, g: [g * cos(op.inputs[0])])
cos = _unary("Cos", np.cos, lambda op, g: [-g * sin(op.inputs[0])])
tan = _unary("Tan", np.tan, lambda op, g: [g * (1 + square(y_of(op)))])
tanh = _unary("Tanh", np.tanh, lambda op, g: [tanh_grad(y_of(op), g)], doc="hyperbolic tangent")


def _sigmoid(x):
    """1 / (1 + exp(-x)), computed as (1 + tanh(x / 2)) / 2, which never overflows (in place after the first op).
    Constants are 0-d arrays of x's dtype: NumPy combines them with arrays faster than Python numbers."""
    half = np.array(0.5, x.dtype)
    y = np.tanh(x * half)
    y *= half
    y += half
    return y


sigmoid = _unary("Sigmoid", _sigmoid, lambda op, g: [sigmoid_grad(y_of(op), g)], doc="1 / (1 + exp(-x))")


# The derivatives of sigmoid and tanh written with their output y (one op each, as in TensorFlow), and their own
# derivatives, for second order.
@defop("SigmoidGrad", float_binary, broadcasts=True,
       grad=lambda op, g: [g * op.inputs[1] * (1 - 2 * op.inputs[0]), sigmoid_grad(op.inputs[0], g)])
def _sigmoid_grad(y, dy):
    return dy * y * (np.array(1, y.dtype) - y)


@defop("TanhGrad", float_binary, broadcasts=True,
       grad=lambda op, g: [-2 * g * op.inputs[1] * op.inputs[0], tanh_grad(op.inputs[0], g)])
def _tanh_grad(y, dy):
    return dy * (np.array(1, y.dtype) - y * y)


def sigmoid_grad(y, dy):
    """dy * y * (1 - y): the gradient of sigmoid, given its output y."""
    return apply("SigmoidGrad", [y, dy], None, "SigmoidGrad", arg_names=("y", "dy"))


def tanh_grad(y, dy):
    """dy * (1 - y²): the gradient of tanh, given its output y."""
    return apply("TanhGrad", [y, dy], None, "TanhGrad", arg_names=("y", "dy"))


def _reciprocal(x):
    check_kernel("Reciprocal", x, _FLOAT_KERNELS)
    return np.reciprocal(x)


reciprocal = _unary("Reciprocal", _reciprocal, lambda op, g: [-g * square(y_of(op))], signed, doc="1 / x")
round = _unary("Round", np.round, lambda op, g: [None], signed, "rounds half to even")  # noqa: A001
floor = _unary("Floor", np.floor, lambda op, g: [None])
ceil = _unary("Ceil", np.ceil, lambda op, g: [None])
logical_not = _unary("LogicalNot", np.logical_not, None, logical, api_name="logical_not")
is_nan = _unary("IsNan", np.isnan, None, _require(_FLOATS, out=_dt.bool), api_name="is_nan")
is_finite = _unary("IsFinite", np.isfinite, None, _require(_FLOATS, out=_dt.bool), api_name="is_finite")


# ---------------------------------------------------------------------------------------------------------------
# Comparisons and logic
# ---------------------------------------------------------------------------------------------------------------


def _comparison(type, fn, api_name, allowed=REAL):
    defop(type, _require(allowed, out=_dt.bool))(fn)

    def public(x, y, name=None):
        return apply(type, [x, y], name, type)
    public.__name__ = api_name
    return public


equal = _comparison("Equal", np.equal, "equal", _ALL)
not_equal = _comparison("NotEqual", np.not_equal, "not_equal", _ALL)
less = _comparison("Less", np.less, "less")
less_equal = _comparison("LessEqual", np.less_equal, "less_equal")
greater = _comparison("Greater", np.greater, "greater")
greater_equal = _comparison("GreaterEqual", np.greater_equal, "greater_equal")


@defop("LogicalAnd", logical)
def _logical_and(x, y):
    return np.logical_and(x, y)


@defop("LogicalOr", logical)
def _logical_or(x, y):
    return np.logical_or(x, y)


def logical_and(x, y, name=None):
    return apply("LogicalAnd", [x, y], name, "LogicalAnd", dtype=_dt.bool)


def logical_or(x, y, name=None):
    return apply("LogicalOr", [x, y], name, "LogicalOr", dtype=_dt.bool)


def logical_xor(x, y, name="LogicalXor"):
    with _scope(None, name, [x, y]):
        either = logical_or(x, y)
        return logical_and(either, logical_not(logical_and(x, y)))


def _select_infer(inputs, attrs):
    c, x, y = inputs
    if not c.dtype.is_bool:
        raise TypeError(f"condition of where must be bool, got {c.dtype.name}")
    if x.dtype != y.dtype:
        raise TypeError(f"x and y of where must have the same dtype, got {x.dtype.name} and {y.dtype.name}")
    return [(broadcast_shape(c.shape, broadcast_shape(x.shape, y.shape)), x.dtype)]  # (x with y first, as TF)


@defop("SelectV2", _select_infer, broadcasts=True, grad=lambda op, g: [None, *_select_grad(op.inputs[0], g)])
def _select(c, x, y):
    try:
        return np.where(c, x, y)
    except ValueError:
        raise ValueError(f"condition {_dims(c)}, then {_dims(x)}, and else {_dims(y)} must be broadcastable") from None


@defop("Where", lambda inputs, attrs: [(TensorShape([None, inputs[0].shape.rank]), _dt.int64)])
def _where_indices(c):
    if c.ndim == 0:
        raise ValueError("WhereOp : Unhandled input dimensions: 0")
    return np.argwhere(c).astype(np.int64)


def where_v2(condition, x=None, y=None, name=None):
    """x where `condition` is True, else y, all three broadcast together (TensorFlow 2's `tf.where`).
    With only `condition`: the coordinates of its True elements, an int64 matrix [n, rank]."""
    if x is None and y is None:
        return apply("Where", [condition], name, arg_names=("condition",), same_dtype=False)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with _scope(name, "SelectV2", [condition, x, y]) as scope:
        c = convert_to_tensor(condition, name="condition")
        x, y = _same(x, y, "SelectV2")
        return apply("SelectV2", [c, x, y], scope, same_dtype=False, arg_names=("condition", "x", "y"))


def div_no_nan(x, y, name=None):
    """x / y, and 0 where y is 0."""
    with _scope(name, "div_no_nan", [x, y]) as scope:
        x, y = _same(x, y, "DivNoNan")
        is_zero = equal(y, zeros_like(y))
        return where_v2(is_zero, zeros_like(x), truediv(x, where_v2(is_zero, ones_like(y), y)), name=scope)


def where(condition, x=None, y=None, name=None):
    """TensorFlow 1's `tf.where`: where(c, x, y) takes x where c is True, else y; x and y have the same shape and c
    has that shape too, or is a vector choosing whole rows. where(c): the coordinates of the True elements."""
    if x is None and y is None:
        return where_v2(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with _scope(name, "Select", [condition, x, y]) as scope:
        c = convert_to_tensor(condition, name="condition")
        x, y = _same(x, y, "Select")
        return apply("Select", [c, x, y], scope, same_dtype=False, arg_names=("condition", "x", "y"))


def _select1_infer(inputs, attrs):
    """TensorFlow 1's Select: x and y of one shape (the result's); the condition a scalar, of that shape, or a
    vector choosing whole rows."""
    c, x, y = inputs
    check_dtype(c, "bool", "condition")
    shape = merge(x.shape, y.shape)
    if c.shape.rank not in (None, 0) and not (c.shape.rank == 1 and shape.rank not in (None, 1) and
                                              c.shape.is_compatible_with(shape[:1])):
        try:
            merge(c.shape, shape)
        except ValueError as e:
            raise ValueError(hinted(f"{e} (condition, x and y of where must have the same shape, or condition be a "
                                    "scalar or a vector over the first dimension)",
                                    "el tf.where de TensorFlow 1 no difunde (broadcast) formas: usa tf.where_v2, o "
                                    "iguala las formas con tf.ones_like / tf.broadcast_to.")) from None
    return [(shape, x.dtype)]


def _select1_grad(op, g):
    c, z = op.inputs[0], zeros_like(g)
    return [None, select1(c, g, z), select1(c, z, g)]


@defop("Select", _select1_infer, grad=_select1_grad)
def _select1(c, x, y):
    """np.where with TensorFlow 1's rules (`_select1_infer` checked the static shapes; this checks the dimensions
    that were unknown then)."""
    if c.ndim == 1 and x.ndim > 1:  # one condition per row
        c = c.reshape((-1,) + (1,) * (x.ndim - 1))
    elif c.ndim and c.shape != x.shape or x.shape != y.shape:
        raise ValueError(f"Inputs to operation Select of type Select must have the same size and shape.  Input 0: "
                         f"{list(c.shape)} != input 1: {list(x.shape)}")
    if not c.ndim:  # one condition: all of x or all of y (np.where would copy it, slowly for scalars)
        return x if c else y
    return np.where(c, x, y)


def select1(c, x, y):
    return apply("Select", [c, x, y], None, "Select", same_dtype=False, arg_names=("condition", "x", "y"))


# ---------------------------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------------------------


def _reduce_infer_of(allowed):
    def infer(inputs, attrs):
        x = inputs[0]
        check_dtype(x, allowed, "input")
        axis, keep = attrs["axis"], attrs["keepdims"]
        if x.shape.rank is None:  # still a scalar when everything is reduced
            return [(TensorShape([] if axis is None and not keep else None), x.dtype)]
        rank = x.shape.rank
        for a in axis or ():
            if not -rank <= a < rank:
                raise ValueError(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
        if axis and len({a % rank for a in axis}) < len(axis):
            raise ValueError(f"Invalid reduction arguments: Axes contains duplicate dimension: {axis}")
        axes = set(range(rank)) if axis is None else {a % rank for a in axis}
        dims = [1 if i in axes else d for i, d in enumerate(x.shape.dims)] if keep else \
            [d for i, d in enumerate(x.shape.dims) if i not in axes]
        return [(TensorShape(dims), x.dtype)]
    return infer


def _keep_reduced_dims(g, op):
    """Gradient helper: the reduced gradient `g` with size-1 dimensions put back where the input was reduced."""
    axis, x = op.attrs["axis"], op.inputs[0]
    if op.attrs["keepdims"] or axis is None:
        return g
    rank = x.shape.rank
    for a in sorted(_norm_axis(a, rank) for a in axis):
        g = expand_dims(g, a)
    return g


def _sum_grad(op, g):
    return [broadcast_to(_keep_reduced_dims(g, op), shape_of(op.inputs[0]))]


def _mean_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    n, m = x.shape.num_elements(), y.shape.num_elements()
    count = (n // max(m, 1)) if n is not None and m is not None else cast(size(x) // size(y), x.dtype)
    return [_sum_grad(op, g)[0] / count]


def _extreme_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    y = _keep_reduced_dims(y, op)
    hits = cast(equal(x, y), g.dtype)
    count = reduce_sum(hits, op.attrs["axis"], keepdims=True)
    return [broadcast_to(_keep_reduced_dims(g, op), shape_of(x)) * hits / count]


def _prod_grad(op, g):
    """d prod / d x_i = the product of the other elements, computed as TensorFlow does (no division, so finite with
    zeros and infinities): the reduced axes moved first and flattened into one, then the exclusive products from
    both ends of it."""
    x, axis, rank = op.inputs[0], op.attrs["axis"], op.inputs[0].shape.rank
    g = broadcast_to(_keep_reduced_dims(g, op), shape_of(x))
    reduced = list(range(rank or 0)) if axis is None else sorted({_norm_axis(a, rank) for a in axis})
    perm = reduced + [i for i in range(rank or 0) if i not in reduced]
    moved = x if rank is None else transpose(x, perm)
    moved_shape = shape_of(moved)
    rows = reshape(moved, concat([[-1], moved_shape[len(reduced):]], 0) if rank is not None else [-1])
    others = reshape(cumprod(rows, 0, exclusive=True) * cumprod(rows, 0, exclusive=True, reverse=True), moved_shape)
    return [g * (others if rank is None else transpose(others, np.argsort(perm).tolist()))]


def _reduce(ufunc, x, axis, keepdims, dtype=None):
    """ufunc.reduce over `axis` (a tuple, or None for all), through `reduce_kept` for one axis kept.
    The maximum of nothing is the lowest value of the dtype (and the minimum the highest), as in TensorFlow."""
    if not x.size and ufunc in _IDENTITIES:
        return ufunc.reduce(x, axis, dtype, None, keepdims, _IDENTITIES[ufunc](x.dtype))
    if keepdims and axis is not None and len(axis) == 1:
        return reduce_kept(ufunc, x, axis[0], dtype)
    if ufunc is np.add and axis == (0,) and x.ndim == 2 and x.dtype.kind == "f" and not keepdims:
        return np.ones(len(x), x.dtype).dot(x)  # the sum of the rows: a product with ones (BLAS, 2x faster)
    return ufunc.reduce(x, axis, dtype, None, keepdims)


_IDENTITIES = {np.maximum: lambda dt: _dt.as_dtype(dt).min if dt.kind != "f" else -np.inf,
               np.minimum: lambda dt: _dt.as_dtype(dt).max if dt.kind != "f" else np.inf}


def reduce_kept(ufunc, x, axis, dtype=None):
    """ufunc.reduce(x, axis, keepdims=True), faster for a short last axis of a matrix (or batch of them): NumPy
    reduces it row by row, so 2 to 7 columns are combined column by column instead (4x faster on 100 x 2, as in a
    two-class softmax; the same additions in the same order as NumPy's, so the same result)."""
    if x.ndim < 2 or axis not in (-1, x.ndim - 1) or not 2 <= x.shape[-1] <= 7:
        return ufunc.reduce(x, axis, dtype, None, True)
    out = ufunc(x[..., 0], x[..., 1])
    for i in range(2, x.shape[-1]):
        ufunc(out, x[..., i], out=out)
    return out[..., None]


def _def_reduction(type, fn, grad, allowed=NUMBERS, default_name=None):
    def forward(x, *, axis, keepdims):  # (the axes were checked when building only if the rank was known)
        for a in axis or ():
            if not -x.ndim <= a < x.ndim:
                raise ValueError(f"Invalid reduction dimension ({a} for input with {x.ndim} dimension(s)")
        return fn(x, axis=axis, keepdims=keepdims)
    defop(type, _reduce_infer_of(allowed), grad)(forward)

    def public(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        axis = reduction_indices if axis is None else axis
        if is_tensor(axis):
            v = static_value(convert_to_tensor(axis))
            if v is None:
                raise TypeError("axis must be known when the graph is built (a Python int or list)")
            axis = v.tolist()
        axis = None if axis is None else tuple(int(a) for a in np.atleast_1d(axis))
        keep = bool(keepdims if keepdims is not None else (keep_dims or False))
        return apply(type, [input_tensor], name, default_name or type, arg_names=("input",),
                     attrs={"axis": axis, "keepdims": keep})
    return public


reduce_sum = _def_reduction("Sum", lambda x, *, axis, keepdims: _reduce(np.add, x, axis, keepdims, x.dtype), _sum_grad)
reduce_mean = _def_reduction("Mean", lambda x, *, axis, keepdims: _mean(x, axis, keepdims), _mean_grad)
reduce_max = _def_reduction("Max", lambda x, *, axis, keepdims: _reduce(np.maximum, x, axis, keepdims), _extreme_grad,
                            REAL)
reduce_min = _def_reduction("Min", lambda x, *, axis, keepdims: _reduce(np.minimum, x, axis, keepdims), _extreme_grad,
                            REAL)
reduce_prod = _def_reduction("Prod", lambda x, *, axis, keepdims: np.prod(x, axis, dtype=x.dtype, keepdims=keepdims),
                             _prod_grad)
reduce_any = _def_reduction("Any", lambda x, *, axis, keepdims: np.any(x, axis, keepdims=keepdims), None, "bool")
reduce_all = _def_reduction("All", lambda x, *, axis, keepdims: np.all(x, axis, keepdims=keepdims), None, "bool")


def _mean(x, axis, keepdims):
    if x.dtype.kind in "iu":  # TensorFlow: integer mean is integer division (and 0 for the mean of nothing)
        s = np.sum(x, axis, dtype=np.int64, keepdims=keepdims)
        count = x.size // max(np.size(s), 1)
        return (np.trunc(s / count) if count else np.zeros_like(s)).astype(x.dtype)
    return np.mean(x, axis, keepdims=keepdims, dtype=x.dtype)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) along `axis`, computed stably (the maximum is taken out first)."""
    axis = reduction_indices if axis is None else axis
    keepdims = bool(keep_dims) if keep_dims is not None else bool(keepdims)
    with _scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        raw_max = reduce_max(x, axis, keepdims=True)
        m = stop_gradient(where_v2(is_finite(raw_max), raw_max, zeros_like(raw_max)))
        out = log(reduce_sum(exp(x - m), axis, keepdims=keepdims))
        return add(out, m if keepdims else reshape(m, shape_of(out)), name=scope)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=_dt.int64, name=None, reduction_indices=None,
                  keep_dims=None):
    """How many elements are not zero (along `axis`), as int64."""
    with _scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        nonzero = not_equal(x, zeros_like(x))
        return cast(reduce_sum(cast(nonzero, _dt.int64), axis, keepdims, reduction_indices=reduction_indices,
                               keep_dims=keep_dims), dtype)


def _cumulative(type, fn, grad):
    defop(type, lambda inputs, attrs: numeric(inputs[:1], attrs), grad)(fn)

    def public(x, axis=0, exclusive=False, reverse=False, name=None):
        return apply(type, [x], name, arg_names=("x",),
                     attrs={"axis": _static_int(axis, "axis"), "exclusive": bool(exclusive), "reverse": bool(reverse)})
    public.__name__ = type.lower()
    return public


def _scan(np_fn, identity, x, axis, exclusive, reverse):
    axis = _norm_axis(axis, x.ndim, message="ScanOp: Expected scan axis in the range [{lo}, {rank}), but got {axis}")
    if not x.shape[axis]:
        return x.copy()
    if reverse:
        x = np.flip(x, axis)
    out = np_fn(x, axis=axis, dtype=x.dtype)
    if exclusive:
        first = np.full_like(np.take(out, [0], axis), identity)
        out = np.concatenate([first, np.take(out, np.arange(x.shape[axis] - 1), axis)], axis)
    return np.flip(out, axis) if reverse else out


def _cumsum_grad(op, g):
    a = op.attrs
    return [cumsum(g, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


def _cumprod_grad(op, g):
    x, a = op.inputs[0], op.attrs
    prod = cumprod(x, a["axis"], exclusive=a["exclusive"], reverse=a["reverse"])
    return [div_no_nan(cumsum(prod * g, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]), x)]


cumsum = _cumulative("Cumsum", lambda x, *, axis, exclusive, reverse: _scan(np.cumsum, 0, x, axis, exclusive, reverse),
                     _cumsum_grad)
cumprod = _cumulative("Cumprod", lambda x, *, axis, exclusive, reverse: _scan(np.cumprod, 1, x, axis, exclusive,
                                                                              reverse), _cumprod_grad)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):
    """The vector norm of `tensor` (all of it, or along `axis`): ord 'euclidean'/'fro'/2, 1, np.inf or any p > 0."""
    keepdims = bool(keep_dims if keep_dims is not None else keepdims)
    if isinstance(axis, (list, tuple)) and (len(axis) != 2 or axis[0] == axis[1]):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    if isinstance(axis, (list, tuple)) and ord not in ("euclidean", "fro"):
        raise ValueError(f"Matrix norms other than 'fro'/'euclidean' are not supported here, got ord={ord!r}")
    if isinstance(ord, str) and ord not in ("euclidean", "fro") or not isinstance(ord, str) and ord <= 0:
        raise ValueError(f"'ord' must be a supported vector norm ('euclidean', 'fro', 1, 2, np.inf or p > 0), "
                         f"got {ord!r}")
    with _scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        if ord in ("euclidean", "fro", 2):
            result = sqrt(reduce_sum(x * x, axis, keepdims=True))
        elif ord == 1:
            result = reduce_sum(abs(x), axis, keepdims=True)
        elif ord == np.inf:
            result = reduce_max(abs(x), axis, keepdims=True)
        else:
            result = pow(reduce_sum(pow(abs(x), ord), axis, keepdims=True), 1.0 / ord)
        from .array_ops import identity
        if not keepdims:
            result = squeeze(result, axis) if axis is not None else reshape(result, [])
        return identity(result, name=scope)


def _argminmax_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is None:
        return [(TensorShape(None), attrs["output_type"])]
    rank, axis = x.shape.rank, attrs["axis"]
    if rank <= 1:  # the result is a scalar whatever the axis: TensorFlow checks the axis only when the graph runs
        return [(TensorShape([]), attrs["output_type"])]
    if not -rank <= axis < rank:
        raise ValueError(f"Dimension ({axis}) must be in the range [{-rank}, {rank}), where {rank} is the number of "
                         f"dimensions in the input.")
    return [(TensorShape([d for i, d in enumerate(x.shape.dims) if i != axis % rank]), attrs["output_type"])]


def _arg_extreme(np_fn, nan_as):
    """argmax/argmin along an axis that must not be empty; NaN never wins (unless all are NaN: index 0)."""
    def forward(x, *, axis, output_type):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"Expected dimension in the range [{-x.ndim}, {x.ndim}), but got {axis}")
        if not x.shape[axis]:
            raise ValueError(f"Reduction axis {axis} is empty in shape {list(x.shape)}")
        if x.dtype.kind == "f" and np.isnan(x).any():
            x = np.where(np.isnan(x), nan_as, x)
        return np_fn(x, axis).astype(output_type.np)
    return forward


defop("ArgMax", _argminmax_infer)(_arg_extreme(np.argmax, -np.inf))
defop("ArgMin", _argminmax_infer)(_arg_extreme(np.argmin, np.inf))


def argmax(input, axis=None, name=None, dimension=None, output_type=_dt.int64):
    """The index of the largest value along `axis` (int64)."""
    axis = dimension if axis is None else axis
    return apply("ArgMax", [input], name, arg_names=("input",),
                 attrs={"axis": 0 if axis is None else _static_int(axis, "axis"), "output_type": _dt.as_dtype(output_type)})


def argmin(input, axis=None, name=None, dimension=None, output_type=_dt.int64):
    axis = dimension if axis is None else axis
    return apply("ArgMin", [input], name, arg_names=("input",),
                 attrs={"axis": 0 if axis is None else _static_int(axis, "axis"), "output_type": _dt.as_dtype(output_type)})


arg_max, arg_min = argmax, argmin


def _add_n_infer(inputs, attrs):
    numeric(inputs[:1], attrs)
    shape = inputs[0].shape
    for t in inputs[1:]:
        shape = merge(shape, t.shape)
    return [(shape, inputs[0].dtype)]


@defop("AddN", _add_n_infer, grad=lambda op, g: [g] * len(op.inputs))
def _add_n(*xs):
    for i, x in enumerate(xs[1:], 1):
        if x.shape != xs[0].shape:
            raise ValueError(f"Inputs to operation AddN of type AddN must have the same size and shape.  Input 0: "
                             f"{_dims(xs[0])} != input {i}: {_dims(x)}")
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def add_n(inputs, name=None):
    """The element-wise sum of a list of tensors of the same shape."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    if len(inputs) == 1:  # as TensorFlow: no sum to do, the input itself (named only if a name is given)
        from .array_ops import identity
        x = convert_to_tensor(inputs[0])
        return identity(x, name=name) if name else x
    return apply("AddN", inputs, name, "AddN", arg_names=tuple(f"inputs_{i}" for i in range(len(inputs))))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Limits every value to [clip_value_min, clip_value_max] (the limits broadcast, the shape stays t's)."""
    with _scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        t = convert_to_tensor(t, name="t")
        low = minimum(t, clip_value_max)
        out = maximum(low, clip_value_min, name=scope)
        if not out.shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {out.shape} are incompatible: the limits of clip_by_value must "
                             f"not change the shape of t ({t.shape.bracket_str()})")
        return out


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t scaled down so that its L2 norm (over `axes`) is at most `clip_norm`."""
    with _scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        l2sum = reduce_sum(t * t, axes, keepdims=True)
        positive = l2sum > 0
        l2norm = where_v2(positive, sqrt(where_v2(positive, l2sum, ones_like(l2sum))), l2sum)
        from .array_ops import identity
        return identity(t * clip_norm / maximum(l2norm, clip_norm), name=scope)


# ---------------------------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------------------------


def _matmul_infer(inputs, attrs):
    a, b = inputs
    if a.shape.rank == 2 == b.shape.rank:
        check_dtype(a, "bfloat16, float16, float32, float64, int32, int64, uint8, uint16, uint32, uint64, complex64, "
                       "complex128", "a")
    else:  # TensorFlow's BatchMatMulV2
        check_dtype(a, "bfloat16, float16, float32, float64, int16, int32, int64, uint8, uint16, uint32, uint64, "
                       "complex64, complex128", "x")
    if a.shape.rank is None or b.shape.rank is None:
        return [(TensorShape(None), a.dtype)]
    if a.shape.rank < 2 or b.shape.rank < 2:
        raise ValueError(f"Shape must be rank 2 but is rank {min(a.shape.rank, b.shape.rank)} for 'MatMul' with input "
                         f"shapes: {a.shape.bracket_str()}, {b.shape.bracket_str()}"
                         "\n\nPista: tf.matmul multiplica matrices (2 dimensiones); para un vector usa "
                         "tf.reshape(v, [-1, 1]) o tf.multiply para el producto elemento a elemento.")
    m, k = a.shape[-2:] if not attrs["transpose_a"] else a.shape[-2:][::-1]
    k2, n = b.shape[-2:] if not attrs["transpose_b"] else b.shape[-2:][::-1]
    if k is not None and k2 is not None and k != k2:
        raise ValueError(f"Dimensions must be equal, but are {k} and {k2} for 'MatMul' with input shapes: "
                         f"{a.shape.bracket_str()}, {b.shape.bracket_str()}"
                         f"\n\nPista: en A @ B el número de columnas de A ({k}) debe ser igual al número de filas "
                         f"de B ({k2}); ¿falta transponer alguna (transpose_b=True)?")
    from ..framework import broadcast_shape
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2])
    return [(batch.concatenate([m, n]), a.dtype)]


def _matmul_grad(op, g):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return [matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)]
    if not ta and tb:
        return [matmul(g, b), matmul(g, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, g, transpose_b=True), matmul(a, g)]
    return [matmul(b, g, transpose_a=True, transpose_b=True), matmul(g, a, transpose_a=True, transpose_b=True)]


@defop("MatMul", _matmul_infer, grad=_matmul_grad, broadcasts="batch")
def _matmul(a, b, *, transpose_a, transpose_b):
    check_kernel("MatMul", a, _MATMUL_KERNELS)
    if a.ndim == 2 == b.ndim:  # the common case, through np.dot (less overhead than np.matmul)
        return (a.T if transpose_a else a).dot(b.T if transpose_b else b)
    return np.matmul(np.swapaxes(a, -1, -2) if transpose_a else a, np.swapaxes(b, -1, -2) if transpose_b else b)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """The matrix product a @ b (batched over leading dimensions)."""
    return apply("MatMul", [a, b], name, "MatMul", arg_names=("a", "b"),
                 attrs={"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)})


def tensordot(a, b, axes, name=None):
    """Sums products over the given axes (built from transpose, reshape and matmul, like TensorFlow)."""
    with _scope(name, "Tensordot", [a, b]) as scope:
        a, b = _same(a, b, "MatMul", ("a", "b"))  # (the MatMul inside checks the dtypes, before any shape)
        ra, rb = a.shape.rank, b.shape.rank
        if ra is None or rb is None:
            raise ValueError("tensordot needs the ranks of a and b known when the graph is built, got shapes "
                             f"{a.shape} and {b.shape}")
        if isinstance(axes, (int, np.integer)):
            if not 0 <= axes <= min(ra, rb):
                raise ValueError(f"'axes' must be at most the rank of a ({ra}) and of b ({rb}), got {axes}.")
            a_axes, b_axes = list(range(ra - axes, ra)), list(range(axes))
        else:
            a_axes, b_axes = ([int(x)] if isinstance(x, (int, np.integer)) else [int(i) for i in x] for x in axes)
        if len(a_axes) != len(b_axes):
            raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(a_axes)} != {len(b_axes)}.")
        a_axes, b_axes = [_norm_axis(x, ra) for x in a_axes], [_norm_axis(x, rb) for x in b_axes]
        for i, j in zip(a_axes, b_axes):
            if None not in (a.shape[i], b.shape[j]) and a.shape[i] != b.shape[j]:
                raise ValueError(f"Dimensions must be equal, but are {a.shape[i]} and {b.shape[j]}: dimension {i} "
                                 f"of a and {j} of b in tensordot of shapes {a.shape.bracket_str()} and "
                                 f"{b.shape.bracket_str()}")
        a2, free_a = _as_matrix(a, a_axes, axes_first=False)
        b2, free_b = _as_matrix(b, b_axes, axes_first=True)
        out_static = [a.shape[i] for i in range(ra) if i not in a_axes] + \
                     [b.shape[i] for i in range(rb) if i not in b_axes]
        product = matmul(a2, b2)
        if None in out_static:
            from .array_ops import concat
            out = reshape(product, concat([free_a, free_b], 0), name=scope)
            out.set_shape(out_static)
            return out
        return reshape(product, out_static, name=scope)


def _as_matrix(t, axes, axes_first):
    """`t` with its dimensions `axes` gathered into one (the rows if `axes_first`, else the columns) and the others
    into the other one; also the sizes of the others, as a tensor."""
    from .array_ops import gather, stack
    rank = t.shape.rank
    free = [i for i in range(rank) if i not in axes]
    perm = axes + free if axes_first else free + axes
    moved = transpose(t, perm) if perm != list(range(rank)) else t
    dims = shape_of(t)
    free_dims = gather(dims, np.array(free, np.int32))
    if t.shape.is_fully_defined():
        n_axes, n_free = int(np.prod([t.shape[i] for i in axes])), int(np.prod([t.shape[i] for i in free]))
    else:
        n_axes, n_free = reduce_prod(gather(dims, np.array(axes, np.int32))), reduce_prod(free_dims)
    sizes = [n_axes, n_free] if axes_first else [n_free, n_axes]
    return reshape(moved, sizes if t.shape.is_fully_defined() else stack(sizes)), free_dims


def _cross_infer(inputs, attrs):
    a, b = inputs
    for t in inputs:
        check_dtype(t, REAL)
    shape = merge(with_rank(a.shape, 1, at_least=True), b.shape)
    if shape.rank and shape[-1] not in (None, 3):
        raise ValueError(f"Dimension must be 3 but is {shape[-1]} for 'Cross' with input shapes: "
                         f"{a.shape.bracket_str()}, {b.shape.bracket_str()}.")
    return [(shape, a.dtype)]


@defop("Cross", _cross_infer,
       grad=lambda op, g: [cross(op.inputs[1], g), cross(g, op.inputs[0])], broadcasts=True)
def _cross(a, b):
    if a.shape != b.shape or not a.ndim or a.shape[-1] != 3:
        raise ValueError(f"Both inputs must be of same shape: {list(a.shape)} vs. {list(b.shape)}" if a.shape != b.shape
                         else f"Inner dimension of the inputs must be 3, got shape {list(a.shape)}")
    return np.cross(a, b)


def cross(a, b, name=None):
    """The cross product of 3-vectors (along the last dimension)."""
    return apply("Cross", [a, b], name, arg_names=("a", "b"))


def _square_matrix(inputs, attrs, drop_last_two):
    x = inputs[0]
    check_dtype(x, "float16, float32, float64, complex64, complex128", "input")
    if x.shape.rank is not None:
        if x.shape.rank < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.rank}: the input must be a square "
                             f"matrix (or a batch of them), got shape {x.shape.bracket_str()}.")
        if None not in x.shape.dims[-2:] and x.shape[-1] != x.shape[-2]:
            raise ValueError(f"Dimensions must be equal, but are {x.shape[-2]} and {x.shape[-1]}: the input must be "
                             f"a square matrix (or a batch of them), got shape {x.shape.bracket_str()}")
        n = x.shape[-1] if x.shape[-1] is not None else x.shape[-2]
        return [(x.shape[:-2] if drop_last_two else x.shape[:-2].concatenate([n, n]), x.dtype)]
    return [(TensorShape(None), x.dtype)]


def _check_square(x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Input matrix must be square, got shape {list(x.shape)}")


@defop("MatrixDeterminant", lambda i, a: _square_matrix(i, a, True),
       grad=lambda op, g: [expand_dims(expand_dims(g * op.outputs[0], -1), -1)
                           * transpose_last(matrix_inverse(op.inputs[0]))])
def _det(x):
    check_kernel("MatrixDeterminant", x, _FLOAT_KERNELS[2:])
    _check_square(x)
    return np.linalg.det(x).astype(x.dtype)


@defop("MatrixInverse", lambda i, a: _square_matrix(i, a, False),
       grad=lambda op, g: [-matmul(matmul(op.outputs[0], g, transpose_a=True), op.outputs[0], transpose_b=True)])
def _inverse(x):
    _check_square(x)
    if not x.size:
        return np.empty_like(x)
    if x.dtype != np.float64 and _zero_pivot(x) or np.isnan(x).any():
        raise ValueError("Input is not invertible.")
    try:
        return np.linalg.inv(x.astype(np.float32) if x.dtype == np.float16 else x).astype(x.dtype)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None


def _zero_pivot(x):
    """Whether the LU decomposition (partial pivoting) of some matrix of x, computed in x's own dtype as TensorFlow
    does, meets a zero pivot: NumPy inverts float32 matrices in float64, where a singular one may look invertible."""
    a = x.reshape((-1,) + x.shape[-2:]).copy()
    batch = np.arange(len(a))
    for k in range(a.shape[-1]):
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        a[batch, k], a[batch, p] = a[batch, p], a[batch, k].copy()
        pivot = a[:, k, k]
        if (pivot == 0).any():
            return True
        a[:, k + 1:, k:] -= (a[:, k + 1:, k] / pivot[:, None])[:, :, None] * a[:, k, None, k:]
    return False


def matrix_determinant(input, name=None):
    return apply("MatrixDeterminant", [input], name, arg_names=("input",))


def matrix_inverse(input, adjoint=False, name=None):
    return apply("MatrixInverse", [input], name, arg_names=("input",))


def transpose_last(x):
    """Swaps the last two dimensions (matrix transpose, batched)."""
    r = x.shape.rank
    if r is None:  # the permutation is computed when the graph runs
        r = rank(x)
        return transpose(x, concat([range_op(r - 2), stack([r - 1, r - 2])], 0))
    return transpose(x, list(range(r - 2)) + [r - 1, r - 2])


def matrix_transpose(a, name="matrix_transpose"):
    a = convert_to_tensor(a, name="a")
    if a.shape.rank is not None and a.shape.rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2. Received `a` = {a} with shape: "
                         f"{a.shape}")
    return transpose_last(a)


# ---------------------------------------------------------------------------------------------------------------
# Operators on Tensor: `a + b` builds an AddV2 op named 'add', as in TensorFlow
# ---------------------------------------------------------------------------------------------------------------


def _operand(v, other):
    """A Python operand of an arithmetic operator, as TensorFlow converts it: to the dtype of the Tensor on the other
    side when it fits (2 with a float: 2.0), else to its own dtype (2.0 with an int: float32), a mismatch the op
    then reports."""
    if is_tensor(v) or not is_tensor(other):
        return v
    try:
        return _to_array(v, convert_to_tensor(other).dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(v)


def _binary_operator(type_or_fn, scope_name, hint=False):
    """`x <op> y` and its reflected form. As in TensorFlow, a Python number on the left (`2.0 - t`) and, for `+` and
    `/` (`hint`), on the right too, takes the tensor's dtype if it fits and its own otherwise; elsewhere it must fit."""
    def call(x, y):
        if callable(type_or_fn):
            return type_or_fn(x, y, name=scope_name)
        return apply(type_or_fn, [x, y], None, scope_name)

    def op(x, y):
        return call(x, _operand(y, x) if hint else y)

    def rop(y, x):
        return call(_operand(x, y), y)
    return op, rop


_INTEGERS = "int8, int16, int32, int64, uint8, uint16, uint32, uint64"
defop("BitwiseAnd", _require(_INTEGERS))(np.bitwise_and)
defop("BitwiseOr", _require(_INTEGERS))(np.bitwise_or)
defop("BitwiseXor", _require(_INTEGERS))(np.bitwise_xor)


def _logical_or_bitwise(logical_type_or_fn, bitwise_type, name):
    """`x & y`, `x | y` and `x ^ y`, as TensorFlow's: the logical op if the tensor operand is bool, else the bitwise
    op (which takes only integers)."""
    def build(x, y, tensor):
        if convert_to_tensor(tensor).dtype.is_bool:
            if callable(logical_type_or_fn):
                return logical_type_or_fn(x, y, name)
            return apply(logical_type_or_fn, [x, y], None, name, dtype=_dt.bool)
        return apply(bitwise_type, [_operand(x, y), y], None, name)
    return (lambda x, y: build(x, y, x)), (lambda y, x: build(x, y, y))


Tensor.__add__, Tensor.__radd__ = _binary_operator("AddV2", "add", hint=True)
Tensor.__sub__, Tensor.__rsub__ = _binary_operator("Sub", "sub")
Tensor.__mul__, Tensor.__rmul__ = _binary_operator("Mul", "mul")
Tensor.__truediv__, Tensor.__rtruediv__ = _binary_operator(truediv, "truediv", hint=True)
Tensor.__floordiv__, Tensor.__rfloordiv__ = _binary_operator("FloorDiv", "floordiv")
Tensor.__mod__, Tensor.__rmod__ = _binary_operator("FloorMod", "mod")
Tensor.__pow__, Tensor.__rpow__ = _binary_operator("Pow", "pow")
Tensor.__matmul__, Tensor.__rmatmul__ = _binary_operator(matmul, "matmul")
Tensor.__and__, Tensor.__rand__ = _logical_or_bitwise("LogicalAnd", "BitwiseAnd", "and")
Tensor.__or__, Tensor.__ror__ = _logical_or_bitwise("LogicalOr", "BitwiseOr", "or")
Tensor.__xor__, Tensor.__rxor__ = _logical_or_bitwise(logical_xor, "BitwiseXor", "xor")
Tensor.__lt__ = lambda x, y: less(x, y)
Tensor.__le__ = lambda x, y: less_equal(x, y)
Tensor.__gt__ = lambda x, y: greater(x, y)
Tensor.__ge__ = lambda x, y: greater_equal(x, y)
Tensor.__neg__ = lambda x: negative(x)
Tensor.__abs__ = lambda x: abs(x)
Tensor.__invert__ = lambda x: logical_not(x)
