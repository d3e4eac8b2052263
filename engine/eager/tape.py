"""`GradientTape`: automatic differentiation of eager code, with the graph engine's own gradients.

While a tape records, every op that reads a watched tensor (or a trainable variable) is noted, with its inputs and
outputs. `tape.gradient(y, x)` then
1. *replays* the noted ops into a scratch `Graph` (the outside values they read become placeholders),
2. calls `engine.gradients` on it, the same symbolic differentiation as graph mode, with the same registered
   gradient of each op,
3. runs the gradient ops eagerly, feeding every placeholder and every noted output with its eager value (nothing of
   the forward pass is computed again). Those ops run like any other, so an outer tape records them: nested tapes
   give second derivatives.
Inside a `tf.function` being traced everything is already a graph, and `gradient` is just `engine.gradients`.
"""
import contextlib

from ..errors import hinted
from ..framework import Graph, Tensor, convert_to_tensor, get_default_graph
from ..variables import Variable
from . import context
from .context import EagerTensor, run_graph_eagerly


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def flatten(structure):
    """The leaves of nested lists, tuples and dicts (dicts by sorted key), and a function rebuilding the structure."""
    if isinstance(structure, dict):
        keys = sorted(structure)
        parts = [flatten(structure[k]) for k in keys]
        leaves = [leaf for p in parts for leaf in p[0]]
        return leaves, _rebuilder(parts, lambda vals: type(structure)(zip(keys, vals)))
    if isinstance(structure, (list, tuple)):
        parts = [flatten(s) for s in structure]
        leaves = [leaf for p in parts for leaf in p[0]]
        kind = type(structure)
        make = (lambda vals: kind(*vals)) if hasattr(structure, "_fields") else kind
        return leaves, _rebuilder(parts, make)
    return [structure], lambda leaves: leaves[0]


def _rebuilder(parts, make):
    def rebuild(leaves):
        out, i = [], 0
        for n, sub in ((len(p[0]), p[1]) for p in parts):
            out.append(sub(leaves[i:i + n]))
            i += n
        return make(out)
    return rebuild


class GradientTape:
    """Records eager ops to differentiate them: `with tf.GradientTape() as tape: y = f(x)`, then
    `tape.gradient(y, x)`. Trainable variables read inside are watched automatically; other tensors need
    `tape.watch(t)`. A tape gives one set of gradients unless `persistent=True`."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent, self._watch_accessed = persistent, watch_accessed_variables
        self._ops = []          # EagerOperations recorded, in order
        self._tracked = {}      # id -> EagerTensor watched or computed by a recorded op (kept alive: ids stay unique)
        self._variables = {}    # id -> Variable watched
        self._used = False

    # --- recording
    def __enter__(self):
        context.tapes.active.append(self)
        return self

    def __exit__(self, *exc):
        self._pop()

    def _pop(self):
        if self in context.tapes.active:
            context.tapes.active.remove(self)

    @contextlib.contextmanager
    def _resumed(self):
        if self in context.tapes.active:
            yield
            return
        context.tapes.active.append(self)
        try:
            yield
        finally:
            self._pop()

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this block are not recorded."""
        was = self in context.tapes.active
        self._pop()
        try:
            yield
        finally:
            if was:
                context.tapes.active.append(self)

    def reset(self):
        """Forgets everything recorded so far."""
        self._ops, self._tracked, self._variables, self._used = [], {}, {}, False

    def watch(self, tensor):
        """Makes the tape record the ops that use `tensor` (a tensor, a variable, or a list/dict of them)."""
        for t in flatten(tensor)[0]:
            if isinstance(t, Variable):
                self._variables[id(t)] = t
                t = t._variable
            if isinstance(t, EagerTensor):
                self._tracked[id(t)] = t
            elif not isinstance(t, Tensor):
                raise ValueError(hinted(f"Passed in object {t!r} of type {type(t).__name__!r}, not tf.Tensor or "
                                        "tf.Variable.", "tape.watch necesita tensores (tf.constant) o variables."))

    def watched_variables(self):
        return tuple(self._variables.values())

    def _variable_accessed(self, handle):
        var = handle.variable()
        if self._watch_accessed and var is not None and var.trainable:
            self.watch(var)

    def _record(self, op):
        tracked = self._tracked
        if any(id(t) in tracked for t in op.inputs):
            self._ops.append(op)
            for t in op.outputs:
                tracked[id(t)] = t

    # --- differentiating
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, in the structure of `sources`; None where a source does not
        affect the target (or zeros with `unconnected_gradients=tf.UnconnectedGradients.ZERO`)."""
        if self._used and not self._persistent:
            raise RuntimeError(hinted(
                "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)",
                "para pedir varios gradientes a la misma cinta créala con tf.GradientTape(persistent=True)."))
        self._used = True
        if target is None:
            raise TypeError(hinted(
                "Argument `target` should be a list or nested structure of Tensors, Variables or CompositeTensors to "
                "be differentiated, but received None.",
                "el tensor que quieres derivar es None: suele venir de otro cinta.gradient(...) que devolvió None "
                "porque su cinta no vigilaba la entrada (un tf.constant se vigila con cinta.watch(x))."))
        targets = flatten(target)[0]
        flat_sources, rebuild = flatten(sources)
        if output_gradients is not None:
            output_gradients = flatten(output_gradients)[0]
        zero = unconnected_gradients in (UnconnectedGradients.ZERO, "zero")
        if not all(isinstance(t, EagerTensor) or isinstance(t, Variable) and isinstance(t._variable, EagerTensor)
                   for t in targets):
            grads = self._graph_gradient(targets, flat_sources, output_gradients, unconnected_gradients)
        else:
            with self.stop_recording():
                grads = self._eager_gradient(targets, flat_sources, output_gradients)
        if zero:
            from ..ops.array_ops import zeros_like
            grads = [zeros_like(s) if g is None else g for g, s in zip(grads, flat_sources)]
        return rebuild(grads)

    def _eager_gradient(self, targets, sources, output_gradients):
        from ..gradients import gradients
        from ..ops.array_ops import placeholder
        graph, sym, feeds = Graph(), {}, {}

        def symbol(t):  # the scratch-graph tensor for eager tensor t (a placeholder for values from outside)
            s = sym.get(id(t))
            if s is None:
                s = sym[id(t)] = placeholder(t.dtype, t.shape)
                feeds[s] = t
            return s
        with graph.as_default():
            for op in self._ops:
                g_op = graph.create_op(op.type, [symbol(t) for t in op.inputs], op.attrs, op.type,
                                       [(t.shape, t.dtype) for t in op.outputs], ("<GradientTape>", 0))
                for t, s in zip(op.outputs, g_op.outputs):
                    sym[id(t)], feeds[s] = s, t
            ys, grad_ys = [], []
            for i, y in enumerate(targets):
                y = y._variable if isinstance(y, Variable) else y
                if id(y) in sym:
                    ys.append(sym[id(y)])
                    if output_gradients is not None:
                        grad_ys.append(symbol(context.eager_value(output_gradients[i], y.dtype)))
            keys = [s._variable if isinstance(s, Variable) else s for s in sources]
            for k in keys:
                if not isinstance(k, EagerTensor):
                    raise ValueError(hinted(f"Cannot differentiate with respect to {k!r}: not a tensor or variable.",
                                            "las fuentes de tape.gradient deben ser tensores vigilados o variables."))
            xs = [sym.get(id(k)) if id(k) in self._tracked and k.dtype.is_floating else None for k in keys]
            wanted = [x for x in xs if x is not None]
            if not ys or not wanted:
                return [None] * len(sources)
            grads = dict(zip(wanted, gradients(ys, wanted, grad_ys=grad_ys or None)))
        todo = [g for g in grads.values() if g is not None]
        values = dict(zip(todo, run_graph_eagerly(todo, feeds)))
        return [None if x is None or grads[x] is None else values[grads[x]] for x in xs]

    def _graph_gradient(self, targets, sources, output_gradients, unconnected_gradients):
        """Inside a graph (a tf.function being traced): symbolic gradients of that graph."""
        from ..gradients import gradients
        graph = get_default_graph()
        xs = [context.capture(graph, s._variable) if isinstance(s, Variable) and isinstance(s._variable, EagerTensor)
              else s for s in sources]
        ys = [convert_to_tensor(y) for y in targets]
        return gradients(ys, xs, grad_ys=output_gradients, unconnected_gradients=unconnected_gradients)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE, **unused):
        """d target[i...] / d source for every element of target: shape target.shape + source.shape."""
        from ..ops.array_ops import reshape, stack, zeros_like
        flat_sources, rebuild = flatten(sources)
        persistent, self._persistent = self._persistent, True
        try:
            y = convert_to_tensor(target)
            with self._resumed():
                flat_y = reshape(y, [-1])
            rows = []
            for i in range(int(y.shape.num_elements())):
                with self._resumed():
                    yi = flat_y[i]
                rows.append(self.gradient(yi, flat_sources, unconnected_gradients=unconnected_gradients))
        finally:
            self._persistent = persistent
        out = []
        for k, s in enumerate(flat_sources):
            col = [r[k] if r[k] is not None else zeros_like(s) for r in rows]
            if all(r[k] is None for r in rows) and unconnected_gradients != UnconnectedGradients.ZERO:
                out.append(None)
            else:
                out.append(reshape(stack(col), y.shape.as_list() + s.shape.as_list()))
        return rebuild(out)
