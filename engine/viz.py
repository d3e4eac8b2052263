"""Graph pictures with Graphviz (being written: see issue 4)."""


def repr_svg(graph):
    return None
