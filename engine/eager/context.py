"""Eager execution: every op runs as soon as it is called and returns a tensor that carries its value.

TensorFlow 2 runs ops at once ("eagerly") instead of adding them to a graph. Here it is the same engine: with eager
execution on, `framework.make_op` hands each op to `run_op` (the `eager_runner` hook), which calls the op's NumPy
`forward` right away and wraps the result in an `EagerTensor`. The ops, their shape inference and their gradients are
exactly the ones graph mode uses.

While a graph is being built (tracing a `tf.function`, or inside `with tf.Graph().as_default():`) ops go to that graph
again, as in TensorFlow 2; eager values used there are *captured* (constants, or the variable they belong to).
"""
import contextlib
import threading
import weakref

import numpy as np

from .. import dtypes as _dt
from .. import framework
from ..errors import InvalidArgumentError, OpError, ResourceExhaustedError, hinted
from ..framework import OPS, Graph, Tensor, _default_graphs, get_default_graph
from ..shapes import TensorShape

# ---------------------------------------------------------------------------------------------------------------
# The eager context: on/off, the default "graph" that only lends name scopes, and the state ops keep
# ---------------------------------------------------------------------------------------------------------------


class EagerGraph(Graph):
    """The default graph while eager execution is on. It never holds ops: it only lends its name scopes, and keeps
    no record of used names (TensorFlow 2 does not make eager names unique, and a long loop must not grow memory)."""

    def unique_name(self, name, mark_as_used=True):
        return self._name_stack + "/" + name if self._name_stack else name

    def create_op(self, *args, **kwargs):
        raise RuntimeError("Internal error: an op was added to the eager context instead of being run.")


class _RandomStreams(dict):
    """Random generators of eager ops, one stream per (graph seed, op seed): like TensorFlow 2, two calls of
    `tf.random.normal` after `tf.random.set_seed(s)` give different numbers, and the same ones after a new set_seed."""

    def get(self, op, default=None):
        return super().get(op.attrs["seeds"], default)

    def __setitem__(self, op, rng):
        super().__setitem__(op.attrs["seeds"], rng)


class _State:
    """What stateful ops expect from a Session (`forward(sess, op, ...)`): variable values and random streams."""

    def __init__(self):
        self._vars = weakref.WeakKeyDictionary()   # variable handle op -> current value (freed with the variable)
        self._rngs = _RandomStreams()


state = _State()


def _enabled():
    return framework.eager_runner is run_op


def executing_eagerly():
    """True when ops run at once: eager execution is on and no graph is being built (e.g. tracing a tf.function)."""
    return _enabled() and isinstance(get_default_graph(), EagerGraph)


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Makes ops run at once, as in TensorFlow 2 (call it at the start of the program, before building ops)."""
    from .. import variables
    from .variables import EagerVariable
    if _enabled():
        return
    if get_default_graph().get_operations():
        raise ValueError(hinted("tf.enable_eager_execution must be called at program startup.",
                                "activa la ejecución inmediata antes de crear operaciones (o reinicia el kernel)."))
    framework.eager_runner = run_op
    framework._global_graph = EagerGraph()
    variables.eager_variable_class = EagerVariable


def disable_eager_execution():
    """Back to graph mode (TensorFlow 1.x): ops are added to the default graph and run in a Session."""
    from .. import variables
    framework.eager_runner = None
    framework._global_graph = Graph()
    variables.eager_variable_class = None
    state._rngs.clear()


@contextlib.contextmanager
def init_scope():
    """Leaves the graphs being built, back to the eager context: variables made while tracing a tf.function are
    created (and initialized) here, once, as in TensorFlow."""
    stack = _default_graphs.stack
    if not _enabled() or not stack:
        yield
        return
    saved = stack[:]
    del stack[:]
    try:
        yield
    finally:
        stack[:] = saved


# ---------------------------------------------------------------------------------------------------------------
# EagerTensor and EagerOperation
# ---------------------------------------------------------------------------------------------------------------


class EagerOperation:
    """What an op run eagerly leaves behind: type, attrs, inputs and outputs (gradient functions read these)."""

    __slots__ = ("type", "name", "inputs", "attrs", "outputs", "__weakref__")
    graph = None
    control_inputs = ()

    def __init__(self, type, name, inputs, attrs):
        self.type, self.name, self.inputs, self.attrs, self.outputs = type, name, tuple(inputs), attrs, []

    def get_attr(self, name):
        return self.attrs[name]

    @property
    def op_def(self):
        return OPS[self.type]

    @property
    def created_at(self):
        return framework.describe_location(*framework._user_frame())

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type} (eager)>"


def _numpy_text(value, is_repr):
    if is_repr and np.isscalar(value) and not isinstance(value, bytes):
        value = value.item()  # `numpy=21.0`, not `numpy=np.float32(21.0)`
    text = repr(value) if is_repr else str(value)
    return "\n" + text if "\n" in text else text


class EagerTensor(Tensor):
    """A tensor with a value: `.numpy()`, printing, Python conversions and all operators (they run at once)."""

    def __init__(self, value, dtype, op=None, value_index=0):
        self._value, self.dtype, self.op, self.value_index = value, dtype, op, value_index

    # --- description
    @property
    def shape(self):
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self._value.ndim

    def set_shape(self, shape):
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {shape}.")

    @property
    def name(self):
        raise AttributeError(hinted("Tensor.name is undefined when eager execution is enabled.",
                                    "en modo inmediato los tensores no tienen nombre; usa t.numpy() para ver su valor."))

    @property
    def graph(self):
        return get_default_graph()

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for 0-d tensors); a copy, so changing it does not change me."""
        v = self._value
        return v[()] if v.ndim == 0 else v.copy()

    def eval(self, feed_dict=None, session=None):
        return self.numpy()

    def __str__(self):
        return f"tf.Tensor({_numpy_text(self._value, False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self):
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_text(self.numpy(), True)}>"

    # --- Python conversions: an eager tensor has a value, so these work (they fail for graph tensors)
    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value, dtype=dtype) if dtype is not None else self._value.copy()

    def __bool__(self):
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, got dtype {self.dtype.name}")
        return int(self._value)

    def __format__(self, spec):
        return format(self.numpy(), spec) if self._value.ndim == 0 else format(str(self), spec)

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return len(self._value)

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(len(self._value)))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        from ..ops.array_ops import constant
        return constant, (self.numpy(), self.dtype)

    # --- equality is element-wise, as in TensorFlow 2, so tensors cannot be dict keys (use t.ref())
    def __eq__(self, other):
        from ..ops.math_ops import equal
        try:
            return equal(self, other)
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        from ..ops.math_ops import not_equal
        try:
            return not_equal(self, other)
        except (TypeError, ValueError):
            return True

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this tensor (for sets and dict keys); `.deref()` gives the tensor back."""
        return _Ref(self)

    experimental_ref = ref


class _Ref:
    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


def _frozen(value, dtype):
    """The value of an eager tensor: a read-only NumPy array of the tensor's dtype."""
    arr = np.asarray(value)
    if arr.dtype != dtype.np and dtype is not _dt.string:
        arr = arr.astype(dtype.np)
    arr.flags.writeable = False
    return arr


def eager_value(value, dtype=None):
    """An EagerTensor for a Python or NumPy value (or the tensor itself)."""
    if isinstance(value, EagerTensor):
        return value
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.infer(value)
    return EagerTensor(_frozen(np.array(value, dtype=dtype.np), dtype), dtype)  # a private copy


# ---------------------------------------------------------------------------------------------------------------
# Running one op: the eager_runner hook of framework.make_op
# ---------------------------------------------------------------------------------------------------------------


class _Tapes(threading.local):
    def __init__(self):
        self.active = []   # GradientTapes recording, innermost last


tapes = _Tapes()


def run_op(opdef, inputs, attrs, outputs, name):
    """framework's `eager_runner`: runs the op at once, or adds it to the graph being built."""
    graph = get_default_graph()
    if not isinstance(graph, EagerGraph):
        return _build_in_graph(graph, opdef, inputs, attrs, outputs, name)
    if opdef.type == "Placeholder":
        raise RuntimeError(hinted("tf.placeholder() is not compatible with eager execution.",
                                  "en modo inmediato no hay nada que alimentar después: usa valores directamente, o "
                                  "construye un grafo dentro de `with tf.Graph().as_default():`."))
    for t in inputs:
        if not isinstance(t, EagerTensor):
            raise TypeError(hinted(
                f"An op outside of the function building code is being passed a graph tensor {t!r}.",
                "ese tensor pertenece a un grafo (p. ej. un placeholder o un tensor de dentro de una tf.function); "
                "en modo inmediato usa valores (tf.constant) o ejecuta el grafo con una sesión."))
    return execute(opdef, inputs, attrs, [dtype for _, dtype in outputs], name)


def execute(opdef, inputs, attrs, dtypes, name):
    """Runs `opdef.forward` on the values of `inputs` (EagerTensors) and records the op on the active tapes."""
    op = EagerOperation(opdef.type, name[:-1] if name.endswith("/") else name, inputs, attrs)
    if opdef.type == "If":  # tf.cond in eager mode: both branches already ran; the op only picks one
        true_outs, false_outs = attrs["branches"]
        op.outputs = list(true_outs if inputs[0]._value else false_outs)
        return op
    ref = opdef.ref_inputs
    values = [t._value for i, t in enumerate(inputs) if i not in ref]
    try:
        result = opdef.forward(state, op, *values, **attrs) if opdef.stateful else opdef.forward(*values, **attrs)
    except OpError:
        raise
    except MemoryError:
        raise ResourceExhaustedError(None, op, f"OOM when computing {op.name}") from None
    except Exception as e:  # a NumPy error on bad values: name the op and where it was called
        raise InvalidArgumentError(None, op, f"{type(e).__name__}: {e}") from None
    results = (result,) if len(dtypes) == 1 else (result or ())
    op.outputs = [EagerTensor(_frozen(r, d), d, op, i) for i, (r, d) in enumerate(zip(results, dtypes))]
    if tapes.active and (opdef.grad is not None or not ref):  # not the writes to variables
        for tape in tapes.active:
            tape._record(op)
    return op


# ---------------------------------------------------------------------------------------------------------------
# Building a graph while eager execution is on: captures of eager values
# ---------------------------------------------------------------------------------------------------------------


def _build_in_graph(graph, opdef, inputs, attrs, outputs, name):
    inputs = [capture(graph, t) if isinstance(t, EagerTensor) else t for t in inputs]
    return graph.create_op(opdef.type, inputs, attrs, name, outputs, framework._user_frame())


class VariableHandle(EagerTensor):
    """The output of an eager variable's `VariableV2` op: its value is whatever the variable holds now."""

    def __init__(self, op, variable):
        self.op, self.value_index, self.dtype = op, 0, op.attrs["dtype"]
        self.variable = weakref.ref(variable)  # for tapes: is it trainable? which Variable to report?
        op.outputs = [self]

    @property
    def _value(self):
        return state._vars[self.op]

    @property
    def name(self):
        return self.op.name + ":0"

    @property
    def shape(self):
        return self.op.attrs["shape"]


def capture(graph, t):
    """The tensor of `graph` standing for the eager tensor `t`: a constant with its value, or for a variable a
    `VariableV2` op of the graph that reads and writes the eager variable's value when the graph runs."""
    captures = graph.__dict__.setdefault("_eager_captures", {})
    hit = captures.get(id(t))
    if hit is not None:
        return hit[1]
    saved, graph._name_stack = graph._name_stack, ""
    try:
        with graph.as_default(), framework.control_dependencies(None):
            if isinstance(t, VariableHandle):
                attrs = dict(t.op.attrs)
                g = graph.create_op("VariableV2", [], attrs, t.op.name, [(attrs["shape"], attrs["dtype"])],
                                    framework._user_frame()).outputs[0]
                graph.__dict__.setdefault("_captured_variables", {})[g.op] = t.op
            else:
                from ..ops.array_ops import constant
                g = constant(t._value, dtype=t.dtype)
    finally:
        graph._name_stack = saved
    captures[id(t)] = (t, g)
    return g


# ---------------------------------------------------------------------------------------------------------------
# Running (part of) a graph op by op, eagerly: for gradients and for functions called under a GradientTape
# ---------------------------------------------------------------------------------------------------------------


def run_graph_eagerly(fetches, feeds):
    """The EagerTensors of graph `fetches` (tensors or ops), running the ops they need one by one with `execute`,
    so that active tapes record them. `feeds` maps graph tensors to EagerTensors (placeholders, captures...)."""
    from ..session import _topological_order
    env = dict(feeds)
    roots = [f.op if isinstance(f, Tensor) else f for f in fetches if not (isinstance(f, Tensor) and f in env)]
    for op in _topological_order(roots, env):
        if op.type == "If":  # only the branch taken runs, so the tape sees only its ops
            pred, captured = env[op.inputs[0]], op.inputs[1:]
            branch = op.attrs["branches"][0 if pred._value else 1]
            outs = run_graph_eagerly(branch, {c: env[c] for c in captured})
        else:
            opdef = OPS[op.type]
            ins = [env[t] for t in op.inputs]
            outs = execute(opdef, ins, op.attrs, [t.dtype for t in op.outputs], op.name + "/").outputs
        env.update(zip(op.outputs, outs))
    return [env[f] if isinstance(f, Tensor) else None for f in fetches]
