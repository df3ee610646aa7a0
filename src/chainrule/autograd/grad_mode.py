"""``chainrule.autograd.grad_mode``: the grad-mode switches (defined in ``chainrule._autograd.grad_mode``)."""

from .._autograd.grad_mode import (enable_grad, enforce_grad_layout_policy, inference_mode, is_grad_enabled,
                                   is_inference_mode_enabled, no_grad, set_grad_enabled)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "enforce_grad_layout_policy"]
