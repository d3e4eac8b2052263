"""The kit's configurable constants, in one place.

Every student notebook carries the engine it was built with (see ``autograder/kit.py``), so nothing has to be
published for students. ``KIT_SOURCE`` is an alternative for instructors who publish the kit: when it is set (here,
or ``AUTOGRADER_KIT_SOURCE`` when building), the setup cell installs the kit from there with pip when it is missing,
instead of carrying it; ``build`` refuses placeholder addresses. Run ``python -m autograder build`` after a change.
"""
import os

#: pip requirement the setup cell installs the kit from when it is missing (None: the notebook carries the engine).
KIT_SOURCE = os.environ.get("AUTOGRADER_KIT_SOURCE") or None


#: The blank students fill in (see the seed tutorials).
BLANK = "## Code ##"
#: What a manually graded text answer (``pregunta_N``, markdown) starts as in the student version.
TEXT_STUB = "ESCRIBE AQUÍ TU RESPUESTA"
#: Inline solution marker: ``resultado = tf.multiply(x, y)  ### SOLUCION``.
INLINE_MARKER = "### SOLUCION"

SETUP_ID = "preparacion"

#: Cell 0 of the solutions, and of every notebook while grading (the engine is installed there). Student notebooks
#: get a longer one that also carries the engine: ``autograder.kit.student_setup_source``.
SETUP_CELL_SOURCE = """\
# Preparación del cuaderno (no modifiques esta celda): activa los avisos en español.
import engine.notebook
engine.notebook.setup();"""


def setup_cell_source():
    """The setup cell's source where the engine is installed (solutions, grading)."""
    return SETUP_CELL_SOURCE


# Grading defaults (all overridable on the command line).
CELL_TIMEOUT = 30          # seconds of wall time per cell
SUBMISSION_TIMEOUT = 300   # seconds of wall time for a whole submission (all retries)
MEMORY_LIMIT = 2 << 30     # bytes: address space per process and resident memory of all of them
CPU_LIMIT = 600            # seconds of CPU time per process and for all of them
MAX_PROCESSES = 128        # processes per sandbox (threads count too where prlimit applies: root mode)
MAX_FILE_SIZE = 100 << 20  # bytes per file written by student code
TMP_SIZE = 256 << 20       # bytes of the sandbox's /tmp (a tmpfs: it is memory)
SCRATCH_SIZE = 256 << 20   # bytes of the sandbox's scratch folder (a tmpfs too)
# grading processes: one more than the cores, so that while a kernel starts or waits on its
# sockets the cores still compute (16 sample submissions on 2 cores: 18.7 s with 2, 15.6 s with 3)
WORKERS = (os.cpu_count() or 1) + 1
CLUSTER_TIMEOUT = 30       # seconds to reach a Dask scheduler (grade --cluster)
#: Default pattern for the student id in a submission's file name (LMS/Colab downloads):
#: ``ana.garcia_01_tensores.ipynb`` -> ``ana.garcia``.  Folders ``SUB/<student>/x.ipynb`` win.
STUDENT_PATTERN = r"^(?P<student>[^_]+)_"
