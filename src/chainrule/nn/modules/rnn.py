"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` over whole sequences.

Parameters carry PyTorch's names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``) and
gate order (LSTM: input, forget, cell, output; GRU: reset, update, new), so state dicts move
between the two. The input projection of every time step is one ``F.linear`` call; the loop over
time then applies the recurrent part with the step functions of ``_rnn_steps``.
"""

import math
import numbers
import warnings

from ... import _creation
from ..._ops.joining import cat, split, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._rnn_steps import STEPS
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Layers of recurrent cells, optionally bidirectional, with dropout between layers."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._check_options()
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(_creation.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def _check_options(self):
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={self.dropout} and "
                          f"num_layers={self.num_layers}", UserWarning, stacklevel=3)
        if not isinstance(self.hidden_size, int) or isinstance(self.hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(self.hidden_size).__name__}")
        if self.hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if self.num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if self.proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if self.proj_size >= self.hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if self.proj_size and self.mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def flatten_parameters(self):
        """Nothing to do: packing weights into one buffer only matters to GPU RNN kernels."""

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # ----------------------------------------------------------------- forward
    def _layer_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = self._parameters.get
        return (get("weight_ih" + suffix), get("weight_hh" + suffix), get("bias_ih" + suffix),
                get("bias_hh" + suffix), get("weight_hr" + suffix))

    def _check_input(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def _expected_hidden_size(self, batch, width):
        return (self.num_layers * (2 if self.bidirectional else 1), batch, width)

    def _check_hidden(self, hx, expected, message="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(message.format(expected, list(hx.shape)))

    def _run(self, data, batch_sizes, states):
        """Run every layer over ``data``: the rows of each time step one after another, ``batch_sizes[t]``
        rows at step ``t`` (the longest sequences first). ``states`` are ``(layers * directions, batch, h)``.

        Returns the last layer's rows in the same layout and the final states of every layer.
        """
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        layer_input = data
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = tuple(s[index] for s in states)
                rows, state = self._run_direction(layer_input, state, batch_sizes, layer, direction)
                outputs.append(rows)
                for kept, value in zip(finals, state):
                    kept.append(value)
            layer_input = outputs[0] if directions == 1 else cat(outputs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, [stack(kept) for kept in finals]

    def _run_direction(self, layer_input, state, batch_sizes, layer, direction):
        """One layer in one direction. Sequences that have ended keep their state (their rows come last)."""
        step = STEPS[self.mode]
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
        projected = split(F.linear(layer_input, w_ih, b_ih), batch_sizes)
        full = batch_sizes[0]
        per_step = [None] * len(batch_sizes)
        order = reversed(range(len(batch_sizes))) if direction == 1 else range(len(batch_sizes))
        for t in order:
            size = batch_sizes[t]
            rows = projected[t]
            if size == full:
                state = step(rows, state, w_hh, b_hh, w_hr)
                per_step[t] = state[0]
            else:
                new = step(rows, tuple(s[:size] for s in state), w_hh, b_hh, w_hr)
                state = tuple(cat([n, s[size:]]) for n, s in zip(new, state))
                per_step[t] = new[0]
        return cat(per_step), state

    def _forward_states(self, input, hx, widths):
        """Shared by all three: check shapes, bring the input into time-major rows, run, restore the layout."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, widths)
        self._check_input(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.size(0), input.size(1)
        states = self._initial_states(hx, batch, widths, input.dtype, unbatched=not batched)
        rows, finals = self._run(input.reshape(steps * batch, input.size(2)), [batch] * steps, states)
        output = rows.reshape(steps, batch, rows.size(-1))
        if not batched:
            output = output.squeeze(1)
            finals = [s.squeeze(1) for s in finals]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, finals

    def _forward_packed(self, packed, hx, widths):
        data, batch_sizes = packed.data, packed.batch_sizes.tolist()
        if data.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {data.size(-1)}")
        if hx is not None and packed.sorted_indices is not None:
            order = packed.sorted_indices
            hx = tuple(s[:, order] for s in hx) if isinstance(hx, (tuple, list)) else hx[:, order]
        states = self._initial_states(hx, batch_sizes[0], widths, data.dtype, unbatched=False)
        rows, finals = self._run(data, batch_sizes, states)
        if packed.unsorted_indices is not None:
            finals = [s[:, packed.unsorted_indices] for s in finals]
        return PackedSequence(rows, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), finals

    def _initial_states(self, hx, batch, widths, dtype, unbatched):
        directions = 2 if self.bidirectional else 1
        if hx is None:
            return [_creation.zeros(self.num_layers * directions, batch, w, dtype=dtype) for w in widths]
        states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if unbatched:
            states = [s.unsqueeze(1) for s in states]
        self._check_states(states, batch, widths)
        return states

    def _check_states(self, states, batch, widths):
        for state, width in zip(states, widths):
            self._check_hidden(state, self._expected_hidden_size(batch, width))


def _unbatched(input):
    return not isinstance(input, PackedSequence) and input.dim() == 2


class RNN(RNNBase):
    """Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU)."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", None)
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        nonlinearity = "tanh" if nonlinearity is None else nonlinearity
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input, hx=None):
        if hx is not None and _unbatched(input) and hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
        output, (h_n,) = self._forward_states(input, hx, (self.hidden_size,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory; the state is ``(h, c)``, and ``proj_size`` projects ``h``."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def _check_states(self, states, batch, widths):
        self._check_hidden(states[0], self._expected_hidden_size(batch, widths[0]),
                           "Expected hidden[0] size {}, got {}")
        self._check_hidden(states[1], self._expected_hidden_size(batch, widths[1]),
                           "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):
        if hx is not None and _unbatched(input) and (hx[0].dim() != 2 or hx[1].dim() != 2):
            raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        h_width = self.proj_size if self.proj_size > 0 else self.hidden_size
        output, (h_n, c_n) = self._forward_states(input, hx, (h_width, self.hidden_size))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit (reset, update and new gates)."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        if hx is not None and _unbatched(input) and hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
        output, (h_n,) = self._forward_states(input, hx, (self.hidden_size,))
        return output, h_n
