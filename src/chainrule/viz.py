"""Pictures of the backward graph: ``chainrule.viz.draw(y)``.

The graph is walked iteratively (a 100,000-node graph draws without recursion, summarised past
``max_nodes``) and written as DOT text. Rendering to SVG/PNG/PDF and showing inline in Jupyter use
the ``graphviz`` Python package and Graphviz's ``dot`` program (``pip install -e '.[viz]'`` from a
checkout, plus Graphviz itself); without them the DOT source is still available, and the error says
which of the two is missing.
"""

import html
import shutil

from ._tensor import Tensor
from ._autograd.graph import SavedTensor
from ._autograd.leaf import AccumulateGrad

__all__ = ["draw", "GraphPicture", "missing_renderer"]

PACKAGE_HINT = "the graphviz Python package is not installed (pip install graphviz)"
PROGRAM_HINT = ("Graphviz's `dot` program is not on PATH (install Graphviz itself: apt-get install graphviz, "
                "brew install graphviz or conda install graphviz)")

STYLE = {
    "output": 'shape=box, style="filled,rounded", fillcolor="#ffd27f", color="#b77b00"',
    "node": 'shape=box, style="filled,rounded", fillcolor="#e8e8e8", color="#777777"',
    "leaf": 'shape=box, style="filled", fillcolor="#a9d8ff", color="#2878b5"',
    "saved": 'shape=note, style="filled", fillcolor="#fff6d5", color="#b0a060", fontsize=10',
    "more": 'shape=plaintext, fontcolor="#777777"',
}


class GraphPicture:
    """A drawn graph: ``.source`` is DOT; renders itself in notebooks and to files."""

    def __init__(self, source, node_names, edges):
        self.source = source
        self.node_names = node_names  # labels' first lines, in drawing order (for tests and tools)
        self.edges = edges  # (from_index, to_index) pairs over node_names

    def __repr__(self):
        return f"<GraphPicture with {len(self.node_names)} nodes>"

    def pipe(self, format="svg"):
        """The rendered picture as bytes."""
        missing = missing_renderer()
        if missing is not None:
            raise RuntimeError(missing)
        import graphviz

        try:
            return graphviz.Source(self.source).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(_install_hint([PROGRAM_HINT])) from None

    def render(self, filename, format=None):
        """Write the picture to ``filename`` (format from its extension unless given); returns the path.

        The file is opened only once the picture is rendered, so a failure leaves no empty file behind.
        """
        format = format or filename.rsplit(".", 1)[-1]
        picture = self.pipe(format)
        with open(filename, "wb") as fh:
            fh.write(picture)
        return filename

    save = render

    def _repr_svg_(self):
        """The SVG for Jupyter, or None where it cannot be rendered (Jupyter then shows the text form)."""
        try:
            return self.pipe("svg").decode("utf-8")
        except RuntimeError:
            return None

    def _repr_mimebundle_(self, include=None, exclude=None):
        try:
            svg = self.pipe("svg").decode("utf-8")
        except RuntimeError as error:
            return {"text/plain": repr(self) + "\n" + str(error)}
        return {"image/svg+xml": svg, "text/plain": repr(self)}


def _install_hint(problems):
    return "Rendering is not possible here: " + "; ".join(problems) + ". The DOT text is in `.source`."


def missing_renderer():
    """None when pictures can be rendered here; otherwise the sentence saying what to install.

    Rendering needs two things that are installed separately: the ``graphviz`` Python package and
    Graphviz's ``dot`` program, which the package runs. The sentence names the one that is missing.
    """
    problems = []
    try:
        import graphviz  # noqa: F401
    except ImportError:
        problems.append(PACKAGE_HINT)
    if shutil.which("dot") is None:
        problems.append(PROGRAM_HINT)
    return _install_hint(problems) if problems else None


def _shape_text(array):
    return "(" + ", ".join(str(s) for s in array.shape) + ")"


def _dtype_text(array):
    return str(array.dtype)


def _value_text(tensor):
    text = repr(tensor.detach()) if isinstance(tensor, Tensor) else repr(tensor)
    return text if len(text) <= 60 else text[:57] + "..."


def _leaf_label(tensor, names, show_values):
    name = names.get(id(tensor))
    lines = [name] if name else []
    lines.append(f"{_shape_text(tensor._data)} {_dtype_text(tensor._data)}")
    if show_values:
        lines.append("value " + _value_text(tensor))
        if tensor._grad is not None:
            lines.append("grad " + _value_text(tensor._grad))
    return lines


def _param_names(params):
    if params is None:
        return {}
    items = params.items() if hasattr(params, "items") else params
    return {id(value): name for name, value in items}


def _label(lines):
    return "<" + "<br/>".join(html.escape(line) for line in lines) + ">"


def draw(tensors, params=None, show_saved=False, show_values=False, max_nodes=2000):
    """Draw the backward graph that produced ``tensors`` (a tensor or a sequence of them).

    ``params``: a ``{name: tensor}`` mapping (e.g. ``dict(model.named_parameters())``) to name leaves.
    ``show_saved``: also draw what each node saved for backward. ``show_values``: print values
    (and gradients, after backward) on outputs and leaves, to follow the chain rule numerically.
    """
    roots = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    names = _param_names(params)
    ids, lines_out, edges, order = {}, [], [], []

    def add(key, lines, style):
        ids[key] = len(order)
        order.append(lines[0])
        lines_out.append(f'  n{ids[key]} [label={_label(lines)}, {STYLE[style]}];')
        return ids[key]

    stack = []
    for i, tensor in enumerate(roots):
        head = [f"output {i}" if len(roots) > 1 else "output",
                f"{_shape_text(tensor._data)} {_dtype_text(tensor._data)}"]
        if show_values:
            head.append("value " + _value_text(tensor))
        out_id = add(("output", i), head, "output")
        if tensor._grad_fn is not None:
            stack.append((tensor._grad_fn, out_id))
    not_drawn = set()
    while stack:
        node, consumer = stack.pop()
        key = id(node)
        if key not in ids:
            if len(order) >= max_nodes:
                if key not in not_drawn:  # keep walking only to count what the summary leaves out
                    not_drawn.add(key)
                    stack.extend((n, None) for n, _ in node.next_functions if n is not None)
                continue
            if isinstance(node, AccumulateGrad):
                add(key, _leaf_label(node.variable, names, show_values), "leaf")
            else:
                add(key, [node.name()], "node")
                if show_saved:
                    _add_saved(node, add, edges, ids[key])
            for next_node, _ in node.next_functions:
                if next_node is not None:
                    stack.append((next_node, ids[key]))
        if consumer is not None:
            edges.append((ids[key], consumer))
    if not_drawn:
        more = add(("more",), [f"... {len(not_drawn)} more nodes not drawn"], "more")
        edges.append((more, 0))
    body = lines_out + [f"  n{a} -> n{b};" for a, b in dict.fromkeys(edges) if a != b]
    header = "digraph backward {\n  rankdir=BT;\n  node [fontname=Helvetica, fontsize=11];\n"
    source = header + "\n".join(body) + "\n}\n"
    return GraphPicture(source, order, list(dict.fromkeys((a, b) for a, b in edges if a != b)))


def _add_saved(node, add, edges, node_id):
    saved = node._saved
    if not saved:
        return
    for name, value in zip(node.saved_names, saved):
        if isinstance(value, SavedTensor) and value.unpack_hook is not None:
            text = f"saved {name} (packed by a saved_tensors_hooks)"
        elif isinstance(value, SavedTensor):
            array = value.data if value.output_of is not None else value.tensor._data
            text = f"saved {name} {_shape_text(array)} {_dtype_text(array)}"
        else:
            text = f"saved {name} = {value!r}"
        saved_id = add(("saved", id(node), name), [text], "saved")
        edges.append((saved_id, node_id))
