"""A small `tf.keras` on the engine: layers (`Dense`...), `Sequential` and subclassed `Model`s with
`compile`/`fit`/`evaluate`/`predict`, losses (MSE, cross-entropies), optimizers (SGD, Adam), `save`/`load_model`.

- `layers.py`      Layer (weights made by `build`, computation in `call`), Dense, Flatten, Activation, Dropout
- `models.py`      Model (the training loop; its step is a tf.function), Sequential, saving and loading
- `losses.py`, `optimizers.py`, `activations.py`, `initializers.py`, `callbacks.py`, `utils.py`
"""
from . import activations, callbacks, initializers, layers, losses, optimizers, utils  # noqa: F401
from . import utils as saving  # noqa: F401 (keras.saving.register_keras_serializable)
from . import models  # noqa: F401
from .layers import Input  # noqa: F401
from .models import Model, Sequential, load_model  # noqa: F401
