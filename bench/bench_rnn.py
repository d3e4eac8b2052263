"""LSTM training speed, measured in one run against TensorFlow 1.x: one Adam step of an LSTM classifier (MNIST rows
as sequences: batch 32, 28 steps of 28 inputs, 128 units, a dense + softmax layer on the last output), with the same
initial weights in both (the losses after a few steps are compared too). Then the engine's peak memory of one step
and how time and memory grow with the batch size.

Both run on one thread (OpenBLAS for NumPy, intra/inter-op threads for TensorFlow) and are timed in CPU seconds of
this process: on a shared machine, threads that wait for a busy core burn CPU time and blur the comparison.

    .venv/bin/python bench/bench_rnn.py
"""
import os
import sys
import tracemalloc

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy starts its thread pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import engine  # noqa: E402
from _timing import Table, load_tf1, per_call  # noqa: E402

STEPS, INPUTS, UNITS, CLASSES = 28, 28, 128, 10


def data(batch, seed=0):
    rng = np.random.RandomState(seed)
    return rng.rand(batch, STEPS, INPUTS).astype(np.float32), rng.randint(0, CLASSES, batch).astype(np.int32)


def cells(m):
    if m is engine:
        return engine.nn.rnn_cell
    from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl  # TF1's cells (TensorFlow >= 2.16)
    return rnn_cell_impl


def lstm_step(m, batch, weights=None):
    """(seconds per training step, the weights TensorFlow initialised, losses of 5 steps, run function)."""
    X_, Y_ = data(batch)
    g = m.Graph()
    with g.as_default():
        x = m.placeholder(m.float32, [None, STEPS, INPUTS])
        y = m.placeholder(m.int32, [None])
        outputs, _ = m.nn.dynamic_rnn(cells(m).BasicLSTMCell(UNITS), x, dtype=m.float32)
        w = m.get_variable("w", [UNITS, CLASSES])
        b = m.get_variable("b", [CLASSES], initializer=m.zeros_initializer())
        logits = m.matmul(outputs[:, -1], w) + b
        loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = m.train.AdamOptimizer(1e-3).minimize(loss)
        config = m.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1) \
            if m is not engine else None
        sess = m.Session(graph=g, config=config)
        sess.run(m.global_variables_initializer())
        if weights is None:
            weights = {v.name: sess.run(v) for v in m.global_variables() if "Adam" not in v.name}
        else:
            for v in m.global_variables():
                if v.name in weights:
                    sess.run(v.assign(weights[v.name]))
        fd = {x: X_, y: Y_}
        losses = [sess.run([loss, train], fd)[0] for _ in range(5)]
        seconds = per_call(lambda: sess.run(train, fd), 3, repeat=5)
    return seconds, weights, losses, lambda: sess.run(train, fd)


def peak_memory(run):
    """Peak bytes NumPy allocates during one step (tracemalloc)."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    tf = load_tf1()
    table = Table("LSTM training step (batch 32, 28 steps x 28 inputs, 128 units, dense + softmax, Adam)")
    tf_time = weights = None
    if tf is not None:
        tf_time, weights, tf_losses, _ = lstm_step(tf, 32)
    ours, _, our_losses, run = lstm_step(engine, 32, weights)
    table.add("engine: ms per step", ours * 1e3, ".1f")
    if tf is not None:
        table.add("TensorFlow 1.x: ms per step", tf_time * 1e3, ".1f")
        table.add("engine / TensorFlow", ours / tf_time, ".2f", "<= 2", lambda r: r <= 2)
        diff = max(abs(a - b) for a, b in zip(our_losses, tf_losses))
        table.add("largest loss difference in 5 steps", diff, ".1e", "< 1e-4", lambda d: d < 1e-4)
    table.add("engine peak memory of a step (MB)", peak_memory(run) / 2 ** 20, ".1f")
    for batch in (16, 128):
        seconds, _, _, run_b = lstm_step(engine, batch, weights)
        table.add(f"engine, batch {batch}: ms per step", seconds * 1e3, ".1f")
        if tf is not None:
            table.add(f"TensorFlow, batch {batch}: ms per step", lstm_step(tf, batch, weights)[0] * 1e3, ".1f")
        table.add(f"engine, batch {batch}: peak memory (MB)", peak_memory(run_b) / 2 ** 20, ".1f")
    table.print()
    return 1 if table.missed else 0


if __name__ == "__main__":
    sys.exit(main())
