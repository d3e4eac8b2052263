"""TensorFlow 2 on the same engine: eager execution, `GradientTape`, `tf.function`, `tf.config`, `tf.random`.

- `context.py`   eager tensors, running one op at once (the `eager_runner` hook of `framework.make_op`)
- `variables.py` variables whose value lives in the eager context
- `tape.py`      `GradientTape`: replays recorded ops into a graph and differentiates them with `engine.gradients`
- `function.py`  `tf.function`: traces Python into an ordinary Graph and runs it with a Session
"""
from . import config, random  # noqa: F401
from .context import (EagerTensor, disable_eager_execution, enable_eager_execution, executing_eagerly,  # noqa: F401
                      init_scope)
from .function import ConcreteFunction, Function, TensorSpec, function  # noqa: F401
from .tape import GradientTape, UnconnectedGradients  # noqa: F401
from .variables import EagerVariable  # noqa: F401
