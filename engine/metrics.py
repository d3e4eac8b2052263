"""`tf.metrics`: streaming metrics over many batches (TensorFlow 1).

Each metric returns `(value, update_op)`: running `update_op` on a batch adds it to the metric's totals, kept in
LOCAL variables (`tf.local_variables_initializer()` sets them to zero, which also restarts the metric), and `value`
reads the metric over every batch seen so far:

    acc, acc_update = tf.metrics.accuracy(labels, predictions)
    sess.run(tf.local_variables_initializer())
    for batch in batches:
        sess.run(acc_update, feed_dict=batch)
    print(sess.run(acc))
"""
import contextlib

from . import dtypes as _dt
from .framework import GraphKeys, add_to_collection, control_dependencies, convert_to_tensor
from .ops.array_ops import cast, constant, expand_dims, ones_like, reshape, zeros
from .ops.math_ops import div_no_nan, equal, greater, logical_and, logical_not, reduce_sum, squared_difference
from .variables import Variable, assign_add, variable_scope

METRIC_VARIABLES = "metric_variables"


def _metric_variable(shape, name):
    """A float32 LOCAL variable of zeros, not trained."""
    return Variable(lambda: zeros(shape, _dt.float32), trainable=False, name=name,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES])


def _collect(value, update_op, metrics_collections, updates_collections):
    for key in metrics_collections or []:
        add_to_collection(key, value)
    for key in updates_collections or []:
        add_to_collection(key, update_op)
    return value, update_op


def _float(x, name):
    return cast(convert_to_tensor(x, name=name), _dt.float32)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of all the values seen: total / count."""
    with variable_scope(name, "mean", (values, weights)):
        values = _float(values, "values")
        weights = ones_like(values) if weights is None else _float(weights, "weights") * ones_like(values)
        total, count = _metric_variable([], "total"), _metric_variable([], "count")
        update_total = assign_add(total, reduce_sum(values * weights))
        with control_dependencies([values]):
            update_count = assign_add(count, reduce_sum(weights))
        value = div_no_nan(total, count)
        update_op = div_no_nan(update_total, update_count)
        return _collect(value, update_op, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The fraction of predictions equal to the labels, over all the batches seen."""
    predictions, labels = convert_to_tensor(predictions, name="predictions"), convert_to_tensor(labels, name="labels")
    if labels.dtype != predictions.dtype:
        predictions = cast(predictions, labels.dtype)
    return mean(cast(equal(predictions, labels), _dt.float32), weights, metrics_collections, updates_collections,
                name or "accuracy")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    """The mean of (predictions - labels) ** 2 over all the batches seen."""
    return mean(squared_difference(_float(predictions, "predictions"), _float(labels, "labels")), weights,
                metrics_collections, updates_collections, name or "mean_squared_error")


def _counts(labels, predictions, weights, kinds, thresholds=None):
    """Variables counting true/false positives/negatives (`kinds`) and the op adding a batch to them.
    With `thresholds`, predictions are probabilities compared with each threshold (one count per threshold)."""
    labels = cast(convert_to_tensor(labels, name="labels"), _dt.bool)
    predictions = convert_to_tensor(predictions, name="predictions")
    if thresholds is None:
        predicted = cast(predictions, _dt.bool)
        shape = []
    else:  # [n] predictions against [t] thresholds: [t, n]
        predicted = greater(reshape(_float(predictions, "predictions"), [1, -1]),
                            reshape(constant(thresholds, _dt.float32), [-1, 1]))
        labels = expand_dims(reshape(labels, [-1]), 0)
        shape = [len(thresholds)]
    weights = None if weights is None else reshape(_float(weights, "weights"), [1, -1] if thresholds else [-1])
    is_ = {"true_positives": (labels, predicted), "false_positives": (logical_not(labels), predicted),
           "false_negatives": (labels, logical_not(predicted)),
           "true_negatives": (logical_not(labels), logical_not(predicted))}
    variables, updates = {}, {}
    axis = None if thresholds is None else 1
    for kind in kinds:  # precision/true_positives/count, but auc/true_positives (TensorFlow's names)
        with variable_scope(None, kind) if thresholds is None else contextlib.nullcontext():
            variables[kind] = _metric_variable(shape, "count" if thresholds is None else kind)
            hits = cast(logical_and(*is_[kind]), _dt.float32)
            updates[kind] = assign_add(variables[kind], reduce_sum(hits if weights is None else hits * weights, axis))
    return variables, updates


def _ratio(kind, labels, predictions, weights, other, metrics_collections, updates_collections, name):
    """tp / (tp + other): precision (other: false positives) or recall (false negatives)."""
    with variable_scope(name, kind, (predictions, labels, weights)):
        counts, updates = _counts(labels, predictions, weights, ["true_positives", other])
        value = div_no_nan(counts["true_positives"], counts["true_positives"] + counts[other])
        update_op = div_no_nan(updates["true_positives"], updates["true_positives"] + updates[other])
        return _collect(value, update_op, metrics_collections, updates_collections)


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """Of the predicted positives, the fraction that are positive: tp / (tp + fp)."""
    return _ratio("precision", labels, predictions, weights, "false_positives", metrics_collections,
                  updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """Of the positives, the fraction predicted positive: tp / (tp + fn)."""
    return _ratio("recall", labels, predictions, weights, "false_negatives", metrics_collections,
                  updates_collections, name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None,
        curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """The area under the ROC curve (or the precision-recall curve, curve="PR") of probabilities `predictions`,
    estimated with `num_thresholds` thresholds and the trapezoidal rule, over all the batches seen."""
    if summation_method != "trapezoidal" or curve not in ("ROC", "PR"):
        raise NotImplementedError("tf.metrics.auc here supports curve 'ROC' or 'PR' with summation_method "
                                  "'trapezoidal'")
    if thresholds is None:
        eps = 1e-7
        thresholds = [-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps]
    with variable_scope(name, "auc", (labels, predictions, weights)):
        kinds = ["true_positives", "false_negatives", "true_negatives", "false_positives"]
        counts, updates = _counts(labels, predictions, weights, kinds, list(thresholds))

        def area(c, name):
            tp, fn, tn, fp = (c[k] for k in kinds)
            epsilon = 1.0e-6
            if curve == "ROC":
                x, y = fp / (fp + tn + epsilon), (tp + epsilon) / (tp + fn + epsilon)
            else:
                x, y = (tp + epsilon) / (tp + fn + epsilon), (tp + epsilon) / (tp + fp + epsilon)
            n = len(thresholds)
            return reduce_sum((x[:n - 1] - x[1:]) * (y[:n - 1] + y[1:]) / 2.0, name=name)
        return _collect(area(counts, "value"), area(updates, "update_op"), metrics_collections, updates_collections)
