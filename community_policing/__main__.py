"""`python -m community_policing ...` runs the command-line interface."""

import sys

from community_policing.cli import main

sys.exit(main())
