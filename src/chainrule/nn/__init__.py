"""``chainrule.nn``: neural-network building blocks."""

from . import functional
from . import init
from .modules import *  # noqa: F401,F403  (every layer class)
from .parameter import Buffer, Parameter
from . import utils
# nn.utils' parts built on the modules above (nn.utils itself loads before them: see its docstring)
from .utils import construction as _construction, fusion as _fusion, weight_hooks as _weight_hooks  # noqa: F401
from .utils import parametrizations as _parametrizations, parametrize as _parametrize  # noqa: F401
