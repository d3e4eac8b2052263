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
