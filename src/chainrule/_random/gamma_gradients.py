"""Reparameterised gradients of gamma and Dirichlet samples: how a sample moves when its concentration
does, with the uniform noise behind it held fixed (``-(dF/dalpha) / f`` for the cdf ``F`` and density
``f``). There is no closed form; these are the approximations PyTorch's CPU kernels evaluate (Taylor
series near zero, saddle-point expansions for large concentrations, fitted rational functions
elsewhere), computed elementwise in float64 on the arrays' namespace.
"""

from .._array import namespace_of

__all__ = ["standard_gamma_grad", "dirichlet_grad"]


def _digamma(x):
    """digamma for positive ``x`` (float64): the recurrence up to 10, then the asymptotic series."""
    xp = namespace_of(x)
    result = xp.zeros_like(x)
    x = x.copy()
    for _ in range(10):
        low = x < 10
        if not low.any():
            break
        result = xp.where(low, result - 1 / xp.where(low, x, 1.0), result)
        x = xp.where(low, x + 1, x)
    z = 1.0 / (x * x)
    series = 0.0
    for coefficient in (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                        -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                        8.33333333333333333333E-2):
        series = series * z + coefficient
    asymptotic = xp.where(x < 1.0e17, z * series, 0.0)
    exactly_ten = result + 2.25175258906672110764
    return xp.where(x == 10, exactly_ten, result + xp.log(x) - 0.5 / x - asymptotic)


# Coefficients of the rational approximation to the gamma gradient in (log(x / alpha), log(alpha)).
_GAMMA_UV = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
             (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
              -0.00058392623),
             (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
              0.00085092367, -1.5247877e-07))


def standard_gamma_grad(alpha, x):
    """d x / d alpha for ``x`` drawn from Gamma(alpha, 1), in the dtype of ``x``."""
    xp = namespace_of(x)
    out_dtype = x.dtype
    alpha = alpha.astype(xp.float64)
    x = x.astype(xp.float64)
    with xp.errstate(all="ignore"):
        small = _gamma_grad_small_x(xp, alpha, x)
        large = _gamma_grad_large_alpha(xp, alpha, x)
        fitted = _gamma_grad_fitted(xp, alpha, x)
        result = xp.where(x < 0.8, small, xp.where(alpha > 8.0, large, fitted))
    return result.astype(out_dtype)


def _gamma_grad_small_x(xp, alpha, x):
    """Near zero: the cdf's Taylor series in ``x`` and its derivative in alpha (NaN becomes 0)."""
    numer = xp.ones_like(x)
    denom = alpha.copy()
    series1 = numer / denom
    series2 = numer / (denom * denom)
    for i in range(1, 6):
        numer = numer * (-x / i)
        denom = denom + 1
        series1 = series1 + numer / denom
        series2 = series2 + numer / (denom * denom)
    pow_x_alpha = x ** alpha
    pdf = x ** (alpha - 1) * xp.exp(-x)
    cdf = pow_x_alpha * series1
    cdf_alpha = (xp.log(x) - _digamma(alpha)) * cdf - pow_x_alpha * series2
    result = -cdf_alpha / pdf
    return xp.where(xp.isnan(result), 0.0, result)


def _gamma_grad_large_alpha(xp, alpha, x):
    """Large alpha: Rice's saddle-point expansion, with a polynomial in the middle where it is singular."""
    near_mean = (0.9 * alpha <= x) & (x <= 1.1 * alpha)
    numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
    numer_2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
    middle = numer_1 * numer_2 / (1244160 * (alpha * alpha) * (alpha * alpha))
    denom = xp.sqrt(8 * alpha)
    term2 = denom / (alpha - x)
    term3 = (x - alpha - alpha * xp.log(x / alpha)) ** -1.5
    term23 = xp.where(x < alpha, term2 - term3, term2 + term3)
    term1 = xp.log(x / alpha) * term23 - xp.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x))
    stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
    tails = -stirling * (x * term1) / denom
    return xp.where(near_mean, middle, tails)


def _gamma_grad_fitted(xp, alpha, x):
    u = xp.log(x / alpha)
    v = xp.log(alpha)
    coefficients = [c0 + u * (c1 + u * c2) for c0, c1, c2 in zip(*_GAMMA_UV)]
    p = coefficients[0] + v * (coefficients[1] + v * (coefficients[2] + v * coefficients[3]))
    q = coefficients[4] + v * (coefficients[5] + v * (coefficients[6] + v * coefficients[7]))
    return xp.exp(p / q)


# ---------------------------------------------------------------- Dirichlet, through its Beta marginals
def dirichlet_grad(x, alpha, total):
    """d x / d alpha for one coordinate ``x`` of a Dirichlet sample, whose marginal is
    Beta(alpha, total - alpha), scaled by ``1 / (1 - x)`` (the other coordinates shrink to make room)."""
    xp = namespace_of(x)
    out_dtype = x.dtype
    x, alpha, total = (a.astype(xp.float64) for a in (x, alpha, total))
    beta = total - alpha
    boundary = total * x * (1 - x)
    with xp.errstate(all="ignore"):
        near_zero = _beta_grad_alpha_small(xp, x, alpha, beta)
        near_one = -_beta_grad_beta_small(xp, 1 - x, beta, alpha)
        both_large = _beta_grad_alpha_mid(xp, x, alpha, beta)
        fitted = _beta_grad_fitted(xp, x, alpha, total, beta)
        result = xp.where((x <= 0.5) & (boundary < 2.5), near_zero,
                          xp.where((x >= 0.5) & (boundary < 0.75), near_one,
                                   xp.where((alpha > 6) & (beta > 6), both_large, fitted)))
    return result.astype(out_dtype)


def _beta_grad_alpha_small(xp, x, alpha, beta):
    """x near 0: the Taylor series of the Beta cdf in ``x`` (NaN becomes 0)."""
    factor = _digamma(alpha) - _digamma(alpha + beta) - xp.log(x)
    numer = xp.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return xp.where(xp.isnan(result), 0.0, result)


def _beta_grad_beta_small(xp, x, alpha, beta):
    """The gradient in ``beta`` for x near 0 (used mirrored, for x near 1)."""
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer = xp.ones_like(x)
    betas = xp.ones_like(x)
    dbetas = xp.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return xp.where(xp.isnan(result), 0.0, result)


def _beta_grad_alpha_mid(xp, x, alpha, beta):
    """Both concentrations large: a saddle-point expansion, a polynomial within 0.1 sd of the mean."""
    total = alpha + beta
    mean = alpha / total
    std = xp.sqrt(alpha * beta / (total + 1)) / total
    near_mean = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)
    b2 = beta * beta
    poly = 47 * x * b2 * b2 + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * b2 * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * b2 + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    middle = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / xp.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1 = term1_num / (xp.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx)
    term2 = 0.5 * xp.log(alpha / (total * x))
    term3 = xp.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = (beta * xp.log(beta / (total * (1 - x))) + alpha * xp.log(alpha / (total * x))) ** -1.5
    tails = stirling * prefactor * (term1 + term2 * (term3 + xp.where(x < mean, term4, -term4)))
    return xp.where(near_mean, middle, tails)


# p and q of the rational correction: [p or q][power of u][power of a] -> cubic in b.
_BETA_PQ = (
    (((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
      (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
      (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
     ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
      (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
      (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
     ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
      (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
      (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
    (((1, -0.02924021934, -0.04438342661, 0.007285809825),
      (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
      (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
     ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
      (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
      (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
     ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
      (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
      (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))),
)


def _beta_grad_fitted(xp, x, alpha, total, beta):
    """Elsewhere: ``x (digamma(total) - digamma(alpha)) / beta`` corrected by a fitted rational function."""
    u = xp.log(x)
    a = xp.log(alpha) - u
    b = xp.log(total) - a
    powers_u = (1.0, u, u * u)
    powers_a = (1.0, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = powers_u[i] * powers_a[j]
            cp, cq = _BETA_PQ[0][i][j], _BETA_PQ[1][i][j]
            p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
            q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
    approx = x * (_digamma(total) - _digamma(alpha)) / beta
    return p / q * approx

