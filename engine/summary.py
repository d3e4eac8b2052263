"""`tf.summary`: TensorBoard event files.

    loss_summary = tf.summary.scalar("perdida", loss)        # an op: its value is a serialized `Summary`
    tf.summary.histogram("pesos", W)
    merged = tf.summary.merge_all()                         # one op running every summary
    with tf.summary.FileWriter(logdir, sess.graph) as writer:
        for step in range(100):
            s, _ = sess.run([merged, train_op], feed_dict)
            writer.add_summary(s, step)
    # then: tensorboard --logdir <logdir>   (or %tensorboard --logdir <logdir> in a notebook)

Summary ops are ordinary graph ops evaluated by `sess.run`, like TensorFlow 1.x's `ScalarSummary`,
`HistogramSummary` and `MergeSummary`. The files are written with the `tensorboard` package's own protocol buffers
and record writer (the TFRecord framing with its checksums), so TensorBoard reads them like TensorFlow's. That
package is imported only when a summary or a FileWriter is used: the engine works without it.
"""
import itertools
import os
import re
import socket
import struct
import sys
import time
import types
import zlib

import numpy as np

from . import dtypes as _dt
from .errors import hinted
from .framework import GraphKeys, convert_to_tensor, defop, get_collection, make_op
from .framework import _graph_of
from .ops.array_ops import constant
from .shapes import TensorShape

# ---------------------------------------------------------------------------------------------------------------
# The tensorboard package (imported on first use)
# ---------------------------------------------------------------------------------------------------------------

_pb = None


def _tensorboard():
    """The protocol buffer modules and the record writer of the `tensorboard` package."""
    global _pb
    if _pb is None:
        try:
            from tensorboard.compat.proto import (attr_value_pb2, event_pb2, graph_pb2, summary_pb2,
                                                  tensor_shape_pb2, types_pb2)
            from tensorboard.summary.writer.record_writer import RecordWriter
            from tensorboard.util import tensor_util
        except ImportError:
            raise ImportError(hinted(
                "tf.summary needs the 'tensorboard' package to write TensorBoard files, and it is not installed.",
                "instálalo con `pip install tensorboard` (en un notebook: `%pip install tensorboard`) y reinicia "
                "el kernel.")) from None
        _pb = types.SimpleNamespace(attr=attr_value_pb2, event=event_pb2, graph=graph_pb2, summary=summary_pb2,
                                    shape=tensor_shape_pb2, types=types_pb2, RecordWriter=RecordWriter,
                                    make_tensor_proto=tensor_util.make_tensor_proto)
    return _pb


def __getattr__(name):
    """`tf.summary.Summary` (and `Event`, `SessionLog`): the protocol buffers, for summaries written by hand."""
    if name in ("Summary", "Event", "SessionLog"):
        pb = _tensorboard()
        return getattr(pb.summary if name == "Summary" else pb.event, name)
    raise AttributeError(f"module 'engine.summary' has no attribute '{name}'")


# ---------------------------------------------------------------------------------------------------------------
# The ops
# ---------------------------------------------------------------------------------------------------------------


def _summary_infer(inputs, attrs):
    return [(TensorShape([]), _dt.string)]


def _scalar_infer(inputs, attrs):
    tags, values = inputs
    if not values.dtype.is_floating and not values.dtype.is_integer:
        raise TypeError(f"tf.summary.scalar needs a number, got a {values.dtype.name} tensor ({values.name})")
    if values.shape.dims is not None and not values.shape.is_compatible_with(tags.shape):
        raise ValueError(hinted(
            f"tags and values are not the same shape: {tags.shape.bracket_str()} != {values.shape.bracket_str()} "
            f"(tf.summary.scalar of {values.name})",
            "tf.summary.scalar guarda un solo número: resume el tensor antes, p. ej. con tf.reduce_mean(t)."))
    return _summary_infer(inputs, attrs)


@defop("ScalarSummary", _scalar_infer)
def _scalar_summary(tags, values):
    pb = _tensorboard()
    if np.shape(tags) != np.shape(values):
        raise ValueError(f"tags and values are not the same shape: {list(np.shape(tags))} != {list(np.shape(values))}")
    summary = pb.summary.Summary()
    for tag, value in zip(np.ravel(tags), np.ravel(values)):
        summary.value.add(tag=_text(tag), simple_value=float(value))
    return summary.SerializeToString()


def _bucket_limits():
    """TensorFlow's default histogram buckets: ±1e-12 growing by 10% up to ±1e20, then ±DBL_MAX, and 0."""
    positive, v = [], 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    return np.array([-x for x in reversed(positive)] + [0.0] + positive)


_LIMITS = _bucket_limits()


def histogram_proto(values):
    """A `HistogramProto` of `values`, bucketed and encoded like TensorFlow's (runs of empty buckets merged)."""
    pb = _tensorboard()
    x = np.asarray(values, dtype=np.float64).ravel()
    counts = np.bincount(np.minimum(np.searchsorted(_LIMITS, x, side="right"), len(_LIMITS) - 1),
                         minlength=len(_LIMITS))
    histo = pb.summary.HistogramProto(
        min=x.min() if x.size else _LIMITS[-1], max=x.max() if x.size else -_LIMITS[-1], num=x.size,
        sum=np.cumsum(x)[-1] if x.size else 0.0, sum_squares=np.cumsum(x * x)[-1] if x.size else 0.0)
    i = 0
    while i < len(_LIMITS):
        end, count = _LIMITS[i], counts[i]
        i += 1
        while count == 0 and i < len(_LIMITS) and counts[i] == 0:  # one bucket for a run of empty ones
            end = _LIMITS[i]
            i += 1
        histo.bucket_limit.append(end)
        histo.bucket.append(count)
    return histo


@defop("HistogramSummary", lambda inputs, attrs: _summary_infer(inputs, attrs))
def _histogram_summary(tag, values):
    pb = _tensorboard()
    if not np.all(np.isfinite(np.asarray(values, dtype=np.float64))):
        raise ValueError(f"Nan in summary histogram for: {_text(tag)}")
    summary = pb.summary.Summary()
    summary.value.add(tag=_text(tag), histo=histogram_proto(values))
    return summary.SerializeToString()


@defop("MergeSummary", lambda inputs, attrs: _summary_infer(inputs, attrs))
def _merge_summary(*serialized):
    pb = _tensorboard()
    merged, tags = pb.summary.Summary(), set()
    for s in serialized:
        part = pb.summary.Summary.FromString(_bytes(s))
        for value in part.value:
            if value.tag in tags:
                raise ValueError(f"Duplicate tag {value.tag} found in summary inputs")
            tags.add(value.tag)
            merged.value.append(value)
    return merged.SerializeToString()


def _text(tag):
    tag = tag.item() if isinstance(tag, np.ndarray) else tag
    return tag.decode("utf-8") if isinstance(tag, bytes) else str(tag)


def _bytes(s):
    s = s.item() if isinstance(s, np.ndarray) else s
    return s if isinstance(s, bytes) else str(s).encode()


# ---------------------------------------------------------------------------------------------------------------
# Building summaries
# ---------------------------------------------------------------------------------------------------------------


def _clean_tag(name):
    """TensorFlow's rule: characters outside [A-Za-z0-9_./-] become '_', leading slashes go."""
    return re.sub(r"[^-/\w.]", "_", name).lstrip("/") if name is not None else None


def _summary_op(type, name, tensor, tag_input, collections, family, attrs=None, extra=()):
    _tensorboard()  # a clear error now, where the summary is created, if tensorboard is missing
    tensor = convert_to_tensor(tensor)
    graph = _graph_of([tensor])
    name, family = _clean_tag(name), _clean_tag(family)
    with graph.as_default(), graph.name_scope(name if family is None else f"{family}/{name}") as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        tags = constant(tag, dtype=_dt.string, name=tag_input)
        out = make_op(type, [tags, tensor, *extra], scope, attrs).outputs[0]
    for key in collections if collections is not None else [GraphKeys.SUMMARIES]:
        graph.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """An op whose value is a `Summary` with the number `tensor` under the tag `name` (a curve in TensorBoard)."""
    return _summary_op("ScalarSummary", name, tensor, "tags", collections, family)


def histogram(name, values, collections=None, family=None):
    """An op whose value is a `Summary` with a histogram of `values` (e.g. the weights of a layer)."""
    return _summary_op("HistogramSummary", name, values, "tag", collections, family)


def _numbered_tags(tag, kind, n, max_outputs):
    """'tag/image' for a single output, else 'tag/image/0', 'tag/image/1'... (TensorFlow's tags)."""
    return [f"{tag}/{kind}" if max_outputs == 1 else f"{tag}/{kind}/{i}" for i in range(n)]


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """An op whose value is a `Summary` with the first `max_outputs` images of the batch `tensor` [b, h, w, c]
    (c = 1, 3 or 4) as PNG. Float images are scaled to [0, 255]: by 255 / max if no value is negative, else
    centered on 128."""
    return _summary_op("ImageSummary", name, tensor, "tag", collections, family, {"max_images": int(max_outputs)})


def _image_infer(inputs, attrs):
    images = inputs[1]
    if images.shape.rank not in (None, 4) or images.shape.rank == 4 and images.shape[3] not in (None, 1, 3, 4):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {images.shape.bracket_str()} "
                         f"(tf.summary.image of {images.name})")
    return _summary_infer(inputs, attrs)


def _to_uint8(image):
    """TensorFlow's rule for one float image: an affine map into [0, 255], non-finite pixels red."""
    if image.dtype == np.uint8:
        return image
    pixels = image.astype(np.float32)
    finite = np.all(np.isfinite(pixels), axis=-1)
    values = pixels[finite]
    low, high = (values.min(), values.max()) if values.size else (0.0, 0.0)
    if low < 0:
        top = max(abs(low), abs(high))
        scale, offset = (0.0 if top < 1e-6 else 127.0 / top), 128.0
    else:
        scale, offset = (0.0 if high < 1e-6 else 255.0 / high), 0.0
    out = (np.where(finite[..., None], pixels, 0) * np.float32(scale) + np.float32(offset)).astype(np.uint8)
    out[~finite] = np.array([255, 0, 0, 255], np.uint8)[:image.shape[-1]]
    return out


def _png(image):
    """A PNG file (8 bits per channel, no filtering) of a [h, w, c] uint8 image."""
    h, w, c = image.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", w, h, 8, {1: 0, 3: 2, 4: 6}[c], 0, 0, 0)
    rows = b"".join(b"\x00" + row.tobytes() for row in image)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@defop("ImageSummary", _image_infer)
def _image_summary(tag, images, *, max_images):
    pb = _tensorboard()
    summary = pb.summary.Summary()
    images = images[:max_images]
    for name, img in zip(_numbered_tags(_text(tag), "image", len(images), max_images), images):
        h, w, c = img.shape
        summary.value.add(tag=name, image=pb.summary.Summary.Image(
            height=h, width=w, colorspace=c, encoded_image_string=_png(_to_uint8(img))))
    return summary.SerializeToString()


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """An op whose value is a `Summary` with the first `max_outputs` sounds of `tensor` ([b, frames] or
    [b, frames, channels], values in [-1, 1]) as WAV files."""
    rate = convert_to_tensor(sample_rate, dtype=None if hasattr(sample_rate, "_as_graph_element") else _dt.float32,
                             name="sample_rate")
    return _summary_op("AudioSummaryV2", name, tensor, "tag", collections, family, {"max_outputs": int(max_outputs)},
                       extra=(rate,))


def _wav(sound, rate):
    """A 16-bit PCM WAV file of [frames, channels] samples in [-1, 1]."""
    samples = np.clip(np.round(sound.astype(np.float32) * 32768.0), -32768, 32767).astype("<i2")
    frames, channels = samples.shape
    data = samples.tobytes()
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) +
            b"data" + struct.pack("<I", len(data)) + data)


@defop("AudioSummaryV2", lambda inputs, attrs: _summary_infer(inputs, attrs))
def _audio_summary(tag, sounds, sample_rate, *, max_outputs):
    pb = _tensorboard()
    summary = pb.summary.Summary()
    sounds = sounds[:max_outputs]
    sounds = sounds[..., None] if sounds.ndim == 2 else sounds
    for name, sound in zip(_numbered_tags(_text(tag), "audio", len(sounds), max_outputs), sounds):
        summary.value.add(tag=name, audio=pb.summary.Summary.Audio(
            sample_rate=float(sample_rate), num_channels=sound.shape[1], length_frames=sound.shape[0],
            encoded_audio_string=_wav(sound, int(sample_rate)), content_type="audio/wav"))
    return summary.SerializeToString()


def text(name, tensor, collections=None):
    """An op whose value is a `Summary` with the string tensor `tensor` (shown by TensorBoard's text dashboard;
    Markdown is rendered)."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype != _dt.string:
        raise ValueError(f"Expected tensor {tensor.name} to have dtype string, got {tensor.dtype.name}")
    return _summary_op("TensorSummaryV2", name, tensor, "tag", collections, None)


@defop("TensorSummaryV2", lambda inputs, attrs: _summary_infer(inputs, attrs))
def _tensor_summary(tag, tensor):
    pb = _tensorboard()
    summary = pb.summary.Summary()
    metadata = pb.summary.SummaryMetadata(plugin_data=pb.summary.SummaryMetadata.PluginData(plugin_name="text"))
    summary.value.add(tag=_text(tag), metadata=metadata, tensor=pb.make_tensor_proto(tensor))
    return summary.SerializeToString()


def merge(inputs, collections=None, name=None):
    """One op whose value joins the summaries `inputs` (a list of summary tensors)."""
    _tensorboard()
    inputs = [convert_to_tensor(t) for t in inputs]
    graph = _graph_of(inputs)
    with graph.as_default(), graph.name_scope(name or "Merge"):
        out = make_op("MergeSummary", inputs, name or "MergeSummary").outputs[0]
    for key in collections or []:
        graph.add_to_collection(key, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """One op running every summary of the default graph (collection `key`), or None if there are none."""
    summaries = get_collection(key, scope)
    return merge(summaries, name=name) if summaries else None


# ---------------------------------------------------------------------------------------------------------------
# The graph as a GraphDef, the format TensorBoard's graph dashboard reads
# ---------------------------------------------------------------------------------------------------------------

_DATA_TYPES = {"float16": "DT_HALF", "float32": "DT_FLOAT", "float64": "DT_DOUBLE", "int8": "DT_INT8",
               "int16": "DT_INT16", "int32": "DT_INT32", "int64": "DT_INT64", "uint8": "DT_UINT8",
               "bool": "DT_BOOL", "string": "DT_STRING"}


def _data_type(dtype):
    return _tensorboard().types.DataType.Value(_DATA_TYPES[dtype.name])


def _shape_proto(shape):
    pb = _tensorboard()
    if shape.dims is None:
        return pb.shape.TensorShapeProto(unknown_rank=True)
    return pb.shape.TensorShapeProto(dim=[pb.shape.TensorShapeProto.Dim(size=-1 if d is None else d)
                                          for d in shape.dims])


def _attr_value(value):
    """An AttrValue for an op attribute: dtypes, shapes, arrays (tensors), numbers, strings, lists; else its text."""
    pb = _tensorboard()
    if isinstance(value, _dt.DType):
        return pb.attr.AttrValue(type=_data_type(value))
    if isinstance(value, TensorShape):
        return pb.attr.AttrValue(shape=_shape_proto(value))
    if isinstance(value, np.ndarray):
        return pb.attr.AttrValue(tensor=pb.make_tensor_proto(value))
    if isinstance(value, (bool, np.bool_)):
        return pb.attr.AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return pb.attr.AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return pb.attr.AttrValue(f=float(value))
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in value):
        return pb.attr.AttrValue(list=pb.attr.AttrValue.ListValue(i=[int(v) for v in value]))
    text = value if isinstance(value, bytes) else str(_names(value)).encode()
    return pb.attr.AttrValue(s=text)


def _names(value):
    """Tensors inside an attribute (the branches of `If`) by name."""
    if isinstance(value, (list, tuple)):
        return [_names(v) for v in value]
    return getattr(value, "name", value)


def as_graph_def(graph, add_shapes=True):
    """The graph as a `GraphDef` protocol buffer: node names, op types, inputs ('x', 'split:1', '^init' for control
    dependencies) and attributes, with each output's shape in `_output_shapes` (TensorBoard labels edges with it)."""
    pb = _tensorboard()
    graph_def = pb.graph.GraphDef()
    for op in graph.get_operations():
        node = graph_def.node.add(name=op.name, op=op.type)
        node.input.extend(t.op.name if t.value_index == 0 else t.name for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs)
        for key, value in op.attrs.items():
            node.attr[key].CopyFrom(_attr_value(value))
        if op.inputs and "T" not in node.attr and "dtype" not in node.attr:
            node.attr["T"].type = _data_type(op.inputs[0].dtype)
        if add_shapes and op.outputs:
            node.attr["_output_shapes"].list.shape.extend(_shape_proto(t.shape) for t in op.outputs)
    graph_def.versions.producer = 27  # TensorFlow 1.15's GraphDef version
    return graph_def


# ---------------------------------------------------------------------------------------------------------------
# FileWriter
# ---------------------------------------------------------------------------------------------------------------

_uid = itertools.count()


class FileWriter:
    """Writes a TensorBoard event file in `logdir`: the graph (`add_graph`, or `graph=` here) and summaries
    (`add_summary(sess.run(summary_op), step)`). Use it in a `with` block, or call `close()` at the end."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        self._pb = _tensorboard()
        self._logdir = str(logdir)
        self._flush_secs = flush_secs
        os.makedirs(self._logdir, exist_ok=True)
        self._path = os.path.join(self._logdir, f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
                                                f".{os.getpid()}.{next(_uid)}{filename_suffix or ''}")
        self._open()
        self.add_event(self._pb.event.Event(wall_time=time.time(), file_version="brain.Event:2"))
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)
        self.flush()

    def _open(self):
        self._file = open(self._path, "ab")
        self._records = self._pb.RecordWriter(self._file)
        self._last_flush = time.time()

    def get_logdir(self):
        return self._logdir

    # --- writing
    def add_event(self, event):
        """Appends an `Event` protocol buffer to the file."""
        if self._file is None:
            raise RuntimeError(hinted(f"This FileWriter ({self._path}) is closed.",
                                      "crea el FileWriter antes del bucle y ciérralo (close) al terminar, o llama "
                                      "a writer.reopen()."))
        self._records.write(event.SerializeToString())
        if time.time() - self._last_flush > self._flush_secs:
            self.flush()

    def add_summary(self, summary, global_step=None):
        """Writes a summary: the value of a summary op (bytes from `sess.run`) or a `tf.summary.Summary`."""
        if hasattr(summary, "_as_graph_element"):
            raise TypeError(hinted(
                f"add_summary needs the value of a summary, got the tensor {summary.name}.",
                "un resumen es una operación del grafo: ejecútala primero, "
                "s = sess.run(resumen), y luego writer.add_summary(s, paso)."))
        if isinstance(summary, (bytes, np.ndarray, np.bytes_)):
            summary = self._pb.summary.Summary.FromString(_bytes(summary))
        if not isinstance(summary, self._pb.summary.Summary):
            raise TypeError(f"add_summary expects a serialized Summary (bytes) or a Summary, got "
                            f"{type(summary).__name__}.")
        self.add_event(self._pb.event.Event(wall_time=time.time(), step=int(global_step or 0), summary=summary))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes the graph (an engine Graph, or a GraphDef) for TensorBoard's graph dashboard."""
        if graph is not None and hasattr(graph, "get_operations"):
            graph_def = as_graph_def(graph)
        elif graph is not None:
            graph_def = graph
        if not hasattr(graph_def, "SerializeToString"):
            raise TypeError(f"add_graph expects a Graph or a GraphDef, got {type(graph_def).__name__}.")
        self.add_event(self._pb.event.Event(wall_time=time.time(), step=int(global_step or 0),
                                            graph_def=graph_def.SerializeToString()))

    def add_session_log(self, session_log, global_step=None):
        self.add_event(self._pb.event.Event(wall_time=time.time(), step=int(global_step or 0),
                                            session_log=session_log))

    # --- file
    def flush(self):
        """Writes what is pending to disk (TensorBoard sees it from now on)."""
        if self._file is not None:
            self._file.flush()
            self._last_flush = time.time()

    def close(self):
        """Flushes and closes the file; later writes need `reopen()`."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def reopen(self):
        """Reopens a closed writer (it keeps writing to the same file)."""
        if self._file is None:
            self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self.close()


def summary_iterator(path):
    """The `Event` protocol buffers of an event file, in order (TF1's `tf.train.summary_iterator`): read back what
    a FileWriter wrote, e.g. `[v.simple_value for e in summary_iterator(f) for v in e.summary.value]`."""
    pb = _tensorboard()
    from tensorboard.compat.tensorflow_stub import errors as tb_errors
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New  # never imports TensorFlow
    if not os.path.isfile(path):
        raise FileNotFoundError(hinted(f"No event file at {path}",
                                       "pasa la ruta de un fichero events.out.tfevents... de la carpeta del FileWriter "
                                       "(os.listdir(carpeta) los muestra)."))
    reader = PyRecordReader_New(str(path))
    while True:
        try:
            reader.GetNext()
        except tb_errors.OutOfRangeError:
            return
        yield pb.event.Event.FromString(reader.record())
