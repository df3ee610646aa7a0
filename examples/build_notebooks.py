"""Write the example notebooks from the cells below and execute them, so they are stored with outputs.

Run: python examples/build_notebooks.py   (needs the test extra: nbformat, nbclient, ipykernel, graphviz)
"""

import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))

WALKTHROUGH = [
    ("markdown", """# Autograd, step by step

This notebook runs PyTorch's classic autograd walkthrough with **chainrule**: the code is PyTorch code
(`import chainrule as torch`), the printed tensors are exactly what PyTorch prints, and every graph is
drawn by `chainrule.viz.draw`."""),
    ("code", """import chainrule as torch
from chainrule import viz"""),
    ("markdown", r"""## Example 1: a polynomial of one variable

$$y = 2x^4 + x^3 + 3x^2 + 5x + 1$$

Autograd records each operation applied to `x`. The last one, an addition, becomes `y.grad_fn`."""),
    ("code", """x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
print(y)"""),
    ("markdown", """The recorded graph, read from the bottom (the leaf `x`) to the top (the output). Each box is a
backward node named as in PyTorch; `x` appears once, feeding every term."""),
    ("code", """viz.draw(y, params={"x": x})"""),
    ("markdown", r"""`backward()` walks this graph from the top, applying the chain rule at each node:

$$\frac{dy}{dx} = 8x^3 + 3x^2 + 6x + 5 = 64 + 12 + 12 + 5 = 93 \quad \text{at } x = 2$$"""),
    ("code", """y.backward()
print(x.grad)"""),
    ("markdown", r"""## Example 2: two layers and a mean

$$y = 3x + 2,\qquad z = 2y^2,\qquad \text{out} = \frac{1}{6}\sum_{i} z_i$$

for a $2\times 3$ input $x$."""),
    ("code", """x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
y = 3*x + 2
print(y)
z = 2*y**2
print(z)
out = z.mean()
print(out)"""),
    ("code", """viz.draw(out, params={"x": x})"""),
    ("markdown", r"""By the chain rule, for each element

$$\frac{\partial\,\text{out}}{\partial x_i} = \frac{1}{6}\cdot 4y_i \cdot 3 = 2y_i = 6x_i + 4$$"""),
    ("code", """out.backward()
print(x.grad)"""),
    ("markdown", """After `backward()` the picture can carry the numbers too: the input's value and the gradient
that was accumulated into it."""),
    ("code", """viz.draw(out, params={"x": x}, show_values=True)"""),
]


TRAINING = [
    ("markdown", """# Training a small network

A two-layer network learns to tell three interleaved spirals apart. Everything is PyTorch code run by
chainrule: `nn.Sequential`, `CrossEntropyLoss`, `optim.Adam`, a `DataLoader`, and a progress bar and a
loss plot along the way."""),
    ("code", """import numpy as np
import matplotlib.pyplot as plt
import chainrule as torch
from chainrule import nn, optim
from chainrule.utils.data import DataLoader, TensorDataset
from _common import ProgressBar

_ = torch.manual_seed(0)"""),
    ("markdown", "Three spirals of 200 points each, with a little noise: a problem no straight line solves."),
    ("code", """rng = np.random.default_rng(0)
points, labels = [], []
for label in range(3):
    r = np.linspace(0.05, 1.0, 200)
    angle = np.linspace(label * 4.2, label * 4.2 + 4.0, 200) + rng.normal(0, 0.2, 200)
    points.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
    labels.append(np.full(200, label))
x = torch.tensor(np.concatenate(points), dtype=torch.float32)
y = torch.tensor(np.concatenate(labels))
loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
print(x.shape, y.shape)"""),
    ("code", """model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
optimizer = optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
model"""),
    ("markdown", "Training: forward, loss, `backward()`, one optimizer step, for 60 passes over the data."),
    ("code", """epochs = 60
bar = ProgressBar(epochs * len(loader), "training", stream=__import__("sys").stdout)
for _epoch in range(epochs):
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        bar.update(loss.item())
bar.close()
with torch.no_grad():
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"training accuracy: {accuracy:.1%}")"""),
    ("code", """plt.figure(figsize=(6, 3))
plt.plot(bar.losses)
plt.xlabel("step")
plt.ylabel("cross-entropy")
plt.yscale("log")
plt.title("training loss")
plt.show()"""),
]


def _settled_streams(outputs):
    """Merge consecutive stream outputs and keep what a terminal would show after each carriage return,
    so a progress bar is stored as its final line rather than every redraw."""
    merged: list = []
    for output in outputs:
        if output.output_type == "stream" and merged and merged[-1].output_type == "stream" \
                and merged[-1].name == output.name:
            merged[-1].text += output.text
        else:
            merged.append(output)
    for output in merged:
        if output.output_type == "stream":
            output.text = "\n".join(line.rsplit("\r", 1)[-1] for line in output.text.split("\n"))
    return merged


def build(name, cells):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source))
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = _settled_streams(cell.outputs)
    path = os.path.join(HERE, name)
    nbformat.write(notebook, path)
    print("wrote", path)


def main():
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    os.environ["PYTHONPATH"] = os.path.join(HERE, "..", "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    build("autograd_walkthrough.ipynb", WALKTHROUGH)
    build("training.ipynb", TRAINING)


if __name__ == "__main__":
    main()
