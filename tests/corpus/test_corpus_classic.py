"""Corpus: the classic first programs (softmax regression on MNIST, linear and logistic regression, MLPs, XOR,
learning-rate decay, autoencoders), each our own reduction of the public program named in `source`."""
import pytest

from tests.corpus.runner import Program, check, params

GH = "https://github.com/"

PROGRAMS = [
    Program(
        "mnist_softmax_sum_loss", GH + "pengyang486868/PyRepo/blob/HEAD/ClimbRails/TestTensor/netlearn.py",
        "softmax regression, -reduce_sum(y_*log(y)), GradientDescent, printing W and b while training",
        """
x = tf.placeholder(tf.float32, [None, 64])
W = tf.Variable(tf.zeros([64, 10]))
b = tf.Variable(tf.zeros([10]))
y = tf.nn.softmax(tf.matmul(x, W) + b)
y_ = tf.placeholder("float", [None, 10])
cross_entropy = -tf.reduce_sum(y_ * tf.log(y))
train_step = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for step in range(60):
    i = (step * 100) % 1500
    sess.run(train_step, feed_dict={x: DIGITS_X[i:i + 100], y_: DIGITS_Y[i:i + 100]})
    if step % 20 == 0:
        print(step, sess.run(W).sum(), sess.run(b))
"""),
    Program(
        "mnist_softmax_named_ops", GH + "yangyixiaof/DeepQ/blob/HEAD/DeepQ/invoke_deep_q/test_graph_storage.py",
        "named placeholders and ops, initialize_all_variables().run() in an InteractiveSession, ops found by name",
        """
sess = tf.InteractiveSession()
x = tf.placeholder("float", shape=[None, 64], name='input_x')
y_ = tf.placeholder("float", shape=[None, 10], name='input_y')
W = tf.Variable(tf.zeros([64, 10]), name='W')
b = tf.Variable(tf.zeros([10]), name='b')
tf.initialize_all_variables().run()
y = tf.nn.softmax(tf.matmul(x, W) + b, name='softmax')
cross_entropy = -tf.reduce_sum(y_ * tf.log(y))
train_step = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy, name='train_step')
print(x.name, y_.name, W.name, y.name, train_step.name, train_step.type)
g = tf.get_default_graph()
for _ in range(5):
    sess.run(g.get_operation_by_name('train_step'), {'input_x:0': DIGITS_X[:200], 'input_y:0': DIGITS_Y[:200]})
print(sess.run('softmax:0', {'input_x:0': DIGITS_X[:2]}))
sess.close()
"""),
    Program(
        "mnist_softmax_reduction_indices", GH + "silasplfilho/ML-DL/blob/HEAD/General_DL/Deep_Learning_with_TensorFlow/"
        "2.2.CNN_MNIST.py",
        "InteractiveSession, reduce_mean(-reduce_sum(..., reduction_indices=[1])), accuracy with argmax/equal/cast",
        """
sess = tf.InteractiveSession()
x = tf.placeholder(tf.float32, shape=[None, 64])
y_ = tf.placeholder(tf.float32, shape=[None, 10])
w = tf.Variable(tf.zeros([64, 10], tf.float32))
b = tf.Variable(tf.zeros([10], tf.float32))
sess.run(tf.global_variables_initializer())
y = tf.nn.softmax(tf.matmul(x, w) + b)
cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
for i in range(40):
    train_step.run(feed_dict={x: DIGITS_X[:1000], y_: DIGITS_Y[:1000]})
correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
acc = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print(acc.eval(feed_dict={x: DIGITS_X[1000:], y_: DIGITS_Y[1000:]}), cross_entropy.eval({x: DIGITS_X, y_: DIGITS_Y}))
sess.close()
"""),
    Program(
        "mnist_softmax_xent_of_softmax", GH + "vivekamin/DigitRecognizer_TF/blob/HEAD/recognizer.py",
        "softmax_cross_entropy_with_logits fed with softmax outputs (a classic mistake that still trains), "
        "global_variables_initializer().run()",
        """
x = tf.placeholder(tf.float32, [None, 64])
W = tf.Variable(tf.zeros([64, 10]))
b = tf.Variable(tf.zeros([10]))
y = tf.nn.softmax(tf.matmul(x, W) + b)
y_ = tf.placeholder(tf.float32, [None, 10])
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
for i in range(30):
    batch = slice((i * 50) % 1500, (i * 50) % 1500 + 50)
    sess.run(train_step, feed_dict={x: DIGITS_X[batch], y_: DIGITS_Y[batch]})
print(sess.run(cross_entropy, feed_dict={x: DIGITS_X, y_: DIGITS_Y}))
sess.close()
"""),
    Program(
        "linear_regression_blog", "http://danjamrozik.com/2016/05/02/linear-regression-tensorflow.html",
        "y = m x + b on generated data, placeholders X and Y, variables at 0.0, squared error, GradientDescent",
        """
X_data = np.linspace(-1, 1, 101).astype(np.float32)
Y_data = (2 * X_data + 0.5 + rng.normal(0, 0.1, 101)).astype(np.float32)
X = tf.placeholder("float")
Y = tf.placeholder("float")
m = tf.Variable(0.0, name="m")
b = tf.Variable(0.0, name="b")
y_model = tf.multiply(X, m) + b
cost = tf.reduce_mean(tf.square(Y - y_model))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(100):
        sess.run(train_op, feed_dict={X: X_data, Y: Y_data})
    print(sess.run([m, b]), sess.run(cost, {X: X_data, Y: Y_data}))
"""),
    Program(
        "linear_regression_name_scopes", GH + "brunoflores/tensorflow-lab",
        "tf.Variable([.3], tf.float32) (dtype passed as `trainable`), name scopes, the loss before and after training",
        """
tf.reset_default_graph()
sess = tf.InteractiveSession()
with tf.name_scope('weights'):
    W = tf.Variable([.3], tf.float32)
with tf.name_scope('bias'):
    b = tf.Variable([-.3], tf.float32)
x = tf.placeholder(tf.float32)
linear_model = W * x + b
x_train = [1, 2, 3, 4]
y_train = [0, -1, -2, -3]
init = tf.global_variables_initializer().run()
print(sess.run(linear_model, {x: [5, 1, 4, 9]}))
y = tf.placeholder(tf.float32)
loss = tf.reduce_sum(tf.square(linear_model - y))
print(W.name, b.name, linear_model.name, loss.name, sess.run(loss, {x: x_train, y: y_train}))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
for i in range(300):
    sess.run(train, {x: x_train, y: y_train})
print(sess.run([W, b, loss], {x: x_train, y: y_train}))
sess.close()
"""),
    Program(
        "logistic_regression_lecture", GH + "jongwoo-ha/tensorflow-lecture/blob/HEAD/reference/02-logistic_regression/"
        "02-logistic_regression.py",
        "sigmoid_cross_entropy_with_logits, prediction = cast(H > 0.5), accuracy, '%.5e' formatting",
        """
x_data = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]]
y_data = [[0], [0], [0], [1], [1], [1]]
X = tf.placeholder(tf.float32, shape=[None, 2])
Y = tf.placeholder(tf.float32, shape=[None, 1])
W = tf.Variable(rng.normal(size=[2, 1]).astype(np.float32))
b = tf.Variable(rng.normal(size=[1]).astype(np.float32))
logits = tf.matmul(X, W) + b
H = tf.sigmoid(logits)
cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
prediction = tf.cast(H > 0.5, dtype=tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, Y), dtype=tf.float32))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(300):
        _cost, _ = sess.run([cost, train], {X: x_data, Y: y_data})
        if step < 5 or step % 100 == 0:
            print('step: %d, cost: %.5e' % (step, _cost))
    print(sess.run([prediction, accuracy], {X: x_data, Y: y_data}))
"""),
    Program(
        "or_gate_layers_dense", GH + "ArthurDassier/workshops_ia/blob/HEAD/first_workshop/or.py",
        "tf.layers.dense, sigmoid_cross_entropy_with_logits reduced over axis 0, Adam, sigmoid of the logits",
        """
x = [[0, 0], [1, 0], [0, 1], [1, 1]]
y = [[0], [1], [1], [1]]
entries = tf.placeholder(tf.float32, [None, 2])
outs = tf.layers.dense(entries, 1, kernel_initializer=tf.constant_initializer([[0.3], [-0.2]]))
labels = tf.placeholder(tf.float32, [None, 1])
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=outs, labels=labels), axis=0)
optimizer = tf.train.AdamOptimizer(0.05).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(100):
        sess.run(loss, feed_dict={entries: x, labels: y})
        sess.run(optimizer, feed_dict={entries: x, labels: y})
    print([v.name for v in tf.trainable_variables()])
    print(sess.run(tf.sigmoid(outs), feed_dict={entries: x}))
"""),
    Program(
        "xor_single_layer", GH + "raccoon2389/AI_prac/blob/HEAD/tf/tf14_xor.py",
        "int64 NumPy data fed to float placeholders, loss -reduce_sum(y*log(h), axis=1), accuracy every 200 steps",
        """
x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y_data = np.array([0, 1, 1, 0]).reshape(-1, 1)
x = tf.placeholder(tf.float32, shape=[None, x_data.shape[1]])
y = tf.placeholder(tf.float32, shape=[None, y_data.shape[1]])
W = tf.Variable(tf.zeros([x_data.shape[1], y_data.shape[1]]))
b = tf.Variable(tf.zeros([y_data.shape[1]]))
hypo = tf.sigmoid(tf.matmul(x, W) + b)
loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(hypo), axis=1))
predicted = tf.cast(hypo > 0.5, dtype=tf.float32)
acc = tf.reduce_mean(tf.cast(tf.equal(predicted, y), dtype=tf.float32))
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(601):
        _, loss_val, a = sess.run([optimizer, loss, acc], feed_dict={x: x_data, y: y_data})
        if i % 200 == 0:
            print(i, loss_val, a)
"""),
    Program(
        "mlp_weight_dicts", GH + "shuest/myTensorflowLearning/blob/HEAD/深度学习tf/7.3.py",
        "multilayer perceptron with dicts of weights and biases, relu, softmax_cross_entropy_with_logits, Adam, "
        "epochs of batches, accuracy",
        """
n_hidden_1, n_hidden_2, n_input, n_classes = 32, 32, 64, 10
x = tf.placeholder("float", [None, n_input])
y = tf.placeholder("float", [None, n_classes])

def multilayer_perceptron(x, weights, biases):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights['h1']), biases['b1']))
    layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights['h2']), biases['b2']))
    return tf.matmul(layer_2, weights['out']) + biases['out']

normal = lambda *shape: tf.Variable((0.3 * rng.normal(size=shape)).astype(np.float32))
weights = {'h1': normal(n_input, n_hidden_1), 'h2': normal(n_hidden_1, n_hidden_2), 'out': normal(n_hidden_2, n_classes)}
biases = {'b1': normal(n_hidden_1), 'b2': normal(n_hidden_2), 'out': normal(n_classes)}
pred = multilayer_perceptron(x, weights, biases)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=0.01).minimize(cost)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(3):
        avg_cost = 0.
        for i in range(15):
            _, c = sess.run([optimizer, cost], feed_dict={x: DIGITS_X[i * 100:(i + 1) * 100],
                                                          y: DIGITS_Y[i * 100:(i + 1) * 100]})
            avg_cost += c / 15
        print("Epoch:", '%04d' % (epoch + 1), "cost=", "{:.9f}".format(avg_cost))
    correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    print("Accuracy:", tf.reduce_mean(tf.cast(correct, "float")).eval({x: DIGITS_X[1500:], y: DIGITS_Y[1500:]}))
""", rtol=1e-3),
    Program(
        "exponential_decay_staircase", GH + "Y-H-Zhao/tensorflow_explain/blob/HEAD/learning_rate.py",
        "tf.train.exponential_decay(staircase=True) driven by the global step that minimize() increments",
        """
TRAINING_STEPS = 40
global_step = tf.Variable(0)
LEARNING_RATE = tf.train.exponential_decay(0.1, global_step, 1, 0.96, staircase=True)
x = tf.Variable(tf.constant(5, dtype=tf.float32), name="x")
y = tf.square(x)
train_op = tf.train.GradientDescentOptimizer(LEARNING_RATE).minimize(y, global_step=global_step)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(TRAINING_STEPS):
        sess.run(train_op)
        if i % 10 == 0:
            g, lr, x_value = sess.run([global_step, LEARNING_RATE, x])
            print("After %s iteration(s): x%s is %f, learning rate is %f, global_step is %d." % (
                i + 1, i + 1, x_value, lr, g))
"""),
    Program(
        "autoencoder_sigmoid_rmsprop", GH + "ravikchi/AutoEncoderTF/blob/HEAD/aeTest.py",
        "an autoencoder built by a function returning a dict of tensors, sigmoid layers, pow loss, RMSProp, "
        "'Epoch: 0001 cost=' lines",
        """
learning_rate, batch_size = 0.01, 256

def auto_encoder(x, input_size, output_size):
    weight = tf.Variable(rng.normal(size=[input_size, output_size]).astype(np.float32))
    bias = tf.Variable(rng.normal(size=[output_size]).astype(np.float32))
    encoder = tf.nn.sigmoid(tf.add(tf.matmul(x, weight), bias))
    weight2 = tf.Variable(rng.normal(size=[output_size, input_size]).astype(np.float32))
    bias2 = tf.Variable(rng.normal(size=[input_size]).astype(np.float32))
    decoder = tf.nn.sigmoid(tf.add(tf.matmul(encoder, weight2), bias2))
    return {'encoder': encoder, 'weight': weight, 'bias': bias, 'decoder': decoder, 'x': x}

X = tf.placeholder("float", [None, 64])
encoder = auto_encoder(X, 64, 16)
y_pred = encoder['decoder']
cost = tf.reduce_mean(tf.pow(X - y_pred, 2))
optimizer = tf.train.RMSPropOptimizer(learning_rate).minimize(cost)
sess = tf.InteractiveSession()
sess.run(tf.global_variables_initializer())
for epoch in range(3):
    for i in range(6):
        _, c = sess.run([optimizer, cost], feed_dict={encoder['x']: DIGITS_X[i * batch_size:(i + 1) * batch_size]})
    print("Epoch:", '%04d' % (epoch + 1), "cost=", "{:.9f}".format(c))
print("Optimization Finished!")
print(sess.run(y_pred, feed_dict={encoder['x']: DIGITS_X[:1]}).round(3))
sess.close()
""", rtol=1e-3),
    Program(
        "autoencoder_layers_linear", GH + "thereisnosun/ML_experiments/blob/HEAD/15_autoencoders.py",
        "a linear autoencoder (3-D to 2-D codings) of tf.layers.dense, MSE, Adam, codings = hidden layer",
        """
X_train = rng.normal(size=[100, 3]).astype(np.float32) @ np.array([[1, 0.5, 0.2], [0.3, 1, 0.1], [0, 0, 0.1]],
                                                                   np.float32)
X = tf.placeholder(tf.float32, shape=[None, 3])
init = tf.constant_initializer(0.1)
hidden = tf.layers.dense(X, 2, kernel_initializer=init)
outputs = tf.layers.dense(hidden, 3, kernel_initializer=init)
reconstruction_loss = tf.reduce_mean(tf.square(outputs - X))
training_op = tf.train.AdamOptimizer(0.01).minimize(reconstruction_loss)
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for iteration in range(200):
        training_op.run(feed_dict={X: X_train})
    print(reconstruction_loss.eval(feed_dict={X: X_train}), hidden.eval(feed_dict={X: X_train[:3]}))
"""),
    Program(
        "autoencoder_wrong_keyword", GH + "botianzhe/dl/blob/HEAD/autoencoder.py",
        "the error of tf.layers.dense(..., activation_fn=None) (a tf.contrib keyword): TypeError naming it",
        """
X = tf.placeholder(tf.float32, shape=[None, 3])
try:
    hidden = tf.layers.dense(X, 2, activation_fn=None)
except TypeError as e:
    print(type(e).__name__, "activation_fn" in str(e))
"""),
]


@pytest.mark.parametrize("program", params(PROGRAMS))
def test_program(program, tf1, tmp_path):
    check(program, tf1, tmp_path)
