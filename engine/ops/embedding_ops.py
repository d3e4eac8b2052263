"""Embeddings and the losses of large vocabularies (word2vec): `embedding_lookup`, the candidate samplers, `nce_loss`
and `sampled_softmax_loss`, plus the weighted logistic loss.

An embedding is a matrix with one row per word; looking words up is `gather`, so its gradient adds each incoming row
back into the row it came from (the engine gives a dense tensor where TensorFlow gives `IndexedSlices`; both feed
any optimizer and `tf.convert_to_tensor`). The sampled losses score the true classes against `num_sampled` classes
drawn at random instead of against the whole vocabulary.
"""
import collections

import numpy as np

from .. import dtypes as _dt
from ..errors import hinted
from ..framework import convert_to_tensor, defop, get_default_graph, is_tensor, make_op
from ..shapes import TensorShape
from .array_ops import (_static_int, cast, concat, expand_dims, gather, identity, ones_like, reshape, shape, stack,
                        stop_gradient, zeros_like)
from .math_ops import (abs, add, clip_by_norm, div_no_nan, equal, exp, floordiv, floormod, log, log1p, matmul, maximum,
                       reduce_any, reduce_sum, sqrt, where_v2)
from .nn_ops import relu, sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2
from .random_ops import get_seed, rng_for
from .sparse_ops import segment_sum

# ---------------------------------------------------------------------------------------------------------------
# embedding_lookup
# ---------------------------------------------------------------------------------------------------------------


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """The rows of `params` for `ids`: result shape ids.shape + params.shape[1:].

    `params` may be a list of shards of one big matrix: with "mod", id i lives in shard i % n at row i // n; with
    "div", the ids are split in contiguous blocks (the first shards one row longer when they do not divide evenly).
    `max_norm`: rows whose L2 norm is larger are scaled down to it."""
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if not shards:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}.Must be one of either `mod` or "
                         "`div`.")
    with get_default_graph().name_scope(name or "embedding_lookup") as scope:
        ids = convert_to_tensor(ids, name="ids")
        if not ids.dtype.is_integer:
            raise TypeError(hinted(f"ids of embedding_lookup must be int32 or int64, got {ids.dtype.name}",
                                   "los ids son índices de filas (enteros): usa tf.cast(ids, tf.int32)."))
        if len(shards) == 1:
            return identity(_clip(gather(shards[0], ids, name=scope), ids, max_norm))
        shards = [convert_to_tensor(p, name="params") for p in shards]
        flat = reshape(ids, [-1])
        shard_of, row_in_shard = _partition(flat, shards, partition_strategy)
        result = None
        for p, shard in enumerate(shards):  # each shard looks up every id; the ids that live there are kept
            mine = equal(shard_of, p)
            rows = gather(shard, where_v2(mine, row_in_shard, zeros_like(row_in_shard)))
            for _ in range(shard.shape.rank - 1):  # one choice per row: [n] -> [n, 1, ...]
                mine = expand_dims(mine, -1)
            result = rows if result is None else where_v2(mine, rows, result)
        row_shape = shards[0].shape[1:]
        out = reshape(result, concat([shape(ids), shape(shards[0])[1:]], 0))
        out.set_shape(ids.shape.concatenate(row_shape))
        return _clip(out, ids, max_norm)


def _partition(ids, shards, strategy):
    """(shard, row within the shard) of each id."""
    n = len(shards)
    if strategy == "mod":
        return floormod(ids, n), floordiv(ids, n)
    sizes = [p.shape[0] for p in shards]
    if None in sizes:
        raise ValueError("partition_strategy 'div' needs the number of rows of every shard known")
    per_shard, extras = divmod(sum(sizes), n)
    shard = maximum(floordiv(ids, per_shard + 1), floordiv(ids - extras, per_shard))
    row = where_v2(shard < extras, floormod(ids, per_shard + 1), floormod(ids - extras, per_shard))
    return shard, row


def _clip(rows, ids, max_norm):
    """The looked-up rows scaled so that each embedding's L2 norm is at most `max_norm` (TensorFlow's `_clip`)."""
    if max_norm is None:
        return rows
    if ids.shape.rank is None or rows.shape.rank is None:
        raise ValueError("max_norm needs the ranks of ids and params known")
    return clip_by_norm(rows, max_norm, axes=list(range(ids.shape.rank, rows.shape.rank)))


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None, combiner=None,
                            max_norm=None):
    """One embedding per row of the SparseTensor `sp_ids`: its ids' embeddings combined by `combiner` ("sum",
    "mean" (default) or "sqrtn"), weighted by `sp_weights` (a SparseTensor of the same layout) when given."""
    combiner = combiner or "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    with get_default_graph().name_scope(name or "embedding_lookup_sparse") as scope:
        segments = sp_ids.indices[:, 0]
        rows = embedding_lookup(params, sp_ids.values, partition_strategy, max_norm=max_norm)
        weights = ones_like(sp_ids.values, dtype=rows.dtype) if sp_weights is None else sp_weights.values
        weights = cast(weights, rows.dtype) if weights.dtype != rows.dtype else weights
        total = segment_sum(rows * expand_dims(weights, -1), segments)
        if combiner == "sum":
            return identity(total, name=scope)
        norm = segment_sum(weights if combiner == "mean" else weights * weights, segments)
        norm = norm if combiner == "mean" else sqrt(norm)
        return identity(div_no_nan(total, expand_dims(norm, -1)), name=scope)  # an empty row stays 0


# ---------------------------------------------------------------------------------------------------------------
# Candidate samplers: each draws `num_sampled` classes in [0, range_max) and says how many times the sampler is
# expected to draw each true class and each sampled class (the Q of the sampled losses).
# ---------------------------------------------------------------------------------------------------------------


def _sampler_infer(inputs, attrs):
    true_classes = inputs[0]
    if true_classes.dtype != _dt.int64:
        raise TypeError(f"true_classes must be int64, got {true_classes.dtype.name}")
    if true_classes.shape.rank not in (None, 2):
        raise ValueError(f"true_classes must be a matrix [batch_size, num_true], got shape "
                         f"{true_classes.shape.bracket_str()}")
    if attrs["unique"] and attrs["num_sampled"] > attrs["range_max"]:
        raise ValueError(f"Sampler's range is too small: num_sampled {attrs['num_sampled']} > range_max "
                         f"{attrs['range_max']} with unique=True")
    batch = true_classes.shape[0] if true_classes.shape.rank == 2 else None
    return [(TensorShape([attrs["num_sampled"]]), _dt.int64), (TensorShape([batch, attrs["num_true"]]), _dt.float32),
            (TensorShape([attrs["num_sampled"]]), _dt.float32)]


def _draw(rng, distribution, num_sampled, unique):
    """(candidates, number of draws): with `unique`, draws until `num_sampled` different classes came up."""
    if not unique:
        return distribution.draw(rng, num_sampled), num_sampled
    picked, seen, tries = [], set(), 0
    while len(picked) < num_sampled:
        for c in distribution.draw(rng, num_sampled).tolist():
            tries += 1
            if c not in seen:
                seen.add(c)
                picked.append(c)
                if len(picked) == num_sampled:
                    break
    return np.array(picked), tries


def _expected_count(p, num_sampled, tries):
    """How many times `tries` draws are expected to give a class of probability p (TensorFlow's formula)."""
    if tries == num_sampled:
        return p * num_sampled
    return -np.expm1(tries * np.log1p(-p))


def _def_sampler(type, distribution_of):
    def forward(sess, op, true_classes, *, num_true, num_sampled, unique, range_max, seeds, **params):
        distribution = distribution_of(range_max, **params)
        sampled, tries = _draw(rng_for(sess, op), distribution, num_sampled, unique)
        return (sampled.astype(np.int64),
                _expected_count(distribution.prob(true_classes), num_sampled, tries).astype(np.float32),
                _expected_count(distribution.prob(sampled), num_sampled, tries).astype(np.float32))
    defop(type, _sampler_infer, stateful=True)(forward)

    def public(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None, **params):
        with get_default_graph().name_scope(name or type) as scope:
            true_classes = convert_to_tensor(true_classes, name="true_classes")
            attrs = {"num_true": _static_int(num_true, "num_true"), "num_sampled": _static_int(num_sampled, "num_sampled"),
                     "unique": bool(unique), "range_max": _static_int(range_max, "range_max"),
                     "seeds": get_seed(seed), **params}
            return result(*make_op(type, [true_classes], scope, attrs).outputs)
    result = collections.namedtuple(type, ["sampled_candidates", "true_expected_count", "sampled_expected_count"])
    return public


class _LogUniform:
    """Zipf's law: P(k) = log((k + 2) / (k + 1)) / log(range_max + 1), for vocabularies sorted by frequency."""

    def __init__(self, range_max):
        self.range_max, self.log_range = range_max, np.log(range_max + 1)

    def draw(self, rng, n):
        return (np.exp(rng.uniform(size=n) * self.log_range).astype(np.int64) - 1) % self.range_max

    def prob(self, k):
        k = np.asarray(k, dtype=np.float64)
        return (np.log(k + 2) - np.log(k + 1)) / self.log_range


class _Uniform:
    def __init__(self, range_max):
        self.range_max = range_max

    def draw(self, rng, n):
        return rng.integers(0, self.range_max, size=n)

    def prob(self, k):
        return np.full(np.shape(k), 1.0 / self.range_max)


class _Unigram:
    """Probabilities proportional to unigrams ** distortion (with `num_reserved_ids` classes of probability 0 first)."""

    def __init__(self, range_max, unigrams, distortion, num_reserved_ids):
        weights = np.concatenate([np.zeros(num_reserved_ids), np.asarray(unigrams, np.float64) ** distortion])
        if len(weights) != range_max:
            raise ValueError(f"len(unigrams) + num_reserved_ids = {len(weights)} must equal range_max {range_max}")
        self.p = weights / weights.sum()

    def draw(self, rng, n):
        return rng.choice(len(self.p), size=n, p=self.p)

    def prob(self, k):
        return self.p[np.asarray(k, dtype=np.int64)]


log_uniform_candidate_sampler = _def_sampler("LogUniformCandidateSampler", _LogUniform)
uniform_candidate_sampler = _def_sampler("UniformCandidateSampler", _Uniform)
_fixed_unigram = _def_sampler("FixedUnigramCandidateSampler", _Unigram)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None):
    """Samples with the probabilities of given word counts `unigrams` (raised to `distortion`)."""
    if vocab_file or num_shards != 1:
        raise NotImplementedError("fixed_unigram_candidate_sampler here takes `unigrams` (no vocab_file, no shards)")
    return _fixed_unigram(true_classes, num_true, num_sampled, unique, range_max, seed, name,
                          unigrams=tuple(float(u) for u in unigrams), distortion=float(distortion),
                          num_reserved_ids=int(num_reserved_ids))


# ---------------------------------------------------------------------------------------------------------------
# Sampled losses
# ---------------------------------------------------------------------------------------------------------------


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                    remove_accidental_hits, partition_strategy, seed):
    """Logits of the true classes and of the sampled ones, [batch, num_true + num_sampled], each minus the log of
    its expected count, and their labels (1 / num_true for the true ones, 0 for the sampled)."""
    labels = convert_to_tensor(labels, name="labels")
    labels = cast(labels, _dt.int64) if labels.dtype != _dt.int64 else labels
    inputs = convert_to_tensor(inputs, name="inputs")
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes, seed=seed)
    sampled, true_expected, sampled_expected = (stop_gradient(s) for s in sampled_values)
    sampled = cast(sampled, _dt.int64) if sampled.dtype != _dt.int64 else sampled
    labels_flat = reshape(labels, [-1])
    n_true = shape(labels_flat)[0]
    all_w = embedding_lookup(weights, concat([labels_flat, sampled], 0), partition_strategy)
    all_b = embedding_lookup(biases, concat([labels_flat, sampled], 0), partition_strategy)
    dim = all_w.shape[1]
    true_w, sampled_w = _split_rows(all_w, n_true)
    true_b, sampled_b = _split_rows(all_b, n_true)
    # each example against its own true classes: a row-wise dot product
    true_logits = reduce_sum(expand_dims(inputs, 1) * reshape(true_w, [-1, num_true, dim]), -1)
    true_logits += reshape(true_b, [-1, num_true])
    sampled_logits = matmul(inputs, sampled_w, transpose_b=True) + sampled_b
    if remove_accidental_hits:  # a sampled class that is a true class of the example is not a negative for it
        hits = reduce_any(equal(expand_dims(labels, 2), reshape(sampled, [1, 1, -1])), 1)
        lowest = np.finfo(sampled_logits.dtype.np).min
        sampled_logits += where_v2(hits, lowest * ones_like(sampled_logits), zeros_like(sampled_logits))
    true_logits -= log(true_expected)
    sampled_logits -= log(sampled_expected)
    logits = concat([true_logits, sampled_logits], 1)
    targets = concat([ones_like(true_logits) / num_true, zeros_like(sampled_logits)], 1)
    return logits, targets


def _split_rows(x, n):
    """(x[:n], x[n:]) for a scalar int tensor n."""
    from .array_ops import slice as slice_
    other = x.shape.rank - 1
    return slice_(x, [0] * (other + 1), stack([n] + [-1] * other)), slice_(x, stack([n] + [0] * other), [-1] * (other + 1))


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation (word2vec's loss): for each example, a logistic loss that tells its true
    classes from `num_sampled` sampled classes. One value per example."""
    with get_default_graph().name_scope(name or "nce_loss"):
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, remove_accidental_hits, partition_strategy, None)
        losses = sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
        return reduce_sum(losses, 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
                         remove_accidental_hits=True, partition_strategy="mod", name="sampled_softmax_loss",
                         seed=None):
    """The softmax cross-entropy over the true classes and `num_sampled` sampled classes only (a cheap estimate of
    the full softmax loss for a large vocabulary). One value per example."""
    with get_default_graph().name_scope(name or "sampled_softmax_loss"):
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, remove_accidental_hits, partition_strategy, seed)
        targets = stop_gradient(targets, name="labels_stop_gradient")
        return softmax_cross_entropy_with_logits_v2(labels=targets, logits=logits)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """Like sigmoid_cross_entropy_with_logits, with the loss of the positive labels multiplied by `pos_weight`:
    (1 - z) * x + (1 + (pos_weight - 1) * z) * log(1 + exp(-x))."""
    labels = targets if labels is None else labels
    with get_default_graph().name_scope(name or "logistic_loss") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype=None if is_tensor(labels) else logits.dtype, name="labels")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})")
        log_weight = 1 + (pos_weight - 1) * labels
        return add((1 - labels) * logits, log_weight * (log1p(exp(-abs(logits))) + relu(-logits)), name=scope)
