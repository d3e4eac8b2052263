"""The engine that travels inside every student notebook, and the setup cell that unpacks it.

`build` writes into cell 0 of each notebook of course/ (the *setup cell*) a wheel of the engine it was built with
(``engine_wheel``: the ``engine`` package alone, deterministic), compressed with zlib and written as base85 text, and
the two functions below that run in the student's kernel. ``_prepare_engine`` keeps the installed engine when it is
exactly the notebook's (same *fingerprint*: the SHA-256 of its Python sources), and otherwise unpacks the embedded
wheel into the temporary folder and puts it first on ``sys.path``: a wheel is a zip file, so this needs neither pip
nor the network and works the same in Colab, Kaggle, Binder, a local Jupyter and Pyodide. When the instructor
publishes the kit (``KIT_SOURCE``), the cell installs it from there with pip instead, if it is missing.

Solutions and grading run a light setup cell (the engine is installed there): ``config.setup_cell_source()``.
"""
import base64
import hashlib
import importlib.util
import inspect
import io
import re
import zipfile
import zlib
from pathlib import Path

from . import config


def _fingerprint(folder):
    """SHA-256 of the Python sources of a package folder (relative paths and contents, in sorted order)."""
    import hashlib
    import os
    digest, names = hashlib.sha256(), []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        names += [os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/") for f in files
                  if f.endswith(".py")]
    for name in sorted(names):
        with open(os.path.join(folder, *name.split("/")), "rb") as f:
            digest.update(name.encode() + b"\0" + f.read() + b"\0")
    return digest.hexdigest()


def _prepare_engine(fingerprint, wheel=None, source=None):
    """Make ``import engine`` give the engine this notebook was built with, then turn on the notebook helpers
    (Spanish messages for blanks and errors). Runs in the student's kernel: standard library only."""
    import importlib
    import importlib.util
    import os
    import subprocess
    import sys
    import tempfile

    def pip_install(what):
        if sys.platform == "emscripten":  # Pyodide (JupyterLite): no subprocesses
            raise RuntimeError(f"aquí no se puede usar pip: ejecuta  %pip install {what}  en una celda")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", what], check=True)
        importlib.invalidate_caches()

    def installed_folder():
        try:
            spec = importlib.util.find_spec("engine")
        except (ImportError, ValueError):
            return None
        return list(spec.submodule_search_locations or [None])[0] if spec else None

    try:
        if importlib.util.find_spec("numpy") is None:
            print("Instalando NumPy...")
            pip_install("numpy")
        folder = installed_folder()
        if source is not None:  # the instructor published the kit
            if folder is None:
                print("Instalando el kit desde", source)
                pip_install(source)
            origin = "instalado"
        elif folder is not None and _fingerprint(folder) == fingerprint:
            origin = "instalado"
        else:
            target = os.path.join(tempfile.gettempdir(), "engine-" + fingerprint[:16])
            packaged = os.path.join(target, "engine")
            if not (os.path.isdir(packaged) and _fingerprint(packaged) == fingerprint):
                import base64
                import io
                import zipfile
                import zlib
                unpacked = tempfile.mkdtemp(prefix="engine-")
                data = zlib.decompress(base64.b85decode("".join(wheel.split())))
                zipfile.ZipFile(io.BytesIO(data)).extractall(unpacked)
                try:
                    os.rename(unpacked, target)
                except OSError:  # another kernel got there first, or a stale folder: use ours
                    target = unpacked
            for name in [m for m in sys.modules if m == "engine" or m.startswith("engine.")]:
                del sys.modules[name]  # another engine was imported before this cell
            sys.path[:] = [target] + [p for p in sys.path if p != target]
            importlib.invalidate_caches()
            origin = "el de este cuaderno"
        import engine.notebook
        engine.notebook.setup()
    except Exception as e:
        raise RuntimeError(
            f"No se pudo preparar el cuaderno ({type(e).__name__}: {e}).\n"
            "Qué hacer: reinicia el entorno de ejecución (Colab: Entorno de ejecución > Reiniciar sesión; Jupyter: "
            "Kernel > Restart) y vuelve a ejecutar esta celda. Si sigue fallando, instala NumPy "
            "(pip install numpy) o pide ayuda con este mensaje.") from e
    print(f"Cuaderno preparado: engine {engine.__version__} ({origin}).")


def fingerprint(folder):
    """The fingerprint of the engine in ``folder``: what the setup cell compares with the installed engine."""
    return _fingerprint(folder)


def engine_folder():
    """The folder of the ``engine`` package that ``build`` packs (the one this Python imports)."""
    spec = importlib.util.find_spec("engine")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the engine package is not importable: install the kit (pip install -e .)")
    return Path(list(spec.submodule_search_locations)[0])


_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same sources give the same bytes


def _zip_entry(zf, name, data):
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.create_system = 3
    zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)


def engine_wheel(folder=None):
    """``(file name, bytes)`` of a wheel of the engine package alone; the same sources give the same bytes.

    Entries are stored uncompressed: the setup cell compresses the whole wheel, which packs much better."""
    folder = Path(folder or engine_folder())
    version = re.search(r'^__version__ = "([^"]+)"', (folder / "__init__.py").read_text(encoding="utf-8"),
                        re.M).group(1)
    version += "+" + fingerprint(folder)[:12]
    dist = f"engine-{version}.dist-info"
    files = [("engine/" + p.relative_to(folder).as_posix(), p.read_bytes())
             for p in folder.rglob("*.py") if "__pycache__" not in p.parts]
    files.sort()
    files.append((f"{dist}/METADATA", (
        f"Metadata-Version: 2.1\nName: engine\nVersion: {version}\nSummary: TensorFlow 1.x graphs on NumPy, "
        "for teaching (the engine of a course notebook)\nRequires-Python: >=3.9\nRequires-Dist: numpy>=1.22\n"
    ).encode()))
    files.append((f"{dist}/WHEEL", b"Wheel-Version: 1.0\nGenerator: autograder.kit\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n"))
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for name, data in files) + f"{dist}/RECORD,,\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files + [(f"{dist}/RECORD", record.encode())]:
            _zip_entry(zf, name, data)
    return f"engine-{version}-py3-none-any.whl", out.getvalue()


def packed_wheel(wheel_bytes, width=100):
    """The wheel as the setup cell carries it: zlib, then base85 in lines of ``width`` characters."""
    text = base64.b85encode(zlib.compress(wheel_bytes, 9)).decode()
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


STUDENT_HEADER = '''\
#@title Preparación del cuaderno: ejecuta esta celda la primera (no la modifiques)
# Prepara el motor del curso («engine»): usa el instalado si es exactamente el de este cuaderno y, si no
# (Colab, Kaggle, un Jupyter sin el kit), el que viaja dentro de esta celda, sin descargar nada.
# Después activa los avisos en español para los huecos «## Code ##» y los errores.
'''


def student_setup_source(kit_source=None, folder=None):
    """Source of the setup cell of a student notebook: the functions above, then the call with the engine
    of ``folder`` (default: the importable engine) embedded, or with ``kit_source`` to install from."""
    folder = Path(folder or engine_folder())
    functions = inspect.getsource(_fingerprint) + "\n\n" + inspect.getsource(_prepare_engine) + "\n\n"
    if kit_source:
        call = f"_prepare_engine(None, source={kit_source!r})\n"
    else:
        call = f'_prepare_engine("{fingerprint(folder)}", """\n{packed_wheel(engine_wheel(folder)[1])}\n""")\n'
    return STUDENT_HEADER + functions + call + "del _fingerprint, _prepare_engine"


#: Colab shows a cell whose metadata says ``cellView: form`` as its ``#@title`` only; JupyterLab and Notebook 7
#: collapse the source of a cell with ``jupyter.source_hidden``.
HIDDEN_SOURCE_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}}


def check_kit_source(kit_source):
    """Refuse a placeholder address (the notebooks would try to install from it)."""
    if kit_source and re.search(r"change[-_ ]?me|example\.(com|org)|<[^>]*>", kit_source, re.I):
        raise ValueError(f"KIT_SOURCE {kit_source!r} is a placeholder: set AUTOGRADER_KIT_SOURCE (or KIT_SOURCE in "
                         "autograder/config.py) to where you publish the kit, or leave it unset so that every "
                         "notebook carries the engine itself")
