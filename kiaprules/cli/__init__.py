"""The command line (layer 5): the only place that chooses exit codes and output streams."""

from kiaprules.cli.commands import main, run

__all__ = ["main", "run"]
