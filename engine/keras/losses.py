"""`tf.keras.losses`: per-sample losses (functions) and Loss objects that average them over the batch.

Probabilities are clipped to [1e-7, 1 - 1e-7] before the logarithm, as in Keras, so a confident wrong answer gives
a large but finite loss.
"""
from .. import dtypes as _dt
from .. import nn
from ..framework import convert_to_tensor
from ..ops.array_ops import cast, expand_dims, one_hot, reshape, squeeze
from ..ops.math_ops import abs, clip_by_value, log, reduce_mean, reduce_sum, square

EPSILON = 1e-7


def _prepare(y_true, y_pred, cast_true=True):
    """Tensors of the same rank (a trailing dimension of 1 is added or removed, as Keras does)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if cast_true and y_true.dtype != y_pred.dtype:
        y_true = cast(y_true, y_pred.dtype)
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is not None and rp is not None:
        if rt == rp + 1 and y_true.shape[-1] == 1:
            y_true = squeeze(y_true, axis=-1)
        elif rp == rt + 1 and y_pred.shape[-1] == 1:
            y_true = expand_dims(y_true, -1)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)²) over the last axis: one value per sample."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return reduce_mean(square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return reduce_mean(abs(y_true - y_pred), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-(y log p + (1 - y) log(1 - p)), averaged over the last axis; `from_logits`: p = sigmoid(y_pred)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred), axis=axis)
    p = clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
    return reduce_mean(-(y_true * log(p) + (1.0 - y_true) * log(1.0 - p)), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y log p) over the classes, for one-hot (or probability) labels."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        n = cast(convert_to_tensor(y_pred.shape[-1]), y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if from_logits:
        return nn.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=y_pred, axis=axis)
    p = clip_by_value(y_pred / reduce_sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    return -reduce_sum(y_true * log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Cross-entropy for integer class labels (y_true[i] is the index of the right class)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank:
        y_true = reshape(y_true, [-1]) if y_true.shape.rank == 1 else squeeze(y_true, axis=-1)
    labels = cast(y_true, _dt.int32)
    if from_logits:
        return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
    p = clip_by_value(y_pred / reduce_sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    return -reduce_sum(one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype) * log(p), axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


class Loss:
    """A loss object: `loss(y_true, y_pred)` is the mean of the per-sample losses (Keras' 'sum_over_batch_size')."""

    def __init__(self, fn, name, reduction="sum_over_batch_size", **options):
        self.fn, self.name, self.reduction, self._options = fn, name, reduction, options

    def __call__(self, y_true, y_pred, sample_weight=None):
        per_sample = self.fn(y_true, y_pred, **self._options)
        if sample_weight is not None:
            per_sample = per_sample * cast(convert_to_tensor(sample_weight), per_sample.dtype)
        if self.reduction == "none":
            return per_sample
        return reduce_sum(per_sample) if self.reduction == "sum" else reduce_mean(per_sample)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, **self._options}


def _loss_class(fn, default_name, *option_names):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, **options):
        unknown = set(options) - set(option_names)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        Loss.__init__(self, fn, name, reduction, **options)
    cls_name = "".join(part.capitalize() for part in default_name.split("_"))
    return type(cls_name, (Loss,), {"__init__": __init__, "__doc__": fn.__doc__})


MeanSquaredError = _loss_class(mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class(mean_absolute_error, "mean_absolute_error")
BinaryCrossentropy = _loss_class(binary_crossentropy, "binary_crossentropy", "from_logits", "label_smoothing")
CategoricalCrossentropy = _loss_class(categorical_crossentropy, "categorical_crossentropy", "from_logits",
                                      "label_smoothing")
SparseCategoricalCrossentropy = _loss_class(sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
                                            "from_logits")

_BY_NAME = {"mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
            "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
            "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
            "sparse_categorical_crossentropy": SparseCategoricalCrossentropy}
_FUNCTIONS = {mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
              binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
              sparse_categorical_crossentropy: SparseCategoricalCrossentropy}


def get(identifier):
    """A Loss object for a name ('mse'), a loss function, or a Loss object."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if callable(identifier):
        return Loss(identifier, getattr(identifier, "__name__", "loss"))
    raise ValueError(f"Unknown loss: {identifier!r} (known: {', '.join(sorted(_BY_NAME))})")
