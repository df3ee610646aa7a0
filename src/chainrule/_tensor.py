"""The Tensor: an array plus the autograd metadata PyTorch exposes.

This file holds what every tensor is: its array, dtype and shape, its place in the graph
(``grad_fn``, ``requires_grad``, ``grad``), its version counter, and conversions to Python and NumPy.
It sits below everything that computes, so what needs a higher layer is installed by that layer:
op methods and operators (``x + y``, ``x.sum()``) by ``chainrule._ops``, ``backward()`` by
``chainrule.autograd``, and the legacy constructor ``Tensor(data)`` by ``chainrule._creation``.
"""

import operator
import warnings
import weakref
from copy import deepcopy


from . import _dtype
from ._array import NUMPY, namespace_of, to_host
from ._device import device_of
from ._errors import type_name, with_hint
from ._printing import format_tensor
from ._recording import state as _recorder_state
from ._size import Size
from ._tensor_pickling import reduce_tensor
from ._autograd import grad_mode
from .utils.hooks import RemovableHandle

__all__ = ["Tensor", "make_tensor"]

_FROM_NUMPY = _dtype._FROM_NUMPY
_ndarray = NUMPY.ndarray
_grad_state = grad_mode._state
_inference = grad_mode._inference_anywhere
DETACH_VIEW_MESSAGE = ("Can't detach views in-place. Use detach() instead. If you are using "
                       "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
                       "gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. "
                       "To fix this error, please refer to the Optimizer.zero_grad() function in "
                       "torch/optim/optimizer.py as the solution.")

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    # What every op reads or writes lives in slots; the rest are class-level defaults that a tensor
    # overrides in its own __dict__ only when it needs them (most tensors never do).
    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_version_counter", "__dict__", "__weakref__")
    __array_priority__ = 1000
    _grad = None
    _base = None
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    _print_prefix = "tensor("  # a user's subclass prints its own name (chainrule._subclasses)
    _accumulator = None
    _is_inference = False
    _tangent = None

    def _init(self, data):
        self._data = data
        self._requires_grad = False
        self._grad_fn = None
        self._output_nr = 0
        self._version_counter = [0]
        if _grad_state.inference:
            self._is_inference = True

    # ----------------------------------------------------------------- array properties
    @property
    def dtype(self):
        return _FROM_NUMPY[self._data.dtype]

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim:
            raise IndexError(f"Dimension specified as {_dim_index(dim)} but tensor has no dimensions")
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    is_cpu = property(lambda self: self.device.type == "cpu")

    def get_device(self):
        """The GPU's index, -1 on the CPU."""
        index = self.device.index
        return -1 if index is None else index

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        data = self._data
        if data.size:
            strides = tuple(s // data.itemsize for s in data.strides)
        else:  # NumPy gives an empty array zero strides; PyTorch lays it out as if each empty dim had size 1
            strides, step = [], 1
            for size in reversed(data.shape):
                strides.insert(0, step)
                step *= max(size, 1)
            strides = tuple(strides)
        return strides if dim is None else strides[_wrap_dim(dim, data.ndim)]

    def data_ptr(self):
        data = self._data
        return namespace_of(data).data_ptr(data)

    def is_inference(self):
        return self._is_inference

    def type(self, dtype=None):
        if dtype is None:
            return "chainrule." + self.dtype.legacy_name
        if isinstance(dtype, str):  # "torch.DoubleTensor"
            from_name = {d.legacy_name: d for d in _dtype.ALL_DTYPES}
            if dtype.rsplit(".", 1)[-1] not in from_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = from_name[dtype.rsplit(".", 1)[-1]]
        if isinstance(dtype, type):
            dtype = getattr(dtype, "dtype", dtype)  # a legacy type (chainrule.DoubleTensor) names its dtype
        if not isinstance(dtype, _dtype.dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    # ----------------------------------------------------------------- autograd metadata
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.fail("setting requires_grad inside a compiled function is not replayed")
        self._set_requires_grad(bool(value), "only Tensors of floating point and complex dtype can require gradients")

    def requires_grad_(self, requires_grad=True):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.fail("requires_grad_() inside a compiled function is not replayed")
        if not isinstance(requires_grad, bool):
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                            + type(requires_grad).__name__)
        self._set_requires_grad(requires_grad, "only Tensors of floating point dtype can require gradients")
        return self

    def _set_requires_grad(self, value, int_message):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            return
        if value and self._data.dtype.kind not in "fc":
            raise with_hint(RuntimeError(int_message), "integer_requires_grad")
        if value and self._is_inference and not _grad_state.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        self._requires_grad = value

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def _version(self):
        return self._version_counter[0]

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{_shape_list(value._data.shape)}' to a tensor of "
                    f"size '{_shape_list(self._data.shape)}'. Please ensure that the gradient and the tensor are "
                    "the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.cpp_name}' to a tensor with "
                    f"grad_dtype '{self.dtype.scalar_type_name}'. The gradient must match the tensor's grad_dtype "
                    "(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a "
                    "specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes "
                    "of a tensor and its gradient may break downstream systems that assume they match.")
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.set_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """The same array without autograd history or version tracking (edits are invisible to autograd)."""
        return make_tensor(self._data)

    @data.setter
    def data(self, value):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.fail("assigning .data is not replayed")
        self._data = value._data

    def detach(self):
        """A new leaf sharing this tensor's array and version counter."""
        out = make_tensor(self._data)
        out._version_counter = self._version_counter  # not a differentiable view: in-place edits are allowed
        return out

    def detach_(self):
        if self._base is not None:  # its base's graph would still reach it through the view
            raise RuntimeError(DETACH_VIEW_MESSAGE)
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self._grad_fn._hook_lists().retain_grad[self._output_nr] = _RetainGrad(self)

    def register_hook(self, hook):
        """``hook(grad)`` runs when the gradient of this tensor is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return RemovableHandle(self._post_accumulate_hooks, hook)

    # ----------------------------------------------------------------- conversions
    def numpy(self, *, force=False):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, "numpy()")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return to_host(self._data) if force else self._host_array()

    def _host_array(self):
        """The array, which must be in host memory: a GPU tensor is copied with ``.cpu()`` first, as in PyTorch."""
        data = self._data
        if data.__class__ is not _ndarray and namespace_of(data).runtime is not None:
            raise TypeError(f"can't convert {device_of(data)} device type tensor to numpy. Use Tensor.cpu() to copy "
                            "the tensor to host memory first.")
        return to_host(data)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        value = to_host(self._data).reshape(()).item()
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, "item()", value)
        return value

    def tolist(self):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, "tolist()")
        return to_host(self._data).tolist()

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        value = kind(to_host(self._data).reshape(()).item())
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, f"{kind.__name__}()", value if kind is float else None)
        return value

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, "use as an index")
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __bool__(self):
        if _recorder_state.recorder is not None:
            _recorder_state.recorder.to_python(self, "bool()")
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self, *, tensor_contents=None):
        grad_fn = self._grad_fn
        tangent = None
        if self._tangent is not None:
            t = self._tangent
            tangent = repr(t.item()) if t._data.ndim == 0 else repr(t)
        where = device_of(self._data)
        return format_tensor(to_host(self._data), self.dtype, prefix=self._print_prefix,
                             grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
                             requires_grad=self._requires_grad, tangent=tangent,
                             device=None if where.type == "cpu" else where)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo):
        """A leaf copy with its own array (what ``copy.deepcopy`` of a module's tensors needs)."""
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        copy = type(self)._from_tensor(make_tensor(self._data.copy())) if type(self) is not Tensor else \
            make_tensor(self._data.copy())
        copy._requires_grad = self._requires_grad
        if self._grad is not None:
            copy._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copy
        for name, value in self.__dict__.items():
            if not hasattr(type(self), name):  # attributes the user set, not autograd's own
                copy.__dict__[name] = deepcopy(value, memo)
        return copy

    def __reduce_ex__(self, protocol):
        """Pickling and ``copy.copy``: a leaf with this tensor's data, as PyTorch pickles (``_tensor_pickling``)."""
        return reduce_tensor(self)

    def __array__(self, dtype=None, copy=None):
        """NumPy's protocol (NumPy 2 semantics: ``copy=False`` refuses to copy, ``True`` always copies)."""
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        array = self._host_array()
        if dtype is not None and array.dtype != dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return array.astype(dtype)
        return array.copy() if copy else array

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export the array through DLPack (zero-copy), as PyTorch does for tensors not requiring grad."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                                    ("copy", copy)) if v is not None}
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __array_namespace__(self, *, api_version=None):
        """The Array API standard namespace over chainrule tensors (``chainrule.array_api``)."""
        if api_version is not None and api_version not in ("2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"chainrule.array_api implements the standard up to 2024.12, not {api_version!r}")
        from . import array_api

        return array_api

    def to_device(self, device, /, *, stream=None):
        """Array API spelling of ``.to(device)``."""
        return self.to(device)

    def __dir__(self):
        return sorted(set(dir(type(self))))


class _RetainGrad:
    """The hook ``retain_grad`` puts on a node: store (or add) the incoming grad on the tensor."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad):
        tensor = self.tensor()
        if tensor is None:
            return
        if tensor._grad is None:
            tensor._grad = grad if _grad_state.enabled else make_tensor(grad._data.copy())
        else:
            tensor._grad = tensor._grad + grad


_new = object.__new__


def make_tensor(data):
    """Wrap an array (no copy) as a fresh leaf that does not require grad: the fast path of every op."""
    t = _new(Tensor)
    t._data = data
    t._requires_grad = False
    t._grad_fn = None
    t._output_nr = 0
    t._version_counter = [0]
    if _inference.active and _grad_state.inference:
        t._is_inference = True
    if _recorder_state.recorder is not None:
        _recorder_state.recorder.made_tensor(t)
    return t




def _dim_index(dim):
    """``dim`` as an int: anything with ``__index__`` but a bool (NumPy integers, one-element integer tensors)."""
    if not isinstance(dim, bool):
        try:
            return operator.index(dim)
        except TypeError:
            pass
    raise TypeError(f"argument 'dim' must be int, not {type_name(dim)}")


def _shape_list(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _wrap_dim(dim, ndim):
    """A dimension index in ``[0, ndim)``, with PyTorch's IndexError when out of range (and its TypeError when
    ``dim`` is no integer: a float, a string, None, a bool)."""
    if dim.__class__ is not int:
        dim = _dim_index(dim)
    low, high = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if dim < low or dim > high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return dim + ndim if dim < 0 else dim
