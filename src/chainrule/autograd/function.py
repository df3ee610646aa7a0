"""Custom differentiable functions: ``class F(chainrule.autograd.Function)`` with static
``forward``/``backward``, called as ``F.apply(...)``.

As in PyTorch, the ``ctx`` object is the backward node itself: it is created before ``forward``
runs, keeps what ``save_for_backward`` stores (version-checked like every saved tensor), and the
engine calls its ``apply`` which hands the gradients to the user's ``backward``.
"""

import functools
import warnings

from .._array import NUMPY, namespace_of
from .._autograd import grad_mode
from .._autograd.graph import RELEASED_MESSAGE, Node, SavedTensor, sum_to_shape
from .._autograd.leaf import accumulator_of
from .._ops import _forward
from .._ops.view_writes import write_through_view
from .._tensor import Tensor, make_tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction"]


class FunctionCtx:
    """What ``forward``/``setup_context`` may record for ``backward``."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        if not all(t is None or isinstance(t, Tensor) for t in tensors):
            raise AssertionError("save_for_forward expects all arguments to be tensors; you should save non-tensors "
                                 "as attributes on ctx.")  # PyTorch's type, for code that catches it
        self._to_save_forward = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node (and ctx) of one call of a custom Function."""

    _forward_cls = None
    _to_save = ()
    _to_save_forward = ()
    _saved_for_forward = None  # what ``save_for_forward`` kept, while ``jvp`` runs
    _dirty = ()
    _non_differentiable = ()
    _materialize_grads = True
    needs_input_grad = ()

    def __init__(self):
        Node.__init__(self, (), None, (), None)
        self._output_meta = ()

    @property
    def saved_tensors(self):
        if self._saved_for_forward is not None:
            return self._saved_for_forward
        saved = self._saved
        if saved is None:
            raise RuntimeError(RELEASED_MESSAGE)
        return tuple(s.unpack(self) if isinstance(s, SavedTensor) else s for s in saved)

    saved_variables = saved_tensors

    def release(self):
        self._saved = None

    @classmethod
    def name(cls):
        return cls.__name__

    def apply(self, grads):
        if self._materialize_grads:
            grads = [make_tensor(xp.zeros(shape, dtype=dtype)) if g is None else g
                     for g, (shape, dtype, xp) in zip(grads, self._output_meta)]
        backward = self._forward_cls.backward
        result = backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self.needs_input_grad)
        if len(result) != expected:
            if len(result) > expected and all(r is None for r in result[expected:]):
                result = result[:expected]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                                   f"{expected}, got {len(result)})")
        return self._gradients_for_edges(result)

    def _gradients_for_edges(self, result):
        grads = []
        for index, (value, meta) in enumerate(zip(result, self._input_meta)):
            if meta is None:
                continue  # not a tensor argument: no edge
            if value is None:
                grads.append(None)
                continue
            if not isinstance(value, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(value).__name__})")
            shape = meta[0]
            if value._data.shape != shape:
                try:
                    value = sum_to_shape(value, shape)
                except (ValueError, RuntimeError):
                    value = None
                if value is None or value._data.shape != shape:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {index} - got "
                        f"{list(result[index].shape)} but expected shape compatible with {list(shape)}")
            grads.append(value)
        return grads


class FunctionMeta(type):
    """Gives each Function subclass its own backward node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "chainrule.autograd.function"
        backward_cls.__qualname__ = name + "Backward"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``, then call ``apply``."""

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self).__name__} should not be instantiated. Methods on autograd functions are all "
                      "static, so you should invoke them on the class itself. Instantiating an autograd function "
                      "will raise an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        recording = grad_mode._state.enabled and any(ctx.needs_input_grad)
        tangents = [a._tangent if isinstance(a, Tensor) else None for a in args] if _forward.state.depth else ()
        depth = _forward.state.depth
        try:
            _forward.state.depth = 0  # forward sees primals only
            with grad_mode.no_grad():
                if cls.setup_context is not Function.setup_context:
                    outputs = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, outputs)
                else:
                    outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            _forward.state.depth = depth
        single = not isinstance(outputs, tuple)
        wrapped = _wrap_outputs(ctx, args, (outputs,) if single else outputs, recording)
        if any(t is not None for t in tangents):
            _push_tangents(cls, ctx, args, tangents, wrapped)
        return wrapped[0] if single else wrapped


def _push_tangents(cls, ctx, args, tangents, outputs):
    """Forward mode through a custom Function: its ``jvp`` maps input tangents to output tangents.

    As in PyTorch, a tensor input without a tangent gets zeros (unless ``set_materialize_grads(False)``),
    and ``ctx.saved_tensors`` inside ``jvp`` are the tensors given to ``save_for_forward``."""
    if ctx._materialize_grads:
        tangents = [make_tensor(namespace_of(a._data).zeros(a._data.shape, dtype=a._data.dtype))
                    if t is None and isinstance(a, Tensor) else t for a, t in zip(args, tangents)]
    depth = _forward.state.depth
    try:
        _forward.state.depth = 0
        ctx._saved_for_forward = ctx._to_save_forward
        result = cls.jvp(ctx, *tangents)
    finally:
        ctx._saved_for_forward = None
        _forward.state.depth = depth
    result = result if isinstance(result, tuple) else (result,)
    for output, tangent in zip(outputs, result):
        if tangent is not None and hasattr(output, "_tangent"):
            output._tangent = tangent
            _forward.track(output)


_DIRTY_NOT_RETURNED = ("Some elements marked as dirty during the forward method were not returned as output. The "
                       "inputs that are modified inplace must all be outputs of the Function.")
_DIRTY_LEAF = "a leaf Variable that requires grad has been used in an in-place operation."
_DIRTY_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
_DIRTY_VIEW_OF_MANY = (
    "If your Function modifies inplace an input that is a view of another Tensor, your Function cannot return more "
    "than one Tensor. This is not supported by the current autograd engine. You should either make sure the input "
    "is not a view (using .clone() for example) or make your Function only return one Tensor (potentially splitting "
    "it into two Functions: one doing the inplace that returns a single Tensor and a second one that does the other "
    "operations). You can ask on the forum https://discuss.pytorch.org/ if you need help to do this change.")


def _check_dirty(ctx, outputs, recording):
    """``mark_dirty``: the changed tensors move their version on, and PyTorch's rules about them hold."""
    returned = {id(v) for v in outputs}
    for tensor in ctx._dirty:
        tensor._version_counter[0] += 1  # saved copies of its old value now fail their check
        if id(tensor) not in returned:
            raise RuntimeError(_DIRTY_NOT_RETURNED)
        if not recording:
            continue
        base = tensor._base
        if tensor._grad_fn is None and tensor._requires_grad and base is None:
            raise RuntimeError(_DIRTY_LEAF)
        if base is not None and base._grad_fn is None and base._requires_grad:
            raise RuntimeError(_DIRTY_VIEW_OF_LEAF)
        if base is not None and len(outputs) > 1:
            raise RuntimeError(_DIRTY_VIEW_OF_MANY)


def _wrap_outputs(ctx, args, outputs, recording):
    """Attach the outputs to ``ctx`` (when recording) and store what ``save_for_backward`` kept.

    An input returned as an output is a new tensor sharing its memory, except one marked dirty while
    recording: that tensor itself takes ``ctx`` as its history (through a ``CopySlices`` on its base
    when it is a view), as an in-place op's result does."""
    if ctx._dirty:
        _check_dirty(ctx, outputs, recording)
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx._dirty} if recording else set()
    non_differentiable = {id(t) for t in ctx._non_differentiable}
    result = []
    for value in outputs:
        if isinstance(value, Tensor) and id(value) in inputs and id(value) not in dirty:
            alias = make_tensor(value._data)
            alias._version_counter = value._version_counter
            value = alias
        result.append(value)
    if recording:
        edges, meta = [], []
        for a in args:
            if isinstance(a, Tensor):
                if a._grad_fn is not None:
                    edges.append((a._grad_fn, a._output_nr))
                elif a._requires_grad:
                    edges.append((accumulator_of(a), 0))
                else:
                    edges.append((None, 0))
                meta.append((a._data.shape, a._data.dtype))
            else:
                meta.append(None)
        ctx.next_functions = tuple(edges)
        ctx._input_meta = meta
        ctx.num_outputs = len(result)
        ctx._output_meta = [(v._data.shape, v._data.dtype, namespace_of(v._data)) if isinstance(v, Tensor)
                            else ((), None, NUMPY)
                            for v in result]
        for nr, value in enumerate(result):
            if not isinstance(value, Tensor):
                continue
            if id(value) in non_differentiable or value._data.dtype.kind not in "fc":
                value._requires_grad = False
                continue
            value._grad_fn = ctx
            value._output_nr = nr
            value._requires_grad = True
            if id(value) in dirty and value._base is not None:
                write_through_view(value, ctx)
    if recording:
        for index, value in enumerate(ctx._to_save):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {index} is of type "
                                f"{type(value).__name__}")
    output_numbers = {id(v): nr for nr, v in enumerate(result)}
    ctx._saved = tuple(SavedTensor(t, output_of=output_numbers.get(id(t)) if recording else None)
                       if isinstance(t, Tensor) else t for t in ctx._to_save)
    return tuple(result)


def once_differentiable(backward):
    """Mark a ``backward`` as not differentiable itself: it always runs without recording."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return backward(ctx, *grads)

    return wrapper
