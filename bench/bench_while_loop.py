"""A loop inside the graph against a loop in Python (chapter 12's "why graphs"), measured in one run: µs per Newton
step for sqrt(2), as N `sess.run` calls of a one-step graph and as one `sess.run` of a `tf.while_loop` of N
iterations, with the engine and with TensorFlow 1.x. In TensorFlow a run costs far more than an iteration of its C++
loop; in the engine both go through Python and cost about the same (what chapter 12 tells students).

    .venv/bin/python bench/bench_while_loop.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import engine  # noqa: E402
from _timing import Table, load_tf1, per_call  # noqa: E402

STEPS = 300


def newton(m):
    """(µs per step from Python, µs per step inside a while_loop, the two results)."""
    with m.Graph().as_default():
        x = m.placeholder(m.float32, [])
        one_step = 0.5 * (x + 2.0 / x)
        _, loop = m.while_loop(lambda i, v: i < STEPS, lambda i, v: (i + 1, 0.5 * (v + 2.0 / v)), [0, 1.0])
        with m.Session() as sess:
            def from_python():
                v = 1.0
                for _ in range(STEPS):
                    v = sess.run(one_step, {x: v})
                return v
            python_us = per_call(from_python, 3) / STEPS * 1e6
            graph_us = per_call(lambda: sess.run(loop), 3) / STEPS * 1e6
            return python_us, graph_us, float(from_python()), float(sess.run(loop))


def main():
    table = Table(f"Newton's sqrt(2), {STEPS} steps: µs per step (best of 7 rounds, CPU time)")
    for label, m in (("engine", engine), ("TensorFlow 1.x", load_tf1())):
        if m is None:
            table.add(f"{label}: not installed", None, "")
            continue
        python_us, graph_us, a, b = newton(m)
        assert abs(a - b) < 1e-6, (a, b)
        table.add(f"{label}: N sess.run from Python", python_us, ".1f")
        table.add(f"{label}: one sess.run of a while_loop", graph_us, ".1f")
        table.add(f"{label}: ratio Python / while_loop", python_us / graph_us, ".2f")
    table.print()


if __name__ == "__main__":
    main()
