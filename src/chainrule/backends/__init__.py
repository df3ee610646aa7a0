"""``chainrule.backends``: the flags PyTorch scripts set for their backends, answered as on a CPU-only build.

chainrule computes with NumPy, so there is no cuDNN, MPS, MKL-DNN or TF32 to switch; scripts still set
these flags (``backends.cudnn.benchmark = True``, ``backends.cuda.matmul.allow_tf32 = True``) and ask
``backends.mps.is_available()``. The flags are kept and read back; the availability checks say no.
"""

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
