"""`tf.function`: turns a Python function into a graph of the earlier chapters, and runs that graph.

The first call *traces* the function: it runs the Python code once with placeholders instead of tensors, inside a
`FuncGraph` (an ordinary engine `Graph`, so `engine.viz` draws it), and Python side effects such as `print` happen
only then. Later calls with the same *input signature* (shape and dtype of each tensor argument, value of each Python
argument) run the traced graph with a Session; a new signature traces again.

Variables the function uses are captured as `VariableV2` nodes of the graph that read and write the eager variable;
stateful ops (assignments, reads of variables, random numbers) run in program order, like TensorFlow's automatic
control dependencies.
"""
import functools
import inspect
import weakref

import numpy as np

from .. import dtypes as _dt
from ..errors import hinted
from ..framework import Graph, Operation, Tensor, convert_to_tensor, get_default_graph
from ..session import Session
from ..shapes import TensorShape, as_shape
from ..variables import Variable
from . import context
from .context import EagerTensor, capture, executing_eagerly, run_graph_eagerly
from .tape import flatten


def _fits(key, traced):
    """Whether a call with trace key `key` can reuse the trace made for `traced` (e.g. one made from
    `tf.TensorSpec([None])`, whose unknown dimensions accept any size)."""
    def same(a, b):
        return a == b or (a[0] == b[0] == "tensor" and a[2] == b[2] and len(a[1]) == len(b[1])
                          and all(t is None or t == d for d, t in zip(a[1], b[1])))
    return len(key) == len(traced) and all(same(a, b) for a, b in zip(key, traced))


# ---------------------------------------------------------------------------------------------------------------
# TensorSpec and the signature of a call
# ---------------------------------------------------------------------------------------------------------------


class TensorSpec:
    """Describes a tensor argument: `tf.TensorSpec(shape=[None, 3], dtype=tf.float32)` (None: any size)."""

    def __init__(self, shape, dtype=_dt.float32, name=None):
        self.shape, self.dtype, self.name = as_shape(shape), _dt.as_dtype(dtype), name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (other.shape, other.dtype,
                                                                                          other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


def _is_tensor_arg(x):
    return isinstance(x, (Tensor, np.ndarray, TensorSpec)) and not isinstance(x, Variable)


def _key(leaf):
    """What a call's argument contributes to the trace key: tensors by shape and dtype, variables by identity,
    Python values by value (so 2 and 2.0 share a trace, as in TensorFlow)."""
    if _is_tensor_arg(leaf):
        return ("tensor", tuple(as_shape(leaf.shape).dims or ()), _dt.as_dtype(leaf.dtype))
    if isinstance(leaf, Variable):
        return ("variable", id(leaf))
    try:
        hash(leaf)
        return ("python", leaf)
    except TypeError:
        return ("object", id(leaf))


# ---------------------------------------------------------------------------------------------------------------
# FuncGraph and ConcreteFunction
# ---------------------------------------------------------------------------------------------------------------


class FuncGraph(Graph):
    """The graph a traced function lives in: an ordinary Graph, plus its inputs and outputs."""

    def __init__(self, name):
        super().__init__()
        self.name = name
        self.seed = get_default_graph().seed
        self.inputs, self.outputs = [], []
        self.created_variables = []

    def __repr__(self):
        return f"<FuncGraph '{self.name}' with {len(self._ops)} ops>"


_STATELESS_STATEFUL = {"Placeholder", "VariableV2", "Const"}


def _order_effects(graph):
    """TensorFlow's automatic control dependencies: every op with a side effect (assignments, random numbers) or
    reading a variable (ReadVariableOp) runs after the previous one, in program order. Returns the last one (None if none).
    Ops inside a cond's branches or a loop's body are left alone: the `If` op runs them only when its branch is taken,
    the `While` op at each iteration."""
    in_branches = set()
    for op in graph._ops:
        if op.type in ("If", "While"):
            if op.type == "If":
                stop, outs = set(op.inputs[1:]), [t for outs in op.attrs["branches"] for t in outs]
            else:
                loop = op.attrs["loop"]
                stop = set(op.inputs) | set(loop.var_phs) | set(loop.slice_phs)
                outs = loop.next_vars + loop.stacked + loop.summed + [loop.cond] * (loop.cond is not None)
            stack = [t for t in outs if t not in stop]
            while stack:
                t = stack.pop()
                if t.op not in in_branches:
                    in_branches.add(t.op)
                    stack.extend(i for i in t.op.inputs if i not in stop)
    last = None
    for op in graph._ops:
        if op.op_def.stateful and op.type not in _STATELESS_STATEFUL and op not in in_branches:
            if last is not None and last not in op.control_inputs:
                op.control_inputs.append(last)
            last = op
    return last


class _CapturedVariables(dict):
    """A Session's variable store that reads and writes the eager variables a function captured."""

    def __init__(self, handles):
        super().__init__()
        self._handles = handles   # VariableV2 op of the function's graph -> handle op of the eager variable

    def __getitem__(self, op):
        return context.state._vars[self._handles[op]]

    def __setitem__(self, op, value):
        context.state._vars[self._handles[op]] = value

    def __contains__(self, op):
        return op in self._handles and self._handles[op] in context.state._vars


class ConcreteFunction:
    """One trace of a `tf.function`: its `graph`, the placeholders of its tensor arguments (`inputs`) and the
    tensors it returns (`outputs`). Calling it runs the graph in a Session (or, under a GradientTape, op by op so
    that the tape can differentiate it)."""

    def __init__(self, graph, structured_outputs, arg_specs):
        self.graph, self.structured_outputs = graph, structured_outputs
        self._arg_specs = arg_specs
        leaves, self._rebuild = flatten(structured_outputs)
        self._out_leaves = leaves
        self.outputs = [t for t in leaves if isinstance(t, Tensor)]
        self.inputs = list(graph.inputs)
        self._last_effect = _order_effects(graph)
        handles = graph.__dict__.get("_captured_variables", {})
        self._handles = {g_op.outputs[0]: h_op.outputs[0] for g_op, h_op in handles.items()}
        self._session = Session(graph=graph)
        self._session._vars = _CapturedVariables(handles)

    @property
    def variables(self):
        return [h for h in self._handles.values()]

    @property
    def name(self):
        return self.graph.name

    def __call__(self, *args, **kwargs):
        return self._call_flat([a for a in flatten((args, kwargs))[0] if _is_tensor_arg(a)])

    def _call_flat(self, values):
        """Runs the graph on the flat list of tensor arguments; returns the outputs in their structure."""
        if len(values) != len(self.inputs):
            raise TypeError(f"{self.name} expected {len(self.inputs)} tensor arguments, got {len(values)}.")
        fetches = self.outputs + ([self._last_effect] if self._last_effect is not None else [])
        if context.tapes.active and context._enabled():  # op by op, so the tape records every op
            feeds = dict(self._handles)
            for handle in self._handles.values():  # the function reads these variables
                for tape in context.tapes.active:
                    tape._variable_accessed(handle)
            for ph, v in zip(self.inputs, values):
                feeds[ph] = context.eager_value(v, ph.dtype)
            results = run_graph_eagerly(fetches, feeds)[:len(self.outputs)]
        else:
            arrays = self._run_numpy(values)
            results = [context.EagerTensor(context._frozen(a, t.dtype), t.dtype) for a, t in zip(arrays, self.outputs)]
            if not context._enabled():
                results = arrays
        it = iter(results)
        return self._rebuild([next(it) if isinstance(t, Tensor) else t for t in self._out_leaves])

    def _run_numpy(self, values):
        """The flat outputs as NumPy arrays, computed by the Session of this function (used by tf.data too)."""
        feeds = {ph: (v._value if isinstance(v, EagerTensor) else v) for ph, v in zip(self.inputs, values)}
        computed = [t for t in self.outputs if t not in feeds]  # an argument returned as is is not computed
        fetches = computed + ([self._last_effect] if self._last_effect is not None else [])
        got = dict(zip(computed, self._session.run(fetches, feeds))) if fetches else {}
        return [got[t] if t in got else np.asarray(feeds[t], dtype=t.dtype.np) for t in self.outputs]

    def __repr__(self):
        args = "\n".join(f"  {name}: {spec}" for name, spec in self._arg_specs)
        outs = ", ".join(str(TensorSpec(t.shape, t.dtype)) for t in self.outputs) or "None"
        return (f"ConcreteFunction Input Parameters:\n{args or '  None'}\nOutput Type:\n  {outs}\nCaptures:\n  "
                f"{', '.join(h.name for h in self.variables) or 'None'}")


# ---------------------------------------------------------------------------------------------------------------
# Function: the decorated Python function, with its cache of traces
# ---------------------------------------------------------------------------------------------------------------

_run_functions_eagerly = [False]


class Function:
    """What `@tf.function` returns: callable like the Python function; traces it once per input signature."""

    def __init__(self, python_function, input_signature=None, name=None):
        functools.update_wrapper(self, python_function)
        self.python_function = python_function
        self._signature = inspect.signature(python_function)
        self.input_signature = None if input_signature is None else tuple(input_signature)
        self._name = name or getattr(python_function, "__name__", "function")
        self._traces = {}        # trace key -> ConcreteFunction
        self._bound = weakref.WeakKeyDictionary()
        self._traced_variables = False

    # --- methods: `@tf.function` on a method gives each instance its own traces
    def __get__(self, instance, owner):
        if instance is None:
            return self
        try:
            bound = self._bound.get(instance)
        except TypeError:
            bound = None
        if bound is None:
            bound = Function(functools.partial(self.python_function, instance), self.input_signature, self._name)
            bound._signature = inspect.Signature(list(self._signature.parameters.values())[1:])
            try:
                self._bound[instance] = bound
            except TypeError:
                pass
        return bound

    def experimental_get_tracing_count(self):
        """How many times the Python function was traced."""
        return len(self._traces)

    # --- calling
    def __call__(self, *args, **kwargs):
        if _run_functions_eagerly[0] or not executing_eagerly():
            # tf.config.run_functions_eagerly(True), graph mode, or called while tracing: plain Python, whose ops go
            # wherever ops go now (eagerly, or inlined in the graph being built)
            return self.python_function(*args, **kwargs)
        concrete, leaves = self._concrete(args, kwargs)
        return concrete._call_flat([a for a in leaves if _is_tensor_arg(a)])

    def get_concrete_function(self, *args, **kwargs):
        """The trace for these arguments (tensors, or `tf.TensorSpec`s), tracing now if needed."""
        if not args and not kwargs and self.input_signature is not None:
            args = self.input_signature
        return self._concrete(args, kwargs)[0]

    def _bind(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(hinted(f"{self._name}() got bad arguments: {e}",
                                   "llama a la función con los mismos argumentos que su definición.")) from None
        bound.apply_defaults()
        return bound

    def _concrete(self, args, kwargs):
        if self.input_signature is not None:
            args, kwargs = self._check_signature(args, kwargs), {}
        bound = self._bind(args, kwargs)
        leaves, rebuild = flatten(list(bound.arguments.values()))
        key = ("input_signature",) if self.input_signature is not None else tuple(_key(leaf) for leaf in leaves)
        concrete = self._traces.get(key) or next((c for k, c in self._traces.items() if _fits(key, k)), None)
        if concrete is None:
            concrete = self._traces[key] = self._trace(bound, leaves, rebuild)
        return concrete, leaves

    def _check_signature(self, args, kwargs):
        """Arguments converted to tensors of `input_signature` (TypeError if they do not fit)."""
        values = list(args) + list(kwargs.values())
        if len(values) != len(self.input_signature):
            raise TypeError(f"{self._name}() takes {len(self.input_signature)} arguments (input_signature), "
                            f"got {len(values)}.")
        out = []
        for v, spec in zip(values, self.input_signature):
            if not isinstance(v, (Tensor, TensorSpec)):
                v = convert_to_tensor(v, dtype=None if isinstance(v, np.ndarray) else spec.dtype)
            if not spec.is_compatible_with(v):
                raise TypeError(hinted(
                    f"Binding inputs to tf.function `{self._name}` failed: Can not cast "
                    f"{TensorSpec(v.shape, v.dtype)} to {spec}.",
                    "el argumento no encaja con input_signature: revisa su forma y su dtype (usa tf.cast)."))
            out.append(v)
        return out

    def _trace(self, bound, leaves, rebuild):
        graph = FuncGraph(f"__inference_{self._name}_{len(self._traces)}")
        names = []
        for name, value in bound.arguments.items():
            names.extend([name] * len(flatten(value)[0]))
        specs = self.input_signature or [None] * len(leaves)
        with graph.as_default():
            from ..ops.array_ops import placeholder
            symbolic, arg_specs = [], []
            for i, (leaf, name) in enumerate(zip(leaves, names)):
                if _is_tensor_arg(leaf):
                    spec = specs[i] if isinstance(specs[i], TensorSpec) else leaf
                    ph = placeholder(_dt.as_dtype(spec.dtype), as_shape(spec.shape), name=name)
                    graph.inputs.append(ph)
                    symbolic.append(ph)
                    arg_specs.append((name, TensorSpec(ph.shape, ph.dtype)))
                else:
                    symbolic.append(leaf)
            bound.arguments.update(zip(bound.arguments, rebuild(symbolic)))
            out = self.python_function(*bound.args, **bound.kwargs)
            outputs = self._symbolic_outputs(graph, out)
        if graph.created_variables:
            if self._traced_variables:
                raise ValueError(hinted(
                    f"tf.function only supports singleton tf.Variables created on the first call. Make sure the "
                    f"tf.Variable is only created once or created outside tf.function ({self._name}).",
                    "crea las variables fuera de la función (p. ej. en __init__) o solo en la primera llamada."))
        self._traced_variables = True
        return ConcreteFunction(graph, outputs, arg_specs)

    @staticmethod
    def _symbolic_outputs(graph, out):
        leaves, rebuild = flatten(out)
        fixed = []
        for leaf in leaves:
            if isinstance(leaf, Variable):
                leaf = leaf.value()
            if isinstance(leaf, EagerTensor):
                leaf = capture(graph, leaf)
            if isinstance(leaf, Operation):
                leaf = None
            fixed.append(leaf)
        return rebuild(fixed)


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_relax_shapes=None, name=None, **unused):
    """`@tf.function`: the function is traced into a graph on its first call and the graph runs afterwards.
    `input_signature=[tf.TensorSpec([None], tf.float32)]` fixes the accepted inputs (one trace)."""
    if func is None:
        return lambda f: Function(f, input_signature, name)
    return Function(func, input_signature, name)
