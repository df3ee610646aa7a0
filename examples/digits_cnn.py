"""A small convolutional network on scikit-learn's 8x8 handwritten digits: two 3x3 convolutions with ReLU and
2x2 max pooling, then a linear layer, trained with Adam.

The data is scikit-learn's (its 1,797 digits ship with it, nothing is downloaded): without scikit-learn
the script stops and says so, unless --synthetic asks for ten noisy patterns made with NumPy instead.

Run from the repository root:
    PYTHONPATH=src python examples/digits_cnn.py            # chainrule
    PYTHONPATH=src python examples/digits_cnn.py --torch    # the same script on PyTorch
    PYTHONPATH=src python examples/digits_cnn.py --synthetic  # without scikit-learn
"""

import _common

torch = _common.torch


def build_model(nn):
    """Rows of 64 pixels in, 10 class scores out: 1x8x8 -> 8x4x4 -> 16x2x2 -> 10. ``nn`` is chainrule's or
    PyTorch's: the tests build it with both."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )


def main():
    _common.train_on_digits(torch, build_model, "digits_cnn", "digits CNN", 3e-3, __doc__)


if __name__ == "__main__":
    main()
