"""chainrule prints tensors exactly as PyTorch does, with ``chainrule.`` in place of ``torch.``.

PyTorch itself is the oracle: each case builds a torch tensor, hands the same values (taken
from that tensor, so they are bit-identical) to ``format_tensor`` and compares the texts.
"""

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as fwAD
from torch._tensor_str import get_printoptions as torch_get_printoptions

from chainrule import _dtype
from chainrule._printing import format_tensor, get_printoptions, set_printoptions

DTYPES = {getattr(torch, d.name): d for d in _dtype.ALL_DTYPES}
NAMESPACE = {"torch": torch, "nan": float("nan"), "inf": float("inf")}


@pytest.fixture(autouse=True)
def default_options():
    """Every test starts and ends with default options and default dtype in both libraries."""
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    _dtype.set_default_dtype(_dtype.float32)


def ours(t, tangent=None):
    """chainrule's text for torch tensor ``t``, spelled the way PyTorch spells dtypes."""
    grad_fn = None if t.grad_fn is None else type(t.grad_fn).__name__
    text = format_tensor(t.detach().numpy(), DTYPES[t.dtype], grad_fn_name=grad_fn,
                         requires_grad=t.requires_grad, tangent=tangent)
    return text.replace("chainrule.", "torch.")


def check(t):
    assert ours(t) == repr(t)


# Every example of the printing reference and of the golden repr programs.
EXPRESSIONS = [
    # 0-d tensors
    *(f"torch.tensor({v})" for v in [
        "63.", "2.0", "0.5", "-0.0", "1.5", "0.1", "1/3", "-2.25", "123456.", "12345678.",
        "100000000.", "123456789.", "1e9", "0.001", "0.0001", "5e-5", "1234.5678", "99999.99",
        "0.99999", "9.99995", "nan", "inf", "-inf", "3", "-3", "True", "False"]),
    "torch.tensor(2.0, dtype=torch.float64)", "torch.tensor(0.1, dtype=torch.float64)",
    "torch.tensor(1e-4, dtype=torch.float64)", "torch.tensor(2, dtype=torch.int32)",
    "torch.tensor(2.0, dtype=torch.float16)", "torch.tensor(0.1, dtype=torch.float16)",
    "torch.tensor(2.5, requires_grad=True)",
    "torch.tensor(2.5, dtype=torch.float64, requires_grad=True)",
    "torch.tensor(2.5, requires_grad=True) * 2",
    # 1-d tensors: width, integer-valued floats, fixed against scientific notation
    *(f"torch.tensor({v})" for v in [
        "[1., 2., 3.]", "[1.5, 2., 3.]", "[0.1, 0.25, 3.]", "[-1., 2.]", "[-1.5, 2.]",
        "[-100., 5.]", "[100., 200.]", "[100.5, 200.]", "[10000.5, 200.]", "[100000.5, 200.]",
        "[1000000.5, 200.]", "[1., 1000.]", "[1., 1001.]", "[0.5, 500.]", "[0.5, 501.]",
        "[1.5, 1500.]", "[1e-3, 1.]", "[1e-4, 1.]", "[1e-4, 0.05]", "[0.0001, 0.0002]",
        "[1e8, 1.]", "[100000000., 200000000.]", "[123456789., 1.]", "[-1e-5, 2.]",
        "[3.14159265, 2.71828]", "[12.5, -0.25]", "[0., 0.]", "[-0., 0., 1.]", "[0.1, -0.]",
        "[1e-5, -0.]", "[0., 100.5]", "[1., nan, inf, -inf]", "[1.5, nan]", "[nan, nan]",
        "[inf, 0.]", "[1e9, nan]", "[1, 2, 3]", "[1, -2, 300]", "[-5, 10**12]", "[True, False]",
        "[True, True]", "[1e-10, 1e10, 1., 2., 3., 4., 5., 6., 7., 8., 9.]"]),
    "torch.tensor([1e-4, 0.05], dtype=torch.float64)",
    "torch.tensor([1e300, 1.], dtype=torch.float64)",
    "torch.arange(30.)", "torch.arange(30)", "torch.arange(30.) / 7", "torch.arange(10.) / 3",
    # n-d layout
    "torch.tensor([[1., 2, 3], [3, 2, 1]])", "torch.tensor([[1.5, -2, 3], [3, 2, 100]])",
    "torch.tensor([[1, -2, 3], [3, 2, 100]])", "torch.tensor([[0.5]])", "torch.tensor([[[[1.]]]])",
    "torch.arange(6.).reshape(6, 1)", "torch.arange(6.).reshape(1, 1, 6)", "torch.zeros(3, 3)",
    "torch.tensor([[True, False], [False, True]])", "torch.tensor([[1e-5, 2], [3, 4]])",
    "torch.tensor([[nan, 1.5], [2, -3]])", "torch.arange(24.).reshape(2, 3, 4)",
    "torch.arange(24).reshape(2, 3, 4)", "torch.arange(16).reshape(2, 2, 2, 2)",
    "torch.arange(8.).reshape(2, 2, 2) / 4", "(torch.arange(12.) / 7).reshape(2, 6)",
    "torch.arange(40.).reshape(2, 20) - 20",
    # summarisation past the threshold
    "torch.arange(1000)", "torch.arange(1001.)", "torch.arange(1001)",
    "torch.arange(2000).reshape(40, 50)", "torch.arange(2000.).reshape(40, 50) / 3",
    "torch.arange(2000.).reshape(2, 20, 50)", "torch.arange(1001.).reshape(1001, 1)",
    "torch.arange(1005.).reshape(5, 201)", "torch.arange(1001.).requires_grad_()",
    "torch.ones(1001) * 0.5", "torch.zeros(10, 10, 11)",
    # dtype suffixes
    *(f"torch.tensor([2, 3], dtype=torch.{d})" for d in [
        "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]),
    "torch.tensor([2.0, 3.5], dtype=torch.float64)",
    "torch.tensor([1 / 3, 2 / 3], dtype=torch.float64)",
    "torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)",
    "torch.tensor([2, 3], dtype=torch.float64).requires_grad_()",
    "torch.tensor([2., 3.], dtype=torch.float64, requires_grad=True) * 2",
    # grad suffixes and where they wrap
    "torch.tensor([2.0, 3.], requires_grad=True)", "torch.tensor([2.0, 3.], requires_grad=True) * 2",
    "torch.ones(2, 3, requires_grad=True)", "torch.ones(2, 3, requires_grad=True).sum(0)",
    *(f"(torch.arange({n}.) + 0.5).requires_grad_() * 1" for n in range(5, 16)),
    *(f"((torch.arange({n}.) + 0.5).requires_grad_() * 1).double()" for n in range(5, 16)),
    "(torch.arange(12.) / 7).reshape(2, 6).requires_grad_() * 1",
    "((torch.arange(12.) / 7).reshape(2, 6).requires_grad_() * 1).double()",
    "torch.arange(13.).double()", "torch.arange(14.).double().requires_grad_()",
    *(f"torch.ones({n}, dtype=torch.float64, requires_grad=True) * 1.5" for n in (11, 12, 13)),
    # empty tensors
    "torch.tensor([])", "torch.tensor([[]])", "torch.zeros(0, 3)", "torch.zeros(3, 0)",
    "torch.zeros(2, 0, 3)", "torch.zeros(0, dtype=torch.int64)",
    "torch.zeros(0, 3, dtype=torch.int64)", "torch.zeros(0, dtype=torch.float64)",
    "torch.zeros(0, dtype=torch.bool)", "torch.zeros(0, dtype=torch.complex64)",
    "torch.tensor([], requires_grad=True)", "torch.zeros(0, 3, requires_grad=True)",
    "torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)",
    "torch.zeros(0, 3, requires_grad=True) * 2",
    # complex numbers: real and imaginary parts get a formatter each
    "torch.tensor([1+2j, 3-1j])", "torch.tensor([1+2j, 3-1j], dtype=torch.complex128)",
    "torch.tensor(1.5+2j)", "torch.tensor([1.5+2e-5j, complex(nan, 0), complex(0, inf)])",
    "torch.tensor([[1+1e9j, -0.5-0.25j], [complex(0, -0.), 3j]])",
    "torch.arange(1200.).reshape(40, 30) * (1 - 0.5j)",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_reference_examples(expression):
    check(eval(expression, NAMESPACE))


# A few texts written out, so that the expectations do not rest on the oracle alone.
@pytest.mark.parametrize("array, dtype, kwargs, expected", [
    (np.float32([1e-4, 0.05]), _dtype.float32, {}, "tensor([1.0000e-04, 5.0000e-02])"),
    (np.float64([1e-4, 0.05]), _dtype.float64, {},
     "tensor([0.0001, 0.0500], dtype=chainrule.float64)"),
    (np.float32([0.1, -0.0]), _dtype.float32, {}, "tensor([0.1000, -0.0000])"),
    (np.arange(6, dtype=np.float32) + 0.5, _dtype.float32, {"grad_fn_name": "MulBackward0"},
     "tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000],\n       grad_fn=<MulBackward0>)"),
    (np.zeros((0, 3)), _dtype.float64, {"requires_grad": True},
     "tensor([], size=(0, 3), dtype=chainrule.float64, requires_grad=True)"),
    (np.float32([1.0, 2.0]), _dtype.float32, {"tangent": "tensor([1., 0.])"},
     "tensor([1., 2.], tangent=tensor([1., 0.]))"),
    (np.float32(8.0), _dtype.float32, {"grad_fn_name": "MulBackward0", "tangent": "4.0"},
     "tensor(8., grad_fn=<MulBackward0>, tangent=4.0)"),
])
def test_written_out(array, dtype, kwargs, expected):
    assert format_tensor(array, dtype, **kwargs) == expected


@pytest.mark.parametrize("expression", [
    "torch.tensor([1., 2.])", "torch.tensor(2.)", "torch.arange(30., dtype=torch.float64)",
    "(torch.arange(9.) + 0.5) * 1.25",
])
def test_dual_tensors(expression):
    """The tangent text is measured like PyTorch's, ``dtype=torch.`` included, for wrapping."""
    primal = eval(expression, NAMESPACE)
    tangent = torch.linspace(-1, 1, primal.numel(), dtype=primal.dtype).reshape(primal.shape)
    with fwAD.dual_level():
        dual = fwAD.make_dual(primal, tangent)
        expected = repr(dual)
    text = str(tangent.item()) if tangent.dim() == 0 else ours(tangent)
    assert ours(primal, tangent=text) == expected


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=0), dict(precision=10), dict(threshold=5, edgeitems=2),
    dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0), dict(edgeitems=0),
    dict(sci_mode=True), dict(sci_mode=False), dict(linewidth=40), dict(linewidth=10),
    dict(profile="short"), dict(profile="full"), dict(profile="short", precision=6),
])
@pytest.mark.parametrize("expression", [
    "torch.arange(10.) / 3", "torch.arange(10)", "torch.tensor([1.5, -2., 3.])",
    "torch.tensor([1., 200.])", "torch.tensor([1e-6, 1e10])", "torch.tensor([0., 0.])",
    "torch.tensor([nan, 1e-7, -1e-20])", "torch.tensor(3.)", "torch.tensor([1+2.5j, -3e-5j])",
    "torch.arange(20.).reshape(4, 5)", "torch.arange(1001.)", "torch.arange(2000).reshape(2, 1000)",
    "torch.zeros(0, 3)", "torch.arange(30.).double().requires_grad_()",
])
def test_print_options(options, expression):
    torch.set_printoptions(**options)
    set_printoptions(**options)
    check(eval(expression, NAMESPACE))


def test_options_round_trip():
    """Options read back as PyTorch's; any call without sci_mode returns it to automatic."""
    assert get_printoptions() == torch_get_printoptions()
    for options in [dict(sci_mode=True), dict(precision=2), dict(profile="full"),
                    dict(profile="short", linewidth=100), dict(profile="unknown"),
                    dict(threshold=5, edgeitems=2, sci_mode=False), dict(profile="default")]:
        torch.set_printoptions(**options)
        set_printoptions(**options)
        assert get_printoptions() == torch_get_printoptions()
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


@pytest.mark.parametrize("expression", [
    "torch.tensor([1., 2.])", "torch.tensor([1., 2.], dtype=torch.float32)",
    "torch.tensor([1+2j])", "torch.tensor([1+2j], dtype=torch.complex64)",
    "torch.zeros(0)", "torch.zeros(0, dtype=torch.float32)", "torch.tensor([1, 2])",
])
def test_default_dtype_float64(expression):
    """The dtype suffix is left out for the default dtype, whatever it currently is."""
    torch.set_default_dtype(torch.float64)
    _dtype.set_default_dtype(_dtype.float64)
    check(eval(expression, NAMESPACE))


def random_shape(rng):
    """0-d to 4-d; a third of the shapes hold around 1000 elements, either side of the threshold."""
    ndim = int(rng.integers(0, 5))
    if rng.random() < 0.35:
        ndim = max(ndim, 1)
        leading = [int(rng.integers(1, 12)) for _ in range(ndim - 1)]
        return (*leading, max(1, int(rng.integers(900, 1100)) // int(np.prod(leading))))
    return tuple(int(rng.integers(0, 7)) for _ in range(ndim))


def random_values(rng, shape):
    """Mixtures that exercise every style: whole numbers, wide ranges, specials, zeros, -0."""
    n = int(np.prod(shape))
    scale = 10.0 ** rng.uniform(-6, 10)
    kind = rng.integers(0, 5)
    if kind == 0:
        values = rng.normal(size=n) * scale
    elif kind == 1:
        values = np.round(rng.normal(size=n) * scale)
    elif kind == 2:
        values = rng.integers(-5, 5, size=n).astype(float)
    elif kind == 3:
        values = rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, scale, -scale, 1e-7, 3.0], size=n)
    else:
        values = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 10, size=n)
    return values.reshape(shape)


def random_tensor(rng):
    torch_dtype = list(DTYPES)[int(rng.integers(0, len(DTYPES)))]
    shape = random_shape(rng)
    values = random_values(rng, shape)
    if torch_dtype.is_complex:
        values = values + 1j * random_values(rng, shape)
    elif torch_dtype is torch.bool:
        values = values != 0
    elif not torch_dtype.is_floating_point:
        info = torch.iinfo(torch_dtype)
        values = np.clip(np.nan_to_num(values, posinf=0, neginf=0), info.min, info.max)
    t = torch.tensor(values).to(torch_dtype)
    grad = rng.integers(0, 3)
    if grad and (torch_dtype.is_floating_point or torch_dtype.is_complex):
        t = t.requires_grad_()
        if grad == 2:
            t = t * 1
    return t


RANDOM_OPTIONS = [{}, {}, {}, dict(precision=2), dict(threshold=8, edgeitems=1),
                  dict(sci_mode=True), dict(sci_mode=False), dict(linewidth=50)]


@pytest.mark.parametrize("seed", range(300))
def test_random_tensors(seed):
    rng = np.random.default_rng(seed)
    options = RANDOM_OPTIONS[seed % len(RANDOM_OPTIONS)]
    torch.set_printoptions(**options)
    set_printoptions(**options)
    with np.errstate(invalid="ignore"):
        t = random_tensor(rng)
    check(t)
