"""`tf.sparse`: SparseTensor and the ops on it (TensorFlow's names for the functions of engine/ops/sparse_ops.py)."""
from .ops.sparse_ops import (SparseTensor, SparseTensorValue, sparse_placeholder as placeholder,  # noqa: F401
                             sparse_tensor_dense_matmul as sparse_dense_matmul, sparse_tensor_to_dense as to_dense)

matmul = sparse_dense_matmul
