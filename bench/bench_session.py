"""Session speed, measured in one run: per-run overhead of a 1-op graph, the bisection step of seed 004 against
hand-written NumPy and TensorFlow 1.x, and a 100,000-op chain (no recursion anywhere).

    .venv/bin/python bench/bench_session.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import engine  # noqa: E402
from _timing import Table, load_tf1, median_single, per_call  # noqa: E402


def one_op_overhead(m):
    """Median µs of sess.run on a graph holding one Const op."""
    with m.Graph().as_default():
        c = m.constant(1.0)
        with m.Session() as sess:
            return median_single(lambda: sess.run(c), 20000) * 1e6


def feed_overhead(m):
    """Median µs of sess.run(y, {x: 1.0}) with y = x * 2 (placeholder, const, Mul)."""
    with m.Graph().as_default():
        x = m.placeholder(m.float32, [])
        y = x * 2.0
        with m.Session() as sess:
            return median_single(lambda: sess.run(y, {x: 1.0}), 20000) * 1e6


def bisection(m, steps=2000):
    """Seed 004's bond-yield bisection (graph mode): µs per `sess.run(step, feed_dict)`; also the final y."""
    with m.Graph().as_default():
        C, P = m.constant(5.0), m.constant(100.0)
        a, b = m.Variable(-10.0), m.Variable(10.0)
        v_target = m.placeholder("float")
        y = (a + b) / 2
        v_guess = C * m.exp(-0.5 * y) + C * m.exp(-y) + C * m.exp(-1.5 * y) + (C + P) * m.exp(-2 * y)
        a_ = m.where(v_guess > v_target, y, a)
        b_ = m.where(v_guess < v_target, y, b)
        step = m.group(a.assign(a_), b.assign(b_))
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            feed = {v_target: 95}
            us = per_call(lambda: sess.run(step, feed_dict=feed), steps // 7 + 1) * 1e6
            sess.run(m.global_variables_initializer())
            for _ in range(100):
                sess.run(step, feed_dict=feed)
            return us, float(sess.run(y))


def bisection_numpy(steps=2000):
    """The same computation written by hand in NumPy (float32 scalars, as in the graph)."""
    f = np.float32
    C, P, v_target = f(5.0), f(100.0), f(95)
    state = {"a": f(-10.0), "b": f(10.0)}

    def step():
        a, b = state["a"], state["b"]
        y = (a + b) / f(2)
        v = C * np.exp(f(-0.5) * y) + C * np.exp(-y) + C * np.exp(f(-1.5) * y) + (C + P) * np.exp(f(-2) * y)
        state["a"] = np.where(v > v_target, y, a)
        state["b"] = np.where(v < v_target, y, b)

    us = per_call(step, steps // 7 + 1) * 1e6
    state.update(a=f(-10.0), b=f(10.0))
    for _ in range(100):
        step()
    return us, float((state["a"] + state["b"]) / f(2))


def chain(n=100_000):
    """Builds x_{i+1} = x_i + 1 (n Add ops) from a placeholder (a constant start would be folded away when
    planning), then runs it twice: the first run plans, the second reuses the plan. CPU seconds of this process."""
    with engine.Graph().as_default():
        t = time.process_time()
        start = engine.placeholder(engine.float32, [])
        one = engine.constant(1.0)
        x = start
        for _ in range(n):
            x = engine.add(x, one)
        build = time.process_time() - t
        with engine.Session() as sess:
            t = time.process_time()
            first_value = sess.run(x, {start: 1.0})
            first = time.process_time() - t
            t = time.process_time()
            sess.run(x, {start: 1.0})
            again = time.process_time() - t
    assert first_value == n + 1, first_value
    return build, first, again


def main():
    table = Table("Session speed (engine)")
    table.add("1-op graph: sess.run median [µs]", one_op_overhead(engine), ".1f", "<= 10", lambda v: v <= 10)
    table.add("x*2 with a feed: sess.run median [µs]", feed_overhead(engine), ".1f")

    eng_us, eng_y = bisection(engine)
    np_us, np_y = bisection_numpy()
    assert abs(eng_y - np_y) < 1e-5, (eng_y, np_y)
    table.add("bisection step, engine [µs/step]", eng_us, ".1f")
    table.add("bisection step, hand-written NumPy [µs/step]", np_us, ".1f")
    table.add("bisection ratio engine / NumPy", eng_us / np_us, ".2f")
    tf1 = load_tf1()
    if tf1 is not None:
        tf_us, tf_y = bisection(tf1)
        assert abs(eng_y - tf_y) < 1e-5, (eng_y, tf_y)
        table.add("1-op graph, TensorFlow compat.v1 [µs]", one_op_overhead(tf1), ".1f")
        table.add("bisection step, TensorFlow compat.v1 [µs/step]", tf_us, ".1f")
        table.add("bisection ratio engine / TensorFlow", eng_us / tf_us, ".3f", "< 1", lambda v: v < 1)
    else:
        table.add("bisection ratio engine / TensorFlow (TF not installed)", None, "")

    build, first, again = chain()
    table.add("100,000-op chain: build [s]", build, ".2f")
    table.add("100,000-op chain: first run (plan + run) [s]", first, ".2f")
    table.add("100,000-op chain: cached run [s]", again, ".3f")
    table.print()
    return 1 if table.missed else 0


if __name__ == "__main__":
    sys.exit(main())
