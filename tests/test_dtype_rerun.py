"""Every op of the op table rerun on integer and bool inputs, beside PyTorch.

The op table samples floats. This turns each sample's float arrays into int64 (``round(3 x)``) or bool
(``x > 0``) and compares with PyTorch: whether the call is refused, and with which exception type; otherwise each
result's dtype, shape and values. That is where type promotion, integer truncation and the dtypes each kernel
lacks show. ``KNOWN`` lists what still differs, with the reason; the test fails on a listed op that no longer
does.
"""

import warnings

import numpy as np
import pytest

from op_db import all_ops
from side_by_side import check_known, on_both, refusal

def _to_int64(array):
    with np.errstate(invalid="ignore"):  # NaN and infinities become whatever NumPy's cast makes of them
        return np.asarray(np.round(array * 3).astype(np.int64))


CONVERSIONS = {
    "int64": _to_int64,
    "bool": lambda a: np.asarray(a > 0),
}

KNOWN = {
    # ties: which of equal values is picked (docs/differences.md, "Ties in ordering ops")
    ("int64", "kthvalue"): "differs",
    # at the poles (the non-positive integers) chainrule gives inf, PyTorch's series a large finite number
    ("int64", "polygamma 1"): "differs",
}


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _outputs(item)]
    return [result] if hasattr(result, "grad_fn") else []


def _run(module, op, args, kwargs):
    tensors = [module.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = _outputs(op.call(module, *tensors, **kwargs))
    return [(str(o.dtype).split(".")[-1], tuple(o.shape), o.detach().resolve_conj().resolve_neg().numpy())
            for o in outputs]


def _difference(ours, theirs):
    if len(ours) != len(theirs):
        return "differs"
    for (our_dtype, our_shape, a), (their_dtype, their_shape, b) in zip(ours, theirs):
        if our_dtype != their_dtype or our_shape != their_shape:
            return "differs"
        if a.dtype.kind in "fc":
            tolerance = 1e-2 if our_dtype == "float16" else 1e-5
            if not np.allclose(a, b, rtol=tolerance, atol=tolerance, equal_nan=True):
                return "differs"
        elif not np.array_equal(a, b):
            return "differs"
    return None


def _outcomes(op, convert):
    for sample in op.samples(np.random.default_rng(1234)):
        if not any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in sample.args):
            continue
        args = tuple(convert(a) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in sample.args)
        ours, theirs = on_both(lambda module: _run(module, op, args, sample.kwargs))
        refused = refusal(ours, theirs)
        yield sample, _difference(ours, theirs) if refused is None else refused or None


CASES = [(dtype, op) for dtype in CONVERSIONS for op in all_ops()]


@pytest.mark.parametrize("dtype,op", CASES, ids=[f"{dtype}-{op.name}" for dtype, op in CASES])
def test_integer_and_bool_inputs_match_torch(dtype, op):
    differences = [(sample.name, kind) for sample, kind in _outcomes(op, CONVERSIONS[dtype]) if kind is not None]
    check_known(differences, KNOWN.get((dtype, op.name)), "KNOWN")
