"""Single-step recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (same math as the layers)."""

import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._rnn_steps import gru_step, lstm_step, rnn_relu_step, rnn_tanh_step
from .module import Module

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _RNNCellBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, bias, dtype):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        size = self.gates * hidden_size
        self.weight_ih = Parameter(_creation.empty(size, input_size, dtype=dtype))
        self.weight_hh = Parameter(_creation.empty(size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(size, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text

    def _prepare(self, input, hx, count):
        """Check shapes and add a batch dimension to unbatched input; returns (input, states, batched)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(-1)} expected "
                               f"{self.input_size}")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            states = tuple(_creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
                           for _ in range(count))
        else:
            states = tuple(hx) if count > 1 else (hx,)
            if not batched:
                states = tuple(s.unsqueeze(0) for s in states)
            for i, state in enumerate(states):
                if state.size(0) != input.size(0):
                    raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size "
                                       f"{state.size(0)}")
                if state.size(1) != self.hidden_size:
                    raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {state.size(1)}, expected "
                                       f"{self.hidden_size}")
        return input, states, batched

    def _step(self, step, input, hx, count):
        input, states, batched = self._prepare(input, hx, count)
        projected = F.linear(input, self.weight_ih, self.bias_ih)
        result = step(projected, states, self.weight_hh, self.bias_hh)
        if not batched:
            result = tuple(s.squeeze(0) for s in result)
        return result


class RNNCell(_RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        step = rnn_tanh_step if self.nonlinearity == "tanh" else rnn_relu_step
        return self._step(step, input, hx, 1)[0]


class LSTMCell(_RNNCellBase):
    gates = 4

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        return self._step(lstm_step, input, hx, 2)


class GRUCell(_RNNCellBase):
    gates = 3

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        return self._step(gru_step, input, hx, 1)[0]
