"""compile's fused elementwise groups on a CUDA device: the kernel generated from the plan, checked on the CPU.

The fusion pass runs on a plan whose values live on a CUDA device, so it makes a ``GpuGroup``. On the
CPU stand-in device the group's generated C statements run over NumPy arrays; on a GPU (the ``gpu``
case) CuPy compiles them. Either way they must compute what the group's calls compute one by one, bit
for bit, in the same order: the GPU kernel is compiled without contracting multiply-adds, so each
operation rounds as eager's does.
"""

import contextlib

import numpy as np
import pytest
from cuda_standin import use_standin

import chainrule
from chainrule._array import to_host
from chainrule._device import moved, namespace_for
from chainrule._compile import cuda_fusion
from chainrule._compile.fusion import MIN_ELEMENTS, fuse
from chainrule._compile.ir import Call, ConstRef, Fused, SlotRef

SHAPE = (128, MIN_ELEMENTS // 128)

# (result slot, ufunc name, operands: slots from 100 on, else Python numbers)
GROUPS = {
    "mlp tail": [(200, "multiply", 100, 101), (201, "add", 200, 0.5), (202, "tanh", 201),
                 (203, "subtract", 202, 100), (204, "true_divide", 203, 3.0)],
    "sigmoid by exp": [(200, "negative", 100), (201, "exp", 200), (202, "add", 201, 1.0),
                       (203, "true_divide", 101, 202)],
    "clamps with nan": [(200, "maximum", 100, 101), (201, "minimum", 200, 0.25), (202, "sqrt", 200),
                        (203, "multiply", 202, 201)],
    "logs and powers": [(200, "absolute", 100), (201, "log1p", 200), (202, "expm1", 201), (203, "log", 200),
                        (204, "sin", 203), (205, "cos", 202), (206, "add", 204, 205), (207, "multiply", 206, 0.1)],
}


def _call(namespace, slot, name, *operands):
    refs = tuple(SlotRef(o) if o.__class__ is int and o >= 100 else ConstRef(o) for o in operands)
    return Call(slot, getattr(namespace, name), refs, None, f"{name}Backward0", "test")


def _standin_call(*row):
    with use_standin() as namespace:
        return _call(namespace, *row)


@contextlib.contextmanager
def _cuda(kind):
    """The CUDA namespace: the stand-in's, or CuPy's on a GPU."""
    if kind == "gpu":
        yield namespace_for("cuda")
        return
    with use_standin() as namespace:
        yield namespace


def _inputs(namespace, dtype):
    rng = np.random.default_rng(0)
    first = rng.standard_normal(SHAPE).astype(dtype)
    first[0, :4] = [np.nan, np.inf, -np.inf, 0.0]
    second = np.abs(rng.standard_normal(SHAPE[1:])).astype(dtype)  # broadcast over the rows, as a bias is
    second[1] = np.nan
    return {100: moved(first, namespace, 0), 101: moved(second, namespace, 0)}


def _eager(namespace, rows, values):
    """Each call of the group on its own, as eager runs them (the stand-in's ufuncs, NumPy's loops)."""
    values = dict(values)
    for slot, name, *operands in rows:
        with np.errstate(all="ignore"):
            values[slot] = getattr(namespace, name)(*[values[o] if o.__class__ is int and o >= 100 else o
                                                    for o in operands])
    return values


@pytest.mark.parametrize("kind", ["stand-in", pytest.param("gpu", marks=pytest.mark.gpu)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_the_generated_kernel_computes_the_group_bit_for_bit(name, dtype, kind):
    rows = GROUPS[name]
    with _cuda(kind) as namespace:
        values = _eager(namespace, rows, _inputs(namespace, dtype))
        instructions = [_call(namespace, *row) for row in rows]
        last, first = rows[-1][0], rows[0][0]
        fused = fuse(instructions, values, keep={last, first})
        assert len(fused) == 1 and fused[0].__class__ is Fused, [i.name for i in fused]
        group = fused[0].fn
        assert isinstance(group, cuda_fusion.GpuGroup) and fused[0].slots == (first, last)
        in_params, out_params, operation = group.source
        c_type = cuda_fusion.C_TYPES[np.dtype(dtype).name]
        read = [slot for slot in (100, 101) if any(slot in row[2:] for row in rows)]
        assert in_params == ", ".join(f"{c_type} i{slot}" for slot in read)
        assert out_params == f"{c_type} o{first}, {c_type} o{last}"
        assert len(operation.splitlines()) == len(rows) + 2  # one statement a call, then the two outputs
        results = group(*(values[ref.slot] for ref in fused[0].operands))
    for slot, result in zip(fused[0].slots, results):
        expected = values[slot]
        assert type(result) is type(expected) and result.dtype == expected.dtype and result.shape == expected.shape
        assert to_host(result).tobytes() == to_host(expected).tobytes(), f"slot {slot}"


def test_the_source_names_inputs_outputs_and_types():
    instructions = [_standin_call(200, "multiply", 100, 0.1), _standin_call(201, "exp", 200),
                    _standin_call(202, "maximum", 201, -np.inf)]
    dtypes = dict.fromkeys([100, 200, 201, 202], np.dtype("float32"))
    assert cuda_fusion.kernel_source(instructions, [100], [200, 202], dtypes) == (
        "float i100", "float o200, float o202",
        "float t200 = i100 * 0.10000000149011612f;\n"  # 0.1 rounded to float32 first, as NumPy and CuPy round it
        "float t201 = exp(t200);\n"
        "float t202 = nan_maximum(t201, (-INFINITY));\n"
        "o200 = t200;\no202 = t202;")
    dtypes = dict.fromkeys([100, 200, 201, 202], np.dtype("float64"))
    assert cuda_fusion.kernel_source(instructions[:1], [100], [200], dtypes)[2].splitlines()[0] == \
        "double t200 = i100 * 0.1;"


def test_groups_without_a_c_expression_or_one_float_dtype_run_as_separate_calls():
    f32, f64, i64 = np.dtype("float32"), np.dtype("float64"), np.dtype("int64")
    add, arctan2 = _standin_call(200, "add", 100, 101), _standin_call(200, "arctan2", 100, 101)
    assert cuda_fusion.can_generate([add], {100: f32, 101: f32, 200: f32})
    assert not cuda_fusion.can_generate([arctan2], {100: f64, 101: f64, 200: f64})
    assert not cuda_fusion.can_generate([add], {100: i64, 101: i64, 200: i64})
    assert not cuda_fusion.can_generate([add], {100: f32, 101: f64, 200: f64})
    assert not cuda_fusion.can_generate([_standin_call(200, "add", 100, True)], {100: f32, 200: f32})
    cupy_add = type("ufunc", (), {"__name__": "cupy_add"})()  # CuPy names its ufuncs so
    assert cuda_fusion.operation_name(cupy_add) == "add"


def test_a_group_on_the_cpu_is_not_a_gpu_group():
    values = {100: np.ones(SHAPE), 101: np.ones(SHAPE[1:])}
    values.update({200: values[100] * values[101], 201: np.exp(values[100] * values[101])})
    instructions = [Call(200, np.multiply, (SlotRef(100), SlotRef(101)), None, "MulBackward0", "test"),
                    Call(201, np.exp, (SlotRef(200),), None, "ExpBackward0", "test")]
    (fused,) = fuse(instructions, values, keep={201})
    assert not isinstance(fused.fn, cuda_fusion.GpuGroup)


def test_compile_with_tensors_on_a_cuda_device_runs_eagerly_with_one_warning(cuda_standin):
    def step(x, b):
        loss = (chainrule.tanh(x * b + 1.0) * x).sum()
        loss.backward()
        return loss

    def made_inside():
        return (chainrule.ones(3, device="cuda") * 2.0).sum()

    x, b = chainrule.ones(4, 3, device="cuda"), chainrule.ones(3, device="cuda", requires_grad=True)
    for fn, args, reason in ((step, (x, b), "a tensor on cuda:0 is passed"), (made_inside, (), "a tensor on cuda")):
        compiled = chainrule.compile(fn)
        with pytest.warns(UserWarning, match=f"runs eagerly: .*{reason}.*compiled replays run on the CPU only"):
            first = compiled(*args)
        b.grad = None
        assert first.device.type == "cuda" and first.item() == fn(*args).item()
        b.grad = None
        assert compiled(*args).item() == first.item() and compiled.replays == 0
