"""Draw the pictures the docs show (run by `make docs` before building).

Exits with status 3, after saying what to install, where Graphviz is missing: `make docs` then builds
the pages without their pictures instead of stopping.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import chainrule as torch  # noqa: E402
from chainrule import viz  # noqa: E402

NOT_RENDERED = 3


def pictures():
    """The pictures by file name."""
    x = torch.tensor(2.0, requires_grad=True)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    w = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    out_mean = (2 * (3 * w + 2) ** 2).mean()
    out_mean.backward()
    return {
        "polynomial.svg": viz.draw(y, params={"x": x}),
        "saved.svg": viz.draw(y, params={"x": x}, show_saved=True),
        "mean.svg": viz.draw(out_mean, params={"x": w}, show_values=True),
    }


def main():
    missing = viz.missing_renderer()
    if missing is not None:
        print(f"docs/img: pictures not drawn, the pages will show none. {missing}")
        return NOT_RENDERED
    out = os.path.join(HERE, "img")
    os.makedirs(out, exist_ok=True)
    for name, picture in pictures().items():
        picture.render(os.path.join(out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
