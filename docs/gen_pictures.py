"""Draw the pictures the docs show (run by `make docs` before building)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import chainrule as torch  # noqa: E402
from chainrule import viz  # noqa: E402


def main():
    out = os.path.join(HERE, "img")
    os.makedirs(out, exist_ok=True)
    x = torch.tensor(2.0, requires_grad=True)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    viz.draw(y, params={"x": x}).render(os.path.join(out, "polynomial.svg"))
    viz.draw(y, params={"x": x}, show_saved=True).render(os.path.join(out, "saved.svg"))
    w = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    out_mean = (2 * (3 * w + 2) ** 2).mean()
    out_mean.backward()
    viz.draw(out_mean, params={"x": w}, show_values=True).render(os.path.join(out, "mean.svg"))


if __name__ == "__main__":
    main()
