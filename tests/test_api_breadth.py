"""The API breadth PyTorch programs use, run as small programs under chainrule and under torch: each prints
values, shapes, reprs and error types, and the printed text must be the same (``chainrule.`` read as
``torch.``). Gradients of the composite ops are checked in the op table (tests/op_db/composites.py).
"""

import contextlib
import io
import warnings

import numpy as np
import pytest
import torch

import chainrule


def _bin(torch):
    """Counting and searching."""
    x = torch.tensor([0, 1, 1, 3])
    print(
        torch.bincount(x),
        torch.bincount(x, minlength=6),
        torch.bincount(x, torch.tensor([0.5, 1, 1, 2])),
        torch.bincount(x, torch.tensor([0.5, 1, 1, 2], dtype=torch.float64)).dtype,
        torch.bincount(x, torch.tensor([1, 2, 3, 4])).dtype,
        torch.bincount(torch.tensor([], dtype=torch.long)),
    )
    for bad in [
        lambda: torch.bincount(torch.tensor([-1])),
        lambda: torch.bincount(torch.tensor([[1]])),
        lambda: torch.bincount(torch.tensor([1.0])),
        lambda: torch.bincount(x, torch.ones(3)),
    ]:
        try:
            bad()
        except Exception as e:
            print(type(e).__name__, e)
    y = torch.tensor([1.0, 2, 1, 4, 2.5])
    print(torch.histc(y, bins=4), torch.histc(y, bins=3, min=0, max=3), torch.histc(torch.tensor([1.0, 1.0]), bins=2))
    print(
        torch.histogram(y, bins=3),
        torch.histogram(y, torch.tensor([0.0, 1.5, 5]), weight=torch.ones(5) * 2, density=True),
    )
    s = torch.tensor([1, 3, 5, 7, 9])
    v = torch.tensor([[3, 6, 9], [3, 6, 9]])
    print(
        torch.searchsorted(s, v),
        torch.searchsorted(s, v, right=True),
        torch.searchsorted(s, 5, side="right"),
        torch.searchsorted(s, v, out_int32=True).dtype,
    )
    print(torch.bucketize(v, s), torch.bucketize(v, s, right=True), torch.bucketize(3, s))
    print(
        torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3])),
        torch.isin(torch.tensor([1, 2]), 2, invert=True),
    )
    print(torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True, return_counts=True))
    print(torch.unique_consecutive(torch.tensor([[1, 1], [1, 1], [2, 3]]), dim=0, return_counts=True))
    print(torch.searchsorted(torch.tensor([[1, 3], [2, 4]]), torch.tensor([[2], [3]])))


def _stat(torch):
    """Statistics."""
    M = torch.tensor([[1.0, 2, 4], [0, 1, -1]])
    print(
        torch.cov(M),
        torch.cov(M, correction=0),
        torch.cov(M, fweights=torch.tensor([1, 2, 1]), aweights=torch.tensor([0.5, 1, 2])),
        torch.cov(torch.tensor([1.0, 2, 4])),
    )
    print(torch.corrcoef(M), torch.corrcoef(torch.tensor([1.0, 2])))
    print(torch.cov(torch.tensor([[1.0]])))
    print(
        torch.diff(
            torch.tensor([1, 3, 2]),
        ),
        torch.diff(torch.tensor([True, False, False])),
        torch.diff(M, n=2, dim=1, prepend=M[:, :1]),
    )
    print(
        torch.gradient(torch.tensor([1.0, 2, 4, 8])),
        torch.gradient(M, spacing=2.0),
        torch.gradient(torch.tensor([1.0, 2, 4, 8]), spacing=(torch.tensor([0.0, 1, 1.5, 3.5]),), edge_order=2),
    )
    print(
        torch.gradient(torch.tensor([1.0, 2, 4, 8]), edge_order=2),
        torch.gradient(torch.tensor([1.0, 2, 4, 8]), spacing=(torch.tensor([0.0, 1, 1.5, 3.5]),)),
    )
    print(
        torch.trapezoid(torch.tensor([1.0, 2, 3])),
        torch.trapezoid(torch.tensor([1.0, 2, 3]), dx=2),
        torch.trapezoid(torch.tensor([1.0, 2, 3]), torch.tensor([0.0, 1, 3])),
        torch.cumulative_trapezoid(torch.tensor([1.0, 2, 3])),
        torch.trapezoid(torch.tensor([1, 2, 3])),
    )
    print(
        torch.renorm(M, 2, 0, 2),
        torch.dist(M, M * 0, 3),
        torch.cdist(M, M * 2),
        torch.cumulative_trapezoid(M, torch.tensor([0.0, 1, 3])),
        torch.trapezoid(M, dim=0),
    )


def _pn(torch):
    """Number functions."""
    a = torch.tensor([-1.0, 0, 2])
    i = torch.tensor([12, 18, -4])
    print(torch.deg2rad(a), torch.deg2rad(torch.tensor([180])), torch.rad2deg(a))
    print(torch.heaviside(a, torch.tensor(0.5)), torch.heaviside(i, torch.tensor([7])))
    try:
        torch.heaviside(a, torch.tensor([1]))
    except Exception as e:
        print(type(e), e)
    print(torch.gcd(i, torch.tensor([8, 12, 6])), torch.lcm(i, torch.tensor([8, 12, 6])))
    try:
        torch.gcd(a, a)
    except Exception as e:
        print(type(e), e)
    print(
        torch.logaddexp(a, a * 2),
        torch.logaddexp2(a, a * 3),
        torch.ldexp(a, torch.tensor([1, 2, 3])),
        torch.ldexp(torch.tensor([1, 2]), torch.tensor([1, 2])),
        torch.ldexp(torch.tensor([1e-3, 2.0], dtype=torch.float16), torch.tensor([20, -20])),
    )
    print(
        torch.float_power(torch.tensor([2, 3]), 2),
        torch.float_power(a, torch.tensor([2.0, 1, 0.5])),
        torch.float_power(2, a),
    )
    print(torch.frexp(torch.tensor([0.0, 1.5, -8, 3])))
    print(torch.nextafter(torch.tensor([1.0, 2]), torch.tensor([2.0, 1])) - torch.tensor([1.0, 2]))
    print(torch.isreal(torch.tensor([1, 1 + 1j, 2 + 0j])), torch.isreal(a), torch.positive(a))
    try:
        torch.positive(torch.tensor([True]))
    except Exception as e:
        print(type(e), e)
    try:
        torch.frexp(torch.tensor([1, 2]))
    except Exception as e:
        print(type(e), e)
    x = torch.tensor([1.0, 2], requires_grad=True)
    print(
        torch.float_power(x, 2).grad_fn.name(),
        torch.logaddexp(x, x).grad_fn.name(),
        torch.ldexp(x, torch.tensor([1, 2])).grad_fn.name(),
    )
    y = a.clone()
    y.deg2rad_()
    print(y, a.rad2deg())


def _sc(torch):
    """Writes into a copy."""
    M = torch.arange(12.0).reshape(3, 4)
    print(
        torch.slice_scatter(M, torch.zeros(3, 2), 1, 0, 4, 2),
        torch.select_scatter(M, torch.zeros(4), 0, -1),
        torch.diagonal_scatter(M, torch.ones(3), 1),
    )
    print(torch.index_put(M, (torch.tensor([0, 0]), torch.tensor([1, 1])), torch.tensor(5.0), accumulate=True))
    print(
        M.put(torch.tensor([0, 11]), torch.tensor([-1.0, -2])),
        M.put(torch.tensor([0, 0]), torch.tensor([1.0, 2]), accumulate=True)[0, 0],
    )
    print(
        M.index_reduce(0, torch.tensor([0, 0]), torch.ones(2, 4) * 3, "prod"),
        M.index_reduce(0, torch.tensor([0, 2]), torch.ones(2, 4) * 3, "mean", include_self=False),
    )
    print(
        M.scatter_reduce(1, torch.tensor([[0, 0, 1]]), torch.ones(1, 3) * 7, "amax"),
        M.scatter_reduce(0, torch.tensor([[0, 1]]), torch.ones(1, 2), "mean"),
    )
    print(M.masked_scatter(M > 8, torch.tensor([-1.0, -2, -3, -4])))
    x = torch.zeros(3, 4)
    x.fill_diagonal_(5)
    print(x)
    y = torch.zeros(7, 3)
    y.fill_diagonal_(1, wrap=True)
    print(y)
    print(torch.as_strided(M, (2, 2), (1, 2), 1), M.as_strided_scatter(torch.ones(2, 2), (2, 2), (1, 2)))
    m2 = M.clone()
    m2.index_put_((torch.tensor([1]),), torch.tensor(9.0), accumulate=True)
    print(m2)
    z = torch.zeros(2, 2, 2)
    z.fill_diagonal_(3)
    print(z)
    print(
        torch.arange(6).scatter_reduce(0, torch.tensor([0, 0, 1]), torch.tensor([5, 1, 2]), "mean", include_self=True)
    )


def _tf(torch):
    """Other spellings and tensor facts."""
    x = torch.arange(6.0).reshape(2, 3)
    print(
        torch.dsplit(torch.zeros(1, 2, 4), 2)[0].shape,
        torch.hsplit(x, [1])[1].shape,
        torch.vsplit(x, 2)[0].shape,
        torch.ravel(x.t()),
        torch.row_stack([x, x]).shape,
    )
    print(
        torch.split_with_sizes(x, [1, 2], 1)[1],
        torch.unsafe_chunk(x, 2, 1)[0].shape,
        torch.unsafe_split(x, 2, 1)[1].shape,
    )
    print(x.sum_to_size(1, 3), x.sum_to_size(3), x.sum_to_size(2, 1))
    try:
        x.sum_to_size(2, 2)
    except Exception as e:
        print(type(e), e)
    print(torch.narrow_copy(x, 1, 0, 2), torch.detach(x), torch.fill(x, 2.0), torch.zero_(x.clone()))
    print(
        x.nbytes,
        x.itemsize,
        x.is_signed(),
        torch.tensor([1]).is_nonzero(),
        x.is_neg(),
        x.resolve_neg() is x,
        x.layout,
        x.is_meta,
        x.is_shared(),
        x.dim_order(),
        x.t().dim_order(),
    )
    try:
        x.pin_memory()
    except Exception as e:
        print(type(e), e)
    print(x.is_pinned())
    y = torch.zeros(2, dtype=torch.int64)
    print(y.type_as(x), x.new(2, 2).shape, x.new([1, 2]), x.new().shape, x.new_empty_strided((2, 2), (1, 2)).stride())
    print(x.cdouble().dtype, x.cfloat().dtype)
    print(x.clone().apply_(lambda v: v + 1), x.clone().map_(x, lambda a, b: a * b))
    xr = torch.randn(2, requires_grad=True)
    try:
        xr.apply_(lambda v: v)
    except Exception as e:
        print(type(e), e)
    print(torch.chain_matmul(torch.eye(2), torch.eye(2)))
    print(
        torch.addr(torch.zeros(2, 2), torch.tensor([1.0, 2]), torch.tensor([3.0, 4]), beta=2, alpha=3),
        torch.addr(torch.full((2, 2), float("nan")), torch.tensor([1.0, 2]), torch.tensor([3.0, 4]), beta=0),
    )
    print(x.share_memory_() is x, x.name, x.is_xla)
    print(torch.is_inference(x), torch.is_distributed(x), torch.is_complex(x), torch.is_signed(x))
    for f in [lambda: torch.eig(x), lambda: x.lstsq(x), lambda: torch.tensor([1.0, 2]).is_nonzero()]:
        try:
            f()
        except Exception as e:
            print(type(e), str(e)[:60])
    print(torch.t_copy(x), torch.unbind_copy(x)[0], torch.slice_copy(x, 1, 1), torch.view_copy(x, (3, 2)).shape)


def _iv(torch):
    """In-place shape changes."""
    a = torch.randn(3, requires_grad=True)
    try:
        a.unsqueeze_(0)
        print("leaf ok", a.shape, a.grad_fn)
    except Exception as e:
        print(type(e), e)
    a = torch.tensor([1.0, 2, 3], requires_grad=True)
    b = a * 2
    v = b.unsqueeze_(0)
    print(v is b, b.shape, b.grad_fn.name(), b._version)
    b.sum().backward()
    print(a.grad)
    c = torch.randn(2, 3)
    d = c[0]
    d.unsqueeze_(0)
    print(d.shape, d._base is c)
    x = torch.randn(2, 3)
    x.t_()
    print(x.shape, x.is_contiguous())
    x.transpose_(0, 1)
    print(x.shape)
    y = torch.randn(2, 3, requires_grad=True) * 1
    y.t_()
    print(y.grad_fn.name())
    y = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]) * 1
    y.tril_()
    print(y)
    z = torch.arange(6.0)
    z.resize_(2, 2)
    print(z)
    z.resize_(4, 4)
    print(z.shape)
    w = torch.zeros(2)
    w.resize_as_(torch.zeros(3, 1))
    print(w.shape)
    e = torch.tensor([-1.0, 2])
    torch.abs_(e)
    torch.clamp_(e, 0, 1.5)
    print(e)
    s = torch.zeros(1, 3, 1)
    s.squeeze_()
    print(s.shape)
    s.swapaxes_(0, 0)
    print(s.shape)
    q = torch.arange(6.0)
    q.as_strided_((2, 2), (1, 2))
    print(q)


def _ll(torch):
    """Pre-linalg functions."""
    A = torch.tensor([[4.0, 1, 0], [1, 3, 1], [0, 1, 2]])
    B = torch.tensor([[1.0, 2], [0, 1], [1, 1]])
    q = torch.qr(A)
    print(q.Q + 0.0, q.R + 0.0, torch.qr(B, some=False)[0].shape)
    C = torch.tensor([[0.0, 1, 2], [1, 1, 0], [3, 0, 1.0]])
    LU, piv = torch.lu(C)
    print(LU, piv, torch.lu(C, get_infos=True)[2])
    print(torch.lu_solve(B, LU, piv))
    print(torch.lu_unpack(LU, piv))
    print(
        torch.triangular_solve(B, A.triu()),
        torch.triangular_solve(B, A, upper=False, transpose=True, unitriangular=True).solution,
    )
    L = torch.linalg.cholesky(A)
    print(
        torch.cholesky_solve(B, L).numpy().round(4) + 0.0,
        torch.cholesky_solve(B, L.mT, upper=True).numpy().round(4) + 0.0,
    )
    print(torch.geqrf(A))
    g = torch.geqrf(A)
    print(torch.orgqr(*g) + 0.0, torch.ormqr(g[0], g[1], B))
    g2 = torch.geqrf(B)
    print(torch.ormqr(g2[0], g2[1], A), torch.ormqr(g2[0], g2[1], A, left=False, transpose=True))
    print(
        torch.nuclear_norm(A),
        torch.frobenius_norm(A, dim=(0, 1)),
        torch.norm_except_dim(A, 2, 0),
        torch.norm_except_dim(A, 2, 1),
    )
    print(torch.linalg.lu_factor_ex(torch.zeros(2, 2)))


def _pz(torch):
    """Parametrizations, weight and spectral norm, fusion."""
    nn = torch.nn
    P = torch.nn.utils.parametrize
    torch.manual_seed(0)
    nn.Linear(4, 3)  # draws from the generator, as the sequence below expects

    class Sym(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    l = nn.Linear(3, 3)
    P.register_parametrization(l, "weight", Sym())
    print(type(l).__name__, P.is_parametrized(l), P.is_parametrized(l, "bias"), l.weight - l.weight.T)
    print(sorted(k for k, _ in l.named_parameters()), list(l.state_dict().keys()))
    x = torch.ones(2, 3)
    l(x).sum().backward()
    print(l.parametrizations.weight.original.grad)
    with P.cached():
        print(l.weight is l.weight)
    P.remove_parametrizations(l, "weight")
    print(type(l).__name__, sorted(k for k, _ in l.named_parameters()))
    w = torch.nn.utils.parametrizations.weight_norm(nn.Linear(4, 3))
    print(w.parametrizations.weight.original0.shape, w.parametrizations.weight.original1.shape)
    print(w(torch.ones(1, 4)))
    torch.manual_seed(0)
    s = torch.nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
    print(s.weight, s.parametrizations.weight[0]._u)
    torch.manual_seed(0)
    o = torch.nn.utils.weight_norm(nn.Linear(4, 3))
    print(o.weight_g.shape, o(torch.ones(1, 4)))
    torch.nn.utils.remove_weight_norm(o)
    print(sorted(k for k, _ in o.named_parameters()))
    torch.manual_seed(0)
    sn = torch.nn.utils.spectral_norm(nn.Linear(4, 3))
    y = sn(torch.ones(1, 4))
    print(y, sn.weight_u)
    torch.nn.utils.remove_spectral_norm(sn)
    print(sorted(k for k, _ in sn.named_parameters()))
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3).eval()
    bn = nn.BatchNorm2d(3).eval()
    bn.running_mean.fill_(0.5)
    bn.running_var.fill_(2.0)
    f = torch.nn.utils.fuse_conv_bn_eval(conv, bn)
    x = torch.randn(1, 2, 5, 5)
    print((f(x) - bn(conv(x))).abs().max() < 1e-5)
    lin = nn.Linear(3, 3).eval()
    bn1 = nn.BatchNorm1d(3).eval()
    print(
        (torch.nn.utils.fuse_linear_bn_eval(lin, bn1)(torch.ones(2, 3)) - bn1(lin(torch.ones(2, 3)))).abs().max() < 1e-6
    )
    ps = [nn.Parameter(torch.ones(3))]
    ps[0].grad = torch.tensor([3.0, 4, 0])
    n = torch.nn.utils.get_total_norm([p.grad for p in ps])
    torch.nn.utils.clip_grads_with_norm_(ps, 1.0, n)
    print(n, ps[0].grad)
    print(repr(w))


def _nm(torch):
    """Layers."""
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(0)
    lz = nn.LazyLinear(3)
    print(lz, lz.weight)
    y = lz(torch.ones(2, 4))
    print(type(lz).__name__, lz, y)
    torch.manual_seed(0)
    c = nn.LazyConv2d(4, 3)
    y = c(torch.ones(1, 2, 5, 5))
    print(type(c).__name__, c, y.shape, c.weight.sum())
    torch.manual_seed(0)
    ct = nn.LazyConvTranspose1d(4, 3)
    y = ct(torch.ones(1, 2, 5))
    print(ct, ct.weight.shape, y.sum())
    b = nn.LazyBatchNorm1d()
    b(torch.randn(4, 3))
    print(b, b.running_mean.shape)
    i = nn.LazyInstanceNorm2d(affine=True)
    i(torch.randn(2, 3, 4, 4))
    print(i, i.weight.shape)
    print(
        nn.ChannelShuffle(2)(torch.arange(8.0).reshape(1, 4, 2)),
        torch.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1), 3).flatten(),
    )
    x = torch.arange(16.0).reshape(1, 4, 2, 2) + 1
    print(nn.CrossMapLRN2d(3)(x).sum(), nn.CrossMapLRN2d(5, alpha=0.5, beta=0.6, k=2)(x).sum())
    torch.manual_seed(0)
    eb = nn.EmbeddingBag(6, 3, mode="sum")
    inp = torch.tensor([1, 2, 4, 5, 4, 3, 2, 0])
    off = torch.tensor([0, 4])
    print(eb, eb(inp, off).detach(), nn.EmbeddingBag(6, 3, mode="max")(inp.reshape(2, 4)).shape)
    w = torch.randn(6, 3)
    print(
        F.embedding_bag(inp, w, off, mode="mean"),
        F.embedding_bag(inp, w, off, mode="max"),
        F.embedding_bag(inp, w, torch.tensor([0, 4, 8]), include_last_offset=True, padding_idx=2),
    )
    print(F.embedding_bag(inp, w, off, mode="sum", per_sample_weights=torch.arange(8.0)))
    print(F.embedding_bag(inp, w, torch.tensor([0, 4, 4])))
    p, ind = F.max_pool2d_with_indices(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    print(p, ind, nn.MaxUnpool2d(2)(p, ind))
    print(nn.LPPool3d(2, 2)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)))
    s = nn.SyncBatchNorm(3)
    print(s, s(torch.randn(2, 3, 4)).shape)
    print(nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(3), nn.Linear(2, 2))))
    d = nn.DataParallel(nn.Linear(2, 1))
    print(d, d(torch.ones(3, 2)).shape, list(d.state_dict()))
    print(nn.Container(a=nn.Linear(1, 1)), nn.NLLLoss2d(), isinstance(nn.LSTMCell(2, 2), nn.RNNCellBase))
    print(nn.UninitializedParameter(), nn.UninitializedBuffer())
    try:
        print(nn.UninitializedParameter().shape)
    except Exception as e:
        print(type(e), e)


def _fa(torch):
    """Top-level functional forms."""
    x = torch.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=torch.float32)
    t = x.sign()
    print(
        torch.dropout(x, 0.5, False),
        torch.embedding(torch.eye(3), torch.tensor([1])),
        torch.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
    )
    print(
        torch.kl_div(x, x.exp()).numpy().round(5) + 0.0,
        torch.kl_div(x, x.exp(), 2).numpy().round(5) + 0.0,
        torch.binary_cross_entropy_with_logits(x, x.sigmoid()),
        torch.cosine_embedding_loss(x, x, t[:, 0], 0.0, 1),
        torch.margin_ranking_loss(x, x, t, 0.0),
        torch.hinge_embedding_loss(x, t, 1.0),
        torch.poisson_nll_loss(x, x.abs(), True, False, 1e-8, 1),
        torch.triplet_margin_loss(x, x * 2, x, 1.0, 2.0, 1e-6, False),
    )
    print(
        torch.constant_pad_nd(x, [1, 1], 2.0).shape,
        torch.adaptive_max_pool1d(x[None], 2),
        torch.max_pool1d_with_indices(x[None], 2),
    )
    print(
        torch.convolution(x[None], torch.ones(1, 2, 2), None, [1], [0], [1], False, [0], 1),
        torch.convolution(x[None], torch.ones(2, 1, 2), None, [1], [0], [1], True, [0], 1),
    )
    print(
        torch.bitwise_left_shift(torch.tensor([1, 2]), 2),
        torch.tensor([8, -8]) >> 1,
        torch.tensor([1, 2]) << torch.tensor([1, 2]),
    )
    print(
        torch.can_cast(torch.float32, torch.int32),
        torch.can_cast(torch.int32, torch.float32),
        torch.result_type(torch.tensor([1]), 1.0),
        torch.result_type(2, 3.0),
        torch.result_type(torch.tensor([1], dtype=torch.int8), torch.tensor(1000)),
        torch.result_type(torch.tensor(1.0, dtype=torch.float64), torch.tensor([1.0])),
    )
    print(torch.empty_strided((2, 3), (1, 2)).stride(), torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride())
    print(torch.frombuffer(bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00"), dtype=torch.int32))
    print(
        torch.cond(torch.tensor(True), lambda x: x + 1, lambda x: x - 1, (torch.tensor(1.0),)),
        torch.while_loop(lambda i: i < 3, lambda i: (i + 1,), (torch.tensor(0),)),
    )
    print(
        torch.nonzero_static(torch.tensor([0, 1, 0, 2]), size=3),
        torch.nonzero_static(torch.tensor([0, 1, 0, 2]), size=1, fill_value=-5),
    )
    for w in ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]:
        print(
            w,
            (getattr(torch, w)(5).numpy().round(5) + 0.0).tolist(),
            (getattr(torch, w)(4, periodic=False, dtype=torch.float64).numpy().round(6) + 0.0).tolist(),
            getattr(torch, w)(1),
            getattr(torch, w)(0).shape,
        )
    y = x.clone()
    torch.fill_(y, 3.0)
    print(y, torch.vmap(lambda a: a * 2)(x).shape)


PROGRAMS = [_bin, _stat, _pn, _sc, _tf, _iv, _ll, _pz, _nm, _fa]


def _printed(program, module):
    buffer = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buffer):
        warnings.simplefilter("ignore")
        program(module)
    return buffer.getvalue()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_program_prints_what_torch_prints(program):
    assert _printed(program, chainrule).replace("chainrule.", "torch.") == _printed(program, torch)


def _optimizer_run(module, name, dtype, **options):
    w = module.nn.Parameter(module.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=dtype))
    b = module.nn.Parameter(module.tensor(np.linspace(0.5, -0.5, 4), dtype=dtype))
    optimizer = getattr(module.optim, name)([w, b], **options)
    x = module.tensor(np.linspace(-2, 2, 8).reshape(2, 4), dtype=dtype)
    for step in range(6):
        optimizer.zero_grad()
        ((x @ w.T).sin().sum() + (b * b * (step + 1)).sum()).backward()
        optimizer.step()
    state = optimizer.state_dict()["state"][0]
    return np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]), sorted(state)


@pytest.mark.parametrize(
    "name,options",
    [
        ("Rprop", {}),
        ("Rprop", {"lr": 0.1, "etas": (0.4, 1.5), "maximize": True}),
        ("ASGD", {"lr": 0.1, "t0": 2}),
        ("ASGD", {"weight_decay": 0.1}),
        ("Adafactor", {}),
        ("Adafactor", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_optimizer_steps_match_torch(name, options, dtype):
    ours, our_state = _optimizer_run(chainrule, name, getattr(chainrule, dtype), **options)
    theirs, their_state = _optimizer_run(torch, name, getattr(torch, dtype), **options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-7)
    assert our_state == their_state


def test_gradients_where_torch_has_none_to_compare():
    """vander and as_strided_scatter: PyTorch's own backward fails or misplaces the region; finite
    differences judge ours."""
    x = chainrule.tensor([0.5, -1.2, 2.0], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda t: chainrule.vander(t), (x,))
    assert chainrule.autograd.gradgradcheck(lambda t: chainrule.vander(t, N=4, increasing=True), (x,))
    a = chainrule.randn(3, 4, dtype=chainrule.float64, requires_grad=True)
    b = chainrule.randn(2, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda p, q: chainrule.as_strided_scatter(p, q, (2, 2), (1, 4)), (a, b))


def test_signatures_as_torch_accepts_them():
    for name in ("zeros", "ones", "empty", "rand", "randn"):
        assert tuple(getattr(chainrule, name)(size=(2, 3)).shape) == (2, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'sizes'"):
        chainrule.zeros(2, sizes=3)
    chainrule.manual_seed(0)
    torch.manual_seed(0)
    assert chainrule.randint(3, size=(5,)).tolist() == torch.randint(3, size=(5,)).tolist()
    from collections import deque

    assert chainrule.tensor(range(3)).tolist() == [0, 1, 2]
    assert chainrule.tensor(deque([1.5, 2.5])).dtype is chainrule.float32
    assert chainrule.tensor([range(2), range(2)]).shape == (2, 2)


def test_autograd_variable_and_datasets():
    from chainrule.autograd import Variable

    v = Variable(chainrule.ones(2), requires_grad=True)
    assert v.requires_grad and isinstance(chainrule.zeros(1), Variable)
    with chainrule.autograd.set_multithreading_enabled(False):
        assert not chainrule.autograd.is_multithreading_enabled()
    assert chainrule.autograd.is_multithreading_enabled()
    data = chainrule.utils.data
    stacked = data.StackDataset(a=chainrule.arange(3), b=chainrule.arange(3) * 2)
    assert len(stacked) == 3 and stacked[1]["b"].item() == 2
    with pytest.raises(ValueError, match="Size mismatch"):
        data.StackDataset(chainrule.arange(3), chainrule.arange(2))

    class Counting(data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    assert list(data.ChainDataset([Counting(2), Counting(3)])) == [0, 1, 0, 1, 2]
