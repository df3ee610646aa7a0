"""nn.functional: activation."""

FUNCTIONS = []
METHODS = []
