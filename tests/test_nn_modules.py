"""``chainrule.nn.Module`` and the containers against PyTorch: registration, traversal, state dicts,
modes, dtype casts, hooks and printing."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn


def _message(exc):
    return str(exc).replace("chainrule", "torch")


def _same_error(ours, theirs):
    """Run both callables; they must raise the same exception type with the same message."""
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(expected.type) as got:
        ours()
    assert _message(got.value) == str(expected.value)


def _copy_weights(source, target):
    target.load_state_dict({k: chainrule.tensor(v.detach().numpy()) for k, v in source.state_dict().items()})


class TwoLayer:
    """The same small network written for either library."""

    @staticmethod
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = lib.nn.Linear(3, 4)
                self.act = lib.nn.ReLU()
                self.fc2 = lib.nn.Linear(4, 2, bias=False)
                self.register_buffer("steps", lib.zeros(1))
                self.register_buffer("scratch", lib.ones(2), persistent=False)
                self.scale = lib.nn.Parameter(lib.ones(1))

            def forward(self, x):
                return self.fc2(self.act(self.fc1(x))) * self.scale

        return Net()


# ----------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_with_pytorch_repr():
    p = nn.Parameter(chainrule.ones(2))
    assert isinstance(p, chainrule.Tensor) and p.is_leaf and p.requires_grad
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2)))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    assert repr(nn.Parameter(chainrule.ones(2), requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.ones(2), requires_grad=False))
    assert type(p * 2) is chainrule.Tensor


def test_parameter_shares_data_and_version_with_its_source():
    t = chainrule.ones(2)
    p = nn.Parameter(t)
    t.add_(1)
    assert p.tolist() == [2.0, 2.0] and p._version == 1


def test_parameter_from_legacy_constructor():
    p = nn.Parameter._from_tensor(chainrule.Tensor([1.0, 2.0]))
    assert isinstance(p, nn.Parameter) and p.requires_grad and p.tolist() == [1.0, 2.0]


def test_parameter_deepcopy_is_independent():
    p = nn.Parameter(chainrule.ones(2))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    with chainrule.no_grad():
        q.add_(1)
    assert p.tolist() == [1.0, 1.0]


# ----------------------------------------------------------------- registration and traversal
def test_named_parameters_buffers_and_modules_match_torch():
    ours, theirs = TwoLayer.build(chainrule), TwoLayer.build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters(prefix="net", recurse=False)] == \
        [n for n, _ in theirs.named_parameters(prefix="net", recurse=False)]
    assert len(list(ours.parameters())) == 4 and len(list(ours.modules())) == 4


def test_shared_parameters_are_listed_once_unless_asked():
    def build(lib):
        shared = lib.nn.Linear(2, 2)
        return lib.nn.Sequential(shared, lib.nn.ReLU(), shared)

    ours, theirs = build(chainrule), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_setattr_routes_and_delattr():
    m = nn.Module()
    m.w = nn.Parameter(chainrule.ones(1))
    m.sub = nn.ReLU()
    m.register_buffer("b", chainrule.zeros(1))
    m.b = chainrule.ones(1)
    assert "w" in m._parameters and "sub" in m._modules and m.b.tolist() == [1.0]
    m.w = None
    assert m._parameters["w"] is None
    m.sub = None
    assert m._modules["sub"] is None
    del m.b
    assert not hasattr(m, "b")
    m.plain = 3
    assert m.plain == 3 and "plain" in m.__dict__


def test_buffer_marker_registers_a_buffer():
    m = nn.Module()
    m.stats = nn.Buffer(chainrule.ones(2), persistent=False)
    assert type(m._buffers["stats"]) is chainrule.Tensor
    assert "stats" in m._non_persistent_buffers_set and list(m.state_dict()) == []


@pytest.mark.parametrize("action", [
    lambda lib, m: m.foo,
    lambda lib, m: setattr(m, "weight", lib.ones(3, 2)),
    lambda lib, m: setattr(m, "weight", 3),
    lambda lib, m: m.register_buffer("weight", lib.ones(1)),
    lambda lib, m: m.register_buffer(1, lib.ones(1)),
    lambda lib, m: m.register_buffer("a.b", lib.ones(1)),
    lambda lib, m: m.register_buffer("", lib.ones(1)),
    lambda lib, m: m.register_buffer("x", 3),
    lambda lib, m: m.register_parameter("x", lib.ones(1)),
    lambda lib, m: m.register_parameter("a.b", None),
    lambda lib, m: m.register_parameter("", None),
    lambda lib, m: m.register_parameter(1, None),
    lambda lib, m: m.register_parameter("in_features", None),
    lambda lib, m: m.add_module("x", 3),
    lambda lib, m: m.add_module("a.b", lib.nn.ReLU()),
    lambda lib, m: m.add_module("", lib.nn.ReLU()),
    lambda lib, m: m.add_module(1, lib.nn.ReLU()),
    lambda lib, m: m.add_module("weight", lib.nn.ReLU()),
    lambda lib, m: m.train(3),
    lambda lib, m: delattr(m, "zz"),
    lambda lib, m: m.load_state_dict(3),
    lambda lib, m: m.to(lib.int64),
])
def test_registration_errors_match_torch(action):
    _same_error(lambda: action(chainrule, nn.Linear(2, 3)), lambda: action(torch, torch.nn.Linear(2, 3)))


@pytest.mark.parametrize("assign", ["parameter", "module", "buffer"])
def test_assignment_before_init_fails_like_torch(assign):
    def build(lib):
        class Early(lib.nn.Module):
            def __init__(self):
                if assign == "parameter":
                    self.w = lib.nn.Parameter(lib.ones(1))
                elif assign == "module":
                    self.w = lib.nn.ReLU()
                else:
                    self.register_buffer("w", None)

        return Early()

    _same_error(lambda: build(chainrule), lambda: build(torch))


def test_missing_forward_error():
    _same_error(lambda: nn.Module()(1), lambda: torch.nn.Module()(1))


# ----------------------------------------------------------------- state dict
def test_state_dict_keys_values_and_detach():
    ours, theirs = TwoLayer.build(chainrule), TwoLayer.build(torch)
    _copy_weights(theirs, ours)
    state = ours.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(state[key].numpy(), value.numpy())
        assert not state[key].requires_grad
    kept = ours.state_dict(keep_vars=True)
    assert kept["scale"] is ours.scale


def test_load_state_dict_copies_in_place():
    m = nn.Linear(2, 3)
    weight = m.weight
    result = m.load_state_dict({"weight": chainrule.ones(3, 2), "bias": chainrule.zeros(3)})
    assert repr(result) == "<All keys matched successfully>"
    assert m.weight is weight and m.weight.tolist() == [[1.0, 1.0]] * 3 and m.weight._version == 2


def _edited_state(lib, module, drop=(), add=(), reshape=()):
    state = module.state_dict()
    for key in drop:
        del state[key]
    for key in add:
        state[key] = lib.ones(1)
    for key in reshape:
        state[key] = lib.ones(2, 2)
    return state


@pytest.mark.parametrize("edit", [
    dict(drop=["bias"], add=["extra"]),
    dict(reshape=["weight"]),
    dict(drop=["bias"], reshape=["weight"]),
    dict(add=["fc.weight"]),
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_reports_like_torch(edit, strict):
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)

    def run(lib, module):
        return repr(module.load_state_dict(_edited_state(lib, module, **edit), strict=strict))

    try:
        expected = run(torch, theirs)
    except RuntimeError as exc:
        with pytest.raises(RuntimeError) as got:
            run(chainrule, ours)
        assert _message(got.value) == str(exc)
    else:
        assert run(chainrule, ours) == expected


def test_load_state_dict_nested_missing_key_message():
    ours, theirs = nn.Sequential(nn.Linear(1, 1)), torch.nn.Sequential(torch.nn.Linear(1, 1))
    _same_error(lambda: ours.load_state_dict(_edited_state(chainrule, ours, drop=["0.bias"])),
                lambda: theirs.load_state_dict(_edited_state(torch, theirs, drop=["0.bias"])))


def test_load_state_dict_assign_replaces_parameters():
    m = nn.Linear(2, 1)
    new_weight = chainrule.ones(1, 2)
    m.load_state_dict({"weight": new_weight, "bias": chainrule.zeros(1)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.data_ptr() == new_weight.data_ptr()


def test_state_dict_round_trip_between_libraries():
    theirs = TwoLayer.build(torch)
    ours = TwoLayer.build(chainrule)
    _copy_weights(theirs, ours)
    back = TwoLayer.build(torch)
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(back(torch.from_numpy(x)).detach().numpy(),
                               ours(chainrule.from_numpy(x)).detach().numpy(), rtol=1e-6)


# ----------------------------------------------------------------- modes, gradients, casts
def test_train_eval_and_requires_grad():
    m = nn.Sequential(nn.Linear(1, 1), nn.Dropout())
    assert m.training and m[1].training
    assert m.eval() is m and not m[1].training
    m.train()
    assert m[1].training
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_zero_grad():
    m = nn.Linear(2, 1)
    m(chainrule.ones(1, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.tolist() == [[0.0, 0.0]]
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_apply_visits_children_first():
    order = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    m.apply(lambda module: order.append(type(module).__name__))
    ref = []
    torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Sequential(torch.nn.ReLU())).apply(
        lambda module: ref.append(type(module).__name__))
    assert order == ref


@pytest.mark.parametrize("cast", ["double", "half", "float", "to64"])
def test_casts_keep_parameter_identity(cast):
    m = nn.BatchNorm1d(2)
    weight = m.weight
    m(chainrule.randn(3, 2)).sum().backward()
    if cast == "to64":
        m.to(chainrule.float64)
        expected = chainrule.float64
    else:
        getattr(m, cast)()
        expected = {"double": chainrule.float64, "half": chainrule.float16, "float": chainrule.float32}[cast]
    assert m.weight is weight and m.weight.dtype == expected and m.weight.grad.dtype == expected
    assert m.running_mean.dtype == expected and m.num_batches_tracked.dtype == chainrule.int64
    assert m.cpu() is m and m.to("cpu") is m


# ----------------------------------------------------------------- hooks
def test_forward_pre_hook_and_forward_hook():
    m = nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append("pre")
        return (args[0] * 2,)

    def post(module, args, output):
        calls.append("post")
        return output + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    x = chainrule.ones(1, 2)
    with chainrule.no_grad():
        expected = m.forward(x * 2) + 1
        assert m(x).tolist() == expected.tolist()
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    with chainrule.no_grad():
        assert m(x).tolist() == m.forward(x).tolist()


def test_hooks_with_kwargs_and_prepend():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    m(chainrule.ones(1))
    assert order == ["b", "a"]


def _backward_hook_run(lib, x_value, replace):
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]]))
        lin.bias.copy_(lib.tensor([0.1, -0.2]))
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(([None if g is None else g.detach().numpy().copy() for g in grad_input],
                     [g.detach().numpy().copy() for g in grad_output]))
        if replace:
            return tuple(None if g is None else g * 3 for g in grad_input)
        return None

    lin.register_full_backward_hook(hook)
    x = lib.tensor(x_value, requires_grad=True)
    out = lin(x)
    (out * lib.tensor([[1.0, 2.0], [3.0, -1.0]])).sum().backward()
    return seen, x.grad.numpy(), lin.weight.grad.numpy(), type(out.grad_fn).__name__


@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hook_matches_torch(replace):
    x = [[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]
    ours = _backward_hook_run(chainrule, x, replace)
    theirs = _backward_hook_run(torch, x, replace)
    assert len(ours[0]) == len(theirs[0]) == 1
    for a, b in zip(ours[0][0], theirs[0][0]):
        for ga, gb in zip(a, b):
            np.testing.assert_allclose(ga, gb, rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)
    assert ours[3] == theirs[3]


def test_full_backward_hook_without_input_grad_gets_none():
    def run(lib):
        lin = lib.nn.Linear(2, 1)
        seen = []
        lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            lin(lib.ones(1, 2)).sum().backward()
        return seen

    ours, theirs = run(chainrule), run(torch)
    assert len(ours) == len(theirs) == 1
    assert ours[0][0] == theirs[0][0] == (None,)
    assert tuple(ours[0][1]) == tuple(theirs[0][1])


def test_full_backward_pre_hook_can_replace_grad_output():
    def run(lib):
        lin = lib.nn.Linear(2, 1)
        with lib.no_grad():
            lin.weight.fill_(2.0)
        lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 10,))
        x = lib.ones(1, 2, requires_grad=True)
        lin(x).sum().backward()
        return x.grad.tolist()

    assert run(chainrule) == run(torch)


# ----------------------------------------------------------------- printing
def test_nested_repr_matches_torch():
    def build(lib):
        inner = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU())
        return lib.nn.Sequential(OrderedDict([("block", inner), ("out", lib.nn.Linear(3, 1, bias=False)),
                                              ("act", lib.nn.Softmax(dim=1))]))

    assert repr(build(chainrule)) == repr(build(torch))
    assert repr(TwoLayer.build(chainrule)) == repr(TwoLayer.build(torch))


def test_custom_extra_repr_with_children():
    def build(lib):
        class Custom(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.child = lib.nn.Tanh()

            def extra_repr(self):
                return "size=3\nmode=fast"

        return Custom()

    assert repr(build(chainrule)) == repr(build(torch))


# ----------------------------------------------------------------- containers
def test_sequential_indexing_and_editing():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(1, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1))

    ours, theirs = build(chainrule), build(torch)
    assert repr(ours[-1]) == repr(theirs[-1])
    assert repr(ours[1:]) == repr(theirs[1:]) and type(ours[1:]) is nn.Sequential
    assert len(ours) == 3 and [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    _same_error(lambda: ours[3], lambda: theirs[3])
    ours.append(nn.Tanh())
    theirs.append(torch.nn.Tanh())
    del ours[0]
    del theirs[0]
    ours.insert(1, nn.Sigmoid())
    theirs.insert(1, torch.nn.Sigmoid())
    ours[0] = nn.ELU()
    theirs[0] = torch.nn.ELU()
    assert repr(ours) == repr(theirs)
    assert repr(ours + nn.Sequential(nn.ReLU())) == repr(theirs + torch.nn.Sequential(torch.nn.ReLU()))


def test_sequential_forward_matches_torch():
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    _copy_weights(theirs, ours)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(ours(chainrule.from_numpy(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_module_list_and_dict():
    def build(lib):
        layers = lib.nn.ModuleList([lib.nn.Linear(1, 1) for _ in range(3)])
        layers.extend([lib.nn.ReLU(), lib.nn.ReLU()])
        layers.append(lib.nn.Tanh())
        layers.insert(0, lib.nn.Sigmoid())
        table = lib.nn.ModuleDict({"a": lib.nn.ReLU(), "b": lib.nn.Sequential(lib.nn.Linear(1, 2))})
        table["c"] = lib.nn.Tanh()
        return layers, table

    (layers, table), (t_layers, t_table) = build(chainrule), build(torch)
    assert repr(layers) == repr(t_layers) and repr(table) == repr(t_table)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(layers[1:3]) == repr(t_layers[1:3])
    assert list(table) == list(t_table) and "a" in table and len(table) == 3
    assert [n for n, _ in layers.named_parameters()] == [n for n, _ in t_layers.named_parameters()]
    _same_error(lambda: layers[10], lambda: t_layers[10])
    assert repr(table.pop("a")) == repr(t_table.pop("a")) and list(table.keys()) == list(t_table.keys())


def test_parameter_list_and_dict():
    def build(lib):
        plist = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(2, dtype=lib.float64), 3])
        pdict = lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2, 3)), "b": lib.ones(0)})
        return plist, pdict

    (plist, pdict), (t_plist, t_pdict) = build(chainrule), build(torch)
    assert _message(repr(plist)) == repr(t_plist)
    assert _message(repr(pdict)) == repr(t_pdict)
    assert isinstance(plist[1], nn.Parameter) and plist[1].requires_grad and plist[2] == 3
    assert [n for n, _ in plist.named_parameters()] == [n for n, _ in t_plist.named_parameters()]
    assert list(pdict.keys()) == list(t_pdict.keys()) and isinstance(pdict["b"], nn.Parameter)
    assert list(pdict.state_dict()) == list(t_pdict.state_dict())


def test_deepcopy_gives_independent_parameters_and_buffers():
    original = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    duplicate = copy.deepcopy(original)
    assert repr(duplicate) == repr(original)
    assert duplicate[0].weight is not original[0].weight and isinstance(duplicate[0].weight, nn.Parameter)
    assert duplicate[0].weight.tolist() == original[0].weight.tolist()
    duplicate.train()(chainrule.randn(4, 2))
    assert original[1].num_batches_tracked.item() == 0 and duplicate[1].num_batches_tracked.item() == 1
    assert [n for n, _ in duplicate.named_parameters()] == [n for n, _ in original.named_parameters()]


def test_module_init_rejects_arguments_like_torch():
    _same_error(lambda: nn.Module(3), lambda: torch.nn.Module(3))
    _same_error(lambda: nn.Module(a=3), lambda: torch.nn.Module(a=3))
