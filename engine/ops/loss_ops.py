"""`tf.losses`: TensorFlow 1's loss functions. Each computes one loss per element, weights it, reduces it to a
scalar (by default the mean over the elements whose weight is not zero) and adds it to the `losses` collection.

They are compositions of ordinary ops, so their gradients come for free.
"""
from .. import dtypes as _dt
from ..framework import GraphKeys, add_to_collection, convert_to_tensor, get_collection, get_default_graph
from .array_ops import cast, ones_like, size, stop_gradient, zeros_like
from .math_ops import (abs, add_n, div_no_nan, equal, log, minimum, multiply, reduce_sum, square,
                       squared_difference, where_v2)
from .nn_ops import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                     sparse_softmax_cross_entropy_with_logits)


class Reduction:
    """How `compute_weighted_loss` turns the weighted losses into the result."""
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_BY_NONZERO_WEIGHTS)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """losses * weights, reduced as `reduction` says; added to `loss_collection`."""
    if reduction not in Reduction.all():
        raise ValueError(f"Invalid Reduction Key {reduction}.")
    with get_default_graph().name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses, name="losses")
        dtype = losses.dtype
        losses = cast(losses, _dt.float32)
        weights = cast(convert_to_tensor(weights, name="weights"), _dt.float32)
        weighted = multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = reduce_sum(weighted)
            every_weight = multiply(ones_like(losses), weights)  # the weights broadcast to the losses' shape
            if reduction == Reduction.MEAN:
                loss = div_no_nan(loss, reduce_sum(every_weight))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = div_no_nan(loss, cast(size(losses), _dt.float32))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                present = where_v2(equal(every_weight, 0.0), zeros_like(every_weight), ones_like(every_weight))
                loss = div_no_nan(loss, reduce_sum(present))
        loss = cast(loss, dtype)
        if loss_collection:
            add_to_collection(loss_collection, loss)
        return loss


def _pair(labels, predictions, what="predictions"):
    labels = cast(convert_to_tensor(labels, name="labels"), _dt.float32)
    predictions = cast(convert_to_tensor(predictions, name=what), _dt.float32)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible: {what} "
                         f"{predictions.shape.bracket_str()} and labels {labels.shape.bracket_str()}")
    return labels, predictions


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """The mean of (predictions - labels) ** 2."""
    with get_default_graph().name_scope(scope or "mean_squared_error") as s:
        labels, predictions = _pair(labels, predictions)
        return compute_weighted_loss(squared_difference(predictions, labels), weights, s, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """The mean of |predictions - labels|."""
    with get_default_graph().name_scope(scope or "absolute_difference") as s:
        labels, predictions = _pair(labels, predictions)
        return compute_weighted_loss(abs(predictions - labels), weights, s, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Quadratic for errors up to `delta`, linear beyond (robust to outliers)."""
    with get_default_graph().name_scope(scope or "huber_loss") as s:
        labels, predictions = _pair(labels, predictions)
        error = abs(predictions - labels)
        quadratic = minimum(error, delta)
        losses = 0.5 * square(quadratic) + delta * (error - quadratic)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Binary cross-entropy of probabilities: -labels * log(p) - (1 - labels) * log(1 - p)."""
    with get_default_graph().name_scope(scope or "log_loss") as s:
        labels, predictions = _pair(labels, predictions)
        losses = -labels * log(predictions + epsilon) - (1 - labels) * log(1 - predictions + epsilon)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Cross-entropy between one-hot labels and softmax(logits), one value per example, then reduced."""
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as s:
        labels, logits = _pair(onehot_labels, logits, "logits")
        if label_smoothing:
            labels = labels * (1 - label_smoothing) + label_smoothing / cast(size(labels[0]), _dt.float32)
        losses = softmax_cross_entropy_with_logits_v2(labels=stop_gradient(labels), logits=logits)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Cross-entropy where each label is a class index."""
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as s:
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Binary cross-entropy of sigmoid(logits) for each label, then reduced."""
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as s:
        labels, logits = _pair(multi_class_labels, logits, "logits")
        if label_smoothing:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    if loss_collection:
        add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_collection(loss_collection, scope)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the losses in the `losses` collection."""
    losses = get_losses(scope)
    if not losses:
        raise ValueError("No losses found in the collection: create them with tf.losses.* first.")
    return add_n(losses, name=name)


__all__ = ["Reduction", "compute_weighted_loss", "mean_squared_error", "absolute_difference", "huber_loss",
           "log_loss", "softmax_cross_entropy", "sparse_softmax_cross_entropy", "sigmoid_cross_entropy", "add_loss",
           "get_losses", "get_total_loss"]
