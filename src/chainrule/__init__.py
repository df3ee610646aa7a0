"""chainrule: automatic differentiation with PyTorch's API, on NumPy.

``import chainrule as torch`` and PyTorch autograd code runs unchanged, printing the same text.
"""

from . import _allocator, _dtype
from ._errors import argument_type_error as _argument_type_error
from ._errors import AcceleratorError, FatalError, OutOfMemoryError

_allocator.keep_large_blocks()
from ._creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_dlpack, from_numpy, full, full_like,
                        linspace, logspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like)
from ._device import device
from ._dtype import (bool_ as bool, complex64, complex128, float16, float32, float64, get_default_dtype, int8,
                     int16, int32, int64, promote_types, set_default_dtype, uint8, uint16, uint32, uint64)
from ._dtype import bfloat16, dtype
from ._printing import get_printoptions, set_printoptions
from ._size import Size
from ._tensor import Tensor
from . import _creation
from ._signatures import Signatures as _Signatures, checking as _checking, with_signatures as _with_signatures
from . import _ops
from ._ops import FUNCTIONS as _FUNCTIONS
from . import autograd
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from . import _random, cuda, distributed, distributions, nn, optim, random, return_types, testing, utils, viz
from .utils import checkpoint as _checkpoint, data as _data, hooks as _hooks  # noqa: F401  (utils.data, ...)
from .nn import parallel as _parallel  # noqa: F401  (nn.parallel: DistributedDataParallel)
from . import func
# Top-level names that PyTorch also exposes with the same arguments as nn.functional's (torch.batch_norm,
# torch.instance_norm and torch.embedding take theirs in another order, so they are not here).
from .nn.functional import (adaptive_avg_pool1d, avg_pool1d, bilinear, celu, celu_, conv1d, conv2d, conv3d,
                            conv_transpose1d, conv_transpose2d, conv_transpose3d, cosine_similarity, group_norm,
                            hardshrink, layer_norm, log_softmax, max_pool1d, max_pool2d, max_pool3d, pairwise_distance,
                            pdist, pixel_shuffle, pixel_unshuffle, prelu, relu_, rms_norm, rrelu, rrelu_, selu, selu_,
                            softmax, threshold, threshold_)
from .serialization import load, save
from ._random import _dirichlet_grad, _sample_dirichlet, _standard_gamma, _standard_gamma_grad  # noqa: F401
from ._random import (Generator, bernoulli, binomial, default_generator, get_rng_state, initial_seed, manual_seed,
                      multinomial, normal, poisson, rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                      seed, set_rng_state)

globals().update(_FUNCTIONS)
globals().update(_with_signatures(_creation, _creation.SIGNATURES, home=__name__))
globals().update(_with_signatures(_random.factories, _random.factories.SIGNATURES, home=__name__))
globals().update(promote_types=_checking(_Signatures("promote_types", "ScalarType type1, ScalarType type2"),
                                         promote_types, __name__))
from . import fft, linalg, special  # noqa: E402
from . import accelerator, amp, backends, jit, onnx  # noqa: E402
from ._legacy_linalg import (cholesky_solve, frobenius_norm, geqrf, lu, lu_solve, lu_unpack,  # noqa: E402
                             norm_except_dim, nuclear_norm, orgqr, ormqr, pca_lowrank, qr, svd_lowrank,
                             triangular_solve)
from ._spectral import istft, stft  # noqa: E402
from .nn.modules._rnn_functions import gru, lstm, rnn_relu, rnn_tanh  # noqa: E402
from .amp import GradScaler, autocast  # noqa: E402
from .amp import cuda_forms as _cuda_amp  # noqa: E402

if not hasattr(cuda, "amp"):  # chainrule.cuda.amp: the older CUDA-only amp spellings
    cuda.amp = _cuda_amp
from .amp.autocast_mode import AUTOCAST_FUNCTIONS as _AUTOCAST_FUNCTIONS  # noqa: E402
from .jit import fork, wait  # noqa: E402
from ._legacy_types import LEGACY_TYPES as _LEGACY_TYPES, set_default_tensor_type  # noqa: E402
from ._runtime import (are_deterministic_algorithms_enabled, channels_last, channels_last_3d,  # noqa: E402
                       contiguous_format, finfo, get_deterministic_debug_mode, get_float32_matmul_precision,
                       get_num_interop_threads, get_num_threads, iinfo, init_num_threads,
                       is_deterministic_algorithms_warn_only_enabled, is_warn_always_enabled, layout, memory_format,
                       preserve_format, set_deterministic_debug_mode, set_float32_matmul_precision,
                       set_num_interop_threads, set_num_threads, set_warn_always, strided,
                       use_deterministic_algorithms)

from ._inplace_functions import INPLACE_FUNCTIONS as _INPLACE_FUNCTIONS  # noqa: E402
from . import _functional_aliases  # noqa: E402
from ._python_methods import to_dlpack  # noqa: E402
from .func import vmap  # noqa: E402
from .autograd.anomaly_mode import set_detect_anomaly as set_anomaly_enabled  # noqa: E402

globals().update({name: getattr(_functional_aliases, name) for name in _functional_aliases.__all__})

globals().update(_INPLACE_FUNCTIONS)
globals().update(_AUTOCAST_FUNCTIONS)
globals().update(_LEGACY_TYPES)


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, disable=False,
            max_signatures=8):
    """Record ``model`` (a function or Module, such as a whole training step) once and replay it as
    generated NumPy code, bit for bit equal to eager; see ``docs/compile.md``. Usable as
    ``@chainrule.compile`` or ``@chainrule.compile()``. PyTorch's keyword arguments are accepted;
    ``disable=True`` (or ``CHAINRULE_COMPILE=0`` in the environment) gives a wrapper that runs eagerly.
    """
    from ._compile import compile as compile_now  # imported on first use: ``import chainrule`` stays light

    return compile_now(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                       disable=disable, max_signatures=max_signatures)

__version__ = "0.1.0"

half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
cfloat = complex64
cdouble = complex128


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    if not isinstance(input, Tensor):
        raise _argument_type_error("numel", "input", 1, "Tensor", input)
    return input.numel()


from ._device import default_device as get_default_device, set_default_device  # noqa: E402
from . import _memory_methods  # noqa: E402, F401  (Tensor.const_data_ptr, is_set_to, ...)
from . import _subclasses  # noqa: E402
from ._subclasses import DisableTorchFunction, DisableTorchFunctionSubclass  # noqa: E402

_subclasses.install()
