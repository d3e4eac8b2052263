"""The kit's configurable constants, in one place.

``KIT_SOURCE`` is the single location from which a notebook's setup cell installs the kit
when it is missing (Colab).  Change it here (or set ``AUTOGRADER_KIT_SOURCE`` when building)
and run ``python -m autograder build`` to refresh every student notebook.
"""
import os

#: pip requirement installed by the setup cell when ``engine`` is not importable (Colab).
KIT_SOURCE = os.environ.get(
    "AUTOGRADER_KIT_SOURCE", "git+https://github.com/CHANGE-ME/tf1-kit.git")


#: The blank students fill in (see the seed tutorials).
BLANK = "## Code ##"
#: What a manually graded text answer (``pregunta_N``, markdown) starts as in the student version.
TEXT_STUB = "ESCRIBE AQUÍ TU RESPUESTA"
#: Inline solution marker: ``resultado = tf.multiply(x, y)  ### SOLUCION``.
INLINE_MARKER = "### SOLUCION"

SETUP_ID = "preparacion"

#: Source of cell 0 of every notebook (locked, grade_id ``preparacion``).
SETUP_CELL_TEMPLATE = '''\
# Preparación (no modifiques esta celda): instala el kit si falta (p. ej. en Colab)
# y activa los avisos amables para los huecos "## Code ##" sin completar.
import importlib.util, subprocess, sys
if importlib.util.find_spec("engine") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", {source!r}], check=True)
import engine.notebook
engine.notebook.setup();'''


def setup_cell_source():
    """The setup cell's source, with the configured kit source."""
    return SETUP_CELL_TEMPLATE.format(source=KIT_SOURCE)


# Grading defaults (all overridable on the command line).
CELL_TIMEOUT = 30          # seconds of wall time per cell
SUBMISSION_TIMEOUT = 300   # seconds of wall time for a whole submission (all retries)
MEMORY_LIMIT = 2 << 30     # bytes of address space for a kernel
CPU_LIMIT = 600            # seconds of CPU time for a kernel
MAX_PROCESSES = 128        # processes/threads per sandbox (root mode)
MAX_FILE_SIZE = 100 << 20  # bytes per file written by student code
#: Default pattern for the student id in a submission's file name (LMS/Colab downloads):
#: ``ana.garcia_01_tensores.ipynb`` -> ``ana.garcia``.  Folders ``SUB/<student>/x.ipynb`` win.
STUDENT_PATTERN = r"^(?P<student>[^_]+)_"
