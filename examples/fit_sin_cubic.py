"""Fit y = sin(x) on [-pi, pi] with a cubic a + b x + c x^2 + d x^3, written four ways, each a step further
from raw autograd towards the nn and optim tools:

  tensors  four scalar tensors, the gradient from autograd, the update by hand under no_grad
  nn       nn.Sequential(Linear, Flatten) with MSELoss, the update by hand
  optim    the same model, the update by an optimizer (RMSprop)
  module   a custom nn.Module holding the four coefficients as Parameters, trained with SGD

Run from the repository root:
    PYTHONPATH=src python examples/fit_sin_cubic.py                 # all four forms on chainrule
    PYTHONPATH=src python examples/fit_sin_cubic.py --form module   # one of them
    PYTHONPATH=src python examples/fit_sin_cubic.py --torch         # the same script on PyTorch
"""

import math

import _common

torch = _common.torch
nn = torch.nn


def samples():
    x = torch.linspace(-math.pi, math.pi, 2000)
    return x, torch.sin(x)


def cubic(a, b, c, d):
    return f"y = {a:.4f} + {b:.4f} x + {c:.4f} x^2 + {d:.4f} x^3"


def fit_with_tensors(steps, progress):
    """Autograd alone: the loss is built from the four coefficients, backward() fills their .grad."""
    x, y = samples()
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
    learning_rate = 1e-6
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                assert coefficient.grad is not None  # backward() gave every coefficient its gradient
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
        progress.update(loss.item())
    return cubic(a.item(), b.item(), c.item(), d.item())


def polynomial_features(x):
    """The columns x, x^2, x^3, so that the cubic is a linear layer on them."""
    return x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))


def linear_cubic(model):
    linear = model[0]
    return cubic(linear.bias.item(), *(linear.weight[:, power].item() for power in range(3)))


def fit_with_nn(steps, progress):
    """The model and the loss come from nn; the update still walks the parameters by hand."""
    x, y = samples()
    features = polynomial_features(x)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for _ in range(steps):
        loss = loss_fn(model(features), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter -= learning_rate * parameter.grad
        progress.update(loss.item())
    return linear_cubic(model)


def fit_with_optim(steps, progress):
    """The update is an optimizer's step(); RMSprop copes with the very different scales of x and x^3."""
    x, y = samples()
    features = polynomial_features(x)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for _ in range(steps):
        loss = loss_fn(model(features), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        progress.update(loss.item())
    return linear_cubic(model)


class Polynomial3(nn.Module):
    """The four coefficients as Parameters of a module of our own."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d = (nn.Parameter(torch.randn(())) for _ in range(4))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return cubic(self.a.item(), self.b.item(), self.c.item(), self.d.item())


def fit_with_module(steps, progress):
    x, y = samples()
    model = Polynomial3()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for _ in range(steps):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        progress.update(loss.item())
    return model.string()


FORMS = {"tensors": fit_with_tensors, "nn": fit_with_nn, "optim": fit_with_optim, "module": fit_with_module}


def main():
    options = _common.parser(__doc__, steps=2000)
    options.add_argument("--form", choices=[*FORMS, "all"], default="all", help="which version to run (default all)")
    args = options.parse_args()
    print("data: sin(x) at 2000 evenly spaced points of [-pi, pi]")
    curves = {}
    for form in FORMS if args.form == "all" else [args.form]:
        torch.manual_seed(args.seed)
        progress = _common.ProgressBar(args.steps, f"{form:7} ({_common.library_name(torch)})")
        result = FORMS[form](args.steps, progress)
        seconds = progress.close()
        print(f"{form:7} {args.steps} steps in {seconds:.2f} s, final loss {progress.losses[-1]:.2f}. Result: {result}")
        curves[form] = progress.losses
    _common.save_loss_plot(curves, "fit_sin_cubic", torch, args.output)


if __name__ == "__main__":
    main()
