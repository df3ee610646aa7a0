"""chainrule.testing against torch.testing: assert_close passes and fails on the same inputs with the same
exception types and messages; make_tensor draws PyTorch's values; assert_allclose's looser defaults."""

import warnings

import numpy as np
import pytest
import torch

import chainrule

NAN = float("nan")


def pairs(L):
    """(actual, expected, keyword arguments) built with library ``L``."""
    return {
        "equal floats": (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0]), {}),
        "within default tolerance": (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0 + 1e-7]), {}),
        "not close": (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.5]), {}),
        "matrix with nan": (L.tensor([[1.0, 2.0], [3.0, NAN]]), L.tensor([[1.0, 2.5], [3.0, NAN]]), {}),
        "nan equal": (L.tensor([1.0, NAN]), L.tensor([1.0, NAN]), {"equal_nan": True}),
        "nan not equal": (L.tensor([1.0, NAN]), L.tensor([1.0, NAN]), {}),
        "integers": (L.tensor([1, 2, 3]), L.tensor([1, 5, 3]), {}),
        "booleans tensor": (L.tensor([True, False]), L.tensor([True, True]), {}),
        "zero expected": (L.tensor([0.0, 1.0]), L.tensor([0.0, 0.0]), {}),
        "0-d": (L.tensor(2.0), L.tensor(3.0), {}),
        "dtype": (L.tensor([1.0]), L.tensor([1.0], dtype=L.float64), {}),
        "dtype unchecked": (L.tensor([1.0]), L.tensor([1.0], dtype=L.float64), {"check_dtype": False}),
        "shape": (L.zeros(2, 3), L.zeros(3, 2), {}),
        "stride": (L.zeros(2, 3), L.zeros(3, 2).T, {"check_stride": True}),
        "stride unchecked": (L.zeros(2, 3), L.zeros(3, 2).T, {}),
        "explicit tolerances": (L.tensor([1.0, 2.0]), L.tensor([1.1, 2.1]), {"rtol": 0.0, "atol": 0.2}),
        "only rtol": (L.tensor([1.0]), L.tensor([1.0]), {"rtol": 0.1}),
        "float16": (L.tensor([1.0], dtype=L.float16), L.tensor([1.0005], dtype=L.float16), {}),
        "complex": (L.tensor([1 + 1j]), L.tensor([1 + 2j]), {}),
        "numbers": (1.0, 1.5, {}),
        "int and float": (1, 1.0, {}),
        "int and float unchecked": (1, 1.0, {"check_dtype": False}),
        "numpy scalar": (np.float32(1.0), 1.0, {}),
        "tensor and numpy scalar": (L.tensor(1.0), np.float32(1.0), {}),
        "lists": ([1, 2], [1, 3], {}),
        "tensor and list": (L.tensor([1, 2]), [1, 2], {}),
        "arrays": (np.array([1.0, 2.0]), np.array([1.0, 2.1]), {}),
        "nested": ({"a": L.tensor(1.0), "b": [L.tensor(2.0)]}, {"a": L.tensor(1.0), "b": [L.tensor(2.1)]}, {}),
        "keys": ({"a": 1}, {"b": 1}, {}),
        "lengths": ([1], [1, 2], {}),
        "none": (None, 1, {}),
        "nones": (None, None, {}),
        "booleans": (True, False, {}),
        "message": (L.tensor([1.0]), L.tensor([2.0]), {"msg": "custom"}),
        "message function": (L.tensor([1.0]), L.tensor([2.0]), {"msg": lambda text: text.upper()}),
        "message not used for structure": ([1], [1, 2], {"msg": "custom"}),
        "requires grad": (L.tensor([1.0], requires_grad=True), L.tensor([1.0]), {}),
        "large": (L.arange(100.0).reshape(10, 10), L.arange(100.0).reshape(10, 10) * 1.001, {}),
    }


def result(function, *args, **kwargs):
    try:
        function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 (the error is what is compared)
        message = str(error).replace("torch.", "chainrule.").replace("<class 'chainrule.Tensor'>",
                                                                       "<class 'chainrule._tensor.Tensor'>")
        return type(error).__name__, message
    return "passes"


@pytest.mark.parametrize("case", sorted(pairs(torch)))
def test_assert_close_matches_torch(case):
    theirs = result(torch.testing.assert_close, *pairs(torch)[case][:2], **pairs(torch)[case][2])
    ours = result(chainrule.testing.assert_close, *pairs(chainrule)[case][:2], **pairs(chainrule)[case][2])
    assert ours == theirs


def test_mismatch_message_format():
    with pytest.raises(AssertionError) as caught:
        chainrule.testing.assert_close(chainrule.tensor([1.0, 2.0, 3.0]), chainrule.tensor([1.0, 2.5, 3.0]))
    assert str(caught.value).startswith("Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n")


MAKE_TENSOR = [dict(dtype="float32"), dict(dtype="float64", low=-1, high=1), dict(dtype="int64"), dict(dtype="bool"),
               dict(dtype="int8", low=-200, high=3), dict(dtype="uint8"), dict(dtype="complex64"),
               dict(dtype="float32", noncontiguous=True, exclude_zero=True), dict(dtype="int32", exclude_zero=True,
                                                                                  low=-1, high=2),
               dict(dtype="float16"), dict(dtype="float64", requires_grad=True)]


@pytest.mark.parametrize("options", MAKE_TENSOR, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_make_tensor_draws_torch_values(options):
    torch.manual_seed(3)
    chainrule.manual_seed(3)
    theirs = torch.testing.make_tensor(3, 4, device="cpu", **{**options, "dtype": getattr(torch, options["dtype"])})
    ours = chainrule.testing.make_tensor((3, 4), device="cpu", **{**options, "dtype": getattr(chainrule,
                                                                                               options["dtype"])})
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize("options", [dict(dtype="float32", low=2, high=1), dict(dtype="int8", low=300, high=400),
                                     dict(dtype="int64", requires_grad=True), dict(dtype="float32", low=NAN),
                                     dict(dtype="float32", noncontiguous=True, memory_format=object())])
def test_make_tensor_errors(options):
    def make(lib):
        kwargs = {**options, "dtype": getattr(lib, options["dtype"])}
        if "memory_format" in kwargs:
            kwargs["memory_format"] = lib.contiguous_format if hasattr(lib, "contiguous_format") else object()
        return lib.testing.make_tensor((2,), device="cpu", **kwargs)
    theirs, ours = result(make, torch), result(make, chainrule)
    assert ours[0] == theirs[0] and theirs != "passes"
    if "memory_format" not in options:
        assert ours == theirs


def test_assert_allclose_is_deprecated_and_looser():
    for lib in (torch, chainrule):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.testing.assert_allclose(lib.tensor([1.0, NAN]), [1.00005, NAN])
            with pytest.raises(AssertionError):
                lib.testing.assert_allclose(lib.tensor([1.0]), [1.1])
        assert caught[0].category is FutureWarning
