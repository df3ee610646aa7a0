"""How a test expression ends, in a form two libraries' runs can be compared by."""

import warnings


def evaluated(expression, namespace):
    """(exception class name or None, message, value) of ``expression`` evaluated in ``namespace``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = eval(expression, namespace)  # the expressions are the tests' own fixed data
    except Exception as error:  # compared with PyTorch's exception
        return type(error).__name__, str(error), None
    return None, "", value
