"""``chainrule.nn.functional``: activations, losses, convolutions, pooling and normalisation as functions.

This is the one registry of the namespace. Each family module lists what it defines: ``FUNCTIONS``
(exported here as ``chainrule.nn.functional.<name>``) and ``METHODS`` (also installed on Tensor,
such as ``x.softmax(1)``), and may declare PyTorch's ``SIGNATURES`` of its functions, which explain
a failed call whose arguments do not fit them (``chainrule._signatures``). A family never re-exports
another's functions; adding one is adding its module to the tuple below.
"""

from ..._ops import register_family
from ..._signatures import with_signatures as _with_signatures
from . import (_grid, activation, attention, bags, classification_loss, conv, ctc, dropout, fractional_pooling,
               linear, loss, multihead, normalization, pooling, sampling, softmax)
from ..._ops.tensor_forms import channel_shuffle  # noqa: F401  (also chainrule.channel_shuffle)
from ..._tensor import Tensor  # (PyTorch's nn.functional offers it too)


def _register(family):
    """The family's methods on Tensor, its functions here; wrong arguments raise PyTorch's TypeError (SIGNATURES)."""
    register_family(family)
    globals().update(_with_signatures(family, home=__name__))
    for name, method in _with_signatures(family, getattr(family, "METHODS", ()), method=True).items():
        setattr(Tensor, name, method)


for _family in (activation, softmax, dropout, linear, attention, loss, classification_loss, ctc, conv, pooling,
                normalization, sampling, _grid, bags, multihead, fractional_pooling):
    _register(_family)
del _family
