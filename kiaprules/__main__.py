"""``python -m kiaprules``: the command line."""

import sys

from kiaprules._cli import main

sys.exit(main())
