"""`tf.io`: files (`tf.io.gfile`) and parsing (`decode_csv`)."""
from .ops.parsing_ops import decode_csv  # noqa: F401
from .platform import io_gfile as gfile  # noqa: F401
