"""Op table entries for custom ``autograd.Function``s: what ``ctx`` can save and mark, checked like any op.

Each Function is defined once per library (chainrule and torch run the same source), so its values,
gradients, grad_fn names and first and second derivatives are compared with PyTorch's like a built-in
op's. Between them they save inputs, outputs at each position and intermediates, return one, two or
three outputs, mark outputs dirty (a tensor or a view) or non-differentiable, use
``once_differentiable``, ``set_materialize_grads(False)``, ``setup_context`` and a non-tensor argument,
and those with a ``jvp`` (one reading ``save_for_forward``) are run in forward mode against PyTorch by
``tests/test_custom_function_table.py``, which also holds what the generic tests cannot host.
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
            ctx.save_for_forward(x, result)
            return result

        @staticmethod
        def backward(ctx, grad):
            x, result = ctx.saved_tensors
            return grad * (result + (-x).exp())  # cosh(x) = sinh(x) + exp(-x)

        @staticmethod
        def jvp(ctx, tangent):
            x, result = ctx.saved_tensors  # inside jvp: what save_for_forward kept
            return tangent * (result + (-x).exp())

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


    class SquareAndTriple(Function):
        """The issue's ``F2`` made exact: ``(x², 3x)``, saving only its second output, whose gradient must
        come back as output 1 in a second-order graph."""

        @staticmethod
        def forward(ctx, x):
            tripled = x * 3
            ctx.save_for_backward(tripled)
            return x * x, tripled

        @staticmethod
        def backward(ctx, grad_square, grad_tripled):
            (tripled,) = ctx.saved_tensors
            return grad_square * tripled * (2 / 3) + grad_tripled * 3

    class SinProductCos(Function):
        """Three outputs, saving the last and the first (in that order) beside both inputs; a ``jvp``."""

        @staticmethod
        def forward(ctx, x, y):
            sin, cos = x.sin(), x.cos()
            ctx.save_for_backward(cos, sin, x, y)
            ctx.save_for_forward(x, y)
            return sin, x * y, cos

        @staticmethod
        def backward(ctx, grad_sin, grad_product, grad_cos):
            cos, sin, x, y = ctx.saved_tensors
            return grad_sin * cos + grad_product * y - grad_cos * sin, grad_product * x

        @staticmethod
        def jvp(ctx, tangent_x, tangent_y):
            x, y = ctx.saved_tensors
            return tangent_x * x.cos(), tangent_x * y + x * tangent_y, -tangent_x * x.sin()

    class SinCosUnmaterialized(Function):
        """``set_materialize_grads(False)``: an output without a gradient reaches backward as None."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, grad_sin, grad_cos):
            (x,) = ctx.saved_tensors
            grad = None if grad_sin is None else grad_sin * x.cos()
            if grad_cos is not None:
                grad = -grad_cos * x.sin() if grad is None else grad - grad_cos * x.sin()
            return grad

    class ScaledCube(Function):
        """``setup_context`` (forward without ctx) and a Python number argument, which gets no gradient."""

        @staticmethod
        def forward(x, scale):
            return x ** 3 * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, scale = inputs
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            ctx.scale = scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.scale, None

        @staticmethod
        def jvp(ctx, tangent, scale_tangent):
            (x,) = ctx.saved_tensors
            return tangent * 3 * x ** 2 * ctx.scale

    _CLASSES[lib] = {cls.__name__: cls for cls in (Sinh, ExpPair, ExpOfFirst, ArgmaxAndMax, DoubleInPlace,
                                                   CubeOnce, SquareAndTriple, SinProductCos, SinCosUnmaterialized,
                                                   ScaledCube)}
    return _CLASSES[lib]


def _apply(name):
    def call(lib, *args):
        return _functions(lib)[name].apply(*args)

    return call


def _first_output(name):
    """Only the first output is used: backward gets zeros (or None, unmaterialised) for the others."""

    def call(lib, *args):
        return _functions(lib)[name].apply(*args)[0]

    return call


def _dirty(lib, x):
    return _functions(lib)["DoubleInPlace"].apply(x * 1)  # a non-leaf copy: a leaf may not change in place


def _dirty_view(lib, x):
    """Every other element of a copy doubled in place through a view: the copy's history becomes a
    ``CopySlices`` over the Function's node, the view's an ``AsStridedBackward0`` of the copy."""
    copy = x * 1
    view = _functions(lib)["DoubleInPlace"].apply(copy.view(-1)[::2])
    return copy, view


def _unary(rng):
    yield Sample((rng.uniform(-1.5, 1.5, ()),), name="0-d")
    yield Sample((rng.uniform(-1.5, 1.5, (0,)),), name="empty")
    yield Sample((rng.uniform(-1.5, 1.5, (2, 3)),))
    yield Sample((noncontiguous(rng.uniform(-1.5, 1.5, (3, 4))),), name="noncontiguous")


def _binary(rng):
    yield Sample((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))))
    yield Sample((rng.uniform(-1, 1, ()), rng.uniform(-1, 1, ())), name="0-d")
    yield Sample((noncontiguous(rng.uniform(-1, 1, (3, 4))), rng.uniform(-1, 1, (3, 4))), name="noncontiguous")


def _scaled(rng):
    for sample in _unary(rng):
        yield Sample(sample.args + (2.5,), name=sample.name)


def _not_0d(rng):
    yield Sample((rng.uniform(-1.5, 1.5, (5,)),))
    yield Sample((rng.uniform(-1.5, 1.5, (2, 3)),))
    yield Sample((noncontiguous(rng.uniform(-1.5, 1.5, (3, 4))),), name="noncontiguous")


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
    OpInfo("Function.SquareAndTriple", _apply("SquareAndTriple"), _unary),
    OpInfo("Function.SinProductCos", _apply("SinProductCos"), _binary),
    OpInfo("Function.SinProductCos.first", _first_output("SinProductCos"), _binary),
    OpInfo("Function.ExpOfFirst.first", _first_output("ExpOfFirst"), _binary),
    OpInfo("Function.SinCosUnmaterialized", _apply("SinCosUnmaterialized"), _unary),
    OpInfo("Function.SinCosUnmaterialized.first", _first_output("SinCosUnmaterialized"), _unary),
    OpInfo("Function.ScaledCube", _apply("ScaledCube"), _scaled),
    OpInfo("Function.DoubleInPlace.view", _dirty_view, _not_0d),
]
