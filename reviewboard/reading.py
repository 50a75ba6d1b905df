"""Reads kept for one read-only pass: a screen drawn, the buttons of a bar asked about.

Drawing the review screen asks the same rules many times: every button's rule wants the open round,
whether the user is assigned, their own assignment. Within ``reads_kept()`` each read marked ``@kept``
answers once for the same arguments (model instances count by primary key) and the same answer after.
Only around code that writes nothing: an answer kept would not see a write made after it. Outside, a
``@kept`` read reads every time, as if it were not marked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_kept: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("reviewboard_reads_kept", default=None)


@contextmanager
def reads_kept() -> Iterator[None]:
    """Within: each ``@kept`` read answers once per arguments (nested: the outer pass keeps them). Also a
    decorator, ``@reads_kept()``: a pass for each call of the function."""
    if _kept.get() is not None:
        yield
        return
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def _key(value: Any) -> Any:
    pk = getattr(value, "pk", value)
    return (type(value).__name__, pk) if pk is not value else value


def kept(read: Callable[P, R]) -> Callable[P, R]:
    """Mark a read whose answer ``reads_kept`` may keep: it depends only on its arguments and the rows."""

    @functools.wraps(read)
    def answer(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _kept.get()
        if memo is None:
            return read(*args, **kwargs)
        key = (read, *map(_key, args), *((name, _key(value)) for name, value in sorted(kwargs.items())))
        if key not in memo:
            memo[key] = read(*args, **kwargs)
        return memo[key]

    return answer
