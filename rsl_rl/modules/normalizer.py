# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Running mean / variance observation normaliser."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["RunningNormalizer"]


class RunningNormalizer(nn.Module):
    """Element-wise running mean/std normaliser: ``y = (x - mean) / sqrt(var + eps)``.

    The statistics are buffers (saved in the state dict). ``forward`` never changes them, so a policy is frozen at
    inference and export; the algorithm calls :meth:`update` with each rollout batch during training.

    When ``sync_distributed`` is True and ``torch.distributed`` is initialised with more than one rank, :meth:`update`
    sums the batch statistics over all ranks first, so every rank keeps identical statistics.
    """

    def __init__(self, dim: int, eps: float = 1e-4) -> None:
        """Create a normaliser for ``(N, dim)`` inputs.

        Args:
            dim: Feature dimension.
            eps: Added to the variance before the square root.
        """
        super().__init__()
        self.eps = eps
        self.sync_distributed = False
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise ``x`` ``(N, dim)`` with the current statistics."""
        return (x - self.mean) / torch.sqrt(self.var + self.eps)

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        """Merge the statistics of a batch ``x`` ``(N, dim)`` into the running ones (parallel-variance formula)."""
        x = x.detach().reshape(-1, self.mean.shape[0]).to(torch.float64)
        n = torch.tensor([float(x.shape[0])], dtype=torch.float64, device=x.device)
        stats = torch.cat([n, x.sum(0), (x * x).sum(0)])
        if self.sync_distributed and torch.distributed.is_available() and torch.distributed.is_initialized():
            if torch.distributed.get_world_size() > 1:
                torch.distributed.all_reduce(stats, op=torch.distributed.ReduceOp.SUM)
        dim = self.mean.shape[0]
        n_b = stats[0]
        if n_b <= 0:
            return
        mean_b = stats[1 : 1 + dim] / n_b
        var_b = (stats[1 + dim :] / n_b - mean_b * mean_b).clamp_min(0.0)
        n_a = self.count.to(torch.float64)
        total = n_a + n_b
        mean_a = self.mean.to(torch.float64)
        delta = mean_b - mean_a
        new_mean = mean_a + delta * (n_b / total)
        m2 = self.var.to(torch.float64) * n_a + var_b * n_b + delta * delta * (n_a * n_b / total)
        self.mean.copy_(new_mean.to(self.mean.dtype))
        self.var.copy_((m2 / total).to(self.var.dtype))
        self.count.copy_(total)
