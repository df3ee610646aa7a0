"""Float64 arithmetic with one rounding where NumPy rounds twice: the exact error of a product (Dekker),
and a fused multiply-add built on it, for kernels whose PyTorch counterpart runs on the CPU's FMA."""

from ._array import namespace_of

__all__ = ["two_product", "fused_multiply_add"]

_SPLITTER = 134217729.0  # 2**27 + 1: Dekker's split of a float64 into two 26-bit halves


def two_product(x, y):
    """``x * y`` as a pair (product, error) whose sum is exact (Dekker's algorithm, no fused multiply-add)."""
    product = x * y
    x_big = _SPLITTER * x
    x_high = x_big - (x_big - x)
    x_low = x - x_high
    y_big = _SPLITTER * y
    y_high = y_big - (y_big - y)
    y_low = y - y_high
    error = ((x_high * y_high - product) + x_high * y_low + x_low * y_high) + x_low * y_low
    return product, error


def fused_multiply_add(x, y, z):
    """``x * y + z`` rounded once (float64 arrays): the product's exact error and the sum's (Knuth's two-sum)
    are added back before the last rounding. Where they are zero the plain sum is exact (and has the fused
    result's sign of zero); where they are not finite (infinities, a split that overflows) the plain sum
    stands, as the fused one is infinite or NaN there too."""
    xp = namespace_of(x)
    product, product_error = two_product(x, y)
    total = product + z
    z_part = total - product
    sum_error = (product - (total - z_part)) + (z - z_part)
    correction = sum_error + product_error
    return xp.where(xp.isfinite(correction) & (correction != 0), total + correction, total)
