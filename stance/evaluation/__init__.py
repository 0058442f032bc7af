"""Scoring saved predictions: metrics, uncertainty, paired comparisons, agreement, ensemble weights."""
