"""Gradients landing on leaves: ``AccumulateGrad``, the sink node every leaf gets, and what it does.

A leaf's sink runs the leaf's hooks, then adds the gradient into ``leaf.grad``: the first gradient
is copied into a fresh array of the leaf's dtype laid out as PyTorch's gradient layout contract says
(the leaf's strides when its elements fill their memory without gaps, else C order), later ones are
added in place. Under ``enforce_grad_layout_policy(False)`` the first gradient keeps the layout the
backward pass made (a broadcast gradient is taken as it is, as PyTorch steals it). With
``create_graph=True`` the gradient keeps its graph: the first one is copied with ``copy_`` (so its
``grad_fn`` is ``CopyBackwards``, as in PyTorch) and later ones added with ``+``. (``chainrule.compile``
gives a replayed step's first gradients C order.)
"""

import weakref

from .._array import OVERLAP_MESSAGE, namespace_of, overlaps_itself
from .._recording import state as _recorder_state
from .._tensor import make_tensor
from . import grad_mode
from .graph import Node, check_hook_result, next_sequence_nr

__all__ = ["AccumulateGrad", "accumulator_of", "accumulate_into_leaf", "fresh_gradient"]

_grad_state = grad_mode._state
# Leaves' sinks run as soon as they are ready, as PyTorch's do: above every op node's sequence number.
_ACCUMULATE_FIRST = 1 << 62


class AccumulateGrad(Node):
    """The sink for a leaf: runs the leaf's hooks and adds the gradient into ``leaf.grad``."""

    __slots__ = ("variable",)
    __module__ = "builtins"  # so it prints as PyTorch's does: <AccumulateGrad object at 0x...>
    accumulates_into_leaf = True

    def __init__(self, variable):
        Node.__init__(self, (), None, (), ())
        self.variable = variable
        self._sequence_nr = _ACCUMULATE_FIRST + next_sequence_nr()

    @classmethod
    def name(cls):
        return "torch::autograd::AccumulateGrad"

    def apply(self, grads):
        accumulate_into_leaf(self.variable, grads[0])
        return ()


def accumulator_of(leaf):
    """The leaf's AccumulateGrad node, shared by every graph that uses the leaf while one is alive."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


def fresh_gradient(array, dtype, leaf_array=None):
    """The copy a gradient gets when it first lands on a leaf, in the leaf's dtype: laid out like the leaf
    where the leaf is dense (its elements fill their memory), else C-ordered."""
    xp = namespace_of(array)
    if leaf_array is None or leaf_array.flags.c_contiguous or not _dense(leaf_array):
        return xp.array(array, dtype=dtype, order="C", copy=True)
    fresh = xp.as_strided(xp.empty(leaf_array.size, dtype=dtype), leaf_array.shape, leaf_array.strides)
    xp.copyto(fresh, array, casting="unsafe")
    return fresh


def _dense(array):
    """Whether ``array``'s elements fill a block of memory once each, in some order of its dims."""
    step = array.itemsize
    for stride, size in sorted((stride, size) for stride, size in zip(array.strides, array.shape) if size > 1):
        if stride != step:
            return False
        step *= size
    return True


def _relaxed_gradient(array, dtype):
    """``enforce_grad_layout_policy(False)``: a read-only (broadcast) gradient is taken as it is, any other
    copied in its own layout."""
    if array.dtype == dtype and not getattr(array.flags, "writeable", True):
        return array
    return namespace_of(array).array(array, dtype=dtype, order="K", copy=True)


def accumulate_into_leaf(leaf, grad):
    """What AccumulateGrad does: run the leaf's hooks, then add ``grad`` into ``leaf.grad``."""
    if leaf._hooks:
        for hook in list(leaf._hooks):
            new = hook(grad)
            if new is not None:
                check_hook_result(hook, grad, new)
                grad = new
    data = grad._data
    target_dtype = leaf._data.dtype
    recorder = _recorder_state.recorder
    if _grad_state.enabled:  # create_graph: the gradient keeps its graph
        if recorder is not None:
            recorder.fail("gradients accumulated with create_graph=True are not replayed")
        if data.dtype != target_dtype:
            grad = grad.to(leaf.dtype)
        if leaf._grad is None:
            leaf._grad = make_tensor(fresh_gradient(data, target_dtype, leaf._data)).copy_(grad)
        else:
            leaf._grad = leaf._grad + grad
    elif recorder is not None and recorder.accumulate(leaf, data, target_dtype):
        pass  # recorded (and done) by chainrule.compile
    elif leaf._grad is None:
        if _grad_state.layout_enforced:
            leaf._grad = make_tensor(fresh_gradient(data, target_dtype, leaf._data))
        else:
            leaf._grad = make_tensor(_relaxed_gradient(data, target_dtype))
    else:
        current = leaf._grad
        # Outside grad mode PyTorch adds in place, into a gradient with a graph of its own too (left by a
        # create_graph backward), and refuses an expanded one (taken as it was under the relaxed layout
        # policy, or assigned). A read-only array the user handed in is replaced, never written. CuPy's
        # flags have no writeable: its arrays always are.
        if getattr(current._data.flags, "writeable", True):
            namespace_of(data).add(current._data, data, out=current._data, casting="unsafe")
            current._version_counter[0] += 1  # an in-place add, as PyTorch's AccumulateGrad counts it
        elif overlaps_itself(current._data):
            raise RuntimeError(OVERLAP_MESSAGE)
        else:
            leaf._grad = current + grad
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks):
            hook(leaf)
