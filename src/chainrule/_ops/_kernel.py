"""How ``chainrule.compile`` repeats an op's array work: the op's kernel, declared beside the op.

A kernel builder is registered on an op's node class with ``@replays(NodeClass)``, next to the op's
forward and its derivative. While a call is being recorded, the builder sees the op's actual operands
(``out``, ``inputs``, ``saved``, ``args``: what ``record`` got) and returns a ``Kernel``: the array call
that recomputes the result, specialised to the dtypes and shapes it sees, on the operands' array
namespace. It returns None for a case it does not cover; the op is then replayed by calling it whole.
A kernel that does not match eager bit for bit is caught when the plan is verified, so a wrong builder
costs speed, never a wrong answer.
"""

__all__ = ["Kernel", "Constant", "replays", "elementwise", "ELEMENTWISE", "float_operator", "binary_operands",
           "same_kind_number"]

ELEMENTWISE = set()  # kernel functions besides ufuncs whose output element i reads only element i of each input


class Kernel:
    """``fn(*operands)``; ``template`` is the same call as a Python expression over ``{0}``, ``{1}``, ...

    Operands are the op's tensors (read from their slots at replay), ``Constant``s, or plain values.
    """

    __slots__ = ("fn", "operands", "template")

    def __init__(self, fn, operands, template=None):
        self.fn = fn
        self.operands = tuple(operands)
        self.template = template


class Constant:
    """An array a kernel passes as a fixed operand (the replay binds it instead of reading a slot)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def replays(node_class):
    """Decorator: ``builder(out, inputs, saved, args)`` gives the kernel that repeats ``node_class``'s op.

    ``out`` is the result's array; ``saved`` has None where the op saved its own output.
    """
    def register(builder):
        node_class.kernel = staticmethod(builder)
        return builder

    return register


def elementwise(fn):
    """Mark a kernel function as elementwise, so compile may fuse it with its neighbours."""
    ELEMENTWISE.add(fn)
    return fn


def float_operator(template, out):
    """``template`` when a Python operator computes exactly what eager's ufunc call did, else None.

    A replay runs 0-d values as NumPy scalars. For float32 and float64 their operators round exactly
    like the ufunc loops; complex scalar arithmetic is NumPy's own code and can differ in the last bit,
    and integer scalars warn on overflow where arrays wrap silently.
    """
    return template if out.dtype.kind == "f" and out.dtype.itemsize in (4, 8) else None


def same_kind_number(x, value):
    """A Python number the namespace combines with array ``x`` exactly as eager's ``binary_arrays`` leaves it."""
    cls = value.__class__
    kind = x.dtype.kind
    return kind == "f" and (cls is float or cls is int) or kind in "iu" and cls is int


def binary_operands(inputs):
    """A binary op's two operands when eager computed on them uncast, else None."""
    a, b = inputs
    x = getattr(a, "_data", None)
    if x is None:
        return None
    y = getattr(b, "_data", None)
    if y is not None:
        return (a, b) if x.dtype == y.dtype else None
    return (a, b) if same_kind_number(x, b) else None
