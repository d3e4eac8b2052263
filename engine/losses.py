"""`tf.losses`: the common training losses (TensorFlow 1.x), with weights and reductions."""
from .ops.loss_ops import *  # noqa: F401,F403
