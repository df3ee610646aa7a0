"""Op table entries for custom ``autograd.Function``s: what ``ctx`` can save and mark, checked like any op.

Each Function is defined once per library (chainrule and torch run the same source), so its values,
gradients, grad_fn names and first and second derivatives are compared with PyTorch's like a built-in
op's. Between them they save inputs, outputs at each position and intermediates, return one or two
outputs, mark outputs dirty or non-differentiable, and use ``once_differentiable``.
"""

from . import OpInfo, Sample, noncontiguous

_CLASSES = {}


def _functions(lib):
    """The custom Functions, defined on ``lib.autograd.Function`` (made once per library)."""
    if lib in _CLASSES:
        return _CLASSES[lib]
    Function = lib.autograd.Function

    class Sinh(Function):
        """PyTorch's tutorial example: saves its input and its output."""

        @staticmethod
        def forward(ctx, x):
            result = (x.exp() - (-x).exp()) / 2
            ctx.save_for_backward(x, result)
            return result

        @staticmethod
        def backward(ctx, grad):
            x, result = ctx.saved_tensors
            return grad * (result + (-x).exp())  # cosh(x) = sinh(x) + exp(-x)

    class ExpPair(Function):
        """``(exp(x), exp(2x))``, saving only the second output: in a second-order graph the saved value must
        be output 1 of this node (its gradient reaches ``exp(2x)``, not ``exp(x)``)."""

        @staticmethod
        def forward(ctx, x):
            second = (2 * x).exp()
            ctx.save_for_backward(second)
            return x.exp(), second

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            (second,) = ctx.saved_tensors
            return grad_first * second.sqrt() + grad_second * 2 * second

    class ExpOfFirst(Function):
        """Two outputs, saving the first (position 0) and an intermediate that is not an output."""

        @staticmethod
        def forward(ctx, x, y):
            product = x * y
            result = product.exp()
            ctx.save_for_backward(result, y, x)
            return result, product

        @staticmethod
        def backward(ctx, grad_result, grad_product):
            result, y, x = ctx.saved_tensors
            total = grad_result * result + grad_product
            return total * y, total * x

    class ArgmaxAndMax(Function):
        """An integer output marked non-differentiable beside a float one."""

        @staticmethod
        def forward(ctx, x):
            index = x.argmax(-1, keepdim=True)
            values = x.gather(-1, index)
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(index)
            ctx.input_shape = x.shape
            return values, index

        @staticmethod
        def backward(ctx, grad_values, grad_index):
            (index,) = ctx.saved_tensors
            return grad_values.new_zeros(ctx.input_shape).scatter(-1, index, grad_values)

    class DoubleInPlace(Function):
        """Modifies its input in place and marks it dirty."""

        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class CubeOnce(Function):
        """A backward that is not differentiable itself (``once_differentiable``)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    _CLASSES[lib] = {cls.__name__: cls for cls in (Sinh, ExpPair, ExpOfFirst, ArgmaxAndMax, DoubleInPlace,
                                                   CubeOnce)}
    return _CLASSES[lib]


def _apply(name):
    def call(lib, *args):
        return _functions(lib)[name].apply(*args)

    return call


def _dirty(lib, x):
    return _functions(lib)["DoubleInPlace"].apply(x * 1)  # a non-leaf copy: a leaf may not change in place


def _unary(rng):
    yield Sample((rng.uniform(-1.5, 1.5, ()),), name="0-d")
    yield Sample((rng.uniform(-1.5, 1.5, (0,)),), name="empty")
    yield Sample((rng.uniform(-1.5, 1.5, (2, 3)),))
    yield Sample((noncontiguous(rng.uniform(-1.5, 1.5, (3, 4))),), name="noncontiguous")


def _binary(rng):
    yield Sample((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))))
    yield Sample((rng.uniform(-1, 1, ()), rng.uniform(-1, 1, ())), name="0-d")
    yield Sample((noncontiguous(rng.uniform(-1, 1, (3, 4))), rng.uniform(-1, 1, (3, 4))), name="noncontiguous")


def _rows(rng):
    yield Sample((rng.permutation(12).reshape(3, 4) / 3.0,), name="distinct values")
    yield Sample((noncontiguous(rng.permutation(8).reshape(2, 4) / 2.0),), name="noncontiguous")


OPS = [
    OpInfo("Function.Sinh", _apply("Sinh"), _unary),
    OpInfo("Function.ExpPair", _apply("ExpPair"), _unary),
    OpInfo("Function.ExpOfFirst", _apply("ExpOfFirst"), _binary),
    OpInfo("Function.ArgmaxAndMax", _apply("ArgmaxAndMax"), _rows),
    OpInfo("Function.DoubleInPlace", _dirty, _unary),
    OpInfo("Function.CubeOnce", _apply("CubeOnce"), _unary, gradgrad=False),
]
