"""Sentence-level stance classification experiments."""

__version__ = "0.1.0"
