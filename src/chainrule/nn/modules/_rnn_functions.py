"""The recurrent layers as functions of their flat weights: ``chainrule.lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu``.

PyTorch's layers call these; here the layers' own loop (``RNNBase._run``) runs over weights given as a flat
list in the layers' order (per layer and direction: ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``). Each takes the
padded form ``(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`` or
the packed form ``(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)``.
"""

from ..._ops._typed_arguments import fits, invalid_combination
from .rnn import RNNBase

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


class _FlatWeights:
    """What ``RNNBase._run`` reads from a layer, taken from the function's arguments."""

    _run = RNNBase._run
    _run_direction = RNNBase._run_direction

    def __init__(self, mode, params, has_biases, num_layers, dropout, train, bidirectional):
        self.mode = mode
        self.num_layers = num_layers
        self.dropout = dropout
        self.training = train
        self.bidirectional = bidirectional
        groups = num_layers * (2 if bidirectional else 1)
        per_group = 2 + (2 if has_biases else 0)
        if len(params) not in (groups * per_group, groups * (per_group + 1)) or (
                len(params) != groups * per_group and mode != "LSTM"):
            raise RuntimeError("got an incorrect number of RNN parameters")
        stride = len(params) // groups
        self._groups = []
        for group in range(groups):
            weights = list(params[group * stride:(group + 1) * stride])
            w_ih, w_hh = weights[:2]
            b_ih, b_hh = weights[2:4] if has_biases else (None, None)
            w_hr = weights[-1] if stride > per_group else None
            self._groups.append((w_ih, w_hh, b_ih, b_hh, w_hr))

    def _layer_weights(self, layer, direction):
        return self._groups[layer * (2 if self.bidirectional else 1) + direction]


def _run(mode, input, batch_sizes, states, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    runner = _FlatWeights(mode, params, has_biases, num_layers, dropout, train, bidirectional)
    if len(states[0]) < num_layers * (2 if bidirectional else 1):
        raise RuntimeError("Expected more hidden states in stacked_rnn")
    if batch_sizes is not None:
        rows, finals = runner._run(input, batch_sizes.tolist(), states)
        return (rows, *finals)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.size(0), input.size(1)
    rows, finals = runner._run(input.reshape(steps * batch, input.size(2)), [batch] * steps, states)
    output = rows.reshape(steps, batch, rows.size(-1))
    return (output.transpose(0, 1) if batch_first else output, *finals)


_OPTIONS = ("bool", "int", "float", "bool", "bool")  # has_biases, num_layers, dropout, train, bidirectional


def _function(mode, paired_state):
    state = "tensors" if paired_state else "Tensor"
    padded = ("Tensor", state, "tensors", *_OPTIONS, "bool")
    packed = ("Tensor", "Tensor", state, "tensors", *_OPTIONS)
    state_text = "tuple of Tensors hx" if paired_state else "Tensor hx"
    options_text = "bool has_biases, int num_layers, float dropout, bool train, bool bidirectional"
    overloads = (f"Tensor data, Tensor batch_sizes, {state_text}, tuple of Tensors params, {options_text}",
                 f"Tensor input, {state_text}, tuple of Tensors params, {options_text}, bool batch_first")

    def function(*args):
        if fits(args, packed):
            data, batch_sizes, hx, params, *options = args
            options.append(False)
        elif fits(args, padded):
            data, hx, params, *options = args
            batch_sizes = None
        else:
            raise invalid_combination(mode.lower(), args, overloads)
        states = list(hx) if paired_state else [hx]
        return _run(mode, data, batch_sizes, states, params, *options)

    function.__name__ = mode.lower()
    return function


lstm = _function("LSTM", True)
gru = _function("GRU", False)
rnn_tanh = _function("RNN_TANH", False)
rnn_relu = _function("RNN_RELU", False)
lstm.__doc__ = "An LSTM over a sequence with the given flat weights: ``(output, h_n, c_n)``."
gru.__doc__ = "A GRU over a sequence with the given flat weights: ``(output, h_n)``."
rnn_tanh.__doc__ = "An Elman RNN (tanh) over a sequence with the given flat weights: ``(output, h_n)``."
rnn_relu.__doc__ = "An Elman RNN (ReLU) over a sequence with the given flat weights: ``(output, h_n)``."
