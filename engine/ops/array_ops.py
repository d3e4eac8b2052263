"""Ops that create tensors and move their elements around: constants, placeholders, shapes, reshape, slicing, concat...

Each op: `@defop(type, infer, grad)` on its NumPy forward, then the public function that builds it.
"""
import builtins

import numpy as np

from .. import dtypes as _dt
from ..errors import InvalidArgumentError, hinted
from ..framework import (Tensor, apply, broadcast_shape, convert_to_tensor, defop, get_default_graph, is_tensor,
                         make_op, same_as_input, static_value)
from ..shapes import TensorShape, as_shape, merge, with_rank

# ---------------------------------------------------------------------------------------------------------------
# Constants and placeholders
# ---------------------------------------------------------------------------------------------------------------


def _to_array(value, dtype):
    """A NumPy array for a Python/NumPy value with TensorFlow's dtype rules (no silent float -> int truncation)."""
    if is_tensor(value):
        raise TypeError(hinted(
            f"Expected a Python or NumPy value, got the Tensor {convert_to_tensor(value).name}.",
            "un tensor no es un valor: para usar su valor ejecútalo con sess.run, o pásalo directamente a la op."))
    dtype = _dt.infer(value) if dtype is None else _dt.as_dtype(dtype)
    if dtype is _dt.string:
        arr = np.array(value, dtype=object)
        return np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(arr) if arr.size else arr
    try:
        raw = np.asarray(value)
    except ValueError:
        raise TypeError(f"Can't convert non-rectangular Python sequence to Tensor: {value!r}") from None
    if raw.dtype.kind in "OUS":
        raise TypeError(f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead.")
    python = not isinstance(value, (np.ndarray, np.generic))
    if (dtype.is_integer or dtype.is_bool) and raw.size:  # a Python float never becomes an int, an int never a bool
        if raw.dtype.kind == "f" and (python or not np.all(np.mod(raw, 1) == 0)) or \
                python and dtype.is_bool and raw.dtype.kind in "iu":
            bad = raw.reshape(-1)[0].item()
            raise TypeError(f"Expected {dtype.name}, but got {bad!r} of type '{type(bad).__name__}'.")
    if dtype.is_integer and raw.dtype.kind == "f":  # a whole float: through int64, so that -1.0 wraps like -1
        raw = raw.astype(np.int64)
    return np.asarray(raw, dtype=dtype.np)  # an int out of the dtype's range wraps around, as in TensorFlow (-1 -> 255)


_HINTS = {  # (dtype kind, what the op needs) -> the Spanish hint
    "float": "esta función necesita números reales: convierte antes con tf.cast(x, tf.float32) o escribe los "
             "valores con punto decimal (2.0).",
    "unsigned": "los enteros sin signo (uint8) no tienen negativos: convierte antes con tf.cast(x, tf.int32).",
    "bool": "los booleanos no son números: convierte antes con tf.cast(x, tf.int32) o tf.cast(x, tf.float32).",
}


# TensorFlow's list of the real number dtypes (the text of its TypeError), for ops that take no bool
REAL = "float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, float16, uint32, uint64"


def check_dtype(t, allowed, param="x"):
    """TensorFlow's TypeError when the dtype of `t` is not in `allowed` (one of the lists above)."""
    if t.dtype.name in allowed.split(", "):
        return
    hint = _HINTS["bool" if t.dtype.is_bool else "unsigned" if t.dtype.name.startswith("u") else "float"]
    raise TypeError(hinted(f"Value passed to parameter '{param}' has DataType {t.dtype.name} not in list of allowed "
                           f"values: {allowed}", hint if t.dtype.name != "string" else None))


def check_kernel(op_type, x, kernels):
    """TensorFlow's run-time error for a dtype that op `op_type` accepts when the graph is built but has no CPU
    kernel for (matmul of uint8, reciprocal of an int): the op's forward calls it, so the error comes when the graph
    runs, as in TensorFlow. `kernels`: the dtype names that have one."""
    if x.dtype.name not in kernels:
        raise ValueError(hinted(f"No OpKernel was registered to support Op '{op_type}' with these attrs: "
                                f"[T={x.dtype.name}]. Registered kernels: T in [{', '.join(kernels)}]",
                                f"{op_type} no tiene implementación para {x.dtype.name}: convierte antes con "
                                f"tf.cast(x, tf.float32)."))


def _const_infer(inputs, attrs):
    return [(TensorShape(attrs["value"].shape), attrs["dtype"])]


@defop("Const", _const_infer)
def _const(*, value, dtype):
    return value


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor whose value is fixed when the graph is built: `tf.constant([1., 2.])`.

    A list that contains tensors becomes their `stack` (TensorFlow's auto-packing: `tf.reduce_sum([a, b])`)."""
    if isinstance(value, (list, tuple)) and any(is_tensor(v) for v in _nested(value)):
        return _auto_pack(value, dtype, name)
    arr = _to_array(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        n = int(np.prod(shape))
        if verify_shape and arr.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
        if arr.size > n:
            raise ValueError(f"Too many elements provided. Takes at most {n}, but got {arr.size}.")
        if arr.size == 0 and n:
            raise ValueError(f"Cannot create a tensor of shape {list(shape)} from an empty value.")
        flat = arr.reshape(-1)  # TensorFlow 1 repeats the last element to fill the shape
        arr = np.concatenate([flat, np.repeat(flat[-1:], n - flat.size)]).reshape(shape) if n else flat.reshape(shape)
    arr.flags.writeable = False
    return make_op("Const", [], name, {"value": arr, "dtype": _dt.as_dtype(arr.dtype) if dtype is None
                                       else _dt.as_dtype(dtype)}).outputs[0]


def _nested(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _nested(v)
        else:
            yield v


def _auto_pack(value, dtype, name):
    if dtype is None:
        dtype = next(convert_to_tensor(v).dtype for v in _nested(value) if is_tensor(v))
    with get_default_graph().name_scope(name) as scope:
        parts = [_auto_pack(v, dtype, "packed") if isinstance(v, (list, tuple)) else v for v in value]
        parts = [p if is_tensor(p) else constant(p, dtype) for p in parts]
        return stack(parts, name=scope)


def _placeholder_infer(inputs, attrs):
    return [(attrs["shape"], attrs["dtype"])]


@defop("Placeholder", _placeholder_infer, stateful=True)
def _placeholder(sess, op, *, dtype, shape):
    raise InvalidArgumentError(
        None, op,
        f"You must feed a value for placeholder tensor '{op.name}' with dtype {dtype.name}"
        + ("" if shape.dims is None else f" and shape {shape.bracket_str()}"),
        f"el placeholder '{op.name}' no tiene valor propio: dáselo en la ejecución, "
        f"sess.run(..., feed_dict={{{op.name.split('/')[-1].lower()}: valor}}).")


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed at run time: `sess.run(y, feed_dict={x: datos})`."""
    attrs = {"dtype": _dt.as_dtype(dtype), "shape": TensorShape(shape)}
    return make_op("Placeholder", [], name or "Placeholder", attrs).outputs[0]


def _pwd_infer(inputs, attrs):
    if not inputs[0].shape.is_compatible_with(attrs["shape"]):
        raise ValueError(f"The default value has shape {inputs[0].shape} which is incompatible with {attrs['shape']}")
    return [(attrs["shape"], inputs[0].dtype)]


@defop("PlaceholderWithDefault", _pwd_infer, grad=lambda op, g: [g])
def _placeholder_with_default(x, *, shape):
    return x


def placeholder_with_default(input, shape, name=None):
    """Like a placeholder, but when nothing is fed it takes the value of `input`."""
    return apply("PlaceholderWithDefault", [input], name, arg_names=("input",), attrs={"shape": TensorShape(shape)})


# ---------------------------------------------------------------------------------------------------------------
# Filled tensors
# ---------------------------------------------------------------------------------------------------------------


def _static_shape_or_tensor(shape):
    """A shape given as a list or TensorShape -> (None, its list); as an int Tensor -> (the Tensor, None)."""
    if is_tensor(shape):
        return convert_to_tensor(shape), None
    dims = [int(shape)] if isinstance(shape, (int, np.integer)) else as_shape(shape).as_list()
    if any(d is None for d in dims):
        raise ValueError(f"Cannot create a tensor of shape {dims} with unknown dimensions.")
    return None, dims


def _fill_infer(inputs, attrs):
    dims, value = inputs
    v = static_value(dims)
    if value.shape.rank not in (None, 0):
        raise ValueError(f"value must be a scalar, got shape {value.shape}")
    shape = TensorShape(v.tolist()) if v is not None else TensorShape(
        [None] * dims.shape[0] if dims.shape.rank == 1 and dims.shape[0] is not None else None)
    return [(shape, value.dtype)]


@defop("Fill", _fill_infer, grad=lambda op, g: [None, reduce_sum_all(g)])
def _fill(dims, value):
    return np.full(tuple(dims), value, dtype=value.dtype)


def fill(dims, value, name=None):
    """A tensor of shape `dims` whose elements all equal `value`."""
    return apply("Fill", [dims, value], name, arg_names=("dims", "value"), same_dtype=False)


def _filled(shape, dtype, value, name):
    tensor, static = _static_shape_or_tensor(shape)
    dtype = _dt.as_dtype(dtype)
    if tensor is None:
        return constant(np.full(static, value, dtype=dtype.np), dtype=dtype, name=name)
    with get_default_graph().name_scope(name) as scope:
        return fill(tensor, constant(value, dtype=dtype, name="Const"), name=scope)


def zeros(shape, dtype=_dt.float32, name=None):
    """A tensor of zeros."""
    return _filled(shape, dtype, 0, name or "zeros")


def ones(shape, dtype=_dt.float32, name=None):
    """A tensor of ones."""
    return _filled(shape, dtype, 1, name or "ones")


@defop("ZerosLike", same_as_input, grad=lambda op, g: [None])
def _zeros_like(x):
    return np.zeros_like(x)


@defop("OnesLike", same_as_input, grad=lambda op, g: [None])
def _ones_like(x):
    return np.ones_like(x)


def zeros_like(tensor, dtype=None, name=None):
    t = apply("ZerosLike", [tensor], name, arg_names=("tensor",))
    return t if dtype is None or _dt.as_dtype(dtype) == t.dtype else cast(t, dtype)


def ones_like(tensor, dtype=None, name=None):
    t = apply("OnesLike", [tensor], name, arg_names=("tensor",))
    return t if dtype is None or _dt.as_dtype(dtype) == t.dtype else cast(t, dtype)


def _range_infer(inputs, attrs):
    if inputs[0].dtype.name not in ("float32", "float64", "int8", "int16", "int32", "int64"):
        raise ValueError(f"Unsupported dtype {inputs[0].dtype.name} for Range")
    vals = [static_value(t) for t in inputs]
    if any(v is None for v in vals):
        return [(TensorShape([None]), inputs[0].dtype)]
    return [(TensorShape([_range_size(*vals)]), inputs[0].dtype)]


def _range_size(start, limit, delta):
    """How many values: computed in the dtype of the range, as TensorFlow does (so 0.9 to 4.9 by 0.5 in float32
    has 8 values, not the 9 of float64)."""
    if delta == 0:
        raise ValueError(f"Requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if start.dtype.kind in "iu":
        return int((abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta)))
    return int(np.ceil(np.abs((limit - start) / delta)))


@defop("Range", _range_infer)
def _range(start, limit, delta):
    n = _range_size(start, limit, delta)
    if start.dtype.kind in "iu":
        return np.arange(start, limit, delta, dtype=start.dtype)[:n]
    steps = np.full(n, delta, dtype=start.dtype)  # start, start + delta, ... added one by one, as TensorFlow
    steps[:1] = start
    return np.cumsum(steps, dtype=start.dtype)


_RANGE_ORDER = ["int32", "int64", "float16", "float32", "float64"]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 (TensorFlow's name)
    """Like Python's range: `tf.range(5)` -> [0 1 2 3 4]. int32 unless a float or `dtype` is given (the widest
    dtype of start, limit and delta, as in TensorFlow)."""
    if limit is None:
        start, limit = 0, start
    values = (start, limit, delta)
    if dtype is None:
        dtype = max((convert_to_tensor(v).dtype if is_tensor(v) else _dt.infer(v) for v in values),
                    key=lambda d: _RANGE_ORDER.index(d.name) if d.name in _RANGE_ORDER else -1)
    dtype = _dt.as_dtype(dtype)
    with get_default_graph().name_scope(name) as scope:
        args = [cast(v, dtype) if is_tensor(v) and convert_to_tensor(v).dtype != dtype
                else convert_to_tensor(v, dtype=None if is_tensor(v) else dtype, name=n)
                for v, n in zip(values, ("start", "limit", "delta"))]
        return apply("Range", args, scope, arg_names=("start", "limit", "delta"))


def _linspace_infer(inputs, attrs):
    n = static_value(inputs[2])
    return [(TensorShape([None if n is None else int(n)]), inputs[0].dtype)]


@defop("LinSpace", _linspace_infer)
def _linspace(start, stop, num):
    return np.linspace(start, stop, int(num), dtype=start.dtype)


def linspace(start, stop, num, name=None):
    """`num` evenly spaced values from `start` to `stop` (both included). start and stop must be floats."""
    start, stop = (convert_to_tensor(v, dtype=None if is_tensor(v) else _dt.float32) for v in (start, stop))
    return apply("LinSpace", [start, stop, convert_to_tensor(num, dtype=_dt.int32)], name,
                 arg_names=("start", "stop", "num"), same_dtype=False)


lin_space = linspace


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dt.float32, name=None):
    """The identity matrix (a constant)."""
    m = np.eye(num_rows, num_columns, dtype=_dt.as_dtype(dtype).np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(batch_shape) + m.shape).copy()
    return constant(m, dtype=dtype, name=name or "eye")


# ---------------------------------------------------------------------------------------------------------------
# Identity, casting, shapes
# ---------------------------------------------------------------------------------------------------------------


@defop("Identity", same_as_input, grad=lambda op, g: [g])
def _identity(x):
    return x


def identity(input, name=None):
    """The same value, as a new op (useful to give a tensor a name)."""
    return apply("Identity", [input], name, arg_names=("input",))


@defop("StopGradient", same_as_input, grad=lambda op, g: [None])
def _stop_gradient(x):
    return x


def stop_gradient(input, name=None):
    """The same value, but gradients do not flow through it."""
    return apply("StopGradient", [input], name, arg_names=("input",))


def _cast_grad(op, g):
    src = op.inputs[0].dtype
    return [cast(g, src) if src.is_floating and g.dtype.is_floating else None]


@defop("Cast", lambda inputs, attrs: [(inputs[0].shape, attrs["DstT"])], grad=_cast_grad)
def _cast(x, *, DstT):
    if DstT.is_integer and x.dtype.kind == "f":
        x = np.trunc(x)
    return x.astype(DstT.np)


def cast(x, dtype, name=None):
    """Converts to another dtype: `tf.cast(t, tf.float32)`. Floats become ints by truncation. A tensor that already
    has that dtype is returned as it is (no op), as in TensorFlow."""
    if is_tensor(x) and convert_to_tensor(x).dtype == _dt.as_dtype(dtype):
        return convert_to_tensor(x)
    return apply("Cast", [x], name, attrs={"DstT": _dt.as_dtype(dtype)})


to_float = lambda x, name="ToFloat": cast(x, _dt.float32, name)  # noqa: E731
to_int32 = lambda x, name="ToInt32": cast(x, _dt.int32, name)  # noqa: E731


def _vector_of_rank(inputs, attrs):
    rank = inputs[0].shape.rank
    return [(TensorShape([rank]), attrs["out_type"])]


@defop("Shape", _vector_of_rank)
def _shape(x, *, out_type):
    return np.array(x.shape, out_type.np)


def shape(input, name=None, out_type=_dt.int32):
    """The shape of a tensor at run time (an int32 vector); `t.shape` is the static one."""
    return apply("Shape", [input], name, arg_names=("input",), attrs={"out_type": _dt.as_dtype(out_type)})


@defop("Size", lambda inputs, attrs: [(TensorShape([]), attrs["out_type"])])
def _size(x, *, out_type):
    return np.array(np.size(x), dtype=out_type.np)


def size(input, name=None, out_type=_dt.int32):
    return apply("Size", [input], name, arg_names=("input",), attrs={"out_type": _dt.as_dtype(out_type)})


@defop("Rank", lambda inputs, attrs: [(TensorShape([]), _dt.int32)])
def _rank(x):
    return np.array(np.ndim(x), dtype=np.int32)


def rank(input, name=None):
    return apply("Rank", [input], name, arg_names=("input",))


def shape_of(x):
    """The shape of `x` as a tensor: a constant when it is known statically, else a Shape op (used by gradients)."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtype=np.int32), name="Shape")
    return shape(x)


# ---------------------------------------------------------------------------------------------------------------
# Reshaping
# ---------------------------------------------------------------------------------------------------------------


def _reshape_infer(inputs, attrs):
    x, shape_t = inputs
    target = static_value(shape_t)
    if target is None:
        n = shape_t.shape[0] if shape_t.shape.rank == 1 else None
        return [(TensorShape(None if n is None else [None] * n), x.dtype)]
    target = [int(d) for d in target]
    if sum(d == -1 for d in target) > 1:
        raise ValueError(f"Only one input size may be -1, not both in shape {target}")
    known = x.shape.num_elements()
    if -1 in target:
        rest = int(np.prod([d for d in target if d != -1]))
        if known is not None:
            if rest == 0 or known % rest:
                raise ValueError(f"Dimension size must be evenly divisible by {rest} but is {known}: cannot reshape "
                                 f"a tensor of shape {x.shape.bracket_str()} to shape {target}")
            target[target.index(-1)] = known // rest
        else:
            target[target.index(-1)] = None
    elif known is not None and known != int(np.prod(target)):
        raise ValueError(f"Cannot reshape a tensor with {known} elements to shape {target} "
                         f"({int(np.prod(target))} elements). Input shape: {x.shape.bracket_str()}")
    elif x.shape.rank is not None:  # some dimensions unknown: the known ones must still divide the size asked for
        part = int(np.prod([d for d in x.shape.dims if d is not None]))
        if part and int(np.prod(target)) % part:
            raise ValueError(f"Dimension size must be evenly divisible by {part} but is {int(np.prod(target))}: "
                             f"cannot reshape a tensor of shape {x.shape.bracket_str()} to shape {target}")
    return [(TensorShape(target), x.dtype)]


@defop("Reshape", _reshape_infer, grad=lambda op, g: [reshape(g, shape_of(op.inputs[0])), None])
def _reshape(x, shape):
    return np.reshape(x, shape)


def reshape(tensor, shape, name=None):
    """The same elements in another shape; one dimension may be -1 (computed)."""
    return apply("Reshape", [tensor, _int_vector(shape, "shape")], name, arg_names=("tensor", "shape"),
                 same_dtype=False)


def _int_vector(v, name):
    return v if is_tensor(v) else constant(np.asarray(v, dtype=np.int64 if np.max(np.abs(v), initial=0) >= 2**31
                                                      else np.int32), name=name)


def _transpose_infer(inputs, attrs):
    x = inputs[0]
    perm = attrs["perm"]
    if len(inputs) == 2:  # a permutation known only when the graph runs: the rank, at most
        n = inputs[1].shape[0] if inputs[1].shape.rank == 1 else None
        rank = x.shape.rank if x.shape.rank is not None else n
        return [(TensorShape(None if rank is None else [None] * rank), x.dtype)]
    if perm is not None:  # the rank is the input's, or else the length of perm
        rank = len(perm) if x.shape.rank is None else x.shape.rank
        if len(perm) != rank:
            raise ValueError(f"Dimension must be {rank} but is {len(perm)}: perm {list(perm)} for a tensor of "
                             f"shape {x.shape.bracket_str()}")
        for p in perm:
            if not 0 <= p < rank:
                raise ValueError(f"perm dim {p} is out of range of input rank {rank}")
    if x.shape.rank is None:
        return [(TensorShape(None if perm is None else [None] * len(perm)), x.dtype)]
    if perm is None:
        perm = tuple(reversed(builtins.range(x.shape.rank)))
    if sorted(perm) != list(builtins.range(x.shape.rank)):
        raise ValueError(f"perm {list(perm)} is not a permutation of the {x.shape.rank} dimensions of shape "
                         f"{x.shape.bracket_str()}")
    return [(TensorShape([x.shape[i] for i in perm]), x.dtype)]


def _transpose_grad(op, g):
    if len(op.inputs) == 2:
        return [transpose(g, invert_permutation(op.inputs[1])), None]
    return [transpose(g, None if op.attrs["perm"] is None else np.argsort(op.attrs["perm"]))]


@defop("Transpose", _transpose_infer, grad=_transpose_grad)
def _transpose(x, *perm_input, perm):
    """`perm` is an attribute when it is known while building, else the second input."""
    if perm_input:
        perm = perm_input[0]
        if perm.shape != (x.ndim,):
            raise ValueError(f"transpose expects a vector of size {x.ndim}. But input(1) is a vector of size "
                             f"{perm.size}")
    return np.transpose(x, perm)


def transpose(a, perm=None, name="transpose"):
    """Permutes the dimensions (reverses them by default: the matrix transpose)."""
    if is_tensor(perm) and static_value(perm) is None:
        return apply("Transpose", [a, perm], None, name, arg_names=("x", "perm"), same_dtype=False,
                     attrs={"perm": None})
    perm = None if perm is None else tuple(int(p) for p in (static_value(perm) if is_tensor(perm) else perm))
    return apply("Transpose", [a], None, name, arg_names=("x",), attrs={"perm": perm})


@defop("InvertPermutation", same_as_input)
def _invert_permutation(x):
    if x.ndim != 1 or sorted(x.tolist()) != list(builtins.range(x.size)):
        raise ValueError(f"{x.tolist()} is not a permutation of 0..{x.size - 1}")
    return np.argsort(x).astype(x.dtype)


def invert_permutation(x, name=None):
    """y[x[i]] = i: the permutation that undoes `x`."""
    return apply("InvertPermutation", [x], name, arg_names=("x",))


def move_axis_last(x, axis):
    """(x with dimension `axis` moved to the end, the permutation that moves it back), by a transpose whose
    permutation is computed when the graph runs if the rank of x is unknown; (x, None) if `axis` is already last."""
    n = x.shape.rank
    if axis == -1 or n is not None and _norm_axis(axis, n) == n - 1:
        return x, None
    if n is not None:
        perm = [i for i in builtins.range(n) if i != axis % n] + [axis % n]
        return transpose(x, perm), np.argsort(perm).tolist()
    r = rank(x)
    a = axis % r if axis < 0 else convert_to_tensor(axis)
    perm = concat([range(a), range(a + 1, r), expand_dims(a, 0)], 0)
    return transpose(x, perm), invert_permutation(perm)


def _norm_axis(axis, rank, what="axis", message="Argument `{what}` = {axis} not in range [{lo}, {rank})"):
    """`axis` in [0, rank) (a negative one counts from the end); out of range, a ValueError with the op's own
    TensorFlow `message` (a template over what, axis, lo = -rank, rank, last = rank - 1 and need = the rank
    the axis would need)."""
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise ValueError(message.format(what=what, axis=axis, lo=-rank, rank=rank, last=rank - 1,
                                        need=axis + 1 if axis >= 0 else -axis))
    return axis % rank


def _expand_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype)]
    axis = _norm_axis(attrs["axis"], x.shape.rank + 1, message="dim {axis} not in the interval [{lo}, {last}].")
    dims = list(x.shape.dims)
    dims.insert(axis, 1)
    return [(TensorShape(dims), x.dtype)]


@defop("ExpandDims", _expand_infer, grad=lambda op, g: [reshape(g, shape_of(op.inputs[0]))])
def _expand_dims(x, *, axis):
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"Tried to expand dim index {axis} for tensor with {x.ndim} dimensions.")
    return np.expand_dims(x, axis)


def expand_dims(input, axis=None, name=None, dim=None):
    """Inserts a dimension of size 1 at `axis`."""
    axis = dim if axis is None else axis
    return apply("ExpandDims", [input], name, arg_names=("input",), attrs={"axis": _static_int(axis, "axis")})


def _static_int(v, what):
    if is_tensor(v):
        s = static_value(convert_to_tensor(v))
        if s is None:
            raise TypeError(f"{what} must be known when the graph is built (a Python int), got {v}")
        v = s
    return int(v)


def _squeeze_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype)]
    axis = attrs["axis"]
    if axis is None:
        if None in x.shape.dims:
            return [(TensorShape(None), x.dtype)]
        return [(TensorShape([d for d in x.shape.dims if d != 1]), x.dtype)]
    axis = [_norm_axis(a, x.shape.rank, message="squeeze_dims[0] not in [{lo},{rank}).") for a in axis]
    for a in axis:
        if x.shape[a] not in (1, None):
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {x.shape[a]} for shape "
                             f"{x.shape.bracket_str()}")
    return [(TensorShape([d for i, d in enumerate(x.shape.dims) if i not in axis]), x.dtype)]


@defop("Squeeze", _squeeze_infer, grad=lambda op, g: [reshape(g, shape_of(op.inputs[0]))])
def _squeeze(x, *, axis):
    try:
        return np.squeeze(x, axis)
    except ValueError:
        bad = next(a for a in axis if x.shape[a] != 1)
        raise ValueError(f"Can not squeeze dim[{bad}], expected a dimension of 1, got {x.shape[bad]}") from None


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Removes dimensions of size 1."""
    axis = squeeze_dims if axis is None else axis
    axis = None if axis is None else tuple([axis] if isinstance(axis, int) else axis) or None  # [] means all
    return apply("Squeeze", [input], name, arg_names=("input",), attrs={"axis": axis})


# ---------------------------------------------------------------------------------------------------------------
# Joining and splitting
# ---------------------------------------------------------------------------------------------------------------


def _concat_infer(inputs, attrs):
    ranks = {t.shape.rank for t in inputs} - {None}
    if len(ranks) > 1:
        raise ValueError("Shape must be the same rank for all inputs of concat, got shapes "
                         + ", ".join(t.shape.bracket_str() for t in inputs))
    if not ranks:
        return [(TensorShape(None), inputs[0].dtype)]
    rank = ranks.pop()
    if rank == 0:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    axis = _norm_axis(attrs["axis"], rank, message="Shape must be at least rank {need} but is rank {rank} for "
                                                   "'ConcatV2' (concatenating along axis {axis})")
    dims = [None] * rank
    total = 0
    for t in inputs:
        if t.shape.rank is None:
            total = None
            continue
        for i, d in enumerate(t.shape.dims):
            if i == axis:
                total = None if total is None or d is None else total + d
            elif d is not None:
                if dims[i] is not None and dims[i] != d:
                    raise ValueError(f"Dimension {i} in both shapes must be equal, but are {dims[i]} and {d}. Shapes "
                                     "are " + " and ".join(t.shape.bracket_str() for t in inputs))
                dims[i] = d
    dims[axis] = total
    return [(TensorShape(dims), inputs[0].dtype)]


def _concat_grad(op, g):
    axis = op.attrs["axis"]
    return split(g, [_dim_of(x, axis) for x in op.inputs], axis=axis)


def _dim_of(x, axis):
    d = x.shape[axis] if x.shape.rank is not None else None
    return d if d is not None else shape(x)[axis]


@defop("ConcatV2", _concat_infer, grad=_concat_grad)
def _concat(*values, axis):
    rank = values[0].ndim
    if rank == 0:
        raise ValueError("ConcatOp : Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range [{-rank}, {rank}), but got {axis}")
    axis %= rank
    for i, v in enumerate(values[1:], 1):
        if v.ndim != rank:
            raise ValueError(f"ConcatOp : Ranks of all input tensors should match: shape[0] = {_dims(values[0])} vs. "
                             f"shape[{i}] = {_dims(v)}")
        for d, (a, b) in enumerate(zip(values[0].shape, v.shape)):
            if d != axis and a != b:
                raise ValueError(f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = "
                                 f"{_dims(values[0])} vs. shape[{i}] = {_dims(v)}")
    return np.concatenate(values, axis)


def _dims(value):
    """A value's shape as TensorFlow's run-time errors write it: [2,3]."""
    return "[" + ",".join(map(str, np.shape(value))) + "]"


def concat(values, axis, name="concat"):
    """Joins tensors along an existing dimension: `tf.concat([a, b], axis=0)`."""
    values = list(values)
    if len(values) == 1:
        return identity(values[0], name=name)
    return apply("ConcatV2", values, None, name, arg_names=tuple(f"values_{i}" for i in builtins.range(len(values))),
                 attrs={"axis": _static_int(axis, "axis")})


def _pack_infer(inputs, attrs):
    rank = next((t.shape.rank for t in inputs if t.shape.rank is not None), None)
    axis = _norm_axis(attrs["axis"], None if rank is None else rank + 1)  # (checked first, as TensorFlow does)
    shape = inputs[0].shape
    for t in inputs[1:]:
        shape = merge(shape, t.shape)
    if shape.rank is None:
        return [(TensorShape(None), inputs[0].dtype)]
    dims = list(shape.dims)
    dims.insert(axis, len(inputs))
    return [(TensorShape(dims), inputs[0].dtype)]


@defop("Pack", _pack_infer, grad=lambda op, g: unstack(g, num=len(op.inputs), axis=op.attrs["axis"]))
def _pack(*values, axis):
    rank = values[0].ndim
    if not -rank - 1 <= axis <= rank:
        raise ValueError(f"axis = {axis} not in [{-rank - 1}, {rank + 1})")
    return np.stack(values, axis)


def stack(values, axis=0, name="stack"):
    """Stacks tensors of the same shape along a new dimension."""
    values = list(values)
    return apply("Pack", values, None, name, arg_names=tuple(f"values_{i}" for i in builtins.range(len(values))),
                 attrs={"axis": int(axis)})


def _unpack_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype)] * attrs["num"]
    axis = _norm_axis(attrs["axis"], x.shape.rank)
    dims = list(x.shape.dims)
    if dims[axis] is not None and dims[axis] != attrs["num"]:
        raise ValueError(f"Cannot unstack {dims[axis]} elements into {attrs['num']} tensors")
    del dims[axis]
    return [(TensorShape(dims), x.dtype)] * attrs["num"]


def _zeros_for_missing(grads, like):
    return [g if g is not None else zeros_like(t) for g, t in zip(grads, like)]


@defop("Unpack", _unpack_infer, grad=lambda op, *gs: [stack(_zeros_for_missing(gs, op.outputs), axis=op.attrs["axis"])])
def _unpack(x, *, num, axis):
    return _outputs(list(np.moveaxis(x, axis, 0)))


def _outputs(parts):
    """The result of an op with a variable number of outputs: one array, or a tuple of them."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits a tensor into a list of tensors along `axis` (removing it)."""
    value = convert_to_tensor(value)
    if num is None:
        num = value.shape[_norm_axis(axis, value.shape.rank)] if value.shape.rank is not None else None
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {value.shape}")
    out = apply("Unpack", [value], None, name, arg_names=("value",), attrs={"num": int(num), "axis": int(axis)})
    return out if isinstance(out, list) else [out]


def _split_infer(inputs, attrs):
    """Split (n equal parts, attr `num`) and SplitV (attr `sizes`, None where a size is a tensor input)."""
    x, sizes = inputs[0], attrs.get("sizes")
    n = attrs["num"] if sizes is None else len(sizes)
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype)] * n
    if x.shape.rank == 0 and sizes is not None:  # (Split says instead that the axis is out of range)
        raise ValueError("Can't split scalars")
    axis = _norm_axis(attrs["axis"], x.shape.rank,
                      message="Dimension size, given by scalar input {axis} must be in range [-{rank}, {rank})")
    d = x.shape[axis]
    if sizes is None:
        if d is not None and d % n:
            raise ValueError(f"Dimension size must be evenly divisible by {n} but is {d} for shape "
                             f"{x.shape.bracket_str()} (split into {n} parts along axis {axis})")
        static = [None if d is None else d // n] * n
    else:
        dynamic = iter(inputs[1:])
        static = [_maybe_int(static_value(next(dynamic))) if s is None else s for s in sizes]
        if static.count(-1) > 1:
            raise ValueError(f"Cannot infer more than one -1 in size_splits {static}")
        known = [s for s in static if s not in (None, -1)]
        if d is not None and None not in static and -1 not in static and sum(known) != d:
            raise ValueError(f"can't split axis of size {d} into pieces of size [{','.join(map(str, static))}]")
        if d is not None and sum(known) > d:
            raise ValueError(f"Determined shape must either match input shape along split_dim exactly if fully "
                             f"specified, or be less than the size of the input along split_dim if not fully "
                             f"specified. Got sizes {static} for dimension {d} of shape {x.shape.bracket_str()}")
        if -1 in static:
            static[static.index(-1)] = d - sum(known) if None not in static and d is not None else None
    outs = []
    for s in static:
        dims = list(x.shape.dims)
        dims[axis] = s
        outs.append((TensorShape(dims), x.dtype))
    return outs


def _maybe_int(v):
    return None if v is None else int(v)


def _split_grad(op, *grads):
    return [concat(_zeros_for_missing(grads, op.outputs), op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


def _check_split_dim(x, axis):
    if not -x.ndim <= axis < x.ndim:  # (checked when building only if the rank was known)
        raise ValueError(f"-input rank(-{x.ndim}) <= split_dim < input rank ({x.ndim}), but got {axis}")


@defop("Split", _split_infer, grad=_split_grad)
def _split_equal(x, *, num, axis):
    _check_split_dim(x, axis)
    if x.shape[axis] % num:
        raise ValueError(f"Number of ways to split should evenly divide the split dimension, but got split_dim "
                         f"{axis} (size = {x.shape[axis]}) and num_split {num}")
    return _outputs(np.split(x, num, axis))


@defop("SplitV", _split_infer, grad=_split_grad)
def _split(x, *dynamic_sizes, sizes, axis):
    _check_split_dim(x, axis)
    dynamic = iter(dynamic_sizes)
    sizes = [int(next(dynamic)) if s is None else s for s in sizes]
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    if min(sizes) < 0 or sum(sizes) != x.shape[axis]:
        raise ValueError(f"Determined shape must either match input shape along split_dim exactly if fully "
                         f"specified, or be less than the size of the input along split_dim if not fully specified. "
                         f"Got sizes {sizes} for dimension {x.shape[axis]} of shape {list(x.shape)}")
    return _outputs(np.split(x, np.cumsum(sizes)[:-1], axis))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits into `n` equal parts, or parts of the given sizes (one may be -1), along `axis`."""
    axis = _static_int(axis, "axis")
    if isinstance(num_or_size_splits, (int, np.integer)):
        out = apply("Split", [value], None, name, arg_names=("value",),
                    attrs={"num": int(num_or_size_splits), "axis": axis})
    else:
        sizes = list(num_or_size_splits)
        dynamic = [s for s in sizes if is_tensor(s)]
        out = apply("SplitV", [value, *dynamic], None, name, same_dtype=False,
                    arg_names=("value",) + tuple(f"size_{i}" for i in builtins.range(len(dynamic))),
                    attrs={"sizes": [None if is_tensor(s) else int(s) for s in sizes], "axis": axis})
    return out if isinstance(out, list) else [out]


def _tile_infer(inputs, attrs):
    x, m = inputs
    mv = static_value(m)
    if x.shape.rank is None or mv is None:  # the rank is the length of multiples
        rank = x.shape.rank if x.shape.rank is not None else m.shape[0] if m.shape.rank == 1 else None
        return [(TensorShape(None if rank is None else [None] * rank), x.dtype)]
    if len(mv) != x.shape.rank:
        raise ValueError(f"Shape must be rank {x.shape.rank} but is rank {len(mv)}: multiples {mv.tolist()} for "
                         f"shape {x.shape.bracket_str()}")
    return [(TensorShape([None if d is None else d * int(k) for d, k in zip(x.shape.dims, mv)]), x.dtype)]


@defop("TileGrad", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)],
       grad=lambda op, gg: [tile(gg, op.inputs[1]), None, None])
def _tile_grad_forward(g, multiples, x_shape):
    split_shape = [v for pair in zip(multiples, x_shape) for v in pair]
    return g.reshape(split_shape).sum(axis=tuple(builtins.range(0, 2 * len(x_shape), 2)))


def _tile_grad(op, g):
    x = op.inputs[0]
    t = make_op("TileGrad", [g, op.inputs[1], shape_of(x)], "TileGrad").outputs[0]
    t.set_shape(x.shape)
    return [t, None]


@defop("Tile", _tile_infer, grad=_tile_grad)
def _tile(x, multiples):
    return np.tile(x, multiples)


def tile(input, multiples, name=None):
    """Repeats the tensor `multiples[i]` times along dimension i."""
    return apply("Tile", [input, _int_vector(multiples, "multiples")], name, arg_names=("input", "multiples"),
                 same_dtype=False)


# ---------------------------------------------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------------------------------------------


def _gather_infer(inputs, attrs):
    params, indices = inputs
    check_dtype(indices, "int16, int32, int64", "indices")
    if params.shape.rank is None or indices.shape.rank is None:
        return [(TensorShape(None), params.dtype)]
    axis = _norm_axis(attrs["axis"], params.shape.rank,
                      message="Shape must be at least rank {need} but is rank {rank} for 'GatherV2' (axis {axis})")
    dims = params.shape.dims
    return [(TensorShape(dims[:axis] + indices.shape.dims + dims[axis + 1:]), params.dtype)]


def _gather_grad(op, g):
    """Each slice of g goes back to the row it was taken from (summing repeated indices)."""
    params, indices = op.inputs
    axis = op.attrs["axis"]
    if axis == 0:
        return [unsorted_segment_sum(g, indices, _dim_of(params, 0)), None]
    rank, k = params.shape.rank, indices.shape.rank
    if rank is None or k is None:
        raise ValueError("the gradient of gather along an axis other than 0 needs known ranks")
    axis = _norm_axis(axis, rank)
    front = list(builtins.range(axis, axis + k))  # the dimensions of g that come from indices go first
    perm = front + [i for i in builtins.range(rank - 1 + k) if i not in front]
    summed = unsorted_segment_sum(transpose(g, perm), indices, _dim_of(params, axis))
    back = list(builtins.range(1, axis + 1)) + [0] + list(builtins.range(axis + 1, rank))
    return [transpose(summed, back), None]


@defop("GatherV2", _gather_infer, grad=_gather_grad)
def _gather(params, indices, *, axis):
    if not -params.ndim <= axis < params.ndim:
        raise ValueError(f"Shape must be at least rank {axis + 1 if axis >= 0 else -axis} but is rank {params.ndim}")
    n = params.shape[axis]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        where = tuple(int(i) for i in np.argwhere((indices < 0) | (indices >= n))[0])
        raise ValueError(f"indices{list(where)} = {indices[where]} is not in [0, {n})")
    return np.take(params, indices, axis=axis)


def gather(params, indices, axis=0, name=None):
    """Picks slices of `params` by index: `tf.gather(x, [0, 2])` takes rows 0 and 2."""
    return apply("GatherV2", [params, indices], name, arg_names=("params", "indices"), same_dtype=False,
                 attrs={"axis": _static_int(axis, "axis")})


def _segment_infer(inputs, attrs):
    data, ids, n = inputs
    check_dtype(data, REAL, "data")
    check_dtype(ids, "int32, int64", "segment_ids")
    nv = static_value(n)
    if data.shape.rank is None or ids.shape.rank is None:
        return [(TensorShape(None), data.dtype)]
    return [(TensorShape([None if nv is None else int(nv)] + list(data.shape.dims[ids.shape.rank:])), data.dtype)]


def gather_dropping_negatives(params, indices):
    """gather(params, indices), with zeros where an index is negative (the rows unsorted_segment_* drop)."""
    from .math_ops import maximum
    gathered = gather(params, maximum(indices, 0))
    keep = cast(indices >= 0, params.dtype)
    for _ in builtins.range(gathered.shape.rank - keep.shape.rank):  # [n] -> [n, 1, ...]: one keep per row
        keep = expand_dims(keep, -1)
    return gathered * keep


def check_segment_ids(data, ids, num_segments):
    """The number of segments of an unsorted segment reduction, after TensorFlow's run-time checks of its ids."""
    n = int(num_segments)
    if data.shape[:ids.ndim] != ids.shape:
        raise ValueError(f"data.shape = {_dims(data)} does not start with segment_ids.shape = {_dims(ids)}")
    if ids.size and ids.max() >= n:
        where = tuple(int(i) for i in np.argwhere(ids >= n)[0])
        raise ValueError(f"segment_ids[{','.join(map(str, where))}] = {ids[where]} is out of range [0, {n})")
    return n


@defop("UnsortedSegmentSum", _segment_infer,
       grad=lambda op, g: [gather_dropping_negatives(g, op.inputs[1]), None, None])
def _unsorted_segment_sum(data, ids, num_segments):
    """Negative ids are dropped (TensorFlow's rule); ids past the last segment are an error."""
    n = check_segment_ids(data, ids, num_segments)
    out = np.zeros((n,) + data.shape[ids.ndim:], dtype=data.dtype)
    keep = ids >= 0
    np.add.at(out, ids[keep], data[keep])
    return out


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the rows of `data` that share a segment id: out[segment_ids[i]] += data[i] (negative ids dropped)."""
    return apply("UnsortedSegmentSum", [data, segment_ids, num_segments], name, same_dtype=False,
                 arg_names=("data", "segment_ids", "num_segments"))


def _slice_infer(inputs, attrs):
    x, begin, size_t = inputs
    merge(begin.shape, size_t.shape)  # (TensorFlow's words when begin and size differ in length)
    b, s = static_value(begin), static_value(size_t)
    if x.shape.rank is None:  # the rank is the length of begin; a size (not -1) is that dimension
        n = size_t.shape[0] if size_t.shape.rank == 1 else None
        return [(TensorShape(None if n is None else [None if s is None or s[i] == -1 else int(s[i])
                                                     for i in builtins.range(n)]), x.dtype)]
    if s is None or b is None:
        return [(TensorShape([None] * x.shape.rank), x.dtype)]
    dims = []
    for d, bi, si in zip(x.shape.dims, b, s):  # (a slice out of range is TensorFlow's error when the graph runs)
        si = (d - bi if d is not None and d >= bi else None) if si == -1 else int(si)
        dims.append(si)
    return [(TensorShape(dims), x.dtype)]


@defop("SliceGrad", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)],
       grad=lambda op, gg: [slice(gg, op.inputs[2], shape_of(op.inputs[0])), None, None])
def _slice_grad_forward(g, x_shape, begin):
    out = np.zeros(x_shape, dtype=g.dtype)
    out[tuple(builtins.slice(b, b + n) for b, n in zip(begin, g.shape))] = g
    return out


def _slice_grad(op, g):
    x = op.inputs[0]
    t = make_op("SliceGrad", [g, shape_of(x), op.inputs[1]], "SliceGrad").outputs[0]
    t.set_shape(x.shape)
    return [t, None, None]


@defop("Slice", _slice_infer, grad=_slice_grad)
def _slice(x, begin, size):
    for i, (d, b, n) in enumerate(zip(x.shape, begin, size)):
        if not 0 <= b <= d or not (n == -1 or 0 <= n <= d - b):
            raise ValueError(f"Expected begin[{i}] in [0, {d}] and size[{i}] in [0, {d - b}], but got begin {b} and "
                             f"size {n} (slicing shape {list(x.shape)})")
    return x[tuple(builtins.slice(b, None if n == -1 else b + n) for b, n in zip(begin, size))]


def slice(input_, begin, size, name=None):  # noqa: A001 (TensorFlow's name)
    """The block of `size` elements starting at `begin` (size -1: up to the end)."""
    for v, what in ((begin, "begin"), (size, "size")):
        if not is_tensor(v) and np.size(v) == 0:  # TensorFlow converts [] to float32, which Slice does not take
            raise TypeError(f"Value passed to parameter '{what}' has DataType float32 not in list of allowed values: "
                            "int32, int64")
    return apply("Slice", [input_, _int_vector(begin, "begin"), _int_vector(size, "size")], name, same_dtype=False,
                 arg_names=("input", "begin", "size"))


def _spec_shape(shape, spec):
    """Static shape of x[spec] for a spec of ints, slices, None (new axis) and at most one Ellipsis."""
    if shape.rank is None:
        return TensorShape(None)
    dims = list(shape.dims)
    n_real = sum(1 for s in spec if s is not None and s is not Ellipsis)
    if n_real > len(dims):
        raise ValueError(f"Index out of range using input dim {len(dims)}: {n_real} indices for a tensor of shape "
                         f"{shape.bracket_str()}")
    if spec.count(Ellipsis) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    if Ellipsis not in spec:
        spec = spec + (Ellipsis,)
    i = spec.index(Ellipsis)
    spec = spec[:i] + (builtins.slice(None),) * (len(dims) - n_real) + spec[i + 1:]
    out, axis = [], 0
    for s in spec:
        if s is None:
            out.append(1)
            continue
        d = dims[axis]
        if isinstance(s, builtins.slice):
            out.append(None if d is None else len(builtins.range(*s.indices(d))))
        elif d is not None and not -d <= s < d:
            raise ValueError(f"slice index {s} of dimension {axis} out of bounds for shape {shape.bracket_str()}")
        axis += 1
    return TensorShape(out)


@defop("StridedSliceGrad", lambda inputs, attrs: [(TensorShape(None), inputs[1].dtype)],
       grad=lambda op, gg: [None, apply("StridedSlice", [gg], None, "strided_slice", attrs=op.attrs)])
def _strided_slice_grad_forward(x_shape, g, *, spec):
    out = np.zeros(x_shape, dtype=g.dtype)
    out[spec] = g
    return out


def _strided_slice_grad(op, g):
    x = op.inputs[0]
    t = make_op("StridedSliceGrad", [shape_of(x), g], "StridedSliceGrad", {"spec": op.attrs["spec"]}).outputs[0]
    t.set_shape(x.shape)
    return [t]


@defop("StridedSlice", lambda inputs, attrs: [(_spec_shape(inputs[0].shape, attrs["spec"]), inputs[0].dtype)],
       grad=_strided_slice_grad)
def _strided_slice(x, *, spec):
    return x[spec]


_INDEX_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 "
                "tensors are valid indices, got {!r}")


def _getitem(tensor, key):
    """`t[1:, ::2]`, `t[:, 0]`, `t[..., None]`, `t[i]`: NumPy basic indexing. Integers known when the graph is built
    go into one StridedSlice; a scalar int tensor known only at run time picks its element with a gather after it."""
    key = key if isinstance(key, tuple) else (key,)
    dynamic = [i for i, k in enumerate(key) if is_tensor(k) and static_value(convert_to_tensor(k)) is None]
    if len(dynamic) == 1 and all(k == builtins.slice(None) for k in key[:dynamic[0]] + key[dynamic[0] + 1:]):
        return gather(tensor, key[dynamic[0]], axis=dynamic[0])  # `x[t]`, `x[:, t]` with t known at run time (loops)
    spec, dynamic = [], []  # dynamic: (position in the spec, index tensor)
    for k in key:
        if is_tensor(k):
            t = convert_to_tensor(k)
            if not t.dtype.is_integer or t.shape.rank not in (None, 0):
                raise TypeError(hinted(_INDEX_ERROR.format(t),
                                       "para elegir varios elementos por índice usa tf.gather(t, indices)."))
            v = static_value(t)
            if v is None:
                dynamic.append((len(spec), t))
                k = builtins.slice(None)
            else:
                k = int(v)
        if isinstance(k, builtins.slice):
            k = builtins.slice(*(None if p is None else _static_int(p, "slice bound") for p in (k.start, k.stop, k.step)))
        elif isinstance(k, (bool, np.bool_)) or not (k is None or k is Ellipsis or isinstance(k, (int, np.integer))):
            raise TypeError(hinted(_INDEX_ERROR.format(k),
                                   "para elegir varios elementos por índice usa tf.gather; para máscaras, tf.boolean_mask."))
        elif k is not None and k is not Ellipsis:
            k = int(k)
        spec.append(k)
    out = apply("StridedSlice", [tensor], None, "strided_slice", arg_names=("input",), attrs={"spec": tuple(spec)})
    n_real = sum(1 for k in spec if k is not None and k is not Ellipsis)  # the keys that use up a dimension
    for position, index in reversed(dynamic):
        out = gather(out, index, axis=_result_axis(spec[:position], convert_to_tensor(tensor).shape.rank, n_real))
    return out


def _result_axis(before, rank, n_real):
    """The dimension of x[spec] that the key after `before` (the first keys of spec) becomes, if it is a slice."""
    axis = 0
    for k in before:
        if k is Ellipsis:
            if rank is None:
                raise ValueError("an index tensor after `...` needs the rank of the tensor known")
            axis += rank - n_real
        elif k is None or isinstance(k, builtins.slice):
            axis += 1
    return axis


Tensor.__getitem__ = _getitem
newaxis = None


def _reverse_infer(inputs, attrs):
    x = inputs[0]
    for a in attrs["axis"]:
        if x.shape.rank is not None:
            _norm_axis(a, x.shape.rank, message="'axis'[0] = {axis} is out of valid range [0, {last}")
    return [(x.shape, x.dtype)]


@defop("ReverseV2", _reverse_infer, grad=lambda op, g: [reverse(g, op.attrs["axis"])])
def _reverse(x, *, axis):
    return np.flip(x, axis) if axis else x


def reverse(tensor, axis, name=None):
    """The tensor with the order of its elements reversed along each dimension in `axis`."""
    axis = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return apply("ReverseV2", [tensor], name, arg_names=("tensor",), attrs={"axis": tuple(int(a) for a in axis)})


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The elements (or rows) of `tensor` where `mask` is True: `tf.boolean_mask(x, x > 0)`. A 1-D result."""
    from .math_ops import reduce_prod, where_v2
    with get_default_graph().name_scope(name):
        tensor, mask = convert_to_tensor(tensor, name="tensor"), convert_to_tensor(mask, name="mask")
        axis = 0 if axis is None else _static_int(axis, "axis")
        k = mask.shape.rank
        if k is None:
            raise ValueError("Number of mask dimensions must be specified, even if some dimensions are None. "
                             "E.g. shape=[None] is ok, but shape=None is not.")
        if k == 0:
            raise ValueError("mask cannot be scalar.")
        static = tensor.shape
        if static.rank is not None and not static[axis:axis + k].is_compatible_with(mask.shape):
            raise ValueError(f"Shapes {static[axis:axis + k]} and {mask.shape} are incompatible: the mask "
                             f"{mask.shape.bracket_str()} must match the dimensions {axis}..{axis + k - 1} of the "
                             f"tensor {static.bracket_str()}")
        if axis:
            raise ValueError("boolean_mask here needs axis=0")
        rest = static[k:] if static.rank is not None else TensorShape(None)
        lead = mask.shape.num_elements()  # the masked dimensions, flattened into one (counted: they may hold 0)
        if lead is not None and rest.is_fully_defined():
            flat = reshape(tensor, [lead] + rest.as_list())
        else:
            flat = reshape(tensor, concat([reduce_prod(slice(shape(tensor), [0], [k]), keepdims=True),
                                           _shape_tail(tensor, k)], 0))
            flat.set_shape(TensorShape([lead]).concatenate(rest))
        indices = reshape(where_v2(reshape(mask, [-1])), [-1])
        return gather(flat, indices)


def _shape_tail(t, k):
    """The dimensions of `t` after the first k, as a tensor (the static ones when known)."""
    return slice(shape(t), [k], [-1])


def _one_hot_infer(inputs, attrs):
    idx = inputs[0]
    if idx.shape.rank is None:
        return [(TensorShape(None), attrs["dtype"])]
    dims = list(idx.shape.dims)
    axis = attrs["axis"]
    dims.insert(len(dims) if axis == -1 else axis, attrs["depth"])
    return [(TensorShape(dims), attrs["dtype"])]


@defop("OneHot", _one_hot_infer)
def _one_hot(indices, *, depth, on_value, off_value, axis, dtype):
    hot = indices[..., None] == np.arange(depth)  # an index out of range matches nothing: a row of off_value
    out = hot.astype(dtype.np) if (on_value, off_value) == (1, 0) else np.where(hot, on_value, off_value).astype(dtype.np)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


def _hinted_array(value, dtype):
    """`value` as an array of `dtype` if it fits, else of its own dtype (TensorFlow's `dtype_hint`)."""
    try:
        return _to_array(value, dtype)
    except (TypeError, ValueError):
        return _to_array(value, None)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Each index becomes a vector of `depth` zeros with a 1 at that index (out-of-range indices: all zeros)."""
    given = {k: _hinted_array(v, dtype) for k, v in (("on_value", on_value), ("off_value", off_value))
             if v is not None}
    dtypes = {k: _dt.as_dtype(a.dtype) for k, a in given.items()}
    for k, d in dtypes.items():
        if dtype is not None and d != _dt.as_dtype(dtype):
            raise TypeError(f"dtype {d} of {k} does not match dtype parameter {_dt.as_dtype(dtype)}")
    if len(set(dtypes.values())) > 1:
        raise TypeError(f"dtype {dtypes['on_value']} of on_value does not match dtype {dtypes['off_value']} of "
                        "off_value")
    dtype = _dt.as_dtype(dtype) if dtype is not None else next(iter(dtypes.values()), _dt.float32)
    indices = convert_to_tensor(indices)
    check_dtype(indices, "uint8, int8, int32, int64", "indices")
    return apply("OneHot", [indices], name, "one_hot", arg_names=("indices",), same_dtype=False,
                 attrs={"depth": _static_int(depth, "depth"), "on_value": given.get("on_value", 1),
                        "off_value": given.get("off_value", 0), "axis": -1 if axis is None else axis,
                        "dtype": dtype})


@defop("Unique", lambda inputs, attrs: [(TensorShape([None]), inputs[0].dtype),
                                        (inputs[0].shape, attrs["out_idx"])])
def _unique(x, *, out_idx):
    values, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first)  # TensorFlow keeps the order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return values[order], rank[inverse.ravel()].astype(out_idx.np)


def unique(x, out_idx=_dt.int32, name=None):
    """(y, idx): the distinct values in order of appearance, and for each element its position in y."""
    x = convert_to_tensor(x)
    with_rank(x.shape, 1)
    return tuple(apply("Unique", [x], name, attrs={"out_idx": _dt.as_dtype(out_idx)}))


_DIAG_TYPES = "bfloat16, float16, float32, float64, int32, int64, complex64, complex128"


def _diag_infer(inputs, attrs):
    check_dtype(inputs[0], _DIAG_TYPES, "diagonal")
    s = inputs[0].shape
    if s.rank == 0:
        raise ValueError(f"Shape must be at least rank 1 but is rank 0 for 'Diag' with input shapes: {s.bracket_str()}")
    return [(TensorShape(None if s.rank is None else list(s.dims) * 2), inputs[0].dtype)]


def _diag_part_infer(inputs, attrs):
    check_dtype(inputs[0], _DIAG_TYPES, "input")
    s = inputs[0].shape
    if s.rank is not None and (s.rank % 2 or not s.rank or not s[:s.rank // 2].is_compatible_with(s[s.rank // 2:])):
        raise ValueError(f"Input must have even rank and equal halves for 'DiagPart', got shape {s.bracket_str()}")
    return [(TensorShape(None if s.rank is None else list(s.dims[:s.rank // 2])), inputs[0].dtype)]


@defop("Diag", _diag_infer, grad=lambda op, g: [diag_part(g)])
def _diag(x):
    return np.diag(x.ravel()).reshape(x.shape * 2)


@defop("DiagPart", _diag_part_infer, grad=lambda op, g: [diag(g)])
def _diag_part(x):
    n = x.ndim // 2
    size = int(np.prod(x.shape[:n]))
    return np.diagonal(x.reshape(size, size)).reshape(x.shape[:n])


def diag(diagonal, name=None):
    """A matrix (or tensor) with `diagonal` on its diagonal and zeros elsewhere."""
    return apply("Diag", [diagonal], name, arg_names=("diagonal",))


def diag_part(input, name=None):
    return apply("DiagPart", [input], name, arg_names=("input",))


# ---------------------------------------------------------------------------------------------------------------
# Broadcasting helpers (also the central place where gradients undo broadcasting)
# ---------------------------------------------------------------------------------------------------------------


def _target_shape(inputs, attrs):
    v = static_value(inputs[1])
    n = inputs[1].shape[0] if inputs[1].shape.rank == 1 else None
    return [(TensorShape(v.tolist()) if v is not None else TensorShape(None if n is None else [None] * n),
             inputs[0].dtype)]


def sum_to(x, shape):
    """Sums `x` over the dimensions that broadcasting added or stretched, so that it has `shape`."""
    shape = tuple(shape.tolist())
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(builtins.range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1)
    return x.sum(axis=axes, keepdims=True).reshape(shape)


@defop("SumTo", _target_shape, grad=lambda op, g: [broadcast_to(g, shape_of(op.inputs[0])), None])
def _sum_to(x, shape):
    return sum_to(x, shape)


def _broadcast_to_infer(inputs, attrs):
    [(target, dtype)] = _target_shape(inputs, attrs)
    x = inputs[0].shape
    if x.rank is not None and target.rank is not None:
        if x.rank > target.rank:
            raise ValueError(f"Shape must be at most rank {target.rank} but is rank {x.rank}: cannot broadcast a "
                             f"tensor of shape {x.bracket_str()} to shape {target.bracket_str()}")
        for a, b in zip(x.dims[::-1], target.dims[::-1]):
            if a not in (None, 1) and b is not None and a != b:
                raise ValueError(f"Dimensions must be equal, but are {a} and {b}: cannot broadcast a tensor of shape "
                                 f"{x.bracket_str()} to shape {target.bracket_str()}")
    return [(target, dtype)]


@defop("BroadcastTo", _broadcast_to_infer, grad=lambda op, g: [sum_to_shape_of(g, op.inputs[0]), None])
def _broadcast_to(x, shape):
    if x.ndim > len(shape):
        raise ValueError(f"Rank of input ({x.ndim}) must be no greater than rank of output shape ({len(shape)}).")
    out = np.empty(shape.tolist(), x.dtype)  # a real array (np.broadcast_to's read-only view is slower to make)
    out[...] = x
    return out


def broadcast_to(input, shape, name=None):
    return apply("BroadcastTo", [input, _int_vector(shape, "shape")], name, arg_names=("input", "shape"),
                 same_dtype=False)


def sum_to_shape_of(g, x):
    """The gradient `g` reduced to the shape of `x` (the one place where broadcasting is undone)."""
    if g.shape.is_fully_defined() and g.shape == x.shape:
        return g
    t = apply("SumTo", [g, shape_of(x)], None, "SumTo", arg_names=("x", "shape"), same_dtype=False)
    t.set_shape(x.shape)
    return t


def reduce_sum_all(x):
    from .math_ops import reduce_sum
    return reduce_sum(x)
