"""A two-minute tour of the engine (`python examples/tour.py`): build a graph, run it, train a tiny model."""
import time

import numpy as np

import engine as tf


def main():
    print(f"engine {tf.__version__}: TensorFlow 1.x graphs and sessions on NumPy\n")
    a = tf.add(3, 5)
    print("1. Un grafo se construye primero:      ", a)
    with tf.Session() as sess:
        print("   ...y se ejecuta en una sesión:      ", sess.run(a))

    x = tf.placeholder(tf.float32, [None], name="x")
    w = tf.Variable(0.0, name="w")
    b = tf.Variable(0.0, name="b")
    y = w * x + b
    target = tf.placeholder(tf.float32, [None], name="target")
    loss = tf.reduce_mean(tf.square(y - target))
    train = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    xs = np.linspace(-1, 1, 50).astype(np.float32)
    ys = 3 * xs - 1
    print("2. Entrenar w*x + b para que se parezca a 3x - 1 (descenso de gradiente):")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = time.perf_counter()
        for step in range(101):
            _, value = sess.run([train, loss], {x: xs, target: ys})
            if step % 25 == 0:
                print(f"   paso {step:3d}  pérdida {value:.6f}")
        wv, bv = sess.run([w, b])
        print(f"   w = {wv:.3f}, b = {bv:.3f}  ({(time.perf_counter() - start) * 1e3:.1f} ms)")

    print("3. Los errores explican qué pasó y dónde:")
    try:
        with tf.Session() as sess:
            sess.run(loss)
    except tf.errors.InvalidArgumentError as e:
        print("   " + str(e).replace("\n", "\n   "))


if __name__ == "__main__":
    main()
