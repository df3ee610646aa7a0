"""nn.functional convolution, pooling, normalisation, padding, resizing and embedding: errors, running
statistics and edge values, each compared with PyTorch."""

import numpy as np
import pytest
import torch

import chainrule


def _both(build):
    """``build(module)`` with chainrule and with torch; each result or the exception it raised."""
    results = []
    for module in (chainrule, torch):
        try:
            results.append(build(module))
        except (RuntimeError, ValueError, IndexError, TypeError, NotImplementedError, AssertionError) as exc:
            results.append(exc)
    return results


def _assert_same_error(build):
    ours, theirs = _both(build)
    assert isinstance(theirs, Exception), "PyTorch accepted the call"
    assert type(ours) is type(theirs), f"{type(ours).__name__}: {ours}"
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def _t(module, shape, dtype="float32", seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return module.tensor(data, dtype=getattr(module, dtype))


ERRORS = {
    "max_pool2d padding over half the kernel, within the dilated one": lambda m: m.nn.functional.max_pool2d(
        _t(m, (1, 6, 6)), (3, 2), 1, (1, 2), (1, 3)),
    "max_pool3d padding over half the kernel, within the dilated one": lambda m: m.nn.functional.max_pool3d(
        _t(m, (1, 1, 6, 6, 6)), (2, 3, 4), 1, (0, 1, 3), (1, 1, 2)),
    "max_pool1d indices padding over half the kernel": lambda m: m.nn.functional.max_pool1d(
        _t(m, (1, 1, 6)), 2, 1, 2, 3, return_indices=True),
    "antialiased resize of float16": lambda m: m.nn.functional.interpolate(
        _t(m, (1, 2, 6, 6), "float16"), size=(3, 3), mode="bilinear", antialias=True),
    "4-d local response norm of float16": lambda m: m.nn.functional.local_response_norm(
        _t(m, (1, 2, 6, 6), "float16"), 2),
    "conv input double, weight float": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4), "float64"),
                                                                         _t(m, (2, 3, 2, 2))),
    "conv input float, weight double": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)),
                                                                         _t(m, (2, 3, 2, 2), "float64")),
    "conv bias dtype": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)),
                                                        _t(m, (2,), "float64")),
    "conv channels": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 2, 2, 2))),
    "conv kernel too large": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 5, 5))),
    "conv rank": lambda m: m.nn.functional.conv2d(_t(m, (4, 4)), _t(m, (2, 3, 2, 2))),
    "conv1d rank": lambda m: m.nn.functional.conv1d(_t(m, (1, 1, 3, 4)), _t(m, (2, 3, 2))),
    "conv groups channels": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)), groups=2),
    "conv groups weight": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (4, 1, 2, 2)), groups=3),
    "conv stride": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)), stride=0),
    "conv negative padding": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)), padding=-1),
    "conv dilation": lambda m: m.nn.functional.conv2d(_t(m, (2, 3, 6, 6)), _t(m, (4, 3, 3, 3)), dilation=0),
    "conv same strided": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 3, 3)), stride=2,
                                                          padding="same"),
    "conv padding string": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)),
                                                            padding="full"),
    "conv bias size": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)), _t(m, (3,))),
    "conv stride length": lambda m: m.nn.functional.conv2d(_t(m, (1, 3, 4, 4)), _t(m, (2, 3, 2, 2)),
                                                           stride=(1, 1, 1)),
    "conv_transpose output_padding": lambda m: m.nn.functional.conv_transpose2d(
        _t(m, (1, 3, 3, 3)), _t(m, (3, 2, 2, 2)), output_padding=1),
    "conv_transpose channels": lambda m: m.nn.functional.conv_transpose2d(_t(m, (1, 3, 3, 3)), _t(m, (4, 2, 2, 2))),
    "unfold rank": lambda m: m.nn.functional.unfold(_t(m, (3, 3)), 2),
    "unfold rank 5": lambda m: m.nn.functional.unfold(_t(m, (1, 1, 1, 3, 3)), 2),
    "fold rank": lambda m: m.nn.functional.fold(_t(m, (1, 1, 4, 3)), (3, 3), 2),
    "fold blocks": lambda m: m.nn.functional.fold(_t(m, (1, 4, 3)), (3, 3), 2),
    "fold channels": lambda m: m.nn.functional.fold(_t(m, (1, 3, 4)), (3, 3), 2),
    "max_pool padding": lambda m: m.nn.functional.max_pool2d(_t(m, (1, 1, 4, 4)), 3, padding=2),
    "max_pool too small": lambda m: m.nn.functional.max_pool2d(_t(m, (1, 2, 3, 3)), 4),
    "max_pool stride": lambda m: m.nn.functional.max_pool2d(_t(m, (1, 1, 4, 4)), 2, stride=0),
    "max_pool kernel length": lambda m: m.nn.functional.max_pool2d(_t(m, (1, 1, 4, 4)), (2, 2, 2)),
    "max_pool dilation": lambda m: m.nn.functional.max_pool2d(_t(m, (1, 1, 4, 4)), 2, dilation=0),
    "max_pool rank": lambda m: m.nn.functional.max_pool2d(_t(m, (4, 4)), 2),
    "avg_pool rank": lambda m: m.nn.functional.avg_pool2d(_t(m, (4, 4)), 2),
    "avg_pool3d rank": lambda m: m.nn.functional.avg_pool3d(_t(m, (4, 4)), 2),
    "max_pool3d rank": lambda m: m.nn.functional.max_pool3d(_t(m, (4, 4)), 2),
    "adaptive_max_pool3d rank": lambda m: m.nn.functional.adaptive_max_pool3d(_t(m, (4, 4)), 2),
    "max_unpool index": lambda m: m.nn.functional.max_unpool2d(_t(m, (1, 1, 2, 2)), m.tensor([[[[0, 1], [2, 16]]]]),
                                                                2),
    "max_unpool output_size": lambda m: m.nn.functional.max_unpool2d(_t(m, (1, 1, 2, 2)),
                                                                      m.tensor([[[[0, 1], [2, 3]]]]), 2,
                                                                      output_size=(7, 7)),
    "max_pool empty channels": lambda m: m.nn.functional.max_pool2d(_t(m, (2, 0, 4, 4)), 2),
    "max_pool1d rank": lambda m: m.nn.functional.max_pool1d(_t(m, (4,)), 2),
    "avg_pool too small": lambda m: m.nn.functional.avg_pool2d(_t(m, (1, 2, 3, 3)), 4),
    "avg_pool divisor": lambda m: m.nn.functional.avg_pool2d(_t(m, (1, 1, 4, 4)), 2, divisor_override=0),
    "adaptive_avg rank": lambda m: m.nn.functional.adaptive_avg_pool2d(_t(m, (4, 4)), 2),
    "adaptive_avg integer": lambda m: m.nn.functional.adaptive_avg_pool2d(m.ones(1, 3, 3, dtype=m.int64), 2),
    "adaptive_max rank": lambda m: m.nn.functional.adaptive_max_pool2d(_t(m, (4, 4)), 2),
    "adaptive output length": lambda m: m.nn.functional.adaptive_avg_pool2d(_t(m, (1, 4, 4)), (2, 2, 2)),
    "adaptive avg output size": lambda m: m.nn.functional.adaptive_avg_pool2d(_t(m, (1, 1, 4, 4)), (2, 2, 2)),
    "adaptive max output size": lambda m: m.nn.functional.adaptive_max_pool2d(_t(m, (1, 1, 4, 4)), (2, 2, 2)),
    "batch_norm running_mean": lambda m: m.nn.functional.batch_norm(_t(m, (2, 3)), _t(m, (4,)), _t(m, (3,))),
    "batch_norm weight": lambda m: m.nn.functional.batch_norm(_t(m, (2, 3)), _t(m, (3,)), _t(m, (3,)),
                                                              _t(m, (4,))),
    "batch_norm one value": lambda m: m.nn.functional.batch_norm(_t(m, (1, 3)), None, None, training=True),
    "batch_norm evaluation": lambda m: m.nn.functional.batch_norm(_t(m, (2, 3)), None, None),
    "batch_norm integer": lambda m: m.nn.functional.batch_norm(_t(m, (2, 3)).long(), None, None, training=True),
    "layer_norm shape": lambda m: m.nn.functional.layer_norm(_t(m, (2, 3)), (2,)),
    "layer_norm weight": lambda m: m.nn.functional.layer_norm(_t(m, (2, 3)), (3,), _t(m, (2,))),
    "group_norm groups": lambda m: m.nn.functional.group_norm(_t(m, (2, 3, 2)), 2),
    "group_norm weight": lambda m: m.nn.functional.group_norm(_t(m, (2, 4, 2)), 2, _t(m, (3,))),
    "instance_norm spatial": lambda m: m.nn.functional.instance_norm(_t(m, (2, 3, 1))),
    "rms_norm shape": lambda m: m.nn.functional.rms_norm(_t(m, (2, 3)), (2,)),
    "pad odd length": lambda m: m.nn.functional.pad(_t(m, (2, 3)), (1,)),
    "pad too long": lambda m: m.nn.functional.pad(_t(m, (2, 3)), (1, 1, 1, 1, 1, 1)),
    "pad reflect size": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (3, 3), mode="reflect"),
    "pad circular wrap": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (4, 0), mode="circular"),
    "pad mode rank": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (1, 1, 1, 1, 1, 1), mode="reflect"),
    "pad crop too much": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (-2, -2)),
    "pad reflect crop": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (-3, 0), mode="reflect"),
    "pad replicate crop 2-d": lambda m: m.nn.functional.pad(_t(m, (1, 3, 4)), (0, 0, -2, -2), mode="replicate"),
    "pad circular crop": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (-2, -2), mode="circular"),
    "conv_transpose too small": lambda m: m.nn.functional.conv_transpose2d(_t(m, (1, 2, 2, 5)), _t(m, (2, 1, 1, 1)),
                                                                            stride=2, padding=(2, 1)),
    "pad mode": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (1, 1), mode="mirror"),
    "pad value with mode": lambda m: m.nn.functional.pad(_t(m, (1, 2, 3)), (1, 1), mode="reflect", value=2.0),
    "interpolate mode rank": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), scale_factor=2,
                                                                    mode="bilinear"),
    "interpolate align_corners": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), scale_factor=2,
                                                                        align_corners=True),
    "interpolate no size": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3))),
    "interpolate both": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), size=4, scale_factor=2),
    "interpolate size length": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), size=(4, 4)),
    "interpolate empty output": lambda m: m.nn.functional.interpolate(_t(m, (1, 1, 1)), scale_factor=0.5),
    "interpolate empty output 2-d": lambda m: m.nn.functional.interpolate(_t(m, (1, 1, 2, 1)), scale_factor=0.5,
                                                                           mode="bilinear"),
    "interpolate antialias mode": lambda m: m.nn.functional.interpolate(_t(m, (1, 1, 3, 3)), size=2, antialias=True),
    "interpolate antialias rank": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), size=2, mode="linear",
                                                                         antialias=True),
    "interpolate unknown mode": lambda m: m.nn.functional.interpolate(_t(m, (1, 2, 3)), size=4, mode="cubic"),
    "grid_sample mode": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2)), _t(m, (1, 1, 1, 2)), mode="cubic",
                                                               align_corners=False),
    "grid_sample padding_mode": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2)), _t(m, (1, 1, 1, 2)),
                                                                       padding_mode="wrap", align_corners=False),
    "grid_sample batch": lambda m: m.nn.functional.grid_sample(_t(m, (2, 1, 2, 2)), _t(m, (1, 1, 1, 2)),
                                                                align_corners=False),
    "grid_sample dtype": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2), "float64"), _t(m, (1, 1, 1, 2)),
                                                                align_corners=False),
    "grid_sample grid size": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2)), _t(m, (1, 1, 1, 3)),
                                                                    align_corners=False),
    "grid_sample bicubic 3-d": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2, 2)), _t(m, (1, 1, 1, 1, 3)),
                                                                     mode="bicubic", align_corners=False),
    "grid_sample grid rank": lambda m: m.nn.functional.grid_sample(_t(m, (1, 1, 2, 2)), _t(m, (1, 1, 2)),
                                                                    align_corners=False),
    "affine_grid size": lambda m: m.nn.functional.affine_grid(_t(m, (1, 2, 3)), (1, 1, 2), align_corners=False),
    "affine_grid theta": lambda m: m.nn.functional.affine_grid(_t(m, (1, 2, 3)), (1, 1, 2, 2, 2), align_corners=False),
    "embedding range": lambda m: m.nn.functional.embedding(m.tensor([3]), _t(m, (3, 2))),
    "embedding negative": lambda m: m.nn.functional.embedding(m.tensor([-1]), _t(m, (3, 2))),
    "embedding float indices": lambda m: m.nn.functional.embedding(m.tensor([1.0]), _t(m, (3, 2))),
    "embedding padding_idx": lambda m: m.nn.functional.embedding(m.tensor([1]), _t(m, (3, 2)), padding_idx=3),
    "one_hot negative": lambda m: m.nn.functional.one_hot(m.tensor([1, -1])),
    "one_hot too large": lambda m: m.nn.functional.one_hot(m.tensor([1, 2]), 2),
    "one_hot dtype": lambda m: m.nn.functional.one_hot(m.tensor([1, 2], dtype=m.int32)),
    "one_hot empty": lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.int64)),
    "pixel_shuffle channels": lambda m: m.nn.functional.pixel_shuffle(_t(m, (1, 3, 2, 2)), 2),
    "pixel_shuffle rank": lambda m: m.nn.functional.pixel_shuffle(_t(m, (3, 2)), 2),
    "pixel_unshuffle height": lambda m: m.nn.functional.pixel_unshuffle(_t(m, (1, 1, 3, 2)), 2),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    _assert_same_error(ERRORS[name])


def _numpy(t):
    return t.detach().numpy()


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_running_statistics(training):
    def run(module):
        x = _t(module, (4, 3, 2))
        mean, var = module.zeros(3), module.ones(3)
        out = module.nn.functional.batch_norm(x, mean, var, training=training, momentum=0.2)
        return out, mean, var

    for ours, theirs in zip(*_both(run)):
        np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-5, atol=1e-6)


def test_instance_norm_running_statistics_and_version():
    def run(module):
        mean, var = module.zeros(3), module.ones(3)
        module.nn.functional.instance_norm(_t(module, (2, 3, 4)), mean, var, momentum=0.5)
        return mean, var, mean._version

    ours, theirs = _both(run)
    np.testing.assert_allclose(_numpy(ours[0]), _numpy(theirs[0]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_numpy(ours[1]), _numpy(theirs[1]), rtol=1e-5, atol=1e-6)
    assert ours[2] == theirs[2]


def test_embedding_padding_row_gets_no_gradient_and_max_norm_renormalizes():
    def run(module):
        weight = _t(module, (4, 3)) * 3
        weight.requires_grad_(True)
        with module.no_grad():
            out = module.nn.functional.embedding(module.tensor([[0, 2], [2, 1]]), weight, padding_idx=2, max_norm=1.0)
        renormed = weight.detach().clone()
        out = module.nn.functional.embedding(module.tensor([[0, 2], [2, 1]]), weight, padding_idx=2)
        out.sum().backward()
        return renormed, weight.grad

    for ours, theirs in zip(*_both(run)):
        np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-5, atol=1e-6)


def test_max_pool_picks_nan_and_first_of_ties():
    def run(module):
        x = module.tensor([[[[1.0, 1.0, float("nan"), 2.0], [0.0, 1.0, 3.0, 3.0]]]], requires_grad=True)
        out, indices = module.nn.functional.max_pool2d(x, 2, return_indices=True)
        out.sum().backward()
        return out, indices, x.grad

    for ours, theirs in zip(*_both(run)):
        np.testing.assert_array_equal(_numpy(ours), _numpy(theirs))


def _pooling_cases(count, seed=7):
    """Random max-pooling geometries (padding, dilation, ceil mode, 1-3 spatial dims) over inputs full of
    ties, NaN, -inf, signed zeros or integers: every rule of PyTorch's scan gets exercised."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        rank = int(rng.integers(1, 4))
        size = tuple(int(v) for v in rng.integers(1, 7, rank))
        kernel = tuple(int(rng.integers(1, s + 1)) for s in size)
        dilation = tuple(int(v) for v in rng.integers(1, 3, rank))
        padding = tuple(int(rng.integers(0, (d * (k - 1) + 1) // 2 + 1)) for k, d in zip(kernel, dilation))
        geometry = {"kernel_size": kernel, "stride": tuple(int(v) for v in rng.integers(1, 4, rank)),
                    "padding": padding, "dilation": dilation, "ceil_mode": bool(rng.integers(2))}
        x = rng.integers(-2, 3, (2, 2) + size).astype(np.float64)
        kind = ["ties", "nan", "-inf", "zeros", "int64"][int(rng.integers(5))]
        if kind in ("nan", "-inf"):
            x[rng.random(x.shape) < 0.3] = float(kind)
        elif kind == "zeros":
            x = np.where(x > 0, 0.0, -0.0)
        elif kind == "int64":
            x = x.astype(np.int64)
        yield rank, x, geometry, tuple(int(v) for v in rng.integers(1, 6, rank))


def test_max_pooling_values_and_indices_match_torch_on_random_geometries():
    compared = 0
    for rank, x, geometry, adaptive_size in _pooling_cases(150):
        def run(module):
            f, t = module.nn.functional, module.tensor(x)
            pooled = getattr(f, f"max_pool{rank}d")(t, **geometry, return_indices=True)
            if x.dtype.kind != "f":
                return pooled
            return pooled + getattr(f, f"adaptive_max_pool{rank}d")(t, adaptive_size, return_indices=True)

        ours, theirs = _both(run)
        if isinstance(theirs, Exception):  # a geometry PyTorch refuses (an output size below 1)
            assert type(ours) is type(theirs)
            continue
        compared += 1
        for mine, reference in zip(ours, theirs, strict=True):
            mine, reference = _numpy(mine), _numpy(reference)
            np.testing.assert_array_equal(mine, reference, err_msg=f"{rank}-d {geometry}, {adaptive_size}")
            assert np.array_equal(np.signbit(mine), np.signbit(reference))
    assert compared > 100


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_average_pooling_has_torch_bits_on_random_geometries(dtype):
    """Window sums added in PyTorch's order, then divided (float16 summed in float32): every bit equal."""
    rng = np.random.default_rng(3)
    compared = 0
    for _ in range(100):
        rank = int(rng.integers(1, 4))
        size = tuple(int(v) for v in rng.integers(2, 7, rank))
        kernel = tuple(int(rng.integers(1, s + 1)) for s in size)
        geometry = {"kernel_size": kernel, "stride": tuple(int(v) for v in rng.integers(1, 4, rank)),
                    "padding": tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel),
                    "ceil_mode": bool(rng.integers(2)), "count_include_pad": bool(rng.integers(2))}
        x = rng.standard_normal((2, 3) + size).astype(dtype)
        ours, theirs = _both(lambda module: getattr(module.nn.functional, f"avg_pool{rank}d")(module.tensor(x),
                                                                                             **geometry))
        if isinstance(theirs, Exception):
            assert type(ours) is type(theirs)
            continue
        compared += 1
        np.testing.assert_array_equal(_numpy(ours), _numpy(theirs), err_msg=f"{rank}-d {geometry}")
    assert compared > 60  # (PyTorch has no float16 avg_pool3d)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_adaptive_average_pooling_into_even_windows_has_torch_bits(dtype):
    """An output size that divides the input's: PyTorch's sums, divided dim by dim (3-d float16 summed in
    float16, as PyTorch's 3-d kernel sums it)."""
    rng = np.random.default_rng(4)
    for _ in range(60):
        rank = int(rng.integers(1, 4))
        out = tuple(int(v) for v in rng.integers(1, 4, rank))
        if all(o == 1 for o in out):  # (global pooling is a mean)
            continue
        x = rng.standard_normal((2, 3) + tuple(o * int(rng.integers(1, 5)) for o in out)).astype(dtype)
        ours, theirs = _both(lambda module: getattr(module.nn.functional, f"adaptive_avg_pool{rank}d")(
            module.tensor(x), out))
        np.testing.assert_array_equal(_numpy(ours), _numpy(theirs), err_msg=f"{x.shape} -> {out}")


def test_conv_second_derivative_matches_torch():
    def run(module):
        x = _t(module, (1, 2, 4, 4), "float64", seed=1).requires_grad_(True)
        w = _t(module, (3, 2, 2, 2), "float64", seed=2).requires_grad_(True)
        out = module.nn.functional.conv2d(x, w, stride=2, padding=1)
        (gx,) = module.autograd.grad((out * out).sum(), x, create_graph=True)
        return module.autograd.grad(gx.pow(2).sum(), (x, w))

    for ours, theirs in zip(*_both(run)):
        np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-10, atol=1e-10)


def test_integer_convolution_and_pooling_keep_dtype():
    def run(module):
        x = module.arange(32).reshape(1, 2, 4, 4)
        w = module.ones(1, 2, 2, 2, dtype=module.int64)
        f = module.nn.functional
        return f.conv2d(x, w), f.max_pool2d(x, 2), f.avg_pool2d(x - 20, 2, 1), f.avg_pool2d(x, 3, padding=1)

    for ours, theirs in zip(*_both(run)):
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(_numpy(ours), _numpy(theirs))


def test_grid_sample_warns_about_align_corners_default():
    for module in (chainrule, torch):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            module.nn.functional.affine_grid(module.zeros(1, 2, 3), (1, 1, 2, 2))


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_upsampling_warns_and_matches_torch(name):
    def run(module):
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            return getattr(module.nn.functional, name)(_t(module, (1, 2, 2, 3)), scale_factor=2)

    ours, theirs = _both(run)
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-6, atol=1e-6)


def test_affine_grid_warns_about_unit_size_with_align_corners():
    for module in (chainrule, torch):
        with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
            module.nn.functional.affine_grid(module.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)


def test_unbatched_and_batched_grad_fn_names():
    def run(module):
        x = _t(module, (2, 4, 4)).requires_grad_(True)
        w = _t(module, (3, 2, 2, 2))
        f = module.nn.functional
        outs = [f.conv2d(x, w), f.max_pool2d(x, 2), f.avg_pool2d(x, 2), f.adaptive_avg_pool2d(x, 3),
                f.unfold(x, 2), f.interpolate(x[None], scale_factor=2), f.pad(x, (1, 1), mode="reflect")]
        return [type(o.grad_fn).__name__ for o in outs]

    ours, theirs = _both(run)
    assert ours == theirs


NON_FINITE_RESIZES = {
    "linear": lambda F, x: F.interpolate(x[0], scale_factor=2, mode="linear"),
    "bilinear": lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear"),
    "bicubic": lambda F, x: F.interpolate(x, scale_factor=2, mode="bicubic"),
    "antialiased": lambda F, x: F.interpolate(x, size=(3, 4), mode="bilinear", antialias=True),
    "area": lambda F, x: F.interpolate(x, size=(3, 4), mode="area"),
    "adaptive average": lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)),
    "reflection pad": lambda F, x: F.pad(x, (2, 1, 1, 2), mode="reflect"),
}


@pytest.mark.parametrize("name", NON_FINITE_RESIZES)
def test_nan_and_infinity_stay_in_the_windows_that_read_them(name):
    """Resizing and adaptive pooling multiply by weight matrices; a NaN or an infinity times a zero weight
    would make every output of its row NaN. PyTorch's kernels read only each output's window. (The values
    are placed where no window reads them with a weight of exactly 0: PyTorch's linear kernels still read
    such a neighbour, chainrule's do not; docs/differences.md.)"""
    data = np.random.default_rng(0).standard_normal((1, 2, 7, 9))
    data[0, 0, 3, 4], data[0, 1, 2, 5], data[0, 1, 5, 2] = np.nan, np.inf, -np.inf
    results = []
    for module in (chainrule, torch):
        x = module.tensor(data, requires_grad=True)
        out = NON_FINITE_RESIZES[name](module.nn.functional, x)
        cotangent = np.random.default_rng(1).standard_normal(tuple(out.shape))
        cotangent.flat[cotangent.size // 3 + 2] = np.nan
        out.backward(module.tensor(cotangent))
        results.append((out.detach().numpy(), x.grad.numpy()))
    (ours, ours_grad), (theirs, theirs_grad) = results
    assert 0 < np.isnan(theirs).sum() < theirs.size / 2  # a NaN spread through the row would show
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("resample", [
    lambda F, x: F.pad(x, (2, 1), mode="reflect"),
    lambda F, x: F.pad(x, (3, 2), mode="replicate"),
    lambda F, x: F.pad(x, (2, -1), mode="circular"),
    lambda F, x: F.interpolate(x, scale_factor=2.5, mode="nearest"),
])
def test_gradient_of_copying_positions_adds_up_as_pytorch(resample):
    """Each input position gets the sum of the gradients of the outputs that copied it, in PyTorch's order:
    a lone -0.0 becomes +0.0 (added to zeros), a NaN or an infinity reaches only the positions that copied it."""
    shape = tuple(resample(torch.nn.functional, torch.zeros(2, 1, 4)).shape)
    values = np.random.default_rng(3).choice([-0.0, 0.0, 1.5, -2.0, np.nan, np.inf], size=shape)
    values[0] = -0.0
    grads = []
    for module in (chainrule, torch):
        x = module.zeros(2, 1, 4, dtype=module.float64, requires_grad=True)
        y = resample(module.nn.functional, x)
        grads.append(module.autograd.grad(y, x, module.tensor(values))[0].numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(np.signbit(grads[0]), np.signbit(grads[1]))
