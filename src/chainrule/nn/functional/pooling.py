"""nn.functional: pooling."""

FUNCTIONS = []
METHODS = []
