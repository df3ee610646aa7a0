"""``chainrule.backends.mps``: Apple's Metal backend, which chainrule does not have."""

__all__ = ["is_available", "is_built", "is_macos_or_newer"]


def is_available():
    return False


def is_built():
    return False


def is_macos_or_newer(major, minor):
    return False
