"""A 64-128-128-10 ReLU network classifying scikit-learn's 8x8 handwritten digits, trained with Adam.

The data is scikit-learn's (its 1,797 digits ship with it, nothing is downloaded): without scikit-learn
the script stops and says so, unless --synthetic asks for ten noisy patterns made with NumPy instead.

Run from the repository root:
    PYTHONPATH=src python examples/digits_mlp.py            # chainrule
    PYTHONPATH=src python examples/digits_mlp.py --torch    # the same script on PyTorch
    PYTHONPATH=src python examples/digits_mlp.py --synthetic  # without scikit-learn
    PYTHONPATH=src python examples/digits_mlp.py --device cuda  # on an NVIDIA GPU (chainrule[cuda12])
"""

import _common

torch = _common.torch


def build_model(nn):
    """The network from ``nn`` (chainrule's or PyTorch's: the tests build it with both)."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    _common.train_on_digits(torch, build_model, "digits_mlp", "digits MLP", 1e-3, __doc__)


if __name__ == "__main__":
    main()
