"""The graph model: `Graph`, `Operation`, `Tensor`, name scopes, and the registry of op definitions.

A program first *builds* a graph (every `engine.add(...)` call adds an `Operation` whose outputs are symbolic
`Tensor`s), then *runs* parts of it in a `Session`. Each op type is defined once with `defop`: its forward
computation in NumPy, its static shape/dtype inference, and its gradient, side by side.
"""
import contextlib
import os
import re
import sys
import threading

import numpy as np

from . import dtypes as _dt
from .errors import hinted
from .shapes import TensorShape, as_shape

# ----------------------------------------------------------------------------------------------------------------
# Op definitions
# ----------------------------------------------------------------------------------------------------------------


class OpDef:
    """How one op type computes (`forward`), infers its outputs (`infer`) and differentiates (`grad`).

    forward(*input_values, **attrs) -> value, or a tuple of values for several outputs.
        A `stateful` op (variables, random numbers, summaries) gets the running session first: forward(sess, op, *values).
    infer(inputs, attrs) -> [(TensorShape, DType), ...], one pair per output; raises ValueError/TypeError on bad input.
    grad(op, *output_grads) -> one gradient Tensor (or None) per input. `grad=None` marks the op as not differentiable.
    ref_inputs: indices of inputs taken by reference (a variable, not its value): never evaluated.
    writes: the op writes into its ref inputs (Assign, ApplyAdam...); a run schedules writes after the reads it can.
    broadcasts: the inputs may be broadcast against each other (x + y); their gradients are then summed back to each
        input's shape, in one place (`engine.gradients`), so no gradient function deals with broadcasting.
        "batch": only the leading dimensions broadcast, the last two are matrices (MatMul).
    """

    __slots__ = ("type", "forward", "infer", "grad", "stateful", "ref_inputs", "writes", "broadcasts")

    def __init__(self, type, forward, infer, grad=None, stateful=False, ref_inputs=(), writes=False,
                 broadcasts=False):
        self.type, self.forward, self.infer, self.grad = type, forward, infer, grad
        self.stateful, self.ref_inputs, self.writes, self.broadcasts = stateful, ref_inputs, writes, broadcasts


OPS = {}


def defop(type, infer, grad=None, stateful=False, ref_inputs=(), writes=False, broadcasts=False):
    """Decorator registering `forward` as the computation of op `type` (see OpDef)."""
    def register(forward):
        if type in OPS:
            raise ValueError(f"Op type {type!r} is defined twice")
        OPS[type] = OpDef(type, forward, infer, grad, stateful, ref_inputs, writes, broadcasts)
        return forward
    return register


def set_grad(type, grad):
    """Registers a gradient for an op type defined elsewhere (used for ops built before `gradients` exists)."""
    OPS[type].grad = grad


# ----------------------------------------------------------------------------------------------------------------
# Where an op was created
# ----------------------------------------------------------------------------------------------------------------

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_frame():
    """(filename, line) of the innermost frame outside the engine: the student's line."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_ENGINE_DIR):
        f = f.f_back
    return (f.f_code.co_filename, f.f_lineno) if f is not None else ("<unknown>", 0)


def describe_location(filename, line):
    """'File "x.py", line 3' or, inside a notebook, 'cell [5], line 3' (IPython's execution counter)."""
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None and hasattr(ip, "get_ipython") else None
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {}) if shell is not None else {}
    if filename in cells:
        return f"cell [{cells[filename]}], line {line}"
    return f'File "{filename}", line {line}'


# ----------------------------------------------------------------------------------------------------------------
# Tensor, Operation
# ----------------------------------------------------------------------------------------------------------------


NUMPY_NEEDS_VALUES = ("las funciones de NumPy necesitan valores y un tensor del grafo no lo tiene: usa la operación "
                      "de tf (tf.exp en vez de np.exp, tf.reduce_sum en vez de np.sum...) o ejecuta antes el tensor "
                      "con sess.run(t) y aplica NumPy al resultado.")


class Tensor:
    """A symbolic handle to one output of an `Operation`. It has a name, a dtype and a static shape, but no value:
    the value exists only while a `Session` runs the graph."""

    __array_priority__ = 100  # NumPy defers to our operators: np.float32(2) * t builds a Mul

    def __init__(self, op, value_index, dtype, shape):
        self.op, self.value_index, self.dtype, self._shape = op, value_index, dtype, shape

    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(shape)

    @property
    def device(self):
        return self.op.device

    def consumers(self):
        return [op for op in self.op.graph._ops if any(t is self for t in op.inputs)]

    def eval(self, feed_dict=None, session=None):
        """The value of this tensor in `session` (default: the default session)."""
        return _session_for(self, session, "eval").run(self, feed_dict)

    def __repr__(self):
        return f'<tf.Tensor \'{self.name}\' shape={self._shape} dtype={self.dtype.name}>'

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self.dtype.name})'

    def __bool__(self):
        raise TypeError(hinted(
            "Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` instead of `if t:` "
            "to test if a tensor is defined, and use TensorFlow ops such as tf.cond to execute subgraphs "
            "conditioned on the value of a tensor.",
            "un tensor no tiene valor hasta que una sesión lo ejecuta; usa tf.cond o tf.where."))

    def __iter__(self):
        raise TypeError(hinted(
            f"Iterating over a symbolic `tf.Tensor` ({self.name}) is not allowed in graph execution.",
            "usa tf.unstack(t) para obtener sus partes, o sess.run(t) para tener un array de NumPy."))

    def __len__(self):
        raise TypeError(hinted(
            f"len is not well defined for a symbolic Tensor ({self.name}). Please call `x.shape` rather than `len(x)`.",
            "usa t.shape[0] (forma estática) o tf.shape(t)[0] (forma al ejecutar)."))

    def __array__(self, dtype=None, copy=None):
        # np.exp(t), np.sum(t), np.array(t)... all end here, as in TensorFlow
        raise NotImplementedError(hinted(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. This error may indicate that "
            "you're trying to pass a Tensor to a NumPy call, which is not supported.", NUMPY_NEEDS_VALUES))

    __hash__ = object.__hash__  # by identity (and as fast as it gets: tensors are dictionary keys everywhere)

    def __eq__(self, other):  # graph mode: identity, as in TensorFlow 1.x (use tf.equal for element-wise)
        return self is other

    def __ne__(self, other):
        return self is not other

    def _as_graph_element(self):
        return self


class Operation:
    """A node of the graph: an op `type` (e.g. `AddV2`), a unique `name`, input tensors and output tensors."""

    def __init__(self, graph, type, name, inputs, attrs, control_inputs, created_at):
        self.graph, self.type, self.name = graph, type, name
        self.inputs, self.attrs = tuple(inputs), attrs
        self.control_inputs = list(control_inputs)
        self.outputs = []
        self._created_at = created_at
        self._id = len(graph._ops)
        self._device = ""

    @property
    def created_at(self):
        return describe_location(*self._created_at)

    @property
    def node_def(self):
        return self

    @property
    def op_def(self):
        return OPS[self.type]

    @property
    def device(self):
        """Where `tf.device` asked this op to run ('/device:GPU:0'); recorded only: the engine runs on the CPU."""
        return self._device

    def get_attr(self, name):
        return self.attrs[name]

    def run(self, feed_dict=None, session=None):
        """Runs this op in `session` (default: the default session)."""
        _session_for(self, session, "run").run(self, feed_dict)

    def __repr__(self):
        ins = ", ".join(t.name for t in self.inputs)
        return f"<tf.Operation '{self.name}' type={self.type}{' inputs=' + ins if ins else ''}>"

    __str__ = __repr__

    def _as_graph_element(self):
        return self


def _session_for(element, session, verb):
    from .session import get_default_session  # session.py imports this module
    session = session or get_default_session()
    if session is None:
        raise ValueError(hinted(
            f"Cannot {'evaluate tensor' if verb == 'eval' else 'execute operation'} using `{verb}()`: No default "
            "session is registered. Use `with sess.as_default()` or pass an explicit session to "
            f"`{verb}(session=sess)`",
            f"{verb}() necesita una sesión por defecto: escribe `with tf.Session() as sess:` y llama a {verb}() "
            f"dentro del bloque, usa tf.InteractiveSession(), o llama a sess.run(...)."))
    if session.graph is not element.graph:
        raise ValueError(f"Cannot use the given session to {'evaluate tensor' if verb == 'eval' else 'execute operation'}:"
                         f" the {'tensor' if verb == 'eval' else 'operation'}'s graph is different from the session's graph.")
    return session


# ----------------------------------------------------------------------------------------------------------------
# Graph
# ----------------------------------------------------------------------------------------------------------------


# TensorFlow's rules for names: letters without accents, digits and _ . - / > (a name may not start with _ - /).
_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")  # inside a scope, any of them may come first
_NAME_HINT = ("los nombres solo admiten letras sin tildes ni ñ, dígitos y los signos _ . - / (sin espacios), y no "
              "empiezan por _ ni -: p. ej. name='perdida' en lugar de 'pérdida'.")


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    TRAIN_OP = "train_op"
    VARIABLES = GLOBAL_VARIABLES


class Graph:
    """A TensorFlow computation: a list of Operations connected by Tensors, built once, run many times."""

    def __init__(self):
        self._ops = []
        self._by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []
        self._device_stack = []          # tf.device: device specs (dicts) or device functions, innermost last
        self._collections = {}
        self._finalized = False
        self.seed = None
        self._vars_by_name = {}          # get_variable's store: full name -> Variable
        self._var_scopes = []            # stack of variable_scope objects (see variables.py)
        self._var_scope_names = set()    # variable scope names opened so far

    # --- building
    def unique_name(self, name, mark_as_used=True):
        """TensorFlow's rule: 'Add', 'Add_1', 'Add_2'... case-insensitively, inside the current name scope."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a name scope; yields its prefix ('outer/inner/'). A name ending in '/' re-enters that scope exactly."""
        old = self._name_stack
        pattern, kind = (_VALID_SCOPE_NAME, "scope name") if old else (_VALID_OP_NAME, "root scope name")
        if name and not pattern.match(name):
            raise ValueError(hinted(f"'{name}' is not a valid {kind}. A {kind} has to match the following pattern: "
                                    f"{pattern.pattern}", _NAME_HINT))
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield new + "/" if new else ""
        finally:
            self._name_stack = old

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after `control_inputs` have run. `None` clears the outer dependencies."""
        if control_inputs is None:
            old, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = old
            return
        ops = []
        for c in control_inputs:
            c = getattr(c, "_as_graph_element", lambda: c)()
            ops.append(c.op if isinstance(c, Tensor) else c)
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    def create_op(self, type, inputs, attrs, name, outputs, created_at=None):
        """Adds an op whose (shape, dtype) outputs are already inferred. `name` is final if it ends with '/'."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        name = name[:-1] if name.endswith("/") else self.unique_name(name)
        if not _VALID_OP_NAME.match(name):
            raise ValueError(hinted(f"`{name}` is not a valid node name. Accepted names conform to Regex "
                                    f"/{_VALID_OP_NAME.pattern}/", _NAME_HINT))
        controls = [op for ops in self._control_stack for op in ops]
        op = Operation(self, type, name, inputs, attrs, controls, created_at or _user_frame())
        op.outputs = [Tensor(op, i, dtype, shape) for i, (shape, dtype) in enumerate(outputs)]
        if self._device_stack:
            op._device = _device_of(op, self._device_stack)
        self._ops.append(op)
        self._by_name[name] = op
        return op

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """`with g.device('/gpu:0'):` records that the ops created inside should run there (`op.device`). Inner specs
        fill in or override the outer ones; None clears them; a function op -> spec decides per op."""
        spec = device_name_or_function
        self._device_stack.append(spec if spec is None or callable(spec) else _parse_device(spec))
        try:
            yield
        finally:
            self._device_stack.pop()

    def finalize(self):
        """Makes the graph read-only: adding an op afterwards raises RuntimeError (catches ops built in loops)."""
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    @property
    def version(self):
        return len(self._ops)

    # --- queries
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        if name not in self._by_name:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        return self._by_name[name]

    def get_tensor_by_name(self, name):
        if not isinstance(name, str) or ":" not in name:
            raise ValueError(hinted(f"The name {name!r} looks like an (invalid) Operation name, not a Tensor. "
                                    "Tensor names must be of the form \"<op_name>:<output_index>\".",
                                    f"el tensor lleva el número de salida: get_tensor_by_name('{name}:0'); sin él, "
                                    f"'{name}' es la operación (get_operation_by_name)."))
        op_name, index = name.rsplit(":", 1)
        if op_name not in self._by_name:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. "
                           f"The operation, {op_name!r}, does not exist in the graph.")
        outputs = self._by_name[op_name].outputs
        if not index.isdigit() or int(index) >= len(outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation, {op_name!r}, "
                           f"exists but only has {len(outputs)} outputs.")
        return outputs[int(index)]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation, Variable or name string to an element of this graph."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        conv = getattr(obj, "_as_graph_element", None)
        if conv is None:
            raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")
        elem = conv()
        if elem.graph is not self:
            raise ValueError(f"{elem} is not an element of this graph.")
        return elem

    # --- collections
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        return [v for v in items if getattr(v, "name", "").startswith(scope)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return list(self._collections)

    # --- default graph
    def as_default(self):
        """`with g.as_default():` makes `g` the graph new ops go to (per thread, nestable)."""
        return _default_graphs.scope(self)

    def __repr__(self):
        return f"<engine.Graph with {len(self._ops)} ops>"

    def as_graph_def(self, add_shapes=False):
        """The graph as a TensorFlow `GraphDef` protocol buffer (needs the `tensorboard` package)."""
        from .summary import as_graph_def
        return as_graph_def(self, add_shapes)


class _DefaultStack(threading.local):
    """Per-thread stack of default graphs, with one global graph at the bottom."""

    def __init__(self):
        self.stack = []

    @contextlib.contextmanager
    def scope(self, graph):
        self.stack.append(graph)
        try:
            yield graph
        finally:
            self.stack.pop()


_default_graphs = _DefaultStack()
_global_graph = Graph()


def get_default_graph():
    stack = _default_graphs.stack
    return stack[-1] if stack else _global_graph


def reset_default_graph():
    """Clears the global default graph (a new empty Graph)."""
    global _global_graph
    if _default_graphs.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you need a cleared graph, "
                             "exit the nesting and create a new graph.")
    _global_graph = type(_global_graph)()  # (with eager execution on, a new eager context: engine/eager)


def name_scope(name, default_name=None, values=None):
    """`with tf.name_scope("capa1"):` prefixes the names of the ops created inside: 'capa1/MatMul'."""
    graph = _graph_of(values) if values else get_default_graph()
    return graph.name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def get_collection(name, scope=None):
    return get_default_graph().get_collection(name, scope)


def get_collection_ref(name):
    return get_default_graph().get_collection_ref(name)


def device(device_name_or_function):
    """`with tf.device('/gpu:0'):` places the ops created inside (recorded in `op.device`; the engine has only the
    CPU and runs them there, whatever the name)."""
    return get_default_graph().device(device_name_or_function)


_DEVICE_FIELDS = ("job", "replica", "task", "device")


def _parse_device(spec):
    """'/job:w/task:1/device:GPU:0' or '/gpu:0' -> {'job': 'w', 'task': '1', 'device': 'GPU:0'}."""
    if hasattr(spec, "to_string"):
        spec = spec.to_string()
    if not isinstance(spec, str):
        raise TypeError(f"tf.device expects a device name (a string), a function or None, got {spec!r}")
    fields = {}
    for part in filter(None, spec.split("/")):
        key, _, value = part.partition(":")
        if key.lower() in ("cpu", "gpu", "tpu"):
            key, value = "device", f"{key.upper()}:{value or '*'}"
        elif key == "device":
            kind, _, index = value.partition(":")
            value = f"{kind.upper()}:{index or '*'}"
        if key not in _DEVICE_FIELDS or not value:
            raise ValueError(hinted(f"Unknown attribute: '{key}' in '{spec}'",
                                    "un dispositivo se escribe como '/cpu:0', '/gpu:0' o '/device:GPU:0'."))
        fields[key] = value
    return fields


def _device_of(op, stack):
    """The device string of a new op: the specs of the enclosing `tf.device` blocks merged, inner ones winning."""
    fields = {}
    for spec in stack:
        if spec is None:
            fields = {}
        elif callable(spec):
            fields = {**fields, **_parse_device(spec(op) or "")}
        else:
            fields = {**fields, **spec}
    return "".join(f"/{key}:{fields[key]}" for key in _DEVICE_FIELDS if key in fields)


# ----------------------------------------------------------------------------------------------------------------
# Building ops: conversion of inputs, shape inference, eager hook
# ----------------------------------------------------------------------------------------------------------------

eager_runner = None  # set by engine.eager when eager execution is enabled: runs ops at once


def _graph_of(values):
    """The graph of the first tensor among `values`, else the default graph; mixing graphs is an error."""
    graph = None
    for v in _flat(values):
        elem = getattr(v, "_as_graph_element", None)
        if elem is None:
            continue
        g = getattr(elem(), "graph", None)
        if g is None:
            continue
        if graph is None:
            graph = g
        elif g is not graph:
            raise ValueError(hinted(
                f"Tensor {elem().name} must be from the same graph as the other inputs.",
                "cada grafo es independiente: crea todos los tensores dentro del mismo `with g.as_default():`."))
    return graph or get_default_graph()


def _flat(values):
    for v in values if isinstance(values, (list, tuple)) else [values]:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_graph_element") and isinstance(x._as_graph_element(), Tensor)


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None):
    """A Tensor for `value`: a Tensor stays itself (its dtype must match), a Variable gives its value,
    anything else becomes a `Const` op (Python ints -> int32, floats -> float32)."""
    if isinstance(value, Tensor):
        t = value
    elif hasattr(value, "_as_graph_element") and not isinstance(value, Operation):
        t = value._as_graph_element()
        if hasattr(value, "value") and callable(value.value):  # a Variable: its snapshot
            t = value.value()
    elif isinstance(value, Operation):
        raise TypeError(hinted(f"Can't convert Operation '{value.name}' to Tensor (target dtype={dtype}, "
                               f"name={name}, as_ref=False)",
                               "una operación (p. ej. un paso de entrenamiento) no tiene valor; usa su salida op.outputs[0]."))
    else:
        from .ops.array_ops import constant
        if dtype is None and preferred_dtype is not None:
            try:
                return constant(value, dtype=preferred_dtype, name=name or "Const")
            except (TypeError, ValueError):
                pass
        return constant(value, dtype=dtype, name=name or "Const")
    if dtype is not None and t.dtype != _dt.as_dtype(dtype):
        raise ValueError(f"Tensor conversion requested dtype {_dt.as_dtype(dtype).name} for Tensor with dtype "
                         f"{t.dtype.name}: {t}")
    return t


def _mixed_dtypes_hint(a, b):
    """The Pista for two inputs of dtypes `a` and `b`: an integer mixed with a float becomes a float."""
    floats = [d for d in (a, b) if d.is_floating]
    if floats and any(d.is_integer for d in (a, b)):
        return (f"no se pueden mezclar {a.name} y {b.name} en una operación: pasa el tensor entero a decimal con "
                f"tf.cast(entero, tf.{floats[0].name}), o escribe la constante con punto decimal (3.0 en vez de 3).")
    return (f"no se pueden mezclar {a.name} y {b.name} en una operación: convierte uno al tipo del otro con "
            f"tf.cast(t, tf.{a.name}), o crea la constante con dtype=tf.{a.name}.")


def convert_inputs(values, arg_names, op_type, dtype=None):
    """Converts the inputs of an op that needs one common dtype (TensorFlow's type attr `T`).

    As in TensorFlow, the inputs are converted in order and the first one fixes the dtype: a Python value after a
    Tensor takes the Tensor's dtype (so `x + 1` works for a float `x`), one before any Tensor gets its own (int32,
    float32), and two different dtypes are a TypeError (there is no silent int/float mixing)."""
    tensors, fixed = [], dtype  # `dtype`: the dtype every input must have (bool for LogicalAnd), else None
    for v, arg in zip(values, arg_names):
        if is_tensor(v):
            t = convert_to_tensor(v)
            if fixed is not None and t.dtype != fixed:
                raise TypeError(hinted(f"Input '{arg}' of '{op_type}' Op has type {t.dtype.name} that does not match "
                                       f"expected type of {fixed.name}.", _mixed_dtypes_hint(fixed, t.dtype)))
        else:
            try:
                t = convert_to_tensor(v, dtype=dtype, name=arg)
            except (TypeError, ValueError) as e:
                if dtype is None or "Cannot convert" in str(e):
                    raise
                raise TypeError(hinted(
                    f"Expected {dtype.name} passed to parameter '{arg}' of op '{op_type}', got {v!r} of type "
                    f"'{type(v).__name__}' instead. Error: {e}",
                    "TensorFlow no convierte tipos en silencio: usa tf.cast o escribe el número con el tipo adecuado "
                    "(p. ej. 2.0 en lugar de 2).")) from None
        if dtype is None:
            dtype = t.dtype
        tensors.append(t)
    first = tensors[0].dtype if tensors else None
    if arg_names and arg_names[0].endswith("_0") and any(t.dtype != first for t in tensors):  # a list argument
        raise TypeError(hinted(f"Tensors in list passed to '{arg_names[0][:-2]}' of '{op_type}' Op have types "
                               f"[{', '.join(t.dtype.name for t in tensors)}] that don't all match.",
                               "todos los tensores de la lista deben tener el mismo dtype: convierte con tf.cast."))
    for t, arg in zip(tensors, arg_names):
        if t.dtype != first:
            raise TypeError(hinted(
                f"Input '{arg}' of '{op_type}' Op has type {t.dtype.name} that does not match type {first.name} of "
                f"argument '{arg_names[0]}'.",
                _mixed_dtypes_hint(first, t.dtype)))
    return tensors


def make_op(type, inputs, name, attrs=None, created_at=None):
    """Creates an op of a registered `type` on `inputs` (Tensors) and returns its Operation.

    Runs the op's static inference first, so shape and dtype errors surface here, where the student wrote the line."""
    opdef = OPS[type]
    attrs = attrs or {}
    created_at = created_at or _user_frame()
    try:
        outputs = opdef.infer(inputs, attrs)
    except (ValueError, TypeError) as e:
        op_name = name[:-1] if name.endswith("/") else name
        message, pista, hint = str(e).partition("\n\nPista: ")  # where the op was made, then the hint
        raise type_of(e)(f"{message} (op '{op_name}', type {type}) created at {describe_location(*created_at)}"
                         f"{pista}{hint}") from None
    if eager_runner is not None:
        return eager_runner(opdef, inputs, attrs, outputs, name)
    graph = _graph_of(list(inputs)) if inputs else get_default_graph()
    return graph.create_op(type, inputs, attrs, name, outputs, created_at)


def type_of(e):
    return type(e) if type(e) in (ValueError, TypeError) else ValueError


def apply(type, inputs, name=None, default_name=None, attrs=None, arg_names=None, dtype=None, same_dtype=True):
    """The usual way a public function builds an op: open the name scope (`Add`, `Add_1`...), convert Python inputs
    into constants inside it (`Add/x`, `Add/y`), check dtypes, create the op. Returns its outputs
    (one Tensor, or a list for ops with several outputs)."""
    default_name = default_name or type
    arg_names = arg_names or ("x", "y", "z", "w")[:len(inputs)]
    graph = _graph_of(list(inputs))
    with graph.as_default(), graph.name_scope(name if name is not None else default_name) as scope:
        if same_dtype:
            tensors = convert_checked(inputs, arg_names, type, dtype)
        else:
            tensors = [convert_to_tensor(v, name=a) for v, a in zip(inputs, arg_names)]
        op = make_op(type, tensors, scope, attrs)
    outs = op.outputs
    return outs[0] if len(outs) == 1 else outs


def convert_checked(values, arg_names, op_type, dtype=None):
    """`convert_inputs`, failing as TensorFlow does: each input in order, the first against the op's list of dtypes
    and the next ones against the first, so `tf.subtract(True, x)` names the bool, not a mismatch with `x`."""
    try:
        return convert_inputs(values, arg_names, op_type, dtype)
    except TypeError:
        if dtype is None:  # (with one fixed dtype, convert_inputs checks the inputs in order itself)
            _first_dtype_error(op_type, values)
        raise


def _first_dtype_error(type, inputs):
    """The op's own TypeError for the dtype of its first input, if that dtype is not in its list."""
    try:
        first = convert_to_tensor(inputs[0])
        OPS[type].infer([first] * len(inputs), {})
    except TypeError as e:
        if str(e).startswith("Value passed to parameter"):
            raise e from None
    except Exception:  # noqa: BLE001 (an infer that needs more than its inputs' dtypes: nothing to say here)
        pass


# ----------------------------------------------------------------------------------------------------------------
# Shape inference helpers shared by many ops
# ----------------------------------------------------------------------------------------------------------------


def broadcast_shape(a, b):
    """NumPy broadcasting on static shapes, with unknown dimensions; ValueError naming both shapes."""
    a, b = as_shape(a), as_shape(b)
    if a.dims is None or b.dims is None:
        return TensorShape(None)
    da, db = list(a.dims), list(b.dims)
    n = max(len(da), len(db))
    da, db = [1] * (n - len(da)) + da, [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y:
            out.append(x)
        elif x is None or y is None:  # the known one if it is > 1 (an unknown 1 would not change it), else unknown
            known = x if y is None else y
            out.append(known if known > 1 else None)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}: incompatible shapes for broadcasting: "
                             f"{a.bracket_str()} and {b.bracket_str()}")
    return TensorShape(out)


def same_as_input(inputs, attrs):
    """Unary element-wise op: output like the input."""
    return [(inputs[0].shape, inputs[0].dtype)]


def broadcasting(inputs, attrs):
    """Binary element-wise op: broadcast shape, input dtype."""
    shape = inputs[0].shape
    for t in inputs[1:]:
        shape = broadcast_shape(shape, t.shape)
    return [(shape, inputs[0].dtype)]


def comparison(inputs, attrs):
    return [(broadcasting(inputs, attrs)[0][0], _dt.bool)]


def static_value(t):
    """The value of a tensor known while building the graph (a Const, or the shape of a fully known tensor), else None."""
    if getattr(t, "_value", None) is not None:  # an eager tensor (engine/eager) knows its value
        return t._value
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=t.dtype.as_numpy_dtype)
    return None


# ----------------------------------------------------------------------------------------------------------------
# Rich display in Jupyter: a Graph, Tensor or Operation shows itself as a picture (drawn by engine.viz; issue 4)
# ----------------------------------------------------------------------------------------------------------------


def _repr_mimebundle_(self, include=None, exclude=None):
    from . import viz
    return viz.repr_mimebundle(self, include, exclude)


Graph._repr_mimebundle_ = Tensor._repr_mimebundle_ = Operation._repr_mimebundle_ = _repr_mimebundle_
