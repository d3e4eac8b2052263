"""The kit's autograder: build the course from the solutions, check it, grade a class (nbgrader)."""
import os
import sys

__version__ = "0.1.0"

# nbgrader runs the `alembic` executable of its environment: make it findable when the venv's
# python is called directly (without activating the venv).
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# jsonschema (imported by nbformat) builds about 40 parsers of the optional `rfc3987_syntax` at
# import time, seconds of CPU per grading process, only to check the "iri" string format, which
# no notebook schema uses: leave it out (jsonschema then skips that format).
sys.modules.setdefault("rfc3987_syntax", None)
