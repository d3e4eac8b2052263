"""`tf.keras.utils`: `to_categorical`, and `register_keras_serializable`, which lets `load_model` find a class of
yours without `custom_objects` (as in Keras, a class defined in a notebook is not found otherwise)."""
import numpy as np

#: "package>Name" -> class, filled by @register_keras_serializable()
REGISTERED = {}


def register_keras_serializable(package="Custom", name=None):
    """Decorator: `load_model` finds the class by its name, with no `custom_objects`."""
    def decorator(cls):
        if isinstance(cls, type) and not hasattr(cls, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        REGISTERED[f"{package}>{name or cls.__name__}"] = cls
        return cls
    return decorator


def registered(name):
    """The class registered under `name` (with or without its package), or None."""
    return next((cls for key, cls in REGISTERED.items() if name in (key, key.split(">")[-1])), None)


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class ids (ints) -> one-hot rows: `to_categorical([0, 2], 3)` is `[[1, 0, 0], [0, 0, 1]]`."""
    y = np.asarray(y, dtype=np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]
