"""``chainrule.autograd.graph``: the graph's public classes (defined in ``chainrule._autograd.graph``)."""

from .._autograd.graph import Node, save_on_cpu, saved_tensors_hooks
from ..utils.hooks import RemovableHandle

__all__ = ["Node", "RemovableHandle", "saved_tensors_hooks", "save_on_cpu"]
