"""One time step of each recurrent cell, written with ``F`` and tensor ops.

A step gets the input's projection for this step (``x W_ih^T + b_ih``, computed for all steps at
once by the caller), the state tuple and the recurrent weights, and returns the new state.
"""

from .. import functional as F

__all__ = ["STEPS", "rnn_tanh_step", "rnn_relu_step", "lstm_step", "gru_step"]


def rnn_tanh_step(projected, state, w_hh, b_hh, w_hr=None):
    return ((projected + F.linear(state[0], w_hh, b_hh)).tanh(),)


def rnn_relu_step(projected, state, w_hh, b_hh, w_hr=None):
    return ((projected + F.linear(state[0], w_hh, b_hh)).relu(),)


def lstm_step(projected, state, w_hh, b_hh, w_hr=None):
    """Gates in PyTorch's order: input, forget, cell, output."""
    h, c = state
    gates = projected + F.linear(h, w_hh, b_hh)
    in_gate, forget_gate, cell_gate, out_gate = gates.chunk(4, -1)
    c = forget_gate.sigmoid() * c + in_gate.sigmoid() * cell_gate.tanh()
    h = out_gate.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def gru_step(projected, state, w_hh, b_hh, w_hr=None):
    """Gates in PyTorch's order: reset, update, new; the reset gate scales the recurrent new part."""
    h = state[0]
    recurrent = F.linear(h, w_hh, b_hh)
    in_reset, in_update, in_new = projected.chunk(3, -1)
    h_reset, h_update, h_new = recurrent.chunk(3, -1)
    reset = (in_reset + h_reset).sigmoid()
    update = (in_update + h_update).sigmoid()
    new = (in_new + reset * h_new).tanh()
    return (new + update * (h - new),)


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}
