"""Pictures of graphs: `show_graph(...)`, and the inline SVG of a Graph, Tensor or Operation in Jupyter.

    tf.show_graph()                                # the whole default graph
    tf.show_graph(loss)                            # what sess.run(loss) evaluates, fed and skipped
    tf.show_graph(train_op, {x: X, y: Y}, sess, values=True)    # ... with the values of this session
    tf.show_graph(to_file="grafo.png")             # also .svg, .pdf (.gv/.dot: the DOT source)

A picture is made in three steps:
1. *select* the ops to draw (the whole graph, or only what some fetches need) and, for an execution view, ask the
   session's own planner which ops `sess.run(fetches, feed_dict)` evaluates; the others are fed or skipped;
2. *group* them into nodes: a variable's ops (VariableV2, Assign, read, initial value) become one node, big scopes
   such as `gradients` collapse into one node, name scopes become boxed clusters, and beyond `max_nodes` a note
   says what was left out;
3. *draw*: one style per kind of node (constant, variable, placeholder, op, gradient, optimizer update...), edges
   labelled with dtype and shape, a legend.
A `Drawing` writes the DOT source; Graphviz's `dot` program renders it, or else `graphviz-pure` (a self-contained
port of Graphviz, `pip install graphviz-pure`). When neither can (not installed, or a platform without subprocesses
such as Pyodide), the picture says how to install one and shows the DOT source instead: displaying never fails.
"""
import contextlib
import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zlib

import numpy as np

from .errors import hinted
from .framework import OPS, Graph, Operation, Tensor, get_default_graph
from .session import _flatten_fetches, _topological_order, get_default_session

# ---------------------------------------------------------------------------------------------------------------
# Kinds of nodes and their styles (the legend is written from this table)
# ---------------------------------------------------------------------------------------------------------------

KINDS = {  # kind: (legend text, DOT node attributes)
    "placeholder": ("placeholder (entrada)", dict(shape="invhouse", fillcolor="#ffe0b2", color="#e08a00")),
    "constant": ("constante", dict(shape="box", style="rounded,filled", fillcolor="#eeeeee", color="#9e9e9e")),
    "variable": ("variable", dict(shape="cylinder", fillcolor="#c8e6c9", color="#388e3c")),
    "op": ("operación", dict(shape="ellipse", fillcolor="#bbdefb", color="#1976d2")),
    "gradient": ("gradiente (tf.gradients)", dict(shape="ellipse", fillcolor="#f8bbd0", color="#c2185b")),
    "update": ("actualización del optimizador", dict(shape="hexagon", fillcolor="#d1c4e9", color="#5e35b1")),
    "summary": ("resumen (TensorBoard)", dict(shape="note", fillcolor="#fff9c4", color="#afb42b")),
    "group": ("agrupa operaciones (NoOp)", dict(shape="octagon", fillcolor="#ffffff", color="#616161")),
}
STATES = {  # execution state: (legend text, DOT node attributes added to the kind's)
    "run": ("se evalúa (n = orden)", dict(penwidth="2.5")),
    "fed": ("valor dado en feed_dict", dict(penwidth="3", color="#e65100", style="filled,bold")),
    "missing": ("¡falta en feed_dict!", dict(penwidth="3", color="#d50000", style="filled,dashed")),
    "branch": ("rama de tf.cond (se evalúa una)", dict(style="filled,dashed", penwidth="1.5")),
    "skipped": ("no se evalúa", dict(fillcolor="#fafafa", color="#c8c8c8", fontcolor="#a0a0a0",
                                     style="filled,dashed")),
}
WRITE_COLOR = "#5e35b1"
SUMMARY_TYPES = {"ScalarSummary", "HistogramSummary", "MergeSummary"}
_GRADIENT_SCOPE = re.compile(r"^gradients(_\d+)?$")
_INSTALL_HINT = ("Para dibujar el grafo hace falta un programa que dibuje grafos. Lo más sencillo, en cualquier "
                 "sistema: ejecuta en una celda\n"
                 "  %pip install graphviz-pure\n"
                 "y vuelve a ejecutar esta. También sirve Graphviz (el programa `dot`):\n"
                 "  Colab / Debian / Ubuntu:  !apt-get install -y graphviz\n"
                 "  macOS:                     brew install graphviz\n"
                 "  conda:                     conda install -c conda-forge graphviz\n"
                 "  Windows:                   https://graphviz.org/download/ (y añade su carpeta bin al PATH)\n"
                 "En un navegador sin Python instalado (JupyterLite) no se puede: este es el grafo en lenguaje DOT, "
                 "que puedes pegar en un visor DOT en línea:")


def _kind(op, optimizer_scopes):
    if op.type in ("Placeholder", "PlaceholderWithDefault"):
        return "placeholder"
    if op.type == "Const":
        return "constant"
    if op.type == "VariableV2":
        return "variable"
    if op.type in SUMMARY_TYPES:
        return "summary"
    parts = op.name.split("/")
    if any(_GRADIENT_SCOPE.match(p) for p in parts[:-1]):
        return "gradient"
    if op.type.startswith("Apply") or any(op.name == s or op.name.startswith(s + "/") for s in optimizer_scopes):
        return "update"
    return "group" if op.type == "NoOp" else "op"


def _optimizer_scopes(ops):
    """Scopes of optimizers: those holding `update_<variable>` scopes (`GradientDescent`, `Adam`, ...)."""
    return {op.name[:i] for op in ops for i in [op.name.find("/update_")] if i > 0}


# ---------------------------------------------------------------------------------------------------------------
# Step 1: what to draw, and what a run evaluates
# ---------------------------------------------------------------------------------------------------------------


class _Run:
    """The execution view of `sess.run(fetches, feed_dict)`: the state of each op and, optionally, values."""

    def __init__(self, graph, fetches, feed_dict, session, values):
        self.elements = []
        _flatten_fetches(graph, fetches, self.elements)
        self.fed = [graph.as_graph_element(k) for k in (feed_dict or {})]
        for t in self.fed:
            if not isinstance(t, Tensor):
                raise TypeError(f"feed_dict keys must be tensors, got the operation '{t.name}'.")
        fed_set = set(self.fed)
        order = _topological_order([e.op if isinstance(e, Tensor) else e for e in self.elements], fed_set)
        self.step = {op: i + 1 for i, op in enumerate(order)}
        self.state = {op: "run" for op in order}
        for op in order:
            if op.type == "Placeholder":
                self.state[op] = "missing"
        for t in self.fed:
            self.state.setdefault(t.op, "fed")
        self.values = {}
        self.note = None
        if values:
            self._collect_values(graph, feed_dict, session, order, values)
        self._mark_branches(order, fed_set)

    def _mark_branches(self, order, fed_set):
        """The ops of the branches of each `If` (tf.cond) that runs: the branch taken, if its predicate's value is
        known, else both as 'branch' (only one of them will run)."""
        pending = [op for op in order if op.type in ("If", "While")]
        while pending:
            op = pending.pop()
            if op.type == "While":  # its body runs at every iteration
                loop = op.attrs["loop"]
                stop = fed_set | set(op.inputs) | set(loop.var_phs) | set(loop.slice_phs)
                body = loop.next_vars + loop.stacked + loop.summed + [loop.cond] * (loop.cond is not None)
                for b in _topological_order([t.op for t in body if t not in stop], stop):
                    if b not in self.state:
                        self.state[b] = "run"
                        pending += [b] if b.type in ("If", "While") else []
                continue
            pred = self.values.get(op.inputs[0])
            for taken, outs in zip((True, False), op.attrs["branches"]):
                stop = fed_set | set(op.inputs[1:])
                branch = _topological_order([t.op for t in outs if t not in stop], stop)
                state = "branch" if pred is None else ("run" if bool(pred) == taken else "skipped")
                for b in branch:
                    if b not in self.state:
                        self.state[b] = state
                        if b.type == "If" and state != "skipped":
                            pending.append(b)

    def _collect_values(self, graph, feed_dict, session, order, values):
        """Values to print on the nodes: fed values, variables in `session`, and the other tensors of the run when
        computing them changes nothing (no assignments, no random numbers), or the dict given by the caller."""
        session = session or get_default_session()
        for t, v in zip(self.fed, (feed_dict or {}).values()):
            self.values[t] = v
        if isinstance(values, dict):
            self.values.update({graph.as_graph_element(k): v for k, v in values.items()})
            return
        if session is None:
            self.note = "Sin sesión no hay valores: pasa session=sess para verlos."
            return
        for op in graph.get_operations():
            if op.type == "VariableV2":
                self.values[op.outputs[0]] = session._vars.get(op, _UNINITIALIZED)
        harmless = {"VariableV2", "Placeholder", "If", "While", "IsVariableInitialized"}
        risky = [op for op in order if OPS[op.type].stateful and op.type not in harmless]
        if risky:
            self.note = (f"Los valores intermedios no se calculan: este run ejecuta '{risky[0].name}' "
                         f"({risky[0].type}), que cambiaría el estado de la sesión.")
            return
        wanted = [t for op in order if op.type not in ("VariableV2", "Placeholder") for t in op.outputs]
        try:
            results = session.run(wanted, feed_dict)
        except Exception as e:  # e.g. an uninitialized variable: show the picture and say why values are missing
            self.note = "Los valores no se pueden calcular: " + str(e).split("\n")[0]
            return
        self.values.update(zip(wanted, results))


_UNINITIALIZED = object()


# ---------------------------------------------------------------------------------------------------------------
# Step 2: nodes (variables as one node, collapsed scopes) and clusters
# ---------------------------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("id", "path", "kind", "ops", "collapsed")

    def __init__(self, id, path, kind, collapsed=False):
        self.id, self.path, self.kind, self.ops, self.collapsed = id, path, kind, [], collapsed


def _variable_owner(name, var_names):
    """The variable whose ops include `name`: the longest variable name `v` with name == v or name under 'v/'."""
    parts = name.split("/")
    for i in range(len(parts), 0, -1):
        prefix = "/".join(parts[:i])
        if prefix in var_names:
            return prefix
    return None


def _scopes_of(path):
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _group(ops, optimizer_scopes, collapse):
    """Maps each op to its node: a variable's ops share one node, an op inside a collapsed scope its scope's node."""
    var_names = {op.name for op in ops if op.type == "VariableV2"}
    nodes, node_of = {}, {}
    for op in ops:
        scope = next((s for s in _scopes_of(op.name) + [op.name] if s in collapse), None)
        owner = _variable_owner(op.name, var_names)
        if scope is not None and (owner is None or len(scope) <= len(owner)):
            key, path, kind, collapsed = "scope:" + scope, scope, None, True
        elif owner is not None:
            key, path, kind, collapsed = owner, owner, "variable", False
        else:
            key, path, kind, collapsed = op.name, op.name, _kind(op, optimizer_scopes), False
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = _Node(_node_id(path), path, kind, collapsed)
        node.ops.append(op)
        node_of[op] = node
    for node in nodes.values():  # a collapsed scope is drawn like most of its ops
        if node.collapsed:
            kinds = [_kind(op, optimizer_scopes) for op in node.ops]
            node.kind = max(set(kinds), key=kinds.count)
    return list(nodes.values()), node_of


def _node_id(key):
    return key if re.fullmatch(r"[A-Za-z0-9_.\-/>]+", key) else f"n{zlib.crc32(key.encode()):08x}"


def _auto_collapse(ops, optimizer_scopes, collapse, expand, max_nodes, big):
    """Scopes to collapse: `gradients` when the graph has more than `big` nodes, then the largest top-level scopes
    until at most `max_nodes` nodes remain."""
    nodes, _ = _group(ops, optimizer_scopes, collapse)
    if len(nodes) > big:
        collapse |= {s for n in nodes for s in _scopes_of(n.path)[:1] if _GRADIENT_SCOPE.match(s)} - expand
    while True:
        nodes, _ = _group(ops, optimizer_scopes, collapse)
        if len(nodes) <= max_nodes:
            return collapse
        sizes = {}
        for n in nodes:
            top = _scopes_of(n.path)[:1]
            if top and top[0] not in expand:
                sizes[top[0]] = sizes.get(top[0], 0) + 1
        if not sizes or max(sizes.values()) < 2:
            return collapse
        collapse.add(max(sizes, key=sizes.get))


def _clusters(nodes):
    """The name scopes drawn as boxes, and the box of each node.

    A scope gets a box when it holds at least two nodes, except the scope an op opens for its own Python inputs
    (`mul` with the constant `mul/y`), and a scope whose nodes all sit in one inner box (that box takes its name)."""
    by_path = {n.path: n for n in nodes}
    inside = {}
    for n in nodes:
        for s in _scopes_of(n.path):
            inside.setdefault(s, []).append(n)
    kept = set()
    for s, members in inside.items():
        owner = by_path.get(s)
        if owner is not None and not owner.collapsed and all(m.kind == "constant" for m in members):
            continue
        if len(members) + (owner is not None) >= 2 or s.endswith(("true_branch", "false_branch")):
            kept.add(s)
    for s in sorted(kept, key=len):  # a box with all its nodes in one inner box is that inner box
        if s in kept and s not in by_path:
            inner = {next((k for k in _scopes_of(m.path) if k in kept and k.startswith(s + "/")), None)
                     for m in inside[s]}
            if len(inner) == 1 and None not in inner:
                kept.discard(s)
    box = {}
    for n in nodes:
        candidates = [s for s in _scopes_of(n.path) if s in kept]
        if n.path in kept:
            candidates.append(n.path)
        box[n] = candidates[-1] if candidates else None
    return kept, box


def _parent_box(scope, kept):
    outer = [s for s in _scopes_of(scope) if s in kept]
    return outer[-1] if outer else None


def _relative(path, box):
    if box is None or path == box:
        return path if box is None else path.rsplit("/", 1)[-1]
    return path[len(box) + 1:]


# ---------------------------------------------------------------------------------------------------------------
# Step 3: drawing
# ---------------------------------------------------------------------------------------------------------------


def _shape_str(shape):
    return "<unknown>" if shape.dims is None else shape.feed_str()


def _short(text, width=30):
    return text if len(text) <= width else text[:width - 12] + "…" + text[-11:]


def _format_value(v, width=30):
    """A short text for a value on a node: `48`, `[1. 2. 3.]`, `float32[100,2] min -1.2 máx 3.4`. Numbers are never
    cut: a value too long to show whole is summarised instead."""
    if v is _UNINITIALIZED:
        return "sin inicializar"
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    a = np.asarray(v)
    text = " ".join(np.array2string(a, precision=4, threshold=6, edgeitems=2, suppress_small=True).split())
    if a.size <= 6 and len(text) <= width:
        return text
    shape = f"{a.dtype.name}[{','.join(str(d) for d in a.shape)}]"
    if a.dtype.kind == "b":
        return f"{shape} {int(a.sum())} True"
    if a.dtype.kind in "iuf" and a.size:
        return f"{shape} min {a.min():.3g} máx {a.max():.3g}"
    return shape


def _label(node, name, run, state, step):
    """An HTML-like label: name in bold, then what it is (type, value of a constant, dtype and shape), then values."""
    op = node.ops[0] if node.kind != "variable" or node.collapsed else next(o for o in node.ops
                                                                             if o.type == "VariableV2")
    lines = [f"<b>{html.escape(_short(name))}</b>"]
    if node.collapsed:
        detail = f"{len(node.ops)} operaciones (plegado)"
    elif node.kind in ("variable", "placeholder"):
        t = op.outputs[0]
        detail = f"{'Variable' if node.kind == 'variable' else op.type} {t.dtype.name} {_shape_str(t.shape)}"
    elif node.kind == "constant":
        value = op.attrs["value"]
        detail = _format_value(value) if value.size <= 6 else f"Const {op.outputs[0].dtype.name} {list(value.shape)}"
    else:
        detail = op.type if op.type.lower() != re.sub(r"_\d+$", "", name.rsplit("/", 1)[-1]).lower() else ""
    faded = state == "skipped"
    if detail:
        lines.append(f'<font point-size="9" color="{"#b0b0b0" if faded else "#424242"}">{html.escape(detail)}</font>')
    if run is not None and node.kind != "constant":
        shown = [t for o in node.ops for t in o.outputs if t in run.values][:1]
        if shown:
            lines.append(f'<font point-size="10" color="{"#b0b0b0" if faded else "#0d47a1"}" face="monospace">= '
                         f'{html.escape(_format_value(run.values[shown[0]]))}</font>')
    if step is not None:
        lines.append(f'<font point-size="8" color="#1b5e20">paso {step}</font>')
    return "<" + "<br/>".join(lines) + ">"


def _steps(nodes, run):
    """Each evaluated node's place in the run (1, 2, 3...: the session's order of its first op)."""
    if run is None:
        return {}
    first = {n: (max if n.collapsed else min)(run.step[o] for o in n.ops if o in run.step) for n in nodes
             if _node_state(n, run) == "run" and any(o in run.step for o in n.ops)}
    return {n: i + 1 for i, n in enumerate(sorted(first, key=first.get))}


def _node_state(node, run):
    if run is None:
        return None
    states = {run.state.get(op, "skipped") for op in node.ops}
    for s in ("missing", "fed", "run", "branch"):
        if s in states:
            return s
    return "skipped"


def _tooltip(node):
    if node.collapsed:
        return f"{node.path}: {len(node.ops)} ops"
    op = node.ops[0] if node.kind != "variable" else next(o for o in node.ops if o.type == "VariableV2")
    return f"{op.name} ({op.type}), creada en {op.created_at}"


def _legend(kinds, states, edge_kinds):
    rows = []
    for k in KINDS:
        if k in kinds:
            attrs = KINDS[k][1]
            rows.append(f'<tr><td bgcolor="{attrs["fillcolor"]}" border="1" color="{attrs["color"]}">   </td>'
                        f'<td align="left">{html.escape(KINDS[k][0])}</td></tr>')
    colors = {"run": "#424242", "fed": "#e65100", "missing": "#d50000", "branch": "#616161", "skipped": "#c8c8c8"}
    for s in STATES:
        if s in states:
            line = "dashed" if "dashed" in STATES[s][1].get("style", "") else "solid"
            rows.append(f'<tr><td border="2" color="{colors[s]}" style="{line}">   </td>'
                        f'<td align="left">{html.escape(STATES[s][0])}</td></tr>')
    for key, text, color, mark in (("writes", "escribe en la variable", WRITE_COLOR, "- - &lt;"),
                                   ("control", "dependencia de control", "#757575", "· · o")):
        if key in edge_kinds:
            rows.append(f'<tr><td><font color="{color}">{mark}</font></td><td align="left">{text}</td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="3" cellpadding="2">'
            '<tr><td colspan="2"><b>Leyenda</b></td></tr>' + "".join(rows) + "</table>>")


def _edges(nodes, node_of, run, edge_labels):
    """(tail, head, attributes) of each edge between different nodes, once per pair and kind."""
    drawn = set(nodes)
    edges, seen = [], set()

    def add(a, b, key, **attrs):
        if a is b or a not in drawn or b not in drawn or (a, b, key) in seen:
            return
        seen.add((a, b, key))
        if run is not None:
            on = "skipped" not in (_node_state(a, run), _node_state(b, run))
            if not on:
                attrs.update(color="#d0d0d0", fontcolor="#b0b0b0")
            attrs.setdefault("color", "#212121")
            attrs.setdefault("fontcolor", "#424242")
            if on:
                attrs.setdefault("penwidth", "1.6")
        edges.append((a, b, key, attrs))

    for op in node_of:
        dst = node_of[op]
        refs = OPS[op.type].ref_inputs
        inputs = list(enumerate(op.inputs))
        if op.type == "If":  # its captured inputs are drawn as inputs of the branch ops
            inputs = inputs[:1]
            for label, color, outs in zip(("rama true", "rama false"), ("#2e7d32", "#c62828"), op.attrs["branches"]):
                for t in outs:
                    if t.op in node_of:
                        add(node_of[t.op], dst, label, label=label, style="dashed", color=color, fontcolor=color)
        for k, t in inputs:
            if t.op not in node_of:
                continue
            src = node_of[t.op]
            if k in refs and OPS[op.type].writes:  # op writes into the variable: arrow backwards
                add(src, dst, "writes", label="actualiza" if dst.kind == "update" else "asigna", style="dashed",
                    dir="back", color=WRITE_COLOR, fontcolor=WRITE_COLOR)
            elif dst.kind == "variable" and not dst.collapsed:
                add(src, dst, t.name, label="valor inicial", style="dashed")
            else:
                label = f"{t.dtype.name} {_shape_str(t.shape)}" if edge_labels else None
                add(src, dst, t.name, **({"label": label} if label else {}))
        for c in op.control_inputs:
            if c in node_of:
                add(node_of[c], dst, "control", style="dotted", arrowhead="odot", color="#757575")
    return edges


# ---------------------------------------------------------------------------------------------------------------
# Rendering: the DOT source, and the programs that turn it into a picture
# ---------------------------------------------------------------------------------------------------------------

_DOT_ID = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _quote(text):
    """A DOT identifier: plain words and numbers as they are, HTML-like labels `<...>` too, anything else quoted."""
    text = str(text)
    if (text.startswith("<") and text.endswith(">")) or (_DOT_ID.fullmatch(text) and text.lower() not in
                                                         _DOT_KEYWORDS):
        return text
    return '"' + re.sub(r'(?<!\\)"', r'\\"', text) + '"'


def _attr_list(attrs):
    return " ".join(f"{_quote(k)}={_quote(v)}" for k, v in attrs.items() if v is not None)


class Drawing:
    """The picture of a graph: its DOT source (`.source`), shown inline in Jupyter as SVG. `to_file(path)` saves
    .svg, .png, .pdf or .gv. Built like a `graphviz.Digraph` (`node`, `edge`, `attr`, `subgraph`)."""

    def __init__(self, name=None, graph_attr=None, node_attr=None, edge_attr=None):
        self.name, self.body = name, []
        for key, attrs in (("graph", graph_attr), ("node", node_attr), ("edge", edge_attr)):
            if attrs:
                self.body.append(f"\t{key} [{_attr_list(attrs)}]")

    def attr(self, **attrs):
        self.body += [f"\t{_quote(k)}={_quote(v)}" for k, v in attrs.items() if v is not None]

    def node(self, name, label=None, **attrs):
        attrs = _attr_list(dict(label=label, **attrs))
        self.body.append(f"\t{_quote(name)}" + (f" [{attrs}]" if attrs else ""))

    def edge(self, tail, head, **attrs):
        attrs = _attr_list(attrs)
        self.body.append(f"\t{_quote(tail)} -> {_quote(head)}" + (f" [{attrs}]" if attrs else ""))

    @contextlib.contextmanager
    def subgraph(self, name=None):
        sub = Drawing(name)
        yield sub
        self.body.append(f"\tsubgraph {_quote(name)} {{")
        self.body += ["\t" + line for line in sub.body]
        self.body.append("\t}")

    @property
    def source(self):
        return f"digraph {_quote(self.name)} {{\n" + "".join(line + "\n" for line in self.body) + "}\n"

    def pipe(self, format="svg", encoding=None):
        """The picture in `format` (bytes, or text with an `encoding`), drawn by the first program that can."""
        data = render(self.source, format)
        return data.decode(encoding) if encoding else data

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        return _bundle(self, include, exclude)

    def to_file(self, path):
        """Saves the picture; the format comes from the extension (.svg, .png, .pdf, .jpg; .gv/.dot: DOT source)."""
        fmt = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
        if fmt in ("gv", "dot"):
            data = self.source.encode()
        elif fmt in ("svg", "png", "pdf", "jpg", "jpeg"):
            try:
                data = self.pipe(format=fmt)
            except RenderError as e:
                raise RuntimeError(hinted(f"Cannot save '{path}': {e}",
                                          "instala un programa que dibuje grafos (%pip install graphviz-pure, o "
                                          "Graphviz: !apt-get install -y graphviz, que también hace PDF) o guarda "
                                          "el código DOT con to_file('grafo.gv').")) from None
        else:
            raise ValueError(hinted(f"Cannot save '{path}': unknown picture format '{fmt}'.",
                                    "usa un nombre terminado en .svg, .png, .pdf o .gv."))
        with open(path, "wb") as f:
            f.write(data)
        return str(path)


class RenderError(RuntimeError):
    """No program could draw the picture (each one's reason is in the message)."""


def _programs():
    """The programs that can draw DOT, in order: Graphviz's `dot`, then `graphviz-pure` (`pip install
    graphviz-pure`: a self-contained port of Graphviz, also found beside this Python when its folder of scripts is
    not on PATH, as in a Jupyter kernel of an unactivated virtual environment)."""
    found = [shutil.which("dot"), shutil.which("graphviz-pure")]
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        found.append(shutil.which("graphviz-pure", path=folder) if folder else None)
    return list(dict.fromkeys(p for p in found if p))


def render(source, fmt="svg", timeout=60):
    """DOT source -> picture bytes, with the first program of `_programs()` that succeeds. Any failure of a program
    (missing, no subprocesses as in Pyodide, a crash, a format it does not know) moves on to the next one; when none
    is left, `RenderError` says why each failed."""
    reasons = []
    try:
        programs = _programs()
    except Exception as e:  # noqa: BLE001 (whatever the platform raises, there is just no program)
        programs, reasons = [], [f"{type(e).__name__}: {e}"]
    for program in programs:
        try:
            done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                                  timeout=timeout)
        except Exception as e:  # noqa: BLE001
            reasons.append(f"{os.path.basename(program)}: {type(e).__name__}: {e}")
            continue
        if done.returncode == 0 and done.stdout:
            return done.stdout
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reasons.append(f"{os.path.basename(program)}: exit status {done.returncode}" + (f": {error[-1]}" if error
                                                                                           else ""))
    raise RenderError("no program could draw the graph (" + ("; ".join(reasons) or "neither Graphviz's 'dot' nor "
                                                             "'graphviz-pure' was found") + ").")


def _fit_width(svg):
    """The SVG scales down to the width of the cell (never up), keeping its proportions: its width becomes a
    maximum and its height follows from the viewBox."""
    return re.sub(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                  lambda m: f'<svg width="100%" style="max-width:{m.group(1)}pt;height:auto"', svg, count=1)


def _bundle(drawing, include=None, exclude=None):
    """The Jupyter MIME bundle of a drawing: SVG, or (when no program can draw) an HTML note with the DOT source."""
    svg = "image/svg+xml"
    if (include is not None and svg not in include) or (exclude is not None and svg in exclude):
        return {}
    try:
        return {svg: _fit_width(drawing.pipe(format="svg", encoding="utf-8"))}
    except Exception as e:  # noqa: BLE001 (displaying never fails: the DOT text and what to install instead)
        reason = str(e) if isinstance(e, RenderError) else f"{type(e).__name__}: {e}"
        return {"text/html": f"<div><p><b>No se puede dibujar el grafo.</b></p><pre>{html.escape(_INSTALL_HINT)}</pre>"
                             f"<pre style='font-size:80%'>{html.escape(drawing.source)}</pre>"
                             f"<p style='font-size:80%;color:#757575'>{html.escape(reason)}</p></div>"}


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------


def _graph_of(target):
    if target is None:
        return get_default_graph(), None
    if isinstance(target, Graph):
        return target, None
    probe = target
    while isinstance(probe, (list, tuple, dict)) and probe and not hasattr(probe, "_as_graph_element"):
        probe = next(iter(probe.values())) if isinstance(probe, dict) else probe[0]
    elem = probe._as_graph_element() if hasattr(probe, "_as_graph_element") else None
    graph = elem.graph if isinstance(elem, (Tensor, Operation)) else get_default_graph()
    return graph, target


def show_graph(fetches=None, feed_dict=None, session=None, *, values=False, only_needed=False, collapse="auto",
               expand=(), max_nodes=120, edge_labels=True, legend=True, rankdir="TB", title=None, to_file=None):
    """A picture of a graph (a `Drawing`; in Jupyter it displays itself as SVG).

    fetches: a Graph (drawn whole; default: the default graph), or what `sess.run` would get (a tensor, op, variable,
        name, or a list/dict of them): then the picture is an *execution view* marking the ops that run evaluates
        (numbered in order), those whose value comes from `feed_dict`, those it skips, and placeholders still missing.
    session, values: `values=True` prints values on the nodes: feeds, variables in `session` (default: the default
        session) and, when running changes nothing, every tensor of the run; or pass a dict {tensor: value}.
    only_needed: draw only the ops the fetches need.
    collapse: scopes drawn as one node ("auto": each tf.while_loop, `gradients` in big graphs, then the largest
        scopes beyond `max_nodes`); expand: scopes never collapsed automatically (`expand=["while"]` opens a loop).
    to_file: also save the picture (.svg, .png, .pdf, or .gv for the DOT source).
    """
    graph, target = _graph_of(fetches)
    run = _Run(graph, target, feed_dict, session, values) if target is not None else None
    ops = graph.get_operations()
    if run is not None and only_needed:  # the ops the run evaluates, and the variables they write into
        written = {op.inputs[i].op for op in run.state for i in OPS[op.type].ref_inputs}  # read or written
        ops = [op for op in ops if op in run.state or op in written]
    if values and run is None:  # the whole graph with the variables of a session
        run_values = _Run(graph, [], None, session, values)
        run_values.state = {}
    else:
        run_values = run
    optimizer_scopes = _optimizer_scopes(ops)
    expand = {s.rstrip("/") for s in ([expand] if isinstance(expand, str) else expand)}
    if collapse == "auto":
        loops = {op.name for op in ops if op.type == "While"} - expand  # a loop is one box until expanded
        collapse = _auto_collapse(ops, optimizer_scopes, loops, expand, max_nodes, big=40)
    else:
        collapse = {s.rstrip("/") for s in ([collapse] if isinstance(collapse, str) else collapse or ())}
    nodes, node_of = _group(ops, optimizer_scopes, collapse)
    notes = []
    if len(nodes) > max_nodes:
        hidden = nodes[max_nodes:]
        nodes = nodes[:max_nodes]
        notes.append(f"Se muestran {max_nodes} de {max_nodes + len(hidden)} nodos "
                     "(usa max_nodes=..., collapse=[...] o show_graph(tensor, only_needed=True)).")
    shown_collapsed = sorted(n.path for n in nodes if n.collapsed)
    if shown_collapsed:
        notes.append(f"Plegado: {', '.join(shown_collapsed)}. Para verlo: show_graph(..., "
                     f"expand={shown_collapsed[:1]!r}).")
    if run_values is not None and run_values.note:
        notes.append(run_values.note)
    if run is not None:
        counts = {s: sum(1 for n in nodes if _node_state(n, run) == s) for s in STATES}
        parts = [_count(counts["run"], "nodo se evalúa", "nodos se evalúan") + " (en el orden de los pasos)"]
        parts += [_count(counts["fed"], "viene de feed_dict", "vienen de feed_dict")] if counts["fed"] else []
        parts += [_count(counts["branch"], "está en ramas de tf.cond", "están en ramas de tf.cond")
                  ] if counts["branch"] else []
        parts += [_count(counts["skipped"], "no se evalúa", "no se evalúan")] if counts["skipped"] else []
        parts += ["¡" + _count(counts["missing"], "placeholder sin valor", "placeholders sin valor")
                  + " en feed_dict!"] if counts["missing"] else []
        fetched = ", ".join(e.name for e in run.elements[:3]) + (", ..." if len(run.elements) > 3 else "")
        notes.insert(0, f"sess.run({fetched}): " + ", ".join(parts) + ("" if parts[-1].endswith("!") else "."))
    return _draw(graph, nodes, node_of, run, run_values, notes, legend, edge_labels, rankdir, title, to_file)


def _count(n, one, many):
    return f"{n} {one if n == 1 else many}"


def _draw(graph, nodes, node_of, run, run_values, notes, legend, edge_labels, rankdir, title, to_file):
    node_of = {op: n for op, n in node_of.items() if n in set(nodes)}
    kept, box = _clusters(nodes)
    dg = Drawing(name="grafo", graph_attr=dict(rankdir=rankdir, fontname="Helvetica", fontsize="11",
                                                        nodesep="0.4", ranksep="0.4", labelloc="t",
                                                        labeljust="l", tooltip=" "),
                          node_attr=dict(fontname="Helvetica", fontsize="11", style="filled", margin="0.08,0.04"),
                          edge_attr=dict(fontname="Helvetica", fontsize="8", color="#616161", fontcolor="#616161",
                                         arrowsize="0.7"))
    caption = [title] if title else []
    caption += notes
    if caption:
        dg.attr(label="".join(line + "\\l" for line in caption))
    steps = _steps(nodes, run)
    fetched = {e if isinstance(e, Operation) else e.op for e in (run.elements if run else [])}
    children = {}
    for s in kept:
        children.setdefault(_parent_box(s, kept), []).append(s)

    def fill(sub, scope):
        for child in sorted(children.get(scope, [])):
            gradient = any(_GRADIENT_SCOPE.match(p) for p in child.split("/"))
            label = _relative(child, _parent_box(child, kept))
            if child.endswith("true_branch") or child.endswith("false_branch"):
                label += " (rama de tf.cond)"
            with sub.subgraph(name="cluster_" + child) as c:
                c.attr(label=label, style="rounded,filled", color="#bdbdbd", fontsize="10", tooltip=child,
                       fillcolor="#fdf0f5" if gradient else "#f7f7f7")
                fill(c, child)
        for n in nodes:
            if box[n] == scope:
                state = _node_state(n, run)
                attrs = dict(KINDS[n.kind][1])
                if n.collapsed:
                    attrs["shape"] = "box3d"
                attrs.update(STATES[state][1] if state else {})
                if n.ops and set(n.ops) & fetched:
                    attrs["peripheries"] = "2"
                if "style" in attrs and "filled" not in attrs["style"]:
                    attrs["style"] = "filled," + attrs["style"]
                label = _label(n, _relative(n.path, box[n]), run_values, state, steps.get(n))
                sub.node(n.id, label=label, tooltip=_tooltip(n), **{"class": f"{n.kind} {state or ''}".strip()},
                         **attrs)

    fill(dg, None)
    edge_kinds = set()
    for a, b, key, attrs in _edges(nodes, node_of, run, edge_labels):
        dg.edge(a.id, b.id, **attrs)
        edge_kinds.add(key)
    if legend and nodes:
        states = {_node_state(n, run) for n in nodes} if run else set()
        dg.node("leyenda", label=_legend({n.kind for n in nodes}, states, edge_kinds), shape="plaintext", style="",
                fontsize="10")
    if to_file:
        dg.to_file(to_file)
    return dg


def repr_mimebundle(obj, include=None, exclude=None):
    """The Jupyter display of a Graph (whole), Tensor or Operation (what evaluating it computes, titled with its
    usual repr). Never raises: anything unexpected leaves the usual text repr."""
    if include is not None and "image/svg+xml" not in include:
        return {}
    try:
        if isinstance(obj, Graph):
            if not obj.get_operations():
                return {}
            drawing = show_graph(obj)
        else:
            drawing = show_graph(obj, only_needed=True, title=repr(obj))
        bundle = _bundle(drawing, include, exclude)
        # without Graphviz, a Tensor or Operation keeps its usual text (the Graph's picture explains what is missing)
        return bundle if isinstance(obj, Graph) or "image/svg+xml" in bundle else {}
    except Exception:  # display must never break a notebook
        return {}


def repr_svg(obj):
    """The SVG of `obj` (see repr_mimebundle), or None when it cannot be drawn."""
    return repr_mimebundle(obj).get("image/svg+xml")
