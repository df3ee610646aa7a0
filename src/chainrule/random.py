"""``chainrule.random``: the default generator's seed and state, and ``fork_rng``, as ``torch.random``."""

import contextlib

from ._random.generator import default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Run the block on the default generator's current stream and put the stream back afterwards, so the
    draws inside do not move the draws after it. Only the CPU generator exists: ``devices`` must be empty."""
    if not enabled:
        yield
        return
    if devices:
        raise RuntimeError(f"chainrule has no {device_type} devices to fork the generators of: {list(devices)}")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
