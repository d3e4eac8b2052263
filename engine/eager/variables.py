"""`tf.Variable` in eager mode: the value lives in the eager context instead of a Session.

It is still the graph engine's variable underneath: a `VariableV2` op (here run once, eagerly) whose value the
`Assign`/`AssignAdd` ops of `engine.variables` write, and that a traced `tf.function` reads and writes through a
captured `VariableV2` node, exactly like a TensorFlow 1.x graph.
"""
import numpy as np

from .. import dtypes as _dt
from ..errors import hinted
from ..framework import convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape, as_shape
from ..variables import Variable, _require, assign, assign_add, assign_sub
from . import context
from .context import EagerOperation, EagerTensor, VariableHandle, executing_eagerly, init_scope


@defop("ReadVariableOp", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)], grad=lambda op, g: [g],
       stateful=True, ref_inputs=(0,))
def _read_variable(sess, op):
    """The value a variable holds when the op runs (TensorFlow 2's read: after the assignments before it)."""
    return sess._vars[op.inputs[0].op]


class EagerVariable(Variable):
    """A variable whose value is always there: `v.numpy()`, `print(v)`, `v.assign(...)` act at once."""

    _unread_name = None

    @staticmethod
    def wanted():
        """Whether `tf.Variable(...)` should make an eager variable now (eager on, or tracing a tf.function)."""
        if not context._enabled():
            return False
        from .function import FuncGraph
        return executing_eagerly() or isinstance(get_default_graph(), FuncGraph)

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None, aggregation=None,
                 shape=None, _exact_name=False):
        _require(initial_value)
        from .function import FuncGraph
        tracing = get_default_graph()
        if isinstance(tracing, FuncGraph):
            tracing.created_variables.append(self)
        with init_scope():  # created once, outside any function being traced
            graph = get_default_graph()
            with graph.name_scope((name or "Variable") + ("/" if _exact_name else "")) as scope:
                if callable(initial_value):
                    initial_value = initial_value()
                if isinstance(initial_value, Variable):
                    initial_value = initial_value.value()
                value = convert_to_tensor(initial_value, dtype=None if hasattr(initial_value, "_as_graph_element")
                                          else dtype)
                if dtype is not None and value.dtype != _dt.as_dtype(dtype):
                    from ..ops.array_ops import cast
                    value = cast(value, dtype)
            if not isinstance(value, EagerTensor):
                value = _lifted(value)
            if not isinstance(value, EagerTensor):
                raise TypeError(hinted(f"The initial value of an eager variable must be a value, got {value!r}.",
                                       "dentro de una tf.function crea las variables con valores (p. ej. "
                                       "tf.zeros(...)), no con tensores de la función."))
            var_shape = as_shape(shape) if shape is not None else (value.shape if validate_shape else TensorShape(None))
            op = EagerOperation("VariableV2", scope[:-1], [], {"shape": var_shape, "dtype": value.dtype})
            self._variable = VariableHandle(op, self)
            context.state._vars[op] = value._value
        self._initial_value = value
        self._trainable, self._constraint = trainable, constraint
        self._unread_name = None

    # --- description
    @property
    def name(self):
        return self._unread_name or self._variable.name

    initializer = property(lambda self: None)

    def __repr__(self):
        if executing_eagerly():
            return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                    f"numpy={context._numpy_text(self.numpy(), True)}>")
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __str__ = __repr__

    # --- reading
    def value(self):
        """The current value: a tensor at once in eager mode, a read op of the graph when tracing."""
        if context.tapes.active and executing_eagerly():
            for tape in context.tapes.active:
                tape._variable_accessed(self._variable)
        graph = get_default_graph()
        with graph.as_default(), graph.name_scope("Read"):
            return make_op("ReadVariableOp", [self._variable], "ReadVariableOp").outputs[0]

    read_value = value
    _snapshot = property(value)

    def numpy(self):
        return self._variable.numpy()

    def eval(self, session=None):
        return self.numpy()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    def __bool__(self):
        return bool(self.value())

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __index__(self):
        return self.value().__index__()

    def __format__(self, spec):
        return format(self.value(), spec)

    def __len__(self):
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    # --- writing: the graph engine's Assign ops, run at once (or added to the function being traced)
    def _write(self, fn, value, read_value):
        out = fn(self, value)
        if not executing_eagerly():
            return out
        if not read_value:
            return None
        unread = object.__new__(EagerVariable)   # TensorFlow returns the variable, shown as 'UnreadVariable'
        unread.__dict__.update(self.__dict__, _unread_name="UnreadVariable")
        return unread

    def assign(self, value, use_locking=False, name=None, read_value=True):
        return self._write(assign, value, read_value)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self._write(assign_add, delta, read_value)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self._write(assign_sub, delta, read_value)

    def load(self, value, session=None):
        self.assign(value)


def _lifted(tensor):
    """The value of an initial value computed inside a function being traced (e.g. `tf.Variable(tf.ones([3]))`):
    its ops are run once, now, if they do not depend on the function's arguments."""
    from ..errors import OpError
    from ..session import Session
    try:
        return context.eager_value(Session(graph=tensor.graph).run(tensor), tensor.dtype)
    except (OpError, TypeError, ValueError):
        return tensor
