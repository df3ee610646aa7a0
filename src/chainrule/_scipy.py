"""SciPy, where it is installed (the fast extra), for the routines NumPy lacks: LAPACK's LU and BLAS's
triangular solves (``_ops/linalg/lapack.py``) and the special functions (``_ops/special/scipy_kernels.py``).

chainrule never needs it: each caller keeps its own implementation and takes SciPy's only where SciPy is
present and can take the arrays. ``CHAINRULE_SCIPY=0`` in the environment, read at import, turns it off.
Imported on first use, so ``import chainrule`` stays light.
"""

import importlib
import os

__all__ = ["module"]

ENABLED = os.environ.get("CHAINRULE_SCIPY", "1").strip().lower() not in ("0", "false", "off", "no")
_MODULES = {}  # submodule name -> the module, or None where SciPy is missing


def module(name):
    """``scipy.<name>`` (``"special"``, ``"linalg.lapack"``), or None without SciPy or when turned off."""
    if not ENABLED:
        return None
    if name not in _MODULES:
        try:
            _MODULES[name] = importlib.import_module(f"scipy.{name}")
        except ImportError:
            _MODULES[name] = None
    return _MODULES[name]
