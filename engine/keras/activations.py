"""`tf.keras.activations`: the functions a layer applies to its output, by name or as a function."""
from .. import nn
from ..ops.math_ops import sigmoid, tanh  # noqa: F401


def linear(x):
    return x


def relu(x):
    return nn.relu(x)


def softmax(x, axis=-1):
    return nn.softmax(x, axis=axis)


def elu(x):
    return nn.elu(x)


def softplus(x):
    return nn.softplus(x)


def leaky_relu(x, negative_slope=0.2):
    return nn.leaky_relu(x, alpha=negative_slope)


_BY_NAME = {"linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax, "elu": elu,
            "softplus": softplus, "leaky_relu": leaky_relu}


def get(identifier):
    """None -> linear, a name ('relu') -> the function, a function -> itself."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r} "
                     f"(known: {', '.join(sorted(_BY_NAME))})")


def serialize(fn):
    """The name of an activation (for saving a model)."""
    for name, f in _BY_NAME.items():
        if f is fn or getattr(fn, "__name__", None) == name:
            return name
    raise ValueError(f"Cannot save the custom activation {fn!r}: use one of {', '.join(sorted(_BY_NAME))}.")
