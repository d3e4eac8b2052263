"""Shared helpers of the benchmarks: timing by medians, and the results table with goals and PASS/MISS."""
import os
import statistics
import time



def load_tf1():
    """TensorFlow's 1.x API in graph mode (only as the reference to compare with), or None if not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow.compat.v1 as tf1
    except ImportError:
        return None
    tf1.disable_eager_execution()
    tf1.logging.set_verbosity(tf1.logging.ERROR)
    return tf1


def per_call(fn, number, repeat=7):
    """Seconds per call of fn(): the best of `repeat` rounds of `number` calls, in CPU time of this process
    (so that other programs running on the machine disturb the figure as little as possible)."""
    fn()  # warm up (plans, caches)
    rounds = []
    for _ in range(repeat):
        t = time.process_time()
        for _ in range(number):
            fn()
        rounds.append((time.process_time() - t) / number)
    return min(rounds)


def median_single(fn, runs):
    """Median time (seconds) of single calls of fn()."""
    fn()
    times = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times) * 1e-9


class Table:
    """Rows of (what, measured, goal); `check(value)` says PASS/MISS, None for figures without a goal."""

    def __init__(self, title):
        self.title, self.rows = title, []

    def add(self, what, value, fmt, goal_text="", check=None):
        verdict = "" if check is None else ("PASS" if check(value) else "MISS")
        self.rows.append((what, format(value, fmt) if value is not None else "n/a", goal_text, verdict))

    def print(self):
        widths = [max(len(r[i]) for r in self.rows + [("measure", "value", "goal", "")]) for i in range(4)]
        print(f"\n{self.title}")
        line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
        print(line(("measure", "value", "goal", "")))
        print("-" * (sum(widths) + 6))
        for r in self.rows:
            print(line(r))

    @property
    def missed(self):
        return [r[0] for r in self.rows if r[3] == "MISS"]
