"""What TensorFlow 1 programs call around the graph: `tf.logging`, `tf.app.run` with `tf.app.flags`, and `tf.gfile`
(files; `tf.io.gfile` has the same functions with lowercase names). Plain Python, no ops.
"""
import glob as _glob
import logging as _logging
import os
import shutil
import sys
import types

from .errors import AlreadyExistsError, NotFoundError, hinted

# ---------------------------------------------------------------------------------------------------------------
# tf.logging: Python's logging, through the logger "engine" (printed as 'INFO:engine:message')
# ---------------------------------------------------------------------------------------------------------------

_logger = _logging.getLogger("engine")
if not _logger.handlers:
    _handler = _logging.StreamHandler(sys.stderr)
    _handler.setFormatter(_logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    _logger.addHandler(_handler)
    _logger.propagate = False
    _logger.setLevel(_logging.WARNING)  # TensorFlow's default: warnings and errors only


def _log_every(first_n=None, every_n=None):
    counts = {}

    def log(level, msg, n, *args):
        key = sys._getframe(1).f_code.co_filename, sys._getframe(1).f_lineno
        counts[key] = count = counts.get(key, 0) + 1
        if (first_n and count <= n) or (every_n and (count - 1) % n == 0):
            _logger.log(level, msg, *args)
    return log


logging = types.ModuleType("engine.logging", "`tf.logging`: TensorFlow 1's log functions and verbosity levels.")
logging.DEBUG, logging.INFO, logging.WARN, logging.ERROR, logging.FATAL = 10, 20, 30, 40, 50
logging.debug, logging.info, logging.error, logging.log = _logger.debug, _logger.info, _logger.error, _logger.log
logging.warning = logging.warn = _logger.warning
logging.fatal = _logger.critical
logging.vlog = _logger.log
logging.log_first_n, logging.log_every_n = _log_every(first_n=True), _log_every(every_n=True)
logging.set_verbosity = _logger.setLevel
logging.get_verbosity = _logger.getEffectiveLevel
logging.TaskLevelStatusMessage = lambda msg: _logger.info(msg)
logging.flush = lambda: [h.flush() for h in _logger.handlers]

# ---------------------------------------------------------------------------------------------------------------
# tf.app.flags: command-line flags, read from sys.argv the first time a flag is used (unknown arguments, such as
# the ones Jupyter passes to its kernels, are left alone, as TensorFlow 1 does)
# ---------------------------------------------------------------------------------------------------------------


class _Flag:
    def __init__(self, name, default, help, parse):
        self.name, self.default, self.help, self.parse = name, default, help, parse
        self.value = default if default is None else parse(default)


def _boolean(text):
    if isinstance(text, bool):
        return text
    if str(text).lower() in ("true", "t", "1", "yes"):
        return True
    if str(text).lower() in ("false", "f", "0", "no"):
        return False
    raise ValueError(f"Non-boolean argument to boolean flag: {text!r}")


class FlagValues:
    """`FLAGS.nombre`: the value of each defined flag, from the command line (`--nombre=valor`) or its default."""

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_parsed", False)

    def _define(self, name, default, help, parse):
        if name in self._flags:
            raise ValueError(hinted(f"The flag '{name}' is defined twice.",
                                    "las banderas (flags) se definen una sola vez: si vuelves a ejecutar la celda, "
                                    "reinicia el kernel o comprueba antes `if 'nombre' not in FLAGS:`."))
        self._flags[name] = _Flag(name, default, help, parse)

    def __call__(self, argv, known_only=True):
        """Parses `argv` (argv[0] is the program); returns the arguments that are not flags."""
        rest, args = [argv[0]] if argv else [], list(argv[1:])
        while args:
            arg = args.pop(0)
            if arg == "--":
                rest.extend(args)
                break
            name, has_value, value = arg.lstrip("-").partition("=")
            flag = self._flags.get(name) if arg.startswith("-") else None
            if flag is None and arg.startswith("--no") and name[2:] in self._flags and not has_value:
                flag, value, has_value = self._flags[name[2:]], "false", True
            if flag is None:
                if arg.startswith("-") and not known_only:
                    raise ValueError(f"Unknown command line flag '{name}'")
                rest.append(arg)
                continue
            if not has_value:
                if flag.parse is _boolean:
                    value = "true"
                elif args:
                    value = args.pop(0)
                else:
                    raise ValueError(f"Flag --{name} needs a value")
            try:
                flag.value = flag.parse(value)
            except ValueError as e:
                raise ValueError(f"flag --{name}={value}: {e}") from None
        object.__setattr__(self, "_parsed", True)
        return rest

    def __getattr__(self, name):
        flags = self.__dict__["_flags"]
        if name not in flags:
            raise AttributeError(hinted(f"Unknown flag: {name}",
                                        f"define la bandera antes de usarla: tf.app.flags.DEFINE_string('{name}', "
                                        "valor_por_defecto, 'ayuda')."))
        if not self._parsed:
            self(sys.argv, known_only=True)
        return flags[name].value

    def __setattr__(self, name, value):
        if name not in self._flags:
            raise AttributeError(f"Unknown flag: {name}")
        self._flags[name].value = value

    def __contains__(self, name):
        return name in self._flags

    def __iter__(self):
        return iter(self._flags)

    def flag_values_dict(self):
        return {name: getattr(self, name) for name in self._flags}

    def is_parsed(self):
        return self._parsed

    def mark_as_parsed(self):
        object.__setattr__(self, "_parsed", True)

    def unparse_flags(self):
        object.__setattr__(self, "_parsed", False)


def _list(text):
    return text if isinstance(text, list) else [s for s in str(text).split(",") if s]


def _definer(parse):
    def define(name, default, help=None, flag_values=None, **unused):
        (flag_values or flags.FLAGS)._define(name, default, help, parse)
    return define


flags = types.ModuleType("engine.flags", "`tf.app.flags` (also `tf.flags`): command-line flags.")
flags.FlagValues, flags.FLAGS = FlagValues, FlagValues()
flags.DEFINE_string = _definer(str)
flags.DEFINE_integer = _definer(int)
flags.DEFINE_float = _definer(float)
flags.DEFINE_boolean = flags.DEFINE_bool = _definer(_boolean)
flags.DEFINE_list = _definer(_list)


def run(main=None, argv=None):
    """Parses the flags from `argv` (default sys.argv), then calls `main(remaining arguments)` (default: the
    `main` of the program) and exits with its result, like TensorFlow 1's `tf.app.run`."""
    remaining = flags.FLAGS(sys.argv if argv is None else argv, known_only=True)
    main = main or sys.modules["__main__"].main
    sys.exit(main(remaining))


app = types.ModuleType("engine.app", "`tf.app`: `run` and `flags`.")
app.run, app.flags = run, flags

# ---------------------------------------------------------------------------------------------------------------
# tf.gfile: files and folders (local ones; TensorFlow's other file systems, such as gs://, are not supported)
# ---------------------------------------------------------------------------------------------------------------


def _missing(path, what="file or directory"):
    return NotFoundError(None, None, f"{path}; No such {what}",
                         "comprueba la ruta (os.getcwd() muestra la carpeta actual).")


class GFile:
    """A file, like Python's `open(name, mode)`, plus `size()`: `with tf.gfile.GFile(ruta, 'w') as f: f.write(s)`."""

    def __init__(self, name, mode="r"):
        if "r" in mode and not os.path.exists(name):
            raise _missing(name)
        self.name, self.mode = name, mode
        self._file = open(name, mode)

    def size(self):
        return os.path.getsize(self.name)

    def __getattr__(self, attr):  # read, write, readline, readlines, seek, tell, flush, close...
        return getattr(self.__dict__["_file"], attr)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()


def _existing(path):
    if not os.path.exists(path):
        raise _missing(path)
    return path


def remove(path):
    os.remove(_existing(path))


def rmtree(path):
    shutil.rmtree(_existing(path))


def mkdir(path):
    if not os.path.isdir(path):  # (an existing folder is fine, as in TensorFlow)
        _existing(os.path.dirname(os.path.abspath(path)))
        os.mkdir(path)


def copy(oldpath, newpath, overwrite=False):
    if os.path.exists(newpath) and not overwrite:
        raise AlreadyExistsError(None, None, "file already exists")
    shutil.copyfile(_existing(oldpath), newpath)


def rename(oldname, newname, overwrite=False):
    if os.path.exists(newname) and not overwrite:
        raise AlreadyExistsError(None, None, "file already exists")
    os.replace(_existing(oldname), newname)


def listdir(path):
    return sorted(os.listdir(_existing(path)))


def stat(path):
    info = os.stat(_existing(path))
    return types.SimpleNamespace(length=info.st_size, mtime_nsec=info.st_mtime_ns,
                                 is_directory=os.path.isdir(path))


def _gfile(**names):
    module = types.ModuleType("engine.gfile", "`tf.gfile` / `tf.io.gfile`: files and folders.")
    for name, fn in names.items():
        setattr(module, name, fn)
    return module


_FILE_FUNCTIONS = dict(exists=os.path.exists, isdir=os.path.isdir, listdir=listdir,
                       makedirs=lambda path: os.makedirs(path, exist_ok=True), mkdir=mkdir, glob=_glob.glob,
                       remove=remove, rmtree=rmtree, copy=copy, rename=rename, stat=stat, walk=os.walk)
io_gfile = _gfile(GFile=GFile, **_FILE_FUNCTIONS)  # TensorFlow 2's names
gfile = _gfile(GFile=GFile, Open=GFile, FastGFile=GFile, Exists=os.path.exists, IsDirectory=os.path.isdir,
               ListDirectory=listdir, MakeDirs=_FILE_FUNCTIONS["makedirs"], MkDir=mkdir, Glob=_glob.glob,
               Remove=remove, DeleteRecursively=rmtree, Copy=copy, Rename=rename, Stat=stat, Walk=os.walk)
