"""Graph pictures: structure equal to the grad_fn graph PyTorch builds, labels, rendering, scale."""

import pytest
import torch

import chainrule
from chainrule import viz


def torch_structure(tensor):
    """Node names and edges of torch's backward graph, discovered in the same order viz uses."""
    names, edges, ids = ["output"], [], {}
    stack = [(tensor.grad_fn, 0)]
    while stack:
        node, consumer = stack.pop()
        if id(node) not in ids:
            ids[id(node)] = len(names)
            names.append("leaf" if type(node).__name__ == "AccumulateGrad" else type(node).__name__)
            for next_node, _ in node.next_functions:
                if next_node is not None:
                    stack.append((next_node, ids[id(node)]))
        edges.append((ids[id(node)], consumer))
    return names, list(dict.fromkeys(edges))


PROGRAMS = [
    lambda lib, x, w: 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1,
    lambda lib, x, w: (2 * (3 * w + 2) ** 2).mean(),
    lambda lib, x, w: (w @ w.t()).sum() * x,
    lambda lib, x, w: lib.where(w > 2, w.exp(), w * x).sum(0),
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_structure_matches_torch_graph(program):
    def run(lib):
        x = lib.tensor(2.0, requires_grad=True)
        w = lib.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
        return program(lib, x, w), x, w

    ours, x, w = run(chainrule)
    picture = viz.draw(ours, params={"x": x, "w": w})
    names = ["leaf" if n in ("x", "w") else n for n in picture.node_names]
    expected_names, expected_edges = torch_structure(run(torch)[0])
    assert names == expected_names
    assert picture.edges == expected_edges
    assert "rankdir=BT" in picture.source and "digraph backward" in picture.source


def test_labels_show_shapes_values_and_saved_tensors():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    source = viz.draw(y, params={"x": x}, show_saved=True).source
    assert "saved self (2) float32" in source and "(2) float32" in source
    y.backward()
    source = viz.draw(y, params={"x": x}, show_values=True).source
    assert "grad tensor([2., 4.])" in source and "value tensor(5.)" in source


def test_huge_graph_is_summarised_without_recursion():
    x = chainrule.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    picture = viz.draw(y, max_nodes=500)
    assert len(picture.node_names) == 501
    assert picture.node_names[-1] == "... 99502 more nodes not drawn"


def test_renders_svg(tmp_path, renderer_missing):
    x = chainrule.tensor(2.0, requires_grad=True)
    picture = viz.draw(x ** 2 + x)
    path = tmp_path / "graph.svg"
    if renderer_missing is not None:  # no dot here: the error says what to install, and no empty file is left
        with pytest.raises(RuntimeError, match="Rendering is not possible here: .*The DOT text is in `.source`"):
            picture.render(str(path))
        assert not path.exists()
        assert picture._repr_svg_() is None  # Jupyter shows the text form, which says what to install
        assert picture._repr_mimebundle_()["text/plain"].endswith(renderer_missing)
        assert "PowBackward0" in picture.source
        return
    svg = picture._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "PowBackward0" in svg
    assert picture._repr_mimebundle_()["image/svg+xml"] == svg
    assert picture.render(str(path)) == str(path)
    assert path.read_text().count("<svg") == 1


def test_hint_names_what_is_missing(monkeypatch):
    """The graphviz package and the dot program are installed separately; the hint names the one missing."""
    import shutil
    import sys
    import types

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    both = viz.missing_renderer()
    assert viz.PACKAGE_HINT in both and viz.PROGRAM_HINT in both
    monkeypatch.setitem(sys.modules, "graphviz", types.ModuleType("graphviz"))
    program_only = viz.missing_renderer()
    assert viz.PACKAGE_HINT not in program_only and viz.PROGRAM_HINT in program_only
    with pytest.raises(RuntimeError) as error:
        viz.draw(chainrule.tensor(1.0, requires_grad=True) * 2).pipe()
    assert str(error.value) == program_only
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    assert viz.missing_renderer() is None
