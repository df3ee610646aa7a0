"""``chainrule.backends.opt_einsum``: einsum's contraction order comes from NumPy's ``optimize=``, not opt_einsum."""

__all__ = ["is_available", "get_opt_einsum", "enabled", "strategy"]

enabled = False
strategy = None


def is_available():
    return False


def get_opt_einsum():
    return None
