"""Ops that run Python while the graph runs: `tf.py_func` / `tf.numpy_function` (a Python function as an op) and
TensorFlow 1's `tf.Print` (passes its input through and prints some tensors each time it runs)."""
import sys

import numpy as np

from .. import dtypes as _dt
from ..errors import InvalidArgumentError
from ..framework import convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape

# ---------------------------------------------------------------------------------------------------------------
# py_func
# ---------------------------------------------------------------------------------------------------------------


def _py_func_infer(inputs, attrs):
    return [(TensorShape(None), dtype) for dtype in attrs["Tout"]]


@defop("PyFunc", _py_func_infer, grad=lambda op, *grads: [None] * len(op.inputs), stateful=True)
def _py_func(sess, op, *values, func, Tout, single, stateful):
    out = func(*values)
    outs = [out] if single else list(out if isinstance(out, (list, tuple)) else [out])
    if len(outs) != len(Tout):
        raise InvalidArgumentError(None, op, f"pyfunc_{op.name} returns {len(outs)} values, but expects to see "
                                             f"{len(Tout)} values.")
    results = []
    for i, (value, dtype) in enumerate(zip(outs, Tout)):
        array = np.asarray(value)
        if dtype is not _dt.string and array.dtype != dtype.np:
            raise InvalidArgumentError(None, op, f"{i}-th value returned by pyfunc_{op.name} is "
                                                 f"{_dt.as_dtype(array.dtype).name}, but expects {dtype.name}")
        results.append(array)
    return results[0] if len(results) == 1 else tuple(results)


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803 (TensorFlow's names)
    """An op that calls `func` on the NumPy values of the tensors `inp` and returns its result(s) as tensors of
    dtypes `Tout` (a dtype, or a list of them). The shapes are unknown; no gradient flows through it."""
    single = not isinstance(Tout, (list, tuple))
    touts = [_dt.as_dtype(t) for t in ([Tout] if single else Tout)]
    with get_default_graph().name_scope(name or "PyFunc") as scope:
        inputs = [convert_to_tensor(x) for x in inp]
        op = make_op("PyFunc", inputs, scope, {"func": func, "Tout": touts, "single": single,
                                               "stateful": bool(stateful)})
    return op.outputs[0] if single else list(op.outputs)


def numpy_function(func, inp, Tout, stateful=True, name=None):  # noqa: N803
    """TensorFlow 2's name for `py_func`."""
    return py_func(func, inp, Tout, stateful, name or "PyFunc")


# ---------------------------------------------------------------------------------------------------------------
# Print: TensorFlow 1's text of a tensor, its first `summarize` elements in nested brackets, e.g. [[0 1 2]...]
# ---------------------------------------------------------------------------------------------------------------


def _element(v):
    """One element as TensorFlow's C++ prints it: shortest float text that reads back, %g style ('1e-08', '3.5')."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, (float, np.floating)):
        for digits in ((6, 9) if np.asarray(v).dtype == np.float32 else (15, 17)):
            text = f"{float(v):.{digits}g}"
            if np.asarray(float(text), dtype=np.asarray(v).dtype) == v:
                break
        return text
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    return str(v)


def summarize_value(value, limit):
    """TensorFlow's `Tensor::SummarizeValue`: at most `limit` elements, then '...'."""
    value = np.asarray(value)
    flat = value.ravel()
    limit = min(limit, flat.size) if limit >= 0 else flat.size
    if value.ndim == 0:
        return _element(flat[0])
    out, index = [], [0]

    def dim(d):
        if index[0] >= limit:
            return
        if d == value.ndim - 1:
            for i in range(value.shape[d]):
                if index[0] >= limit:
                    if d != 0:
                        out.append("...")
                    return
                out.append((" " if i else "") + _element(flat[index[0]]))
                index[0] += 1
            return
        for _ in range(value.shape[d]):
            opened = index[0] < limit
            if opened:
                out.append("[")
            dim(d + 1)
            if opened or index[0] < limit:
                out.append("]")
    dim(0)
    return "".join(out) + ("..." if flat.size > limit else "")


@defop("Print", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)],
       grad=lambda op, g: [g] + [None] * (len(op.inputs) - 1), stateful=True)
def _print(sess, op, x, *data, message, first_n, summarize):
    counts = sess.__dict__.setdefault("_print_counts", {})  # how many times this op printed in this session
    counts[op] = counts.get(op, 0) + 1
    if first_n < 0 or counts[op] <= first_n:
        shown = "".join(f"[{summarize_value(d, summarize)}]" for d in data)
        print(message + shown, file=sys.stderr, flush=True)
    return x


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 (TensorFlow 1's name)
    """`input_` unchanged; each time it is computed, prints `message` and the values of the tensors `data` to
    stderr (`summarize` elements of each, 3 by default; only the first `first_n` times if given).
    Use the returned tensor in place of `input_`, or nothing is printed."""
    with get_default_graph().name_scope(name or "Print") as scope:
        inputs = [convert_to_tensor(input_)] + [convert_to_tensor(d) for d in data]
        attrs = {"message": message or "", "first_n": -1 if first_n is None else int(first_n),
                 "summarize": 3 if summarize is None else int(summarize)}
        return make_op("Print", inputs, scope, attrs).outputs[0]
