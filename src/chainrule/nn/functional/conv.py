"""nn.functional: conv."""

FUNCTIONS = []
METHODS = []
