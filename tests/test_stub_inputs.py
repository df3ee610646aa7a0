"""The stubs type a function's ``input`` as a Tensor, or as a Tensor or a number for the few functions
that take one (scripts/stub_types.NUMBER_INPUT): PyTorch decides which. Its function of the same name
is called with a number where the tensor goes, alone and beside tensors and numbers; where any of
these calls runs, the function takes a number."""

import ast
import os
import warnings

import pytest
import torch

import chainrule

STUBS = {"__init__.pyi": torch, "linalg.pyi": torch.linalg, "nn/functional/__init__.pyi": torch.nn.functional}


def inputs_in_stub(path):
    """Each function of the stub whose first parameter is ``input``: whether the stub lets it be a number."""
    package = os.path.dirname(os.path.abspath(chainrule.__file__))
    with open(os.path.join(package, path), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    found = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.args.args[:1] \
                and statement.args.args[0].arg == "input":
            annotation = ast.unparse(statement.args.args[0].annotation)
            assert annotation in ("Tensor", "Tensor | builtins.int | builtins.float | builtins.complex"), annotation
            found[statement.name] = annotation != "Tensor"
    return found


def takes_a_number(function):
    probes = []
    for number, tensor in [(1.0, torch.ones(2)), (1, torch.ones(2, dtype=torch.int64))]:
        probes += [(number,), (number, tensor), (number, tensor, tensor), (number, number)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in probes:
            try:
                function(*args)
            except Exception:
                continue
            return True
    return False


@pytest.mark.parametrize("path", list(STUBS))
def test_input_is_a_number_exactly_where_pytorch_takes_one(path):
    stubbed = inputs_in_stub(path)
    torch_module = STUBS[path]
    asked = {name: takes_a_number(getattr(torch_module, name)) for name in stubbed if hasattr(torch_module, name)}
    assert len(asked) > 0.9 * len(stubbed)
    wrong = {name: "takes a number" if takes else "takes tensors only" for name, takes in asked.items()
             if takes != stubbed[name]}
    assert not wrong, f"PyTorch's function {wrong}: see NUMBER_INPUT in scripts/stub_types.py"
