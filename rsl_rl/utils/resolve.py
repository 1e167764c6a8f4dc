# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Resolve ``class_name`` config strings to classes (plug-in point for user algorithms and policies)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

__all__ = ["resolve_class"]


def resolve_class(name: str | type, known: Mapping[str, type], what: str) -> type:
    """Return the class for ``name``.

    Args:
        name: A class, a short name registered in ``known`` (e.g. ``"PPO"``), or ``"package.module:ClassName"``.
        known: The built-in classes by short name.
        what: What is being resolved (for the error message), e.g. ``"algorithm.class_name"``.

    Raises:
        ValueError: Unknown short name (lists the valid ones) or a ``module:Class`` that cannot be imported/found.
    """
    if isinstance(name, type):
        return name
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string or a class, got {type(name).__name__}: {name!r}")
    if name in known:
        return known[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise ValueError(f"{what}='{name}': cannot import module '{module_name}': {e}") from e
        obj: Any = module
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise ValueError(f"{what}='{name}': module '{module_name}' has no attribute '{attr}'")
            obj = getattr(obj, part)
        if not isinstance(obj, type):
            raise ValueError(f"{what}='{name}' resolves to {obj!r}, which is not a class")
        return obj
    raise ValueError(
        f"Unknown {what} '{name}'. Valid names are: {sorted(known)}, or 'package.module:ClassName' for your own class"
    )
