"""Which of PyTorch's op names chainrule provides: ``python -m chainrule.coverage``.

The lists are the op set chainrule sets out to cover (``torch``, ``torch.Tensor`` methods,
``torch.nn.functional``, ``torch.linalg``); the report says which exist here and counts them.
"""

import sys

import chainrule

TORCH = """
exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sin cos tan asin acos atan sinh cosh tanh asinh
acosh atanh sigmoid logit erf erfc erfinv abs sign neg floor ceil round trunc frac clamp clip maximum minimum fmax
fmin where lerp atan2 hypot pow fmod remainder floor_divide true_divide xlogy copysign nan_to_num eq ne lt le gt ge
logical_and logical_or logical_xor logical_not isnan isinf isfinite
sum mean prod var std var_mean std_mean max min amax amin argmax argmin logsumexp norm cumsum cumprod cummax all
any count_nonzero median mode topk sort argsort kthvalue
reshape permute transpose t movedim squeeze unsqueeze flatten unflatten broadcast_to tile flip roll narrow chunk
split tensor_split unbind cat concat stack hstack vstack diagonal diag diag_embed tril triu gather scatter
scatter_add index_select index_add masked_fill masked_select take take_along_dim nonzero clone
matmul mm bmm mv dot vdot outer inner addmm baddbmm einsum tensordot kron
zeros ones full empty arange linspace eye zeros_like ones_like full_like empty_like rand randn randint rand_like
randn_like randint_like tensor from_numpy manual_seed
""".split()

TENSOR = """
exp log sqrt abs sin cos tanh sigmoid relu neg floor ceil round clamp clip pow fmod remainder
sum mean prod var std max min amax amin argmax argmin logsumexp norm cumsum cumprod all any median topk sort
argsort kthvalue
view reshape permute transpose t movedim squeeze unsqueeze flatten unflatten expand expand_as repeat tile flip roll
narrow chunk split unbind diagonal tril triu gather scatter scatter_add index_select index_add masked_fill
masked_select take nonzero contiguous clone
matmul mm bmm mv dot
add_ sub_ mul_ div_ pow_ exp_ clamp_ zero_ fill_ copy_ masked_fill_ scatter_ index_add_
new_tensor new_zeros new_ones new_full new_empty
backward detach detach_ requires_grad_ retain_grad register_hook item tolist numpy float double long int bool to
""".split()

FUNCTIONAL = """
relu relu6 leaky_relu elu selu celu gelu silu mish softplus softsign hardtanh hardsigmoid hardswish logsigmoid
tanhshrink softmax log_softmax softmin dropout linear bilinear conv1d conv2d conv3d conv_transpose1d
conv_transpose2d max_pool1d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool1d adaptive_avg_pool2d
adaptive_max_pool2d batch_norm layer_norm group_norm instance_norm embedding one_hot pad interpolate unfold fold
cosine_similarity pairwise_distance normalize scaled_dot_product_attention mse_loss l1_loss smooth_l1_loss
huber_loss cross_entropy nll_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div
cosine_embedding_loss margin_ranking_loss triplet_margin_loss poisson_nll_loss gaussian_nll_loss ctc_loss
""".split()

LINALG = "inv det slogdet solve cholesky qr svd eigh pinv matrix_norm norm vector_norm".split()


def report():
    """``{section: (present, missing)}`` over the four namespaces."""
    from chainrule.nn import functional

    sections = {
        "chainrule": (chainrule, TORCH),
        "chainrule.Tensor": (chainrule.Tensor, TENSOR),
        "chainrule.nn.functional": (functional, FUNCTIONAL),
        "chainrule.linalg": (chainrule.linalg, LINALG),
    }
    return {name: ([n for n in names if hasattr(space, n)], [n for n in names if not hasattr(space, n)])
            for name, (space, names) in sections.items()}


def main(out=sys.stdout):
    total_present = total = 0
    for name, (present, missing) in report().items():
        count = len(present) + len(missing)
        total_present += len(present)
        total += count
        out.write(f"{name}: {len(present)} / {count}\n")
        if missing:
            out.write("  missing: " + " ".join(missing) + "\n")
    out.write(f"total: {total_present} / {total}\n")
    return 0 if total_present == total else 1


if __name__ == "__main__":
    sys.exit(main())
