"""Fused elementwise groups on a GPU: one ``ElementwiseKernel`` per group, generated from the plan.

On a GPU, eager runs one kernel per op, each reading and writing the whole array. A group of
elementwise calls (``fusion.fuse`` finds it) becomes one kernel that reads each input element once,
keeps the intermediate values in registers and writes only the values needed after the group.

The tolerance story. Every operation is written as the expression CuPy's own ufunc computes for
float32 and float64: the same operator, the same CUDA math function, maximum and minimum with CuPy's
nan rule, Python numbers rounded to the group's dtype first (as NumPy and CuPy cast them). The
kernel is compiled with ``--fmad=false``, so ``a * b + c`` is not contracted into one fused
multiply-add: each operation rounds once, as the separate eager kernels do, and the group is meant
to match eager bit for bit. As everywhere in compile, a plan is checked against eager when it is
made, and one that differs is not used, so a GPU difference costs speed, never a different answer.

The kernel comes from the device's runtime (``fused_kernel``): CuPy compiles it on a GPU; the
tests' CPU stand-in device runs the same operation text over NumPy arrays.

Only groups whose values all have one dtype, float32 or float64, and whose calls are in
``OPERATIONS`` are generated; other groups run as separate calls.
"""

import struct

from .._array import is_array, namespace_of

__all__ = ["OPERATIONS", "C_TYPES", "PREAMBLE", "OPTIONS", "operation_name", "on_gpu", "can_generate",
           "kernel_source", "GpuGroup"]

# ufunc name -> C expression over its operands ({0}, {1}), as CuPy's kernel for float32/float64 computes it
OPERATIONS = {
    "add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}", "true_divide": "{0} / {1}",
    "divide": "{0} / {1}", "negative": "-{0}", "exp": "exp({0})", "log": "log({0})", "tanh": "tanh({0})",
    "sqrt": "sqrt({0})", "sin": "sin({0})", "cos": "cos({0})", "log1p": "log1p({0})", "expm1": "expm1({0})",
    "absolute": "fabs({0})", "abs": "fabs({0})",
    "maximum": "nan_maximum({0}, {1})", "minimum": "nan_minimum({0}, {1})",
}
C_TYPES = {"float32": "float", "float64": "double"}
# CuPy's maximum/minimum give nan when either operand is nan (CUDA's max/min alone would drop it)
PREAMBLE = """#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
template <typename T> __device__ T nan_maximum(T a, T b) { return (isnan(a) | isnan(b)) ? T(NAN) : T(max(a, b)); }
template <typename T> __device__ T nan_minimum(T a, T b) { return (isnan(a) | isnan(b)) ? T(NAN) : T(min(a, b)); }
"""
OPTIONS = ("--fmad=false",)


def operation_name(fn):
    """The NumPy name of an elementwise function of any namespace (CuPy's ufuncs are named ``cupy_add``)."""
    name = getattr(fn, "__name__", "")
    return name[5:] if name.startswith("cupy_") else name


def on_gpu(fn, value):
    """Whether ``fn`` has a C expression here and computed ``value``, an array on a CUDA device."""
    return operation_name(fn) in OPERATIONS and is_array(value) and namespace_of(value).device_type == "cuda"


def can_generate(instructions, dtypes):
    """Whether every call of the group has a C expression and every value has the group's one dtype,
    float32 or float64 (so no C promotion can differ from NumPy's), and every constant is a number."""
    dtype = str(dtypes[instructions[0].slot])
    if dtype not in C_TYPES:
        return False
    for instruction in instructions:
        if operation_name(instruction.fn) not in OPERATIONS or str(dtypes[instruction.slot]) != dtype:
            return False
        for ref in instruction.operands:
            if hasattr(ref, "slot") and str(dtypes[ref.slot]) != dtype:
                return False
            if hasattr(ref, "value") and ref.value.__class__ not in (int, float):
                return False
    return True


def _literal(value, c_type):
    """A Python number as a C constant of the group's type (NumPy casts the number to the array's dtype first)."""
    value = float(value)
    if c_type == "float":
        value = struct.unpack("<f", struct.pack("<f", value))[0]  # rounded to float32, as NumPy does
    if value != value:
        return "NAN"
    if value in (float("inf"), float("-inf")):
        return "INFINITY" if value > 0 else "(-INFINITY)"
    text = repr(value)
    return f"{text}f" if c_type == "float" else text


def kernel_source(instructions, inputs, outputs, dtypes):
    """``(in_params, out_params, operation)`` for an ``ElementwiseKernel``: inputs ``i<slot>``, outputs
    ``o<slot>``, each intermediate a local ``t<slot>`` of its C type, computed in the plan's order."""
    in_params = ", ".join(f"{C_TYPES[str(dtypes[s])]} i{s}" for s in inputs)
    out_params = ", ".join(f"{C_TYPES[str(dtypes[s])]} o{s}" for s in outputs)
    names = {s: f"i{s}" for s in inputs}
    lines = []
    for instruction in instructions:
        slot = instruction.slot
        c_type = C_TYPES[str(dtypes[slot])]
        args = [names[ref.slot] if hasattr(ref, "slot") else _literal(ref.value, c_type)
                for ref in instruction.operands]
        lines.append(f"{c_type} t{slot} = {OPERATIONS[operation_name(instruction.fn)].format(*args)};")
        names[slot] = f"t{slot}"
    lines += [f"o{s} = t{s};" for s in outputs]
    return in_params, out_params, "\n".join(lines)


class GpuGroup:
    """One generated kernel for a group, made by the device's runtime and cached by its source; inputs of
    smaller shapes broadcast, as in eager."""

    _kernels = {}

    def __init__(self, instructions, inputs, outputs, dtypes, shape, namespace):
        self.source = kernel_source(instructions, inputs, outputs, dtypes)
        self.outputs = outputs
        self.shape = shape
        self.output_dtypes = [dtypes[s] for s in outputs]
        self.empty = namespace.empty
        key = (namespace.name, self.source)
        kernel = self._kernels.get(key)
        if kernel is None:
            kernel = self._kernels[key] = namespace.runtime.fused_kernel(
                *self.source, name="chainrule_fused", preamble=PREAMBLE, options=OPTIONS)
        self.kernel = kernel

    def __call__(self, *inputs):
        outs = [self.empty(self.shape, dtype) for dtype in self.output_dtypes]
        self.kernel(*inputs, *outs)
        return outs[0] if len(outs) == 1 else tuple(outs)
