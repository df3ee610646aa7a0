"""The short-time Fourier transform and its inverse: ``stft`` and ``istft``, as functions and Tensor methods.

Both are compositions of differentiable ops, built as PyTorch builds them, so gradients (to the signal
and to the window) come from those ops: ``stft`` pads the signal (``center``), cuts it into overlapping
frames (``unfold``), multiplies each by the window and transforms the frames (``fft_r2c`` or ``fft_c2c``
of ``_ops/fourier.py``). ``istft`` transforms the frames back, multiplies them by the window again,
adds the overlapping frames up (``unfold_backward``) and divides by the overlap-added squared window.
"""

import sys

from ._array import any_true, namespace_of
from ._errors import warn_once
from ._creation import ones
from ._float_errors import silent_float_errors
from ._ops import register_family
from ._ops.complex import view_as_real
from ._ops.fourier import fft_c2c, fft_c2r, fft_r2c
from ._ops._typed_arguments import check_arguments, fits, invalid_combination
from ._ops.shape import unfold_backward
from .nn.functional._windows import constant_pad
from .nn.functional.sampling import pad

__all__ = ["stft", "istft"]
FUNCTIONS = __all__
METHODS = __all__

_NO_WINDOW = ("A window was not provided. A rectangular window will be applied,which is known to cause spectral "
              "leakage. Other windows such as torch.hann_window or torch.hamming_window are recommended to reduce "
              "spectral leakage.To suppress this warning and use a rectangular window, explicitly set "
              "`window=torch.ones(n_fft, device=<device>)`.")
_REAL_RESULT = ("stft with return_complex=False is deprecated. In a future pytorch release, stft will return complex "
                "tensors for all inputs, and return_complex=False will raise an error.\nNote: you can still call "
                "torch.view_as_real on the complex output to recover the old return format.")
_NO_INVERSE_WINDOW = ("A window was not provided. A rectangular window will be applied.Please provide the same window "
                      "used by stft to make the inversion lossless.To suppress this warning and use a rectangular "
                      "window, explicitly set `window=torch.ones(n_fft, device=<device>)`.")
# the fft codes of _ops/fourier.py: 0 unscaled, 1 by 1/sqrt(n), 2 by 1/n
_BY_ROOT_N, _BY_N, _UNSCALED = 1, 2, 0
_STFT_KINDS = ("Tensor", "int", "int?", "int?", "Tensor?", "bool", "bool?", "bool?", "bool?")
_STFT_OVERLOADS = (
    "Tensor input, int n_fft, int hop_length = None, int win_length = None, Tensor window = None, bool center = "
    "True, str pad_mode = \"reflect\", bool normalized = False, bool onesided = None, bool return_complex = None, "
    "bool align_to_window = None",
    "Tensor input, int n_fft, int hop_length = None, int win_length = None, Tensor window = None, bool normalized "
    "= False, bool onesided = None, bool return_complex = None, bool align_to_window = None")
def _flag(value):
    return "None" if value is None else str(int(value))


def _window_text(window):
    return "None" if window is None else f"{window.type()}{{{list(window.shape)}}}"


def _centered_window(window, win_length, n_fft, dtype):
    """The window (ones when None) zero-padded on both sides to ``n_fft`` samples, centred."""
    if window is None:
        if win_length == n_fft:
            return None
        window = ones(win_length, dtype=dtype)
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    return constant_pad(window, ((left, n_fft - win_length - left),))


# ---------------------------------------------------------------- stft
@silent_float_errors
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """Fourier transforms of overlapping windowed frames of a 1-D signal (or a batch of them): frequencies
    along dim -2, frames along dim -1."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        ndim = input.dim()
        half = int(n_fft // 2)
        if pad_mode == "reflect" and input.dtype.name == "bool":
            raise NotImplementedError("\"reflection_pad1d\" not implemented for 'Bool'")
        extended = input.view([1] * (3 - ndim) + list(input.shape))
        input = pad(extended, [half, half], pad_mode)
        input = input.view(input.shape[-ndim:])
    values = (input, n_fft, hop_length, win_length, window, normalized, onesided, return_complex, align_to_window)
    if not fits(values, _STFT_KINDS):
        raise invalid_combination("stft", values, _STFT_OVERLOADS)
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length

    def fail(message):
        raise RuntimeError(
            f"stft({input.type()}{list(input.shape)}, n_fft={n_fft}, hop_length={hop_length}, "
            f"win_length={win_length}, window={_window_text(window)}, normalized={_flag(normalized)}, "
            f"onesided={_flag(onesided)}, return_complex={_flag(return_complex)}, "
            f"align_to_window={_flag(align_to_window)}) : {message}")

    if window is None:
        warn_once(_NO_WINDOW)
    input_complex = input.is_complex()
    window_complex = window is not None and window.is_complex()
    if return_complex is None:
        if not (input_complex or window_complex):
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    elif not return_complex:
        warn_once(_REAL_RESULT)
    if not (input.is_floating_point() or input_complex):
        fail("expected a tensor of floating point or complex values")
    if input.dim() not in (1, 2):
        fail("expected a 1D or 2D tensor")
    if input.dtype.itemsize == 2:
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {input.dtype.scalar_type_name}")
    signal = input.unsqueeze(0) if input.dim() == 1 else input
    length = signal.shape[1]
    if n_fft <= 0 or n_fft > length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop_length <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop_length}")
    if win_length <= 0 or win_length > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win_length):
        fail(f"expected a 1D window tensor of size equal to win_length={win_length}, but got window with size "
             f"{list(window.shape)}")
    if align_to_window and win_length < n_fft:
        # frames start where the window's samples start, not where its zero padding does
        left = (n_fft - win_length) // 2
        signal = constant_pad(signal, ((0, 0), (left, n_fft - win_length - left)))
    padded_window = _centered_window(window, win_length, n_fft, input.dtype)
    frames = signal.unfold(-1, n_fft, hop_length)
    if padded_window is not None:
        frames = frames * padded_window
    if onesided is None:
        onesided = not (input_complex or window_complex)
    elif onesided and (input_complex or window_complex):
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    normalization = _BY_ROOT_N if normalized else _UNSCALED
    if frames.is_complex():
        spectrum = fft_c2c(frames, (2,), normalization, True)
    else:
        spectrum = fft_r2c(frames, (2,), normalization, onesided)
    spectrum = spectrum.transpose_(1, 2)
    if input.dim() == 1:
        spectrum = spectrum.squeeze_(0)
    return spectrum if return_complex else view_as_real(spectrum)


# ---------------------------------------------------------------- istft
@silent_float_errors
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """The signal whose ``stft`` is ``input``: the least-squares inverse by windowed overlap-add."""
    check_arguments("istft", (("input", "Tensor", input), ("n_fft", "int", n_fft), ("hop_length", "int?", hop_length),
                              ("win_length", "int?", win_length), ("window", "Tensor?", window),
                              ("center", "bool", center), ("normalized", "bool", normalized),
                              ("onesided", "bool?", onesided), ("length", "int?", length),
                              ("return_complex", "bool", return_complex)))
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length

    def fail(message, separator=" : "):
        raise RuntimeError(
            f"istft(CPU{input.dtype.scalar_type_name}Type{list(input.shape)}, n_fft={n_fft}, "
            f"hop_length={hop_length}, win_length={win_length}, window={_window_text(window)}, "
            f"center={_flag(center)}, normalized={_flag(normalized)}, onesided={_flag(onesided)}, "
            f"length={'None' if length is None else length}, return_complex={_flag(return_complex)})"
            f"{separator}{message}")

    if window is None:
        warn_once(_NO_INVERSE_WINDOW)
    real_dims = input.dim() + 1  # PyTorch counts the dims of the input's real view
    if real_dims < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{real_dims}, {real_dims - 1}], "
                         f"but got -3)")
    if real_dims > 4:
        fail(f"expected a tensor with 3 or 4 dimensions, but got {real_dims}")
    frequencies, frame_count = input.shape[-2], input.shape[-1]
    if input.numel() == 0:
        fail("input tensor cannot be empty.")
    if hop_length <= 0 or hop_length > win_length:
        fail("expected 0 < hop_length <= win_length")
    if win_length <= 0 or win_length > n_fft:
        fail("expected 0 < win_length <= n_fft")
    if window is not None and (window.dim() != 1 or window.shape[0] != win_length):
        fail("Invalid window shape. window has to be 1D and length of `win_length`")
    window_complex = window is not None and window.is_complex()
    if onesided is None:
        onesided_now = frequencies != n_fft
    else:
        onesided_now = onesided
    if onesided_now:
        if n_fft // 2 + 1 != frequencies:
            fail(f"expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 "
                 f"when onesided=True, but got {frequencies}")
    elif n_fft != frequencies:
        fail(f"expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
             f"onesided=False, but got {frequencies}")
    real_dtype = input.real.dtype
    padded_window = _centered_window(window, win_length, n_fft, real_dtype)
    if padded_window is None:
        padded_window = ones(n_fft, dtype=real_dtype)
    batch = input.unsqueeze(0) if input.dim() == 2 else input
    spectra = batch.transpose(1, 2)  # (batch, frames, frequencies)
    normalization = _BY_ROOT_N if normalized else _BY_N
    if return_complex:
        if onesided_now:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        frames = fft_c2c(spectra, (2,), normalization, False)
    else:
        if window_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not onesided_now:
            spectra = spectra.narrow(-1, 0, n_fft // 2 + 1)
        frames = fft_c2r(spectra, (2,), normalization, n_fft)
    frames = frames * padded_window.view(1, 1, n_fft)
    expected = n_fft + hop_length * (frame_count - 1)
    signal = unfold_backward(frames, (batch.shape[0], expected), 1, n_fft, hop_length)
    squared = padded_window.pow(2).expand(1, frame_count, n_fft)
    envelope = unfold_backward(squared, (1, expected), 1, n_fft, hop_length)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = -(n_fft // 2) if center else expected
    signal = signal[:, start:end]
    envelope = envelope[:, start:end]
    envelope_data = envelope._data
    if envelope_data.size == 0:
        raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    if any_true(namespace_of(envelope_data).abs(envelope_data) < 1e-11):
        fail("1\n[ CPUBoolType{} ]", separator=" window overlap add min: ")
    signal = signal / envelope
    if input.dim() == 2:
        signal = signal.squeeze(0)
    if end > expected:
        signal = constant_pad(signal, ((0, 0),) * (signal.dim() - 1) + ((0, end - expected),))
    return signal


register_family(sys.modules[__name__])
