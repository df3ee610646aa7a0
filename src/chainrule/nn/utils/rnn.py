"""Variable-length sequences for the recurrent layers: ``PackedSequence`` and the functions that
pack, unpack and pad.

A packed sequence stores, time step after time step, only the rows of the sequences that are
still running: ``batch_sizes[t]`` rows at step ``t``, longest sequences first. The recurrent
layers read it directly, so padding never enters their state.
"""

from collections import namedtuple

from ... import _creation, _dtype
from ..._ops.joining import cat, stack
from ..._ops.sorting import argsort
from .. import functional as F

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]

SORT_MESSAGE = ("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
                "you do not need ONNX exportability.")


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """The rows of every time step, concatenated; ``batch_sizes`` says how many belong to each step."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _inverse_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                            self.unsorted_indices)

    def double(self):
        return self.to(_dtype.float64)

    def float(self):
        return self.to(_dtype.float32)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def _inverse_permutation(permutation):
    inverse = [0] * len(permutation)
    for position, index in enumerate(permutation.tolist()):
        inverse[index] = position
    return _creation.tensor(inverse, dtype=_dtype.int64)


def _lengths_list(lengths):
    return [int(n) for n in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)``) of sequences with the given lengths."""
    lengths = _lengths_list(lengths)
    if any(n <= 0 for n in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(SORT_MESSAGE)
    else:
        sorted_indices = argsort(_creation.tensor(lengths, dtype=_dtype.int64), descending=True, stable=True)
        lengths = [lengths[i] for i in sorted_indices.tolist()]
        input = input[:, sorted_indices] if not batch_first else input[sorted_indices]
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    data = cat([input[t, :size] for t, size in enumerate(batch_sizes)])
    return PackedSequence(data, _creation.tensor(batch_sizes, dtype=_dtype.int64), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: the padded batch and the length of each sequence."""
    batch_sizes = sequence.batch_sizes.tolist()
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
    batch = batch_sizes[0]
    data = sequence.data
    trailing = [0, 0] * (data.dim() - 1)
    rows = []
    offset = 0
    for size in batch_sizes:
        rows.append(F.pad(data[offset:offset + size], trailing + [0, batch - size], value=padding_value))
        offset += size
    padded = stack(rows)
    if total_length is not None and total_length > steps:
        padded = F.pad(padded, trailing + [0, 0, 0, total_length - steps], value=padding_value)
    lengths = [sum(1 for size in batch_sizes if size > b) for b in range(batch)]
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
        lengths = [lengths[i] for i in sequence.unsorted_indices.tolist()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _creation.tensor(lengths, dtype=_dtype.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths ``(L_i, *)`` into ``(T, B, *)``, padding the short ones."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    longest = max(s.size(0) for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.size(0)
        sides = [0, missing] if padding_side == "right" else [missing, 0]
        padded.append(F.pad(s, [0, 0] * (s.dim() - 1) + sides, value=padding_value))
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
