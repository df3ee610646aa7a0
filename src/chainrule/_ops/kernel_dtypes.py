"""The dtypes PyTorch's CPU kernels compute, for the functions whose kernels leave out dtypes NumPy computes
(pooling, folding, resampling, distances, some losses and factorizations).

NumPy computes every dtype; PyTorch has kernels for some only and refuses the others with
``"<kernel>" not implemented for '<dtype>'``. One table says, per function, the kernel PyTorch's message
names and the dtypes it computes, so a call in any other dtype is refused as PyTorch refuses it; the check
is a dict lookup and a set test, nothing beside the function's work.
"""

import numpy as np

from .pointwise_base import no_kernel_error

__all__ = ["check_kernel"]

_FLOATS = "float16 float32 float64"
_INTEGERS = "uint8 int8 int16 int32 int64"
_COMPLEX = "complex64 complex128"
_LAPACK = f"float32 float64 {_COMPLEX}"

# function: (the kernel PyTorch names, the dtypes it computes)
KERNELS = {
    "avg_pool2d": ("avg_pool2d", f"int64 {_FLOATS}"),
    "avg_pool3d": ("avg_pool3d_out_frame", "int64 float32 float64"),
    "max_pool1d": ("max_pool1d_impl", _FLOATS),
    "max_pool2d": ("max_pool2d", f"{_INTEGERS} {_FLOATS}"),
    "max_pool3d": ("max_pool3d", f"{_INTEGERS} {_FLOATS}"),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d", _FLOATS),
    "adaptive_avg_pool3d": ("adaptive_avg_pool3d_cpu", _FLOATS),
    "adaptive_max_pool2d": ("adaptive_max_pool2d", _FLOATS),
    "adaptive_max_pool3d": ("adaptive_max_pool3d_cpu", _FLOATS),
    "max_unpool2d": ("max_unpool2d", _FLOATS),
    "max_unpool3d": ("max_unpool3d", _FLOATS),
    "fold": ("col2im_out_cpu", f"bool {_FLOATS} complex64 complex128"),
    "unfold": ("im2col_out_cpu", f"bool {_FLOATS} complex64 complex128"),
    # interpolate, by mode (" 2d": on 4-d input, where PyTorch's kernels have their own names)
    "nearest": ("compute_indices_weights_nearest", f"uint8 {_FLOATS}"),
    "nearest 2d": ("upsample_nearest2d_channels_last", f"uint8 {_FLOATS}"),
    "nearest-exact": ("compute_indices_weights_nearest", f"uint8 {_FLOATS}"),
    "nearest-exact 2d": ("upsample_nearest2d_channels_last", f"uint8 {_FLOATS}"),
    "linear": ("compute_indices_weights_linear", _FLOATS),
    "bilinear 2d": ("upsample_bilinear2d_channels_last", f"uint8 {_FLOATS}"),
    "bicubic 2d": ("compute_indices_weights_cubic", f"uint8 {_FLOATS}"),
    "trilinear": ("compute_indices_weights_linear", _FLOATS),
    "conv1d": ("slow_conv2d_cpu", f"{_INTEGERS} {_FLOATS} {_COMPLEX}"),
    "conv2d": ("slow_conv2d_cpu", f"{_INTEGERS} {_FLOATS} {_COMPLEX}"),
    "conv3d": ("compute_columns3d", f"{_INTEGERS} {_FLOATS} {_COMPLEX}"),
    "conv_transpose1d": ("slow_conv_transpose2d_out_cpu", f"int64 {_FLOATS} {_COMPLEX}"),
    "conv_transpose2d": ("slow_conv_transpose2d_out_cpu", f"int64 {_FLOATS} {_COMPLEX}"),
    "conv_transpose3d": ("slow_conv_transpose3d_out_cpu", f"int64 {_FLOATS} {_COMPLEX}"),
    "grid_sample2d": ("grid_sampler_2d_cpu_kernel_impl", _FLOATS),
    "grid_sample3d": ("grid_sampler3d_cpu", _FLOATS),
    "cdist": ("cdist", "float32 float64"),
    "pdist": ("pdist", "float32 float64"),
    "ctc_loss": ("ctc_loss_cpu", "float32 float64"),
    "multi_margin_loss": ("multi_margin_loss_cpu_kernel", "float32 float64"),
    "multilabel_margin_loss": ("multilabel_margin_loss_forward_out_frame", "float32 float64"),
    "unique": ("unique", f"bool {_INTEGERS} {_FLOATS}"),
    "unique_dim": ("unique_dim", f"bool {_INTEGERS} {_FLOATS}"),
    "lu": ("lu_cpu", _LAPACK),
    "geqrf": ("geqrf_cpu", _LAPACK),
    "householder_product": ("orgqr_cpu", _LAPACK),
    "ormqr": ("ormqr_cpu", _LAPACK),
}

_COMPUTED = {function: (kernel, frozenset(np.dtype(name) for name in dtypes.split()))
             for function, (kernel, dtypes) in KERNELS.items()}


def check_kernel(function, array):
    """Raise PyTorch's refusal when its kernel for ``function`` does not compute ``array``'s dtype."""
    kernel, dtypes = _COMPUTED[function]
    if array.dtype not in dtypes:
        raise no_kernel_error(kernel, array.dtype)
