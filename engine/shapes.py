"""`TensorShape`: a static shape whose rank or dimensions may be unknown (`None`)."""


class TensorShape:
    """The static shape of a tensor: `TensorShape([None, 2])` has an unknown first dimension;
    `TensorShape(None)` has an unknown rank."""

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims.dims
        elif dims is not None:
            if isinstance(dims, (int,)) or hasattr(dims, "__index__"):
                dims = [dims]
            dims = tuple(None if d is None or (getattr(d, "value", 0) is None) else _as_dim(d) for d in dims)
        self.dims = dims

    # --- queries
    @property
    def rank(self):
        return None if self.dims is None else len(self.dims)

    ndims = rank

    def as_list(self):
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_fully_defined(self):
        return self.dims is not None and None not in self.dims

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self.dims:
            n *= d
        return n

    def is_compatible_with(self, other):
        """Whether both could describe the same tensor. `other` may be a plain tuple such as a NumPy array's shape
        (the cheap case, checked on every feed and every variable update)."""
        dims = other if isinstance(other, tuple) else as_shape(other).dims
        if self.dims is None or dims is None:
            return True
        return self.dims == dims or len(self.dims) == len(dims) and all(
            a is None or b is None or a == b for a, b in zip(self.dims, dims))

    def merge_with(self, other):
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        if self.dims is None:
            return other
        if other.dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self.dims, other.dims)])

    def concatenate(self, other):
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return TensorShape(None)
        return TensorShape(self.dims + other.dims)

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    # --- sequence protocol
    def __len__(self):
        if self.dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self.dims)

    def __iter__(self):
        if self.dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self.dims)

    def __getitem__(self, key):
        if self.dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self.dims[key])
        return self.dims[key]

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self.dims == other.dims

    def __hash__(self):
        return hash(self.dims)

    def __bool__(self):
        return self.dims is not None

    def __repr__(self):
        return "TensorShape(None)" if self.dims is None else f"TensorShape({list(self.dims)})"

    def __str__(self):
        if self.dims is None:
            return "<unknown>"
        if len(self.dims) == 1:
            return f"({self.dims[0]},)"
        return "(" + ", ".join(str(d) for d in self.dims) + ")"

    def feed_str(self):
        """TensorFlow's spelling in feed errors: `(?, 2)`."""
        if self.dims is None:
            return "<unknown>"
        parts = ["?" if d is None else str(d) for d in self.dims]
        return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"

    def bracket_str(self):
        """TensorFlow's spelling in op errors: `[?,2]`."""
        return "<unknown>" if self.dims is None else "[" + ",".join("?" if d is None else str(d) for d in self.dims) + "]"


def _as_dim(d):
    d = int(getattr(d, "value", d))
    if d < 0:
        raise ValueError(f"Dimension {d} must be >= 0")
    return d


def as_shape(shape):
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank=None):
    return TensorShape(None if rank is None else [None] * rank)


def with_rank(shape, rank, at_least=False):
    """`shape`, if its rank is `rank` (or at least `rank`) or unknown; else TensorFlow's error."""
    shape = as_shape(shape)
    if shape.rank is not None and (shape.rank < rank if at_least else shape.rank != rank):
        raise ValueError(f"Shape must be {'at least ' if at_least else ''}rank {rank} but is rank {shape.rank}")
    return shape


def merge(a, b):
    """The shape that both `a` and `b` describe, for an op that needs its inputs' shapes equal (AddN, Pack...); if
    they differ, TensorFlow's error naming the dimension."""
    a, b = as_shape(a), as_shape(b)
    if a.dims is not None and b.dims is not None:
        if len(a.dims) != len(b.dims):
            raise ValueError(f"Shapes must be equal rank, but are {len(a.dims)} and {len(b.dims)}")
        for i, (x, y) in enumerate(zip(a.dims, b.dims)):
            if x is not None and y is not None and x != y:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {x} and {y}. Shapes are "
                                 f"{a.bracket_str()} and {b.bracket_str()}.")
    return a.merge_with(b)
