"""TensorFlow's exception classes (`engine.errors.InvalidArgumentError`, ...) and the Spanish hints.

Every error raised while building or running a graph names the op involved and where the student created it;
errors that beginners hit end with one line `Pista: ...` in Spanish.
"""


def _describe(op):
    return f"\n\n  Op '{op.name}' (type {op.type}) was created at {op.created_at}" if op is not None else ""


def hinted(message, hint=None, op=None):
    """The message with where `op` was created and an optional Spanish hint."""
    return message + _describe(op) + (f"\n\nPista: {hint}" if hint else "")


class OpError(Exception):
    """A failure while running an op (TensorFlow's `tf.errors.OpError`)."""

    def __init__(self, node_def, op, message, hint=None):
        super().__init__(hinted(message, hint, op))
        self.node_def, self.op, self.message = node_def, op, message


def _error(name, doc):
    cls = type(name, (OpError,), {"__doc__": doc})
    cls.__init__ = lambda self, node_def=None, op=None, message="", hint=None: OpError.__init__(
        self, node_def, op, message, hint)
    return cls


CancelledError = _error("CancelledError", "The run was cancelled.")
UnknownError = _error("UnknownError", "An error whose kind is not known.")
InvalidArgumentError = _error("InvalidArgumentError", "An op received an invalid argument (bad feed, bad shape, ...).")
DeadlineExceededError = _error("DeadlineExceededError", "A deadline expired.")
NotFoundError = _error("NotFoundError", "A requested file or entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", "No permission for this operation.")
ResourceExhaustedError = _error("ResourceExhaustedError", "Out of memory or another resource.")
FailedPreconditionError = _error("FailedPreconditionError", "The system is not in a state to run the op "
                                 "(e.g. reading an uninitialized variable).")
AbortedError = _error("AbortedError", "The operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", "Iterated past the end (e.g. a dataset is exhausted).")
UnimplementedError = _error("UnimplementedError", "The operation is not implemented.")
InternalError = _error("InternalError", "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", "The runtime is unavailable.")
DataLossError = _error("DataLossError", "Unrecoverable data loss.")


# NumPy's words for a failure at run time, and TensorFlow's for the same failure: a student who searches the message
# finds TensorFlow's documentation and forums, not NumPy's internals.
_NUMPY_TO_TF = [
    (r"operands could not be broadcast together with shapes \(([\d,]*)\) \(([\d,]*)\)",
     lambda a, b: f"Incompatible shapes: [{a.rstrip(',')}] vs. [{b.rstrip(',')}]"),
    (r"shapes \(([\d,]*)\) and \(([\d,]*)\) not aligned",
     lambda a, b: f"Matrix size-incompatible: In[0]: [{a.rstrip(',')}], In[1]: [{b.rstrip(',')}]"),
    (r"matmul: Input operand \d has a mismatch in its core dimension",
     lambda: "Matrix size-incompatible: the inner dimensions of the two matrices differ"),
    (r"cannot reshape array of size (\d+) into shape \(([\d, ]*)\)",
     lambda n, shape: f"Input to reshape is a tensor with {n} values, but the requested shape has "
                      f"{_product(shape)}"),
    (r"index (-?\d+) is out of bounds for axis (\d+) with size \d+",
     lambda i, axis: f"slice index {i} of dimension {axis} out of bounds."),
    (r"axis (-?\d+) is out of bounds for array of dimension (\d+)",
     lambda a, r: f"Expected dimension in the range [{-int(r)}, {r}), but got {a}"),
    (r"all the input array dimensions except for the concatenation axis must match exactly.*"
     r"dimension (\d+), the array at index 0 has size (\d+) and the array at index (\d+) has size (\d+)",
     lambda d, a, i, b: f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = [{a}] vs. "
                        f"shape[{i}] = [{b}]"),
    (r"all input arrays must have the same shape", lambda: "Shapes of all inputs must match"),
    (r"all the input arrays must have same number of dimensions",
     lambda: "ConcatOp : Ranks of all input tensors should match"),
    (r"axes don't match array", lambda: "transpose expects a vector of the size of the input's rank (perm)"),
    (r"could not broadcast input array from shape \(([\d,]*)\) into shape \(([\d,]*)\)",
     lambda a, b: f"Unable to broadcast tensor of shape [{a.rstrip(',')}] to tensor of shape [{b.rstrip(',')}]"),
    (r"shape mismatch: objects cannot be broadcast to a single shape.*shape \(([\d, ]*)\).*shape \(([\d, ]*)\)",
     lambda a, b: f"Incompatible shapes: [{a.replace(' ', '').rstrip(',')}] vs. [{b.replace(' ', '').rstrip(',')}]"),
]


def _product(shape):
    n = 1
    for d in shape.replace(" ", "").split(","):
        n *= int(d) if d else 1
    return n


def from_numpy(e):
    """TensorFlow's message for the NumPy exception `e` raised by an op's forward (or its own text if unknown)."""
    import re
    text = str(e)
    for pattern, message in _NUMPY_TO_TF:
        found = re.search(pattern, text)
        if found:
            return message(*found.groups())
    return text or type(e).__name__
