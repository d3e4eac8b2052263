"""Verdicts decided outside the student's kernel: checks become observations, judged here.

A test cell's checks are ``assert <condition>, <message>`` statements and calls of
``np.testing.assert_*``.  :func:`transform` splits each check's condition in two:

* the **leaves**: sub-expressions that need the notebook's objects (names, attributes, calls of
  the student's functions, comprehensions...).  The student's kernel evaluates them in place and
  reports each value as canonical data (``kernel_guard.observer`` encodes numbers, strings,
  containers, NumPy arrays, scalars and dtypes, classes by name, the engine's value objects of
  :data:`VALUE_CLASSES`; any other object becomes an opaque token: its classes, identity, repr);
* the **structure** around them: constants, comparisons, ``and``/``or``/``not``, arithmetic,
  literals and a short list of pure functions (``isinstance``, ``abs``, ``np.allclose``,
  ``np.testing.assert_allclose``...).  The grader keeps it: the kernel never sees the expected
  values of a check, and :func:`judge` evaluates the condition here, on values decoded by
  :func:`decode` into exact built-in and NumPy types (no object of the student's survives the
  trip, so ``__eq__``, ``isinstance`` or ``np.allclose`` patched in the kernel change nothing).

The kernel still evaluates the original condition too (with the same leaf values), so the student
keeps the check's Spanish message; a kernel that claims success for a check that fails here is
flagged.  The sequence of checks a test executes must equal the one the solution executed (a
kernel cannot skip checks).
"""
import ast
import base64
import copy
import json
import math
import operator

import numpy as np

RECORDER = "_ag_observa"    # kernel-side recorder (kernel_guard.py puts it in the namespace)
LOCAL = "_ag_r"             # one recorder per executed check
MARK = "\x1eAGO|"           # observation lines on the kernel's stdout
NUMPY = {"np", "_np", "numpy"}
MESSAGE_KEYWORDS = {"err_msg", "msg"}
MAX_ITEMS = 2_000_000       # numbers/elements per observed value

#: Functions the grader evaluates itself (names as written in checks; np may be _np or numpy).
GRADER_FUNCTIONS = {
    "isinstance": None,  # special: classes travel as names
    "abs": abs, "round": round,
    "math.isclose": math.isclose, "math.isfinite": math.isfinite,
    **{f"np.{f}": getattr(np, f) for f in (
        "allclose", "isclose", "array_equal", "array_equiv", "isfinite", "isnan", "shape", "ndim",
        "size", "mean", "sum", "abs", "sort", "cos", "sin", "tan", "exp", "log", "sqrt", "max",
        "min", "argmax", "argmin", "prod", "square", "floor", "ceil")},
    "np.linalg.norm": np.linalg.norm,
    **{f"np.testing.{f}": getattr(np.testing, f) for f in (
        "assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_almost_equal",
        "assert_equal", "assert_array_less")},
}


class Leaf(ast.expr):
    """Placeholder, in the grader's copy of a condition, for the value of kernel leaf ``index``."""
    _fields = ("index",)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append("np" if node.id in NUMPY else node.id)
    return ".".join(reversed(parts))


class _Split:
    """Split one condition into the kernel's version (leaves wrapped) and the grader's (Leaf)."""

    def __init__(self):
        self.leaves = []

    def leaf(self, node):
        i = len(self.leaves)
        self.leaves.append(node)
        wrapped = ast.Call(ast.Name(LOCAL, ast.Load()), [ast.Constant(i), node], [])
        return wrapped, Leaf(index=i)

    def __call__(self, node):
        """Return ``(kernel_node, grader_node)``."""
        split = self
        if isinstance(node, ast.Constant):
            return node, node
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and not any(
                isinstance(e, ast.Starred) for e in node.elts):
            pairs = [split(e) for e in node.elts]
            k, g = copy.copy(node), copy.copy(node)
            k.elts, g.elts = [p[0] for p in pairs], [p[1] for p in pairs]
            return k, g
        if isinstance(node, ast.Dict) and None not in node.keys:
            keys, values = [split(e) for e in node.keys], [split(e) for e in node.values]
            return (ast.Dict([p[0] for p in keys], [p[0] for p in values]),
                    ast.Dict([p[1] for p in keys], [p[1] for p in values]))
        if isinstance(node, (ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare, ast.IfExp)):
            k, g = copy.copy(node), copy.copy(node)
            for name in {"BoolOp": ["values"], "UnaryOp": ["operand"], "BinOp": ["left", "right"],
                         "Compare": ["left", "comparators"], "IfExp": ["test", "body", "orelse"]}[
                    type(node).__name__]:
                value = getattr(node, name)
                if isinstance(value, list):
                    pairs = [split(v) for v in value]
                    setattr(k, name, [p[0] for p in pairs])
                    setattr(g, name, [p[1] for p in pairs])
                else:
                    kv, gv = split(value)
                    setattr(k, name, kv)
                    setattr(g, name, gv)
            return k, g
        if (isinstance(node, ast.Call) and _dotted(node.func) in GRADER_FUNCTIONS
                and not any(isinstance(a, ast.Starred) for a in node.args)
                and all(kw.arg for kw in node.keywords)):
            args = [split(a) for a in node.args]
            kws = [(kw, split(kw.value) if kw.arg not in MESSAGE_KEYWORDS else (kw.value, None))
                   for kw in node.keywords]
            k = ast.Call(node.func, [a[0] for a in args],
                         [ast.keyword(kw.arg, p[0]) for kw, p in kws])
            g = ast.Call(node.func, [a[1] for a in args],
                         [ast.keyword(kw.arg, p[1]) for kw, p in kws if p[1] is not None])
            return k, g
        return self.leaf(node)


def _message_skeleton(msg):
    """The literal text of a check's message (values the kernel would insert become "…")."""
    if msg is None:
        return ""
    if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
        return msg.value
    if isinstance(msg, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in msg.values)
    return ""


class _Rewrite(ast.NodeTransformer):
    """Visible checks keep their condition in the kernel (for the student's message), leaves
    wrapped; hidden checks become bare leaf evaluations: the kernel never sees what a hidden
    check compares its values with."""

    def __init__(self, prefix, hidden):
        self.prefix, self.hidden, self.checks = prefix, hidden, {}

    def _check(self, node, cond, message, kind, keep):
        aid = f"{self.prefix}{len(self.checks) + 1}"
        split = _Split()
        kernel, grader = split(cond)
        self.checks[aid] = {"expr": grader, "kind": kind, "line": node.lineno,
                            "message": _message_skeleton(message)}  # hidden: instructor only
        start = ast.Assign([ast.Name(LOCAL, ast.Store())],
                           ast.Call(ast.Name(RECORDER, ast.Load()), [ast.Constant(aid)], []))
        done = ast.Expr(ast.Call(ast.Name(LOCAL, ast.Load()), [], []))
        if self.hidden:  # each leaf evaluated on its own, errors recorded, not raised
            body = [ast.Expr(ast.Call(ast.Name(LOCAL, ast.Load()), [
                ast.Constant(i), ast.Constant(None),
                ast.Lambda(ast.arguments([], [], None, [], [], None, []), leaf)], []))
                for i, leaf in enumerate(split.leaves)]
        else:
            body = [keep(kernel)]
        return [start, *body, done]

    def visit_Assert(self, node):
        return self._check(node, node.test, node.msg, "assert",
                           lambda kernel: ast.Assert(kernel, node.msg))

    def visit_Expr(self, node):
        call = node.value
        if isinstance(call, ast.Call) and (_dotted(call.func) or "").startswith("np.testing.") \
                and _dotted(call.func) in GRADER_FUNCTIONS:
            message = next((kw.value for kw in call.keywords if kw.arg in MESSAGE_KEYWORDS), None)
            return self._check(node, call, message, "call", ast.Expr)
        return node


def transform(code, prefix, hidden=False):
    """``(kernel_code, checks)`` of a test cell's part; ``checks[aid]`` as described above.

    Code that does not parse is returned unchanged (the kernel reports the SyntaxError)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, {}
    rewrite = _Rewrite(prefix, hidden)
    tree = ast.fix_missing_locations(rewrite.visit(tree))
    return ast.unparse(tree), rewrite.checks


def kernel_decided(expr):
    """Whether a check is a bare value of the kernel (``assert x.closed``, ``not any(...)``)."""
    while isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        expr = expr.operand
    return isinstance(expr, Leaf)


def names_read(code):
    """The names a piece of code reads (``frozenset()`` when it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return frozenset()
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))


# ---------------------------------------------------------------- decoding the kernel's values

class DecodeError(ValueError):
    pass


class Opaque:
    """An object of the kernel that is not plain data: compared by identity (or class + repr)."""

    def __init__(self, kid, mro, repr_, eq, truth, arr, items):
        self.kid, self.mro, self.repr, self.eq, self.truth = kid, mro, repr_, eq, truth
        self.arr, self.items = arr, items

    def __eq__(self, other):
        if not isinstance(other, Opaque):
            return False
        if self.kid == other.kid:
            return True
        return (self.eq == other.eq == "repr" and self.mro[:1] == other.mro[:1]
                and self.repr == other.repr)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.kid)

    def __bool__(self):
        if self.truth is None:
            raise TypeError(f"truth value of {self.mro[0]} unknown")
        return self.truth

    def __array__(self, dtype=None, copy=None):
        if self.arr is None:
            raise TypeError(f"{self.mro[0]} is not an array")
        return self.arr if dtype is None else self.arr.astype(dtype)

    def __iter__(self):
        if self.items is None:
            raise TypeError(f"{self.mro[0]} is not iterable here")
        return iter(self.items)

    def __len__(self):
        if self.items is None:
            raise TypeError(f"{self.mro[0]} has no len() here")
        return len(self.items)

    def __contains__(self, x):
        return x in list(self)

    def __repr__(self):
        return f"<{self.mro[0] if self.mro else 'object'}>"


class Raised:
    """A leaf whose evaluation raised in the kernel (hidden checks): using it raises here."""

    def __init__(self, name):
        self.name = name


class ClassRef:
    """A class of the kernel that the grader does not import (engine classes, the student's)."""

    def __init__(self, fullname):
        self.fullname = fullname

    def __eq__(self, other):
        return isinstance(other, ClassRef) and other.fullname == self.fullname

    def __hash__(self):
        return hash(self.fullname)


_ALLOWED_KINDS = set("biufcSU")  # of arrays sent as bytes
_DTYPE_KINDS = _ALLOWED_KINDS | set("OMmV")  # of dtypes sent as values (np.dtype("O") is harmless)


def _bytes(b64):
    if not isinstance(b64, str):
        raise DecodeError("bad bytes")
    return base64.b64decode(b64.encode("ascii"), validate=True)


def _dtype(text, kinds=_ALLOWED_KINDS):
    if not isinstance(text, str) or len(text) > 16:
        raise DecodeError("bad dtype")
    dt = np.dtype(text)
    if dt.kind not in kinds:
        raise DecodeError(f"dtype {text} not allowed")
    return dt


def _class(mod, qualname):
    if not isinstance(mod, str) or not isinstance(qualname, str):
        raise DecodeError("bad class")
    if mod == "builtins" or mod.split(".")[0] == "numpy":
        obj = __builtins__ if mod == "builtins" else np
        try:
            for part in mod.split(".")[1:] + qualname.split("."):
                obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
            if isinstance(obj, type):
                return obj
        except Exception:  # not there (NumPy's module __getattr__ raises its own errors)
            pass
    return ClassRef(f"{mod}.{qualname}")


def _engine_dtype(name):
    from engine.dtypes import as_dtype
    if not isinstance(name, str) or len(name) > 16:
        raise DecodeError("bad DType")
    return as_dtype(name)


def _engine_shape(dims):
    from engine.shapes import TensorShape
    if dims is not None and not (isinstance(dims, tuple) and len(dims) <= 64 and all(
            d is None or type(d) is int and d >= 0 for d in dims)):
        raise DecodeError("bad TensorShape")
    return TensorShape(dims)


#: Classes of the engine whose objects are values: the kernel sends the attribute named here and
#: the grader rebuilds the object with its own engine, so that ``==`` (``x.dtype == tf.int32``,
#: ``t.shape == (None, 2)``), hashing and methods behave here as in the kernel.
VALUE_CLASSES = {"engine.dtypes.DType": ("name", _engine_dtype),
                 "engine.shapes.TensorShape": ("dims", _engine_shape)}


def value_attributes():
    """``{class: attribute}`` for the kernel's encoder (``kernel_guard.observer``)."""
    return {cls: attr for cls, (attr, _) in VALUE_CLASSES.items()}


def decode(data, budget=None):
    """A value built only from exact built-in/NumPy types (or :class:`Opaque`/:class:`ClassRef`)."""
    budget = budget if budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0 or not isinstance(data, dict):
        raise DecodeError("observation too large or malformed")
    t = data.get("t")
    v = data.get("v")
    if t == "none":
        return None
    if t == "bool":
        return v is True
    if t == "int":
        if not isinstance(v, str) or len(v) > 5000:
            raise DecodeError("bad int")
        return int(v)
    if t == "float":
        return float.fromhex(v) if isinstance(v, str) else _bad(t)
    if t == "complex":
        return complex(float.fromhex(v[0]), float.fromhex(v[1]))
    if t == "str":
        return v if isinstance(v, str) else _bad(t)
    if t == "bytes":
        return _bytes(v)
    if t in ("list", "tuple", "set", "frozenset"):
        if not isinstance(v, list):
            _bad(t)
        items = [decode(x, budget) for x in v]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
    if t == "dict":
        if not isinstance(v, list):
            _bad(t)
        return {decode(k, budget): decode(x, budget) for k, x in v}
    if t in ("nd", "npv"):
        dt = _dtype(data.get("dtype"))
        shape = data.get("shape", [])
        if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
            _bad(t)
        raw = _bytes(v)
        count = int(np.prod(shape)) if shape else 1
        budget[0] -= count
        if budget[0] < 0 or len(raw) != count * dt.itemsize:
            raise DecodeError("array size does not match its shape")
        arr = np.frombuffer(raw, dtype=dt).reshape(shape).copy()
        return arr if t == "nd" else arr[()]
    if t == "dtype":
        return _dtype(v, _DTYPE_KINDS)
    if t == "value":
        if data.get("cls") not in VALUE_CLASSES:
            _bad(t)
        return VALUE_CLASSES[data["cls"]][1](decode(v, budget))
    if t == "raise":
        return Raised(str(data.get("v", "Exception"))[:200])
    if t == "cls":
        return _class(data.get("mod"), data.get("qn"))
    if t == "mod":
        return ClassRef("module:" + str(v))
    if t == "obj":
        mro = data.get("mro")
        if not isinstance(mro, list) or not all(isinstance(m, str) for m in mro):
            _bad(t)
        arr = decode(data["arr"], budget) if data.get("arr") else None
        if arr is not None and not isinstance(arr, np.ndarray):
            arr = np.asarray(arr)
        items = decode(data["items"], budget) if data.get("items") else None
        truth = data.get("truth")
        return Opaque(data.get("id"), mro, str(data.get("repr", "")), data.get("eq"),
                      truth if isinstance(truth, bool) else None, arr,
                      list(items) if items is not None else None)
    raise DecodeError(f"unknown observation type {t!r}")


def _bad(t):
    raise DecodeError(f"malformed {t} observation")


# ---------------------------------------------------------------- judging

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
           ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
           ast.RShift: operator.rshift}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
          ast.Invert: operator.invert}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
        ast.NotIn: lambda a, b: a not in b}


class MissingLeaf(Exception):
    pass


def _fullnames(value):
    if isinstance(value, Opaque):
        return value.mro
    return [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__]


def _isinstance(value, spec):
    if isinstance(spec, tuple):
        return any(_isinstance(value, s) for s in spec)
    if isinstance(spec, ClassRef):
        return spec.fullname in _fullnames(value)
    if isinstance(spec, type):
        if isinstance(value, Opaque):
            return f"{spec.__module__}.{spec.__qualname__}" in value.mro
        return isinstance(value, spec)
    raise TypeError("isinstance() arg 2 must be a type or tuple of types")


class _Evaluator:
    def __init__(self, leaves):
        self.leaves = leaves  # index -> (value, kernel id)

    def leaf(self, node):
        if node.index not in self.leaves:
            raise MissingLeaf(node.index)
        value = self.leaves[node.index][0]
        if isinstance(value, Raised):
            raise RuntimeError(f"{value.name} in the kernel")
        return value

    def identity(self, node):
        return self.leaves[node.index][1] if isinstance(node, Leaf) and node.index in self.leaves else None

    def __call__(self, node):
        ev = self
        if isinstance(node, Leaf):
            return self.leaf(node)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Tuple):
            return tuple(ev(e) for e in node.elts)
        if isinstance(node, ast.List):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Set):
            return {ev(e) for e in node.elts}
        if isinstance(node, ast.Dict):
            return {ev(k): ev(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.BoolOp):
            value = None
            for sub in node.values:
                value = ev(sub)
                if isinstance(node.op, ast.And) and not value:
                    return value
                if isinstance(node.op, ast.Or) and value:
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.IfExp):
            return ev(node.body) if ev(node.test) else ev(node.orelse)
        if isinstance(node, ast.Compare):
            left_node, left = node.left, ev(node.left)
            for i, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
                if i and not result:  # a chain stops at a false link; the last one is returned
                    return result  # as it is (an array of ``p.argmax(1) == y`` stays an array)
                right = ev(right_node)
                if isinstance(op, (ast.Is, ast.IsNot)):
                    a, b = self.identity(left_node), self.identity(right_node)
                    same = (a == b) if a is not None and b is not None else left is right
                    result = same if isinstance(op, ast.Is) else not same
                else:
                    result = _CMP[type(op)](left, right)
                left_node, left = right_node, right
            return result
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            args = [ev(a) for a in node.args]
            kwargs = {kw.arg: ev(kw.value) for kw in node.keywords}
            if name == "isinstance":
                return _isinstance(*args, **kwargs)
            return GRADER_FUNCTIONS[name](*args, **kwargs)
        raise TypeError(f"unexpected node {type(node).__name__}")


def parse_lines(text):
    """The observation records in a kernel's output: ``[(aid, {index: encoded})]``."""
    records = []
    for line in text.split("\n"):
        if not line.startswith(MARK):
            continue
        try:
            data = json.loads(line[len(MARK):])
            records.append((str(data["a"]), {int(k): v for k, v in data["l"].items()}))
        except (ValueError, KeyError, TypeError, AttributeError):
            records.append(("?", {}))
    return records


def judge(checks, records, expected=None):
    """Evaluate the observed checks here.

    Returns ``(ok, failed, problems)``: ``failed`` is the id of the first check that does not
    hold (or ``None``), ``problems`` describes anything that honest kernels never produce
    (unknown or malformed records, a sequence of checks different from ``expected``).
    """
    problems = []
    sequence = [aid for aid, _ in records]
    if expected is not None and sequence != list(expected):
        problems.append("sequence")
    for aid, leaves in records:
        spec = checks.get(aid)
        if spec is None:
            problems.append("unknown")
            return False, None, problems
        try:
            decoded = {i: (decode(v), v.get("id") if isinstance(v, dict) else None)
                       for i, v in leaves.items()}
        except (DecodeError, ValueError, TypeError, KeyError, OverflowError):
            problems.append("malformed")
            return False, aid, problems
        try:
            value = _Evaluator(decoded)(spec["expr"])
            if spec["kind"] == "assert" and not value:
                return False, aid, problems
        except MissingLeaf:
            problems.append("missing")
            return False, aid, problems
        except Exception:  # the check itself raises here (AssertionError of np.testing...)
            return False, aid, problems
    return not problems, None, problems
