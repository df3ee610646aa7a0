"""nn.functional: normalization."""

FUNCTIONS = []
METHODS = []
