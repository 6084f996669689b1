"""Pausing the cyclic garbage collector while a whole country is built or computed.

Python's cyclic collector runs every few hundred allocations of container
objects, and now and then walks every object that is still alive. Loading a
country makes hundreds of thousands of small value objects that stay alive,
and computing it makes as many more; at 100 times Denmark, those walks took
40 % of the computation and made its time per clinic-year grow with the
size of the heap (docs/performance.md). None of these objects can form a
reference cycle (they are frozen values and tuples of them), so there is
nothing for the collector to find until the work is done.

:class:`paused_gc` pauses the collector for the duration of a ``with`` block
and puts it back as it was, even on an error; nested pauses are fine.
:func:`gc_paused` does the same around every call of a function.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "paused_gc"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class paused_gc:
    """``with paused_gc(): ...``: no cyclic garbage collection inside the block."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._was_enabled:
            gc.enable()


def gc_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """``fn`` with the cyclic garbage collector paused while it runs."""

    @functools.wraps(fn)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_gc():
            return fn(*args, **kwargs)

    return paused
