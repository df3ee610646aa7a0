"""What the op-table reruns share: one call run on chainrule and on PyTorch, how the two outcomes differ in
refusing, and the check of an op's differences against its line in a list of known ones."""

import chainrule
import torch


def on_both(call):
    """``call(module)`` with chainrule and with torch: each result, or the exception it raised."""
    results = []
    for module in (chainrule, torch):
        try:
            results.append(call(module))
        except Exception as error:  # noqa: BLE001 - a refusal is compared with PyTorch's, not raised
            results.append(error)
    return results


def refusal(ours, theirs, compare_types=True):
    """How two outcomes differ in refusing: None when neither raised, "" when both did (of one class, or of
    any class without ``compare_types``), else "refused", "accepted" or "other type"."""
    ours_raised, theirs_raised = isinstance(ours, Exception), isinstance(theirs, Exception)
    if not (ours_raised or theirs_raised):
        return None
    if ours_raised and theirs_raised:
        return "other type" if compare_types and type(ours) is not type(theirs) else ""
    return "refused" if ours_raised else "accepted"


def check_known(differences, known, table, exact=True):
    """``differences``, (sample, ..., kind) tuples, against ``known`` (the op's line in ``table``, or None):
    none when the op is not listed; some when it is, and (``exact``) all of the listed kind."""
    if known is None:
        assert not differences, differences
    else:
        assert differences, f"now as in PyTorch: remove the op from {table}"
        if exact:
            assert {difference[-1] for difference in differences} == {known}, differences
