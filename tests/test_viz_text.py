"""The graph picture as drawn: the DOT text and the SVG that Graphviz makes of it, read back and compared
with PyTorch's backward graph (not with the picture's own bookkeeping)."""

import re
import xml.etree.ElementTree as ElementTree

import torch

import chainrule
from chainrule import viz

NODE = re.compile(r'^  n(\d+) \[label=<(.*)>, (.*)\];$')
EDGE = re.compile(r'^  n(\d+) -> n(\d+);$')
SVG = "{http://www.w3.org/2000/svg}"


def _read_dot(source):
    """Labels (lines, unescaped), styles and edges, from the DOT text alone; every line must parse."""
    lines = source.splitlines()
    assert lines[:3] == ["digraph backward {", "  rankdir=BT;", "  node [fontname=Helvetica, fontsize=11];"]
    assert lines[-1] == "}"
    labels, styles, edges = {}, {}, []
    for line in lines[3:-1]:
        node, edge = NODE.match(line), EDGE.match(line)
        assert node or edge, f"unexpected DOT line {line!r}"
        if node:
            labels[int(node[1])] = [_unescape(part) for part in node[2].split("<br/>")]
            styles[int(node[1])] = node[3]
        else:
            edges.append((int(edge[1]), int(edge[2])))
    assert sorted(labels) == list(range(len(labels)))
    return labels, styles, edges


def _unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'") \
        .replace("&amp;", "&")


def _torch_graph(output, names):
    """PyTorch's graph as a set of edges between labels: (producer label, consumer label)."""
    edges, seen, stack = set(), set(), [(output.grad_fn, "output")]
    while stack:
        node, consumer = stack.pop()
        label = names[id(node.variable)] if type(node).__name__ == "AccumulateGrad" else type(node).__name__
        edges.add((label, consumer))
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend((n, label) for n, _ in node.next_functions if n is not None)
    return edges


def _program(m):
    x = m.tensor([1.0, -2.0, 0.5], requires_grad=True)
    w = m.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.5]], dtype=m.float64, requires_grad=True)
    hidden = (w * x).tanh()
    y = (hidden.exp() + hidden * x.sin()).sum() / w.pow(2).mean()
    return y, {"x": x, "w <weights> & co": w}


def test_dot_text_draws_pytorchs_graph():
    y, params = _program(chainrule)
    labels, styles, edges = _read_dot(viz.draw(y, params=params).source)
    drawn = {(labels[a][0], labels[b][0]) for a, b in edges}
    reference, ref_params = _program(torch)
    assert drawn == _torch_graph(reference, {id(t): name for name, t in ref_params.items()})
    assert len(edges) == len(set(edges)) and all(a != b for a, b in edges)
    # leaves carry their name, then shape and dtype as PyTorch prints them; the output its own shape
    by_name = {label[0]: label for label in labels.values()}
    assert by_name["x"] == ["x", "(3) float32"]
    assert by_name["w <weights> & co"] == ["w <weights> & co", "(2, 3) float64"]
    assert labels[0] == ["output", f"() {str(reference.dtype).split('.')[-1]}"]
    kinds = {label[0]: styles[i] for i, label in labels.items()}
    assert kinds["output"] == viz.STYLE["output"] and kinds["x"] == viz.STYLE["leaf"]
    assert kinds["TanhBackward0"] == viz.STYLE["node"]


def test_dot_text_of_saved_values_and_numbers():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    labels, styles, edges = _read_dot(viz.draw(y, params={"x": x}, show_saved=True).source)
    saved = {i: label[0] for i, label in labels.items() if label[0].startswith("saved")}
    assert sorted(saved.values()) == ["saved other (2) float32", "saved self (2) float32"]
    mul = next(i for i, label in labels.items() if label[0] == "MulBackward0")
    assert {(i, mul) for i in saved} <= set(edges)
    assert all(styles[i] == viz.STYLE["saved"] for i in saved)
    y.backward()
    labels, _, _ = _read_dot(viz.draw(y, params={"x": x}, show_values=True).source)
    assert labels[0] == ["output", "() float32", "value tensor(5.)"]
    by_name = {label[0]: label for label in labels.values()}
    assert by_name["x"] == ["x", "(2) float32", "value tensor([1., 2.])", "grad tensor([2., 4.])"]


def test_several_outputs_are_numbered():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    labels, _, edges = _read_dot(viz.draw([x.exp(), x.sin().sum()]).source)
    assert labels[0][0] == "output 0" and labels[1][0] == "output 1"
    drawn = {(labels[a][0], labels[b][0]) for a, b in edges}
    assert {("ExpBackward0", "output 0"), ("SumBackward0", "output 1"), ("SinBackward0", "SumBackward0")} <= drawn


def test_svg_shows_every_node_label_and_edge_of_the_dot_text():
    y, params = _program(chainrule)
    picture = viz.draw(y, params=params)
    labels, _, edges = _read_dot(picture.source)
    root = ElementTree.fromstring(picture.pipe("svg"))
    nodes, svg_edges = {}, set()
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title").text if group.find(f"{SVG}title") is not None else None
        if group.get("class") == "node":
            nodes[int(title[1:])] = [t.text for t in group.iter(f"{SVG}text")]
        elif group.get("class") == "edge":
            a, b = title.split("->")
            svg_edges.add((int(a[1:]), int(b[1:])))
    assert nodes == labels
    assert svg_edges == set(edges)
