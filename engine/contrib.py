"""`tf.contrib`: only the few pieces that classic TensorFlow 1 tutorials use. TensorFlow 2 removed `tf.contrib`;
any other `tf.contrib.X` raises an AttributeError that names the missing piece.
"""
import types

from . import layers as tf_layers
from .errors import hinted
from .framework import convert_to_tensor
from .initializers import (glorot_normal_initializer, glorot_uniform_initializer, variance_scaling_initializer,
                           zeros_initializer)
from .ops.nn_ops import relu
from .variables import get_variable, variable_scope


def _missing(path, available):
    """A module's `__getattr__` for the names it lacks: an AttributeError listing what it has."""
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(hinted(
            f"The engine has no tf.{path}.{name}: of tf.{path} it implements only what classic TensorFlow 1 "
            f"tutorials use ({', '.join(sorted(available()))}).",
            f"tf.{path}.{name} no existe en el motor (TensorFlow 2 eliminó tf.contrib): busca su equivalente en tf.nn, "
            "tf.layers, tf.keras o tf.train."))
    return __getattr__


def _namespace(path, doc, **members):
    module = types.ModuleType(f"engine.{path}", doc)
    module.__dict__.update(members, __getattr__=_missing(path, lambda: members))
    return module


# --- tf.contrib.layers


def xavier_initializer(uniform=True, seed=None, dtype=None):
    """Glorot (Xavier) initialization: variance 2 / (fan_in + fan_out)."""
    return (glorot_uniform_initializer if uniform else glorot_normal_initializer)(seed=seed, dtype=dtype)


def _regularizer(kind, scale, penalty):
    def regularize(weights):
        from .ops.math_ops import multiply
        from .framework import get_default_graph
        with get_default_graph().name_scope(kind) as scope:
            return multiply(scale, penalty(weights), name=scope)
    return regularize


def l2_regularizer(scale, scope=None):
    """A function w -> scale * sum(w ** 2) / 2 (for `get_variable(..., regularizer=...)`)."""
    from .ops.nn_ops import l2_loss
    return _regularizer("l2_regularizer", scale, l2_loss)


def l1_regularizer(scale, scope=None):
    """A function w -> scale * sum(|w|)."""
    from .ops.math_ops import abs, reduce_sum
    return _regularizer("l1_regularizer", scale, lambda w: reduce_sum(abs(w)))


def fully_connected(inputs, num_outputs, activation_fn=relu, normalizer_fn=None, normalizer_params=None,
                    weights_initializer=None, weights_regularizer=None, biases_initializer=zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None, outputs_collections=None,
                    trainable=True, scope=None):
    """activation_fn(inputs @ weights + biases) (ReLU by default), with the variables `fully_connected/weights`
    (Xavier) and `fully_connected/biases` (zeros); with `normalizer_fn`, normalized instead of biased."""
    with variable_scope(scope, "fully_connected", (inputs,), reuse=reuse):
        inputs = convert_to_tensor(inputs, name="inputs")
        weights = get_variable("weights", [inputs.shape[-1], num_outputs], regularizer=weights_regularizer,
                               initializer=weights_initializer or xavier_initializer(), trainable=trainable)
        biases = None
        if normalizer_fn is None and biases_initializer is not None:
            biases = get_variable("biases", [num_outputs], initializer=biases_initializer,
                                  regularizer=biases_regularizer, trainable=trainable)
        out = tf_layers.linear(inputs, weights, biases, None)
        if normalizer_fn is not None:
            out = normalizer_fn(out, **(normalizer_params or {}))
        return activation_fn(out) if activation_fn is not None else out


def flatten(inputs, outputs_collections=None, scope=None):
    """[batch, ...] -> [batch, everything else]."""
    return tf_layers.flatten(inputs, name=scope)


layers = _namespace("contrib.layers", "`tf.contrib.layers`: initializers, regularizers, fully_connected, flatten.",
                    xavier_initializer=xavier_initializer, xavier_initializer_conv2d=xavier_initializer,
                    variance_scaling_initializer=variance_scaling_initializer, l1_regularizer=l1_regularizer,
                    l2_regularizer=l2_regularizer, fully_connected=fully_connected, flatten=flatten)

# --- tf.contrib.rnn: the cells of tf.nn.rnn_cell, and static_rnn (engine/rnn.py)

from .rnn import rnn_cell as _rnn_cell, static_rnn  # noqa: E402

rnn = _namespace("contrib.rnn", "`tf.contrib.rnn`: recurrent cells.", static_rnn=static_rnn, **vars(_rnn_cell))

__getattr__ = _missing("contrib", lambda: [n for n, v in globals().items()
                                            if isinstance(v, types.ModuleType) and n != "types"])
