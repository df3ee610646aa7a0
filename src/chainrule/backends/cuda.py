"""``chainrule.backends.cuda``: matmul precision flags and attention-kernel switches with no CUDA to apply to."""

import contextlib

__all__ = ["is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp", "mem_efficient_sdp_enabled",
           "enable_mem_efficient_sdp", "math_sdp_enabled", "enable_math_sdp", "cudnn_sdp_enabled",
           "enable_cudnn_sdp", "sdp_kernel", "preferred_linalg_library", "preferred_blas_library"]


def is_built():
    """chainrule is not built with CUDA."""
    return False


class _MatmulFlags:
    """``backends.cuda.matmul``: only its known flags may be read or set, as in PyTorch."""

    _FLAGS = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
              "allow_fp16_accumulation", "fp32_precision")

    def __init__(self):
        object.__setattr__(self, "_values", {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
                                             "allow_bf16_reduced_precision_reduction": True,
                                             "allow_fp16_accumulation": False, "fp32_precision": "none"})

    def __getattr__(self, name):
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}")
        return self._values[name]

    def __setattr__(self, name, value):
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}")
        self._values[name] = value


matmul = _MatmulFlags()

_attention_kernels = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _attention_kernels["flash"]


def enable_flash_sdp(enabled):
    _attention_kernels["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _attention_kernels["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _attention_kernels["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    return _attention_kernels["math"]


def enable_math_sdp(enabled):
    _attention_kernels["math"] = bool(enabled)


def cudnn_sdp_enabled():
    return _attention_kernels["cudnn"]


def enable_cudnn_sdp(enabled):
    _attention_kernels["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Switch the attention kernels for a region (chainrule always computes attention one way, on the CPU)."""
    previous = dict(_attention_kernels)
    _attention_kernels.update(flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient,
                              cudnn=enable_cudnn)
    try:
        yield
    finally:
        _attention_kernels.update(previous)


def preferred_linalg_library(backend=None):
    """No CUDA linear-algebra libraries to choose between."""
    raise RuntimeError("chainrule has no CUDA linear-algebra backends to choose between")


def preferred_blas_library(backend=None):
    raise RuntimeError("chainrule has no CUDA BLAS backends to choose between")
