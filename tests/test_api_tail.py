"""Small names of PyTorch's API, each against torch: ``hash_tensor``, the view copies ``view_as_real_copy`` /
``view_as_complex_copy`` / ``as_strided_copy`` (their values and gradients are in the op table too), the memory
queries of a strided tensor, ``module_load``, ``DisableTorchFunctionSubclass`` and the error classes."""

import pytest
import torch

import chainrule


def _outcome(call, m):
    try:
        return "ok", repr(call(m)).replace("chainrule", "torch")
    except Exception as error:  # compared with PyTorch's
        return type(error).__name__, str(error)


CASES = {
    "hash of floats": lambda m: m.tensor([[1.0, 2.0], [3.0, -4.5]]).hash_tensor(),
    "hash over a dim": lambda m: m.hash_tensor(m.tensor([[1.0, 2.0], [3.0, 4.0]]), 1),
    "hash keepdim": lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).hash_tensor(dim=(0, 1), keepdim=True),
    "hash of integers and bools": lambda m: (m.tensor([-1, 2], dtype=m.int8).hash_tensor(),
                                             m.tensor([True, False, True]).hash_tensor(),
                                             m.ones(3, dtype=m.uint8).hash_tensor()),
    "hash of float16 and 0-d": lambda m: (m.tensor([-1.0], dtype=m.float16).hash_tensor(), m.tensor(3.0).hash_tensor()),
    "hash of nothing": lambda m: m.empty(0).hash_tensor(),
    "hash over an empty dim": lambda m: m.empty(0, 3).hash_tensor(0),
    "hash mode": lambda m: m.hash_tensor(m.ones(2), mode=1),
    "hash of complex": lambda m: m.ones(2, dtype=m.complex64).hash_tensor(),
    "view_as_real_copy": lambda m: m.view_as_real_copy(m.tensor([1 + 2j, 3 - 1j])),
    "view_as_complex_copy": lambda m: m.view_as_complex_copy(m.tensor([[1.0, 2.0]])),
    "view_as_complex_copy with grad": lambda m: m.view_as_complex_copy(m.ones(1, 2, requires_grad=True)),
    "as_strided_copy": lambda m: m.as_strided_copy(m.arange(6.0), (2, 2), (1, 2), 1),
    "const_data_ptr": lambda m: (lambda x: x.const_data_ptr() == x.data_ptr())(m.ones(3)),
    "is_set_to": lambda m: (lambda x: (x.is_set_to(x), x.is_set_to(x[:]), x.is_set_to(x.view(4)),
                                       x.is_set_to(x.t()), x.is_set_to(m.ones(2, 2))))(m.ones(2, 2)),
    "dense_dim and to_dense": lambda m: (lambda x: (x.dense_dim(), x.to_dense() is x, x.to_dense(m.float64).dtype))(
        m.ones(2, 3)),
    "module_load": lambda m: (lambda p, v: (p.module_load(v), p.tolist(), p.module_load(v + 1, assign=True)))(
        m.zeros(2), m.ones(2)),
    "error classes": lambda m: (m.OutOfMemoryError.__mro__[1:], m.cuda.OutOfMemoryError is m.OutOfMemoryError,
                                m.AcceleratorError.__mro__[1:], m.FatalError.__mro__[1:]),
}


@pytest.mark.parametrize("case", CASES)
def test_matches_torch(case):
    assert _outcome(CASES[case], chainrule) == _outcome(CASES[case], torch)


def test_disable_torch_function_subclass_gives_plain_results():
    names = []
    for m in (chainrule, torch):
        class T(m.Tensor):
            pass

        x = T([1.0, 2.0])
        with m.DisableTorchFunctionSubclass():
            inside = type(x + 1).__name__
        names.append((inside, type(x + 1).__name__))
    assert names[0] == names[1] == ("Tensor", "T")
