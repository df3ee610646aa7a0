"""``stft`` and ``istft`` beyond the op table (tests/op_db/fft.py has their values and gradients): the
round trip, dtypes, the warnings and every argument error, each against PyTorch."""

import warnings

import numpy as np
import pytest
import torch
from fresh_process import json_from_fresh_processes
from matrix_checks import MODULES, same_error

import chainrule

SIGNAL = np.random.default_rng(3).standard_normal((2, 20))


def _signal(module, dtype=None):
    return module.tensor(SIGNAL, dtype=dtype or module.float64)


def _spectrum(module, **kwargs):
    return module.stft(_signal(module), 8, window=module.hann_window(8, dtype=module.float64),
                       return_complex=True, **kwargs)


def test_round_trip_recovers_the_signal():
    window = chainrule.hann_window(8, dtype=chainrule.float64)
    spectrum = chainrule.stft(_signal(chainrule), 8, window=window, return_complex=True)
    back = chainrule.istft(spectrum, 8, window=window, length=20)
    np.testing.assert_allclose(back.numpy(), SIGNAL, atol=1e-12)


@pytest.mark.parametrize("signal_dtype,window_dtype", [("float32", "float32"), ("float32", "float64"),
                                                       ("float64", "float32"), ("complex64", "float32")])
def test_dtypes_and_shapes_match_torch(signal_dtype, window_dtype):
    results = []
    for m in MODULES:
        x = _signal(m, getattr(m, signal_dtype))[0]
        spectrum = m.stft(x, 8, window=m.ones(8, dtype=getattr(m, window_dtype)), return_complex=True)
        back = m.istft(spectrum, 8, window=m.ones(8, dtype=getattr(m, window_dtype)),
                       onesided=not spectrum.shape[0] == 8, return_complex=x.is_complex())
        results.append((str(spectrum.dtype), tuple(spectrum.shape), str(back.dtype), tuple(back.shape)))
    ours, theirs = results
    assert [str(r).replace("chainrule.", "torch.") for r in ours] == [str(r) for r in theirs]


# PyTorch gives each of these warnings once per process: each library is asked in a fresh one, twice.
_WARNING_SCRIPT = """
import json, sys, warnings
module = __import__(sys.argv[1])
x = module.ones(2, 20, dtype=module.float64)
window = module.ones(8, dtype=module.float64)
calls = [lambda: module.stft(x, 8, return_complex=True),
         lambda: module.stft(x, 8, window=window, return_complex=False),
         lambda: module.istft(module.stft(x, 8, window=window, return_complex=True), 8)]
seen = []
for call in calls * 2:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    seen.append([(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in record])
print(json.dumps(seen))
"""


def test_warnings_match_torch_and_come_once():
    seen = json_from_fresh_processes(_WARNING_SCRIPT)
    assert seen[0] == seen[1]
    assert all(seen[1][:3]) and not any(seen[1][3:])


def _window(m, n=8):
    return m.ones(n, dtype=m.float64)


@pytest.mark.parametrize("call", [
    lambda m: m.stft(_signal(m), 8, window=_window(m)),
    lambda m: m.stft(m.ones(2, 2, 20), 8, window=_window(m), return_complex=True),
    lambda m: m.stft(_signal(m), 30, window=_window(m, 30), center=False, return_complex=True),
    lambda m: m.stft(_signal(m), 0, window=_window(m, 0), return_complex=True),
    lambda m: m.stft(_signal(m), 8, hop_length=0, window=_window(m), return_complex=True),
    lambda m: m.stft(_signal(m), 8, win_length=9, return_complex=True),
    lambda m: m.stft(_signal(m), 8, window=m.ones(7), return_complex=True),
    lambda m: m.stft(_signal(m), 8, window=m.ones(2, 4), return_complex=True),
    lambda m: m.stft(_signal(m), 8, window=_window(m), return_complex=True, align_to_window=True),
    lambda m: m.stft(_signal(m), 8, window=_window(m), return_complex=True, pad_mode="foo"),
    lambda m: m.stft(_signal(m).long(), 8, window=_window(m), return_complex=True),
    lambda m: m.stft(_signal(m).to(m.complex128), 8, window=_window(m), onesided=True),
    lambda m: m.istft(m.view_as_real(_spectrum(m)), 8, window=_window(m)),
    lambda m: m.istft(_spectrum(m)[0, 0], 8, window=_window(m)),
    lambda m: m.istft(_spectrum(m).unsqueeze(0), 8, window=_window(m)),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m), hop_length=9),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m), win_length=9),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m), win_length=7),
    lambda m: m.istft(_spectrum(m), 10, window=_window(m, 10)),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m), onesided=False),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m), return_complex=True),
    lambda m: m.istft(_spectrum(m), 8, window=_window(m).to(m.complex128)),
    lambda m: m.istft(_spectrum(m), 8, window=m.hann_window(8, dtype=m.float64), center=False),
    lambda m: m.istft(_spectrum(m)[:, :, :0], 8, window=_window(m)),
])
def test_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(call)


def test_methods_are_the_functions():
    x = _signal(chainrule)
    window = _window(chainrule)
    spectrum = x.stft(8, window=window, return_complex=True)
    assert chainrule.equal(spectrum, chainrule.stft(x, 8, window=window, return_complex=True))
    assert chainrule.equal(spectrum.istft(8, window=window), chainrule.istft(spectrum, 8, window=window))
    theirs = torch.from_numpy(SIGNAL).stft(8, window=torch.ones(8, dtype=torch.float64), return_complex=True)
    np.testing.assert_allclose(spectrum.numpy(), theirs.numpy(), atol=1e-12)
