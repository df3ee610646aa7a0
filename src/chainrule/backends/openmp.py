"""``chainrule.backends.openmp``: chainrule runs no OpenMP parallel regions of its own."""

__all__ = ["is_available"]


def is_available():
    return False
