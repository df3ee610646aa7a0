"""``chainrule.nn``: neural-network building blocks."""

from . import functional
from . import init
from .modules import *  # noqa: F401,F403  (every layer class)
from .parameter import Buffer, Parameter
from . import utils
