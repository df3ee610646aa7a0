"""``chainrule.cuda``: reports no GPU until a CuPy backend is available."""

__all__ = ["is_available", "device_count"]


def is_available():
    return False


def device_count():
    return 0
