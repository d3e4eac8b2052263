"""Code the grader sends to each student kernel first, before any student code runs.

It is not imported by the grader: ``runner.py`` sends this file's text followed by a call to
``_autograder_install(key, name, prefixes)``.  The installed runner ``<name>(kind, b64, nonce)``:

* restores what student code may have tampered with since the last instructor cell: callables of
  ``builtins``, NumPy, the engine (and other watched modules) and the methods of the engine's
  classes; the functions, classes and modules that instructor cells defined (check functions);
  IPython's input and AST transformers; trace/profile hooks;
* compiles the instructor code itself (no input/AST transformer, no ``showtraceback``) and runs
  it in the user namespace;
* writes one verdict line, authenticated with HMAC-SHA256 (key known only to the grader and this
  closure) over the nonce, the outcome, the SHA-256 of the code it ran and the exception.

The grader counts a test as passed only on a valid verdict line (no line, a forged line or a line
for other code all mean "failed").  Python-level forks die at once (fork bombs).
"""


def _autograder_install(key, name, prefixes):
    import builtins
    import os
    import sys
    import threading
    import types
    from _hashlib import hmac_digest, openssl_sha256
    from binascii import a2b_base64, b2a_base64

    ip = get_ipython()  # noqa: F821 (defined in the kernel)
    ns = ip.user_ns
    compile_, exec_, str_, type_, isinstance_, callable_ = (
        builtins.compile, builtins.exec, builtins.str, builtins.type, builtins.isinstance,
        builtins.callable)
    settrace, setprofile, thread_settrace = sys.settrace, sys.setprofile, threading.settrace
    out = sys.stdout
    missing = object()
    ignored = {"input", "raw_input", "getpass", "_", "__", "___"}  # ipykernel swaps these
    mods, classes, protected = {}, {}, {}
    hooks = {}
    os.register_at_fork(after_in_child=lambda: os._exit(70))

    def guarded(value):
        return callable_(value) or isinstance_(value, (types.ModuleType, property, staticmethod,
                                                       classmethod))

    def watched(modname):
        return any(modname == p or modname.startswith(p + ".") for p in prefixes)

    def snapshot():
        """Remember new modules, attributes and classes (what is known stays as first seen)."""
        for modname, mod in list(sys.modules.items()):
            if mod is None or not watched(modname):
                continue
            known = mods.setdefault(modname, (mod, {}))[1]
            for k, v in list(vars(mod).items()):
                if k not in known and k not in ignored and guarded(v):
                    known[k] = v
                if (isinstance_(v, type_) and v not in classes and modname.split(".")[0] != "builtins"
                        and str_(getattr(v, "__module__", "")).split(".")[0] == modname.split(".")[0]):
                    classes[v] = {a: b for a, b in vars(v).items() if guarded(b)}
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            hooks[attr] = list(getattr(ip, attr))
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
        for k, v in protected.items():
            if ns.get(k, missing) is not v:
                ns[k] = v
                changed.append(k)
        if ns.get("__builtins__") is not hooks["__builtins__"]:
            ns["__builtins__"] = hooks["__builtins__"]
            changed.append("__builtins__")
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            current = getattr(ip, attr)
            if list(current) != hooks[attr]:
                if isinstance_(current, list):
                    current[:] = hooks[attr]
                else:
                    setattr(ip, attr, list(hooks[attr]))
                changed.append(f"get_ipython().{attr}")
        return changed

    def encode(text):
        return b2a_base64(str_(text).encode("utf-8", "replace"), newline=False).decode("ascii")

    def runner(kind, b64, nonce):
        settrace(None)
        setprofile(None)
        thread_settrace(None)
        try:
            changed, failed = restore(), False
        except BaseException as e:
            changed, failed = [f"(restore failed: {type_(e).__name__})"], True
        code_bytes = a2b_base64(b64)
        digest = openssl_sha256(code_bytes).hexdigest()
        before = dict(ns)
        ok, ename, evalue = False, "", ""
        try:
            exec_(compile_(code_bytes, "<comprobacion>", "exec", 0, True), ns)
            ok = not failed
        except BaseException as e:  # noqa: B902 (SystemExit and the like must fail too)
            try:
                ename = type_(e).__name__
                evalue = str_(e)[:2000]
            except BaseException:
                ename = ename or "Exception"
        finally:
            for k, v in list(ns.items()):  # instructor definitions become protected
                if guarded(v) and not k.startswith("_") and (before.get(k, missing) is not v or k in protected):
                    protected[k] = v
            snapshot()
        payload = "|".join([nonce, kind, "1" if ok else "0", digest, encode(ename), encode(evalue),
                            encode(";".join(changed))])
        mac = hmac_digest(key, payload.encode("ascii"), "sha256").hex()
        out.write(f"\n\x1eAGV|{payload}|{mac}\n")
        out.flush()

    snapshot()
    ns[name] = runner
