"""Reading YAML files from users without letting a small file expand into a huge structure.

``yaml.safe_load`` builds only plain data, but anchors and aliases let a 700-byte file describe billions of
nodes ("billion laughs"): harmless until something walks or prints it. :func:`load_yaml` refuses files with more
than ``max_aliases`` aliases or above ``max_bytes``.
"""

from __future__ import annotations

import os
import reprlib
from typing import Any

import yaml

__all__ = ["MAX_ALIASES", "MAX_YAML_BYTES", "load_yaml", "short_repr"]

MAX_ALIASES = 100
MAX_YAML_BYTES = 10_000_000


class _BoundedLoader(yaml.SafeLoader):
    max_aliases = MAX_ALIASES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - counts aliases as they are composed
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise yaml.YAMLError(f"more than {self.max_aliases} aliases (*name references)")
        return super().compose_node(parent, index)


def load_yaml(path: str, what: str = "YAML file") -> Any:
    """Parse ``path`` with the safe loader, refusing alias bombs and files above :data:`MAX_YAML_BYTES`.

    Raises:
        ValueError: naming the file (a YAML syntax error too).
    """
    size = os.path.getsize(path)
    if size > MAX_YAML_BYTES:
        raise ValueError(f"{what} {path}: {size:,} bytes, more than the {MAX_YAML_BYTES:,}-byte limit")
    with open(path) as f:
        try:
            return yaml.load(f, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise ValueError(f"{what} {path}: not valid YAML for this project ({str(exc).splitlines()[0]})") from None


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 80, 80, 6, 6


def short_repr(value: Any) -> str:
    """A bounded ``repr`` for error messages (never walks a huge structure)."""
    return _REPR.repr(value)
