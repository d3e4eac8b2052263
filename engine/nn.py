"""`tf.nn`: activations, softmax, losses, dropout."""
from .ops.math_ops import sigmoid, tanh  # noqa: F401
from .ops.nn_ops import (bias_add, dropout, elu, in_top_k, l2_loss, l2_normalize, leaky_relu, log_softmax,  # noqa: F401
                         moments, relu, relu6, relu_layer, sigmoid_cross_entropy_with_logits, softmax,
                         softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2, softplus, softsign,
                         sparse_softmax_cross_entropy_with_logits, top_k)
from .ops.conv_ops import (avg_pool, avg_pool2d, avg_pool_v2, batch_normalization, conv2d,  # noqa: F401
                           conv2d_transpose, depthwise_conv2d, depthwise_conv2d_native, fused_batch_norm,
                           local_response_normalization, lrn, max_pool, max_pool2d, max_pool_v2)
from .ops.embedding_ops import (embedding_lookup, embedding_lookup_sparse, fixed_unigram_candidate_sampler,  # noqa: F401
                                log_uniform_candidate_sampler, nce_loss, sampled_softmax_loss,
                                uniform_candidate_sampler, weighted_cross_entropy_with_logits)
from .rnn import bidirectional_dynamic_rnn, dynamic_rnn, rnn_cell, static_rnn  # noqa: F401,E402
