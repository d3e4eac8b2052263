"""`tf.keras.initializers`: how a layer fills its new weights (Keras' defaults: Glorot uniform kernels, zero biases)."""
from ..initializers import (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Initializer,  # noqa: F401
                            LecunNormal, Ones, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros)


_BY_NAME = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
            "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
            "lecun_normal": LecunNormal}


def get(identifier):
    """A name ('glorot_uniform'), an Initializer, or any function `f(shape, dtype=...)` such as tf.random.normal."""
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else "".join(
            "_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key not in _BY_NAME:
            raise ValueError(f"Unknown initializer: {identifier!r} (known: {', '.join(sorted(_BY_NAME))})")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(init):
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    raise ValueError(f"Cannot save the custom initializer {init!r}.")


def deserialize(config):
    return globals()[config["class_name"]](**config["config"])
