"""Top-level forms of in-place methods: ``chainrule.abs_(x)`` is ``x.abs_()``, as PyTorch offers them."""

from ._tensor import Tensor

__all__ = ["INPLACE_FUNCTIONS"]

_NAMES = ("abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ "
          "clamp_ clamp_max_ clamp_min_ clip_ conj_physical_ cos_ cosh_ deg2rad_ erf_ erfc_ exp2_ exp_ expm1_ fix_ "
          "floor_ frac_ gcd_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_ "
          "reciprocal_ round_ rsqrt_ sigmoid_ sin_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ index_put_ i0_ sinc_ "
          "xlogy_ fill_ addmv_").split()


def _function_form(name):
    def inplace(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"``input.{name}(...)``."
    return inplace


# Only the methods chainrule has: a name gains its function form when its method exists.
INPLACE_FUNCTIONS = {name: _function_form(name) for name in _NAMES if hasattr(Tensor, name)}
