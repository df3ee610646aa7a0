"""``BATCHED``: the array namespace of batched arrays, assembled from the batching rules.

Every public NumPy name is here: ufuncs and other elementwise functions align their operands,
reductions and axis-taking functions shift their axes, shape, joining, indexing and product functions
have rules of their own, functions of dtypes and shapes alone pass through, arrays made from nothing
are the same for every sample, and any other function is called once per sample. Batched arrays get
their methods and operators from the same rules.
"""

import contextlib
import types

import numpy as np

from .. import _array
from .._array import namespace_of
from . import _batching_indexing as indexing
from . import _batching_products as products
from . import _batching_shapes as shapes
from ._batched_array import BatchedArray
from ._batched_array import Fresh, data_dependent_error, note_view, plain
from ._batching_core import (Ufunc, axis_call, base_namespace, compute_namespace, elementwise, like, loop, looped,
                             parts, reduction, shift_axis, top_level, unbatched, wrap)

__all__ = ["BATCHED"]

_REDUCTIONS = ("sum mean max min amax amin prod any all std var nansum nanmean nanmax nanmin count_nonzero ptp "
               "median").split()
_FLATTENING = "argmax argmin cumsum cumprod nancumsum".split()  # axis=None reads the flattened sample
_LAST_AXIS = "argsort sort".split()  # axis defaults to the last
_ELEMENTWISE = "where clip nan_to_num isclose heaviside".split()
_CREATION = ("zeros ones empty full arange eye identity tri linspace logspace geomspace triu_indices tril_indices "
             "indices from_host frombuffer fromfunction").split()
_LIKE = "zeros_like ones_like empty_like full_like".split()
_SHAPE_RULES = ("reshape transpose swapaxes moveaxis expand_dims squeeze broadcast_to atleast_1d atleast_2d tile "
                "flip roll concatenate stack split take take_along_axis put_along_axis copyto real imag "
                "copy").split()
_VIEWS = ("reshape transpose swapaxes moveaxis expand_dims squeeze broadcast_to atleast_1d atleast_2d atleast_3d "
          "real imag diagonal ravel getitem as_strided flip split").split()
_METADATA = ("result_type can_cast min_scalar_type promote_types finfo iinfo dtype broadcast_shapes issubdtype "
             "isscalar").split()


def _dtype_only(name):
    """A function of dtypes and shapes: batched arrays are passed as their dtype."""
    function = getattr(np, name)

    def call(*args, **kwargs):
        return function(*[a.dtype if a.__class__ is BatchedArray else a for a in args], **kwargs)

    call.__name__ = name
    return call


def _array_conversion(name):
    """``asarray``/``array``/``ascontiguousarray``: a batched array stays batched; data from nothing is the
    same for every sample."""
    def call(value, *args, **kwargs):
        if value.__class__ is BatchedArray:
            level = value.level
            return wrap(getattr(_array.namespace_of(value.value), name)(value.value, *args, **kwargs), level)
        if value.__class__ is Fresh:
            return Fresh(getattr(_array.namespace_of(value.value), name)(value.value, *args, **kwargs), 0)
        if _array.is_array(value):
            return getattr(_array.namespace_of(value), name)(value, *args, **kwargs)
        return Fresh(getattr(base_namespace(), name)(value, *args, **kwargs), 0)

    call.__name__ = name
    return call


def _partition(x, kth, axis=-1, **kwargs):
    return axis_call(lambda xp: xp.partition, x, (kth,), dict(kwargs, axis=axis), 1)


def _diagonal(x, offset=0, axis1=0, axis2=1):
    level = top_level((x,))
    if not level:
        return unbatched(lambda xp: xp.diagonal, (x, offset, axis1, axis2), {})
    value, batched = parts(x, level)
    xp = _array.namespace_of(value)
    if not batched:
        return loop("diagonal", lambda xp: xp.diagonal, (x, offset, axis1, axis2), {})
    return wrap(xp.diagonal(value, offset, shift_axis(axis1, x.ndim), shift_axis(axis2, x.ndim)), level)


def _errstate(**kwargs):
    errstate = getattr(base_namespace(), "errstate", None)
    return errstate(**kwargs) if errstate is not None else contextlib.nullcontext()


def _as_strided(x, shape, strides, **kwargs):
    """A strided view of each sample: the batch keeps its own stride in front (the samples are alike)."""
    level = top_level((x,))
    value, batched = parts(x, level)
    if not batched:
        return wrap(_array.namespace_of(value).as_strided(value, shape, strides, **kwargs), 0)
    return wrap(_array.namespace_of(value).as_strided(value, value.shape[:1] + tuple(shape),
                                                      value.strides[:1] + tuple(strides), **kwargs), level)


def _scatter_add(target, indices, values):
    """Repeated indices add up: one sample at a time, into that sample's part of the target."""
    loop("scatter_add", lambda xp: xp.scatter_add, (target, indices, values), {}, in_place=True)


def _linalg():
    module = types.SimpleNamespace()
    for name in dir(np.linalg):
        if not name.startswith("_"):
            setattr(module, name, looped(f"linalg.{name}"))
    for name in ("inv", "det", "slogdet", "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals",
                 "pinv", "matrix_power", "matrix_rank"):
        setattr(module, name, products.linalg_function(name))
    module.solve = products.solve
    module.norm = products.norm
    module.LinAlgError = np.linalg.LinAlgError
    return module


def _fft():
    """NumPy's ``fft`` module: the n-dimensional transforms take their axes past the batch dimension."""
    module = types.SimpleNamespace()
    for name in dir(np.fft):
        if not name.startswith("_"):
            setattr(module, name, looped(f"fft.{name}"))
    for name in ("fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"):
        setattr(module, name, _transform_over_axes(name))
    return module


def _transform_over_axes(name):
    def call(x, s=None, axes=None, norm=None):
        level = top_level((x,))
        if not level:
            return unbatched(lambda xp: getattr(xp.fft, name), (x,), {"s": s, "axes": axes, "norm": norm})
        value = x.value
        ndim = value.ndim - 1
        if axes is None:  # NumPy's default: the last len(s) axes, or all of them
            axes = range(ndim - len(s), ndim) if s is not None else range(ndim)
        transform = getattr(namespace_of(value).fft, name)
        return wrap(transform(value, s=s, axes=shift_axis(tuple(axes), ndim), norm=norm), level)

    call.__name__ = name
    return call


def _elementwise_kernel(kernel, *operands):
    """``kernel(xp, *operands)`` for a kernel that computes each element of its flat operands alone: run once
    on the whole batch, flattened, so that its own masks and compactions see plain arrays."""
    level = top_level(operands)
    if not level:
        return wrap(kernel(base_namespace(), *plain(operands)), 0)
    values = [o.value if o.__class__ is BatchedArray and o.level == level else plain(o) for o in operands]
    xp = compute_namespace(values)
    shape = xp.broadcast_shapes(*(v.shape for v in values))
    flats = [xp.broadcast_to(v, shape).reshape(-1) for v in values]
    return wrap(xp.elementwise_kernel(kernel, *flats).reshape(shape), level)


def _matrix_kernel(kernel, core_dims, *operands):
    """``kernel(xp, *operands)`` for a kernel that computes each matrix of its stacks alone: run once, with the
    batch as the first stack dim of every operand (one of size 1 where an operand is not batched), after as
    many size-1 dims as align the operands' own stack dims on the right."""
    level = top_level(operands)
    if not level:
        return wrap(kernel(base_namespace(), *plain(operands)), 0)
    values = []
    for operand, core in zip(operands, core_dims):
        value, batched = parts(operand, level)
        values.append((value if batched else value[None], value.ndim - batched - core))
    rank = max(stack_rank for _, stack_rank in values)
    values = [value.reshape(value.shape[:1] + (1,) * (rank - stack_rank) + value.shape[1:])
              for value, stack_rank in values]
    return wrap(kernel(compute_namespace(values), *values), level)


def _reshape_view(array, shape):
    """``array`` reshaped without copying, or None: each sample reshaped, the batch dimension kept."""
    if not isinstance(array, BatchedArray):
        return namespace_of(array).reshape_view(array, shape)
    view = _view(array)
    inner = view.value
    reshaped = namespace_of(inner).reshape_view(
        inner, tuple(shape) if view.__class__ is Fresh else inner.shape[:1] + tuple(shape))
    if reshaped is None:
        return None
    view.value = reshaped
    return view


def _build():
    namespace = {}
    for name in dir(np):
        if name.startswith("_"):
            continue
        value = getattr(np, name)
        if isinstance(value, np.ufunc):
            namespace[name] = Ufunc(name)
        elif isinstance(value, type) or not callable(value):
            namespace[name] = value  # dtypes, errstate's class, constants: the same for every namespace
        else:
            namespace[name] = looped(name)
    namespace.update({name: reduction(name) for name in _REDUCTIONS})
    namespace.update({name: reduction(name, flatten_none=True) for name in _FLATTENING})
    namespace.update({name: reduction(name, default_axis=-1) for name in _LAST_AXIS})
    namespace.update({name: elementwise(name) for name in _ELEMENTWISE})
    namespace.update({name: _creation(name) for name in _CREATION})
    namespace.update({name: like(name) for name in _LIKE})
    namespace.update({name: getattr(shapes, name) for name in _SHAPE_RULES})
    namespace.update({name: _dtype_only(name) for name in _METADATA})
    namespace.update({name: _array_conversion(name) for name in ("asarray", "array", "ascontiguousarray")})
    namespace.update(matmul=products.matmul, dot=products.dot, vdot=products.vdot, outer=products.outer,
                     einsum=products.einsum, partition=_partition, diagonal=_diagonal, ravel=shapes.ravel,
                     errstate=_errstate, as_strided=_as_strided, reshape_view=_reshape_view, scatter_add=_scatter_add,
                     getitem=indexing.getitem, setitem=indexing.setitem, meshgrid=_meshgrid, linalg=_linalg(),
                     fft=_fft(), elementwise_kernel=_elementwise_kernel, matrix_kernel=_matrix_kernel)
    namespace.update({name: _noting_views(namespace[name]) for name in _VIEWS})
    return types.SimpleNamespace(**namespace)


def _noting_views(rule):
    """A rule that may return views: fresh views of fresh arguments remember how they were made."""
    def call(*args, **kwargs):
        result = rule(*args, **kwargs)
        if result.__class__ is Fresh:
            note_view(result, args, kwargs, lambda: call(*args, **kwargs))
        elif result.__class__ is list or result.__class__ is tuple:
            for index, part in enumerate(result):
                note_view(part, args, kwargs, lambda index=index: call(*args, **kwargs)[index])
        return result

    call.__name__ = rule.__name__
    return call


def _meshgrid(*arrays, indexing="xy", sparse=False, copy=True):
    """Coordinate arrays from axes (batched or not) by reshaping and broadcasting, which batch."""
    axes = [BATCHED.ravel(a) for a in arrays]
    order = list(range(len(axes)))
    if indexing == "xy" and len(axes) > 1:
        order[0], order[1] = 1, 0
    shape = tuple(axes[i].shape[0] for i in order)
    grids = []
    for position, axis in zip(order, axes):
        grid = BATCHED.reshape(axis, tuple(axis.shape[0] if d == position else 1 for d in range(len(axes))))
        if not sparse:
            grid = BATCHED.broadcast_to(grid, shape)
            grid = grid.copy() if copy else grid
        grids.append(grid)
    return tuple(grids)


def _creation(name):
    """Arrays made from nothing: fresh (the same for every sample, and batched once written into)."""
    def call(*args, **kwargs):
        return wrap(getattr(base_namespace(), name)(*args, **kwargs), 0)

    call.__name__ = name
    return call


def _to_host(array):
    """A fresh array leaves as its value; a batched one is a per-sample value read out (PyTorch's error)."""
    if array.__class__ is Fresh:
        return _array.to_host(array.value)
    raise data_dependent_error("item")


def _from_host(array):
    """Host data made into a fresh array; a batched array (a per-sample random draw) is one already."""
    if isinstance(array, BatchedArray):
        return array
    return wrap(base_namespace().from_host(array), 0)


def _whole(array):
    """The whole batch a batched array belongs to (every level's samples)."""
    while isinstance(array, BatchedArray):
        array = array.value
    return array


def _data_ptr(array):
    return _array.namespace_of(array.value).data_ptr(array.value)


BATCHED = _array.ArrayNamespace(_build(), name="vmap batch", device_type="cpu", array_type=BatchedArray,
                                to_host=_to_host, from_host=_from_host, data_ptr=_data_ptr, whole=_whole)
_array.register(BATCHED)


# ---------------------------------------------------------------- a batched array's methods and operators
def _method(name):
    function = getattr(BATCHED, name)

    def call(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    call.__name__ = name
    return call


def _varargs_method(name):
    """``x.reshape(2, 3)`` and ``x.transpose(1, 0)`` take their tuple as separate arguments too."""
    function = getattr(BATCHED, name)

    def call(self, *args, **kwargs):
        if len(args) > 1 or args and isinstance(args[0], int) and name == "reshape":
            args = (args,)
        return function(self, *args, **kwargs)

    call.__name__ = name
    return call


def _operator(name, reflected=False):
    function = getattr(BATCHED, name)

    def call(self, other):
        return function(other, self) if reflected else function(self, other)

    return call


def _inplace_operator(name):
    function = getattr(BATCHED, name)

    def call(self, other):
        function(self, other, out=self)
        return self

    return call


def _numpy_ufunc(self, ufunc, method, *inputs, **kwargs):
    """A NumPy ufunc reached with a batched operand (an op took NumPy from its other, plain operand)."""
    batched = getattr(BATCHED, ufunc.__name__)
    return batched(*inputs, **kwargs) if method == "__call__" else getattr(batched, method)(*inputs, **kwargs)


def _numpy_function(self, function, types, args, kwargs):
    """A NumPy function reached with a batched argument: the batched namespace's function of that name."""
    owner = BATCHED.linalg if function.__module__ == "numpy.linalg" else BATCHED
    return getattr(owner, function.__name__)(*args, **kwargs)


def _view(self, dtype=None):
    """The same memory, maybe as another dtype (a sample's last dimension changes size, as in NumPy)."""
    value = self.value.view() if dtype is None else self.value.view(dtype)
    if self.__class__ is Fresh:
        return note_view(Fresh(value, 0), (self,), {}, lambda: _view(self, dtype))
    return BatchedArray(value, self.level)


def _copy(self, order="C"):
    """A copy laid out as asked (C order by default, as ``ndarray.copy``), the batch dimension first."""
    return self.__class__(self.value.copy(order), 0 if self.__class__ is Fresh else self.level)


def _install():
    for name in ("sum mean max min prod any all argmax argmin std var cumsum cumprod clip conj conjugate round "
                 "repeat take diagonal trace swapaxes squeeze ravel argsort dot nonzero").split():
        setattr(BatchedArray, name, _method(name))
    BatchedArray.reshape = _varargs_method("reshape")
    BatchedArray.transpose = _varargs_method("transpose")
    BatchedArray.flatten = _method("ravel")
    BatchedArray.astype = shapes.astype
    BatchedArray.fill = lambda self, value: self.value.fill(value)
    BatchedArray.sort = lambda self, axis=-1, **kwargs: self.value.sort(axis=shift_axis(axis, self.ndim), **kwargs)
    for operator, name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                           ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"),
                           ("matmul", "matmul"), ("and", "bitwise_and"), ("or", "bitwise_or"),
                           ("xor", "bitwise_xor"), ("lshift", "left_shift"), ("rshift", "right_shift")):
        setattr(BatchedArray, f"__{operator}__", _operator(name))
        setattr(BatchedArray, f"__r{operator}__", _operator(name, reflected=True))
        if operator != "matmul":
            setattr(BatchedArray, f"__i{operator}__", _inplace_operator(name))
    for operator, name in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                           ("eq", "equal"), ("ne", "not_equal")):
        setattr(BatchedArray, f"__{operator}__", _operator(name))
    for operator, name in (("neg", "negative"), ("pos", "positive"), ("abs", "absolute"), ("invert", "invert")):
        setattr(BatchedArray, f"__{operator}__", _method(name))
    BatchedArray.__array_ufunc__ = _numpy_ufunc
    BatchedArray.__array_function__ = _numpy_function
    BatchedArray.__getitem__ = BATCHED.getitem
    BatchedArray.__setitem__ = BATCHED.setitem
    BatchedArray.__hash__ = object.__hash__
    BatchedArray.T = property(BATCHED.transpose)
    BatchedArray.mT = property(lambda self: BATCHED.swapaxes(self, -1, -2))
    BatchedArray.real = property(BATCHED.real, lambda self, value: BATCHED.setitem(BATCHED.real(self), ..., value))
    BatchedArray.imag = property(BATCHED.imag, lambda self, value: BATCHED.setitem(BATCHED.imag(self), ..., value))
    BatchedArray.view = _view
    BatchedArray.copy = _copy


_install()
