"""Load pickles that may come from strangers without letting them run code.

A pickle names the callables it needs to rebuild its objects (``GLOBAL`` / ``STACK_GLOBAL`` opcodes) and
calls them while loading; a crafted file can name ``os.system`` or ``builtins.eval``. :func:`load_pickle`
resolves names through an allow-list instead of importing them: plain containers and builtins, and the few
numpy functions that rebuild arrays, scalars and dtypes. Any other name raises :class:`UnsafePickleError`
before anything is called.
"""

from __future__ import annotations

import builtins
import codecs
import collections
import io
import os
import pickle

import numpy as np

from legged_gym.motion.limits import array_limit

try:  # numpy >= 2 keeps its internals under numpy._core; pickles written with numpy 1.x name numpy.core
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]
    from numpy.core import numeric as _numeric  # type: ignore[no-redef]


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle names a global outside the allow-list; nothing it names was called."""


_BUILTIN_NAMES = (
    "dict", "list", "tuple", "set", "frozenset", "str", "bytes", "bytearray",
    "int", "float", "bool", "complex", "NoneType",
)



def _nbytes(shape: object, itemsize: int) -> int:
    """Bytes of an array of ``shape`` (0 when the shape is malformed: numpy then refuses it itself)."""
    try:
        dims = (shape,) if isinstance(shape, int) else tuple(shape)  # type: ignore[arg-type]
        total = itemsize
        for d in dims:
            total *= max(int(d), 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return total


def _reconstruct(subtype: type, shape: object, dtype: object) -> np.ndarray:
    """numpy's array rebuilder, refusing a shape larger than :func:`legged_gym.motion.limits.array_limit` before allocating it."""
    limit = array_limit()
    if _nbytes(shape, np.dtype(dtype).itemsize) > limit:
        raise UnsafePickleError(f"pickle asks for an array of shape {shape} ({_nbytes(shape, np.dtype(dtype).itemsize):,} "
                                f"bytes), more than the {limit:,}-byte limit (deepmimic.max_motion_array_bytes)")
    return _multiarray._reconstruct(subtype, shape, dtype)


def _sized(kind: type) -> object:
    """``bytes``/``bytearray``/``str`` whose integer-size form may not allocate beyond the limit."""

    def make(*args: object) -> object:
        if args and isinstance(args[0], int) and args[0] > array_limit():
            raise UnsafePickleError(f"pickle asks for a {kind.__name__} of {args[0]:,} bytes, more than the "
                                    f"{array_limit():,}-byte limit (deepmimic.max_motion_array_bytes)")
        return kind(*args)

    return make


_NUMPY_NAMES: dict[str, object] = {
    "_reconstruct": _reconstruct,
    "scalar": _multiarray.scalar,
}

_ALLOWED: dict[tuple[str, str], object] = {}
for _name in _BUILTIN_NAMES:
    if hasattr(builtins, _name):
        _ALLOWED[("builtins", _name)] = getattr(builtins, _name)
        _ALLOWED[("__builtin__", _name)] = getattr(builtins, _name)  # protocol 0-2 pickles from Python 2
_ALLOWED[("builtins", "NoneType")] = type(None)
for _name in ("bytes", "bytearray"):
    _ALLOWED[("builtins", _name)] = _ALLOWED[("__builtin__", _name)] = _sized(getattr(builtins, _name))
_ALLOWED[("collections", "OrderedDict")] = collections.OrderedDict
_ALLOWED[("_codecs", "encode")] = codecs.encode  # protocol <= 2 stores bytes as latin-1 text + encode
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    for _name, _obj in _NUMPY_NAMES.items():
        _ALLOWED[(_mod, _name)] = _obj
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_mod, "_frombuffer")] = _numeric._frombuffer  # protocol-5 arrays
_ALLOWED[("numpy", "ndarray")] = np.ndarray
_ALLOWED[("numpy", "dtype")] = np.dtype


def _is_numpy_dtype_class(module: str, name: str) -> bool:
    """numpy >= 1.25 may name a dtype class such as ``numpy.dtypes.Float32DType``; those are inert."""
    if module != "numpy.dtypes" or not name.endswith("DType"):
        return False
    obj = getattr(getattr(np, "dtypes", None), name, None)
    return isinstance(obj, type) and issubclass(obj, np.dtype)


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, path: str) -> None:
        super().__init__(file)
        self._path = path

    def find_class(self, module: str, name: str) -> object:  # noqa: D102 - pickle.Unpickler hook
        obj = _ALLOWED.get((module, name))
        if obj is not None:
            return obj
        if _is_numpy_dtype_class(module, name):
            return getattr(np.dtypes, name)
        raise UnsafePickleError(
            f"{self._path}: pickle names the global '{module}.{name}', which is not allowed; a motion pickle may "
            "hold only dicts, lists, tuples, sets, strings, numbers, None and numpy arrays/scalars"
        )

    def persistent_load(self, pid: object) -> object:  # noqa: D102 - pickle.Unpickler hook
        raise UnsafePickleError(f"{self._path}: pickle uses persistent ids ({pid!r}), which are not allowed")


def load_pickle(path: str | os.PathLike) -> object:
    """Unpickle ``path`` allowing only plain containers, builtins and numpy arrays/scalars/dtypes.

    Raises:
        UnsafePickleError: the file names any other global (e.g. ``posix.system``, ``builtins.eval``,
            ``torch._utils._rebuild_tensor``); the message names the file and the global.
        pickle.UnpicklingError, EOFError: the file is not a valid pickle.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        return _load(f, path)


def loads_pickle(data: bytes, source: str = "<bytes>") -> object:
    """:func:`load_pickle` for an in-memory pickle; ``source`` names it in errors."""
    return _load(io.BytesIO(data), source)


def _load(f: io.BufferedIOBase, source: str) -> object:
    try:
        return _RestrictedUnpickler(f, source).load()
    except UnsafePickleError as exc:
        if str(exc).startswith(source):
            raise
        raise UnsafePickleError(f"{source}: {exc}") from None
