"""Every op-table sample as chainrule tensors on some array namespace: what the tests that rerun the op
table elsewhere (a second namespace, the stand-in CUDA device) share."""

import numpy as np
import pytest
from op_db import all_ops, noncontiguous


SEED = 1234


def cases():
    """(op, sample) parameters, named ``op-index-sample``, every op's samples drawn from one seed."""
    for op in all_ops():
        rng = np.random.default_rng(SEED)
        for i, sample in enumerate(op.samples(rng)):
            yield pytest.param(op, sample, id=f"{op.name}-{i}-{sample.name or ''}")


def sample_tensors(op, sample, place):
    """The sample's arrays as float64 chainrule tensors (integer ones kept), each made by ``place(array)``
    from an array of its own; the inputs the op differentiates require grad."""
    positions = set(op.grad_inputs) if op.grad_inputs is not None else {
        i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"}
    args = []
    for i, a in enumerate(sample.args):
        if not isinstance(a, np.ndarray):
            args.append(a)
            continue
        array = a.astype(np.float64) if a.dtype.kind == "f" else a
        if a.ndim and a.size and not a.flags.c_contiguous:
            array = noncontiguous(np.ascontiguousarray(array))
        t = place(array.copy() if array.flags.c_contiguous else array)
        if op.differentiable and i in positions:
            t.requires_grad_(True)
        args.append(t)
    return args
