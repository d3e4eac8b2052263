"""Ops that address elements by index: segment reductions, scatters (into tensors and into variables), `gather_nd`,
and `SparseTensor` (a tensor given by the indices and values of its non-zero elements).

Segment reductions group the rows of `data` by an id: `segment_sum([1, 2, 3], [0, 0, 1])` is `[3, 3]`. The sorted
kind (`segment_*`) needs increasing ids and makes ids[-1] + 1 rows; the unsorted kind (`unsorted_segment_*`) takes
the number of rows and drops the rows of negative ids, as TensorFlow does.
"""
import collections
import re

import numpy as np

from .. import dtypes as _dt
from ..errors import InvalidArgumentError, hinted
from ..framework import (_session_for, apply, convert_to_tensor, defop, get_default_graph, is_tensor, make_op,
                         name_scope, static_value)
from ..shapes import TensorShape
from ..variables import _store, _variable, _variable_ref
from .array_ops import (REAL, _int_vector, _segment_infer, cast, check_dtype, check_segment_ids, expand_dims, gather,
                        gather_dropping_negatives, identity, ones_like, placeholder, shape_of, unsorted_segment_sum,
                        zeros_like)
from .math_ops import NUMBERS, equal, greater, maximum, reduce_sum, sqrt, where_v2

# ---------------------------------------------------------------------------------------------------------------
# Segment reductions
# ---------------------------------------------------------------------------------------------------------------


def _extreme(dtype, largest):
    """The largest (or lowest) finite value of a NumPy dtype: the start of a max (min) reduction."""
    info = np.finfo(dtype) if np.issubdtype(dtype, np.floating) else np.iinfo(dtype)
    return info.max if largest else info.min


# ufunc -> (start value of a segment for a dtype, value of an empty segment in the sorted kind; an empty segment of
# the unsorted kind keeps the start value: the lowest float for a max, as in TensorFlow)
_REDUCTIONS = {np.add: (lambda dt: 0, 0), np.multiply: (lambda dt: 1, 1),
               np.maximum: (lambda dt: _extreme(dt, False), 0), np.minimum: (lambda dt: _extreme(dt, True), 0)}


def _segment_reduce(ufunc, data, ids, num_segments, sorted_kind):
    """out[k] = ufunc of the rows data[i] with ids[i] == k; rows with a negative id are dropped."""
    start, empty = _REDUCTIONS[ufunc]
    num_segments = check_segment_ids(data, ids, num_segments)
    data, ids = data.reshape((ids.size,) + data.shape[ids.ndim:]), ids.ravel()  # rows in TensorFlow's order
    keep = ids >= 0
    data, ids = data[keep], ids[keep]
    out = np.full((num_segments,) + data.shape[1:], start(data.dtype), dtype=data.dtype)
    ends_in_nan = None
    if ufunc in (np.maximum, np.minimum) and data.dtype.kind == "f" and np.isnan(data).any():
        forgotten, ends_in_nan = _forgotten_nans(data, ids, num_segments)
        data = np.where(forgotten, start(data.dtype), data)
    ufunc.at(out, ids, data)
    if ends_in_nan is not None:
        out[ends_in_nan] = np.nan
    if sorted_kind:
        out[np.bincount(ids, minlength=num_segments) == 0] = empty
    return out


def _forgotten_nans(data, ids, num_segments):
    """TensorFlow's max (min) of a segment folds its rows in order, and a comparison with a NaN keeps the newer
    value: a NaN is forgotten at the next row, and the result is NaN only when the segment's last row is NaN
    (`segment_max([nan, 1.], [0, 0])` is 1, `segment_max([1., nan], [0, 0])` NaN). Returns where a value is
    forgotten (at or before its segment's last NaN) and which results are NaN."""
    column = (-1,) + (1,) * (data.ndim - 1)
    row = np.arange(len(ids)).reshape(column)
    last_nan = np.full((num_segments,) + data.shape[1:], -1)
    np.maximum.at(last_nan, ids, np.where(np.isnan(data), row, -1))
    last_row = np.full(num_segments, -1)
    np.maximum.at(last_row, ids, np.arange(len(ids)))
    return row <= last_nan[ids], (last_nan >= 0) & (last_nan == last_row.reshape(column))


def _sorted_segment_infer(inputs, attrs):
    data, ids = inputs
    if not ids.dtype.is_integer:
        raise TypeError(f"segment_ids must be int32 or int64, got {ids.dtype.name}")
    if ids.shape.rank not in (None, 1):
        raise ValueError(f"segment_ids should be a vector, got shape {ids.shape.bracket_str()}")
    if data.shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 (the data of a segment reduction)")
    if data.shape.rank is not None and not data.shape[:1].is_compatible_with(ids.shape):
        raise ValueError(f"segment_ids should be the same size as dimension 0 of input: segment_ids "
                         f"{ids.shape.bracket_str()}, data {data.shape.bracket_str()}")
    return [(TensorShape(None if data.shape.rank is None else [None] + list(data.shape.dims[1:])), data.dtype)]


def _sorted_ids(ids, data):
    if ids.size != data.shape[0]:
        raise ValueError(f"segment_ids should be the same size as dimension 0 of input: {ids.size} ids for "
                         f"{data.shape[0]} rows")
    if ids.size and (ids[0] < 0 or np.any(np.diff(ids) < 0)):
        raise ValueError(hinted(f"segment ids are not increasing: {ids.tolist()}",
                                "los segment_* ordenados necesitan ids crecientes y no negativos; si no lo son usa "
                                "tf.unsorted_segment_*(data, ids, num_segments)."))
    return int(ids[-1]) + 1 if ids.size else 0


def _into_segments(op, x, kind="sum"):
    """x reduced (summed, or multiplied) into the segments of `op`, a sorted or unsorted segment reduction."""
    sorted_fn, unsorted_fn = {"sum": (segment_sum, unsorted_segment_sum),
                              "prod": (segment_prod, unsorted_segment_prod)}[kind]
    ids = op.inputs[1]
    return sorted_fn(x, ids) if len(op.inputs) == 2 else unsorted_fn(x, ids, op.inputs[2])


def _no_index_grads(op, *grads):
    return list(grads) + [None] * (len(op.inputs) - len(grads))


def _sum_grad(op, g):
    return _no_index_grads(op, gather(g, op.inputs[1]))


def _mean_grad(op, g):
    ids = op.inputs[1]
    counts = segment_sum(ones_like(ids, dtype=g.dtype), ids)
    return _no_index_grads(op, gather(g / _as_rows(counts, g), ids))


def _as_rows(v, like):
    """A vector reshaped to broadcast along the first dimension of `like`: [n] -> [n, 1, 1...]."""
    if like.shape.rank is None:
        raise ValueError(f"the gradient of a segment reduction needs the rank of {like.name} known")
    for _ in range(like.shape.rank - 1):
        v = expand_dims(v, -1)
    return v


def _min_max_grad(op, g):
    """The gradient goes to the elements equal to their segment's extreme, shared equally among ties."""
    data, ids = op.inputs[:2]
    is_selected = equal(data, gather_dropping_negatives(op.outputs[0], ids))
    weighted = g / _into_segments(op, cast(is_selected, g.dtype))
    return _no_index_grads(op, where_v2(is_selected, gather_dropping_negatives(weighted, ids), zeros_like(data)))


def _prod_grad(op, g):
    """d prod / d x_i = the product of the others: prod / x_i, computed without dividing by zero."""
    data, ids = op.inputs[:2]
    is_zero = equal(data, zeros_like(data))
    num_zeros = _into_segments(op, cast(is_zero, _dt.int32))
    g = where_v2(greater(num_zeros, 1), zeros_like(g), g)  # two zeros: the product stays 0 whatever x_i does
    non_zero = where_v2(is_zero, ones_like(data), data)
    others = where_v2(is_zero, gather_dropping_negatives(_into_segments(op, non_zero, "prod"), ids),
                      gather_dropping_negatives(op.outputs[0], ids) / non_zero)
    return _no_index_grads(op, gather_dropping_negatives(g, ids) * others)


def _data_of(allowed, infer):
    """`infer` after TensorFlow's check of the dtype of the data of a segment reduction."""
    def checked(inputs, attrs):
        check_dtype(inputs[0], allowed, "data")
        return infer(inputs, attrs)
    return checked


def _def_segment(type, ufunc, grad, allowed=NUMBERS):
    """Registers Segment<type> and, except for Sum (in array_ops), UnsortedSegment<type>."""
    defop("Segment" + type, _data_of(allowed, _sorted_segment_infer), grad=grad)(
        lambda data, ids: _segment_reduce(ufunc, data, ids, _sorted_ids(ids, data), True))
    if type != "Sum":
        defop("UnsortedSegment" + type, _data_of(allowed, _segment_infer), grad=grad)(
            lambda data, ids, n: _segment_reduce(ufunc, data, ids, n, False))

    def sorted_public(data, segment_ids, name=None):
        return apply("Segment" + type, [data, segment_ids], name, arg_names=("data", "segment_ids"),
                     same_dtype=False)

    def unsorted_public(data, segment_ids, num_segments, name=None):
        return apply("UnsortedSegment" + type, [data, segment_ids, num_segments], name, same_dtype=False,
                     arg_names=("data", "segment_ids", "num_segments"))
    return (_named(sorted_public, "Segment" + type, f"The {type.lower()} of the rows of `data` in each segment "
                   "(ids sorted)."),
            _named(unsorted_public, "UnsortedSegment" + type, f"The {type.lower()} of the rows of `data` with each id "
                   "(ids in any order; negative ids dropped)."))


def _named(public, op_type, doc):
    """The public function of an op made by a factory, with TensorFlow's name ('ScatterAdd' -> scatter_add)."""
    public.__name__ = public.__qualname__ = re.sub(r"(?<!^)(?=[A-Z])", "_", op_type).lower()
    public.__doc__ = doc
    return public


segment_sum, _ = _def_segment("Sum", np.add, _sum_grad)
segment_prod, unsorted_segment_prod = _def_segment("Prod", np.multiply, _prod_grad)
segment_max, unsorted_segment_max = _def_segment("Max", np.maximum, _min_max_grad, REAL)
segment_min, unsorted_segment_min = _def_segment("Min", np.minimum, _min_max_grad, REAL)


@defop("SegmentMean", _data_of(NUMBERS, _sorted_segment_infer), grad=_mean_grad)
def _segment_mean(data, ids):
    n = _sorted_ids(ids, data)
    total = _segment_reduce(np.add, data, ids, n, True)
    counts = np.maximum(np.bincount(ids, minlength=n), 1).reshape((n,) + (1,) * (data.ndim - 1))
    return (total / counts).astype(data.dtype)


def segment_mean(data, segment_ids, name=None):
    """The mean of the rows of `data` in each segment (ids sorted); 0 for an empty segment."""
    return apply("SegmentMean", [data, segment_ids], name, arg_names=("data", "segment_ids"), same_dtype=False)


def _unsorted_segment_scaled(kind, data, segment_ids, num_segments, name, scale):
    """unsorted_segment_sum divided by scale(number of rows in each segment, at least 1)."""
    with get_default_graph().name_scope(name or kind):
        data = convert_to_tensor(data, name="data")
        segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
        counts = unsorted_segment_sum(ones_like(segment_ids, dtype=data.dtype), segment_ids, num_segments)
        total = unsorted_segment_sum(data, segment_ids, num_segments)
        return total / _as_rows(scale(maximum(counts, 1)), total)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the rows of `data` with each id; 0 for an empty segment."""
    return _unsorted_segment_scaled("UnsortedSegmentMean", data, segment_ids, num_segments, name, lambda n: n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the rows of `data` with each id divided by the square root of their number."""
    return _unsorted_segment_scaled("UnsortedSegmentSqrtN", data, segment_ids, num_segments, name, sqrt)


# ---------------------------------------------------------------------------------------------------------------
# gather_nd and scatters into tensors. An index tuple addresses an element (or a slice) of a tensor by its first
# K coordinates: indices of shape [..., K].
# ---------------------------------------------------------------------------------------------------------------


def _nd_index(indices, shape, what="indices"):
    """The NumPy index of the last axis of `indices` into an array of `shape`, after a range check."""
    k = indices.shape[-1]
    if k > len(shape):
        raise ValueError(f"{what}.shape[-1] must be <= params.rank, but saw {what} shape: {list(indices.shape)} and "
                         f"params shape: {list(shape)}")
    bad = np.any((indices < 0) | (indices >= np.array(shape[:k], dtype=np.int64)), axis=-1)
    if bad.any():
        where = np.argwhere(bad)[0].tolist()
        raise ValueError(f"{what}{where} = {indices[tuple(where)].tolist()} does not index into param shape "
                         f"{list(shape)}")
    return tuple(np.moveaxis(indices, -1, 0))


def _nd_slice_shape(indices, shape):
    """Static shape of the slices that indices [..., K] pick from a tensor of `shape`: indices[:-1] + shape[K:]."""
    k = indices.shape[-1] if indices.shape.rank is not None else None
    if k is None or shape.rank is None:
        return TensorShape(None)
    if k > shape.rank:
        raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
                         f"{indices.shape.bracket_str()} and params shape: {shape.bracket_str()}")
    return TensorShape(list(indices.shape.dims[:-1]) + list(shape.dims[k:]))


def _gather_nd_infer(inputs, attrs):
    params, indices = inputs
    if not indices.dtype.is_integer:
        raise TypeError(f"indices must be int32 or int64, got {indices.dtype.name}")
    return [(_nd_slice_shape(indices, params.shape), params.dtype)]


@defop("GatherNd", _gather_nd_infer, grad=lambda op, g: [scatter_nd(op.inputs[1], g, shape_of(op.inputs[0])), None])
def _gather_nd(params, indices):
    return params[_nd_index(indices, params.shape)]


def gather_nd(params, indices, name=None, batch_dims=0):
    """The elements (or slices) of `params` at the index tuples in the last axis of `indices`."""
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims is not implemented in the engine")
    return apply("GatherNd", [params, indices], name, arg_names=("params", "indices"), same_dtype=False)


def _check_updates(indices, updates, target, op_type):
    want = _nd_slice_shape(indices, target)
    if not updates.shape.is_compatible_with(want):
        raise ValueError(f"The shape of updates {updates.shape.bracket_str()} must be indices.shape[:-1] + "
                         f"shape[indices.shape[-1]:] = {want.bracket_str()} ({op_type} of indices "
                         f"{indices.shape.bracket_str()} into shape {target.bracket_str()})")


def _shape_given_by(shape_t):
    """The static shape that a 1-D int tensor `shape_t` describes (as much of it as is known)."""
    v = static_value(shape_t)
    if v is not None:
        return TensorShape(v.tolist())
    n = shape_t.shape[0] if shape_t.shape.rank == 1 else None
    return TensorShape(None if n is None else [None] * n)


def _scatter_nd_infer(inputs, attrs):
    indices, updates, shape_t = inputs
    target = _shape_given_by(shape_t)
    _check_updates(indices, updates, target, "ScatterNd")
    return [(target, updates.dtype)]


@defop("ScatterNd", _scatter_nd_infer, grad=lambda op, g: [None, gather_nd(g, op.inputs[0]), None])
def _scatter_nd(indices, updates, shape):
    out = np.zeros(tuple(shape), dtype=updates.dtype)
    np.add.at(out, _nd_index(indices, out.shape), updates)  # repeated indices add up
    return out


def scatter_nd(indices, updates, shape, name=None):
    """A tensor of zeros of `shape` with `updates` added at `indices` (repeated indices add up)."""
    return apply("ScatterNd", [indices, updates, _int_vector(shape, "shape")], name, same_dtype=False,
                 arg_names=("indices", "updates", "shape"))


def _tensor_scatter_infer(inputs, attrs):
    tensor, indices, updates = inputs
    if updates.dtype != tensor.dtype:
        raise TypeError(f"updates must have the dtype of tensor ({tensor.dtype.name}), got {updates.dtype.name}")
    _check_updates(indices, updates, tensor.shape, "TensorScatterUpdate")
    return [(tensor.shape, tensor.dtype)]


def _def_tensor_scatter(type, write, grad):
    def forward(tensor, indices, updates):
        out = tensor.copy()
        write(out, _nd_index(indices, out.shape), updates)
        return out
    defop(type, _tensor_scatter_infer, grad=grad)(forward)

    def public(tensor, indices, updates, name=None):
        return apply(type, [tensor, indices, updates], name, arg_names=("tensor", "indices", "updates"),
                     same_dtype=False)
    return _named(public, type.replace("Scatter", "ScatterNd"), f"A copy of `tensor` with `updates` written at the "
                  f"index tuples `indices` ({type}).")


def _assign_at(out, index, updates):
    out[index] = updates


tensor_scatter_nd_update = _def_tensor_scatter(
    "TensorScatterUpdate", _assign_at,
    lambda op, g: [tensor_scatter_nd_update(g, op.inputs[1], zeros_like(op.inputs[2])), None,
                   gather_nd(g, op.inputs[1])])
tensor_scatter_nd_add = _def_tensor_scatter(
    "TensorScatterAdd", np.add.at, lambda op, g: [g, None, gather_nd(g, op.inputs[1])])
tensor_scatter_nd_sub = _def_tensor_scatter(
    "TensorScatterSub", np.subtract.at, lambda op, g: [g, None, -gather_nd(g, op.inputs[1])])
tensor_scatter_update, tensor_scatter_add, tensor_scatter_sub = (tensor_scatter_nd_update, tensor_scatter_nd_add,
                                                                 tensor_scatter_nd_sub)

# ---------------------------------------------------------------------------------------------------------------
# Scatters into variables: update ops like `assign` (engine/variables.py) that change only some rows (scatter_*)
# or some elements (scatter_nd_*) of a variable, and output its new value.
# ---------------------------------------------------------------------------------------------------------------


def _variable_scatter_infer(inputs, attrs):
    ref, indices, updates = inputs
    if updates.dtype != ref.dtype:
        raise TypeError(hinted(f"Input 'updates' of '{attrs['type']}' Op has type {updates.dtype.name} that does not "
                               f"match type {ref.dtype.name} of argument 'ref'.",
                               f"la variable es {ref.dtype.name}: usa valores de ese tipo (tf.cast)."))
    if not indices.dtype.is_integer:
        raise TypeError(f"indices must be int32 or int64, got {indices.dtype.name}")
    if attrs["nd"]:
        _check_updates(indices, updates, ref.shape, attrs["type"])
    elif ref.shape.rank is not None and indices.shape.rank is not None and updates.shape.rank != 0:
        want = TensorShape(list(indices.shape.dims) + list(ref.shape.dims[1:]))
        if not updates.shape.is_compatible_with(want):
            raise ValueError(f"Shapes must be equal: updates has shape {updates.shape.bracket_str()} but "
                             f"indices.shape + ref.shape[1:] is {want.bracket_str()} ({attrs['type']} into variable "
                             f"'{ref.op.name}')")
    return [(ref.shape, ref.dtype)]


def _def_variable_scatter(type, write, nd=False):
    def forward(sess, op, indices, updates, **attrs):
        var = op.inputs[0].op
        new = _variable(sess, var, **var.attrs).copy()
        if nd:
            index = _nd_index(indices, new.shape)
        else:
            bad = (indices < 0) | (indices >= new.shape[0])
            if bad.any():
                where = np.argwhere(bad)[0].tolist()
                raise InvalidArgumentError(None, op, f"indices{where} = {indices[tuple(where)]} is not in [0, "
                                                     f"{new.shape[0]})")
            index = indices
        write(new, index, updates)
        return _store(sess, var, new, copy=False)
    defop(type, _variable_scatter_infer, stateful=True, ref_inputs=(0,), writes=True)(forward)

    def public(ref, indices, updates, use_locking=None, name=None):
        var = _variable_ref(ref, type)
        graph = var.graph
        with graph.as_default(), graph.name_scope(name or type) as scope:
            indices = convert_to_tensor(indices, name="indices")
            updates = convert_to_tensor(updates, dtype=None if is_tensor(updates) else var.dtype, name="updates")
            return make_op(type, [var, indices, updates], scope, {"type": type, "nd": nd}).outputs[0]
    return _named(public, type, f"An op that writes `updates` into the variable `ref` at `indices` ({type}) when it "
                  "runs, and outputs the new value.")


scatter_update = _def_variable_scatter("ScatterUpdate", _assign_at)
scatter_add = _def_variable_scatter("ScatterAdd", np.add.at)
scatter_sub = _def_variable_scatter("ScatterSub", np.subtract.at)
scatter_mul = _def_variable_scatter("ScatterMul", np.multiply.at)
scatter_div = _def_variable_scatter("ScatterDiv", np.divide.at)
scatter_max = _def_variable_scatter("ScatterMax", np.maximum.at)
scatter_min = _def_variable_scatter("ScatterMin", np.minimum.at)
scatter_nd_update = _def_variable_scatter("ScatterNdUpdate", _assign_at, nd=True)
scatter_nd_add = _def_variable_scatter("ScatterNdAdd", np.add.at, nd=True)
scatter_nd_sub = _def_variable_scatter("ScatterNdSub", np.subtract.at, nd=True)

# ---------------------------------------------------------------------------------------------------------------
# SparseTensor: indices [N, rank] (int64), values [N] and dense_shape [rank] (int64). `sess.run` gives back a
# SparseTensorValue; a SparseTensorValue (or a tuple of three arrays) can be fed to a `sparse_placeholder`.
# ---------------------------------------------------------------------------------------------------------------

SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])


class SparseTensor:
    """A sparse tensor: the values of its non-zero elements and their indices, plus the shape of the whole."""

    def __init__(self, indices, values, dense_shape):
        with name_scope(None, "SparseTensor"):
            self._indices = _int64(indices, "indices")
            self._values = convert_to_tensor(values, name="values")
            self._dense_shape = _int64(dense_shape, "dense_shape")
        if self._indices.shape.rank not in (None, 2) or self._dense_shape.shape.rank not in (None, 1):
            raise ValueError(f"SparseTensor needs indices of rank 2 and a dense_shape of rank 1, got indices "
                             f"{self._indices.shape.bracket_str()} and dense_shape "
                             f"{self._dense_shape.shape.bracket_str()}")

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    graph = property(lambda self: self._values.graph)
    op = property(lambda self: self._values.op)

    @property
    def shape(self):
        return _shape_given_by(self._dense_shape)

    def get_shape(self):
        return self.shape

    def eval(self, feed_dict=None, session=None):
        return _session_for(self._values, session, "eval").run(self, feed_dict)

    def _parts(self):
        """The three tensors that `sess.run` fetches (and feeds) for this SparseTensor, and what it gives back."""
        return (self._indices, self._values, self._dense_shape), SparseTensorValue

    @classmethod
    def from_value(cls, value):
        return cls(*value)

    def __repr__(self):
        return f"SparseTensor(indices={self._indices}, values={self._values}, dense_shape={self._dense_shape})"


def _int64(v, name):
    return convert_to_tensor(v, dtype=None if is_tensor(v) else _dt.int64, name=name)


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor to be fed: `feed_dict={sp: tf.SparseTensorValue(indices, values, dense_shape)}`."""
    rank = None if shape is None else len(shape)
    part = lambda what: None if name is None else f"{name}/{what}"  # noqa: E731
    values = placeholder(dtype, [None], name=part("values"))
    indices = placeholder(_dt.int64, [None, rank], name=part("indices"))
    return SparseTensor(indices, values, placeholder(_dt.int64, [rank], name=part("shape")))


def _sparse_to_dense_infer(inputs, attrs):
    indices, shape_t, values, default = inputs
    if values.dtype != default.dtype:
        raise TypeError(f"sparse_values ({values.dtype.name}) and default_value ({default.dtype.name}) must have the "
                        "same dtype")
    return [(_shape_given_by(shape_t), values.dtype)]


def _sparse_to_dense_grad(op, g):
    picked = gather_nd(g, op.inputs[0])
    return [None, None, picked, reduce_sum(g) - reduce_sum(picked)]


@defop("SparseToDense", _sparse_to_dense_infer, grad=_sparse_to_dense_grad)
def _sparse_to_dense(indices, shape, values, default, *, validate_indices):
    out = np.full(tuple(shape), default, dtype=values.dtype)
    indices = indices.reshape(len(indices), -1) if indices.ndim else indices.reshape(1, 1)
    if validate_indices and len(indices) > 1:
        flat = np.ravel_multi_index(tuple(indices.T), out.shape) if out.ndim else np.zeros(len(indices))
        if np.any(np.diff(flat) <= 0):
            i = int(np.argmax(np.diff(flat) <= 0)) + 1
            raise ValueError(f"indices[{i}] = {indices[i].tolist()} is out of order. Many sparse ops require sorted "
                             "indices. Use `tf.sparse.reorder` to create a correctly ordered copy.")
    out[_nd_index(indices, out.shape)] = values
    return out


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0, validate_indices=True, name=None):
    """A dense tensor of `output_shape` filled with `default_value`, with `sparse_values` at `sparse_indices`."""
    with get_default_graph().name_scope(name or "SparseToDense") as scope:
        values = convert_to_tensor(sparse_values, name="sparse_values")
        default = convert_to_tensor(default_value, dtype=None if is_tensor(default_value) else values.dtype,
                                    name="default_value")
        inputs = [convert_to_tensor(sparse_indices, name="sparse_indices"), _int_vector(output_shape, "output_shape"),
                  values, default]
        return make_op("SparseToDense", inputs, scope, {"validate_indices": bool(validate_indices)}).outputs[0]


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor a SparseTensor stands for (`default_value`, 0 by default, where it has no value)."""
    _check_sparse(sp_input, "sparse_tensor_to_dense")
    return sparse_to_dense(sp_input.indices, sp_input.dense_shape, sp_input.values,
                           0 if default_value is None else default_value, validate_indices, name or "SparseToDense")


def _check_sparse(sp, where):
    if not isinstance(sp, SparseTensor):
        raise TypeError(hinted(f"Input must be a SparseTensor, got {sp!r} ({where}).",
                               "crea uno con tf.SparseTensor(indices, values, dense_shape)."))


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product of a sparse matrix `sp_a` [n, k] and a dense matrix `b` [k, m]."""
    from .array_ops import transpose
    _check_sparse(sp_a, "sparse_tensor_dense_matmul")
    with get_default_graph().name_scope(name or "SparseTensorDenseMatMul") as scope:
        b = convert_to_tensor(b, name="b")
        b = transpose(b) if adjoint_b else b
        rows, cols = sp_a.indices[:, 0], sp_a.indices[:, 1]
        if adjoint_a:
            rows, cols = cols, rows
        n = sp_a.dense_shape[1 if adjoint_a else 0]
        out = identity(unsorted_segment_sum(expand_dims(sp_a.values, 1) * gather(b, cols), rows, n), name=scope)
        out.set_shape([sp_a.shape[1 if adjoint_a else 0] if sp_a.shape.rank else None, b.shape[-1]])
        return out

