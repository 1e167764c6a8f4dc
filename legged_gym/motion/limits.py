"""How much memory one array read from a motion file may take (a small compressed or crafted file can describe
gigabytes). :func:`load_motion <legged_gym.motion.readers.load_motion>` sets it per call (``max_array_bytes``; the
tracking tasks pass ``deepmimic.max_motion_array_bytes``); readers and the restricted unpickler ask
:func:`array_limit` before they allocate."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["DEFAULT_MAX_ARRAY_BYTES", "array_limit", "limited_arrays"]

DEFAULT_MAX_ARRAY_BYTES = 1 << 30
_LIMIT: contextvars.ContextVar[int] = contextvars.ContextVar("max_array_bytes", default=DEFAULT_MAX_ARRAY_BYTES)


def array_limit() -> int:
    """The byte limit in force for one array."""
    return _LIMIT.get()


@contextlib.contextmanager
def limited_arrays(max_bytes: int | None) -> Iterator[None]:
    """Within the block, one array may take at most ``max_bytes`` (None: the default)."""
    token = _LIMIT.set(int(max_bytes) if max_bytes is not None else DEFAULT_MAX_ARRAY_BYTES)
    try:
        yield
    finally:
        _LIMIT.reset(token)
