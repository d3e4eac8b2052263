"""Variables: tensors whose value lives in a Session and survives between runs.

A `Variable` is a few ops (TensorFlow 1.x's layout): `Variable` (VariableV2, the storage), `Variable/initial_value`,
`Variable/Assign` (its initializer) and `Variable/read` (the value other ops use). Each Session keeps its own values:
two sessions never share them.
"""
import contextlib
import os
import time

import numpy as np

from . import dtypes as _dt
from . import saving
from .errors import FailedPreconditionError, InvalidArgumentError, NotFoundError, hinted
from .framework import NUMPY_NEEDS_VALUES, GraphKeys, Tensor, convert_to_tensor, defop, get_default_graph, make_op
from .initializers import glorot_uniform_initializer, zeros_initializer
from .ops.array_ops import constant, identity
from .ops.control_flow_ops import no_op
from .shapes import TensorShape, as_shape, merge

# ---------------------------------------------------------------------------------------------------------------
# The ops
# ---------------------------------------------------------------------------------------------------------------


@defop("VariableV2", lambda inputs, attrs: [(attrs["shape"], attrs["dtype"])], stateful=True)
def _variable(sess, op, *, shape, dtype):
    try:
        return sess._vars[op]
    except KeyError:
        raise FailedPreconditionError(
            None, op, f"Attempting to use uninitialized value {op.name}",
            "las variables empiezan sin valor en cada sesión: ejecuta primero "
            "sess.run(tf.global_variables_initializer()).") from None


def _store(sess, var_op, value, validate_shape=True, copy=True):
    """Makes `value` the variable's value in `sess`: read-only, and a private copy unless the caller computed a
    fresh array for it (`copy=False`, as optimizer updates do)."""
    attrs = var_op.attrs
    value = np.array(value, attrs["dtype"].np) if copy else np.asarray(value, attrs["dtype"].np)
    if validate_shape and not attrs["shape"].is_compatible_with(value.shape):
        raise InvalidArgumentError(None, var_op, f"Assign requires shapes of both tensors to match. lhs shape= "
                                   f"{attrs['shape'].bracket_str()} rhs shape= {list(value.shape)}")
    value.setflags(write=False)
    sess._vars[var_op] = value
    return value


def _assign_infer(inputs, attrs):
    ref, value = inputs
    if value.dtype != ref.dtype:
        raise TypeError(hinted(f"Input 'value' of 'Assign' Op has type {value.dtype.name} that does not match type "
                               f"{ref.dtype.name} of argument 'ref'.",
                               f"la variable es {ref.dtype.name}: asigna un valor de ese tipo (usa tf.cast)."))
    try:
        if attrs.get("validate_shape", True):
            merge(ref.shape, value.shape)  # (TensorFlow 1's words for the dimension that differs)
    except ValueError as e:
        raise ValueError(hinted(f"{e} Cannot assign a value of shape {value.shape} to variable '{ref.op.name}' of "
                                f"shape {ref.shape}: the shapes are incompatible.",
                                f"la variable tiene forma {ref.shape} y el valor {value.shape}: deben coincidir (una "
                                "variable no cambia de forma al asignarle; créala con la forma que "
                                "necesitas).")) from None
    return [(ref.shape if attrs.get("validate_shape", True) else value.shape, ref.dtype)]


@defop("Assign", _assign_infer, stateful=True, ref_inputs=(0,), writes=True)
def _assign(sess, op, value, *, validate_shape):
    return _store(sess, op.inputs[0].op, value, validate_shape)


def _assign_update_infer(inputs, attrs):
    """AssignAdd/AssignSub: Assign's checks, on a variable of numbers (TensorFlow has no kernel for bool)."""
    from .ops.math_ops import NUMBERS
    from .ops.array_ops import check_dtype
    check_dtype(inputs[0], NUMBERS, "ref")
    return _assign_infer(inputs, attrs)


def _update(sess, op, value, fn):
    """The variable of `op` updated to fn(its value, value): the two of the same shape, nothing broadcasts."""
    var = op.inputs[0].op
    old = _variable(sess, var, **var.attrs)
    if old.shape != np.shape(value):
        raise InvalidArgumentError(None, op, f"Cannot update variable with shape {TensorShape(old.shape).bracket_str()}"
                                             f" using a Tensor with shape {TensorShape(np.shape(value)).bracket_str()}, "
                                             "shapes must be equal.")
    return _store(sess, var, fn(old, value))


@defop("AssignAdd", _assign_update_infer, stateful=True, ref_inputs=(0,), writes=True)
def _assign_add(sess, op, value):
    return _update(sess, op, value, np.add)


@defop("AssignSub", _assign_update_infer, stateful=True, ref_inputs=(0,), writes=True)
def _assign_sub(sess, op, value):
    return _update(sess, op, value, np.subtract)


@defop("IsVariableInitialized", lambda inputs, attrs: [(TensorShape([]), _dt.bool)], stateful=True, ref_inputs=(0,))
def _is_initialized(sess, op):
    return np.bool_(op.inputs[0].op in sess._vars)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """An op that stores `value` into the variable `ref` when it runs, and outputs the new value."""
    attrs = {"validate_shape": True if validate_shape is None else bool(validate_shape)}
    return _assign_op("Assign", ref, value, name, attrs)


def assign_add(ref, value, use_locking=None, name=None):
    return _assign_op("AssignAdd", ref, value, name, {})


def assign_sub(ref, value, use_locking=None, name=None):
    return _assign_op("AssignSub", ref, value, name, {})


def _assign_op(type, ref, value, name, attrs):
    var_tensor = _variable_ref(ref, type)
    graph = var_tensor.graph
    with graph.as_default(), graph.name_scope(name or type) as scope:
        value = convert_to_tensor(value, dtype=None if _is_tensor_like(value) else var_tensor.dtype, name="value")
        return make_op(type, [var_tensor, value], scope, attrs).outputs[0]


def _variable_ref(ref, type):
    """The storage tensor of the variable `ref` that an op of `type` writes into (TypeError if not a variable)."""
    var_tensor = ref._variable if isinstance(ref, Variable) else ref
    if not isinstance(var_tensor, Tensor) or var_tensor.op.type != "VariableV2":
        raise TypeError(hinted(f"{type} needs a Variable to write into, got {ref!r}",
                               "solo las variables (tf.Variable) pueden cambiar de valor; las constantes no."))
    return var_tensor


def _is_tensor_like(v):
    return hasattr(v, "_as_graph_element")


# ---------------------------------------------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------------------------------------------


eager_variable_class = None  # set by engine.eager.enable_eager_execution (its EagerVariable subclass)


class Variable:
    """`tf.Variable(initial_value, trainable=True, name=None, dtype=None)`: state kept by each Session.

    Before use it must be initialized in the session (`sess.run(tf.global_variables_initializer())`)."""

    def __new__(cls, *args, **kwargs):
        # With eager execution on (engine/eager), `tf.Variable(...)` makes an eager variable instead.
        if cls is Variable and eager_variable_class is not None and eager_variable_class.wanted():
            cls = eager_variable_class
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None, aggregation=None,
                 shape=None, _exact_name=False):
        _require(initial_value)
        graph = get_default_graph()
        scope_name = (name or "Variable") + ("/" if _exact_name else "")
        with graph.name_scope(scope_name) as scope:
            if callable(initial_value):
                with graph.name_scope("Initializer"):
                    initial_value = initial_value()
            if _is_tensor_like(initial_value):
                init = convert_to_tensor(initial_value)
                if dtype is not None and init.dtype != _dt.as_dtype(dtype):
                    from .ops.array_ops import cast
                    init = cast(init, dtype)
            else:
                init = constant(initial_value, dtype=dtype, name="initial_value")
            var_shape = as_shape(shape) if shape is not None else (init.shape if validate_shape else TensorShape(None))
            self._variable = make_op("VariableV2", [], scope, {"shape": var_shape, "dtype": init.dtype}).outputs[0]
            self._initial_value = init
            self._initializer_op = make_op("Assign", [self._variable, init], "Assign",
                                           {"validate_shape": validate_shape})
            self._snapshot = identity(self._variable, name="read")
        self._trainable = trainable
        self._constraint = constraint
        for key in collections or [GraphKeys.GLOBAL_VARIABLES]:
            graph.add_to_collection(key, self)
        if trainable:
            graph.add_to_collection(GraphKeys.TRAINABLE_VARIABLES, self)

    @classmethod
    def _from_graph(cls, variable, initializer, snapshot, initial_value, trainable):
        """The Variable made of existing ops (a graph imported by `tf.train.import_meta_graph`)."""
        self = object.__new__(cls)
        self._variable, self._initializer_op, self._snapshot = variable, initializer, snapshot
        self._initial_value, self._trainable, self._constraint = initial_value, trainable, None
        return self

    # --- description
    name = property(lambda self: self._variable.name)
    op = property(lambda self: self._variable.op)
    graph = property(lambda self: self._variable.graph)
    dtype = property(lambda self: self._variable.dtype)
    shape = property(lambda self: self._variable.shape)
    device = property(lambda self: self._variable.op.device)
    initializer = property(lambda self: self._initializer_op, doc="The op that sets the initial value (`Assign`).")
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)

    def get_shape(self):
        return self.shape

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}_ref>"

    # --- reading
    def value(self):
        """The tensor other ops read (`Variable/read`)."""
        return self._snapshot

    def read_value(self):
        """A new op reading the current value."""
        return identity(self._variable, name="read")

    def initialized_value(self):
        """The value, initializing the variable first if needed (for initial values that depend on this one)."""
        from .ops.control_flow_ops import cond
        return cond(is_variable_initialized(self), self.read_value, lambda: self._initial_value)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def _as_graph_element(self):
        return self._variable

    def _repr_mimebundle_(self, include=None, exclude=None):  # drawn in Jupyter like its tensor
        from . import viz
        return viz.repr_mimebundle(self._variable, include, exclude)

    # --- writing
    def assign(self, value, use_locking=False, name=None, read_value=True):
        return assign(self, value, name=name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return assign_add(self, delta, name=name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return assign_sub(self, delta, name=name)

    def load(self, value, session=None):
        """Writes `value` into the variable in `session` without adding ops to the graph."""
        from .session import get_default_session
        session = session or get_default_session()
        if session is None:
            raise ValueError("Variable.load needs a session (pass session=sess or use a default session).")
        _store(session, self.op, value)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        return Tensor.__bool__(self._snapshot)

    def __iter__(self):
        return Tensor.__iter__(self._snapshot)

    def __array__(self, dtype=None, copy=None):  # np.exp(v): TensorFlow's message for a graph variable
        raise NotImplementedError(hinted("numpy() is only available when eager execution is enabled.",
                                         NUMPY_NEEDS_VALUES))

    __array_priority__ = 100


def _require(initial_value):
    if initial_value is None:
        raise ValueError(hinted("initial_value must be specified.",
                                "una variable necesita un valor inicial: tf.Variable(0.0) o tf.Variable(tf.zeros([3]))."))


def _delegate(name):
    def method(self, *args):
        return getattr(self._snapshot, name)(*args)
    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
              "__rmatmul__", "__lt__", "__le__", "__gt__", "__ge__", "__neg__", "__abs__", "__getitem__",
              "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__invert__"):
    setattr(Variable, _name, _delegate(_name))


def is_variable_initialized(variable):
    return make_op("IsVariableInitialized", [variable._variable], "IsVariableInitialized").outputs[0]


# ---------------------------------------------------------------------------------------------------------------
# Collections and initializers of all variables
# ---------------------------------------------------------------------------------------------------------------


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


all_variables = global_variables


def variables_initializer(var_list, name="init"):
    """One op that initializes every variable in `var_list`."""
    from .framework import control_dependencies
    with control_dependencies([v.initializer for v in var_list]):
        return no_op(name=name)


def global_variables_initializer():
    """The op that gives every variable its initial value: run it once per Session before using them."""
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


initialize_all_variables = global_variables_initializer


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    from .ops.array_ops import constant as _c
    var_list = global_variables() if var_list is None else var_list
    names = _c(np.array([v.op.name.encode() for v in var_list], dtype=object), dtype=_dt.string)
    flags = [is_variable_initialized(v) for v in var_list]
    from .ops.array_ops import stack
    from .ops.math_ops import logical_not
    from .ops.array_ops import gather, reshape
    from .ops.math_ops import where
    if not var_list:
        return names
    return gather(names, reshape(where(logical_not(stack(flags))), [-1]), name=name)


# ---------------------------------------------------------------------------------------------------------------
# get_variable and variable_scope
# ---------------------------------------------------------------------------------------------------------------

AUTO_REUSE = "AUTO_REUSE"


class VariableScope:
    """The current variable scope: its name, whether get_variable reuses, and a default initializer."""

    def __init__(self, name, reuse=None, initializer=None, original_name_scope=""):
        self.name, self.reuse, self.initializer = name, reuse, initializer
        self.original_name_scope = original_name_scope

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer


def _scope_stack(graph):
    if not graph._var_scopes:
        graph._var_scopes.append(VariableScope(""))
    return graph._var_scopes


def get_variable_scope():
    return _scope_stack(get_default_graph())[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, reuse=None, dtype=None,
                   auxiliary_name_scope=True, **unused):
    """Prefixes the names of get_variable (and of ops, through a name scope). `reuse=True` or `tf.AUTO_REUSE`
    lets get_variable return existing variables instead of failing."""
    graph = get_default_graph()
    stack = _scope_stack(graph)
    outer = stack[-1]
    if isinstance(name_or_scope, VariableScope):
        full, base = name_or_scope.name, name_or_scope.name.split("/")[-1]
    else:
        base = name_or_scope if name_or_scope is not None else default_name
        if name_or_scope is None:  # default_name: made unique, like name scopes
            prefix = outer.name + "/" if outer.name else ""
            candidate, i = base, 1
            while prefix + candidate in graph._var_scope_names:
                candidate, i = f"{base}_{i}", i + 1
            base = candidate
        full = outer.name + "/" + base if outer.name else base
    graph._var_scope_names.add(full)
    reuse = True if outer.reuse is True else (reuse if reuse is not None else outer.reuse)
    with graph.name_scope(base) as ns:
        scope = VariableScope(full, reuse, initializer if initializer is not None else outer.initializer, ns)
        stack.append(scope)
        try:
            yield scope
        finally:
            stack.pop()


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True, collections=None,
                 **unused):
    """The variable `scope/name`: created the first time; with reuse, the existing one. A second creation is an
    error (ValueError), so two layers never share weights by accident."""
    graph = get_default_graph()
    scope = get_variable_scope()
    full = scope.name + "/" + name if scope.name else name
    store = graph._vars_by_name
    if full in store:
        if scope.reuse in (True, AUTO_REUSE):
            var = store[full]
            if shape is not None and not var.shape.is_compatible_with(shape):
                raise ValueError(f"Trying to share variable {full}, but specified shape {as_shape(shape)} and found "
                                 f"shape {var.shape}.")
            return var
        raise ValueError(hinted(
            f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in "
            "VarScope?",
            "get_variable crea la variable solo una vez: para compartirla abre el scope con reuse=True "
            "(o tf.AUTO_REUSE); para otra variable distinta usa otro nombre."))
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you mean to "
                         "set reuse=tf.AUTO_REUSE in VarScope?")
    if initializer is None:  # (never `initializer or ...`: a Tensor has no truth value)
        initializer = scope.initializer
    if initializer is None:
        is_float = dtype is None or _dt.as_dtype(dtype).is_floating
        initializer = glorot_uniform_initializer() if is_float else zeros_initializer()
    if isinstance(initializer, type):
        initializer = initializer()
    if callable(initializer):
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was None.")
        dtype = _dt.as_dtype(dtype if dtype is not None else _dt.float32)
        init_value = lambda: initializer(shape, dtype=dtype)  # noqa: E731
    else:  # a value (Tensor, array, number): the variable takes its shape, and its dtype unless `dtype` is given
        if shape is not None:
            raise ValueError(hinted("If initializer is a constant, do not specify shape.",
                                    "con initializer=valor la forma sale del valor: quita shape=, o usa "
                                    "tf.constant_initializer(valor) junto con shape=."))
        init_value = initializer
    graph_scope, graph._name_stack = graph._name_stack, ""
    try:
        graph.unique_name(full)  # reserve the name
        var = Variable(init_value, trainable=trainable, name=full, dtype=dtype, collections=collections,
                       _exact_name=True)
    finally:
        graph._name_stack = graph_scope
    store[full] = var
    if regularizer is not None:
        loss = regularizer(var)
        if loss is not None:
            graph.add_to_collection("regularization_losses", loss)
    return var


# ---------------------------------------------------------------------------------------------------------------
# Saver: the values of variables to `<path>.npz`, the graph to `<path>.meta` and the folder's `checkpoint` index
# (formats in engine/saving.py and docs/saving.md)
# ---------------------------------------------------------------------------------------------------------------

CHECKPOINT_INDEX = "checkpoint"


class CheckpointState:
    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths, all_model_checkpoint_timestamps=()):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = all_model_checkpoint_paths
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)

    def __repr__(self):
        return f"model_checkpoint_path: {self.model_checkpoint_path!r}"


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """Reads the `checkpoint` index of a folder: the latest and all kept checkpoint paths (None if there is none)."""
    path = os.path.join(checkpoint_dir, latest_filename or CHECKPOINT_INDEX)
    if not os.path.exists(path):
        return None
    index = saving.read_json(path, "checkpoint_index")
    resolve = lambda p: p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)  # noqa: E731
    return CheckpointState(resolve(index["model_checkpoint_path"]),
                           [resolve(p) for p in index["all_model_checkpoint_paths"]],
                           index.get("all_model_checkpoint_timestamps", ()))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint of the folder (None if there is none, or if its file is gone)."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not saving.checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path


class Saver:
    """Saves and restores variable values: `saver.save(sess, 'modelos/modelo', global_step=step)` writes
    `modelos/modelo-<step>.npz` (one array per variable, named like its op: 'capa1/W'), `modelo-<step>.meta` (the
    graph, for `tf.train.import_meta_graph`) and the folder's `checkpoint` index (newest and kept checkpoints).

    `var_list`: the variables (default: all global ones), or a dict {name in the checkpoint: variable}.
    `max_to_keep`: older checkpoints are deleted (None or 0 keeps all), except one every
    `keep_checkpoint_every_n_hours`."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, **unused):
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {}
            for v in var_list:
                if v.op.name in self._vars:
                    raise ValueError(f"At least two variables have the same name: {v.op.name}")
                self._vars[v.op.name] = v
        if not self._vars:
            raise ValueError(hinted("No variables to save",
                                    "el Saver guarda variables: créalo después de definir el modelo."))
        self.max_to_keep, self.keep_checkpoint_every_n_hours = max_to_keep, keep_checkpoint_every_n_hours
        self._kept = []            # [(path, time)] of the checkpoints this saver wrote and keeps, oldest first
        self._next_keep = time.time() + keep_checkpoint_every_n_hours * 3600  # a checkpoint saved after is kept

    @property
    def last_checkpoints(self):
        return [p for p, _ in self._kept]

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, **unused):
        """Writes the checkpoint; returns its path (`save_path-<global_step>`)."""
        if global_step is not None:
            step = global_step if isinstance(global_step, (int, np.integer)) else int(sess.run(global_step))
            save_path = f"{save_path}-{step}"
        folder = os.path.dirname(os.path.abspath(save_path))
        os.makedirs(folder, exist_ok=True)
        saving.write_checkpoint(save_path, sess.run(self._vars))
        if write_meta_graph:
            saving.export_meta_graph(f"{save_path}.{meta_graph_suffix}", graph=sess.graph, saver=self)
        now = time.time()
        self._kept = [(p, t) for p, t in self._kept if p != save_path] + [(save_path, now)]
        self._delete_old(meta_graph_suffix)
        if write_state:
            rel = lambda p: os.path.relpath(os.path.abspath(p), folder)  # noqa: E731
            saving.write_json(os.path.join(folder, latest_filename or CHECKPOINT_INDEX), "checkpoint_index", {
                "model_checkpoint_path": rel(save_path), "all_model_checkpoint_paths": [rel(p) for p, _ in self._kept],
                "all_model_checkpoint_timestamps": [t for _, t in self._kept]})
        return save_path

    def _delete_old(self, meta_graph_suffix):
        if not self.max_to_keep:
            return
        while len(self._kept) > self.max_to_keep:
            path, saved_at = self._kept.pop(0)
            if saved_at >= self._next_keep:  # kept for ever (and no longer listed), as in TensorFlow
                self._next_keep = saved_at + self.keep_checkpoint_every_n_hours * 3600
                continue
            for file in (saving.checkpoint_file(path), f"{path}.{meta_graph_suffix}"):
                if os.path.exists(file):
                    os.remove(file)

    def restore(self, sess, save_path):
        """Gives every variable of this saver its value saved in checkpoint `save_path`."""
        if save_path is None:
            raise ValueError(hinted("Can't load save_path when it is None.",
                                    "tf.train.latest_checkpoint(carpeta) devuelve None si no hay ningún guardado."))
        if not saving.checkpoint_exists(save_path):
            raise ValueError(hinted(f"The passed save_path is not a valid checkpoint: {save_path}",
                                    "comprueba la ruta; tf.train.latest_checkpoint(carpeta) da la del último "
                                    "guardado."))
        values = saving.read_checkpoint(save_path)
        for name, var in self._vars.items():
            if name not in values:
                raise NotFoundError(None, var.op, (
                    "Restoring from checkpoint failed. This is most likely due to a Variable name or other graph key "
                    "that is missing from the checkpoint. Please ensure that you have not altered the graph expected "
                    f"based on the checkpoint. Original error:\n\nKey {name} not found in checkpoint"),
                    "el modelo tiene una variable que el checkpoint no guardó: crea el grafo igual que al guardar "
                    "(mismos nombres) o pasa var_list al Saver.")
            _store(sess, var.op, values[name])
