"""Utilities around training loops: ``chainrule.utils.data`` (datasets and loaders) and
``chainrule.utils.checkpoint`` (activation checkpointing)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
