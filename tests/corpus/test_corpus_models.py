"""Corpus: bigger models: convolutional networks, tf.layers and batch normalization, while loops, recurrent
networks and word2vec, each our own reduction of the public program named in `source`. Weights made by TensorFlow's
initializers are overwritten with NumPy values (`reseed`) so that both runs compute the same numbers."""
import pytest

from tests.corpus.runner import Program, check, params

GH = "https://github.com/"

RESEED = """
def reseed(sess, scale=0.3):
    for v in tf.trainable_variables():
        sess.run(v.assign((scale * rng.uniform(-1, 1, v.shape.as_list())).astype(np.float32)))
"""

PROGRAMS = [
    Program(
        "deep_mnist_cnn", GH + "feinuan/Handwritten-Recognition/blob/HEAD/TensorFlow.py",
        "Deep MNIST for experts: weight_variable/bias_variable, conv2d SAME + max_pool_2x2 twice, reshape, dense "
        "layer, dropout with keep_prob, Adam, accuracy",
        RESEED + """
def weight_variable(shape):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1))
def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))
def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')
def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')

x = tf.placeholder(tf.float32, [None, 64])
y_ = tf.placeholder(tf.float32, [None, 10])
x_image = tf.reshape(x, [-1, 8, 8, 1])
h_conv1 = tf.nn.relu(conv2d(x_image, weight_variable([3, 3, 1, 8])) + bias_variable([8]))
h_pool1 = max_pool_2x2(h_conv1)
h_conv2 = tf.nn.relu(conv2d(h_pool1, weight_variable([3, 3, 8, 16])) + bias_variable([16]))
h_pool2 = max_pool_2x2(h_conv2)
h_pool2_flat = tf.reshape(h_pool2, [-1, 2 * 2 * 16])
h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, weight_variable([64, 32])) + bias_variable([32]))
keep_prob = tf.placeholder(tf.float32)
h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
y_conv = tf.matmul(h_fc1_drop, weight_variable([32, 10])) + bias_variable([10])
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
train_step = tf.train.AdamOptimizer(1e-2).minimize(cross_entropy)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1)), tf.float32))
print(h_pool1.shape, h_pool2.shape, y_conv.shape)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    for i in range(20):
        batch = slice(i * 64, (i + 1) * 64)
        if i % 10 == 0:
            print('step %d, training accuracy %g' % (i, accuracy.eval(feed_dict={
                x: DIGITS_X[batch], y_: DIGITS_Y[batch], keep_prob: 1.0})))
        train_step.run(feed_dict={x: DIGITS_X[batch], y_: DIGITS_Y[batch], keep_prob: 1.0})
    print('test accuracy %g' % accuracy.eval(feed_dict={x: DIGITS_X[1500:], y_: DIGITS_Y[1500:], keep_prob: 1.0}))
    print(sess.run(cross_entropy, {x: DIGITS_X[1500:], y_: DIGITS_Y[1500:], keep_prob: 1.0}))
""", rtol=1e-3, atol=1e-4),
    Program(
        "cnn_bias_add_strides", GH + "RPperfect/20190715AllLife/blob/HEAD/20190723_tf_cnn(mnist).py",
        "conv2d helper with bias_add and a strides argument, maxpool2d(k), weights and biases in dicts, dropout "
        "placeholder, VALID padding, one training step at a time",
        RESEED + """
def conv2d(x, W, b, strides=1):
    x = tf.nn.conv2d(x, W, strides=[1, strides, strides, 1], padding='SAME')
    x = tf.nn.bias_add(x, b)
    return tf.nn.relu(x)
def maxpool2d(x, k=2):
    return tf.nn.max_pool(x, ksize=[1, k, k, 1], strides=[1, k, k, 1], padding='VALID')
def conv_net(x, weights, biases, dropout):
    x = tf.reshape(x, shape=[-1, 8, 8, 1])
    conv1 = maxpool2d(conv2d(x, weights['wc1'], biases['bc1']), k=2)
    conv2 = conv2d(conv1, weights['wc2'], biases['bc2'], strides=2)
    fc1 = tf.reshape(conv2, [-1, weights['wd1'].get_shape().as_list()[0]])
    fc1 = tf.nn.relu(tf.add(tf.matmul(fc1, weights['wd1']), biases['bd1']))
    fc1 = tf.nn.dropout(fc1, dropout)
    return tf.add(tf.matmul(fc1, weights['out']), biases['out'])

x = tf.placeholder(tf.float32, [None, 64])
y = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder(tf.float32)
weights = {'wc1': tf.Variable(tf.random_normal([3, 3, 1, 8])), 'wc2': tf.Variable(tf.random_normal([3, 3, 8, 16])),
           'wd1': tf.Variable(tf.random_normal([2 * 2 * 16, 32])), 'out': tf.Variable(tf.random_normal([32, 10]))}
biases = {'bc1': tf.Variable(tf.random_normal([8])), 'bc2': tf.Variable(tf.random_normal([16])),
          'bd1': tf.Variable(tf.random_normal([32])), 'out': tf.Variable(tf.random_normal([10]))}
pred = conv_net(x, weights, biases, keep_prob)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=0.01).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1)), tf.float32))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    for step in range(1, 16):
        batch = slice(step * 64, (step + 1) * 64)
        sess.run(optimizer, feed_dict={x: DIGITS_X[batch], y: DIGITS_Y[batch], keep_prob: 1.0})
        if step % 5 == 0:
            loss, acc = sess.run([cost, accuracy], feed_dict={x: DIGITS_X[batch], y: DIGITS_Y[batch], keep_prob: 1.})
            print("Iter " + str(step) + ", Minibatch Loss= " + "{:.6f}".format(loss) + ", Accuracy= " +
                  "{:.5f}".format(acc))
""", rtol=1e-3, atol=1e-4),
    Program(
        "layers_cnn_model_fn", GH + "Tholke/object-detection-brandberg/blob/HEAD/cnn.py",
        "the tf.layers CNN of the TF1 layers tutorial: conv2d, max_pooling2d, dense, dropout(training=...)",
        RESEED + """
features = tf.placeholder(tf.float32, [None, 64])
input_layer = tf.reshape(features, [-1, 8, 8, 1])
conv1 = tf.layers.conv2d(inputs=input_layer, filters=8, kernel_size=[3, 3], padding="same", activation=tf.nn.relu)
pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
conv2 = tf.layers.conv2d(inputs=pool1, filters=16, kernel_size=[3, 3], padding="same", activation=tf.nn.relu)
pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2)
pool2_flat = tf.reshape(pool2, [-1, 2 * 2 * 16])
dense = tf.layers.dense(inputs=pool2_flat, units=32, activation=tf.nn.relu)
dropout = tf.layers.dropout(inputs=dense, rate=0.4, training=False)
logits = tf.layers.dense(inputs=dropout, units=10)
print([v.name for v in tf.trainable_variables()], logits.shape)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    print(sess.run(logits, {features: DIGITS_X[:2]}))
"""),
    Program(
        "layers_batch_norm_update_ops", GH + "yidaxu/beautiful-jekyll/blob/HEAD/_posts/2018-08-12-tensorflow解惑.md",
        "tf.layers.batch_normalization with a training placeholder, its moving statistics updated through "
        "UPDATE_OPS as control dependencies of the train op",
        RESEED + """
training = tf.placeholder(tf.bool)
input_x = tf.placeholder(tf.float32, [None, 64])
labels = tf.placeholder(tf.float32, [None, 10])
x = tf.layers.dense(input_x, units=16)
x = tf.layers.batch_normalization(x, training=training)
x = tf.nn.relu(x)
logits = tf.layers.dense(x, units=10)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
extra_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(extra_update_ops):
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
print(len(extra_update_ops), sorted(v.name for v in tf.global_variables()))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    for i in range(5):
        sess.run(train_op, {input_x: DIGITS_X[:100], labels: DIGITS_Y[:100], training: True})
    moving = [v for v in tf.global_variables() if 'moving_mean' in v.name][0]
    print(sess.run(moving)[:4], sess.run(loss, {input_x: DIGITS_X[:100], labels: DIGITS_Y[:100], training: False}))
""", missing="not comparable: TensorFlow 2.21, the oracle, no longer has tf.layers.batch_normalization (Keras 3)"),
    Program(
        "batch_norm_pitfall", GH + "bsun0802/my-blog/blob/HEAD/content/blog/tf-batch-normalization.md",
        "the UPDATE_OPS pitfall: without running the update ops the moving mean stays 0; running them with "
        "sess.run([train_op, extra_update_ops]) moves it",
        RESEED + """
training = tf.placeholder(tf.bool)
x = tf.placeholder(tf.float32, [None, 64])
h = tf.layers.batch_normalization(tf.layers.dense(x, 8), training=training)
loss = tf.reduce_mean(tf.square(h))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
extra_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
moving_mean = [v for v in tf.global_variables() if 'moving_mean' in v.name][0]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    sess.run(train_op, {x: DIGITS_X[:50], training: True})
    print(sess.run(moving_mean))
    sess.run([train_op, extra_update_ops], {x: DIGITS_X[:50], training: True})
    print(sess.run(moving_mean))
""", missing="not comparable: TensorFlow 2.21, the oracle, no longer has tf.layers.batch_normalization (Keras 3)"),
    Program(
        "while_loop_doc_counter", GH + "tensorflow/tensorflow/blob/HEAD/tensorflow/g3doc/api_docs/python/"
        "functions_and_classes/tf.while_loop.md",
        "the while_loop documentation example: i = 0; while i < 10: i += 1, with tf.less and tf.add",
        """
i = tf.constant(0)
c = lambda i: tf.less(i, 10)
b = lambda i: tf.add(i, 1)
r = tf.while_loop(c, b, [i])
with tf.Session() as sess:
    print(sess.run(r), r.shape, r.dtype)
"""),
    Program(
        "while_loop_print_get_variable", GH + "gnthibault/tensorflowexperiments/blob/HEAD/simplePOF/whileLoop/test.py",
        "a loop bound from get_variable(zeros_initializer) + 10, tf.Print of v[i] inside the body, "
        "global_variables_initializer",
        """
nb_iter = tf.get_variable('nb_iter', shape=(), dtype=tf.int32, trainable=False, initializer=tf.zeros_initializer())
nb_iter = tf.add(nb_iter, 10)
i = tf.get_variable('i', shape=(), trainable=False, initializer=tf.zeros_initializer(), dtype=nb_iter.dtype)
v = tf.get_variable('v', shape=(10), trainable=False, initializer=tf.constant_initializer(np.arange(10.0)),
                    dtype=tf.float32)
loop_condition = lambda i: tf.less(i, nb_iter)
def loop_body(i):
    i = tf.Print(i, [v[i]], message='Another vector element: ')
    return [tf.add(i, 1)]
i = tf.while_loop(loop_condition, loop_body, [i])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    res = sess.run(i)
    print('res is now {}'.format(res))
"""),
    Program(
        "while_loop_tuple_vars", GH + "suiup/tensorflow_learning/blob/HEAD/official_learning/while_loop/test01.py",
        "while_loop over a (counter, tensor) tuple with a Python bound, tf.Print in the body, the final tensor's "
        "shape",
        """
n = 100
x = tf.constant(list(range(n)))
c = lambda i, x: i < n
b = lambda i, x: (tf.Print(i + 1, [i]), tf.Print(x + 1, [i], "x:"))
i, out = tf.while_loop(c, b, (0, x))
with tf.Session() as sess:
    print(sess.run(i))
    print(sess.run(out).shape, sess.run(out)[:5])
"""),
    Program(
        "dynamic_rnn_sequence_length", GH + "aorursy/KT_dataset_py/blob/HEAD/"
        "sks27199_variable-length-input-sequence-dynamicrnn.py",
        "BasicRNNCell + dynamic_rnn with sequence_length (padded steps give zero outputs, the state stops at the "
        "last real step)",
        RESEED + """
n_steps, n_inputs, n_neurons = 2, 3, 5
seq_length = tf.placeholder(tf.int32, [None])
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons)
outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32, sequence_length=seq_length)
X_batch = np.array([[[0, 1, 2], [9, 8, 7]], [[3, 4, 5], [0, 0, 0]], [[6, 7, 8], [6, 5, 4]], [[9, 0, 1], [3, 2, 1]]])
seq_length_batch = np.array([2, 1, 2, 2])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess, 0.2)
    outputs_val, states_val = sess.run([outputs, states], feed_dict={X: X_batch, seq_length: seq_length_batch})
print([v.name for v in tf.trainable_variables()])
print(outputs_val)
print(states_val)
"""),
    Program(
        "dynamic_rnn_shapes", GH + "liaozhihui/lzh/blob/HEAD/poem/test/test_tf.nn.dynamic_rnn.py",
        "the same padded batch through dynamic_rnn, printing the shapes of outputs and final state, init.run()",
        RESEED + """
X = tf.placeholder(tf.float32, shape=[None, 2, 3])
basic_cell = tf.contrib.rnn.BasicRNNCell(5)
seq_length = tf.placeholder(tf.int32, [None])
outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32, sequence_length=seq_length)
init = tf.global_variables_initializer()
X_batch = np.array([[[0, 1, 2], [9, 8, 7]], [[3, 4, 5], [0, 0, 0]], [[6, 7, 8], [6, 5, 4]], [[9, 0, 1], [3, 2, 1]]])
with tf.Session() as sess:
    init.run()
    reseed(sess, 0.2)
    outputs_val, states_val = sess.run([outputs, states], feed_dict={X: X_batch, seq_length: [2, 1, 2, 2]})
    print("outputs_val.shape:", outputs_val.shape, "states_val.shape:", states_val.shape)
    print(outputs.shape, states.shape, states_val.sum())
"""),
    Program(
        "lstm_hello_one_hot", GH + "inseok1121/tensorflow_2/blob/HEAD/03_sungkim/rnn.py",
        "tf.contrib.rnn.BasicLSTMCell + dynamic_rnn straight on a NumPy batch of one-hot "
        "'hello' sequences, outputs.eval(), the LSTMStateTuple's c and h",
        RESEED + """
h, e, l, o = [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]
cell = tf.contrib.rnn.BasicLSTMCell(num_units=2)
x_data = np.array([[h, e, l, l, o], [e, o, l, l, l], [l, l, e, e, l]], dtype=np.float32)
outputs, _states = tf.nn.dynamic_rnn(cell, x_data, dtype=tf.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    reseed(sess)
    print([v.name for v in tf.trainable_variables()], outputs.shape)
    print(outputs.eval())
    print(sess.run(_states.c), sess.run(_states.h))
"""),
    Program(
        "word2vec_nce_get_variable", GH + "cuixuage/Machine_Learning/blob/HEAD/CS20_TensorFlow/4_word2vec.md",
        "CS20's word2vec: get_variable embeddings in name scopes, embedding_lookup, nce_loss (with fixed sampled "
        "candidates so that both runs draw the same negatives), GradientDescent",
        """
VOCAB_SIZE, EMBED_SIZE, BATCH = 50, 8, 16
center_words = tf.placeholder(tf.int32, shape=[BATCH], name='center_words')
target_words = tf.placeholder(tf.int32, shape=[BATCH, 1], name='target_words')
with tf.name_scope('embed'):
    embed_matrix = tf.get_variable('embed_matrix', initializer=rng.uniform(-1, 1, [VOCAB_SIZE, EMBED_SIZE])
                                   .astype(np.float32))
    embed = tf.nn.embedding_lookup(embed_matrix, center_words, name='embedding')
with tf.name_scope('loss'):
    nce_weight = tf.get_variable('nce_weight', initializer=(rng.normal(size=[VOCAB_SIZE, EMBED_SIZE]) /
                                                            EMBED_SIZE ** 0.5).astype(np.float32))
    nce_bias = tf.get_variable('nce_bias', initializer=tf.zeros([VOCAB_SIZE]))
    sampled = (tf.constant([3, 7, 11, 20, 41], tf.int64), tf.fill([BATCH, 1], 0.1), tf.fill([5], 0.1))
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weight, biases=nce_bias, labels=target_words, inputs=embed,
                                         num_sampled=5, num_classes=VOCAB_SIZE, sampled_values=sampled), name='loss')
optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
centers = rng.randint(0, VOCAB_SIZE, BATCH)
targets = ((centers + 1) % VOCAB_SIZE).reshape(-1, 1)
print(embed.shape, loss.name, embed_matrix.name)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for index in range(20):
        loss_batch, _ = sess.run([loss, optimizer], feed_dict={center_words: centers, target_words: targets})
        if index % 5 == 0:
            print('Average loss at step {}: {:5.6f}'.format(index, loss_batch))
"""),
    Program(
        "word2vec_tutorial_variables", GH + "allawn/dl/blob/HEAD/book/nlp/word2vec.py",
        "the TF word2vec tutorial's graph: tf.Variable embeddings, truncated_normal nce weights, print(embed) of the "
        "looked-up tensor, nce_loss, SGD with learning rate 1.0",
        """
import math
vocabulary_size, embedding_size, batch_size, num_sampled = 40, 6, 8, 4
embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
nce_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                              stddev=1.0 / math.sqrt(embedding_size)))
nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
embed = tf.nn.embedding_lookup(embeddings, train_inputs)
print(embed.shape, embed.dtype)
sampled = (tf.constant([1, 5, 9, 30], tf.int64), tf.fill([batch_size, 1], 0.2), tf.fill([num_sampled], 0.2))
loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels, inputs=embed,
                                     num_sampled=num_sampled, num_classes=vocabulary_size, sampled_values=sampled))
optimizer = tf.train.GradientDescentOptimizer(learning_rate=1.0).minimize(loss)
inputs = rng.randint(0, vocabulary_size, batch_size)
labels = rng.randint(0, vocabulary_size, [batch_size, 1])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v, value in zip([embeddings, nce_weights], [rng.uniform(-1, 1, [vocabulary_size, embedding_size]),
                                                     rng.normal(0, 0.4, [vocabulary_size, embedding_size])]):
        v.load(value.astype(np.float32), sess)
    for step in range(10):
        _, cur_loss = sess.run([optimizer, loss], feed_dict={train_inputs: inputs, train_labels: labels})
    print(cur_loss, sess.run(embed, {train_inputs: inputs})[0])
"""),
]


@pytest.mark.parametrize("program", params(PROGRAMS))
def test_program(program, tf1, tmp_path):
    check(program, tf1, tmp_path)
