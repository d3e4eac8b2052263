"""`tf.train`: optimizers (with TensorFlow 1.x's defaults and update rules), global step, learning-rate schedules,
and the Saver.

An optimizer's `minimize(loss)` is `apply_gradients(compute_gradients(loss))`: it adds the gradient ops
(`engine.gradients`) and one update op per variable (e.g. `ApplyAdam`) to the graph, grouped in one training op.
Running that op once is one step of training.
"""
import numpy as np

from . import dtypes as _dt
from .errors import hinted
from .framework import GraphKeys, convert_to_tensor, defop, get_default_graph, make_op, control_dependencies
from .gradients import gradients
from .ops.array_ops import cast, constant
from .ops.control_flow_ops import group
from .ops.math_ops import floor, pow as _pow, where
from .shapes import TensorShape
from .variables import (Saver, Variable, _store, _variable, assign_add, get_checkpoint_state,  # noqa: F401
                        latest_checkpoint, trainable_variables)

# ---------------------------------------------------------------------------------------------------------------
# Update ops. Inputs: the variable and its slots by reference (written in place in the session), then values.
# ---------------------------------------------------------------------------------------------------------------


def _update_infer(inputs, attrs):
    return [(inputs[0].shape, inputs[0].dtype)]


def _read(sess, t):
    return _variable(sess, t.op, **t.op.attrs)


def _write(sess, t, value):
    return _store(sess, t.op, value)


@defop("ApplyGradientDescent", _update_infer, stateful=True, ref_inputs=(0,))
def _apply_gd(sess, op, lr, grad):
    var = op.inputs[0]
    return _write(sess, var, _read(sess, var) - lr * grad)


@defop("ApplyMomentum", _update_infer, stateful=True, ref_inputs=(0, 1))
def _apply_momentum(sess, op, lr, grad, momentum, *, use_nesterov):
    var, accum = op.inputs[:2]
    a = _write(sess, accum, _read(sess, accum) * momentum + grad)
    step = grad * lr + a * momentum * lr if use_nesterov else a * lr
    return _write(sess, var, _read(sess, var) - step)


@defop("ApplyAdagrad", _update_infer, stateful=True, ref_inputs=(0, 1))
def _apply_adagrad(sess, op, lr, grad):
    var, accum = op.inputs[:2]
    a = _write(sess, accum, _read(sess, accum) + grad * grad)
    return _write(sess, var, _read(sess, var) - lr * grad / np.sqrt(a))


@defop("ApplyRMSProp", _update_infer, stateful=True, ref_inputs=(0, 1, 2, 3))
def _apply_rmsprop(sess, op, lr, grad, decay, momentum, epsilon, *, centered):
    var, ms, mom, mg = op.inputs[:4]
    ms_v = _write(sess, ms, _read(sess, ms) + (grad * grad - _read(sess, ms)) * (1 - decay))
    denom = ms_v + epsilon
    if centered:
        mg_v = _write(sess, mg, _read(sess, mg) + (grad - _read(sess, mg)) * (1 - decay))
        denom = denom - mg_v * mg_v
    mom_v = _write(sess, mom, _read(sess, mom) * momentum + lr * grad / np.sqrt(denom))
    return _write(sess, var, _read(sess, var) - mom_v)


@defop("ApplyAdam", _update_infer, stateful=True, ref_inputs=(0, 1, 2))
def _apply_adam(sess, op, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    var, m, v = op.inputs[:3]
    lr_t = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    m_v = _write(sess, m, _read(sess, m) + (grad - _read(sess, m)) * (1 - beta1))
    v_v = _write(sess, v, _read(sess, v) + (grad * grad - _read(sess, v)) * (1 - beta2))
    return _write(sess, var, _read(sess, var) - lr_t * m_v / (np.sqrt(v_v) + epsilon))


# ---------------------------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------------------------


class Optimizer:
    """Base class: subclasses say which slots each variable needs and which update op applies a gradient."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking=False, name=None):
        self._name = name or type(self).__name__.replace("Optimizer", "")
        self._slots = {}  # slot name -> {variable: slot Variable}

    def get_name(self):
        return self._name

    # --- slots: per-variable state such as Adam's moment estimates
    def _slot(self, var, slot_name, init=0.0, op_name=None):
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            graph = var.graph
            saved, graph._name_stack = graph._name_stack, ""
            try:
                with graph.as_default(), control_dependencies(None):
                    value = np.full(var.shape.as_list(), init, dtype=var.dtype.as_numpy_dtype)
                    slots[var] = Variable(value, trainable=False, name=f"{var.op.name}/{op_name or self._name}")
            finally:
                graph._name_stack = saved
        return slots[var]

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        return [v for slots in self._slots.values() for v in slots.values()] + getattr(self, "_extra_vars", [])

    # --- the three steps of minimize
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None, **unused):
        """[(gradient, variable), ...] for the trainable variables (or `var_list`, any iterable of variables)."""
        if callable(loss):
            raise TypeError("loss must be a Tensor in graph mode (callables are for eager mode)")
        loss = convert_to_tensor(loss)
        var_list = list(var_list) if var_list is not None else (
            trainable_variables() + get_default_graph().get_collection("trainable_resource_variables"))
        if not var_list:
            raise ValueError(hinted("No variables to optimize.",
                                    "el optimizador ajusta variables (tf.Variable con trainable=True); crea alguna "
                                    "antes de llamar a minimize."))
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The op that applies each gradient to its variable (and increments `global_step` afterwards)."""
        grads_and_vars = list(grads_and_vars)
        usable = [(g, v) for g, v in grads_and_vars if g is not None]
        if not usable:
            raise ValueError(hinted(
                "No gradients provided for any variable, check your graph for ops that do not support gradients, "
                f"between variables {[v.name for _, v in grads_and_vars]} and loss.",
                "la pérdida no depende de ninguna de estas variables (o el camino pasa por operaciones no derivables "
                "como argmax, tf.cast a entero o tf.round)."))
        graph = usable[0][1].graph
        with graph.as_default(), graph.name_scope(name or self._name) as scope:
            self._prepare()
            updates = []
            for g, v in usable:
                with graph.name_scope("update_" + v.op.name):
                    updates.append(self._apply(convert_to_tensor(g), v))
            finish = self._finish(updates, scope)
            if global_step is None:
                return finish
            with control_dependencies([finish]):
                return assign_add(global_step, 1, name=scope[:-1]).op

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """compute_gradients + apply_gradients: one op that performs a training step."""
        return self.apply_gradients(self.compute_gradients(loss, var_list, grad_loss=grad_loss),
                                    global_step=global_step, name=name)

    def _prepare(self):
        pass

    def _finish(self, updates, scope):
        return group(*updates, name=scope[:-1] if scope else None)

    def _value(self, x, var):
        return cast(x, var.dtype) if hasattr(x, "_as_graph_element") and convert_to_tensor(x).dtype != var.dtype \
            else convert_to_tensor(x, dtype=None if hasattr(x, "_as_graph_element") else var.dtype)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _apply(self, g, v):
        return make_op("ApplyGradientDescent", [v._variable, self._value(self._lr, v), g], "ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + g; var -= lr * accum (Nesterov: var -= lr * (g + momentum * accum))."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _apply(self, g, v):
        accum = self._slot(v, "momentum", 0.0, "Momentum")
        return make_op("ApplyMomentum", [v._variable, accum._variable, self._value(self._lr, v), g,
                                         self._value(self._momentum, v)], "ApplyMomentum",
                       {"use_nesterov": self._nesterov})


class AdagradOptimizer(Optimizer):
    """accum += g²; var -= lr * g / sqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        self._lr, self._init = learning_rate, initial_accumulator_value

    def _apply(self, g, v):
        accum = self._slot(v, "accumulator", self._init, "Adagrad")
        return make_op("ApplyAdagrad", [v._variable, accum._variable, self._value(self._lr, v), g], "ApplyAdagrad")


class RMSPropOptimizer(Optimizer):
    """ms = decay * ms + (1 - decay) * g²; mom = momentum * mom + lr * g / sqrt(ms + eps); var -= mom.
    (TensorFlow 1.x starts `ms` at ones.) Centered: divides by sqrt(ms - mg² + eps), mg the mean gradient."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._eps, self._centered = learning_rate, decay, momentum, epsilon, centered

    def _apply(self, g, v):
        ms = self._slot(v, "rms", 1.0, self._name)
        mom = self._slot(v, "momentum", 0.0, self._name + "_1")
        mg = self._slot(v, "mg", 0.0, self._name + "_2") if self._centered else ms
        val = lambda x: self._value(x, v)  # noqa: E731
        return make_op("ApplyRMSProp", [v._variable, ms._variable, mom._variable, mg._variable, val(self._lr), g,
                                        val(self._decay), val(self._momentum), val(self._eps)], "ApplyRMSProp",
                       {"centered": self._centered})


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba): moving averages m, v of g and g², bias-corrected step lr * m̂ / (sqrt(v̂) + epsilon)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._eps = learning_rate, beta1, beta2, epsilon
        self._extra_vars = []

    def _prepare(self):
        if not self._extra_vars:
            graph = get_default_graph()
            saved, graph._name_stack = graph._name_stack, ""
            try:
                with control_dependencies(None):
                    self._extra_vars = [Variable(np.float32(self._beta1), trainable=False, name="beta1_power"),
                                        Variable(np.float32(self._beta2), trainable=False, name="beta2_power")]
            finally:
                graph._name_stack = saved

    def _apply(self, g, v):
        m, s = self._slot(v, "m", 0.0, "Adam"), self._slot(v, "v", 0.0, "Adam_1")
        b1p, b2p = (cast(p, v.dtype) if v.dtype != _dt.float32 else p.value() for p in self._extra_vars)
        val = lambda x: self._value(x, v)  # noqa: E731
        return make_op("ApplyAdam", [v._variable, m._variable, s._variable, b1p, b2p, val(self._lr), val(self._beta1),
                                     val(self._beta2), val(self._eps), g], "ApplyAdam")

    def _finish(self, updates, scope):
        b1p, b2p = self._extra_vars
        with control_dependencies(updates):
            u1 = b1p.assign(b1p * self._beta1, name="update_beta1_power")
            u2 = b2p.assign(b2p * self._beta2, name="update_beta2_power")
        return group(*updates, u1, u2, name=scope[:-1])


# ---------------------------------------------------------------------------------------------------------------
# Global step and learning-rate schedules
# ---------------------------------------------------------------------------------------------------------------


def get_global_step(graph=None):
    found = (graph or get_default_graph()).get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None):
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("global_step already exists.")
    with graph.as_default():
        return Variable(np.int64(0), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The graph's step counter (an int64 Variable named 'global_step'), created on first call."""
    return get_global_step(graph) or create_global_step(graph)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps) (integer division if staircase)."""
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        lr = convert_to_tensor(learning_rate, dtype=None if hasattr(learning_rate, "_as_graph_element")
                               else _dt.float32, name="learning_rate")
        p = cast(global_step, lr.dtype) / cast(convert_to_tensor(decay_steps), lr.dtype)
        if staircase:
            p = floor(p)
        return lr * _pow(constant(decay_rate, dtype=lr.dtype), p)


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ..., values[-1] after."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of values must be one more than the length of boundaries.")
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        x = convert_to_tensor(x)
        out = convert_to_tensor(values[-1])
        for b, v in reversed(list(zip(boundaries, values[:-1]))):
            out = where(x <= constant(b, dtype=x.dtype), convert_to_tensor(v, dtype=out.dtype), out)
        return out
