"""Tensors: construction and dtype inference, factories, conversions, Size, devices, printing through
the public API, and type promotion — each compared with PyTorch."""

import threading
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule


def same_text(ours, theirs):
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


# ---------------------------------------------------------------- construction
CONSTRUCTOR_DATA = [
    2, 2.0, True, [1, 2], [1, 2.0], [True, 2], [1, 2.5, True], [[1], [2.5]], [True, False], [],
    [[]], [[1, 2], [3, 4]], np.array([1.0, 2.0]), np.array([1, 2]), np.array([1, 2], dtype=np.int32),
    np.array([1.5], dtype=np.float32), np.float64(2.5), np.array(3.0), np.array([1, 2], dtype=np.uint8),
    np.array([1, 2], dtype=np.float16), 1 + 2j, [1, 2j],
]


@pytest.mark.parametrize("data", CONSTRUCTOR_DATA, ids=repr)
def test_tensor_infers_dtype_and_prints_like_torch(data):
    ours, theirs = chainrule.tensor(data), torch.tensor(data)
    same_text(ours.dtype, theirs.dtype)
    same_text(ours, theirs)
    assert ours.shape == tuple(theirs.shape)
    assert ours.is_leaf and not ours.requires_grad


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"])
def test_tensor_with_explicit_dtype(dtype):
    ours = chainrule.tensor([1, 0, 3], dtype=getattr(chainrule, dtype))
    theirs = torch.tensor([1, 0, 3], dtype=getattr(torch, dtype))
    same_text(ours, theirs)
    assert ours.numpy().dtype == theirs.numpy().dtype


def test_tensor_of_tensors_and_copy_warning():
    same_text(chainrule.tensor([chainrule.tensor(1.0), chainrule.tensor(2.0)]), torch.tensor([1.0, 2.0]))
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        chainrule.tensor(chainrule.tensor(1.0))


@pytest.mark.parametrize("data,error", [([[1, 2], [3]], ValueError), (None, RuntimeError), ("abc", TypeError),
                                        (2 ** 64, ValueError), ([1, 2 ** 70], ValueError), (-2 ** 63 - 1, ValueError)])
def test_bad_constructor_input(data, error):
    with pytest.raises(error) as ours:
        chainrule.tensor(data)
    with pytest.raises(error) as theirs:
        torch.tensor(data)
    assert str(ours.value) == str(theirs.value)


FACTORIES = [
    ("zeros", (2, 3), {}), ("ones", (4,), {}), ("zeros", ((2, 3),), {"dtype": "int64"}), ("empty", (0, 3), {}),
    ("full", ((2,), 3.0), {}), ("full", ((2,), 3), {}), ("full", ((2,), True), {}), ("arange", (5,), {}),
    ("arange", (3.0,), {}), ("arange", (0, 1, 0.25), {}), ("arange", (1, 10, 3), {}), ("arange", (5, 0, -2), {}),
    ("linspace", (0, 1, 5), {}), ("linspace", (-1, 1, 1), {}), ("eye", (3,), {}), ("eye", (2, 3), {}),
    ("zeros", (2,), {"dtype": "float64"}), ("ones", (2,), {"dtype": "bool"}), ("logspace", (0, 2, 3), {}),
]


@pytest.mark.parametrize("name,args,kwargs", FACTORIES, ids=lambda v: repr(v))
def test_factories_match_torch(name, args, kwargs):
    ours_kwargs = {k: getattr(chainrule, v) if k == "dtype" else v for k, v in kwargs.items()}
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ours = getattr(chainrule, name)(*args, **ours_kwargs)
    theirs = getattr(torch, name)(*args, **theirs_kwargs)
    assert ours.shape == tuple(theirs.shape)
    same_text(ours.dtype, theirs.dtype)
    if name != "empty":
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_like_factories_and_requires_grad():
    x = chainrule.ones(2, 3, dtype=chainrule.float64)
    for fn in (chainrule.zeros_like, chainrule.ones_like, chainrule.empty_like):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype is chainrule.float64
    assert chainrule.full_like(x, 7).tolist() == [[7.0] * 3] * 2
    assert chainrule.zeros(2, requires_grad=True).requires_grad


def test_negative_size_error():
    with pytest.raises(RuntimeError, match="zeros: Dimension size must be non-negative."):
        chainrule.zeros(-1)


def test_random_factories_follow_the_seed():
    chainrule.manual_seed(0)
    a = chainrule.rand(3, 2)
    chainrule.manual_seed(0)
    b = chainrule.rand(3, 2)
    assert np.array_equal(a.numpy(), b.numpy())
    assert a.dtype is chainrule.float32 and ((a.numpy() >= 0) & (a.numpy() < 1)).all()
    g = chainrule.Generator().manual_seed(5)
    n = chainrule.randn(1000, generator=g)
    assert abs(float(n.mean())) < 0.15 and 0.8 < float(n.numpy().std()) < 1.2
    r = chainrule.randint(3, 7, (50,))
    assert r.dtype is chainrule.int64 and r.numpy().min() >= 3 and r.numpy().max() < 7
    assert chainrule.randint(5, (2, 2)).shape == (2, 2)
    assert chainrule.rand_like(a).shape == a.shape and chainrule.randn_like(a).dtype is a.dtype
    assert chainrule.randint_like(a, 4).shape == a.shape


# ---------------------------------------------------------------- NumPy bridge
def test_from_numpy_shares_memory_and_numpy_refuses_grad():
    array = np.array([1.0, 2.0])
    t = chainrule.from_numpy(array)
    array[0] = 5
    assert t.tolist() == [5.0, 2.0]
    t.numpy()[1] = 7
    assert array[1] == 7
    x = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_item_tolist_and_python_conversions():
    assert chainrule.tensor(0.1).item() == torch.tensor(0.1).item()
    assert chainrule.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert chainrule.tensor(2.5).tolist() == 2.5
    assert int(chainrule.tensor(2.7)) == 2 and float(chainrule.tensor(3)) == 3.0
    assert bool(chainrule.tensor([1.0])) is True
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"):
        chainrule.ones(2, 3).item()
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        float(chainrule.ones(2))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(chainrule.ones(2))


def test_len_iter_format():
    t = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    same_text(list(t), list(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))
    assert f"{chainrule.tensor(2.5)}" == "2.5" and format(chainrule.tensor(2.5), ".2f") == "2.50"
    assert "[{}]".format(chainrule.tensor(7)) == "[7]"  # noqa: UP032 (str.format is what is tested)
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        format(chainrule.ones(2), ".2f")
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(chainrule.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(chainrule.tensor(1.0))


def test_metadata_accessors():
    ours, theirs = chainrule.ones(2, 3), torch.ones(2, 3)
    same_text(ours.shape, theirs.shape)
    same_text(ours.size(), theirs.size())
    assert ours.size(1) == 3 and ours.size(-1) == 3
    assert ours.dim() == ours.ndim == 2 and ours.numel() == 6
    same_text(chainrule.tensor(1.0).shape, torch.tensor(1.0).shape)
    assert ours.shape == (2, 3) and isinstance(ours.shape, tuple)
    assert ours.type() == "chainrule.FloatTensor" and chainrule.ones(1, dtype=chainrule.int64).type().endswith("Long"
                                                                                                            "Tensor")
    assert ours.device == chainrule.device("cpu") and str(ours.device) == "cpu"
    assert repr(chainrule.device("cpu")) == repr(torch.device("cpu"))
    assert chainrule.cuda.is_available() is False


@pytest.mark.parametrize("method", ["float", "double", "long", "int", "bool", "half", "short", "byte"])
def test_dtype_conversion_methods(method):
    data = [1.7, -1.7, 0.0]
    ours, theirs = getattr(chainrule.tensor(data), method)(), getattr(torch.tensor(data), method)()
    same_text(ours, theirs)


def test_same_dtype_conversion_returns_self():
    x = chainrule.ones(2)
    assert x.float() is x and x.to(chainrule.float32) is x and x.to("cpu") is x
    assert x.to(chainrule.float64).dtype is chainrule.float64
    assert x.to(dtype=chainrule.int32).dtype is chainrule.int32


def test_default_dtype_switch():
    try:
        chainrule.set_default_dtype(chainrule.float64)
        torch.set_default_dtype(torch.float64)
        same_text(chainrule.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0]))
        assert chainrule.ones(2).dtype is chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)
        torch.set_default_dtype(torch.float32)
    assert chainrule.get_default_dtype() is chainrule.float32


def test_dtype_objects_and_aliases():
    assert chainrule.float is chainrule.float32 and chainrule.double is chainrule.float64
    assert chainrule.long is chainrule.int64 and chainrule.half is chainrule.float16
    assert repr(chainrule.float64) == "chainrule.float64"
    assert chainrule.float32.is_floating_point and not chainrule.int64.is_floating_point


# ---------------------------------------------------------------- type promotion
KINDS = ["tensor", "0-d", "scalar"]
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = {"bool": True, "int": 3, "float": 2.5}


def _operand(lib, kind, dtype):
    if kind == "scalar":
        return SCALARS[dtype]
    shape = (2,) if kind == "tensor" else ()
    return lib.ones(shape, dtype=getattr(lib, dtype))


PROMOTION_CASES = [(ka, da, kb, db) for ka in KINDS[:2] for da in DTYPES for kb in KINDS
                   for db in (SCALARS if kb == "scalar" else DTYPES)]


@pytest.mark.parametrize("ka,da,kb,db", PROMOTION_CASES)
def test_binary_promotion_matches_torch(ka, da, kb, db):
    for op in ("__mul__", "__add__"):
        expected = getattr(_operand(torch, ka, da), op)(_operand(torch, kb, db))
        result = getattr(_operand(chainrule, ka, da), op)(_operand(chainrule, kb, db))
        same_text(result.dtype, expected.dtype)
        assert result.tolist() == expected.tolist()


def test_true_division_of_integers_gives_default_float():
    same_text(chainrule.tensor(7) / chainrule.tensor(2), torch.tensor(7) / torch.tensor(2))
    same_text(chainrule.tensor([1, 2]) / 2, torch.tensor([1, 2]) / 2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=3), st.lists(st.integers(1, 4), min_size=0, max_size=3))
def test_broadcasting_matches_torch(shape_a, shape_b):
    a, b = np.ones(shape_a, dtype=np.float32), np.full(shape_b, 2.0, dtype=np.float32)
    try:
        expected = torch.from_numpy(a) * torch.from_numpy(b)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as ours:
            chainrule.from_numpy(a) * chainrule.from_numpy(b)
        assert str(ours.value) == str(error)
        return
    assert (chainrule.from_numpy(a) * chainrule.from_numpy(b)).shape == tuple(expected.shape)


# ---------------------------------------------------------------- printing through the public API
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=3), st.sampled_from([1e-5, 1.0, 1e3, 1e9]),
       st.booleans())
def test_repr_matches_torch_on_random_tensors(shape, scale, needs_grad):
    values = (np.random.default_rng(len(shape)).standard_normal(shape) * scale).astype(np.float32)
    ours, theirs = chainrule.tensor(values), torch.tensor(values)
    if needs_grad:
        ours, theirs = ours.requires_grad_() * 2, theirs.requires_grad_() * 2
    same_text(ours, theirs)


def test_set_printoptions():
    try:
        chainrule.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        same_text(chainrule.tensor([1 / 3, 2 / 3]), torch.tensor([1 / 3, 2 / 3]))
    finally:
        chainrule.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_grad_mode_is_per_thread():
    seen = []

    def worker():
        seen.append(chainrule.is_grad_enabled())

    with chainrule.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not chainrule.is_grad_enabled()
    assert seen == [True]


def test_grad_modes_as_decorators_and_contexts():
    x = chainrule.ones(2, requires_grad=True)

    @chainrule.no_grad()
    def f():
        return x * 2

    @chainrule.no_grad
    def g():
        return x * 2

    assert not f().requires_grad and not g().requires_grad
    with chainrule.no_grad():
        with chainrule.enable_grad():
            assert (x * 2).requires_grad
        assert chainrule.tensor(1.0, requires_grad=True).requires_grad
    with chainrule.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert chainrule.is_grad_enabled()
    chainrule.set_grad_enabled(False)
    assert not chainrule.is_grad_enabled()
    chainrule.set_grad_enabled(True)
    with chainrule.inference_mode():
        y = x * 2
        assert chainrule.is_inference_mode_enabled() and not chainrule.is_grad_enabled()
    assert y.is_inference() and not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            y * x


def test_sampling_functions():
    chainrule.manual_seed(3)
    weights = chainrule.tensor([[0.0, 1.0, 3.0], [5.0, 0.0, 0.0]])
    draws = chainrule.multinomial(weights, 400, replacement=True)
    assert draws.shape == (2, 400) and draws.dtype is chainrule.int64
    counts = np.bincount(draws[0].numpy(), minlength=3)
    assert counts[0] == 0 and 0.65 < counts[2] / 400 < 0.85 and set(draws[1].tolist()) == {0}
    assert sorted(chainrule.multinomial(chainrule.ones(4), 4).tolist()) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        chainrule.multinomial(chainrule.ones(2), 3)
    coins = chainrule.bernoulli(chainrule.full((1000,), 0.25))
    assert coins.dtype is chainrule.float32 and 0.2 < float(coins.mean()) < 0.3
    samples = chainrule.normal(2.0, 0.5, (2000,))
    assert abs(float(samples.mean()) - 2.0) < 0.05 and samples.dtype is chainrule.float32
    assert chainrule.normal(chainrule.zeros(3, dtype=chainrule.float64), 1.0).dtype is chainrule.float64
    assert sorted(chainrule.randperm(5).tolist()) == [0, 1, 2, 3, 4]
