# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Multi-process (torchrun) helpers: rank info, process-group setup, parameter broadcast, gradient averaging.

Launch: ``torchrun --nproc-per-node G train.py ...`` (or ``python -m torch.distributed.run``). torchrun sets
``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``. Seeding each rank differently is the caller's job (e.g. ``seed + rank``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

__all__ = [
    "RankInfo",
    "all_reduce_gradients",
    "all_reduce_mean",
    "broadcast_module",
    "get_rank_info",
    "init_distributed",
    "is_distributed",
]


@dataclass(frozen=True)
class RankInfo:
    """Position of this process in the job."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """True on global rank 0 (the only rank that logs and saves)."""
        return self.rank == 0

    @property
    def is_multi(self) -> bool:
        """True when more than one process takes part."""
        return self.world_size > 1


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise ValueError(f"Environment variable {name}={raw!r} is not an integer") from e


def get_rank_info() -> RankInfo:
    """Read ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` from the environment (defaults 0, 0, 1)."""
    info = RankInfo(_env_int("RANK", 0), _env_int("LOCAL_RANK", 0), _env_int("WORLD_SIZE", 1))
    if info.world_size < 1 or not 0 <= info.rank < info.world_size:
        raise ValueError(f"Invalid torchrun environment: RANK={info.rank}, WORLD_SIZE={info.world_size}")
    return info


def is_distributed() -> bool:
    """Return True when a default process group with more than one rank is initialised."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def init_distributed(device: str | torch.device, multi_gpu: bool = False) -> RankInfo:
    """Initialise the default process group when training on several processes.

    Distributed mode is on when ``multi_gpu`` is True or ``WORLD_SIZE > 1``. The backend is NCCL for CUDA devices
    (the device must be ``cuda:<LOCAL_RANK>``) and gloo on CPU. An already initialised group is reused.

    Args:
        device: The training device of this process.
        multi_gpu: Request distributed training explicitly.

    Returns:
        This process's :class:`RankInfo` (``world_size == 1`` when not distributed).

    Raises:
        RuntimeError: ``multi_gpu`` without a torchrun environment, or a CUDA device that is not ``cuda:LOCAL_RANK``.
    """
    info = get_rank_info()
    if not multi_gpu and info.world_size == 1:
        return info
    if info.world_size == 1:
        if "WORLD_SIZE" not in os.environ:
            raise RuntimeError(
                "multi_gpu=True but WORLD_SIZE is not set: launch with "
                "`torchrun --nproc-per-node <G> <script> ...` (or python -m torch.distributed.run)"
            )
        return info
    dev = torch.device(device)
    if dev.type == "cuda":
        expected = torch.device(f"cuda:{info.local_rank}")
        if dev.index != info.local_rank:
            raise RuntimeError(
                f"Distributed training on CUDA needs device '{expected}' (LOCAL_RANK={info.local_rank}), got '{device}'"
            )
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=info.rank, world_size=info.world_size)
    return info


def broadcast_module(module: nn.Module, src: int = 0) -> None:
    """Copy every parameter and buffer of ``module`` from rank ``src`` to all ranks (no-op when not distributed)."""
    if not is_distributed():
        return
    with torch.no_grad():
        for tensor in module.state_dict().values():
            dist.broadcast(tensor, src=src)


def all_reduce_gradients(params: Iterable[nn.Parameter], world_size: int) -> None:
    """Average gradients over ranks: flatten all grads into one buffer, all-reduce SUM, divide by ``world_size``.

    Parameters without a gradient contribute zeros so every rank reduces a buffer of the same layout.
    """
    if not is_distributed():
        return
    params = [p for p in params if p.requires_grad]
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= world_size
    offset = 0
    for p in params:
        n = p.numel()
        chunk = flat[offset : offset + n].view_as(p)
        if p.grad is None:
            p.grad = chunk.clone()
        else:
            p.grad.copy_(chunk)
        offset += n


def all_reduce_mean(value: torch.Tensor) -> torch.Tensor:
    """Return the mean of ``value`` over ranks (a new tensor; ``value`` itself when not distributed)."""
    if not is_distributed():
        return value
    out = value.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / dist.get_world_size()
