"""The dtype rules every op relies on, pair by pair against PyTorch: promotion of two dtypes, the dtype a
Python or NumPy number takes part with, how operand kinds (numbers, 0-d and dimensioned tensors) combine,
the properties of each dtype, and the dtypes given by Python types."""

import itertools
import warnings

import numpy as np
import pytest
import torch

import chainrule

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
         "complex128", "uint16", "uint32", "uint64"]
PROPERTIES = NAMES + ["bfloat16"]


def _outcome(call):
    try:
        return str(call()).replace("chainrule.", "torch.")
    except RuntimeError as error:
        return "RuntimeError: " + str(error)


@pytest.mark.parametrize("a, b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_matches_pytorch(a, b):
    ours = _outcome(lambda: chainrule.promote_types(getattr(chainrule, a), getattr(chainrule, b)))
    theirs = _outcome(lambda: torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert ours == theirs


@pytest.mark.parametrize("name", PROPERTIES)
def test_dtype_properties_match_pytorch(name):
    ours, theirs = getattr(chainrule, name), getattr(torch, name)
    assert (ours.is_floating_point, ours.is_complex, ours.is_signed, ours.itemsize) == \
        (theirs.is_floating_point, theirs.is_complex, theirs.is_signed, theirs.itemsize)


# (NumPy's bool and complex scalars are left out: PyTorch takes them through float(), which the imaginary part
# does not survive, a quirk chainrule does not copy.)
NUMBERS = [True, 3, 2.5, 1 + 2j, np.float32(1.5), np.int16(4), np.float64(2.0)]
TENSOR_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64", "complex64"]


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("name, number", [(name, number) for name in TENSOR_DTYPES for number in NUMBERS
                                          # float16 and complex make complex32, which chainrule lacks
                                          if not (name == "float16" and isinstance(number, complex))],
                         ids=lambda value: repr(value))
@pytest.mark.parametrize("zero_dim", [False, True])
def test_a_number_beside_a_tensor_promotes_as_in_pytorch(default, name, number, zero_dim):
    def run(m):
        previous = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            t = m.ones(() if zero_dim else (2,), dtype=getattr(m, name))
            return [str(m.result_type(t, number)), str(m.result_type(number, t)), str((t + number).dtype)]
        finally:
            m.set_default_dtype(previous)

    assert [s.replace("chainrule.", "torch.") for s in run(chainrule)] == run(torch)


@pytest.mark.parametrize("a, b", [(a, b) for a, b in itertools.product(TENSOR_DTYPES, TENSOR_DTYPES)
                                  if {a, b} != {"float16", "complex64"}])  # complex32, which chainrule lacks
def test_a_zero_dim_tensor_beside_a_dimensioned_one_promotes_as_in_pytorch(a, b):
    def run(m):
        scalar, tensor = m.ones((), dtype=getattr(m, a)), m.ones(3, dtype=getattr(m, b))
        return str(m.result_type(scalar, tensor)), str(m.result_type(tensor, scalar))

    assert tuple(s.replace("chainrule.", "torch.") for s in run(chainrule)) == run(torch)


@pytest.mark.parametrize("kind", [float, int, bool, complex])
def test_python_types_name_dtypes(kind):
    assert str(chainrule.zeros(2, dtype=kind).dtype).replace("chainrule.", "torch.") == \
        str(torch.zeros(2, dtype=kind).dtype)


@pytest.mark.parametrize("array", [np.array([1.0], dtype=np.longdouble), np.array(["a"]),
                                   np.array([1], dtype="datetime64[s]")], ids=["longdouble", "str", "datetime"])
def test_numpy_arrays_without_a_tensor_dtype_are_refused_with_pytorchs_message(array):
    with pytest.raises(TypeError) as theirs:
        torch.from_numpy(array)
    with pytest.raises(TypeError) as ours:
        chainrule.from_numpy(array)
    assert str(ours.value) == str(theirs.value)


def test_a_bfloat16_tensor_is_refused_with_a_type_error():
    with pytest.raises(TypeError, match="no bfloat16 tensors"):
        chainrule.zeros(2, dtype=chainrule.bfloat16)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32"])
@pytest.mark.parametrize("expression", ["1000 // t", "-1000 // t", "1000 - t", "t - 1000", "300 * t", "1000 + t",
                                        "t.remainder(1000)", "torch.remainder(1000, t)", "2 ** 40 // t"])
def test_an_integer_beyond_the_tensors_range_wraps_around_as_in_pytorch(name, expression):
    def run(m):
        t = m.tensor([7, 3], dtype=getattr(m, name))
        try:
            result = eval(expression, {"torch": m, "t": t})
        except Exception as error:  # the outcome compared: both refuse, with one type
            return type(error).__name__
        return str(result.dtype).split(".")[-1], result.tolist()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("expression", ["t + np.ones(2)", "t * np.arange(2, dtype=np.int16)", "t - np.float32(2.5)",
                                        "t / np.array(4.0)"])
def test_a_numpy_operand_beside_a_tensor_as_in_pytorch(expression):
    def run(m):
        t = m.tensor([250, 3], dtype=m.uint8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # NumPy's about PyTorch's __array_wrap__
            result = eval(expression, {"np": np, "t": t})
        return type(result).__name__, str(result.dtype).split(".")[-1], result.tolist()

    assert run(chainrule) == run(torch)
