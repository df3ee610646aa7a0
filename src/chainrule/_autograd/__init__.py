"""The machinery under ``chainrule.autograd``: grad modes, the graph of nodes, the backward engine,
anomaly tracing.

Everything here sits just above the Tensor and below every op, so it imports only the Tensor and the
foundation modules. The public spellings (``chainrule.autograd.graph.Node``, ``no_grad``, ...) are
re-exported from ``chainrule.autograd``.
"""
