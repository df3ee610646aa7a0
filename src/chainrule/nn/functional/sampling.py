"""Padding, resizing, embedding lookup, one-hot encoding and pixel shuffling (``grid_sample`` and
``affine_grid`` are the family in ``_grid``).

Reflect, replicate and circular padding and nearest resizing pick, along each padded or resized
dim, which input position every output position copies; linear resizing mixes two neighbours and
bicubic four. Either way each dim is one map (an index array or a matrix) and the op is
``apply_maps``, whose vjp applies the transposed maps.
"""

import math
import warnings

from ..._array import INTEGER_TYPES, NUMPY, namespace_of
from ..._ops._arguments import int_argument
from ..._ops._kernel import Kernel, replays
from ..._ops._op import derivative, record, traced
from ..._ops.index_put import index_put_accumulate
from ..._ops.indexing import getitem
from ..._size import check_storage_size, int_list
from ..._tensor import make_tensor
from ..._ops.kernel_dtypes import check_kernel
from ..._ops.pointwise_base import no_kernel_error
from ._windows import apply_maps, constant_pad, maps_node
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

FUNCTIONS = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "embedding", "one_hot",
             "pixel_shuffle", "pixel_unshuffle"]
METHODS = []
SIGNATURES = {
    "pad": "Tensor input, int[] pad, str mode = 'constant', float? value = None",
    "embedding": "Tensor input, Tensor weight, int? padding_idx = None, float? max_norm = None, float norm_type = 2.0, "
                 "bool scale_grad_by_freq = False, bool sparse = False",
    "one_hot": "Tensor tensor, int num_classes = -1",
    "pixel_shuffle": "Tensor input, int upscale_factor", "pixel_unshuffle": "Tensor input, int downscale_factor",
}


# ---------------------------------------------------------------- pad
def _source_index(xp, size, before, after, mode):
    """For each output position along one dim, the input position it copies."""
    if mode == "circular":
        # crops come first; the wrap-around then repeats what is left
        start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)
        return xp.arange(-max(before, 0), kept + max(after, 0)) % kept + start
    position = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(position, 0, size - 1)
    period = 2 * (size - 1) if size > 1 else 1
    folded = xp.abs(position) % period
    return xp.where(folded >= size, period - folded, folded)


_PAD_NODES = {(mode, rank): maps_node(f"{name}{rank}DBackward0")
              for mode, name in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad"))
              for rank in (1, 2, 3)}
_CIRCULAR_NODE = maps_node("CopySlices", op="pad.circular", copied_slices=True)


def _check_mode_pads(x, pads, mode):
    rank = len(pads)
    if rank > 3 or x.ndim not in (rank + 1, rank + 2):
        raise NotImplementedError(
            f"Padding size {2 * rank} is not supported for {x.ndim}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D "
            "input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 "
            "dimensions)")
    out_sizes = [x.shape[x.ndim - rank + i] + b + a for i, (b, a) in enumerate(pads)]
    if mode == "circular" and any(n < 0 or n == 0 and b < 0 and a < 0 for n, (b, a) in zip(out_sizes, pads)):
        raise RuntimeError("Negative padding value is resulting in an empty dimension")
    if mode != "circular" and rank == 1 and out_sizes[0] < 1:
        raise RuntimeError(f"input (W: {x.shape[-1]}) is too small. Calculated output W: {out_sizes[0]}")
    if mode != "circular" and min(out_sizes) < 0:
        shape = list(x.shape[:x.ndim - rank]) + out_sizes
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out_sizes)}: {shape}")
    if mode != "circular" and rank == 2 and max(out_sizes) < 1:
        (h, w), (out_h, out_w) = x.shape[-2:], out_sizes
        raise RuntimeError(f"input (H: {h}, W: {w} ) is too small. Calculated output H: {out_h} W: {out_w}")
    for i, (before, after) in reversed(list(enumerate(pads))):  # PyTorch checks the last dim first
        dim = x.ndim - rank + i
        size = x.shape[dim]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #{2 * (rank - i) + 2}: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({before}, {after}) at dimension {dim} of input "
                               f"{list(x.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dims, last dim first in ``pad``."""
    x = input._data
    pad = int_list("pad", "pad", 2, (pad,))
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * x.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {x.ndim}")
    pairs = tuple((int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2))[::-1]
    sizes = x.shape[x.ndim - len(pairs):]
    _check_padded_sizes(x, sizes, pairs)
    if mode == "constant":
        if any(n + min(b, 0) < 0 or n + min(b, 0) + min(a, 0) < 0 for n, (b, a) in zip(sizes, pairs)):
            raise RuntimeError("narrow(): length must be non-negative.")
        return constant_pad(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_mode_pads(x, pairs, mode)
    if x.dtype.kind == "b" and mode != "circular":  # PyTorch's reflection and replication kernels take no bools
        kernel = "reflection" if mode == "reflect" else "replication"
        raise no_kernel_error(f"{kernel}_pad{len(pairs)}d", x.dtype)
    xp = namespace_of(x)
    maps = tuple(_source_index(xp, size, b, a, mode) for size, (b, a) in zip(x.shape[x.ndim - len(pairs):], pairs))
    node = _CIRCULAR_NODE if mode == "circular" else _PAD_NODES[mode, len(pairs)]
    return apply_maps(input, maps, node)


def _check_padded_sizes(x, sizes, pairs):
    """PyTorch adds the padding in 64-bit integers: a sum that wraps below zero is its negative-size error, and a
    padded tensor too large to address its storage-size error, both before any memory is asked for."""
    first = x.ndim - len(pairs)
    padded = list(x.shape[:first])
    for dim, (size, (before, after)) in enumerate(zip(sizes, pairs), start=first):
        total = (size + before + after + 2 ** 63) % 2 ** 64 - 2 ** 63
        if total < 0 and size + before + after >= 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {before} and {after} resulted in a "
                               f"negative output size, which is invalid. Check dimension {dim} of your input.")
        padded.append(max(total, 0))
    check_storage_size(padded, x.itemsize)


# ---------------------------------------------------------------- interpolate
_MODE_RANK = {"linear": 1, "bilinear": 2, "trilinear": 3}
_INTERPOLATING = "linear | bilinear | bicubic | trilinear"


def _output_sizes(spatial, size, scale_factor, recompute_scale_factor):
    """Output sizes and the per-dim scales (input over output) that place the samples."""
    rank = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = (int(size),) * rank if isinstance(size, INTEGER_TYPES) else tuple(int(s) for s in size)
        if len(sizes) != rank:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(spatial)} and output size of {tuple(size)}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             "...,oK) format.")
        return sizes, tuple(s / o if o else 0.0 for s, o in zip(spatial, sizes))
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = (float(scale_factor),) * rank if isinstance(scale_factor, (int, float)) else \
        tuple(float(f) for f in scale_factor)
    if len(factors) != rank:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(factors)}. "
                         "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                         "s2, ...,sK) format.")
    sizes = tuple(math.floor(s * f) for s, f in zip(spatial, factors))
    if recompute_scale_factor:
        return sizes, tuple(s / o if o else 0.0 for s, o in zip(spatial, sizes))
    return sizes, tuple(1.0 / f for f in factors)


def _nearest_map(xp, size, out, scale, exact):
    if not exact and out in (size, 2 * size):
        # PyTorch copies or doubles exactly in these cases, whatever the scale factor says
        return xp.arange(out) * size // out
    # PyTorch places nearest samples in single precision whatever the dtype; so does this
    position = xp.arange(out, dtype=xp.float32)
    scale = xp.float32(scale)
    source = xp.floor((position + xp.float32(0.5)) * scale if exact else position * scale).astype(xp.int64)
    return xp.minimum(source, size - 1)


def _source_position(xp, size, out, scale, align_corners, clamp):
    """Where each output sample sits in input coordinates."""
    position = xp.arange(out, dtype=xp.float64)
    if align_corners:
        return position * ((size - 1) / (out - 1)) if out > 1 else xp.zeros(out)
    source = (position + 0.5) * scale - 0.5
    return xp.maximum(source, 0.0) if clamp else source


def _mixing_matrix(xp, size, out, taps, weights):
    """(out, size) with ``weights[:, j]`` added at input ``taps[:, j]`` (clamped to the edges)."""
    matrix = xp.zeros((out, size))
    rows = xp.repeat(xp.arange(out), taps.shape[1])
    xp.scatter_add(matrix, (rows, xp.clip(taps, 0, size - 1).ravel()), weights.ravel())
    return matrix


def _linear_map(xp, size, out, scale, align_corners):
    """(out, size): each row mixes the two input samples around the output's position."""
    source = _source_position(xp, size, out, scale, align_corners, clamp=True)
    low = xp.minimum(xp.floor(source).astype(xp.int64), size - 1)
    weight = source - low
    return _mixing_matrix(xp, size, out, xp.stack([low, low + 1], 1), xp.stack([1 - weight, weight], 1))


def _cubic_map(xp, size, out, scale, align_corners):
    """(out, size): each row mixes four input samples with the cubic convolution kernel (a = -0.75)."""
    a = -0.75
    source = _source_position(xp, size, out, scale, align_corners, clamp=False)
    low = xp.floor(source).astype(xp.int64)
    t = source - low
    near = [t, 1 - t]
    far = [t + 1, 2 - t]
    inner = [((a + 2) * d - (a + 3)) * d * d + 1 for d in near]
    outer = [((a * d - 5 * a) * d + 8 * a) * d - 4 * a for d in far]
    weights = xp.stack([outer[0], inner[0], inner[1], outer[1]], 1)
    return _mixing_matrix(xp, size, out, low[:, None] + xp.arange(-1, 3), weights)


def _triangle(x):
    x = NUMPY.abs(x)
    return NUMPY.where(x < 1, 1 - x, 0.0)


def _keys_cubic(x, a=-0.5):
    """The cubic convolution kernel with Keys' a = -0.5, which antialiased bicubic sampling uses."""
    x = NUMPY.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return NUMPY.where(x < 1, near, NUMPY.where(x < 2, far, 0.0))


def _antialiased_map(xp, size, out, scale, align_corners, mode):
    """(out, size): each output sample averages the inputs under a filter stretched by the downscale factor,
    so shrinking an image does not alias (PyTorch's ``antialias=True``); normalised to sum to one.

    The table depends on sizes alone and each row is normalised by its own sum, one row at a time, so
    it is made on the host and moved to ``xp``'s device once.
    """
    if align_corners:
        scale = (size - 1) / (out - 1) if out > 1 else 0.0
    filter_fn, half = (_triangle, 1.0) if mode == "bilinear" else (_keys_cubic, 2.0)
    support = half * scale if scale >= 1 else half
    stretch = 1 / scale if scale >= 1 else 1.0
    matrix = NUMPY.zeros((out, size))
    for i in range(out):
        center = scale * (i + 0.5)
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), size)
        weights = filter_fn((NUMPY.arange(low, high) - center + 0.5) * stretch)
        total = weights.sum()
        matrix[i, low:high] = weights / total if total != 0 else weights
    return xp.from_host(matrix)


_ANTIALIASED_NODES = {"bilinear": maps_node("UpsampleBilinear2DAaBackward0"),
                      "bicubic": maps_node("UpsampleBicubic2DAaBackward0")}
_NEAREST_NODES = {(exact, rank): maps_node(f"UpsampleNearest{'Exact' if exact else ''}{rank}DBackward0")
                  for exact in (False, True) for rank in (1, 2, 3)}
_LINEAR_NODES = {1: maps_node("UpsampleLinear1DBackward0"), 2: maps_node("UpsampleBilinear2DBackward0"),
                 3: maps_node("UpsampleTrilinear3DBackward0")}
UpsampleBicubic2DBackward0 = maps_node("UpsampleBicubic2DBackward0")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims: nearest, (bi/tri)linear, bicubic or area (adaptive average) sampling;
    ``antialias`` filters a bilinear or bicubic downscale over every input it covers, as PyTorch does."""
    x = input._data
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(f"align_corners option can only be set with the interpolating modes: {_INTERPOLATING}")
    if (size is None) == (scale_factor is None):  # PyTorch asks this before it looks at the input's dims
        raise ValueError("only one of size or scale_factor should be defined" if size is not None else
                         "either size or scale_factor should be defined")
    rank = x.ndim - 2
    needed = dict(_MODE_RANK, bicubic=2).get(mode)
    if needed is not None and needed != rank and rank in (1, 2, 3):
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {needed + 2}D input")
    if rank not in (1, 2, 3) or mode not in ("nearest", "nearest-exact", "area", "bicubic") + tuple(_MODE_RANK):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the "
                                  "modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    spatial = x.shape[2:]
    sizes, scales = _output_sizes(spatial, size, scale_factor, recompute_scale_factor)
    if antialias and (mode not in ("bilinear", "bicubic") or x.ndim != 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "area":
        return _area(input, sizes)
    if min(spatial) < 1 or min(sizes) < 1:
        names = "DHW"[3 - rank:]
        given = ", ".join(f"{a}: {n}" for a, n in zip(names, spatial))
        made = ", ".join(f"{a}: {n}" for a, n in zip(names, sizes))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({given})"
                           f"{' and' if rank == 1 else ''} output ({made})")
    check_kernel(f"{mode} 2d" if rank == 2 else mode, x)
    xp = namespace_of(x)
    if antialias:
        if x.dtype == NUMPY.float16:  # PyTorch's antialiasing weights have no half kernel
            raise no_kernel_error("compute_index_ranges_weights", x.dtype)
        maps = tuple(_antialiased_map(xp, s, o, sc, bool(align_corners), mode)
                     for s, o, sc in zip(spatial, sizes, scales))
        return apply_maps(input, maps, _ANTIALIASED_NODES[mode])
    if mode in _MODE_RANK or mode == "bicubic":
        build = _cubic_map if mode == "bicubic" else _linear_map
        maps = tuple(build(xp, s, o, sc, bool(align_corners)) for s, o, sc in zip(spatial, sizes, scales))
        return apply_maps(input, maps, UpsampleBicubic2DBackward0 if mode == "bicubic" else _LINEAR_NODES[rank])
    exact = mode == "nearest-exact"
    maps = tuple(_nearest_map(xp, s, o, sc, exact) for s, o, sc in zip(spatial, sizes, scales))
    return apply_maps(input, maps, _NEAREST_NODES[exact, rank])


def _area(input, sizes):
    return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[len(sizes) - 1](input, sizes)


def _deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", UserWarning,
                  stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------- embedding
def _embedding_grad(grad, indices, num_weights, padding_idx, scale):
    rows = grad.reshape(-1, grad.shape[-1])
    flat = traced(_flattened, indices)  # seen by chainrule.compile, which then replays the rule op by op
    if scale is not None:
        rows = rows * scale
    if padding_idx is not None:
        keep = flat != padding_idx
        rows, flat = getitem(rows, (keep,)), flat[keep]
    return index_put_accumulate(rows, (num_weights, grad.shape[-1]), (flat,))


def _flattened(indices):
    return indices.reshape(-1)


EmbeddingBackward0 = derivative("EmbeddingBackward0", _embedding_grad)


def _renormalize(weight, indices, max_norm, norm_type):
    """Scale, in place, the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    xp = namespace_of(w)
    rows = xp.unique(indices)
    norms = xp.linalg.norm(w[rows], ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] *= scale[:, None].astype(w.dtype)
    weight._version_counter[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` picked by the integer ``input``; ``padding_idx``'s row gets no gradient."""
    indices = input._data
    if indices.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num_weights = weight._data.shape[0]
    if padding_idx is not None:
        if not -num_weights <= padding_idx < num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % num_weights
    if indices.size and (indices.min() < 0 or indices.max() >= num_weights):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renormalize(weight, indices, max_norm, norm_type)
    scale = None
    if scale_grad_by_freq:
        xp = namespace_of(indices)
        counts = xp.bincount(indices.ravel(), minlength=num_weights)
        scale = make_tensor((1.0 / xp.maximum(counts, 1))[indices.ravel()][:, None].astype(weight._data.dtype))
    return record(weight._data[indices], EmbeddingBackward0, (weight,), (), (indices, num_weights, padding_idx, scale))


# ---------------------------------------------------------------- one_hot
def one_hot(tensor, num_classes=-1):
    """int64 indicator vectors along a new last dim; ``num_classes=-1`` uses the largest class + 1."""
    x = tensor._data
    xp = namespace_of(x)
    if x.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    num_classes = int_argument("one_hot", "num_classes", 2, num_classes)
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size and x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if x.size and x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return make_tensor((x[..., None] == xp.arange(num_classes)).astype(xp.int64))


# ---------------------------------------------------------------- pixel shuffle
def _shuffle(x, factor):
    """(*, C*r*r, H, W) to (*, C, H*r, W*r)."""
    lead, (channels, height, width) = tuple(x.shape[:-3]), tuple(x.shape[-3:])
    c = channels // (factor * factor)
    n = len(lead)
    x = x.reshape(lead + (c, factor, factor, height, width))
    order = tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2)
    x = x.transpose(order)
    return x.reshape(lead + (c, height * factor, width * factor))


def _unshuffle(x, factor):
    """(*, C, H*r, W*r) to (*, C*r*r, H, W)."""
    lead, (channels, height, width) = tuple(x.shape[:-3]), tuple(x.shape[-3:])
    h, w = height // factor, width // factor
    n = len(lead)
    x = x.reshape(lead + (channels, h, factor, w, factor))
    order = tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3)
    x = x.transpose(order)
    return x.reshape(lead + (channels * factor * factor, h, w))


def _pixel_shuffle_grad(grad, factor):
    return pixel_unshuffle(grad, factor)


def _pixel_unshuffle_grad(grad, factor):
    return pixel_shuffle(grad, factor)


PixelShuffleBackward0 = derivative("PixelShuffleBackward0", _pixel_shuffle_grad)
PixelUnshuffleBackward0 = derivative("PixelUnshuffleBackward0", _pixel_unshuffle_grad)


def _check_shuffle_rank(x, name):
    if x.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {x.ndim} "
                           "dimension(s)")


def pixel_shuffle(input, upscale_factor):
    x = input._data
    _check_shuffle_rank(x, "pixel_shuffle")
    if x.shape[-3] % (upscale_factor * upscale_factor):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={x.shape[-3]} is not divisible by "
                           f"{upscale_factor * upscale_factor}")
    shuffled = namespace_of(x).ascontiguousarray(_shuffle(x, upscale_factor))
    return record(shuffled, PixelShuffleBackward0, (input,), (), (upscale_factor,))


def pixel_unshuffle(input, downscale_factor):
    x = input._data
    _check_shuffle_rank(x, "pixel_unshuffle")
    for dim, name in ((-2, "height"), (-1, "width")):
        if x.shape[dim] % downscale_factor:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={x.shape[dim]} is not divisible by {downscale_factor}")
    unshuffled = namespace_of(x).ascontiguousarray(_unshuffle(x, downscale_factor))
    return record(unshuffled, PixelUnshuffleBackward0, (input,), (), (downscale_factor,))


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(EmbeddingBackward0)
def _embedding_kernel(out, inputs, saved, args):
    indices, count, _, scale = args
    return None if scale is not None else Kernel(_embedding_rows, (inputs[0], indices, count))


def _embedding_rows(weight, indices, count):
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise IndexError("index out of range in self")
    return weight[indices]
