"""`Session`: runs the part of a graph that some fetches need.

`sess.run(fetches, feed_dict)` works in two steps:
1. *plan* (once per combination of fetches and fed tensors, then cached): walk back from the fetches to find the
   ops they need (stopping at fed tensors), put them in dependency order, and write them as a small Python function,
   one line per op, that deletes each value after its last use (`_Plan` shows one);
2. *execute*: call that function with the fed values, and arrange the fetched values like `fetches` (a tensor, a
   list, a dict, a namedtuple...).
The graph only grows and its ops never change, so a cached plan stays valid for the life of the graph.
"""
import collections
import contextlib
import itertools
import threading

import numpy as np

from .errors import InvalidArgumentError, OpError, ResourceExhaustedError, from_numpy, hinted
from .framework import OPS, Operation, Tensor, _default_graphs, get_default_graph

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
    if hasattr(fetches, "_parts"):  # a SparseTensor: its three tensors, given back as one value
        tensors, make = fetches._parts()
        rebuild = _flatten_fetches(graph, list(tensors), out)
        return lambda vals: make(*rebuild(vals))
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
    """The ops a run needs, compiled into one small Python function.

    Planning walks back from the fetches (stopping at fed tensors), puts the ops in dependency order and writes a
    program with one line per op; `print(plan.source)` shows it. For `sess.run(loss, {x: ..., y: ...})`:

        def run(sess, feed0, feed1):
            v5 = f5(sess, o5, shape=a5_shape, dtype=a5_dtype)  # W (VariableV2)
            v8 = f8(feed0, v5, transpose_a=a8_transpose_a, transpose_b=a8_transpose_b)  # MatMul (MatMul)
            del feed0, v5
            ...
            return [_own(v12)]

    Values live in local variables, deleted right after their last use. Three shortcuts keep runs cheap:
    - constants are globals of the program (`c3`), and so are the outputs of ops whose inputs are all constants:
      they are computed once, when planning (constant folding, as TensorFlow's Grappler does);
    - an Identity (such as a variable's `read`) is just another name for its input;
    - each line passes the op's attributes (and, for stateful ops, the session and the op) straight to its forward.
    A variable's value is read again (`v5 = f5(...)` once more) before an op that runs after an assignment or another
    stateful op, so that an op built inside `tf.control_dependencies([assign])` sees the assigned value.
    When a line raises, its line number tells which op failed."""

    __slots__ = ("ops", "source", "run", "_line_ops", "_filename")
    _count = itertools.count()

    def __init__(self, elements, fed):
        fed_set = set(fed)
        roots = [e.op if isinstance(e, Tensor) else e for e in elements if e not in fed_set]  # a fed fetch is its feed
        name = {t: f"feed{i}" for i, t in enumerate(fed)}  # tensor -> the variable (or global) holding its value
        env = {"_own": _own, "_fed": np.array}  # the program's globals: constants, forwards, ops and attributes
        steps, self.ops = [], []  # steps: (op, input variables, call, output variables)
        reads, fresh = {}, set()  # variable -> (VariableV2 op, its call); variables read since the last stateful op
        for op in _topological_order(roots, fed_set):
            opdef = OPS[op.type]
            ins = [name[t] for k, t in enumerate(op.inputs) if k not in opdef.ref_inputs]
            if op.type == "Identity" and not op.control_inputs:
                name[op.outputs[0]] = ins[0]
                continue
            for n in ins:  # an assignment may have run since the variable was read (tf.control_dependencies)
                if n in reads and n not in fresh:
                    steps.append((reads[n][0], [], reads[n][1], [n]))
                    fresh.add(n)
            self.ops.append(op)
            i = op._id
            values = _folded(op, opdef, [env[n] for n in ins]) if all(n in env for n in ins) else None
            outs = [("v" if values is None else "c") + (f"{i}_{k}" if k else f"{i}") for k in range(len(op.outputs))]
            for t, n in zip(op.outputs, outs):
                name.setdefault(t, n)  # (a fed output keeps its feed)
            if values is not None:  # computed once, now: its outputs become globals
                env.update(zip(outs, values))
                continue
            env[f"f{i}"], env[f"o{i}"] = opdef.forward, op
            env.update((f"a{i}_{key}", value) for key, value in op.attrs.items())
            args = (["sess", f"o{i}"] if opdef.stateful else []) + ins + [f"{key}=a{i}_{key}" for key in op.attrs]
            steps.append((op, [n for n in ins if n not in env], f"f{i}({', '.join(args)})", outs))
            if op.type == "VariableV2":
                reads[outs[0]] = (op, steps[-1][2])
                fresh.add(outs[0])
            elif opdef.stateful:
                fresh.clear()
        fetched = [name[e] if isinstance(e, Tensor) else None for e in elements]
        last_use = {}  # variable -> the last step reading it
        for s, (_, ins, _, _) in enumerate(steps):
            last_use.update((n, s) for n in ins)
        dead = [[] for _ in steps]
        for n, s in last_use.items():
            if n not in fetched:
                dead[s].append(n)
        lines = [f"def run(sess{''.join(f', feed{i}' for i in range(len(fed)))}):"]
        self._line_ops = {}
        for s, (op, _, call, outs) in enumerate(steps):
            outs = [n if n in last_use or n in fetched else "_" for n in outs]
            self._line_ops[len(lines) + 1] = op
            lines.append(f"    {', '.join(outs) + ' = ' if outs else ''}{call}  # {op.name} ({op.type})")
            if dead[s]:
                lines.append(f"    del {', '.join(dead[s])}")
        own = ["None" if n is None else f"_fed({n})" if e in fed_set else f"_own({n})" for n, e in zip(fetched, elements)]
        lines.append(f"    return [{', '.join(own)}]")
        self.source = "\n".join(lines) + "\n"
        self._filename = f"<plan {next(self._count)}>"
        exec(compile(self.source, self._filename, "exec"), env)
        self.run = env["run"]

    def failed_op(self, traceback):
        """The op whose line raised an exception (from the exception's traceback)."""
        op = None
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == self._filename:
                op = self._line_ops.get(traceback.tb_lineno, op)
            traceback = traceback.tb_next
        return op


_FOLD_LIMIT = 100_000  # elements: larger results are computed at each run rather than kept in the plan


def _folded(op, opdef, values):
    """The outputs of `op` computed now from constant inputs, or None when it must run each time (it has effects or
    control inputs, fails, or its result is big)."""
    if opdef.stateful or op.control_inputs:
        return None
    try:
        with np.errstate(all="ignore"):
            out = opdef.forward(*values, **op.attrs)
    except Exception:  # noqa: BLE001 (it fails again at run time, with the usual error)
        return None
    outs = [out] if len(op.outputs) == 1 else list(out or ())
    if op.type != "Const" and any(np.size(v) > _FOLD_LIMIT for v in outs):
        return None
    for v in outs:
        if isinstance(v, np.ndarray):
            v.setflags(write=False)  # shared by every run: a fetch gets a copy (see _own)
    return outs


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
        if isinstance(fetches, (Tensor, Operation)) and fetches.graph is graph:  # the common case, directly
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
            plan = self._plans[key] = _Plan(elements, fed)
        results = self._execute(plan, values)
        return results[0] if rebuild is None else rebuild(results)

    def _execute(self, plan, feed_values):
        with np.errstate(all="ignore"):  # like TensorFlow: inf and nan, without NumPy's RuntimeWarnings
            return self._call(plan, feed_values)

    def _call(self, plan, feed_values):
        """Runs `plan` with TensorFlow's errors (inside `_execute`: a loop calls it at each iteration)."""
        try:
            return plan.run(self, *feed_values)
        except OpError:
            raise
        except MemoryError as e:
            op = plan.failed_op(e.__traceback__)
            raise ResourceExhaustedError(None, op, f"OOM when computing {op.name}") from None
        except Exception as e:  # a NumPy error on bad values: TensorFlow's words, the op and where it was created
            raise InvalidArgumentError(None, plan.failed_op(e.__traceback__), from_numpy(e)) from None

    def _subrun(self, tensors, feeds):
        """Evaluates `tensors` with `feeds` inside a running step (used by `cond` for the branch it takes)."""
        fed = tuple(feeds)
        out = self._execute(self._subplan(tensors, fed), [feeds[t] for t in fed])
        return out[0] if len(out) == 1 else tuple(out)

    def _subplan(self, tensors, fed):
        """The plan computing `tensors` from the values of the `fed` tensors, in that order (a loop runs it with
        `_execute` at each iteration)."""
        key = (tuple(tensors), tuple(fed), "sub")
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(list(tensors), tuple(fed))
        return plan

    def _check_feeds(self, feed_dict):
        fed, values = [], []
        for key, value in feed_dict.items():
            if key.__class__ is Tensor and key.op.graph is self.graph:  # the common case
                t = key
            elif hasattr(key, "_parts"):  # a SparseTensor: feeds its three tensors (a SparseTensorValue or a triple)
                more_fed, more_values = self._check_feeds(dict(zip(key._parts()[0], value)))
                fed.extend(more_fed)
                values.extend(more_values)
                continue
            else:
                t = self._feed_key(key)
            if not (value.__class__ is np.ndarray and value.dtype == t.dtype.np  # the common case: nothing to do
                    and t.shape.is_compatible_with(value.shape)):
                value = self._feed_value(t, value)
            fed.append(t)
            values.append(value)
        return tuple(fed), values

    _FEED_NAME_HINT = ("usa como clave la variable de Python del placeholder, feed_dict={x: valor}, no su nombre "
                       "entre comillas (un nombre de tensor lleva la salida: 'x:0').")

    def _feed_key(self, key):
        try:
            t = self.graph.as_graph_element(key)
        except (TypeError, ValueError, KeyError) as e:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}" + (hinted("", self._FEED_NAME_HINT) if
                                                                               isinstance(key, str) else "")) from None
        if not isinstance(t, Tensor):
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r} is an Operation, not a Tensor."
                            + (hinted("", self._FEED_NAME_HINT) if isinstance(key, str) else ""))
        return t

    @staticmethod
    def _feed_value(t, value):
        """`value` as an array for `t`, with TensorFlow's checks and errors. Runs take an array of t's dtype and shape
        as it is (`_check_feeds`); anything else comes here: a Python number (kept cheap: runs in a loop often feed
        one), a list, an array of another dtype or shape..."""
        if hasattr(value, "_as_graph_element"):
            raise TypeError(hinted(
                "The value of a feed cannot be a tf.Tensor object. Acceptable feed values include Python scalars, "
                f"strings, lists, numpy ndarrays, or TensorHandles. For reference, the tensor object was {value} "
                f"which was passed to the argument `feed_dict` with key {t}.",
                "feed_dict necesita valores (números, listas, arrays de NumPy), no tensores: si el valor sale de "
                "otro tensor, calcúlalo antes con sess.run."))
        dtype = t.dtype
        if isinstance(value, int) and not isinstance(value, bool) and not _fits(value, dtype.np):  # as TensorFlow
            raise TypeError(hinted(f"Type of feed value {value} with type {type(value)} is not compatible with Tensor "
                                   f"type {dtype}. Try explicitly setting the type of the feed tensor to a larger "
                                   "type (e.g. int64).", _dtype_hint(t)))
        if isinstance(value, float) and dtype.is_integer and not np.isfinite(value):
            raise OverflowError(hinted(f"Cannot feed value {value} to Tensor '{t.name}' of dtype {dtype.name}: "
                                       "cannot convert float infinity or NaN to an integer", _dtype_hint(t)))
        try:
            arr = np.asarray(value, dtype=dtype.np)
        except (TypeError, ValueError) as e:
            raise ValueError(hinted(f"Cannot feed value {value!r} to Tensor '{t.name}' of dtype {dtype.name}: {e}",
                                    _dtype_hint(t))) from None
        if not t.shape.is_compatible_with(arr.shape):
            raise ValueError(hinted(
                f"Cannot feed value of shape {tuple(arr.shape)} for Tensor '{t.name}', which has shape "
                f"'{t.shape.feed_str()}'",
                f"el valor tiene forma {tuple(arr.shape)} pero el tensor espera {t.shape.feed_str()} "
                "('?' admite cualquier tamaño): revisa las dimensiones o usa np.reshape."))
        return arr

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with positional feeds for `feed_list` (skips the per-run bookkeeping)."""
        feed_list = list(feed_list or [])

        def call(*args):
            return self.run(fetches, dict(zip(feed_list, args)))
        return call


def _fits(number, np_dtype):
    """Whether the Python int `number` keeps its value in `np_dtype` (2 does not in bool, 2**40 not in int32)."""
    try:
        return np_dtype.type(number) == number
    except OverflowError:
        return False


def _dtype_hint(t):
    return (f"'{t.name}' espera valores de tipo {t.dtype.name}: convierte los datos, p. ej. "
            f"np.asarray(datos, dtype=np.{t.dtype.name}).")


def _own(value):
    """Fetched values belong to the caller: a NumPy scalar for rank 0 (as TensorFlow returns), and a copy of arrays
    the engine keeps (constants, variables, broadcast views). A fetched tensor that was fed gives back a copy of its
    feed (`_fed`), an array also of rank 0, as in TensorFlow."""
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
