"""Op table entries for ``nn.functional``'s convolution, pooling, normalisation, padding, resizing and
embedding functions (see tests/op_db/__init__.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _functional(name):
    def call(module, *args, **kwargs):
        return getattr(module.nn.functional, name)(*args, **kwargs)

    call.__name__ = name
    return call


def _op(name, samples, **options):
    return OpInfo(name, _functional(name), samples, **options)


# ---------------------------------------------------------------- convolutions
_EVEN_SAME = "Using padding='same' with even kernel lengths"  # PyTorch's note that it pads a copy
def _conv1d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2, 5)), n((3, 2, 2)), n(3)), name="bias")
    yield Sample((n((1, 2, 6)), n((2, 1, 3))), {"stride": 2, "padding": 1, "groups": 2}, name="groups")
    yield Sample((n((2, 5)), n((2, 2, 2))), {"padding": "same", "dilation": 2}, name="unbatched same")
    yield Sample((noncontiguous(n((1, 2, 5))), n((2, 2, 3))), {"padding": "valid"}, name="noncontiguous")
    yield Sample((n((0, 2, 4)), n((2, 2, 2))), name="empty batch")


def _conv2d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 3, 3)), n((2, 2, 2, 2)), n(2)), name="bias")
    yield Sample((n((1, 2, 4, 3)), n((2, 1, 2, 2))), {"stride": (2, 1), "padding": 1, "groups": 2}, name="groups")
    yield Sample((n((1, 1, 4, 4)), n((2, 1, 2, 2))), {"padding": "same", "dilation": (1, 2)}, name="same")
    yield Sample((n((1, 3, 3)), n((1, 1, 2, 2))), {"padding": (1, 0)}, name="unbatched")
    yield Sample((noncontiguous(n((1, 1, 3, 4))), n((1, 1, 2, 2))), {"stride": 2}, name="noncontiguous")


def _conv3d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 1, 3, 2, 3)), n((2, 1, 2, 2, 2)), n(2)), {"padding": (1, 0, 0)}, name="bias")


def _conv_transpose1d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 3)), n((2, 2, 2)), n(2)), {"stride": 2, "padding": 1, "output_padding": 1}, name="bias")
    yield Sample((n((2, 4)), n((2, 1, 3))), {"groups": 2, "dilation": 2}, name="unbatched groups")


def _conv_transpose2d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 2, 3)), n((2, 2, 2, 2)), n(2)), {"stride": 2, "output_padding": (1, 0)}, name="bias")
    yield Sample((noncontiguous(n((1, 2, 2, 2))), n((2, 1, 2, 2))), {"groups": 2, "padding": 1},
                 name="noncontiguous groups")


def _conv_transpose3d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 1, 2, 2, 2)), n((1, 2, 2, 1, 2))), {"stride": 2}, name="strided")


def _unfold_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 3, 3)), 2))
    yield Sample((n((2, 3, 2)), (2, 1)), {"padding": 1, "stride": (2, 1)}, name="unbatched padded")
    yield Sample((noncontiguous(n((1, 1, 3, 4))), 2), {"dilation": (1, 2)}, name="noncontiguous dilated")


def _fold_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 4, 4)), (3, 3), 2))
    yield Sample((n((2, 5)), (2, 4), (1, 2)), {"padding": (0, 1), "stride": (2, 1)}, name="unbatched")


# ---------------------------------------------------------------- pooling
def _max_pool1d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2, 5)), 2))
    yield Sample((n((2, 6)), 3), {"stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True},
                 name="unbatched indices")


def _max_pool2d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 4, 4)), 2))
    yield Sample((n((1, 3, 4)), 3), {"stride": 2, "padding": 1, "ceil_mode": True}, name="unbatched ceil")
    yield Sample((noncontiguous(n((1, 1, 3, 4))), (2, 1)), {"dilation": (1, 2), "return_indices": True},
                 name="noncontiguous indices")
    yield Sample((n((0, 1, 2, 2)), 2), name="empty batch")


def _max_pool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 3, 2, 3)), 2), {"ceil_mode": True})


def _max_unpool1d_samples(rng):
    yield Sample((rng.standard_normal((1, 2, 2)), np.array([[[1, 2], [0, 3]]]), 2))
    yield Sample((rng.standard_normal((2, 2)), np.array([[0, 2], [1, 3]]), 3), {"stride": 2, "output_size": [5]},
                 name="unbatched overlapping")


def _max_unpool2d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 2, 2)), np.array([[[[5, 2], [12, 15]]]]), 2))
    yield Sample((noncontiguous(rng.standard_normal((1, 2, 2))), np.array([[[0, 7], [11, 13]]]), 2),
                 {"output_size": (5, 5)}, name="noncontiguous output_size")


def _max_unpool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 1, 2, 1)), np.array([[[[[1], [7]]]]]), 2))


def _avg_pool1d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2, 5)), 2))
    yield Sample((n((2, 6)), 3), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
                 name="unbatched")


def _avg_pool2d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 4, 4)), 2))
    yield Sample((n((1, 3, 4)), 3), {"stride": 2, "padding": 1, "ceil_mode": True}, name="ceil")
    yield Sample((n((1, 3, 4)), 3), {"stride": 2, "padding": 1, "count_include_pad": False}, name="exclude pad")
    yield Sample((noncontiguous(n((1, 1, 3, 4))), (2, 1)), {"divisor_override": 3}, name="noncontiguous divisor")


def _avg_pool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 3, 2, 3)), 2), {"stride": 1, "padding": (1, 0, 1)})
    yield Sample((rng.standard_normal((1, 3, 2, 3)), (2, 1, 2)), {"ceil_mode": True, "count_include_pad": False},
                 name="unbatched ceil")


def _adaptive_avg_pool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 3, 2, 3)), (2, None, 2)))
    yield Sample((rng.standard_normal((1, 2, 2, 3)), 1), name="unbatched global")


def _adaptive_max_pool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 3, 2, 3)), (2, 1, 2)), {"return_indices": True})


def _lp_pool3d_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 2, 2, 3)), 2, (1, 2, 2)), {"stride": 1})


def _adaptive_avg_pool1d_samples(rng):
    yield Sample((rng.standard_normal((2, 2, 5)), 3))
    yield Sample((noncontiguous(rng.standard_normal((2, 5))), 2), name="noncontiguous unbatched")


def _adaptive_avg_pool2d_samples(rng):
    yield Sample((rng.standard_normal((1, 2, 4, 3)), (3, 2)))
    yield Sample((rng.standard_normal((1, 3, 4)), (None, 3)), name="unbatched keep height")
    yield Sample((rng.standard_normal((2, 2, 3, 2)), 1), name="global")


def _adaptive_max_pool1d_samples(rng):
    yield Sample((rng.standard_normal((2, 2, 5)), 3), {"return_indices": True})


def _adaptive_max_pool2d_samples(rng):
    yield Sample((rng.standard_normal((1, 2, 4, 3)), (3, 2)))
    yield Sample((noncontiguous(rng.standard_normal((1, 3, 4))), 2), {"return_indices": True},
                 name="noncontiguous unbatched indices")


def _lp_pool1d_samples(rng):
    yield Sample((rng.standard_normal((2, 2, 5)), 2, 2))


def _lp_pool2d_samples(rng):
    # p = 3 takes a cube root of the window sum: positive inputs keep every window inside its domain
    yield Sample((rng.uniform(0.5, 2.0, (1, 2, 4, 4)), 3.0, 2), {"stride": 1})


# ---------------------------------------------------------------- normalisation
def _batch_norm_samples(rng):
    n = rng.standard_normal
    stats = (np.zeros(2), np.ones(2))
    yield Sample((n((3, 2)),) + stats, {"training": True}, name="training 2-d")
    yield Sample((n((2, 2, 3)),) + stats + (n(2), n(2)), {"training": True, "momentum": 0.3}, name="affine")
    yield Sample((noncontiguous(n((3, 2, 2))), n(2), rng.uniform(0.5, 2, 2), n(2), n(2)), {"eps": 1e-3},
                 name="evaluation")
    yield Sample((n((0, 2)), None, None), {"training": True}, name="empty")
    yield Sample((n((0, 2, 1)),) + stats + (n(2), n(2)), name="empty affine")


def _layer_norm_samples(rng):
    n = rng.standard_normal
    yield Sample((n((3, 4)), (4,)))
    yield Sample((n((2, 2, 3)), (2, 3), n((2, 3)), n((2, 3))), name="affine 2 dims")
    yield Sample((noncontiguous(n((2, 3))), [3], n(3)), {"eps": 0.1}, name="noncontiguous")
    yield Sample((n((0, 3)), (3,)), name="empty")


def _group_norm_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 4, 2)), 2, n(4), n(4)))
    yield Sample((noncontiguous(n((2, 2, 3))), 1), name="noncontiguous one group")


def _instance_norm_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2, 3)),))
    yield Sample((n((2, 2, 3)), np.zeros(2), np.ones(2), n(2), n(2)), name="running stats")


def _rms_norm_samples(rng):
    n = rng.standard_normal
    yield Sample((n((3, 4)), (4,)))
    yield Sample((noncontiguous(n((2, 3))), (2, 3), n((2, 3))), {"eps": 1e-3}, name="noncontiguous weight")


def _local_response_norm_samples(rng):
    yield Sample((rng.standard_normal((1, 4, 3)), 3))
    yield Sample((rng.standard_normal((1, 3, 2, 2)), 2), {"alpha": 0.1, "k": 2.0}, name="4-d")


# ---------------------------------------------------------------- padding, resizing, lookup
def _pad_samples(rng):
    n = rng.standard_normal
    yield Sample((n(()), ()), name="0-d nothing")
    yield Sample((n((2, 3)), (1, 2)), name="constant")
    yield Sample((n((2, 3)), (1, -1, -1, 2)), {"value": 0.5}, name="crop and fill")
    yield Sample((n((0, 3)), (1, 1)), name="empty")
    for mode in ("reflect", "replicate", "circular"):
        yield Sample((n((1, 2, 3)), (2, 1)), {"mode": mode}, name=mode)
        yield Sample((noncontiguous(n((1, 2, 3))), (1, 0, -1, 1)), {"mode": mode}, name=mode + " 2-d")
    yield Sample((n((1, 1, 2, 2, 2)), (1, 1, 0, 1, 1, 0)), {"mode": "reflect"}, name="reflect 3-d")


def _interpolate_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 2, 3)),), {"scale_factor": 2}, name="nearest 1-d")
    yield Sample((n((1, 1, 3, 2)),), {"size": (2, 5)}, name="nearest 2-d")
    yield Sample((n((1, 1, 3, 2)),), {"scale_factor": 1.5, "mode": "nearest-exact"}, name="nearest-exact")
    yield Sample((n((1, 2, 4)),), {"size": 6, "mode": "linear"}, name="linear")
    yield Sample((noncontiguous(n((1, 1, 2, 3))),), {"scale_factor": (2, 1.5), "mode": "bilinear"}, name="bilinear")
    yield Sample((n((1, 1, 3, 2)),), {"size": (4, 3), "mode": "bilinear", "align_corners": True},
                 name="bilinear align_corners")
    yield Sample((n((1, 1, 2, 2, 2)),), {"scale_factor": 1.5, "mode": "trilinear"}, name="trilinear")
    yield Sample((n((1, 1, 3, 2)),), {"scale_factor": 1.5, "mode": "bicubic"}, name="bicubic")
    yield Sample((n((1, 1, 2, 3)),), {"size": (3, 4), "mode": "bicubic", "align_corners": True},
                 name="bicubic align_corners")
    yield Sample((n((1, 1, 4, 3)),), {"size": (3, 2), "mode": "area"}, name="area")
    yield Sample((n((1, 1, 3, 4, 3)),), {"size": (2, 2, 3), "mode": "area"}, name="area 3-d")
    for mode in ("bilinear", "bicubic"):
        yield Sample((noncontiguous(n((1, 2, 7, 6))),), {"size": (3, 4), "mode": mode, "antialias": True},
                     name=f"{mode} antialias down")
        yield Sample((n((1, 1, 4, 5)),), {"scale_factor": (1.5, 0.5), "mode": mode, "antialias": True,
                                          "align_corners": True}, name=f"{mode} antialias align_corners")


def _grid_sample_samples(rng):
    n = rng.standard_normal
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding_mode in ("zeros", "border", "reflection"):
            yield Sample((n((1, 2, 2, 3)), rng.uniform(-1.3, 1.3, (1, 2, 2, 2))),
                         {"mode": mode, "padding_mode": padding_mode, "align_corners": padding_mode == "border"},
                         name=f"{mode} {padding_mode}")
    yield Sample((noncontiguous(n((2, 1, 2, 2))), rng.uniform(-1, 1, (2, 1, 3, 2))), {"align_corners": False},
                 name="noncontiguous batch")
    yield Sample((n((1, 1, 2, 2, 3)), rng.uniform(-1.2, 1.2, (1, 1, 2, 1, 3))), {"padding_mode": "reflection",
                                                                                "align_corners": False}, name="3-d")


def _affine_grid_samples(rng):
    yield Sample((rng.standard_normal((2, 2, 3)), (2, 1, 2, 3)), {"align_corners": False})
    yield Sample((rng.standard_normal((1, 3, 4)), (1, 1, 2, 1, 2)), {"align_corners": True}, name="3-d")


def _embedding_samples(rng):
    n = rng.standard_normal
    yield Sample((np.array([[0, 2], [2, 3]]), n((4, 3))))
    yield Sample((np.array(1), n((3, 2))), name="0-d index")
    # scale_grad_by_freq rescales by counts: a convention, not a derivative
    yield Sample((np.array([0, 1, 1, 2]), n((3, 2))), {"padding_idx": 1, "scale_grad_by_freq": True},
                 name="padding_idx by freq", finite_differences=False)
    yield Sample((np.zeros((0,), dtype=np.int64), n((3, 2))), name="empty")


def _one_hot_samples(rng):
    yield Sample((np.array([0, 3, 1]),))
    yield Sample((np.array([[1], [0]]), 4), name="num_classes")
    yield Sample((np.array(2),), name="0-d")


def _pixel_shuffle_samples(rng):
    yield Sample((rng.standard_normal((1, 4, 1, 2)), 2))
    yield Sample((noncontiguous(rng.standard_normal((4, 2, 1))), 2), name="noncontiguous unbatched")


def _pixel_unshuffle_samples(rng):
    yield Sample((rng.standard_normal((1, 1, 2, 4)), 2))


OPS = [
    _op("conv1d", _conv1d_samples, warns=_EVEN_SAME),
    _op("conv2d", _conv2d_samples, warns=_EVEN_SAME),
    _op("conv3d", _conv3d_samples),
    _op("conv_transpose1d", _conv_transpose1d_samples),
    _op("conv_transpose2d", _conv_transpose2d_samples),
    _op("conv_transpose3d", _conv_transpose3d_samples),
    _op("unfold", _unfold_samples),
    _op("fold", _fold_samples),
    _op("max_pool1d", _max_pool1d_samples),
    _op("max_pool2d", _max_pool2d_samples),
    _op("max_pool3d", _max_pool3d_samples),
    _op("max_unpool1d", _max_unpool1d_samples),
    _op("max_unpool2d", _max_unpool2d_samples),
    _op("max_unpool3d", _max_unpool3d_samples),
    _op("avg_pool1d", _avg_pool1d_samples),
    _op("avg_pool2d", _avg_pool2d_samples),
    _op("avg_pool3d", _avg_pool3d_samples),
    _op("adaptive_avg_pool1d", _adaptive_avg_pool1d_samples),
    _op("adaptive_avg_pool2d", _adaptive_avg_pool2d_samples),
    _op("adaptive_avg_pool3d", _adaptive_avg_pool3d_samples),
    _op("adaptive_max_pool1d", _adaptive_max_pool1d_samples),
    _op("adaptive_max_pool2d", _adaptive_max_pool2d_samples),
    _op("adaptive_max_pool3d", _adaptive_max_pool3d_samples),
    _op("lp_pool1d", _lp_pool1d_samples),
    _op("lp_pool2d", _lp_pool2d_samples),
    _op("lp_pool3d", _lp_pool3d_samples),
    _op("batch_norm", _batch_norm_samples, grad_inputs=(0, 3, 4)),
    _op("layer_norm", _layer_norm_samples),
    _op("group_norm", _group_norm_samples),
    _op("instance_norm", _instance_norm_samples, grad_inputs=(0, 3, 4)),
    _op("rms_norm", _rms_norm_samples),
    _op("local_response_norm", _local_response_norm_samples),
    _op("pad", _pad_samples),
    _op("interpolate", _interpolate_samples),
    _op("grid_sample", _grid_sample_samples),
    _op("affine_grid", _affine_grid_samples, warns="Since version 1.3.0, affine_grid behavior has changed"),
    _op("embedding", _embedding_samples),
    _op("one_hot", _one_hot_samples, differentiable=False),
    _op("pixel_shuffle", _pixel_shuffle_samples),
    _op("pixel_unshuffle", _pixel_unshuffle_samples),
]
