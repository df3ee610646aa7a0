"""nn.functional: loss."""

FUNCTIONS = []
METHODS = []
