"""Saving and loading: checkpoints, meta graphs and SavedModels, in files a user can open and read (docs/saving.md).

- checkpoint `<prefix>.npz`: one array per variable, keyed by its name ('capa1/W'), plus `_format`;
- checkpoint index `checkpoint` (JSON): the latest and the kept checkpoints of a folder;
- meta graph `<prefix>.meta` (JSON): every op (type, inputs, attrs, output shapes), the variables, the collections;
- SavedModel folder: `saved_model.json` (meta graphs with tags and signatures, or a TensorFlow 2 object with its
  traced functions) and `variables/variables.npz`.

Every file says what wrote it: `"format": "engine.<kind>", "version": N`. A reader accepts every version up to
`FORMAT_VERSION` and refuses newer ones with a clear error, so files written today stay readable after an upgrade.

A graph is rebuilt through the op registry (`framework.OPS`): each op's static inference runs again, so an imported
graph is exactly what the program built, with the same names.
"""
import importlib
import json
import os
from types import SimpleNamespace

import numpy as np

from . import dtypes as _dt
from .errors import NotFoundError, hinted
from .framework import OPS, Graph, Operation, Tensor, get_default_graph
from .shapes import TensorShape

FORMAT_VERSION = 1
_FORMAT_KEY = "_format"  # in checkpoints; no variable can be called so (TensorFlow names never start with '_')


class FormatError(ValueError):
    """A file that is not of the expected kind, or was written by a newer engine."""


def header(kind):
    return {"format": f"engine.{kind}", "version": FORMAT_VERSION}


def check_header(found, kind, path):
    """Raises FormatError unless `found` (a file's header) is of `kind` and of a version this engine reads."""
    if found.get("format") != f"engine.{kind}":
        raise FormatError(f"{path} is not an engine {kind.replace('_', ' ')} file (format {found.get('format')!r}).")
    version = found.get("version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise FormatError(hinted(
            f"{path} uses version {version} of the engine.{kind} format; this engine reads versions 1 to "
            f"{FORMAT_VERSION}.",
            "el fichero lo escribió una versión más nueva del motor: actualiza el paquete para leerlo."))


def read_json(path, kind):
    with open(path) as f:
        data = json.load(f)
    check_header(data, kind, path)
    return data


def write_json(path, kind, content):
    with open(path, "w") as f:
        json.dump({**header(kind), **content}, f, indent=1)


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints: values of variables by name
# ---------------------------------------------------------------------------------------------------------------


def checkpoint_file(prefix):
    return prefix if prefix.endswith(".npz") else prefix + ".npz"


def write_checkpoint(prefix, values):
    """Writes `{name: array}` to `<prefix>.npz`, with the format's version."""
    with open(checkpoint_file(prefix), "wb") as f:
        np.savez(f, **{_FORMAT_KEY: np.array(f"engine.checkpoint/{FORMAT_VERSION}")}, **values)


def read_checkpoint(prefix):
    """`{name: array}` of checkpoint `prefix` (NotFoundError if there is none)."""
    path = checkpoint_file(prefix)
    if not os.path.exists(path):
        raise NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any matching "
                            f"files for {prefix}",
                            "comprueba la ruta; tf.train.latest_checkpoint(carpeta) da la del último guardado.")
    with np.load(path) as data:
        values = {k: data[k] for k in data.files}
    kind, _, version = str(values.pop(_FORMAT_KEY, "engine.checkpoint/1")).partition("/")
    check_header({"format": kind, "version": int(version) if version.isdigit() else version}, "checkpoint", path)
    return values


def checkpoint_exists(checkpoint_prefix):
    """Whether a checkpoint was saved under this prefix (`tf.train.checkpoint_exists`)."""
    return os.path.exists(checkpoint_file(checkpoint_prefix))


def _resolve(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        from .variables import latest_checkpoint
        found = latest_checkpoint(ckpt_dir_or_file)
        if found is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {ckpt_dir_or_file}")
        return found
    return ckpt_dir_or_file


class CheckpointReader:
    """What `tf.train.load_checkpoint(path)` returns: the saved arrays by variable name."""

    def __init__(self, ckpt_dir_or_file):
        self._values = read_checkpoint(_resolve(ckpt_dir_or_file))

    def get_tensor(self, name):
        if name not in self._values:
            raise NotFoundError(None, None, f"Key {name} not found in checkpoint")
        return self._values[name]

    def has_tensor(self, name):
        return name in self._values

    def get_variable_to_shape_map(self):
        return {k: list(v.shape) for k, v in self._values.items()}

    def get_variable_to_dtype_map(self):
        return {k: _dt.as_dtype(v.dtype) for k, v in self._values.items()}


def load_checkpoint(ckpt_dir_or_file):
    return CheckpointReader(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file):
    """[(name, shape)] of a checkpoint, sorted by name (as `tf.train.list_variables`)."""
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name[:-2] if name.endswith(":0") else name)


# ---------------------------------------------------------------------------------------------------------------
# Values of op attributes as JSON: numbers, strings, lists and None as themselves, the rest tagged
# ---------------------------------------------------------------------------------------------------------------


class _Unsaveable(TypeError):
    pass


# Engine classes that are plain data (tensors, lists, flags) held in an op's attributes: saved field by field
STRUCTURES = {"engine.ops.loop_ops:_Loop"}


def _encode(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (np.ndarray, np.generic)):
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind in "SU":
            values = [x.decode("utf-8", "surrogateescape") if isinstance(x, bytes) else str(x) for x in arr.ravel()]
            return {"array": {"dtype": "string", "shape": list(arr.shape), "values": values}}
        return {"array": {"dtype": arr.dtype.name, "shape": list(arr.shape), "values": arr.ravel().tolist()}}
    if isinstance(v, _dt.DType):
        return {"dtype": v.name}
    if isinstance(v, TensorShape):
        return {"shape": v.as_list() if v.dims is not None else None}
    if isinstance(v, Tensor):
        return {"tensor": v.name}
    if isinstance(v, Operation):
        return {"op": v.name}
    if isinstance(v, slice):
        return {"slice": [_encode(v.start), _encode(v.stop), _encode(v.step)]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if isinstance(v, tuple):
        return {"tuple": [_encode(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": [[_encode(k), _encode(x)] for k, x in v.items()]}
    path = f"{type(v).__module__}:{type(v).__qualname__}"
    if path in STRUCTURES:
        return {"object": [path, {k: _encode(x) for k, x in vars(v).items()}]}
    raise _Unsaveable(type(v).__name__)


def _decode(v, graph, renamed):
    """The value `_encode` wrote; tensor and op names are looked up in `graph` (after `renamed`: old -> new name)."""
    if isinstance(v, list):
        return [_decode(x, graph, renamed) for x in v]
    if not isinstance(v, dict):
        return v
    (tag, x), = v.items()
    if tag == "array":
        if x["dtype"] == "string":
            flat = np.array([s.encode("utf-8", "surrogateescape") for s in x["values"]] or [], dtype=object)
        else:
            flat = np.array(x["values"], dtype=x["dtype"])
        return flat.reshape(x["shape"])
    if tag == "dtype":
        return _dt.as_dtype(x)
    if tag == "shape":
        return TensorShape(x)
    if tag == "tensor":
        op, index = x.rsplit(":", 1)
        return graph.get_tensor_by_name(f"{renamed.get(op, op)}:{index}")
    if tag == "op":
        return graph.get_operation_by_name(renamed.get(x, x))
    if tag == "slice":
        return slice(*(_decode(p, graph, renamed) for p in x))
    if tag == "ellipsis":
        return Ellipsis
    if tag == "tuple":
        return tuple(_decode(p, graph, renamed) for p in x)
    if tag == "object":
        path, fields = x
        if path not in STRUCTURES:
            raise ValueError(f"A saved graph refers to the class {path}, which is not one of {sorted(STRUCTURES)}.")
        module, qualname = path.split(":")
        obj = object.__new__(getattr(importlib.import_module(module), qualname))
        obj.__dict__.update({k: _decode(f, graph, renamed) for k, f in fields.items()})
        return obj
    if tag == "dict":
        return {_decode(k, graph, renamed) if not isinstance(k, list) else tuple(k): _decode(p, graph, renamed)
                for k, p in x}
    raise ValueError(f"Unknown value tag {tag!r} in a saved graph.")


# ---------------------------------------------------------------------------------------------------------------
# Graphs as JSON
# ---------------------------------------------------------------------------------------------------------------


def graph_to_json(graph):
    """The ops of `graph` in creation order (each one's inputs come before it), with their variables and
    collections. An op whose attributes cannot be written (a Python object, e.g. a tf.data iterator) is kept with
    `"unsaved"` naming the attribute: importing the graph then fails on it with a clear error."""
    ops = []
    for op in graph.get_operations():
        entry = {"name": op.name, "type": op.type, "inputs": [t.name for t in op.inputs],
                 "control_inputs": [c.name for c in op.control_inputs],
                 "outputs": [[t.dtype.name, t.shape.as_list() if t.shape.dims is not None else None]
                             for t in op.outputs],
                 "created_at": list(op._created_at), "attrs": {}}
        for key, value in op.attrs.items():
            try:
                entry["attrs"][key] = _encode(value)
            except _Unsaveable as e:
                entry["unsaved"] = f"attribute '{key}' holds a Python {e.args[0]}"
        ops.append(entry)
    return {"ops": ops, "variables": [_variable_to_json(v) for v in _all_variables(graph)],
            "collections": _collections_to_json(graph), "seed": graph.seed}


def _all_variables(graph):
    from .variables import Variable
    seen = {}
    for key in graph.get_all_collection_keys():
        for item in graph.get_collection(key):
            if isinstance(item, Variable):
                seen.setdefault(item.op.name, item)
    return list(seen.values())


def _variable_to_json(v):
    return {"name": v.op.name, "initializer": v.initializer.name, "snapshot": v.value().name,
            "initial_value": v.initial_value.name, "trainable": v.trainable}


def _collections_to_json(graph):
    from .variables import Variable
    out = {}
    for key in graph.get_all_collection_keys():
        items = []
        for item in graph.get_collection(key):
            if isinstance(item, Variable):
                items.append({"variable": item.op.name})
            elif isinstance(item, (Tensor, Operation, str, int, float)):
                items.append(_encode(item))
        out[key] = items
    return out


def import_graph_json(data, graph, import_scope=None, source="a saved graph"):
    """Rebuilds the ops of `graph_to_json` in `graph` (through the op registry), then its variables and collections.
    Returns {saved op name: new op name}."""
    from .variables import Variable
    renamed = {}
    prefix = import_scope.rstrip("/") + "/" if import_scope else ""
    saved_stack, graph._name_stack = graph._name_stack, ""
    try:
        for entry in data["ops"]:
            if "unsaved" in entry:
                raise ValueError(hinted(f"Cannot import op '{entry['name']}' (type {entry['type']}) from {source}: its "
                                        f"{entry['unsaved']}, which was not saved.",
                                        "guarda solo grafos sin objetos de Python (p. ej. sin iteradores de tf.data)."))
            if entry["type"] not in OPS:
                raise ValueError(f"Op type not registered '{entry['type']}' in binary (op '{entry['name']}' of "
                                 f"{source}).")
            inputs = [_decode({"tensor": name}, graph, renamed) for name in entry["inputs"]]
            attrs = {k: _decode(v, graph, renamed) for k, v in entry["attrs"].items()}
            outputs = OPS[entry["type"]].infer(inputs, attrs)
            saved = [TensorShape(shape) for _, shape in entry["outputs"]]
            outputs = [(shape.merge_with(s), dtype) for (shape, dtype), s in zip(outputs, saved)]
            name = graph.unique_name(prefix + entry["name"])
            renamed[entry["name"]] = name
            graph.create_op(entry["type"], inputs, attrs, name + "/", outputs, tuple(entry["created_at"]))
        for entry in data["ops"]:
            op = graph.get_operation_by_name(renamed[entry["name"]])
            op.control_inputs.extend(graph.get_operation_by_name(renamed[c]) for c in entry["control_inputs"])
    finally:
        graph._name_stack = saved_stack
    if data.get("seed") is not None and graph.seed is None:
        graph.seed = data["seed"]
    variables = {}
    for v in data["variables"]:
        find = lambda name: _decode({"tensor" if ":" in name else "op": name}, graph, renamed)  # noqa: E731
        variables[v["name"]] = Variable._from_graph(find(v["name"]).outputs[0], find(v["initializer"]),
                                                    find(v["snapshot"]), find(v["initial_value"]), v["trainable"])
    for key, items in data["collections"].items():
        for item in items:
            graph.add_to_collection(key, variables[item["variable"]] if isinstance(item, dict) and "variable" in item
                                    else _decode(item, graph, renamed))
    return renamed


# ---------------------------------------------------------------------------------------------------------------
# Meta graphs: `<prefix>.meta`, written by Saver.save and read by tf.train.import_meta_graph
# ---------------------------------------------------------------------------------------------------------------


def export_meta_graph(filename=None, graph=None, saver=None, **unused):
    """Writes the graph (and how `saver` names the variables) to `filename` as JSON; returns the content."""
    graph = graph or get_default_graph()
    content = {"graph": graph_to_json(graph)}
    if saver is not None:
        content["saver"] = {"var_list": {key: v.op.name for key, v in saver._vars.items()},
                            "max_to_keep": saver.max_to_keep,
                            "keep_checkpoint_every_n_hours": saver.keep_checkpoint_every_n_hours}
    if filename is not None:
        write_json(filename, "meta_graph", content)
    return {**header("meta_graph"), **content}


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **unused):
    """Rebuilds a graph saved in a `.meta` file into the default graph; returns a Saver for its variables (the one
    that wrote the file), or None if it has no variables. Then `saver.restore(sess, prefix)` gives them their values
    and `graph.get_tensor_by_name('y:0')` runs."""
    if isinstance(meta_graph_or_file, dict):
        data, source = meta_graph_or_file, "a meta graph"
    else:
        if not os.path.exists(meta_graph_or_file):
            raise OSError(hinted(f"File {meta_graph_or_file} does not exist.",
                                 "el grafo se guarda junto al checkpoint como '<ruta>.meta' (p. ej. 'modelo-10.meta')."))
        data, source = read_json(meta_graph_or_file, "meta_graph"), meta_graph_or_file
    graph = get_default_graph()
    renamed = import_graph_json(data["graph"], graph, import_scope, source)
    return _saver_for(graph, data.get("saver"), renamed)


def _saver_for(graph, saver_def, renamed):
    from .variables import Saver, Variable
    by_op = {v.op.name: v for key in graph.get_all_collection_keys() for v in graph.get_collection(key)
             if isinstance(v, Variable)}
    if saver_def is None:
        return Saver() if by_op else None
    return Saver({key: by_op[renamed[name]] for key, name in saver_def["var_list"].items()},
                 max_to_keep=saver_def["max_to_keep"],
                 keep_checkpoint_every_n_hours=saver_def["keep_checkpoint_every_n_hours"])


# ---------------------------------------------------------------------------------------------------------------
# TensorFlow 1 SavedModel: a folder with the graph (tagged, with signatures) and the variables' values
# ---------------------------------------------------------------------------------------------------------------

SAVED_MODEL_FILE = "saved_model.json"
SERVING, TRAINING = "serve", "train"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"


class TensorInfo:
    """A signature's description of one tensor: `name` ('x:0'), `dtype`, `tensor_shape`."""

    def __init__(self, name, dtype, tensor_shape):
        self.name, self.dtype, self.tensor_shape = name, _dt.as_dtype(dtype), TensorShape(tensor_shape)

    def to_json(self):
        return {"name": self.name, "dtype": self.dtype.name, "shape": self.tensor_shape.as_list()
                if self.tensor_shape.dims is not None else None}

    def __repr__(self):
        return f"TensorInfo(name={self.name!r}, dtype={self.dtype.name}, shape={self.tensor_shape})"


def build_tensor_info(tensor):
    return TensorInfo(tensor.name, tensor.dtype, tensor.shape)


class SignatureDef:
    """The named inputs and outputs of a SavedModel's entry point (`inputs['x'].name` is the tensor's name)."""

    def __init__(self, inputs, outputs, method_name=PREDICT_METHOD_NAME):
        self.inputs, self.outputs, self.method_name = dict(inputs), dict(outputs), method_name

    def to_json(self):
        return {"inputs": {k: t.to_json() for k, t in self.inputs.items()},
                "outputs": {k: t.to_json() for k, t in self.outputs.items()}, "method_name": self.method_name}

    @classmethod
    def from_json(cls, data):
        info = lambda d: TensorInfo(d["name"], d["dtype"], d["shape"])  # noqa: E731
        return cls({k: info(d) for k, d in data["inputs"].items()}, {k: info(d) for k, d in data["outputs"].items()},
                   data["method_name"])

    def __repr__(self):
        return f"SignatureDef(inputs={self.inputs}, outputs={self.outputs}, method_name={self.method_name!r})"


def build_signature_def(inputs=None, outputs=None, method_name=None):
    return SignatureDef(inputs or {}, outputs or {}, method_name or PREDICT_METHOD_NAME)


def predict_signature_def(inputs, outputs):
    """A prediction signature: named tensors in, named tensors out."""
    return SignatureDef({k: build_tensor_info(t) for k, t in inputs.items()},
                        {k: build_tensor_info(t) for k, t in outputs.items()})


class MetaGraphDef:
    """What `loader.load` returns: the tags and `signature_def` of the loaded graph."""

    def __init__(self, tags, signature_def):
        self.meta_info_def = SimpleNamespace(tags=list(tags))
        self.signature_def = signature_def


def _require_new_export_dir(export_dir):
    if os.path.exists(export_dir) and os.listdir(export_dir):
        raise AssertionError(hinted(
            f"Export directory {export_dir} already exists, and isn't empty. Please choose a different export "
            "directory, or delete all the contents of the specified directory.",
            "cada versión del modelo va en su carpeta: usa p. ej. 'modelos/1', 'modelos/2'..."))


class SavedModelBuilder:
    """`tf.saved_model.builder.SavedModelBuilder(export_dir)`: add the session's graph and variables with tags
    and signatures, then `save()` writes the folder."""

    def __init__(self, export_dir):
        _require_new_export_dir(export_dir)
        self._export_dir, self._meta_graphs, self._values = export_dir, [], None

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None, assets_collection=None,
                                     legacy_init_op=None, main_op=None, saver=None, **unused):
        from .variables import Saver, global_variables
        with sess.graph.as_default():
            saver = saver or (Saver() if global_variables() else None)
        self._values = sess.run(saver._vars) if saver is not None else {}
        self.add_meta_graph(tags, signature_def_map, main_op=main_op or legacy_init_op, graph=sess.graph,
                            saver=saver)

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None, legacy_init_op=None,
                       main_op=None, graph=None, saver=None, **unused):
        if self._values is None:
            raise AssertionError("Graph state including variables and assets has not been saved yet. Please invoke "
                                 "`add_meta_graph_and_variables()` first.")
        graph = graph or get_default_graph()
        init = main_op or legacy_init_op
        self._meta_graphs.append({"tags": list(tags), "meta_graph": export_meta_graph(graph=graph, saver=saver),
                                  "signature_defs": {k: s.to_json() for k, s in (signature_def_map or {}).items()},
                                  "main_op": init.name if init is not None else None})

    def save(self, as_text=False):
        os.makedirs(os.path.join(self._export_dir, "variables"), exist_ok=True)
        write_checkpoint(os.path.join(self._export_dir, "variables", "variables"), self._values)
        write_json(os.path.join(self._export_dir, SAVED_MODEL_FILE), "saved_model",
                    {"meta_graphs": self._meta_graphs})
        return self._export_dir


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Saves the session's graph and variables as a SavedModel with one 'serving_default' signature."""
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(session, [SERVING], {DEFAULT_SERVING_SIGNATURE_DEF_KEY:
                                                              predict_signature_def(inputs, outputs)},
                                         legacy_init_op=legacy_init_op)
    builder.save()


def _read_saved_model(export_dir):
    path = os.path.join(export_dir, SAVED_MODEL_FILE)
    if not os.path.exists(path):
        raise OSError(hinted(f"SavedModel file does not exist at: {export_dir}{os.sep}{{{SAVED_MODEL_FILE}}}",
                             "la carpeta debe ser la que escribió tf.saved_model.simple_save o tf.saved_model.save."))
    return read_json(path, "saved_model")


def loader_load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """`tf.saved_model.loader.load`: imports the meta graph saved with exactly these tags into the session's graph,
    restores its variables and runs its main op. Returns its MetaGraphDef (with `signature_def`)."""
    data = _read_saved_model(export_dir)
    found = next((m for m in data.get("meta_graphs", []) if set(m["tags"]) == set(tags)), None)
    if found is None:
        available = [set(m["tags"]) for m in data.get("meta_graphs", [])]
        raise RuntimeError(f"MetaGraphDef associated with tags {' '.join(map(repr, tags)) if tags else ''} could not "
                           f"be found in SavedModel, with available tags '{available}'. To inspect available tag-sets "
                           "in the SavedModel, please use the SavedModel CLI: `saved_model_cli`.")
    with sess.graph.as_default():
        saver = import_meta_graph(found["meta_graph"], import_scope=import_scope)
        if saver is not None:
            saver.restore(sess, os.path.join(export_dir, "variables", "variables"))
        if found["main_op"]:
            sess.run(found["main_op"])
    return MetaGraphDef(found["tags"], {k: SignatureDef.from_json(s) for k, s in found["signature_defs"].items()})


def maybe_saved_model_directory(export_dir):
    return os.path.exists(os.path.join(export_dir, SAVED_MODEL_FILE))


# ---------------------------------------------------------------------------------------------------------------
# TensorFlow 2 SavedModel: an object (tf.Module), its variables and the traces of its tf.functions
# ---------------------------------------------------------------------------------------------------------------


def _functions_of(obj):
    """(attribute name, tf.function bound to `obj`) of a module: `@tf.function` methods and function attributes."""
    from .eager.function import Function
    names = sorted({k for k in dir(type(obj)) if isinstance(getattr(type(obj), k, None), Function)} |
                   {k for k, v in vars(obj).items() if isinstance(v, Function)})
    return [(k, getattr(obj, k)) for k in names if not k.startswith("__") or k == "__call__"]


def _concrete_to_json(name, concrete, paths_of_handles):
    graph = concrete.graph
    captures = {}
    for g_op, handle_op in graph.__dict__.get("_captured_variables", {}).items():
        if handle_op not in paths_of_handles:
            raise ValueError(hinted(
                f"Tried to export a function which references an 'untracked' resource: the variable "
                f"{handle_op.name} used by {name} is not an attribute of the object being saved.",
                "guarda las variables como atributos del módulo (self.w = tf.Variable(...))."))
        captures[g_op.name] = paths_of_handles[handle_op]
    leaves = [("tensor", list(spec.shape.as_list()) if spec.shape.dims is not None else None, spec.dtype.name)
              for _, spec in concrete._arg_specs]
    return {"graph": graph_to_json(graph), "inputs": [t.name for t in concrete.inputs], "arg_specs": leaves,
            "outputs": _encode(concrete.structured_outputs), "captures": captures}


def _parameters_to_json(function):
    params = []
    for p in function._signature.parameters.values():
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not p.empty:
            try:
                entry["default"] = _encode(p.default)
            except _Unsaveable:
                pass
        params.append(entry)
    return params


def save(obj, export_dir, signatures=None, options=None):
    """`tf.saved_model.save(module, path)`: the object's variables (by path: 'dense/kernel') and every traced
    `tf.function` of it and its submodules (each trace as a graph), so that `tf.saved_model.load(path)` gives back
    an object whose functions run without the Python code that defined them."""
    from .eager.function import Function
    from .module import walk
    from .variables import Variable
    nodes = [("", obj)] + walk(obj)
    kinds = {}
    for path, node in nodes:
        kinds[path] = ("variable" if isinstance(node, Variable) else type(node).__name__
                       if isinstance(node, (list, tuple, dict)) else "object")
    variables = {path: node for path, node in nodes if isinstance(node, Variable)}
    handles = {v._variable.op: path for path, v in variables.items()}
    functions = {}
    for path, node in nodes:
        if kinds[path] != "object":
            continue
        for attr, fn in _functions_of(node):
            if not isinstance(fn, Function):
                continue
            full = f"{path}/{attr}" if path else attr
            if fn.input_signature is not None and not fn._traces:
                fn.get_concrete_function()
            functions[full] = {"parameters": _parameters_to_json(fn),
                               "traces": [dict(key=_encode(list(key)), **_concrete_to_json(full, c, handles))
                                          for key, c in fn._traces.items()]}
    os.makedirs(os.path.join(export_dir, "variables"), exist_ok=True)
    write_checkpoint(os.path.join(export_dir, "variables", "variables"),
                     {path: v.numpy() for path, v in variables.items()})
    write_json(os.path.join(export_dir, SAVED_MODEL_FILE), "saved_model",
                {"objects": [{"path": path, "kind": kind, **({"name": variables[path].op.name,
                                                              "trainable": variables[path].trainable}
                                                             if kind == "variable" else {})}
                             for path, kind in kinds.items()],
                 "functions": functions})


class _UserObject:
    """An object loaded by `tf.saved_model.load`: the saved attributes, variables and functions."""

    def __call__(self, *args, **kwargs):
        if "__call__" not in vars(self):
            raise TypeError("The loaded object is not callable: no saved `__call__` tf.function.")
        return vars(self)["__call__"](*args, **kwargs)

    def __repr__(self):
        return f"<engine.saving._UserObject with {sorted(k for k in vars(self) if not k.startswith('_'))}>"


class _LoadedFunction:
    """A saved `tf.function`: calling it picks the saved trace whose signature fits the arguments."""

    def __init__(self, name, parameters, traces):
        import inspect
        self._name, self._traces = name, traces  # [(key, ConcreteFunction)]
        kind = inspect.Parameter
        self._signature = inspect.Signature([
            kind(p["name"], getattr(kind, p["kind"]), **({"default": _decode(p["default"], None, {})}
                                                          if "default" in p else {}))
            for p in parameters])

    def __call__(self, *args, **kwargs):
        from .eager.function import TensorSpec, _fits, _is_tensor_arg, _key
        from .eager.tape import flatten
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        leaves = flatten(list(bound.arguments.values()))[0]
        key = tuple(_key(leaf) for leaf in leaves)
        tensors = [leaf for leaf in leaves if _is_tensor_arg(leaf)]
        for traced, concrete in self._traces:
            if traced == ("input_signature",):  # traced once for its TensorSpecs: any argument that fits them
                specs = [spec for _, spec in concrete._arg_specs]
                fits = len(tensors) == len(leaves) == len(specs) and all(map(TensorSpec.is_compatible_with, specs,
                                                                             tensors))
            else:
                fits = _fits(key, traced)
            if fits:
                return concrete._call_flat(tensors)
        raise ValueError(hinted(
            f"Could not find matching concrete function to call loaded from the SavedModel. Got: {key}. Expected "
            f"one of: {[t for t, _ in self._traces]}",
            "la función guardada solo acepta argumentos con la forma y el dtype con que se llamó antes de guardar."))

    @property
    def concrete_functions(self):
        return [c for _, c in self._traces]


def load(export_dir, tags=None, options=None):
    """`tf.saved_model.load(path)`: the object saved by `tf.saved_model.save`, with its variables' saved values and
    its functions callable."""
    from .eager import context
    from .variables import Variable
    if not context.executing_eagerly():
        raise RuntimeError(hinted("tf.saved_model.load(path) needs eager execution (TensorFlow 2).",
                                  "en un programa de TensorFlow 1 usa tf.saved_model.loader.load(sess, tags, ruta)."))
    data = _read_saved_model(export_dir)
    if "objects" not in data:
        raise ValueError(hinted(f"{export_dir} holds a TensorFlow 1 SavedModel (graphs with tags).",
                                "cárgalo con tf.compat.v1.saved_model.loader.load(sess, tags, ruta)."))
    values = read_checkpoint(os.path.join(export_dir, "variables", "variables"))
    built = {}
    for entry in data["objects"]:
        path, kind = entry["path"], entry["kind"]
        if kind == "variable":
            node = Variable(values[path], trainable=entry["trainable"], name=entry["name"], _exact_name=True)
        else:
            node = [] if kind in ("list", "tuple") else {} if kind == "dict" else _UserObject()
        built[path] = node
        if path:
            _attach(built, path, node)
    for path, fn in data["functions"].items():
        traces = [(tuple(_decode(trace["key"], None, {})), _concrete_from_json(trace, built, path, export_dir))
                  for trace in fn["traces"]]
        _attach(built, path, _LoadedFunction(path, fn["parameters"], traces))
    return built[""]


def _concrete_from_json(trace, built, path, export_dir):
    """One saved trace of the function at `path` as a ConcreteFunction: its graph rebuilt, reading and writing the
    loaded variables (`built`: object path -> loaded object)."""
    from .eager.function import ConcreteFunction, FuncGraph, TensorSpec
    graph = FuncGraph(path.split("/")[-1])
    renamed = import_graph_json(trace["graph"], graph, source=f"function {path} of {export_dir}")
    graph.inputs = [_decode({"tensor": name}, graph, renamed) for name in trace["inputs"]]
    graph._captured_variables = {graph.get_operation_by_name(renamed[op]): built[var]._variable.op
                                 for op, var in trace["captures"].items()}
    specs = [(f"arg{i}", TensorSpec(shape, dtype)) for i, (_, shape, dtype) in enumerate(trace["arg_specs"])]
    return ConcreteFunction(graph, _decode(trace["outputs"], graph, renamed), specs)


def _attach(built, path, node):
    parent_path, _, key = path.rpartition("/")
    parent = built[parent_path]
    if isinstance(parent, list):
        index = int(key)
        parent.extend([None] * (index + 1 - len(parent)))
        parent[index] = node
    elif isinstance(parent, dict):
        parent[key] = node
    else:
        setattr(parent, key, node)
