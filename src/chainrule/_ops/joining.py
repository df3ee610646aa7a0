"""Joining and splitting: ``cat stack split chunk unbind`` and friends."""

FUNCTIONS = []
METHODS = []
