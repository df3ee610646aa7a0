"""``chainrule.backends.cpu``."""

__all__ = ["get_cpu_capability"]


def get_cpu_capability():
    """chainrule's kernels are NumPy's, which picks its own SIMD; there is no capability to report."""
    return "DEFAULT"
