"""What ``vmap`` tells the layers below it: how random numbers are drawn inside it.

A function under ``vmap(..., randomness=...)`` may draw random numbers: ``"error"`` refuses, ``"same"``
draws once for all samples, ``"different"`` draws for each sample. The random-number code sits far below
``chainrule.func``, so the innermost open ``vmap`` leaves its mode here.
"""

import threading

__all__ = ["innermost", "opened", "random_error", "refuse_inside_vmap"]


class _Open(threading.local):
    vmaps = ()  # (randomness, batch size, batch) of each open vmap, innermost last


_open = _Open()


def innermost():
    """``(randomness, batch size, batch)`` of the innermost open vmap (``batch`` turns an array of the whole
    batch, batch dimension first, into that vmap's batched array), or None outside vmap."""
    return _open.vmaps[-1] if _open.vmaps else None


class opened:
    """While a vmap runs: its randomness mode, batch size and batching function."""

    def __init__(self, randomness, size, batch):
        self.entry = (randomness, size, batch)

    def __enter__(self):
        _open.vmaps = _open.vmaps + (self.entry,)

    def __exit__(self, *exc):
        _open.vmaps = _open.vmaps[:-1]
        return False


def random_error():
    return RuntimeError("vmap: called random operation while in randomness error mode. Please either use the 'same' "
                        "or 'different' randomness flags on vmap or perform the randomness operation out of vmap")


def refuse_inside_vmap():
    """Draws that have no per-sample form here (permutations, multinomial, Poisson) are refused inside vmap,
    except with ``randomness="same"``."""
    vmap = innermost()
    if vmap is not None and vmap[0] != "same":
        raise random_error() if vmap[0] == "error" else RuntimeError(
            "vmap: randomness='different' is not supported for this random operation")
