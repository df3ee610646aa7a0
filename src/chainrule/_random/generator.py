"""PyTorch's CPU random-number generator, on NumPy's MT19937 bit generator.

PyTorch draws every CPU random number from one 32-bit Mersenne Twister per ``Generator``, seeded the
way the reference MT19937 code seeds it (the seed's low 32 bits, then Knuth's recurrence). NumPy's
``MT19937`` steps the same state vector in C, so once its key and position are set to PyTorch's, its
raw 32-bit outputs are PyTorch's, any number at a time.

The state a user sees (``get_state``, ``torch.get_rng_state()``) is PyTorch's 5056-byte layout:
the initial seed, the twister's ``left`` and ``next`` counters, the 624 state words widened to 64
bits, and the cached second value of a double Box-Muller pair (plus a float one PyTorch's CPU ops
never fill). A state saved by either library loads in the other.
"""

import functools
import os
import struct

import numpy as np

from .._device import device, seed_devices
from .._tensor import Tensor, make_tensor

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state"]

_WORDS = 624  # the twister's state words
_DEFAULT_SEED = 67280421310721  # what a fresh torch.Generator() is seeded with
# The state's byte layout: seed, left, seeded, next | 624 words as uint64 | normal_x, normal_y,
# normal_rho, normal_is_valid (+4 padding) | float normal, its flag (+3 padding).
_HEAD = struct.Struct("<QiiQ")
_WORDS_AT = _HEAD.size
_DOUBLE_NORMAL_AT = _WORDS_AT + 8 * _WORDS
_DOUBLE_NORMAL = struct.Struct("<dddi4x")
_FLOAT_NORMAL_AT = _DOUBLE_NORMAL_AT + _DOUBLE_NORMAL.size
_FLOAT_NORMAL = struct.Struct("<f?3x")
STATE_BYTES = _FLOAT_NORMAL_AT + _FLOAT_NORMAL.size  # 5056, as in PyTorch
_CHUNK = 1 << 15  # 64-bit values per in-place pass


@functools.lru_cache(maxsize=32)
def _seeded_words(seed):
    """The 624 words MT19937 starts from for a seed (only its low 32 bits count), read-only."""
    words = np.empty(_WORDS, dtype=np.uint32)
    value = seed & 0xFFFFFFFF
    for i in range(_WORDS):
        words[i] = value
        value = (1812433253 * (value ^ (value >> 30)) + i + 1) & 0xFFFFFFFF
    words.flags.writeable = False
    return words


def _seed_value(seed):
    """PyTorch's reading of a seed: an integer in [-2**63, 2**64), negatives wrapping around 2**64."""
    if isinstance(seed, Tensor):
        seed = seed.item()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


class Generator:
    """A CPU random-number stream that draws what PyTorch's ``torch.Generator`` draws from the same seed."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"chainrule has no backend for device {device!r}: only 'cpu' is available")
        self._bits = np.random.MT19937(0)
        self._numbers = np.random.Generator(self._bits)
        self._set_seed(_DEFAULT_SEED)

    # ------------------------------------------------------------------ seeding
    def _set_seed(self, seed):
        self._seed = seed
        self._unstarted_words = _seeded_words(seed)  # before the first twist, PyTorch reports next == 0
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": self._unstarted_words, "pos": _WORDS}}
        self.next_double_normal = None  # the cached sine half of a double Box-Muller pair
        self.next_float_normal = None

    def manual_seed(self, seed):
        """Restart the stream from ``seed``; returns the generator."""
        self._set_seed(_seed_value(seed))
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed used."""
        value = int.from_bytes(os.urandom(8), "little")
        self._set_seed(value)
        return value

    def initial_seed(self):
        return self._seed

    @property
    def device(self):
        return device("cpu")

    # ------------------------------------------------------------------ raw draws
    def uint32(self, count):
        """The next ``count`` 32-bit outputs of the twister, as uint32."""
        return self._numbers.integers(0, 1 << 32, count, dtype=np.uint32)

    def uint64(self, count):
        """``count`` 64-bit values, each from two 32-bit outputs (the first is the high half), as uint64."""
        values = self.uint32(2 * count).astype("<u4", copy=False).view("<u8")
        for start in range(0, count, _CHUNK):  # a pair read little-endian has its first word low: swap the
            part = values[start:start + _CHUNK]  # halves in place, a cache-sized piece at a time
            high = part << np.uint64(32)
            part >>= np.uint64(32)
            part |= high
        return values.astype(np.uint64, copy=False)

    # ------------------------------------------------------------------ state
    def get_state(self):
        """PyTorch's 5056-byte state tensor (uint8)."""
        state = self._bits.state["state"]
        words, position = state["key"], int(state["pos"])
        if position == _WORDS and np.array_equal(words, self._unstarted_words):
            left, next_word = 1, 0
        else:
            left, next_word = _WORDS + 1 - position, position
        buffer = bytearray(STATE_BYTES)
        _HEAD.pack_into(buffer, 0, self._seed, left, 1, next_word)
        buffer[_WORDS_AT:_DOUBLE_NORMAL_AT] = words.astype("<u8").tobytes()
        cached = self.next_double_normal
        _DOUBLE_NORMAL.pack_into(buffer, _DOUBLE_NORMAL_AT, 0.0, 0.0 if cached is None else cached, 0.0,
                                 cached is not None)
        cached = self.next_float_normal
        _FLOAT_NORMAL.pack_into(buffer, _FLOAT_NORMAL_AT, 0.0 if cached is None else cached, cached is not None)
        return make_tensor(np.frombuffer(bytes(buffer), dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Load a state from ``get_state`` (chainrule's or PyTorch's); returns the generator."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        data = new_state._data
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if data.size != STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_BYTES} but found the input RNG "
                               f"state size to be {data.size}")
        raw = np.ascontiguousarray(data).reshape(-1).tobytes()
        seed, left, seeded, next_word = _HEAD.unpack_from(raw, 0)
        if not (seeded and 0 < left <= _WORDS and 0 <= next_word <= _WORDS):
            raise RuntimeError("Invalid mt19937 state")
        if left == 1:
            position = _WORDS  # the next draw twists first, whatever ``next`` says
        elif left + next_word == _WORDS + 1:
            position = next_word
        else:
            raise RuntimeError(f"chainrule only loads mt19937 states that PyTorch's generator produces "
                               f"(left + next == {_WORDS + 1}), but got left={left}, next={next_word}")
        words = np.frombuffer(raw, dtype="<u8", count=_WORDS, offset=_WORDS_AT).astype(np.uint32)
        self._seed = seed
        self._unstarted_words = words.copy() if (left, next_word) == (1, 0) else _seeded_words(seed)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": position}}
        _, normal_y, _, double_valid = _DOUBLE_NORMAL.unpack_from(raw, _DOUBLE_NORMAL_AT)
        self.next_double_normal = normal_y if double_valid else None
        float_normal, float_valid = _FLOAT_NORMAL.unpack_from(raw, _FLOAT_NORMAL_AT)
        self.next_float_normal = np.float32(float_normal) if float_valid else None
        return self

    def clone_state(self):
        """A new generator in this one's state."""
        twin = Generator()
        twin._seed = self._seed
        twin._unstarted_words = self._unstarted_words
        twin._bits.state = self._bits.state
        twin.next_double_normal = self.next_double_normal
        twin.next_float_normal = self.next_float_normal
        return twin

    def __reduce__(self):
        return _rebuild, (bytes(self.get_state()._data),)


def _rebuild(state):
    return Generator().set_state(make_tensor(np.frombuffer(state, dtype=np.uint8).copy()))


default_generator = Generator()
default_generator.seed()  # as PyTorch's: a program that never seeds draws different numbers on every run


def manual_seed(seed):
    """Seed the default generator (any value ``int()`` accepts) and every GPU's; returns the default generator."""
    generator = default_generator.manual_seed(int(seed))
    seed_devices(generator.initial_seed())
    return generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
