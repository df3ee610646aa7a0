"""Kernels: the array call a replay makes for one recorded op.

A builder runs once, while recording, with the op's actual operands; it returns the call that
reproduces the op's array work (specialised to the dtypes and shapes seen, so a replay takes no
decisions), or None when this case is not covered, which leaves the whole function eager. A builder
may also return a ``template``: the call written as a Python expression, which the generated replay
inlines. Every kernel is checked against the eager result before a plan is used (``plan.verify``),
so a builder that does not match eager bit for bit costs speed, never correctness.
"""

import numpy as np

from .._ops import arithmetic, copy, indexing, inplace, matmul, pointwise, reduction, shape
from ..nn.functional._windows import (Col2ImBackward0, Im2ColBackward0, _gather_flat_array, _scatter_flat_array,
                                      col2im_array, im2col_array)
from ..nn.functional.pooling import _MAX_POOL_NODES
from ..nn.functional.conv import ConvolutionBackward0, _bias_shape, _correlate, _correlate_transposed
from ..nn.functional.sampling import EmbeddingBackward0
from ..nn.functional.softmax import SoftmaxBackward0, _softmax_array
from .._ops._op import OUTPUT
from .._tensor import Tensor

__all__ = ["Kernel", "Constant", "build_kernel", "fresh_gradient", "slots_in", "slots_read", "slots_made",
           "ELEMENTWISE"]

ELEMENTWISE = set()  # kernels besides ufuncs whose output element i reads only element i of each input


class Kernel:
    """``fn(*operands)``; ``template`` is the same call as an expression over ``{0}``, ``{1}``, ..."""

    __slots__ = ("fn", "operands", "template")

    def __init__(self, fn, operands, template=None):
        self.fn = fn
        self.operands = tuple(operands)
        self.template = template


class Constant:
    """An array a kernel passes as a fixed operand (the replay binds it instead of reading a slot)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _operator(template, out):
    """``template`` when a Python operator computes exactly what eager's ufunc call did, else None.

    A replay runs 0-d values as NumPy scalars. For float32 and float64 their operators round exactly
    like the ufunc loops; complex scalar arithmetic is NumPy's own code and can differ in the last bit,
    and integer scalars warn on overflow where arrays wrap silently.
    """
    return template if out.dtype == np.float32 or out.dtype == np.float64 else None


def _array(value):
    return value._data if isinstance(value, Tensor) else None


def _same_kind_number(x, value):
    """A Python number NumPy combines with ``x`` exactly as eager's ``binary_arrays`` leaves it."""
    cls = value.__class__
    kind = x.dtype.kind
    return kind == "f" and (cls is float or cls is int) or kind in "iu" and cls is int


def _binary_operands(inputs):
    """The two operands when eager computed on them uncast, else None."""
    a, b = inputs
    x = _array(a)
    if x is None:
        return None
    y = _array(b)
    if y is not None:
        return (a, b) if x.dtype == y.dtype else None
    return (a, b) if _same_kind_number(x, b) else None


def _binary(template, ufunc):
    def build(out, inputs, saved, args):
        operands = _binary_operands(inputs)
        if operands is None:
            return None
        if args and args[0] != 1:  # add/sub with alpha: eager scales the second operand first
            return Kernel(_SCALED[ufunc], operands + (args[0],))
        return Kernel(ufunc, operands, _operator(template, out))
    return build


def _add_scaled(x, y, alpha):
    return np.add(x, y * alpha)


def _subtract_scaled(x, y, alpha):
    return np.subtract(x, y * alpha)


_SCALED = {np.add: _add_scaled, np.subtract: _subtract_scaled}


def _rsub(out, inputs, saved, args):
    (a,) = inputs
    alpha, number = args
    if alpha != 1 or not _same_kind_number(a._data, number):
        return None
    return Kernel(np.subtract, (number, a), _operator("{0} - {1}", out))


def _div(out, inputs, saved, args):
    operands = _binary_operands(inputs)
    if operands is None or _array(operands[0]).dtype.kind not in "fc":
        return None
    return Kernel(np.true_divide, operands, _operator("{0} / {1}", out))


def _neg(out, inputs, saved, args):
    return Kernel(np.negative, inputs, _operator("-{0}", out))


def _pow_number(out, inputs, saved, args):
    (a,) = inputs
    exponent = saved[1]
    x = a._data
    if x.dtype.kind not in "fc" or not _same_kind_number(x, exponent):
        return None
    if x.dtype == np.float32 or x.dtype == np.float64:
        # the number as a 0-d array of the base's dtype: the ufunc gets the same value (NumPy casts a Python
        # number to the array's float dtype) and skips resolving a Python scalar, which halves the call
        exponent = Constant(np.array(exponent, dtype=x.dtype))
    return Kernel(np.power, (a, exponent))


def _sum(out, inputs, saved, args):
    (a,) = inputs
    x = a._data
    if x.dtype.kind not in "fc" or x.dtype == np.float16 or out.dtype != x.dtype:
        return None
    axes, keepdim = args[1], args[2]
    if len(axes) == x.ndim and not keepdim:
        return Kernel(np.sum, (a,))
    return Kernel(_sum_axes, (a, axes, keepdim))


def _sum_axes(x, axes, keepdim):
    return np.sum(x, axis=axes, keepdims=keepdim)


def _mean(out, inputs, saved, args):
    (a,) = inputs
    x = a._data
    if x.dtype not in (np.float32, np.float64) or out.dtype != x.dtype or x.size == 0:
        return None
    axes, keepdim = args[1], args[2]
    if len(axes) == x.ndim and not keepdim:
        return Kernel(np.mean, (a,))
    return Kernel(_mean_axes, (a, axes, keepdim))


def _mean_axes(x, axes, keepdim):
    return np.mean(x, axis=axes, keepdims=keepdim)


def _reshaped(out, inputs, saved, args):
    return Kernel(_reshape_view, (inputs[0], out.shape))


def _reshape_view(x, shape):
    view = np.asarray(x).view()
    view.shape = shape
    return view


def _expand(out, inputs, saved, args):
    return Kernel(np.broadcast_to, (inputs[0], out.shape))


def _unsqueeze(out, inputs, saved, args):
    return Kernel(np.expand_dims, (inputs[0], args[0]))


def _t(out, inputs, saved, args):
    return Kernel(np.transpose, inputs, "{0}.T")


def _transpose(out, inputs, saved, args):
    return Kernel(np.swapaxes, (inputs[0], args[0], args[1]))


def _permute(out, inputs, saved, args):
    return Kernel(np.transpose, (inputs[0], args[0]))


def _mm(out, inputs, saved, args):
    return Kernel(np.matmul, inputs, "{0} @ {1}")


def _addmm(out, inputs, saved, args):
    beta, alpha = saved[2], saved[3]
    if beta != 1 or alpha != 1:
        return None
    return Kernel(_addmm_kernel, inputs)


def _addmm_kernel(bias, mat1, mat2):
    product = mat1 @ mat2
    product += bias
    return product


def _where(out, inputs, saved, args):
    a, other = inputs
    (condition,) = saved
    x = _array(a)
    if x is None or not isinstance(condition, Tensor) or _binary_operands(inputs) is None or out.dtype != x.dtype:
        return None
    return Kernel(np.where, (condition, a, other))


def _zero(out, inputs, saved, args):
    return Kernel(np.zeros_like, inputs)


def _fill(out, inputs, saved, args):
    target, value = inputs
    return Kernel(np.full_like, (target, value))


def _copy(out, inputs, saved, args):
    target, source = inputs
    return Kernel(_copy_kernel, (source, out.shape, out.dtype))


def _copy_kernel(source, shape, dtype):
    return np.broadcast_to(source, shape).astype(dtype)


def _bmm(out, inputs, saved, args):
    a, b = inputs
    return Kernel(np.matmul, inputs) if a._data.dtype == b._data.dtype else None


def _select(out, inputs, saved, args):
    _, dim, index = args
    return Kernel(_index_kernel, (inputs[0], (slice(None),) * dim + (index, Ellipsis)))


def _slice(out, inputs, saved, args):
    _, dim, key = args
    return Kernel(_index_kernel, (inputs[0], (slice(None),) * dim + (key,)))


def _index_kernel(x, key):
    return x[key]


def _unsafe_view(out, inputs, saved, args):
    return Kernel(np.reshape, (inputs[0], out.shape))


def _clone(out, inputs, saved, args):
    return Kernel(np.copy, inputs)


def _softmax(out, inputs, saved, args):
    return Kernel(_softmax_array, (inputs[0], args[0]))


def _embedding(out, inputs, saved, args):
    indices, count, _, scale = args
    return None if scale is not None else Kernel(_embedding_kernel, (inputs[0], indices, count))


def _embedding_kernel(weight, indices, count):
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise IndexError("index out of range in self")
    return weight[indices]


def _convolution(out, inputs, saved, args):
    geometry, transposed = args
    if transposed:
        return Kernel(_transposed_convolution_kernel, inputs + (geometry, out.shape[2:]))
    return Kernel(_convolution_kernel, inputs + (geometry,))


def _convolution_kernel(x, w, bias, geometry):
    out = _correlate(x, w, geometry)
    if bias is not None:
        out += bias.reshape(_bias_shape(w.shape[0], len(geometry.kernel)))
    return out


def _transposed_convolution_kernel(x, w, bias, geometry, size):
    out = _correlate_transposed(x, w, geometry, size)
    if bias is not None:
        out += bias.reshape(_bias_shape(w.shape[1] * geometry.groups, len(geometry.kernel)))
    return out


def _im2col(out, inputs, saved, args):
    size, kernel, dilation, padding, stride = args
    unbatched = inputs[0]._data.ndim == len(kernel) + 1
    return Kernel(_im2col_kernel, (inputs[0], kernel, dilation, padding, stride, unbatched))


def _im2col_kernel(x, kernel, dilation, padding, stride, unbatched):
    cols = im2col_array(x[None] if unbatched else x, kernel, dilation, padding, stride)
    return cols[0] if unbatched else cols


def _col2im(out, inputs, saved, args):
    size, kernel, dilation, padding, stride = args
    unbatched = inputs[0]._data.ndim == 2
    return Kernel(_col2im_kernel, (inputs[0], size, kernel, dilation, padding, stride, unbatched))


def _col2im_kernel(cols, size, kernel, dilation, padding, stride, unbatched):
    out = col2im_array(cols[None] if unbatched else cols, size, kernel, dilation, padding, stride)
    return out[0] if unbatched else out


def _gather_flat(out, inputs, saved, args):
    index, _, rank, _ = args
    return Kernel(_gather_flat_array, (inputs[0], index, rank))


def _scatter_flat(out, inputs, saved, args):
    index, shape, rank = args
    return Kernel(_scatter_flat_array, (inputs[0], index, shape, rank))


_BUILDERS = {
    arithmetic.AddBackward0: _binary("{0} + {1}", np.add),
    arithmetic.SubBackward0: _binary("{0} - {1}", np.subtract),
    arithmetic.MulBackward0: _binary("{0} * {1}", np.multiply),
    arithmetic.DivBackward0: _div,
    arithmetic.NegBackward0: _neg,
    arithmetic.RsubBackward1: _rsub,
    arithmetic.PowBackward0: _pow_number,
    reduction.SumBackward0: _sum,
    reduction.SumBackward1: _sum,
    reduction.MeanBackward0: _mean,
    reduction.MeanBackward1: _mean,
    shape.ViewBackward0: _reshaped,
    shape.SqueezeBackward0: _reshaped,
    shape.ExpandBackward0: _expand,
    shape.UnsqueezeBackward0: _unsqueeze,
    shape.TBackward0: _t,
    shape.TransposeBackward0: _transpose,
    shape.PermuteBackward0: _permute,
    matmul.MmBackward0: _mm,
    matmul.AddmmBackward0: _addmm,
    pointwise.WhereBackward0: _where,
    inplace.ZeroBackward0: _zero,
    inplace.FillBackward2: _fill,
    inplace.CopyBackwards: _copy,
    matmul.BmmBackward0: _bmm,
    indexing.SelectBackward0: _select,
    indexing.SliceBackward0: _slice,
    shape.UnsafeViewBackward0: _unsafe_view,
    copy.CloneBackward0: _clone,
    SoftmaxBackward0: _softmax,
    EmbeddingBackward0: _embedding,
    ConvolutionBackward0: _convolution,
    Im2ColBackward0: _im2col,
    Col2ImBackward0: _col2im,
    matmul.FoldedMatmulBackward: _bmm,
    matmul.TransposedMatmulBackward: _bmm,
    matmul.TransposedMatmulCloneBackward: _bmm,
}
for _rank in (2, 3):  # max pooling gathers the window maxima; its gradient scatters them back
    _BUILDERS[_MAX_POOL_NODES[_rank][0]] = _gather_flat
    _BUILDERS[_MAX_POOL_NODES[_rank][1]] = _scatter_flat


def slots_in(refs):
    """The slots that operands read, nested ones included (``("n", type, refs)``: a tuple or list of operands)."""
    for ref in refs:
        if ref[0] == "s":
            yield ref[1]
        elif ref[0] == "n":
            yield from slots_in(ref[2])


def slots_read(instruction):
    """The slots a plan instruction reads (see ``recorder.Recording`` for the kinds)."""
    kind = instruction[0]
    if kind in ("op", "traced", "fused"):
        return list(slots_in(instruction[3]))
    if kind in ("add_into", "write"):
        return [instruction[1], instruction[2]]
    if kind == "grad":
        return [] if instruction[2] is None else [instruction[2]]
    return []


def slots_made(instruction):
    """The slots a plan instruction gives a value."""
    kind = instruction[0]
    if kind in ("load", "const"):
        return [instruction[1]]
    if kind in ("op", "traced", "fused"):
        return [s for s in instruction[1] if not isinstance(s, tuple)]  # a traced call's numbers are not slots
    return []


def fresh_gradient(grad, dtype):
    """The copy a gradient gets when it first lands on a leaf (AccumulateGrad): C-ordered, in the leaf's dtype."""
    return np.array(grad, dtype=dtype, order="C", copy=True)


ELEMENTWISE.update((np.where, _add_scaled, _subtract_scaled, fresh_gradient))


def build_kernel(out, node_class, inputs, saved, args):
    """The kernel that recomputes ``out``, or None when ``node_class`` has no builder for this case."""
    builder = _BUILDERS.get(node_class)
    if builder is None:
        array_fn = getattr(node_class, "array_fn", None)
        if array_fn is None or len(inputs) != 1 or not isinstance(inputs[0], Tensor):
            return None
        x = inputs[0]._data
        if x.dtype.kind not in "fc" or out.dtype != x.dtype:
            return None
        if node_class.elementwise:
            ELEMENTWISE.add(array_fn)
        return Kernel(array_fn, inputs)
    saved = tuple(None if value is OUTPUT else value for value in saved)
    return builder(out, inputs, saved, args)
