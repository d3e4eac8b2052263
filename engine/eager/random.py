"""`tf.random`: TensorFlow 2's names for the random ops, and `set_seed`."""
from ..ops.random_ops import (multinomial as categorical, random_normal as normal, random_shuffle as shuffle,  # noqa: F401
                              random_uniform as uniform, set_random_seed, truncated_normal)
from . import context


def set_seed(seed):
    """The global seed: random ops created afterwards repeat the same numbers (eager calls restart their streams)."""
    set_random_seed(seed)
    context.state._rngs.clear()
from ..ops.embedding_ops import (fixed_unigram_candidate_sampler, log_uniform_candidate_sampler,  # noqa: F401,E402
                                 uniform_candidate_sampler)
