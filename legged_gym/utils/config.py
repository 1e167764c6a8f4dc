"""Typed configuration helpers: dataclass configs, dotted overrides and serialisation.

Configs are plain ``@dataclass`` trees. A command-line override such as
``--env.rewards.scales.tracking_lin_vel=2.0`` walks the tree by attribute name and casts the
string to the annotated type of the field it replaces (``bool``, ``int``, ``float``, ``str``,
``list[...]``, ``tuple[...]``, ``dict[...]``, ``Optional[...]``/``X | None``, ``Literal[...]``).
An unknown key is an error naming the closest keys; a value that cannot be cast names the key,
the expected type and the value.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints


class ConfigError(ValueError):
    """A configuration key or value that cannot be applied."""


def to_dict(cfg: Any) -> Any:
    """Recursively convert a dataclass config into JSON-able python containers."""
    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, dict):
        return {str(k): to_dict(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    if isinstance(cfg, (bool, int, float, str)) or cfg is None:
        return cfg
    return repr(cfg)


def dump_json(cfg: Any) -> str:
    """Serialise a config (or dict of configs) as indented JSON."""
    return json.dumps(to_dict(cfg), indent=2, sort_keys=False)


def _field_types(obj: Any) -> dict[str, Any]:
    try:
        return get_type_hints(type(obj))
    except Exception:  # pragma: no cover - unresolvable forward refs fall back to raw annotations
        return {f.name: f.type for f in dataclasses.fields(obj)}


def _all_keys(cfg: Any, prefix: str = "") -> list[str]:
    keys: list[str] = []
    if dataclasses.is_dataclass(cfg):
        for f in dataclasses.fields(cfg):
            key = f"{prefix}{f.name}"
            keys.append(key)
            keys.extend(_all_keys(getattr(cfg, f.name), key + "."))
    return keys


def _type_name(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return f"one of {list(get_args(tp))}"
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "1", "yes", "on"):
        return True
    if low in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _split_items(text: str) -> list[str]:
    """Split a list literal such as ``[1,2,3]``, ``(a, b)`` or ``1,2,3`` into item strings."""
    body = text.strip()
    if body[:1] in "[(" and body[-1:] in "])":
        body = body[1:-1]
    if not body.strip():
        return []
    if body.lstrip().startswith(("[", "{", '"')):
        parsed = json.loads("[" + body + "]")
        return [json.dumps(p) if not isinstance(p, str) else p for p in parsed]
    return [item.strip().strip("'\"") for item in body.split(",")]


def cast_value(text: str, tp: Any) -> Any:
    """Cast a command-line string to the type annotation ``tp``.

    Raises:
        ValueError: when the text does not fit the type.
    """
    origin = get_origin(tp)
    if tp is Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    if origin in (Union, types.UnionType):
        members = get_args(tp)
        if type(None) in members and text.strip().lower() in ("none", "null"):
            return None
        errors = []
        for member in members:
            if member is type(None):
                continue
            try:
                return cast_value(text, member)
            except (ValueError, TypeError, json.JSONDecodeError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    if origin is Literal:
        choices = get_args(tp)
        for choice in choices:
            if str(choice) == text:
                return choice
        raise ValueError(f"expected one of {list(choices)}, got {text!r}")
    if tp is bool:
        return _parse_bool(text)
    if tp is int:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {text!r}")
        return int(value)
    if tp is float:
        return float(text)
    if tp is str:
        return text
    if origin in (list, tuple) or tp in (list, tuple):
        args = get_args(tp)
        items = _split_items(text)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(items):
                raise ValueError(f"expected {len(args)} items, got {len(items)} in {text!r}")
            return tuple(cast_value(i, a) for i, a in zip(items, args))
        item_tp = args[0] if args else Any
        values = [cast_value(i, item_tp) for i in items]
        return tuple(values) if origin is tuple or tp is tuple else values
    if origin is dict or tp is dict:
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError(f"expected a JSON object, got {text!r}")
        return parsed
    raise TypeError(f"cannot override a field of type {_type_name(tp)} from the command line")


def set_by_path(cfg: Any, path: str, text: str, root_name: str = "") -> Any:
    """Set ``cfg.<path>`` from the string ``text``, cast to the field's annotated type.

    Args:
        cfg: root dataclass config.
        path: dotted attribute path relative to ``cfg`` (``rewards.scales.torques``).
        text: value as typed on the command line.
        root_name: prefix used in error messages (``env`` or ``train``).

    Returns:
        The cast value that was stored.
    """
    shown = f"{root_name}.{path}" if root_name else path
    parts = path.split(".")
    node = cfg
    for depth, name in enumerate(parts):
        is_last = depth == len(parts) - 1
        if isinstance(node, dict) and not dataclasses.is_dataclass(node):
            if is_last:
                old = node.get(name)
                value = _cast_like(text, old, shown)
                node[name] = value
                return value
            if name not in node:
                raise ConfigError(f"unknown config key '{shown}': '{name}' is not in {sorted(node)}")
            node = node[name]
            continue
        if not dataclasses.is_dataclass(node) or name not in {f.name for f in dataclasses.fields(node)}:
            keys = _all_keys(cfg)
            close = difflib.get_close_matches(path, keys, n=5, cutoff=0.5)
            if not close:
                close = [k for k in keys if k.split(".")[-1] == parts[-1]][:5]
            hint = f"; did you mean {', '.join((root_name + '.' if root_name else '') + c for c in close)}?" if close else ""
            raise ConfigError(f"unknown config key '{shown}'{hint}")
        if is_last:
            tp = _field_types(node)[name]
            try:
                value = cast_value(text, tp)
            except (ValueError, TypeError, json.JSONDecodeError) as exc:
                detail = "" if get_origin(tp) is Literal else f" ({exc})"
                raise ConfigError(f"cannot set '{shown}': expected {_type_name(tp)}, got {text!r}{detail}") from None
            setattr(node, name, value)
            return value
        node = getattr(node, name)
    raise ConfigError(f"empty config key for {root_name}")  # pragma: no cover


def _cast_like(text: str, old: Any, shown: str) -> Any:
    """Cast a value stored inside a plain dict, using the type of the value it replaces."""
    tp: Any = Any if old is None else type(old)
    if isinstance(old, list):
        tp = list[type(old[0])] if old else list
    try:
        return cast_value(text, tp)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot set '{shown}': expected {_type_name(tp)}, got {text!r} ({exc})") from None


def resolve_scale_alias(cfg: Any, path: str) -> str:
    """``rewards.<term>`` -> ``rewards.scales.<term>`` when ``<term>`` is a reward scale and not a field of
    ``rewards`` itself (the seed README writes ``--env.rewards.collision=...`` for the collision scale)."""
    parts = path.split(".")
    if len(parts) != 2 or parts[0] != "rewards" or not dataclasses.is_dataclass(cfg):
        return path
    rewards = getattr(cfg, "rewards", None)
    if rewards is None or not dataclasses.is_dataclass(rewards):
        return path
    own = {f.name for f in dataclasses.fields(rewards)}
    scales = getattr(rewards, "scales", None)
    if parts[1] in own or scales is None or not dataclasses.is_dataclass(scales):
        return path
    return f"rewards.scales.{parts[1]}" if parts[1] in {f.name for f in dataclasses.fields(scales)} else path


def apply_overrides(cfg: Any, overrides: dict[str, str], root_name: str) -> dict[str, Any]:
    """Apply several dotted overrides in order; returns the cast values by key.

    A reward scale may be named without ``scales.`` (``rewards.collision``), as in the seed README.
    """
    return {key: set_by_path(cfg, resolve_scale_alias(cfg, key), text, root_name) for key, text in overrides.items()}


T = typing.TypeVar("T")


def copy_cfg(cfg: T) -> T:
    """Deep copy of a config tree (configs are mutated by overrides; registries keep pristine ones)."""
    import copy

    return copy.deepcopy(cfg)


def _field_comments(cls: type) -> dict[str, str]:
    """The trailing ``# comment`` of each field line in a dataclass's source (its doc line)."""
    import inspect
    import re

    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for line in source.splitlines():
            m = re.match(r"^\s{4}(\w+)\s*:[^#]*#\s*(.+)$", line)
            if m:
                out[m.group(1)] = m.group(2).strip()
    return out


def describe_fields(cfg: Any, prefix: str) -> list[str]:
    """One line per leaf field: ``--<prefix>.<path>=<default>  (<type>)  <doc line>``."""
    lines: list[str] = []
    docs = _field_comments(type(cfg))
    types = _field_types(cfg)
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        path = f"{prefix}.{f.name}"
        if dataclasses.is_dataclass(value):
            lines += describe_fields(value, path)
            continue
        shown = json.dumps(value, default=str) if not isinstance(value, str) else value
        doc = docs.get(f.name, "")
        lines.append(f"--{path}={shown}  ({_type_name(types[f.name])}){'  ' + doc if doc else ''}")
    return lines
