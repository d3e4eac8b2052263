"""Control flow: `no_op`, `group`, `control_dependencies`, and `cond`/`case`, which run only the branch taken."""
import builtins
import sys

import numpy as np

from .. import dtypes as _dt
from ..errors import InvalidArgumentError, hinted
from ..framework import control_dependencies, convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape
from .array_ops import cast, identity, stack, zeros_like
from .math_ops import reduce_sum


@defop("NoOp", lambda inputs, attrs: [])
def _no_op():
    return None


def no_op(name=None):
    """An op that does nothing; useful to group control dependencies."""
    return make_op("NoOp", [], name or "NoOp")


def group(*inputs, name=None):
    """One op that runs all `inputs` (ops or tensors): `sess.run(tf.group(a, b))` runs a and b."""
    flat = []
    for i in inputs:
        flat.extend(i if isinstance(i, (list, builtins.tuple)) else [i])
    with control_dependencies(flat):
        return no_op(name=name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 (TensorFlow's name)
    """The same tensors, each available only after all of them (and `control_inputs`) are computed."""
    tensors = [convert_to_tensor(t) for t in tensors]
    with control_dependencies(tensors + list(control_inputs or [])):
        return [identity(t) for t in tensors]


# ---------------------------------------------------------------------------------------------------------------
# cond: the two branches are built as ordinary ops of the graph, and an `If` op evaluates only the chosen one
# ---------------------------------------------------------------------------------------------------------------


def _flatten(out):
    if isinstance(out, (list, builtins.tuple)):
        return list(out), True
    return [out], False


def _build_branch(fn, graph):
    """Calls a branch function; returns its output tensors and the outside tensors it reads (its captures)."""
    start = len(graph._ops)
    out = fn()
    if out is None:
        raise ValueError(hinted("A branch of cond returned None: both branches must return tensors.",
                                "cada rama de tf.cond debe devolver un valor (return ...); para solo ejecutar una "
                                "operación devuelve tf.constant(0) o usa tf.control_dependencies."))
    outs, is_list = _flatten(out)
    outs = [convert_to_tensor(o) for o in outs]
    created = set(graph._ops[start:])
    captures = []
    for op in graph._ops[start:]:
        for i, t in enumerate(op.inputs):
            if t.op not in created and i not in op.op_def.ref_inputs and t not in captures:
                captures.append(t)
    for t in outs:
        if t.op not in created and t not in captures:
            captures.append(t)
    return outs, is_list, captures


def _if_infer(inputs, attrs):
    true_outs, false_outs = attrs["branches"]
    if len(true_outs) != len(false_outs):
        raise ValueError(f"true_fn and false_fn must return the same number of tensors, got {len(true_outs)} and "
                         f"{len(false_outs)}")
    results = []
    for a, b in zip(true_outs, false_outs):
        if a.dtype != b.dtype:
            raise TypeError(hinted(f"Outputs of true_fn and false_fn must have the same type: {a.dtype.name}, "
                                   f"{b.dtype.name}", "las dos ramas de tf.cond deben devolver el mismo dtype."))
        same_rank = a.shape.rank is not None and a.shape.rank == b.shape.rank  # the most specific shape both fit
        results.append((TensorShape([x if x == y else None for x, y in zip(a.shape.dims, b.shape.dims)])
                        if same_rank else TensorShape(None), a.dtype))
    return results


def _if_grad(op, *grads):
    from ..gradients import gradients  # gradients.py needs the ops first
    pred, captures = op.inputs[0], list(op.inputs[1:])
    floats = [c for c in captures if c.dtype.is_floating]
    if not floats:
        return [None] * len(op.inputs)

    def branch(outs):
        def fn():
            ys = [o for o, g in zip(outs, grads) if g is not None]
            gs = [g for g in grads if g is not None]
            res = gradients(ys, floats, grad_ys=gs)
            return [r if r is not None else zeros_like(c) for r, c in zip(res, floats)]
        return fn
    true_outs, false_outs = op.attrs["branches"]
    out = cond(pred, branch(true_outs), branch(false_outs), name="cond_grad")
    out = out if isinstance(out, list) else [out]
    by_capture = dict(zip(floats, out))
    return [None] + [by_capture.get(c) for c in captures]


@defop("If", _if_infer, grad=_if_grad, stateful=True)
def _if(sess, op, pred, *captured, branches, is_list):
    chosen = branches[0] if pred else branches[1]
    return sess._subrun(chosen, dict(zip(op.inputs[1:], captured)))


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """true_fn() if pred else false_fn(), decided when the graph runs. Only the chosen branch is evaluated."""
    true_fn, false_fn = true_fn or fn1, false_fn or fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError(hinted("true_fn and false_fn must be callable.",
                               "pasa funciones, no valores: tf.cond(p, lambda: a + 1, lambda: a - 1)."))
    graph = get_default_graph()
    with graph.name_scope(name or "cond") as scope:
        pred = convert_to_tensor(pred, name="pred")
        if pred.dtype != _dt.bool or pred.shape.rank not in (None, 0):
            raise TypeError(f"pred must be a scalar bool tensor, got {pred}")
        with control_dependencies(None):  # outer control dependencies wait on the If op, not on each branch op
            with graph.name_scope("true_branch"):
                t_outs, is_list, t_caps = _build_branch(true_fn, graph)
            with graph.name_scope("false_branch"):
                f_outs, _, f_caps = _build_branch(false_fn, graph)
        captures = t_caps + [c for c in f_caps if c not in t_caps]
        op = make_op("If", [pred] + captures, scope, {"branches": (t_outs, f_outs), "is_list": is_list})
    return list(op.outputs) if is_list else op.outputs[0]


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first true predicate (a chain of conds); `default` when none is true.
    With `exclusive=True`, running it fails if more than one predicate is true."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    if not pairs:
        raise ValueError("pred_fn_pairs must not be empty")
    for pred, fn in pairs:
        if not callable(fn):
            raise TypeError(hinted(f"fn for pred {pred} must be callable.",
                                   "cada par de tf.case es (predicado, función): escribe lambda: valor."))
    all_preds = [p for p, _ in pairs]
    if default is None:
        pairs, (_, default) = pairs[:-1], pairs[-1]
    with get_default_graph().name_scope(name):
        checks = []
        if exclusive and len(all_preds) > 1:
            true_count = reduce_sum(cast(stack(all_preds), _dt.int32))
            checks = [Assert(true_count <= 1, [true_count], name="exclusive")]
        fn = default
        for pred, branch in reversed(pairs):
            fn = (lambda p, b, rest: lambda: cond(p, b, rest))(pred, branch, fn)
        with control_dependencies(checks):
            return fn()


# ---------------------------------------------------------------------------------------------------------------
# Assert: fails the run when its condition is false
# ---------------------------------------------------------------------------------------------------------------


def _assert_infer(inputs, attrs):
    c = inputs[0]
    if not c.dtype.is_bool or c.shape.rank not in (None, 0):
        raise ValueError(f"condition of Assert must be a scalar bool tensor, got {c}")
    return []


@defop("Assert", _assert_infer, stateful=True)
def _assert(sess, op, condition, *data, summarize):
    if not condition:
        shown = ", ".join(str(d if summarize is None else np.asarray(d).ravel()[:summarize]) for d in data)
        raise InvalidArgumentError(None, op, f"assertion failed: [{shown}]")


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 (TensorFlow's name)
    """An op that, when run, fails with InvalidArgumentError (showing `data`) if `condition` is false."""
    with get_default_graph().name_scope(name or "Assert") as scope:
        condition = convert_to_tensor(condition, name="condition")
        data = [convert_to_tensor(d) for d in data]
        return make_op("Assert", [condition] + data, scope, {"summarize": summarize})


# ---------------------------------------------------------------------------------------------------------------
# print: an op whose effect is to print (TensorFlow 2's tf.print; in TF1 graphs, it prints each time it runs)
# ---------------------------------------------------------------------------------------------------------------


@defop("PrintV2", lambda inputs, attrs: [], stateful=True)
def _print(sess, op, *values, template, sep, end, stream):
    parts = iter(values)
    shown = [str(np.asarray(next(parts))) if piece is None else piece for piece in template]
    print(*shown, sep=sep, end=end, file=sys.stderr if stream == "stderr" else sys.stdout)


def print_(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):  # tf.print
    """Prints tensors (and Python values) when the op runs: at once in eager mode; in a graph, each time a
    Session runs it (fetch it, or put it in tf.control_dependencies)."""
    tensors = [convert_to_tensor(x) for x in inputs if hasattr(x, "_as_graph_element")]
    template = [None if hasattr(x, "_as_graph_element") else str(x) for x in inputs]
    stream = "stdout" if output_stream in (sys.stdout, "stdout") else "stderr"
    with get_default_graph().name_scope(name or "PrintV2") as scope:
        return make_op("PrintV2", tensors, scope, {"template": template, "sep": sep, "end": end, "stream": stream})
