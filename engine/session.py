"""`Session`: runs the part of a graph that some fetches need.

`sess.run(fetches, feed_dict)` works in two steps:
1. *plan* (once per combination of fetches and fed tensors, then cached): walk back from the fetches to find the
   ops they need (stopping at fed tensors), put them in dependency order, give every tensor a numbered slot and
   note after which step each slot is no longer needed;
2. *execute*: fill the fed slots, call each op's NumPy forward on its input slots, free slots after their last
   use, and return the fetched slots arranged like `fetches` (a tensor, a list, a dict, a namedtuple...).
The graph only grows and its ops never change, so a cached plan stays valid for the life of the graph.
"""
import collections
import contextlib
import functools
import threading

import numpy as np

from .errors import InvalidArgumentError, OpError, ResourceExhaustedError, hinted
from .framework import OPS, Tensor, _default_graphs, get_default_graph

# ---------------------------------------------------------------------------------------------------------------
# Default session (per thread)
# ---------------------------------------------------------------------------------------------------------------


class _SessionStack(threading.local):
    def __init__(self):
        self.stack = []


_sessions = _SessionStack()


def get_default_session():
    """The session used by `t.eval()` and `op.run()`: the innermost `with sess.as_default()` (or `with Session()`),
    or the last open InteractiveSession."""
    return _sessions.stack[-1] if _sessions.stack else None


# ---------------------------------------------------------------------------------------------------------------
# Fetches: any nesting of lists, tuples, namedtuples and dicts of graph elements
# ---------------------------------------------------------------------------------------------------------------


def _flatten_fetches(graph, fetches, out):
    """Appends the graph elements of `fetches` to `out`; returns a function rebuilding the structure from values."""
    if isinstance(fetches, (list, tuple)) and not hasattr(fetches, "_as_graph_element"):
        parts = [_flatten_fetches(graph, f, out) for f in fetches]
        if hasattr(fetches, "_fields"):  # namedtuple
            return lambda vals: type(fetches)(*[p(vals) for p in parts])
        kind = type(fetches)
        return lambda vals: kind(p(vals) for p in parts)
    if isinstance(fetches, collections.abc.Mapping):
        keys = list(fetches)
        parts = [_flatten_fetches(graph, fetches[k], out) for k in keys]
        kind = type(fetches) if not isinstance(fetches, collections.defaultdict) else dict
        return lambda vals: kind(zip(keys, (p(vals) for p in parts)))
    index = len(out)
    out.append(_as_element(graph, fetches))
    return lambda vals: vals[index]


def _as_element(graph, fetch):
    if fetch is None:
        raise TypeError(f"Fetch argument None has invalid type {type(None)}" + hinted(
            "", "sess.run recibió None: ¿es un gradiente de tf.gradients que vale None porque y no depende de esa x, "
                "o una función sin return?"))
    try:
        return graph.as_graph_element(fetch)
    except TypeError as e:
        raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a string or Tensor. ({e})"
                        + hinted("", "sess.run solo calcula tensores y operaciones del grafo, no valores de Python."
                                 )) from None
    except ValueError as e:
        raise ValueError(hinted(
            f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e})",
            "ese tensor pertenece a otro grafo: crea la sesión con tf.Session(graph=g) para el grafo correcto.")) \
            from None
    except KeyError as e:
        raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e.args[0]})") from None


# ---------------------------------------------------------------------------------------------------------------
# Execution plan
# ---------------------------------------------------------------------------------------------------------------


class _Plan:
    """The ops a run needs, in order, with the slots they read, write and free.

    Two shortcuts keep runs cheap: constants are placed in a template of slots once (no step runs for them), and an
    Identity (such as a variable's `read`) shares its input's slot. Each step's attributes (and, for stateful ops,
    the session and the op) are bound once with functools.partial."""

    __slots__ = ("steps", "template", "fetch_slots")

    def __init__(self, elements, fed, sess):
        fed_set = set(fed)
        roots = [e.op if isinstance(e, Tensor) else e for e in elements if e not in fed_set]  # a fed fetch is its feed
        slot = {t: i for i, t in enumerate(fed)}
        template, ops = [None] * len(fed), []
        for op in _topological_order(roots, fed_set):
            if op.type == "Const":
                slot[op.outputs[0]] = len(template)
                template.append(op.attrs["value"])
            elif op.type == "Identity" and not op.control_inputs:
                slot[op.outputs[0]] = slot[op.inputs[0]]
            else:
                for t in op.outputs:
                    if t not in slot:
                        slot[t] = len(template)
                        template.append(None)
                ops.append(op)
        fetch_slots = [slot[e] if isinstance(e, Tensor) else None for e in elements]
        keep = set(fetch_slots) | set(range(len(fed))) | {s for s, v in enumerate(template) if v is not None}
        last_use = {}  # slot -> the last step reading it, so it can be freed right after
        for i, op in enumerate(ops):
            for k, t in enumerate(op.inputs):
                if k not in OPS[op.type].ref_inputs:
                    last_use[slot[t]] = i
        frees = [[] for _ in ops]
        for s, i in last_use.items():
            if s not in keep:
                frees[i].append(s)
        for i, op in enumerate(ops):  # outputs nobody reads
            frees[i].extend(slot[t] for t in op.outputs if slot[t] not in last_use and slot[t] not in keep)
        self.steps = []
        for i, op in enumerate(ops):
            opdef = OPS[op.type]
            forward = functools.partial(opdef.forward, sess, op, **op.attrs) if opdef.stateful else (
                functools.partial(opdef.forward, **op.attrs) if op.attrs else opdef.forward)
            ins = tuple(slot[t] for k, t in enumerate(op.inputs) if k not in opdef.ref_inputs)
            outs = tuple(slot[t] for t in op.outputs)
            self.steps.append((forward, ins, outs[0] if len(outs) == 1 else outs, tuple(frees[i]), op))
        self.template = template
        self.fetch_slots = fetch_slots


def _writes(op):
    return OPS[op.type].writes


def _topological_order(roots, fed):
    """The ops needed for `roots`, each after its inputs and control inputs.

    Ops that write variables (Assign, Apply...) run as late as their consumers allow, so that a run such as
    `sess.run([train, loss])` reads every variable before updating it, as TensorFlow does. Iterative: no recursion
    limit, however long the graph."""
    deps, stack = {}, list(roots)
    while stack:  # 1. the needed ops and what each waits for
        op = stack.pop()
        if op in deps:
            continue
        ref = OPS[op.type].ref_inputs
        waits = [t.op for k, t in enumerate(op.inputs) if k not in ref and t not in fed]
        waits += [c for c in op.control_inputs if not (c.outputs and all(t in fed for t in c.outputs))]
        deps[op] = waits = list(dict.fromkeys(waits))
        stack.extend(w for w in waits if w not in deps)
    waiting, users = {}, {}
    for op, waits in deps.items():
        waiting[op] = len(waits)
        for w in waits:
            users.setdefault(w, []).append(op)
    ready = sorted((op for op, n in waiting.items() if n == 0), key=lambda op: op._id, reverse=True)
    readers = [op for op in ready if not _writes(op)]
    writers = [op for op in ready if _writes(op)]
    order = []
    while readers or writers:  # 2. Kahn's algorithm, preferring ops that only read
        op = readers.pop() if readers else writers.pop()
        order.append(op)
        for user in users.get(op, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                (writers if _writes(user) else readers).append(user)
    return order


# ---------------------------------------------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------------------------------------------


class Session:
    """An environment that runs a graph: `with tf.Session() as sess: print(sess.run(y))`.

    It owns the values of the graph's variables (each session its own) and the state of its random ops."""

    _MAX_PLANS = 512

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        self._closed = False
        self._vars = {}    # VariableV2 op -> current value
        self._rngs = {}    # random op -> numpy Generator
        self._plans = {}
        self._default_ctx = []

    # --- lifecycle
    def close(self):
        self._closed = True
        self._vars.clear()
        self._plans.clear()

    @property
    def closed(self):
        return self._closed

    def __enter__(self):
        ctx = contextlib.ExitStack()
        ctx.enter_context(self.graph.as_default())
        ctx.enter_context(self.as_default())
        self._default_ctx.append(ctx)
        return self

    def __exit__(self, *exc):
        self._default_ctx.pop().close()
        self.close()

    @contextlib.contextmanager
    def as_default(self):
        """`with sess.as_default():` makes `t.eval()` and `op.run()` use this session."""
        _sessions.stack.append(self)
        try:
            yield self
        finally:
            _sessions.stack.remove(self) if self in _sessions.stack else None

    def list_devices(self):
        return [collections.namedtuple("Device", "name device_type memory_limit_bytes")(
            "/job:localhost/replica:0/task:0/device:CPU:0", "CPU", 0)]

    # --- running
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes `fetches` (tensor, op, variable, name, or a list/tuple/dict/namedtuple nesting of them) and
        returns their values in the same structure; ops give None. `feed_dict` replaces tensor values for this run."""
        if self._closed:
            raise RuntimeError(hinted("Attempted to use a closed Session.",
                                      "la sesión ya se cerró (close() o fin del bloque with): crea otra, y vuelve a "
                                      "inicializar sus variables."))
        graph = self.graph
        if not graph._ops:
            raise RuntimeError(hinted("The Session graph is empty. Add operations to the graph before calling run().",
                                      "la sesión ejecuta el grafo que tenía al crearla; ¿creaste las operaciones en "
                                      "otro grafo (p. ej. tras tf.reset_default_graph())?"))
        if isinstance(fetches, Tensor) and fetches.op.graph is graph:  # the common case, without the general machinery
            elements, rebuild = [fetches], None
        else:
            elements = []
            rebuild = _flatten_fetches(graph, fetches, elements)
        if feed_dict:
            fed, values = self._check_feeds(feed_dict)
        else:
            fed, values = (), ()
        key = (tuple(elements), fed)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= self._MAX_PLANS:
                self._plans.clear()
            plan = self._plans[key] = _Plan(elements, fed, self)
        results = self._execute(plan, values)
        return results[0] if rebuild is None else rebuild(results)

    def _execute(self, plan, feed_values):
        vals = plan.template.copy()
        vals[:len(feed_values)] = feed_values
        step = None
        try:
            with np.errstate(all="ignore"):  # like TensorFlow: inf and nan, without NumPy's RuntimeWarnings
                for step in plan.steps:
                    forward, ins, out, frees, _ = step
                    result = forward(*[vals[i] for i in ins])
                    if out.__class__ is int:
                        vals[out] = result
                    else:  # several outputs (or none)
                        for s, r in zip(out, result or ()):
                            vals[s] = r
                    for s in frees:
                        vals[s] = None
        except OpError:
            raise
        except MemoryError:
            raise ResourceExhaustedError(None, step[4], f"OOM when computing {step[4].name}") from None
        except Exception as e:  # a NumPy error on bad values: name the op and where it was created
            raise InvalidArgumentError(None, step[4], str(e) or type(e).__name__) from None
        return [None if s is None else _own(vals[s]) for s in plan.fetch_slots]

    def _subrun(self, tensors, feeds):
        """Evaluates `tensors` with `feeds` inside a running step (used by `cond` for the branch it takes)."""
        fed = tuple(feeds)
        key = (tuple(tensors), fed, "sub")
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(list(tensors), fed, self)
        out = self._execute(plan, [feeds[t] for t in fed])
        return out[0] if len(out) == 1 else tuple(out)

    def _check_feeds(self, feed_dict):
        fed, values = [], []
        for key, value in feed_dict.items():
            try:
                t = self.graph.as_graph_element(key)
            except (TypeError, ValueError, KeyError) as e:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
            if not isinstance(t, Tensor):
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r} is an Operation, not a Tensor.")
            if hasattr(value, "_as_graph_element"):
                raise TypeError(hinted(
                    "The value of a feed cannot be a tf.Tensor object. Acceptable feed values include Python scalars, "
                    f"strings, lists, numpy ndarrays, or TensorHandles. For reference, the tensor object was {value} "
                    f"which was passed to the argument `feed_dict` with key {t}.",
                    "feed_dict necesita valores (números, listas, arrays de NumPy), no tensores: si el valor sale de "
                    "otro tensor, calcúlalo antes con sess.run."))
            try:
                arr = np.asarray(value, dtype=t.dtype.as_numpy_dtype)
            except (TypeError, ValueError) as e:
                raise ValueError(hinted(
                    f"Cannot feed value {value!r} to Tensor '{t.name}' of dtype {t.dtype.name}: {e}",
                    f"'{t.name}' espera valores de tipo {t.dtype.name}: convierte los datos, p. ej. "
                    f"np.asarray(datos, dtype=np.{t.dtype.name}).")) from None
            if not t.shape.is_compatible_with(arr.shape):
                raise ValueError(hinted(
                    f"Cannot feed value of shape {tuple(arr.shape)} for Tensor '{t.name}', which has shape "
                    f"'{t.shape.feed_str()}'",
                    f"el valor tiene forma {tuple(arr.shape)} pero el tensor espera {t.shape.feed_str()} "
                    "('?' admite cualquier tamaño): revisa las dimensiones o usa np.reshape."))
            fed.append(t)
            values.append(arr)
        return tuple(fed), values

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with positional feeds for `feed_list` (skips the per-run bookkeeping)."""
        feed_list = list(feed_list or [])

        def call(*args):
            return self.run(fetches, dict(zip(feed_list, args)))
        return call


def _own(value):
    """Fetched values belong to the caller: a NumPy scalar for rank 0 (as TensorFlow returns), and a copy of arrays
    the engine keeps (constants, variables, broadcast views)."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()]
        if not value.flags.writeable:
            return value.copy()
    return value


class InteractiveSession(Session):
    """A session that makes itself the default on creation (for notebooks): `t.eval()` works right away."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _sessions.stack.append(self)
        self._graph_ctx = None
        if self.graph is not get_default_graph():  # ops created next go to this session's graph
            self._graph_ctx = self.graph.as_default()
            self._graph_ctx.__enter__()

    def close(self):
        super().close()
        if self in _sessions.stack:
            _sessions.stack.remove(self)
        if self._graph_ctx is not None and self.graph in _default_graphs.stack:
            _default_graphs.stack.remove(self.graph)
            self._graph_ctx = None
