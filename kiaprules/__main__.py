"""``python -m kiaprules``: the command line."""

from kiaprules._cli import run

run()
