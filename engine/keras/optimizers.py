"""`tf.keras.optimizers`: SGD (with momentum) and Adam, for eager code and `tf.function`s.

They update variables with the same update ops as the TensorFlow 1.x optimizers of `engine.train`
(`ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`): Keras' formulas are the same ones.
"""
from .. import dtypes as _dt
from ..errors import hinted
from ..framework import convert_to_tensor, make_op
from ..module import Module
from ..ops.array_ops import cast
from ..ops.math_ops import pow as _pow
from ..variables import Variable
from .. import train  # noqa: F401  (registers the Apply* update ops)


class Optimizer(Module):
    """Base class: `apply_gradients(zip(grads, variables))` does one step; `iterations` counts the steps."""

    def __init__(self, learning_rate, name):
        super().__init__(name)
        self.learning_rate = learning_rate
        self.iterations = None   # created on the first step, like the slots
        self._slots = {}         # (slot name, id(variable)) -> Variable

    def _slot(self, var, slot):
        key = (slot, id(var))
        if key not in self._slots:
            self._slots[key] = Variable(lambda: cast(var.value() * 0, var.dtype), trainable=False,
                                        name=f"{self.name}/{var.name.split(':')[0]}/{slot}")
        return self._slots[key]

    @property
    def variables(self):
        return ([self.iterations] if self.iterations is not None else []) + list(self._slots.values())

    def _value(self, x, var):
        return cast(x, var.dtype) if hasattr(x, "_as_graph_element") else convert_to_tensor(x, dtype=var.dtype)

    def apply_gradients(self, grads_and_vars, name=None):
        """Updates each variable with its gradient (pairs whose gradient is None are skipped)."""
        pairs = [(g, v) for g, v in grads_and_vars]
        usable = [(g, v) for g, v in pairs if g is not None]
        if not usable:
            raise ValueError(hinted(
                f"No gradients provided for any variable: {[v.name for _, v in pairs]}.",
                "la pérdida no depende de estas variables: ¿calculaste la pérdida dentro del bloque "
                "`with tf.GradientTape() as tape:`?"))
        if self.iterations is None:
            self.iterations = Variable(0, dtype=_dt.int64, trainable=False, name=f"{self.name}/iteration")
        for g, v in usable:
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients needs (gradient, variable) pairs, got {v!r}")
            self._apply(convert_to_tensor(g), v)
        return self.iterations.assign_add(1)

    def minimize(self, loss, var_list, tape=None):
        """One step on `loss` (a function without arguments, or a tensor computed under `tape`)."""
        from ..eager import GradientTape
        if callable(loss):
            with GradientTape() as tape:
                value = loss()
        else:
            if tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            value = loss
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(value, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def get_config(self):
        return {"learning_rate": float(self.learning_rate), "name": self.name}


class SGD(Optimizer):
    """Gradient descent: var -= learning_rate * g. With momentum: m = momentum * m - lr * g; var += m
    (Nesterov: var += momentum * m - lr * g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **unused):
        super().__init__(learning_rate, name)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def _apply(self, g, v):
        lr = self._value(self.learning_rate, v)
        if not self.momentum:
            return make_op("ApplyGradientDescent", [v._variable, lr, g], "ApplyGradientDescent")
        accum = self._slot(v, "momentum")
        return make_op("ApplyMomentum", [v._variable, accum._variable, lr, self._value(self.momentum, v), g],
                       "ApplyMomentum", {"use_nesterov": bool(self.nesterov)})

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: moving averages m, v of g and g²; var -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name="adam",
                 **unused):
        super().__init__(learning_rate, name)
        if amsgrad:
            raise NotImplementedError("amsgrad is not available in this engine")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _apply(self, g, v):
        m, s = self._slot(v, "m"), self._slot(v, "v")
        step = cast(self.iterations + 1, v.dtype)
        val = lambda x: self._value(x, v)  # noqa: E731
        return make_op("ApplyAdam", [v._variable, m._variable, s._variable, _pow(val(self.beta_1), step),
                                     _pow(val(self.beta_2), step), val(self.learning_rate), val(self.beta_1),
                                     val(self.beta_2), val(self.epsilon), g], "ApplyAdam")

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam}


def get(identifier):
    """An optimizer for a name ('adam', 'sgd') or the optimizer itself."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(hinted(f"Could not interpret optimizer identifier: {identifier!r}",
                            "usa 'sgd', 'adam' o un objeto como tf.keras.optimizers.SGD(learning_rate=0.01)."))
