"""``python -m kiaprules``: the command line."""

from kiaprules.cli import run

run()
