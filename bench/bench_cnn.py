"""A LeNet-style training step on scikit-learn's digits (8x8 images): two 5x5 convolutions (SAME, ReLU) each followed
by 2x2 max pooling, a dense layer of 128 and a softmax cross-entropy, trained with Adam; engine against TensorFlow
1.x (compat.v1) with the same initial weights, in the same run: CPU time per step, the memory a step needs, and how
both grow with the batch size.

    .venv/bin/python bench/bench_cnn.py            # batches of 32, 64 and 256
    .venv/bin/python bench/bench_cnn.py --quick    # batch 64 only

Both run on BENCH_THREADS threads (default 1: NumPy's BLAS threads, TensorFlow's thread pools), so that the CPU
times compare the same work (on a busy machine, idle BLAS threads spinning would otherwise count). Each (framework,
batch) runs in a fresh child process, so that the peak memory of one does not hide the other's:
"step memory" is the peak resident memory while training minus the resident memory before the first step.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))
from _timing import Table, load_tf1, per_call  # noqa: E402

GOAL = 1.5  # engine time / TensorFlow time, at batch 64
THREADS = int(os.environ.get("BENCH_THREADS", "1"))  # per framework: BLAS threads of NumPy, TensorFlow's pools


def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.images[..., None] / 16.0).astype(np.float32), d.target.astype(np.int64)


def initial_weights(seed=0):
    rng = np.random.RandomState(seed)
    shapes = [(5, 5, 1, 32), (32,), (5, 5, 32, 64), (64,), (2 * 2 * 64, 128), (128,), (128, 10), (10,)]
    return [(rng.randn(*s) * (0.1 if len(s) > 1 else 0.0)).astype(np.float32) for s in shapes]


def lenet(m, images, labels):
    """The graph: (loss, train op)."""
    W1, b1, W2, b2, W3, b3, W4, b4 = (m.Variable(w) for w in initial_weights())
    h = m.nn.relu(m.nn.conv2d(images, W1, [1, 1, 1, 1], "SAME") + b1)
    h = m.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")                  # 4x4x32
    h = m.nn.relu(m.nn.conv2d(h, W2, [1, 1, 1, 1], "SAME") + b2)
    h = m.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")                  # 2x2x64
    h = m.nn.relu(m.matmul(m.reshape(h, [-1, 2 * 2 * 64]), W3) + b3)
    logits = m.matmul(h, W4) + b4
    loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    return loss, m.train.AdamOptimizer(1e-3).minimize(loss)


def _memory_kib(field):
    """VmRSS (resident now) or VmHWM (the peak) of this process, in KiB, from /proc (Linux)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def measure(framework, batch):
    """In this process: seconds per step, step memory (MiB), the losses of the first 5 steps (and the NumPy peak)."""
    m = load_tf1() if framework == "tensorflow" else __import__("engine")
    x_all, y_all = digits()
    with m.Graph().as_default():
        images = m.placeholder(m.float32, [None, 8, 8, 1])
        labels = m.placeholder(m.int64, [None])
        loss, train = lenet(m, images, labels)
        config = None
        if framework == "tensorflow":
            config = m.ConfigProto(intra_op_parallelism_threads=THREADS, inter_op_parallelism_threads=THREADS)
        with m.Session(config=config) as sess:
            sess.run(m.global_variables_initializer())
            rng = np.random.RandomState(1)
            feeds = [{images: x_all[idx], labels: y_all[idx]}
                     for idx in (rng.choice(len(x_all), batch, replace=False) for _ in range(8))]
            before = _memory_kib("VmRSS")
            losses = [float(sess.run([loss, train], feeds[i])[0]) for i in range(5)]
            i = [0]

            def step():
                sess.run(train, feeds[i[0] % len(feeds)])
                i[0] += 1
            seconds = per_call(step, max(2, 640 // batch), repeat=5)
            step_mib = (_memory_kib("VmHWM") - before) / 1024
            numpy_peak = None
            if framework == "engine":  # NumPy reports its allocations to tracemalloc
                tracemalloc.start()
                step()
                numpy_peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
                tracemalloc.stop()
    return {"seconds": seconds, "step_mib": step_mib, "numpy_peak_mib": numpy_peak, "losses": losses}


def in_child(framework, batch):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(THREADS), OMP_NUM_THREADS=str(THREADS),
               MKL_NUM_THREADS=str(THREADS))
    out = subprocess.run([sys.executable, __file__, "--child", framework, str(batch)], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv):
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(argv[1], int(argv[2]))))
        return 0
    batches = [64] if "--quick" in argv else [32, 64, 256]
    have_tf = importlib.util.find_spec("tensorflow") is not None  # imported only by the children
    table = Table(f"LeNet on the digits (2 conv 5x5 + max pool, dense 128, Adam): one training step, CPU time, "
                  f"{THREADS} thread(s) each")
    results = {}
    for batch in batches:
        eng = in_child("engine", batch)
        table.add(f"batch {batch}: engine step [ms]", eng["seconds"] * 1e3, ".2f")
        table.add(f"batch {batch}: engine step memory [MiB]", eng["step_mib"], ".1f")
        table.add(f"batch {batch}: engine NumPy peak in a step [MiB]", eng["numpy_peak_mib"], ".1f")
        if have_tf:
            ref = in_child("tensorflow", batch)
            np.testing.assert_allclose(eng["losses"], ref["losses"], rtol=1e-3)  # the same training
            table.add(f"batch {batch}: TensorFlow step [ms]", ref["seconds"] * 1e3, ".2f")
            table.add(f"batch {batch}: TensorFlow step memory [MiB]", ref["step_mib"], ".1f")
            ratio = eng["seconds"] / ref["seconds"]
            table.add(f"batch {batch}: ratio engine / TensorFlow", ratio, ".2f",
                      f"<= {GOAL}" if batch == 64 else "", (lambda v: v <= GOAL) if batch == 64 else None)
        results[batch] = eng["seconds"]
    if len(batches) > 1:
        growth = results[batches[-1]] / results[batches[0]]
        table.add(f"engine time growth, batch {batches[0]} -> {batches[-1]} (x{batches[-1] // batches[0]})",
                  growth, ".2f")
    table.print()
    return 1 if table.missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
