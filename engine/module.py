"""`tf.Module` (an object that owns variables and other modules) and `tf.train.Checkpoint` (saves them).

A module finds its variables by walking its attributes: a variable, a module, or lists/tuples/dicts of them,
recursively. That same walk gives every variable a path (`model/dense/kernel`), which is its key in a checkpoint.
Checkpoints use the graph engine's `Saver` format (`<prefix>-<n>.npz` plus the folder's `checkpoint` index), so
`tf.train.latest_checkpoint(folder)` finds them.
"""
import os
import re

from . import saving
from .errors import hinted
from .framework import get_default_graph
from .variables import Saver, Variable


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()


def _children(obj):
    """(key, child) pairs an object owns: attributes (sorted) of modules and plain objects, items of containers."""
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))]
    if isinstance(obj, (list, tuple)):
        return [(str(i), v) for i, v in enumerate(obj)]
    return sorted(((k, v) for k, v in vars(obj).items() if not k.startswith("__")), key=lambda kv: kv[0])


def _trackable(obj):
    return isinstance(obj, (Variable, Module, Checkpoint, list, tuple, dict))


def walk(root, prefix=""):
    """[(path, object)] for every variable and module reachable from `root` (each once, by its first path)."""
    found, seen, stack = [], {id(root)}, [(prefix, root)]
    while stack:
        path, obj = stack.pop(0)
        for key, child in _children(obj):
            if not _trackable(child) or id(child) in seen:
                continue
            seen.add(id(child))
            child_path = f"{path}/{key.lstrip('_')}" if path else key.lstrip("_")
            found.append((child_path, child))
            if not isinstance(child, Variable):
                stack.append((child_path, child))
    return found


class Module:
    """Base class for objects with variables: `self.w = tf.Variable(...)` in `__init__` is found by
    `module.variables` / `module.trainable_variables`; modules stored in attributes are `submodules`."""

    def __init__(self, name=None):
        name = name if name is not None else _snake_case(type(self).__name__)
        if not re.match(r"^[A-Za-z_][\w.-]*$", name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid Python identifiers "
                             "(e.g. a valid class name).")
        self._name = name
        with get_default_graph().name_scope(name) as scope:
            self._scope_name = scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """`with self.name_scope:` creates ops and variables under this module's name."""
        return get_default_graph().name_scope(self._scope_name or self._name)

    def _flatten(self, predicate):
        return tuple(obj for _, obj in walk(self) if predicate(obj))

    @property
    def variables(self):
        """Every variable of this module and its submodules (each once)."""
        return self._flatten(lambda o: isinstance(o, Variable))

    @property
    def trainable_variables(self):
        return self._flatten(lambda o: isinstance(o, Variable) and o.trainable)

    @property
    def non_trainable_variables(self):
        return self._flatten(lambda o: isinstance(o, Variable) and not o.trainable)

    @property
    def submodules(self):
        return self._flatten(lambda o: isinstance(o, Module))

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: runs the method inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__ = method.__name__
        return wrapped


# ---------------------------------------------------------------------------------------------------------------
# Checkpoint
# ---------------------------------------------------------------------------------------------------------------


class _EagerSession:
    """What `Saver` needs from a Session, for eager variables: `run` reads values, `_vars` is where they live."""

    @property
    def _vars(self):
        from .eager import context
        return context.state._vars

    def run(self, fetches):
        return {name: v.numpy() for name, v in fetches.items()}


class _Status:
    """What `Checkpoint.restore` returns. Restoring is partial, as in TensorFlow 2: an object with no saved value keeps
    its own (`missing`), a saved value with no object is left aside (`unused`); the asserts say so when asked."""

    def __init__(self, missing=(), unused=()):
        self.missing, self.unused = list(missing), list(unused)

    def assert_existing_objects_matched(self):
        if self.missing:
            raise AssertionError(hinted(
                "Some Python objects were not bound to checkpointed values, likely due to changes in the Python "
                f"program: {self.missing}", "el checkpoint no tiene valor para esas variables: crea los objetos con "
                "los mismos nombres (claves) que al guardar."))
        return self

    def assert_consumed(self):
        self.assert_existing_objects_matched()
        if self.unused:
            raise AssertionError(f"Unresolved object in checkpoint: {self.unused}")
        return self

    def expect_partial(self):
        return self

    assert_nontrivial_match = expect_partial


class Checkpoint:
    """Saves and restores the variables of the objects given as keywords:
    `ckpt = tf.train.Checkpoint(model=model, optimizer=opt)`; `path = ckpt.save('ckpts/ckpt')`; `ckpt.restore(path)`."""

    def __init__(self, root=None, **kwargs):
        for k, v in ([("root", root)] if root is not None else []) + list(kwargs.items()):
            setattr(self, k, v)
        self._save_counter, self._kept = 0, []

    @property
    def save_counter(self):
        return self._save_counter

    def _saver(self):
        variables = {path: obj for path, obj in walk(self) if isinstance(obj, Variable)}
        if not variables:
            raise ValueError(hinted("No variables to save", "el checkpoint guarda variables: pásale objetos que las "
                                    "tengan, p. ej. tf.train.Checkpoint(modelo=modelo)."))
        return Saver(variables, max_to_keep=None)

    def save(self, file_prefix, session=None, options=None):
        """Writes `<file_prefix>-<n>` (n counts the saves) and records it in the folder's `checkpoint` index."""
        self._save_counter += 1
        saver = self._saver()
        saver._kept = [(p, 0.0) for p in self._kept]
        path = saver.save(session or _EagerSession(), file_prefix, global_step=self._save_counter,
                          write_meta_graph=False)
        self._kept.append(path)
        return path

    def write(self, file_prefix, session=None, options=None):
        """Writes exactly `file_prefix` (no counter, no index)."""
        saver = self._saver()
        saving.write_checkpoint(file_prefix, (session or _EagerSession()).run(saver._vars))
        return file_prefix

    def restore(self, save_path, session=None, options=None):
        """Gives every variable the value saved under its path; returns a `_Status` that can assert all matched."""
        saver, saved = self._saver(), {}
        wanted = sorted(saver._vars)
        if save_path is not None and saving.checkpoint_exists(save_path):
            saved = saving.read_checkpoint(save_path)
            saver._vars = {path: v for path, v in saver._vars.items() if path in saved}
        saver.restore(session or _EagerSession(), save_path)  # the Saver's clear errors for a bad path
        return _Status([p for p in wanted if p not in saved], sorted(set(saved) - set(wanted)))

    read = restore


class CheckpointManager:
    """Keeps the last `max_to_keep` checkpoints of `checkpoint` in `directory`: `manager.save()`."""

    def __init__(self, checkpoint, directory, max_to_keep, checkpoint_name="ckpt", **unused):
        self._checkpoint, self.directory, self.max_to_keep = checkpoint, directory, max_to_keep
        self._prefix = os.path.join(directory, checkpoint_name)

    def save(self, checkpoint_number=None):
        path = self._checkpoint.save(self._prefix)
        kept = self._checkpoint._kept
        while self.max_to_keep and len(kept) > self.max_to_keep:
            old = kept.pop(0)
            if saving.checkpoint_exists(old):
                os.remove(saving.checkpoint_file(old))
        return path

    @property
    def checkpoints(self):
        return list(self._checkpoint._kept)

    @property
    def latest_checkpoint(self):
        from .variables import latest_checkpoint
        return latest_checkpoint(self.directory)
