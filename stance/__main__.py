"""`python -m stance` is the same as the `stance` console script."""

import sys

from stance.cli import main

sys.exit(main())
