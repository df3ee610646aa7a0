"""Op table entries: ``chainrule.fft`` (see tests/op_db/__init__.py).

Real signals are sampled as arrays; complex ones as float pairs made complex inside the call, and
complex results are returned as their real and imaginary parts (as in ``complex_ops``), so that
values, gradients and finite differences are checked through real tensors. Transforms of nothing
(0-d, empty) are errors in PyTorch, except ``fftn`` over no dims; those cases are in tests/test_fft.py,
with ``fftfreq`` and ``rfftfreq`` (which take no tensor).
"""

from . import OpInfo, Sample, noncontiguous
from .complex_ops import _on_complex, _pairs, _parts


def _real_signals(rng):
    yield Sample((rng.standard_normal(5),))
    yield Sample((rng.standard_normal((2, 6)),), {"dim": 0}, name="dim 0")
    yield Sample((rng.standard_normal((2, 6)),), {"n": 4}, name="cut")
    yield Sample((rng.standard_normal((2, 5)),), {"n": 9, "norm": "ortho"}, name="padded ortho")
    yield Sample((noncontiguous(rng.standard_normal((3, 4))),), {"dim": -2, "norm": "forward"},
                 name="noncontiguous forward")


def _complex_signals(rng):
    yield Sample((_pairs(rng, 5),))
    yield Sample((_pairs(rng, 2, 6),), {"dim": 0}, name="dim 0")
    yield Sample((_pairs(rng, 2, 6),), {"n": 4}, name="cut")
    yield Sample((_pairs(rng, 2, 5),), {"n": 9, "norm": "ortho"}, name="padded ortho")
    yield Sample((_pairs(rng, 4, 3),), {"dim": -2, "norm": "forward", "transposed": True},
                 name="noncontiguous forward")


def _real_grids(rng):
    yield Sample((rng.standard_normal((2, 3, 4)),))
    yield Sample((rng.standard_normal((3, 4)),), {"s": (4, 6)}, name="s")
    yield Sample((rng.standard_normal((2, 3, 4)),), {"dim": (0, -1), "norm": "ortho"}, name="dims ortho")
    yield Sample((rng.standard_normal((3, 5)),), {"s": (2, -1), "dim": (1, 0), "norm": "forward"},
                 name="s with -1, dims reversed")
    yield Sample((noncontiguous(rng.standard_normal((3, 4))),), name="noncontiguous")


def _complex_grids(rng):
    yield Sample((_pairs(rng, 2, 3, 4),))
    yield Sample((_pairs(rng, 3, 4),), {"s": (4, 6)}, name="s")
    yield Sample((_pairs(rng, 2, 3, 4),), {"dim": (0, -1), "norm": "ortho"}, name="dims ortho")
    yield Sample((_pairs(rng, 3, 5),), {"s": (2, -1), "dim": (1, 0), "norm": "forward"},
                 name="s with -1, dims reversed")
    yield Sample((_pairs(rng, 4, 3),), {"transposed": True}, name="noncontiguous")


def _zero_dim(rng):
    yield Sample((rng.standard_normal(()),), name="0-d over no dims")


def _on_real(name):
    def call(module, x, **kwargs):
        return _parts(module, getattr(module.fft, name)(x, **kwargs))

    return call


def _on_complex_signal(name):
    return _on_complex(lambda module, x, **kwargs: getattr(module.fft, name)(x, **kwargs))


_ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
_GRIDS = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "irfft2", "irfftn", "hfft2", "hfftn", "ihfft2", "ihfftn"]
_REAL_ONLY = {"rfft", "ihfft", "rfft2", "rfftn", "ihfft2", "ihfftn"}


def _shift_samples(rng):
    yield Sample((rng.standard_normal(5),))
    yield Sample((rng.standard_normal((4, 5)),), {"dim": -1}, name="one dim")
    yield Sample((rng.standard_normal((2, 3, 4)),), {"dim": (0, 2)}, name="dims")
    yield Sample((noncontiguous(rng.standard_normal((3, 4))),), name="noncontiguous")


def _stft(module, x, window=None, **kwargs):
    return _parts(module, module.stft(x, window=window, **kwargs))


def _stft_samples(rng):
    yield Sample((rng.standard_normal(12), rng.uniform(0.5, 1.0, 8)), {"n_fft": 8, "return_complex": True},
                 name="1-d centred")
    yield Sample((rng.standard_normal((2, 11)), rng.uniform(0.5, 1.0, 6)),
                 {"n_fft": 8, "hop_length": 3, "win_length": 6, "center": False, "return_complex": True},
                 name="short window")
    yield Sample((rng.standard_normal((2, 10)), rng.uniform(0.5, 1.0, 4)),
                 {"n_fft": 6, "win_length": 4, "center": False, "align_to_window": True, "return_complex": True},
                 name="aligned to window")
    yield Sample((noncontiguous(rng.standard_normal((2, 9))), rng.uniform(0.5, 1.0, 5)),
                 {"n_fft": 5, "hop_length": 2, "normalized": True, "onesided": False, "pad_mode": "constant",
                  "return_complex": True}, name="noncontiguous two-sided normalized")
    yield Sample((rng.standard_normal((1, 9)), rng.uniform(0.5, 1.0, 4)),
                 {"n_fft": 4, "pad_mode": "replicate", "return_complex": False}, name="real view")


def _istft(module, spectrum, window, **kwargs):
    return _parts(module, module.istft(module.view_as_complex(spectrum), window=window, **kwargs))


def _istft_samples(rng):
    yield Sample((_pairs(rng, 5, 6), rng.uniform(0.5, 1.0, 8)), {"n_fft": 8}, name="1 signal")
    yield Sample((_pairs(rng, 2, 4, 5), rng.uniform(0.5, 1.0, 5)),
                 {"n_fft": 6, "hop_length": 2, "win_length": 5, "length": 9, "normalized": True},
                 name="short window, cut")
    yield Sample((_pairs(rng, 2, 5, 4), rng.uniform(0.5, 1.0, 8)), {"n_fft": 8, "center": False, "hop_length": 2,
                                                                    "length": 16}, name="not centred, padded")
    yield Sample((_pairs(rng, 6, 5), rng.uniform(0.5, 1.0, 6)),
                 {"n_fft": 6, "onesided": False, "return_complex": True}, name="two-sided complex")


OPS = (
    [OpInfo(f"fft.{name} real", _on_real(name), _real_signals) for name in _ONE_DIM]
    + [OpInfo(f"fft.{name} complex", _on_complex_signal(name), _complex_signals)
       for name in _ONE_DIM if name not in _REAL_ONLY]
    + [OpInfo(f"fft.{name} real", _on_real(name), _real_grids) for name in _GRIDS]
    + [OpInfo(f"fft.{name} complex", _on_complex_signal(name), _complex_grids)
       for name in _GRIDS if name not in _REAL_ONLY]
    + [OpInfo(f"fft.{name} 0-d", _on_real(name), _zero_dim) for name in ("fftn", "ifftn")]
    + [OpInfo(f"fft.{name}", lambda m, x, name=name, **kw: getattr(m.fft, name)(x, **kw), _shift_samples)
       for name in ("fftshift", "ifftshift")]
    + [OpInfo("stft", _stft, _stft_samples, warns="stft with return_complex=False is deprecated"),
       OpInfo("istft", _istft, _istft_samples, warns="The length of signal is shorter than the length parameter")]
)
