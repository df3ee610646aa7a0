"""Top-level forms of in-place methods: ``chainrule.abs_(x)`` is ``x.abs_()``, as PyTorch offers them.

Each checks its arguments against PyTorch's signatures for the function form first: these are rarely
called, and the function form is stricter than the method (``torch.gcd_(x, 3)`` is refused, ``x.gcd_(3)``
is not), so the check cannot wait for the method to fail.
"""

from ._signatures import Signatures
from ._tensor import Tensor

__all__ = ["INPLACE_FUNCTIONS"]

_UNARY = ("abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ "
          "conj_physical_ cos_ cosh_ deg2rad_ erf_ erfc_ exp2_ exp_ expm1_ fix_ floor_ frac_ log10_ log1p_ log2_ log_ "
          "neg_ negative_ rad2deg_ reciprocal_ rsqrt_ sigmoid_ sin_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ i0_ "
          "sinc_").split()
_TENSOR_OR_NUMBER = ("Tensor input, Tensor {0}", "Tensor input, Scalar {0}")

# PyTorch's signatures of the function forms that take more than the tensor.
_SIGNATURES = {
    "clamp_": ("Tensor input, Tensor? min = None, Tensor? max = None",
               "Tensor input, Scalar? min = None, Scalar? max = None"),
    "clip_": ("Tensor input, Tensor? min = None, Tensor? max = None",
              "Tensor input, Scalar? min = None, Scalar? max = None"),
    "clamp_max_": tuple(text.format("max") for text in _TENSOR_OR_NUMBER),
    "clamp_min_": tuple(text.format("min") for text in _TENSOR_OR_NUMBER),
    "xlogy_": tuple(text.format("other") for text in _TENSOR_OR_NUMBER),
    "fill_": tuple(text.format("value") for text in _TENSOR_OR_NUMBER),
    "gcd_": ("Tensor input, Tensor other",),
    "lcm_": ("Tensor input, Tensor other",),
    "ldexp_": ("Tensor input, Tensor other",),
    "logit_": ("Tensor input, float? eps = None",),
    "nan_to_num_": ("Tensor input, float? nan = None, float? posinf = None, float? neginf = None",),
    "round_": ("Tensor input", "Tensor input, *, int decimals"),
    "index_put_": ("Tensor input, Tensor?[] indices, Tensor values, bool accumulate = False",),
    **{name: ("Tensor input",) for name in _UNARY},
}
# Deprecated forms PyTorch still accepts but never lists.
_HIDDEN = {"addmv_": ("Scalar beta, Tensor input, Scalar alpha, Tensor mat, Tensor vec",
                      "Scalar beta, Tensor input, Tensor mat, Tensor vec")}
_SIGNATURES["addmv_"] = ("Tensor input, Tensor mat, Tensor vec, *, Scalar beta = 1, Scalar alpha = 1",)


def _function_form(name):
    signatures = Signatures(name, *_SIGNATURES[name], hidden=_HIDDEN.get(name, ()))

    def inplace(input, *args, **kwargs):
        signatures.check((input, *args), kwargs)
        return getattr(input, name)(*args, **kwargs)

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"``input.{name}(...)``."
    return inplace


# Only the methods chainrule has: a name gains its function form when its method exists.
INPLACE_FUNCTIONS = {name: _function_form(name) for name in _SIGNATURES if hasattr(Tensor, name)}
