"""`python -m community_policing ...` runs the command-line interface."""

import sys

from community_policing.cli import main, silence_stdout

code = main()
try:
    sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe would print "Exception ignored ..."
except BrokenPipeError:  # the reader (``| head``) left before the last of the output
    silence_stdout()
    code = code or 1
sys.exit(code)
