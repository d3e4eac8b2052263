"""`make fuzz`: draws FUZZ_N random programs from FUZZ_SEED, runs each with the engine and with TensorFlow 1.x, and
prints a table of the disagreements by class, the agreement, and each class's smallest programs (shrunk).

    .venv/bin/python tests/fuzz/run.py --seed 0 -n 5000
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))          # tests/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))  # the repo

from fuzz import allowlist, gen, oracle  # noqa: E402


def fuzz(seed, n, progress=None):
    """[(case number, class, detail, program, allowlist id or None)] for the cases that disagree."""
    engine, tf = oracle.load_modules()
    has = oracle.available(engine, tf)
    found = []
    for i in range(n):
        program = gen.Gen((seed, i), has).program()
        result = oracle.compare(program, engine, tf)
        if result is not None:
            cls, detail = result
            found.append((i, cls, detail, program, allowlist.documented(cls, program.code(), detail)))
        if progress and (i + 1) % 500 == 0:
            progress(f"  {i + 1}/{n} cases, {len(found)} disagreements")
    return found


def table(found, n):
    rows = []
    for cls in oracle.CLASSES:
        hits = [f for f in found if f[1] == cls]
        if hits:
            documented = sum(1 for f in hits if f[4] is not None)
            rows.append(f"  {cls:<26} {len(hits):>6} {documented:>11} {len(hits) - documented:>13}")
    undocumented = sum(1 for f in found if f[4] is None)
    lines = [f"  {'class':<26} {'cases':>6} {'documented':>11} {'undocumented':>13}", *rows,
             f"  {'total':<26} {len(found):>6} {len(found) - undocumented:>11} {undocumented:>13}",
             f"agreement: {100 * (n - len(found)) / n:.2f}% of {n} cases "
             f"({100 * (n - undocumented) / n:.2f}% counting the documented differences)"]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 0)))
    parser.add_argument("-n", type=int, default=int(os.environ.get("FUZZ_N", 5000)))
    parser.add_argument("--examples", type=int, default=3, help="shrunk programs shown per class")
    parser.add_argument("--all", action="store_true", help="show the documented differences' examples too")
    args = parser.parse_args()
    start = time.time()
    found = fuzz(args.seed, args.n, progress=print)
    engine, tf = oracle.load_modules()
    print(f"\nfuzz: seed {args.seed}, {args.n} cases, {time.time() - start:.0f} s\n")
    for cls in oracle.CLASSES:
        hits = [f for f in found if f[1] == cls and (args.all or f[4] is None)]
        for i, _, detail, program, doc in hits[:args.examples]:
            small, (_, small_detail) = oracle.shrink(program, (cls, detail), engine, tf)
            print(f"--- {cls} (case {i}{', documented: ' + doc if doc else ''}): {small_detail}")
            print(small.code())
    print(table(found, args.n))


if __name__ == "__main__":
    main()
