"""compile(model) with the training loop outside: the compiled call hands out a graph of one node whose backward
is a plan of its own; losses, gradients and parameters equal eager bit for bit."""

import math
import warnings

import numpy as np
import pytest
import torch as reference

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F


def _bits(tensor):
    return None if tensor is None else tensor.detach().numpy().tobytes()


def _same_parameters(model, other):
    for (name, p), q in zip(model.named_parameters(), other.parameters()):
        assert _bits(p) == _bits(q), name
        assert _bits(p.grad) == _bits(q.grad), name


def _mlp(seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 4))


def _batches(count, rng=None, batch=5):
    rng = rng or np.random.default_rng(0)
    return [(torch.tensor(rng.standard_normal((batch, 8)).astype(np.float32)), torch.tensor(rng.integers(0, 4, batch)))
            for _ in range(count)]


@pytest.mark.parametrize("optimizer", ["SGD", "AdamW"])
def test_a_compiled_model_with_the_loop_outside_matches_eager(optimizer):
    """The criterion, backward, clipping and the update are eager code outside; gradients flow into the call."""
    models = [_mlp(), _mlp()]
    optimizers = [getattr(torch.optim, optimizer)(m.parameters(), lr=0.05) for m in models]
    compiled = torch.compile(models[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, y in _batches(6):
            losses = []
            for run, model, opt in ((compiled, models[0], optimizers[0]), (models[1], models[1], optimizers[1])):
                loss = F.cross_entropy(run(x), y)
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 0.5)
                opt.step()
                losses.append(_bits(loss))
            assert losses[0] == losses[1]
            _same_parameters(*models)
    assert compiled.recordings == 2 and compiled.replays == 4
    out = compiled(x)
    assert out.grad_fn.name() == "CompiledFunctionBackward" and out.requires_grad and not out.is_leaf
    assert repr(out.grad_fn).startswith("<chainrule.autograd.function.CompiledFunctionBackward object at 0x")
    assert len(out.grad_fn.next_functions) == 4  # one edge per parameter, leading to its gradient sink
    assert all(node.name() == "torch::autograd::AccumulateGrad" for node, _ in out.grad_fn.next_functions)


# ----------------------------------------------------------------- a GPT, as nanoGPT writes it
class _SelfAttention(nn.Module):
    def __init__(self, width, heads, block, dropout):
        super().__init__()
        self.c_attn, self.c_proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.attn_dropout, self.resid_dropout = nn.Dropout(dropout), nn.Dropout(dropout)
        self.heads, self.width = heads, width
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        batch, length, width = x.size()
        q, k, v = self.c_attn(x).split(self.width, dim=2)
        q, k, v = (t.view(batch, length, self.heads, width // self.heads).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :length, :length] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(batch, length, width)
        return self.resid_dropout(self.c_proj(y))


class _Block(nn.Module):
    def __init__(self, width, heads, block, dropout):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = _SelfAttention(width, heads, block, dropout)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width),
                                 nn.Dropout(dropout))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class _GPT(nn.Module):
    def __init__(self, vocab=17, block=8, layers=2, heads=2, width=16, dropout=0.1):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, width), nn.Embedding(block, width)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([_Block(width, heads, block, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying

    def forward(self, idx, targets=None):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(0, idx.size(1), dtype=torch.long)))
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def _gpt_and_optimizer():
    torch.manual_seed(0)
    model = _GPT()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.95))
    return model, optimizer


def test_a_gpt_trains_with_compile_on_like_eager():
    """nanoGPT's loop: ``model = compile(model)``, ``logits, loss = model(x, y)``, backward, clipping, AdamW;
    dropout draws, a tied weight, the logits left without a gradient; then an evaluation under no_grad."""
    (model, optimizer), (eager_model, eager_optimizer) = _gpt_and_optimizer(), _gpt_and_optimizer()
    compiled = torch.compile(model)
    rng = np.random.default_rng(0)
    data = [(torch.tensor(rng.integers(0, 17, (4, 8))), torch.tensor(rng.integers(0, 17, (4, 8)))) for _ in range(6)]
    losses = {}
    for name, run, opt, params in (("compiled", compiled, optimizer, model.parameters),
                                   ("eager", eager_model, eager_optimizer, eager_model.parameters)):
        torch.manual_seed(1)
        losses[name] = []
        for x, y in data:
            logits, loss = run(x, y)
            loss.backward()
            nn.utils.clip_grad_norm_(params(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses[name].append(_bits(loss))
        with torch.no_grad():
            run.eval()
            losses[name] += [_bits(run(x)[0]) for x, _ in data[:3]]
            run.train()
    assert losses["compiled"] == losses["eager"]
    for p, q in zip(model.parameters(), eager_model.parameters()):
        assert _bits(p) == _bits(q)
    assert compiled.replays == 5  # four training steps and one evaluation


def test_retain_graph_runs_the_backward_again_and_then_frees_it():
    models = [_mlp(), _mlp()]
    compiled = torch.compile(models[0])
    for x, y in _batches(4):
        for run in (compiled, models[1]):
            loss = F.cross_entropy(run(x), y)
            loss.backward(retain_graph=True)
            loss.backward()
            with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
                loss.backward()
        _same_parameters(*models)
    assert compiled.replays == 2
    theirs = reference.nn.Linear(2, 2)(reference.ones(1, 2)).sum()
    theirs.backward()
    with pytest.raises(RuntimeError) as expected:
        theirs.backward()
    assert "Trying to backward through the graph a second time" in str(expected.value)


def test_gradients_reach_arguments_and_their_history():
    """A compiled call inside a bigger graph: gradients go to the arguments' own history, each path once."""
    torch.manual_seed(0)
    weight = torch.randn(3, requires_grad=True)

    def inner(a, b, c):
        return (a * b).tanh() + b * c

    compiled = torch.compile(inner)
    results = {}
    for run in (compiled, inner):
        grads = []
        for step in range(4):
            a = weight * 2.0  # a and b share history: gradients must not be counted twice
            b = a + float(step)
            c = torch.full((3,), 0.5, requires_grad=True)
            out = run(a, b, c)
            (out * out).sum().backward()
            grads += [_bits(weight.grad), _bits(c.grad), _bits(out)]
            weight.grad = None
        results[run] = grads
    assert results[compiled] == results[inner]
    assert compiled.replays == 2


def test_autograd_grad_through_a_compiled_call():
    compiled = torch.compile(lambda x, w: (x @ w).relu().sum(dim=1))
    for seed in range(5):  # arguments that need gradients: the first call finds that its outputs do too
        torch.manual_seed(seed)
        x, w = torch.randn(5, 3, requires_grad=True), torch.randn(3, 2, requires_grad=True)
        ours = torch.autograd.grad(compiled(x, w).pow(2).sum(), (x, w))
        eager = torch.autograd.grad((x @ w).relu().sum(dim=1).pow(2).sum(), (x, w))
        assert [_bits(g) for g in ours] == [_bits(g) for g in eager]
        assert x.grad is None and w.grad is None
    assert compiled.replays == 2


def test_hooks_on_parameters_run_on_every_backward():
    models = [_mlp(), _mlp()]
    seen = {0: [], 1: []}
    for index, model in enumerate(models):
        model[0].weight.register_hook(lambda grad: grad * 2)
        model[3].bias.register_post_accumulate_grad_hook(lambda p, index=index: seen[index].append(_bits(p.grad)))
    compiled = torch.compile(models[0])
    for x, y in _batches(5):
        for run in (compiled, models[1]):
            F.cross_entropy(run(x), y).backward()
        _same_parameters(*models)
    assert seen[0] == seen[1] and len(seen[0]) == 5 and compiled.replays == 3


def test_create_graph_differentiates_eager_graph_with_a_warning():
    """A gradient penalty: the compiled call's backward with create_graph=True recomputes its forward eagerly."""
    models = [_mlp(), _mlp()]
    compiled = torch.compile(models[0])
    results = {}
    for run, model in ((compiled, models[0]), (models[1], models[1])):
        rows = []
        for step, (x, _) in enumerate(_batches(4)):
            x.requires_grad_(True)
            out = run(x)
            if step < 3:
                out.sum().backward()  # plain steps: recorded, then replayed
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                (grad,) = torch.autograd.grad(out.pow(2).sum(), x, create_graph=True)
            assert (run is compiled) == any("create_graph=True" in str(w.message) for w in caught)
            grad.pow(2).sum().backward()
            rows += [_bits(grad)] + [_bits(p.grad) for p in model.parameters()]
        results[run] = rows
    assert results[compiled] == results[models[1]]


def test_no_grad_calls_replay_the_forward_only():
    model = _mlp()
    compiled = torch.compile(model)
    x, _ = _batches(1)[0]
    with torch.no_grad():
        outputs = [compiled(x) for _ in range(4)]
    assert all(not o.requires_grad and o.grad_fn is None for o in outputs)
    assert all(_bits(o) == _bits(model(x).detach()) for o in outputs)
    assert compiled.replays == 2


def test_train_and_eval_switches_are_guarded():
    """Dropout draws in train mode, none in eval mode; the generator advances as in eager."""
    models = [_mlp(dropout=0.5), _mlp(dropout=0.5)]
    compiled = torch.compile(models[0])
    results = {}
    for run, model in ((compiled, models[0]), (models[1], models[1])):
        torch.manual_seed(3)
        rows = []
        for step, (x, y) in enumerate(_batches(12)):
            model.train(step % 4 != 3)
            loss = F.cross_entropy(run(x), y)
            loss.backward()
            rows += [_bits(loss)] + [_bits(p.grad) for p in model.parameters()]
            model.zero_grad()
        results[run] = rows
    assert results[compiled] == results[models[1]]
    assert compiled.replays >= 6


def test_a_saved_input_modified_in_place_is_an_error_as_in_eager():
    compiled = torch.compile(lambda x, w: (x * w).sum())
    for step in range(5):
        x, w = torch.ones(3), torch.ones(3, requires_grad=True)
        loss = compiled(x, w)
        if step == 4:
            x.add_(1)
            with pytest.raises(RuntimeError, match="modified by an inplace operation") as ours:
                loss.backward()
        else:
            loss.backward()
    assert compiled.replays == 2
    x, w = reference.ones(3), reference.ones(3, requires_grad=True)
    loss = (x * w).sum()
    x.add_(1)
    with pytest.raises(RuntimeError) as theirs:
        loss.backward()
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]
    assert "[chainrule.FloatTensor [3]] is at version 1; expected version 0 instead" in str(ours.value)


def test_an_output_the_backward_reads_modified_in_place_is_an_error():
    compiled = torch.compile(lambda x: x.exp())
    for step in range(5):
        out = compiled(torch.ones(2, requires_grad=True))
        if step == 4:
            out.add_(1)
            with pytest.raises(RuntimeError, match="output 0 of CompiledFunction, is at version 1"):
                out.sum().backward()
        else:
            out.sum().backward()
    assert compiled.replays == 2


def test_gradients_for_other_outputs_than_recorded_go_through_eager():
    def two(x, w):
        h = x @ w
        return h.tanh(), h.sigmoid()

    compiled = torch.compile(two)
    torch.manual_seed(0)
    w = torch.randn(3, 3, requires_grad=True)
    rows = {}
    for run in (compiled, two):
        rows[run] = []
        w.grad = None
        for step in range(5):
            x = torch.full((2, 3), 0.1 * step)
            first, second = run(x, w)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                (first.sum() + (second.sum() if step == 4 else 0)).backward()
            if run is compiled:
                assert (step == 4) == any("other outputs" in str(c.message) for c in caught)
            rows[run] += [_bits(w.grad), _bits(first), _bits(second)]
    assert rows[compiled] == rows[two]


def _runs_with_warnings(run, calls):
    """``run(step)`` for each step; the text of every warning raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(calls):
            run(step)
    return [str(w.message) for w in caught]


def test_a_backward_inside_a_call_on_arguments_with_a_history_stays_eager():
    """The call's graph would have to run into the caller's: it runs eagerly, with eager's gradients."""
    def inner_step(h, w):
        loss = (h * w).sum()
        loss.backward()
        return loss.detach()

    compiled = torch.compile(inner_step)
    gradients = {}
    for fn in (compiled, inner_step):
        a, w = _leaf_pair()

        def run(step):
            inner_step_result = fn(a * (step + 1.0), w)
            assert inner_step_result.grad_fn is None

        messages = _runs_with_warnings(run, 4)
        assert (fn is compiled) == any("a backward runs inside a call whose arguments" in m for m in messages)
        gradients[fn] = (_bits(a.grad), _bits(w.grad))
    assert gradients[compiled] == gradients[inner_step]
    assert compiled.replays == 0


def test_a_gradient_for_a_leaf_made_inside_the_call_stays_eager():
    def scaled(x):
        w = torch.full((3,), 0.5, requires_grad=True)  # a parameter made on every call: nothing outside sees it
        return x * w

    compiled = torch.compile(scaled)
    gradients = {}
    for fn in (compiled, scaled):
        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        messages = _runs_with_warnings(lambda step: (fn(x) * (step + 1.0)).sum().backward(), 4)
        assert (fn is compiled) == any("a leaf created inside the compiled function" in m for m in messages)
        gradients[fn] = _bits(x.grad)
    assert gradients[compiled] == gradients[scaled]
    assert compiled.replays == 0


def _leaf_pair():
    return (torch.tensor([0.5, -1.0, 2.0], requires_grad=True), torch.tensor([1.5, 0.25, -3.0], requires_grad=True))
