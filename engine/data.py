"""`tf.data`: input pipelines. A `Dataset` is a recipe for a sequence of elements (a tensor, or a tuple/dict of
them): `Dataset.range(10).map(lambda x: x * 2).batch(4)`.

- In eager mode a dataset is a Python iterable: `for x in dataset:` gives tensors.
- In graph mode (TensorFlow 1.x) an iterator puts it in the graph: `it = dataset.make_one_shot_iterator()`;
  each `sess.run(it.get_next())` gives the next element, and `tf.errors.OutOfRangeError` when there are no more.
Functions given to `map` and `filter` are traced once into a graph with `tf.function` (a `print` inside runs once),
and run on each element. Elements flow through the pipeline as NumPy arrays.
"""
import itertools
import weakref

import numpy as np

from . import dtypes as _dt
from .errors import FailedPreconditionError, OutOfRangeError, hinted
from .framework import Tensor, convert_to_tensor, defop, make_op
from .eager import context
from .eager.function import Function, TensorSpec
from .eager.tape import flatten
from .shapes import TensorShape

AUTOTUNE = -1
INFINITE_CARDINALITY, UNKNOWN_CARDINALITY = -1, -2


def _structure_of(value):
    """Tuples and dicts are structures of several components; anything else (lists too) is one tensor."""
    if isinstance(value, dict):
        return {k: _structure_of(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return type(value)(*[_structure_of(v) for v in value]) if hasattr(value, "_fields") else \
            tuple(_structure_of(v) for v in value)
    return convert_to_tensor(value)


def _spec_str(spec):
    leaves, rebuild = flatten(spec)
    return str(rebuild([_Shown(leaf) for leaf in leaves]))


class _Shown:
    def __init__(self, obj):
        self.obj = obj

    def __repr__(self):
        return repr(self.obj)


class Dataset:
    """A sequence of elements built by a chain of transformations; `element_spec` describes one element."""

    def __init__(self, inputs, element_spec, tensors=()):
        self._inputs = inputs            # parent datasets
        self._tensors = list(tensors)    # tensors this step reads (eager tensors, or tensors of a graph)
        self.element_spec = element_spec
        self._epoch = itertools.count()  # how many times it was iterated (shuffle reshuffles each time)

    # --- creating datasets
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row (first dimension) of `tensors`: `from_tensor_slices((x, y))` pairs x[i] with y[i]."""
        return _TensorSliceDataset(_structure_of(tensors))

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with exactly one element: `tensors`."""
        return _TensorDataset(_structure_of(tensors))

    @staticmethod
    def range(*args, output_type=_dt.int64, name=None):
        """Like Python's range: `Dataset.range(5)` is 0, 1, 2, 3, 4 (int64 scalars)."""
        return _RangeDataset(range(*[int(a) for a in args]), _dt.as_dtype(output_type))

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side, as tuples (stops with the shortest)."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list)):
            datasets = tuple(datasets[0])
        return _ZipDataset(datasets)

    # --- transformations
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (a tuple element is passed as separate arguments)."""
        return _MapDataset(self, map_func)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns True (a scalar bool tensor)."""
        return _FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Stacks `batch_size` consecutive elements into one; the last batch may be smaller unless drop_remainder."""
        return _BatchDataset(self, int(batch_size), bool(drop_remainder))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Random order: keeps a buffer of `buffer_size` elements and picks one at random each time."""
        return _ShuffleDataset(self, int(buffer_size), seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """The elements `count` times (forever if None)."""
        return _RepeatDataset(self, None if count is None or count < 0 else int(count))

    def take(self, count, name=None):
        """The first `count` elements (all if -1)."""
        return _TakeDataset(self, int(count))

    def skip(self, count, name=None):
        """All elements but the first `count`."""
        return _SkipDataset(self, int(count))

    def concatenate(self, dataset, name=None):
        return _ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None):
        """(index, element) pairs."""
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def prefetch(self, buffer_size=None, name=None):
        """Prepares elements ahead of time in TensorFlow; here elements are computed on demand, so it changes nothing."""
        return self

    def cache(self, filename="", name=None):
        return self

    # --- size
    def cardinality(self):
        """The number of elements: an int64 tensor, -1 if infinite, -2 if unknown (e.g. after filter)."""
        from .ops.array_ops import constant
        return constant(self._cardinality(), dtype=_dt.int64)

    def __len__(self):
        n = self._cardinality()
        if n < 0:
            raise TypeError("The dataset is infinite." if n == INFINITE_CARDINALITY else "The dataset length is unknown.")
        return n

    # --- using it
    def _source_tensors(self):
        found = list(self._tensors)
        for parent in self._inputs:
            found.extend(t for t in parent._source_tensors() if not any(t is f for f in found))
        return found

    def _numpy_elements(self, values=None):
        """The elements as flat lists of NumPy arrays; `values` maps id(tensor) -> value for graph tensors."""
        if values is None:
            values = {id(t): t._value for t in self._source_tensors()}
        return self._generate(values)

    def _wrap(self, flat):
        leaves, rebuild = flatten(self.element_spec)
        return rebuild([context.EagerTensor(context._frozen(v, s.dtype), s.dtype) for v, s in zip(flat, leaves)])

    def __iter__(self):
        if not context.executing_eagerly():
            raise RuntimeError(hinted(
                "`tf.data.Dataset` only supports Python-style iteration in eager mode or within tf.function.",
                "en modo grafo (TF1) recorre el dataset con un iterador: it = dataset.make_one_shot_iterator(); "
                "x = it.get_next(); y luego sess.run(x) en un bucle hasta tf.errors.OutOfRangeError."))
        return _EagerIterator(self)

    def as_numpy_iterator(self):
        """The elements as NumPy values (arrays, or tuples/dicts of them)."""
        rebuild = flatten(self.element_spec)[1]
        for flat in self._numpy_elements():
            yield rebuild([v[()] if v.ndim == 0 else v.copy() for v in flat])

    def make_one_shot_iterator(self):
        """Graph mode: an iterator that starts by itself in each Session (no initializer to run)."""
        return Iterator(self, one_shot=True)

    def make_initializable_iterator(self, shared_name=None):
        """Graph mode: an iterator restarted by running `iterator.initializer` (which reads placeholders' feeds)."""
        return Iterator(self, one_shot=False)

    def __repr__(self):
        return f"<{type(self).__name__} element_spec={_spec_str(self.element_spec)}>"

    # --- for subclasses
    def _generate(self, values):
        raise NotImplementedError

    def _cardinality(self):
        return self._inputs[0]._cardinality()


def _specs_of(structure):
    leaves, rebuild = flatten(structure)
    return rebuild([TensorSpec(t.shape, t.dtype) for t in leaves])


def _value_of(t, values):
    return values[id(t)] if id(t) in values else t._value


class _TensorSliceDataset(Dataset):
    def __init__(self, structure):
        tensors = flatten(structure)[0]
        for t in tensors:
            if t.shape.rank == 0:
                raise ValueError(hinted(f"Unbatching a tensor is only supported for rank >= 1, got a scalar {t!r}.",
                                        "from_tensor_slices parte los tensores por su primera dimensión: pasa una "
                                        "lista o un array, o usa from_tensors para un único elemento."))
        sizes = {t.shape[0] for t in tensors} - {None}
        if len(sizes) > 1:
            raise ValueError(hinted(f"Dimensions {sorted(sizes)} in the first axis of the components are not equal.",
                                    "todas las partes (p. ej. x e y) deben tener el mismo número de filas."))
        leaves, rebuild = flatten(structure)
        super().__init__([], rebuild([TensorSpec(t.shape[1:], t.dtype) for t in leaves]), tensors)

    def _generate(self, values):
        arrays = [np.asarray(_value_of(t, values)) for t in self._tensors]
        if len({len(a) for a in arrays}) > 1:
            raise ValueError(f"Dimensions {[len(a) for a in arrays]} in the first axis of the components are not equal.")
        for i in range(len(arrays[0]) if arrays else 0):
            yield [a[i] for a in arrays]

    def _cardinality(self):
        n = self._tensors[0].shape[0] if self._tensors else 0
        return UNKNOWN_CARDINALITY if n is None else n


class _TensorDataset(Dataset):
    def __init__(self, structure):
        super().__init__([], _specs_of(structure), flatten(structure)[0])

    def _generate(self, values):
        yield [np.asarray(_value_of(t, values)) for t in self._tensors]

    def _cardinality(self):
        return 1


class _RangeDataset(Dataset):
    def __init__(self, numbers, dtype):
        super().__init__([], TensorSpec([], dtype))
        self._numbers = numbers

    def _generate(self, values):
        dtype = self.element_spec.dtype.np
        for n in self._numbers:
            yield [np.array(n, dtype=dtype)]

    def _cardinality(self):
        return len(self._numbers)


def _traced(dataset, func, what):
    """`func` traced on the element spec of `dataset` (a tuple element is passed as separate arguments)."""
    leaves, rebuild = flatten(dataset.element_spec)
    unpack = isinstance(dataset.element_spec, tuple)

    def on_flat(*flat):
        element = rebuild(list(flat))
        return func(*element) if unpack else func(element)
    on_flat.__name__ = getattr(func, "__name__", what).replace("<lambda>", "lambda")
    with context.init_scope():
        return Function(on_flat, input_signature=leaves).get_concrete_function()


class _MapDataset(Dataset):
    def __init__(self, parent, func):
        self._fn = _traced(parent, func, "map")
        out = self._fn.structured_outputs
        if any(not isinstance(t, Tensor) for t in flatten(out)[0]):
            raise TypeError(hinted(f"The function given to map must return tensors, got {out!r}.",
                                   "la función de map debe devolver tensores (o tuplas/dicts de tensores)."))
        super().__init__([parent], _specs_of(out))

    def _generate(self, values):
        for flat in self._inputs[0]._generate(values):
            yield self._fn._run_numpy(flat)


class _FilterDataset(Dataset):
    def __init__(self, parent, predicate):
        self._fn = _traced(parent, predicate, "filter")
        out = self._fn.outputs
        if len(out) != 1 or out[0].dtype != _dt.bool or out[0].shape.rank not in (None, 0):
            raise ValueError(hinted("`predicate` return type must be convertible to a scalar boolean tensor.",
                                    "la función de filter debe devolver un único booleano (p. ej. x % 2 == 0 con "
                                    "tf.equal)."))
        super().__init__([parent], parent.element_spec)

    def _generate(self, values):
        for flat in self._inputs[0]._generate(values):
            if self._fn._run_numpy(flat)[0]:
                yield flat

    def _cardinality(self):
        return UNKNOWN_CARDINALITY


class _BatchDataset(Dataset):
    def __init__(self, parent, size, drop_remainder):
        if size <= 0:
            raise ValueError(f"batch_size must be positive, got {size}.")
        leaves, rebuild = flatten(parent.element_spec)
        dim = size if drop_remainder else None
        super().__init__([parent], rebuild([TensorSpec(TensorShape([dim]).concatenate(s.shape), s.dtype)
                                            for s in leaves]))
        self._size, self._drop = size, drop_remainder

    def _generate(self, values):
        it = self._inputs[0]._generate(values)
        while True:
            rows = list(itertools.islice(it, self._size))
            if not rows or (self._drop and len(rows) < self._size):
                return
            try:
                yield [np.stack(parts) for parts in zip(*rows)]
            except ValueError as e:
                raise ValueError(hinted(f"Cannot batch tensors with different shapes: {e}",
                                        "batch apila elementos de la misma forma; igualalos antes con map.")) from None

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._size if self._drop else -(-n // self._size)


class _ShuffleDataset(Dataset):
    def __init__(self, parent, buffer_size, seed, reshuffle):
        super().__init__([parent], parent.element_spec)
        from .ops.random_ops import get_seed
        seeds = get_seed(seed)
        self._seed = None if seeds[0] is None else list(seeds)
        if self._seed is None:
            self._seed = [int(np.random.SeedSequence().entropy % 2**32)]
        self._buffer, self._reshuffle = max(buffer_size, 1), reshuffle

    def _generate(self, values):
        epoch = next(self._epoch) if self._reshuffle else 0
        rng = np.random.default_rng(self._seed + [epoch])
        buffer = []
        for flat in self._inputs[0]._generate(values):
            buffer.append(flat)
            if len(buffer) >= self._buffer:
                i = rng.integers(len(buffer))
                buffer[i], buffer[-1] = buffer[-1], buffer[i]
                yield buffer.pop()
        while buffer:
            i = rng.integers(len(buffer))
            buffer[i], buffer[-1] = buffer[-1], buffer[i]
            yield buffer.pop()


class _RepeatDataset(Dataset):
    def __init__(self, parent, count):
        super().__init__([parent], parent.element_spec)
        self._count = count

    def _generate(self, values):
        for _ in (itertools.count() if self._count is None else range(self._count)):
            empty = True
            for flat in self._inputs[0]._generate(values):
                empty = False
                yield flat
            if empty:
                return

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if self._count is None:
            return 0 if n == 0 else INFINITE_CARDINALITY
        return n * self._count if n >= 0 else n


class _TakeDataset(Dataset):
    def __init__(self, parent, count):
        super().__init__([parent], parent.element_spec)
        self._count = count

    def _generate(self, values):
        it = self._inputs[0]._generate(values)
        return it if self._count < 0 else itertools.islice(it, self._count)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if self._count < 0:
            return n
        return self._count if n == INFINITE_CARDINALITY else (min(n, self._count) if n >= 0 else n)


class _SkipDataset(Dataset):
    def __init__(self, parent, count):
        super().__init__([parent], parent.element_spec)
        self._count = count

    def _generate(self, values):
        return itertools.islice(self._inputs[0]._generate(values), max(self._count, 0), None)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        return max(n - self._count, 0) if n >= 0 else n


class _ZipDataset(Dataset):
    def __init__(self, datasets):
        for d in datasets:
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip takes datasets (or a tuple of them), got {d!r}")
        super().__init__(list(datasets), tuple(d.element_spec for d in datasets))

    def _generate(self, values):
        for parts in zip(*[d._generate(values) for d in self._inputs]):
            yield [v for p in parts for v in p]

    def _cardinality(self):
        ns = [d._cardinality() for d in self._inputs]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in ns else INFINITE_CARDINALITY


class _ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        a, b = flatten(first.element_spec)[0], flatten(second.element_spec)[0]
        if len(a) != len(b) or any(x.dtype != y.dtype for x, y in zip(a, b)):
            raise TypeError(f"Incompatible dataset elements for concatenate: {first.element_spec} vs "
                            f"{second.element_spec}")
        rebuild = flatten(first.element_spec)[1]
        spec = rebuild([TensorSpec(x.shape if x.shape == y.shape else TensorShape(
            [p if p == q else None for p, q in zip(x.shape, y.shape)] if x.shape.rank == y.shape.rank else None),
            x.dtype) for x, y in zip(a, b)])
        super().__init__([first, second], spec)

    def _generate(self, values):
        yield from self._inputs[0]._generate(values)
        yield from self._inputs[1]._generate(values)

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        return a + b if a >= 0 and b >= 0 else min(a, b)


# ---------------------------------------------------------------------------------------------------------------
# Iterators: Python iteration in eager mode, and graph ops in TensorFlow 1.x graphs
# ---------------------------------------------------------------------------------------------------------------


class _EagerIterator:
    def __init__(self, dataset):
        self._dataset, self._elements = dataset, dataset._numpy_elements()
        self.element_spec = dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return self._dataset._wrap(next(self._elements))

    def get_next(self):
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError(None, None, "End of sequence") from None


_running = weakref.WeakKeyDictionary()   # Session -> {Iterator: Python generator of its elements in that session}


def _end_of_sequence(op):
    return OutOfRangeError(None, op, "End of sequence",
                           "el dataset no tiene más elementos: captura tf.errors.OutOfRangeError para terminar el "
                           "bucle, o usa dataset.repeat() para recorrerlo varias veces.")


def _infer_specs(inputs, attrs):
    return [(s.shape, s.dtype) for s in flatten(attrs["iterator"].element_spec)[0]]


@defop("MakeIterator", lambda inputs, attrs: [], stateful=True)
def _make_iterator(sess, op, *values, iterator):
    iterator._start(sess, values)


@defop("IteratorGetNext", _infer_specs, stateful=True)
def _iterator_get_next(sess, op, *values, iterator):
    state = _running.get(sess, {})
    if iterator not in state:
        if not iterator.one_shot:
            raise FailedPreconditionError(
                None, op, "GetNext() failed because the iterator has not been initialized. Ensure that you have run "
                "the initializer operation for this iterator before getting the next element.",
                "ejecuta primero sess.run(iterador.initializer) (y vuelve a ejecutarlo para empezar de nuevo).")
        iterator._start(sess, values)
    try:
        flat = next(_running[sess][iterator])
    except StopIteration:
        raise _end_of_sequence(op) from None
    return flat[0] if len(flat) == 1 else tuple(flat)


class Iterator:
    """TensorFlow 1.x's dataset iterator: `get_next()` is a tensor (or structure) that takes the next element each
    time a Session runs it. One-shot iterators start by themselves; initializable ones with `initializer`."""

    def __init__(self, dataset, one_shot):
        if context.executing_eagerly():
            raise RuntimeError(hinted("dataset.make_one_shot_iterator() is not supported when eager execution is "
                                      "enabled. Use `for element in dataset` instead.",
                                      "en modo inmediato recorre el dataset con un bucle for."))
        self._dataset, self.one_shot = dataset, one_shot
        self.element_spec = dataset.element_spec
        self._sources = [convert_to_tensor(t) for t in dataset._source_tensors()]
        self._initializer = None

    def _start(self, sess, values):
        ids = {id(t): v for t, v in zip(self._dataset._source_tensors(), values)}
        _running.setdefault(sess, {})[self] = self._dataset._numpy_elements(ids)

    @property
    def initializer(self):
        if self.one_shot:
            raise ValueError("A one-shot iterator has no initializer (use make_initializable_iterator()).")
        if self._initializer is None:
            self._initializer = make_op("MakeIterator", self._sources, "MakeIterator", {"iterator": self})
        return self._initializer

    def get_next(self, name=None):
        inputs = self._sources if self.one_shot else []
        op = make_op("IteratorGetNext", inputs, name or "IteratorGetNext", {"iterator": self})
        return flatten(self.element_spec)[1](list(op.outputs))

    @property
    def output_types(self):
        leaves, rebuild = flatten(self.element_spec)
        return rebuild([s.dtype for s in leaves])

    @property
    def output_shapes(self):
        leaves, rebuild = flatten(self.element_spec)
        return rebuild([s.shape for s in leaves])


def make_one_shot_iterator(dataset):
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    return dataset.make_initializable_iterator()


class experimental:  # noqa: N801 (TensorFlow's namespace)
    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset):
        return dataset.cardinality()

