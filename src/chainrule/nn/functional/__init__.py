"""``chainrule.nn.functional``: activations, losses, convolutions, pooling and normalisation as functions.

This is the one registry of the namespace. Each family module lists what it defines: ``FUNCTIONS``
(exported here as ``chainrule.nn.functional.<name>``) and ``METHODS`` (also installed on Tensor,
such as ``x.softmax(1)``). A family never re-exports another's functions; adding one is adding its
module to the tuple below.
"""

from ..._ops import register_family
from . import (_grid, activation, attention, bags, classification_loss, conv, ctc, dropout, fractional_pooling,
               linear, loss, multihead, normalization, pooling, sampling, softmax)
from ..._ops.tensor_forms import channel_shuffle  # noqa: F401  (also chainrule.channel_shuffle)
from ..._tensor import Tensor  # noqa: F401  (PyTorch's nn.functional offers it too)

for _family in (activation, softmax, dropout, linear, attention, loss, classification_loss, ctc, conv, pooling,
                normalization, sampling, _grid, bags, multihead, fractional_pooling):
    register_family(_family)
    globals().update({name: getattr(_family, name) for name in _family.FUNCTIONS})
del _family
