"""``chainrule.backends.mkldnn``: oneDNN kernels, which chainrule does not have."""

__all__ = ["is_available", "enabled"]

enabled = False


def is_available():
    return False
