"""`tf.train`: optimizers (with TensorFlow 1.x's defaults and update rules), global step, learning-rate schedules,
and the Saver.

An optimizer's `minimize(loss)` is `apply_gradients(compute_gradients(loss))`:
1. `compute_gradients` adds the gradient ops (`engine.gradients`) and pairs each gradient with its variable;
2. `apply_gradients` creates the optimizer's per-variable state (its *slots*, e.g. Adam's moments `W/Adam` and
   `W/Adam_1`), then adds one update op per variable (e.g. `ApplyAdam`) under the optimizer's name scope, grouped in
   one training op (optionally followed by `global_step += 1`).
Running the training op once is one step of training. Every gradient is computed before any variable changes.
"""
import numpy as np

from .errors import InvalidArgumentError, hinted
from .framework import GraphKeys, Tensor, control_dependencies, convert_to_tensor, defop, get_default_graph, make_op
from .gradients import gradients
from .ops.array_ops import cast, constant, fill, shape_of
from .ops.control_flow_ops import group
from .ops.math_ops import floor, multiply, pow as _pow, where
from .variables import (Saver, Variable, _store, _variable, assign_add, get_checkpoint_state,  # noqa: F401
                        latest_checkpoint, trainable_variables)
from .saving import (CheckpointReader as NewCheckpointReader, checkpoint_exists, export_meta_graph,  # noqa: F401
                     import_meta_graph, list_variables, load_checkpoint, load_variable)

# ---------------------------------------------------------------------------------------------------------------
# Update ops: TensorFlow's training kernels. The simplest, ApplyGradientDescent, is written out in full: read the
# variable, compute, store. The others are written as pure math on NumPy values: they receive the current values of
# the variable and of its slots, then the hyperparameters and the gradient, and return the new values of the
# variable and of its slots; `_update_op` turns such math into an op that reads and writes them in the session.
# ---------------------------------------------------------------------------------------------------------------


def _update_infer(inputs, attrs, n_refs):
    var, grad = inputs[0], inputs[-1]
    for t in inputs[1:]:
        if t.dtype != var.dtype:
            raise TypeError(f"Input '{t.name}' has type {t.dtype.name} that does not match type {var.dtype.name} of "
                            f"the variable '{var.op.name}'.")
    for t in inputs[n_refs:-1]:
        if t.shape.rank not in (None, 0):
            raise ValueError(f"Hyperparameters of an optimizer must be scalars, got {t.name} with shape {t.shape}.")
    if not var.shape.is_compatible_with(grad.shape):
        raise ValueError(f"Shapes must be equal: the variable '{var.op.name}' has shape {var.shape} but its gradient "
                         f"{grad.name} has shape {grad.shape}.")
    return [(var.shape, var.dtype)]


def _current(sess, op, var, grad):
    """The value of variable `var` that update `op` changes, with TensorFlow's errors when it is not initialized or
    when the gradient has another shape."""
    value = sess._vars[var] if var in sess._vars else _variable(sess, var, **var.attrs)
    if grad.shape != value.shape:
        raise InvalidArgumentError(None, op, f"var and grad do not have the same shape{list(value.shape)} "
                                             f"{list(grad.shape)}")
    return value


@defop("ApplyGradientDescent", lambda inputs, attrs: _update_infer(inputs, attrs, 1), stateful=True, ref_inputs=(0,),
       writes=True)
def _gradient_descent(sess, op, lr, grad):
    """var -= lr * grad"""
    var = op.inputs[0].op
    return _store(sess, var, _current(sess, op, var, grad) - lr * grad, validate_shape=False, copy=False)


def _update_op(op_type, n_refs):
    """Registers op `op_type` computed by `math(var, *slots, *hyperparameters, grad, **attrs) -> (var, *slots)`.
    Its first `n_refs` inputs (the variable and its slots) are taken by reference."""
    def register(math):
        def forward(sess, op, *values, **attrs):
            var, *slots = [t.op for t in op.inputs[:n_refs]]
            new = math(_current(sess, op, var, values[-1]), *[_variable(sess, s, **s.attrs) for s in slots], *values,
                       **attrs)
            for ref, value in zip([var, *slots], new):  # element-wise math: the shapes are the variables' own
                _store(sess, ref, value, validate_shape=False, copy=False)
            return sess._vars[var]
        defop(op_type, lambda inputs, attrs: _update_infer(inputs, attrs, n_refs), stateful=True,
              ref_inputs=tuple(range(n_refs)), writes=True)(forward)
        return math
    return register


@_update_op("ApplyMomentum", 2)
def _momentum(var, accum, lr, momentum, grad, *, use_nesterov):
    accum = accum * momentum + grad
    step = grad * lr + accum * momentum * lr if use_nesterov else accum * lr
    return var - step, accum


@_update_op("ApplyAdagrad", 2)
def _adagrad(var, accum, lr, grad):
    accum = accum + grad * grad
    return var - lr * grad / np.sqrt(accum), accum


@_update_op("ApplyRMSProp", 3)
def _rmsprop(var, ms, mom, lr, rho, momentum, epsilon, grad):
    ms = ms + (grad * grad - ms) * (1 - rho)
    mom = mom * momentum + grad * lr / np.sqrt(ms + epsilon)
    return var - mom, ms, mom


@_update_op("ApplyCenteredRMSProp", 4)
def _centered_rmsprop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    """Like RMSProp, dividing by an estimate of the gradient's variance (ms - mg²) instead of its second moment."""
    mg = mg + (grad - mg) * (1 - rho)
    ms = ms + (grad * grad - ms) * (1 - rho)
    mom = mom * momentum + grad * lr / np.sqrt(ms - mg * mg + epsilon)
    return var - mom, mg, ms, mom


@_update_op("ApplyAdam", 3)
def _adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    alpha = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)  # bias correction of both moments, folded into lr
    m = m + (grad - m) * (1 - beta1)
    v = v + (grad * grad - v) * (1 - beta2)
    return var - m * alpha / (np.sqrt(v) + epsilon), m, v


# ---------------------------------------------------------------------------------------------------------------
# Optimizer: the three steps shared by all optimizers
# ---------------------------------------------------------------------------------------------------------------


def _flatten(var_list):
    """Any iterable of variables (list, tuple, set, generator, nested lists) as a flat list."""
    out = []
    for v in var_list:
        out.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return out


def _check_variable(v, where):
    if not isinstance(v, Variable):
        raise TypeError(hinted(
            f"{where} must contain tf.Variable objects, got {v!r}.",
            "el optimizador solo puede cambiar variables (tf.Variable), no tensores calculados ni constantes."))


def _cast_like(t, var):
    """A hyperparameter tensor in the variable's dtype (TensorFlow casts it in each update)."""
    return t if t.dtype == var.dtype.base_dtype else cast(t, var.dtype)


class Optimizer:
    """Base class. A subclass says which slots a variable needs (`_create_slots`), turns its hyperparameters into
    tensors (`_prepare`) and builds the update op of one variable (`_apply_dense`)."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}      # slot name -> {variable: slot Variable}
        self._non_slots = {}  # (name, graph) -> Variable, e.g. Adam's beta1_power

    def get_name(self):
        return self._name

    # --- the three steps of a training op
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """compute_gradients + apply_gradients: one op that performs a training step (and increments
        `global_step`, if given)."""
        grads_and_vars = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        if all(g is None for g, _ in grads_and_vars):
            raise ValueError(hinted(
                "No gradients provided for any variable, check your graph for ops that do not support gradients, "
                f"between variables {[str(v) for _, v in grads_and_vars]} and loss {loss}.",
                "la pérdida no depende de ninguna de estas variables, o el camino pasa por operaciones no derivables "
                "(argmax, tf.cast a entero, tf.round, comparaciones)."))
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient, variable), ...] for the trainable variables, or for `var_list` (any iterable of
        variables). The gradient is None for a variable the loss does not depend on."""
        if callable(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a Tensor in graph mode "
                               "(a function is only accepted when eager execution is enabled).")
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise ValueError(hinted(
                f"Invalid type tf.{loss.dtype.name} for {loss.name}, expected: [tf.float16, tf.float32, tf.float64].",
                "la pérdida debe ser un número real: convierte con tf.cast(..., tf.float32) o usa datos float."))
        if var_list is None:
            var_list = trainable_variables()
        else:
            var_list = _flatten(var_list)
        if not var_list:
            raise ValueError(hinted("No variables to optimize.",
                                    "el optimizador ajusta variables (tf.Variable con trainable=True): crea alguna "
                                    "antes de llamar a minimize, o pásalas en var_list."))
        for v in var_list:
            _check_variable(v, "var_list")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The op that applies each gradient to its variable (and then increments `global_step`)."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        pairs = []
        for g, v in grads_and_vars:
            _check_variable(v, "grads_and_vars")
            if g is not None:
                if not (isinstance(g, Tensor) or hasattr(g, "_as_graph_element")):
                    raise TypeError(f"Gradient must be a Tensor, IndexedSlices, or None: {g!r}")
                pairs.append((convert_to_tensor(g), v))
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: {[str(v) for _, v in grads_and_vars]}.")
        graph = pairs[0][1].graph
        with graph.as_default():
            with control_dependencies(None):  # state lives outside any control dependency of the caller
                self._create_slots([v for _, v in pairs])
            with graph.name_scope(name or self._name) as scope:
                self._prepare()
                updates = []
                # Every gradient is computed before any variable changes (those of ops without inputs, such as a
                # fed placeholder, read no variable and need not wait).
                with control_dependencies([g for g, _ in pairs if g.op.inputs or g.op.control_inputs]):
                    for g, v in pairs:
                        with graph.name_scope("update_" + v.op.name):
                            updates.append(self._apply_dense(g, v))
                if global_step is None:
                    train_op = self._finish(updates, scope)
                else:
                    with control_dependencies([self._finish(updates, "update")]):
                        train_op = assign_add(global_step, 1, name=scope).op
        if train_op not in graph.get_collection(GraphKeys.TRAIN_OP):
            graph.add_to_collection(GraphKeys.TRAIN_OP, train_op)
        return train_op

    # --- hooks for subclasses
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops, name_scope):
        return group(*update_ops, name=name_scope)

    # --- hyperparameters: a number, a Tensor, or a function returning one of those
    @staticmethod
    def _tensor(value, name):
        value = value() if callable(value) else value
        return convert_to_tensor(value, name=name)

    # --- slots: per-variable state, named after the variable (`W/Adam`, `W/Adam_1`)
    def _slot(self, var, slot_name, init=0.0):
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            graph = var.graph
            with graph.name_scope(None):  # slot names start at the root: 'W/Momentum'
                if var.shape.is_fully_defined():
                    value = np.full(var.shape.as_list(), init, dtype=var.dtype.as_numpy_dtype)
                else:
                    value = fill(shape_of(var.initial_value), constant(init, dtype=var.dtype))
                slots[var] = Variable(value, trainable=False, name=f"{var.op.name}/{self._name}",
                                      validate_shape=var.shape.is_fully_defined())
        return slots[var]

    def get_slot(self, var, name):
        """The slot `name` (see get_slot_names) of variable `var`, or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def _non_slot(self, name, initial_value, graph):
        """A variable shared by all the variables this optimizer trains in `graph` (e.g. Adam's beta1_power)."""
        key = (name, graph)
        if key not in self._non_slots:
            self._non_slots[key] = Variable(initial_value, trainable=False, name=name)
        return self._non_slots[key]

    def variables(self):
        """The variables this optimizer created (slots and the like), for a Saver or an initializer."""
        return [v for slots in self._slots.values() for v in slots.values()] + list(self._non_slots.values())


# ---------------------------------------------------------------------------------------------------------------
# The optimizers
# ---------------------------------------------------------------------------------------------------------------


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr_t = self._tensor(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return make_op("ApplyGradientDescent", [var._variable, _cast_like(self._lr_t, var), grad],
                       "ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + g; var -= lr * accum (Nesterov: var -= lr * (g + momentum * accum))."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum, self._use_nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "momentum")

    def _prepare(self):
        self._lr_t = self._tensor(self._learning_rate, "learning_rate")
        self._momentum_t = self._tensor(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        return make_op("ApplyMomentum", [var._variable, self.get_slot(var, "momentum")._variable,
                                         _cast_like(self._lr_t, var), _cast_like(self._momentum_t, var), grad],
                       "ApplyMomentum", {"use_nesterov": self._use_nesterov})


class AdagradOptimizer(Optimizer):
    """accum += g²; var -= lr * g / sqrt(accum). The accumulator starts at `initial_accumulator_value`."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate, self._initial_accumulator_value = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._initial_accumulator_value)

    def _prepare(self):
        self._lr_t = self._tensor(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return make_op("ApplyAdagrad", [var._variable, self.get_slot(var, "accumulator")._variable,
                                        _cast_like(self._lr_t, var), grad], "ApplyAdagrad")


class RMSPropOptimizer(Optimizer):
    """ms = decay * ms + (1 - decay) * g²; mom = momentum * mom + lr * g / sqrt(ms + epsilon); var -= mom.
    TensorFlow 1.x starts `ms` at ones. Centered: divides by sqrt(ms - mg² + epsilon), mg the mean gradient."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay, self._momentum, self._epsilon = learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:  # TensorFlow's order, which gives the names W/RMSProp, W/RMSProp_1, W/RMSProp_2
            self._slot(v, "rms", 1.0)
            if self._centered:
                self._slot(v, "mg")
            self._slot(v, "momentum")

    def _prepare(self):
        self._lr_t = self._tensor(self._learning_rate, "learning_rate")
        self._decay_t = self._tensor(self._decay, "decay")
        self._momentum_t = self._tensor(self._momentum, "momentum")
        self._epsilon_t = self._tensor(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        slots = [self.get_slot(var, "rms"), self.get_slot(var, "momentum")]
        if self._centered:
            slots.insert(0, self.get_slot(var, "mg"))
        hyper = [_cast_like(t, var) for t in (self._lr_t, self._decay_t, self._momentum_t, self._epsilon_t)]
        op_type = "ApplyCenteredRMSProp" if self._centered else "ApplyRMSProp"
        return make_op(op_type, [var._variable] + [s._variable for s in slots] + hyper + [grad], op_type)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba, 2015): moving averages m, v of g and g²; var -= lr_t * m / (sqrt(v) + epsilon) with
    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t). beta1^t and beta2^t are kept in the variables `beta1_power`
    and `beta2_power`, multiplied by beta1 and beta2 after every step."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        graph = var_list[0].graph
        self._non_slot("beta1_power", np.float32(self._beta1), graph)
        self._non_slot("beta2_power", np.float32(self._beta2), graph)
        for v in var_list:
            self._slot(v, "m")
            self._slot(v, "v")

    def _beta_powers(self, graph):
        return self._non_slots[("beta1_power", graph)], self._non_slots[("beta2_power", graph)]

    def _prepare(self):
        self._lr_t = self._tensor(self._lr, "learning_rate")
        self._beta1_t = self._tensor(self._beta1, "beta1")
        self._beta2_t = self._tensor(self._beta2, "beta2")
        self._epsilon_t = self._tensor(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        b1p, b2p = self._beta_powers(var.graph)
        values = [_cast_like(t, var) for t in (b1p.value(), b2p.value(), self._lr_t, self._beta1_t, self._beta2_t,
                                               self._epsilon_t)]
        return make_op("ApplyAdam", [var._variable, self.get_slot(var, "m")._variable,
                                     self.get_slot(var, "v")._variable] + values + [grad], "ApplyAdam")

    def _finish(self, update_ops, name_scope):
        b1p, b2p = self._beta_powers(update_ops[0].graph)
        with control_dependencies(update_ops):
            update_beta1 = b1p.assign(b1p * _cast_like(self._beta1_t, b1p))
            update_beta2 = b2p.assign(b2p * _cast_like(self._beta2_t, b2p))
        return group(*update_ops, update_beta1, update_beta2, name=name_scope)


# ---------------------------------------------------------------------------------------------------------------
# Global step and learning-rate schedules
# ---------------------------------------------------------------------------------------------------------------


def get_global_step(graph=None):
    """The graph's step counter, or None if it has none."""
    found = (graph or get_default_graph()).get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None):
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("'global_step' already exists.")
    with graph.as_default(), graph.name_scope(None), control_dependencies(None):
        return Variable(np.int64(0), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The graph's step counter (an int64 Variable named 'global_step'), created on first call. Pass it to
    `minimize(loss, global_step=...)` and it counts the training steps."""
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps); the exponent is rounded down if `staircase`."""
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    graph = get_default_graph()
    with graph.name_scope(name or "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        p = cast(global_step, lr.dtype) / cast(decay_steps, lr.dtype)
        if staircase:
            p = floor(p)
        return multiply(lr, _pow(cast(decay_rate, lr.dtype), p), name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ..., values[-1] after the last."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        x = convert_to_tensor(x)
        out = convert_to_tensor(values[-1])
        for b, v in reversed(list(zip(boundaries, values[:-1]))):
            out = where(x <= constant(b, dtype=x.dtype), convert_to_tensor(v, dtype=out.dtype), out)
        return out

