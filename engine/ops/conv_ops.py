"""Convolutions, pooling and normalization of images (`tf.nn.conv2d`, `max_pool`, `lrn`, `batch_normalization`...).

Images are NHWC: [batch, height, width, channels]; filters are [height, width, in_channels, out_channels].

Every convolution here is *im2col* plus one matrix product. A strided view of the padded input (`_windows`, no copy)
gives, for each output pixel, the window of input pixels it sees: an array [N, OH, OW, KH, KW, C]. Reshaped into one
row per output pixel and multiplied by the filter reshaped into a matrix, it gives every output at once. The gradient
with respect to the filter is the same rows times the incoming gradient; the one with respect to the input is the
incoming gradient times the filter, spread back over the windows it came from (`_col2im`: one vectorised addition per
kernel position). Pooling takes the max or the mean of the same windows. The gradients are ops themselves
(`Conv2DBackpropInput`, `MaxPoolGrad`...), with gradients of their own, as in TensorFlow: second derivatives work.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import hinted
from ..framework import apply, convert_to_tensor, defop, get_default_graph, make_op, static_value
from ..shapes import TensorShape
from .array_ops import shape_of, zeros_like
from .math_ops import cast, float_unary, maximum, pow, reduce_prod, rsqrt, square
from .nn_ops import moments

# ---------------------------------------------------------------------------------------------------------------
# Geometry: strides, padding and the size of the output, TensorFlow's rules
# ---------------------------------------------------------------------------------------------------------------

_PADDING_HINT = "padding se escribe en mayúsculas: 'SAME' (la salida conserva el tamaño si stride=1) o 'VALID' (sin relleno)."


def _four(value, what, op_type):
    """TensorFlow's spellings of strides, ksize and dilations (an int, [h, w] or [1, h, w, 1]) as [1, h, w, 1];
    None is 1, as in TensorFlow's Python wrappers."""
    values = [1 if v is None else int(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    if len(values) == 1:
        values = values * 2
    if len(values) == 2:
        values = [1] + values + [1]
    if len(values) != 4:
        raise ValueError(f"{what} should be of length 1, 2 or 4. Received: {what}={value} of length {len(values)}")
    if values[0] != 1 or values[3] != 1:
        raise ValueError(hinted(f"{op_type} does not support {what} in the batch and depth dimensions: "
                                f"{what}={values}.", f"{what} tiene la forma [1, alto, ancho, 1]."))
    if min(values) < 1:
        raise ValueError(f"{what} must be positive, got {values}")
    return values


def _padding_attrs(padding, op_type, explicit_allowed=True):
    """{'padding': 'SAME' | 'VALID' | 'EXPLICIT', 'explicit_paddings': [8 ints]} from TensorFlow's argument."""
    if isinstance(padding, (list, tuple)) and explicit_allowed:
        pairs = [[int(v) for v in pair] for pair in padding]
        if len(pairs) != 4 or any(len(p) != 2 for p in pairs):
            raise ValueError(f"When padding is explicit, it must be a list of four pairs [[0, 0], [top, bottom], "
                             f"[left, right], [0, 0]], got {padding}")
        if pairs[0] != [0, 0] or pairs[3] != [0, 0]:
            raise ValueError(f"Nonzero explicit padding in the batch or depth dimensions is not supported for "
                             f"'{op_type}': padding={pairs}")
        if min(min(p) for p in pairs) < 0:
            raise ValueError(f"All elements of explicit_paddings must be nonnegative for '{op_type}', got {pairs}")
        return {"padding": "EXPLICIT", "explicit_paddings": [v for p in pairs for v in p]}
    allowed = '"SAME", "VALID", "EXPLICIT"' if explicit_allowed else '"SAME", "VALID"'
    if padding not in ("SAME", "VALID"):
        raise ValueError(hinted(f"Attr 'padding' of '{op_type}' Op passed string '{padding}' not in: {allowed}.",
                                _PADDING_HINT))
    return {"padding": padding, "explicit_paddings": []}


def _out_size(n, k, stride, dilation, padding, pads):
    """(output size, (before, after) padding) of one spatial dimension of size n, for a kernel of size k.

    SAME: ceil(n / stride) outputs, the padding split evenly (the extra one after); VALID: only windows that fit."""
    k = (k - 1) * dilation + 1  # a dilated kernel spans more pixels
    if padding == "SAME":
        out = -(-n // stride)
        total = max((out - 1) * stride + k - n, 0)
        return out, (total // 2, total - total // 2)
    if padding == "VALID":
        pads = (0, 0)
    if n + pads[0] + pads[1] < k:
        raise ValueError(f"Negative dimension size caused by subtracting {k} from {n + pads[0] + pads[1]}")
    return (n + pads[0] + pads[1] - k) // stride + 1, tuple(pads)


def _geometry(in_hw, k_hw, attrs):
    """[(out, (before, after)) for height and width]; the output is None where the input size is unknown."""
    pads = attrs.get("explicit_paddings") or [0] * 8
    dilations = attrs.get("dilations", [1, 1, 1, 1])
    return [(None, None) if n is None or k is None else
            _out_size(n, k, attrs["strides"][d], dilations[d], attrs["padding"], pads[2 * d:2 * d + 2])
            for d, n, k in ((1, in_hw[0], k_hw[0]), (2, in_hw[1], k_hw[1]))]


def _rank4(op_type, *tensors):
    for t in tensors:
        if t.shape.rank is not None and t.shape.rank != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {t.shape.rank} for '{op_type}' with input shapes: "
                             + ", ".join(s.shape.bracket_str() for s in tensors) + "." + (
                                 "\n\nPista: las imágenes van en un tensor [lote, alto, ancho, canales]; para una "
                                 "sola imagen en gris usa tf.reshape(x, [-1, alto, ancho, 1])." if t is tensors[0]
                                 else ""))


def _dims(t):
    return t.shape.as_list() if t.shape.rank is not None else [None] * 4


# ---------------------------------------------------------------------------------------------------------------
# im2col and its opposite
# ---------------------------------------------------------------------------------------------------------------


def _pad(x, pads, value=0):
    """x with `pads` ((top, bottom), (left, right)) rows and columns of `value` around each image."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    n, h, w, c = x.shape
    out = np.full((n, top + h + bottom, left + w + right, c), value, x.dtype)  # (faster than np.pad)
    out[:, top:top + h, left:left + w] = x
    return out


def _windows(x, k_hw, attrs, fill=0):
    """The input window of each output pixel: a read-only view [N, OH, OW, KH, KW, C] of x (padded with `fill`)."""
    (oh, pad_h), (ow, pad_w) = _geometry(x.shape[1:3], k_hw, attrs)
    x = _pad(x, (pad_h, pad_w), fill)
    _, sh, sw, _ = attrs["strides"]
    _, dh, dw, _ = attrs.get("dilations", [1, 1, 1, 1])
    n, h, w, c = x.strides
    return as_strided(x, (x.shape[0], oh, ow, k_hw[0], k_hw[1], x.shape[3]), (n, h * sh, w * sw, h * dh, w * dw, c),
                      writeable=False)


def _window_slices(k_hw, out_hw, attrs):
    """For each kernel position (i, j): the slices of the padded input that it visits, one per output pixel."""
    _, sh, sw, _ = attrs["strides"]
    _, dh, dw, _ = attrs.get("dilations", [1, 1, 1, 1])
    for i in range(k_hw[0]):
        for j in range(k_hw[1]):
            yield i, j, (slice(None), slice(i * dh, i * dh + sh * (out_hw[0] - 1) + 1, sh),
                         slice(j * dw, j * dw + sw * (out_hw[1] - 1) + 1, sw))


def _col2im(cols, x_shape, attrs):
    """The opposite of `_windows`: adds each window of `cols` [N, OH, OW, KH, KW, C] back where it came from in an
    input of shape `x_shape`."""
    (_, pad_h), (_, pad_w) = _geometry(x_shape[1:3], cols.shape[3:5], attrs)
    n, h, w, c = x_shape
    out = np.zeros((n, h + sum(pad_h), w + sum(pad_w), c), cols.dtype)
    for i, j, where in _window_slices(cols.shape[3:5], cols.shape[1:3], attrs):
        out[where] += cols[:, :, :, i, j]
    return out[:, pad_h[0]:pad_h[0] + h, pad_w[0]:pad_w[0] + w]


# ---------------------------------------------------------------------------------------------------------------
# Convolutions: Conv2D (every output channel sees every input channel) and DepthwiseConv2dNative (each input
# channel has its own `multiplier` filters). Each has the op, its backprop to the input, its backprop to the filter.
# ---------------------------------------------------------------------------------------------------------------


def _contract(cols, w, depthwise):
    """The convolution proper: windows [N, OH, OW, KH, KW, C] times filter [KH, KW, C, M] -> [N, OH, OW, out]."""
    n, oh, ow, kh, kw, c = cols.shape
    if not depthwise:  # one matrix product: [pixels, KH*KW*C] @ [KH*KW*C, M]
        return np.dot(cols.reshape(n * oh * ow, -1), w.reshape(-1, w.shape[-1])).reshape(n, oh, ow, -1)
    per_channel = cols.reshape(n * oh * ow, kh * kw, c).transpose(2, 0, 1)  # [C, pixels, KH*KW]
    out = np.matmul(per_channel, w.reshape(kh * kw, c, -1).transpose(1, 0, 2))  # [C, pixels, M]
    return out.transpose(1, 0, 2).reshape(n, oh, ow, -1)


def _contract_input(g, w, depthwise):
    """The gradient of `_contract` with respect to its windows: [N, OH, OW, KH, KW, C]."""
    n, oh, ow, _ = g.shape
    kh, kw, c, m = w.shape
    if not depthwise:
        return np.dot(g.reshape(-1, m), w.reshape(-1, m).T).reshape(n, oh, ow, kh, kw, c)
    g = g.reshape(n * oh * ow, c, m).transpose(1, 0, 2)  # [C, pixels, M]
    cols = np.matmul(g, w.reshape(kh * kw, c, m).transpose(1, 2, 0))  # [C, pixels, KH*KW]
    return cols.transpose(1, 2, 0).reshape(n, oh, ow, kh, kw, c)


def _contract_filter(cols, g, depthwise):
    """The gradient of `_contract` with respect to its filter: [KH, KW, C, M]."""
    n, oh, ow, kh, kw, c = cols.shape
    if not depthwise:
        return np.dot(cols.reshape(n * oh * ow, -1).T, g.reshape(n * oh * ow, -1)).reshape(kh, kw, c, -1)
    per_channel = cols.reshape(n * oh * ow, kh * kw, c).transpose(2, 1, 0)  # [C, KH*KW, pixels]
    w = np.matmul(per_channel, g.reshape(n * oh * ow, c, -1).transpose(1, 0, 2))  # [C, KH*KW, M]
    return w.transpose(1, 0, 2).reshape(kh, kw, c, -1)


def _check_channels(op_type, x_shape, w_shape, depthwise, shapes):
    c, fc = x_shape[3], w_shape[2]
    if c is None or fc is None or c == fc:
        return
    if depthwise:
        raise ValueError(f"Dimensions must be equal, but are {c} and {fc} for '{op_type}' with input shapes: {shapes}.")
    raise ValueError(hinted(f"Depth of input ({c}) is not a multiple of input depth of filter ({fc}) for '{op_type}' "
                            f"with input shapes: {shapes}.",
                            "el filtro tiene forma [alto, ancho, canales_de_entrada, canales_de_salida]: su tercera "
                            "dimensión debe ser el número de canales de la entrada."))


def _out_channels(w_shape, depthwise):
    if not depthwise:
        return w_shape[3]
    return None if w_shape[2] is None or w_shape[3] is None else w_shape[2] * w_shape[3]


def _conv_shape(op_type, x, w, attrs, depthwise):
    """The static output shape of a convolution of x by w (and the checks TensorFlow makes while building)."""
    _rank4(op_type, x, w)
    float_unary([x], attrs)
    xs, ws = _dims(x), _dims(w)
    shapes = f"{x.shape.bracket_str()}, {w.shape.bracket_str()}"
    _check_channels(op_type, xs, ws, depthwise, shapes)
    try:
        (oh, _), (ow, _) = _geometry(xs[1:3], ws[0:2], attrs)
    except ValueError as e:
        raise ValueError(f"{e} for '{op_type}' with input shapes: {shapes}.") from None
    return TensorShape([xs[0], oh, ow, _out_channels(ws, depthwise)])


def _sizes(t, fallback):
    """The static value of a shape argument (input_sizes, filter_sizes), else `fallback`."""
    value = static_value(t)
    return TensorShape([int(v) for v in value]) if value is not None else fallback


_CONV_TYPES = {False: ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"),
               True: ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                      "DepthwiseConv2dNativeBackpropFilter")}


def _conv_op(depthwise, kind, inputs, attrs, static_shape=None):
    """Builds the convolution op of `kind` (0: forward, 1: backprop to the input, 2: to the filter)."""
    t = make_op(_CONV_TYPES[depthwise][kind], inputs, _CONV_TYPES[depthwise][kind], attrs).outputs[0]
    if static_shape is not None:
        t.set_shape(static_shape)
    return t


def _define_convolution(depthwise):
    """Registers the three ops of a kind of convolution: forward, backprop to the input, backprop to the filter."""
    forward_type, input_type, filter_type = _CONV_TYPES[depthwise]

    def conv(x, w, **attrs):
        return _contract(_windows(x, w.shape[:2], attrs), w, depthwise)

    def backprop_input(sizes, w, g, **attrs):
        sizes = tuple(int(v) for v in sizes)
        (oh, _), (ow, _) = _geometry(sizes[1:3], w.shape[:2], attrs)
        if (oh, ow) != g.shape[1:3]:
            raise ValueError(f"{input_type}: Size of out_backprop doesn't match computed: actual = {g.shape[1:3]}, "
                             f"computed = {(oh, ow)} for input size {sizes[1:3]}, filter {w.shape[:2]}, strides "
                             f"{attrs['strides']}")
        if sizes[3] != w.shape[2]:
            raise ValueError(f"{input_type}: input depth must be evenly divisible by filter depth")
        return _col2im(_contract_input(g, w, depthwise), sizes, attrs)

    def backprop_filter(x, sizes, g, **attrs):
        return _contract_filter(_windows(x, tuple(int(v) for v in sizes[:2]), attrs), g, depthwise)

    def conv_infer(inputs, attrs):
        return [(_conv_shape(forward_type, *inputs, attrs, depthwise), inputs[0].dtype)]

    def input_infer(inputs, attrs):
        sizes, w, g = inputs
        return [(_sizes(sizes, TensorShape([None] * 4)), g.dtype)]

    def filter_infer(inputs, attrs):
        x, sizes, g = inputs
        return [(_sizes(sizes, TensorShape([None] * 4)), g.dtype)]

    # d(conv(x, w)) = conv(dx, w) + conv(x, dw): each op's gradient is made of the other two (TensorFlow's rules)
    def conv_grad(op, g):
        x, w = op.inputs
        return [_conv_op(depthwise, 1, [shape_of(x), w, g], op.attrs, x.shape),
                _conv_op(depthwise, 2, [x, shape_of(w), g], op.attrs, w.shape)]

    def input_grad(op, gg):
        sizes, w, g = op.inputs
        return [None, _conv_op(depthwise, 2, [gg, shape_of(w), g], op.attrs, w.shape),
                _conv_op(depthwise, 0, [gg, w], op.attrs)]

    def filter_grad(op, gg):
        x, sizes, g = op.inputs
        return [_conv_op(depthwise, 1, [shape_of(x), gg, g], op.attrs, x.shape), None,
                _conv_op(depthwise, 0, [x, gg], op.attrs)]

    defop(forward_type, conv_infer, conv_grad)(conv)
    defop(input_type, input_infer, input_grad)(backprop_input)
    defop(filter_type, filter_infer, filter_grad)(backprop_filter)


_define_convolution(depthwise=False)
_define_convolution(depthwise=True)


def _conv_attrs(op_type, strides, padding, dilations, data_format):
    if data_format not in (None, "NHWC"):
        raise ValueError(hinted(f"{op_type} only supports the NHWC data format in this engine (CPU), got "
                                f"data_format={data_format!r}.",
                                "usa data_format='NHWC': [lote, alto, ancho, canales], o reordena con tf.transpose."))
    return {"strides": _four(strides, "strides", op_type), **_padding_attrs(padding, op_type),
            "dilations": _four(1 if dilations is None else dilations, "dilations", op_type)}


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
           dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution of images `input` [batch, height, width, in_channels] with `filter` [height, width,
    in_channels, out_channels]; `strides` and `dilations` as [1, h, w, 1] (or h, or [h, w]); `padding` 'SAME',
    'VALID' or explicit [[0, 0], [top, bottom], [left, right], [0, 0]]."""
    filter = filters if filter is None else filter
    return apply("Conv2D", [input, filter], name, arg_names=("input", "filter"),
                 attrs=_conv_attrs("Conv2D", strides, padding, dilations, data_format))


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """Each input channel convolved with its own `filter[:, :, c, :]` (channel_multiplier outputs per channel)."""
    if strides is None:  # the raw op has no Python wrapper to fill it in
        raise TypeError("Expected list for 'strides' argument to 'depthwise_conv2d_native' Op, not None.")
    return apply("DepthwiseConv2dNative", [input, filter], name, arg_names=("input", "filter"),
                 attrs=_conv_attrs("DepthwiseConv2dNative", strides, padding, dilations, data_format))


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None, dilations=None):
    """`depthwise_conv2d_native` with TensorFlow 1.x's arguments (`rate`: the dilation, [h, w])."""
    with get_default_graph().name_scope(name or "depthwise") as scope:
        input, filter = convert_to_tensor(input, name="tensor_in"), convert_to_tensor(filter, name="filter_in")
        return depthwise_conv2d_native(input, filter, strides, padding, data_format or "NHWC",
                                       dilations if rate is None else rate, name=scope)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME", data_format="NHWC",
                     name=None, input=None, filters=None, dilations=None):
    """The transpose (gradient) of conv2d: from `value` [batch, h, w, in_channels] to `output_shape`, with `filter`
    [height, width, output_channels, in_channels]. Used to upsample (decoders, GANs)."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    attrs = _conv_attrs("Conv2DBackpropInput", strides, padding, dilations, data_format)
    with get_default_graph().name_scope(name or "conv2d_transpose") as scope:
        value, filter = convert_to_tensor(value, name="value"), convert_to_tensor(filter, name="filter")
        output_shape = convert_to_tensor(output_shape, name="output_shape")
        _rank4("Conv2DBackpropInput", value, filter)
        shapes = f"{output_shape.shape.bracket_str()}, {filter.shape.bracket_str()}, {value.shape.bracket_str()}"
        if _dims(filter)[3] is not None and _dims(value)[3] is not None and _dims(filter)[3] != _dims(value)[3]:
            raise ValueError(f"Dimensions must be equal, but are {_dims(value)[3]} and {_dims(filter)[3]} for "
                             f"'Conv2DBackpropInput' with input shapes: {shapes}.")
        known = static_value(output_shape)
        if known is not None:
            if len(known) != 4:
                raise ValueError(f"output_shape must have shape (4,), got {list(known)}")
            if _dims(filter)[2] is not None and known[3] != _dims(filter)[2]:
                raise ValueError(f"output_shape does not match filter's output channels, {known[3]} != "
                                 f"{_dims(filter)[2]}")
        return make_op("Conv2DBackpropInput", [output_shape, filter, value], scope, attrs).outputs[0]


# ---------------------------------------------------------------------------------------------------------------
# Pooling: the max or the mean of each window. MaxPoolGrad sends each gradient to the first maximum of its window
# (TensorFlow's choice at ties); AvgPoolGrad spreads it evenly. Padding never counts: SAME windows at the border
# take the max or the mean of the pixels they really cover.
# ---------------------------------------------------------------------------------------------------------------


def _pool_shape(op_type, x, attrs):
    _rank4(op_type, x)
    float_unary([x], attrs)
    dims = _dims(x)
    try:
        (oh, _), (ow, _) = _geometry(dims[1:3], attrs["ksize"][1:3], attrs)
    except ValueError as e:
        raise ValueError(f"{e} for '{op_type}' with input shapes: {x.shape.bracket_str()}.") from None
    return TensorShape([dims[0], oh, ow, dims[3]])


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _max_pool_windows(x, ksize, attrs):
    return _windows(x, ksize[1:3], attrs, fill=_lowest(x.dtype))


def _first_maxima(x, y, attrs):
    """For each kernel position (i, j): its slices in the padded input and where it holds the first maximum of its
    window (a boolean [N, OH, OW, C])."""
    ksize = attrs["ksize"]
    windows = _max_pool_windows(x, ksize, attrs)
    taken = np.zeros(y.shape, bool)
    for i, j, where in _window_slices(ksize[1:3], y.shape[1:3], attrs):
        first = (windows[:, :, :, i, j] == y) & ~taken
        taken |= first
        yield where, first


@defop("MaxPool", lambda inputs, attrs: [(_pool_shape("MaxPool", inputs[0], attrs), inputs[0].dtype)],
       grad=lambda op, g: [_pool_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], g], op.attrs, op.inputs[0].shape)])
def _max_pool(x, **attrs):
    return _max_pool_windows(x, attrs["ksize"], attrs).max(axis=(3, 4))


def _through_the_maxima(type, like):
    """The gradient of MaxPoolGrad (a MaxPoolGradGrad) and of MaxPoolGradGrad (a MaxPoolGrad): both only move values
    between each window's maximum and its output, so nothing flows to x and y."""
    def grad(op, g):
        x, y, _ = op.inputs
        return [zeros_like(x), zeros_like(y), _pool_op(type, [x, y, g], op.attrs, op.inputs[like].shape)]
    return grad


@defop("MaxPoolGrad", lambda inputs, attrs: [(inputs[0].shape, inputs[2].dtype)],
       grad=_through_the_maxima("MaxPoolGradGrad", like=1))
def _max_pool_grad(x, y, g, **attrs):
    (_, pad_h), (_, pad_w) = _geometry(x.shape[1:3], attrs["ksize"][1:3], attrs)
    dx = np.zeros(_pad(x, (pad_h, pad_w)).shape, g.dtype)
    for where, first in _first_maxima(x, y, attrs):
        dx[where] += np.where(first, g, 0)
    return dx[:, pad_h[0]:pad_h[0] + x.shape[1], pad_w[0]:pad_w[0] + x.shape[2]]


@defop("MaxPoolGradGrad", lambda inputs, attrs: [(inputs[1].shape, inputs[2].dtype)],
       grad=_through_the_maxima("MaxPoolGrad", like=0))
def _max_pool_grad_grad_forward(x, y, gg, **attrs):
    """The gradient of MaxPoolGrad with respect to its `g`: gg picked at each window's first maximum."""
    (_, pad_h), (_, pad_w) = _geometry(x.shape[1:3], attrs["ksize"][1:3], attrs)
    gg = _pad(gg, (pad_h, pad_w))
    out = np.zeros(y.shape, gg.dtype)
    for where, first in _first_maxima(x, y, attrs):
        out += np.where(first, gg[where], 0)
    return out


def _window_counts(in_hw, attrs):
    """How many real (not padding) pixels each window covers: [OH, OW, 1]."""
    counts = []
    for d, ((out, (before, _)), n) in enumerate(zip(_geometry(in_hw, attrs["ksize"][1:3], attrs), in_hw)):
        start = np.arange(out) * attrs["strides"][d + 1] - before
        counts.append(np.minimum(start + attrs["ksize"][d + 1], n) - np.maximum(start, 0))
    return np.multiply.outer(*counts)[:, :, None]


@defop("AvgPool", lambda inputs, attrs: [(_pool_shape("AvgPool", inputs[0], attrs), inputs[0].dtype)],
       grad=lambda op, g: [_pool_op("AvgPoolGrad", [shape_of(op.inputs[0]), g], op.attrs, op.inputs[0].shape)])
def _avg_pool(x, **attrs):
    sums = _windows(x, attrs["ksize"][1:3], attrs).sum(axis=(3, 4), dtype=x.dtype)
    return sums / _window_counts(x.shape[1:3], attrs).astype(x.dtype)


@defop("AvgPoolGrad", lambda inputs, attrs: [(_sizes(inputs[0], TensorShape([None] * 4)), inputs[1].dtype)],
       grad=lambda op, gg: [None, _pool_op("AvgPool", [gg], op.attrs)])
def _avg_pool_grad(sizes, g, **attrs):
    n, h, w, c = (int(v) for v in sizes)
    share = g / _window_counts((h, w), attrs).astype(g.dtype)
    ksize = attrs["ksize"]
    cols = np.broadcast_to(share[:, :, :, None, None], g.shape[:3] + tuple(ksize[1:3]) + g.shape[3:])
    return _col2im(cols, (n, h, w, c), attrs)


def _pool_op(type, inputs, attrs, static_shape=None):
    t = make_op(type, inputs, type, attrs).outputs[0]
    if static_shape is not None:
        t.set_shape(static_shape)
    return t


def _pool(type, value, ksize, strides, padding, data_format, name, default_name):
    explicit = type == "MaxPool"
    attrs = {"ksize": _four(ksize, "ksize", type), "strides": _four(strides, "strides", type),
             **_padding_attrs(padding, type, explicit_allowed=explicit)}
    if data_format not in (None, "NHWC"):
        _conv_attrs(type, 1, "SAME", 1, data_format)  # the same error as the convolutions
    return apply(type, [value], name, default_name, attrs=attrs, arg_names=("input",))


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None):
    """The maximum of each ksize window (ksize and strides as [1, h, w, 1], or h, or [h, w])."""
    return _pool("MaxPool", input if value is None else value, ksize, strides, padding, data_format, name, "MaxPool")


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name, "MaxPool2d")


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None):
    """The mean of each ksize window (padding does not count in the mean)."""
    return _pool("AvgPool", input if value is None else value, ksize, strides, padding, data_format, name, "AvgPool")


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name, "AvgPool")


max_pool2d, avg_pool2d = max_pool_v2, avg_pool_v2


# ---------------------------------------------------------------------------------------------------------------
# Local response normalization (AlexNet): each value divided by (bias + alpha * the sum of the squares of its
# 2 * depth_radius + 1 neighbouring channels) ** beta. Its gradient is built from the same window sum, an op whose
# gradient is itself (the window is symmetric): second derivatives come for free.
# ---------------------------------------------------------------------------------------------------------------


@defop("LRNWindowSum", lambda inputs, attrs: [(inputs[0].shape, inputs[0].dtype)],
       grad=lambda op, g: [_window_sum(g, op.attrs["depth_radius"])])
def _window_sum_forward(x, *, depth_radius):
    """out[..., c] = x[..., c - r] + ... + x[..., c + r] (the channels that exist)."""
    out = x.copy()
    for k in range(1, depth_radius + 1):
        out[..., k:] += x[..., :-k]
        out[..., :-k] += x[..., k:]
    return out


def _window_sum(x, depth_radius):
    return make_op("LRNWindowSum", [x], "LRNWindowSum", {"depth_radius": depth_radius}).outputs[0]


def _lrn_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    a = op.attrs
    norm = a["bias"] + a["alpha"] * _window_sum(square(x), a["depth_radius"])
    return [g * pow(norm, -a["beta"]) - (2 * a["alpha"] * a["beta"]) * x * _window_sum(g * y / norm, a["depth_radius"])]


def _lrn_infer(inputs, attrs):
    x = inputs[0]
    _rank4("LRN", x)
    if x.dtype.name not in ("float16", "bfloat16", "float32"):
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not in list of allowed "
                        "values: float16, bfloat16, float32")
    return [(x.shape, x.dtype)]


@defop("LRN", _lrn_infer, grad=_lrn_grad)
def _lrn(x, *, depth_radius, bias, alpha, beta):
    norm = bias + alpha * _window_sum_forward(x * x, depth_radius=depth_radius)
    return (x / norm ** beta).astype(x.dtype)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, name=None):
    """x / (bias + alpha * sum of x**2 over 2 * depth_radius + 1 neighbouring channels) ** beta."""
    return apply("LRN", [input], name, arg_names=("input",), attrs={
        "depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha), "beta": float(beta)})


lrn = local_response_normalization

# ---------------------------------------------------------------------------------------------------------------
# Batch normalization: made of ordinary ops (as in TensorFlow's Python), so its gradients need nothing new
# ---------------------------------------------------------------------------------------------------------------


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + variance_epsilon) * scale + offset (offset, scale may be None)."""
    with get_default_graph().name_scope(name or "batchnorm"):
        x = convert_to_tensor(x, name="x")
        inv = rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv *= scale
        return x * inv + (offset - mean * inv if offset is not None else -mean * inv)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """Batch normalization of images over batch, height and width: (y, mean, variance). While training the mean
    and variance are the batch's (the variance returned is the unbiased one, n / (n - 1) times the one used)."""
    _conv_attrs("FusedBatchNormV3", 1, "SAME", 1, data_format)
    with get_default_graph().name_scope(name or "FusedBatchNormV3"):
        x = convert_to_tensor(x, name="x")
        _rank4("FusedBatchNormV3", x)
        if not is_training:
            if mean is None or variance is None:
                raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False.")
            mean, variance = convert_to_tensor(mean, name="mean"), convert_to_tensor(variance, name="variance")
            return batch_normalization(x, mean, variance, offset, scale, epsilon), mean, variance
        batch_mean, batch_variance = moments(x, [0, 1, 2])
        y = batch_normalization(x, batch_mean, batch_variance, offset, scale, epsilon)
        n = cast(reduce_prod(shape_of(x)[:3]), x.dtype)  # values per channel
        batch_variance = batch_variance * (n / maximum(n - 1, 1))
        if exponential_avg_factor != 1.0:
            f = exponential_avg_factor
            batch_mean = (1 - f) * mean + f * batch_mean
            batch_variance = (1 - f) * variance + f * batch_variance
        return y, batch_mean, batch_variance
