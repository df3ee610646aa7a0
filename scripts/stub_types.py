"""The types that scripts/gen_stubs.py cannot read from chainrule at runtime: what the functions that are
not registered ops return, Tensor's properties, and the signatures of Tensor's Python operators.

A registered op returns one tensor, and the generator says so by itself. Everything else is typed here by
name, and what is not named stays ``Any`` (an editor then offers nothing, but never a wrong type). A name
here means the same function in every namespace it appears in (``torch.numel`` and ``Tensor.numel``);
``"linalg.cond"``, ``"F.max_pool1d"`` and ``"Tensor.where"`` name one namespace's function where the
namespaces differ. tests/test_stubs.py checks that every name listed exists.
"""

# The result types, each with the functions (and Tensor methods) that return it.
_RETURNS_BY_TYPE = {
    "Tensor": """
        adaptive_avg_pool1d alpha_dropout alpha_dropout_ arange as_tensor asarray avg_pool1d batch_norm
        bernoulli bilinear binary_cross_entropy_with_logits binomial celu celu_ constant_pad_nd conv1d conv2d
        conv3d conv_transpose1d conv_transpose2d conv_transpose3d convolution cosine_embedding_loss
        cosine_similarity ctc_loss dropout dropout_ embedding empty empty_like empty_permuted empty_strided eye
        feature_alpha_dropout feature_alpha_dropout_ feature_dropout feature_dropout_ frobenius_norm from_dlpack
        from_numpy frombuffer full full_like get_rng_state grid_sampler grid_sampler_2d grid_sampler_3d
        group_norm hinge_embedding_loss instance_norm kl_div layer_norm linspace logspace margin_ranking_loss
        max_pool1d max_pool2d max_pool3d multinomial nonzero_static norm_except_dim normal nuclear_norm ones
        ones_like pairwise_distance pdist pixel_shuffle pixel_unshuffle poisson poisson_nll_loss rand
        rand_like randint randint_like randn randn_like randperm rms_norm rrelu rrelu_ scalar_tensor selu
        selu_ tensor threshold threshold_ triplet_margin_loss zeros zeros_like

        Tensor.as_subclass Tensor.bernoulli_ Tensor.cauchy_ Tensor.exponential_ Tensor.geometric_
        Tensor.log_normal_ Tensor.new_empty Tensor.new_full Tensor.new_ones Tensor.new_tensor Tensor.new_zeros
        Tensor.normal_ Tensor.random_ Tensor.requires_grad_ Tensor.resize Tensor.resize_as Tensor.uniform_
        Tensor.where Tensor.__deepcopy__

        linalg.cond linalg.eigvals linalg.eigvalsh linalg.householder_product linalg.matrix_norm
        linalg.multi_dot linalg.pinv linalg.solve_triangular linalg.svdvals linalg.tensorinv linalg.tensorsolve
        linalg.vecdot linalg.vector_norm

        F.adaptive_avg_pool2d F.adaptive_avg_pool3d F.affine_grid F.avg_pool2d F.avg_pool3d
        F.binary_cross_entropy F.cross_entropy F.dropout1d F.dropout2d F.dropout3d F.elu F.elu_ F.embedding_bag
        F.fold F.gaussian_nll_loss F.gelu F.glu F.grid_sample F.gumbel_softmax F.hardsigmoid F.hardswish
        F.hardtanh F.hardtanh_ F.huber_loss F.interpolate F.l1_loss F.leaky_relu F.leaky_relu_ F.linear
        F.local_response_norm F.logsigmoid F.lp_pool1d F.lp_pool2d F.lp_pool3d F.max_unpool1d F.max_unpool2d
        F.max_unpool3d F.mish F.mse_loss F.multi_margin_loss F.multilabel_margin_loss
        F.multilabel_soft_margin_loss F.nll_loss F.normalize F.one_hot F.pad F.relu6 F.scaled_dot_product_attention
        F.silu F.smooth_l1_loss F.soft_margin_loss F.softmin F.softplus F.softshrink F.softsign F.tanhshrink
        F.triplet_margin_with_distance_loss F.upsample F.upsample_bilinear F.upsample_nearest
    """,
    # Several tensors, always a tuple.
    "tuple[Tensor, ...]": """
        broadcast_tensors chunk dsplit hsplit meshgrid split split_with_sizes tensor_split unbind vsplit
    """,
    "bool": """
        are_deterministic_algorithms_enabled can_cast is_anomaly_check_nan_enabled is_anomaly_enabled
        is_autocast_cache_enabled is_autocast_cpu_enabled is_autocast_enabled is_autocast_xla_enabled
        is_deterministic_algorithms_warn_only_enabled is_floating_point is_grad_enabled is_inference_mode_enabled
        is_tensor is_warn_always_enabled Tensor.is_contiguous
    """,
    "int": """
        autocast_decrement_nesting autocast_increment_nesting get_deterministic_debug_mode
        get_num_interop_threads get_num_threads initial_seed numel seed
        Tensor.data_ptr Tensor.dim Tensor.element_size Tensor.get_device Tensor.ndimension Tensor.nelement
    """,
    "None": """
        clear_autocast_cache init_num_threads save set_autocast_cache_enabled set_autocast_cpu_dtype
        set_autocast_cpu_enabled set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype
        set_autocast_xla_dtype set_autocast_xla_enabled set_default_device set_default_dtype
        set_default_tensor_type set_deterministic_debug_mode set_float32_matmul_precision set_num_interop_threads
        set_num_threads set_printoptions set_rng_state set_warn_always use_deterministic_algorithms
        Tensor.backward Tensor.retain_grad
    """,
    "str": "get_float32_matmul_precision",
    "chainrule._dtype.dtype": """
        get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype get_autocast_xla_dtype
        get_default_dtype promote_types result_type
    """,
    "chainrule._device.device": "get_default_device",
    "chainrule._random.generator.Generator": "manual_seed",
    "chainrule.utils.hooks.RemovableHandle": "Tensor.register_hook Tensor.register_post_accumulate_grad_hook",
    # A tensor, or with return_indices=True a tuple (the namesakes in chainrule's own namespace return one tensor).
    "Any": "F.max_pool1d F.max_pool2d F.max_pool3d",
}

RETURNS = {name: kind for kind, names in _RETURNS_BY_TYPE.items() for name in names.split()}

# The functions whose ``input`` may be a number as well as a tensor (``torch.add(1, x)``); every other
# function's ``input`` is a tensor (tests/test_stub_inputs.py asks PyTorch about both).
NUMBER_INPUT = set("""
    add bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor bucketize div divide float_power
    floor_divide mul multiply pow remainder sub subtract true_divide xlogy
""".split())

# Tensor's properties: their types, and which of them can be assigned.
PROPERTIES = {
    "T": "Tensor", "H": "Tensor", "mT": "Tensor", "mH": "Tensor", "data": "Tensor", "real": "Tensor",
    "imag": "Tensor", "grad": "Tensor | None", "shape": "chainrule._size.Size", "dtype": "chainrule._dtype.dtype",
    "device": "chainrule._device.device", "layout": "chainrule._runtime.layout", "ndim": "int", "itemsize": "int",
    "nbytes": "int", "output_nr": "int", "requires_grad": "bool", "is_leaf": "bool", "retains_grad": "bool",
    "is_cpu": "bool", "is_cuda": "bool", "is_meta": "bool", "is_xla": "bool", "volatile": "bool",
}

# Python's operator methods: ``other`` is anything a tensor combines with (a tensor, a number, a bool).
_BINARY = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift",
           "rshift"]
OPERATORS = {
    **{f"__{prefix}{op}__": "(self, other: Any) -> Tensor" for op in _BINARY for prefix in ("", "r", "i")},
    **{f"__{op}__": "(self, other: Any) -> Tensor" for op in ("lt", "le", "gt", "ge")},
    # A comparison gives a tensor of bools where object's gives a bool: the stub overrides object's on purpose.
    **{f"__{op}__": "(self, other: object) -> Tensor:  # type: ignore[override]" for op in ("eq", "ne")},
    **{f"__{op}__": "(self) -> Tensor" for op in ("neg", "pos", "abs", "invert")},
    "__getitem__": "(self, index: Any) -> Tensor",
    "__setitem__": "(self, index: Any, value: Any) -> None",
    "__iter__": "(self) -> Iterator[Tensor]",
    "__len__": "(self) -> int",
    "__bool__": "(self) -> bool",
    "__int__": "(self) -> int",
    "__index__": "(self) -> int",
    "__float__": "(self) -> float",
    "__complex__": "(self) -> complex",
    "__hash__": "(self) -> int",
    "__format__": "(self, spec: str) -> str",
    "__repr__": "(self, *, tensor_contents: Any = ...) -> str",
    "__dir__": "(self) -> list[str]",
    "__new__": "(cls, *args: Any, **kwargs: Any) -> Tensor",
}
