"""Random small TF1 programs over the API the engine shares with TensorFlow, as data that prints as runnable code.

A `Program` is a list of inputs (constants or placeholders with a feed) and a list of lines `vN = <expression>`,
each an expression over the module `m` (`engine` or `tensorflow.compat.v1`) and earlier names, plus a fetch
structure. `program.code()` is a self-contained Python function `program(m)`; the oracle runs it with both modules.
The generator keeps a rough model of each value (dtype and run-time shape) only to draw plausible arguments: most
draws are valid programs, a fair share are deliberately wrong (bad dtypes, shapes, axes, feeds) to compare errors.
"""
import copy

import numpy as np

FLOATS = ["float32", "float64", "float16"]
INTS = ["int32", "int64", "uint8", "int8", "int16"]
NUMERIC = FLOATS + INTS
ALL = NUMERIC + ["bool"]
COMMON = ["float32", "float32", "float64", "int32", "int64", "float16", "uint8", "bool"]


# ---------------------------------------------------------------------------------------------------------------
# Literals: NumPy values written as Python code
# ---------------------------------------------------------------------------------------------------------------


def _scalar_lit(v):
    if isinstance(v, (bool, np.bool_)):
        return repr(bool(v))
    if isinstance(v, (int, np.integer)):
        return repr(int(v))
    v = float(v)
    if np.isnan(v):
        return "np.nan"
    if np.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def _nested_lit(a):
    if a.ndim == 0:
        return _scalar_lit(a[()])
    return "[" + ", ".join(_nested_lit(x) for x in a) + "]"


def lit(value):
    """Python code for a NumPy array / scalar / Python value."""
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return f"np.zeros({tuple(value.shape)}, dtype=np.{value.dtype.name})"
        return f"np.array({_nested_lit(value)}, dtype=np.{value.dtype.name})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({_scalar_lit(value)})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(lit(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    return _scalar_lit(value) if isinstance(value, (bool, int, float, np.number)) else repr(value)


# ---------------------------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------------------------


class Input:
    """A constant (`value`) or a placeholder of `static` shape (None: unknown rank) fed with `feed`."""

    def __init__(self, name, value, kind="const", static=None, feed=None):
        self.name, self.value, self.kind, self.static, self.feed = name, value, kind, static, feed

    def code(self):
        if self.kind == "const":
            return f"{self.name} = m.constant({lit(self.value)})"
        shape = "None" if self.static is None else repr(list(self.static))
        return f"{self.name} = m.placeholder(m.{self.value.dtype.name}, {shape})"


class Line:
    """`name = template.format(*args)`; `template` mentions the module as `m` and the arguments as {0}, {1}..."""

    def __init__(self, name, template, args):
        self.name, self.template, self.args = name, template, list(args)

    def code(self):
        return f"{self.name} = {self.template.format(*self.args)}"


class Program:
    def __init__(self, inputs, lines, fetch, meta=None, variables=False):
        self.inputs, self.lines, self.fetch, self.meta, self.variables = inputs, lines, fetch, meta, variables

    def used_names(self):
        used = set(_names_in(self.fetch))
        for line in self.lines:
            used.update(line.args)
        if self.meta:
            used.add(self.meta)
        return used

    def code(self):
        used = self.used_names()
        body = [i.code() for i in self.inputs if i.name in used]
        body += [line.code() for line in self.lines]
        feeds = ", ".join(f"{i.name}: {lit(i.feed)}" for i in self.inputs if i.kind == "ph" and i.name in used)
        meta = f"[g is None for g in {self.meta}]" if self.meta else "None"
        body.append(f"return {_fetch_code(self.fetch)}, {{{feeds}}}, {meta}")
        return "def program(m):\n" + "".join(f"    {b}\n" for b in body)

    def copy(self):
        return copy.deepcopy(self)


def _names_in(fetch):
    if isinstance(fetch, str):
        yield fetch.split("[")[0].split(" ")[0]
    elif isinstance(fetch, dict):
        for v in fetch.values():
            yield from _names_in(v)
    else:
        for v in fetch:
            yield from _names_in(v)


def _fetch_code(fetch):
    if isinstance(fetch, str):
        return fetch
    if isinstance(fetch, dict):
        return "{" + ", ".join(f"{k!r}: {_fetch_code(v)}" for k, v in fetch.items()) + "}"
    inner = ", ".join(_fetch_code(v) for v in fetch)
    return f"[{inner}]" if isinstance(fetch, list) else f"({inner}{',' if len(fetch) == 1 else ''})"


# ---------------------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------------------


class Var:
    def __init__(self, name, dtype, shape, kind="tensor"):
        self.name, self.dtype, self.shape, self.kind = name, dtype, shape, kind  # kind: tensor, list, grads


class Gen:
    """Draws one program from `seed` over the op families of `FAMILIES` (those whose functions both modules have)."""

    def __init__(self, seed, available):
        self.rng = np.random.default_rng(seed)
        self.available = available
        self.inputs, self.lines, self.vars = [], [], []
        self.count = 0
        self.meta = None
        self.variables = False

    # --- random draws
    def chance(self, p):
        return self.rng.random() < p

    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def int(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def dtype(self, allowed=None, stray=0.15):
        """A dtype from `allowed`, or (with probability `stray`) any dtype, to test dtype checks."""
        if allowed is None or self.chance(stray):
            return self.choice(COMMON)
        return self.choice(allowed)

    def shape(self, rank=None, min_rank=0, max_rank=3):
        rank = self.int(min_rank, max_rank) if rank is None else rank
        return tuple(0 if self.chance(0.04) else self.int(1, 3) for _ in range(rank))

    def values(self, dtype, shape, domain="any"):
        rng = self.rng
        n = int(np.prod(shape, dtype=np.int64))
        if dtype == "bool":
            return rng.random(shape) < 0.5
        if dtype in FLOATS:
            lo, hi = {"any": (-3, 3), "pos": (0.25, 3), "prob": (0, 1)}[domain]
            v = np.round(rng.uniform(lo, hi, shape) * 4) / 4
            if domain == "any" and n and self.chance(0.08):
                specials = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e30, -1e30, 0.5]
                flat = v.reshape(-1)
                flat[int(rng.integers(n))] = self.choice(specials)
            return v.astype(dtype)
        lo, hi = {"uint8": (0, 9), "any": (-5, 5), "pos": (1, 5), "prob": (0, 1)}["uint8" if dtype == "uint8"
                                                                               and domain == "any" else domain]
        return rng.integers(lo, hi + 1, shape).astype(dtype)

    # --- building
    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def new_input(self, dtype=None, shape=None, domain="any", const=None):
        dtype = dtype or self.dtype()
        shape = self.shape() if shape is None else tuple(shape)
        value = self.values(dtype, shape, domain)
        name = self.fresh("x")
        const = self.chance(0.6) if const is None else const
        if const:
            inp = Input(name, value, "const")
        else:
            r = self.rng.random()
            static = list(shape) if r < 0.5 else ([None] * len(shape) if r < 0.85 else None)
            if static is not None and len(static) > 1 and self.chance(0.3):
                static[self.int(0, len(static) - 1)] = None if static[0] is not None else static[0]
            inp = Input(name, value, "ph", static, self.odd_feed(value) if self.chance(0.1) else value)
        self.inputs.append(inp)
        v = Var(name, dtype, shape)
        self.vars.append(v)
        return v

    def odd_feed(self, value):
        """A feed that does not fit the placeholder: another dtype, inf/nan into ints, a list, another shape."""
        kind = self.choice(["float_into_int", "list", "shape", "bool_from_int", "scalar", "range"])
        if kind == "float_into_int":
            out = value.astype(np.float64)
            if out.size:
                out.reshape(-1)[0] = self.choice([np.inf, np.nan, 1.5, -np.inf, 2.0])
            return out
        if kind == "list":
            return value.tolist()
        if kind == "shape":
            return np.concatenate([value.reshape(-1), value.reshape(-1)[:1]]) if value.size else value.reshape(-1)[:0]
        if kind == "bool_from_int":
            return value.astype(np.int64)
        if kind == "scalar":
            return value.reshape(-1)[0].item() if value.size else 1
        out = value.astype(np.int64)
        if out.size:
            out.reshape(-1)[0] = self.choice([300, -1, 2**40])
        return out

    def arg(self, dtypes=None, rank=None, min_rank=0, max_rank=3, shape=None, domain="any", stray=0.1, fresh=0.5):
        """An existing value that fits (preferring recent ones), or a new input."""
        if not self.chance(fresh):
            fits = [v for v in self.vars if v.kind == "tensor" and v.shape is not None
                    and (dtypes is None or v.dtype in dtypes or self.chance(stray))
                    and (shape is None or v.shape == tuple(shape))
                    and (rank is None or len(v.shape) == rank) and min_rank <= len(v.shape) <= max_rank]
            if fits:
                return fits[-1] if self.chance(0.6) else self.choice(fits)
        dtype = self.dtype(dtypes, stray)
        if shape is None:
            shape = self.shape(rank, min_rank, max_rank)
        return self.new_input(dtype, shape, domain)

    def emit(self, template, args, dtype=None, shape=None, kind="tensor"):
        name = self.fresh("v")
        self.lines.append(Line(name, template, [a.name if isinstance(a, Var) else a for a in args]))
        v = Var(name, dtype, shape, kind)
        self.vars.append(v)
        return v

    def axis(self, rank, allow_none=True, allow_list=True):
        r = self.rng.random()
        if allow_none and r < 0.25:
            return None
        if allow_list and r < 0.5:
            k = self.int(0, max(rank, 0))
            return sorted(int(a) for a in self.rng.choice(np.arange(-rank, rank) if rank else [0], k, replace=False)) \
                if rank else []
        if self.chance(0.08):
            return self.choice([rank, -rank - 1])
        return self.int(-rank, rank - 1) if rank else 0

    # --- whole programs
    def program(self, n_ops=None):
        n_ops = self.int(1, 4) if n_ops is None else n_ops
        families = [f for f in FAMILIES if all(self.available(n) for n in f.needs)]
        weights = np.array([f.weight for f in families], dtype=float)
        for _ in range(n_ops):
            fam = families[int(self.rng.choice(len(families), p=weights / weights.sum()))]
            try:
                with np.errstate(all="ignore"):
                    fam.build(self)
            except (IndexError, ValueError, ZeroDivisionError, TypeError):
                pass  # the rough model of a deliberately wrong draw failed: that op is left out
        consumed = {a for line in self.lines for a in line.args}
        outs = [v for v in self.vars if v.name.startswith("v") and v.name not in consumed and v.kind == "tensor"] \
            or self.vars[-1:]
        last = outs[-1]
        if self.chance(0.15) and last.kind == "tensor" and self.inputs and self.available("gradients"):
            xs = [i.name for i in self.inputs if i.value.dtype.kind == "f"][:2] or [self.inputs[0].name]
            g = self.emit("m.gradients({0}, [" + ", ".join(f"{{{k + 1}}}" for k in range(len(xs))) + "])",
                          [last] + xs, kind="grads")
            self.meta = g.name
            return Program(self.inputs, self.lines, f"[t for t in {g.name} if t is not None]", g.name,
                           self.variables)
        fetch = self.fetch_structure(outs) if len(outs) <= 3 else [v.name for v in outs]
        return Program(self.inputs, self.lines, fetch, None, self.variables)

    def fetch_structure(self, vs):
        """Every value nothing else uses, as one tensor, a list, a tuple, a dict or a nesting of them."""
        names = [v.name for v in vs]
        r = self.rng.random()
        if r < 0.55 and len(names) == 1:
            return names[-1]
        if r < 0.7:
            return names
        if r < 0.8:
            return tuple(names)
        if r < 0.9:
            return {f"k{i}": n for i, n in enumerate(names)}
        return [names[0], {"rest": tuple(names[1:])}]


class Family:
    def __init__(self, build, needs, weight=1.0):
        self.build, self.needs, self.weight = build, needs, weight


FAMILIES = []


def family(*needs, weight=1.0):
    def register(fn):
        FAMILIES.append(Family(fn, needs, weight))
        return fn
    return register


# ---------------------------------------------------------------------------------------------------------------
# Element-wise math
# ---------------------------------------------------------------------------------------------------------------

UNARY = {  # function: (dtypes it is meant for, result dtype or None for the input's, domain)
    "negative": (NUMERIC, None), "abs": (NUMERIC, None), "sign": (NUMERIC, None), "square": (NUMERIC, None),
    "sqrt": (FLOATS, None), "rsqrt": (FLOATS, None), "exp": (FLOATS, None), "log": (FLOATS, None),
    "log1p": (FLOATS, None), "sin": (FLOATS, None), "cos": (FLOATS, None), "tan": (FLOATS, None),
    "tanh": (FLOATS, None), "sigmoid": (FLOATS, None), "reciprocal": (FLOATS, None), "round": (FLOATS, None),
    "floor": (FLOATS, None), "ceil": (FLOATS, None), "logical_not": (["bool"], "bool"),
    "is_nan": (FLOATS, "bool"), "is_finite": (FLOATS, "bool"), "nn.softplus": (FLOATS, None),
    "nn.softsign": (FLOATS, None), "nn.relu": (NUMERIC, None), "nn.relu6": (NUMERIC, None),
    "nn.elu": (FLOATS, None), "nn.leaky_relu": (FLOATS, None), "identity": (ALL, None), "zeros_like": (ALL, None),
    "ones_like": (ALL, None), "stop_gradient": (ALL, None), "nn.softmax": (FLOATS, None),
    "nn.log_softmax": (FLOATS, None), "nn.sigmoid": (FLOATS, None), "nn.tanh": (FLOATS, None),
}


@family(weight=5)
def unary(g):
    fn = g.choice(sorted(UNARY))
    if not g.available(fn):
        return
    dtypes, out = UNARY[fn]
    x = g.arg(dtypes, stray=0.2)
    extra = ""
    if fn == "nn.leaky_relu" and g.chance(0.5):
        extra = f", alpha={g.choice([0.1, 0.5, 2.0])}"
    if fn in ("nn.softmax", "nn.log_softmax") and g.chance(0.3):
        extra = f", axis={g.int(-len(x.shape) - 1, len(x.shape))}"
    g.emit(f"m.{fn}({{0}}{extra})", [x], out or x.dtype, x.shape)


@family(weight=1)
def shape_queries(g):
    fn = g.choice(["shape", "size", "rank"])
    x = g.arg(ALL)
    g.emit(f"m.{fn}({{0}})", [x], "int32", (len(x.shape),) if fn == "shape" else ())


@family(weight=1.5)
def cast(g):
    x = g.arg(ALL)
    to = g.choice(ALL)
    g.emit(f"m.cast({{0}}, m.{to})", [x], to, x.shape)


BINARY = ["add", "subtract", "multiply", "divide", "truediv", "realdiv", "div", "floordiv", "truncatediv",
          "truncatemod", "mod", "pow", "maximum", "minimum", "squared_difference", "equal", "not_equal", "less",
          "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "&", "|", "^"]
COMPARE = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "<", "<=", ">", ">="}
LOGIC = {"logical_and", "logical_or", "logical_xor", "&", "|", "^"}


def broadcast_partner(g, shape):
    """A shape that broadcasts with `shape` (mostly), or one that does not."""
    r = g.rng.random()
    if r < 0.35:
        return shape
    if r < 0.5:
        return ()
    if r < 0.85:
        cut = g.int(0, len(shape))
        return tuple(1 if g.chance(0.3) else d for d in shape[cut:])
    return g.shape()


@family(weight=6)
def binary(g):
    op = g.choice(BINARY + OPERATORS)
    if op in BINARY and not g.available(op):
        return
    dtypes = ["bool"] if op in LOGIC else (FLOATS if op in ("realdiv",) else NUMERIC)
    x = g.arg(dtypes, stray=0.1)
    r = g.rng.random()
    if r < 0.2:  # a Python number on one side
        scalar = g.choice([2, 3, -1, 0, 2.0, 0.5, -1.5, True])
        template = f"m.{op}({{0}}, {scalar!r})" if op in BINARY else f"{{0}} {op} {scalar!r}"
        if g.chance(0.5):
            template = f"m.{op}({scalar!r}, {{0}})" if op in BINARY else f"{scalar!r} {op} {{0}}"
        args = [x]
        shape = x.shape
    else:
        ydtype = x.dtype if g.chance(0.88) else g.choice(COMMON)
        yshape = broadcast_partner(g, x.shape)
        y = g.arg([ydtype], shape=yshape, stray=0, domain="pos" if op in ("pow", "**") and x.dtype in INTS else "any")
        template = f"m.{op}({{0}}, {{1}})" if op in BINARY else f"{{0}} {op} {{1}}"
        args = [x, y]
        try:
            shape = np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            shape = None
    out = "bool" if op in COMPARE else x.dtype
    g.emit(template, args, out, shape)


@family("add_n", weight=0.7)
def add_n(g):
    x = g.arg(ALL)
    others = [g.arg([x.dtype], shape=x.shape if g.chance(0.85) else g.shape(), stray=0.05) for _ in range(g.int(0, 2))]
    g.emit("m.add_n([" + ", ".join(f"{{{i}}}" for i in range(len(others) + 1)) + "])", [x] + others, x.dtype, x.shape)


@family("clip_by_value", weight=0.7)
def clip(g):
    x = g.arg(NUMERIC)
    lo, hi = g.choice([(-1, 1), (0.0, 2.0), (-0.5, 0.5)])
    g.emit(f"m.clip_by_value({{0}}, {lo!r}, {hi!r})", [x], x.dtype, x.shape)


@family("where", weight=1.2)
def where(g):
    r = g.rng.random()
    if r < 0.3:
        c = g.arg(["bool"], min_rank=0, stray=0.1)
        g.emit("m.where({0})", [c], "int64", None)
        return
    x = g.arg(NUMERIC)
    c = g.arg(["bool"], shape=x.shape if g.chance(0.75) else broadcast_partner(g, x.shape), stray=0.05)
    y = g.arg([x.dtype], shape=x.shape if g.chance(0.8) else broadcast_partner(g, x.shape), stray=0.05)
    fn = "where" if r < 0.65 else "where_v2"
    if g.available(fn):
        g.emit(f"m.{fn}({{0}}, {{1}}, {{2}})", [c, x, y], x.dtype, x.shape)


# ---------------------------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------------------------

REDUCTIONS = {"reduce_sum": NUMERIC, "reduce_mean": NUMERIC, "reduce_max": NUMERIC, "reduce_min": NUMERIC,
              "reduce_prod": NUMERIC, "reduce_any": ["bool"], "reduce_all": ["bool"], "reduce_logsumexp": FLOATS,
              "count_nonzero": NUMERIC + ["bool"], "norm": FLOATS}


def reduced_shape(shape, axis, keep):
    try:
        return np.sum(np.zeros(shape), axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keep).shape
    except Exception:  # noqa: BLE001 (a bad axis: the program is meant to fail)
        return None


@family(weight=4)
def reduction(g):
    fn = g.choice(sorted(REDUCTIONS))
    if not g.available(fn):
        return
    x = g.arg(REDUCTIONS[fn], stray=0.1)
    axis = g.axis(len(x.shape))
    keep = g.choice([None, True, False])
    args = "" if axis is None else f", axis={axis!r}"
    if keep is not None:
        args += f", keepdims={keep}"
    out = "int64" if fn == "count_nonzero" else x.dtype
    g.emit(f"m.{fn}({{0}}{args})", [x], out, reduced_shape(x.shape, axis, bool(keep)))


@family(weight=1.5)
def arg_reduction(g):
    fn = g.choice(["argmax", "argmin"])
    x = g.arg(NUMERIC, min_rank=1 if g.chance(0.9) else 0)
    axis = g.axis(len(x.shape), allow_list=False)
    a = "" if axis is None else f", axis={axis}"
    if g.chance(0.2):
        a += ", output_type=m.int32"
    g.emit(f"m.{fn}({{0}}{a})", [x], "int64", reduced_shape(x.shape, 0 if axis is None else axis, False))


@family("cumsum", "cumprod", weight=1)
def cumulative(g):
    fn = g.choice(["cumsum", "cumprod"])
    x = g.arg(NUMERIC, min_rank=1 if g.chance(0.9) else 0)
    axis = g.axis(len(x.shape), allow_none=False, allow_list=False)
    g.emit(f"m.{fn}({{0}}, axis={axis}, exclusive={g.chance(0.3)}, reverse={g.chance(0.3)})", [x], x.dtype, x.shape)


# ---------------------------------------------------------------------------------------------------------------
# Shapes and indexing
# ---------------------------------------------------------------------------------------------------------------


@family(weight=2)
def reshape(g):
    x = g.arg(ALL)
    n = int(np.prod(x.shape))
    r = g.rng.random()
    if r < 0.3:
        target = [n]
    elif r < 0.55:
        target = [-1] + ([1] if g.chance(0.5) else [])
    elif r < 0.8 and n:
        d = g.choice([k for k in (1, 2, 3, n) if n % k == 0])
        target = [d, -1] if g.chance(0.5) else [d, n // d]
    else:
        target = list(g.shape(min_rank=1))
        if g.chance(0.3):
            target[0] = -1
    shape = tuple(n // max(1, int(np.prod([d for d in target if d != -1]))) if d == -1 else d for d in target)
    g.emit(f"m.reshape({{0}}, {target!r})", [x], x.dtype, shape)


@family(weight=1.5)
def transpose(g):
    x = g.arg(ALL)
    rank = len(x.shape)
    perm = [int(p) for p in g.rng.permutation(rank)]
    if g.chance(0.1):
        perm = perm + [rank] if g.chance(0.5) else perm[:-1]
    if g.chance(0.2):
        g.emit("m.transpose({0})", [x], x.dtype, x.shape[::-1])
    else:
        ok = sorted(perm) == list(range(rank))
        g.emit(f"m.transpose({{0}}, {perm!r})", [x], x.dtype, tuple(x.shape[p] for p in perm) if ok else None)


@family("matrix_transpose", weight=0.5)
def matrix_transpose(g):
    x = g.arg(ALL, min_rank=2 if g.chance(0.85) else 0)
    shape = x.shape[:-2] + x.shape[-2:][::-1] if len(x.shape) >= 2 else None
    if g.chance(0.3) and len(x.shape) and isinstance(x, Var) and x.name.startswith("x"):
        inp = next(i for i in g.inputs if i.name == x.name)
        inp.kind, inp.static, inp.feed = "ph", None, inp.value
    g.emit("m.matrix_transpose({0})", [x], x.dtype, shape)


@family(weight=1)
def expand_squeeze(g):
    x = g.arg(ALL)
    rank = len(x.shape)
    if g.chance(0.5):
        axis = g.int(-rank - 2, rank + 1)
        shape = None
        if -rank - 1 <= axis <= rank:
            s = list(x.shape)
            s.insert(axis % (rank + 1), 1)
            shape = tuple(s)
        g.emit(f"m.expand_dims({{0}}, {axis})", [x], x.dtype, shape)
    else:
        ones = [i for i, d in enumerate(x.shape) if d == 1]
        if ones and g.chance(0.7):
            axis = [g.choice(ones)]
        else:
            axis = None if g.chance(0.5) else [g.int(-rank, rank)] if rank else None
        arg = "" if axis is None else f", axis={axis!r}"
        shape = tuple(d for i, d in enumerate(x.shape) if (d != 1 if axis is None else i not in [a % max(rank, 1)
                                                                                                   for a in axis]))
        g.emit(f"m.squeeze({{0}}{arg})", [x], x.dtype, shape)


@family(weight=2)
def concat_stack(g):
    x = g.arg(ALL, min_rank=1 if g.chance(0.9) else 0)
    rank = len(x.shape)
    n = g.int(1, 3)
    if g.chance(0.5):  # concat
        axis = g.int(-rank, rank - 1) if rank and g.chance(0.92) else rank
        others = []
        for _ in range(n):
            s = list(x.shape)
            if rank and g.chance(0.6):
                s[axis % rank] = g.int(0, 3)
            if g.chance(0.08):
                s = list(g.shape())
            others.append(g.arg([x.dtype], shape=s, stray=0.05))
        shape = None
        if rank and -rank <= axis < rank:
            shape = list(x.shape)
            shape[axis % rank] = sum(v.shape[axis % rank] for v in [x] + others)
            shape = tuple(shape)
        args = [x] + others
        g.emit("m.concat([" + ", ".join(f"{{{i}}}" for i in range(len(args))) + f"], {axis})", args, x.dtype, shape)
    else:
        axis = g.int(-rank - 1, rank) if g.chance(0.92) else rank + 1
        others = [g.arg([x.dtype], shape=x.shape if g.chance(0.9) else g.shape(), stray=0.05) for _ in range(n)]
        args = [x] + others
        shape = list(x.shape)
        shape.insert(axis % (rank + 1), len(args))
        g.emit("m.stack([" + ", ".join(f"{{{i}}}" for i in range(len(args))) + f"], axis={axis})", args, x.dtype,
               tuple(shape))


@family(weight=1.2)
def unstack_split(g):
    x = g.arg(ALL, min_rank=1 if g.chance(0.9) else 0)
    rank = len(x.shape)
    axis = g.int(-rank - 1, rank) if g.chance(0.9) else g.int(-rank, rank - 1) if rank else 0
    if g.chance(0.5):
        g.emit(f"m.unstack({{0}}, axis={axis})", [x], x.dtype, None, kind="list")
    else:
        d = x.shape[axis % rank] if rank else 1
        sizes = g.choice([2, 1, 3, [1, -1], [d], [0, d], [1, 1]])
        g.emit(f"m.split({{0}}, {sizes!r}, axis={axis})", [x], x.dtype, None, kind="list")
    last = g.vars[-1]
    g.emit(f"{{0}}[{g.choice([0, -1])}]", [last], x.dtype, None)


@family(weight=1.5)
def gather(g):
    x = g.arg(ALL, min_rank=1 if g.chance(0.9) else 0)
    rank = len(x.shape)
    axis = g.int(-rank, rank - 1) if rank and g.chance(0.9) else g.int(-rank - 1, rank)
    n = x.shape[axis % rank] if rank else 0
    hi = n if g.chance(0.12) else max(n - 1, 0)
    lo = -1 if g.chance(0.05) else 0
    ishape = g.shape(max_rank=2)
    idx = g.new_input(g.choice(["int32", "int64"]) if g.chance(0.95) else "float32", ishape, const=g.chance(0.7))
    inp = g.inputs[-1]
    inp.value = g.rng.integers(lo, hi + 1, ishape).astype(inp.value.dtype)
    if inp.kind == "ph":
        inp.feed = inp.value
    axis_arg = "" if axis == 0 and g.chance(0.5) else f", axis={axis}"
    shape = x.shape[:axis % rank] + ishape + x.shape[axis % rank + 1:] if rank else None
    g.emit(f"m.gather({{0}}, {{1}}{axis_arg})", [x, idx], x.dtype, shape)


@family(weight=1)
def slice_(g):
    x = g.arg(ALL, min_rank=1)
    begin = [g.int(0, max(d, 0)) for d in x.shape]
    size = [g.choice([-1, max(d - b, 0), g.int(0, 3)]) for d, b in zip(x.shape, begin)]
    if g.chance(0.1):
        begin = begin[:-1]
    g.emit(f"m.slice({{0}}, {begin!r}, {size!r})", [x], x.dtype, None)


def _index_item(g, d):
    r = g.rng.random()
    if r < 0.35:
        return str(g.int(-d - 1, d) if g.chance(0.1) else g.int(-d, d - 1) if d else 0)
    if r < 0.75:
        parts = [g.choice(["", str(g.int(-d, d)), str(g.int(0, d + 1))]) for _ in range(2)]
        step = g.choice(["", "", "2", "-1", "-2"])
        return ":".join(parts) + (":" + step if step else "")
    if r < 0.85:
        return "None"
    return "..."


@family(weight=2)
def indexing(g):
    x = g.arg(ALL, min_rank=1 if g.chance(0.9) else 0)
    items = [_index_item(g, d) for d in x.shape[:g.int(1, max(len(x.shape), 1))]] or ["..."]
    if items.count("...") > 1 and g.chance(0.8):
        items = [i for i in items if i != "..."] or ["..."]
    if g.chance(0.12):  # a tensor index: constant scalar, fed scalar, or a vector
        kind = g.choice(["const", "ph", "vector"])
        d = x.shape[0] if x.shape else 1
        if kind == "vector":
            t = g.new_input("int32", (2,), const=True)
            g.inputs[-1].value = np.array([0, max(d - 1, 0)], np.int32)
        else:
            t = g.new_input("int32", (), const=kind == "const")
            g.inputs[-1].value = np.array(g.int(0, max(d - 1, 0)), np.int32)
            g.inputs[-1].feed = g.inputs[-1].value
        g.emit("{0}[{1}]", [x, t], x.dtype, None)
        return
    g.emit("{0}[" + ", ".join(items) + "]", [x], x.dtype, None)


@family(weight=1)
def tile(g):
    x = g.arg(ALL)
    mult = [g.int(0, 3) if g.chance(0.2) else g.int(1, 2) for _ in x.shape]
    if g.chance(0.1):
        mult.append(2)
    shape = tuple(d * k for d, k in zip(x.shape, mult)) if len(mult) == len(x.shape) else None
    g.emit(f"m.tile({{0}}, {mult!r})", [x], x.dtype, shape)


@family("pad", weight=1)
def pad(g):
    x = g.arg(ALL)
    pads = [[g.int(0, 2), g.int(0, 2)] for _ in x.shape]
    if g.chance(0.1) and pads:
        pads[0][0] = -1
    mode = g.choice(['"CONSTANT"', '"CONSTANT"', '"REFLECT"', '"SYMMETRIC"'])
    shape = tuple(d + a + b for d, (a, b) in zip(x.shape, pads))
    g.emit(f"m.pad({{0}}, {pads!r}, mode={mode})", [x], x.dtype, shape)


@family("reverse", weight=0.7)
def reverse(g):
    x = g.arg(ALL, min_rank=1)
    rank = len(x.shape)
    axis = [g.int(-rank, rank - 1)] if g.chance(0.9) else [rank]
    g.emit(f"m.reverse({{0}}, {axis!r})", [x], x.dtype, x.shape)


@family("boolean_mask", weight=1)
def boolean_mask(g):
    x = g.arg(ALL, min_rank=1)
    k = g.int(1, len(x.shape))
    mshape = x.shape[:k] if g.chance(0.85) else g.shape(min_rank=1)
    mask = g.arg(["bool"], shape=mshape, stray=0.05)
    if g.chance(0.3) and mask.name.startswith("x"):
        inp = next(i for i in g.inputs if i.name == mask.name)
        if inp.kind == "const":
            inp.kind, inp.static, inp.feed = "ph", [None] * len(mshape), inp.value
    g.emit("m.boolean_mask({0}, {1})", [x, mask], x.dtype, None)


@family("sort", "argsort", weight=1)
def sort(g):
    fn = g.choice(["sort", "argsort"])
    x = g.arg(NUMERIC, min_rank=1 if g.chance(0.9) else 0)
    rank = len(x.shape)
    axis = g.int(-rank, rank - 1) if rank else 0
    direction = g.choice(["ASCENDING", "DESCENDING"])
    g.emit(f"m.{fn}({{0}}, axis={axis}, direction={direction!r})", [x], x.dtype if fn == "sort" else "int32",
           x.shape)


@family("nn.top_k", weight=1)
def top_k(g):
    x = g.arg(NUMERIC, min_rank=1 if g.chance(0.9) else 0)
    n = x.shape[-1] if x.shape else 1
    k = g.int(0, n + (1 if g.chance(0.1) else 0))
    g.emit(f"m.nn.top_k({{0}}, k={k})", [x], None, None, kind="list")
    last = g.vars[-1]
    g.emit(f"{{0}}[{g.int(0, 1)}]", [last], x.dtype, x.shape[:-1] + (k,) if x.shape else None)


@family("one_hot", weight=1)
def one_hot(g):
    shape = g.shape(max_rank=2)
    idx = g.new_input(g.choice(["int32", "int64"]) if g.chance(0.92) else g.choice(["uint8", "float32"]), shape)
    inp = g.inputs[-1]
    depth = g.int(0, 4)
    inp.value = g.rng.integers(-1, depth + 1, shape).astype(inp.value.dtype)
    inp.feed = inp.value if inp.kind == "ph" else None
    extra = ""
    if g.chance(0.3):
        extra += f", on_value={g.choice([5, 2.0, True])!r}, off_value={g.choice([-1, 0.5, False])!r}"
    if g.chance(0.3):
        extra += f", axis={g.int(-1, len(shape))}"
    if g.chance(0.2):
        extra += f", dtype=m.{g.choice(['int32', 'float64', 'float32'])}"
    g.emit(f"m.one_hot({{0}}, {depth}{extra})", [idx], "float32", shape + (depth,))


@family(weight=1)
def ranges(g):
    r = g.rng.random()
    if r < 0.5:
        a, b, d = g.choice([(0, 5, 1), (2, 9, 3), (0.9, 4.9, 0.5), (0.0, 1.0, 0.3), (5, 0, -2), (3, 3, 1),
                            (0, 5, 0), (5, 0, 1), (1.5, 7, 1), (0, 1e9, 2e8), (-2.5, 2.5, 0.75)])
        g.emit(f"m.range({a!r}, {b!r}, {d!r})", [], "int32", None)
    elif r < 0.7:
        n = g.int(0, 5)
        g.emit(f"m.range({n})", [], "int32", (n,))
    elif r < 0.85 and g.available("linspace"):
        g.emit(f"m.linspace({g.choice([0.0, -1.0, 2.0])!r}, {g.choice([1.0, 3.0])!r}, {g.int(1, 5)})", [],
               "float32", None)
    else:
        lim = g.arg(["int32", "int64", "float32"], rank=0, fresh=1)
        g.emit("m.range({0})", [lim], lim.dtype, None)


@family(weight=1)
def filled(g):
    r = g.rng.random()
    shape = list(g.shape())
    if r < 0.25:
        g.emit(f"m.fill({shape!r}, {g.choice([1, 2.5, True])!r})", [], None, tuple(shape))
    elif r < 0.5:
        fn = g.choice(["zeros", "ones"])
        dt = g.choice(ALL)
        g.emit(f"m.{fn}({shape!r}, dtype=m.{dt})", [], dt, tuple(shape))
    elif r < 0.75:
        value = g.choice([[1, 2], [1.5, 2, 3], 3, [[1, 2], [3, 4]], [True, False], 7.0])
        want = g.choice([[4, 2, 1], [2, 2], [4], [2], [3, 1], [1, 4], [8]])
        dt = g.choice(["None", "m.float32", "m.int64", "m.float64", "m.int32"])
        g.emit(f"m.constant({value!r}, dtype={dt}, shape={want!r})", [], None, tuple(want))
    else:
        x = g.arg(ALL, min_rank=0, max_rank=2)
        target = list(broadcast_partner(g, x.shape))
        target = [g.int(1, 3)] + target if g.chance(0.5) else target
        if g.chance(0.3) and x.name.startswith("x"):
            inp = next(i for i in g.inputs if i.name == x.name)
            if inp.kind == "const":
                inp.kind, inp.static, inp.feed = "ph", None, inp.value
        g.emit(f"m.broadcast_to({{0}}, {target!r})", [x], x.dtype, None)


@family("unsorted_segment_sum", weight=1)
def segments(g):
    fns = [f for f in ["unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
                       "unsorted_segment_prod", "unsorted_segment_mean", "segment_sum", "segment_mean",
                       "segment_max", "segment_min", "segment_prod"] if g.available(f)]
    fn = g.choice(fns)
    data = g.arg(NUMERIC, min_rank=1)
    n = data.shape[0]
    k = g.int(1, 3)
    sorted_ = fn.startswith("segment")
    ids = g.rng.integers(-1 if g.chance(0.2) else 0, k + (1 if g.chance(0.1) else 0), n)
    if sorted_:
        ids = np.sort(np.abs(ids)) if g.chance(0.9) else ids
    idx = g.new_input("int32" if g.chance(0.9) else "int64", (n,), const=True)
    g.inputs[-1].value = ids.astype(g.inputs[-1].value.dtype)
    if sorted_:
        g.emit(f"m.{fn}({{0}}, {{1}})", [data, idx], data.dtype, None)
    else:
        g.emit(f"m.{fn}({{0}}, {{1}}, {k})", [data, idx], data.dtype, (k,) + data.shape[1:])


@family("unique", weight=0.4)
def unique(g):
    x = g.arg(NUMERIC, rank=1 if g.chance(0.9) else None)
    g.emit("m.unique({0})", [x], None, None, kind="list")
    g.emit(f"{{0}}[{g.int(0, 1)}]", [g.vars[-1]], None, None)


@family("diag", "diag_part", weight=0.4)
def diag(g):
    if g.chance(0.5):
        x = g.arg(NUMERIC, min_rank=0 if g.chance(0.1) else 1, max_rank=2)
        g.emit("m.diag({0})", [x], x.dtype, x.shape * 2)
    else:
        n = g.int(0, 3)
        x = g.arg(NUMERIC, shape=(n, n) if g.chance(0.85) else g.shape(), stray=0.1)
        g.emit("m.diag_part({0})", [x], x.dtype, (n,))


# ---------------------------------------------------------------------------------------------------------------
# Neural-network ops
# ---------------------------------------------------------------------------------------------------------------


@family(weight=2.5)
def xent(g):
    kind = g.choice(["v2", "v1", "sparse", "sigmoid"])
    logits = g.arg(FLOATS, min_rank=1 if g.chance(0.9) else 0, stray=0.05)
    shape = logits.shape
    if kind == "sparse":
        n = shape[-1] if shape else 1
        lshape = shape[:-1] if g.chance(0.9) else shape
        labels = g.new_input("int32" if g.chance(0.6) else g.choice(["int64", "float32"]), lshape)
        inp = g.inputs[-1]
        inp.value = g.rng.integers(-1 if g.chance(0.05) else 0, n + (1 if g.chance(0.05) else 0),
                                   lshape).astype(inp.value.dtype)
        inp.feed = inp.value
        if g.chance(0.1):  # a huge logit
            li = next((i for i in g.inputs if i.name == logits.name), None)
            if li is not None and li.value.size:
                li.value = li.value.copy()
                li.value.reshape(-1)[0] = 1e30
                li.feed = li.value if li.kind == "ph" else li.feed
        g.emit("m.nn.sparse_softmax_cross_entropy_with_logits(labels={1}, logits={0})", [logits, labels],
               logits.dtype, lshape)
        return
    lshape = shape if g.chance(0.85) else broadcast_partner(g, shape)
    labels = g.arg([logits.dtype], shape=lshape, domain="prob", stray=0.05)
    fn = {"v2": "softmax_cross_entropy_with_logits_v2", "v1": "softmax_cross_entropy_with_logits",
          "sigmoid": "sigmoid_cross_entropy_with_logits"}[kind]
    extra = f", axis={g.int(-len(shape), len(shape) - 1)}" if kind == "v2" and shape and g.chance(0.2) else ""
    g.emit(f"m.nn.{fn}(labels={{1}}, logits={{0}}{extra})", [logits, labels], logits.dtype,
           shape if kind == "sigmoid" else shape[:-1])


@family("nn.in_top_k", weight=1)
def in_top_k(g):
    pred = g.arg(["float32"], rank=2 if g.chance(0.9) else None, stray=0.05)
    rows = pred.shape[0] if pred.shape else 1
    n = pred.shape[-1] if len(pred.shape) == 2 else 1
    t = g.new_input(g.choice(["int32", "int64"]), (rows,))
    g.inputs[-1].value = g.rng.integers(0, n + (1 if g.chance(0.2) else 0), rows).astype(g.inputs[-1].value.dtype)
    g.inputs[-1].feed = g.inputs[-1].value
    if g.chance(0.25):
        inp = next(i for i in g.inputs if i.name == pred.name)
        if inp.kind == "const":
            inp.kind, inp.static, inp.feed = "ph", [None, None] if g.chance(0.5) else None, inp.value
    g.emit(f"m.nn.in_top_k({{0}}, {{1}}, {g.int(0, n + 1)})", [pred, t], "bool", (rows,))


@family("nn.bias_add", weight=1)
def bias_add(g):
    x = g.arg(NUMERIC, min_rank=2 if g.chance(0.85) else 0)
    n = x.shape[-1] if x.shape else 1
    b = g.arg([x.dtype], shape=(n,) if g.chance(0.85) else g.shape(), stray=0.05)
    g.emit("m.nn.bias_add({0}, {1})", [x, b], x.dtype, x.shape)


@family(weight=1)
def nn_misc(g):
    fn = g.choice(["nn.l2_loss", "nn.l2_normalize", "nn.moments"])
    if not g.available(fn):
        return
    x = g.arg(FLOATS, stray=0.1)
    if fn == "nn.l2_loss":
        g.emit("m.nn.l2_loss({0})", [x], x.dtype, ())
    elif fn == "nn.l2_normalize":
        axis = g.axis(len(x.shape), allow_list=False)
        g.emit(f"m.nn.l2_normalize({{0}}, axis={axis})", [x], x.dtype, x.shape)
    else:
        axes = list(range(len(x.shape)))[:g.int(0, len(x.shape))]
        g.emit(f"m.nn.moments({{0}}, {axes!r})", [x], None, None, kind="list")
        g.emit(f"{{0}}[{g.int(0, 1)}]", [g.vars[-1]], x.dtype, None)


@family("clip_by_norm", weight=0.4)
def clip_by_norm(g):
    x = g.arg(FLOATS)
    g.emit(f"m.clip_by_norm({{0}}, {g.choice([1.0, 0.5, 2.0])})", [x], x.dtype, x.shape)


# ---------------------------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------------------------


@family(weight=1.5)
def matmul(g):
    ta, tb = g.chance(0.2), g.chance(0.2)
    m_, k, n = g.int(1, 3), g.int(0, 3) if g.chance(0.1) else g.int(1, 3), g.int(1, 3)
    batch = g.shape(max_rank=1) if g.chance(0.2) else ()
    a = g.arg(NUMERIC, shape=batch + ((k, m_) if ta else (m_, k)), stray=0.05)
    kb = k if g.chance(0.9) else k + 1
    b = g.arg([a.dtype], shape=batch + ((n, kb) if tb else (kb, n)) if g.chance(0.95) else g.shape(), stray=0.05)
    extra = (", transpose_a=True" if ta else "") + (", transpose_b=True" if tb else "")
    g.emit(f"m.matmul({{0}}, {{1}}{extra})", [a, b], a.dtype, batch + (m_, n))


@family("matrix_inverse", "matrix_determinant", weight=1)
def square_matrix(g):
    fn = g.choice(["matrix_inverse", "matrix_determinant"])
    n = g.int(0, 3)
    x = g.arg(FLOATS, shape=(g.shape(max_rank=1) if g.chance(0.2) else ()) + (n, n) if g.chance(0.9) else g.shape(),
              stray=0.05)
    if g.chance(0.2) and x.name.startswith("x"):  # a singular matrix
        inp = next(i for i in g.inputs if i.name == x.name)
        inp.value = np.ones_like(inp.value)
        inp.feed = inp.value if inp.kind == "ph" else inp.feed
    g.emit(f"m.{fn}({{0}})", [x], x.dtype, x.shape if fn == "matrix_inverse" else x.shape[:-2])


@family("cross", weight=0.6)
def cross(g):
    shape = g.shape(max_rank=1) + (3,) if g.chance(0.8) else g.shape()
    a = g.arg(NUMERIC, shape=shape, stray=0.05)
    b = g.arg([a.dtype], shape=shape if g.chance(0.9) else g.shape(), stray=0.05)
    g.emit("m.cross({0}, {1})", [a, b], a.dtype, shape)


@family("tensordot", weight=1)
def tensordot(g):
    a = g.arg(NUMERIC, max_rank=3)
    ra = len(a.shape)
    k = g.int(0, ra)
    contracted = a.shape[ra - k:]
    b = g.arg([a.dtype], shape=contracted + g.shape(max_rank=1) if g.chance(0.85) else g.shape(), stray=0.05)
    if g.chance(0.3) and b.name.startswith("x"):
        inp = next(i for i in g.inputs if i.name == b.name)
        if inp.kind == "const":
            inp.kind, inp.static, inp.feed = "ph", [None] * len(b.shape), inp.value
    axes = k if g.chance(0.7) else [list(range(ra - k, ra)), list(range(k))]
    g.emit(f"m.tensordot({{0}}, {{1}}, {axes!r})", [a, b], a.dtype, None)


# ---------------------------------------------------------------------------------------------------------------
# Control flow, variables
# ---------------------------------------------------------------------------------------------------------------


@family("cond", weight=1.2)
def cond(g):
    p = g.new_input("bool", (), const=g.chance(0.3))
    a = g.arg(NUMERIC)
    b = g.arg([a.dtype], shape=a.shape if g.chance(0.6) else g.shape(), stray=0.05)
    g.emit("m.cond({0}, lambda: m.identity({1}), lambda: m.identity({2}))", [p, a, b], a.dtype,
           a.shape if a.shape == b.shape else None)


@family("Variable", "assign_add", weight=0.6)
def assign(g):
    init = g.arg(NUMERIC + ["bool"], stray=0.05, fresh=1)
    inp = g.inputs[-1]
    inp.kind = "const"
    value = g.arg([init.dtype], shape=init.shape if g.chance(0.8) else broadcast_partner(g, init.shape), stray=0.05)
    fn = g.choice(["assign_add", "assign_sub", "assign"])
    g.variables = True
    var = g.emit("m.Variable({0})", [init], init.dtype, init.shape, kind="variable")
    g.emit(f"m.{fn}({{0}}, {{1}})", [var, value], init.dtype, init.shape)
