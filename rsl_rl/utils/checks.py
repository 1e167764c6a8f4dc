# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Non-finite value checks used in the training loop."""

from __future__ import annotations

import torch

__all__ = ["NonFiniteError", "check_finite"]


class NonFiniteError(FloatingPointError):
    """A NaN or Inf appeared in actions, observations or rewards."""


def check_finite(name: str, value: torch.Tensor | dict[str, torch.Tensor], where: str = "") -> None:
    """Raise :class:`NonFiniteError` naming ``name`` (and the dict key) if ``value`` holds NaN or Inf.

    Args:
        name: What the tensor is, e.g. ``"actions"``, ``"observations"``, ``"rewards"``.
        value: A tensor (first dim = env) or a dict of them.
        where: Extra context for the message (iteration / step).
    """
    items = value.items() if isinstance(value, dict) else [(None, value)]
    for key, t in items:
        if not torch.is_floating_point(t):
            continue
        finite = torch.isfinite(t)
        if bool(finite.all()):
            continue
        label = f"{name}['{key}']" if key is not None else name
        bad = finite.reshape(t.shape[0], -1).all(dim=1).logical_not().nonzero().flatten() if t.dim() > 0 else None
        envs = bad[:10].tolist() if bad is not None else []
        kind = "NaN" if bool(torch.isnan(t).any()) else "Inf"
        raise NonFiniteError(
            f"{kind} detected in {label}{' ' + where if where else ''}: first bad env ids {envs} "
            f"({0 if bad is None else bad.numel()} envs affected)"
        )
