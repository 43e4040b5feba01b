"""`python -m agent ...`: the same as `loaxa-agent ...` and `loaxa agent ...`."""

import sys

from agent.cli import main

sys.exit(main())
