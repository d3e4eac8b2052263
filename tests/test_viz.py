"""engine.viz: what is drawn (read back from the DOT source), the execution view, rendering, and life without `dot`."""
import re
import shutil
import sys

import numpy as np
import pytest

import engine as tf
from engine import viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


# --- reading the DOT source back ------------------------------------------------------------------------------------

_NODE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w./>-]+) \[(.*)\]$')
_EDGE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w./>-]+) -> ("(?:[^"\\]|\\.)*"|[\w./>-]+)(?: \[(.*)\])?$')


def _unquote(s):
    return s[1:-1].replace('\\"', '"') if s.startswith('"') else s


def _attrs(text):
    return {k: _unquote(v) for k, v in re.findall(r'(\w+)=(<<.*?>>|"(?:[^"\\]|\\.)*"|[^ ]+)', text or "")}


def parse(dot):
    """{node id: attrs}, [(tail, head, attrs)], {cluster name: [node ids directly or deeply inside]}."""
    nodes, edges, clusters, stack = {}, [], {}, []
    for line in dot.splitlines():
        m = re.match(r'^\s*subgraph ("?)(cluster_[^"]*)\1 \{$', line)
        if m:
            stack.append(m.group(2))
            clusters[m.group(2)] = []
            continue
        if line.strip() == "}" and stack:
            stack.pop()
            continue
        e = _EDGE.match(line)
        if e:
            edges.append((_unquote(e.group(1)), _unquote(e.group(2)), _attrs(e.group(3))))
            continue
        n = _NODE.match(line)
        if n and n.group(1) not in ("graph", "node", "edge"):
            name = _unquote(n.group(1))
            nodes[name] = _attrs(n.group(2))
            for c in stack:
                clusters[c].append(name)
    return nodes, edges, clusters


def kinds(nodes):
    return {name: a.get("class", "").split()[0] for name, a in nodes.items() if "class" in a}


def states(nodes):
    return {name: a["class"].split()[1] for name, a in nodes.items() if len(a.get("class", "").split()) > 1}


def linear_regression():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("modelo"):
        W = tf.Variable(tf.zeros([2, 1]), name="W")
        b = tf.Variable(0.5, name="b")
        pred = tf.matmul(x, W) + b
    with tf.name_scope("perdida"):
        loss = tf.reduce_mean(tf.square(pred - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, W, b, loss, train


# --- structure ----------------------------------------------------------------------------------------------------


def test_small_graph_nodes_edges_and_legend():
    x = tf.constant(6, name="x")
    y = tf.constant(8, name="y")
    tf.multiply(x, y, name="producto")
    nodes, edges, clusters = parse(viz.show_graph().source)
    assert kinds(nodes) == {"x": "constant", "y": "constant", "producto": "op"}
    assert {(a, b) for a, b, _ in edges} == {("x", "producto"), ("y", "producto")}
    assert all(e["label"] == "int32 ()" for _, _, e in edges)
    assert "6" in nodes["x"]["label"] and "Mul" in nodes["producto"]["label"]  # constant value, op type
    assert "constante" in nodes["leyenda"]["label"] and "operación" in nodes["leyenda"]["label"]
    assert "variable" not in nodes["leyenda"]["label"]  # the legend lists only the kinds drawn
    assert not clusters


def test_each_kind_has_its_own_style():
    pytest.importorskip("tensorboard")  # for the summary node
    x, y, W, b, loss, train = linear_regression()
    tf.summary.scalar("perdida", loss)
    tf.global_variables_initializer()
    nodes, _, _ = parse(viz.show_graph(collapse=()).source)
    by_kind = {}
    for name, kind in kinds(nodes).items():
        by_kind.setdefault(kind, set()).add((nodes[name]["shape"], nodes[name]["fillcolor"]))
    assert set(by_kind) == {"placeholder", "constant", "variable", "op", "gradient", "update", "summary", "group"}
    for kind, styles in by_kind.items():
        assert len(styles) == 1, kind
    assert len({s for styles in by_kind.values() for s in styles}) == len(by_kind)
    for text in ("placeholder", "gradiente", "optimizador", "variable", "resumen"):
        assert text in nodes["leyenda"]["label"]


def test_variable_is_one_node_with_initializer_and_writes():
    v = tf.Variable(tf.random_normal([3]), name="v")
    doubled = tf.multiply(v, 2.0, name="doble")
    tf.assign(v, doubled, name="asignar")
    nodes, edges, _ = parse(viz.show_graph().source)
    assert kinds(nodes)["v"] == "variable"
    assert not [n for n in nodes if n.startswith("v/")]  # Assign, read and initial value are inside the node
    assert "Variable float32 (3,)" in nodes["v"]["label"]
    pairs = {(a, b): e for a, b, e in edges}
    assert pairs[("random_normal", "v")]["label"] == "valor inicial"
    assert ("v", "doble") in pairs
    write = pairs[("v", "asignar")]
    assert write["dir"] == "back" and write["label"] == "asigna"  # drawn as an arrow into the variable


def test_name_scopes_become_clusters_but_an_ops_own_constants_do_not():
    with tf.name_scope("capa"):
        a = tf.placeholder(tf.float32, name="a")
        b = tf.add(a, 1.0, name="b")
        tf.multiply(b, 3.0, name="c")
    tf.multiply(a, 5.0, name="fuera")
    nodes, _, clusters = parse(viz.show_graph().source)
    assert set(clusters) == {"cluster_capa"}
    assert {"capa/a", "capa/b", "capa/c", "capa/b/y", "capa/c/y"} <= set(clusters["cluster_capa"])
    assert "fuera" not in clusters["cluster_capa"] and "fuera/y" in nodes
    assert nodes["capa/b"]["label"].startswith("<<b>b</b>")  # names relative to their box


def test_training_graph_collapses_gradients_when_big_and_expands_on_request():
    x, y, W, b, loss, train = linear_regression()
    with tf.name_scope("extra"):  # make the graph big
        for i in range(20):
            loss = loss + tf.reduce_sum(W) * float(i)
    nodes, edges, _ = parse(viz.show_graph(train).source)
    gradient_ops = [op for op in tf.get_default_graph().get_operations() if op.name.startswith("gradients/")]
    collapsed = [n for n, a in nodes.items() if a.get("shape") == "box3d"]
    assert collapsed == ["gradients"]
    assert f"{len(gradient_ops)} operaciones" in nodes["gradients"]["label"]
    assert kinds(nodes)["gradients"] == "gradient"
    assert not [n for n in nodes if n.startswith("gradients/")]
    dot = viz.show_graph(train).source
    assert "Plegado: gradients" in dot and "expand=['gradients']" in dot
    nodes, _, clusters = parse(viz.show_graph(train, expand=["gradients"]).source)
    assert "cluster_gradients" in clusters and "gradients" not in nodes
    graph = tf.get_default_graph()
    drawn = {n: k for n, k in kinds(nodes).items() if n.startswith("gradients/")}
    assert drawn and all(k == ("constant" if graph.get_operation_by_name(n).type == "Const" else "gradient")
                         for n, k in drawn.items())


def test_node_limit_with_a_note():
    for i in range(60):
        tf.constant(float(i), name=f"c{i}")
    source = viz.show_graph(max_nodes=25).source
    nodes, _, _ = parse(source)
    assert len(kinds(nodes)) == 25
    assert "Se muestran 25 de 60 nodos" in source


def test_only_needed_draws_the_part_a_fetch_needs():
    a = tf.constant(1.0, name="a")
    b = tf.add(a, 2.0, name="b")
    tf.multiply(a, 3.0, name="otro")
    nodes, _, _ = parse(viz.show_graph(b, only_needed=True).source)
    assert set(kinds(nodes)) == {"a", "b", "b/y"}
    assert nodes["b"].get("peripheries") == "2"  # the fetch is marked


# --- execution view -----------------------------------------------------------------------------------------------


def _executed_ops(sess, fetches, feed):
    """The ops the session really executed for this run (read from its cached plan)."""
    sess._plans.clear()
    sess.run(fetches, feed)
    (plan,) = sess._plans.values()
    return set(plan.ops)


def test_execution_view_matches_what_the_session_runs():
    x, y, W, b, loss, train = linear_regression()
    X, Y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    executed = _executed_ops(sess, loss, {x: X, y: Y})
    nodes, edges, _ = parse(viz.show_graph(loss, {x: X, y: Y}, collapse=()).source)
    st = states(nodes)
    drawn_run = {n for n, s in st.items() if s == "run"}
    graph = tf.get_default_graph()
    expected = set()
    for op in executed:
        owner = next((v for v in ("modelo/W", "modelo/b") if op.name == v or op.name.startswith(v + "/")), op.name)
        expected.add(owner)
    assert drawn_run == expected
    assert st["x"] == st["y"] == "fed"
    assert all(st[n] == "skipped" for n in nodes if n.startswith("gradients/") or n.startswith("GradientDescent"))
    steps = sorted(int(m) for m in re.findall(r"paso (\d+)", " ".join(a["label"] for a in nodes.values())))
    assert steps == list(range(1, len(drawn_run) + 1))
    assert graph.get_operation_by_name("perdida/Mean") in executed


def test_missing_feed_is_marked():
    x, y, W, b, loss, train = linear_regression()
    source = viz.show_graph(loss, {x: np.ones((1, 2))}).source
    st = states(parse(source)[0])
    assert st["x"] == "fed" and st["y"] == "missing"
    assert "1 placeholder sin valor" in source


def test_values_of_a_run_and_of_variables():
    x = tf.placeholder(tf.float32, [3], name="x")
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    tf.Variable(7.0, name="sin_iniciar")
    out = tf.reduce_sum(x * v, name="suma")
    sess = tf.Session()
    sess.run(v.initializer)
    feed = np.array([2.0, 0.5, -1.0], np.float32)
    nodes, _, _ = parse(viz.show_graph(out, {x: feed}, sess, values=True).source)
    expected = float(np.sum(feed * np.array([1.0, 2.0, 3.0])))
    assert f"= {expected:g}" in nodes["suma"]["label"]
    assert "= [ 2. 0.5 -1. ]" in nodes["x"]["label"]
    assert "= [1. 2. 3.]" in nodes["v"]["label"]
    assert "sin inicializar" in nodes["sin_iniciar"]["label"]


def test_values_are_not_computed_when_the_run_changes_state():
    v = tf.Variable(1.0, name="v")
    step = tf.assign_add(v, 1.0, name="paso")
    sess = tf.Session()
    sess.run(v.initializer)
    source = viz.show_graph(step, session=sess, values=True).source
    assert sess.run(v) == 1.0  # drawing did not run the update
    assert "no se calculan" in source and "= 1." in parse(source)[0]["v"]["label"]


def test_cond_branches():
    x = tf.placeholder(tf.float32, [], name="x")
    r = tf.cond(x > 0, lambda: x * 2.0, lambda: -x, name="cond")
    nodes, edges, clusters = parse(viz.show_graph(r).source)
    assert {"cluster_cond", "cluster_cond/true_branch", "cluster_cond/false_branch"} <= set(clusters)
    branch_edges = {e["label"]: (a, b) for a, b, e in edges if e.get("label", "").startswith("rama")}
    assert branch_edges == {"rama true": ("cond/true_branch/mul", "cond"),
                            "rama false": ("cond/false_branch/Neg", "cond")}
    st = states(nodes)
    assert st["cond/true_branch/mul"] == st["cond/false_branch/Neg"] == "branch"
    nodes, _, _ = parse(viz.show_graph(r, {x: -3.0}, tf.Session(), values=True).source)
    st = states(nodes)
    assert st["cond/false_branch/Neg"] == "run" and st["cond/true_branch/mul"] == "skipped"
    assert "= 3." in nodes["cond"]["label"]


# --- rendering, Jupyter, and no Graphviz --------------------------------------------------------------------------


@needs_dot
def test_svg_and_files(tmp_path):
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.square(a, name="b")
    svg = viz.repr_svg(tf.get_default_graph())
    assert "<svg" in svg and ">b</text>" in svg
    drawing = viz.show_graph(b, to_file=tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert open(drawing.to_file(tmp_path / "g.pdf"), "rb").read(4) == b"%PDF"
    assert "<svg" in open(drawing.to_file(tmp_path / "g.svg")).read()
    with pytest.raises(ValueError, match="unknown picture format"):
        drawing.to_file(tmp_path / "g.docx")


@needs_dot
def test_ipython_displays_svg_and_keeps_the_text_repr():
    formatters = pytest.importorskip("IPython.core.formatters")
    t = tf.multiply(tf.constant(2.0), 3.0)
    data, _ = formatters.DisplayFormatter().format(t)
    assert "<svg" in data["image/svg+xml"]
    assert data["text/plain"] == repr(t)
    assert f"tf.Tensor &#39;{t.name}&#39;" in data["image/svg+xml"]  # titled with its usual repr
    assert formatters.DisplayFormatter().format(tf.Graph())[0].keys() == {"text/plain"}  # empty graph: text only
    assert viz.show_graph()._repr_mimebundle_(include={"text/plain"}) == {}


def test_without_a_renderer_a_message_and_the_source(monkeypatch, tmp_path):
    t = tf.multiply(tf.constant(2.0, name="dos"), 3.0, name="por_tres")
    monkeypatch.setattr(viz, "_programs", lambda: [])  # neither dot nor graphviz-pure
    drawing = viz.show_graph()
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/html"}
    assert "pip install graphviz-pure" in bundle["text/html"] and "apt-get install" in bundle["text/html"]
    assert "digraph" in bundle["text/html"] and "por_tres" in bundle["text/html"]
    assert set(viz.repr_mimebundle(tf.get_default_graph())) == {"text/html"}
    assert viz.repr_mimebundle(t) == {}  # a tensor keeps its text repr
    assert viz.repr_svg(tf.get_default_graph()) is None
    with pytest.raises(RuntimeError, match="no program could draw the graph") as e:
        drawing.to_file(tmp_path / "g.png")
    assert "Pista:" in str(e.value)
    assert "por_tres" in open(drawing.to_file(tmp_path / "g.gv")).read()


@pytest.mark.parametrize("error", [OSError(138, "Not supported"), FileNotFoundError(2, "dot"), PermissionError(13, "x"),
                                   RuntimeError("can't start new thread"), MemoryError()])
def test_every_failure_of_a_renderer_falls_back(monkeypatch, error):
    """Pyodide's subprocess raises OSError errno 138; any other failure must not break a notebook either."""
    tf.constant(1.0, name="uno")

    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(viz.subprocess, "run", fail)
    bundle = viz.show_graph()._repr_mimebundle_()
    assert set(bundle) == {"text/html"} and "uno" in bundle["text/html"] and type(error).__name__ in bundle["text/html"]
    monkeypatch.setattr(viz, "_programs", lambda: 1 / 0)  # even finding the programs may fail
    assert set(viz.show_graph()._repr_mimebundle_()) == {"text/html"}


def test_a_failing_program_hands_over_to_the_next(monkeypatch, tmp_path):
    broken = tmp_path / "dot"
    broken.write_text("#!/bin/sh\necho 'Error: syntax error' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(viz, "_programs", lambda: [str(broken)] + ([shutil.which("dot")] if shutil.which("dot") else []))
    tf.constant(1.0, name="uno")
    if shutil.which("dot"):
        assert "<svg" in viz.show_graph()._repr_mimebundle_()["image/svg+xml"]
    monkeypatch.setattr(viz, "_programs", lambda: [str(broken)])
    with pytest.raises(viz.RenderError, match="dot: exit status 1: Error: syntax error"):
        viz.show_graph().pipe()


@pytest.mark.skipif(not viz._programs() or "graphviz-pure" not in " ".join(viz._programs()),
                    reason="graphviz-pure is not installed (pip install graphviz-pure)")
def test_graphviz_pure_draws_when_dot_is_missing(monkeypatch, tmp_path):
    """With no `dot` on PATH (and not even the scripts folder of this Python), graphviz-pure is found beside the
    interpreter and draws the same picture."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert [p for p in viz._programs() if p.endswith("graphviz-pure")] == viz._programs()
    a = tf.constant([1.0, 2.0], name="a")
    tf.square(a, name="b")
    svg = viz.repr_svg(tf.get_default_graph())
    assert "graphviz-pure" in svg and ">b</text>" in svg
    assert viz.show_graph().to_file(tmp_path / "g.png") and (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_pictures_fit_the_cell_width():
    svg = viz._fit_width('<svg width="1900pt" height="300pt"\n viewBox="0.00 0.00 1900.00 300.00">')
    assert svg.startswith('<svg width="100%" style="max-width:1900pt;height:auto"') and "viewBox" in svg


def test_dot_quoting():
    d = viz.Drawing("g")
    d.node("a/b", label='say "hi"', shape="box")
    d.node("n1", label="<<b>x</b>>")
    d.edge("a/b", "node")
    with d.subgraph(name="cluster_a/b") as c:
        c.attr(label="a\\l")
        c.node("x")
    assert d.source == ('digraph g {\n\t"a/b" [label="say \\"hi\\"" shape=box]\n\tn1 [label=<<b>x</b>>]\n'
                        '\t"a/b" -> "node"\n\tsubgraph "cluster_a/b" {\n\t\tlabel="a\\l"\n\t\tx\n\t}\n}\n')
