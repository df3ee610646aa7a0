"""``nn.utils.rnn`` (packing and padding variable-length sequences) and recurrent layers on packed
input, against PyTorch."""

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as torch_rnn

import chainrule
import chainrule.nn as nn
from chainrule.nn.utils import rnn


def _pair(array, requires_grad=True):
    theirs = torch.tensor(array, requires_grad=requires_grad)
    ours = chainrule.tensor(array, requires_grad=requires_grad)
    return ours, theirs


def _close(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [4, 3, 1]), (False, [2, 4, 1])])
def test_pack_and_unpack_round_trip(batch_first, enforce_sorted, lengths):
    shape = (3, 4, 2) if batch_first else (4, 3, 2)
    ours_x, theirs_x = _pair(np.random.default_rng(0).standard_normal(shape))
    ours = rnn.pack_padded_sequence(ours_x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    theirs = torch_rnn.pack_padded_sequence(theirs_x, lengths, batch_first=batch_first,
                                            enforce_sorted=enforce_sorted)
    _close(ours.data, theirs.data)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in [(ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)]:
        assert (a is None and b is None) or a.tolist() == b.tolist()
    padded, out_lengths = rnn.pad_packed_sequence(ours, batch_first=batch_first, padding_value=-1.0,
                                                  total_length=5)
    t_padded, t_lengths = torch_rnn.pad_packed_sequence(theirs, batch_first=batch_first, padding_value=-1.0,
                                                        total_length=5)
    _close(padded, t_padded)
    assert out_lengths.tolist() == t_lengths.tolist() and out_lengths.dtype == chainrule.int64
    weights = np.random.default_rng(1).standard_normal(tuple(t_padded.shape))
    (padded * chainrule.tensor(weights)).sum().backward()
    (t_padded * torch.tensor(weights)).sum().backward()
    _close(ours_x.grad, theirs_x.grad)


def test_pack_errors_match_torch():
    for lengths, sorted_ in [([2, 3, 1], True), ([2, 0, 1], False)]:
        with pytest.raises(RuntimeError) as expected:
            torch_rnn.pack_padded_sequence(torch.ones(4, 3, 2), lengths, enforce_sorted=sorted_)
        with pytest.raises(RuntimeError) as got:
            rnn.pack_padded_sequence(chainrule.ones(4, 3, 2), lengths, enforce_sorted=sorted_)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 3)]
    ours = rnn.pad_sequence([chainrule.tensor(a) for a in arrays], batch_first, 0.5, padding_side)
    theirs = torch_rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first, 0.5, padding_side)
    _close(ours, theirs)


def test_pack_sequence_and_unpack_sequence():
    arrays = [np.arange(n, dtype=np.float64) for n in (3, 1, 2)]
    packed = rnn.pack_sequence([chainrule.tensor(a) for a in arrays], enforce_sorted=False)
    t_packed = torch_rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    _close(packed.data, t_packed.data)
    assert [s.tolist() for s in rnn.unpack_sequence(packed)] == [a.tolist() for a in arrays]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True}])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layers_on_packed_input(kind, options, with_state):
    theirs = getattr(torch.nn, kind)(3, 4, **options).double()
    ours = getattr(nn, kind)(3, 4, **options).double()
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(3)
    batch_first = options.get("batch_first", False)
    lengths = [3, 5, 2]
    x_ours, x_theirs = _pair(rng.standard_normal((3, 5, 3) if batch_first else (5, 3, 3)))
    packed = rnn.pack_padded_sequence(x_ours, lengths, batch_first=batch_first, enforce_sorted=False)
    t_packed = torch_rnn.pack_padded_sequence(x_theirs, lengths, batch_first=batch_first, enforce_sorted=False)
    states = ()
    if with_state:
        layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
        count = 2 if kind == "LSTM" else 1
        pairs = [_pair(rng.standard_normal((layers, 3, 4))) for _ in range(count)]
        ours_state = tuple(p[0] for p in pairs) if count == 2 else pairs[0][0]
        theirs_state = tuple(p[1] for p in pairs) if count == 2 else pairs[0][1]
        states = (ours_state,), (theirs_state,)
    out, hidden = ours(packed, *(states[0] if states else ()))
    t_out, t_hidden = theirs(t_packed, *(states[1] if states else ()))
    assert isinstance(out, rnn.PackedSequence)
    _close(out.data, t_out.data)
    hidden, t_hidden = (hidden if kind == "LSTM" else (hidden,)), (t_hidden if kind == "LSTM" else (t_hidden,))
    for a, b in zip(hidden, t_hidden):
        _close(a, b)
    weights = rng.standard_normal(tuple(t_out.data.shape))
    loss = (out.data * chainrule.tensor(weights)).sum() + sum(h.sum() for h in hidden)
    t_loss = (t_out.data * torch.tensor(weights)).sum() + sum(h.sum() for h in t_hidden)
    loss.backward()
    t_loss.backward()
    _close(x_ours.grad, x_theirs.grad)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, t_params[name].grad)
    if states:
        ours_state = states[0][0] if kind == "LSTM" else (states[0][0],)
        theirs_state = states[1][0] if kind == "LSTM" else (states[1][0],)
        for a, b in zip(ours_state, theirs_state):
            _close(a.grad, b.grad)
