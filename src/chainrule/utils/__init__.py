"""Utilities around training loops: ``chainrule.utils.data`` (datasets and loaders),
``chainrule.utils.checkpoint`` (activation checkpointing) and ``chainrule.utils.hooks``.

The package itself imports nothing: ``utils.hooks`` sits below the Tensor, while ``data`` and
``checkpoint`` are built on the whole library, which imports them when ``chainrule`` is imported.
"""
