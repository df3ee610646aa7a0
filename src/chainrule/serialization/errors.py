"""The two errors ``load`` raises for a file it will not read, and PyTorch's wording for weights-only refusals."""

import pickle
import re

__all__ = ["InvalidFileError", "UnsafeFileError", "weights_only_message"]


class InvalidFileError(RuntimeError):
    """The file is damaged, forged or in no format ``chainrule.load`` reads (a ``RuntimeError``, as PyTorch
    raises for a bad checkpoint)."""


class UnsafeFileError(InvalidFileError, pickle.UnpicklingError):
    """Loading the file would mean calling something the weights-only loader does not allow.

    It is also a ``pickle.UnpicklingError``, the type ``torch.load(weights_only=True)`` raises, so code
    written for PyTorch catches it.
    """


UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to "
    "`True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source."
)
DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html."
)


def weights_only_message(reason):
    """PyTorch's full text around a weights-only refusal ``reason``: which way out the user has, and the docs."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default\.", reason):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please check the "
                "recommended steps in the following error message.\n\tWeightsUnpickler error: " + reason
                + DOCS_MESSAGE)
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", reason):
        text += ("Please file an issue with the following so that we can make `weights_only=True` compatible with "
                 "your use case: WeightsUnpickler error: ")
    return text + "\n\n" + reason + DOCS_MESSAGE
