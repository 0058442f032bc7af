"""`python -m stance` is the same as the `stance` console script."""

from stance.cli import run

run()
