"""`tf.image` basics (images NHWC or HWC): resizing (TensorFlow 1's bilinear and nearest-neighbour kernels), flips,
`per_image_standardization`, `convert_image_dtype`.

Resizing is separable: each output row mixes input rows and each output column mixes input columns, so
resize(image) = Ry @ image @ Rx^T with two small interpolation matrices, and its gradient is the same product with
the matrices transposed.
"""
import numpy as np

from .. import dtypes as _dt
from ..framework import apply, convert_to_tensor, defop, get_default_graph, make_op, static_value
from ..shapes import TensorShape
from .array_ops import _int_vector, cast, expand_dims, identity, reverse, shape_of, squeeze
from .math_ops import maximum, minimum, reduce_mean, rsqrt, sqrt, square


class ResizeMethod:
    BILINEAR, NEAREST_NEIGHBOR, BICUBIC, AREA = 0, 1, 2, 3


_METHODS = {ResizeMethod.BILINEAR: "ResizeBilinear", ResizeMethod.NEAREST_NEIGHBOR: "ResizeNearestNeighbor",
            "bilinear": "ResizeBilinear", "nearest": "ResizeNearestNeighbor"}


def _interpolation(in_size, out_size, align_corners, nearest):
    """The [out_size, in_size] matrix of TensorFlow 1's resize kernels (legacy pixel positions: out i samples the
    input at i * scale)."""
    scale = (in_size - 1) / (out_size - 1) if align_corners and out_size > 1 else in_size / out_size
    position = np.arange(out_size, dtype=np.float32) * np.float32(scale)
    rows = np.arange(out_size)
    m = np.zeros((out_size, in_size))
    if nearest:
        m[rows, np.minimum(np.floor(position + 0.5 if align_corners else position), in_size - 1).astype(int)] = 1
    else:
        low = np.floor(position).astype(int)
        frac = position - low
        np.add.at(m, (rows, low), 1 - frac)
        np.add.at(m, (rows, np.minimum(low + 1, in_size - 1)), frac)
    return m


def _matrices(in_shape, out_size, attrs, nearest):
    return [_interpolation(i, o, attrs["align_corners"], nearest) for i, o in zip(in_shape[1:3], out_size)]


def _resize_infer(inputs, attrs):
    images, size = inputs
    if images.shape.rank not in (None, 4):
        raise ValueError(f"images must be 4-D [batch, height, width, channels], got shape {images.shape.bracket_str()}")
    v = static_value(size)
    hw = [None, None] if v is None else [int(d) for d in v]
    n, c = (images.shape[0], images.shape[3]) if images.shape.rank == 4 else (None, None)
    dtype = images.dtype if attrs["nearest"] else _dt.float32
    return [(TensorShape([n] + hw + [c]), dtype)]


def _resize_grad(op, g):
    images = op.inputs[0]
    t = make_op("ResizeGrad", [g, shape_of(images)], "ResizeGrad", dict(op.attrs)).outputs[0]
    t.set_shape(images.shape)
    return [t if images.dtype.is_floating else None, None]


def _resize_forward(images, size, *, align_corners, nearest):
    ry, rx = _matrices(images.shape, size, {"align_corners": align_corners}, nearest)
    if nearest:  # pick rows and columns: exact, in the images' own dtype
        return images[:, ry.argmax(1)][:, :, rx.argmax(1)]
    return np.einsum("yh,nhwc,xw->nyxc", ry, images, rx).astype(np.float32)


defop("ResizeBilinear", _resize_infer, grad=_resize_grad)(_resize_forward)
defop("ResizeNearestNeighbor", _resize_infer, grad=_resize_grad)(_resize_forward)


@defop("ResizeGrad", lambda inputs, attrs: [(TensorShape(None), inputs[0].dtype)],
       grad=lambda op, gg: [_resize(gg, op.inputs[0].shape[1:3], op.attrs), None])
def _resize_grad_forward(g, image_shape, *, align_corners, nearest):
    ry, rx = _matrices(image_shape, g.shape[1:3], {"align_corners": align_corners}, nearest)
    return np.einsum("yh,nyxc,xw->nhwc", ry, g, rx).astype(g.dtype)


def _resize(images, size, attrs, name=None):
    type = "ResizeNearestNeighbor" if attrs["nearest"] else "ResizeBilinear"
    return apply(type, [images, _int_vector(size, "size") if not hasattr(size, "_as_graph_element") else size],
                 name, arg_names=("images", "size"), same_dtype=False, attrs=attrs)


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bilinear resizing of 4-D images to `size` [height, width] (float32 result)."""
    _no_half_pixel(half_pixel_centers)
    return _resize(images, size, {"align_corners": bool(align_corners), "nearest": False}, name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Nearest-neighbour resizing of 4-D images to `size` [height, width] (same dtype)."""
    _no_half_pixel(half_pixel_centers)
    return _resize(images, size, {"align_corners": bool(align_corners), "nearest": True}, name)


def _no_half_pixel(half_pixel_centers):
    if half_pixel_centers:
        raise NotImplementedError("half_pixel_centers=True is not implemented in the engine (TensorFlow 1's "
                                  "default, False, is)")


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """TensorFlow 1's `tf.image.resize_images`: images [h, w, c] or [n, h, w, c] resized to `size`."""
    if method not in _METHODS:
        raise NotImplementedError(f"resize method {method!r} is not implemented in the engine (only BILINEAR and "
                                  "NEAREST_NEIGHBOR)")
    if preserve_aspect_ratio:
        raise NotImplementedError("preserve_aspect_ratio=True is not implemented in the engine")
    with get_default_graph().name_scope(name or "resize"):
        images = convert_to_tensor(images, name="images")
        single = images.shape.rank == 3
        batch = expand_dims(images, 0) if single else images
        out = _resize(batch, size, {"align_corners": bool(align_corners),
                                    "nearest": _METHODS[method] == "ResizeNearestNeighbor"})
        return squeeze(out, [0]) if single else out


def _flip(image, axis_from_end, name):
    with get_default_graph().name_scope(name):
        image = convert_to_tensor(image, name="image")
        if image.shape.rank not in (3, 4):
            raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 dimensions.")
        return reverse(image, [image.shape.rank - axis_from_end])


def flip_left_right(image):
    """The image mirrored horizontally (the width axis reversed)."""
    return _flip(image, 2, "flip_left_right")


def flip_up_down(image):
    """The image upside down (the height axis reversed)."""
    return _flip(image, 3, "flip_up_down")


def per_image_standardization(image):
    """(image - mean) / max(stddev, 1 / sqrt(number of elements)), each image on its own (float32)."""
    with get_default_graph().name_scope("per_image_standardization") as scope:
        image = cast(convert_to_tensor(image, name="image"), _dt.float32)
        if image.shape.rank is None or not image.shape[-3:].is_fully_defined():
            raise ValueError("per_image_standardization needs the image's height, width and channels known")
        axes = [-1, -2, -3]
        mean = reduce_mean(image, axes, keepdims=True)
        stddev = sqrt(reduce_mean(square(image - mean), axes, keepdims=True))
        min_stddev = rsqrt(float(np.prod(image.shape[-3:].as_list())))
        return identity((image - mean) / maximum(stddev, min_stddev), name=scope)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts pixel values between integer ranges [0, MAX] and the float range [0, 1]."""
    dtype = _dt.as_dtype(dtype)
    with get_default_graph().name_scope(name or "convert_image") as scope:
        image = convert_to_tensor(image, name="image")
        if image.dtype == dtype:
            return identity(image, name=scope)
        top = lambda t: float(np.iinfo(t.np).max)  # noqa: E731
        if image.dtype.is_integer and dtype.is_integer:
            ratio = (top(image.dtype) + 1) / (top(dtype) + 1)
            wide = cast(image, _dt.int64)
            out = wide // int(ratio) if ratio > 1 else wide * int(1 / ratio)
            return cast(out, dtype, name=scope)
        if image.dtype.is_integer:
            return cast(image, dtype) * (1.0 / top(image.dtype))
        if dtype.is_integer:
            scaled = image * (top(dtype) + 0.5)
            if saturate:
                scaled = minimum(maximum(scaled, 0.0), top(dtype))
            return cast(scaled, dtype, name=scope)
        return cast(image, dtype, name=scope)
