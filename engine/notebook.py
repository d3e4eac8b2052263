"""Notebook helpers: a friendly Spanish error for ``## Code ##`` blanks, and short tracebacks of engine errors.

The first (locked) cell of every course notebook calls :func:`setup`, which registers an IPython
input transformer.  When a student runs a cell that still contains a blank such as
``resultado = ## Code ##``, the cell is replaced by a ``raise`` of :class:`HuecoSinCompletar`
whose short message names the blank, instead of a confusing ``SyntaxError``.

It also installs an IPython exception handler: an error raised inside the engine is shown with the student's own
lines only (no frames of ``engine/``, of its compiled run plans or of the standard library), then TensorFlow's
message and its ``Pista``.  Other errors keep IPython's usual traceback, and plain Python (scripts, tests) is not
affected.

Works in JupyterLab, classic Jupyter and Colab (all run IPython).  Only the standard library is
imported here; without IPython :func:`setup` does nothing and returns ``False``.
"""
import io
import os
import re
import sysconfig
import tokenize
import types

__all__ = ["HuecoSinCompletar", "find_blanks", "transform_blanks", "setup"]

# "## Code ##", also written "##Code##" or "## code ##" in the seed tutorials.
_BLANK = re.compile(r"#\s*#\s*code\s*#\s*#", re.IGNORECASE)


class HuecoSinCompletar(Exception):
    """A cell was run while it still contains a ``## Code ##`` blank."""

    def _render_traceback_(self):
        # IPython shows this instead of a long traceback.
        return ["\x1b[0;31mHuecoSinCompletar\x1b[0m: " + str(self)]


def find_blanks(source):
    """Return ``[(line_number, line_text), ...]`` for each blank in ``source`` (1-based lines).

    A blank is a comment that starts with ``## Code ##``; blanks inside strings are ignored
    when the cell can be tokenized.
    """
    lines = source.splitlines()
    try:
        rows = sorted({tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                       if tok.type == tokenize.COMMENT and _BLANK.match(tok.string)})
    except (tokenize.TokenError, SyntaxError):  # unfinished code: fall back to a plain search
        rows = [i for i, line in enumerate(lines, 1) if _BLANK.search(line)]
    return [(row, lines[row - 1].strip()) for row in rows]


def _message(blanks):
    if len(blanks) == 1:
        row, text = blanks[0]
        return (f"Falta tu código en el hueco de la línea {row}:  {text}\n"
                "Sustituye «## Code ##» por tu respuesta y vuelve a ejecutar la celda.")
    rows = ", ".join(str(row) for row, _ in blanks[:-1]) + f" y {blanks[-1][0]}"
    shown = "\n".join(f"  línea {row}:  {text}" for row, text in blanks)
    return (f"Faltan tus respuestas en los huecos de las líneas {rows}:\n{shown}\n"
            "Sustituye cada «## Code ##» por tu código y vuelve a ejecutar la celda.")


def transform_blanks(lines):
    """IPython cleanup input transformer: a cell with blanks becomes a ``raise`` naming them."""
    blanks = find_blanks("".join(lines))
    if not blanks:
        return lines
    return ["raise __import__('engine.notebook', fromlist=['_']).HuecoSinCompletar("
            f"{_message(blanks)!r})\n"]


_ENGINE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LIBRARIES = tuple(os.path.abspath(p) + os.sep for p in {sysconfig.get_path(k) for k in ("stdlib", "purelib",
                                                                                        "platlib")} if p)


def _is_students(filename):
    """Whether a frame's file is the student's: a notebook cell or their own module, not a library's."""
    if filename.startswith("<"):
        return filename.startswith("<ipython-input")  # not "<plan 3>" (the session's compiled runs)
    path = os.path.abspath(filename)
    return not path.startswith(_ENGINE) and not path.startswith(_LIBRARIES)


def short_traceback(tb):
    """The traceback of an engine error cut down to the student's frames, or None when it did not go through the
    engine (or has no frame of the student's)."""
    frames, engine = [], False
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        engine = engine or os.path.abspath(filename).startswith(_ENGINE) or filename.startswith("<plan")
        if _is_students(filename):
            frames.append(tb)
        tb = tb.tb_next
    if not engine or not frames:
        return None
    short = None
    for frame in reversed(frames):
        short = types.TracebackType(short, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
    return short


def _show_error(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: engine errors with the student's lines, the message and the Pista."""
    short = short_traceback(tb)
    if short is None or hasattr(value, "_render_traceback_"):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
        return []
    chained = value.__cause__, value.__suppress_context__  # chained engine internals are not shown either
    value.__cause__, value.__suppress_context__ = None, True
    try:
        shell.showtraceback((etype, value, short), tb_offset=0)
    finally:
        value.__cause__, value.__suppress_context__ = chained
    return []


def setup(shell=None):
    """Register :func:`transform_blanks` and the short display of engine errors in the running IPython shell
    (idempotent).

    Returns ``True`` when the transformer is active, ``False`` outside IPython.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "input_transformers_cleanup"):
        return False
    transformers = shell.input_transformers_cleanup
    transformers[:] = [t for t in transformers if getattr(t, "__name__", "") != "transform_blanks"]
    transformers.append(transform_blanks)
    if hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((Exception,), _show_error)
    return True
