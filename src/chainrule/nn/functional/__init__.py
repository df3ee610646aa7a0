"""``chainrule.nn.functional``: activations, losses, convolutions, pooling and normalisation as functions.

Each family module lists ``FUNCTIONS`` (exported here) and may list ``METHODS`` (also installed
on Tensor, such as ``x.softmax(1)``).
"""

from ..._ops import register_family
from . import activation, conv, loss, normalization, pooling, sampling

for _family in (activation, loss, conv, pooling, normalization, sampling):
    register_family(_family)
    globals().update({name: getattr(_family, name) for name in getattr(_family, "FUNCTIONS", ())})
del _family
