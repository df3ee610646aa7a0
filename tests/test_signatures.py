"""PyTorch's argument parser errors (chainrule._signatures): for each declared signature and wrong call, the
message PyTorch gives, word for word, compared with the installed torch."""

import numpy as np
import pytest
import torch

import chainrule
from chainrule._signatures import Signatures, checked

DECLARED = {
    "fill_": (Signatures("fill_", "Tensor input, Tensor value", "Tensor input, Scalar value"), torch.fill_),
    "clamp_": (Signatures("clamp_", "Tensor input, Tensor? min = None, Tensor? max = None",
                          "Tensor input, Scalar? min = None, Scalar? max = None"), torch.clamp_),
    "sum": (Signatures("sum", "Tensor input, *, ScalarType? dtype = None",
                       "Tensor input, int[1] dim, bool keepdim = False, *, ScalarType? dtype = None, "
                       "Tensor? out = None"), torch.sum),
    "std": (Signatures("std", "Tensor input, int[1] dim, bool unbiased = True, bool keepdim = False, *, "
                              "Tensor? out = None",
                       "Tensor input, int[1]? dim = None, *, Scalar? correction = None, bool keepdim = False, "
                       "Tensor? out = None", "Tensor input, bool unbiased = True"), torch.std),
    "softplus": (Signatures("softplus", "Tensor input, Scalar beta = 1, Scalar threshold = 20"),
                 torch.nn.functional.softplus),
    "abs_": (Signatures("abs_", "Tensor input"), torch.abs_),
    "zeros": (Signatures("zeros", "SymInt[] size, *, ScalarType? dtype = None"), torch.zeros),
    "pad": (Signatures("pad", 'Tensor input, int[] pad, str mode = "constant", float? value = None'),
            torch._C._nn.pad),
    "pixel_shuffle": (Signatures("pixel_shuffle", "Tensor input, int upscale_factor"), torch.pixel_shuffle),
    "logit": (Signatures("logit", "Tensor input, float? eps = None"), torch.logit),
    "addmv_": (Signatures("addmv_", "Tensor input, Tensor mat, Tensor vec, *, Scalar beta = 1, Scalar alpha = 1",
                          hidden=("Scalar beta, Tensor input, Scalar alpha, Tensor mat, Tensor vec",
                                  "Scalar beta, Tensor input, Tensor mat, Tensor vec")), torch.addmv_),
}


def _calls(m):
    """(name, args, kwargs): each a wrong call, or a right one (which must pass the check)."""
    t = m.ones(2, 3)
    return [
        ("fill_", (t, None), {}), ("fill_", (t,), {"value": None}), ("fill_", (t,), {"val": None}),
        ("fill_", (None,), {}), ("fill_", (t, 2.0), {}), ("fill_", (t, m.tensor(2.0)), {}),
        ("clamp_", (t, "a"), {}), ("clamp_", (t,), {"min": "a"}), ("clamp_", (t, "a", "b"), {}),
        ("clamp_", (t, None, 1), {}),
        ("sum", (t,), {"dim": "a"}), ("sum", (t, "a", True, 3), {}), ("sum", (t,), {"dtype": "a"}),
        ("sum", (t, (0, 1.5)), {}), ("sum", (t, (True,)), {}), ("sum", (t,), {"dtype": m.float32, "foo": 1}),
        ("sum", (t, 0, 1), {}), ("sum", (t, 0, np.bool_(True)), {}), ("sum", (t, (np.int64(0),)), {}),
        ("sum", (t, m.tensor(0)), {}), ("sum", (t, [0, 1], True), {"dtype": m.float64}),
        ("std", (t, "a"), {}),
        ("softplus", (t, "a"), {}), ("softplus", (t, m.tensor([1.0])), {}), ("softplus", (t,), {"beta": None}),
        ("softplus", (t, True), {}), ("softplus", (t, m.tensor(2.0)), {}),
        ("softplus", (t, m.tensor(2.0, requires_grad=True)), {}), ("softplus", (t, [2.0]), {}),
        ("abs_", (t, 1), {}), ("abs_", (), {}), ("abs_", (t,), {"no": 1}), ("abs_", (), {"input": "a"}),
        ("abs_", (np.ones(2),), {}), ("abs_", (t,), {"input": t}),
        ("zeros", (None,), {}), ("zeros", ((2, 1.5),), {}), ("zeros", ((2,),), {"dtype": "a"}),
        ("pad", (t, 1), {}), ("pad", (t, (1.5, 1)), {}), ("pad", (t, (1, 1)), {"mode": 3}),
        ("pixel_shuffle", (t, 2.0), {}), ("pixel_shuffle", (t, True), {}), ("pixel_shuffle", (t, m.tensor(2.0)), {}),
        ("pixel_shuffle", (t,), {}), ("pixel_shuffle", (t, np.int64(2)), {}), ("pixel_shuffle", (t, m.tensor(2)), {}),
        ("logit", (t, True), {}), ("logit", (t, 1j), {}), ("logit", (t, m.tensor(1)), {}),
        ("addmv_", (None,), {}), ("addmv_", (t, t, t), {"beta": "a"}),
    ]


@pytest.mark.parametrize("index", range(len(_calls(torch))))
def test_signature_errors_match_torch(index):
    name, args, kwargs = _calls(torch)[index]
    _, our_args, our_kwargs = _calls(chainrule)[index]
    signatures, function = DECLARED[name]
    try:
        function(*args, **kwargs)
        theirs = None
    except TypeError as error:
        theirs = str(error)
    except Exception:  # a call the parser let through and the op then refused: the parser found it right
        theirs = None
    ours = signatures.error(our_args, our_kwargs)
    assert (str(ours) if ours is not None else None) == theirs


def test_checked_keeps_the_error_when_the_arguments_fit():
    @checked("Tensor input, int upscale_factor")
    def pixel_shuffle(input, upscale_factor):
        raise RuntimeError("the op's own check")

    with pytest.raises(RuntimeError, match="the op's own check"):
        pixel_shuffle(chainrule.ones(2), 2)
    with pytest.raises(TypeError, match=r"argument 'upscale_factor' \(position 2\) must be int, not float"):
        pixel_shuffle(chainrule.ones(2), 2.0)
    assert pixel_shuffle.__wrapped__.__name__ == "pixel_shuffle"


def test_checked_functions_pickle_as_themselves():
    """A module stores an activation function (``TransformerEncoderLayer(activation=F.relu)``): pickle finds each
    checked function under its name in the namespace that offers it."""
    import pickle

    namespaces = (chainrule, chainrule.nn.functional, chainrule.linalg)
    checked_functions = [f for space in namespaces for f in vars(space).values() if hasattr(f, "__signatures__")]
    assert len(checked_functions) > 50
    for function in checked_functions:
        assert pickle.loads(pickle.dumps(function)) is function
