"""The in-place methods of the op table's ops, beside PyTorch: ``x.clone().<name>_(*rest)`` for every op-table
name that has an in-place method, with the sample's first array as ``x`` and the rest as arguments, in float64,
int64 and bool (and a float64 tensor given integer operands, and the reverse). An in-place op keeps its
tensor's dtype and shape, so this is where a result dtype that cannot be written back, a broadcast that would
grow the tensor and a kernel missing for the tensor's own dtype show, and in which order PyTorch refuses them.
``KNOWN`` lists what still differs, with the reason; the test fails on a listed op that no longer does.
"""

import re
import warnings

import numpy as np
import pytest
import torch

from op_db import all_ops
from side_by_side import check_known, on_both, refusal

KNOWN = {
    # PyTorch refuses a bool self whose shape is not the product's with "Bad in-place call" before it looks for
    # its (missing) bool kernel; chainrule looks for the kernel first
    "addmm": "other type", "addmv": "other type", "baddbmm": "other type",
    # PyTorch's addbmm_ resizes a self that broadcasts to the product's shape; chainrule refuses it
    "addbmm": "refused",
}
KINDS = [("float64", "float64"), ("int64", "int64"), ("int64", "float64"), ("bool", "bool"), ("float64", "int64")]


def _convert(array, kind):
    if not (isinstance(array, np.ndarray) and array.dtype.kind == "f"):
        return array
    if kind == "int64":
        with np.errstate(invalid="ignore"):
            return np.asarray(np.round(array * 3).astype(np.int64))
    return np.asarray(array > 0) if kind == "bool" else np.asarray(array.astype(np.float64))


def _run(module, name, args, kwargs, kinds):
    self_kind, other_kind = kinds
    tensors = [module.from_numpy(_convert(a, self_kind if i == 0 else other_kind).copy())
               if isinstance(a, np.ndarray) else a for i, a in enumerate(args)]
    x = tensors[0].clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        returned = getattr(x, name + "_")(*tensors[1:], **kwargs)
    return str(x.dtype).split(".")[-1], tuple(x.shape), x.numpy().copy(), returned is x


def _outcome(ours, theirs):
    refused = refusal(ours, theirs)
    if refused is not None:
        return refused or None
    (our_dtype, our_shape, a, our_self), (their_dtype, their_shape, b, their_self) = ours, theirs
    if (our_dtype, our_shape, our_self) != (their_dtype, their_shape, their_self):
        return "differs"
    same = np.allclose(a, b, rtol=1e-6, atol=1e-6, equal_nan=True) if a.dtype.kind in "fc" else np.array_equal(a, b)
    return None if same else "differs"


def _in_place_name(op):
    name = op.name.split(" ")[0].replace("Tensor.", "")
    return name if re.fullmatch(r"[a-z_0-9]+", name) and hasattr(torch.Tensor, name + "_") else None


OPS = [op for op in all_ops() if _in_place_name(op)]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_in_place_methods_match_torch(op):
    name = _in_place_name(op)
    differences = []
    for sample in op.samples(np.random.default_rng(1234)):
        if not sample.args or not isinstance(sample.args[0], np.ndarray):
            continue
        for kinds in KINDS:
            kind = _outcome(*on_both(lambda module: _run(module, name, sample.args, sample.kwargs, kinds)))
            if kind is not None:
                differences.append((sample.name, kinds, kind))
    check_known(differences, KNOWN.get(op.name), "KNOWN")
