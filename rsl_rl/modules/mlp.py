# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Multi-layer perceptron with an optional additive input to the first layer's pre-activation."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "MLP", "resolve_activation"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "elu": nn.ELU,
    "relu": nn.ReLU,
    "selu": nn.SELU,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "lrelu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def resolve_activation(name: str) -> nn.Module:
    """Return a new activation module for ``name``.

    Raises:
        ValueError: ``name`` is not one of :data:`ACTIVATIONS` (the message lists the valid names).
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"Invalid activation function '{name}'. Valid activations are: {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


class MLP(nn.Module):
    """``Linear -> act -> ... -> Linear`` whose first pre-activation can receive an additive term.

    ``forward(x, pre_activation)`` computes ``h = first(x) (+ pre_activation)`` and then the remaining layers. With no
    hidden layers the first layer is the output layer.
    """

    def __init__(self, in_dim: int, out_dim: int, hidden_dims: list[int], activation: str) -> None:
        """Build the layers.

        Args:
            in_dim: Input width (must be > 0).
            out_dim: Output width.
            hidden_dims: Hidden widths, e.g. ``[512, 256, 128]``.
            activation: Activation name, see :data:`ACTIVATIONS`.
        """
        super().__init__()
        if in_dim <= 0:
            raise ValueError(f"MLP input width must be > 0, got {in_dim}")
        if any(int(h) <= 0 for h in hidden_dims):
            raise ValueError(f"Hidden widths must be positive integers, got {list(hidden_dims)}")
        dims = [in_dim, *[int(h) for h in hidden_dims], out_dim]
        resolve_activation(activation)  # validate early
        self.first = nn.Linear(dims[0], dims[1])
        rest: list[nn.Module] = []
        for i in range(1, len(dims) - 1):
            rest.append(resolve_activation(activation))
            rest.append(nn.Linear(dims[i], dims[i + 1]))
        self.rest = nn.Sequential(*rest)
        self.first_width = dims[1]

    def forward(self, x: torch.Tensor, pre_activation: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Run the MLP; ``pre_activation`` ``(N, first_width)`` is added after the first Linear layer."""
        h = self.first(x)
        if pre_activation is not None:
            h = h + pre_activation
        return self.rest(h)
