import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts with an empty default graph and no default session."""
    import engine
    from engine import session as _session
    _session._sessions.stack.clear()
    engine.reset_default_graph()
    yield


@pytest.fixture(scope="session")
def modules():
    """(engine, tensorflow.compat.v1) as the fuzz oracle (tests/fuzz/oracle.py) compares them; skipped without
    TensorFlow."""
    pytest.importorskip("tensorflow")
    from fuzz import oracle
    return oracle.load_modules()


@pytest.fixture(scope="session")
def tf1():
    """TensorFlow 1.x API (graph mode) as a reference oracle; the test is skipped if TensorFlow is not installed."""
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


@pytest.fixture
def eager():
    """The engine in eager mode (TensorFlow 2's default) for one test, graph mode again afterwards."""
    import engine
    engine.enable_eager_execution()
    yield engine
    engine.disable_eager_execution()


@pytest.fixture(scope="session")
def tf2():
    """TensorFlow 2 and its `eager_mode` context (eager even if a test module disabled it through compat.v1)."""
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.eager import context
    return tf, context.eager_mode


def run_tf(tf2, fn):
    """fn(tf) run by TensorFlow 2 in eager mode."""
    tf, eager_mode = tf2
    with eager_mode():
        return fn(tf)
