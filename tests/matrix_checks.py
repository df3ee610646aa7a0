"""What the matrix tests (products, linear algebra) share: calls run on both libraries, errors compared
by type and message, and small constant operands."""

import torch

import chainrule

MODULES = (chainrule, torch)


def raised(module, call):
    try:
        call(module)
    except Exception as error:  # the comparison below checks the type and the message
        return error
    return None


def same_error(call):
    ours, theirs = (raised(m, call) for m in MODULES)
    assert theirs is not None, "PyTorch did not raise"
    assert ours is not None, f"chainrule did not raise; PyTorch raised {theirs!r}"
    if isinstance(theirs, torch.linalg.LinAlgError):
        assert isinstance(ours, chainrule.linalg.LinAlgError)
    assert type(ours).__name__ == type(theirs).__name__.lstrip("_")
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def ones_in(module, *shape, dtype=None):
    return module.ones(*shape, dtype=dtype or module.float32)


def double_in(module, *shape):
    return module.ones(*shape, dtype=module.float64)
