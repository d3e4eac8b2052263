"""The deliberate differences from TensorFlow that the fuzz accepts. Each entry is one line of the section
"Deliberate differences" of docs/compatibility.md (tests/test_fuzz.py checks that every id has its line there).

An entry matches a disagreement by its class and by regular expressions on the program's code and on the detail of
the disagreement."""
import re

import numpy as np

from . import oracle

# id: (class, regex on the program's code, regex on the detail)
ALLOWED = {
    "checked-earlier": (oracle.EARLIER, r"", r"TF run InvalidArgumentError: (?!No OpKernel)"),
    "no-kernel": (oracle.EARLIER, r"", r"TF run InvalidArgumentError: No OpKernel was registered to support Op "
                                       r"'Assign(Add|Sub)VariableOp'"),
    "no-kernel-first": (oracle.MESSAGE, r"", r"engine: Value passed to parameter 'ref' has DataType bool not in list of "
                                           r"allowed values: [^|]*\(op '[^']*', type (AssignAdd|AssignSub)\)"),
    "checked-earlier-unrun": (oracle.STRICT, r"", r"engine build \w+Error: (Expected size|Invalid reduction arguments|"
                                                   r"Value passed to parameter 'ref' has DataType bool|Unsupported dtype)"),
    "feeds-checked": (oracle.STRICT, r"", r"engine run OverflowError: Cannot feed value"),
    "rank-needed": (oracle.STRICT, r"", r"tensordot needs the ranks of a and b known"),
    "tf-python-errors": (oracle.ERROR_CLASS, r"", r"\| TF build (IndexError|AttributeError|LookupError)"),
    "first-error": (oracle.ERROR_CLASS, r"", r"^engine build .* \| TF build (ValueError|TypeError)"),
    "tf-own-bugs": (oracle.PERMISSIVE, r"", r"TF build ValueError: Requires start <= limit when delta > 0: 0/-\d+ for "
                                            r"'\{\{node softmax_cross_entropy_with_logits/range"),
    "reference-variables": (oracle.ERROR_CLASS, r"m\.assign", r"TF build ValueError: Tensor conversion requested"),
    "integer-gradients": (oracle.STRUCTURE, r"m\.gradients", r"engine \('list', \[[^]]*\]\) \[[^]]*True"),
    "nan-order": (oracle.VALUE, r"\b(sort|argsort|top_k)\(", r""),
}


def _sorts_a_nan(code):
    """Whether a sort (TopKV2) of the program, run with the engine, gets a NaN to sort."""
    import engine
    ns = {"np": np}
    try:
        exec(compile(code, oracle.PROGRAM_FILE, "exec"), ns)
        with engine.Graph().as_default() as g:
            _, feed, _ = ns["program"](engine)
            inputs = [op.inputs[0] for op in g.get_operations() if op.type == "TopKV2"]
            with engine.Session() as sess:
                sess.run(engine.global_variables_initializer())
                values = sess.run(inputs, feed)
    except Exception:  # noqa: BLE001 (a program that fails sorts nothing)
        return False
    return any(np.asarray(v).dtype.kind == "f" and np.isnan(v).any() for v in values)


CHECKS = {"nan-order": _sorts_a_nan}  # entries that also need the program itself to show their reason


def documented(cls, code, detail):
    """The id of the allowlist entry covering this disagreement, or None."""
    for key, (c, code_re, detail_re) in ALLOWED.items():
        if c == cls and re.search(code_re, code) and re.search(detail_re, detail) and CHECKS.get(key, bool)(code):
            return key
    return None


assert all(c in oracle.CLASSES for c, _, _ in ALLOWED.values())
