"""CuPy as chainrule's ``cuda`` device: the array namespace ops compute with on a GPU, and the runtime
behind ``chainrule.cuda`` (devices, copies, random numbers, memory, events and streams).

This module is imported on the first use of a CUDA device (``chainrule._device.namespace_for``), and
CuPy only inside ``load``: ``import chainrule`` never imports CuPy. CuPy offers NumPy's names; what it
lacks for chainrule's ops is written here as GPU code, never as a copy to the host:

- ``maximum``/``minimum``/``logaddexp.accumulate`` (CuPy accumulates only ``add`` and ``multiply``): a
  log-depth scan, each step one elementwise call over the whole array;
- ``multiply.at`` (CuPy scatters only add, subtract, max, min and bitwise ops): rounds in which no index
  repeats, each one fancy-indexed multiply, in the order NumPy applies them;
- ``errstate``: a context that does nothing (CuPy raises no floating-point warnings to silence).

The compositions take the namespace as an argument, so the tests check them on NumPy.
"""

import contextlib
import importlib.util

from ._array import ArrayNamespace

__all__ = ["importable", "device_count", "load", "accumulate", "multiply_at"]


def importable():
    """Whether CuPy is installed (without importing it)."""
    return importlib.util.find_spec("cupy") is not None


# ---------------------------------------------------------------- what CuPy lacks, on any namespace
def accumulate(xp, ufunc, x, axis=0):
    """``ufunc.accumulate(x, axis)`` for an associative, commutative ``ufunc``, in ceil(log2(n)) steps."""
    moved = xp.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    result = moved.copy()
    shift = 1
    while shift < n:
        step = result.copy()
        step[..., shift:] = ufunc(result[..., shift:], result[..., :-shift])
        result = step
        shift *= 2
    return xp.moveaxis(result, -1, axis)


def multiply_at(xp, target, indices, values):
    """``multiply.at(target, indices, values)``: repeated indices multiply in turn, in the order given.

    Each update gets its rank among the updates of the same element; round ``r`` applies every update of
    rank ``r`` at once (no element twice in a round), so each element sees its factors in NumPy's order."""
    positions = xp.arange(target.size, dtype=xp.int64).reshape(target.shape)[indices]
    if positions.size == 0:
        return
    if hasattr(values, "shape"):
        values = xp.broadcast_to(values.astype(target.dtype, copy=False), positions.shape).reshape(-1)
    else:
        values = xp.full(positions.size, values, dtype=target.dtype)
    positions = positions.reshape(-1)
    order = xp.argsort(positions, kind="stable")
    ordered = positions[order]
    count = ordered.size
    starts = xp.ones(count, dtype=xp.bool_)
    starts[1:] = ordered[1:] != ordered[:-1]
    steps = xp.arange(count, dtype=xp.int64)
    run_start = accumulate(xp, xp.maximum, xp.where(starts, steps, 0))
    ranks = xp.empty(count, dtype=xp.int64)
    ranks[order] = steps - run_start
    for rank in range(int(ranks.max()) + 1):
        chosen = ranks == rank
        where = xp.unravel_index(positions[chosen], target.shape)
        target[where] = target[where] * values[chosen]


def _no_errstate(**kwargs):
    return contextlib.nullcontext()


# ---------------------------------------------------------------- the namespace
def load():
    """CuPy's namespace and runtime; RuntimeError when CuPy finds no GPU (no driver, no device)."""
    import cupy
    import cupyx

    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy's CUDARuntimeError, or an ImportError of the CUDA libraries
        raise RuntimeError(f"chainrule found no CUDA device: CuPy says {error}") from None
    if count == 0:
        raise RuntimeError("chainrule found no CUDA device: CuPy sees no GPU")
    runtime = CupyRuntime(cupy, count)
    extras = {
        "scatter_add": cupyx.scatter_add,
        "as_strided": cupy.lib.stride_tricks.as_strided,
        "errstate": _no_errstate,
        "maximum": _with_methods(cupy, cupy.maximum, accumulate=True),
        "minimum": _with_methods(cupy, cupy.minimum, accumulate=True),
        "logaddexp": _with_methods(cupy, cupy.logaddexp, accumulate=True),
        "multiply": _with_methods(cupy, cupy.multiply, at=True),
    }
    return ArrayNamespace(cupy, name="cupy", device_type="cuda", array_type=cupy.ndarray, to_host=cupy.asnumpy,
                          from_host=cupy.asarray, data_ptr=_pointer, extras=extras, runtime=runtime)


def _pointer(array):
    return array.data.ptr


class _UfuncMethods:
    """A CuPy ufunc (its call is the class's ``__call__``, without a Python frame) plus the methods it lacks."""

    def __getattr__(self, name):
        return getattr(type(self).__call__, name)


def _with_methods(xp, ufunc, *, accumulate=False, at=False):
    methods = {"__call__": staticmethod(ufunc), "__name__": ufunc.__name__, "nin": ufunc.nin, "nout": ufunc.nout}
    if accumulate:
        def scan(array, axis=0, dtype=None, out=None):
            return globals()["accumulate"](xp, ufunc, array if dtype is None else array.astype(dtype), axis)

        methods["accumulate"] = staticmethod(scan)
    if at:
        def at_indices(target, indices, values=None):
            multiply_at(xp, target, indices, values)

        methods["at"] = staticmethod(at_indices)
    return type(ufunc.__name__, (_UfuncMethods,), methods)()


# ---------------------------------------------------------------- the runtime behind chainrule.cuda
class CupyRuntime:
    """Devices, copies, random numbers and memory through CuPy (see ``chainrule._device``)."""

    def __init__(self, cupy, count):
        self._cupy = cupy
        self._count = count
        self._pool = cupy.get_default_memory_pool()
        self._peak = {}
        cupy.cuda.set_allocator(self._tracked_malloc)
        self.Event = cupy.cuda.Event
        self.Stream = cupy.cuda.Stream

    def count(self):
        return self._count

    def current(self):
        return self._cupy.cuda.runtime.getDevice()

    def select(self, index):
        self._cupy.cuda.runtime.setDevice(index)

    def using(self, index):
        return self._cupy.cuda.Device(index)

    def index_of(self, array):
        return array.device.id

    def from_host(self, array, index):
        with self._cupy.cuda.Device(index):
            return self._cupy.asarray(array)

    def copy_to(self, array, index):
        with self._cupy.cuda.Device(index):
            return array.copy()

    def synchronize(self, index):
        self._cupy.cuda.Device(index).synchronize()

    def random(self, index):
        with self._cupy.cuda.Device(index):
            return self._cupy.random.get_random_state()

    def seed(self, index, value):
        with self._cupy.cuda.Device(index):
            self._cupy.random.seed(value)

    def properties(self, index):
        props = self._cupy.cuda.runtime.getDeviceProperties(index)
        name = props["name"]
        return {"name": name.decode() if isinstance(name, bytes) else name,
                "major": props["major"], "minor": props["minor"], "total_memory": props["totalGlobalMem"],
                "multi_processor_count": props["multiProcessorCount"]}

    # memory: CuPy's pool, with the peak kept by the allocator
    def _tracked_malloc(self, size):
        memory = self._pool.malloc(size)
        used = self._pool.used_bytes()
        device = memory.device_id
        if used > self._peak.get(device, 0):
            self._peak[device] = used
        return memory

    def memory_allocated(self, index):
        with self._cupy.cuda.Device(index):
            return self._pool.used_bytes()

    def max_memory_allocated(self, index):
        return max(self._peak.get(index, 0), self.memory_allocated(index))

    def memory_reserved(self, index):
        with self._cupy.cuda.Device(index):
            return self._pool.total_bytes()

    def reset_peak(self, index):
        self._peak[index] = self.memory_allocated(index)

    def empty_cache(self):
        self._pool.free_all_blocks()

    # generated code (compile's fused groups)
    def fused_kernel(self, in_params, out_params, operation, name, preamble, options):
        return self._cupy.ElementwiseKernel(in_params, out_params, operation, name, preamble=preamble,
                                            options=options)

    # streams and events
    def current_stream(self, index):
        with self._cupy.cuda.Device(index):
            return self._cupy.cuda.get_current_stream()

    def elapsed_time(self, start, end):
        return self._cupy.cuda.get_elapsed_time(start, end)


def device_count():
    """How many GPUs CuPy sees, 0 when it sees none or finds no driver (asked without loading the namespace)."""
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no driver, no CUDA libraries: no GPU to use
        return 0
