"""Runs a generated program with the engine and with TensorFlow 1.x, classifies any disagreement, and shrinks it.

The comparison covers, for every fetched value: its Python kind (array or scalar), dtype, static shape and value
(with a dtype-aware tolerance); for failures: the phase (building or running), the exception class and the key words
of the message. An engine exception is a *raw internal error* when it is (or was caused by) an IndexError, KeyError,
ZeroDivisionError, OverflowError... or any exception that no `raise` statement of the engine wrote (NumPy's own
ValueError, say), even when the engine wrapped it in one of TensorFlow's classes.
"""
import linecache
import os
import re

import numpy as np

from . import gen

ENGINE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "engine")
PROGRAM_FILE = "<fuzz program>"

# The classes of disagreement, in the order the table shows them
RAW = "raw internal error"
VALUE = "silent value difference"
STRICT = "too strict"
PERMISSIVE = "too permissive"
ERROR_CLASS = "error class differs"
EARLIER = "checked at build time"
MESSAGE = "message differs"
DTYPE = "dtype differs"
SHAPE_WRONG = "static shape wrong"
SHAPE = "static shape differs"
STRUCTURE = "fetch structure differs"
CLASSES = [RAW, VALUE, STRICT, PERMISSIVE, ERROR_CLASS, EARLIER, MESSAGE, DTYPE, SHAPE_WRONG, SHAPE, STRUCTURE]

_RAW_TYPES = (IndexError, KeyError, ZeroDivisionError, OverflowError, AttributeError, AssertionError, RecursionError,
              NameError, UnboundLocalError, np.linalg.LinAlgError, FloatingPointError)


def load_modules():
    """(engine, tensorflow.compat.v1)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings
    import tensorflow as tf
    import engine
    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore")
    return engine, tf.compat.v1


def available(engine, tf):
    """Whether a dotted API name ('nn.top_k') exists in both modules (the fuzz covers the shared API only)."""
    def has(name):
        for m in (engine, tf):
            obj = m
            for part in name.split("."):
                obj = getattr(obj, part, None)
                if obj is None:
                    return False
        return True
    return has


# ---------------------------------------------------------------------------------------------------------------
# Running one program
# ---------------------------------------------------------------------------------------------------------------


class Outcome:
    def __init__(self, error=None, outputs=None, structure=None, meta=None):
        self.error = error          # (phase, class name, message, raw origin or None)
        self.outputs = outputs      # [(kind, dtype name, static shape or None, value)]
        self.structure = structure  # the fetch structure, with the leaves erased
        self.meta = meta            # [g is None ...] of a gradients line


def _flatten(fetches):
    if type(fetches).__name__ == "IndexedSlicesValue":  # TensorFlow's gradient of gather: see _dense
        return [_dense(fetches)], "leaf"
    if isinstance(fetches, (list, tuple)):
        out, shapes = [], []
        for f in fetches:
            o, s = _flatten(f)
            out += o
            shapes.append(s)
        return out, (type(fetches).__name__, shapes)
    if isinstance(fetches, dict):
        out, shapes = [], {}
        for k, f in fetches.items():
            o, shapes[k] = _flatten(f)
            out += o
        return out, shapes
    return [fetches], "leaf"


def _dense(v):
    """A fetched IndexedSlicesValue as the dense array it stands for: the engine's gradient of gather is a dense tensor
    (the deliberate difference `dense-gradients`), TensorFlow's a list of rows and their indices."""
    out = np.zeros(v.dense_shape, v.values.dtype)
    np.add.at(out, v.indices, v.values)
    return out


def _static(t):
    shape = getattr(t, "shape", None)
    if shape is None or getattr(shape, "rank", getattr(shape, "ndims", None)) is None:
        return None
    return [None if d is None else int(d) for d in shape.as_list()]


def run(program, m, is_engine):
    """The Outcome of `program` run with module `m`."""
    ns = {"np": np}
    exec(compile(program.code(), PROGRAM_FILE, "exec"), ns)
    phase = "build"
    try:
        g = m.Graph()
        with g.as_default():
            fetches, feed, meta = ns["program"](m)
            flat, structure = _flatten(fetches)
            statics = [(getattr(getattr(t, "dtype", None), "name", None), _static(t)) for t in flat]
            init = m.global_variables_initializer() if program.variables else None
            phase = "run"
            config = None if is_engine else m.ConfigProto(intra_op_parallelism_threads=1,
                                                          inter_op_parallelism_threads=1)
            with m.Session(graph=g, config=config) as sess:
                if init is not None:
                    sess.run(init)
                values = sess.run(fetches, feed)
        values, _ = _flatten(values)
    except Exception as e:  # noqa: BLE001 (every failure is an outcome to compare)
        message = str(e) if is_engine else _tf_message(e)
        return Outcome(error=(phase, type(e).__name__, message, raw_origin(e) if is_engine else None))
    outputs = [("array" if isinstance(v, np.ndarray) else "scalar" if isinstance(v, np.generic) else type(v).__name__,
                dt, st, v) for (dt, st), v in zip(statics, values)]
    return Outcome(outputs=outputs, structure=structure, meta=meta)


def _tf_message(e):
    """TensorFlow's own words in a run-time error, without the 'Graph execution error' frame around them."""
    message = getattr(e, "message", None) or str(e)
    found = re.search(r"Node: '[^']*'\n(.*?)(\n\t \[\[|\Z)", message, re.S)
    return found.group(1) if found else message


def raw_origin(e):
    """'IndexError: ...' when `e` is an internal failure, not an error the engine meant: an exception that no `raise`
    of the engine wrote, or one whose cause or context was such a failure and passed its words on unchanged."""
    seen, stack = set(), [e]
    top = str(e)
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        tb = x.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_filename if tb is not None else ""
        meant = where.startswith(ENGINE_DIR) and "raise" in linecache.getline(where, tb.tb_lineno)
        leaked = x is e or (str(x) or type(x).__name__) in top
        if not meant and leaked and where != PROGRAM_FILE:  # (the program's own Python errors are no engine failure)
            if isinstance(x, _RAW_TYPES) or not where.startswith(ENGINE_DIR):
                return f"{type(x).__name__} from {os.path.basename(where) or '?'}: {x}"
            return f"{type(x).__name__} from engine/{os.path.relpath(where, ENGINE_DIR)}:{tb.tb_lineno}: {x}"
        stack += [x.__cause__, x.__context__]
    return None


# ---------------------------------------------------------------------------------------------------------------
# Comparing two outcomes
# ---------------------------------------------------------------------------------------------------------------

_TOL = {"float16": (1e-2, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-12)}
_STOP = {"the", "and", "for", "with", "but", "are", "not", "must", "was", "has", "have", "input", "inputs", "node",
         "op", "shape", "shapes", "tensor", "value", "values"}


def _words(message):
    """The words of a message, without TensorFlow's description of the node (` for '{{node Add}} = AddV2[...]'`)."""
    text = re.split(r" for '\{\{node|\{\{node|\[\[", message.split("\n\nPista:")[0])[0]
    return list(dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z_]{3,}", text)))


def message_matches(theirs, ours):
    """Whether our message carries the key words of TensorFlow's (its first sentence, node names left out)."""
    want = [w for w in _words(theirs.split("\n")[0]) if w not in _STOP][:8]
    if not want:
        return True
    have = set(_words(ours))
    return sum(w in have for w in want) >= max(1, (len(want) + 1) // 2)


def values_differ(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind == "f":
        rtol, atol = _TOL.get(a.dtype.name, (1e-6, 1e-7))
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        same = np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True) | (a64 == b64)
        ok = bool(same.all())
    elif a.dtype.kind == "O":
        ok = a.tolist() == b.tolist()
    else:
        ok = np.array_equal(a, b)
    return None if ok else f"{_short(a)} vs {_short(b)}"


def _short(a):
    return np.array2string(np.asarray(a), threshold=12, precision=6).replace("\n", "")[:160]


def classify(ours, theirs):
    """(class, detail) of the disagreement between the engine's Outcome and TensorFlow's, or None if they agree."""
    oe, te = ours.error, theirs.error
    if oe is not None and oe[3] is not None:
        return RAW, f"{oe[3][:300]}" + (f" | TF: {te[1]}: {_first(te[2])}" if te else " | TF: ok")
    if oe is None and te is not None:
        return PERMISSIVE, f"TF {te[0]} {te[1]}: {_first(te[2])}"
    if oe is not None and te is None:
        return STRICT, f"engine {oe[0]} {oe[1]}: {_first(oe[2])}"
    if oe is not None:
        if (oe[0], oe[1]) != (te[0], te[1]):
            cls = EARLIER if oe[0] == "build" and te[0] == "run" else ERROR_CLASS
            return cls, f"engine {oe[0]} {oe[1]}: {_first(oe[2])} | TF {te[0]} {te[1]}: {_first(te[2])}"
        if not message_matches(te[2], oe[2]):
            return MESSAGE, f"{oe[1]}: engine: {_first(oe[2])} | TF: {_first(te[2])}"
        return None
    if ours.structure != theirs.structure or ours.meta != theirs.meta or len(ours.outputs) != len(theirs.outputs):
        return STRUCTURE, f"engine {ours.structure} {ours.meta} | TF {theirs.structure} {theirs.meta}"
    for i, (o, t) in enumerate(zip(ours.outputs, theirs.outputs)):
        if o[1] != t[1] or np.asarray(o[3]).dtype != np.asarray(t[3]).dtype:
            return DTYPE, f"output {i}: engine {o[1]}/{np.asarray(o[3]).dtype}, TF {t[1]}/{np.asarray(t[3]).dtype}"
    for i, (o, t) in enumerate(zip(ours.outputs, theirs.outputs)):
        d = values_differ(o[3], t[3])
        if d is not None:
            return VALUE, f"output {i}: engine {d}"
    for i, (o, t) in enumerate(zip(ours.outputs, theirs.outputs)):
        actual = list(np.shape(o[3]))
        if o[2] is not None and (len(o[2]) != len(actual) or any(s not in (None, a) for s, a in zip(o[2], actual))):
            return SHAPE_WRONG, f"output {i}: engine static {o[2]}, value {actual}, TF static {t[2]}"
        if o[2] != t[2]:
            return SHAPE, f"output {i}: engine static {o[2]}, TF static {t[2]}"
        if o[0] != t[0]:
            return STRUCTURE, f"output {i}: engine {o[0]}, TF {t[0]}"
    return None


def _first(message):
    return message.split("\n")[0][:200]


class Snippet:
    """A hand-written program for `compare`: the body of `program(m)`, which returns (fetches, feed_dict, None)."""

    def __init__(self, body, variables=False):
        self.body, self.variables = body, variables

    def code(self):
        return "def program(m):\n" + "".join(f"    {line}\n" for line in self.body.strip().split("\n"))


def compare(program, engine, tf):
    """(class, detail) or None, for one program."""
    return classify(run(program, engine, True), run(program, tf, False))


# ---------------------------------------------------------------------------------------------------------------
# Shrinking: drop lines, fetches and elements while the same class of disagreement persists
# ---------------------------------------------------------------------------------------------------------------


def _rename(obj, old, new):
    if isinstance(obj, str):
        return re.sub(rf"\b{old}\b", new, obj)
    if isinstance(obj, dict):
        return {k: _rename(v, old, new) for k, v in obj.items()}
    return type(obj)(_rename(v, old, new) for v in obj)


def _candidates(p):
    names = sorted(set(gen._names_in(p.fetch)) - {""})
    if not isinstance(p.fetch, str) or len(names) > 1:
        for n in names:
            q = p.copy()
            q.fetch = n
            yield q
    for i in reversed(range(len(p.lines))):
        line = p.lines[i]
        q = p.copy()
        del q.lines[i]
        if p.meta == line.name:
            q.meta, q.fetch = None, line.args[0]
            yield q
            continue
        replacement = line.args[0] if line.args else None
        used = any(line.name in later.args for later in q.lines) or line.name in set(gen._names_in(q.fetch))
        if used and replacement is None:
            continue
        for later in q.lines:
            later.args = [replacement if a == line.name else a for a in later.args]
        q.fetch = _rename(q.fetch, line.name, replacement) if used else q.fetch
        if "Variable" in line.template:
            continue
        yield q
    for k, inp in enumerate(p.inputs):
        if inp.kind == "ph":
            q = p.copy()
            j = q.inputs[k]
            if j.feed is inp.value or (isinstance(j.feed, np.ndarray) and j.feed.shape == j.value.shape
                                       and j.feed.dtype == j.value.dtype):
                j.kind, j.feed = "const", None
                yield q
            if inp.static is None or None in inp.static:
                q = p.copy()
                q.inputs[k].static = list(inp.value.shape)
                yield q
        for axis, d in enumerate(inp.value.shape):
            if d > 1:
                q = p.copy()
                j = q.inputs[k]
                same_feed = isinstance(j.feed, np.ndarray) and j.feed.shape == j.value.shape
                j.value = np.take(j.value, range(d - 1), axis=axis)
                if same_feed:
                    j.feed = np.take(j.feed, range(d - 1), axis=axis)
                if j.static is not None and j.static[axis] is not None:
                    j.static[axis] = d - 1
                yield q


def shrink(program, found, engine, tf, budget=60):
    """The smallest program found (greedily, within `budget` runs) with the same class of disagreement."""
    cls = found[0]
    best, best_found = program, found
    improved = True
    while improved and budget > 0:
        improved = False
        for q in _candidates(best):
            budget -= 1
            try:
                r = compare(q, engine, tf)
            except Exception:  # noqa: BLE001 (a candidate that cannot even be written down)
                r = None
            if r is not None and r[0] == cls:
                best, best_found, improved = q, r, True
                break
            if budget <= 0:
                break
    return best, best_found
