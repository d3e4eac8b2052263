"""`tf.image`: resizing, flips, standardization and dtype conversion of images (engine/ops/image_ops.py)."""
from .ops.image_ops import (ResizeMethod, convert_image_dtype, flip_left_right, flip_up_down,  # noqa: F401
                            per_image_standardization, resize_bilinear, resize_images, resize_nearest_neighbor)
