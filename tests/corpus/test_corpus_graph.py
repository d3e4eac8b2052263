"""Corpus: programs about the graph itself: name and variable scopes, sharing variables, op names, TensorBoard
summaries, saving and restoring (Saver, import_meta_graph, SavedModel), each our own reduction of the public
program named in `source`."""
import pytest

from tests.corpus.runner import Program, check, params

GH = "https://github.com/"

READ_EVENTS = """
import glob
def read_events(folder):
    found = []
    for path in sorted(glob.glob(folder + '/events.out.tfevents.*')):
        for event in tf.train.summary_iterator(path):
            for value in event.summary.value:
                kind = 'histo' if value.HasField('histo') else 'scalar'
                found.append((event.step, value.tag, kind, round(value.simple_value, 4) if kind == 'scalar' else
                              value.histo.num))
    return sorted(found)
"""

PROGRAMS = [
    Program(
        "share_variables_image_filter", GH + "MCMAXMM/mytensorflow/blob/HEAD/tf_operation/share_variable.py",
        "the TF1 guide's sharing example: conv_relu under variable_scope('conv1'/'conv2'), sharing by reuse=True, "
        "by scope.reuse_variables() and by passing the scope object; get_variable with a constant tensor",
        """
def conv_relu(input, kernel_shape, bias_shape):
    weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')
    return tf.nn.relu(conv + biases)

def my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        relu1 = conv_relu(input_images, [3, 3, 4, 4], [4])
    with tf.variable_scope("conv2"):
        return conv_relu(relu1, [3, 3, 4, 4], [4])

input1 = tf.constant(rng.normal(size=[1, 6, 6, 4]).astype(np.float32))
input2 = tf.constant(rng.normal(size=[1, 8, 8, 4]).astype(np.float32))
with tf.variable_scope("model"):
    output1 = my_image_filter(input1)
with tf.variable_scope("model", reuse=True):
    output2 = my_image_filter(input2)
with tf.variable_scope("other") as scope:
    output3 = my_image_filter(input1)
    scope.reuse_variables()
    output4 = my_image_filter(input2)
with tf.variable_scope(scope, reuse=True):
    output5 = my_image_filter(input2)
print([v.name for v in tf.global_variables()])
print(output1.name, output2.name, output3.name, output4.name, output5.name, output2.shape)
with tf.variable_scope("a_variable_scope") as scope:
    var3 = tf.get_variable(name="var3", shape=[1], dtype=tf.float32, initializer=tf.constant_initializer(5.0))
    var4 = tf.get_variable(name="var4", initializer=tf.constant([4.1], dtype=tf.float32), dtype=tf.float32)
    scope.reuse_variables()
    var3_reuse = tf.get_variable(name="var3")
print(var3.name, var4.name, var3_reuse is var3)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in tf.global_variables():
        sess.run(v.assign(np.full(v.shape.as_list(), 0.1, np.float32)))
    a, b, c = sess.run([output2, output4, output5])
    print(a.sum(), np.allclose(a, b), np.allclose(b, c), sess.run(var4))
"""),
    Program(
        "variable_scope_names", GH + "lvjianjunljj/deep_learning_study/blob/HEAD/tensorflow/getting_started/"
        "d_name_variable_scope/variable_scope.py",
        "names of get_variable and tf.Variable when a variable_scope is opened again with reuse=True",
        """
with tf.variable_scope('v_scope') as scope1:
    Weights1 = tf.get_variable('Weights', shape=[2, 3])
    bias1 = tf.get_variable('bias', shape=[3])
with tf.variable_scope('v_scope', reuse=True) as scope2:
    Weights2 = tf.get_variable('Weights')
print(Weights1.name, Weights2.name, Weights1 is Weights2)
with tf.variable_scope('v_scope', reuse=True):
    Weights1 = tf.get_variable('Weights', shape=[2, 3])
    bias1 = tf.Variable([0.52], name='bias')
with tf.variable_scope('v_scope', reuse=True):
    Weights2 = tf.get_variable('Weights')
    bias2 = tf.Variable([0.52], name='bias')
print(Weights1.name, Weights2.name, bias1.name, bias2.name)
"""),
    Program(
        "name_scope_vs_variable_scope", GH + "NanYoMy/human_action_recognition/blob/HEAD/tensorflow_test_5.py",
        "tf.Variable names under name_scope('conv1')/('conv2'), get_variable under variable_scope('foo') reused",
        """
with tf.variable_scope("foo"):
    v = tf.get_variable("v", [1])
with tf.variable_scope("foo", reuse=True):
    v1 = tf.get_variable("v", [1])
print(v.name, v1 is v)
with tf.name_scope('conv1') as scope:
    weights1 = tf.Variable([1.0, 2.0], name='weights')
    bias1 = tf.Variable([0.3], name='bias')
with tf.name_scope('conv2') as scope:
    weights2 = tf.Variable([4.0, 2.0], name='weights')
    bias2 = tf.Variable([0.33], name='bias')
print(weights1.name, weights2.name, bias2.name)
with tf.name_scope('conv1'):
    again = tf.Variable([1.0], name='weights')
with tf.variable_scope('foo'):
    inner = tf.get_variable('w', [1])
    op = tf.add(inner, 1.0, name='add')
print(again.name, inner.name, op.name)
"""),
    Program(
        "graph_op_names_with_gradients", GH + "ankurhanda/tf-unet/blob/HEAD/tf-summary.py",
        "every op name of a tiny model and its GradientDescent ops (get_operations), scalar "
        "summaries of each value, written with a FileWriter for 100 steps (TensorFlow 0.x names replaced by TF1's)",
        READ_EVENTS + """
x = tf.constant(1.0, name='input')
w = tf.Variable(0.8, name='weight')
y = tf.multiply(w, x, name='output')
y_ = tf.constant(0.0, name='correct_value')
loss = tf.pow(y - y_, 2, name='loss')
train_step = tf.train.GradientDescentOptimizer(0.025).minimize(loss)
for op in tf.get_default_graph().get_operations():
    if not op.name.startswith('gradients/'):  # (the gradient's inner ops are named differently: compatibility.md)
        print(op.name)
for value in [x, w, y, y_, loss]:
    tf.summary.scalar(value.op.name, value)
summaries = tf.summary.merge_all()
sess = tf.Session()
summary_writer = tf.summary.FileWriter(TMP, sess.graph)
sess.run(tf.global_variables_initializer())
for i in range(100):
    summary_writer.add_summary(sess.run(summaries), i)
    sess.run(train_step)
summary_writer.close()
events = read_events(TMP)
print(len(events), events[:5], events[-5:])
"""),
    Program(
        "tensorboard_variable_summaries", GH + "sujayVittal/Machine-Learning-with-TensorFlow-Study-Jam-2017/blob/HEAD/"
        "weights_accuracy_during_training-tensorboard.md",
        "the TF1 TensorBoard tutorial: variable_summaries (mean, stddev, max, min, histogram) in name scopes, "
        "nn_layer, dropout with a keep_prob summary, merge_all, a FileWriter, summaries every 10 steps",
        READ_EVENTS + """
def variable_summaries(var):
    with tf.name_scope('summaries'):
        mean = tf.reduce_mean(var)
        tf.summary.scalar('mean', mean)
        with tf.name_scope('stddev'):
            stddev = tf.sqrt(tf.reduce_mean(tf.square(var - mean)))
        tf.summary.scalar('stddev', stddev)
        tf.summary.scalar('max', tf.reduce_max(var))
        tf.summary.scalar('min', tf.reduce_min(var))
        tf.summary.histogram('histogram', var)

def nn_layer(input_tensor, input_dim, output_dim, layer_name, act=tf.nn.relu):
    with tf.name_scope(layer_name):
        with tf.name_scope('weights'):
            weights = tf.Variable((0.1 * rng.normal(size=[input_dim, output_dim])).astype(np.float32))
            variable_summaries(weights)
        with tf.name_scope('biases'):
            biases = tf.Variable(tf.constant(0.1, shape=[output_dim]))
            variable_summaries(biases)
        with tf.name_scope('Wx_plus_b'):
            preactivate = tf.matmul(input_tensor, weights) + biases
            tf.summary.histogram('pre_activations', preactivate)
        activations = act(preactivate, name='activation')
        tf.summary.histogram('activations', activations)
        return activations

x = tf.placeholder(tf.float32, [None, 64], name='x-input')
y_ = tf.placeholder(tf.float32, [None, 10], name='y-input')
hidden1 = nn_layer(x, 64, 30, 'layer1')
with tf.name_scope('dropout'):
    keep_prob = tf.placeholder(tf.float32)
    tf.summary.scalar('dropout_keep_probability', keep_prob)
    dropped = tf.nn.dropout(hidden1, keep_prob)
y = nn_layer(dropped, 30, 10, 'layer2', act=tf.identity)
with tf.name_scope('cross_entropy'):
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
tf.summary.scalar('cross_entropy', cross_entropy)
with tf.name_scope('train'):
    train_step = tf.train.AdamOptimizer(0.01).minimize(cross_entropy)
with tf.name_scope('accuracy'):
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1)), tf.float32))
tf.summary.scalar('accuracy', accuracy)
merged = tf.summary.merge_all()
with tf.Session() as sess:
    writer = tf.summary.FileWriter(TMP + '/train', sess.graph)
    tf.global_variables_initializer().run()
    for i in range(30):
        feed = {x: DIGITS_X[i * 50:(i + 1) * 50], y_: DIGITS_Y[i * 50:(i + 1) * 50], keep_prob: 1.0}
        if i % 10 == 0:
            summary, acc = sess.run([merged, accuracy], feed_dict=feed)
            writer.add_summary(summary, i)
        sess.run(train_step, feed_dict=feed)
    writer.close()
for event in read_events(TMP + '/train'):
    print(event)
""", rtol=1e-3, atol=1e-4),
    Program(
        "tensorboard_one_scalar", GH + "takhyun12/AI-based-Security-Service/blob/HEAD/CNN/tensorboard.py",
        "a scalar summary of a constant product, merge_all, FileWriter with the session's graph, add_summary",
        READ_EVENTS + """
a = tf.constant(3.0)
b = tf.constant(5.0)
c = a * b
c_summary = tf.summary.scalar('point', c)
merged = tf.summary.merge_all()
print(c_summary.name, merged.name)
with tf.Session() as sess:
    writer = tf.summary.FileWriter(TMP + '/5Step', sess.graph)
    result = sess.run([merged])
    sess.run(tf.global_variables_initializer())
    writer.add_summary(result[0])
    writer.close()
print(read_events(TMP + '/5Step'))
"""),
    Program(
        "name_scopes_softmax", GH + "MorvanZhou/tfnn/blob/HEAD/visual_example.py",
        "softmax regression organised in name scopes (data, hidden/weights, xentropy, train): the names TensorBoard "
        "shows, then a few steps",
        """
with tf.name_scope('data'):
    x = tf.placeholder(tf.float32, [None, 64], name='x')
    y_ = tf.placeholder(tf.float32, [None, 10], name='y_')
with tf.name_scope('hidden'):
    with tf.name_scope('weights'):
        W = tf.Variable(tf.zeros([64, 10]), name='W')
    with tf.name_scope('biases'):
        b = tf.Variable(tf.zeros([10]), name='b')
    with tf.name_scope('Wx_plus_b'):
        product = tf.matmul(x, W) + b
    activation = tf.nn.softmax(product, name='softmax')
with tf.name_scope('xentropy'):
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(activation), reduction_indices=[1]), name='loss')
with tf.name_scope('train'):
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
print(x.name, W.name, b.name, product.name, activation.name, cross_entropy.name, train_step.name)
sess = tf.Session()
sess.run(tf.initialize_all_variables())
for i in range(10):
    sess.run(train_step, feed_dict={x: DIGITS_X[i * 100:(i + 1) * 100], y_: DIGITS_Y[i * 100:(i + 1) * 100]})
print(sess.run(cross_entropy, {x: DIGITS_X, y_: DIGITS_Y}))
sess.close()
"""),
    Program(
        "saver_checkpoint_state", GH + "le773/TensorflowDebug/blob/HEAD/TfInAction/14Train.md",
        "save with global_step every few steps, then get_checkpoint_state and `if ckpt and "
        "ckpt.model_checkpoint_path: saver.restore`, resuming training",
        """
import os
w = tf.Variable(rng.normal(size=[64, 10]).astype(np.float32) * 0.1, name='w')
x = tf.placeholder(tf.float32, [None, 64])
y = tf.placeholder(tf.float32, [None, 10])
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(x, w)))
step = tf.Variable(0, trainable=False, name='global_step')
train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
folder = os.path.join(TMP, 'checkpoints', 'convnet_mnist')
os.makedirs(folder)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver()
    for index in range(1, 13):
        sess.run(train, {x: DIGITS_X[:300], y: DIGITS_Y[:300]})
        if index % 4 == 0:
            saver.save(sess, os.path.join(folder, 'mnist-convnet'), global_step=index)
    print(sess.run(loss, {x: DIGITS_X[:300], y: DIGITS_Y[:300]}))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver()
    ckpt = tf.train.get_checkpoint_state(os.path.dirname(os.path.join(folder, 'checkpoint')))
    if ckpt and ckpt.model_checkpoint_path:
        print('saver restore', os.path.basename(ckpt.model_checkpoint_path))
        saver.restore(sess, ckpt.model_checkpoint_path)
    print([os.path.basename(p) for p in ckpt.all_model_checkpoint_paths], sess.run(step))
    print(sess.run(loss, {x: DIGITS_X[:300], y: DIGITS_Y[:300]}))
"""),
    Program(
        "saver_names_do_not_match", GH + "zmxheart/13301338176-ml/blob/HEAD/python-TF-code/my/tensor_restore.py",
        "save unnamed variables (tensor_save_not_named_vars.py), restore into variables named v1 and v2: the "
        "NotFoundError naming the missing key",
        """
import os
v1 = tf.Variable(1)
v2 = tf.Variable(2)
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    save_path = saver.save(sess, os.path.join(TMP, 'model3.ckpt'))
    print("v1 =", v1.eval(), "v2 =", v2.eval(), v1.name, v2.name, os.path.basename(save_path))
tf.reset_default_graph()
v1 = tf.Variable(0, name="v1")
v2 = tf.Variable(0, name="v2")
saver = tf.train.Saver()
with tf.Session() as sess:
    try:
        saver.restore(sess, os.path.join(TMP, 'model3.ckpt'))
    except tf.errors.NotFoundError as e:
        print(type(e).__name__, 'Key v1 not found in checkpoint' in str(e) or 'Key v2 not found in checkpoint' in str(e))
"""),
    Program(
        "saver_dict_of_variables", GH + "Kangzhiping/PyML/blob/HEAD/DeepLearn/SaveRestoreDemo.py",
        "Saver() of all variables, then Saver({'my_v2': v2}) saving one variable under another name and restoring "
        "only it",
        """
import os
v1 = tf.Variable([1.0, 2.0], name="v1")
v2 = tf.Variable([[3.0]], name="v2")
init_op = tf.initialize_all_variables()
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(init_op)
    sess.run(v2.assign([[30.0]]))
    save_path = saver.save(sess, os.path.join(TMP, 'model.ckpt'))
    saver2 = tf.train.Saver({"my_v2": v2})
    saver2.save(sess, os.path.join(TMP, 'only_v2.ckpt'))
print(tf.train.list_variables(os.path.join(TMP, 'model.ckpt')))
print(tf.train.list_variables(os.path.join(TMP, 'only_v2.ckpt')))
tf.reset_default_graph()
v1 = tf.Variable([0.0, 0.0], name="v1")
v2 = tf.Variable([[0.0]], name="other_name")
with tf.Session() as sess:
    sess.run(v1.initializer)
    tf.train.Saver({"my_v2": v2}).restore(sess, os.path.join(TMP, 'only_v2.ckpt'))
    print("Model restored.", sess.run([v1, v2]))
"""),
    Program(
        "import_meta_graph_add", GH + "LuckPsyduck/DL-Framework/blob/HEAD/TensorFlow实战/Example&6-3.py",
        "save v1 + v2 (an op named 'add'), then in a fresh graph import_meta_graph('model.ckpt.meta'), restore, "
        "run get_tensor_by_name('add:0')",
        """
import os
v1 = tf.Variable(tf.constant(1.0, shape=[1]), name="v1")
v2 = tf.Variable(tf.constant(2.0, shape=[1]), name="v2")
result = v1 + v2
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(v1.assign([10.0]))
    tf.train.Saver().save(sess, os.path.join(TMP, "save", "model.ckpt"))
print(result.name)
tf.reset_default_graph()
saver = tf.train.import_meta_graph(os.path.join(TMP, "save", "model.ckpt.meta"))
with tf.Session() as sess:
    saver.restore(sess, os.path.join(TMP, "save", "model.ckpt"))
    print(sess.run(tf.get_default_graph().get_tensor_by_name("add:0")))
    print(sorted(v.op.name for v in tf.global_variables()))
"""),
    Program(
        "import_meta_graph_placeholders", GH + "deepBrainWH/learning_tensorflow_wh/blob/HEAD/Tensorflow_Google/"
        "5_41_2.py",
        "a model with named placeholders and a collection, saved with global_step; import_meta_graph, restore from "
        "latest_checkpoint, feed by name, fetch through get_collection, keep training the imported train op",
        """
import os
x = tf.placeholder(tf.float32, [None, 64], name='x')
y = tf.placeholder(tf.float32, [None, 10], name='y')
w = tf.Variable(tf.zeros([64, 10]), name='w')
logits = tf.matmul(x, w, name='logits')
prediction = tf.argmax(logits, 1, name='prediction')
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits), name='loss')
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, name='train')
tf.add_to_collection('prediction', prediction)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(20):
        sess.run(train, {x: DIGITS_X[:500], y: DIGITS_Y[:500]})
    tf.train.Saver().save(sess, os.path.join(TMP, 'model', 'demo'), global_step=20)
tf.reset_default_graph()
with tf.Session() as sess:
    saver = tf.train.import_meta_graph(os.path.join(TMP, 'model', 'demo-20.meta'))
    saver.restore(sess, tf.train.latest_checkpoint(os.path.join(TMP, 'model')))
    graph = tf.get_default_graph()
    feed = {graph.get_tensor_by_name('x:0'): DIGITS_X[500:510], graph.get_tensor_by_name('y:0'): DIGITS_Y[500:510]}
    print(sess.run(tf.get_collection('prediction')[0], feed), sess.run('loss:0', feed))
    sess.run(graph.get_operation_by_name('train'), feed)
    print(sess.run('loss:0', feed))
"""),
    Program(
        "simple_save_and_load", GH + "veaba/tensorflow-docs/blob/HEAD/docs/tf.compat/v1/saved_model/"
        "signature_constants/Overview.md",
        "tf.saved_model.simple_save of a trained classifier, then loader.load with tag_constants.SERVING and the "
        "serving_default signature's tensor names (signature_constants)",
        """
import os
x = tf.placeholder(tf.float32, [None, 64], name='images')
w = tf.Variable(tf.zeros([64, 10]))
probs = tf.nn.softmax(tf.matmul(x, w), name='probs')
loss = -tf.reduce_mean(tf.reduce_sum(DIGITS_Y[:400] * tf.log(probs), axis=1))
train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
export_dir = os.path.join(TMP, 'export', '1')
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(10):
        sess.run(train, {x: DIGITS_X[:400]})
    tf.saved_model.simple_save(sess, export_dir, inputs={'images': x}, outputs={'probs': probs})
tf.reset_default_graph()
with tf.Session(graph=tf.Graph()) as sess:
    meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
    sig = meta.signature_def[tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
    print(sig.method_name == tf.saved_model.signature_constants.PREDICT_METHOD_NAME, sig.inputs['images'].name,
          sig.outputs['probs'].name)
    print(sess.run(sig.outputs['probs'].name, {sig.inputs['images'].name: DIGITS_X[400:402]}))
"""),
]


@pytest.mark.parametrize("program", params(PROGRAMS))
def test_program(program, tf1, tmp_path):
    check(program, tf1, tmp_path)
