"""PyTorch's autograd walkthrough, run by chainrule: every printed tensor is what PyTorch prints.
At the end it writes a picture of each example's backward graph.

Run it with ``make demo``.
"""

import os

import chainrule as torch
from chainrule import viz

PICTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def explain(text):
    print(f"# {text}")


def polynomial():
    explain("A scalar x = 2 that requires grad: autograd records every operation applied to it.")
    x = torch.tensor(2.0, requires_grad=True)
    print(x)
    explain("y = 2x^4 + x^3 + 3x^2 + 5x + 1; its grad_fn is the last operation, an addition.")
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    print(y)
    explain("backward() walks the graph from y back to x, applying the chain rule at each node.")
    y.backward()
    explain("dy/dx = 8x^3 + 3x^2 + 6x + 5 = 64 + 12 + 12 + 5 = 93 at x = 2.")
    print(x.grad)
    return viz.draw(y, params={"x": x}, show_values=True)


def two_layers():
    explain("A 2x3 input that requires grad.")
    x = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    print(x)
    explain("y = 3x + 2, elementwise.")
    y = 3 * x + 2
    print(y)
    explain("z = 2y^2, elementwise.")
    z = 2 * y ** 2
    print(z)
    explain("out = mean(z): a scalar, so backward() needs no gradient argument.")
    out = z.mean()
    print(out)
    out.backward()
    explain("d(out)/dx = (1/6) * 4y * 3 = 2y = 6x + 4, elementwise.")
    print(x.grad)
    return viz.draw(out, params={"x": x}, show_values=True)


def save_pictures(pictures):
    """Render each graph to examples/output/NAME.svg; where Graphviz is missing, say what to install."""
    print()
    missing = viz.missing_renderer()
    if missing is not None:
        print(f"# graphs not drawn. {missing}")
        return
    os.makedirs(PICTURES, exist_ok=True)
    for name, picture in pictures.items():
        path = os.path.join(PICTURES, name + ".svg")
        picture.render(path)
        print(f"# graph of {name} written to {os.path.relpath(path)}")


if __name__ == "__main__":
    first = polynomial()
    print()
    second = two_layers()
    save_pictures({"polynomial": first, "two_layers": second})
