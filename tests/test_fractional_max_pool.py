"""Fractional max pooling beyond the op table (tests/op_db/nn_layers.py, with given samples): the samples
drawn from the generator give PyTorch's windows from the same seed, the layers, and the errors."""

import numpy as np
import pytest
import torch
from matrix_checks import MODULES, same_error

import chainrule

RNG = np.random.default_rng(2)
IMAGES = RNG.standard_normal((2, 3, 17, 19)).astype(np.float32)
VOLUMES = RNG.standard_normal((2, 2, 6, 7, 8))


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.fractional_max_pool2d(m.tensor(IMAGES), 3, output_size=(7, 5), return_indices=True),
    lambda m: m.nn.functional.fractional_max_pool2d(m.tensor(IMAGES[0]), (2, 3), output_ratio=(0.5, 0.7),
                                                    return_indices=True),
    lambda m: m.nn.functional.fractional_max_pool3d_with_indices(m.tensor(VOLUMES), 2, output_size=(3, 4, 5)),
    lambda m: m.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)(m.tensor(IMAGES)),
    lambda m: m.nn.FractionalMaxPool3d((2, 1, 3), output_size=3, return_indices=True)(m.tensor(VOLUMES[0])),
], ids=["2d size", "2d unbatched ratio", "3d with indices", "layer 2d", "layer 3d unbatched"])
def test_drawn_windows_are_torchs_from_the_same_seed(call):
    results = []
    for m in MODULES:
        m.manual_seed(7)
        values, indices = call(m)
        after = m.rand(1).item()  # the generator moved on as far as PyTorch's did
        results.append((values.numpy(), indices.numpy(), after))
    (ours, our_indices, our_next), (theirs, their_indices, their_next) = results
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(our_indices, their_indices)
    assert our_next == their_next


def test_layers_print_and_hold_their_settings_as_torch():
    for name, args in [("FractionalMaxPool2d", (3,)), ("FractionalMaxPool3d", ((2, 1, 3),))]:
        ours = getattr(chainrule.nn, name)(*args, output_ratio=0.5)
        theirs = getattr(torch.nn, name)(*args, output_ratio=0.5)
        assert repr(ours) == repr(theirs)
        assert (ours.kernel_size, ours.output_size, ours.output_ratio, ours.return_indices) == \
            (theirs.kernel_size, theirs.output_size, theirs.output_ratio, theirs.return_indices)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def _x(m):
    return m.tensor(IMAGES[:1, :2, :7, :9])


def _v(m):
    return m.tensor(VOLUMES[:1, :, :5, :5, :5])


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 3, output_size=(6, 8)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=(7, 8)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=(6, 9)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_ratio=(0.5, 0.5, 0.5)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_ratio=0.5),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m)[0, 0], 2, output_size=3),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=3, _random_samples=m.rand(1, 2, 3)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=3, _random_samples=m.rand(1, 3, 2)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=3,
                                                    _random_samples=m.rand(1, 2, 2, dtype=m.float64)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), 2, output_size=3, _random_samples=m.rand(1, 2, 2, 2)),
    lambda m: m.nn.functional.fractional_max_pool2d(_x(m), (2, 2, 2), output_size=3),
    lambda m: m.nn.functional.fractional_max_pool2d(m.zeros(1, 2, 0, 4), 2, output_size=3),
    lambda m: m.nn.functional.fractional_max_pool3d(_v(m), 2, output_size=(5, 3, 3)),
    lambda m: m.nn.functional.fractional_max_pool3d(_v(m), 2, output_size=(3, 4, 3)),
    lambda m: m.nn.functional.fractional_max_pool3d(_v(m), 2, output_size=(3, 3, 4)),
    lambda m: m.nn.functional.fractional_max_pool3d(_v(m), 2),
    lambda m: m.nn.functional.fractional_max_pool3d(_v(m), 2, output_size=3,
                                                    _random_samples=m.rand(1, 2, 2, dtype=m.float64)),
    lambda m: m.nn.FractionalMaxPool2d(2),
    lambda m: m.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
    lambda m: m.nn.FractionalMaxPool2d(2, output_ratio=1.5),
    lambda m: m.nn.FractionalMaxPool3d(2),
    lambda m: m.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1.5)),
])
def test_errors_match_torch(call):
    same_error(call)
