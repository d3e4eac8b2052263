"""Neural-network ops (`tf.nn.*`): activations, softmax, cross-entropies, dropout, moments, top_k, sort."""
import numpy as np

from .. import dtypes as _dt
from ..errors import InvalidArgumentError, hinted
from ..framework import apply, broadcast_shape, convert_inputs, convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape
from .array_ops import (_dims, _norm_axis, cast, concat, constant, expand_dims, identity, move_axis_last, one_hot,
                        reshape, shape, shape_of, squeeze, stop_gradient, transpose, zeros_like)
from .math_ops import (abs, add, check_dtype, exp, float_unary, floor, greater, log1p, matmul, maximum, multiply,
                       numeric, real, reduce_kept, reduce_logsumexp, reduce_mean, reduce_prod, reduce_sum, rsqrt,
                       sigmoid, square, squared_difference, where_v2)

# ---------------------------------------------------------------------------------------------------------------
# Activations. Their gradients use the op's own output y where that is cheaper (ReLU: y > 0).
# ---------------------------------------------------------------------------------------------------------------


def _activation(type, fn, grad, infer=float_unary):
    defop(type, infer, grad)(fn)

    def public(features, name=None):
        return apply(type, [features], name, arg_names=("features",))
    public.__name__ = type.lower()
    return public


@defop("ReluGrad", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)],
       grad=lambda op, g: [relu_grad(g, op.inputs[1]), None])
def _relu_grad(g, y):
    return np.where(y > 0, g, np.zeros((), g.dtype))


def relu_grad(g, y):
    return make_op("ReluGrad", [g, y], "ReluGrad").outputs[0]


relu = _activation("Relu", lambda x: np.maximum(x, np.zeros((), x.dtype)), lambda op, g: [relu_grad(g, op.outputs[0])],
                   real)
relu6 = _activation("Relu6", lambda x: np.clip(x, 0, 6).astype(x.dtype),
                    lambda op, g: [where_v2((op.inputs[0] > 0) & (op.inputs[0] < 6), g, zeros_like(g))], real)
elu = _activation("Elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype),
                  lambda op, g: [where_v2(op.outputs[0] > 0, g, g * (op.outputs[0] + 1))])
softplus = _activation("Softplus", lambda x: np.logaddexp(np.zeros((), x.dtype), x),
                       lambda op, g: [g * sigmoid(op.inputs[0])])
softsign = _activation("Softsign", lambda x: x / (np.abs(x) + x.dtype.type(1)),  # a float32 1 for NumPy 1.x
                       lambda op, g: [g / square(1 + abs(op.inputs[0]))])


def _alpha(op):
    """LeakyRelu's slope, a float32 attribute as in TensorFlow, in the dtype of the features."""
    return np.float32(op.attrs["alpha"]).astype(op.inputs[0].dtype.np)


@defop("LeakyRelu", float_unary,
       grad=lambda op, g: [where_v2(op.inputs[0] > 0, g, g * _alpha(op))])
def _leaky_relu(x, *, alpha):
    return np.where(x > 0, x, x * np.float32(alpha).astype(x.dtype))


def leaky_relu(features, alpha=0.2, name=None):
    """x for x > 0, alpha * x otherwise (integers are converted to float32 first, as in TensorFlow)."""
    features = convert_to_tensor(features, name="features")
    if features.dtype.is_integer:
        features = cast(features, _dt.float32)
    return apply("LeakyRelu", [features], name, arg_names=("features",), attrs={"alpha": float(alpha)})


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases): a fully connected layer with ReLU."""
    with get_default_graph().name_scope(name or "relu_layer") as scope:
        return relu(bias_add(matmul(x, weights), biases), name=scope)


# ---------------------------------------------------------------------------------------------------------------
# Softmax and friends
# ---------------------------------------------------------------------------------------------------------------


def _softmax_np(x, axis):
    if not x.size:
        return np.empty_like(x)
    e = np.exp(x - reduce_kept(np.maximum, x, axis))
    e /= reduce_kept(np.add, e, axis)
    return e


def _softmax_grad(op, g):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [(g - reduce_sum(g * y, axis, keepdims=True)) * y]


def _log_softmax_grad(op, g):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [g - reduce_sum(g, axis, keepdims=True) * exp(y)]


def _softmax_infer(inputs, attrs):
    if inputs[0].shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'Softmax' with input shapes: [].")
    return float_unary(inputs, attrs)


def _log_softmax_np(x, axis):
    if not x.size:
        return np.empty_like(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@defop("Softmax", _softmax_infer, grad=_softmax_grad)
def _softmax(x, *, axis):
    return _softmax_np(x, axis)


@defop("LogSoftmax", _softmax_infer, grad=_log_softmax_grad)
def _log_softmax(x, *, axis):
    return _log_softmax_np(x, axis)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(x) / sum(exp(x)) along `axis` (the last one by default): turns scores into probabilities."""
    return _softmax_op("Softmax", logits, axis if axis is not None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _softmax_op("LogSoftmax", logits, axis if axis is not None else dim, name)


def _softmax_op(type, logits, axis, name):
    axis = -1 if axis is None else int(axis)
    logits = convert_to_tensor(logits, name="logits")
    rank = logits.shape.rank
    if axis != -1 and rank is not None and not -rank <= axis < rank:  # (TensorFlow checks it in Python, as an OpError)
        raise InvalidArgumentError(None, None, f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the "
                                               f"number of dimensions in the input. Received: dim={axis}")
    return apply(type, [logits], name, arg_names=("logits",), attrs={"axis": axis})


def _xent_infer(inputs, attrs):
    labels, logits = inputs
    float_unary([logits], attrs)
    if logits.shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'SoftmaxCrossEntropyWithLogits' with "
                         "input shapes: [], " + labels.shape.bracket_str())
    both = broadcast_shape(logits.shape, labels.shape)  # labels and logits broadcast against each other
    return [(logits.shape[:-1] if logits.shape.rank is not None else TensorShape(None), logits.dtype),
            (both, logits.dtype)]


def _xent_grad(op, g, _unused_backprop_grad):
    labels, logits = op.inputs
    g = expand_dims(g, -1)
    grad_labels = None if op.attrs["stop_labels"] else -g * (logits - reduce_logsumexp(logits, -1, keepdims=True))
    return [grad_labels, g * op.outputs[1]]


def _in_float32(fn):
    """A forward computed in float32 for float16 inputs (as TensorFlow does for precision), its results cast back."""
    def forward(*values, **attrs):
        if values[-1].dtype != np.float16:
            return fn(*values, **attrs)
        wide = (v.astype(np.float32) if v.dtype == np.float16 else v for v in values)
        return tuple(r.astype(np.float16) for r in fn(*wide, **attrs))
    return forward


@defop("SoftmaxCrossEntropyWithLogits", _xent_infer, grad=_xent_grad, broadcasts=True)
@_in_float32
def _softmax_xent(labels, logits, *, stop_labels):
    if labels.shape != logits.shape:
        labels, logits = np.broadcast_arrays(labels, logits)
    log_p = _log_softmax_np(logits, -1)
    return -np.sum(labels * log_p, -1), np.exp(log_p) - labels


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=-1, name=None, dim=None):
    """Cross-entropy between `labels` (probabilities) and softmax(`logits`), computed stably, one value per row."""
    return _softmax_xent_api(labels, logits, axis if dim is None else dim, name, stop_labels=False)


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None, dim=None, _sentinel=None):
    """TF1 version: like _v2, but no gradient flows into `labels`."""
    if labels is None or logits is None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments (labels=..., logits=...)")
    return _softmax_xent_api(labels, logits, axis if dim is None else dim, name, stop_labels=True)


def _softmax_xent_api(labels, logits, axis, name, stop_labels):
    with get_default_graph().name_scope(name or "softmax_cross_entropy_with_logits") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        if labels.dtype != logits.dtype:  # TensorFlow casts the labels to the logits' dtype
            labels = cast(labels, logits.dtype)
        rank = logits.shape.rank
        if 0 in (rank, labels.shape.rank):
            raise ValueError(f"labels and logits must have a class dimension (rank >= 1), got shapes {labels.shape} "
                             f"and {logits.shape}")
        axis = -1 if axis is None else int(axis)
        (labels, _), (logits, _) = move_axis_last(labels, axis), move_axis_last(logits, axis)  # the class axis last
        attrs = {"stop_labels": stop_labels}
        if rank is not None and rank <= 2 and labels.shape.rank == rank:
            return make_op("SoftmaxCrossEntropyWithLogits", [labels, logits], scope, attrs).outputs[0]
        # TensorFlow flattens the outer dimensions of both to a matrix, each on its own, before they broadcast: labels
        # [3, 1, C] and logits [1, 3, C] are two [3, C] matrices and give a cost of shape [1, 3], not [3, 3]
        # (the rows counted as a product, not -1, which a 0-class reshape could not work out)
        flat = [reshape(t, concat([reduce_prod(shape(t)[:-1], keepdims=True), shape(t)[-1:]], 0))
                for t in (labels, logits)]
        cost = make_op("SoftmaxCrossEntropyWithLogits", flat, "SoftmaxCrossEntropyWithLogits", attrs).outputs[0]
        cost = reshape(cost, shape(logits)[:-1], name=scope)
        cost.set_shape(logits.shape[:-1])
        return cost


def _sparse_xent_infer(inputs, attrs):
    labels, logits = inputs
    if logits.shape.rank == 0:  # (TensorFlow checks the ranks in Python, before the op checks the dtypes)
        raise ValueError(f"`logits` cannot be a scalar. Received logits={logits}`")
    if logits.shape.rank is not None and labels.shape.rank not in (None, logits.shape.rank - 1):
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape="
                         f"{labels.shape} of rank {labels.shape.rank} and logits.shape={logits.shape} of rank "
                         f"{logits.shape.rank}")
    if labels.dtype.name not in ("int32", "int64"):
        raise TypeError(hinted(f"Value passed to parameter 'labels' has DataType {labels.dtype.name} not in list of "
                               "allowed values: int32, int64",
                               "aquí labels son índices de clase (enteros); si tienes vectores one-hot usa "
                               "softmax_cross_entropy_with_logits_v2."))
    if logits.shape.rank is not None and labels.shape.rank is not None:
        if not labels.shape.is_compatible_with(logits.shape[:-1]):
            raise ValueError(f"Shape mismatch: The shape of labels (received {labels.shape}) should equal the shape "
                             f"of logits except for the last dimension (received {logits.shape}).")
    float_unary([logits], attrs)
    batch = labels.shape if logits.shape.rank is None else labels.shape.merge_with(logits.shape[:-1])
    return [(batch, logits.dtype), (logits.shape, logits.dtype)]


@defop("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_infer,
       grad=lambda op, g, _: [None, expand_dims(g, -1) * op.outputs[1]])
@_in_float32
def _sparse_softmax_xent(labels, logits):
    if labels.shape != logits.shape[:-1]:
        raise ValueError(f"Incompatible shapes: labels {list(labels.shape)} vs. logits without their last dimension "
                         f"{list(logits.shape[:-1])}")
    n = logits.shape[-1]
    if n == 0:
        raise ValueError(f"Must have at least one class, but got logits shape {_dims(logits)}")
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = labels[(labels < 0) | (labels >= n)].flat[0]
        raise ValueError(f"Received a label value of {bad} which is outside the valid range of [0, {n}).")
    log_p = _log_softmax_np(logits, -1)  # from log-softmax: a huge logit gives a huge loss, not inf
    index = labels[..., None].astype(np.int64)
    backprop = np.exp(log_p)
    np.put_along_axis(backprop, index, np.take_along_axis(backprop, index, -1) - 1, -1)
    return -np.take_along_axis(log_p, index, -1)[..., 0], backprop


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None, _sentinel=None):
    """Cross-entropy where each label is a class index (int), not a one-hot vector."""
    with get_default_graph().name_scope(name or "SparseSoftmaxCrossEntropyWithLogits") as scope:
        labels, logits = convert_to_tensor(labels, name="labels"), convert_to_tensor(logits, name="logits")
        return make_op("SparseSoftmaxCrossEntropyWithLogits", [labels, logits], scope).outputs[0]


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None, _sentinel=None):
    """Binary cross-entropy of sigmoid(logits), stably: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    with get_default_graph().name_scope(name or "logistic_loss") as scope:
        labels, logits = convert_inputs([labels, logits], ("labels", "logits"), "logistic_loss")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})")
        cond = logits >= 0
        relu_logits = where_v2(cond, logits, zeros_like(logits))
        neg_abs_logits = where_v2(cond, -logits, logits)  # (not -abs: at 0 its gradient would lose half the slope)
        return add(relu_logits - logits * labels, log1p(exp(neg_abs_logits)), name=scope)


@defop("L2Loss", lambda inputs, attrs: [(TensorShape([]), float_unary(inputs, attrs)[0][1])],
       grad=lambda op, g: [op.inputs[0] * g])
def _l2_loss(x):
    return (np.sum(np.square(x)) / 2).astype(x.dtype)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    return apply("L2Loss", [t], name, arg_names=("t",))


def _bias_add_infer(inputs, attrs):
    value, bias = inputs
    if value.shape.rank is not None and value.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {value.shape.rank} for 'BiasAdd' with input "
                         f"shapes: {value.shape.bracket_str()}, {bias.shape.bracket_str()}.")
    if bias.shape.rank not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {bias.shape.rank} for 'BiasAdd' with input shapes: "
                         f"{value.shape.bracket_str()}, {bias.shape.bracket_str()}.")
    last, n = value.shape[-1] if value.shape.rank else None, bias.shape[0] if bias.shape.rank else None
    if None not in (last, n) and last != n:
        raise ValueError(f"Dimensions must be equal, but are {last} and {n} for 'BiasAdd' with input shapes: "
                         f"{value.shape.bracket_str()}, {bias.shape.bracket_str()}.")
    numeric(inputs, attrs)
    shape = value.shape if value.shape.rank is None else value.shape[:-1].concatenate([last if last is not None else n])
    return [(shape, value.dtype)]


@defop("BiasAdd", _bias_add_infer, grad=lambda op, g: [g, g], broadcasts=True)
def _bias_add(value, bias):
    if value.ndim < 2:
        raise ValueError(f"Input tensor must be at least 2D: {_dims(value)}")
    if value.shape[-1:] != bias.shape:
        raise ValueError(f"Must provide as many biases as the last dimension of the input tensor: {list(bias.shape)} "
                         f"vs. {list(value.shape)}")
    return value + bias


def bias_add(value, bias, name=None):
    """value + bias, where bias is a vector added to the last dimension."""
    with get_default_graph().name_scope(name or "BiasAdd") as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype, name="bias")  # (a ValueError for another dtype, as TF)
        return apply("BiasAdd", [value, bias], scope, arg_names=("value", "bias"))


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability `rate` (= 1 - keep_prob) and scales the others by 1 / keep_prob."""
    from .random_ops import random_uniform
    if (keep_prob is None) == (rate is None):
        raise ValueError(hinted("Specify exactly one of keep_prob (TF1) or rate (TF2).",
                                "rate = 1 - keep_prob: la probabilidad de APAGAR cada neurona."))
    with get_default_graph().name_scope(name or "dropout"):
        x = convert_to_tensor(x, name="x")
        keep = 1 - rate if keep_prob is None else keep_prob
        keep = convert_to_tensor(keep, dtype=None if hasattr(keep, "_as_graph_element") else x.dtype, name="keep_prob")
        noise = random_uniform(shape(x) if noise_shape is None else noise_shape, dtype=x.dtype, seed=seed)
        out = x / keep * floor(keep + noise)
        out.set_shape(x.shape)  # the noise's shape is known only when it runs; the output is shaped like x
        return out


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over `axes`."""
    keepdims = bool(keep_dims if keep_dims is not None else keepdims)
    with get_default_graph().name_scope(name or "moments"):
        x = convert_to_tensor(x, name="x")
        y = cast(x, _dt.float32) if x.dtype == _dt.float16 else x  # (float16 is summed in float32, as TensorFlow)
        mean = reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(y, stop_gradient(mean)), axes, keepdims=True, name="variance")
        if not keepdims:
            mean, variance = squeeze(mean, axes), squeeze(variance, axes)
        return (mean, variance) if y is x else (cast(mean, x.dtype), cast(variance, x.dtype))


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2), epsilon)) along `axis`."""
    axis = dim if axis is None else axis
    with get_default_graph().name_scope(name or "l2_normalize") as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduce_sum(square(x), axis, keepdims=True)
        return multiply(x, rsqrt(maximum(square_sum, epsilon)), name=scope)


# ---------------------------------------------------------------------------------------------------------------
# top_k
# ---------------------------------------------------------------------------------------------------------------


def _top_k_infer(inputs, attrs):
    x, k = inputs[0], attrs["k"]
    real(inputs, attrs)
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype), (TensorShape(None), _dt.int32)]
    if x.shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'TopKV2' with input shapes: [].")
    if k is not None and x.shape[-1] is not None and x.shape[-1] < k:
        raise ValueError(f"input must have last dimension >= k = {k} but is {x.shape[-1]} (shape "
                         f"{x.shape.bracket_str()})")
    out = TensorShape(list(x.shape.dims[:-1]) + [x.shape[-1] if k is None else k])
    return [(out, x.dtype), (out, _dt.int32)]


def _top_k_grad_grad(op, gg):
    """The gradient of TopKGrad with respect to its `g`: gg picked at the top-k indices."""
    indices = op.inputs[1]
    depth = gg.shape[-1] if gg.shape.rank is not None else None
    if depth is None:
        raise ValueError("the second derivative of top_k needs the last dimension known")
    return [reduce_sum(one_hot(indices, depth, dtype=gg.dtype) * expand_dims(gg, -2), -1), None, None]


@defop("TopKGrad", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)], grad=_top_k_grad_grad)
def _top_k_grad_forward(g, indices, x_shape):
    out = np.zeros(x_shape, dtype=g.dtype)
    np.put_along_axis(out, indices.astype(np.int64), g, -1)
    return out


def _top_k_grad(op, g_values, g_indices):
    x = op.inputs[0]
    t = make_op("TopKGrad", [g_values, op.outputs[1], shape_of(x)], "TopKGrad").outputs[0]
    t.set_shape(x.shape)
    return [t]


@defop("TopKV2", _top_k_infer, grad=_top_k_grad)
def _top_k(x, *, k, sorted):
    """k=None (internal, for sort): all of them. Equal values keep their order (the lower index first)."""
    if x.ndim == 0:
        raise ValueError("input must be >= 1-D, got shape []")
    n = x.shape[-1]
    if k is not None and k > n:
        raise ValueError(f"input must have at least k={k} columns, got shape {list(x.shape)}")
    idx = (n - 1) - np.flip(np.argsort(np.flip(x, -1), axis=-1, kind="stable"), -1)[..., :k]
    return np.take_along_axis(x, idx, -1), idx.astype(np.int32)


def top_k(input, k=1, sorted=True, name=None):
    """(values, indices) of the k largest entries along the last dimension."""
    k = int(k)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return tuple(apply("TopKV2", [input], name, arg_names=("input",), attrs={"k": k, "sorted": bool(sorted)}))


def _in_top_k_infer(inputs, attrs):
    predictions, targets, k = inputs
    check_dtype(predictions, "float32", "predictions")
    check_dtype(targets, "int32, int64", "targets")
    for t, rank in ((predictions, 2), (targets, 1), (k, 0)):
        if t.shape.rank not in (None, rank):
            raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.rank} for 'InTopKV2' with input shapes: "
                             + ", ".join(i.shape.bracket_str() for i in inputs) + ".")
    rows = predictions.shape[:1] if predictions.shape.rank else TensorShape([None])
    if not rows.is_compatible_with(targets.shape if targets.shape.rank else [None]):
        raise ValueError(f"Dimensions must be equal, but are {rows[0]} and {targets.shape[0]} for 'InTopKV2' with "
                         "input shapes: " + ", ".join(i.shape.bracket_str() for i in inputs) + ".")
    return [(rows.merge_with(targets.shape if targets.shape.rank else [None]), _dt.bool)]


@defop("InTopKV2", _in_top_k_infer)
def _in_top_k(predictions, targets, k):
    """A target out of range, or a row with a non-finite prediction, is never in the top k (TensorFlow's rule)."""
    if predictions.ndim != 2 or targets.ndim != 1:
        raise ValueError("predictions must be 2-dimensional" if predictions.ndim != 2 else
                         "targets must be 1-dimensional")
    if len(targets) != len(predictions):
        raise ValueError(f"First dimension of predictions {len(predictions)} must match length of targets "
                         f"{len(targets)}")
    n = predictions.shape[1]
    valid = (targets >= 0) & (targets < n)
    if not n:  # no classes: no target is among them
        return valid
    picked = predictions[np.arange(len(targets)), np.where(valid, targets, 0)]
    better = np.sum(predictions > picked[:, None], axis=1)
    return valid & np.isfinite(predictions).all(axis=1) & (better < k)


def in_top_k(predictions, targets, k, name=None):
    """Whether each target index is among the k largest predictions of its row (ties count for the target)."""
    with get_default_graph().name_scope(name or "in_top_k") as scope:
        targets = convert_to_tensor(targets, name="targets")
        k = convert_to_tensor(k, dtype=None if hasattr(k, "_as_graph_element") else targets.dtype, name="k")
        return apply("InTopKV2", [predictions, targets, k], scope, same_dtype=False,
                     arg_names=("predictions", "targets", "k"))


def _sort_along(x, axis, descending):
    """(values, indices) of x sorted along `axis` with top_k on the last dimension (stable: ties keep their order)."""
    x = convert_to_tensor(x, name="values")
    shape(x)[axis]  # TensorFlow's check of `axis` (and its words: "slice index 1 of dimension 0 out of bounds")
    moved, back = move_axis_last(x, axis)
    values, indices = apply("TopKV2", [moved if descending else _reverse_order(moved)], "TopKV2",
                            attrs={"k": None, "sorted": True})
    if not descending:
        values = _reverse_order(values)
    if back is not None:
        values, indices = transpose(values, back), transpose(indices, back)
    return values, indices


def _reverse_order(x):
    """A one-to-one map that reverses the order of x's values, without overflow: -x for floats, max - x for unsigned
    integers, -x - 1 for signed ones (it is its own inverse)."""
    if x.dtype.is_floating or x.dtype.is_bool:
        return -x
    if x.dtype.name.startswith("u"):
        return constant(x.dtype.max, x.dtype) - x
    return -x - 1


def _direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Unknown direction: {direction}")
    return direction == "DESCENDING"


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """The values sorted along `axis`."""
    with get_default_graph().name_scope(name or "sort") as scope:
        return identity(_sort_along(values, axis, _direction(direction))[0], name=scope)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort `values` along `axis` (int32; equal values keep their order)."""
    with get_default_graph().name_scope(name or "argsort") as scope:
        return identity(_sort_along(values, axis, _direction(direction))[1], name=scope)
