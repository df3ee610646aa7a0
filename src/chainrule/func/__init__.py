"""``chainrule.func``: composable function transforms (``grad``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``,
``hessian``, ``vmap``) and the functional view of modules (``functional_call``, ``stack_module_state``).

``vmap`` batches every op through an array namespace of its own (``_batched_namespace``), so any op,
derivative rule or layer runs batched without a rule of its own: a call per batch, not a loop.
"""

from ._modules import functional_call, stack_module_state
from ._rearrange import rearrange
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._vmap import vmap
from ._wrappers import debug_unwrap, functionalize, replace_all_batch_norm_modules_

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state", "functionalize", "debug_unwrap", "replace_all_batch_norm_modules_",
           "rearrange"]
