"""The differential fuzz in CI: a few hundred random programs run with the engine and with TensorFlow 1.x must agree,
except for the deliberate differences of tests/fuzz/allowlist.py, each documented in docs/compatibility.md.
`make fuzz` runs thousands (FUZZ_SEED, FUZZ_N) and prints the table of disagreements."""
import os
import re

import pytest

from fuzz import allowlist, oracle
from fuzz.run import fuzz, table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = 250


def test_random_programs_agree_with_tensorflow(modules):
    found = fuzz(seed=2024, n=CASES)
    undocumented = [f for f in found if f[4] is None]
    report = []
    for i, cls, detail, program, _ in undocumented[:5]:
        small, (_, small_detail) = oracle.shrink(program, (cls, detail), *modules, budget=30)
        report.append(f"--- {cls} (case {i}): {small_detail}\n{small.code()}")
    assert not undocumented, table(found, CASES) + "\n" + "\n".join(report)


def test_every_allowed_difference_is_documented():
    with open(os.path.join(ROOT, "docs", "compatibility.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Deliberate differences", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^- `([a-z0-9-]+)`", section, re.M))
    assert set(allowlist.ALLOWED) == documented, (f"allowlisted but not documented: {set(allowlist.ALLOWED) - documented}; "
                                                  f"documented but not allowlisted: {documented - set(allowlist.ALLOWED)}")


def test_the_oracle_sees_raw_internal_errors_and_silent_differences(modules):
    """The fuzz can fail: a forward that raises NumPy's IndexError, or returns another value, is caught."""
    engine, tf = modules
    agree = oracle.Snippet("return m.constant([1.0, 2.0]) * 2.0, {}, None")
    assert oracle.compare(agree, engine, tf) is None
    ours = oracle.run(agree, engine, True)
    ours.outputs = [(k, dt, st, v + 1) for k, dt, st, v in ours.outputs]
    assert oracle.classify(ours, oracle.run(agree, tf, False))[0] == oracle.VALUE
    try:
        [][1]
    except IndexError as e:
        raw = oracle.Outcome(error=("run", "InvalidArgumentError", str(e), oracle.raw_origin(e)))
    assert oracle.classify(raw, oracle.run(agree, tf, False))[0] == oracle.RAW
