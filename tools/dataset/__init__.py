"""Procedural data set for autolume's default model: abstract, colourful, VJ-friendly images
from several generator families, deterministic from a seed (see generators.py)."""

from .generators import FAMILIES, render

__all__ = ['FAMILIES', 'render']
