"""The text form of tensors: ``repr(t)`` and ``str(t)``.

chainrule prints exactly what PyTorch prints, except that dtypes read ``chainrule.float64``
instead of ``torch.float64``. Scripts that compare printed output against PyTorch's therefore
only differ in that one word, and lines still break at the same places (see ``_torch_len``).

A printed tensor is ``tensor(`` + body + suffixes + ``)``. The body lays elements out in nested
brackets; every element of one tensor shares a single style and width, chosen from the values
that are actually shown, so columns line up across rows and blocks.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from . import _dtype

__all__ = ["format_tensor", "set_printoptions", "get_printoptions"]


@dataclass
class _PrintOptions:
    """The knobs ``set_printoptions`` turns; one shared instance is read at every print."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Change how tensors print, as ``torch.set_printoptions`` does.

    A profile resets the four numeric options before the explicit ones apply; an unknown
    profile name is ignored. ``sci_mode`` is always assigned, so any call that leaves it out
    returns to automatic choice between fixed and scientific notation.
    """
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict: precision, threshold, edgeitems, linewidth, sci_mode."""
    return asdict(PRINT_OPTS)


class _Formatter:
    """One rendering style and width, shared by all elements of a tensor (or of its real or
    imaginary part).

    Floating values get integer style (``3.``), fixed (``0.5000``) or scientific
    (``1.0000e-05``). The choice and the width look only at finite non-zero values, so zeros,
    nan and inf never widen a column or force scientific notation.
    """

    def __init__(self, values, floating):
        if not floating:
            self.style = "plain"
            self.width = max(len(str(v)) for v in values.ravel().tolist())
            return
        flat = values.astype(np.float64).ravel()
        chosen = flat[np.isfinite(flat) & (flat != 0)]
        if chosen.size == 0:
            self.style, self.width = "integer", 1
            return
        magnitudes = np.abs(chosen)
        amax, amin = magnitudes.max(), magnitudes.min()
        whole = bool(np.all(chosen == np.ceil(chosen)))
        spread = amax / amin > 1000 or amax > 1e8
        if whole:
            self.style = "scientific" if spread else "integer"
        else:
            self.style = "scientific" if spread or amin < 1e-4 else "fixed"
        if PRINT_OPTS.sci_mode is not None:
            self.style = "scientific" if PRINT_OPTS.sci_mode else ("integer" if whole else "fixed")
        self.width = max(len(self._text(v)) for v in chosen.tolist())

    def _text(self, value):
        precision = PRINT_OPTS.precision
        if self.style == "scientific":
            return f"{value:.{precision}e}"
        if self.style == "fixed":
            return f"{value:.{precision}f}"
        if self.style == "integer":
            return f"{value:.0f}" + ("" if math.isnan(value) or math.isinf(value) else ".")
        return str(value)

    def __call__(self, value):
        """The element right-aligned to the shared width (never cut if longer)."""
        return self._text(value).rjust(self.width)


class _Elements:
    """Renders the elements of one tensor; complex numbers format their two parts apart."""

    def __init__(self, shown, dtype):
        if dtype.is_complex:
            self.real, self.imag = _Formatter(shown.real, True), _Formatter(shown.imag, True)
            # Room for ", " between elements and the "j" of the imaginary part.
            self.slot = self.real.width + self.imag.width + 3
        else:
            self.real, self.imag = _Formatter(shown, dtype.is_floating_point), None
            self.slot = self.real.width + 2

    def __call__(self, value):
        if self.imag is None:
            return self.real(value)
        imag = (self.imag(value.imag) + "j").lstrip()
        sign = "" if imag[0] in "+-" else "+"
        return self.real(value.real) + sign + imag


def _shown_elements(array):
    """What a summarised print shows: the first and last edge items of every long dimension."""
    edge = PRINT_OPTS.edgeitems
    index = [np.r_[0:edge, n - edge:n] if n > 2 * edge else np.arange(n) for n in array.shape]
    return array[np.ix_(*index)]


def _body(array, indent, summarize, elements):
    """The bracketed text of ``array`` when its first character sits at column ``indent``."""
    if array.ndim == 0:
        return elements(array.item())
    edge = PRINT_OPTS.edgeitems
    cut = summarize and array.shape[0] > 2 * edge
    if array.ndim == 1:
        if cut:
            texts = [*map(elements, array[:edge].tolist()), " ...", *map(elements, array[-edge:].tolist())]
        else:
            texts = [elements(v) for v in array.tolist()]
        per_line = max(1, int((PRINT_OPTS.linewidth - indent) // elements.slot))
        lines = [", ".join(texts[i:i + per_line]) for i in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [*range(edge), None, *range(array.shape[0] - edge, array.shape[0])] if cut else range(array.shape[0])
    parts = ["..." if i is None else _body(array[i], indent + 1, summarize, elements) for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _torch_len(text):
    """Length of ``text`` as PyTorch would print it.

    Suffix wrapping must match PyTorch's decisions, so "chainrule." is measured as "torch.".
    """
    return len(text) - 4 * text.count("chainrule.")


def format_tensor(array, dtype, *, grad_fn_name=None, requires_grad=False, tangent=None, device=None,
                  prefix="tensor("):
    """The full ``tensor(...)`` text of ``array`` holding elements of chainrule ``dtype``.

    ``grad_fn_name`` names the node that made the tensor, ``requires_grad`` marks a leaf that
    records gradients, and ``tangent`` is the already formatted tangent of a dual tensor. ``device``
    (a GPU's, None on the CPU) comes first among the suffixes, as in PyTorch. ``prefix``: a Tensor subclass
    prints its own name (``T([1., 2.])``).
    """
    size = f"size={tuple(array.shape)}"
    suffixes = [] if device is None else [f"device='{device}'"]
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            suffixes.append(size)
        # An empty tensor has no elements that could reveal an integer or bool dtype.
        if dtype is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={dtype!r}")
    else:
        summarize = array.size > PRINT_OPTS.threshold
        if PRINT_OPTS.edgeitems == 0:
            # Without edge items a summary shows nothing, so the shape is always spelled out.
            suffixes.append(size)
        if dtype not in (_dtype.get_default_dtype(), _dtype.default_complex_dtype(), _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={dtype!r}")
        if summarize and PRINT_OPTS.edgeitems == 0 and array.ndim > 0:
            body = "[...]"
        else:
            values = array.astype(np.float32) if dtype is _dtype.float16 else array
            shown = _shown_elements(values) if summarize else values
            body = _body(values, len(prefix), summarize, _Elements(shown, dtype))
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")

    text = prefix + body
    # PyTorch measures the last line two characters longer than it is, and we keep that.
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + _torch_len(suffix) + 2 > PRINT_OPTS.linewidth:
            text += ",\n" + " " * len(prefix) + suffix
            last = len(prefix) + _torch_len(suffix)
        else:
            text += ", " + suffix
            last += _torch_len(suffix) + 2
    return text + ")"
