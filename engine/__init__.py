"""engine: TensorFlow 1.x's graph programming model on NumPy, for teaching.

    import engine as tf
    a = tf.constant(2.0)
    b = a * 3
    with tf.Session() as sess:
        print(sess.run(b))   # 6.0

Read it as a textbook: `framework.py` (graphs, ops, tensors, names), `session.py` (running a graph),
`ops/` (every op: forward, shape inference and gradient side by side), `variables.py`, `gradients.py`, `train.py`.
"""
__version__ = "0.1.0"

from . import contrib, dtypes, errors, image, io, losses, metrics, nn, sparse, train  # noqa: F401
from .dtypes import (DType, as_dtype, bool, double, float16, float32, float64, half, int8, int16, int32,  # noqa: F401,A004
                     int64, string, uint8)
from .framework import (Graph, GraphKeys, Operation, Tensor, add_to_collection, control_dependencies,  # noqa: F401
                        convert_to_tensor, get_collection, get_collection_ref, get_default_graph, is_tensor,
                        name_scope, reset_default_graph)
from .gradients import gradients, hessians  # noqa: F401
from .ops.array_ops import (broadcast_to, cast, concat, constant, diag, diag_part, expand_dims, eye, fill,  # noqa: F401
                            gather, identity, linspace, newaxis, one_hot, ones, ones_like, placeholder,
                            placeholder_with_default, range, rank, reshape, shape, size, slice, split, squeeze, stack,
                            stop_gradient, tile, to_float, to_int32, transpose, unique, unsorted_segment_sum, unstack,
                            zeros, zeros_like)
from .ops.array_ops import boolean_mask, lin_space, reverse  # noqa: F401
from .ops.control_flow_ops import Assert, case, cond, group, no_op, tuple  # noqa: F401,A004
from .ops.control_flow_ops import print_ as print  # noqa: F401,A004
from .ops.loop_ops import TensorArray, foldl, foldr, map_fn, scan, while_loop  # noqa: F401
from .ops.math_ops import clip_by_norm, count_nonzero, cumprod, cumsum, norm, truncatemod, where_v2  # noqa: F401
from .ops.nn_ops import argsort, sort  # noqa: F401
from .ops.math_ops import (abs, add, add_n, arg_max, arg_min, argmax, argmin, ceil, clip_by_value, cos,  # noqa: F401
                           cross, div, divide, equal, exp, floor, floor_div, floordiv, floormod, greater,
                           greater_equal, is_finite, is_nan, less, less_equal, log, log1p, logical_and, logical_not,
                           logical_or, logical_xor, matmul, matrix_determinant, matrix_inverse, matrix_transpose,
                           maximum, minimum, mod, multiply, negative, not_equal, pow, realdiv, reciprocal, reduce_all,
                           reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum,
                           round, rsqrt, sigmoid, sign, sin, sqrt, square, squared_difference, subtract, tan, tanh,
                           tensordot, truediv, truncatediv, where)
from .ops.random_ops import (multinomial, random_normal, random_shuffle, random_uniform, set_random_seed,  # noqa: F401
                             truncated_normal)
from .ops.sparse_ops import (SparseTensor, SparseTensorValue, gather_nd, scatter_add, scatter_div,  # noqa: F401
                              scatter_max, scatter_min, scatter_mul, scatter_nd, scatter_nd_add, scatter_nd_sub,
                              scatter_nd_update, scatter_sub, scatter_update, segment_max, segment_mean, segment_min,
                              segment_prod, segment_sum, sparse_placeholder, sparse_tensor_dense_matmul,
                              sparse_tensor_to_dense, sparse_to_dense, tensor_scatter_add, tensor_scatter_nd_add,
                              tensor_scatter_nd_sub, tensor_scatter_nd_update, tensor_scatter_sub,
                              tensor_scatter_update, unsorted_segment_max, unsorted_segment_mean,
                              unsorted_segment_min, unsorted_segment_prod, unsorted_segment_sqrt_n)
from .ops.parsing_ops import decode_csv  # noqa: F401
from .ops.script_ops import Print, numpy_function, py_func  # noqa: F401
from .framework import device  # noqa: F401
from .platform import app, flags, gfile, logging  # noqa: F401
from .session import InteractiveSession, Session, get_default_session  # noqa: F401
from .shapes import TensorShape  # noqa: F401
from .initializers import (constant_initializer, glorot_normal_initializer, glorot_uniform_initializer,  # noqa: F401
                           ones_initializer, random_normal_initializer, random_uniform_initializer,
                           truncated_normal_initializer, variance_scaling_initializer, zeros_initializer)
from .variables import (AUTO_REUSE, Variable, VariableScope, all_variables, assign, assign_add,  # noqa: F401
                        assign_sub, get_variable, get_variable_scope, global_variables, global_variables_initializer,
                        initialize_all_variables, is_variable_initialized, local_variables,
                        local_variables_initializer, report_uninitialized_variables, trainable_variables,
                        variable_scope, variables_initializer)

mul, sub, neg = multiply, subtract, negative  # TensorFlow 0.x names still found in old tutorials

from . import summary, viz  # noqa: E402,F401
from .viz import show_graph  # noqa: E402,F401

train.summary_iterator = summary.summary_iterator  # TF1's name for reading event files back

# TensorFlow 2 on the same engine: eager execution, GradientTape, tf.function (engine/eager/)
from .eager import (GradientTape, TensorSpec, UnconnectedGradients, config, disable_eager_execution,  # noqa: E402,F401
                    enable_eager_execution, executing_eagerly, function, init_scope, random)
from . import data, keras  # noqa: E402,F401
from . import layers  # noqa: E402,F401
from . import saved_model  # noqa: E402,F401
from .module import Module  # noqa: E402,F401

optimizers = keras.optimizers  # TensorFlow 2's alias
train.Checkpoint, train.CheckpointManager = module.Checkpoint, module.CheckpointManager  # noqa: F821 (engine/module.py)
