"""The kit's autograder: build the course from the solutions, check it, grade a class (nbgrader)."""
import os
import sys

__version__ = "0.1.0"

# nbgrader runs the `alembic` executable of its environment: make it findable when the venv's
# python is called directly (without activating the venv).
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
