"""Ordering ops: ``sort argsort topk kthvalue median`` and friends."""

FUNCTIONS = []
METHODS = []
