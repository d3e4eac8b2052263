"""Recurrent networks (`tf.nn.rnn_cell`, `tf.contrib.rnn`): cells, and `dynamic_rnn` / `static_rnn` /
`bidirectional_dynamic_rnn` that run a cell over the time steps of a sequence.

A *cell* computes one time step: `output, new_state = cell(input, state)`. Its weights are created on the first call,
with `get_variable` inside the cell's variable scope, with TensorFlow 1's names and layouts (`rnn/basic_lstm_cell/kernel`,
gates in the order i, j, f, o), so TensorFlow's trained weights give the same outputs here.

`dynamic_rnn` runs the cell inside one loop (`engine.ops.loop_ops.sliced_loop`: iteration t sees the inputs of step t
and stacks the outputs), so the graph has one copy of the cell however long the sequences are; `static_rnn` unrolls
it, one copy per step.
"""
import collections
import types

import numpy as np

from . import dtypes as _dt
from .framework import apply, convert_to_tensor, defop, get_default_graph
from .initializers import constant_initializer, zeros_initializer
from .ops.array_ops import concat, reverse, shape, split, stack, transpose, zeros, zeros_like
from .ops.loop_ops import sliced_loop
from .ops.math_ops import clip_by_value, matmul, sigmoid, tanh, where
from .ops.nn_ops import bias_add, dropout
from .variables import get_variable, variable_scope


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM cell: `c` (the memory) and `h` (the output)."""
    __slots__ = ()

    @property
    def dtype(self):
        return self.c.dtype


def _flat(structure):
    from .eager.tape import flatten
    return flatten(structure)


def _zeros(size, batch_size, dtype):
    """Zeros of shape [batch_size] + size for each size in the (nested) structure `size`."""
    leaves, pack = _flat(size)
    if isinstance(batch_size, int):
        return pack([zeros([batch_size, s], dtype=dtype) for s in leaves])
    out = [zeros(stack([batch_size, s]), dtype=dtype) for s in leaves]
    for z, s in zip(out, leaves):
        z.set_shape([None, s])
    return pack(out)


class RNNCell:
    """Base class of the cells: subclasses set `state_size` and `output_size` and define `build(input_depth)`
    (creating weights with `self._weight`) and `call(inputs, state)`."""

    _base_name = "rnn_cell"

    def __init__(self, reuse=None, name=None, dtype=None):
        self._name, self._reuse, self._dtype = name, reuse, dtype
        self._scope = None  # the variable scope of the first call: later calls reuse its weights
        self.built = False
        self.weights = []

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    @property
    def trainable_variables(self):
        return list(self.weights)

    trainable_weights = variables = trainable_variables

    def zero_state(self, batch_size, dtype):
        """The initial state: zeros of shape [batch_size, n] for each part of `state_size`."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return _zeros(self.state_size, batch_size, dtype)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        if self._scope is None:
            with variable_scope(scope or self._name, default_name=self._base_name) as vs:
                self._scope = vs.name
                return self._call_in_scope(inputs, state)
        with variable_scope(self._scope, reuse=True):
            return self._call_in_scope(inputs, state)

    def _call_in_scope(self, inputs, state):
        inputs = convert_to_tensor(inputs)
        if not self.built:
            depth = inputs.shape[-1] if inputs.shape.rank else None
            if depth is None:
                raise ValueError(f"The last dimension of the inputs to `{type(self).__name__}` should be defined. "
                                 f"Found `None`.")
            self.build(int(depth))
            self.built = True
        return self.call(inputs, state)

    def build(self, input_depth):
        pass

    def _weight(self, name, shape, initializer=None):
        var = get_variable(name, shape, dtype=self._dtype or _dt.float32, initializer=initializer)
        self.weights.append(var)
        return var


def _linear(inputs, state, kernel, bias):
    """concat([inputs, state], 1) @ kernel + bias: every gate of a cell at once."""
    return bias_add(matmul(concat([inputs, state], 1), kernel), bias)


def _activation(activation):
    return tanh if activation is None else activation


class BasicRNNCell(RNNCell):
    """output = new_state = activation(W [inputs, state] + b)."""

    _base_name = "basic_rnn_cell"

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None):
        super().__init__(reuse, name, dtype)
        self._num_units, self._activation = num_units, _activation(activation)

    state_size = output_size = property(lambda self: self._num_units)

    def build(self, depth):
        self._kernel = self._weight("kernel", [depth + self._num_units, self._num_units])
        self._bias = self._weight("bias", [self._num_units], zeros_initializer())

    def call(self, inputs, state):
        output = self._activation(_linear(inputs, state, self._kernel, self._bias))
        return output, output


class BasicLSTMCell(RNNCell):
    """The LSTM of Hochreiter & Schmidhuber without peepholes: gates i, j, f, o from one product, and
    c = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j), h = tanh(c) * sigmoid(o)."""

    _base_name = "basic_lstm_cell"

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None):
        super().__init__(reuse, name, dtype)
        self._num_units, self._forget_bias = num_units, forget_bias
        self._state_is_tuple, self._activation = state_is_tuple, _activation(activation)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, depth):
        self._kernel = self._weight("kernel", [depth + self._num_units, 4 * self._num_units])
        self._bias = self._weight("bias", [4 * self._num_units], zeros_initializer())

    def _split_state(self, state):
        return state if self._state_is_tuple else split(state, 2, axis=1)

    def _join_state(self, c, h):
        return LSTMStateTuple(c, h) if self._state_is_tuple else concat([c, h], 1)

    def call(self, inputs, state):
        c, h = self._split_state(state)
        i, j, f, o = split(_linear(inputs, h, self._kernel, self._bias), 4, axis=1)
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * sigmoid(o)
        return new_h, self._join_state(new_c, new_h)


class LSTMCell(BasicLSTMCell):
    """An LSTM with optional peepholes (`use_peepholes`: the gates also see c), clipping of c (`cell_clip`) and a
    projection of the output to `num_proj` units."""

    _base_name = "lstm_cell"

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None):
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        self._use_peepholes, self._cell_clip, self._initializer = use_peepholes, cell_clip, initializer
        self._num_proj, self._proj_clip = num_proj, proj_clip

    @property
    def state_size(self):
        n, out = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, out) if self._state_is_tuple else n + out

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, depth):
        n = self._num_units
        self._kernel = self._weight("kernel", [depth + self.output_size, 4 * n], self._initializer)
        self._bias = self._weight("bias", [4 * n], zeros_initializer())
        if self._use_peepholes:
            self._w_f, self._w_i, self._w_o = (self._weight(f"w_{g}_diag", [n], self._initializer) for g in "fio")
        if self._num_proj:
            with variable_scope("projection"):
                self._proj = self._weight("kernel", [n, self._num_proj], self._initializer)

    def _split_state(self, state):
        return state if self._state_is_tuple else split(state, [self._num_units, self.output_size], axis=1)

    def call(self, inputs, state):
        c, h = self._split_state(state)
        i, j, f, o = split(_linear(inputs, h, self._kernel, self._bias), 4, axis=1)
        if self._use_peepholes:
            f, i = f + self._w_f * c, i + self._w_i * c
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            new_c = clip_by_value(new_c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            o = o + self._w_o * new_c
        new_h = sigmoid(o) * self._activation(new_c)
        if self._num_proj:
            new_h = matmul(new_h, self._proj)
            if self._proj_clip is not None:
                new_h = clip_by_value(new_h, -self._proj_clip, self._proj_clip)
        return new_h, self._join_state(new_c, new_h)


class GRUCell(RNNCell):
    """Gated recurrent unit (Cho et al., 2014): r, u = sigmoid(W_g [x, h] + b_g) (`gates/`, bias 1),
    c = activation(W_c [x, r * h] + b_c) (`candidate/`), new h = u * h + (1 - u) * c."""

    _base_name = "gru_cell"

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None):
        super().__init__(reuse, name, dtype)
        self._num_units, self._activation = num_units, _activation(activation)
        self._kernel_init, self._bias_init = kernel_initializer, bias_initializer

    state_size = output_size = property(lambda self: self._num_units)

    def build(self, depth):
        n = self._num_units
        with variable_scope("gates"):
            self._gate_kernel = self._weight("kernel", [depth + n, 2 * n], self._kernel_init)
            self._gate_bias = self._weight("bias", [2 * n], self._bias_init or constant_initializer(1.0))
        with variable_scope("candidate"):
            self._cand_kernel = self._weight("kernel", [depth + n, n], self._kernel_init)
            self._cand_bias = self._weight("bias", [n], self._bias_init or zeros_initializer())

    def call(self, inputs, state):
        r, u = split(sigmoid(_linear(inputs, state, self._gate_kernel, self._gate_bias)), 2, axis=1)
        c = self._activation(_linear(inputs, r * state, self._cand_kernel, self._cand_bias))
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked in layers: the output of cell k is the input of cell k + 1 (scopes `cell_0`, `cell_1`...)."""

    _base_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        self._cells, self._state_is_tuple = list(cells), state_is_tuple

    @property
    def state_size(self):
        sizes = tuple(c.state_size for c in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    output_size = property(lambda self: self._cells[-1].output_size)

    @property
    def weights(self):
        return [w for c in self._cells for w in c.weights]

    @weights.setter
    def weights(self, value):
        pass

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope("MultiRNNCellZeroState"):
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    def _call_in_scope(self, inputs, state):
        new_states = []
        for k, cell in enumerate(self._cells):
            with variable_scope(f"cell_{k}"):
                inputs, s = cell(inputs, state[k])
            new_states.append(s)
        return inputs, tuple(new_states)


class DropoutWrapper(RNNCell):
    """A cell whose inputs, outputs and new state go through dropout (keep probabilities, 1.0: no dropout)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None, dropout_state_filter_visitor=None):
        super().__init__()
        self._cell, self._seed = cell, seed
        self._keep = (input_keep_prob, output_keep_prob, state_keep_prob)

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)
    weights = property(lambda self: self._cell.weights, lambda self, value: None)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def _dropout(self, structure, keep):
        if isinstance(keep, float) and keep == 1.0:
            return structure
        leaves, pack = _flat(structure)
        return pack([dropout(x, keep_prob=keep, seed=self._seed) for x in leaves])

    def __call__(self, inputs, state, scope=None):
        keep_in, keep_out, keep_state = self._keep
        output, new_state = self._cell(self._dropout(inputs, keep_in), state, scope=scope)
        if isinstance(new_state, LSTMStateTuple) and keep_state != 1.0:  # (TensorFlow leaves the memory c alone)
            new_state = LSTMStateTuple(new_state.c, self._dropout(new_state.h, keep_state))
        else:
            new_state = self._dropout(new_state, keep_state)
        return self._dropout(output, keep_out), new_state


class ResidualWrapper(DropoutWrapper):
    """A cell whose output is its input plus the wrapped cell's output."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn or (lambda i, o: i + o)

    def __call__(self, inputs, state, scope=None):
        output, new_state = self._cell(inputs, state, scope=scope)
        return self._residual_fn(inputs, output), new_state


# ---------------------------------------------------------------------------------------------------------------
# Running a cell over sequences
# ---------------------------------------------------------------------------------------------------------------


def _batch_major(x):
    """[time, batch, ...] <-> [batch, time, ...]."""
    return transpose(x, [1, 0] + list(range(2, x.shape.rank)))


def _initial_state(cell, initial_state, batch_size, dtype):
    if initial_state is not None:
        return initial_state
    if dtype is None:
        raise ValueError("If there is no initial_state, you must give a dtype.")
    return cell.zero_state(batch_size, dtype)


def _batch_size(x, axis):
    n = x.shape[axis] if x.shape.rank else None
    return int(n) if n is not None else shape(x)[axis]


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """Runs `cell` over the time steps of `inputs` ([batch, time, depth], or [time, batch, depth] if `time_major`)
    in a loop. Returns (outputs [batch, time, output_size], final state).

    With `sequence_length` (one length per example), the steps past an example's end give zero outputs and keep its
    state: the final state is the state at each sequence's last step."""
    with variable_scope(scope or "rnn"):
        flat, pack = _flat(inputs)
        flat = [convert_to_tensor(x) for x in flat]
        if any(x.shape.rank is not None and x.shape.rank < 3 for x in flat):
            raise ValueError(f"Input must have rank at least 3 ([batch, time, depth]), got shape {flat[0].shape}")
        steps = flat if time_major else [_batch_major(x) for x in flat]
        state = _initial_state(cell, initial_state, _batch_size(steps[0], 1), dtype)
        if sequence_length is not None:
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")

        def step(carry, x):
            t, state = carry
            output, new_state = cell(pack(x) if len(x) > 1 else x[0], state)
            output, new_state = _past_the_end(t, sequence_length, output, state, new_state)
            return (t + 1, new_state), output
        (_, state), outputs = sliced_loop(step, steps, (0, state), name="while")
        outputs = outputs if time_major else _map(_batch_major, outputs)
    return outputs, state


def _map(fn, structure):
    leaves, pack = _flat(structure)
    return pack([fn(x) for x in leaves])


def _past_the_end(t, sequence_length, output, state, new_state):
    """With `sequence_length`, an example whose sequence has ended at step t gets a zero output and keeps its state."""
    if sequence_length is None:
        return output, new_state
    done = t >= convert_to_tensor(sequence_length, name="sequence_length")
    old = _flat(state)[0]
    leaves, pack = _flat(new_state)
    return (_map(lambda o: where(done, zeros_like(o), o), output),
            pack([where(done, a, b) for a, b in zip(old, leaves)]))


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The RNN unrolled: `inputs` is a list of [batch, depth] tensors, one per step. Returns (outputs, state)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("inputs must be a non-empty list of tensors, one per time step")
    with variable_scope(scope or "rnn"):
        first = convert_to_tensor(_flat(inputs[0])[0][0])
        state = _initial_state(cell, initial_state, _batch_size(first, 0), dtype)
        outputs = []
        for t, x in enumerate(inputs):
            output, new_state = cell(x, state)
            output, new_state = _past_the_end(t, sequence_length, output, state, new_state)
            outputs.append(output)
            state = new_state
    return outputs, state


@defop("ReverseSequence", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)],
       grad=lambda op, g: [reverse_sequence(g, op.inputs[1], op.attrs["seq_axis"], op.attrs["batch_axis"]), None])
def _reverse_sequence(x, lengths, *, seq_axis, batch_axis):
    out = x.copy()
    for b, n in enumerate(np.asarray(lengths)):
        index = [slice(None)] * x.ndim
        index[batch_axis], index[seq_axis] = b, slice(0, int(n))
        out[tuple(index)] = np.flip(x[tuple(index)], axis=seq_axis - (batch_axis < seq_axis))
    return out


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None, batch_dim=None):
    """Reverses the first seq_lengths[b] steps (along `seq_axis`) of each example b (along `batch_axis`)."""
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim or 0)
    return apply("ReverseSequence", [input, seq_lengths], name, arg_names=("input", "seq_lengths"),
                 same_dtype=False, attrs={"seq_axis": int(seq_axis), "batch_axis": int(batch_axis)})


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """A forward RNN and a backward RNN (on the sequences reversed, each within its length) over the same inputs.
    Returns ((outputs_fw, outputs_bw), (state_fw, state_bw)), the backward outputs in the inputs' order."""
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)

    def flip(x):
        if sequence_length is None:
            return reverse(x, [time_axis])
        return reverse_sequence(x, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            out_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                                           time_major=time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            out_bw, state_bw = dynamic_rnn(cell_bw, _map(flip, inputs), sequence_length,
                                           initial_state_bw, dtype, time_major=time_major, scope=bw_scope)
    return (out_fw, flip(out_bw)), (state_fw, state_bw)


rnn_cell = types.SimpleNamespace(  # tf.nn.rnn_cell (tf.contrib.rnn adds static_rnn: engine/contrib.py)
    RNNCell=RNNCell, BasicRNNCell=BasicRNNCell, BasicLSTMCell=BasicLSTMCell, LSTMCell=LSTMCell, GRUCell=GRUCell,
    MultiRNNCell=MultiRNNCell, DropoutWrapper=DropoutWrapper, ResidualWrapper=ResidualWrapper,
    LSTMStateTuple=LSTMStateTuple)
