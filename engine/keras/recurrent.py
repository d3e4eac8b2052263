"""Keras' recurrent layers (`SimpleRNN`, `LSTM`, `GRU`) and `Embedding`, with Keras' weight layouts and gate orders
(LSTM: i, f, c, o; GRU: z, r, h with TensorFlow 2's `reset_after=True`), so Keras' weights give the same outputs.

A recurrent layer multiplies the inputs of every time step by its `kernel` at once, then runs the recurrence in one
loop over time (`sliced_loop`, the loop of `tf.scan`): state = step(state, inputs @ kernel at step t).
"""
import numpy as np

from ..framework import convert_to_tensor
from ..ops.array_ops import cast, concat, constant, gather, reshape, reverse, shape, split, stack, transpose, zeros
from ..ops.loop_ops import sliced_loop
from ..ops.math_ops import matmul
from .. import dtypes as _dt
from . import activations, initializers
from .layers import Layer


def orthogonal(shape, dtype=_dt.float32):
    """Keras' default for recurrent kernels: a random matrix with orthonormal rows or columns (NumPy's QR)."""
    rows, cols = shape[0], int(np.prod(shape[1:]))
    a = np.random.default_rng().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return constant((q if rows >= cols else q.T).reshape(shape), dtype=dtype)


class _RNN(Layer):
    """What the three recurrent layers share: weights `kernel` [input, k * units], `recurrent_kernel`
    [units, k * units] and `bias`; the loop over time; `return_sequences` / `return_state` / `go_backwards`."""

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 return_sequences=False, return_state=False, go_backwards=False, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        for key in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                    "kernel_constraint", "recurrent_constraint", "bias_constraint", "stateful", "unroll",
                    "time_major", "unit_forget_bias", "reset_after", "implementation"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        if dropout or recurrent_dropout:
            raise NotImplementedError("dropout and recurrent_dropout of recurrent layers are not implemented in the "
                                      "engine; put a Dropout layer before or after the recurrent layer instead.")
        self.units, self.use_bias = int(units), use_bias
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = orthogonal if recurrent_initializer == "orthogonal" else \
            initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards

    def build(self, input_shape):
        if input_shape.rank != 3 or input_shape[-1] is None:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3 "
                             f"(batch, time, features) with known features, found shape {input_shape}")
        n = self._gates * self.units
        self.kernel = self.add_weight("kernel", [int(input_shape[-1]), n], initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", [self.units, n],
                                                initializer=self.recurrent_initializer)
        self.bias = self.add_weight("bias", self._bias_shape(n), initializer=self._bias_init()) \
            if self.use_bias else None

    def _bias_shape(self, n):
        return [n]

    def _bias_init(self):
        return self.bias_initializer

    def _input_projection(self, inputs):
        """inputs @ kernel (+ bias) for every step at once, time first: [time, batch, k * units]."""
        n = self.kernel.shape[1]
        x = reshape(matmul(reshape(inputs, [-1, self.kernel.shape[0]]), self.kernel),
                    concat([shape(inputs)[:2], [n]], 0))
        x.set_shape(inputs.shape[:2].concatenate([n]))
        if self.bias is not None:
            x = x + (self.bias if self.bias.shape.rank == 1 else self.bias[0])
        x = transpose(x, [1, 0, 2])
        return reverse(x, [0]) if self.go_backwards else x

    def call(self, inputs):
        inputs = convert_to_tensor(inputs)
        batch = inputs.shape[0] if inputs.shape[0] is not None else shape(inputs)[0]
        state0 = [zeros(stack([batch, self.units]) if not isinstance(batch, int) else [batch, self.units],
                        dtype=self.dtype) for _ in range(self._states)]
        state, outputs = sliced_loop(lambda s, x: self._step(x, s), self._input_projection(inputs), state0,
                                     name="while")
        last = state[0]
        out = transpose(outputs, [1, 0, 2]) if self.return_sequences else last
        if self.return_state:
            return [out] + list(state)
        return out

    def get_config(self):
        return {**super().get_config(), "units": self.units, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "activation": activations.serialize(self.activation)}


class SimpleRNN(_RNN):
    """h = activation(x @ kernel + h @ recurrent_kernel + bias)."""

    _states = 1

    def _step(self, x, state):
        h = self.activation(x + matmul(state[0], self.recurrent_kernel))
        return [h], h


class LSTM(_RNN):
    """Keras' LSTM: gates i, f, c, o in that order; the forget gate's bias starts at 1 (`unit_forget_bias`)."""

    _gates, _states = 4, 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units
        return lambda shape, dtype=_dt.float32: concat([init([u], dtype=dtype), constant(np.ones(u), dtype=dtype),
                                                        init([2 * u], dtype=dtype)], 0)

    def _step(self, x, state):
        h, c = state
        i, f, g, o = split(x + matmul(h, self.recurrent_kernel), 4, axis=1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(f) * c + rec(i) * act(g)
        h = rec(o) * act(c)
        return [h, c], h


class GRU(_RNN):
    """Keras' GRU: gates z (update), r (reset), h (candidate); with `reset_after` (TensorFlow 2's default) the reset
    gate multiplies h @ recurrent_kernel, and the bias has two rows (input and recurrent)."""

    _gates, _states = 3, 1

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self, n):
        return [2, n] if self.reset_after else [n]

    def _step(self, x, state):
        h = state[0]
        x_z, x_r, x_h = split(x, 3, axis=1)
        rk = self.recurrent_kernel
        if self.reset_after:
            hr = matmul(h, rk)
            if self.bias is not None:
                hr = hr + self.bias[1]
            h_z, h_r, h_h = split(hr, 3, axis=1)
        else:
            h_z, h_r = split(matmul(h, rk[:, :2 * self.units]), 2, axis=1)
        z = self.recurrent_activation(x_z + h_z)
        r = self.recurrent_activation(x_r + h_r)
        if self.reset_after:
            candidate = self.activation(x_h + r * h_h)
        else:
            candidate = self.activation(x_h + matmul(r * h, rk[:, 2 * self.units:]))
        h = z * h + (1 - z) * candidate
        return [h], h


class Embedding(Layer):
    """A lookup table: each integer id in the inputs becomes row `id` of `embeddings` [input_dim, output_dim]."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", mask_zero=False, input_length=None,
                 **kwargs):
        for key in ("embeddings_regularizer", "activity_regularizer", "embeddings_constraint"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = int(input_dim), int(output_dim), mask_zero
        self.embeddings_initializer = initializers.get("random_uniform" if embeddings_initializer == "uniform"
                                                       else embeddings_initializer)

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", [self.input_dim, self.output_dim],
                                          initializer=self.embeddings_initializer)

    def call(self, inputs):
        inputs = convert_to_tensor(inputs)
        return gather(self.embeddings, inputs if inputs.dtype in (_dt.int32, _dt.int64) else cast(inputs, _dt.int32))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim}
