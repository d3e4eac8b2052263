"""Code the grader runs in each student kernel first, before any student code runs.

The sandboxed kernel imports this module (the very file the grader imported: see
``sandbox.py``) and calls ``install(name, prefixes, values)``, which puts two things in the notebook's
namespace:

* the runner ``<name>(kind, b64)``: restores what student code may have tampered with since the
  last instructor cell (callables of ``builtins``, NumPy, the engine and other watched modules,
  their code objects, defaults and closures, the methods of the engine's classes, what instructor
  cells defined, IPython's input/AST transformers and event callbacks, trace/profile hooks,
  ``sys.stdout``/``stderr``/``displayhook``, signal handlers, ``gc``
  callbacks), notes what it repaired and what it cannot repair (threads left running, ``atexit``
  callbacks), compiles the instructor code itself (no transformer, no ``showtraceback``), runs it
  and writes one report line ``\\x1eAGV|...`` (outcome, exception, what was tampered with);
* the recorder ``_ag_observa(check_id)`` (:func:`observer`) that test cells rewritten by
  ``observe.py`` call to report the values of each check's leaves as canonical data
  (``\\x1eAGO|...`` lines).

Nothing here is trusted for points: student code can replace all of it.  The grader decides in
its own process (``observe.judge``) from values it decodes itself; this guard exists so that an
honest notebook's checks run as written and so that tampering is seen and reported.
Python-level forks die at once (fork bombs).
"""


def install(name, prefixes, values=None):
    import atexit
    import base64
    import builtins
    import gc
    import json
    import os
    import signal
    import sys
    import threading
    import types

    import numpy
    import numpy.linalg  # noqa: F401 (loaded now, so that they are watched from the start)
    import numpy.testing  # noqa: F401

    ip = get_ipython()  # noqa: F821 (IPython's builtin in the kernel)
    ip.ask_exit = lambda: None  # exit() in a cell would close the kernel after the cell
    ns = ip.user_ns
    compile_, exec_, str_, type_, isinstance_, callable_, id_, repr_, len_, list_ = (
        builtins.compile, builtins.exec, builtins.str, builtins.type, builtins.isinstance,
        builtins.callable, builtins.id, builtins.repr, builtins.len, builtins.list)
    settrace, setprofile, gettrace, getprofile = sys.settrace, sys.setprofile, sys.gettrace, sys.getprofile
    out = sys.stdout
    missing = object()
    ignored = {"input", "raw_input", "getpass", "_", "__", "___"}  # ipykernel swaps these
    mods, classes, protected, functions, hooks = {}, {}, {}, {}, {}
    system = {"stdout": sys.stdout, "stderr": sys.stderr, "displayhook": sys.displayhook}
    signals = {}
    for sig in signal.valid_signals():
        try:
            signals[sig] = signal.getsignal(sig)
        except (ValueError, OSError):
            pass
    gc_callbacks = list_(gc.callbacks)
    threads = set(threading.enumerate())
    seen = set()  # suspicious actions of student code (audit events...)
    cell_file = str_(ip.compile.get_code_name("", "", 0))
    cell_prefix = os.path.dirname(cell_file) + "/" if cell_file.startswith("/") else "<ipython-input"
    getframe = sys._getframe
    library = ("/inspect.py", "/ctypes/", "/subprocess.py", "/os.py", "/atexit", "/traceback.py")
    audited = {"sys._getframe", "sys._current_frames", "gc.get_objects", "gc.get_referrers",
               "gc.get_referents", "ctypes.dlsym", "ctypes.dlopen", "ctypes.addressof",
               "ctypes.string_at", "ctypes.cdata", "sys.settrace", "sys.setprofile", "os.fork",
               "os.forkpty", "os.posix_spawn", "subprocess.Popen", "os.system", "os.exec",
               "os.spawn", "os.kill", "os.killpg", "signal.pthread_kill", "sys.addaudithook",
               "code.__new__", "function.__new__", "object.__setattr__"}
    code_attrs = {"__code__", "__closure__", "__defaults__", "__kwdefaults__", "__globals__"}
    busy = [False]

    def student_file(name):
        return name.startswith(cell_prefix)

    def student_thread(t):
        fn = getattr(t, "_target", None) or type_(t).run
        code = getattr(fn, "__code__", None)
        return code is not None and student_file(code.co_filename)

    def audit(event, args):
        """Note what student cells do that honest notebooks never need (cannot be undone)."""
        if event not in audited or busy[0]:
            return
        if event == "object.__setattr__" and (len_(args) < 2 or args[1] not in code_attrs):
            return
        busy[0] = True
        try:
            f = getframe(1)
            while f is not None and any(p in f.f_code.co_filename for p in library):
                f = f.f_back
            if f is not None and student_file(f.f_code.co_filename):
                seen.add(event if event != "object.__setattr__" else f"setattr {args[1]}")
        except BaseException:
            pass
        finally:
            busy[0] = False

    sys.addaudithook(audit)
    atexit_register = atexit.register

    def register(fn, *args, **kwargs):
        f = getframe(1)
        if f is not None and student_file(f.f_code.co_filename):
            seen.add("atexit.register")
        return atexit_register(fn, *args, **kwargs)
    atexit.register = register
    builtin_names = {k for k in vars(builtins) if not k.startswith("_")}
    shadowed_at_start = {k for k in ns if k in builtin_names}
    events = {k: list_(v) for k, v in ip.events.callbacks.items()}
    os.register_at_fork(after_in_child=lambda: os._exit(70))
    transformers = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

    def guarded(value):
        return callable_(value) or isinstance_(value, (types.ModuleType, property, staticmethod,
                                                       classmethod))

    def watched(modname):
        return any(modname == p or modname.startswith(p + ".") for p in prefixes)

    def remember_code(fn):
        for f in (fn, getattr(fn, "_implementation", None), getattr(fn, "__func__", None),
                  getattr(fn, "fget", None)):
            if type_(f) is types.FunctionType and f not in functions:
                cells = tuple(c.cell_contents if c_ok(c) else missing for c in (f.__closure__ or ()))
                functions[f] = (f.__code__, f.__defaults__, f.__kwdefaults__, cells)

    def c_ok(cell):
        try:
            cell.cell_contents
            return True
        except ValueError:
            return False

    def snapshot():
        """Remember new modules, attributes and classes (what is known stays as first seen)."""
        for modname, mod in list_(sys.modules.items()):
            if mod is None or not watched(modname):
                continue
            known = mods.setdefault(modname, (mod, {}))[1]
            for k, v in list_(vars(mod).items()):
                if k not in known and k not in ignored and guarded(v):
                    known[k] = v
                    remember_code(v)
                if (isinstance_(v, type_) and v not in classes and modname.split(".")[0] != "builtins"
                        and str_(getattr(v, "__module__", "")).split(".")[0] == modname.split(".")[0]):
                    classes[v] = {a: b for a, b in vars(v).items() if guarded(b)}
                    for b in classes[v].values():
                        remember_code(b)
        for attr in transformers:
            hooks[attr] = list_(getattr(ip, attr))
        hooks["__builtins__"] = builtins

    def restore():
        changed = []
        for modname, (mod, known) in mods.items():
            if sys.modules.get(modname) is not mod:
                sys.modules[modname] = mod
                changed.append(f"sys.modules['{modname}']")
            current = vars(mod)
            for k, v in known.items():
                if current.get(k, missing) is not v:
                    current[k] = v
                    changed.append(f"{modname}.{k}")
        for cls, known in classes.items():
            current = vars(cls)
            for k in [k for k in current if k not in known and guarded(current[k])]:
                try:
                    delattr(cls, k)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{k}")
                except Exception:
                    pass
            for k, v in known.items():
                if current.get(k, missing) is not v:
                    try:
                        setattr(cls, k, v)
                        changed.append(f"{cls.__module__}.{cls.__qualname__}.{k}")
                    except Exception:
                        pass
        for f, (code, defaults, kwdefaults, cells) in functions.items():
            if f.__code__ is not code or f.__defaults__ is not defaults \
                    or f.__kwdefaults__ is not kwdefaults:
                f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults
                changed.append(f"{getattr(f, '__module__', '?')}.{f.__qualname__}.__code__")
            for cell, value in zip(f.__closure__ or (), cells):
                if value is not missing and (not c_ok(cell) or cell.cell_contents is not value):
                    cell.cell_contents = value
                    changed.append(f"{getattr(f, '__module__', '?')}.{f.__qualname__}.__closure__")
        for k, v in protected.items():
            if ns.get(k, missing) is not v:
                ns[k] = v
                changed.append(k)
        if ns.get("__builtins__") is not hooks["__builtins__"]:
            ns["__builtins__"] = hooks["__builtins__"]
            changed.append("__builtins__")
        for attr in transformers:
            current = getattr(ip, attr)
            if list_(current) != hooks[attr]:
                if isinstance_(current, list):
                    current[:] = hooks[attr]
                else:
                    setattr(ip, attr, list_(hooks[attr]))
                changed.append(f"get_ipython().{attr}")
        for event, known in events.items():
            current = ip.events.callbacks.get(event)
            if current is None or list_(current) != known:
                ip.events.callbacks[event] = list_(known)
                changed.append(f"get_ipython().events['{event}']")
        for attr, value in system.items():
            if getattr(sys, attr) is not value:
                setattr(sys, attr, value)
                changed.append(f"sys.{attr}")
        for which in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
            if signal.getitimer(which) != (0.0, 0.0):
                signal.setitimer(which, 0)
                changed.append("signal timers")
        for sig, handler in signals.items():
            try:
                if signal.getsignal(sig) != handler:
                    signal.signal(sig, handler)
                    changed.append(f"signal {sig}")
            except (ValueError, OSError, TypeError):
                pass
        if gc.callbacks != gc_callbacks:
            gc.callbacks[:] = gc_callbacks
            changed.append("gc.callbacks")
        if gettrace() is not None or getprofile() is not None:
            changed.append("sys.settrace")
        if getattr(threading, "gettrace", lambda: None)() is not None:
            changed.append("threading.settrace")
        settrace(None)
        setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        # what cannot be repaired, only reported
        alive = [t for t in threading.enumerate()
                 if t not in threads and t.is_alive() and student_thread(t)]
        if alive:
            changed.append(f"threads running ({len_(alive)})")
        return changed

    def b64(text):
        return base64.b64encode(str_(text).encode("utf-8", "replace")).decode("ascii")

    def report(kind, ok, ename, evalue, changed):
        noted = sorted(seen) + [f"shadow {k}" for k in ns if k in builtin_names
                                and k not in shadowed_at_start and ns[k] is not vars(builtins).get(k)]
        seen.clear()
        out.write(f"\n\x1eAGV|{kind}|{1 if ok else 0}|{b64(ename)}|{b64(evalue)}|"
                  f"{b64(chr(10).join(changed))}|{b64(chr(10).join(noted))}\n")
        out.flush()

    def runner(kind, code_b64):
        settrace(None)
        setprofile(None)
        try:
            changed, failed = restore(), False
        except BaseException as e:
            changed, failed = [f"(restore failed: {type_(e).__name__})"], True
        before = dict(ns)
        ok, ename, evalue = False, "", ""
        try:
            code = base64.b64decode(code_b64)
            exec_(compile_(code, "<comprobacion>", "exec", 0, True), ns)
            ok = not failed
        except BaseException as e:  # noqa: B902 (SystemExit and the like must fail too)
            try:
                ename = type_(e).__name__
                evalue = str_(e)[:2000]
            except BaseException:
                ename = ename or "Exception"
        finally:
            for k, v in list_(ns.items()):  # instructor definitions become protected
                if guarded(v) and not k.startswith("_") and (before.get(k, missing) is not v or k in protected):
                    protected[k] = v
                    remember_code(v)
            snapshot()
        report(kind, ok, ename, evalue, changed)

    def genuine(cls):
        """Whether ``cls`` is the class its module defined when the guard first saw it."""
        module = mods.get(str_(getattr(cls, "__module__", "")))
        return module is not None and module[1].get(str_(getattr(cls, "__qualname__", ""))) is cls

    values = dict(values or {})
    snapshot()
    ns[name] = runner
    ns["_ag_observa"] = observer(ns, out, genuine, values)


def observer(ns, out, genuine, values):
    """The recorder ``_ag_observa(check_id)``: reports the values of a check's leaves as data.

    Values that are plain data travel as such (numbers, strings, containers, NumPy arrays,
    scalars and dtypes, classes by name); objects of the classes named in ``values``
    (``{"module.Class": attribute}``, see ``observe.VALUE_CLASSES``) travel as that attribute,
    when ``genuine(cls)`` says their class is the library's own; anything else becomes an opaque
    token (its classes, identity, repr, truth).  Built-ins are bound now, before student code runs.
    """
    import base64
    import builtins
    import json
    import types

    import numpy

    str_, type_, isinstance_, id_, repr_, len_, list_ = (
        builtins.str, builtins.type, builtins.isinstance, builtins.id, builtins.repr,
        builtins.len, builtins.list)
    plain = {int: "int", float: "float", str: "str", bytes: "bytes", complex: "complex",
             list: "list", tuple: "tuple", set: "set", frozenset: "frozenset", dict: "dict"}
    np_generic, ndarray, np_dtype, asarray = numpy.generic, numpy.ndarray, numpy.dtype, numpy.asarray
    kinds = set("biufcSU")

    def fullname(cls):
        return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"

    def base_of(value):
        """The plain type ``value`` may be sent as (exact type, or a subclass that keeps ==)."""
        cls = type_(value)
        if cls in plain or cls is bool or value is None:
            return cls
        for base in plain:
            if isinstance_(value, base) and cls.__eq__ is base.__eq__ and cls.__hash__ is base.__hash__:
                return base
        return None

    def array(value, budget):
        arr = asarray(value)
        if arr.dtype.kind not in kinds or arr.size > budget[0]:
            return None
        budget[0] -= arr.size
        arr = arr.copy(order="C")
        return {"t": "nd" if arr.ndim or not isinstance_(value, np_generic) else "npv",
                "dtype": arr.dtype.str, "shape": list_(arr.shape),
                "v": base64.b64encode(arr.tobytes()).decode("ascii")}

    def encode(value, budget, depth=0):
        budget[0] -= 1
        if budget[0] < 0 or depth > 30:
            raise ValueError("too large")
        if value is None:
            return {"t": "none"}
        if type_(value) is bool:
            return {"t": "bool", "v": value}
        cls = type_(value)
        numpy_class = str_(getattr(cls, "__module__", "")).split(".")[0] == "numpy"
        if numpy_class and (cls is ndarray or isinstance_(value, np_generic)):
            arr = array(value, budget)  # before the plain types: np.float64 is a float, np.str_ a str
            if arr is not None:
                return arr
        if numpy_class and isinstance_(value, np_dtype):
            return {"t": "dtype", "v": str_(np_dtype.str.__get__(value))}
        base = base_of(value)
        if base is int or base is bool:
            return {"t": "int", "v": str_(int.__index__(value))}
        if base is float:
            return {"t": "float", "v": float.hex(value)}
        if base is complex:
            return {"t": "complex", "v": [float.hex(value.real), float.hex(value.imag)]}
        if base is str:
            return {"t": "str", "v": str.__str__(value)}
        if base is bytes:
            return {"t": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
        if base in (list, tuple, set, frozenset):
            return {"t": plain[base], "v": [encode(x, budget, depth + 1) for x in base.__iter__(value)]}
        if base is dict:
            if value is ns:  # globals(): only its names matter (and it is big)
                return {"t": "frozenset", "v": [{"t": "str", "v": k} for k in ns if type_(k) is str]}
            return {"t": "dict", "v": [[encode(k, budget, depth + 1), encode(v, budget, depth + 1)]
                                       for k, v in dict.items(value)]}
        if isinstance_(value, type_):
            return {"t": "cls", "mod": str_(value.__module__), "qn": str_(value.__qualname__)}
        if isinstance_(value, types.ModuleType):
            return {"t": "mod", "v": str_(value.__name__)}
        attr = values.get(fullname(cls))
        if attr is not None and genuine(cls):
            try:
                return {"t": "value", "cls": fullname(cls),
                        "v": encode(getattr(value, attr), budget, depth + 1)}
            except BaseException:
                pass
        token = {"t": "obj", "id": id_(value), "mro": [fullname(c) for c in cls.__mro__],
                 "eq": "id" if cls.__eq__ is object.__eq__ else "repr"}
        for key, make in (("repr", lambda: repr_(value)[:500]), ("truth", lambda: bool(value)),
                          ("arr", lambda: array(value, budget) if hasattr(cls, "__array__") or
                           hasattr(value, "numpy") else None)):
            try:
                token[key] = make()
            except BaseException:
                pass
        if isinstance_(value, (list, tuple, set, frozenset)):
            try:
                token["items"] = {"t": "list", "v": [encode(x, budget, depth + 1) for x in list_(value)]}
            except BaseException:
                pass
        return token

    def recorder(aid):
        leaves = {}

        def record(*args):
            if not args:  # the check held in the kernel: report its leaves
                out.write("\n\x1eAGO|" + json.dumps({"a": aid, "l": leaves}) + "\n")
                return None
            if len_(args) == 3:  # hidden check: evaluate the leaf here, keep its error
                try:
                    value = args[2]()
                except BaseException as e:  # noqa: B902
                    leaves[str_(args[0])] = {"t": "raise", "v": type_(e).__name__}
                    return None
            index, value = args[0], args[1] if len_(args) == 2 else value
            if type_(value) is types.GeneratorType:
                value = list_(value)
            try:
                leaves[str_(index)] = encode(value, [2_000_000])
                leaves[str_(index)]["id"] = id_(value)
            except BaseException:
                leaves[str_(index)] = {"t": "obj", "id": id_(value), "mro": ["?"], "eq": "id"}
            return value
        return record
    return recorder
