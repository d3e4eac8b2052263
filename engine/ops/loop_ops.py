"""Loops: `while_loop`, `scan`, `map_fn`, `foldl`, `foldr` and `TensorArray`, with gradients.

A loop is one `While` op. Its body is built once, like a branch of `cond`: the body function is called with
placeholders standing for the loop variables (`while/Identity`, `while/Identity_1`...), and the ops it creates are
ordinary ops of the graph that nothing outside the loop consumes. Running the `While` op runs those ops again and
again with the session's own planner (`sess._subplan`), feeding each iteration the values the previous one computed.
Outer tensors the body reads (weights, placeholders) are *captured*: inputs of the While op, computed once.

Besides loop variables, a While op may take *sliced* inputs (iteration i sees row i of a tensor, as in `scan` and
`map_fn`) and give *stacked* outputs (row i is the value a body tensor had at iteration i) and *summed* outputs.
With them, the gradient of a loop is another loop that runs backwards:
- the forward loop records the values of its loop variables at every iteration (a stacked output, `history`);
- the gradient loop feeds them back, last iteration first, into the same placeholders and runs the body's gradient,
  built once with `tf.gradients` on the body's ops: the gradients of the loop variables are its loop variables, the
  gradients of the sliced inputs its stacked outputs, and the gradients of the captured tensors its summed outputs.
The gradient loop is an ordinary While op, so it has a gradient too (second derivatives).
"""
import numpy as np

from .. import dtypes as _dt
from .. import framework
from ..errors import hinted
from ..framework import OPS, control_dependencies, convert_to_tensor, defop, get_default_graph, is_tensor, make_op
from ..shapes import TensorShape, as_shape
from .array_ops import (concat, expand_dims, fill, gather, identity, placeholder, reshape, shape, stack, unstack,
                        zeros_like)

# ---------------------------------------------------------------------------------------------------------------
# What one iteration computes
# ---------------------------------------------------------------------------------------------------------------

_NOT_EFFECTS = {"Placeholder", "VariableV2", "Const"}


def _has_effect(op):
    """Ops that must run at every iteration even when they read no loop variable: random draws, assignments,
    prints (a constant or a product of weights is computed once, before the loop)."""
    return OPS[op.type].stateful and op.type not in _NOT_EFFECTS


def _trace(outputs, fed, start):
    """The ops of one iteration and the outer tensors they capture.

    An op belongs to the iteration when it reads a `fed` tensor (a loop variable, a slice) or another op of the
    iteration, or when it has an effect and was created while building the body (op ids from `start` on). The
    other tensors the iteration reads are computed once, outside: the captures."""
    needed, todo = set(), [t.op for t in outputs if t not in fed]
    while todo:
        op = todo.pop()
        if op not in needed:
            needed.add(op)
            todo.extend(t.op for t in op.inputs if t not in fed)
            todo.extend(op.control_inputs)
    inside = set()
    for op in sorted(needed, key=lambda o: o._id):
        if (op._id >= start and _has_effect(op) or any(t in fed or t.op in inside for t in op.inputs)
                or any(c in inside for c in op.control_inputs)):
            inside.add(op)
    captures = []
    for op in sorted(inside, key=lambda o: o._id):
        ref = OPS[op.type].ref_inputs
        captures += [t for k, t in enumerate(op.inputs)
                     if k not in ref and t not in fed and t.op not in inside and t not in captures]
    captures += [t for t in outputs if t not in fed and t.op not in inside and t not in captures]
    return inside, captures


class _Loop:
    """The structure of a While op (its `loop` attribute): placeholders and body tensors.

    var_phs / next_vars: the loop variables inside the body and their values after one iteration;
    slice_phs: tensors fed with row i of the sliced inputs at iteration i (row n-1-i when `reverse`);
    cond: a scalar bool tensor (None: run once per row of the sliced inputs);
    stacked / summed: body tensors whose values at every iteration are stacked / added up;
    summed_like: for each summed tensor, a captured tensor of its shape (the sum of no iteration is zeros like it);
    captures: the outer tensors the body reads (the op's last inputs);
    history: how many of the stacked tensors (the last ones) are recorded only for the gradient."""

    def __init__(self, var_phs, next_vars, slice_phs, cond, stacked, reverse, back_prop, start, summed=(),
                 summed_like=()):
        self.var_phs, self.next_vars, self.slice_phs, self.cond = var_phs, next_vars, slice_phs, cond
        self.summed, self.summed_like = list(summed), list(summed_like)
        self.reverse, self.back_prop = reverse, back_prop
        fed = set(var_phs) | set(slice_phs)
        outs = next_vars + stacked + self.summed + ([cond] if cond is not None else [])
        inside, self.captures = _trace(outs, fed, start)
        self.captures += [c for c in self.summed_like if c not in self.captures]  # zeros of their shape if n = 0
        # the gradient needs, at each iteration, the loop variables and the draws of random ops (same mask twice)
        recorded = list(var_phs) + [t for op in sorted(inside, key=lambda o: o._id)
                                    if _has_effect(op) and OPS[op.type].grad is None and op.type != "While"
                                    for t in op.outputs] if back_prop else []
        self.stacked, self.history = stacked + recorded, len(recorded)

    def __repr__(self):
        return f"<loop of {len(self.var_phs)} variables>"


def _static_rows(slices):
    dims = [t.shape.dims[0] if t.shape.rank else None for t in slices]
    return None if not dims or None in dims else min(dims)


def _while_infer(inputs, attrs):
    loop = attrs["loop"]
    n = _static_rows(inputs[len(loop.var_phs):len(loop.var_phs) + len(loop.slice_phs)])
    return ([(p.shape, p.dtype) for p in loop.var_phs]
            + [(TensorShape([n]).concatenate(t.shape), t.dtype) for t in loop.stacked]
            + [(like.shape.merge_with(t.shape), t.dtype) for t, like in zip(loop.summed, loop.summed_like)])


def _rows(values, n, tensor):
    """The values a stacked output had at each iteration as one array (n rows when the loop is sliced, unwritten
    rows zero); an object array when their shapes differ (loop variables whose shape changes)."""
    shapes = {np.shape(v) for v in values}
    if len(shapes) > 1:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    shape = shapes.pop() if shapes else tuple(d or 0 for d in (tensor.shape.dims or ()))
    out = np.zeros((len(values) if n is None else n,) + shape, dtype=tensor.dtype.as_numpy_dtype)
    if values:
        out[:len(values)] = values
    return out


def _while_forward(sess, op, *values, loop):
    k, m = len(loop.var_phs), len(loop.slice_phs)
    state, slices, captured = list(values[:k]), values[k:k + m], list(values[k + m:])
    n = min(len(s) for s in slices) if slices else None
    fed = loop.var_phs + loop.slice_phs + loop.captures  # the plans of one iteration are made once, before it
    cond = sess._subplan([loop.cond], fed) if loop.cond is not None else None
    body = sess._subplan(loop.next_vars + loop.stacked + loop.summed, fed)
    stacked, summed = [[] for _ in loop.stacked], [None] * len(loop.summed)
    i = 0
    while n is None or i < n:
        row = n - 1 - i if loop.reverse else i
        feeds = state + [s[row] for s in slices] + captured
        if cond is not None and not sess._call(cond, feeds)[0]:
            break
        out = sess._call(body, feeds)
        state = out[:k]
        for rows, v in zip(stacked, out[k:]):
            rows.append(v)
        for j, v in enumerate(out[k + len(stacked):]):
            summed[j] = v if summed[j] is None else summed[j] + v
        i += 1
    if loop.reverse:
        stacked = [rows[::-1] for rows in stacked]
    outs = state + [_rows(rows, n, t) for rows, t in zip(stacked, loop.stacked)]
    captured = dict(zip(loop.captures, captured))
    outs += [np.zeros_like(captured[like]) if s is None else s for s, like in zip(summed, loop.summed_like)]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _while_grad(op, *grads):
    """The backward loop (see the module's docstring)."""
    from ..gradients import gradients  # gradients.py needs the ops first
    loop = op.attrs["loop"]
    k, m, s = len(loop.var_phs), len(loop.slice_phs), len(loop.stacked)
    floating = lambda ts: [j for j, t in enumerate(ts) if t.dtype.is_floating]  # noqa: E731
    fv, fs, fc = floating(loop.var_phs), floating(loop.slice_phs), floating(loop.captures)
    gs = [j for j in range(s) if grads[k + j] is not None]  # stacked outputs that get a gradient
    gsum = [j for j in range(len(loop.summed)) if grads[k + s + j] is not None]
    ys = [loop.next_vars[j] for j in fv] + [loop.stacked[j] for j in gs] + [loop.summed[j] for j in gsum]
    if not loop.back_prop or not ys:
        return [None] * len(op.inputs)
    captures = [loop.captures[j] for j in fc]
    xs = [loop.var_phs[j] for j in fv] + [loop.slice_phs[j] for j in fs] + captures
    graph = get_default_graph()
    with graph.name_scope("while") as scope:  # (a picture shows the gradient loop as one box too)
        start = len(graph._ops)
        g_vars = [placeholder(loop.var_phs[j].dtype, loop.var_phs[j].shape, name="grad_var") for j in fv]
        g_rows = [placeholder(loop.stacked[j].dtype, loop.stacked[j].shape, name="grad_row") for j in gs]
        with control_dependencies(None):
            dxs = gradients(ys, xs, grad_ys=g_vars + g_rows + [grads[k + s + j] for j in gsum],
                            stop_gradients=captures)
            dxs = [zeros_like(x) if d is None else d for d, x in zip(dxs, xs)]
        inits = [grads[j] if grads[j] is not None else zeros_like(op.outputs[j]) for j in fv]
        # fed at iteration i (last forward iteration first): the recorded values, the slices, the stacked gradients
        recorded, history = loop.stacked[s - loop.history:], op.outputs[k + s - loop.history:k + s]
        slices = list(history) + [op.inputs[k + j] for j in range(m)] + [grads[k + j] for j in gs]
        body = _Loop(g_vars, dxs[:len(fv)], recorded + loop.slice_phs + g_rows, None, dxs[len(fv):len(fv) + len(fs)],
                     not loop.reverse, True, start, summed=dxs[len(fv) + len(fs):], summed_like=captures)
        outs = make_op("While", inits + slices + body.captures, scope, {"loop": body}).outputs
    result = [None] * len(op.inputs)
    for j, g in zip(fv, outs):
        result[j] = g
    for j, g in zip(fs, outs[len(fv):]):
        result[k + j] = g
    for j, g in zip(fc, outs[len(fv) + len(body.stacked):]):
        result[k + m + j] = g
    return result


defop("While", _while_infer, grad=_while_grad, stateful=True)(_while_forward)


def _make_loop(scope, inits, var_phs, slices, slice_phs, body_fn, cond_fn, reverse, back_prop, start):
    """Builds the body (and cond) and the While op; returns its outputs."""
    with control_dependencies(None):  # outer control dependencies wait on the While op, not on each body op
        cond = cond_fn() if cond_fn is not None else None
        next_vars, stacked = body_fn()
    loop = _Loop(var_phs, next_vars, slice_phs, cond, stacked, reverse, back_prop, start)
    return make_op("While", list(inits) + list(slices) + loop.captures, scope, {"loop": loop}).outputs


# ---------------------------------------------------------------------------------------------------------------
# Nested loop variables (tuples, lists, dicts, namedtuples such as LSTMStateTuple, TensorArrays)
# ---------------------------------------------------------------------------------------------------------------


def _flatten(structure):
    from ..eager.tape import flatten  # (engine.eager imports the ops)
    leaves, rebuild = flatten(structure)
    arrays = [leaf if isinstance(leaf, TensorArray) else None for leaf in leaves]
    tensors = [leaf.flow if isinstance(leaf, TensorArray) else leaf for leaf in leaves]

    def pack(values):
        return rebuild([v if a is None else a._with_flow(v) for v, a in zip(values, arrays)])
    return tensors, pack, arrays


def _signature(structure):
    """The nesting of a structure, lists and tuples alike (TensorFlow's assert_same_structure, check_types=False)."""
    if isinstance(structure, dict):
        return "dict", tuple((k, _signature(structure[k])) for k in sorted(structure))
    if isinstance(structure, (list, tuple)):
        return "sequence", tuple(_signature(s) for s in structure)
    return "leaf"


def _shape_error(t, before, after):
    return ValueError(hinted(
        f"Input tensor `{t.name}` enters the loop with shape {before}, but has shape {after} after one iteration. "
        "To allow the shape to vary across iterations, use the `shape_invariants` argument of tf.while_loop to "
        "specify a less-specific shape.",
        "el cuerpo del bucle debe devolver cada variable con la forma que tenía al entrar; si crece, indica "
        "shape_invariants=[tf.TensorShape([None])] para esa variable."))


def _eager():
    return framework.eager_runner is not None


# ---------------------------------------------------------------------------------------------------------------
# while_loop
# ---------------------------------------------------------------------------------------------------------------


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` is true, when the graph runs.

    `loop_vars` is a list or tuple of tensors (or nested tuples, dicts, namedtuples, TensorArrays); `body` returns the
    same structure. Each loop variable keeps its shape from one iteration to the next, unless `shape_invariants`
    allows more (e.g. `tf.TensorShape([None])`). `maximum_iterations` stops the loop after that many iterations.
    """
    if not callable(cond) or not callable(body):
        raise TypeError(hinted(f"{'cond' if not callable(cond) else 'body'} must be callable.",
                               "pasa funciones: tf.while_loop(lambda i: i < 10, lambda i: i + 1, [i0])."))
    if isinstance(loop_vars, (list, tuple)) and not loop_vars:
        raise ValueError("No loop variables provided")
    single = not isinstance(loop_vars, (list, tuple, dict))
    structure = [loop_vars] if single else loop_vars
    if maximum_iterations is not None:  # one more loop variable counts the iterations
        from .math_ops import logical_and
        structure = (convert_to_tensor(maximum_iterations, name="maximum_iterations"),
                     convert_to_tensor(0, name="iteration"), structure)
        inner_cond, inner_body = cond, body
        cond = lambda m, i, lv: logical_and(i < m, _call(inner_cond, lv))  # noqa: E731
        body = lambda m, i, lv: (m, i + 1, _as_structure(_call(inner_body, lv), lv))  # noqa: E731
        if shape_invariants is not None:
            shape_invariants = (TensorShape([]), TensorShape([]), shape_invariants)
    if _eager():
        values = structure
        while _truth(_call(cond, values)):
            values = _as_structure(_call(body, values), values)
        return _result(values, maximum_iterations, single, return_same_structure)
    graph = get_default_graph()
    with graph.name_scope(name or "while") as scope:
        tensors, pack, arrays = _flatten(structure)
        tensors = [convert_to_tensor(t, name="loop_var") for t in tensors]
        if maximum_iterations is not None and not tensors[0].dtype.is_integer:
            raise TypeError(f"maximum_iterations must be an integer, got {tensors[0].dtype.name}")
        invariants = _invariants(shape_invariants, structure, tensors, arrays)
        start = len(graph._ops)
        var_phs = [placeholder(t.dtype, s, name="Identity") for t, s in zip(tensors, invariants)]
        inside = pack(var_phs)

        def cond_fn():
            c = convert_to_tensor(_call(cond, inside))
            if c.dtype != _dt.bool or c.shape.rank not in (None, 0):
                raise TypeError(hinted(f"cond of while_loop must return a scalar bool tensor, got {c}",
                                       "la condición debe ser un booleano escalar, p. ej. lambda i: i < 10."))
            return c

        def body_fn():
            out = _as_structure(_call(body, inside), inside)
            if _signature(out) != _signature(inside):
                raise ValueError(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                                 f"{_describe(inside)}\n\nSecond structure: {_describe(out)}")
            flat = [convert_to_tensor(t) for t in _flatten(out)[0]]
            for t, new, ph, inv in zip(tensors, flat, var_phs, invariants):
                if new.dtype != t.dtype:
                    raise TypeError(f"Loop variable {t.name} enters the loop as {t.dtype.name} but the body returns "
                                    f"{new.dtype.name}" + hinted("", "el cuerpo debe devolver cada variable con el "
                                                                     "mismo dtype (usa tf.cast)."))
                if not _fits(new.shape, inv):
                    raise _shape_error(t, _py_shape(t.shape), _py_shape(new.shape))
            for arr, new in zip(arrays, _flatten(out)[2]):  # a TensorArray learns its element shape in the body
                if arr is not None and new is not None:
                    arr._element_shape = new._element_shape
            return flat, []
        outs = _make_loop(scope, tensors, var_phs, [], [], body_fn, cond_fn, False, back_prop, start)
    return _result(pack(outs[:len(tensors)]), maximum_iterations, single, return_same_structure)


def _call(fn, structure):
    return fn(*structure) if isinstance(structure, (list, tuple)) and not hasattr(structure, "_fields") \
        else fn(structure)


def _as_structure(out, like):
    """A body may return a single tensor for a single loop variable (TensorFlow wraps it in a list)."""
    if isinstance(like, (list, tuple)) and len(like) == 1 and not isinstance(out, (list, tuple)):
        return type(like)([out]) if not hasattr(like, "_fields") else like._make([out])
    return out


def _result(values, maximum_iterations, single, same_structure):
    if maximum_iterations is not None:
        values = values[2]
    if single:
        return values[0]
    if not same_structure and isinstance(values, (list, tuple)) and len(values) == 1:
        return values[0]
    return values


def _truth(c):
    return bool(getattr(c, "_value", c))


def _describe(structure):
    return f"{type(structure).__name__} {structure}"


def _py_shape(shape):
    return "<unknown>" if shape.dims is None else str(tuple(shape.dims))


def _fits(shape, invariant):
    """Whether `shape` is at least as specific as the shape invariant."""
    if invariant.dims is None:
        return True
    return shape.dims is not None and len(shape.dims) == len(invariant.dims) and all(
        i is None or d == i for d, i in zip(shape.dims, invariant.dims))


def _invariants(shape_invariants, structure, tensors, arrays):
    if shape_invariants is None:
        given = [None] * len(tensors)
    else:
        from ..eager.tape import flatten
        given = flatten(shape_invariants)[0]
        if len(given) != len(tensors):
            raise ValueError(f"shape_invariants has {len(given)} shapes for {len(tensors)} loop variables")
    out = []
    for t, s, a in zip(tensors, given, arrays):
        s = TensorShape(None) if a is not None else (t.shape if s is None else as_shape(s))
        if not _fits(t.shape, s):
            raise ValueError(f"The shape invariant specified for {t.name} is not compatible with the initial shape "
                             f"of the loop variable. It enters the loop with shape {_py_shape(t.shape)}, but the "
                             f"specified shape invariant is {_py_shape(s)}.")
        out.append(s)
    return out


# ---------------------------------------------------------------------------------------------------------------
# scan, map_fn, foldl, foldr: loops over the rows of tensors
# ---------------------------------------------------------------------------------------------------------------


def sliced_loop(fn, elems, accs=None, reverse=False, back_prop=True, name="scan"):
    """The loop under scan, map_fn, the folds and dynamic_rnn: for each row of `elems` (each a structure of tensors),
    `accs, ys = fn(accs, row)`. Returns the last accumulators and each of the `ys` stacked (row i from iteration i).
    `accs` and `ys` are structures of tensors, or None."""
    flat_elems, pack_elems, _ = _flatten(elems)
    if _eager():  # TensorFlow 2 runs the Python loop at once
        rows = list(zip(*[unstack(convert_to_tensor(e)) for e in flat_elems]))
        ys = []
        for row in rows[::-1] if reverse else rows:
            accs, y = fn(accs, pack_elems(list(row)))
            ys.append(y)
        if not ys or ys[0] is None:
            return accs, None
        columns = zip(*[_flatten(y)[0] for y in (ys[::-1] if reverse else ys)])
        return accs, _flatten(ys[0])[1]([stack(list(c)) for c in columns])
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        flat_elems = [convert_to_tensor(e, name="elems") for e in flat_elems]
        for e in flat_elems:
            if e.shape.rank == 0:
                raise ValueError(hinted(f"Elements in {name} must have rank at least 1, got {e.name} of rank 0",
                                        f"{name} recorre las filas de un tensor: pasa un vector o una matriz."))
        flat_accs, pack_accs, _ = _flatten(accs) if accs is not None else ([], None, [])
        flat_accs = [convert_to_tensor(a, name="initializer") for a in flat_accs]
        start = len(graph._ops)
        var_phs = [placeholder(a.dtype, a.shape, name="Identity") for a in flat_accs]
        slice_phs = [placeholder(e.dtype, e.shape[1:] if e.shape.rank else None, name="elem") for e in flat_elems]
        pack_ys = []

        def body_fn():
            new_accs, ys = fn(pack_accs(var_phs) if accs is not None else None, pack_elems(slice_phs))
            new_accs = [convert_to_tensor(t) for t in _flatten(new_accs)[0]] if accs is not None else []
            for a, new in zip(flat_accs, new_accs):
                if new.dtype != a.dtype or not _fits(new.shape, a.shape):
                    raise ValueError(f"The function of {name} must return the accumulator's dtype and shape: "
                                     f"{a.dtype.name} {_py_shape(a.shape)}, got {new.dtype.name} {_py_shape(new.shape)}")
            flat_ys, pack, _ = _flatten(ys) if ys is not None else ([], None, [])
            pack_ys.append(pack)
            return new_accs, [convert_to_tensor(y) for y in flat_ys]
        outs = _make_loop(scope, flat_accs, var_phs, flat_elems, slice_phs, body_fn, None, reverse, back_prop, start)
    k = len(flat_accs)
    final = pack_accs(outs[:k]) if accs is not None else None
    stacked = outs[k:len(outs) - outs[0].op.attrs["loop"].history]
    return final, (pack_ys[0](stacked) if pack_ys[0] is not None else None)


def _first_and_rest(elems, reverse):
    """Without an initializer, the first row (the last if `reverse`) starts the accumulator; the loop runs on the rest."""
    flat, pack, _ = _flatten(elems)
    flat = [convert_to_tensor(e) for e in flat]
    return pack([e[-1] if reverse else e[0] for e in flat]), pack([e[:-1] if reverse else e[1:] for e in flat])


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The successive values of `acc = fn(acc, x)` for each row x of `elems`, stacked (`tf.scan`).
    Without `initializer`, the first row is the first accumulator."""
    if initializer is None:
        first, rest = _first_and_rest(elems, reverse)
        _, ys = sliced_loop(lambda a, x: (fn(a, x),) * 2, rest, first, reverse, back_prop, name or "scan")
        flat_ys, pack, _ = _flatten(ys)
        parts = [[expand_dims(f, 0), y] for f, y in zip(_flatten(first)[0], flat_ys)]
        return pack([concat(p[::-1] if reverse else p, 0) for p in parts])
    _, ys = sliced_loop(lambda a, x: (fn(a, x),) * 2, elems, initializer, reverse, back_prop, name or "scan")
    return ys


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    """fn applied to each row of `elems`, the results stacked: `tf.map_fn(lambda x: x * x, elems)`."""
    _, ys = sliced_loop(lambda _, x: (None, fn(x)), elems, None, False, back_prop, name or "map")
    return ys


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """`acc = fn(acc, x)` for each row x of `elems`, first to last; the last accumulator."""
    return _fold(fn, elems, initializer, back_prop, name or "foldl", False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """`acc = fn(acc, x)` for each row x of `elems`, last to first; the last accumulator."""
    return _fold(fn, elems, initializer, back_prop, name or "foldr", True)


def _fold(fn, elems, initializer, back_prop, name, reverse):
    if initializer is None:
        initializer, elems = _first_and_rest(elems, reverse)
    acc, _ = sliced_loop(lambda a, x: (fn(a, x), None), elems, initializer, reverse, back_prop, name)
    return acc


# ---------------------------------------------------------------------------------------------------------------
# TensorArray: a list of tensors of one dtype, written and read by index (inside loops, a loop variable)
# ---------------------------------------------------------------------------------------------------------------
# Its value is one array whose row i is element i (rows not yet written are zeros). Each write gives a new
# TensorArray, as in TensorFlow, so that reads and writes inside a loop follow the loop's iterations.


def _ta_infer(inputs, attrs):
    return [(TensorShape(None), inputs[0].dtype)]


@defop("TensorArrayWriteV3", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)],
       grad=lambda op, g: [_ta_op("TensorArrayWriteGrad", [g, op.inputs[0], op.inputs[1]]), None,
                           _ta_op("TensorArrayReadV3", [g, op.inputs[1]], attrs={"element_shape": op.inputs[2].shape})])
def _ta_write(array, index, value, *, dynamic_size):
    index = int(index)
    if array.shape[1:] != np.shape(value):  # the first write fixes the shape of the elements
        array = np.zeros(array.shape[:1] + np.shape(value), array.dtype)
    if index >= len(array):
        if not dynamic_size:
            raise IndexError(f"Tried to write to index {index} but array is not resizeable and size is: "
                             f"{len(array)}")
        array = np.concatenate([array, np.zeros((index + 1 - len(array),) + array.shape[1:], array.dtype)])
    else:
        array = array.copy()
    array[index] = value
    return array


def _no_second_order(op, g):
    raise LookupError("Second derivatives through TensorArray writes are not supported.")


@defop("TensorArrayWriteGrad", _ta_infer, grad=_no_second_order)
def _ta_write_grad(g, array, index):
    """The gradient reaching the array before a write: `g` without the written row, in the old array's shape."""
    if g.shape[1:] != array.shape[1:]:
        return np.zeros_like(array)
    g = g[:len(array)].copy()
    if int(index) < len(g):
        g[int(index)] = 0
    return g


def _ta_read_infer(inputs, attrs):
    return [(as_shape(attrs["element_shape"]), inputs[0].dtype)]


def _ta_read_grad(op, g):
    return [_ta_op("TensorArrayWriteV3", [zeros_like(op.inputs[0]), op.inputs[1], g], attrs={"dynamic_size": True}),
            None]


@defop("TensorArrayReadV3", _ta_read_infer, grad=_ta_read_grad)
def _ta_read(array, index, *, element_shape):
    index = int(index)
    if not 0 <= index < len(array):
        raise IndexError(f"Tried to read from index {index} but array size is: {len(array)}")
    return array[index]


def _ta_op(type, inputs, attrs=None, name=None):
    with get_default_graph().name_scope(name or type) as scope:
        inputs = [convert_to_tensor(t) for t in inputs]
        return make_op(type, inputs, scope, attrs or {}).outputs[0]


def _index(i):
    return convert_to_tensor(i, dtype=_dt.int32, name="index")


class TensorArray:
    """A list of tensors of one dtype that loops write and read by index (`tf.TensorArray`, TF1 semantics):

        ta = tf.TensorArray(tf.float32, size=3)
        ta = ta.write(0, x)            # each write returns the TensorArray to use next
        y = ta.stack()                 # all the elements in one tensor
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None, colocate_with_first_write_call=True,
                 name=None):
        self._dtype = _dt.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = as_shape(element_shape) if element_shape is not None else TensorShape(None)
        self._size = None if dynamic_size or size is None or is_tensor(size) else int(size)  # static, if known
        if flow is not None:
            self.flow = flow
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with get_default_graph().name_scope(name or tensor_array_name or "TensorArray"):
            dims = [convert_to_tensor(size, dtype=_dt.int32, name="size")]
            if self._element_shape.is_fully_defined():
                dims += self._element_shape.as_list()
            self.flow = fill(stack(dims), np.zeros((), self._dtype.as_numpy_dtype))

    def _with_flow(self, flow, element_shape=None, size=None):
        return TensorArray(self._dtype, size or self._size, self._dynamic_size, flow=flow,
                           element_shape=self._element_shape if element_shape is None else element_shape)

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        return self._element_shape

    def _merge_shape(self, shape):
        if not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected {self._element_shape} "
                             "(and infer_shape=True)")
        return self._element_shape.merge_with(shape)

    def write(self, index, value, name=None):
        """A TensorArray with element `index` set to `value`."""
        value = convert_to_tensor(value, dtype=self._dtype)
        flow = _ta_op("TensorArrayWriteV3", [self.flow, _index(index), value], {"dynamic_size": self._dynamic_size},
                      name)
        return self._with_flow(flow, self._merge_shape(value.shape))

    def read(self, index, name=None):
        return _ta_op("TensorArrayReadV3", [self.flow, _index(index)], {"element_shape": self._element_shape}, name)

    def stack(self, name=None):
        """All the elements in one tensor (element i is row i)."""
        out = identity(self.flow, name=name or "TensorArrayStack")
        out.set_shape(TensorShape([self._size]).concatenate(self._element_shape))
        return out

    def gather(self, indices, name=None):
        out = gather(self.flow, indices, name=name or "TensorArrayGather")
        out.set_shape(convert_to_tensor(indices).shape.concatenate(self._element_shape))
        return out

    def unstack(self, value, name=None):
        """A TensorArray whose elements are the rows of `value`."""
        value = convert_to_tensor(value, dtype=self._dtype)
        rows = value.shape[1:] if value.shape.rank else TensorShape(None)
        return self._with_flow(identity(value, name=name or "TensorArrayUnstack"), self._merge_shape(rows),
                               value.shape[0] if value.shape.rank else None)

    def scatter(self, indices, value, name=None):
        """A TensorArray with element indices[i] set to value[i]."""
        ta = self
        for i, v in zip(unstack(convert_to_tensor(indices, dtype=_dt.int32)), unstack(convert_to_tensor(value))):
            ta = ta.write(i, v, name=name)
        return ta

    def size(self, name=None):
        return shape(self.flow, name=name or "TensorArraySize")[0]

    def concat(self, name=None):
        """The elements joined along their first dimension."""
        out = reshape(self.flow, concat([[-1], shape(self.flow)[2:]], 0), name=name or "TensorArrayConcat")
        if self._element_shape.rank:
            out.set_shape(TensorShape([None] + list(self._element_shape.dims[1:])))
        return out

    def close(self, name=None):
        from .control_flow_ops import no_op
        return no_op(name=name)

    def identity(self):
        return self
