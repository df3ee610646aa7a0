"""``class T(torch.Tensor)`` as in PyTorch: construction, results of ops that keep the subclass (methods,
operators, view properties), a ``__torch_function__`` of the user's own, and printing, each compared with
PyTorch's; the public functions, which return plain Tensors in chainrule, and stay themselves."""

import copy

import pytest
import torch

import chainrule


def _classes(m):
    class T(m.Tensor):
        pass

    class V(T):
        pass

    class Slotted(T):
        __slots__ = ()

    class Greeting(m.Tensor):
        def hello(self):
            return "hi"

    class Custom(m.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return super().__torch_function__(func, types, args, kwargs or {})

    return {"T": T, "V": V, "Slotted": Slotted, "Greeting": Greeting, "Custom": Custom}


CLASSES = {chainrule: _classes(chainrule), torch: _classes(torch)}


def _name(value):
    if isinstance(value, (tuple, list)):
        return [_name(v) for v in value]
    return type(value).__name__


CASES = {
    "construct": lambda m, c: _name(c["T"]([1.0, 2.0])),
    "construct sizes": lambda m, c: (_name(c["T"](2, 3)), tuple(c["T"](2, 3).shape)),
    "construct nothing": lambda m, c: tuple(c["T"]().shape),
    "integers give the default dtype": lambda m, c: str(c["T"]([1, 2]).dtype).split(".")[1],
    "operator": lambda m, c: _name(c["T"]([1.0]) + 1),
    "reflected operator": lambda m, c: _name(1 + c["T"]([1.0])),
    "with a plain tensor": lambda m, c: _name(m.ones(1, 1) @ c["T"]([[1.0]])),
    "two subclasses": lambda m, c: (_name(c["T"]([1.0]) + c["V"]([1.0])), _name(c["V"]([1.0]) + c["T"]([1.0]))),
    "slots of its own": lambda m, c: _name(c["Slotted"]([1.0]) * 2),
    "method": lambda m, c: _name(c["T"]([1.0, 2.0]).sum()),
    "indexing and iteration": lambda m, c: (_name(c["T"]([1.0, 2.0])[0]), _name(list(c["T"]([1.0, 2.0])))),
    "several results": lambda m, c: (_name(c["T"]([[3.0, 1.0]]).max(1)), _name(c["T"]([3.0, 1.0]).sort())),
    "views": lambda m, c: (_name(c["T"]([[1.0]]).T), _name(c["T"]([[1.0]]).data), _name(c["T"]([1.0]).view(1))),
    "tensor() copies to a plain tensor": lambda m, c: _name(m.tensor(c["T"]([1.0]).tolist())),
    "in place": lambda m, c: _name(c["T"]([1.0]).add_(1)),
    "numbers": lambda m, c: (c["T"]([3.0, 1.0]).mean().item(), c["T"]([3.0, 1.0]).tolist(), len(c["T"]([1.0]))),
    "plain tensors stay plain": lambda m, c: (_name(m.sin(m.ones(1))), _name(m.ones(1) + 1)),
    "the subclass's own methods": lambda m, c: (c["Greeting"]([1.0]) + 1).hello(),
    "a __torch_function__ of its own": lambda m, c: _name(c["Custom"]([1.0]) * 2),
    "gradients": lambda m, c: _gradients(m, c["T"]),
    "printing": lambda m, c: [repr(c["T"]([[1.0, 2.0], [3.0, 4.0]])), str(c["T"]([1.0]) + 1),
                              repr(c["T"]([1.0, 2.0]).requires_grad_()), repr(c["T"]([1.0]).requires_grad_() * 2),
                              repr(m.arange(30.0).as_subclass(c["T"]).reshape(3, 10) * 1000)],
    "format of a 0-d subclass": lambda m, c: f"{c['T']([3.0]).sum():.2f}",
}


def _gradients(m, T):
    x = m.tensor([1.0, 2.0]).as_subclass(T).requires_grad_()
    y = (x * x).sum()
    y.backward()
    return _name(x.grad), x.grad.tolist(), _name(y), type(y.grad_fn).__name__


def _outcome(m, case):
    try:
        return "ok", repr(CASES[case](m, CLASSES[m])).replace("chainrule.", "torch.")
    except Exception as error:  # compared with PyTorch's
        return type(error).__name__, str(error)


@pytest.mark.parametrize("case", CASES)
def test_subclass_behaves_as_in_torch(case):
    assert _outcome(chainrule, case) == _outcome(torch, case)


def test_deepcopy_keeps_the_subclass():
    """(PyTorch refuses to deepcopy a subclass that does not define ``new_empty``; chainrule copies it.)"""
    T = CLASSES[chainrule]["T"]
    copied = copy.deepcopy(T([1.0, 2.0]))
    assert type(copied) is T and copied.tolist() == [1.0, 2.0]


def test_public_functions_return_plain_tensors_and_stay_themselves():
    """A difference from PyTorch (docs/differences.md): defining a subclass changes no public function, so
    functions keep their identity and pickle, and given a subclass instance they return a plain Tensor."""
    import pickle

    T = CLASSES[chainrule]["T"]
    assert chainrule.linalg.matmul is chainrule.matmul
    assert pickle.loads(pickle.dumps(chainrule.nn.functional.relu)) is chainrule.nn.functional.relu
    results = [chainrule.sin(T([1.0])), chainrule.nn.functional.relu(T([1.0])), chainrule.linalg.norm(T([1.0])),
               chainrule.nn.Linear(1, 2)(T([1.0]))]
    assert [type(r) for r in results] == [chainrule.Tensor] * 4
