"""Notebook helpers: a friendly Spanish error for ``## Code ##`` blanks.

The first (locked) cell of every course notebook calls :func:`setup`, which registers an IPython
input transformer.  When a student runs a cell that still contains a blank such as
``resultado = ## Code ##``, the cell is replaced by a ``raise`` of :class:`HuecoSinCompletar`
whose short message names the blank, instead of a confusing ``SyntaxError``.

Works in JupyterLab, classic Jupyter and Colab (all run IPython).  Only the standard library is
imported here; without IPython :func:`setup` does nothing and returns ``False``.
"""
import io
import re
import tokenize

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


def setup(shell=None):
    """Register :func:`transform_blanks` in the running IPython shell (idempotent).

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
    return True
