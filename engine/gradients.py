"""Symbolic differentiation: `tf.gradients(ys, xs)` adds the ops that compute d(sum ys)/d(xs) to the same graph.

Reverse mode, as in TensorFlow:
1. find the ops between `xs` and `ys` (forward from xs, backward from ys; `stop_gradients` cut the walk);
2. visit them from ys back to xs in reverse topological order; for each op, sum the gradients arriving at its
   outputs (AddN), call the op's registered gradient function, and send each result to the op's inputs,
   first summing it down to the input's shape (`_unbroadcast`, the one place where broadcasting is undone);
3. return the gradient that reached each x (None where none did, like TensorFlow).
All loops are iterative, so a 10,000-op chain differentiates without recursion.
"""
import numpy as np

from .errors import hinted
from .framework import OPS, convert_to_tensor
from .ops.array_ops import cast, constant, fill, reshape, shape_of, stack, sum_to_shape_of, unstack, zeros_like
from .ops.math_ops import add_n, reduce_sum


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _ops_between(y_ops, x_tensors, stop_ops):
    """Ops reachable backward from ys that also depend on some x (only these get gradients)."""
    consumers = {}
    for op in y_ops[0].graph._ops:  # consumer lists, built once per call
        for t in op.inputs:
            consumers.setdefault(t, []).append(op)
    reached = set()
    stack = [op for x in x_tensors for op in consumers.get(x, ())]
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        if op not in stop_ops:
            stack.extend(c for t in op.outputs for c in consumers.get(t, ()))
    between, stack = set(), list(y_ops)
    while stack:
        op = stack.pop()
        if op in between or op not in reached:
            continue
        between.add(op)
        if op not in stop_ops:
            stack.extend(t.op for t in op.inputs)
    return between


def _reverse_order(between):
    """The ops of `between` so that each op comes after every op that consumes its outputs."""
    pending = {op: 0 for op in between}
    for op in between:
        for t in set(t.op for t in op.inputs):
            if t in pending:
                pending[t] += 1
    ready = [op for op in between if pending[op] == 0]
    order = []
    while ready:
        op = ready.pop()
        order.append(op)
        for t in set(t.op for t in op.inputs):
            if t in pending:
                pending[t] -= 1
                if pending[t] == 0:
                    ready.append(t)
    return order


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None, colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, unconnected_gradients="none"):
    """The symbolic partial derivatives of sum(ys) with respect to each x in xs (a list of Tensors or None)."""
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs_in = _as_list(xs)
    xs = [x._variable if hasattr(x, "_variable") else convert_to_tensor(x) for x in xs_in]
    grad_ys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    stop_ops = {convert_to_tensor(s).op for s in _as_list(stop_gradients or [])}
    graph = ys[0].graph
    with graph.as_default(), graph.name_scope(name):
        grads = {}  # Tensor -> list of gradient tensors arriving at it
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if not y.dtype.is_floating:  # integers and booleans carry no gradient: None, as in TensorFlow
                continue
            if gy is None:  # d(y)/d(y) = 1 for every element of y
                if y.shape.is_fully_defined():
                    gy = constant(np.ones(y.shape.as_list(), y.dtype.as_numpy_dtype), name=f"grad_ys_{i}")
                else:
                    gy = fill(shape_of(y), constant(1, dtype=y.dtype, name=f"grad_ys_{i}"))
            else:
                gy = convert_to_tensor(gy, dtype=None if hasattr(gy, "_as_graph_element") else y.dtype,
                                       name=f"grad_ys_{i}")
                if not gy.shape.is_compatible_with(y.shape):
                    raise ValueError(f"Incompatible shapes between op input and calculated input gradient: grad_ys "
                                     f"{i} has shape {gy.shape} but y {y.name} has shape {y.shape}")
            grads.setdefault(y, []).append(gy)
        between = _ops_between([y.op for y in ys], xs, stop_ops)
        x_set = set(xs)
        for y in ys:  # TensorFlow looks up the gradient of a y's op even when y is an integer or a boolean
            if y.op.type in NO_GRADIENT and y.op in between:
                _no_gradient(y.op)
        for op in _reverse_order(between):
            out_grads = [_sum(grads.get(t)) for t in op.outputs]
            if all(g is None for g in out_grads) or op in stop_ops:
                continue
            opdef = OPS[op.type]
            if opdef.grad is None:
                if any(t.dtype.is_floating and (t.op in between or t in x_set) for t in op.inputs):
                    if op.type in _NOT_DIFFERENTIABLE:
                        continue
                    _no_gradient(op)
                continue
            with graph.name_scope(op.name + "_grad"):
                in_grads = opdef.grad(op, *out_grads)
                for k, (t, g) in enumerate(zip(op.inputs, in_grads)):
                    if g is None or t.op not in between and t not in x_set:
                        continue
                    g = convert_to_tensor(g)
                    if t.dtype.is_floating and g.dtype != t.dtype:
                        g = cast(g, t.dtype)
                    grads.setdefault(t, []).append(_unbroadcast(g, op, k) if opdef.broadcasts else g)
        result = []
        for x in xs:
            g = _sum(grads.get(x))
            if g is None and unconnected_gradients == "zero":
                g = zeros_like(x)
            result.append(g)
        return result


def _unbroadcast(g, op, k):
    """The gradient `g` for input `k` of a broadcasting op, summed down to that input's shape.

    When the static shapes tell over which axes the input was broadcast, this is a plain Sum over them (or nothing);
    otherwise a SumTo op decides at run time."""
    x = op.inputs[k]
    found = _broadcast_axes(x, op.inputs[:k] + op.inputs[k + 1:], 2 if OPS[op.type].broadcasts == "batch" else 0)
    if found is None:
        return sum_to_shape_of(g, x)
    lead, stretched = found
    if lead:
        g = reduce_sum(g, list(range(lead)))
    return reduce_sum(g, stretched, keepdims=True) if stretched else g


def _broadcast_axes(x, others, core):
    """How `x` was broadcast to the op's output, from the static shapes of `x` and of the op's other inputs:
    (n, axes) when the output has n leading axes that x lacks and x was stretched along its `axes` (of size 1);
    None when the static shapes do not tell. The last `core` dimensions never broadcast."""
    if x.shape.rank is None or any(t.shape.rank is None for t in others):
        return None
    mine = x.shape.as_list()[:x.shape.rank - core]
    theirs = [t.shape.as_list()[:t.shape.rank - core] for t in others]
    stretched = []
    for i, d in enumerate(mine):
        column = [dims[i - len(mine)] for dims in theirs if len(dims) >= len(mine) - i]  # sizes aligned with d
        if d != 1 and d is not None or all(c == 1 for c in column):
            continue  # the output has x's size here
        if d == 1 and any(c not in (1, None) for c in column):
            stretched.append(i)
        else:
            return None
    return max([len(mine)] + [len(d) for d in theirs]) - len(mine), stretched


def _sum(gs):
    if not gs:
        return None
    return gs[0] if len(gs) == 1 else add_n(gs)


# Op types whose outputs carry no gradient (integers, booleans, indices, shapes, random draws, state updates,
# summaries). Every op type has a gradient function or is listed here (tests/test_gradients.py checks it).
_NOT_DIFFERENTIABLE = {
    "ArgMax", "ArgMin", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Equal", "NotEqual", "Less", "LessEqual", "Greater",
    "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalNot", "Shape", "Size", "Rank", "OneHot", "FloorDiv",
    "TruncateDiv", "TruncateMod",
    "InvertPermutation", "Range", "LinSpace", "Const", "Any", "All", "Assert", "NoOp", "PrintV2",
    "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomShuffle", "Multinomial",
    "Placeholder", "VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized",
    "ApplyGradientDescent", "ApplyMomentum", "ApplyAdagrad", "ApplyRMSProp", "ApplyCenteredRMSProp", "ApplyAdam",
    "ScalarSummary", "HistogramSummary", "MergeSummary", "MakeIterator", "IteratorGetNext",
    "ScatterUpdate", "ScatterAdd", "ScatterSub", "ScatterMul", "ScatterDiv", "ScatterMax", "ScatterMin",
    "ScatterNdUpdate", "ScatterNdAdd", "ScatterNdSub",
    "LogUniformCandidateSampler", "UniformCandidateSampler", "FixedUnigramCandidateSampler", "DecodeCSV",
    "ImageSummary", "AudioSummaryV2", "TensorSummaryV2",
}


# Op types for which TensorFlow registers no gradient at all: tf.gradients through them is a LookupError, as there
NO_GRADIENT = {"InTopKV2", "IsNan", "IsFinite", "Unique", "Where"}


def _no_gradient(op):
    raise LookupError(hinted(f"No gradient defined for operation '{op.name}' (op type: {op.type})",
                             "esta operación no es derivable; si no la necesitas en la derivada, rodéala con "
                             "tf.stop_gradient."))


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """For each x, the matrix of second derivatives of sum(ys) with shape x.shape + x.shape (small x only: it
    differentiates each element of the gradient in turn)."""
    xs = _as_list(xs)
    graph = convert_to_tensor(_as_list(ys)[0]).graph
    out = []
    with graph.as_default(), graph.name_scope(name):
        for x, g in zip(xs, gradients(ys, xs)):
            shape = x.shape
            n = shape.num_elements()
            if n is None:
                raise ValueError(f"hessians needs x with a fully known shape, got {shape} for {x.name}")
            if g is None:
                out.append(None)
                continue
            rows = [gradients(gi, x, unconnected_gradients="zero")[0] for gi in unstack(reshape(g, [-1]), num=n)]
            out.append(reshape(stack([reshape(r, [-1]) for r in rows]), shape.as_list() * 2))
    return out
