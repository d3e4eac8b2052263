"""Random ops. Reproducible like TensorFlow 1.x: with `tf.set_random_seed(s)` (graph seed) or `seed=` (op seed),
every new Session produces the same sequence; each run of the op draws new numbers."""
import numpy as np

from .. import dtypes as _dt
from ..framework import apply, convert_to_tensor, defop, get_default_graph, is_tensor, static_value
from ..shapes import TensorShape
from .array_ops import _int_vector

DEFAULT_GRAPH_SEED = 87654321


def set_random_seed(seed):
    """Sets the graph-level seed: random ops created afterwards repeat the same numbers in every new Session."""
    get_default_graph().seed = seed


def get_seed(op_seed):
    """TensorFlow's rule for (graph seed, op seed): None, None means truly random."""
    graph = get_default_graph()
    if graph.seed is not None:
        return graph.seed, op_seed if op_seed is not None else len(graph._ops)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, op_seed
    return None, None


def rng_for(sess, op):
    """The random generator of `op` in session `sess` (created on first use from the op's seeds)."""
    rng = sess._rngs.get(op)
    if rng is None:
        seeds = op.attrs["seeds"]
        rng = sess._rngs[op] = np.random.default_rng(None if seeds[0] is None else list(seeds))
    return rng


def _shape_infer(inputs, attrs):
    v = static_value(inputs[0])
    n = inputs[0].shape[0] if inputs[0].shape.rank == 1 else None
    shape = TensorShape(v.tolist()) if v is not None else TensorShape(None if n is None else [None] * n)
    return [(shape, attrs["dtype"])]


@defop("RandomUniform", _shape_infer, stateful=True)
def _random_uniform(sess, op, shape, *, dtype, minval, maxval, seeds):
    rng = rng_for(sess, op)
    if dtype.is_integer:
        return rng.integers(minval, maxval, size=tuple(shape)).astype(dtype.np)
    return rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype.np)


@defop("RandomStandardNormal", _shape_infer, stateful=True)
def _random_normal(sess, op, shape, *, dtype, mean, stddev, seeds):
    return (mean + stddev * rng_for(sess, op).standard_normal(tuple(shape))).astype(dtype.np)


@defop("TruncatedNormal", _shape_infer, stateful=True)
def _truncated_normal(sess, op, shape, *, dtype, mean, stddev, seeds):
    rng = rng_for(sess, op)
    z = rng.standard_normal(tuple(shape))
    bad = np.abs(z) > 2
    while bad.any():  # redraw values more than two standard deviations away, as TensorFlow does
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return (mean + stddev * z).astype(dtype.np)


def _random(type, shape, dtype, seed, name, op_name=None, **params):
    """A random op inside the name scope `name`. Its own name follows TensorFlow's output tensor: the scope itself
    ('random_normal:0'), or `op_name` inside it when TensorFlow returns the raw draw ('random_uniform/RandomUniform:0')."""
    dtype = _dt.as_dtype(dtype)
    for k, v in params.items():
        if hasattr(v, "_as_graph_element"):
            value = static_value(convert_to_tensor(v))
            if value is None:
                raise TypeError(f"{k} of a random op must be a number known when the graph is built, got {v}")
            v = value
        if np.ndim(v) != 0:
            raise ValueError(f"{k} of a random op must be a scalar here, got {v!r}")
        params[k] = np.asarray(v).item()
    with get_default_graph().name_scope(name) as scope:
        shape = _int_vector(shape, "shape")
        if not shape.dtype.is_integer or shape.shape.rank not in (None, 1):
            raise ValueError(f"shape of a random op must be a 1-D list of ints, got {shape}")
        return apply(type, [shape], op_name or scope, arg_names=("shape",), same_dtype=False,
                     attrs={"dtype": dtype, "seeds": get_seed(seed), **params})


def random_uniform(shape, minval=0, maxval=None, dtype=_dt.float32, seed=None, name="random_uniform"):
    """Uniform numbers in [minval, maxval) (maxval defaults to 1 for floats; required for ints)."""
    dtype = _dt.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"Invalid dtype {dtype!r} for random_uniform")
    raw = dtype.is_floating and not is_tensor(minval) and not is_tensor(maxval) and minval == 0 and maxval == 1
    return _random("RandomUniform", shape, dtype, seed, name, "RandomUniform" if raw else None,
                   minval=minval, maxval=maxval)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dt.float32, seed=None, name="random_normal"):
    """Normally distributed numbers."""
    return _random("RandomStandardNormal", _float_dtype(shape, dtype), dtype, seed, name, mean=mean, stddev=stddev)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dt.float32, seed=None, name="truncated_normal"):
    """Normal numbers, redrawn when more than 2 standard deviations from the mean (a common weight init)."""
    return _random("TruncatedNormal", _float_dtype(shape, dtype), dtype, seed, name, mean=mean, stddev=stddev)


def _float_dtype(shape, dtype):
    if not _dt.as_dtype(dtype).is_floating:
        raise ValueError(f"Invalid dtype {_dt.as_dtype(dtype)!r}: normal random numbers need a floating dtype")
    return shape


@defop("RandomShuffle", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)], stateful=True)
def _random_shuffle(sess, op, x, *, seeds):
    return rng_for(sess, op).permutation(x)


def random_shuffle(value, seed=None, name=None):
    """The tensor with its first dimension shuffled."""
    return apply("RandomShuffle", [value], name, arg_names=("value",), attrs={"seeds": get_seed(seed)})


def _multinomial_infer(inputs, attrs):
    logits = inputs[0]
    if logits.shape.rank not in (None, 2):
        raise ValueError(f"logits should be a matrix [batch, classes], got shape {logits.shape.bracket_str()}")
    return [(TensorShape([logits.shape[0] if logits.shape.rank else None, attrs["num_samples"]]), attrs["output_dtype"])]


@defop("Multinomial", _multinomial_infer, stateful=True)
def _multinomial(sess, op, logits, *, num_samples, output_dtype, seeds):
    rng = rng_for(sess, op)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.stack([rng.choice(len(row), size=num_samples, p=row) for row in p]).astype(output_dtype.np)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=_dt.int64):
    """Draws class indices from the categorical distributions given by each row of (unnormalized log-) `logits`."""
    with get_default_graph().name_scope(name or "multinomial"):
        logits = convert_to_tensor(logits, name="logits")
        return apply("Multinomial", [logits], "Multinomial", arg_names=("logits",),
                     attrs={"num_samples": int(num_samples), "output_dtype": _dt.as_dtype(output_dtype),
                            "seeds": get_seed(seed)})


categorical = multinomial
