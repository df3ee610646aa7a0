"""Products built from the basic ones: ``einsum tensordot inner outer kron cross matrix_power multi_dot``,
and ``matrix_exp``, the exponential series of matrix products.

``einsum`` is one node: its forward is one ``einsum`` call (of the operands' namespace) and the
gradient for each operand is again an einsum, of the incoming gradient with the other operands.
``tensordot``, ``inner``, ``outer``, ``kron``, ``matrix_power`` and ``multi_dot`` are compositions of
reshapes, products and permutations, as in PyTorch, so their graphs (and backward node names) are
PyTorch's.
"""

import functools
import math

from .._array import NUMPY, host_values, namespace_of
from .._dtype import float16
from .._errors import argument_type_error, warn_once
from .._tensor import Tensor, _wrap_dim, make_tensor
from ._broadcast import broadcast_error
from ._arguments import check_tensor_sequence, check_tensors, int_argument, missing_attribute, not_a_tensor
from ._op import conjugate, derivative, record
from .linalg.checks import FLOAT16, check_matrix, refuse_float16
from .linalg.solvers import inv
from .matmul import dtype_cpp_name, dtype_name, matmul, mm, vdot
from .pointwise_base import no_kernel_error, write_out
from .shape import UnsafeViewBackward0
from .._float_errors import silent_float_errors

__all__ = ["einsum", "tensordot", "inner", "outer", "ger", "kron", "cross", "linalg_cross", "matrix_power",
           "matrix_exp", "multi_dot", "vecdot"]

FUNCTIONS = ["einsum", "tensordot", "inner", "outer", "ger", "kron", "cross", "matrix_power", "matrix_exp"]
METHODS = ["inner", "outer", "ger", "kron", "cross", "matrix_power", "matrix_exp"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LABEL_COUNT = len(_LETTERS)  # NumPy's sublist labels are 0..51


# ---------------------------------------------------------------- einsum: parsing
def _parse_operand(text, start, operand, ndim):
    """Labels of one operand's subscripts; ``None`` stands where the ellipsis is."""
    labels = []
    i = 0
    while i < len(text):
        if text.startswith("...", i):
            labels.append(None)
            i += 3
            continue
        char = text[i]
        if char not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {start + i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        labels.append(_LETTERS.index(char))
        i += 1
    if operand is None:  # the output: its ellipsis covers every broadcast dimension
        return labels
    explicit = len(labels) - labels.count(None)
    if None not in labels and explicit != ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({explicit}) does not match the "
                           f"number of dimensions ({ndim}) for operand {operand} and no ellipsis was given")
    if None in labels and explicit > ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({explicit}) is more than the "
                           f"number of dimensions ({ndim}) for operand {operand}")
    return labels


def _expand_ellipsis(labels, ndim, ellipsis_labels):
    if None not in labels:
        return labels
    at = labels.index(None)
    count = ndim - (len(labels) - 1)
    covered = ellipsis_labels[len(ellipsis_labels) - count:] if count else []
    return labels[:at] + covered + labels[at + 1:]


def _parse_equation(equation, arrays):
    """Integer labels for every operand and for the output, with ellipses spelled out."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    parts = inputs.split(",")
    if len(parts) > len(arrays):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(parts) < len(arrays):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    operand_labels = []
    start = 0
    for n, (part, array) in enumerate(zip(parts, arrays)):
        operand_labels.append(_parse_operand(part, start, n, array.ndim))
        start += len(part) + 1
    used = {label for labels in operand_labels for label in labels if label is not None}
    ellipsis_ndim = max((a.ndim - len(ls) + 1 for ls, a in zip(operand_labels, arrays) if None in ls), default=0)
    ellipsis_labels = [label for label in range(_LABEL_COUNT) if label not in used][:ellipsis_ndim]
    operand_labels = [_expand_ellipsis(ls, a.ndim, ellipsis_labels) for ls, a in zip(operand_labels, arrays)]
    if arrow:
        out = _parse_operand(output, start + 2, None, None)
        for label in out:
            if label is not None and label not in used:
                raise RuntimeError(f"einsum(): output subscript {_LETTERS[label]} does not appear in the equation "
                                   "for any input operand")
            if label is not None and out.count(label) > 1:
                raise RuntimeError(f"einsum(): output subscript {_LETTERS[label]} appears more than once in the "
                                   "output")
        out = _expand_ellipsis(out, len(out) - 1 + ellipsis_ndim, ellipsis_labels)
    else:
        counts = {}
        for labels in operand_labels:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        out = ellipsis_labels + sorted(label for label in used if counts[label] == 1)
    return operand_labels, out


def _check_sizes(arrays, operand_labels):
    sizes = {}
    for n, (array, labels) in enumerate(zip(arrays, operand_labels)):
        seen = {}
        for label, size in zip(labels, array.shape):
            if label in seen and seen[label] != size:
                raise RuntimeError(f"einsum(): subscript {_LETTERS[label]} is repeated for operand {n} but the sizes "
                                   f"don't match, {size} != {seen[label]}")
            seen[label] = size
            known = sizes.get(label)
            if known is None or known == 1:
                sizes[label] = size
            elif size != known and size != 1:
                raise RuntimeError(f"einsum(): subscript {_LETTERS[label]} has size {size} for operand {n} which "
                                   f"does not broadcast with previously seen size {known}")


# ---------------------------------------------------------------- einsum: the node
def _einsum_grad(index, grad, *saved):
    """Gradient for operand ``index``: the einsum of ``grad`` with every other operand.

    Labels of this operand that appear nowhere else are restored with a ones vector; a label it
    repeats (a diagonal) is restored with an identity matrix over a fresh label.
    """
    operands, (operand_labels, out_labels) = saved[:-2], saved[-2:]
    target = operand_labels[index]
    shape = operands[index].shape
    terms = [grad] + [conjugate(op) for n, op in enumerate(operands) if n != index]
    term_labels = [out_labels] + [ls for n, ls in enumerate(operand_labels) if n != index]
    present = {label for labels in term_labels for label in labels}
    fresh = iter(label for label in range(_LABEL_COUNT) if label not in present and label not in target)
    dtype = grad._data.dtype
    xp = namespace_of(grad._data)
    result_labels = []
    for label, size in zip(target, shape):
        if label in result_labels:
            diagonal = next(fresh)
            terms.append(make_tensor(xp.eye(size, dtype=dtype)))
            term_labels.append([label, diagonal])
            result_labels.append(diagonal)
            continue
        if label not in present:
            terms.append(make_tensor(xp.ones(size, dtype=dtype)))
            term_labels.append([label])
            present.add(label)
        result_labels.append(label)
    return einsum_labels(terms, term_labels, result_labels)


_einsum_nodes = {}


def _einsum_node(name, count):
    """The node class for an einsum of ``count`` operands (one vjp per operand)."""
    node = _einsum_nodes.get((name, count))
    if node is None:
        vjps = [functools.partial(_einsum_grad, i) for i in range(count)]
        saves = tuple(f"operand{i}" for i in range(count))
        node = _einsum_nodes[name, count] = derivative(name, *vjps, saves=saves, op=f"{name}/{count}")
    return node


def _node_name(operand_labels, out_labels):
    """PyTorch's last step: a permute or a sum for one operand, a product or a reshaped bmm for more."""
    summed = any(label not in out_labels for labels in operand_labels for label in labels)
    if len(operand_labels) == 1:
        return "SumBackward1" if summed else "PermuteBackward0"
    return "ViewBackward0" if summed else "MulBackward0"


def _worth_optimizing(arrays, operand_labels):
    """The contraction search pays off (BLAS instead of einsum's own loops) only on larger products."""
    if len(arrays) == 1:
        return False
    sizes = {}
    for array, labels in zip(arrays, operand_labels):
        sizes.update(zip(labels, array.shape))
    return math.prod(sizes.values()) > 4096


def einsum_labels(operands, operand_labels, out_labels):
    """The einsum of tensors whose dimensions are named by integer labels."""
    arrays = [op._data for op in operands]
    xp = namespace_of(arrays[0])
    if arrays[0].dtype.kind == "b":
        arrays = _bool_einsum_operands(xp, arrays, operand_labels, out_labels)
    half = arrays[0].dtype is float16.np  # contracted in float32 and rounded once, as PyTorch's matmul does
    if half:
        arrays = [a.astype(xp.float32) if a.dtype == xp.float16 else a for a in arrays]
    interleaved = [x for pair in zip(arrays, operand_labels) for x in pair]
    result = xp.einsum(*interleaved, out_labels, optimize=_worth_optimizing(arrays, operand_labels))
    if half:
        with xp.errstate(over="ignore"):
            result = result.astype(xp.float16)
    node = _einsum_node(_node_name(operand_labels, out_labels), len(operands))
    return record(result, node, tuple(operands), tuple(operands), (operand_labels, out_labels))


def _bool_einsum_operands(xp, arrays, operand_labels, out_labels):
    """PyTorch's einsum of bools: a contraction over a dimension longer than 1 goes to its bool-less ``bmm``
    (refused); a sum over one operand's dimension counts, in int64 (with several operands, over a dimension
    longer than 1: shorter ones are squeezed)."""
    sizes = {label: a.shape[i] for a, labels in zip(arrays, operand_labels) for i, label in enumerate(labels)}
    summed = {label for labels in operand_labels for label in labels} - set(out_labels)
    shared = {label for label in summed if sum(label in labels for labels in operand_labels) > 1}
    if any(sizes[label] > 1 for label in shared):
        raise no_kernel_error("bmm", arrays[0].dtype)
    counted = summed if len(arrays) == 1 else {label for label in summed - shared if sizes[label] > 1}
    return [a.astype(xp.int64) for a in arrays] if counted else arrays


def _sublist_equation(args):
    """``einsum(op0, [0, 1], op1, [1, 2], [0, 2])``: the operands and an equation for them."""
    has_output = len(args) % 2 == 1
    body = args[:-1] if has_output else args
    operands, sublists = list(body[0::2]), list(body[1::2])
    output = args[-1] if has_output else None

    def letter(subscript):
        """PyTorch's Python compares each subscript with 0 and 52 (a tensor answers as a tensor would)."""
        if subscript is Ellipsis:
            return "..."
        if subscript >= 0 and subscript < 52:
            return _LETTERS[subscript]
        raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")

    def spell(sublist):
        return "".join(map(letter, sublist))

    equation = ",".join(spell(s) for s in sublists)
    if output is not None:
        equation += "->" + spell(output)
    return equation, operands


_parsed_equations = {}


def einsum(*args):
    """Einstein summation over the operands, named by an equation such as ``'ij,jk->ik'``."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if isinstance(args[0], Tensor):
        equation, operands = _sublist_equation(args)
    else:
        equation, operands = args[0], list(args[1:])
        if not isinstance(equation, str):
            raise argument_type_error("einsum", "equation", 1, "str", equation)
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    check_tensor_sequence("einsum", operands, "tensors", 2)
    arrays = [op._data for op in operands]
    key = (equation, tuple(a.ndim for a in arrays))
    parsed = _parsed_equations.get(key)
    if parsed is None:
        parsed = _parsed_equations[key] = _parse_equation(equation, arrays)
    operand_labels, out_labels = parsed
    _check_sizes(arrays, operand_labels)
    first = arrays[0].dtype
    for array in arrays[1:]:
        if array.dtype != first and first.kind == "b":
            raise no_kernel_error("bmm", first)
        if array.dtype != first:
            raise RuntimeError(f"expected scalar type {dtype_name(arrays[0])} but found {dtype_name(array)}")
    return einsum_labels(operands, operand_labels, out_labels)


# ---------------------------------------------------------------- tensordot / inner
def _contracted_dims(dims, a, b):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if not isinstance(dims, (int, tuple, list)) or isinstance(dims, bool) or \
            (not isinstance(dims, int) and len(dims) != 2):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    return dims_a, dims_b


def tensordot(a, b, dims=2, out=None):
    """Sum of products over ``dims`` of ``a`` and ``b``: both folded into matrices and multiplied."""
    for operand in (a, b):
        if not isinstance(operand, Tensor):
            raise missing_attribute(operand, "dim")
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    dims_a, dims_b = _contracted_dims(dims, x, y)
    for da, db in zip(dims_a, dims_b):
        size_a, size_b = x.shape[_wrap_dim(da, x.ndim)], y.shape[_wrap_dim(db, y.ndim)]
        if size_a != size_b:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {size_a} in dim {da} and "
                               f"second has size {size_b} in dim {db}")
    dims_a = [_wrap_dim(d, x.ndim) for d in dims_a]
    dims_b = [_wrap_dim(d, y.ndim) for d in dims_b]
    free_a = [d for d in range(x.ndim) if d not in dims_a]
    free_b = [d for d in range(y.ndim) if d not in dims_b]
    inner_size = math.prod(x.shape[d] for d in dims_a)
    rows = math.prod(x.shape[d] for d in free_a)
    cols = math.prod(y.shape[d] for d in free_b)
    left = a.permute(free_a + dims_a).reshape(rows, inner_size)
    right = b.permute(dims_b + free_b).reshape(inner_size, cols)
    product = mm(left, right).reshape([x.shape[d] for d in free_a] + [y.shape[d] for d in free_b])
    return write_out(product, out, "tensordot")


def inner(input, other, *, out=None):
    """Sum of products over the last dimension of both (a product when either is 0-d)."""
    try:
        x, y = input._data, other._data
    except AttributeError:
        raise not_a_tensor("inner", ("input", input), ("other", other)) from None
    if x.ndim and y.ndim and x.shape[-1] != y.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(x.shape)} and {list(y.shape)}")
    result = input * other if x.ndim == 0 or y.ndim == 0 else tensordot(input, other, ([-1], [-1]))
    return write_out(result, out, "inner")


# ---------------------------------------------------------------- outer / kron
def outer(input, vec2, *, out=None):
    """``input[i] * vec2[j]``: a column times a row."""
    if not isinstance(input, Tensor) or not isinstance(vec2, Tensor):
        raise not_a_tensor("outer", ("input", input), ("vec2", vec2))
    for name, value in (("self", input), ("vec2", vec2)):
        if value._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {value._data.ndim}-D")
    return write_out(input.reshape(input._data.shape[0], 1) * vec2, out, "outer")


ger = outer


def kron(input, other, *, out=None):
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    try:
        x, y = input._data, other._data
    except AttributeError:
        raise not_a_tensor("kron", ("input", input), ("other", other)) from None
    ndim = max(x.ndim, y.ndim)
    shape_a = (1,) * (ndim - x.ndim) + x.shape
    shape_b = (1,) * (ndim - y.ndim) + y.shape
    interleaved_a = [s for size in shape_a for s in (size, 1)]
    interleaved_b = [s for size in shape_b for s in (1, size)]
    product = input.reshape(interleaved_a) * other.reshape(interleaved_b)
    shape = tuple(p * q for p, q in zip(shape_a, shape_b))
    result = record(product._data.reshape(shape), UnsafeViewBackward0, (product,), (), (product._data.shape,))
    return write_out(result, out, "kron")


# ---------------------------------------------------------------- cross
def _cross_grad_input(grad, self, other, dim):
    return linalg_cross(conjugate(other), grad, dim=dim)


def _cross_grad_other(grad, self, other, dim):
    return linalg_cross(grad, conjugate(self), dim=dim)


LinalgCrossBackward0 = derivative("LinalgCrossBackward0", _cross_grad_input, _cross_grad_other, saves="self other")


@silent_float_errors
def linalg_cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim``, broadcast over the other dimensions."""
    check_tensors("linalg_cross", ("input", input), ("other", other))
    x, y = input._data, other._data
    if x.ndim != y.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    axis = _wrap_dim(dim, x.ndim)
    if x.shape[axis] != 3 or y.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {x.shape[axis]} and "
                           f"{y.shape[axis]}")
    try:
        NUMPY.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise broadcast_error(x.shape, y.shape) from None
    if x.dtype.kind == "b":
        raise no_kernel_error("cross", x.dtype)
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected scalar type {dtype_name(x)} but found {dtype_name(y)}")
    product = namespace_of(x).cross(x, y, axis=axis)
    result = record(product, LinalgCrossBackward0, (input, other), (input, other), (axis,))
    return write_out(result, out, "linalg_cross")


def cross(input, other, dim=None, *, out=None):
    """``torch.cross``: without ``dim``, the first dimension of size 3 (deprecated, and it warns)."""
    check_tensors("cross", ("input", input), ("other", other))
    if dim is None:
        warn_once("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                  "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree with "
                  "that of linalg.cross in a future release.")
        dim = next((d for d, size in enumerate(input._data.shape) if size == 3), None)  # the input's, unbroadcast
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return write_out(linalg_cross(input, other, dim=dim), out, "cross")


# ---------------------------------------------------------------- matrix_power / multi_dot / vecdot
def matrix_power(input, n, *, out=None):
    """``input`` multiplied by itself ``n`` times (its inverse when ``n`` is negative), by squaring."""
    return write_out(_matrix_power(input, n), out, "linalg_matrix_power")


def _matrix_power(input, n):
    check_tensors("linalg_matrix_power", ("input", input))
    n = int_argument("linalg_matrix_power", "n", 2, n)
    a = input._data
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {a.shape[-2]} "
                           f"by {a.shape[-1]} matrices")
    if n == 0:
        xp = namespace_of(a)
        identity = make_tensor(xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape))
        return input.clone().copy_(identity)
    if n == 1:
        return input.clone()
    if n < 0:
        check_matrix("linalg.inv", input)
        input, n = inv(input), -n
        if n == 1:
            return input
    if n == 2:
        return matmul(input, input)
    if n == 3:
        return matmul(matmul(input, input), input)
    result, square = None, None
    while n:
        square = input if square is None else matmul(square, square)
        if n % 2:
            result = square if result is None else matmul(result, square)
        n //= 2
    return result


def _chain_order(sizes):
    """The cheapest parenthesisation of a chain of matrices with ``sizes[i] x sizes[i + 1]``."""
    count = len(sizes) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(matrices, split, i, j):
    """The product of ``matrices[i..j]`` in ``split``'s order, with an explicit stack (no recursion)."""
    results = {}
    stack = [(i, j, False)]
    while stack:
        lo, hi, ready = stack.pop()
        if lo == hi:
            results[lo, hi] = matrices[lo]
        elif ready:
            k = split[lo][hi]
            results[lo, hi] = mm(results.pop((lo, k)), results.pop((k + 1, hi)))
        else:
            k = split[lo][hi]
            stack += [(lo, hi, True), (lo, k, False), (k + 1, hi, False)]
    return results[i, j]


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices (the first and last may be vectors), in the cheapest order."""
    check_tensor_sequence("linalg_multi_dot", tensors)
    tensors = list(tensors)
    count = len(tensors)
    if count < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {count}")
    for i, t in enumerate(tensors):
        ndim = t._data.ndim
        if i == 0 and ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {ndim}D")
        if i == count - 1 and ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {ndim}D")
        if 0 < i < count - 1 and ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ndim}D")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{dtype_cpp_name(tensors[0]._data)} and tensor {i} {dtype_cpp_name(t._data)}")
    first_vector, last_vector = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    if first_vector:
        tensors[0] = tensors[0].unsqueeze(0)
    if last_vector:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    for i in range(count - 1):
        left, right = tensors[i]._data.shape, tensors[i + 1]._data.shape
        if left[1] != right[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(left)} and {list(right)} "
                               "cannot be multiplied")
    sizes = [tensors[0]._data.shape[0]] + [t._data.shape[1] for t in tensors]
    result = _chain_product(tensors, _chain_order(sizes), 0, count - 1)
    shape = ([] if first_vector else [sizes[0]]) + ([] if last_vector else [sizes[-1]])
    return write_out(result.view(shape), out, "multi_dot")


def vecdot(x, y, *, dim=-1, out=None):
    """Dot products of vectors along ``dim`` (the first conjugated), broadcast over the other dimensions."""
    check_tensors("linalg_vecdot", ("x", x), ("y", y))
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype.scalar_type_name}")
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype.scalar_type_name} and y of type {y.dtype.scalar_type_name} instead")
    result = vdot(x, y) if x._data.ndim == 1 and y._data.ndim == 1 else (conjugate(x) * y).sum(dim)
    return write_out(result, out, "linalg_vecdot")


# ---------------------------------------------------------------- matrix_exp
_PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
            10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_PADE_13_REACH = 5.371920351148152  # the largest 1-norm the degree-13 approximant handles unscaled


@silent_float_errors
def _expm_array(a):
    """``exp(a)`` by scaling and squaring a degree-13 Padé approximant (Higham's method), batched."""
    if a.size == 0:
        return a.copy()
    xp = namespace_of(a)
    b = _PADE_13
    norm = xp.abs(a).sum(-2).max(-1)  # each matrix is scaled on its own, so a stack gives each one's exp
    squarings = xp.ceil(xp.log2(xp.maximum(norm, _PADE_13_REACH) / _PADE_13_REACH))
    squarings = xp.where(xp.isfinite(squarings), squarings, 0)  # nan and inf stay nan without squaring
    a = a / (2.0 ** squarings)[..., None, None]
    identity = xp.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * identity)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * identity
    result = xp.linalg.solve(v - u, v + u)
    for round in range(int(host_values(squarings).max())):
        result = xp.where((round < squarings)[..., None, None], result @ result, result)
    return result.astype(a.dtype, copy=False)


def _matrix_exp_grad(grad, self):
    """The upper right block of ``exp([[A^H, grad], [0, A^H]])``: the derivative of the exponential."""
    n = self.shape[-1]
    dtype = self._data.dtype
    xp = namespace_of(self._data)
    top, bottom = make_tensor(xp.eye(n, 2 * n, dtype=dtype)), make_tensor(xp.eye(n, 2 * n, n, dtype=dtype))
    self_t = conjugate(self.transpose(-2, -1))
    block = top.t() @ self_t @ top + top.t() @ grad @ bottom + bottom.t() @ self_t @ bottom
    return top @ matrix_exp(block) @ bottom.t()


LinalgMatrixExpBackward0 = derivative("LinalgMatrixExpBackward0", _matrix_exp_grad, saves="self")


def matrix_exp(A):
    """The matrix exponential ``sum A^k / k!`` of a square matrix (or of each in a batch)."""
    check_matrix("linalg.matrix_exp", A, float16=True)
    if A._data.dtype == FLOAT16 and A._data.size:  # PyTorch's float16 values are not ones to copy (see the docs)
        raise refuse_float16("linalg.matrix_exp")
    return record(_expm_array(A._data), LinalgMatrixExpBackward0, (A,), (A,))
