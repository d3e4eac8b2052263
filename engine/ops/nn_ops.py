"""Neural-network ops (`tf.nn.*`): activations, softmax, losses, dropout, top_k."""
import numpy as np

from .. import dtypes as _dt
from ..errors import hinted
from ..framework import apply, broadcasting, convert_inputs, convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape
from .array_ops import shape, shape_of, zeros_like
from .math_ops import (abs, exp, float_unary, log1p, maximum, reduce_sum, sigmoid, square, tanh, where,  # noqa: F401
                       _keep_reduced_dims)
from .array_ops import expand_dims

# ---------------------------------------------------------------------------------------------------------------
# Activations. Their gradients use the op's own output y where that is cheaper (ReLU: y > 0).
# ---------------------------------------------------------------------------------------------------------------


def _activation(type, fn, grad):
    defop(type, float_unary, grad)(fn)

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


relu = _activation("Relu", lambda x: np.maximum(x, np.zeros((), x.dtype)), lambda op, g: [relu_grad(g, op.outputs[0])])
relu6 = _activation("Relu6", lambda x: np.clip(x, 0, 6).astype(x.dtype),
                    lambda op, g: [where((op.inputs[0] > 0) & (op.inputs[0] < 6), g, zeros_like(g))])
elu = _activation("Elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype),
                  lambda op, g: [where(op.outputs[0] > 0, g, g * (op.outputs[0] + 1))])
softplus = _activation("Softplus", lambda x: np.logaddexp(np.zeros((), x.dtype), x),
                       lambda op, g: [g * sigmoid(op.inputs[0])])
softsign = _activation("Softsign", lambda x: x / (1 + np.abs(x)),
                       lambda op, g: [g / square(1 + abs(op.inputs[0]))])


def leaky_relu(features, alpha=0.2, name=None):
    with get_default_graph().name_scope(name or "LeakyRelu"):
        features = convert_to_tensor(features)
        return maximum(features, alpha * features)


# ---------------------------------------------------------------------------------------------------------------
# Softmax and friends
# ---------------------------------------------------------------------------------------------------------------


def _softmax_np(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_grad(op, g):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [(g - reduce_sum(g * y, axis, keepdims=True)) * y]


def _log_softmax_grad(op, g):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [g - reduce_sum(g, axis, keepdims=True) * exp(y)]


@defop("Softmax", float_unary, grad=_softmax_grad)
def _softmax(x, *, axis):
    return _softmax_np(x, axis)


@defop("LogSoftmax", float_unary, grad=_log_softmax_grad)
def _log_softmax(x, *, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits, axis=None, name=None, dim=None):
    """exp(x) / sum(exp(x)) along `axis` (the last one by default): turns scores into probabilities."""
    axis = -1 if axis is None and dim is None else (axis if axis is not None else dim)
    return apply("Softmax", [logits], name, arg_names=("logits",), attrs={"axis": int(axis)})


def log_softmax(logits, axis=None, name=None, dim=None):
    axis = -1 if axis is None and dim is None else (axis if axis is not None else dim)
    return apply("LogSoftmax", [logits], name, arg_names=("logits",), attrs={"axis": int(axis)})


def _xent_infer(inputs, attrs):
    labels, logits = inputs
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"labels and logits must have the same shape, got labels {labels.shape.bracket_str()} and "
                         f"logits {logits.shape.bracket_str()}")
    float_unary([logits], attrs)
    return [(logits.shape[:-1] if logits.shape.rank is not None else TensorShape(None), logits.dtype),
            (logits.shape, logits.dtype)]


def _xent_grad(op, g, _unused_backprop_grad):
    labels, logits = op.inputs
    g = expand_dims(g, -1)
    grad_labels = None if op.attrs["stop_labels"] else -g * (logits - reduce_sum_logsumexp(logits))
    return [grad_labels, g * op.outputs[1]]


def reduce_sum_logsumexp(logits):
    from .math_ops import reduce_logsumexp
    return reduce_logsumexp(logits, -1, keepdims=True)


@defop("SoftmaxCrossEntropyWithLogits", _xent_infer, grad=_xent_grad)
def _softmax_xent(labels, logits, *, stop_labels):
    p = _softmax_np(logits, -1)
    shifted = logits - np.max(logits, -1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), -1, keepdims=True))
    return -np.sum(labels * log_p, -1), p - labels


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=-1, name=None, dim=None):
    """Cross-entropy between `labels` (probabilities) and softmax(`logits`), computed stably, one value per row."""
    return _softmax_xent_api(labels, logits, axis if dim is None else dim, name, stop_labels=False)


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None, dim=None, _sentinel=None):
    """TF1 version: like _v2, but no gradient flows into `labels`."""
    if labels is None or logits is None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments (labels=..., logits=...)")
    return _softmax_xent_api(labels, logits, axis if dim is None else dim, name, stop_labels=True)


def _softmax_xent_api(labels, logits, axis, name, stop_labels):
    if axis not in (-1, None) and axis != convert_to_tensor(logits).shape.rank - 1:
        raise ValueError("softmax_cross_entropy_with_logits supports only the last axis here")
    with get_default_graph().name_scope(name or "softmax_cross_entropy_with_logits") as scope:
        labels, logits = convert_inputs([labels, logits], ("labels", "logits"), "SoftmaxCrossEntropyWithLogits")
        op = make_op("SoftmaxCrossEntropyWithLogits", [labels, logits], scope, {"stop_labels": stop_labels})
        return op.outputs[0]


def _sparse_xent_infer(inputs, attrs):
    labels, logits = inputs
    if not labels.dtype.is_integer:
        raise TypeError(f"labels of sparse_softmax_cross_entropy_with_logits must be int32 or int64, got "
                        f"{labels.dtype.name}" + "\n\nPista: aquí labels son índices de clase (enteros); si tienes "
                        "vectores one-hot usa softmax_cross_entropy_with_logits_v2.")
    if logits.shape.rank is not None and labels.shape.rank is not None and labels.shape.rank != logits.shape.rank - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {labels.shape.rank}) should equal rank of logits "
                         f"minus 1 (received {logits.shape.rank}).")
    float_unary([logits], attrs)
    return [(labels.shape, logits.dtype), (logits.shape, logits.dtype)]


@defop("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_infer,
       grad=lambda op, g, _: [None, expand_dims(g, -1) * op.outputs[1]])
def _sparse_softmax_xent(labels, logits):
    n = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = labels[(labels < 0) | (labels >= n)].flat[0]
        raise ValueError(f"Received a label value of {bad} which is outside the valid range of [0, {n}).")
    p = _softmax_np(logits, -1)
    picked = np.take_along_axis(p, labels[..., None].astype(np.int64), -1)[..., 0]
    backprop = p.copy()
    np.put_along_axis(backprop, labels[..., None].astype(np.int64), picked[..., None] - 1, -1)
    return -np.log(picked), backprop


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None, _sentinel=None):
    """Cross-entropy where each label is a class index (int), not a one-hot vector."""
    with get_default_graph().name_scope(name or "SparseSoftmaxCrossEntropyWithLogits") as scope:
        labels, logits = convert_to_tensor(labels, name="labels"), convert_to_tensor(logits, name="logits")
        return make_op("SparseSoftmaxCrossEntropyWithLogits", [labels, logits], scope).outputs[0]


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None, _sentinel=None):
    """Binary cross-entropy of sigmoid(logits), stably: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    with get_default_graph().name_scope(name or "logistic_loss"):
        labels, logits = convert_inputs([labels, logits], ("labels", "logits"), "logistic_loss")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})")
        return maximum(logits, zeros_like(logits)) - logits * labels + log1p(exp(-abs(logits)))


@defop("L2Loss", lambda inputs, attrs: [(TensorShape([]), float_unary(inputs, attrs)[0][1])],
       grad=lambda op, g: [op.inputs[0] * g])
def _l2_loss(x):
    return (np.sum(np.square(x)) / 2).astype(x.dtype)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    return apply("L2Loss", [t], name, arg_names=("t",))


@defop("BiasAdd", lambda inputs, attrs: broadcasting(inputs, attrs), grad=lambda op, g: [g, g])
def _bias_add(value, bias):
    return value + bias


def bias_add(value, bias, name=None):
    """value + bias, where bias is a vector added to the last dimension."""
    return apply("BiasAdd", [value, bias], name, arg_names=("value", "bias"))


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability `rate` (= 1 - keep_prob) and scales the others by 1 / keep_prob."""
    from .random_ops import random_uniform
    if (keep_prob is None) == (rate is None):
        raise ValueError(hinted("Specify exactly one of keep_prob (TF1) or rate (TF2).",
                                "rate = 1 - keep_prob: la probabilidad de APAGAR cada neurona."))
    with get_default_graph().name_scope(name or "dropout"):
        x = convert_to_tensor(x)
        keep = 1 - rate if keep_prob is None else keep_prob
        keep = convert_to_tensor(keep, dtype=None if hasattr(keep, "dtype") and not isinstance(keep, float) else x.dtype)
        noise = random_uniform(shape(x) if noise_shape is None else noise_shape, dtype=x.dtype, seed=seed)
        from .math_ops import floor
        return x / keep * floor(keep + noise)


def moments(x, axes, keepdims=False, name=None):
    """(mean, variance) of x over `axes`."""
    from .math_ops import reduce_mean, stop_gradient_
    with get_default_graph().name_scope(name or "moments"):
        mean = reduce_mean(x, axes, keepdims=True)
        var = reduce_mean(square(x - stop_gradient_(mean)), axes, keepdims=True)
        if not keepdims:
            from .array_ops import squeeze
            mean, var = squeeze(mean, axes), squeeze(var, axes)
        return mean, var


# ---------------------------------------------------------------------------------------------------------------
# top_k
# ---------------------------------------------------------------------------------------------------------------


def _top_k_infer(inputs, attrs):
    x, k = inputs[0], attrs["k"]
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype), (TensorShape(None), _dt.int32)]
    if x.shape[-1] is not None and x.shape[-1] < k:
        raise ValueError(f"input must have at least k={k} columns, got shape {x.shape.bracket_str()}")
    out = TensorShape(list(x.shape.dims[:-1]) + [k])
    return [(out, x.dtype), (out, _dt.int32)]


@defop("TopKGrad", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)])
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
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, -1), idx.astype(np.int32)


def top_k(input, k=1, sorted=True, name=None):
    """(values, indices) of the k largest entries along the last dimension."""
    return tuple(apply("TopKV2", [input], name, arg_names=("input",), attrs={"k": int(k), "sorted": bool(sorted)}))


def in_top_k(predictions, targets, k, name=None):
    """Whether each target index is among the k largest predictions of its row."""
    from .array_ops import gather
    from .math_ops import greater, reduce_sum, cast
    with get_default_graph().name_scope(name or "in_top_k"):
        predictions = convert_to_tensor(predictions)
        import engine as _tf
        picked = _tf.reduce_sum(predictions * _tf.one_hot(targets, predictions.shape[-1], dtype=predictions.dtype), -1)
        better = reduce_sum(cast(greater(predictions, expand_dims(picked, -1)), _dt.int32), -1)
        return better < k


sigmoid_ = sigmoid
tanh_ = tanh
