"""nn.functional: sampling."""

FUNCTIONS = []
METHODS = []
