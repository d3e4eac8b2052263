"""The engine under other Pythons and NumPys: `make compat` runs its TensorFlow-free tests in each environment below.

Each environment is a virtualenv `.venv-compat/<name>` with NumPy, pytest, pytest-xdist and hypothesis only: no
TensorFlow (the tests that compare with it skip themselves) and no engine (the tests import it from this checkout). Wheels are
downloaded once into `.venv-compat/wheels/<name>` and installed from there with `pip --no-index`, so later runs need
no network. Pythons are looked up as `pythonX.Y` on PATH and in pyenv's versions; a missing one is reported and
skipped, unless `--strict`.

    python tools/compat.py                   # every environment
    python tools/compat.py py3.12-numpy2.0   # one of them
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".venv-compat"

MATRIX = {  # name: (Python, NumPy requirement)
    "py3.9-numpy1.22": ("3.9", "numpy==1.22.*"),      # the oldest supported of both
    "py3.10-numpy1.26": ("3.10", "numpy==1.26.*"),    # the last NumPy 1.x
    "py3.12-numpy2.0": ("3.12", "numpy==2.0.*"),      # Google Colab's
    "py3.13-numpy-latest": ("3.13", "numpy"),         # the newest of both
}
TEST_TOOLS = ["pytest", "pytest-xdist", "hypothesis"]  # xdist: the tests run on every core (-n auto)
#: The engine's test files (the autograder's need nbgrader, JupyterLab...: they run in the main environment only).
ENGINE_TESTS = ["test_graph.py", "test_session.py", "test_ops_names_errors.py", "test_ops_vs_tf.py",
                "test_gradients.py", "test_variables.py", "test_train.py", "test_eager.py", "test_data.py",
                "test_keras.py", "test_viz.py", "test_summary.py", "test_dtypes.py"]


def find_python(version):
    """The interpreter of Python `version` ("3.12") that runs, or None: pyenv's versions first (its shims on PATH
    may point to a version that is not active), then `pythonX.Y` on PATH."""
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(pyenv, "versions", f"{version}.*", "bin", "python")),
                        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()], reverse=True)
    for python in candidates + [shutil.which(f"python{version}")]:
        if python and subprocess.run([python, "-c", "import venv, ensurepip"], capture_output=True).returncode == 0:
            return python
    return None


def environment(name, version, requirements, folder=None):
    """A virtualenv of Python `version` with `requirements`, installed from the wheel cache (downloaded once).

    `folder` defaults to `.venv-compat/<name>`, kept between runs while its requirements stay the same; pass another
    folder for a fresh environment. Returns the path of its Python."""
    python = find_python(version)
    if python is None:
        raise FileNotFoundError(f"Python {version} not found (neither python{version} on PATH nor in pyenv)")
    folder = Path(folder or CACHE / name)
    exe = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = folder / ".requirements"
    wanted = "\n".join([version] + list(requirements))
    if exe.exists() and stamp.exists() and stamp.read_text() == wanted:
        return exe
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(folder)], check=True)
    wheels = CACHE / "wheels" / name
    pip = [str(exe), "-m", "pip", "--disable-pip-version-check", "-q"]
    have = wheels / ".requirements"
    if not (have.exists() and have.read_text() == wanted):
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run(pip + ["download", "--only-binary=:all:", "-d", str(wheels)] + list(requirements), check=True)
        have.write_text(wanted)
    subprocess.run(pip + ["install", "--no-index", "--find-links", str(wheels)] + list(requirements), check=True,
                   env=dict(os.environ, PIP_NO_INDEX="1"))
    stamp.write_text(wanted)
    return exe


def run(name, pytest_args=(), strict=False):
    """Runs the engine's TensorFlow-free tests in environment `name`; returns pytest's exit status (0 when the
    environment's Python is missing and not `strict`)."""
    version, numpy = MATRIX[name]
    try:
        exe = environment(name, version, [numpy] + TEST_TOOLS)
    except FileNotFoundError as e:
        print(f"== {name}: SKIPPED: {e}", flush=True)
        return 1 if strict else 0
    versions = subprocess.run([str(exe), "-c", "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"],
                              capture_output=True, text=True, check=True).stdout.split()
    print(f"== {name}: Python {versions[0]}, NumPy {versions[1]}", flush=True)
    start = time.time()
    tests = [str(ROOT / "tests" / t) for t in ENGINE_TESTS if (ROOT / "tests" / t).exists()]
    status = subprocess.run([str(exe), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "auto", *tests, *pytest_args],
                            cwd=ROOT, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1")).returncode
    print(f"== {name}: {'passed' if status == 0 else 'FAILED'} in {time.time() - start:.0f} s", flush=True)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", choices=[[]] + list(MATRIX), help="environments (default: all)")
    parser.add_argument("--strict", action="store_true", help="fail when a Python version is missing")
    args, pytest_args = parser.parse_known_args(argv)
    failed = [n for n in (args.names or MATRIX) if run(n, pytest_args, args.strict) != 0]
    print("compat: " + (f"FAILED in {', '.join(failed)}" if failed else f"all {len(args.names or MATRIX)} passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
