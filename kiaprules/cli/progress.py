"""Progress on standard error, for a person watching a long run in a terminal (layer 5).

Shown only when the stream is a terminal and the run has taken longer than
:data:`AFTER` seconds (counted from ``started``, the command's start, so that
a long read of the input counts too): a short run, a pipe, a file and a test capturing the
stream see nothing. The line is rewritten in place (``\\r``), at most every
:data:`EVERY` seconds, and wiped when the run ends or fails, so that an
error's one line stands alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, TextIO

__all__ = ["AFTER", "EVERY", "Progress"]

#: Seconds of running before the first progress line.
AFTER: Final = 2.0
#: Seconds between two updates of the line.
EVERY: Final = 0.1


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed, or not a real stream
        return False


class Progress:
    """``kiaprules: 1,234 of 11,600 clusters``, on ``stream`` when it is a terminal."""

    def __init__(self, total: int, stream: TextIO | None, *, what: str = "clusters",
                 started: float | None = None, after: float | None = None,
                 every: float | None = None, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.total = total
        self.what = what
        self.stream = stream if _is_terminal(stream) else None
        self.every = EVERY if every is None else every
        self.clock = clock
        self.due = (clock() if started is None else started) + (AFTER if after is None else after)
        self.width = 0

    def update(self, done: int) -> None:
        """Say that ``done`` of the total are done (on a terminal, once the run is long)."""
        if self.stream is None:
            return
        now = self.clock()
        if now < self.due:
            return
        self.due = now + self.every
        text = f"kiaprules: {done:,} of {self.total:,} {self.what}"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        """Wipe the line, if one was written, and leave the cursor where it began."""
        if self.stream is not None and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
