"""Training speed, measured in one run: seed 004's circle classifier (one GradientDescent step at N=100 and
N=100,000) against the same math in hand-written NumPy and against TensorFlow 1.x; then an MLP on scikit-learn's
bundled digits (8x8) trained with Adam, its test accuracy and time.

    .venv/bin/python bench/bench_training.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import engine  # noqa: E402
from _timing import Table, load_tf1, per_call  # noqa: E402



def learning_rate(n):
    """The seed's 0.01 at N=100, scaled as 1/N: the loss is a sum over the points, so a fixed rate would make
    the N=100,000 run diverge to NaN (and time NaN arithmetic instead of the real step)."""
    return np.float32(1.0 / n)


def circle_data(n, seed=0):
    rng = np.random.RandomState(seed)
    spots = (rng.rand(n, 2) * 2 - 1).astype(np.float32)
    inside = (spots[:, 0] ** 2 + spots[:, 1] ** 2 < 0.5).astype(np.uint8)
    return spots, inside


def initial_weights(seed=1):
    rng = np.random.RandomState(seed)
    return [rng.uniform(-1, 1, s).astype(np.float32) for s in ([2, 8], [8], [8, 2], [2])]


def circle_step(m, n):
    """The seed's graph: (seconds per `sess.run(train, feed_dict)`, weights after 20 steps)."""
    X_, Y_ = circle_data(n)
    with m.Graph().as_default():
        W1, b1, W2, b2 = (m.Variable(w) for w in initial_weights())
        X = m.placeholder(m.float32, [None, 2])
        Y = m.placeholder(m.uint8)
        onehot = m.one_hot(Y, 2)
        hidden = m.sigmoid(m.add(m.matmul(X, W1), b1))
        out = m.nn.softmax(m.add(m.matmul(hidden, W2), b2))
        loss = -m.reduce_sum(onehot * m.log(out))
        train = m.train.GradientDescentOptimizer(learning_rate(n)).minimize(loss)
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            fd = {X: X_, Y: Y_}
            for _ in range(20):
                sess.run(train, feed_dict=fd)
            weights = sess.run([W1, b1, W2, b2])
            seconds = per_call(lambda: sess.run(train, feed_dict=fd), max(3, 3000 // (1 + n // 100)))
    return seconds, weights


def circle_step_numpy(n):
    """The same forward and backward pass written by hand (chain rule through softmax, log and sigmoid)."""
    X, Y = circle_data(n)
    W1, b1, W2, b2 = initial_weights()
    eye = np.eye(2, dtype=np.float32)
    lr = learning_rate(n)

    def step():
        nonlocal W1, b1, W2, b2
        onehot = eye[Y]
        hidden = 1 / (1 + np.exp(-(X @ W1 + b1)))
        logits = hidden @ W2 + b2
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
        d_out = -onehot / out                                           # d(-sum(onehot * log(out)))/d(out)
        d_logits = out * (d_out - (d_out * out).sum(axis=1, keepdims=True))  # softmax
        d_hidden = d_logits @ W2.T
        d_z = d_hidden * hidden * (1 - hidden)                          # sigmoid
        W1, b1 = W1 - lr * (X.T @ d_z), b1 - lr * d_z.sum(axis=0)
        W2, b2 = W2 - lr * (hidden.T @ d_logits), b2 - lr * d_logits.sum(axis=0)

    for _ in range(20):
        step()
    weights = [W1, b1, W2, b2]
    return per_call(step, max(3, 3000 // (1 + n // 100))), weights


def digits_mlp(m, epochs=40, batch=64, seed=0):
    """A 64-64-10 ReLU network on the 8x8 digits with Adam; returns (test accuracy, training CPU seconds)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split((digits.data / 16.0).astype(np.float32), digits.target,
                                                        test_size=0.25, random_state=seed, stratify=digits.target)
    rng = np.random.RandomState(seed)
    glorot = lambda a, b: rng.uniform(-1, 1, (a, b)).astype(np.float32) * np.float32(np.sqrt(6 / (a + b)))  # noqa
    with m.Graph().as_default():
        x = m.placeholder(m.float32, [None, 64], name="x")
        y = m.placeholder(m.int64, [None], name="y")
        W1, b1 = m.Variable(glorot(64, 64), name="W1"), m.Variable(np.zeros(64, np.float32), name="b1")
        W2, b2 = m.Variable(glorot(64, 10), name="W2"), m.Variable(np.zeros(10, np.float32), name="b2")
        logits = m.matmul(m.nn.relu(m.matmul(x, W1) + b1), W2) + b2
        loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = m.train.AdamOptimizer(0.005).minimize(loss)
        accuracy = m.reduce_mean(m.cast(m.equal(m.argmax(logits, 1), y), m.float32))
        with m.Session() as sess:
            sess.run(m.global_variables_initializer())
            t = time.process_time()
            for _ in range(epochs):
                order = rng.permutation(len(x_train))
                for i in range(0, len(order), batch):
                    idx = order[i:i + batch]
                    sess.run(train, {x: x_train[idx], y: y_train[idx]})
            seconds = time.process_time() - t
            return float(sess.run(accuracy, {x: x_test, y: y_test})), seconds


def main():
    table = Table("Training speed: seed 004's circle classifier, one GradientDescent step")
    results = {}
    for n in (100, 100_000):
        eng, eng_w = circle_step(engine, n)
        ref, ref_w = circle_step_numpy(n)
        for a, b in zip(eng_w, ref_w):  # the same math: the same weights after 20 steps
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
        results[n] = eng
        table.add(f"N={n:,}: engine step [µs]", eng * 1e6, ".1f")
        table.add(f"N={n:,}: hand-written NumPy step [µs]", ref * 1e6, ".1f")
        goal = 1.5 if n == 100 else 1.2
        table.add(f"N={n:,}: ratio engine / NumPy", eng / ref, ".2f", f"<= {goal}", lambda v, g=goal: v <= g)
    tf1 = load_tf1()
    if tf1 is not None:
        theirs, their_w = circle_step(tf1, 100)
        for a, b in zip(their_w, circle_step(engine, 100)[1]):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
        table.add("N=100: TensorFlow compat.v1 step [µs]", theirs * 1e6, ".1f")
        table.add("N=100: ratio TensorFlow / engine", theirs / results[100], ".1f", ">= 5", lambda v: v >= 5)
    else:
        table.add("N=100: ratio TensorFlow / engine (TF not installed)", None, "")
    table.print()

    digits = Table("MLP 64-64-10 on scikit-learn's digits (Adam, 40 epochs, batches of 64)")
    acc, seconds = digits_mlp(engine)
    digits.add("engine: test accuracy", acc, ".3f", ">= 0.95", lambda v: v >= 0.95)
    digits.add("engine: training time [CPU s]", seconds, ".2f")
    if tf1 is not None:
        tf_acc, tf_seconds = digits_mlp(tf1)
        digits.add("TensorFlow compat.v1: test accuracy", tf_acc, ".3f")
        digits.add("TensorFlow compat.v1: training time [CPU s]", tf_seconds, ".2f")
    digits.print()
    return 1 if table.missed or digits.missed else 0


if __name__ == "__main__":
    sys.exit(main())
