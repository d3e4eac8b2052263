"""The differential corpus (issue 11): small programs of our own, each reproducing what one real public TF1 program
exercises, run twice, with `engine` and with TensorFlow's `compat.v1` (graph mode), comparing what they print.

A program is TF1 source text run with these globals: `tf` (the module under test), `np`, `rng` (a NumPy
RandomState(0), new for each run, so that both runs start from the same random weights: the engine's random streams
differ from TensorFlow's by design), `DIGITS_X` (1797 x 64 float32 in [0, 1]), `DIGITS_Y` (one-hot, 1797 x 10),
`DIGITS_LABELS` (int64) from scikit-learn's bundled digits (no download), and `TMP` (an empty folder of its own).
What it prints is compared token by token: numbers with a relative tolerance, everything else (names, shapes, error
types) exactly.

A program the engine cannot run yet has `missing="<the feature>"`: its test is an expected failure, and the table in
docs/compatibility.md says so (tests/corpus/test_corpus_table.py keeps the table equal to the registry).
"""
import contextlib
import dataclasses
import functools
import io
import os
import re

import numpy as np
import pytest

import engine

NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclasses.dataclass
class Program:
    name: str        # short id, also the test id
    source: str      # the public program it reproduces
    exercises: str   # what it exercises
    code: str        # our program text
    missing: str = None   # why it does not run or cannot be compared (None: it must match TensorFlow)
    rtol: float = 1e-4
    atol: float = 1e-5


@functools.lru_cache(maxsize=None)
def digits():
    from sklearn.datasets import load_digits
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    return x, np.eye(10, dtype=np.float32)[data.target], data.target.astype(np.int64)


def run(module, program, folder):
    """What `program` prints when run with `module` as `tf` (its output, or the error that stopped it)."""
    x, y, labels = digits()
    os.makedirs(folder, exist_ok=True)
    module.reset_default_graph()
    scope = {"tf": module, "np": np, "rng": np.random.RandomState(0), "DIGITS_X": x, "DIGITS_Y": y,
             "DIGITS_LABELS": labels, "TMP": folder, "__name__": "__corpus__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.printoptions(precision=4, suppress=True), _tf1_variables(module):
        exec(compile(program.code, f"<corpus {program.name}>", "exec"), scope)
    module.reset_default_graph()
    return out.getvalue()


@contextlib.contextmanager
def _tf1_variables(module):
    """TensorFlow 1's reference variables (`w/read`, `w/Assign`) while TensorFlow runs a program: compat.v1 with
    eager execution off still makes TensorFlow 2's resource variables, whose op names differ."""
    toggle = getattr(module, "resource_variables_enabled", None) if module is not engine else None
    was = toggle() if toggle is not None else None
    if was:
        module.disable_resource_variables()
    try:
        yield
    finally:
        if was:
            module.enable_resource_variables()


def tokens(text):
    return re.findall(r"[-+]?\d+\.?\d*(?:[eE][-+]?\d+)?|[A-Za-z_][\w./]*|\S", text)


def differences(got, want, rtol, atol):
    """The first place where two outputs differ, or None."""
    g, w = tokens(got), tokens(want)
    for i, (a, b) in enumerate(zip(g, w)):
        same = (abs(float(a) - float(b)) <= atol + rtol * max(abs(float(a)), abs(float(b)))
                if NUMBER.match(a) and NUMBER.match(b) else a == b)
        if not same:
            context = " ".join(w[max(0, i - 6):i + 6])
            return f"token {i}: engine printed {a!r}, TensorFlow {b!r} (near: {context})"
    if len(g) != len(w):
        return f"engine printed {len(g)} tokens, TensorFlow {len(w)}"
    return None


class _WithTF1Cells:
    """TensorFlow's compat.v1 as a TF1 program sees it: TensorFlow 2.16+ keeps TF1's RNN cells and `tf.layers`
    only in its internal copy of the old Keras, and has no `tf.contrib`; this gives them back (`tf.nn.rnn_cell`,
    `tf.contrib.rnn`, `tf.layers` except batch_normalization, which is gone)."""

    def __init__(self, module, **overrides):
        self._module, self._overrides = module, overrides

    def __getattr__(self, name):
        return self._overrides[name] if name in self._overrides else getattr(self._module, name)


@functools.lru_cache(maxsize=None)
def tf1_program_view(tf1):
    from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl
    from tensorflow.python.keras.legacy_tf_layers import convolutional, core, pooling
    layers = _WithTF1Cells(None, dense=core.dense, dropout=core.dropout, flatten=core.flatten,
                           conv2d=convolutional.conv2d, conv2d_transpose=convolutional.conv2d_transpose,
                           max_pooling2d=pooling.max_pooling2d, average_pooling2d=pooling.average_pooling2d)
    return _WithTF1Cells(tf1, nn=_WithTF1Cells(tf1.nn, rnn_cell=rnn_cell_impl),
                         contrib=_WithTF1Cells(None, rnn=rnn_cell_impl), layers=layers)


def check(program, tf1, tmp_path):
    want = run(tf1_program_view(tf1), program, str(tmp_path / "tf"))
    assert want.strip(), f"{program.name} prints nothing: the comparison would be empty"
    got = run(engine, program, str(tmp_path / "engine"))
    problem = differences(got, want, program.rtol, program.atol)
    assert problem is None, f"{program.name}: {problem}\n--- engine\n{got}\n--- TensorFlow\n{want}"


def params(programs):
    return [pytest.param(p, id=p.name, marks=[pytest.mark.xfail(strict=False, reason=p.missing)] if p.missing else [])
            for p in programs]


# ---------------------------------------------------------------------------------------------------------------
# The table of docs/compatibility.md, made from the programs (tests/corpus/test_corpus_table.py keeps it equal)
# ---------------------------------------------------------------------------------------------------------------

MODULES = ("test_corpus_classic", "test_corpus_graph", "test_corpus_models")
TABLE_START, TABLE_END = "<!-- corpus table: tests/corpus/runner.py render_table() -->", "<!-- end of corpus table -->"


def all_programs():
    import importlib
    return [(m, p) for m in MODULES for p in importlib.import_module(f"tests.corpus.{m}").PROGRAMS]


def render_table(programs):
    rows = ["| Program | Public source | What it exercises | Result |", "|---|---|---|---|"]
    for _, p in programs:
        result = "works" if p.missing is None else f"does not work: {p.missing}"
        rows.append(f"| `{p.name}` | [{p.source.rsplit('/', 1)[-1] or p.source}]({p.source}) | {p.exercises} | "
                    f"{result} |")
    return "\n".join([TABLE_START] + rows + [TABLE_END])
