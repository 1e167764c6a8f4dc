# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""A signed permutation of the last dimension as a scriptable module (the mirror inside a symmetric network)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SignedPermutationModule"]


class SignedPermutationModule(nn.Module):
    """``y = x[..., index] * sign``; ``index`` and ``sign`` are buffers (saved in checkpoints, exported as
    constants). Built as the identity of ``size`` entries; :meth:`assign` sets the permutation."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.register_buffer("index", torch.arange(int(size), dtype=torch.long))
        self.register_buffer("sign", torch.ones(int(size)))

    @torch.no_grad()
    def assign(self, index: torch.Tensor, sign: torch.Tensor, what: str) -> None:
        """Copy a signed permutation in; ``ValueError`` naming ``what`` when its size differs."""
        if index.numel() != self.index.numel():
            raise ValueError(f"{what}: the mirror has {index.numel()} entries, the network's input/output "
                             f"{self.index.numel()}")
        self.index.copy_(index.reshape(-1).to(self.index.device, torch.long))
        self.sign.copy_(sign.reshape(-1).to(self.sign.device, self.sign.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.index_select(x, -1, self.index) * self.sign
