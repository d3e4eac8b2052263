"""`tf.saved_model`: a model in a folder, loadable without the program that built it (format: docs/saving.md).

TensorFlow 1: `simple_save(sess, dir, inputs, outputs)` or `builder.SavedModelBuilder`, then
`loader.load(sess, [tag_constants.SERVING], dir)`. TensorFlow 2: `save(module, dir)` and `load(dir)`.
"""
from types import SimpleNamespace

from .saving import (DEFAULT_SERVING_SIGNATURE_DEF_KEY, PREDICT_METHOD_NAME, SERVING, TRAINING,  # noqa: F401
                     SavedModelBuilder, build_signature_def, build_tensor_info, loader_load,
                     maybe_saved_model_directory, predict_signature_def, save, simple_save)
from .saving import load as _load_object


def load(export_dir_or_sess, tags=None, export_dir=None, **kwargs):
    """TensorFlow 2's `load(export_dir)` (an object), or TensorFlow 1's `load(sess, tags, export_dir)` (alias of
    `loader.load`)."""
    if export_dir is not None or hasattr(export_dir_or_sess, "graph"):
        return loader_load(export_dir_or_sess, tags, export_dir, **kwargs)
    return _load_object(export_dir_or_sess, tags)


contains_saved_model = maybe_saved_model_directory
Builder = SavedModelBuilder
loader = SimpleNamespace(load=loader_load, maybe_saved_model_directory=maybe_saved_model_directory)
builder = SimpleNamespace(SavedModelBuilder=SavedModelBuilder)
tag_constants = SimpleNamespace(SERVING=SERVING, TRAINING=TRAINING, GPU="gpu", TPU="tpu")
signature_constants = SimpleNamespace(
    DEFAULT_SERVING_SIGNATURE_DEF_KEY=DEFAULT_SERVING_SIGNATURE_DEF_KEY, PREDICT_METHOD_NAME=PREDICT_METHOD_NAME,
    PREDICT_INPUTS="inputs", PREDICT_OUTPUTS="outputs", CLASSIFY_METHOD_NAME="tensorflow/serving/classify",
    REGRESS_METHOD_NAME="tensorflow/serving/regress")
signature_def_utils = SimpleNamespace(predict_signature_def=predict_signature_def,
                                      build_signature_def=build_signature_def)
utils = SimpleNamespace(build_tensor_info=build_tensor_info)
