"""Array namespaces: where ops get their array functions, so that a device is a namespace and not a fork.

A tensor holds an array of some library: NumPy's on the CPU, CuPy's on a GPU, any library with NumPy's
API in principle. An op asks its inputs' array for its namespace once per call (``namespace_of``) and
makes every array call through it: ``xp.exp(x)``, ``xp.zeros(shape, dtype)``. The namespace offers
NumPy's names (functions, ufuncs with their methods, dtypes, ``linalg``) plus the few things libraries
spell differently (``scatter_add``, ``as_strided``, ``errstate``), and says which device its arrays
live on and how they reach the host.

Only this module imports NumPy for computing. Dtype objects and NumPy scalar types are host metadata
that every namespace shares; modules that only look at those may import NumPy too.
"""

import numpy as np

__all__ = ["ArrayNamespace", "NUMPY", "namespace_of", "register", "is_array", "as_array", "to_host", "SCALAR_TYPES",
           "INTEGER_TYPES", "any_true", "all_true", "host_values"]

_ndarray = np.ndarray
_generic = np.generic

# Host values that every namespace takes as numbers: NumPy's scalars (a ``float64`` read out of an array).
SCALAR_TYPES = np.generic
INTEGER_TYPES = (int, np.integer)


class ArrayNamespace:
    """One array library's functions under NumPy's names, and where its arrays live.

    ``module``: the library (its public names become this object's attributes, so ``xp.exp`` costs what
    ``np.exp`` costs). ``extras``: names the library spells differently from NumPy, or lacks.
    ``device_type``: ``"cpu"`` or ``"cuda"``; ``array_type``: the class of its arrays;
    ``to_host``/``from_host``: copies to and from NumPy arrays; ``data_ptr``: an array's memory address;
    ``whole``: every element an array stands for (a batched array inside ``vmap`` stands for one sample
    but holds the whole batch), for an op's own checks. ``reshape_view(array, shape)``: the same memory in
    another shape, or None where only a copy can have it (``view``'s test).
    ``elementwise_kernel(kernel, *flat_arrays)`` calls ``kernel(xp, *flat_arrays)``, a kernel that computes
    each element alone (masks and compactions of its own included): a batching namespace runs it once over
    the whole batch. ``matrix_kernel(kernel, core_dims, *stacks)`` calls ``kernel(xp, *stacks)``, a kernel that
    computes each matrix (each operand's last ``core_dims[i]`` dims) alone, broadcasting the leading dims: a
    batching namespace runs it once, with the batch as one more leading dim.
    ``runtime``: a device type's runtime (which device an array is on, copies between devices, the current
    device, random numbers, memory; see ``chainrule._device``), None for namespaces of host memory.
    """

    def __init__(self, module, *, name, device_type, array_type, to_host, from_host, data_ptr=None, whole=None,
                 extras=(), runtime=None):
        for attribute in dir(module):
            if not attribute.startswith("__"):
                self.__dict__[attribute] = getattr(module, attribute)
        self.__dict__.update(extras)
        self.name = name
        self.device_type = device_type
        self.array_type = array_type
        self.to_host = to_host
        self.from_host = from_host
        self.data_ptr = data_ptr or _interface_address
        self.whole = whole or _itself
        self.runtime = runtime
        if "elementwise_kernel" not in self.__dict__:
            self.elementwise_kernel = lambda kernel, *arrays: kernel(self, *arrays)
        if "matrix_kernel" not in self.__dict__:
            self.matrix_kernel = lambda kernel, core_dims, *arrays: kernel(self, *arrays)
        if "reshape_view" not in self.__dict__:
            self.reshape_view = _reshape_view

    def __repr__(self):
        return f"<array namespace {self.name} ({self.device_type})>"


def _itself(array):
    return array


def _reshape_view(array, shape):
    """``array`` reshaped without copying, or None where that needs a copy: the result of ``reshape`` is a
    view exactly when its base is the memory ``array`` looks at (a copy has fresh memory of its own)."""
    view = array.reshape(shape)
    base = view.base
    if base is not None and (base is array or base is array.base) or not view.size:
        return view
    return None


def _interface_address(array):
    """The address of an array's first element, from NumPy's array interface."""
    return array.__array_interface__["data"][0]


def _scatter_add(target, indices, values):
    """Add ``values`` into ``target`` at ``indices``, repeated indices adding up (in place); an overflow or
    ``inf - inf`` silently, as in PyTorch."""
    with np.errstate(all="ignore"):
        np.add.at(target, indices, values)


NUMPY = ArrayNamespace(np, name="numpy", device_type="cpu", array_type=np.ndarray, to_host=np.asarray,
                       from_host=np.asarray, extras={
                           "scatter_add": _scatter_add,
                           "as_strided": np.lib.stride_tricks.as_strided,
                       })

_BY_TYPE = {np.ndarray: NUMPY}
_ARRAY_TYPES = (np.ndarray,)


def register(namespace):
    """Make ``namespace`` the one of every array of ``namespace.array_type`` (CuPy's, or a test's)."""
    global _ARRAY_TYPES
    _BY_TYPE[namespace.array_type] = namespace
    _ARRAY_TYPES = tuple(_BY_TYPE)


def namespace_of(array):
    """The namespace of ``array`` (a NumPy scalar counts as NumPy's)."""
    namespace = _BY_TYPE.get(array.__class__)
    if namespace is not None:
        return namespace
    if isinstance(array, _generic):
        return NUMPY
    for cls in type(array).__mro__[1:]:
        namespace = _BY_TYPE.get(cls)
        if namespace is not None:
            return namespace
    raise TypeError(f"chainrule has no array namespace for {type(array).__module__}.{type(array).__name__}")


def is_array(value):
    """Whether ``value`` is an array of some namespace (not a tensor, not a number)."""
    return isinstance(value, _ARRAY_TYPES)


def as_array(value):
    """An op's raw result as an array: NumPy gives scalars for 0-d results, tensors always hold arrays."""
    if value.__class__ is _ndarray:
        return value
    if isinstance(value, _generic):
        return np.asarray(value)
    if isinstance(value, _ARRAY_TYPES):
        return value
    return np.asarray(value)


def to_host(array):
    """``array`` as a NumPy array (no copy on the CPU)."""
    if array.__class__ is _ndarray:
        return array
    return namespace_of(array).to_host(array)


def any_true(array):
    """Whether any element of ``array`` is true, in any sample when ``vmap`` batches it: an op's own check
    (a value out of range) or choice of formula (zeros need the careful one) holds for the whole batch."""
    return bool(namespace_of(array).whole(array).any())


def all_true(array):
    """Whether every element of ``array`` is true, in every sample when ``vmap`` batches it."""
    return bool(namespace_of(array).whole(array).all())


def host_values(array):
    """Every element ``array`` stands for, as a NumPy array: for an op's own error messages."""
    return to_host(namespace_of(array).whole(array))


OVERLAP_MESSAGE = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                   "location. Please clone() the tensor before performing the operation.")


def overlaps_itself(array):
    """Whether some dim of several elements has stride 0 (an expanded tensor): PyTorch's test for a
    destination it refuses to write, with ``OVERLAP_MESSAGE``."""
    return any(stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape))
